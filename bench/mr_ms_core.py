"""In-process Map-Request -> Map-Reply throughput of ``Router.receive`` on a Map-Resolver/Map-Server.

Builds an MR/MS with N sites (one /24 EID-prefix each, registered by a simulated ETR with
proxy-reply, so the MS answers itself), pre-encodes M Encapsulated Map-Requests for random hosts
in those prefixes, then feeds them through ``Router.receive`` and prints replies per second. With
``--forward`` the registrations ask for no proxy-reply and the MS forwards each request to the ETR;
``--negative`` asks for EIDs outside every site (negative Map-Replies).

    .venv/bin/python bench/mr_ms_core.py [-n SITES] [-r REQUESTS] [--forward|--negative] [--profile]
"""

import argparse
import cProfile
import pstats
import random
import sys
import time

from lispxtr.config.model import EidRecordCfg, LispConfig, RouterConfig, Service, Site
from lispxtr.core import Router
from lispxtr.wire import EncapsulatedControl, EidRecord, Ipv4, Locator, MapRegister, MapRequest, sign

MS_RLOC = "127.0.10.1"
TARGET = 20_000  # replies/s on one core (the project's goal)


def site_prefix(i: int) -> str:
    return "10.%d.%d.0/24" % (i >> 8 & 0xFF, i & 0xFF)


def build(n_sites: int, proxy_reply: bool, now: float) -> Router:
    sites = {"S%d" % i: Site(auth_key="key-%d" % i, eid_records={(0, site_prefix(i)): EidRecordCfg(True)})
             for i in range(n_sites)}
    config = RouterConfig(hostname="MR_MS", lisp=LispConfig(
        services={"ipv4": Service(map_server=True, map_resolver=True)}, sites=sites))
    router = Router(hostname="MR_MS", rloc=MS_RLOC, host_eids=[], rng=random.Random(1))
    router.apply_config(config, now)
    for i in range(n_sites):
        rloc = "127.1.%d.%d" % (i >> 8 & 0xFF, i & 0xFF)
        record = EidRecord(Ipv4(site_prefix(i).split("/")[0]), 24, (Locator(Ipv4(rloc), 10, 50, local=True),), 1440,
                           authoritative=True)
        msg = MapRegister(i + 1, 0, (record,), proxy_reply=proxy_reply, want_map_notify=False,
                          xtr_id=i.to_bytes(16, "big"), alg_id=2)
        router.receive(sign(msg, "key-%d" % i).encode(), (rloc, 4342), (MS_RLOC, 4342), now)
    return router


def requests(n_sites: int, count: int, negative: bool, rng: random.Random) -> list[bytes]:
    out = []
    for k in range(count):
        if negative:
            eid = "172.%d.%d.%d" % (rng.randrange(16, 32), rng.randrange(256), rng.randrange(1, 255))
        else:
            i = rng.randrange(n_sites)
            eid = "10.%d.%d.%d" % (i >> 8 & 0xFF, i & 0xFF, rng.randrange(1, 255))
        itr = "127.2.%d.%d" % (k >> 8 & 0xFF, k & 0xFF)
        req = MapRequest(rng.getrandbits(64), Ipv4("192.0.2.1"), (Ipv4(itr),), ((Ipv4(eid), 32),))
        out.append(EncapsulatedControl.wrap(req.encode(), itr, eid, 4342, 4342).encode())
    return out


def run(router: Router, packets: list[bytes], now: float) -> tuple[int, float, float]:
    """Feed every packet; return (datagrams sent, CPU seconds, wall seconds). The rate is judged on
    CPU time of this process, so other work on a shared machine does not count against it."""
    receive = router.receive
    src, dst = ("127.2.0.1", 4342), (MS_RLOC, 4342)
    replies = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for data in packets:
        replies += len(receive(data, src, dst, now))
    return replies, time.process_time() - cpu, time.perf_counter() - wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--sites", type=int, default=1000, help="registered sites (default 1000)")
    parser.add_argument("-r", "--requests", type=int, default=100_000, help="Map-Requests to feed (default 100,000)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--forward", action="store_true", help="no proxy-reply: the MS forwards to the ETR")
    mode.add_argument("--negative", action="store_true", help="EIDs outside every site: negative Map-Replies")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile run")
    args = parser.parse_args(argv)
    now = 1_750_000_000.0
    router = build(args.sites, not args.forward, now)
    registered = sum(len(s.registrations) for s in router.map_server.sites.values())
    packets = requests(args.sites, args.requests, args.negative, random.Random(2))
    run(router, packets[:1000], now)  # warm-up
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run(router, packets, now)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(15)
    sent, cpu, wall = run(router, packets, now)
    rate = sent / cpu
    kind = "forwarded ECMs" if args.forward else "negative Map-Replies" if args.negative else "Map-Replies"
    print("%d sites (%d registered), %d Map-Requests -> %d %s in %.3f s CPU (%.3f s wall): %.0f/s per core "
          "(target %d/s: %s)" % (args.sites, registered, len(packets), sent, kind, cpu, wall, rate, TARGET,
                                 "met" if rate >= TARGET else "NOT met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

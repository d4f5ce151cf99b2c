# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data plane: LISP-encapsulated packets per second through a running xTR (ETR in, ITR out).

Over real UDP: MR_MS (127.0.60.51) and SITE2 (127.0.60.52, EID 192.168.2.0/24, host 192.168.2.1)
run as ``lisp-xtr run`` processes; this process plays SITE1 at 127.0.60.53: it registers
192.168.1.0/24 (proxy-reply) and sends LISP-encapsulated ICMP echo requests 192.168.1.1 ->
192.168.2.1 to SITE2's port 4341 at a paced rate. SITE2's ETR decapsulates each one, its host
answers, and its ITR encapsulates the echo reply back to 127.0.60.53:4341, where it is counted.
Per step: sent, answered, lost, answered echoes/s (the headline), the encapsulated packets/s that
crossed the xTR (2 per answered echo: the request it decapsulated, the reply it encapsulated; a
lower bound, lost requests it may have decapsulated are not counted), SITE2's CPU share, both
rates per SITE2 CPU-second, and the load average.

Which number compares to the target (50,000 encapsulated packets/s through one ITR to one ETR):
answered echoes/s. Each of the two packet streams (requests SITE1 -> SITE2, replies SITE2 ->
SITE1) runs at that rate from an ITR to an ETR; the packets/s through the xTR is the sum of the
two streams in one process (its work), not the rate of one stream.

``--inproc`` also times the core alone (no sockets), per CPU-second: ``Itr.forward`` (map-cache
look-up + encapsulation) and ``Router.receive`` of an encapsulated echo request on 4341
(decapsulate, answer, encapsulate the reply: 2 packets through the xTR per call), with the fast
path (``Router.data_fast_path``) and with the general path.

    .venv/bin/python bench/data_plane.py [--rates 2000,5000,10000,20000,50000] [--seconds 3] [--inproc] [--inproc-only]
"""


import argparse
import random
import sys
import time

import benchlib
from lispxtr.wire import DataHeader
from lispxtr.wire.ip import build_icmp_echo

MS, SITE2, SITE1 = "127.0.60.51", "127.0.60.52", "127.0.60.53"
TARGET = 50_000


def encapsulated(ident, count):
    return [DataHeader(nonce=k & 0xFFFFFF, instance_id=0,
                       payload=build_icmp_echo("192.168.1.1", "192.168.2.1", ident, k, bytes(56))).encode()
            for k in range(count)]


def step(sock, packets, ident, rate, seconds, pid):
    """Send ``len(packets)`` at most, at ``rate``/s; count echo replies with ``ident``."""
    total = min(len(packets), int(rate * seconds))
    got = set()
    cpu0, t0 = benchlib.cpu_seconds(pid), time.perf_counter()
    n = 0
    deadline = t0 + seconds * 3 + 5

    def drain():
        while True:
            try:
                data = sock.recv(65535)
            except BlockingIOError:
                return
            # LISP header (8) + IPv4 header (20) + ICMP: type 0 (reply), ident, seq
            if len(data) >= 36 and data[28] == 0 and int.from_bytes(data[32:34], "big") == ident:
                got.add(int.from_bytes(data[34:36], "big"))

    while n < total and time.perf_counter() < deadline:
        due = min(total, int((time.perf_counter() - t0) * rate) + 1)
        while n < due:
            try:
                sock.sendto(packets[n], (SITE2, 4341))
            except BlockingIOError:
                break
            n += 1
        drain()
        if n >= due:
            time.sleep(0.0005)
    send_s = time.perf_counter() - t0
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end and len(got) < n:
        drain()
        time.sleep(0.001)
    cpu = benchlib.cpu_seconds(pid) - cpu0
    wall = time.perf_counter() - t0
    answered = len(got)
    return {"rate": rate, "sent": n, "answered": answered, "lost": n - answered, "answered_per_s": round(answered / send_s),
            # each answered echo crossed the xTR as 2 encapsulated packets: decapsulated once, encapsulated once
            "xtr_packets_per_s": round(2 * answered / send_s),
            "xtr_cpu_share": round(cpu / wall, 3), "answered_per_xtr_cpu_s": round(answered / cpu) if cpu else None,
            "xtr_packets_per_xtr_cpu_s": round(2 * answered / cpu) if cpu else None,
            "load": round(benchlib.load_average(), 1)}


def inproc(count):
    """The core without sockets: ITR encapsulation and ETR decapsulation per CPU-second."""
    from lispxtr.config import parse_config  # pylint: disable=import-outside-toplevel  # only for --inproc
    from lispxtr.core import Router  # pylint: disable=import-outside-toplevel
    from lispxtr.core.map_cache import CachedLocator, MapCacheEntry  # pylint: disable=import-outside-toplevel
    from lispxtr.core.prefix import EidPrefix, addr_to_int  # pylint: disable=import-outside-toplevel

    router = Router(hostname="SITE2", rloc=SITE2, host_eids=["192.168.2.1"], rng=random.Random(1))
    router.apply_config(parse_config(benchlib.xtr_startup("SITE2", SITE2, "192.168.2.0/24", MS, "SITE2-KEY")), 0.0)
    _afi, value = addr_to_int("192.168.1.0")
    router.map_cache.add(MapCacheEntry(EidPrefix(0, "ipv4", value, 24), 0.0, None, 86400,
                                       locators=[CachedLocator(SITE1, 10, 50)]))
    echo = build_icmp_echo("192.168.2.1", "192.168.1.1", 1, 1, bytes(56), reply=True)
    forward = router.itr.forward
    cpu = time.process_time()
    for _packet in range(count):
        forward(echo, 0, "192.168.2.1", "192.168.1.1", 1.0)
    encap = count / (time.process_time() - cpu)
    data = DataHeader(nonce=1, instance_id=0, payload=build_icmp_echo("192.168.1.1", "192.168.2.1", 1, 1, bytes(56))).encode()
    receive = router.receive
    src, dst = (SITE1, 50000), (SITE2, 4341)
    rates = {}
    for fast in (True, False):
        router.data_fast_path = fast
        before = router.counters["itr_encapsulated"]
        cpu = time.process_time()
        for _packet in range(count):
            receive(data, src, dst, 1.0)
        rates[fast] = count / (time.process_time() - cpu)
        if router.counters["itr_encapsulated"] - before != count:
            raise SystemExit("in process: not every echo request was answered")
    print("in process (load %.1f): Itr.forward %.0f packets/CPU-s; Router.receive of an echo request on 4341 "
          "(decapsulate, answer, encapsulate the reply) %.0f echoes/CPU-s = %.0f packets through the xTR/CPU-s "
          "(general path: %.0f echoes/CPU-s, %.1fx)" % (benchlib.load_average(), encap, rates[True], 2 * rates[True],
                                                        rates[False], rates[True] / rates[False]), flush=True)
    return {"itr_forward_per_cpu_s": round(encap), "echo_per_cpu_s": round(rates[True]),
            "echo_general_per_cpu_s": round(rates[False])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="2000,5000,10000,20000,50000")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--inproc", action="store_true", help="also time the core alone")
    parser.add_argument("--inproc-only", action="store_true", help="time the core alone, start no processes")
    parser.add_argument("--inproc-count", type=int, default=200_000)
    args = parser.parse_args(argv)
    if args.inproc or args.inproc_only:
        inproc(args.inproc_count)
        if args.inproc_only:
            return 0
    ms = benchlib.NodeProcess("MR_MS", MS, benchlib.ms_startup([("SITE1", "SITE1-KEY", ["192.168.1.0/24"]),
                                                                ("SITE2", "SITE2-KEY", ["192.168.2.0/24"])]),
                              cli_port=2064, netconf_port=2864)
    site2 = benchlib.NodeProcess("SITE2", SITE2, benchlib.xtr_startup("SITE2", SITE2, "192.168.2.0/24", MS, "SITE2-KEY"),
                                 state_dir=ms.state_dir, cli_port=2064, netconf_port=2864, host_eids=["192.168.2.1"])
    ms.start()
    site2.start()
    control = benchlib.udp_socket(SITE1, 4342)
    sock = benchlib.udp_socket(SITE1, 4341)
    sock.setblocking(False)
    results = []
    try:
        control.sendto(benchlib.map_register(["192.168.1.0/24"], SITE1, "SITE1-KEY", int(time.time() * 1e6)), (MS, 4342))
        time.sleep(1.0)
        # the first packets make SITE2 resolve 192.168.1.1 (its reply to the first echo is dropped)
        warm = None
        for ident in range(1, 20):
            warm = step(sock, encapsulated(ident, 50), ident, 100, 0.5, site2.pid)
            if warm["lost"] == 0:
                break
        print("warm-up: %s" % warm, flush=True)
        for i, rate in enumerate(int(r) for r in args.rates.split(",") if r):
            ident = 1000 + i
            count = min(65536, int(rate * args.seconds))
            res = step(sock, encapsulated(ident, count), ident, rate, args.seconds, site2.pid)
            results.append(res)
            print("rate %6d/s: sent %6d answered %6d lost %6d | answered echoes %6d/s, encapsulated packets through the "
                  "xTR %6d/s (decapsulated + encapsulated) | xTR CPU %3.0f%%, per xTR CPU-s %s echoes = %s packets | load %.1f"
                  % (rate, res["sent"], res["answered"], res["lost"], res["answered_per_s"], res["xtr_packets_per_s"],
                     100 * res["xtr_cpu_share"], res["answered_per_xtr_cpu_s"], res["xtr_packets_per_xtr_cpu_s"],
                     res["load"]), flush=True)
            time.sleep(1.0)
    finally:
        site2.stop()
        ms.stop()
        sock.close()
        control.close()
    best = max((r["answered_per_s"] for r in results if r["lost"] == 0), default=0)
    print("max answered echoes/s with no loss: %d (target %d encapsulated packets/s from one ITR to one ETR: each of the "
          "two streams ran at this rate); the xTR carried %d encapsulated packets/s (decapsulated + encapsulated); %s"
          % (best, TARGET, 2 * best, benchlib.machine()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

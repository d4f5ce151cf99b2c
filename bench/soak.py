# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Soak: a Map-Resolver/Map-Server under steady Map-Request load while registrations cycle.

The set-up of ``mr_ms_udp.py`` (MR_MS on 127.0.60.1, ``--sites`` sites, the request mix of proxy /
forwarded / unregistered / non-EID), run for ``--minutes`` at ``--rate`` Map-Requests/s in slices of
``--slice`` seconds. Before each slice every site registers again with a fresh nonce, and one
site in ten first withdraws its registration (record TTL 0, RFC 9301 §5.4) and then registers again,
so registrations churn while the requests flow. Per slice: sent, answered, lost, p99 latency and
the MR_MS's resident memory. Verdict: zero lost replies, and RSS at the end within 10% of RSS after
the first slice.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 5000] [--sites 1000] [--slice 10]
"""

import argparse
import sys
import time

import benchlib
import mr_ms_udp


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--slice", type=float, default=10.0)
    args = parser.parse_args(argv)
    sites = [("S%d" % i, "key-%d" % i, [mr_ms_udp.site_prefix(i)]) for i in range(args.sites)]
    sites.append(("UNREG", "key-unreg", ["10.255.255.0/24"]))
    node = benchlib.NodeProcess("MR_MS", mr_ms_udp.MS, benchlib.ms_startup(sites), cli_port=2065, netconf_port=2865)
    node.start()
    rows = []
    try:
        gen = mr_ms_udp.Generator(args.sites)
        gen.register(int(time.time() * 1e6))
        time.sleep(2.0)
        end = time.monotonic() + args.minutes * 60.0
        while time.monotonic() < end:
            nonce = int(time.time() * 1e6)
            for i in range(0, args.sites - 1, 10):  # withdraw one site in ten (TTL 0) ...
                gen.etr_proxy.sendto(benchlib.map_register([mr_ms_udp.site_prefix(i)], mr_ms_udp.ETR_PROXY, "key-%d" % i,
                                                           nonce, ttl=0, xtr_id=b"\1" * 16), (mr_ms_udp.MS, 4342))
            time.sleep(0.05)
            gen.register(nonce + 1)  # ... and everyone registers again
            time.sleep(0.5)
            res = gen.step(args.rate, args.slice, int(args.rate * args.slice), node.pid)
            res["rss_mb"] = round(node.rss_bytes() / 1e6, 1)
            rows.append(res)
            print("t=%4.0f s: sent %6d answered %6d lost %4d  p99 %s ms  MS CPU %.0f%%  RSS %.1f MB  load %.1f" % (
                len(rows) * (args.slice + 1.6), res["sent"], res["answered"], res["lost"], res["p99_ms"],
                100 * res["ms_cpu_share"], res["rss_mb"], res["load"]), flush=True)
        alive = node.alive()
    finally:
        node.stop()
    lost = sum(r["lost"] for r in rows)
    sent = sum(r["sent"] for r in rows)
    rss0, rss1 = rows[0]["rss_mb"], rows[-1]["rss_mb"]
    ok = alive and lost == 0 and rss1 <= rss0 * 1.10
    print("%.1f min at %d/s: %d sent, %d lost; RSS %.1f -> %.1f MB (%+.1f%%); alive %s; %s: %s" % (
        args.minutes, args.rate, sent, lost, rss0, rss1, 100 * (rss1 - rss0) / rss0, alive, benchlib.machine(),
        "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

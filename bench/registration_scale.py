# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registration scale: a Map-Server with many sites, each re-registering every period.

Starts ``lisp-xtr run`` as MR_MS on 127.0.60.1 with ``--sites`` sites (default 10,000), site i
owning one /20 (``eid-record ... accept-more-specifics``) and its own key; this process then plays
the ETRs: every ``--interval`` seconds (default 60, RFC 9301 §8.2) each site sends one signed
(HMAC-SHA-256) Map-Register of ``--prefixes`` /24s inside its /20 (default 10: 100,000
EID-prefixes), spread evenly over the period, asking for a Map-Notify so every accepted
registration is counted. Reports, per period, the Map-Notifies received, the MS's CPU share and
resident memory; the steady state is every period after the first.

    .venv/bin/python bench/registration_scale.py [--sites 10000] [--prefixes 10] [--interval 60] [--periods 4]
"""

import argparse
import json
import sys
import time

import benchlib

MS, ETR = "127.0.60.1", "127.0.60.20"
CONTROL = 4342
TARGET_RSS_MB, TARGET_CPU = 300, 0.20


def site_base(i):
    return (10 << 24) + i * 4096  # one /20 per site from 10.0.0.0 on


def dotted(value):
    return "%d.%d.%d.%d" % (value >> 24 & 0xFF, value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--prefixes", type=int, default=10, help="EID-prefixes (/24) per site, at most 16")
    parser.add_argument("--interval", type=float, default=60.0, help="registration period in seconds")
    parser.add_argument("--periods", type=int, default=4, help="periods to run (the first is the initial load)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.prefixes <= 16:
        parser.error("--prefixes must be 1..16")
    sites = [("S%05d" % i, "key-%05d" % i, ["%s/20" % dotted(site_base(i))]) for i in range(args.sites)]
    node = benchlib.NodeProcess("MR_MS", MS, benchlib.ms_startup(sites), cli_port=2062, netconf_port=2862)
    t0 = time.perf_counter()
    node.start(timeout=600)
    boot = time.perf_counter() - t0
    rss_boot = node.rss_bytes()
    print("MR_MS with %d sites booted in %.1f s, RSS %.1f MB" % (args.sites, boot, rss_boot / 1e6), flush=True)
    sock = benchlib.udp_socket(ETR, CONTROL)
    sock.setblocking(False)
    prefixes = [["%s/24" % dotted(site_base(i) + k * 256) for k in range(args.prefixes)] for i in range(args.sites)]
    results = []
    try:
        for period in range(args.periods):
            notifies = 0
            cpu0, start = node.cpu_seconds(), time.perf_counter()
            gen_cpu0 = time.process_time()
            nonce = int(time.time() * 1e6)
            for i in range(args.sites):
                due = start + args.interval * i / args.sites
                while True:
                    try:
                        while True:
                            if sock.recv(65535)[0] >> 4 == 4:  # Map-Notify
                                notifies += 1
                    except BlockingIOError:
                        pass
                    delay = due - time.perf_counter()
                    if delay <= 0:
                        break
                    time.sleep(min(delay, 0.01))
                data = benchlib.map_register(prefixes[i], ETR, "key-%05d" % i, nonce + i, proxy_reply=True,
                                             xtr_id=i.to_bytes(16, "big"), want_map_notify=True)
                sock.sendto(data, (MS, CONTROL))
            end = start + args.interval
            while time.perf_counter() < end + 0.5:  # the rest of the period (and half a second for the last answers)
                try:
                    while True:
                        if sock.recv(65535)[0] >> 4 == 4:
                            notifies += 1
                except BlockingIOError:
                    pass
                time.sleep(0.01)
            wall = time.perf_counter() - start
            cpu = node.cpu_seconds() - cpu0
            res = {"period": period + 1, "registers": args.sites, "map_notifies": notifies, "wall_s": round(wall, 1),
                   "ms_cpu_s": round(cpu, 2), "ms_cpu_share": round(cpu / wall, 4), "rss_mb": round(node.rss_bytes() / 1e6, 1),
                   "generator_cpu_s": round(time.process_time() - gen_cpu0, 1), "load": round(benchlib.load_average(), 2)}
            results.append(res)
            print("period %d: %d Map-Registers, %d Map-Notifies; MS CPU %.2f s of %.1f s = %.1f%% of a core; RSS %.1f MB; "
                  "load %.1f" % (res["period"], res["registers"], notifies, cpu, wall, 100 * res["ms_cpu_share"], res["rss_mb"],
                                 res["load"]), flush=True)
    finally:
        node.stop()
        sock.close()
    steady = results[1:] or results
    share = max(r["ms_cpu_share"] for r in steady)
    rss = max(r["rss_mb"] for r in results)
    print("steady state: CPU %.1f%% of a core (target <= %.0f%%: %s), RSS %.1f MB (target <= %d MB: %s); %s" % (
        100 * share, 100 * TARGET_CPU, "met" if share <= TARGET_CPU else "NOT met", rss, TARGET_RSS_MB,
        "met" if rss <= TARGET_RSS_MB else "NOT met", benchlib.machine()))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": benchlib.machine(), "boot_s": boot, "rss_boot_mb": rss_boot / 1e6, "results": results},
                      handle, indent=1)
    lost = [r for r in results if r["map_notifies"] != r["registers"]]
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())

# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fuzz a RUNNING router over UDP: N mutated and random datagrams to its ports 4342 and 4341.

Starts ``lisp-xtr run`` on 127.0.60.40 as Map-Server + Map-Resolver + ITR + ETR at once (so every
role's input path is reached), sends ``-n`` datagrams (default 1,000,000) from 127.0.60.41: 19 in
20 are mutations of valid LISP messages (``lispxtr.wire.fuzz.mutate`` of the sample corpus: bit
flips, truncation, splices, length and AFI fields...), 1 in 20 purely random bytes; each goes to
the port its seed belongs to (control 4342, data 4341), and 1 in 10 to the other one. Every
``--probe-every`` datagrams (default 500) a valid ECM Map-Request is sent and its Map-Reply awaited (this also
paces the fuzzer to the router's speed, so datagrams are processed rather than dropped by the
kernel). Verdict: the process is alive, the log has no traceback, it answers a valid Map-Request
at the end, and its RSS grew by at most 10% over the value after the warm-up.

    .venv/bin/python bench/fuzz_router.py [-n 1000000] [--seed 0] [--probe-every 2000]
"""

import argparse
import random
import sys
import time

import benchlib
from lispxtr.wire.fuzz import mutate, seeds

ADDRESS, FUZZER = "127.0.60.40", "127.0.60.41"


def startup():
    ms = benchlib.ms_startup([("SITE1", "SITE1-KEY", ["192.168.1.0/24"]), ("SITE2", "SITE2-KEY", ["192.168.2.0/24"])],
                             "FUZZ")
    xtr = benchlib.xtr_startup("FUZZ", ADDRESS, "192.168.1.0/24", ADDRESS, "SITE1-KEY")
    return ms.replace(" exit-router-lisp\n", "") + "\n".join(xtr.splitlines()[3:]) + "\n"


def probe(sock, nonce, timeout=2.0, tries=3):
    """A valid ECM Map-Request for a non-EID; True when its Map-Reply comes back. Sent up to
    ``tries`` times: a datagram the kernel drops from a full receive buffer is not the router's fault
    (those drops are counted separately, from /proc/net/udp)."""
    for _try in range(tries):
        sock.sendto(benchlib.ecm_map_request(nonce, "172.16.0.1", FUZZER, sock.getsockname()[1]), (ADDRESS, 4342))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = sock.recv(65535)
            except OSError:
                continue
            if benchlib.reply_nonce(data) == nonce and data[0] >> 4 == 2:
                return True
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--probe-every", type=int, default=500)
    parser.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this long whatever the count")
    args = parser.parse_args(argv)
    node = benchlib.NodeProcess("FUZZ", ADDRESS, startup(), cli_port=2063, netconf_port=2863, host_eids=["192.168.1.1"])
    node.start()
    sock = benchlib.udp_socket(FUZZER)
    rng = random.Random(args.seed)
    corpus = seeds()
    raw = [b for _k, b in corpus]
    sent = probes = failed_probes = 0
    start = time.monotonic()
    rss0 = None
    pause, last_drops = 0.01, 0
    try:
        while sent < args.count and time.monotonic() - start < args.max_seconds:
            kind, base = rng.choice(corpus)
            if rng.randrange(20) == 0:
                data = rng.randbytes(rng.randrange(0, 64))
            else:
                data = mutate(rng, base, raw)
            port = 4342 if kind == "control" else 4341
            if rng.randrange(10) == 0:
                port = 4341 if port == 4342 else 4342
            sock.sendto(data, (ADDRESS, port))
            sent += 1
            if sent % 50 == 0:
                time.sleep(pause)  # bursts of 50, the pause adapted so that the kernel drops (almost) none
            if sent % args.probe_every == 0:
                probes += 1
                if not probe(sock, probes):
                    failed_probes += 1
                drops = benchlib.udp_drops(ADDRESS, (4342, 4341))
                pause = min(0.5, pause * 2) if drops > last_drops else max(0.001, pause * 0.8)
                last_drops = drops
                if rss0 is None and sent >= 20_000:
                    rss0 = node.rss_bytes()
                if sent % 100_000 == 0:
                    print("  %d sent, %.0f/s, RSS %.1f MB, failed probes %d" % (
                        sent, sent / (time.monotonic() - start), node.rss_bytes() / 1e6, failed_probes), flush=True)
        elapsed = time.monotonic() - start
        alive = node.alive()
        final = probe(sock, 1 << 40) if alive else False
        rss1 = node.rss_bytes() if alive else 0
        drops = benchlib.udp_drops(ADDRESS, (4342, 4341))
    finally:
        node.stop()
        sock.close()
    log = (node.dir / "node.log").read_text(encoding="utf-8", errors="replace")
    tracebacks = log.count("Traceback")
    rss0 = rss0 or rss1
    growth = (rss1 - rss0) / rss0 if rss0 else 0.0
    ok = alive and final and tracebacks == 0 and growth <= 0.10
    print("%d datagrams in %.0f s (%.0f/s, paced by %d probes, %d unanswered, %d dropped by the kernel); alive %s; valid Map-Request answered "
          "after: %s; tracebacks in log: %d; RSS %.1f -> %.1f MB (%+.1f%%); load %.1f; %s: %s" % (
              sent, elapsed, sent / elapsed, probes, failed_probes, drops, alive, final, tracebacks, rss0 / 1e6, rss1 / 1e6,
              100 * growth, benchlib.load_average(), benchlib.machine(), "PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Map-Resolver/Map-Server over real UDP: Map-Requests per second answered by a running MR_MS.

Starts ``lisp-xtr run`` as MR_MS on 127.0.60.1 with ``--sites`` configured sites (10.H.L.0/24
each) plus one site that never registers, registers every site but one with signed Map-Registers
(proxy-reply) from a simulated ETR on 127.0.60.2 and the last one without proxy-reply from
127.0.60.3, then this process (the load generator, a separate process from the MR_MS) sends ECM
Map-Requests from 127.0.60.9 at a paced rate, one step per rate, and counts the answers:

- registered, proxy-reply     -> Map-Reply from the MS (``proxy``)
- registered, no proxy-reply  -> the MS forwards the ECM to 127.0.60.3, received here (``forward``)
- configured, not registered  -> negative Map-Reply, TTL 1 minute (``unregistered``)
- not an EID                  -> negative Map-Reply, TTL 15 minutes (``non-eid``)

For each step: sent, answered, lost, answered/s, p50/p99/max latency (send -> answer) and the
MR_MS's CPU share. "Max answered/s with no loss" is the highest step with zero loss. Every step is
bounded in count and time.

    .venv/bin/python bench/mr_ms_udp.py [--rates 2000,5000,10000,15000,20000] [--seconds 5] [--sites 1000]
    .venv/bin/python bench/mr_ms_udp.py --rates 10000 --seconds 10      # p99 at 10,000/s
    .venv/bin/python bench/mr_ms_udp.py --rates 8000 --seconds 20 --py-spy /tmp/ms.txt   # where MR_MS spends its time
"""

import argparse
import collections
import json
import random
import shutil
import subprocess
import sys
import pathlib
import time

import benchlib

MS, ETR_PROXY, ETR_FORWARD, ITR = "127.0.60.1", "127.0.60.2", "127.0.60.3", "127.0.60.9"
MIX = (("proxy", 70), ("forward", 10), ("unregistered", 10), ("non-eid", 10))
TARGET_RATE, TARGET_P99_MS = 20_000, 5.0
CONTROL = 4342


def site_prefix(i):
    return "10.%d.%d.0/24" % (i >> 8 & 0xFF, i & 0xFF)


class Generator:
    def __init__(self, sites, seed=1):
        self.sites = sites
        self.itr = benchlib.udp_socket(ITR)
        self.itr.setblocking(False)
        self.itr_port = self.itr.getsockname()[1]
        self.etr = benchlib.udp_socket(ETR_FORWARD, CONTROL)  # the ETR a forwarded request reaches
        self.etr.setblocking(False)
        self.etr_proxy = benchlib.udp_socket(ETR_PROXY, CONTROL)
        rng = random.Random(seed)
        self.templates = {}
        # nonce = (idx << 32) | (~idx & 0xffffffff): the 16-bit one's complement sum of the nonce words
        # is the same for every idx, so the inner UDP checksum of the template stays right when the
        # nonce is patched in (RFC 1071)
        for kind, _weight in MIX:
            packets = []
            for _k in range(16):
                if kind == "proxy":
                    i = rng.randrange(sites - 1)
                    eid = "10.%d.%d.%d" % (i >> 8 & 0xFF, i & 0xFF, rng.randrange(1, 255))
                elif kind == "forward":
                    i = sites - 1
                    eid = "10.%d.%d.%d" % (i >> 8 & 0xFF, i & 0xFF, rng.randrange(1, 255))
                elif kind == "unregistered":
                    eid = "10.255.255.%d" % rng.randrange(1, 255)
                else:
                    eid = "172.%d.%d.%d" % (rng.randrange(16, 32), rng.randrange(256), rng.randrange(1, 255))
                data = benchlib.ecm_map_request(0xFFFFFFFF, eid, ITR, self.itr_port)
                assert data[36:44] == (0xFFFFFFFF).to_bytes(8, "big"), "unexpected ECM layout"
                packets.append(bytearray(data))
            self.templates[kind] = packets
        self.schedule = [kind for kind, weight in MIX for _slot in range(weight)]
        rng.shuffle(self.schedule)
        self.idx = 1

    def register(self, nonce):
        """Register every site but the last with proxy-reply, the last without, and wait for the
        MS to answer a request for each kind (so the load starts on a ready MS)."""
        for i in range(self.sites - 1):
            self.etr_proxy.sendto(benchlib.map_register([site_prefix(i)], ETR_PROXY, "key-%d" % i, nonce,
                                                        xtr_id=b"\1" * 16), (MS, CONTROL))
            if i % 200 == 199:
                time.sleep(0.05)  # do not overrun the MS's receive buffer while it registers
        i = self.sites - 1
        self.etr.sendto(benchlib.map_register([site_prefix(i)], ETR_FORWARD, "key-%d" % i, nonce, proxy_reply=False,
                                              xtr_id=b"\2" * 16), (MS, CONTROL))

    def send(self, kind, sent_at, now):
        idx = self.idx
        self.idx += 1
        packets = self.templates[kind]
        data = packets[idx % len(packets)]
        data[36:44] = ((idx << 32) | (~idx & 0xFFFFFFFF)).to_bytes(8, "big")
        try:
            self.itr.sendto(data, (MS, CONTROL))
        except BlockingIOError:
            return False
        sent_at[idx] = (now, kind)
        return True

    def drain(self, answers):
        for sock in (self.itr, self.etr):
            while True:
                try:
                    data = sock.recv(65535)
                except BlockingIOError:
                    break
                nonce = benchlib.reply_nonce(data)
                if nonce is not None:
                    answers[nonce >> 32] = time.perf_counter()

    def step(self, rate, seconds, max_count, ms_pid):
        """Send at ``rate``/s for ``seconds`` (at most ``max_count``), then wait 1 s for answers."""
        sent_at, answers = {}, {}
        total = min(int(rate * seconds), max_count)
        cpu0, t0, own0 = benchlib.cpu_seconds(ms_pid), time.perf_counter(), time.process_time()
        n = 0
        deadline = t0 + seconds * 3 + 5  # stops by itself even when the machine is starved
        while n < total:
            now = time.perf_counter()
            if now > deadline:
                break
            due = min(total, int((now - t0) * rate) + 1)
            while n < due:
                if self.send(self.schedule[n % len(self.schedule)], sent_at, time.perf_counter()):
                    n += 1
                else:
                    break
            self.drain(answers)
            if n >= due:
                time.sleep(0.0005)
        send_wall = time.perf_counter() - t0
        end = time.perf_counter() + 1.0
        while time.perf_counter() < end and len(answers) < len(sent_at):
            self.drain(answers)
            time.sleep(0.001)
        cpu = benchlib.cpu_seconds(ms_pid) - cpu0
        wall = time.perf_counter() - t0
        own = time.process_time() - own0
        lat = [(answers[i] - t) * 1000.0 for i, (t, _k) in sent_at.items() if i in answers]
        by_kind = {}
        for i, (_t, kind) in sent_at.items():
            entry = by_kind.setdefault(kind, [0, 0])
            entry[0] += 1
            entry[1] += i in answers
        return {"rate": rate, "sent": len(sent_at), "answered": len(answers), "lost": len(sent_at) - len(answers),
                "send_seconds": round(send_wall, 3), "offered_per_s": round(len(sent_at) / send_wall),
                "answered_per_s": round(len(answers) / send_wall),
                "p50_ms": _round(benchlib.percentile(lat, 50)), "p99_ms": _round(benchlib.percentile(lat, 99)),
                "max_ms": _round(max(lat) if lat else None), "ms_cpu_share": round(cpu / wall, 3),
                "generator_cpu_share": round(own / wall, 3),
                "answered_per_ms_cpu_s": round(len(answers) / cpu) if cpu else None,
                "by_kind": {k: {"sent": v[0], "answered": v[1]} for k, v in sorted(by_kind.items())},
                "load": round(benchlib.load_average(), 2)}


def top_functions(path, n=15):
    """Self and inclusive share of samples per function, from py-spy's collapsed stacks."""
    own, inclusive = collections.Counter(), collections.Counter()
    total = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stack, _sep, count = line.rstrip().rpartition(" ")
            if not count.isdigit():
                continue
            count = int(count)
            frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1] + ")" if " (" in f else f
                      for f in stack.split(";")]
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    print("py-spy: %d samples of MR_MS" % total)
    for frame, count in own.most_common(n):
        print("  self %5.1f%%  incl %5.1f%%  %s" % (100.0 * count / total, 100.0 * inclusive[frame] / total, frame))


def _round(value):
    return None if value is None else round(value, 3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000, help="registered sites (default 1000)")
    parser.add_argument("--rates", default="2000,5000,10000,15000,20000,25000", help="Map-Requests/s, one step each")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per step (default 5)")
    parser.add_argument("--max-count", type=int, default=500_000, help="at most this many requests per step")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--py-spy", dest="py_spy", help="sample the MR_MS with py-spy during the steps; write the "
                        "collapsed stacks to this file and print the top functions")
    args = parser.parse_args(argv)
    sites = [("S%d" % i, "key-%d" % i, [site_prefix(i)]) for i in range(args.sites)]
    sites.append(("UNREG", "key-unreg", ["10.255.255.0/24"]))
    node = benchlib.NodeProcess("MR_MS", MS, benchlib.ms_startup(sites), cli_port=2061, netconf_port=2861)
    node.start()
    results = []
    try:
        gen = Generator(args.sites)
        gen.register(int(time.time() * 1e6))
        time.sleep(2.0)
        warm = gen.step(500, 1.0, 1000, node.pid)
        if warm["lost"]:
            print("warning: %d of %d warm-up requests unanswered: %s" % (warm["lost"], warm["sent"], warm["by_kind"]))
        spy = None
        if args.py_spy:
            binary = shutil.which("py-spy") or str(pathlib.Path(sys.executable).with_name("py-spy"))
            spy = subprocess.Popen([binary, "record", "--pid", str(node.pid), "--format", "raw", "--output", args.py_spy,
                                    "--rate", "200", "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
        for rate in [int(r) for r in args.rates.split(",") if r]:
            res = gen.step(rate, args.seconds, args.max_count, node.pid)
            results.append(res)
            print("rate %6d/s: sent %7d answered %7d lost %6d  %7d/s answered  p50 %s ms p99 %s ms max %s ms  "
                  "MS CPU %.0f%% (%s answered per MS CPU-s)  generator CPU %.0f%%  load %.1f" % (
                      res["rate"], res["sent"], res["answered"], res["lost"], res["answered_per_s"], res["p50_ms"],
                      res["p99_ms"], res["max_ms"], 100 * res["ms_cpu_share"], res["answered_per_ms_cpu_s"],
                      100 * res["generator_cpu_share"], res["load"]),
                  flush=True)
            time.sleep(1.0)
        print("MR_MS RSS %.1f MB, alive %s" % (node.rss_bytes() / 1e6, node.alive()))
        if spy is not None:
            spy.send_signal(subprocess.signal.SIGINT)
            spy.wait(30)
            top_functions(args.py_spy)
    finally:
        node.stop()
    clean = [r for r in results if r["lost"] == 0]
    best = max((r["answered_per_s"] for r in clean), default=0)
    print("max answered/s with no loss: %d (target %d); %s" % (best, TARGET_RATE, benchlib.machine()))
    at10k = [r for r in results if r["rate"] == 10_000]
    if at10k:
        print("p99 at 10,000/s: %s ms (target %.0f ms), lost %d" % (at10k[0]["p99_ms"], TARGET_P99_MS, at10k[0]["lost"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": benchlib.machine(), "results": results}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

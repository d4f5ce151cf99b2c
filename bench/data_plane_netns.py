# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Data plane one way, through real kernels: a Linux host behind SITE1 sends, SITE1's ITR encapsulates,
SITE2's ETR decapsulates, the Linux host behind SITE2 receives (root only).

Builds the namespace lab (``lispxtr.netns``, topology writeup-configured, namespaces ``lnb-*``; every
address lives inside them), waits for both registrations and lets a ping resolve each map-cache.
Then, per rate, this process sends UDP datagrams from host1 (192.168.1.1) to host2 (192.168.2.1:9)
at a paced rate: each crosses host1's kernel, SITE1's namespace into its TUN device, SITE1 (read,
map-cache look-up, encapsulation on UDP 4341), the RLOC bridge, SITE2 (decapsulation, write into its
TUN device), SITE2's namespace and host2's kernel, where a bound socket with a tiny buffer takes it,
read only between steps (counted by host2's UDP counters, read in host2's namespace: InDatagrams,
counted as the queue is read, plus RcvbufErrors, the overflow of the full queue). Per step: sent,
delivered, lost, delivered/s (encapsulated packets/s from one ITR to one ETR, the target's
measure), and the CPU share of SITE1 and SITE2 with packets per CPU-second of each.

    .venv/bin/python bench/data_plane_netns.py [--rates 30000,40000,50000,55000,60000,70000] [--seconds 3] [--floor]

``--floor`` replaces SITE1 and SITE2 by ``data_plane_floor.py``: the same system calls, no LISP logic.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

import benchlib
from lispxtr import lab, netns

PORT = 9  # discard
TARGET = 50_000


def host_udp(nl, which):
    """host1's and host2's UDP counters: (InDatagrams, RcvbufErrors), read inside its namespace."""
    def read():
        with open("/proc/thread-self/net/snmp", encoding="ascii") as handle:
            rows = [line.split() for line in handle if line.startswith("Udp:")]
        values = dict(zip(rows[0][1:], (int(v) for v in rows[1][1:])))
        return values["InDatagrams"], values["RcvbufErrors"]
    return netns.in_netns(nl.plan.hosts[which]["ns"], read)


def drain(sink):
    """Read what waits in the sink's queue: Linux counts a datagram in InDatagrams when it is read,
    so the ones still queued (about 9 fit) would otherwise count as lost."""
    while True:
        try:
            sink.recv(2048)
        except BlockingIOError:
            return


def step(nl, sender, sink, rate, seconds, pids):
    """Send ``rate * seconds`` datagrams at ``rate``/s; count what host2's UDP layer received."""
    total = int(rate * seconds)
    payload = bytearray(64)
    drain(sink)
    in0, drop0 = host_udp(nl, 1)
    cpu0 = {name: benchlib.cpu_seconds(pid) for name, pid in pids.items()}
    t0 = time.perf_counter()
    n = errors = 0
    while n < total:
        due = min(total, int((time.perf_counter() - t0) * rate) + 1)
        while n < due:
            payload[0:4] = n.to_bytes(4, "big")
            try:
                sender.send(payload)
            except OSError:
                errors += 1
            n += 1
        if n >= due:
            time.sleep(0.0005)
    send_s = time.perf_counter() - t0
    time.sleep(0.5)  # the last ones through
    wall = time.perf_counter() - t0
    drain(sink)
    in1, drop1 = host_udp(nl, 1)
    cpu = {name: benchlib.cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()}
    delivered = (in1 - in0) + (drop1 - drop0)
    return {"rate": rate, "sent": n, "send_errors": errors, "delivered": delivered, "lost": n - delivered,
            "delivered_per_s": round(delivered / send_s),
            "cpu_share": {name: round(c / wall, 2) for name, c in cpu.items()},
            "per_cpu_s": {name: round(delivered / c) if c else None for name, c in cpu.items()},
            "load": round(benchlib.load_average(), 1)}


def start_floor(nl, pids):
    """Stop the SITE1 and SITE2 xTRs and start ``data_plane_floor.py`` in their namespaces, on their
    TUN devices and RLOCs (``ip netns exec`` runs it in place: the pid is the floor process's)."""
    site1, site2 = (next(r for r in nl.plan.routers if r["name"] == name) for name in ("SITE1", "SITE2"))
    for pid in pids.values():
        lab._stop_pid(pid)  # pylint: disable=protected-access  # the lab's own stop (SIGTERM, reap, SIGKILL)
    floor = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data_plane_floor.py")
    procs = [subprocess.Popen(["ip", "netns", "exec", site1["ns"], sys.executable, floor, "itr", site1["rloc"], site2["rloc"]]),
             subprocess.Popen(["ip", "netns", "exec", site2["ns"], sys.executable, floor, "etr", site2["rloc"]])]
    time.sleep(1.0)
    return procs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="30000,40000,50000,55000,60000,70000")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--floor", action="store_true",
                        help="replace SITE1 and SITE2 by data_plane_floor.py (the same system calls, no LISP logic)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("data_plane_netns: not root: the namespace lab needs root (network namespaces, veths, TUN)")
        return 2
    results, floors = [], []
    with tempfile.TemporaryDirectory(prefix="lisp-bench-netns-") as tmp:
        nl = netns.NetnsLab(tmp, "lnb-", out=lambda *_: None)
        nl.up()
        try:
            nl.wait_registered()
            for _i in range(2):  # each xTR resolves the other's EID-prefix (the write-up's lost echoes)
                nl.ping(nl.plan.hosts[0]["ns"], nl.plan.hosts[1]["eid"], count=3)
            pids = {name: lab.running_pid(nl.state_dir, name) for name in ("SITE1", "SITE2")}
            if args.floor:
                floors.extend(start_floor(nl, pids))
                pids = {"SITE1": floors[0].pid, "SITE2": floors[1].pid}
            dst = nl.plan.hosts[1]["eid"]

            def receiver():
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # read between steps only: full at once, counted
                sock.bind(("0.0.0.0", PORT))
                sock.setblocking(False)
                return sock

            def make_sender():
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
                sock.connect((dst, PORT))
                return sock

            sink = netns.in_netns(nl.plan.hosts[1]["ns"], receiver)
            sender = netns.in_netns(nl.plan.hosts[0]["ns"], make_sender)
            try:
                for rate in (int(r) for r in args.rates.split(",") if r):
                    res = step(nl, sender, sink, rate, args.seconds, pids)
                    results.append(res)
                    print("rate %6d/s: sent %7d delivered %7d lost %6d | %6d/s from SITE1's ITR to SITE2's ETR | "
                          "CPU SITE1 %3.0f%% SITE2 %3.0f%% | packets per CPU-s SITE1 %s SITE2 %s | load %.1f"
                          % (rate, res["sent"], res["delivered"], res["lost"], res["delivered_per_s"],
                             100 * res["cpu_share"]["SITE1"], 100 * res["cpu_share"]["SITE2"],
                             res["per_cpu_s"]["SITE1"], res["per_cpu_s"]["SITE2"], res["load"]), flush=True)
                    time.sleep(1.0)
            finally:
                sender.close()
                sink.close()
        finally:
            for proc in floors:
                proc.kill()
                proc.wait()
            nl.down(quiet=True)
    best = max((r["delivered_per_s"] for r in results if r["lost"] == 0), default=0)
    print("max delivered/s with no loss: %d (target %d encapsulated packets/s from one ITR to one ETR); %s"
          % (best, TARGET, benchlib.machine()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

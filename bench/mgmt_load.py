# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Management load vs. LISP: ECM Map-Request -> Map-Reply round trip with and without 20 busy management sessions.

Target (issue): "with 20 management sessions active, the Map-Request round trip on the same router stays
under 50 ms at p99".

Starts ``lisp-xtr run`` as MR_MS on 127.0.62.1 with ``--sites`` sites (10.H.L.0/24 each), registers them
all with proxy-reply (signed Map-Registers from a simulated ETR on 127.0.62.2), so the MS answers every
request itself; then this process sends paced ECM Map-Requests from 127.0.62.9 (``--rate``/s for
``--seconds``) and times each Map-Reply, twice per run:

1. ``idle``: no management session open;
2. ``mgmt``: while ``--netconf`` ncclient sessions loop get-config (running) and get (subtree filter
   ``lisp-state`` of Cisco-IOS-XE-lisp-oper), and ``--cli`` Netmiko (``cisco_xe``) sessions loop
   ``show running-config`` and ``show lisp site``, back to back, with no pause. The sessions run as
   threads in separate worker processes (one per kind by default, ``--procs`` per kind), not in this
   process, so the GIL of the clients does not delay the request/reply timing.

Per phase: sent, answered, lost (no reply within 3 s of the last send), p50/p99/max round trip, the
router's CPU share, the load average; for the management phase also the RPCs/commands done per kind,
their median/p99 time and errors. Verdict: p99 of the ``mgmt`` phase < 50 ms and nothing lost.
Bounded: at most ``rate * seconds`` requests per phase, every wait has a deadline; only 127.0.62.x.

    .venv/bin/python bench/mgmt_load.py [--rate 200] [--seconds 20] [--runs 3] [--sites 100] [--json FILE]
    .venv/bin/python bench/mgmt_load.py --py-spy /tmp/mgmt.txt      # where the MR_MS spends its time under management load
"""

import argparse
import json
import multiprocessing
import os
import pathlib
import select
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

import benchlib
import mr_ms_udp

MS, ETR, ITR = "127.0.62.1", "127.0.62.2", "127.0.62.9"
CLI_PORT, NETCONF_PORT = 2062, 2862
CONTROL = 4342
TARGET_P99_MS = 50.0
OPER_FILTER = '<lisp-state xmlns="http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"/>'
REPLY_WAIT = 3.0


def site_prefix(i):
    return "10.%d.%d.0/24" % (i >> 8 & 0xFF, i & 0xFF)


class Prober:
    """Paced ECM Map-Requests for registered EIDs (proxy-reply) and their Map-Replies."""

    def __init__(self, sites):
        self.sock = benchlib.udp_socket(ITR)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.etr = benchlib.udp_socket(ETR, CONTROL)
        self.sites = sites
        # nonce = (idx << 32) | (~idx & 0xffffffff): the one's complement sum of the nonce's 16-bit words is
        # the same for every idx, so the inner UDP checksum of a template stays right when a nonce is patched in
        self.templates = []
        for k in range(64):
            i = (k * 7919) % sites
            data = benchlib.ecm_map_request(0xFFFFFFFF, "10.%d.%d.%d" % (i >> 8 & 0xFF, i & 0xFF, 1 + k % 250),
                                            ITR, self.port)
            assert data[36:44] == (0xFFFFFFFF).to_bytes(8, "big"), "unexpected ECM layout"
            self.templates.append(bytearray(data))
        self.idx = 1

    def register(self):
        nonce = int(time.time() * 1e6)
        for i in range(self.sites):
            self.etr.sendto(benchlib.map_register([site_prefix(i)], ETR, "key-%d" % i, nonce, xtr_id=b"\1" * 16),
                            (MS, CONTROL))
            if i % 100 == 99:
                time.sleep(0.05)

    def close(self):
        self.sock.close()
        self.etr.close()

    def _drain(self, answers):
        while True:
            try:
                data = self.sock.recv(65535)
            except BlockingIOError:
                return
            now = time.perf_counter()
            nonce = benchlib.reply_nonce(data)
            if nonce is not None and data[0] >> 4 == 2:
                answers.setdefault(nonce >> 32, now)

    def phase(self, rate, seconds, ms_pid):
        """Send ``rate``/s for ``seconds``; wait up to REPLY_WAIT s for the last answers."""
        sent_at, answers = {}, {}
        total = int(rate * seconds)
        cpu0, t0 = benchlib.cpu_seconds(ms_pid), time.perf_counter()
        load0 = benchlib.load_average()
        deadline = t0 + seconds * 2 + 5  # stops by itself even when starved
        n = 0
        while n < total:
            now = time.perf_counter()
            if now > deadline:
                break
            next_at = t0 + n / rate
            if now >= next_at:
                idx = self.idx
                self.idx += 1
                data = self.templates[idx % len(self.templates)]
                data[36:44] = ((idx << 32) | (~idx & 0xFFFFFFFF)).to_bytes(8, "big")
                stamp = time.perf_counter()
                try:
                    self.sock.sendto(data, (MS, CONTROL))
                    sent_at[idx] = stamp
                except BlockingIOError:
                    pass
                n += 1
                continue
            select.select([self.sock], [], [], next_at - now)
            self._drain(answers)
        send_wall = time.perf_counter() - t0
        end = time.perf_counter() + REPLY_WAIT
        while time.perf_counter() < end and len(answers) < len(sent_at):
            select.select([self.sock], [], [], 0.05)
            self._drain(answers)
        cpu = benchlib.cpu_seconds(ms_pid) - cpu0
        wall = time.perf_counter() - t0
        lat = [(answers[i] - t) * 1000.0 for i, t in sent_at.items() if i in answers]
        over = sum(1 for v in lat if v >= TARGET_P99_MS)
        return {"rate": rate, "sent": len(sent_at), "answered": len(lat), "lost": len(sent_at) - len(lat),
                "send_seconds": round(send_wall, 2), "p50_ms": _round(benchlib.percentile(lat, 50)),
                "p99_ms": _round(benchlib.percentile(lat, 99)), "max_ms": _round(max(lat) if lat else None),
                "over_50ms": over, "ms_cpu_share": round(cpu / wall, 3),
                "load": [round(load0, 2), round(benchlib.load_average(), 2)]}


def _round(value):
    return None if value is None else round(value, 2)


# --- management workers (separate processes, one thread per session) ---------------------------------------------

# The MR_MS's own host key (read from its state directory by main), handed to the worker processes
# through the environment: the sessions verify it and refuse any other key.
KNOWN_HOSTS_ENV = "BENCH_MGMT_KNOWN_HOSTS"


def _trust_node_key(node):
    import paramiko  # pylint: disable=import-outside-toplevel  # only where the key is read
    key = paramiko.PKey.from_path(str(node.dir / "ssh_host_key"))
    path = node.state_dir / "known_hosts"
    path.write_text("".join("[%s]:%d %s %s\n" % (MS, port, key.get_name(), key.get_base64()) for port in (CLI_PORT, NETCONF_PORT)),
                    encoding="utf-8")
    os.environ[KNOWN_HOSTS_ENV] = str(path)


def _host_key_b64(port):
    import paramiko  # pylint: disable=import-outside-toplevel  # only in the worker processes
    keys = paramiko.HostKeys(os.environ[KNOWN_HOSTS_ENV]).lookup("[%s]:%d" % (MS, port))
    return next(iter(keys.values())).get_base64()


def _netconf_session(stop, ready, stats, lock):
    from ncclient import manager  # pylint: disable=import-outside-toplevel  # only in the worker processes
    m = manager.connect(host=MS, port=NETCONF_PORT, username=benchlib.USER, password=benchlib.PASSWORD,
                        device_params={"name": "iosxe"}, hostkey_verify=True, hostkey_b64=_host_key_b64(NETCONF_PORT), look_for_keys=False,
                        allow_agent=False, timeout=120)
    ready()
    try:
        while not stop.is_set():
            for op in ("get-config", "get-oper"):
                if stop.is_set():
                    break
                start = time.perf_counter()
                try:
                    if op == "get-config":
                        m.get_config("running")
                    else:
                        m.get(filter=("subtree", OPER_FILTER))
                except Exception as exc:  # pylint: disable=broad-exception-caught  # counted, the loop goes on
                    with lock:
                        stats["errors"].append("%s: %r" % (op, exc)[:200])
                    continue
                with lock:
                    stats["times"].setdefault(op, []).append((time.perf_counter() - start) * 1000.0)
    finally:
        try:
            m.close_session()
        except Exception:  # pylint: disable=broad-exception-caught  # closing at the end: best effort
            pass


def _cli_session(stop, ready, stats, lock):
    from netmiko import ConnectHandler  # pylint: disable=import-outside-toplevel  # only in the worker processes
    conn = ConnectHandler(device_type="cisco_xe", host=MS, port=CLI_PORT, username=benchlib.USER,
                          password=benchlib.PASSWORD, conn_timeout=120, auth_timeout=120, banner_timeout=120,
                          read_timeout_override=120, ssh_strict=True, system_host_keys=False, alt_host_keys=True,
                          alt_key_file=os.environ[KNOWN_HOSTS_ENV])
    ready()
    try:
        while not stop.is_set():
            for command in ("show running-config", "show lisp site"):
                if stop.is_set():
                    break
                start = time.perf_counter()
                try:
                    out = conn.send_command(command)
                    if "%" in out[:3]:
                        raise RuntimeError(out[:100])
                except Exception as exc:  # pylint: disable=broad-exception-caught  # counted, the loop goes on
                    with lock:
                        stats["errors"].append("%s: %r" % (command, exc)[:200])
                    continue
                with lock:
                    stats["times"].setdefault(command, []).append((time.perf_counter() - start) * 1000.0)
    finally:
        try:
            conn.disconnect()
        except Exception:  # pylint: disable=broad-exception-caught  # closing at the end: best effort
            pass


def worker(kind, sessions, stop, ready_count, results):
    """One process holding ``sessions`` management sessions of ``kind``, one thread each, until ``stop``."""
    target = _netconf_session if kind == "netconf" else _cli_session
    stats = {"times": {}, "errors": []}
    lock = threading.Lock()
    local_stop = threading.Event()

    def ready():
        with ready_count.get_lock():
            ready_count.value += 1

    def run(k):
        try:
            target(local_stop, ready, stats, lock)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a failed connect is reported
            with lock:
                stats["errors"].append("session %d: %r" % (k, exc)[:200])

    threads = []
    for k in range(sessions):
        thread = threading.Thread(target=run, args=(k,), daemon=True)
        thread.start()
        threads.append(thread)
        time.sleep(0.05)
    stop.wait(600)  # bounded even if the parent disappears
    with lock:
        counted = {op: len(v) for op, v in stats["times"].items()}
    local_stop.set()
    for thread in threads:
        thread.join(60)
    with lock:
        # only operations finished before the stop signal count for the rate; the times of all are kept
        results.put({"kind": kind, "pid": os.getpid(), "counted": counted, "times": stats["times"],
                     "errors": stats["errors"][:20], "n_errors": len(stats["errors"])})


class Management:
    """``netconf`` + ``cli`` sessions in worker processes: start, wait until all are connected, stop."""

    def __init__(self, netconf, cli, procs):
        self.ctx = multiprocessing.get_context("spawn")
        self.stop_event = self.ctx.Event()
        self.ready = self.ctx.Value("i", 0)
        self.results = self.ctx.Queue()
        self.procs = []
        self.total = netconf + cli
        for kind, count in (("netconf", netconf), ("cli", cli)):
            for p in range(procs):
                share = count // procs + (1 if p < count % procs else 0)
                if share:
                    self.procs.append(self.ctx.Process(target=worker, args=(kind, share, self.stop_event, self.ready,
                                                                            self.results), daemon=True))
        self.cpu0 = {}
        self.t0 = None

    def start(self, timeout=180.0):
        for proc in self.procs:
            proc.start()
        deadline = time.monotonic() + timeout
        while self.ready.value < self.total and time.monotonic() < deadline:
            if not any(proc.is_alive() for proc in self.procs):
                break
            time.sleep(0.2)
        return self.ready.value

    def mark(self):
        """Start of the measured window: CPU of the client processes from here."""
        self.t0 = time.perf_counter()
        self.cpu0 = {proc.pid: benchlib.cpu_seconds(proc.pid) for proc in self.procs if proc.is_alive()}

    def finish(self):
        wall = time.perf_counter() - self.t0
        cpu = sum(benchlib.cpu_seconds(pid) - c for pid, c in self.cpu0.items() if os.path.exists("/proc/%d" % pid))
        self.stop_event.set()
        out = []
        deadline = time.monotonic() + 120
        while len(out) < len(self.procs) and time.monotonic() < deadline:
            try:
                out.append(self.results.get(timeout=1.0))
            except Exception:  # pylint: disable=broad-exception-caught  # queue.Empty: keep waiting until the deadline
                if not any(proc.is_alive() for proc in self.procs):
                    break
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        return summarize(out, wall, cpu)


def summarize(results, wall, client_cpu):
    ops = {}
    errors, n_errors = [], 0
    for res in results:
        for op, times in res["times"].items():
            entry = ops.setdefault(op, {"times": [], "counted": 0})
            entry["times"] += times
            entry["counted"] += res["counted"].get(op, 0)
        errors += res["errors"]
        n_errors += res["n_errors"]
    summary = {}
    for op, entry in sorted(ops.items()):
        summary[op] = {"done": entry["counted"], "per_s": round(entry["counted"] / wall, 1),
                       "median_ms": _round(statistics.median(entry["times"])) if entry["times"] else None,
                       "p99_ms": _round(benchlib.percentile(entry["times"], 99))}
    return {"ops": summary, "errors": n_errors, "error_samples": errors[:5], "workers_reported": len(results),
            "client_cpu_share": round(client_cpu / wall, 3) if wall else None}


def print_phase(name, res):
    print("  %-5s sent %5d answered %5d lost %4d  p50 %7s ms  p99 %7s ms  max %7s ms  >=50ms %4d  MS CPU %3.0f%%  "
          "load %.2f-%.2f" % (name, res["sent"], res["answered"], res["lost"], res["p50_ms"], res["p99_ms"], res["max_ms"],
                              res["over_50ms"], 100 * res["ms_cpu_share"], res["load"][0], res["load"][1]), flush=True)


def start_py_spy(path, pid):
    binary = shutil.which("py-spy") or str(pathlib.Path(sys.executable).with_name("py-spy"))
    spy = subprocess.Popen([binary, "record", "--pid", str(pid), "--format", "raw", "--output", path,  # pylint: disable=consider-using-with
                            "--rate", "200", "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    return spy


def one_run(args, prober, node, py_spy=None):
    idle = prober.phase(args.rate, args.seconds, node.pid)
    print_phase("idle", idle)
    mgmt = Management(args.netconf, args.cli, args.procs)
    t_connect = time.perf_counter()
    ready = mgmt.start()
    connect_s = time.perf_counter() - t_connect
    print("  %d of %d management sessions connected in %.1f s" % (ready, args.netconf + args.cli, connect_s), flush=True)
    time.sleep(2.0)  # every session past its first RPC
    spy = start_py_spy(py_spy, node.pid) if py_spy else None
    mgmt.mark()
    busy = prober.phase(args.rate, args.seconds, node.pid)
    manage = mgmt.finish()
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    busy["sessions"] = ready
    print_phase("mgmt", busy)
    for op, entry in manage["ops"].items():
        print("    %-20s %6d done  %6.1f/s  median %8s ms  p99 %8s ms" % (
            op, entry["done"], entry["per_s"], entry["median_ms"], entry["p99_ms"]))
    print("    management errors %d %s; client processes' CPU %.0f%% of a core" % (
        manage["errors"], manage["error_samples"][:2], 100 * (manage["client_cpu_share"] or 0)), flush=True)
    return {"idle": idle, "mgmt": busy, "management": manage, "connect_seconds": round(connect_s, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200, help="Map-Requests per second (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per phase (default 20)")
    parser.add_argument("--runs", type=int, default=1, help="idle + mgmt phase pairs on the same router (default 1)")
    parser.add_argument("--sites", type=int, default=100, help="configured and registered sites (default 100)")
    parser.add_argument("--netconf", type=int, default=10, help="ncclient sessions (default 10)")
    parser.add_argument("--cli", type=int, default=10, help="Netmiko sessions (default 10)")
    parser.add_argument("--procs", type=int, default=1, help="worker processes per kind (default 1)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--py-spy", dest="py_spy", help="sample the MR_MS with py-spy during the first management phase; "
                        "write the collapsed stacks to this file and print the top functions")
    args = parser.parse_args(argv)
    if args.rate * args.seconds > 100_000:
        parser.error("at most 100,000 requests per phase")
    sites = [("S%d" % i, "key-%d" % i, [site_prefix(i)]) for i in range(args.sites)]
    node = benchlib.NodeProcess("MR_MS", MS, benchlib.ms_startup(sites), cli_port=CLI_PORT, netconf_port=NETCONF_PORT)
    node.start()
    _trust_node_key(node)
    runs = []
    prober = None
    try:
        prober = Prober(args.sites)
        prober.register()
        time.sleep(2.0)
        warm = prober.phase(100, 1.0, node.pid)
        if warm["lost"]:
            print("warning: %d of %d warm-up requests unanswered" % (warm["lost"], warm["sent"]))
        print("%s; %d sites; %d/s for %.0f s per phase; %d NETCONF + %d CLI sessions" % (
            benchlib.machine(), args.sites, args.rate, args.seconds, args.netconf, args.cli), flush=True)
        for run in range(args.runs):
            print("run %d (%s UTC)" % (run + 1, time.strftime("%H:%M:%S", time.gmtime())), flush=True)
            runs.append(one_run(args, prober, node, args.py_spy if run == 0 else None))
            time.sleep(1.0)
        print("MR_MS RSS %.1f MB, alive %s" % (node.rss_bytes() / 1e6, node.alive()))
    finally:
        if prober is not None:
            prober.close()
        node.stop()
    if not runs:
        return 1
    if args.py_spy:
        mr_ms_udp.top_functions(args.py_spy, 25)
    p99_idle = statistics.median(r["idle"]["p99_ms"] or 0 for r in runs)
    p99_mgmt = statistics.median(r["mgmt"]["p99_ms"] or float("inf") for r in runs)
    lost = sum(r["mgmt"]["lost"] for r in runs)
    verdict = p99_mgmt < TARGET_P99_MS and lost == 0
    print("median over %d run(s): p99 idle %.2f ms, p99 with %d sessions %.2f ms (target < %.0f ms), lost with sessions %d: %s"
          % (len(runs), p99_idle, args.netconf + args.cli, p99_mgmt, TARGET_P99_MS, lost, "MET" if verdict else "NOT met"))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": benchlib.machine(), "args": vars(args), "runs": runs, "verdict": verdict}, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers of the over-the-wire benchmarks: start a ``lisp-xtr run`` process on a loopback
address of the benchmark's own (127.0.60.x), build signed Map-Registers and ECM Map-Requests, read
a process's CPU time and resident memory from /proc, and percentiles.

Only 127.0.0.0/8 addresses are ever used; every process started here is stopped by its own pid.
"""

import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time

from lispxtr.wire import EidRecord, EncapsulatedControl, Ipv4, Locator, MapRegister, MapRequest, sign

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
USER, PASSWORD = "bench", "bench-Pass1"


def check_loopback(address):
    if not address.startswith("127."):
        raise SystemExit("refusing %s: benchmarks only use 127.0.0.0/8" % address)


def ms_startup(sites, hostname="MR_MS"):
    """A Map-Server/Map-Resolver startup-config with ``sites``: [(name, key, [prefix, ...]), ...]."""
    lines = ["hostname %s" % hostname, "username %s privilege 15 secret 0 %s" % (USER, PASSWORD),
             "router lisp", " service ipv4", "  map-server", "  map-resolver", "  exit-service-ipv4"]
    for name, key, prefixes in sites:
        lines += [" site %s" % name, "  authentication-key 0 %s" % key]
        lines += ["  eid-record %s accept-more-specifics" % p for p in prefixes]
        lines.append("  exit-site")
    lines.append(" exit-router-lisp")
    return "\n".join(lines) + "\n"


def xtr_startup(hostname, rloc, prefix, ms, key):
    """An xTR (ITR + ETR) registering ``prefix`` with ``ms`` and resolving through it."""
    return "\n".join([
        "hostname %s" % hostname, "username %s privilege 15 secret 0 %s" % (USER, PASSWORD),
        "router lisp", " locator-set RLOCS", "  %s priority 10 weight 50" % rloc, "  exit-locator-set",
        " service ipv4", "  itr map-resolver %s" % ms, "  itr", "  etr map-server %s key 0 %s" % (ms, key), "  etr",
        "  exit-service-ipv4", " instance-id 0", "  service ipv4", "   eid-table default",
        "   database-mapping %s locator-set RLOCS" % prefix, "   map-cache 0.0.0.0/0 map-request",
        "   exit-service-ipv4", "  exit-instance-id", " exit-router-lisp"]) + "\n"


class NodeProcess:
    """``lisp-xtr run`` of one router in a state directory of its own."""

    def __init__(self, name, address, startup, state_dir=None, cli_port=2022, netconf_port=2830, host_eids=()):
        check_loopback(address)
        self.name, self.address = name, address
        self.state_dir = pathlib.Path(state_dir or tempfile.mkdtemp(prefix="lisp-bench-"))
        self.dir = self.state_dir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        if startup is not None:
            (self.dir / "startup-config").write_text(startup, encoding="utf-8")
        self.cli_port, self.netconf_port = cli_port, netconf_port
        self.host_eids = list(host_eids)
        self.proc = None

    def start(self, timeout=120.0):
        cmd = [sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(self.state_dir), "--name", self.name,
               "--address", self.address, "--cli-port", str(self.cli_port), "--netconf-port", str(self.netconf_port),
               "--log-level", "WARNING"]
        for eid in self.host_eids:
            cmd += ["--host-eid", eid]
        pid_file = self.dir / "node.pid"
        try:
            pid_file.unlink()
        except FileNotFoundError:
            pass
        log = open(self.dir / "node.log", "ab")  # pylint: disable=consider-using-with  # kept for the process's life
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not pid_file.exists():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (self.name, (self.dir / "node.log").read_text()[-2000:]))
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("%s did not start within %.0f s" % (self.name, timeout))
            time.sleep(0.05)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """``kill -9``: no clean stop, the pid file stays behind."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def cpu_seconds(self):
        return cpu_seconds(self.proc.pid)

    def rss_bytes(self):
        return rss_bytes(self.proc.pid)


def cpu_seconds(pid):
    """User + system CPU seconds of ``pid`` so far (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid, "rb") as handle:
        fields = handle.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid):
    with open("/proc/%d/statm" % pid, "rb") as handle:
        return int(handle.read().split()[1]) * PAGE


def udp_drops(address, ports):
    """Datagrams the kernel dropped (receive buffer full) on the UDP sockets bound to ``address``
    and ``ports`` (the last column of /proc/net/udp)."""
    want = {"%s:%04X" % ("".join("%02X" % int(b) for b in reversed(address.split("."))), p) for p in ports}
    total = 0
    with open("/proc/net/udp", encoding="ascii") as handle:
        next(handle)
        for line in handle:
            fields = line.split()
            if fields[1] in want:
                total += int(fields[-1])
    return total


def load_average():
    return os.getloadavg()[0]


def percentile(values, q):
    """The ``q``-th percentile (0..100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def udp_socket(address, port=0, rcvbuf=8 << 20):
    check_loopback(address)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for opt in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if opt is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, rcvbuf)
            break
        except OSError:
            continue
    sock.bind((address, port))
    return sock


def map_register(prefixes, rloc, key, nonce, *, proxy_reply=True, ttl=1440, xtr_id=None, want_map_notify=False):
    """A signed (HMAC-SHA-256) Map-Register of ``prefixes`` (``"a.b.c.d/n"``) with one locator."""
    records = []
    for prefix in prefixes:
        addr, plen = prefix.split("/")
        records.append(EidRecord(Ipv4(addr), int(plen), (Locator(Ipv4(rloc), 10, 50, local=True),), ttl,
                                 authoritative=True))
    msg = MapRegister(nonce, 0, tuple(records), proxy_reply=proxy_reply, want_map_notify=want_map_notify,
                      xtr_id=xtr_id or bytes(16), alg_id=2)
    return sign(msg, key).encode()


def ecm_map_request(nonce, eid, itr_rloc, itr_port, source_eid="192.0.2.1"):
    """An ECM'd Map-Request for ``eid``/32 whose Map-Reply goes to ``itr_rloc``:``itr_port``."""
    req = MapRequest(nonce, Ipv4(source_eid), (Ipv4(itr_rloc),), ((Ipv4(eid), 32),))
    return EncapsulatedControl.wrap(req.encode(), itr_rloc, eid, itr_port, 4342).encode()


def reply_nonce(data):
    """The nonce of a Map-Reply (type 2) or of the Map-Request inside a forwarded ECM (type 8)."""
    if len(data) >= 12 and data[0] >> 4 == 2:
        return int.from_bytes(data[4:12], "big")
    if len(data) >= 4 + 28 + 12 and data[0] >> 4 == 8:
        inner = 4 + (data[4] & 0x0F) * 4 + 8  # ECM header, inner IPv4 header, inner UDP header
        return int.from_bytes(data[inner + 4:inner + 12], "big")
    return None


def machine():
    """One line about the machine: CPU model, cores, Python."""
    model = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores, Python %s" % (model, os.cpu_count() or 0, sys.version.split()[0])

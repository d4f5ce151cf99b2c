"""Robustness: a RUNNING router (a real ``lisp-xtr run`` process) fuzzed over UDP on 4342 and 4341.

Also the helpers of the other ``test_robust_*`` modules: routers as real processes on a free
127.7x.N.0/24 of their own, an SSH CLI client, and ECM Map-Requests built by hand.
(The long version, 1,000,000 datagrams, is ``bench/fuzz_router.py``.)
"""

from __future__ import annotations

import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import time

import paramiko

from lispxtr.wire import EncapsulatedControl, Ipv4, MapRequest
from lispxtr.wire.fuzz import mutate, seeds

USER, PASSWORD = "robust", "robust-Pass1"
PAGE = os.sysconf("SC_PAGE_SIZE")


# ---------------------------------------------------------------------------------------------
# helpers (imported by the other test_robust_* modules)

def free_subnet(second_octet: int, hosts=(1, 2, 3)) -> str:
    """``127.<second_octet>.N`` (N random) whose ``hosts`` can bind LISP and management ports."""
    rng = random.Random()
    for _try in range(50):
        base = "127.%d.%d" % (second_octet, rng.randrange(1, 255))
        try:
            for host in hosts:
                for kind, port in ((socket.SOCK_STREAM, 2022), (socket.SOCK_STREAM, 2830), (socket.SOCK_DGRAM, 4342),
                                   (socket.SOCK_DGRAM, 4341)):
                    with socket.socket(socket.AF_INET, kind) as probe:
                        probe.bind(("%s.%d" % (base, host), port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free 127.%d.x.0/24" % second_octet)


def ms_config(hostname, sites) -> str:
    """Map-Server + Map-Resolver with ``sites``: [(name, key, prefix), ...]."""
    lines = ["hostname %s" % hostname, "username %s privilege 15 secret 0 %s" % (USER, PASSWORD), "router lisp",
             " service ipv4", "  map-server", "  map-resolver", "  exit-service-ipv4"]
    for name, key, prefix in sites:
        lines += [" site %s" % name, "  authentication-key 0 %s" % key, "  eid-record %s accept-more-specifics" % prefix,
                  "  exit-site"]
    return "\n".join(lines + [" exit-router-lisp"]) + "\n"


def xtr_lines(rloc, prefix, map_resolver, key) -> list[str]:
    """The ``router lisp`` body of an xTR (without the ``router lisp``/``exit-router-lisp`` lines)."""
    return [" locator-set RLOCS", "  %s priority 10 weight 50" % rloc, "  exit-locator-set", " service ipv4",
            "  itr map-resolver %s" % map_resolver, "  itr", "  etr map-server %s key 0 %s" % (map_resolver, key), "  etr",
            "  exit-service-ipv4", " instance-id 0", "  service ipv4", "   eid-table default",
            "   database-mapping %s locator-set RLOCS" % prefix, "   map-cache 0.0.0.0/0 map-request",
            "   exit-service-ipv4", "  exit-instance-id"]


def xtr_config(hostname, rloc, prefix, map_resolver, key) -> str:
    return "\n".join(["hostname %s" % hostname, "username %s privilege 15 secret 0 %s" % (USER, PASSWORD), "router lisp"]
                     + xtr_lines(rloc, prefix, map_resolver, key) + [" exit-router-lisp"]) + "\n"


# The SSH host keys these tests trust: each test router's own key, read from the state directory the
# test made (the node's ssh_host_key, or the lab's known_hosts); a key first seen on connect is refused.
KNOWN_HOSTS = paramiko.HostKeys()


def trust_host_key(address, key_file, ports=(2022, 2830)) -> None:
    """Trust the router at ``address`` with the host key in ``key_file`` (written by the router at start)."""
    key = paramiko.PKey.from_path(str(key_file))
    for port in ports:
        KNOWN_HOSTS.add("[%s]:%d" % (address, port), key.get_name(), key)


def trust_known_hosts(path) -> None:
    """Trust the keys of a lab's known_hosts file (``lisp-xtr lab up`` writes one)."""
    KNOWN_HOSTS.load(str(path))


def host_key_b64(address, port) -> str:
    """The trusted host key of address:port, base64 (ncclient's hostkey_b64)."""
    keys = KNOWN_HOSTS.lookup("[%s]:%d" % (address, port))
    assert keys, "no trusted host key for %s:%d" % (address, port)
    return next(iter(keys.values())).get_base64()


def known_hosts_file(path) -> str:
    """The trusted keys written to a known_hosts file at path (Netmiko's alt_key_file); its path."""
    KNOWN_HOSTS.save(str(path))
    return str(path)


def ssh_client() -> paramiko.SSHClient:
    """An SSH client that knows only the keys trusted above and refuses any other."""
    client = paramiko.SSHClient()
    for host, keys in KNOWN_HOSTS.items():
        for key_type, key in keys.items():
            client.get_host_keys().add(host, key_type, key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client


class RouterProcess:
    """One ``lisp-xtr run`` process (a real router: it can crash, be killed and restarted)."""

    def __init__(self, state_dir, name, address, startup: str | None, host_eids=()):
        self.state_dir = pathlib.Path(state_dir)
        self.name, self.address, self.host_eids = name, address, list(host_eids)
        self.dir = self.state_dir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        if startup is not None:
            (self.dir / "startup-config").write_text(startup, encoding="utf-8")
        self.proc = None

    def start(self, timeout=90.0) -> "RouterProcess":
        cmd = [sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(self.state_dir), "--name", self.name,
               "--address", self.address, "--log-level", "WARNING"]
        for eid in self.host_eids:
            cmd += ["--host-eid", eid]
        pid_file = self.dir / "node.pid"
        if pid_file.exists():
            pid_file.unlink()  # left behind by a kill -9
        with open(self.dir / "node.log", "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while not pid_file.exists():
            assert self.proc.poll() is None, "%s exited at start: %s" % (self.name, self.log()[-2000:])
            assert time.monotonic() < deadline, "%s did not start within %.0f s" % (self.name, timeout)
            time.sleep(0.05)
        trust_host_key(self.address, self.dir / "ssh_host_key")
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss(self) -> int:
        with open("/proc/%d/statm" % self.proc.pid, "rb") as handle:
            return int(handle.read().split()[1]) * PAGE

    def log(self) -> str:
        try:
            return (self.dir / "node.log").read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def cli(address, commands, password=PASSWORD, timeout=30.0) -> str:
    """Run ``commands`` (lines) in one interactive SSH CLI session; return everything printed."""
    client = ssh_client()
    client.connect(address, 2022, USER, password, look_for_keys=False, allow_agent=False, timeout=10)
    try:
        chan = client.invoke_shell(width=200)
        chan.settimeout(0.2)
        out = b""

        def until_prompt():
            nonlocal out
            deadline = time.monotonic() + timeout
            start = len(out)
            while True:
                tail = out[start:].rstrip()
                if tail.endswith(b"#") or tail.endswith(b">"):
                    return
                assert time.monotonic() < deadline, "no prompt; got %r" % out[-500:]
                try:
                    chunk = chan.recv(65536)
                except socket.timeout:
                    continue
                assert chunk, "session closed; got %r" % out[-500:]
                out += chunk

        until_prompt()
        for command in ["terminal length 0"] + list(commands):
            chan.send(command.encode() + b"\r")
            until_prompt()
        return out.decode("utf-8", "replace").replace("\r", "")
    finally:
        client.close()


def ecm_map_request(nonce, eid, itr_rloc, itr_port) -> bytes:
    req = MapRequest(nonce, Ipv4("192.0.2.1"), (Ipv4(itr_rloc),), ((Ipv4(eid), 32),))
    return EncapsulatedControl.wrap(req.encode(), itr_rloc, eid, itr_port, 4342).encode()


def ask(sock, resolver, eid, nonce, timeout=2.0):
    """Send an ECM Map-Request for ``eid`` to ``resolver``; return (Map-Reply bytes, source) or None."""
    sock.sendto(ecm_map_request(nonce, eid, sock.getsockname()[0], sock.getsockname()[1]), (resolver, 4342))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data, src = sock.recvfrom(65535)
        except OSError:
            continue
        if len(data) >= 12 and data[0] >> 4 == 2 and int.from_bytes(data[4:12], "big") == nonce:
            return data, src
    return None


def udp_socket(address, port=0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, port))
    return sock


# ---------------------------------------------------------------------------------------------
# the test

FUZZ_COUNT = 20_000


def test_running_router_survives_20000_fuzzed_datagrams(tmp_path):
    base = free_subnet(70, hosts=(1,))
    address = base + ".1"
    # one router that is Map-Server, Map-Resolver, ITR and ETR at once: every input path is reachable
    startup = ms_config("FUZZ", [("SITE1", "SITE1-KEY", "192.168.1.0/24"), ("SITE2", "SITE2-KEY", "192.168.2.0/24")])
    startup = startup.replace(" exit-router-lisp\n", "\n".join(xtr_lines(address, "192.168.1.0/24", address, "SITE1-KEY"))
                              + "\n exit-router-lisp\n")
    router = RouterProcess(tmp_path, "FUZZ", address, startup, host_eids=["192.168.1.1"]).start()
    sock = udp_socket(base + ".9")
    try:
        assert ask(sock, address, "172.16.0.1", 1) is not None, "no answer before fuzzing"
        rng = random.Random(20_000)
        corpus = seeds()
        raw = [b for _kind, b in corpus]
        rss_after_warmup = None
        unanswered = 0
        for sent in range(1, FUZZ_COUNT + 1):
            kind, data = rng.choice(corpus)
            data = rng.randbytes(rng.randrange(64)) if rng.randrange(20) == 0 else mutate(rng, data, raw)
            port = 4342 if kind == "control" else 4341
            if rng.randrange(10) == 0:
                port = 4341 if port == 4342 else 4342
            sock.sendto(data, (address, port))
            if sent % 50 == 0:
                time.sleep(0.005)  # let most of each burst reach the router rather than fill its buffer
            if sent % 1000 == 0:  # paces the fuzzer to the router and checks it still answers
                answered = any(ask(sock, address, "172.16.0.1", (sent << 8) + k) for k in range(3))
                unanswered += not answered
                assert router.alive(), "router died after %d datagrams:\n%s" % (sent, router.log()[-3000:])
                if sent == 2000:
                    rss_after_warmup = router.rss()
        assert router.alive(), router.log()[-3000:]
        reply = ask(sock, address, "172.16.0.1", 0xFEEDFACE, timeout=5.0)
        assert reply is not None, "no Map-Reply to a valid Map-Request after the fuzzing"
        assert reply[1][0] == address
        assert unanswered == 0
        assert "Traceback" not in router.log(), router.log()[-3000:]
        assert router.rss() <= rss_after_warmup * 1.10, (rss_after_warmup, router.rss())
    finally:
        sock.close()
        router.stop()

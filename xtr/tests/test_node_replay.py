"""Issue 14 hole 1 over real UDP: a Map-Register captured from a genuine ETR is refused after the
Map-Server restarts — cleanly and after ``kill -9`` — when an attacker sends it from another
address; the refusal is counted in ``show lisp site detail`` and logged; the genuine ETR keeps
registering (RFC 9301 §5.6; the ledger is ``core.replay``, kept on disk by ``Node``)."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time

import asyncssh
import pytest

from lispxtr import node as node_module
from lispxtr.node import atomic_write
from lispxtr.wire import EidRecord, Ipv4, Locator, MapNotify, MapRegister, decode_control, sign

from .test_mgmt_harness import free_address

CLI_PORT, NETCONF_PORT = 2022, 2830
KEY, PASSWORD = "SITE-A-KEY-1", "replay-Pass1"
XTR_ID = bytes.fromhex("00112233445566778899aabbccddeeff")


def startup():
    return "\n".join([
        "hostname MS", "username admin privilege 15 secret 0 %s" % PASSWORD, "router lisp", " service ipv4",
        "  map-server", "  map-resolver", "  exit-service-ipv4", " site SITE-A", "  authentication-key 0 %s" % KEY,
        "  eid-record 10.77.0.0/16 accept-more-specifics", "  exit-site", " exit-router-lisp"]) + "\n"


class MapServerProcess:
    """``lisp-xtr run`` of a Map-Server in its own state directory, restartable."""

    def __init__(self, state, address):
        self.state, self.address = state, address
        self.dir = state / "MS"
        self.dir.mkdir(parents=True)
        atomic_write(self.dir / "startup-config", startup())
        self.log = state / "ms.log"
        self.proc = None

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(self.state),
                                          "--name", "MS", "--address", self.address, "--cli-port", str(CLI_PORT),
                                          "--netconf-port", str(NETCONF_PORT)], stdout=log, stderr=subprocess.STDOUT)
        pid_file = self.dir / "node.pid"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if pid_file.exists() and pid_file.read_text().strip() == str(self.proc.pid):
                return
            assert self.proc.poll() is None, self.log.read_text()
            time.sleep(0.05)
        pytest.fail("the Map-Server did not come up: %s" % self.log.read_text())

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(30)
        self.proc = None

    def show(self, *commands):
        host_key = asyncssh.read_private_key(str(self.dir / "ssh_host_key")).convert_to_public()

        async def run():
            # the node's own host key, read from its state directory: nothing is trusted on first use
            async with asyncssh.connect(self.address, CLI_PORT, username="admin", password=PASSWORD,
                                        known_hosts=([host_key], [], [])) as conn:
                return [(await conn.run(c, check=False)).stdout.replace("\r\n", "\n") for c in commands]

        return asyncio.run(run())


def map_register(nonce, rloc):
    record = EidRecord(Ipv4("10.77.1.0"), 24, (Locator(Ipv4(rloc), 10, 50, local=True),), 1440)
    return sign(MapRegister(nonce, 0, (record,), want_map_notify=True, xtr_id=XTR_ID, alg_id=2), KEY).encode()


def udp(address):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, 0))
    return sock


def notify_for(sock, data, ms, nonce, wait):
    """Send ``data`` to the Map-Server; the Map-Notify for ``nonce`` that comes back within
    ``wait`` seconds, or None."""
    sock.sendto(data, (ms, 4342))
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            reply, _addr = sock.recvfrom(65535)
        except socket.timeout:
            return None
        msg = decode_control(reply)
        if isinstance(msg, MapNotify) and msg.nonce == nonce:
            return msg


def replay_line(ms):
    (text,) = ms.show("show lisp site detail")
    return [line for line in text.splitlines() if line.startswith("Map-Register replays:")]


def test_captured_map_register_is_refused_after_clean_restart_and_kill_9(tmp_path):
    address = free_address(173, CLI_PORT, NETCONF_PORT)
    net = address.rsplit(".", 1)[0]
    etr_rloc, attacker = net + ".2", net + ".66"
    ms = MapServerProcess(tmp_path, address)
    etr, evil = udp(etr_rloc), udp(attacker)
    evil_at = "%s:%d" % evil.getsockname()
    nonce = int(time.time() * 1e6)
    try:
        ms.start()
        # a genuine registration; the packet is what an attacker on the path captures
        captured = map_register(nonce, etr_rloc)
        assert notify_for(etr, captured, address, nonce, 10), "the genuine ETR registers"
        site, = ms.show("show lisp site")
        assert "%s:%d" % etr.getsockname() in site

        ms.stop()  # a clean restart (its config saved, as in the audit)
        ms.start()
        assert notify_for(evil, captured, address, nonce, 1.5) is None, "replayed from elsewhere after a restart"
        site, detail = ms.show("show lisp site", "show lisp site detail")
        assert attacker not in site
        assert "Map-Register replays: 1 refused, 0 same-nonce refreshes, last refused from %s" % evil_at in detail
        # the genuine ETR still registers (a new, larger nonce)
        fresh = map_register(nonce + 1, etr_rloc)
        assert notify_for(etr, fresh, address, nonce + 1, 10)

        # kill -9 right after the Map-Notify: the nonce was on disk before the Map-Notify left
        last = map_register(nonce + 2, etr_rloc)
        assert notify_for(etr, last, address, nonce + 2, 10)
        ms.stop(signal.SIGKILL)
        ms.start()
        for old, n in ((last, nonce + 2), (fresh, nonce + 1), (captured, nonce)):
            assert notify_for(evil, old, address, n, 1.0) is None
        assert replay_line(ms)[0].startswith("Map-Register replays: 3 refused, 0 same-nonce refreshes")
        # lispers.net's way: the last Map-Register again, same nonce, from its own address, refreshes
        assert notify_for(etr, last, address, nonce + 2, 10)
        site, = ms.show("show lisp site")
        assert "%s:%d" % etr.getsockname() in site and attacker not in site
        assert replay_line(ms)[0].startswith("Map-Register replays: 3 refused, 1 same-nonce refreshes")
        assert notify_for(etr, map_register(nonce + 3, etr_rloc), address, nonce + 3, 10)
    finally:
        ms.stop()
        etr.close()
        evil.close()
    log = ms.log.read_text()
    assert "site SITE-A: Map-Register from %s refused as a replay" % evil_at in log
    assert KEY not in log
    assert os.stat(ms.dir / "replay-state.json").st_mode & 0o077 == 0  # like the startup-config: owner only


def test_unreadable_replay_state_stops_the_node_with_a_clear_error(tmp_path):
    address = free_address(173, CLI_PORT, NETCONF_PORT)
    ms = MapServerProcess(tmp_path, address)
    (ms.dir / "replay-state.json").write_text("{not json")
    proc = subprocess.run([sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(tmp_path), "--name", "MS",
                           "--address", address], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "unreadable replay state" in proc.stderr and "replay-state.json" in proc.stderr
    assert not (ms.dir / "node.pid").exists()


def test_journal_is_folded_into_the_snapshot_and_both_survive_a_restart(tmp_path, monkeypatch):
    """Every ``_COMPACT_AFTER`` acceptances the journal becomes part of the snapshot (atomic write,
    then an empty journal); a node started again from them refuses every nonce it accepted."""
    monkeypatch.setattr(node_module, "_COMPACT_AFTER", 3)
    address = free_address(173, CLI_PORT, NETCONF_PORT)
    net = address.rsplit(".", 1)[0]
    state = tmp_path / "state"
    MapServerProcess(state, address)  # writes the startup-config

    async def scenario(sends, expect):
        node = node_module.Node(state, "MS", address, cli_port=CLI_PORT, netconf_port=NETCONF_PORT)
        loop = asyncio.get_running_loop()
        got = asyncio.Queue()

        class Etr(asyncio.DatagramProtocol):
            def datagram_received(self, data, addr):
                got.put_nowait(decode_control(data).nonce)

        transport, _proto = await loop.create_datagram_endpoint(Etr, local_addr=(net + ".2", 0))
        await node.start()
        try:
            answered = []
            for nonce, data in sends:
                transport.sendto(data, (address, 4342))
                try:
                    answered.append(await asyncio.wait_for(got.get(), 1.0 if not expect else 10.0) == nonce)
                except asyncio.TimeoutError:
                    answered.append(False)
            lines = (node.dir / "replay-state.journal").read_text().count("\n")
            return answered, lines, node.router.counters.get("map_register_replayed", 0)
        finally:
            await node.stop()
            transport.close()

    sends = [(n, map_register(n, net + ".2")) for n in (9000, 5000, 7000, 8000)]  # random order, as IOS-XE
    answered, lines, replayed = asyncio.run(scenario(sends, True))
    assert answered == [True] * 4 and replayed == 0
    assert lines == 1  # three lines were folded into the snapshot, the fourth waits in the journal
    (entry,) = json.loads((state / "MS" / "replay-state.json").read_text())["entries"]  # a clean stop folds all
    assert sorted(entry["nonces"]) == [5000, 7000, 8000, 9000] and entry["random"]
    assert (state / "MS" / "replay-state.journal").read_text() == ""
    answered, _lines, replayed = asyncio.run(scenario(sends[:3], False))  # not the last one: no refresh
    assert answered == [False] * 3 and replayed == 3

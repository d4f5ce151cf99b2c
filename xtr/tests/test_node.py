"""One router process (``lispxtr.node.Node``) run in this test's event loop: boot from the
startup-config, UDP ports, malformed packets, atomic commits and saves, the pcap capture."""

import asyncio
import os
import socket
import stat
import subprocess
import sys

import pytest

from lispxtr import config as cfg
from lispxtr.node import Node, StartupConfigError, atomic_write
from lispxtr.wire import Ipv4, MapRequest, decode_control
from lispxtr.wire.pcap import iter_udp

ADDRESS = "127.0.150.1"
PEER = "127.0.150.2"  # a Map-Server that never answers
STARTUP = """\
hostname NODE1
username admin privilege 15 secret 0 node-Pass1
enable secret 0 node-Enable1
router lisp
 locator-set RLOCS
  127.0.150.1 priority 10 weight 50
  exit-locator-set
 service ipv4
  itr map-resolver 127.0.150.2
  itr
  etr map-server 127.0.150.2 key 0 NODE1-KEY
  etr
  exit-service-ipv4
 instance-id 0
  service ipv4
   eid-table default
   database-mapping 192.168.50.0/24 locator-set RLOCS
   map-cache 0.0.0.0/0 map-request
   exit-service-ipv4
  exit-instance-id
 exit-router-lisp
"""


def _node(tmp_path, text=STARTUP, **kw):
    (tmp_path / "NODE1").mkdir(exist_ok=True)
    atomic_write(tmp_path / "NODE1" / "startup-config", text)
    return Node(tmp_path, "NODE1", ADDRESS, host_eids=["192.168.50.1"], **kw)


async def _udp_exchange(dst, payload, listen=None, wait=0.3):
    """Send ``payload`` to ``dst`` from a socket bound to ``listen``; return what comes back."""
    loop = asyncio.get_running_loop()
    received = []

    class Proto(asyncio.DatagramProtocol):
        def datagram_received(self, data, addr):
            received.append((data, addr))

    transport, _proto = await loop.create_datagram_endpoint(Proto, local_addr=listen or ("127.0.150.9", 0))
    try:
        transport.sendto(payload, dst)
        await asyncio.sleep(wait)
    finally:
        transport.close()
    return received


def test_node_boots_from_startup_config_and_survives_malformed_packets(tmp_path):
    pcap = tmp_path / "node.pcap"
    node = _node(tmp_path, pcap=str(pcap))

    async def scenario():
        peer_got = []

        class Peer(asyncio.DatagramProtocol):
            def datagram_received(self, data, addr):
                peer_got.append((data, addr))

        loop = asyncio.get_running_loop()
        peer, _proto = await loop.create_datagram_endpoint(Peer, local_addr=(PEER, 4342))
        try:
            await node.start()
            assert node.hostname == "NODE1" and node.running.hostname == "NODE1"
            assert (tmp_path / "NODE1" / "node.pid").read_text().strip() == str(os.getpid())
            assert oct(stat.S_IMODE(os.stat(node.host_key_path).st_mode)) == "0o600"
            await asyncio.sleep(0.3)
            # the ETR registers with its Map-Server at boot (RFC 9301 §8.2)
            kinds = {type(decode_control(d)).__name__ for d, _a in peer_got}
            assert "MapRegister" in kinds
            # malformed control and data packets are counted and logged; the node keeps serving
            await _udp_exchange((ADDRESS, 4342), b"\x10\x00")
            await _udp_exchange((ADDRESS, 4341), b"\x80")
            assert node.malformed == 2
            # a bare Map-Request for our EID-prefix is answered by the ETR
            request = MapRequest(0xABCDEF, None, (Ipv4("127.0.150.9"),), ((Ipv4("192.168.50.1"), 32),))
            replies = await _udp_exchange((ADDRESS, 4342), request.encode(), listen=("127.0.150.9", 4342))
            assert replies, "no Map-Reply"
            reply = decode_control(replies[0][0])
            assert reply.nonce == 0xABCDEF and str(reply.records[0].eid) == "192.168.50.0"
            assert node.check_login("admin", "node-Pass1") and not node.check_login("admin", "nope")
            assert node.check_enable("node-Enable1") and not node.check_enable("x")
        finally:
            await node.stop()
            peer.close()

    asyncio.run(scenario())
    assert not (tmp_path / "NODE1" / "node.pid").exists()
    captured = list(iter_udp(pcap))
    assert any(dport == 4342 and payload == b"\x10\x00" for _s, _sp, _d, dport, payload in captured)
    assert any(sport == 4342 and dst == PEER for _s, sport, dst, _dp, _p in captured)


def test_commit_is_all_or_nothing_and_save_is_atomic(tmp_path):
    node = _node(tmp_path)

    async def scenario():
        await node.start()
        try:
            before = node.running
            bad = before.copy()
            bad.hostname = "bad name with spaces"
            with pytest.raises(cfg.ConfigError):
                node.commit(bad)
            assert node.running is before and node.router.hostname == "NODE1"
            good = before.copy()
            good.hostname = "NODE1-NEW"
            node.commit(good)
            assert node.running is good and node.hostname == "NODE1-NEW" and node.router.hostname == "NODE1-NEW"
            node.save_startup()
        finally:
            await node.stop()

    asyncio.run(scenario())
    startup = tmp_path / "NODE1" / "startup-config"
    assert "hostname NODE1-NEW" in startup.read_text()
    assert oct(stat.S_IMODE(os.stat(startup).st_mode)) == "0o600"
    assert [p.name for p in (tmp_path / "NODE1").iterdir() if p.name.endswith(".tmp")] == []
    # the saved configuration is what the next boot runs
    again = Node(tmp_path, "NODE1", ADDRESS)
    assert again.load_startup().hostname == "NODE1-NEW"


def test_bad_startup_config_is_refused_with_its_line_number(tmp_path):
    text = STARTUP.replace("  itr\n", "  itr bogus-word\n")
    bad_line = text.splitlines().index("  itr bogus-word") + 1
    node = _node(tmp_path, text)
    with pytest.raises(StartupConfigError, match="line %d" % bad_line):
        node.load_startup()
    proc = subprocess.run([sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(tmp_path), "--name", "NODE1",
                           "--address", ADDRESS], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "startup-config refused, nothing applied" in proc.stderr and "line %d" % bad_line in proc.stderr
    assert not (tmp_path / "NODE1" / "node.pid").exists()


def test_ping_without_a_route_times_out_and_bad_source_fails_at_once(tmp_path):
    node = _node(tmp_path)

    async def scenario():
        await node.start()
        try:
            results = [r async for r in node.ping("192.168.60.1", "192.168.50.1", repeat=2, timeout=0.2)]
            assert results == [(False, None), (False, None)]
            results = [r async for r in node.ping("192.168.60.1", "10.9.9.9", repeat=2, timeout=5)]
            assert results == [(False, None), (False, None)]
        finally:
            await node.stop()

    asyncio.run(scenario())


def test_address_in_use_is_reported(tmp_path):
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind((ADDRESS, 4342))
    try:
        _node(tmp_path)
        proc = subprocess.run([sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(tmp_path), "--name",
                               "NODE1", "--address", ADDRESS], capture_output=True, text=True, timeout=60, check=False)
    finally:
        blocker.close()
    assert proc.returncode == 98  # EADDRINUSE: lisp-xtr lab up passes the line on as it is
    assert "NODE1: 127.0.150.1:4342/udp (LISP control) is in use by pid %d (" % os.getpid() in proc.stderr, proc.stderr

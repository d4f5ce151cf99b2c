"""The lab with real Linux hosts (``lispxtr.netns``, ``scripts/netns-lab``).

The first tests need no root: the router's EID-side data path (``Router.forward`` in, ``eid_out``
back) with Linux hosts played in memory at ping's one echo a second, and the namespace plan. The last
one builds the namespaces and runs the write-up's transcript with real ``ping``; it needs root, and
in CI (``CI=true``), which runs as root, not being root is a failure.
"""

import os
import pathlib
import random
import socket

import pytest
import yaml

from lispxtr import lab, netns
from lispxtr.core import Router, packets
from lispxtr.tun import TunDevice
from lispxtr.wire.pcap import iter_udp

from .conftest import support
from .test_core_lab import (MS_RLOC, SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab, ms_config, site1_config,
                            site2_config)

PAYLOAD = bytes(range(56))


def _linux_lab():
    """The write-up's three routers with no emulated hosts: their EID side is an interface."""
    net = Lab(start=False)
    for name, rloc in (("MR_MS", MS_RLOC), ("SITE1", SITE1_RLOC), ("SITE2", SITE2_RLOC)):
        net.routers[rloc] = Router(hostname=name, rloc=rloc, host_eids=[], rng=random.Random(rloc))
    net["SITE1"].eid_interface = net["SITE2"].eid_interface = True
    for rloc, config in ((MS_RLOC, ms_config()), (SITE1_RLOC, site1_config()), (SITE2_RLOC, site2_config())):
        net.apply(rloc, config)
    net.advance(2)  # registrations
    return net


def _linux_ping(net, count=5, ident=0x4242):
    """host1 pings host2 the way Linux ping does: one echo a second; host2's kernel answers every
    echo request the TUN of SITE2 hands on. Returns the icmp_seq numbers answered (1-based)."""
    site1, site2 = net["SITE1"], net["SITE2"]
    answered = []
    for seq in range(1, count + 1):
        request = packets.icmp_echo(SITE1_HOST, SITE2_HOST, packets.ECHO_REQUEST, ident, seq, PAYLOAD, ttl=63)
        net.deliver(site1.forward(request, net.now))
        while site2.eid_out:  # out of SITE2's TUN, to host2, whose reply comes back into the TUN
            packet = packets.parse_ipv4(site2.eid_out.popleft())
            echo = packets.parse_icmp_echo(packet.payload)
            assert packet.dst == SITE2_HOST and echo.kind == packets.ECHO_REQUEST
            reply = packets.icmp_echo(SITE2_HOST, packet.src, packets.ECHO_REPLY, echo.ident, echo.seq, echo.payload)
            net.deliver(site2.forward(reply, net.now))
        while site1.eid_out:
            packet = packets.parse_ipv4(site1.eid_out.popleft())
            echo = packets.parse_icmp_echo(packet.payload)
            assert (packet.src, packet.dst, echo.kind, echo.ident) == (SITE2_HOST, SITE1_HOST, packets.ECHO_REPLY, ident)
            answered.append(echo.seq)
        net.advance(1.0)
    return answered


def test_linux_hosts_lose_exactly_the_first_two_echoes():
    net = _linux_lab()
    site1, site2 = net["SITE1"], net["SITE2"]
    # echo 1 dies at SITE1 (map-cache miss, Map-Request); echo 2 reaches host2, its reply dies at
    # SITE2 (miss, Map-Request); each Map-Reply is back long before the next echo a second later
    assert _linux_ping(net) == [3, 4, 5]
    assert site1.counters["itr_drop_map_cache_miss"] == 1 and site2.counters["itr_drop_map_cache_miss"] == 1
    assert site1.counters["map_request_out"] == 1 and site2.counters["map_request_out"] == 1
    assert _linux_ping(net) == [1, 2, 3, 4, 5]
    # echoes 2-5 and 1-5 went through; of their replies all but echo 2's
    assert site1.counters["itr_encapsulated"] == 9 and site2.counters["etr_decapsulated"] == 9
    assert site2.counters["itr_encapsulated"] == 8 and site1.counters["etr_decapsulated"] == 8
    assert site1.counters["itr_drop_map_cache_miss"] == 1 and site2.counters["itr_drop_map_cache_miss"] == 1


def test_the_eid_side_carries_the_packet_unchanged():
    net = _linux_lab()
    _linux_ping(net, 2)
    request = packets.icmp_echo(SITE1_HOST, SITE2_HOST, packets.ECHO_REQUEST, 7, 9, PAYLOAD, ttl=61)
    net.deliver(net["SITE1"].forward(request + b"\0\0\0\0", net.now))  # link padding is not the packet
    assert list(net["SITE2"].eid_out) == [request]


def test_forward_counts_what_is_not_lisp_traffic():
    net = _linux_lab()
    site1 = net["SITE1"]
    not_ip = bytes([0x50]) + bytes(39)
    assert site1.forward(not_ip, net.now) == [] and site1.counters["eid_in_malformed_dropped"] == 1
    ipv6_stranger = packets.icmp6_echo("2001:db8:9::9", "2001:db8:2::1", packets.ECHO6_REQUEST, 1, 1, b"")
    assert site1.forward(ipv6_stranger, net.now) == [] and site1.counters["itr_source_not_eid_dropped"] == 1
    stranger = packets.icmp_echo("10.9.9.9", SITE2_HOST, packets.ECHO_REQUEST, 1, 1, b"")
    assert site1.forward(stranger, net.now) == [] and site1.counters["itr_source_not_eid_dropped"] == 2
    assert site1.forward(b"\x45garbage", net.now) == []
    assert site1.counters["map_request_out"] == 0


def test_without_an_eid_interface_decapsulated_strangers_are_dropped_as_before():
    net = _linux_lab()
    net["SITE2"].eid_interface = False
    assert _linux_ping(net) == []
    assert net["SITE2"].counters["data_not_for_us_dropped"] >= 1 and not net["SITE2"].eid_out


def test_plan_moves_the_write_up_onto_a_namespace_only_link():
    plan = netns.Plan(lab.load_topology(lab.CONFIGURED_TOPOLOGY), "p-")
    assert plan.namespaces == ["p-core", "p-mrms", "p-site1", "p-site2", "p-host1", "p-host2"]
    rlocs = {r["name"]: r["rloc"] for r in plan.routers}
    assert rlocs == {"MR_MS": "10.255.10.1", "SITE1": "10.255.1.1", "SITE2": "10.255.2.1"}
    assert [(h["ns"], h["eid"], h["plen"], h["gateway"], h["router_ns"]) for h in plan.hosts] == [
        ("p-host1", "192.168.1.1", 24, "192.168.1.254", "p-site1"), ("p-host2", "192.168.2.1", 24, "192.168.2.254", "p-site2")]
    site1 = plan.router("SITE1")["device"]
    assert "127.0." not in site1.startup_text()
    assert " 10.255.1.1 priority 10 weight 50" in site1.startup_text()
    assert "etr map-server 10.255.10.1 key" in site1.startup_text()
    site1.check_config()
    assert plan.router("MR_MS")["tun"] is None and plan.router("SITE2")["tun"] == "lisp0"
    assert netns.rloc_for("127.0.10.1") == "10.255.10.1"
    with pytest.raises(netns.NetnsError):
        netns.rloc_for("127.0.255.254")
    with pytest.raises(netns.NetnsError):
        netns.Plan(lab.load_topology(lab.CONFIGURED_TOPOLOGY), "bad prefix")


def test_ping_transcript_parser():
    text = ("PING 192.168.2.1 (192.168.2.1) 56(84) bytes of data.\n"
            "64 bytes from 192.168.2.1: icmp_seq=3 ttl=62 time=1.32 ms\n"
            "64 bytes from 192.168.2.1: icmp_seq=4 ttl=62 time=1.03 ms\n")
    assert netns.replied_seqs(text) == [3, 4]


def test_tun_refuses_bad_names():
    for name in ("", "x" * 16, "a/b", "a b"):
        with pytest.raises(ValueError):
            TunDevice(name)


def test_plan_gives_a_dual_stack_host_its_ipv6_address_too(tmp_path):
    plan = netns.Plan(lab.load_topology("dual-stack"), "p-")
    assert plan.namespaces == ["p-core", "p-mrms", "p-site1", "p-site2", "p-host1", "p-host2"]
    assert [(h["ns"], h["eid"], h["eid6"], h["plen6"], h["gateway6"]) for h in plan.hosts] == [
        ("p-host1", "192.168.1.1", "2001:db8:1::1", 48, "2001:db8:1:ffff:ffff:ffff:ffff:fffe"),
        ("p-host2", "192.168.2.1", "2001:db8:2::1", 48, "2001:db8:2:ffff:ffff:ffff:ffff:fffe")]
    assert "database-mapping 2001:DB8:1::/48 locator-set RLOCS" in plan.router("SITE1")["device"].startup_text()
    # an IPv6 host EID with no IPv4 one to share a Linux host with is refused, with the reason
    topo = yaml.safe_load((lab.TOPOLOGY_DIR / "dual-stack.yml").read_text())
    topo["devices"][1]["host_eids"] = ["2001:db8:1::1"]
    path = tmp_path / "v6only.yml"
    path.write_text(yaml.safe_dump(topo))
    with pytest.raises(netns.NetnsError, match="2001:db8:1::1 has no IPv4 host EID"):
        netns.Plan(lab.load_topology(str(path)), "p-")


def _require_root():
    if os.geteuid() == 0:
        return
    if support("shared").in_ci():  # the one reading of CI the suites share
        pytest.fail("CI runs as root, but this test runs as uid %d: the namespace lab was not tested" % os.geteuid())
    pytest.skip("not root: the namespace lab needs root (network namespaces, veths, TUN); CI runs it")


@pytest.mark.parametrize("use_os_setns", [True, False], ids=["os.setns", "libc-setns"])
def test_in_netns_touches_only_that_namespace(monkeypatch, use_os_setns):
    _require_root()
    if not use_os_setns:  # the Python 3.11 path
        monkeypatch.delattr(os, "setns", raising=False)
    ns = "lxns-%d-probe" % os.getpid()
    netns._ip("netns", "add", ns)  # pylint: disable=protected-access
    try:
        assert netns.in_netns(ns, socket.if_nameindex) == [(1, "lo")]
        before = pathlib.Path("/proc/sys/net/ipv4/ip_forward").read_text()
        netns._write_sysctl(ns, {"net.ipv4.ip_forward": 1})  # pylint: disable=protected-access
        assert netns.in_netns(ns, lambda: pathlib.Path("/proc/sys/net/ipv4/ip_forward").read_text()) == "1\n"
        assert pathlib.Path("/proc/sys/net/ipv4/ip_forward").read_text() == before
    finally:
        netns._ip("netns", "del", ns)  # pylint: disable=protected-access
    assert ns not in netns.existing_namespaces()


def test_write_up_transcript_with_linux_hosts_in_namespaces(tmp_path, tshark_check):
    _require_root()
    prefix = "lxns-%d-" % os.getpid()
    said = []
    result = netns.run_test(tmp_path / "state", prefix, out=said.append, pcap=True)
    transcript = "\n".join(said)
    assert result["ok"], "\n".join(result["problems"]) + "\n" + transcript
    assert netns.replied_seqs(result["first"]) == [3, 4, 5], result["first"]
    assert "5 packets transmitted, 3 received, 40% packet loss" in result["first"]
    assert netns.replied_seqs(result["second"]) == [1, 2, 3, 4, 5], result["second"]
    assert "5 packets transmitted, 5 received, 0% packet loss" in result["second"]
    assert "192.168.2.0/24, uptime:" in result["map_cache"] and "10.255.2.1" in result["map_cache"]
    # nothing of the lab is left: no namespace, no router process
    assert not {ns for ns in netns.existing_namespaces() if ns.startswith(prefix)}
    for name in ("MR_MS", "SITE1", "SITE2"):
        assert lab.running_pid(tmp_path / "state", name) is None
    # Wireshark finds every LISP packet well formed, the Linux hosts' echoes inside the data packets too
    data = [u for u in iter_udp(tmp_path / "state" / "SITE1" / "lisp.pcap") if 4341 in (u[1], u[3])]
    assert len(data) == 9 + 8, len(data)  # echoes 2-5 and 1-5 out, replies 3-5 and 1-5 in
    for name in ("MR_MS", "SITE1", "SITE2"):
        assert tshark_check(tmp_path / "state" / name / "lisp.pcap") == [], name


def test_dual_stack_transcript_with_linux_hosts_in_ipv6_too(tmp_path, tshark_check):
    _require_root()
    prefix = "lxns6-%d-" % os.getpid()
    said = []
    result = netns.run_test(tmp_path / "state", prefix, out=said.append, pcap=True, topology="dual-stack")
    assert result["ok"], "\n".join(result["problems"]) + "\n" + "\n".join(said)
    assert netns.replied_seqs(result["first"]) == [3, 4, 5] and netns.replied_seqs(result["second"]) == [1, 2, 3, 4, 5]
    # Linux's own ping -6: the same two echoes lost, then none
    assert netns.replied_seqs(result["first6"]) == [3, 4, 5], result["first6"]
    assert "5 packets transmitted, 3 received, 40% packet loss" in result["first6"]
    assert netns.replied_seqs(result["second6"]) == [1, 2, 3, 4, 5], result["second6"]
    assert "2001:DB8:2::/48, uptime:" in result["map_cache6"] and "10.255.2.1" in result["map_cache6"]
    assert not {ns for ns in netns.existing_namespaces() if ns.startswith(prefix)}
    # the Linux hosts' ICMPv6 inside the data packets, as Wireshark reads them
    for name in ("MR_MS", "SITE1", "SITE2"):
        assert tshark_check(tmp_path / "state" / name / "lisp.pcap") == [], name

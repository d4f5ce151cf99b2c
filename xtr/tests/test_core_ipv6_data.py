"""The IPv6 data plane on the in-memory lab: dual-stack xTRs with IPv6 EID-prefixes and hosts, ICMPv6
echo (RFC 4443 §4) in IPv6 (RFC 8200) encapsulated on UDP 4341 (RFC 9300 §5), and the packets'
checksums."""

import socket

import pytest

from lispxtr import lab as lab_runner
from lispxtr.config import parse_config
from lispxtr.core import EchoReply, packets
from lispxtr.core.prefix import parse_prefix
from lispxtr.wire import DataHeader
from lispxtr.wire.ip import checksum

from .test_core_lab import MS_RLOC, SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab, ping_story

SITE1_HOST6, SITE2_HOST6 = "2001:db8:1::1", "2001:db8:2::1"


def dual_stack_lab():
    """The built-in dual-stack topology's routers and startup configurations, in memory."""
    devices = {dev.name: dev for dev in lab_runner.load_topology("dual-stack").devices}
    lab = Lab(start=False)
    lab.add("SITE1", SITE1_RLOC, devices["SITE1"].host_eids)
    lab.add("SITE2", SITE2_RLOC, [SITE2_HOST, "2001:DB8:2::1"])  # written as IOS does: kept canonical
    assert devices["SITE2"].host_eids == [SITE2_HOST, SITE2_HOST6]
    for name, rloc in (("MR_MS", MS_RLOC), ("SITE1", SITE1_RLOC), ("SITE2", SITE2_RLOC)):
        assert devices[name].address == rloc
        lab.apply(rloc, parse_config(devices[name].startup_text()))
    return lab


def ping6_story(lab, count=5, start_seq=0):
    result = ""
    for seq in range(start_seq, start_seq + count):
        result += lab.ping(SITE1_RLOC, SITE1_HOST6, SITE2_HOST6, seq)
        lab.advance(2)
    return result


def test_ipv6_ping_loses_the_first_two_echoes_then_none():
    lab = dual_stack_lab()
    assert ping6_story(lab) == "..!!!"
    assert ping6_story(lab, start_seq=5) == "!!!!!"
    s1, s2 = lab["SITE1"], lab["SITE2"]
    assert [e.seq for e in s1.events if isinstance(e, EchoReply)] == list(range(2, 10))
    assert all((e.src_eid, e.dst_eid) == (SITE2_HOST6, SITE1_HOST6) for e in s1.events)
    assert s1.map_cache.get(parse_prefix("2001:db8:2::/48", 0)).locators[0].address == SITE2_RLOC
    assert s2.map_cache.get(parse_prefix("2001:db8:1::/48", 0)).locators[0].address == SITE1_RLOC
    assert s2.counters["echo_request_in"] == 9 and s1.counters["echo_reply_in"] == 8
    assert "2001:DB8:2::/48" in s1.show("show lisp instance-id 0 ipv6 map-cache", lab.now)
    # IPv4 alongside, unchanged
    assert ping_story(lab, start_seq=20) == "..!!!"


def test_ipv6_data_packets_on_the_wire_are_real_icmpv6_in_ipv6():
    lab = dual_stack_lab()
    ping6_story(lab)
    mark = lab.mark()
    assert lab.ping(SITE1_RLOC, SITE1_HOST6, SITE2_HOST6, 42) == "!"
    data = lab.sent(after=mark, port=4341)
    assert [s.dst[0] for s in data] == [SITE2_RLOC, SITE1_RLOC]
    for send, (src, dst, kind) in zip(data, ((SITE1_HOST6, SITE2_HOST6, 128), (SITE2_HOST6, SITE1_HOST6, 129))):
        header = DataHeader.decode(send.data)
        assert header.instance_id == 0 and header.nonce is not None
        inner = header.payload
        assert inner[0] >> 4 == 6 and inner[6] == 58 and inner[7] == 64  # version, Next Header ICMPv6, Hop Limit
        assert socket.inet_ntop(socket.AF_INET6, inner[8:24]) == src
        assert socket.inet_ntop(socket.AF_INET6, inner[24:40]) == dst
        body = inner[40:]
        assert int.from_bytes(inner[4:6], "big") == len(body)
        assert body[0] == kind and body[1] == 0 and int.from_bytes(body[6:8], "big") == 42
        # RFC 4443 §2.3: the checksum covers the RFC 8200 §8.1 pseudo-header
        pseudo = inner[8:40] + len(body).to_bytes(4, "big") + bytes(3) + bytes([58])
        assert checksum(pseudo + body) == 0 and body[2:4] != b"\0\0"


def test_icmpv6_echo_with_a_wrong_checksum_is_not_answered():
    lab = dual_stack_lab()
    ping6_story(lab)
    s2 = lab["SITE2"]
    request = bytearray(packets.icmp6_echo(SITE1_HOST6, SITE2_HOST6, packets.ECHO6_REQUEST, 1, 1, b"x" * 8))
    request[42] ^= 0xFF  # the ICMPv6 checksum
    data = DataHeader(nonce=1, instance_id=0, payload=bytes(request)).encode()
    before = s2.counters["echo_request_in"]
    assert s2.receive(data, (SITE1_RLOC, 49152), (SITE2_RLOC, 4341), lab.now) == []
    assert s2.counters["host_icmp_malformed"] == 1 and s2.counters["echo_request_in"] == before
    # a truncated IPv6 packet (Payload Length beyond the bytes there are) is malformed data
    short = DataHeader(nonce=2, instance_id=0, payload=bytes(request[:50])).encode()
    assert s2.receive(short, (SITE1_RLOC, 49152), (SITE2_RLOC, 4341), lab.now) == []
    assert s2.counters["data_malformed_dropped"] == 1


def test_ping_across_address_families_is_refused():
    lab = dual_stack_lab()
    with pytest.raises(ValueError, match="one address family"):
        lab["SITE1"].send_echo(SITE1_HOST, SITE2_HOST6, 1, 1, b"", lab.now)
    with pytest.raises(ValueError, match="not an EID of a host"):
        lab["SITE1"].send_echo("2001:db8:1::99", SITE2_HOST6, 1, 1, b"", lab.now)


@pytest.mark.parametrize("size", [0, 1, 7, 56, 1400])
def test_icmpv6_echo_round_trips_through_the_parser(size):
    payload = bytes(range(256)) * 6
    packet = packets.icmp6_echo(SITE1_HOST6, SITE2_HOST6, packets.ECHO6_REQUEST, 0xBEEF, 7, payload[:size])
    parsed = packets.parse_ip(packet + b"\0\0")  # link padding after the packet is not read
    assert (parsed.version, parsed.src, parsed.dst, parsed.proto, parsed.ttl) == (6, SITE1_HOST6, SITE2_HOST6, 58, 64)
    assert packets.packet_length(packet + b"\0\0") == len(packet)
    echo = packets.parse_echo(parsed)
    assert (echo.kind, echo.ident, echo.seq, echo.payload) == (packets.ECHO_REQUEST, 0xBEEF, 7, payload[:size])

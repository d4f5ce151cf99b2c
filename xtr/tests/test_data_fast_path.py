"""The data plane's fast path (``Router._echo_fast``, ``packets.echo_reply``, ``Itr.forward_ipv4``)
against the general path it short-cuts: two routers built alike, one with ``data_fast_path`` off,
take the same datagrams and must give the same sends, counters, events and ITR state (map-cache
statistics, outstanding Map-Requests, the nonce generator). Valid echo requests of many shapes
must take the fast path; random mutations of them (bad checksums, truncation, wrong lengths, other
protocols and ICMP types, fragments, header options) must give what the general path gives.
"""

from __future__ import annotations

import random
import struct

import pytest

from lispxtr.core import Router, packets
from lispxtr.core.itr import Itr, flow_hash
from lispxtr.core.map_cache import ACTION_DROP, ACTION_NATIVE, CachedLocator, MapCache, MapCacheEntry
from lispxtr.core.prefix import EidPrefix, addr_to_int
from lispxtr.core.types import DATA_PORT
from lispxtr.wire import DataHeader

from .test_core_lab import SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, T0, site2_config

OTHER_HOST = "192.168.2.7"  # a second host EID behind SITE2
NOT_A_HOST = "192.168.2.99"  # in SITE2's EID-prefix, not one of its hosts
SRC, DST = (SITE1_RLOC, 50123), (SITE2_RLOC, DATA_PORT)

# map-cache set-ups of SITE2 for 192.168.1.0/24 (SITE1): what the ITR finds for the echo reply
CACHES = {
    "hit": [(SITE1_RLOC, 10, 50, "up")],
    "hit-weight-0": [(SITE1_RLOC, 1, 0, "up")],
    "two-locators": [(SITE1_RLOC, 10, 50, "up"), ("127.0.1.2", 10, 50, "up")],
    "locator-down": [(SITE1_RLOC, 10, 50, "down")],
    "priority-255": [(SITE1_RLOC, 255, 50, "up")],
    "negative-drop": ACTION_DROP,
    "negative-native": ACTION_NATIVE,
    "miss": None,
}


def make_router(iid, cache, fast, itr=True, etr=True, eid_interface=False, hosts=(SITE2_HOST, OTHER_HOST)):
    config = site2_config(iid=iid)
    service = config.lisp.services["ipv4"]
    service.itr, service.etr = itr, etr
    router = Router(hostname="SITE2", rloc=SITE2_RLOC, host_eids=list(hosts), rng=random.Random(7))
    router.apply_config(config, T0)
    router.data_fast_path = fast
    router.eid_interface = eid_interface
    if cache is not None:
        _afi, value = addr_to_int("192.168.1.0")
        prefix = EidPrefix(iid, "ipv4", value, 24)
        if isinstance(cache, str):
            entry = MapCacheEntry(prefix, T0, None, None, action=cache, negative=True)
        else:
            entry = MapCacheEntry(prefix, T0, T0 + 86400, 86400,
                                  locators=[CachedLocator(a, pri, w, state, T0) for a, pri, w, state in cache])
        router.map_cache.add(entry)
    return router


def state(router):
    """Everything a datagram on 4341 may change."""
    itr = router.itr
    return {
        "counters": dict(router.counters),
        "events": list(router.events),
        "eid_out": list(router.eid_out),
        "last_error": router.last_error,
        "rng": router.rng.getstate(),
        "entries": [(e.prefix, e.packets_out, e.bytes_out, e.last_used) for e in router.map_cache.entries()],
        "pending": None if itr is None else sorted((p.eid, p.nonce, p.source_eid) for p in itr.pending.values()),
        "peers": dict(router.peers),
    }


class Pair:
    """The fast and the general router, and how many datagrams the fast path answered itself:
    ``FAST_PATH`` is the router method counted, ``deliver`` how a datagram reaches a router."""

    FAST_PATH = "_echo_fast"

    def __init__(self, iid=0, cache="hit", **kw):
        self.fast = make_router(iid, CACHES[cache] if cache in CACHES else cache, True, **kw)
        self.general = make_router(iid, CACHES[cache] if cache in CACHES else cache, False, **kw)
        self.taken = 0
        fast_path = getattr(self.fast, self.FAST_PATH)  # counted, then called as is

        def counted(*args):
            out = fast_path(*args)
            if out is not None:
                self.taken += 1
            return out

        setattr(self.fast, self.FAST_PATH, counted)  # the instance attribute shadows the method
        self.now = T0

    def deliver(self, router, data, src):
        return router.receive(data, src, DST, self.now)

    def check(self, data, src=SRC):
        self.now += 0.25
        out_fast = self.deliver(self.fast, data, src)
        out_general = self.deliver(self.general, data, src)
        assert out_fast == out_general, data.hex()
        assert state(self.fast) == state(self.general), data.hex()
        return out_fast


def ipv4(src, dst, proto, payload, ident=0, ttl=64, tos=0, flags=0, total=None, options=b""):
    """An IPv4 packet with a right header checksum and the fields the tests vary."""
    ihl = 5 + len(options) // 4
    length = 4 * ihl + len(payload) if total is None else total
    header = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, length, ident, flags, ttl, proto, 0,
                         bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))) + options
    return header[:10] + struct.pack("!H", packets.checksum(header)) + header[12:] + payload


def icmp(kind, ident, seq, payload, code=0, check=None):
    body = struct.pack("!BBHHH", kind, code, 0, ident, seq) + payload
    value = packets.checksum(body) if check is None else check
    return body[:2] + struct.pack("!H", value) + body[4:]


def lisp(inner, rng=None, iid=0):
    """A LISP data header (RFC 9300 §5.3) in front of ``inner``; with ``rng``, random flags and fields."""
    if rng is None:
        return DataHeader(nonce=0x123456, instance_id=iid, payload=inner).encode()
    kind = rng.randrange(4)
    nonce = rng.getrandbits(24) if kind in (0, 1) else None
    version = (rng.getrandbits(12), rng.getrandbits(12)) if kind == 2 else None
    # RFC 9300 §5.3: without the I bit the packet is of instance 0; the router's host answers only in its own
    with_iid = iid != 0 or rng.random() < 0.8
    lsb = None if rng.random() < 0.5 else rng.getrandbits(8 if with_iid else 32)
    return DataHeader(nonce=nonce, instance_id=iid if with_iid else None, lsb=lsb, echo_nonce=kind == 1,
                      map_version=version, payload=inner, key_id=rng.randrange(4) if rng.random() < 0.1 else 0).encode()


def request(rng, src=SITE1_HOST, dst=SITE2_HOST, size=None, iid=0):
    """A valid encapsulated echo request of random shape: payload length (odd and even), ident,
    sequence, TOS, Identification, DF, TTL, padding after Total Length, LISP header fields."""
    size = rng.choice((0, 1, 2, 3, 7, 32, 56, 57, 100, 255, 1000, 1471)) if size is None else size
    payload = bytes(rng.getrandbits(8) for _i in range(size)) if rng.random() < 0.7 else bytes(size)
    body = icmp(packets.ECHO_REQUEST, rng.getrandbits(16), rng.getrandbits(16), payload)
    inner = ipv4(src, dst, packets.ICMP, body, ident=rng.getrandbits(16), ttl=rng.randrange(256),
                 tos=rng.choice((0, 0, 0xB8)), flags=rng.choice((0, 0x4000)))
    if rng.random() < 0.1:
        inner += bytes(rng.randrange(1, 8))  # link padding after Total Length
    return lisp(inner, rng, iid)


# -- valid echo requests: the fast path answers them, exactly as the general path does ----------
@pytest.mark.parametrize("iid", [0, 5, 0xFFFFFF])
@pytest.mark.parametrize("cache", ["hit", "hit-weight-0"])
def test_valid_echo_requests_take_the_fast_path(iid, cache):
    rng = random.Random("valid-%d-%s" % (iid, cache))
    pair = Pair(iid, cache)
    count = 300
    for _i in range(count):
        out = pair.check(request(rng, dst=rng.choice((SITE2_HOST, OTHER_HOST)), iid=iid))
        assert len(out) == 1 and out[0].dst == (SITE1_RLOC, DATA_PORT)
        header = DataHeader.decode(out[0].data)
        assert header.instance_id == iid and header.nonce is not None
    assert pair.taken == count
    assert pair.fast.counters["echo_request_in"] == pair.fast.counters["itr_encapsulated"] == count


def test_every_payload_size_0_to_300():
    rng = random.Random("sizes")
    pair = Pair()
    for size in range(301):
        pair.check(request(rng, size=size))
    assert pair.taken == 301


def test_reply_bytes_are_those_of_icmp_echo():
    """The echo reply inside the encapsulated answer, against ``packets.icmp_echo`` directly."""
    rng = random.Random("bytes")
    for _i in range(500):
        size = rng.randrange(0, 200)
        payload, ident, seq = bytes(rng.getrandbits(8) for _j in range(size)), rng.getrandbits(16), rng.getrandbits(16)
        data = lisp(packets.icmp_echo(SITE1_HOST, SITE2_HOST, packets.ECHO_REQUEST, ident, seq, payload))
        assert packets.echo_reply(data) == packets.icmp_echo(SITE2_HOST, SITE1_HOST, packets.ECHO_REPLY, ident, seq, payload)


def _with_request_checksum(target):
    """An echo request whose ICMP checksum is ``target`` (the ident word chosen to get it)."""
    payload = b"lisp"
    for ident in range(0x10000):
        body = icmp(packets.ECHO_REQUEST, ident, 1, payload)
        if struct.unpack_from("!H", body, 2)[0] == target:
            return ipv4(SITE1_HOST, SITE2_HOST, packets.ICMP, body)
    raise AssertionError("no ident gives checksum %#x" % target)


def test_incremental_checksum_edge_cases():
    """RFC 1624 §3 at its corners: the reply's sum is 0 with a message of zeros (written 0xFFFF, as
    ``checksum`` does) and with a message not all zeros (written 0); and the request's checksum in
    its other representation (0xFFFF for 0), which RFC 1071 accepts as well."""
    pair = Pair()
    zeros = ipv4(SITE1_HOST, SITE2_HOST, packets.ICMP, icmp(packets.ECHO_REQUEST, 0, 0, bytes(6)))
    out = pair.check(lisp(zeros))
    assert out[0].data[8 + 22:8 + 24] == b"\xff\xff"
    out = pair.check(lisp(_with_request_checksum(0xF7FF)))  # 0xF7FF + 0x0800 = 0xFFFF: 0 modulo 0xFFFF
    assert out[0].data[8 + 22:8 + 24] == b"\x00\x00"
    zero_check = _with_request_checksum(0)  # its checksum field 0x0000, and the same packet with 0xFFFF
    pair.check(lisp(zero_check))
    pair.check(lisp(zero_check[:22] + b"\xff\xff" + zero_check[24:]))
    assert pair.taken == 4


# -- the ITR side: map-cache hit, miss, negative entries ----------------------------------------
@pytest.mark.parametrize("cache", sorted(CACHES))
def test_map_cache_states(cache):
    rng = random.Random("cache-" + cache)
    pair = Pair(0, cache)
    for _i in range(40):
        pair.check(request(rng))
    assert pair.taken == 40  # the fast path answers; its ITR side hands everything but a hit to forward()
    if cache == "miss":  # one Map-Request for the EID, then suppressed (RFC 9301 §5.3)
        assert pair.fast.counters["map_request_out"] == 1
        assert pair.fast.counters["map_request_suppressed"] == 39


@pytest.mark.parametrize("kw", [{"itr": False}, {"etr": False}, {"eid_interface": True}])
def test_roles_off_and_eid_interface(kw):
    rng = random.Random("roles-%s" % sorted(kw))
    pair = Pair(0, "hit", **kw)
    for dst in (SITE2_HOST, OTHER_HOST, NOT_A_HOST, "10.1.1.1"):
        for _i in range(20):
            pair.check(request(rng, dst=dst))
    assert pair.taken == (40 if kw.get("eid_interface") else 0)


def test_between_our_own_hosts_and_strangers():
    rng = random.Random("own")
    pair = Pair()
    for src, dst in ((OTHER_HOST, SITE2_HOST), (SITE2_HOST, SITE2_HOST), ("10.9.9.9", SITE2_HOST),
                     (SITE1_HOST, NOT_A_HOST), (SITE1_HOST, "10.1.1.1")):
        for _i in range(10):
            pair.check(request(rng, src=src, dst=dst))
    assert pair.taken == 10  # only from 10.9.9.9 (any host not ours) to our host
    assert pair.fast.counters["echo_reply_in"] == 20  # the replies to our own hosts, looped back


# -- malformed and unusual packets: the general path decides, with the same outcome -------------
def _mutate(rng, data):
    """One random change of a valid encapsulated echo request, often with the checksums made
    right again afterwards so that the change reaches the checks behind them."""
    data = bytearray(data)
    how = rng.randrange(12) if len(data) >= 36 else rng.choice((1, 11))
    if how == 0:  # flip bytes anywhere in the headers
        for _i in range(rng.randrange(1, 4)):
            data[rng.randrange(8, min(len(data), 44))] ^= 1 << rng.randrange(8)
    elif how == 1:  # truncated
        del data[rng.randrange(0, max(1, len(data))):]
    elif how == 2:  # Total Length off
        struct.pack_into("!H", data, 10, max(0, struct.unpack_from("!H", data, 10)[0] + rng.randrange(-30, 30)))
    elif how == 3:  # a fragment: More Fragments, or an offset
        struct.pack_into("!H", data, 14, rng.choice((0x2000, 0x0001, 0x2001, 0x1FFF, 0x6000, 0x8000)))
    elif how == 4:  # not ICMP
        data[17] = rng.choice((0, 2, 6, 17, 41, 58, 255))
    elif how == 5:  # not an echo request: echo reply, unreachable, timestamp...
        data[28] = rng.choice((0, 3, 5, 11, 13, 255))
    elif how == 6:  # ICMP code other than 0
        data[29] = rng.randrange(1, 256)
    elif how == 7:  # version or IHL changed (IHL 6: an option word taken from the ICMP header)
        data[8] = rng.choice((0x44, 0x46, 0x4F, 0x65, 0x35, 0x00))
    elif how == 8:  # bad ICMP checksum
        struct.pack_into("!H", data, 30, rng.getrandbits(16))
    elif how == 9:  # bad header checksum
        struct.pack_into("!H", data, 18, rng.getrandbits(16))
    elif how == 10:  # payload bytes changed
        if len(data) > 36:
            data[rng.randrange(36, len(data))] ^= 0xFF
    else:  # extra bytes after the packet
        data += bytes(rng.getrandbits(8) for _i in range(rng.randrange(1, 9)))
    if len(data) >= 28 and rng.random() < 0.5:  # make the IPv4 header checksum right again
        ihl = (data[8] & 0x0F) * 4
        if ihl >= 20 and len(data) >= 8 + ihl:
            struct.pack_into("!H", data, 18, 0)
            struct.pack_into("!H", data, 18, packets.checksum(bytes(data[8:8 + ihl])))
    if len(data) >= 36 and rng.random() < 0.5:  # and the ICMP one, over what Total Length covers
        end = 8 + min(struct.unpack_from("!H", data, 10)[0], len(data) - 8)
        if end >= 36:
            struct.pack_into("!H", data, 30, 0)
            struct.pack_into("!H", data, 30, packets.checksum(bytes(data[28:end])))
    return bytes(data)


@pytest.mark.parametrize("cache", ["hit", "miss", "negative-drop"])
def test_random_mutations_match_the_general_path(cache):
    rng = random.Random("mutations-" + cache)
    pair = Pair(5, cache)
    cases = 4000
    for _i in range(cases):
        data = request(rng, iid=5)
        for _j in range(rng.randrange(1, 3)):
            data = _mutate(rng, data)
        pair.check(data)
    # some mutations leave a valid request (a checksum made right again, padding added...)
    assert 0 < pair.taken < cases
    assert pair.fast.counters["malformed_dropped"] + pair.fast.counters["data_malformed_dropped"] > 0


def test_short_datagrams_and_other_buffers():
    pair = Pair()
    valid = lisp(ipv4(SITE1_HOST, SITE2_HOST, packets.ICMP, icmp(packets.ECHO_REQUEST, 1, 2, b"abc")))
    for end in range(len(valid)):
        pair.check(valid[:end])
    pair.check(bytearray(valid))  # not bytes: the general path copies it; the same answer
    pair.check(memoryview(valid))
    assert pair.taken == 0
    pair.check(valid)
    assert pair.taken == 1


def test_ip_options_fall_back():
    """A header with options (IHL 6) is valid for the general path, not the fast one's case."""
    pair = Pair()
    body = icmp(packets.ECHO_REQUEST, 3, 4, b"options")
    pair.check(lisp(ipv4(SITE1_HOST, SITE2_HOST, packets.ICMP, body, options=b"\x01\x01\x01\x00")))
    assert pair.taken == 0 and pair.fast.counters["echo_request_in"] == 1


def test_fragments_fall_back():
    """More Fragments or a Fragment Offset: the general path decides (DF alone is the common case)."""
    pair = Pair()
    body = icmp(packets.ECHO_REQUEST, 3, 4, b"fragment")
    for flags in (0x2000, 0x0001, 0x2001, 0x1FFF, 0x6000):
        pair.check(lisp(ipv4(SITE1_HOST, SITE2_HOST, packets.ICMP, body, flags=flags)))
    assert pair.taken == 0
    pair.check(lisp(ipv4(SITE1_HOST, SITE2_HOST, packets.ICMP, body, flags=0x4000)))
    assert pair.taken == 1


# -- Itr.forward_ipv4 against Itr.forward ------------------------------------------------------
def _itr(cache, petr=()):
    itr = Itr(SITE2_RLOC, random.Random(3), map_cache=MapCache())
    itr.configure(["127.0.10.1"], {}, petr, T0)
    if cache is not None:
        _afi, value = addr_to_int("192.168.1.0")
        prefix = EidPrefix(9, "ipv4", value, 24)
        if isinstance(cache, str):
            itr.map_cache.add(MapCacheEntry(prefix, T0, None, None, action=cache, negative=True))
        else:
            itr.map_cache.add(MapCacheEntry(prefix, T0, None, None,
                                            locators=[CachedLocator(a, pri, w, st, T0) for a, pri, w, st in cache]))
    return itr


@pytest.mark.parametrize("cache", sorted(CACHES))
@pytest.mark.parametrize("petr", [(), ("127.0.3.1",)])
def test_forward_ipv4_matches_forward(cache, petr):
    fast, general = _itr(CACHES[cache], petr), _itr(CACHES[cache], petr)
    rng = random.Random("forward-%s-%s" % (cache, petr))
    for k in range(100):
        dst = "192.168.1.%d" % rng.randrange(256)
        packet = packets.icmp_echo(SITE2_HOST, dst, packets.ECHO_REPLY, k, k, bytes(rng.randrange(64)))
        now = T0 + k
        out_fast = fast.forward_ipv4(packet, 9, now)
        out_general = general.forward(packet, 9, SITE2_HOST, dst, now)
        assert out_fast == out_general
        assert dict(fast.counters) == dict(general.counters)
        assert fast.rng.getstate() == general.rng.getstate()
        assert sorted(fast.pending) == sorted(general.pending)
        assert [(e.packets_out, e.bytes_out, e.last_used) for e in fast.map_cache.entries()] == \
            [(e.packets_out, e.bytes_out, e.last_used) for e in general.map_cache.entries()]


def test_encapsulation_is_the_data_header():
    """``Itr._encap`` writes what ``DataHeader`` encodes: N and I bits, the nonce, the instance-id,
    and the source port from the flow hash (RFC 9300 §5.3)."""
    rng = random.Random("encap")
    for _i in range(2000):
        iid = rng.choice((0, 1, 0xFFFFFF, rng.getrandbits(24), rng.getrandbits(32)))
        seed = rng.getrandbits(32)
        itr = Itr(SITE2_RLOC, random.Random(seed))
        packet = packets.icmp_echo(SITE2_HOST, SITE1_HOST, packets.ECHO_REPLY, 1, 2, bytes(rng.randrange(40)))
        h = flow_hash(packet)
        send = itr._encap(packet, iid, SITE1_RLOC, h)  # pylint: disable=protected-access  # the unit under test
        nonce = random.Random(seed).getrandbits(24)
        assert send.data == DataHeader(nonce=nonce, instance_id=iid & 0xFFFFFF, payload=packet).encode()
        assert send.src == (SITE2_RLOC, 49152 + h % 16384) and send.dst == (SITE1_RLOC, DATA_PORT)
        assert DataHeader.decode(send.data) == DataHeader(nonce, iid & 0xFFFFFF, None, False, None, packet)


# -- packets read from the EID-side interface (``Router.forward``, ``Router._forward_fast``) -------
def tun_packet(rng, src=SITE2_HOST, dst=SITE1_HOST):
    """A packet a host behind SITE2 sends towards SITE1, as its TUN device hands it over: UDP or an
    echo, of random size, sometimes with link padding after Total Length."""
    payload = bytes(rng.getrandbits(8) for _i in range(rng.choice((0, 1, 8, 56, 200, 1400))))
    if rng.random() < 0.5:
        body = icmp(packets.ECHO_REQUEST, rng.getrandbits(16), rng.getrandbits(16), payload)
        inner = ipv4(src, dst, packets.ICMP, body, ident=rng.getrandbits(16), ttl=rng.randrange(1, 256))
    else:
        inner = ipv4(src, dst, 17, struct.pack("!HHHH", 5000, 9, 8 + len(payload), 0) + payload)
    if rng.random() < 0.1:
        inner += bytes(rng.randrange(1, 8))
    return inner


def mutate(rng, packet, header_at=0):
    """One or two random changes of ``packet``: a byte, a truncation, a byte of the IPv4 header that
    starts at ``header_at`` with its checksum made right again (so that the fields behind it are
    reached), or bytes added."""
    data = bytearray(packet)
    for _j in range(rng.randrange(1, 3)):
        kind = rng.randrange(4) if data else 3
        if kind == 0:
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        elif kind == 1:
            data = data[:rng.randrange(len(data))]
        elif kind == 2 and len(data) >= header_at + 20:
            data[header_at + rng.randrange(20)] = rng.getrandbits(8)
            struct.pack_into("!H", data, header_at + 10, 0)
            struct.pack_into("!H", data, header_at + 10, packets.checksum(bytes(data[header_at:header_at + 20])))
        else:
            data += bytes(rng.randrange(1, 4))
    return bytes(data)


class ForwardPair(Pair):
    """``forward`` on the fast and the general router; ``taken`` counts what the fast path answered."""

    FAST_PATH = "_forward_fast"

    def deliver(self, router, data, src):
        return router.forward(data, self.now)


@pytest.mark.parametrize("iid", [0, 5])
@pytest.mark.parametrize("cache", sorted(CACHES))
def test_forward_fast_path_matches_forward(iid, cache):
    rng = random.Random("forward-%d-%s" % (iid, cache))
    pair = ForwardPair(iid, cache)
    for _i in range(300):
        pair.check(tun_packet(rng))
    # the sources are ours and the header intact: the fast path takes every one its flow cache
    # can decide (one usable locator); a miss, a negative entry or a choice among locators is forward's
    assert pair.taken == (300 if cache in ("hit", "hit-weight-0") else 0)
    assert pair.fast.counters["eid_in"] == 300


def test_forward_fast_path_mutations_and_strangers():
    rng = random.Random("forward-mutations")
    pair = ForwardPair(5, "hit")
    for _i in range(3000):
        pair.check(mutate(rng, tun_packet(rng)))
    for stranger in ("10.9.9.9", "192.168.1.1", "0.0.0.0"):  # not in SITE2's EID-prefix
        pair.check(tun_packet(rng, src=stranger))
    pair.check(packets.icmp6_echo("2001:db8:2::1", "2001:db8:1::1", packets.ECHO6_REQUEST, 1, 1, b""))
    pair.check(b"")
    assert 0 < pair.taken < 3000
    assert pair.fast.counters["itr_source_not_eid_dropped"] >= 3


@pytest.mark.parametrize("kw", [{"itr": False}, {"etr": False}])
def test_forward_fast_path_needs_itr_and_etr(kw):
    rng = random.Random("forward-roles")
    pair = ForwardPair(0, "hit", **kw)
    for _i in range(50):
        pair.check(tun_packet(rng))
    assert pair.taken == 0


def test_forward_source_cache_follows_reconfiguration():
    pair = ForwardPair(0, "hit")
    rng = random.Random("forward-reconfig")
    pair.check(tun_packet(rng))
    for router in (pair.fast, pair.general):  # SITE2's EID-prefix moves to instance 7
        router.apply_config(site2_config(iid=7), pair.now)
    pair.check(tun_packet(rng))
    assert pair.fast.counters["itr_drop_map_cache_miss"] == 1  # instance 7 has no entry for SITE1 yet


def test_flow_cache_follows_the_map_cache():
    """A flow's decision is kept only while the map-cache is unchanged: a replaced entry (new
    locator), a second locator, a removed entry each take effect on the next packet."""
    pair = ForwardPair(0, "hit")
    packet = ipv4(SITE2_HOST, SITE1_HOST, 17, struct.pack("!HHHH", 5000, 9, 8, 0))
    assert pair.check(packet)[0].dst == (SITE1_RLOC, DATA_PORT)
    assert pair.check(packet)[0].dst == (SITE1_RLOC, DATA_PORT) and pair.taken == 2
    _afi, value = addr_to_int("192.168.1.0")
    prefix = EidPrefix(0, "ipv4", value, 24)
    for locators, taken in (([("127.0.1.2", 10, 50)], 3), ([("127.0.1.2", 10, 50), ("127.0.1.3", 20, 50)], 3),
                            ([("127.0.1.3", 1, 0)], 4)):
        for router in (pair.fast, pair.general):
            router.map_cache.add(MapCacheEntry(prefix, pair.now, pair.now + 86400, 86400,
                                               locators=[CachedLocator(a, p, w, "up", pair.now) for a, p, w in locators]))
        out = pair.check(packet)
        assert out[0].dst == (locators[0][0] if len(locators) == 1 else "127.0.1.2", DATA_PORT)
        assert pair.taken == taken
    for router in (pair.fast, pair.general):
        router.map_cache.remove(prefix)
    out = pair.check(packet)  # a miss: the general path's Map-Request
    assert len(out) == 1 and out[0].dst[1] != DATA_PORT and pair.taken == 4
    assert pair.fast.counters["itr_drop_map_cache_miss"] == 1


def test_flow_cache_keys_on_the_protocol():
    pair = ForwardPair(0, "hit")
    udp = ipv4(SITE2_HOST, SITE1_HOST, 17, struct.pack("!HHHH", 5000, 9, 8, 0))
    echo = ipv4(SITE2_HOST, SITE1_HOST, packets.ICMP, icmp(packets.ECHO_REQUEST, 1, 1, b""))
    ports = {pair.check(p)[0].src[1] for p in (udp, echo, udp, echo)}
    assert ports == {49152 + flow_hash(udp) % 16384, 49152 + flow_hash(echo) % 16384} and pair.taken == 4


# -- decapsulation towards the EID-side interface (``Router.decapsulate_fast``) ---------------
class DecapPair(Pair):
    """Routers with an EID-side interface and no host EIDs of their own (the namespace lab)."""

    FAST_PATH = "decapsulate_fast"

    def __init__(self, iid=0, cache="hit"):
        super().__init__(iid, cache, eid_interface=True, hosts=())


def to_site2(rng, iid, dst=None):
    """A LISP data packet from SITE1 for an address behind SITE2, of random shape."""
    dst = dst or "192.168.2.%d" % rng.randrange(256)
    payload = bytes(rng.getrandbits(8) for _i in range(rng.choice((0, 3, 56, 1400))))
    if rng.random() < 0.5:
        inner = ipv4(SITE1_HOST, dst, packets.ICMP, icmp(packets.ECHO_REQUEST, 1, 2, payload), ttl=rng.randrange(1, 256))
    else:
        inner = ipv4(SITE1_HOST, dst, 17, struct.pack("!HHHH", 5000, 9, 8 + len(payload), 0) + payload)
    if rng.random() < 0.1:
        inner += bytes(rng.randrange(1, 8))  # link padding after Total Length
    return lisp(inner, rng, iid)


@pytest.mark.parametrize("iid", [0, 5])
def test_decapsulate_fast_matches_the_general_path(iid):
    rng = random.Random("decap-%d" % iid)
    pair = DecapPair(iid)
    ours = 0
    for _i in range(300):
        data = to_site2(rng, iid)
        assert pair.check(data) == []
        ours += (DataHeader.decode(data).instance_id or 0) == iid  # without the I bit: instance 0
    assert ours > 200 and pair.taken == ours and len(pair.fast.eid_out) == ours
    assert pair.fast.counters["etr_decapsulated"] == ours


def test_decapsulate_fast_mutations_and_strangers():
    rng = random.Random("decap-mutations")
    pair = DecapPair(5)
    for _i in range(3000):
        pair.check(mutate(rng, to_site2(rng, 5), header_at=8))
    for stranger in ("10.9.9.9", "192.168.1.1", "192.168.3.1"):  # not in SITE2's EID-prefix
        pair.check(to_site2(rng, 5, dst=stranger))
    pair.check(to_site2(rng, 4))  # another instance
    pair.check(bytearray(to_site2(rng, 5)))  # not bytes: the general path's
    assert 0 < pair.taken < 3000
    assert pair.fast.counters["data_not_for_us_dropped"] >= 4


def test_decapsulate_fast_needs_an_eid_interface_and_no_host_eids():
    rng = random.Random("decap-roles")
    for pair in (Pair(0, "hit", eid_interface=True), Pair(0, "hit", hosts=())):
        assert pair.fast.decapsulate_fast(to_site2(rng, 0)) is None

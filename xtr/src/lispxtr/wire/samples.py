"""One valid instance of every LISP message this package encodes, with varied fields: the seed
corpus of the round-trip tests, the fuzzer (bench/fuzz_wire.py) and the Wireshark check."""

from __future__ import annotations

from .address import InstanceId, Ipv4, Ipv6, Lcaf, Mac
from .auth import KEY_HMAC_SHA1, KEY_HMAC_SHA256, sign
from .data import DataHeader
from .ecm import EncapsulatedControl
from .ip import build_icmp_echo
from .map_notify import MapNotify
from .map_notify_ack import MapNotifyAck
from .map_register import MapRegister
from .map_reply import MapReply
from .map_request import MapRequest
from .record import ACTION_NATIVELY_FORWARD, ACTION_SEND_MAP_REQUEST, EidRecord, Locator

KEY = b"SITE2-KEY"

SITE2_RECORD = EidRecord(Ipv4("192.168.2.0"), 24, (Locator(Ipv4("127.0.2.1"), 10, 50, local=True),), ttl=1440,
                         authoritative=True)
IID_RECORD = EidRecord(InstanceId(7, Ipv4("10.7.0.0")), 16,
                       (Locator(Ipv4("127.0.2.1"), 10, 50), Locator(Ipv6("2001:db8::2"), 20, 0, reachable=False)),
                       ttl=60, authoritative=True, version=5)
V6_RECORD = EidRecord(Ipv6("2001:db8:2::"), 48, (Locator(Ipv4("127.0.2.1"), 1, 100, 255, 0, probed=True),))
NEGATIVE_RECORD = EidRecord(Ipv4("10.0.0.0"), 8, (), ttl=15, action=ACTION_NATIVELY_FORWARD)


def map_request(nonce: int = 0x0102030405060708) -> MapRequest:
    return MapRequest(nonce, Ipv4("192.168.1.1"), (Ipv4("127.0.1.1"),), ((Ipv4("192.168.2.1"), 32),))


def control_messages() -> list:
    """Message objects, one or more of each control type (Map-Register etc. signed with ``KEY``)."""
    request = map_request()
    register = sign(MapRegister(0x1122334455667788, 0, (SITE2_RECORD, IID_RECORD), proxy_reply=False, want_map_notify=True,
                                xtr_id=bytes(range(16)), site_id=b"\0\0\0\0\0\0\0\x01", alg_id=KEY_HMAC_SHA256), KEY)
    register_sha1 = sign(MapRegister(7, KEY_HMAC_SHA1, (V6_RECORD,), proxy_reply=True, use_ttl=True, merge=True), KEY)
    notify = sign(MapNotify.for_register(register), KEY)
    return [
        request,
        MapRequest(0xFFFFFFFFFFFFFFFF, None, (Ipv4("127.0.1.1"), Ipv6("::1")),
                   ((InstanceId(7, Ipv4("10.7.1.1")), 32), (Mac("02:00:00:00:00:01"), 48)),
                   authoritative=True, probe=True, smr=True, pitr=True, smr_invoked=True, map_reply=SITE2_RECORD,
                   local_xtr=True, dont_map_reply=True),
        MapReply(request.nonce, (SITE2_RECORD,)),
        MapReply(1, (NEGATIVE_RECORD, EidRecord(Ipv4("192.168.3.0"), 24, (), ttl=1, action=ACTION_SEND_MAP_REQUEST),
                     IID_RECORD, V6_RECORD), probe=True, echo_nonce=True),
        # an RLOC as an AFI-list LCAF (RFC 8060 §4.10.1), kept opaque
        MapReply(2, (EidRecord(Ipv4("192.168.4.0"), 24,
                               (Locator(Lcaf(1, Ipv4("127.0.4.1").encode() + Ipv6("::1").encode()), 1, 1),)),)),
        register,
        register_sha1,
        notify,
        sign(MapNotify(9, 0, (NEGATIVE_RECORD,), alg_id=KEY_HMAC_SHA1), KEY),
        sign(MapNotifyAck.for_notify(notify), KEY),
        EncapsulatedControl.wrap(request.encode(), "127.0.1.1", "192.168.2.1", 61000, 4342),
        EncapsulatedControl.wrap(request.encode(), "::1", "2001:db8:2::1", 61001, 4342, ddt=True),
    ]


def data_packets() -> list:
    """``DataHeader`` objects around ICMP echo packets, in the header's various forms."""
    echo = build_icmp_echo("192.168.1.1", "192.168.2.1", 0x1234, 1, bytes(56))
    return [
        DataHeader(0xABCDEF, None, 0x1, payload=echo),
        DataHeader(0x000001, 0, 0x3, echo_nonce=True, payload=echo),
        DataHeader(None, 0xFFFFFF, None, map_version=(1, 4095), payload=echo),
        DataHeader(None, None, None, payload=echo),
    ]

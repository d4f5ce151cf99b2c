"""The ITR and the ETR on their own, fed hand-made messages (no lab around them)."""

import random

from lispxtr.core import Etr, Itr
from lispxtr.core.etr import DatabaseMapping, MapServerPeer
from lispxtr.core.packets import ECHO_REQUEST, icmp_echo
from lispxtr.core.prefix import parse_prefix
from lispxtr.wire import (DataHeader, EidRecord, EncapsulatedControl, Ipv4, Locator, MapNotify, MapReply, MapRequest,
                          decode_control, sign, verify)


def test_itr_alone_miss_request_reply_encapsulate():
    itr = Itr("127.0.1.1", random.Random(1))
    itr.configure(["127.0.10.1"], {})
    packet = icmp_echo("192.168.1.1", "192.168.2.1", ECHO_REQUEST, 1, 1, b"hello")
    out = itr.forward(packet, 0, "192.168.1.1", "192.168.2.1", 0.0)
    assert [s.dst for s in out] == [("127.0.10.1", 4342)]
    assert itr.forward(packet, 0, "192.168.1.1", "192.168.2.1", 0.5) == []  # one per second per EID
    request = decode_control(EncapsulatedControl.decode(out[0].data).unwrap()[4])
    assert isinstance(request, MapRequest) and str(request.source_eid) == "192.168.1.1"
    record = EidRecord(Ipv4("192.168.2.0"), 24, (Locator(Ipv4("127.0.2.1"), 10, 50),), 1440, authoritative=True)
    itr.handle_reply(MapReply(request.nonce, (record,)), ("127.0.2.1", 4342), 0.6)
    assert not itr.pending and itr.next_timer() == 0.6 + 86400
    out = itr.forward(packet, 0, "192.168.1.1", "192.168.2.1", 1.0)
    assert len(out) == 1 and out[0].dst == ("127.0.2.1", 4341)
    header = DataHeader.decode(out[0].data)
    assert header.instance_id == 0 and header.payload == packet and header.nonce is not None


def test_etr_alone_registers_answers_and_takes_the_map_notify():
    etr = Etr("127.0.2.1", b"\x07" * 16)
    dm = DatabaseMapping(parse_prefix("192.168.2.0/24"), "RLOCS", (("127.0.2.1", 10, 50),))
    out = etr.configure([dm], [MapServerPeer("127.0.10.1", "k")], 100.0)
    assert len(out) == 1 and verify(out[0].data, "k")
    register = decode_control(out[0].data)
    assert register.want_map_notify and register.xtr_id == b"\x07" * 16 and register.nonce == 100_000_000
    assert etr.next_timer() == 101.0  # RFC 9301 §5.7: no Map-Notify yet -> again after 1 s
    notify = sign(MapNotify(register.nonce, 0, register.records, alg_id=2), "k").encode()
    etr.handle_notify(decode_control(notify), notify, ("127.0.10.1", 4342), 100.2)
    assert etr.next_timer() == 160.0  # RFC 9301 §8.2: then every 60 s
    request = MapRequest(42, Ipv4("192.168.1.1"), (Ipv4("127.0.1.1"),), ((Ipv4("192.168.2.9"), 32),))
    out = etr.handle_request(request, 4342, 101.0)
    assert [(s.src, s.dst) for s in out] == [(("127.0.2.1", 4342), ("127.0.1.1", 4342))]
    reply = decode_control(out[0].data)
    assert reply.nonce == 42 and reply.records[0].authoritative and reply.records[0].mask_len == 24
    other = MapRequest(43, None, (Ipv4("127.0.1.1"),), ((Ipv4("10.0.0.1"), 32),))
    assert etr.handle_request(other, 4342, 101.0) == []

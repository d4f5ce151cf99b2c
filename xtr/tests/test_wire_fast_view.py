"""``wire.ecm.map_request_view`` (the Map-Resolver/Map-Server's one-step read of the common ECM
Map-Request) against the general decoder: same answers on valid requests, None wherever the
general decoder refuses or sees another shape, and the same sends and counters through ``Router``."""

import random

import pytest

from lispxtr.config.model import EidRecordCfg, LispConfig, RouterConfig, Service, Site
from lispxtr.core import Router
from lispxtr.core import router as router_module
from lispxtr.wire import (EidRecord, EncapsulatedControl, InstanceId, Ipv4, Ipv6, Locator, LispWireError, MapRegister,
                          MapRequest, sign)
from lispxtr.wire.ecm import map_request_view
from lispxtr.wire.ip import checksum
from lispxtr.wire.message import decode_control

MS = "127.0.10.1"


def _ecm(rng, *, source=True, irc=1, iid=0, m_bit=False, flags=None, mask_len=32, eid=None, itr=None, sport=None):
    eid = eid or "10.%d.%d.%d" % (rng.randrange(4), rng.randrange(256), rng.randrange(256))
    itr = itr or "127.2.%d.%d" % (rng.randrange(256), rng.randrange(1, 255))
    rlocs = tuple(Ipv4(itr) for _n in range(irc))
    target = Ipv4(eid) if iid == 0 else InstanceId(iid, Ipv4(eid))
    kwargs = dict(flags or {})
    if m_bit:
        kwargs["map_reply"] = EidRecord(Ipv4(itr), 32, (Locator(Ipv4(itr), 1, 1),), 1)
    req = MapRequest(rng.getrandbits(64), Ipv4("192.0.2.1") if source else None, rlocs, ((target, mask_len),), **kwargs)
    return EncapsulatedControl.wrap(req.encode(), itr, eid, sport if sport is not None else rng.randrange(1, 65536)).encode()


def _general(data):
    """What the general path reads: the view's tuple, or an exception / another shape."""
    msg = decode_control(data)
    if not isinstance(msg, EncapsulatedControl):
        return "not ECM"
    _src, _dst, sport, _dport, inner = msg.unwrap()
    req = decode_control(inner)
    if not isinstance(req, MapRequest):
        return "not a Map-Request"
    return req, sport


def test_view_reads_the_common_shapes_like_the_decoder():
    rng = random.Random(1)
    for n in range(2000):
        data = _ecm(rng, source=bool(n % 2), mask_len=rng.choice((0, 8, 24, 32)),
                    flags={"authoritative": n % 3 == 0, "probe": n % 5 == 0, "smr": n % 7 == 0, "pitr": n % 11 == 0})
        view = map_request_view(data)
        req, sport = _general(data)
        assert view == (sport, req.nonce, req.itr_rlocs[0].address,
                        int.from_bytes(req.eid_records[0][0].packed, "big"), req.eid_records[0][1])


@pytest.mark.parametrize("shape", [
    {"irc": 2}, {"iid": 7}, {"m_bit": True}, {"flags": {"local_xtr": True}}, {"flags": {"dont_map_reply": True}},
])
def test_view_declines_other_shapes(shape):
    rng = random.Random(2)
    data = _ecm(rng, **shape)
    req, _sport = _general(data)  # valid, just not the common shape (or a shape it reads the same)
    view = map_request_view(data)
    if view is not None:  # L and D bits do not change the layout: read like the decoder
        assert view[1] == req.nonce and view[2] == req.itr_rlocs[0].address


def test_view_declines_ipv6_and_security_ecm():
    rng = random.Random(3)
    req = MapRequest(1, None, (Ipv6("2001:db8::1"),), ((Ipv4("10.0.0.1"), 32),))
    assert map_request_view(EncapsulatedControl.wrap(req.encode(), "2001:db8::1", "2001:db8::2", 4342).encode()) is None
    data = bytearray(_ecm(rng))
    data[0] |= 0x08  # S bit: RFC 9303 data would follow; the general path refuses it
    assert map_request_view(bytes(data)) is None


def test_view_never_accepts_what_the_decoder_refuses():
    """Random mutations of valid requests: wherever the view reads something, the general decoder
    reads the same; wherever the decoder raises, the view says None."""
    rng = random.Random(4)
    seen_none = seen_read = 0
    for _n in range(20000):
        data = bytearray(_ecm(rng, source=rng.random() < 0.5, mask_len=rng.choice((24, 32))))
        for _k in range(rng.choice((1, 1, 2, 3))):
            pos = rng.randrange(len(data))
            if rng.random() < 0.7:
                data[pos] ^= 1 << rng.randrange(8)
            else:
                data[pos] = rng.randrange(256)
        # most mutations only break a checksum: mend them in half the cases (no UDP checksum, a
        # right IPv4 header checksum) so that the fields behind them are exercised too
        if rng.random() < 0.5:
            data[30:32] = b"\0\0"
        if rng.random() < 0.5:
            data[14:16] = b"\0\0"
            data[14:16] = checksum(bytes(data[4:24])).to_bytes(2, "big")
        if rng.random() < 0.05:
            data = data[:rng.randrange(len(data))] if rng.random() < 0.5 else data + bytes(rng.randrange(1, 5))
        data = bytes(data)
        view = map_request_view(data)
        try:
            general = _general(data)
        except LispWireError:
            general = None
        if view is None:
            seen_none += 1
            continue
        seen_read += 1
        assert general is not None and not isinstance(general, str), data.hex()
        req, sport = general
        assert view == (sport, req.nonce, req.itr_rlocs[0].address,
                        int.from_bytes(req.eid_records[0][0].packed, "big"), req.eid_records[0][1]), data.hex()
    assert seen_none and seen_read  # both sides of the check were exercised


def _mr_ms(now):
    sites = {"S%d" % i: Site(auth_key="key-%d" % i, eid_records={(0, "10.0.%d.0/24" % i): EidRecordCfg(True)})
             for i in range(4)}
    sites["NEVER"] = Site(auth_key="never", eid_records={(0, "10.1.0.0/16"): EidRecordCfg(False)})
    config = RouterConfig(hostname="MR_MS", lisp=LispConfig(
        services={"ipv4": Service(map_server=True, map_resolver=True)}, sites=sites))
    router = Router(hostname="MR_MS", rloc=MS, host_eids=[], rng=random.Random(1))
    router.apply_config(config, now)
    for i in range(4):
        rloc = "127.1.0.%d" % (i + 1)
        record = EidRecord(Ipv4("10.0.%d.0" % i), 24, (Locator(Ipv4(rloc), 10, 50, local=True),), 1440, authoritative=True)
        msg = MapRegister(i + 1, 0, (record,), proxy_reply=i % 2 == 0, want_map_notify=False,
                          xtr_id=i.to_bytes(16, "big"), alg_id=2)
        router.receive(sign(msg, "key-%d" % i).encode(), (rloc, 4342), (MS, 4342), now)
    return router


def test_router_answers_the_same_with_and_without_the_view(monkeypatch):
    """Proxy replies, forwarded requests, negative replies (configured and not an EID) and
    mutated datagrams: the same sends and counters whichever reader ran."""
    rng = random.Random(5)
    datagrams = []
    for n in range(3000):
        eid = rng.choice(("10.0.%d.%d" % (rng.randrange(4), rng.randrange(256)), "10.1.%d.%d" % (rng.randrange(256), rng.randrange(256)),
                          "172.%d.%d.%d" % (rng.randrange(16, 32), rng.randrange(256), rng.randrange(256))))
        data = bytearray(_ecm(rng, eid=eid, source=n % 2 == 0))
        if n % 4 == 0:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        datagrams.append(bytes(data))
    fast, general = _mr_ms(100.0), _mr_ms(100.0)
    fast_out = [fast.receive(d, ("127.2.0.1", 4342), (MS, 4342), 101.0) for d in datagrams]
    monkeypatch.setattr(router_module, "map_request_view", lambda data: None)
    general_out = [general.receive(d, ("127.2.0.1", 4342), (MS, 4342), 101.0) for d in datagrams]
    assert fast_out == general_out
    assert dict(fast.counters) == dict(general.counters)
    kinds = {key for key in fast.counters if fast.counters[key]}
    assert {"map_reply_proxy", "map_request_forwarded", "map_reply_negative", "malformed_dropped"} <= kinds

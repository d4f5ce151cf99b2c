"""Fuzzing and property tests of the wire format: only LispWireError ever escapes a decoder."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lispxtr.wire import (DataHeader, EidRecord, InstanceId, Ipv4, Ipv6, LispWireError, Locator, MapNotify, MapRegister,
                          MapReply, MapRequest, Mac, decode_control)
from lispxtr.wire.fuzz import check_one, mutate, run, seeds


def test_seeded_mutation_fuzz():
    census = run(4000, seed=20261125)
    assert sum(census.values()) == 4000
    assert census["LispWireError"] > 1000  # the mutations do reach the error paths
    assert sum(n for k, n in census.items() if k.startswith("decoded")) > 500


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes_only_raise_lisp_wire_error(seed):
    rng = random.Random(seed)
    for _round in range(500):
        data = rng.randbytes(rng.randrange(0, 48))
        for kind in ("control", "data"):
            check_one(kind, data)


def test_every_type_nibble_with_short_bodies():
    for nibble in range(16):
        for length in range(0, 40):
            check_one("control", bytes([nibble << 4]) + bytes(length))
            check_one("control", bytes([(nibble << 4) | 0x0F]) + b"\xff" * length)


def test_mutations_are_reproducible():
    corpus = [b for _k, b in seeds()]
    a = [mutate(random.Random(3), corpus[0], corpus) for _i in range(5)]
    b = [mutate(random.Random(3), corpus[0], corpus) for _i in range(5)]
    assert a == b


# ---------------------------------------------------------------- hypothesis: generated messages

ipv4 = st.builds(lambda b: Ipv4("%d.%d.%d.%d" % tuple(b)), st.binary(min_size=4, max_size=4))
ipv6 = st.builds(lambda b: Ipv6(":".join("%x" % int.from_bytes(b[i:i + 2], "big") for i in range(0, 16, 2))),
                 st.binary(min_size=16, max_size=16))
mac = st.builds(lambda b: Mac(b.hex()), st.binary(min_size=6, max_size=6))
plain = st.one_of(ipv4, ipv6, mac)
eid = st.one_of(plain, st.builds(InstanceId, st.integers(0, 2 ** 32 - 1), st.one_of(ipv4, ipv6), st.integers(0, 255)))
byte = st.integers(0, 255)
locator = st.builds(Locator, st.one_of(ipv4, ipv6), byte, byte, byte, byte, st.booleans(), st.booleans(), st.booleans())


@st.composite
def records(draw):
    address = draw(eid)
    locators = tuple(draw(st.lists(locator, max_size=3)))
    return EidRecord(address, draw(st.integers(0, address.max_mask_len)), locators, draw(st.integers(0, 2 ** 32 - 1)),
                     0 if locators else draw(st.integers(0, 7)), draw(st.booleans()), draw(st.integers(0, 4095)))


nonce = st.integers(0, 2 ** 64 - 1)
xtr = st.one_of(st.none(), st.binary(min_size=16, max_size=16))
messages = st.one_of(
    st.builds(MapRequest, nonce, st.one_of(st.none(), eid), st.lists(st.one_of(ipv4, ipv6), min_size=1, max_size=32).map(tuple),
              st.lists(eid.flatmap(lambda e: st.tuples(st.just(e), st.integers(0, e.max_mask_len))), max_size=3).map(tuple),
              st.booleans(), st.just(False), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
              st.one_of(st.none(), records()), st.booleans(), st.booleans()),
    st.builds(MapReply, nonce, st.lists(records(), max_size=4).map(tuple), st.booleans(), st.booleans()),
    st.builds(lambda n, recs, alg, x, flags: MapRegister(n, 0, recs, flags[0], flags[1], x, None, *flags[2:], alg_id=alg),
              nonce, st.lists(records(), max_size=3).map(tuple), st.sampled_from([0, 1, 2]), xtr,
              st.tuples(*[st.booleans()] * 6)),
    st.builds(lambda n, recs, alg, x: MapNotify(n, 0, recs, x, alg_id=alg), nonce, st.lists(records(), max_size=3).map(tuple),
              st.sampled_from([0, 1, 2]), xtr),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
def test_generated_messages_round_trip(msg):
    raw = msg.encode()
    decoded = decode_control(raw)
    assert decoded == msg
    assert decoded.encode() == raw


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.integers(0, 2 ** 24 - 1)), st.one_of(st.none(), st.integers(0, 2 ** 24 - 1)),
       st.integers(0, 255), st.booleans(), st.binary(max_size=64))
def test_generated_data_headers_round_trip(nonce_value, iid, lsb, echo, payload):
    header = DataHeader(nonce_value, iid, lsb, echo and nonce_value is not None, None, payload)
    assert DataHeader.decode(header.encode()) == header


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_lisp_wire_error(data):
    try:
        decode_control(data)
    except LispWireError:
        pass
    try:
        DataHeader.decode(data)
    except LispWireError:
        pass

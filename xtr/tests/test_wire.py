"""LISP wire format: round trips, field checks, and every point of WIRE-NOTES.md."""

import dataclasses
import hashlib
import hmac
import ipaddress
import struct

import pytest

from lispxtr.wire import (ACTION_DROP, ACTION_NATIVELY_FORWARD, ACTION_NO_ACTION, ACTION_SEND_MAP_REQUEST,
                          KEY_HMAC_SHA1, KEY_HMAC_SHA256, KEY_HMAC_SHA256_HKDF, Address, DataHeader, EidRecord, EncapsulatedControl,
                          InstanceId, Ipv4, Ipv6, Lcaf, LispWireError, Locator, Mac, MapNotify, MapNotifyAck,
                          MapRegister, MapReply, MapRequest, decode_control, eid_from_prefix, eid_prefix, sign, verify)
from lispxtr.wire.ip import build_icmp_echo, build_udp, checksum, parse_icmp_echo, parse_udp
from lispxtr.wire.samples import (IID_RECORD, KEY, NEGATIVE_RECORD, SITE2_RECORD, control_messages, data_packets,
                                  map_request)

CONTROL = control_messages()
DATA = data_packets()


def _ids(objs):
    return ["%d-%s" % (i, type(o).__name__) for i, o in enumerate(objs)]


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("msg", CONTROL, ids=_ids(CONTROL))
def test_control_round_trip(msg):
    raw = msg.encode()
    decoded = decode_control(raw)
    assert decoded == msg
    assert type(decoded).decode(raw) == msg
    assert decoded.encode() == raw


@pytest.mark.parametrize("msg", DATA, ids=_ids(DATA))
def test_data_round_trip(msg):
    raw = msg.encode()
    assert DataHeader.decode(raw) == msg
    assert DataHeader.decode(raw).encode() == raw


def test_every_control_type_is_covered():
    assert {type(m) for m in CONTROL} == {MapRequest, MapReply, MapRegister, MapNotify, MapNotifyAck, EncapsulatedControl}
    assert {m.encode()[0] >> 4 for m in CONTROL} == {1, 2, 3, 4, 5, 8}


@pytest.mark.parametrize("msg", CONTROL + DATA, ids=_ids(CONTROL + DATA))
def test_messages_are_hashable_and_frozen(msg):
    assert hash(msg) == hash(dataclasses.replace(msg))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(msg, dataclasses.fields(msg)[0].name, 1)


# ---------------------------------------------------------------- addresses

def test_addresses_normalise_compare_and_hash():
    assert Ipv6("2001:DB8:0::1") == Ipv6("2001:db8::1") and str(Ipv6("2001:DB8:0::1")) == "2001:db8::1"
    assert Mac("0200.0000.00AB") == Mac("02-00-00-00-00-ab") == Mac("02:00:00:00:00:ab")
    assert str(Mac("0200.0000.00AB")) == "02:00:00:00:00:ab"
    assert len({Ipv4("10.0.0.1"), Ipv4("10.0.0.1"), Ipv6("::1")}) == 2
    assert (Ipv4("1.2.3.4").afi, Ipv6("::").afi, Mac("00:00:00:00:00:00").afi, InstanceId(1, Ipv4("1.2.3.4")).afi) == (1, 2, 6, 16387)
    assert str(InstanceId(5, Ipv4("192.168.2.0"))) == "[5] 192.168.2.0"
    assert Ipv4("1.2.3.4") != Ipv6("::1.2.3.4")


@pytest.mark.parametrize("make, text", [
    (lambda: Ipv4("192.168.1.256"), "invalid IPv4 address '192.168.1.256'"),
    (lambda: Ipv4("::1"), "invalid IPv4 address"),
    (lambda: Ipv6("1.2.3.4"), "invalid IPv6 address"),
    (lambda: Mac("02:00:00:00:00"), "invalid MAC address"),
    (lambda: InstanceId(2 ** 32, Ipv4("1.2.3.4")), "instance-id 4294967296 out of range"),
    (lambda: InstanceId(1, InstanceId(2, Ipv4("1.2.3.4"))), "plain address"),
    (lambda: Lcaf(2, b""), "use InstanceId"),
])
def test_bad_address_values_are_refused(make, text):
    with pytest.raises(LispWireError, match=text):
        make()


def test_instance_id_lcaf_layout():
    # RFC 8060 §4.1: AFI 16387, Rsvd1, Flags, Type 2, IID mask-len, Length, IID, AFI, address
    raw = InstanceId(7, Ipv4("10.7.0.0")).encode()
    assert raw == bytes.fromhex("4003 0000 0200 000a 00000007 0001 0a070000".replace(" ", ""))


def test_cisco_instance_id_mask_len_is_accepted_kept_and_ignored_for_equality():
    # WIRE-NOTES: Cisco sends IID mask-len 0x20 with a non-zero inner AFI. Accept it.
    record = EidRecord(InstanceId(1, Ipv4("192.168.2.0"), 0x20), 24, (Locator(Ipv4("127.0.2.1"), 10, 50),))
    raw = MapReply(1, (record,)).encode()
    assert raw[12 + 10:12 + 10 + 8] == bytes.fromhex("4003000002200010"[:12] + "000a")
    decoded = decode_control(raw)
    eid = decoded.records[0].eid
    assert eid.mask_len_field == 0x20 and eid == InstanceId(1, Ipv4("192.168.2.0"))
    assert hash(eid) == hash(InstanceId(1, Ipv4("192.168.2.0")))
    assert decoded.encode() == raw


def test_instance_id_range_with_afi_zero():
    rec = EidRecord(InstanceId(0x100, None, 24), 0)
    assert decode_control(MapReply(3, (rec,)).encode()).records[0] == rec


def test_eid_prefix_helpers():
    assert eid_prefix(SITE2_RECORD) == (0, ipaddress.ip_network("192.168.2.0/24"))
    assert eid_prefix((InstanceId(7, Ipv4("10.7.1.1")), 16)) == (7, ipaddress.ip_network("10.7.0.0/16"))
    assert eid_from_prefix("192.168.2.0/24") == (Ipv4("192.168.2.0"), 24)
    assert eid_from_prefix(ipaddress.ip_network("2001:db8::/32"), 9) == (InstanceId(9, Ipv6("2001:db8::")), 32)
    with pytest.raises(LispWireError, match="not an IP prefix"):
        eid_prefix((Mac("02:00:00:00:00:01"), 48))


# ---------------------------------------------------------------- Map-Request

def test_map_request_layout():
    raw = map_request(0x0102030405060708).encode()
    # Type 1, no flags, IRC 0, 1 record, nonce, source EID (AFI 1), ITR-RLOC (AFI 1), record
    assert raw.hex() == ("10000001" "0102030405060708" "0001c0a80101" "00017f000101" "0020" "0001c0a80201")


def test_map_request_flag_bits():
    msg = MapRequest(1, None, (Ipv4("127.0.0.1"),), ((Ipv4("10.0.0.1"), 32),), authoritative=True, probe=True,
                     smr=True, pitr=True, smr_invoked=True, local_xtr=True, dont_map_reply=True)
    raw = msg.encode()
    assert raw[0] == 0x10 | 0x08 | 0x02 | 0x01  # A, P, S (M clear: no Map-Reply record)
    assert raw[1] == 0xC0 and raw[2] == 0x60  # p, s; L, D, IRC 0
    assert raw[12:14] == b"\0\0"  # source EID AFI 0


def test_map_request_map_data_present_follows_record():
    with_record = MapRequest(1, None, (Ipv4("127.0.0.1"),), ((Ipv4("10.0.0.1"), 32),), map_reply=SITE2_RECORD)
    assert with_record.map_data_present and with_record.encode()[0] & 0x04
    with pytest.raises(LispWireError, match="M bit"):
        MapRequest(1, None, (Ipv4("127.0.0.1"),), (), map_data_present=True)


def test_map_request_itr_rloc_count():
    rlocs = tuple(Ipv4("127.0.0.%d" % i) for i in range(1, 33))
    msg = MapRequest(5, None, rlocs, ((Ipv4("10.0.0.1"), 32),))
    assert msg.encode()[2] & 0x1F == 31 and decode_control(msg.encode()).itr_rlocs == rlocs
    with pytest.raises(LispWireError, match="33 ITR-RLOCs"):
        MapRequest(5, None, rlocs + (Ipv4("127.0.0.33"),), ())
    with pytest.raises(LispWireError, match="0 ITR-RLOCs"):
        MapRequest(5, None, (), ())


@pytest.mark.parametrize("bad, text", [
    (dict(nonce=-1), "nonce -1 out of range"),
    (dict(nonce=2 ** 64), "nonce"),
    (dict(eid_records=((Ipv4("10.0.0.0"), 33),)), "Map-Request EID record 1: EID mask length 33 exceeds 32 for IPv4"),
    (dict(eid_records=((Ipv6("::"), 129),)), "exceeds 128 for IPv6"),
    (dict(eid_records=(("10.0.0.0", 8),)), "is not an Address"),
    (dict(source_eid="192.168.1.1"), "source EID must be an Address"),
])
def test_map_request_bad_values(bad, text):
    args = dict(nonce=1, source_eid=None, itr_rlocs=(Ipv4("127.0.0.1"),), eid_records=((Ipv4("10.0.0.1"), 32),))
    args.update(bad)
    with pytest.raises(LispWireError, match=text):
        MapRequest(**args)


# ---------------------------------------------------------------- Map-Reply and records

def test_map_reply_layout_and_record_fields():
    raw = MapReply(0xAA, (SITE2_RECORD,)).encode()
    assert raw[:4] == b"\x20\0\0\x01"
    rec = raw[12:]
    # TTL 1440, 1 locator, /24, A bit, map-version 0, AFI 1 192.168.2.0, pri 10 w 50 mpri 255 mw 0, L+R, AFI 1
    assert rec.hex() == "000005a0" "01" "18" "10" "00" "0000" "0001c0a80200" "0a32ff00" "0005" "00017f000201"


def test_negative_map_reply_natively_forward():
    # WIRE-NOTES: no site covers the EID -> negative Map-Reply, natively-forward, TTL 15 minutes.
    raw = MapReply(9, (NEGATIVE_RECORD,)).encode()
    assert raw[12:16] == struct.pack("!I", 15) and raw[16] == 0 and raw[18] >> 5 == ACTION_NATIVELY_FORWARD
    record = decode_control(raw).records[0]
    assert record.is_negative and record.action == ACTION_NATIVELY_FORWARD and record.ttl == 15


def test_action_with_locators_refused_on_encode_and_ignored_on_decode():
    with pytest.raises(LispWireError, match="action 3 .drop. with 1 locators"):
        EidRecord(Ipv4("10.0.0.0"), 8, (Locator(Ipv4("127.0.0.1")),), action=ACTION_DROP)
    raw = bytearray(MapReply(1, (SITE2_RECORD,)).encode())
    raw[18] |= ACTION_DROP << 5  # RFC 9301 §5.4: ACT only counts with Locator Count 0
    assert decode_control(bytes(raw)).records[0].action == ACTION_NO_ACTION


@pytest.mark.parametrize("action", [ACTION_NO_ACTION, ACTION_NATIVELY_FORWARD, ACTION_SEND_MAP_REQUEST, ACTION_DROP, 4, 5])
def test_negative_actions_round_trip(action):
    msg = MapReply(1, (EidRecord(Ipv4("10.0.0.0"), 8, (), ttl=1, action=action),))
    assert decode_control(msg.encode()) == msg


@pytest.mark.parametrize("make, text", [
    (lambda: EidRecord(Ipv4("10.0.0.0"), 33), "EID mask length 33 exceeds 32 for IPv4"),
    (lambda: EidRecord(Mac("02:00:00:00:00:01"), 49), "exceeds 48 for MAC"),
    (lambda: EidRecord(InstanceId(1, Ipv6("::")), 129), "exceeds 128 for IPv6"),
    (lambda: EidRecord(Ipv4("10.0.0.0"), 8, ttl=-1), "record TTL -1"),
    (lambda: EidRecord(Ipv4("10.0.0.0"), 8, version=4096), "map-version 4096"),
    (lambda: EidRecord(Ipv4("10.0.0.0"), 8, action=8), "record action 8"),
    (lambda: Locator(Ipv4("127.0.0.1"), priority=256), "locator priority 256"),
    (lambda: Locator("127.0.0.1"), "must be an Address"),
    (lambda: MapReply(1, ("x",)), "Map-Reply record 1"),
])
def test_bad_record_values(make, text):
    with pytest.raises(LispWireError, match=text):
        make()


def test_locator_flags():
    loc = Locator(Ipv4("127.0.0.1"), local=True, probed=True, reachable=False)
    assert loc.encode()[4:6] == b"\x00\x06"
    got = decode_control(MapReply(1, (EidRecord(Ipv4("10.0.0.0"), 8, (loc,)),)).encode()).records[0].locators[0]
    assert got == loc


# ---------------------------------------------------------------- decode rejections

def _register_bytes(**changes):
    return sign(MapRegister(1, 0, (SITE2_RECORD,), want_map_notify=True, alg_id=KEY_HMAC_SHA256, **changes), KEY).encode()


def test_mask_length_beyond_family_names_record_and_field():
    raw = bytearray(_register_bytes())
    raw[16 + 32 + 5] = 33  # EID mask-len of record 1
    with pytest.raises(LispWireError, match=r"^Map-Register record 1: EID mask length 33 exceeds 32 for IPv4$"):
        decode_control(bytes(raw))


def test_trailing_bytes_rejected():
    for msg in CONTROL:
        if isinstance(msg, (EncapsulatedControl, MapNotify, MapNotifyAck)):
            continue
        with pytest.raises(LispWireError, match="trailing"):
            decode_control(msg.encode() + b"\0")


def test_record_count_mismatch_rejected():
    raw = bytearray(_register_bytes())
    raw[3] = 2  # says 2 records, carries 1
    with pytest.raises(LispWireError, match="Map-Register record 2: truncated"):
        decode_control(bytes(raw))
    two = MapReply(1, (SITE2_RECORD, NEGATIVE_RECORD)).encode()
    with pytest.raises(LispWireError, match="trailing"):
        decode_control(two[:3] + b"\x01" + two[4:])


def test_locator_count_mismatch_rejected():
    raw = bytearray(MapReply(1, (SITE2_RECORD,)).encode())
    raw[16] = 2
    with pytest.raises(LispWireError, match="Map-Reply record 1 locator 2: truncated"):
        decode_control(bytes(raw))
    raw[16] = 0
    with pytest.raises(LispWireError, match="trailing"):
        decode_control(bytes(raw))


def test_unknown_afi_rejected():
    raw = bytearray(MapReply(1, (SITE2_RECORD,)).encode())
    raw[22:24] = b"\x1e\x00"
    with pytest.raises(LispWireError, match="Map-Reply record 1 EID-Prefix: unknown AFI 7680"):
        decode_control(bytes(raw))


def test_afi_zero_rejected_where_an_address_is_needed():
    raw = bytearray(MapRequest(1, None, (Ipv4("127.0.0.1"),), ()).encode())
    raw[14:20] = b"\0\0"
    with pytest.raises(LispWireError, match="ITR-RLOC 1: AFI 0"):
        decode_control(bytes(raw[:16]))


def test_lcaf_length_checked():
    raw = bytearray(MapReply(1, (IID_RECORD,)).encode())
    assert raw[22:24] == b"\x40\x03"
    raw[28:30] = b"\x00\x0b"  # instance-id LCAF length one too long
    with pytest.raises(LispWireError, match="instance-id LCAF length 11 does not match"):
        decode_control(bytes(raw))
    raw[28:30] = b"\xff\xff"
    with pytest.raises(LispWireError, match="LCAF type 2 length 65535 exceeds"):
        decode_control(bytes(raw))


@pytest.mark.parametrize("msg", CONTROL, ids=_ids(CONTROL))
def test_every_truncation_raises_lisp_wire_error(msg):
    raw = msg.encode()
    for cut in range(len(raw)):
        if isinstance(msg, (MapNotify, MapNotifyAck)) and msg.xtr_id is not None and cut == len(raw) - 24:
            # without its xTR-ID/Site-ID trailer a Map-Notify is still whole (RFC 9301 form)
            assert decode_control(raw[:cut]) == dataclasses.replace(msg, xtr_id=None, site_id=None)
            continue
        with pytest.raises(LispWireError):
            decode_control(raw[:cut])


@pytest.mark.parametrize("raw, text", [
    (b"", "empty"),
    (b"\x60\0\0\0", "unsupported type 6 .Map-Referral."),
    (b"\xf0\0\0\0", "unsupported type 15"),
    (b"\x00\0\0\0", "unsupported type 0"),
    (b"\x10", "Map-Request: truncated"),
])
def test_decode_control_rejects(raw, text):
    with pytest.raises(LispWireError, match=text):
        decode_control(raw)


def test_decode_of_the_wrong_class_and_input_type():
    with pytest.raises(LispWireError, match="Map-Reply: type 1"):
        MapReply.decode(map_request().encode())
    with pytest.raises(LispWireError, match="expected bytes"):
        decode_control(12)
    assert decode_control(bytearray(map_request().encode())) == map_request()
    assert decode_control(memoryview(map_request().encode())) == map_request()


def test_reserved_bits_are_ignored():
    # WIRE-NOTES: ignore reserved bits on receive, always (lispers.net uses some for its own flags).
    canonical = _register_bytes()
    noisy = bytearray(canonical)
    noisy[1] |= 0xFF  # reserved
    noisy[2] |= 0xE0 | 0x02  # reserved + R
    noisy[16 + 32 + 7] = 0xFF  # record reserved byte
    noisy[16 + 32 + 8] |= 0xF0  # Rsvd bits before Map-Version
    assert decode_control(bytes(noisy)) == decode_control(canonical)
    req = bytearray(map_request().encode())
    req[1] |= 0x3F
    req[2] |= 0x80
    assert decode_control(bytes(req)) == map_request()
    reply = bytearray(MapReply(1, (SITE2_RECORD,)).encode())
    reply[0] |= 0x01
    reply[1:3] = b"\xff\xff"
    reply[12 + 16 + 4] |= 0xFF  # unused locator flag bits
    reply[12 + 16 + 5] |= 0xF8
    assert decode_control(bytes(reply)) == MapReply(1, (SITE2_RECORD,))


# ---------------------------------------------------------------- Map-Register / authentication

def test_register_sends_key_id_zero_algorithm_and_full_digest():
    for alg, length in ((KEY_HMAC_SHA1, 20), (KEY_HMAC_SHA256, 32)):
        raw = sign(MapRegister(1, 0, (SITE2_RECORD,), alg_id=alg), KEY).encode()
        assert raw[12] == 0 and raw[13] == alg and struct.unpack("!H", raw[14:16])[0] == length
        assert verify(raw, KEY) and not verify(raw, b"SITE1-KEY")


def test_rfc6830_sixteen_bit_key_id_reading():
    # WIRE-NOTES: sending Key ID 0 keeps both readings identical; a 16-bit key_id is split.
    msg = MapRegister(1, KEY_HMAC_SHA256, (SITE2_RECORD,))
    assert (msg.key_id, msg.alg_id) == (0, KEY_HMAC_SHA256)
    assert msg.encode()[12:14] == b"\x00\x02"
    assert msg == MapRegister(1, 0, (SITE2_RECORD,), alg_id=KEY_HMAC_SHA256)
    assert len(msg.auth_data) == 32 and msg.auth_data == bytes(32)  # placeholder for sign()


def test_truncated_digests_are_accepted():
    for alg, hash_fn, short in ((KEY_HMAC_SHA1, hashlib.sha1, 12), (KEY_HMAC_SHA256, hashlib.sha256, 16)):
        template = MapRegister(3, 0, (SITE2_RECORD,), alg_id=alg, auth_data=bytes(short)).encode()
        mac = hmac.new(KEY, template, hash_fn).digest()[:short]
        raw = template[:16] + mac + template[16 + short:]
        msg = decode_control(raw)
        assert len(msg.auth_data) == short and msg.encode() == raw
        assert verify(raw, KEY) and not verify(raw, b"other")


@pytest.mark.parametrize("alg, length", [(KEY_HMAC_SHA1, 32), (KEY_HMAC_SHA1, 16), (KEY_HMAC_SHA256, 20), (0, 4)])
def test_auth_length_not_fitting_the_algorithm(alg, length):
    raw = bytearray(MapRegister(3, 0, (SITE2_RECORD,), alg_id=2).encode())
    body = bytes(raw[48:])
    bad = bytes(raw[:13]) + struct.pack("!BH", alg, length) + bytes(length) + body
    with pytest.raises(LispWireError, match="authentication data length %d does not fit algorithm %d" % (length, alg)):
        decode_control(bad)
    with pytest.raises(LispWireError, match="does not fit"):
        MapRegister(3, 0, (SITE2_RECORD,), alg_id=alg, auth_data=bytes(length))


def test_hkdf_algorithm_3_is_parsed_but_not_computed():
    # RFC 9301 §12.5 algorithm 3 (HMAC-SHA256-128+HKDF-SHA256): lengths as SHA-256; no vectors exist
    msg = MapRegister(3, 0, (SITE2_RECORD,), alg_id=KEY_HMAC_SHA256_HKDF)
    assert len(msg.auth_data) == 32 and decode_control(msg.encode()) == msg
    assert not verify(msg.encode(), KEY)
    with pytest.raises(LispWireError, match="cannot be used for signing"):
        sign(msg, KEY)


def test_unknown_algorithm_is_parsed_by_its_length_but_never_verifies():
    msg = MapRegister(3, 0, (SITE2_RECORD,), alg_id=200, auth_data=b"\x01\x02\x03")
    raw = msg.encode()
    assert decode_control(raw) == msg and not verify(raw, KEY)


def test_mac_covers_the_whole_message_including_xtr_id():
    # WIRE-NOTES: lispers.net and OOR cover the whole message, xTR-ID/Site-ID included.
    msg = sign(MapRegister(1, 0, (SITE2_RECORD,), xtr_id=b"\x01" * 16, site_id=b"\x02" * 8, alg_id=KEY_HMAC_SHA256), KEY)
    raw = msg.encode()
    assert raw[0] & 0x02 and raw.endswith(b"\x01" * 16 + b"\x02" * 8)
    assert verify(raw, KEY)
    assert not verify(raw[:-1] + b"\x03", KEY)  # site-ID tampered
    zeroed = raw[:16] + bytes(32) + raw[48:]
    assert msg.auth_data == hmac.new(KEY, zeroed, hashlib.sha256).digest()
    assert msg.auth_data != hmac.new(KEY, zeroed[:-24], hashlib.sha256).digest()


def test_sign_bytes_and_objects_agree():
    msg = MapRegister(77, 0, (SITE2_RECORD,), want_map_notify=True, alg_id=KEY_HMAC_SHA1)
    signed_obj = sign(msg, KEY)
    signed_raw = sign(msg.encode(), KEY)
    assert signed_obj.encode() == signed_raw and verify(signed_raw, KEY)
    # switch algorithm while signing bytes
    resigned = sign(signed_raw, KEY, KEY_HMAC_SHA256)
    assert decode_control(resigned).alg_id == KEY_HMAC_SHA256 and verify(resigned, KEY)
    assert sign(msg, "SITE2-KEY") == signed_obj  # str keys are UTF-8
    with pytest.raises(LispWireError, match="not a Map-Register"):
        sign(map_request().encode(), KEY)


def test_verify_never_raises_on_garbage():
    for raw in (b"", b"\x30", bytes(15), b"\x30" + bytes(15), b"\x30" + bytes(12) + b"\x02\x00\x20", map_request().encode()):
        assert verify(raw, KEY) is False


def test_register_flag_bits():
    msg = MapRegister(1, 0, (SITE2_RECORD,), proxy_reply=True, want_map_notify=True, security=True, eid_notify=True,
                      use_ttl=True, merge=True, xtr_id=bytes(16))
    raw = msg.encode()
    assert raw[0] == 0x30 | 0x08 | 0x04 | 0x02 and raw[2] == 0x10 | 0x08 | 0x04 | 0x01
    assert decode_control(raw) == msg


def test_register_xtr_id_values():
    assert MapRegister(1, 0, (), xtr_id=bytes(16)).site_id == bytes(8)
    with pytest.raises(LispWireError, match="xtr_id must be 16 bytes"):
        MapRegister(1, 0, (), xtr_id=bytes(15))
    with pytest.raises(LispWireError, match="site_id given without xtr_id"):
        MapRegister(1, 0, (), site_id=bytes(8))
    raw = MapRegister(1, 0, (SITE2_RECORD,), xtr_id=bytes(16)).encode()
    with pytest.raises(LispWireError, match="I bit set but only 23 of the 24"):
        decode_control(raw[:-1])


# ---------------------------------------------------------------- Map-Notify / Map-Notify-Ack

def test_map_notify_with_and_without_xtr_id():
    # WIRE-NOTES: RFC 9301 has no xTR-ID in a Map-Notify; the NAT draft sets an I bit. Decode both.
    plain = MapNotify(5, 0, (SITE2_RECORD,), alg_id=KEY_HMAC_SHA1)
    assert plain.encode()[0] == 0x40 and decode_control(plain.encode()) == plain
    with_id = MapNotify(5, 0, (SITE2_RECORD,), xtr_id=b"\x0a" * 16, site_id=b"\x0b" * 8, alg_id=KEY_HMAC_SHA1)
    raw = with_id.encode()
    assert raw[0] == 0x48 and decode_control(raw) == with_id
    # a trailer copied from the Map-Register without the I bit, and an I bit without a trailer
    assert decode_control(bytes([0x40]) + raw[1:]) == with_id
    assert decode_control(bytes([0x48]) + plain.encode()[1:]) == plain
    with pytest.raises(LispWireError, match="Map-Notify: 5 trailing bytes"):
        decode_control(plain.encode() + bytes(5))


def test_map_notify_for_register_copies_and_signs():
    register = sign(MapRegister(0x55, 0, (SITE2_RECORD,), want_map_notify=True, xtr_id=b"\x07" * 16, alg_id=KEY_HMAC_SHA1), KEY)
    notify = sign(MapNotify.for_register(register), KEY)
    assert (notify.nonce, notify.records, notify.xtr_id, notify.alg_id) == (0x55, register.records, b"\x07" * 16, KEY_HMAC_SHA1)
    assert verify(notify.encode(), KEY) and not verify(notify.encode(), b"x")
    assert notify.algorithm == "sha1"


def test_map_notify_ack_is_type_5():
    ack = sign(MapNotifyAck(8, 0, (SITE2_RECORD,), alg_id=KEY_HMAC_SHA256), KEY)
    raw = ack.encode()
    assert raw[0] >> 4 == 5 and isinstance(decode_control(raw), MapNotifyAck) and verify(raw, KEY)
    assert MapNotifyAck.for_notify(MapNotify(8, 0, (SITE2_RECORD,), alg_id=2)) == dataclasses.replace(ack, auth_data=bytes(32))


# ---------------------------------------------------------------- ECM

def test_ecm_wrap_unwrap():
    inner_msg = map_request().encode()
    ecm = EncapsulatedControl.wrap(inner_msg, "127.0.1.1", "192.168.2.1", 61000, 4342)
    raw = ecm.encode()
    assert raw[:4] == b"\x80\0\0\0" and raw[4] >> 4 == 4
    decoded = decode_control(raw)
    assert decoded == ecm
    assert decoded.unwrap() == ("127.0.1.1", "192.168.2.1", 61000, 4342, inner_msg)
    assert decode_control(decoded.unwrap()[4]) == map_request()
    # the inner IPv4 header checksum and UDP checksum are real
    assert checksum(raw[4:24]) == 0 and raw[4 + 26:4 + 28] != b"\0\0"


def test_ecm_ipv6_and_ddt():
    ecm = EncapsulatedControl.wrap(b"\x10" + bytes(3), "::1", "2001:db8::1", 5000, 4342, ddt=True)
    decoded = decode_control(ecm.encode())
    assert decoded.ddt and decoded.encode()[0] == 0x84
    assert decoded.unwrap() == ("::1", "2001:db8::1", 5000, 4342, b"\x10\0\0\0")


def _inner(**patch):
    pkt = bytearray(build_udp("127.0.1.1", "192.168.2.1", 61000, 4342, map_request().encode()))
    for offset, value in patch.items():
        pkt[int(offset[1:])] = value
    return bytes(pkt)


@pytest.mark.parametrize("inner, text", [
    (b"", "empty"),
    (b"\x45" + bytes(10), "truncated IPv4 header"),
    (_inner(o0=0x55), "IP version 5"),
    (_inner(o0=0x44), "header length 16"),
    (_inner(o3=0x00), "total length"),
    (_inner(o11=0x00), "header checksum"),
    (_inner(o6=0x20), "fragment|checksum"),
    (_inner(o9=6), "protocol 6 is not UDP|checksum"),
    (_inner(o25=0x00), "UDP length"),
    (_inner(o26=0x00), "UDP checksum"),
])
def test_ecm_inner_datagram_checks(inner, text):
    with pytest.raises(LispWireError, match=text):
        decode_control(b"\x80\0\0\0" + inner)


def test_ecm_zero_udp_checksum_is_accepted():
    pkt = bytearray(_inner())
    pkt[26:28] = b"\0\0"
    assert decode_control(b"\x80\0\0\0" + bytes(pkt)).unwrap()[4] == map_request().encode()


def test_ecm_security_bit_decodes_but_does_not_unwrap():
    ecm = decode_control(b"\x88\0\0\0" + b"\x01\x02")
    assert ecm.security
    with pytest.raises(LispWireError, match="S bit"):
        ecm.unwrap()


def test_ip_helpers():
    echo = build_icmp_echo("192.168.1.1", "192.168.2.1", 7, 3, b"abc")
    assert parse_icmp_echo(echo) == ("192.168.1.1", "192.168.2.1", False, 7, 3, b"abc")
    reply = build_icmp_echo("2001:db8::2", "2001:db8::1", 7, 3, b"abc", reply=True)
    assert parse_icmp_echo(reply) == ("2001:db8::2", "2001:db8::1", True, 7, 3, b"abc")
    assert checksum(echo[20:]) == 0
    assert parse_udp(build_udp("::1", "::2", 1, 2, b"x")) == ("::1", "::2", 1, 2, b"x")
    with pytest.raises(LispWireError, match="different families"):
        build_udp("::1", "127.0.0.1", 1, 2, b"")
    with pytest.raises(LispWireError, match="source port 70000"):
        build_udp("127.0.0.1", "127.0.0.2", 70000, 2, b"")


# ---------------------------------------------------------------- data header

def test_data_header_layouts():
    assert DataHeader(0xABCDEF, None, 1).encode() == bytes.fromhex("c0abcdef00000001")
    assert DataHeader(None, 0x123456, 0x7).encode() == bytes.fromhex("4800000012345607")
    assert DataHeader(None, 0x123456, None).encode() == bytes.fromhex("0800000012345600")
    assert DataHeader(5, None, None, echo_nonce=True).encode() == bytes.fromhex("a000000500000000")
    assert DataHeader(None, None, None, map_version=(0xABC, 0xDEF)).encode() == bytes.fromhex("10abcdef00000000")


def test_data_header_receive_rules():
    # RFC 9300 §5.3: N and V both set -> nonce; I with L clear -> LSB bits ignored; E without N ignored
    assert DataHeader.decode(bytes.fromhex("90abcdef00000000")) == DataHeader(0xABCDEF, None, None)
    assert DataHeader.decode(bytes.fromhex("08000000123456ff")) == DataHeader(None, 0x123456, None)
    assert DataHeader.decode(bytes.fromhex("2000000500000000")) == DataHeader(None, None, None)
    assert DataHeader.decode(bytes.fromhex("0300000000000000")).key_id == 3
    with pytest.raises(LispWireError, match="truncated"):
        DataHeader.decode(b"\x80\0\0")


@pytest.mark.parametrize("kwargs, text", [
    (dict(nonce=1 << 24), "nonce"),
    (dict(nonce=1, map_version=(1, 1)), "exclude each other"),
    (dict(echo_nonce=True), "needs a nonce"),
    (dict(instance_id=1, lsb=256), "locator-status-bits 256"),
    (dict(instance_id=1 << 24), "instance-id"),
    (dict(map_version=(4096, 0)), "map_version"),
    (dict(key_id=4), "key_id 4"),
])
def test_data_header_bad_values(kwargs, text):
    with pytest.raises(LispWireError, match=text):
        DataHeader(**kwargs)


def test_address_base_class_is_abstract_enough():
    assert all(isinstance(a, Address) for a in (Ipv4("1.1.1.1"), Ipv6("::"), Mac("00:00:00:00:00:01"), InstanceId(1, None)))

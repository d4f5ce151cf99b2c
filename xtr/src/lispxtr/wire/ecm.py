"""Encapsulated Control Message (RFC 9301 §5.8)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .errors import LispWireError
from .ip import PROTO_UDP, _ntop, build_udp, checksum, parse_udp
from .message import TYPE_ECM, Message, maker, register

_HEADER = struct.Struct("!B3x")
_S, _D = 0x08, 0x04

NAME = "Encapsulated Control Message"


@register
@dataclass(frozen=True, slots=True)
class EncapsulatedControl(Message):
    """ECM (type 8): a LISP header around a whole IPv4/IPv6 + UDP + LISP control datagram.

    ``inner`` is that datagram; ``wrap`` builds it and ``unwrap`` checks and opens it. With
    ``security`` (S bit) RFC 9303 authentication data precedes the inner header: such an ECM
    decodes, but ``unwrap`` refuses it.
    """

    inner: bytes
    security: bool = False
    ddt: bool = False
    _parsed: tuple | None = field(default=None, init=False, repr=False, compare=False)

    TYPE = TYPE_ECM
    NAME = NAME

    def __post_init__(self):
        if not isinstance(self.inner, bytes):
            raise LispWireError("ECM: inner must be bytes")

    @classmethod
    def wrap(cls, msg_bytes: bytes, src_ip: str, dst_ip: str, sport: int, dport: int = 4342, *,
             ddt: bool = False, ttl: int = 64) -> "EncapsulatedControl":
        """ECM around ``msg_bytes`` sent from ``src_ip:sport`` to ``dst_ip:dport`` (inner header;
        for a Map-Request: the ITR's RLOC to the EID, RFC 9301 §5.8)."""
        inner = build_udp(src_ip, dst_ip, sport, dport, bytes(msg_bytes), ttl)
        obj = cls(inner, False, ddt)
        object.__setattr__(obj, "_parsed", parse_udp(inner, "ECM inner datagram"))
        return obj

    def unwrap(self) -> tuple[str, str, int, int, bytes]:
        """``(src_ip, dst_ip, sport, dport, lisp_bytes)`` of the inner datagram, after checking its
        IP header (version, length, IPv4 checksum, no fragment) and UDP header (length, checksum)."""
        parsed = self._parsed
        if parsed is None:
            if self.security:
                raise LispWireError("ECM: S bit set; RFC 9303 authentication data is not supported")
            parsed = parse_udp(self.inner, "ECM inner datagram")
            object.__setattr__(self, "_parsed", parsed)
        return parsed

    def encode(self) -> bytes:
        return _HEADER.pack(0x80 | (_S if self.security else 0) | (_D if self.ddt else 0)) + self.inner

    @classmethod
    def _decode(cls, data: bytes):
        b0 = data[0]
        inner = data[4:]
        if b0 & _S:
            return _make(inner, True, (b0 & _D) != 0, None)
        # a broken inner datagram is a broken ECM
        return _make(inner, False, (b0 & _D) != 0, parse_udp(inner, "ECM inner datagram"))


_make = maker(EncapsulatedControl)


# -- the common ECM Map-Request, read in one step ---------------------------------------------------
# An ITR's Encapsulated Map-Request is nearly always the same 60 or 64 bytes (RFC 9301 §5.8 ECM
# header, a 20-byte IPv4 header, UDP, then a Map-Request (§5.2) with an IPv4 or no source EID, one
# IPv4 ITR-RLOC and one IPv4 EID record). ``map_request_view`` reads exactly that shape with one
# unpack and the two checksums, for the Map-Resolver/Map-Server hot path; anything else, and any
# packet of that shape that ``decode_control`` would refuse, gives None so that the caller takes
# the general decoder (and its precise error). tests/test_wire_fast_view.py holds the two to the
# same answers.
_VIEW64 = struct.Struct("!B3xBBHHHBBH4s4sHHHHBBBBQH4sH4sBBH4s")  # source EID AFI 1
_VIEW60 = struct.Struct("!B3xBBHHHBBH4s4sHHHHBBBBQHH4sBBH4s")  # source EID AFI 0
_PSEUDO_TAIL = struct.Struct("!xBH")


def map_request_view(data: bytes):
    """``(reply_port, nonce, itr_rloc, eid, mask_len)`` of a well-formed common-shape ECM
    Map-Request (``eid`` an IPv4 address as an int, ``itr_rloc`` text), else None.

    The checks are those of ``EncapsulatedControl.unwrap`` and ``MapRequest.decode``: inner IPv4
    without options or fragments, total and UDP lengths matching the bytes, the IPv4 header
    checksum and a non-zero UDP checksum right; Map-Request type 1 without a Map-Reply record (M),
    IRC 0, one record, mask length <= 32, nothing after it."""
    size = len(data)
    if size == 64:
        (ecm, vihl, _tos, total, _ident, frag, _ttl, proto, _csum, src, dst, sport, _dport, ulen, ucsum,
         b0, _b1, b2, count, nonce, src_afi, _src_eid, rloc_afi, rloc, _rsvd, mask_len, eid_afi, eid) = _VIEW64.unpack(data)
        if src_afi != 1:
            return None
    elif size == 60:
        (ecm, vihl, _tos, total, _ident, frag, _ttl, proto, _csum, src, dst, sport, _dport, ulen, ucsum,
         b0, _b1, b2, count, nonce, src_afi, rloc_afi, rloc, _rsvd, mask_len, eid_afi, eid) = _VIEW60.unpack(data)
        if src_afi != 0:
            return None
    else:
        return None
    if (ecm & 0xF8 != 0x80 or vihl != 0x45 or total != size - 4 or proto != PROTO_UDP or frag & 0x3FFF
            or ulen != size - 24 or b0 & 0xF4 != 0x10 or b2 & 0x1F or count != 1 or rloc_afi != 1
            or eid_afi != 1 or mask_len > 32):
        return None
    if checksum(data[4:24]) != 0:
        return None
    if ucsum and checksum(src + dst + _PSEUDO_TAIL.pack(PROTO_UDP, ulen) + data[24:]) != 0:
        return None
    return sport, nonce, _ntop(rloc), int.from_bytes(eid, "big"), mask_len

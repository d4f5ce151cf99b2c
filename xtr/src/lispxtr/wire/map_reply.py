"""Map-Reply (RFC 9301 §5.4)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import LispWireError
from .message import TYPE_MAP_REPLY, Message, check_nonce, check_trailing, make, register
from .record import EidRecord, decode_records

_HEADER = struct.Struct("!BHBQ")  # Type|P|E|S, Reserved, Record Count, Nonce
_P, _E, _S = 0x08, 0x04, 0x02

NAME = "Map-Reply"


@register
@dataclass(frozen=True, slots=True)
class MapReply(Message):
    """Map-Reply (RFC 9301 §5.4).

    With ``security`` (S bit) the RFC 9303 authentication data follows the records; it is kept
    opaque in ``security_data``.
    """

    nonce: int
    records: tuple
    probe: bool = False
    echo_nonce: bool = False
    security: bool = False
    security_data: bytes = b""

    TYPE = TYPE_MAP_REPLY
    NAME = NAME

    def __post_init__(self):
        check_nonce(NAME, self.nonce)
        if not isinstance(self.records, tuple):
            object.__setattr__(self, "records", tuple(self.records))
        if len(self.records) > 255:
            raise LispWireError("Map-Reply: %d records exceed 255" % len(self.records))
        for i, rec in enumerate(self.records, 1):
            if not isinstance(rec, EidRecord):
                raise LispWireError("Map-Reply record %d: %r is not an EidRecord" % (i, rec))
        if self.security_data and not self.security:
            raise LispWireError("Map-Reply: security_data given without the S bit")

    def encode(self) -> bytes:
        b0 = 0x20 | (_P if self.probe else 0) | (_E if self.echo_nonce else 0) | (_S if self.security else 0)
        head = _HEADER.pack(b0, 0, len(self.records), self.nonce)
        if len(self.records) == 1 and not self.security_data:
            return head + self.records[0].encode()
        return b"".join([head] + [r.encode() for r in self.records] + [self.security_data])

    @classmethod
    def _decode(cls, data: bytes):
        if len(data) < 12:
            raise LispWireError("Map-Reply: truncated header (%d bytes, need 12)" % len(data))
        b0, _rsvd, count, nonce = _HEADER.unpack_from(data)
        records, off = decode_records(data, 12, count, NAME)
        security_data = b""
        if b0 & _S:
            security_data = data[off:]  # RFC 9303 authentication data, kept opaque
            off = len(data)
        check_trailing(NAME, data, off)
        return make(cls, nonce, records, (b0 & _P) != 0, (b0 & _E) != 0, (b0 & _S) != 0, security_data)

"""Encapsulated Control Message (RFC 9301 §5.8)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .errors import LispWireError
from .ip import build_udp, parse_udp
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

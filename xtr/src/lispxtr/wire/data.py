"""The LISP data-plane header (RFC 9300 §5.3), UDP port 4341."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import LispWireError, is_int
from .message import as_bytes, make

_HEADER = struct.Struct("!II")
_N, _L, _E, _V, _I = 0x80, 0x40, 0x20, 0x10, 0x08

NAME = "LISP data header"


@dataclass(frozen=True, slots=True)
class DataHeader:
    """The 8-byte LISP header and the inner packet that follows it.

    ``nonce`` (24 bits, N bit) and ``map_version`` (``(source, dest)`` 12-bit pair, V bit) exclude
    each other; ``echo_nonce`` (E bit) needs a nonce. ``instance_id`` (24 bits, I bit) leaves 8 bits
    of Locator-Status-Bits, otherwise ``lsb`` has 32 bits; ``lsb`` ``None`` clears the L bit.
    ``key_id`` is the 2-bit KK field (RFC 8061; 0 = not encrypted).
    """

    nonce: int | None = None
    instance_id: int | None = None
    lsb: int | None = None
    echo_nonce: bool = False
    map_version: tuple | None = None
    payload: bytes = b""
    key_id: int = 0

    def __post_init__(self):
        if self.nonce is not None and (not is_int(self.nonce) or not 0 <= self.nonce <= 0xFFFFFF):
            raise LispWireError("%s: nonce %r out of range 0..16777215 (24 bits)" % (NAME, self.nonce))
        if self.map_version is not None:
            if self.nonce is not None:
                raise LispWireError("%s: nonce and map-version exclude each other (N and V bits)" % NAME)
            try:
                src, dst = self.map_version
                ok = all(is_int(v) and 0 <= v <= 0xFFF for v in (src, dst))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise LispWireError("%s: map_version %r must be a (source, dest) pair of 0..4095" % (NAME, self.map_version))
            object.__setattr__(self, "map_version", (src, dst))
        if self.echo_nonce and self.nonce is None:
            raise LispWireError("%s: echo_nonce (E bit) needs a nonce" % NAME)
        if self.instance_id is not None and (not is_int(self.instance_id) or not 0 <= self.instance_id <= 0xFFFFFF):
            raise LispWireError("%s: instance-id %r out of range 0..16777215 (24 bits)" % (NAME, self.instance_id))
        limit = 0xFF if self.instance_id is not None else 0xFFFFFFFF
        if self.lsb is not None and (not is_int(self.lsb) or not 0 <= self.lsb <= limit):
            raise LispWireError("%s: locator-status-bits %r out of range 0..%d" % (NAME, self.lsb, limit))
        if not is_int(self.key_id) or not 0 <= self.key_id <= 3:
            raise LispWireError("%s: key_id %r out of range 0..3" % (NAME, self.key_id))
        if not isinstance(self.payload, bytes):
            raise LispWireError("%s: payload must be bytes" % NAME)

    def encode(self) -> bytes:
        flags = self.key_id
        if self.nonce is not None:
            first = self.nonce
            flags |= _N | (_E if self.echo_nonce else 0)
        elif self.map_version is not None:
            first = (self.map_version[0] << 12) | self.map_version[1]
            flags |= _V
        else:
            first = 0
        lsb = self.lsb
        if lsb is not None:
            flags |= _L
        if self.instance_id is not None:
            flags |= _I
            second = (self.instance_id << 8) | (lsb or 0)
        else:
            second = lsb or 0
        return _HEADER.pack((flags << 24) | first, second) + self.payload

    @classmethod
    def decode(cls, data) -> "DataHeader":
        """Decode a UDP 4341 payload; raise ``LispWireError`` (only) on bad bytes."""
        if not isinstance(data, bytes):
            data = as_bytes(data, NAME)
        if len(data) < 8:
            raise LispWireError("%s: truncated (%d bytes, need 8)" % (NAME, len(data)))
        word1, word2 = _HEADER.unpack_from(data)
        flags = word1 >> 24
        nonce = map_version = None
        echo = False
        if flags & _N:  # RFC 9300 §5.3: with both N and V set, the field is a nonce
            nonce = word1 & 0xFFFFFF
            echo = (flags & _E) != 0
        elif flags & _V:
            map_version = ((word1 >> 12) & 0xFFF, word1 & 0xFFF)
        if flags & _I:
            instance_id = word2 >> 8
            lsb = (word2 & 0xFF) if flags & _L else None
        else:
            instance_id = None
            lsb = word2 if flags & _L else None
        return make(cls, nonce, instance_id, lsb, echo, map_version, data[8:], flags & 0x03)

"""Base of the LISP control messages and the registry by type code (RFC 9301 §5.1)."""

from __future__ import annotations

import struct

from .errors import LispWireError, is_int

# RFC 9301 §5.1 type codes
TYPE_MAP_REQUEST = 1
TYPE_MAP_REPLY = 2
TYPE_MAP_REGISTER = 3
TYPE_MAP_NOTIFY = 4
TYPE_MAP_NOTIFY_ACK = 5
TYPE_MAP_REFERRAL = 6
TYPE_ECM = 8
TYPE_SHARED_EXTENSION = 15

TYPE_NAMES = {
    0: "Reserved",
    1: "Map-Request",
    2: "Map-Reply",
    3: "Map-Register",
    4: "Map-Notify",
    5: "Map-Notify-Ack",
    6: "Map-Referral",
    8: "Encapsulated Control Message",
    15: "Shared Extension Message",
}

_REGISTRY: dict = {}

# errors a decoder may hit on hostile input; all become LispWireError
_DECODE_ERRORS = (struct.error, IndexError, KeyError, ValueError, TypeError, OverflowError, OSError, UnicodeError)


class Message:
    """A LISP control message: ``encode() -> bytes``, classmethod ``decode(data)``."""

    __slots__ = ()
    TYPE = -1
    NAME = "LISP message"

    def encode(self) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def _decode(cls, data: bytes):  # pragma: no cover - overridden
        raise NotImplementedError

    @classmethod
    def decode(cls, data):
        """Decode one whole message; raise ``LispWireError`` (only) on bad bytes."""
        if not isinstance(data, bytes):
            data = as_bytes(data, cls.NAME)
        if len(data) < 4:
            raise LispWireError("%s: truncated (%d bytes, the header alone is 4)" % (cls.NAME, len(data)))
        mtype = data[0] >> 4
        if mtype != cls.TYPE:
            raise LispWireError("%s: type %d (%s) is not %d" % (cls.NAME, mtype, TYPE_NAMES.get(mtype, "unassigned"), cls.TYPE))
        try:
            return cls._decode(data)
        except LispWireError:
            raise
        except _DECODE_ERRORS as exc:
            raise LispWireError("%s: malformed (%s: %s)" % (cls.NAME, type(exc).__name__, exc)) from exc


def as_bytes(data, name: str) -> bytes:
    """``bytes`` of a bytes-like ``data``; anything else is a LispWireError."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise LispWireError("%s: expected bytes, got %s" % (name, type(data).__name__))


def register(cls):
    """Class decorator: make ``cls`` the decoder of its ``TYPE`` code."""
    _REGISTRY[cls.TYPE] = cls
    return cls


def decode_control(data):
    """Decode a LISP control message (UDP 4342 payload), dispatching on the type nibble."""
    if not isinstance(data, bytes):
        data = as_bytes(data, "LISP control message")
    if len(data) < 4:
        if not data:
            raise LispWireError("LISP control message: empty")
        cls = _REGISTRY.get(data[0] >> 4)
        raise LispWireError("%s: truncated (%d bytes, the header alone is 4)" % (cls.NAME if cls else "LISP control message", len(data)))
    cls = _REGISTRY.get(data[0] >> 4)
    if cls is None:
        mtype = data[0] >> 4
        raise LispWireError("LISP control message: unsupported type %d (%s)" % (mtype, TYPE_NAMES.get(mtype, "unassigned")))
    try:
        return cls._decode(data)
    except LispWireError:
        raise
    except _DECODE_ERRORS as exc:
        raise LispWireError("%s: malformed (%s: %s)" % (cls.NAME, type(exc).__name__, exc)) from exc


def check_trailing(name: str, data: bytes, off: int) -> None:
    if off != len(data):
        raise LispWireError("%s: %d trailing bytes after the last record (offset %d)" % (name, len(data) - off, off))


def check_nonce(name: str, nonce) -> None:
    if not is_int(nonce) or not 0 <= nonce <= 0xFFFFFFFFFFFFFFFF:
        raise LispWireError("%s: nonce %r out of range 0..2**64-1" % (name, nonce))


_MAKERS: dict = {}


def _compile_maker(cls):
    # one straight-line function per class: allocate, then fill each slot through its descriptor
    names = list(cls.__dataclass_fields__)
    env = {"new": object.__new__, "cls": cls}
    lines = ["def maker(%s):" % ", ".join(names), "    obj = new(cls)"]
    for i, name in enumerate(names):
        env["set%d" % i] = getattr(cls, name).__set__
        lines.append("    set%d(obj, %s)" % (i, name))
    lines.append("    return obj")
    exec("\n".join(lines), env)  # pylint: disable=exec-used  # generated from the dataclass's own field names
    return env["maker"]


def make(cls, *values):
    """Build a frozen dataclass instance from trusted decoded values, skipping validation.

    Decoders use it after checking the wire fields themselves; ``values`` follow field order.
    """
    maker = _MAKERS.get(cls)
    if maker is None:
        maker = _MAKERS[cls] = _compile_maker(cls)
    return maker(*values)


def maker(cls):
    """The fast constructor ``make`` uses for ``cls`` (bind it once in hot decoders)."""
    found = _MAKERS.get(cls)
    if found is None:
        found = _MAKERS[cls] = _compile_maker(cls)
    return found

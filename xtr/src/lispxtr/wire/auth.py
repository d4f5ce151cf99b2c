"""Authentication of Map-Register, Map-Notify and Map-Notify-Ack (RFC 9301 §5.6, §12.5).

Interoperable practice (WIRE-NOTES): send Key ID 0 with the Algorithm ID byte (so readers of the
RFC 6830 16-bit Key ID see the algorithm), send the full digest (20 bytes for SHA-1, 32 for SHA-256)
and accept the truncated 12/16-byte forms; the MAC covers the WHOLE message (xTR-ID and Site-ID
included) with the authentication data zeroed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import struct

from .errors import LispWireError

KEY_NONE = 0
KEY_HMAC_SHA1 = 1  # HMAC-SHA-1-96-None
KEY_HMAC_SHA256 = 2  # HMAC-SHA-256-128-None (the RFC 9301 MUST)
KEY_HMAC_SHA256_HKDF = 3  # HMAC-SHA256-128+HKDF-SHA256: parsed, not computed (no interoperable vectors)

ALGORITHM_NAMES = {0: "none", 1: "sha1", 2: "sha2", 3: "sha2-hkdf"}

# alg id -> (hash constructor or None, full digest length, accepted lengths)
_ALGORITHMS = {
    KEY_NONE: (None, 0, (0,)),
    KEY_HMAC_SHA1: (hashlib.sha1, 20, (20, 12)),
    KEY_HMAC_SHA256: (hashlib.sha256, 32, (32, 16)),
    KEY_HMAC_SHA256_HKDF: (None, 32, (32, 16)),
}

AUTH_OFFSET = 16  # Type..Nonce (12) + Key ID, Algorithm ID, Authentication Data Length (4)
_AUTH_HDR = struct.Struct("!BBH")
_AUTHENTICATED_TYPES = (3, 4, 5)


def digest_length(alg_id: int) -> int | None:
    """Full digest length we send for ``alg_id``; ``None`` for an unknown algorithm."""
    spec = _ALGORITHMS.get(alg_id)
    return None if spec is None else spec[1]


def check_auth_length(alg_id: int, length: int, what: str) -> None:
    """Raise if ``length`` bytes of authentication data cannot belong to ``alg_id``."""
    spec = _ALGORITHMS.get(alg_id)
    if spec is not None and length not in spec[2]:
        raise LispWireError("%s: authentication data length %d does not fit algorithm %d (%s): expected %s"
                            % (what, length, alg_id, ALGORITHM_NAMES[alg_id], " or ".join(map(str, spec[2]))))


def _key_bytes(key) -> bytes:
    if isinstance(key, str):
        return key.encode("utf-8")
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key)
    raise TypeError("authentication key must be bytes or str")


def _mac(alg_id: int, key: bytes, zeroed: bytes) -> bytes:
    hash_fn = _ALGORITHMS[alg_id][0]
    if hash_fn is None:
        raise LispWireError("algorithm %d (%s) cannot be computed here" % (alg_id, ALGORITHM_NAMES.get(alg_id, "unknown")))
    return hmac.new(key, zeroed, hash_fn).digest()


def verify(raw: bytes, key) -> bool:
    """True when the authentication data of a Map-Register/-Notify/-Notify-Ack ``raw`` is valid
    for ``key``. Malformed input, algorithm none and algorithms not computed here give False."""
    raw = bytes(raw)
    if len(raw) < AUTH_OFFSET or raw[0] >> 4 not in _AUTHENTICATED_TYPES:
        return False
    _key_id, alg_id, length = _AUTH_HDR.unpack_from(raw, 12)
    spec = _ALGORITHMS.get(alg_id)
    end = AUTH_OFFSET + length
    if spec is None or spec[0] is None or length not in spec[2] or len(raw) < end:
        return False
    zeroed = raw[:AUTH_OFFSET] + bytes(length) + raw[end:]
    expected = hmac.new(_key_bytes(key), zeroed, spec[0]).digest()[:length]
    return hmac.compare_digest(expected, raw[AUTH_OFFSET:end])


def sign(message, key, alg: int | None = None, length: int | None = None):
    """Fill in the authentication data; returns the same kind it is given.

    ``message`` is a ``MapRegister``/``MapNotify``/``MapNotifyAck`` (a signed copy is returned) or
    the encoded bytes of one (signed bytes are returned). ``alg`` (``KEY_HMAC_SHA1`` or
    ``KEY_HMAC_SHA256``) overrides the message's algorithm. The full digest is sent unless
    ``length`` names one of the algorithm's truncated forms (12 bytes for HMAC-SHA-1-96, 16 for
    HMAC-SHA-256-128, RFC 9301 §12.5): a Map-Notify answers a Map-Register in the register's form.
    """
    key = _key_bytes(key)
    if isinstance(message, (bytes, bytearray, memoryview)):
        raw = bytes(message)
        if len(raw) < AUTH_OFFSET or raw[0] >> 4 not in _AUTHENTICATED_TYPES:
            raise LispWireError("sign: not a Map-Register, Map-Notify or Map-Notify-Ack")
        _key_id, cur_alg, cur_length = _AUTH_HDR.unpack_from(raw, 12)
        if len(raw) < AUTH_OFFSET + cur_length:
            raise LispWireError("sign: authentication data length %d exceeds the message" % cur_length)
        alg = cur_alg if alg is None else alg
        full = _length(alg, length)
        zeroed = raw[:13] + struct.pack("!BH", alg, full) + bytes(full) + raw[AUTH_OFFSET + cur_length:]
        mac = _mac(alg, key, zeroed)[:full]
        return zeroed[:AUTH_OFFSET] + mac + zeroed[AUTH_OFFSET + full:]
    if not hasattr(message, "alg_id") or not hasattr(message, "auth_data"):
        raise LispWireError("sign: %r is not an authenticated LISP message" % (message,))
    if alg is None:
        alg = message.alg_id if message.alg_id != KEY_NONE else KEY_HMAC_SHA256
    size = _length(alg, length)
    template = dataclasses.replace(message, alg_id=alg, auth_data=bytes(size))  # zero-filled
    mac = _mac(alg, key, template.encode())[:size]
    return dataclasses.replace(template, auth_data=mac)


def _length(alg, length) -> int:
    """The authentication data length ``sign`` writes: the full digest, or an accepted ``length``."""
    spec = _ALGORITHMS.get(alg)
    if spec is None or spec[0] is None:
        raise LispWireError("sign: algorithm %r cannot be used for signing" % (alg,))
    if length is None:
        return spec[1]
    if length not in spec[2]:
        raise LispWireError("sign: authentication data length %r does not fit algorithm %d (%s): expected %s"
                            % (length, alg, ALGORITHM_NAMES[alg], " or ".join(map(str, spec[2]))))
    return length

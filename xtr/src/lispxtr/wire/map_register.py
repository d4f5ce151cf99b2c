"""Map-Register (RFC 9301 §5.6)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LispWireError
from .message import TYPE_MAP_REGISTER, check_trailing, make, register
from .registration import SITE_ID_LEN, XTR_ID_LEN, Registration

# first byte: Type=3 |P|S|I|; third byte: |E|T|a|R|M|
_P, _S, _I = 0x08, 0x04, 0x02
_E, _T, _MERGE, _M = 0x10, 0x08, 0x04, 0x01

NAME = "Map-Register"


@register
@dataclass(frozen=True, slots=True)
class MapRegister(Registration):
    """Map-Register (RFC 9301 §5.6).

    ``key_id`` is the 8-bit Key ID and ``alg_id`` the Algorithm ID; with ``alg_id=None`` the
    ``key_id`` is read as RFC 6830's 16-bit Key ID (so ``MapRegister(n, KEY_HMAC_SHA256, recs)``
    means Key ID 0, algorithm 2). An empty ``auth_data`` becomes zeros of the algorithm's full
    digest length, ready for ``sign``. ``xtr_id`` (16 bytes) sets the I bit and appends the xTR-ID
    and ``site_id`` (8 bytes, zeros by default).
    """

    nonce: int
    key_id: int
    records: tuple
    proxy_reply: bool = False  # P
    want_map_notify: bool = False  # M
    xtr_id: bytes | None = None
    site_id: bytes | None = None
    security: bool = False  # S: security-capable (RFC 9303)
    eid_notify: bool = False  # E
    use_ttl: bool = False  # T: time out by the record TTL
    merge: bool = False  # a: merge-request
    auth_data: bytes = b""
    alg_id: int | None = None

    TYPE = TYPE_MAP_REGISTER
    NAME = NAME

    def __post_init__(self):
        self._check_common()

    def encode(self) -> bytes:
        b0 = 0x30 | (_P if self.proxy_reply else 0) | (_S if self.security else 0) | (_I if self.xtr_id is not None else 0)
        b2 = (_E if self.eid_notify else 0) | (_T if self.use_ttl else 0) | (_MERGE if self.merge else 0) \
            | (_M if self.want_map_notify else 0)
        return self._encode_with(b0, 0, b2)

    @classmethod
    def _decode(cls, data: bytes):
        b0, _b1, b2, nonce, key_id, alg_id, auth, records, off = cls._decode_body(data)
        xtr_id = site_id = None
        if b0 & _I:
            if len(data) - off < XTR_ID_LEN + SITE_ID_LEN:
                raise LispWireError("Map-Register: I bit set but only %d of the 24 xTR-ID/Site-ID bytes present" % (len(data) - off))
            xtr_id = data[off:off + XTR_ID_LEN]
            site_id = data[off + XTR_ID_LEN:off + XTR_ID_LEN + SITE_ID_LEN]
            off += XTR_ID_LEN + SITE_ID_LEN
        check_trailing(NAME, data, off)
        # reserved bits are ignored (lispers.net uses some for its own flags)
        return make(cls, nonce, key_id, records, (b0 & _P) != 0, (b2 & _M) != 0, xtr_id, site_id,
                    (b0 & _S) != 0, (b2 & _E) != 0, (b2 & _T) != 0, (b2 & _MERGE) != 0, auth, alg_id)

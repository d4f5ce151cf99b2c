"""What Map-Register, Map-Notify and Map-Notify-Ack share (RFC 9301 §5.6, §5.7): the nonce, the
authentication fields, the EID records and the optional xTR-ID/Site-ID trailer."""

from __future__ import annotations

import struct

from .auth import ALGORITHM_NAMES, check_auth_length, digest_length
from .errors import LispWireError, is_int
from .message import Message, check_nonce, make
from .record import EidRecord, decode_records

HEADER = struct.Struct("!BBBBQBBH")  # flags x3, Record Count, Nonce, Key ID, Algorithm ID, Auth Data Length
XTR_ID_LEN = 16
SITE_ID_LEN = 8
_ZERO_SITE_ID = bytes(SITE_ID_LEN)

_set = object.__setattr__


class Registration(Message):
    """Mixin of the three authenticated messages; subclasses are frozen dataclasses with the
    fields ``nonce, key_id, records, xtr_id, site_id, auth_data, alg_id``."""

    __slots__ = ()

    def _check_common(self):
        name = self.NAME
        check_nonce(name, self.nonce)
        key_id, alg_id = self.key_id, self.alg_id
        if alg_id is None:
            # RFC 6830 read one 16-bit Key ID holding the algorithm; split it (Key ID 0 + algorithm).
            if not is_int(key_id) or not 0 <= key_id <= 0xFFFF:
                raise LispWireError("%s: key_id %r out of range 0..65535" % (name, key_id))
            key_id, alg_id = key_id >> 8, key_id & 0xFF
            _set(self, "key_id", key_id)
            _set(self, "alg_id", alg_id)
        if not is_int(key_id) or not 0 <= key_id <= 255:
            raise LispWireError("%s: key_id %r out of range 0..255" % (name, key_id))
        if not is_int(alg_id) or not 0 <= alg_id <= 255:
            raise LispWireError("%s: alg_id %r out of range 0..255" % (name, alg_id))
        auth = self.auth_data
        if not isinstance(auth, bytes):
            raise LispWireError("%s: auth_data must be bytes" % name)
        if not auth:
            full = digest_length(alg_id)
            if full:
                _set(self, "auth_data", bytes(full))  # placeholder for sign()
        else:
            if len(auth) > 0xFFFF:
                raise LispWireError("%s: authentication data of %d bytes exceeds 65535" % (name, len(auth)))
            check_auth_length(alg_id, len(auth), name)
        if not isinstance(self.records, tuple):
            _set(self, "records", tuple(self.records))
        if len(self.records) > 255:
            raise LispWireError("%s: %d records exceed 255" % (name, len(self.records)))
        for i, rec in enumerate(self.records, 1):
            if not isinstance(rec, EidRecord):
                raise LispWireError("%s record %d: %r is not an EidRecord" % (name, i, rec))
        xtr_id, site_id = self.xtr_id, self.site_id
        if xtr_id is None:
            if site_id is not None:
                raise LispWireError("%s: site_id given without xtr_id" % name)
        else:
            if not isinstance(xtr_id, bytes) or len(xtr_id) != XTR_ID_LEN:
                raise LispWireError("%s: xtr_id must be %d bytes, not %r" % (name, XTR_ID_LEN, xtr_id))
            if site_id is None:
                _set(self, "site_id", _ZERO_SITE_ID)
            elif not isinstance(site_id, bytes) or len(site_id) != SITE_ID_LEN:
                raise LispWireError("%s: site_id must be %d bytes, not %r" % (name, SITE_ID_LEN, site_id))

    def _encode_with(self, b0: int, b1: int, b2: int) -> bytes:
        parts = [HEADER.pack(b0, b1, b2, len(self.records), self.nonce, self.key_id, self.alg_id, len(self.auth_data)),
                 self.auth_data]
        parts += [r.encode() for r in self.records]
        if self.xtr_id is not None:
            parts.append(self.xtr_id)
            parts.append(self.site_id)
        return b"".join(parts)

    @classmethod
    def _decode_body(cls, data: bytes):
        """Return ``(b0, b1, b2, nonce, key_id, alg_id, auth_data, records, off)``."""
        name = cls.NAME
        if len(data) < 16:
            raise LispWireError("%s: truncated header (%d bytes, need 16)" % (name, len(data)))
        b0, b1, b2, count, nonce, key_id, alg_id, auth_len = HEADER.unpack_from(data)
        check_auth_length(alg_id, auth_len, name)
        off = 16 + auth_len
        if off > len(data):
            raise LispWireError("%s: authentication data length %d exceeds the %d bytes left" % (name, auth_len, len(data) - 16))
        records, off = decode_records(data, off, count, name)
        return b0, b1, b2, nonce, key_id, alg_id, data[16:16 + auth_len], records, off

    @property
    def algorithm(self) -> str:
        """``sha1``/``sha2``/... as IOS-XE shows the hash function."""
        return ALGORITHM_NAMES.get(self.alg_id, str(self.alg_id))


_NOTIFY_I = 0x08  # draft-ietf-lisp-nat-traversal: Type=4/5 |I|R| Reserved


class NotifyBase(Registration):
    """Map-Notify and Map-Notify-Ack: the I bit (NAT-traversal draft) marks an xTR-ID/Site-ID."""

    __slots__ = ()

    def encode(self) -> bytes:
        return self._encode_with((self.TYPE << 4) | (_NOTIFY_I if self.xtr_id is not None else 0), 0, 0)

    @classmethod
    def _decode(cls, data: bytes):
        _b0, _b1, _b2, nonce, key_id, alg_id, auth, records, off = cls._decode_body(data)
        left = len(data) - off
        xtr_id = site_id = None
        # Accept what is sent: RFC 9301 (no trailer), the draft (I bit + trailer), a trailer copied
        # from the Map-Register without the I bit, and an I bit without a trailer (both seen in
        # tcpdump's lisp_eid_notify.pcap). Anything else is an error.
        if left == XTR_ID_LEN + SITE_ID_LEN:
            xtr_id = data[off:off + XTR_ID_LEN]
            site_id = data[off + XTR_ID_LEN:]
        elif left:
            raise LispWireError("%s: %d trailing bytes after the last record (offset %d; an xTR-ID/Site-ID trailer is 24)"
                                % (cls.NAME, left, off))
        return make(cls, nonce, key_id, records, xtr_id, site_id, auth, alg_id)

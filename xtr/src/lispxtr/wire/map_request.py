"""Map-Request (RFC 9301 §5.2)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .address import Address, _ipv4, decode_address, encode_address
from .errors import LispWireError, is_int
from .message import TYPE_MAP_REQUEST, Message, check_nonce, check_trailing, maker, register
from .record import EidRecord, _family, decode_records

_HEADER = struct.Struct("!BBBBQ")
_REC = struct.Struct("!BB")  # Reserved, EID mask-len
_AFI1 = b"\x00\x01"

# first byte: Type=1 |A|M|P|S|
_A, _M, _P, _S = 0x08, 0x04, 0x02, 0x01
# second byte: |p|s|R|R|Rsvd
_PITR, _SMR_INVOKED = 0x80, 0x40
# third byte: Rsvd |L|D| IRC
_L, _D = 0x40, 0x20

NAME = "Map-Request"


@register
@dataclass(frozen=True, slots=True)
class MapRequest(Message):
    """Map-Request (RFC 9301 §5.2).

    ``source_eid`` is ``None`` for AFI 0 (refresh, RLOC-probe); ``itr_rlocs`` holds 1 to 32 RLOCs;
    ``eid_records`` holds ``(eid, mask_len)`` pairs; ``map_reply`` is the optional Map-Reply record
    (M bit). ``map_data_present`` follows ``map_reply``.
    """

    nonce: int
    source_eid: Address | None
    itr_rlocs: tuple
    eid_records: tuple
    authoritative: bool = False
    map_data_present: bool = False
    probe: bool = False
    smr: bool = False
    pitr: bool = False
    smr_invoked: bool = False
    map_reply: EidRecord | None = None
    local_xtr: bool = False  # L bit
    dont_map_reply: bool = False  # D bit

    TYPE = TYPE_MAP_REQUEST
    NAME = NAME

    def __post_init__(self):
        check_nonce(NAME, self.nonce)
        if self.source_eid is not None and not isinstance(self.source_eid, Address):
            raise LispWireError("Map-Request: source EID must be an Address or None, not %r" % (self.source_eid,))
        rlocs = self.itr_rlocs if isinstance(self.itr_rlocs, tuple) else tuple(self.itr_rlocs)
        if not 1 <= len(rlocs) <= 32:
            raise LispWireError("Map-Request: %d ITR-RLOCs, must be 1..32" % len(rlocs))
        for i, rloc in enumerate(rlocs, 1):
            if not isinstance(rloc, Address):
                raise LispWireError("Map-Request ITR-RLOC %d: %r is not an Address" % (i, rloc))
        object.__setattr__(self, "itr_rlocs", rlocs)
        recs = self.eid_records if isinstance(self.eid_records, tuple) else tuple(self.eid_records)
        if len(recs) > 255:
            raise LispWireError("Map-Request: %d EID records exceed 255" % len(recs))
        out = []
        for i, rec in enumerate(recs, 1):
            try:
                eid, mask_len = rec
            except (TypeError, ValueError):
                raise LispWireError("Map-Request EID record %d: %r is not an (eid, mask_len) pair" % (i, rec)) from None
            if not isinstance(eid, Address):
                raise LispWireError("Map-Request EID record %d: %r is not an Address" % (i, eid))
            limit = eid.max_mask_len
            if not is_int(mask_len) or not 0 <= mask_len <= limit:
                raise LispWireError("Map-Request EID record %d: EID mask length %r exceeds %d for %s" % (i, mask_len, limit, _family(eid)))
            out.append(rec if isinstance(rec, tuple) else (eid, mask_len))
        object.__setattr__(self, "eid_records", tuple(out))
        if self.map_reply is not None:
            if not isinstance(self.map_reply, EidRecord):
                raise LispWireError("Map-Request: map_reply must be an EidRecord, not %r" % (self.map_reply,))
            object.__setattr__(self, "map_data_present", True)
        elif self.map_data_present:
            raise LispWireError("Map-Request: map_data_present (M bit) set without a map_reply record")

    def encode(self) -> bytes:
        b0 = 0x10 | (_A if self.authoritative else 0) | (_M if self.map_reply is not None else 0) \
            | (_P if self.probe else 0) | (_S if self.smr else 0)
        b1 = (_PITR if self.pitr else 0) | (_SMR_INVOKED if self.smr_invoked else 0)
        b2 = (_L if self.local_xtr else 0) | (_D if self.dont_map_reply else 0) | (len(self.itr_rlocs) - 1)
        parts = [_HEADER.pack(b0, b1, b2, len(self.eid_records), self.nonce), encode_address(self.source_eid)]
        parts += [rloc.encode() for rloc in self.itr_rlocs]
        for eid, mask_len in self.eid_records:
            parts.append(_REC.pack(0, mask_len))
            parts.append(eid.encode())
        if self.map_reply is not None:
            parts.append(self.map_reply.encode())
        return b"".join(parts)

    @classmethod
    def _decode(cls, data: bytes):
        size = len(data)
        if size < 12:
            raise LispWireError("Map-Request: truncated header (%d bytes, need 12)" % size)
        b0, b1, b2, count, nonce = _HEADER.unpack_from(data)
        # the common shape (IPv4 source EID, one IPv4 ITR-RLOC) without a call per address
        if data[12:14] == _AFI1 and size >= 24 and data[18:20] == _AFI1 and not b2 & 0x1F:
            source_eid = _ipv4(data[14:18])
            rlocs = (_ipv4(data[20:24]),)
            off = 24
        else:
            source_eid, off = decode_address(data, 12, "Map-Request source EID", True)
            rlocs = []
            for i in range(1, (b2 & 0x1F) + 2):
                rloc, off = decode_address(data, off, ("Map-Request ITR-RLOC %d", i))
                rlocs.append(rloc)
            rlocs = tuple(rlocs)
        records = []
        for i in range(1, count + 1):
            if off + 2 > size:
                raise LispWireError("Map-Request EID record %d: truncated (need 2 bytes at offset %d, have %d; record count %d)"
                                    % (i, off, max(0, size - off), count))
            mask_len = data[off + 1]
            if data[off + 2:off + 4] == _AFI1 and off + 8 <= size:
                eid = _ipv4(data[off + 4:off + 8])
                off += 8
            else:
                eid, off = decode_address(data, off + 2, ("Map-Request EID record %d EID-Prefix", i))
            if mask_len > eid.max_mask_len:
                raise LispWireError("Map-Request EID record %d: EID mask length %d exceeds %d for %s"
                                    % (i, mask_len, eid.max_mask_len, _family(eid)))
            records.append((eid, mask_len))
        map_reply = None
        if b0 & _M:
            (map_reply,), off = decode_records(data, off, 1, "Map-Request Map-Reply")
        if off != size:
            check_trailing(NAME, data, off)
        return _make(nonce, source_eid, rlocs, tuple(records), (b0 & _A) != 0, (b0 & _M) != 0,
                     (b0 & _P) != 0, (b0 & _S) != 0, (b1 & _PITR) != 0, (b1 & _SMR_INVOKED) != 0, map_reply,
                     (b2 & _L) != 0, (b2 & _D) != 0)


_make = maker(MapRequest)

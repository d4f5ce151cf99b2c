"""EID records and their locators (RFC 9301 §5.4), shared by Map-Reply, Map-Register, Map-Notify,
Map-Notify-Ack and the Map-Reply record of a Map-Request."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .address import Address, InstanceId, decode_address
from .errors import LispWireError, is_int
from .message import maker

# RFC 9301 §5.4 ACT: negative Map-Reply actions
ACTION_NO_ACTION = 0
ACTION_NATIVELY_FORWARD = 1
ACTION_SEND_MAP_REQUEST = 2
ACTION_DROP = 3  # Drop/No-Reason
ACTION_DROP_POLICY_DENIED = 4
ACTION_DROP_AUTH_FAILURE = 5
ACTION_NAMES = {
    0: "no-action",
    1: "natively-forward",
    2: "send-map-request",
    3: "drop",
    4: "drop-policy-denied",
    5: "drop-auth-failure",
}

TTL_LOCAL_DECIDES = 0xFFFFFFFF  # RFC 9301 §5.4: recipient decides how long to store

_RECORD = struct.Struct("!IBBBBH")  # TTL, Locator Count, EID mask-len, ACT|A, Reserved, Rsvd|Map-Version
_LOCATOR = struct.Struct("!BBBBH")  # Priority, Weight, M Priority, M Weight, Unused Flags|L|p|R

_F_LOCAL, _F_PROBED, _F_REACHABLE = 0x4, 0x2, 0x1
_A_BIT = 0x10

_set = object.__setattr__


def _u8(name: str, value) -> None:
    if not is_int(value) or not 0 <= value <= 255:  # bool is not a valid priority either
        raise LispWireError("%s %r out of range 0..255" % (name, value))


@dataclass(frozen=True, slots=True)
class Locator:
    """One RLOC record of an EID record (RFC 9301 §5.4)."""

    address: Address
    priority: int = 255
    weight: int = 0
    m_priority: int = 255
    m_weight: int = 0
    local: bool = False  # L bit
    probed: bool = False  # p bit
    reachable: bool = True  # R bit

    def __post_init__(self):
        if not isinstance(self.address, Address):
            raise LispWireError("locator address must be an Address, not %r" % (self.address,))
        _u8("locator priority", self.priority)
        _u8("locator weight", self.weight)
        _u8("locator m-priority", self.m_priority)
        _u8("locator m-weight", self.m_weight)

    def encode(self) -> bytes:
        flags = (_F_LOCAL if self.local else 0) | (_F_PROBED if self.probed else 0) | (_F_REACHABLE if self.reachable else 0)
        return _LOCATOR.pack(self.priority, self.weight, self.m_priority, self.m_weight, flags) + self.address.encode()


@dataclass(frozen=True, slots=True)
class EidRecord:
    """An EID-prefix and its locator set (RFC 9301 §5.4). ``ttl`` is in minutes.

    A record without locators is negative and carries ``action``; a record with locators must
    have action 0 (RFC 9301 §5.4: ACT is used only when Locator Count is 0).
    """

    eid: Address
    mask_len: int
    locators: tuple = ()
    ttl: int = 1440
    action: int = ACTION_NO_ACTION
    authoritative: bool = False
    version: int = 0
    _wire: bytes | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.eid, Address):
            raise LispWireError("EID must be an Address, not %r" % (self.eid,))
        if not isinstance(self.locators, tuple):
            _set(self, "locators", tuple(self.locators))
        mask, limit = self.mask_len, self.eid.max_mask_len
        if not is_int(mask) or not 0 <= mask <= limit:
            raise LispWireError("EID mask length %r exceeds %d for %s" % (mask, limit, _family(self.eid)) if is_int(mask) and mask > limit
                                else "EID mask length %r out of range 0..%d" % (mask, limit))
        if len(self.locators) > 255:
            raise LispWireError("locator count %d exceeds 255" % len(self.locators))
        for loc in self.locators:
            if not isinstance(loc, Locator):
                raise LispWireError("locators must be Locator objects, not %r" % (loc,))
        if not is_int(self.ttl) or not 0 <= self.ttl <= 0xFFFFFFFF:
            raise LispWireError("record TTL %r out of range 0..4294967295" % (self.ttl,))
        if not is_int(self.action) or not 0 <= self.action <= 7:
            raise LispWireError("record action %r out of range 0..7" % (self.action,))
        if self.action and self.locators:
            raise LispWireError("record action %d (%s) with %d locators: ACT is for negative records only"
                                % (self.action, ACTION_NAMES.get(self.action, "unassigned"), len(self.locators)))
        if not is_int(self.version) or not 0 <= self.version <= 0xFFF:
            raise LispWireError("map-version %r out of range 0..4095" % (self.version,))

    @property
    def is_negative(self) -> bool:
        return not self.locators

    def encode(self) -> bytes:
        wire = self._wire
        if wire is None:  # immutable, so encoded once
            head = _RECORD.pack(self.ttl, len(self.locators), self.mask_len,
                                (self.action << 5) | (_A_BIT if self.authoritative else 0), 0, self.version)
            wire = b"".join([head, self.eid.encode()] + [loc.encode() for loc in self.locators])
            _set(self, "_wire", wire)
        return wire


def _family(addr: Address) -> str:
    if isinstance(addr, InstanceId):
        if addr.address is None:
            return "an instance-id range (AFI 0)"
        addr = addr.address
    return {1: "IPv4", 2: "IPv6", 6: "MAC"}.get(addr.afi, type(addr).__name__)


def decode_records(data: bytes, off: int, count: int, what: str):
    """Decode ``count`` EID records from ``data[off:]``; return ``(tuple_of_records, new_offset)``."""
    records = []
    size = len(data)
    make_locator, make_record = _makers()
    for index in range(1, count + 1):
        if off + 10 > size:
            raise LispWireError("%s record %d: truncated (need 10 bytes at offset %d, have %d; record count %d)"
                                % (what, index, off, max(0, size - off), count))
        ttl, loc_count, mask_len, flags, _rsvd, version = _RECORD.unpack_from(data, off)
        eid, off = decode_address(data, off + 10, ("%s record %d EID-Prefix", what, index))
        if mask_len > eid.max_mask_len:
            raise LispWireError("%s record %d: EID mask length %d exceeds %d for %s"
                                % (what, index, mask_len, eid.max_mask_len, _family(eid)))
        locators = []
        for lindex in range(1, loc_count + 1):
            if off + 6 > size:
                raise LispWireError("%s record %d locator %d: truncated (need 6 bytes at offset %d, have %d; locator count %d)"
                                    % (what, index, lindex, off, max(0, size - off), loc_count))
            pri, wgt, mpri, mwgt, lflags = _LOCATOR.unpack_from(data, off)
            addr, off = decode_address(data, off + 6, ("%s record %d locator %d", what, index, lindex))
            locators.append(make_locator(addr, pri, wgt, mpri, mwgt, (lflags & _F_LOCAL) != 0, (lflags & _F_PROBED) != 0,
                                         (lflags & _F_REACHABLE) != 0))
        # RFC 9301 §5.4: ACT is used only with Locator Count 0 and ignored otherwise; the 4 Rsvd
        # bits before the Map-Version are ignored.
        records.append(make_record(eid, mask_len, tuple(locators), ttl, 0 if loc_count else flags >> 5,
                                   (flags & _A_BIT) != 0, version & 0xFFF, None))
    return tuple(records), off


_MAKERS_CACHE: list = []


def _makers():
    if not _MAKERS_CACHE:
        _MAKERS_CACHE.extend((maker(Locator), maker(EidRecord)))
    return _MAKERS_CACHE


def encode_records(records) -> bytes:
    return b"".join([r.encode() for r in records])

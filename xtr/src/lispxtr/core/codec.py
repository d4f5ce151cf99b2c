"""Where the core meets ``lispxtr.wire``: conversions between wire addresses/records and the
core's ``EidPrefix`` keys, and the few message builders every role needs."""

from __future__ import annotations

from ..wire.address import InstanceId, Ipv4, Ipv6
from ..wire.record import EidRecord, Locator
from .map_cache import (ACTION_DROP, ACTION_DROP_AUTH, ACTION_DROP_POLICY, ACTION_NATIVE, ACTION_NONE,
                        ACTION_SEND_MAP_REQUEST)
from .prefix import EidPrefix, int_to_addr

# RFC 9301 §5.4 ACT codes <-> IOS-XE words
ACTION_FROM_WIRE = {0: ACTION_NONE, 1: ACTION_NATIVE, 2: ACTION_SEND_MAP_REQUEST, 3: ACTION_DROP,
                    4: ACTION_DROP_POLICY, 5: ACTION_DROP_AUTH}
ACTION_TO_WIRE = {v: k for k, v in ACTION_FROM_WIRE.items()}

_AFI_NAME = {1: "ipv4", 2: "ipv6"}


def address(text: str):
    """Wire address of an IP literal."""
    return Ipv6(text) if ":" in text else Ipv4(text)


MASK4 = [((1 << n) - 1) << (32 - n) for n in range(33)]


def eid_prefix(eid, mask_len: int) -> EidPrefix | None:
    """``EidPrefix`` of a wire EID (plain or instance-id LCAF); None for other families."""
    if isinstance(eid, Ipv4) and mask_len <= 32:  # the common case, kept short: it is on the MS hot path
        return EidPrefix(0, "ipv4", int.from_bytes(eid.packed, "big") & MASK4[mask_len], mask_len)
    iid = 0
    if isinstance(eid, InstanceId):
        iid, eid = eid.iid, eid.address
        if eid is None:
            return None
    afi = _AFI_NAME.get(getattr(eid, "afi", -1))
    if afi is None:
        return None
    value = int.from_bytes(eid.packed, "big")
    max_len = 32 if afi == "ipv4" else 128
    if mask_len > max_len:
        return None
    if mask_len < max_len:
        value &= ((1 << mask_len) - 1) << (max_len - mask_len)
    return EidPrefix(iid, afi, value, mask_len)


def wire_eid(p: EidPrefix):
    """``(address, mask_len)`` of a prefix: a plain AFI for IID 0, an instance-id LCAF otherwise."""
    inner = address(int_to_addr(p.afi, p.addr))
    return (inner if p.iid == 0 else InstanceId(p.iid, inner)), p.plen


def make_record(p: EidPrefix, locators, ttl_min: int, *, action: str = ACTION_NONE,
                authoritative: bool = False) -> EidRecord:
    """A wire EID record; ``locators`` is an iterable of (address, priority, weight, local, reachable)."""
    eid, plen = wire_eid(p)
    locs = tuple(Locator(address(a), priority=pri, weight=wgt, local=local, reachable=reach)
                 for a, pri, wgt, local, reach in locators)
    return EidRecord(eid, plen, locs, ttl_min, 0 if locs else ACTION_TO_WIRE[action], authoritative)

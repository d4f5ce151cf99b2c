"""The ITR's map-cache (RFC 9301 §6) and the longest-prefix-match table under it.

``PrefixTable`` keeps one dict per present mask length, keyed by the masked address as an int, and
a list of the present lengths from longest to shortest: a look-up is at most one dict probe per
mask length actually in use, which keeps a million-entry table at about a microsecond per lookup.

``MapCache`` holds one ``PrefixTable`` per (instance-id, AFI) of ``MapCacheEntry`` objects. Expiry
is driven by a heap of deadlines (``next_expiry()`` / ``expire(now)``), so ``lookup`` never looks
at the clock.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from .prefix import EidPrefix, mask

# RFC 9301 §5.4 ACT field, in IOS-XE's words.
ACTION_NONE = "no-action"
ACTION_NATIVE = "forward-native"
ACTION_SEND_MAP_REQUEST = "send-map-request"
ACTION_DROP = "drop"
ACTION_DROP_POLICY = "drop-policy-denied"
ACTION_DROP_AUTH = "drop-auth-failure"

UNUSABLE_PRIORITY = 255  # RFC 9301 §5.4: priority 255 means "do not use for unicast forwarding"


class PrefixTable:
    """Longest-prefix match over int addresses of one AFI: one dict per mask length, keyed by the
    masked address. Values must not be None."""

    __slots__ = ("afi", "_levels", "_lengths", "_by_len", "_count")

    def __init__(self, afi: str):
        self.afi = afi
        self._by_len: dict[int, dict[int, object]] = {}
        self._levels: list[tuple[int, dict[int, object]]] = []  # (mask, dict), longest first
        self._lengths: list[tuple[int, int, dict[int, object]]] = []  # (plen, mask, dict), longest first
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def _relevel(self) -> None:
        self._lengths = [(n, mask(self.afi, n), self._by_len[n]) for n in sorted(self._by_len, reverse=True)]
        self._levels = [(m, level) for _n, m, level in self._lengths]

    def insert(self, addr: int, plen: int, value) -> None:
        level = self._by_len.get(plen)
        if level is None:
            level = self._by_len[plen] = {}
            self._relevel()
        key = addr & mask(self.afi, plen)
        if key not in level:
            self._count += 1
        level[key] = value

    def remove(self, addr: int, plen: int):
        level = self._by_len.get(plen)
        if level is None:
            return None
        value = level.pop(addr & mask(self.afi, plen), None)
        if value is not None:
            self._count -= 1
            if not level:
                del self._by_len[plen]
                self._relevel()
        return value

    def get(self, addr: int, plen: int):
        level = self._by_len.get(plen)
        return None if level is None else level.get(addr & mask(self.afi, plen))

    def lookup(self, addr: int):
        """Value of the longest prefix covering ``addr``, or None: one dict probe per present mask
        length, longest first. (Measured against map/filter pipelines, generated code and a
        bucketed variant: this plain loop was as fast or faster for 5-25 present lengths.)"""
        for m, level in self._levels:
            value = level.get(addr & m)
            if value is not None:
                return value
        return None

    def covering(self, addr: int, plen: int):
        """Longest entry covering the prefix ``addr/plen`` (itself included)."""
        for n, m, level in self._lengths:
            if n <= plen:
                value = level.get(addr & m)
                if value is not None:
                    return value
        return None

    def values(self):
        """All values, ordered by address then mask length (the order ``show`` lists them in)."""
        items = [(key, n, value) for n, level in self._by_len.items() for key, value in level.items()]
        items.sort(key=lambda item: (item[0], item[1]))
        return [value for _key, _n, value in items]


@dataclass(slots=True)
class CachedLocator:
    address: str
    priority: int
    weight: int
    state: str = "up"
    since: float = 0.0


@dataclass(slots=True)
class MapCacheEntry:
    prefix: EidPrefix
    created: float
    expires: float | None  # None: never
    ttl_s: int | None
    action: str = ACTION_NONE
    negative: bool = False
    authoritative: bool = False
    via: str = "map-reply"  # "map-reply" or "static"
    map_source: str = "local"
    locators: list[CachedLocator] = field(default_factory=list)
    packets_out: int = 0
    bytes_out: int = 0
    last_used: float | None = None
    last_modified: float = 0.0

    @property
    def state(self) -> str:
        """IOS-XE's entry state: ``complete`` with locators, else the action (``forward-native``...)."""
        if self.locators:
            return "complete"
        if self.via == "static" and self.action == ACTION_SEND_MAP_REQUEST:
            return "send-map-request"
        return self.action if self.negative else "complete"

    def usable(self) -> list[CachedLocator]:
        """RFC 9301 §5.4: the up locators of the best (lowest) priority below 255."""
        best = UNUSABLE_PRIORITY
        chosen: list[CachedLocator] = []
        for loc in self.locators:
            if loc.state != "up" or loc.priority >= UNUSABLE_PRIORITY:
                continue
            if loc.priority < best:
                best, chosen = loc.priority, [loc]
            elif loc.priority == best:
                chosen.append(loc)
        return chosen

    def choose(self, flow_hash: int) -> CachedLocator | None:
        """Pick a locator: lowest usable priority, then weight by flow hash (RFC 9300 §6.1)."""
        chosen = self.usable()
        if not chosen:
            return None
        total = sum(loc.weight for loc in chosen)
        if total == 0:  # RFC 9301 §5.4: all weights 0 -> share equally
            return chosen[flow_hash % len(chosen)]
        point = flow_hash % total
        for loc in chosen:
            if point < loc.weight:
                return loc
            point -= loc.weight
        return chosen[-1]  # pragma: no cover - unreachable, weights sum to total


class MapCache:
    """EID-to-RLOC map-cache, one LPM table per (instance-id, AFI)."""

    def __init__(self):
        self._tables: dict[tuple[int, str], PrefixTable] = {}
        self._deadlines: list[tuple[float, int, EidPrefix]] = []
        self._seq = 0

    def table(self, iid: int, afi: str) -> PrefixTable:
        key = (iid, afi)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = PrefixTable(afi)
        return table

    def tables(self) -> list[tuple[int, str]]:
        return sorted(self._tables)

    def __len__(self) -> int:
        return sum(len(t) for t in self._tables.values())

    def count(self, iid: int, afi: str) -> int:
        table = self._tables.get((iid, afi))
        return 0 if table is None else len(table)

    def add(self, entry: MapCacheEntry) -> MapCacheEntry:
        p = entry.prefix
        self.table(p.iid, p.afi).insert(p.addr, p.plen, entry)
        if entry.expires is not None:
            self._seq += 1
            heapq.heappush(self._deadlines, (entry.expires, self._seq, p))
        return entry

    def remove(self, prefix: EidPrefix) -> MapCacheEntry | None:
        table = self._tables.get((prefix.iid, prefix.afi))
        return None if table is None else table.remove(prefix.addr, prefix.plen)

    def get(self, prefix: EidPrefix) -> MapCacheEntry | None:
        table = self._tables.get((prefix.iid, prefix.afi))
        return None if table is None else table.get(prefix.addr, prefix.plen)

    def lookup(self, iid: int, afi: str, addr: int) -> MapCacheEntry | None:
        """Longest-prefix match of a host address; the clock is not consulted (see ``expire``).
        (``PrefixTable.lookup`` inlined: this is the per-packet path of the ITR.)"""
        table = self._tables.get((iid, afi))
        if table is None:
            return None
        for m, level in table._levels:  # pylint: disable=protected-access  # same module, hot path
            value = level.get(addr & m)
            if value is not None:
                return value
        return None

    def entries(self, iid: int | None = None, afi: str | None = None):
        for key in sorted(self._tables):
            if (iid is None or key[0] == iid) and (afi is None or key[1] == afi):
                yield from self._tables[key].values()

    def clear(self, iid: int | None = None, afi: str | None = None, keep_static: bool = True) -> int:
        removed = 0
        for entry in list(self.entries(iid, afi)):
            if keep_static and entry.via == "static":
                continue
            self.remove(entry.prefix)
            removed += 1
        return removed

    def next_expiry(self) -> float | None:
        heap = self._deadlines
        while heap:
            when, _unused, prefix = heap[0]
            entry = self.get(prefix)
            if entry is not None and entry.expires == when:
                return when
            heapq.heappop(heap)  # stale: entry replaced or removed
        return None

    def expire(self, now: float) -> list[MapCacheEntry]:
        """RFC 9301 §5.4 Record TTL: drop entries whose TTL ran out; return them."""
        gone = []
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            when, _unused, prefix = heapq.heappop(heap)
            entry = self.get(prefix)
            if entry is not None and entry.expires == when:
                self.remove(prefix)
                gone.append(entry)
        return gone

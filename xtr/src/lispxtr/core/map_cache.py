"""The ITR's map-cache (RFC 9301 §6) and the longest-prefix-match table under it.

RFC 9301 §6: ITRs keep the EID-to-RLOC mappings they forward with in a local map-cache; RFC 9300 §9:
a packet's destination EID is looked up there by longest-prefix match. Entries come and go with
Map-Replies (RFC 9301 §5.4 Record TTL), per instance-id and AFI. The structure is ours:

``PrefixTable`` keeps one dict per present mask length, keyed by the masked address as an int, whose
values are leaf numbers: the value of a prefix is ``_leaves[leaf]`` (leaf 0 stands for "no match"
and holds None). These dicts are the truth that ``get``, ``covering``, ``values`` and ``remove``
read. Without an index, ``lookup`` probes one dict per mask length in use, longest first.

An IPv4 table made with ``index=True`` (the map-cache's are; the Map-Server's, which matches with
``covering``, and the ETR's few database-mappings are not) also keeps, from ``INDEX_MIN`` (256)
entries on, a leaf-pushed three-level multibit trie in ``array('i')``s (DIR-style). Level 0 has
one slot per value of the address's top bits; levels 1 and 2 are chunks of slots for the next
bits, only under the slots that longer prefixes split. A slot holds the leaf number of the longest
prefix covering all of it, or a pointer to its chunk one level down (stored negated). A look-up is one to three array
indexings and one list indexing, whatever the number of entries and of mask lengths. Two layouts:

* ``LAYOUT_SMALL`` 16-8-8, below ``LARGE_MIN`` (65,536) entries: 256 KiB for level 0, then 1 KiB
  per /16 holding prefixes longer than /16 and per /24 holding prefixes longer than /24;
* ``LAYOUT_LARGE`` 24-4-4, from ``LARGE_MIN`` entries on (back to 16-8-8 below a quarter of it):
  64 MiB for level 0, then 64 bytes per /24 holding prefixes longer than /24 and per /28 holding
  prefixes longer than /28. One indexing fewer for most addresses, and far fewer chunks than
  16-8-8 would need for many long prefixes.

Inserting a /L writes its leaf into the slots of its range that held the prefix covering it (the
other slots hold longer prefixes inside it), in the chunks under the range too; removing writes
the covering prefix back. Short prefixes therefore touch many slots (a /8 in 24-4-4: 65,536), done
a uniform block at a time where possible. Replacing the value of a present prefix only swaps
``_leaves[leaf]``. A chunk left without longer prefixes under it folds back into its parent slot
and is reused. The index is built from the dicts (shortest first) when a table reaches a
threshold, rebuilt on a change of layout, and dropped below ``INDEX_MIN // 2`` entries. IPv6
tables keep the dict probing.

``MapCache`` holds one ``PrefixTable`` per (instance-id, AFI) of ``MapCacheEntry`` objects; its
``lookup`` is the ITR's per-packet path and reads the index directly. Expiry is driven by a heap of
deadlines (``next_expiry()`` / ``expire(now)``), so ``lookup`` never looks at the clock.
"""

from __future__ import annotations

import heapq
from array import array
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

# Index layouts: the bits of an IPv4 address each of the three levels consumes (module docstring).
LAYOUT_SMALL = (16, 8, 8)
LAYOUT_LARGE = (24, 4, 4)
_BLOCK = 256  # long ranges are swapped a block at a time when the whole block holds one leaf
# Prefixes shorter than this stay out of the index (only in the dicts): a /8 would rewrite 65,536
# slots of a 24-4-4 level 0 and a /1 eight million, and the Map-Server's negative Map-Replies for
# non-EID space (RFC 9301 §8.4) are often that short. A look-up the index finds nothing for probes
# the few short lengths present instead. A /12 rewrites at most 4,096 slots (about 1 ms).
INDEX_SHORTEST = 12


class _ArrayIndex:
    """The leaf-pushed three-level index of an IPv4 ``PrefixTable`` (see the module docstring).

    ``slots[0]`` has one slot per value of the top ``strides[0]`` bits; ``slots[1]`` and ``slots[2]``
    are chunks of ``2 ** strides[k]`` slots one after the other (chunk 0 is never used, so no
    pointer is 0). A slot >= 0 is a leaf number, < 0 the negated first slot of a chunk one level
    down. ``refs[k][n]`` counts the prefixes under chunk n of level k longer than the level above
    ends: when it falls to 0 all its slots hold one leaf and the chunk folds back into its parent
    slot, to be reused from ``spare[k]``."""

    __slots__ = ("strides", "ends", "masks", "slots", "refs", "spare", "fast")

    def __init__(self, strides: tuple[int, int, int], leaves: list):
        self.strides = strides
        self.ends = (strides[0], strides[0] + strides[1], 32)
        self.masks = tuple((1 << stride) - 1 for stride in strides)
        self.slots = [array("i", [0]) * (1 << stride) for stride in strides]
        self.refs: list[array] = [array("I"), array("I", [0]), array("I", [0])]
        self.spare: list[list[int]] = [[], [], []]
        # What the look-ups read: the two shifts, the two lower masks, the levels and the leaves.
        self.fast = (32 - self.ends[0], 32 - self.ends[1], self.masks[1], self.masks[2], *self.slots, leaves)

    def _down(self, k: int, i: int) -> int:
        """First slot of the chunk under slot i of level k (split off now if i holds a leaf),
        counting one more prefix under it."""
        level = self.slots[k]
        value = level[i]
        if value < 0:
            base = -value
        else:
            size = 1 << self.strides[k + 1]
            fill = array("i", [value]) * size
            lower = self.slots[k + 1]
            if self.spare[k + 1]:
                base = self.spare[k + 1].pop()
                lower[base:base + size] = fill
            else:
                base = len(lower)
                lower.extend(fill)
                self.refs[k + 1].append(0)
            level[i] = -base
        self.refs[k + 1][base >> self.strides[k + 1]] += 1
        return base

    def build(self, by_len: dict[int, dict[int, int]]) -> None:
        """Index every prefix of ``by_len`` (plen -> {key: leaf}) into an empty index: shorter
        first, so each one simply overwrites its range (no pointer can be in it yet)."""
        slots, ends, masks = self.slots, self.ends, self.masks
        for plen in sorted(by_len):
            if plen < INDEX_SHORTEST:
                continue
            for key, leaf in by_len[plen].items():
                base = 0
                for k in range(3):
                    i = base + ((key >> (32 - ends[k])) & masks[k])
                    if plen <= ends[k]:
                        n = 1 << (ends[k] - plen)
                        slots[k][i:i + n] = array("i", [leaf]) * n
                        break
                    base = self._down(k, i)

    def insert(self, key: int, plen: int, leaf: int, heir: int) -> None:
        """A new prefix ``key/plen``: in its range, the slots of ``heir`` (the longest prefix
        covering it, 0 for none) take its leaf; the others hold prefixes inside it."""
        base = 0
        for k in range(3):
            end = self.ends[k]
            i = base + ((key >> (32 - end)) & self.masks[k])
            if plen <= end:
                self._swap(k, i, i + (1 << (end - plen)), heir, leaf)
                return
            base = self._down(k, i)

    def remove(self, key: int, plen: int, leaf: int, heir: int) -> None:
        """Prefix ``key/plen`` (leaf ``leaf``) is gone: its slots go back to ``heir``, the leaf of
        the next covering prefix (0 for none); chunks left without longer prefixes fold back."""
        base = 0
        path = []
        for k in range(3):
            end = self.ends[k]
            i = base + ((key >> (32 - end)) & self.masks[k])
            if plen <= end:
                self._swap(k, i, i + (1 << (end - plen)), leaf, heir)
                break
            base = -self.slots[k][i]
            path.append((k, i, base))
        for k, i, base in reversed(path):
            refs = self.refs[k + 1]
            n = base >> self.strides[k + 1]
            refs[n] -= 1
            if not refs[n]:
                self.slots[k][i] = self.slots[k + 1][base]
                self.spare[k + 1].append(base)

    def _swap(self, k: int, start: int, stop: int, old: int, new: int) -> None:
        """Slots [start, stop) of level k, and the chunks under them: ``old`` becomes ``new``."""
        level = self.slots[k]
        if stop - start > _BLOCK:  # by blocks of _BLOCK (or _BLOCK ** 2) slots, compared whole
            step = _BLOCK * _BLOCK if stop - start > _BLOCK * _BLOCK else _BLOCK
            olds, news = array("i", [old]) * step, array("i", [new]) * step
            for block in range(start, stop, step):
                slots = level[block:block + step]
                if slots == olds:
                    level[block:block + step] = news
                elif slots[0] < 0 or slots[0] == old or slots != array("i", slots[:1]) * step:
                    self._swap(k, block, block + step, old, new)
                # else the block holds one other leaf, a prefix inside the range: nothing to swap
            return
        size = 1 << self.strides[k + 1] if k < 2 else 0
        for i in range(start, stop):
            value = level[i]
            if value == old:
                level[i] = new
            elif value < 0:
                self._swap(k + 1, -value, size - value, old, new)


def _indexed_find(fast: tuple, short: list):
    """The look-up of an indexed table: a closure over the index's arrays (the cheapest call
    CPython has for the ITR's per-packet path), then the lengths the index leaves out."""
    first_shift, second_shift, second_mask, third_mask, first, second, third, leaves = fast

    def find(addr: int):
        # RFC 9300 §9: longest-prefix match of the destination EID
        slot = first[addr >> first_shift]
        if slot < 0:
            slot = second[(addr >> second_shift & second_mask) - slot]
            if slot < 0:
                slot = third[(addr & third_mask) - slot]
        if slot:
            return leaves[slot]
        for m, level in short:
            leaf = level.get(addr & m)
            if leaf is not None:
                return leaves[leaf]
        return None

    return find


class PrefixTable:
    """Longest-prefix match over int addresses of one AFI: one dict per mask length, keyed by the
    masked address, and with ``index=True`` (IPv4 only) an array index once the table has
    ``INDEX_MIN`` entries (see the module docstring). Values must not be None."""

    __slots__ = ("afi", "_levels", "_lengths", "_by_len", "_count", "_leaves", "_unused", "_indexed", "_index",
                 "_short", "find")

    INDEX_MIN = 256  # an IPv4 table keeps an index from this many entries on, down to half of it
    LARGE_MIN = 1 << 16  # LAYOUT_LARGE from this many entries on, down to a quarter of it

    def __init__(self, afi: str, index: bool = False):
        self.afi = afi
        self._indexed = index and afi == "ipv4"  # keep an index when large enough (MapCache's tables do)
        self._by_len: dict[int, dict[int, int]] = {}  # plen -> {masked address: leaf number}
        self._levels: list[tuple[int, dict[int, int]]] = []  # (mask, dict), longest first
        self._lengths: list[tuple[int, int, dict[int, int]]] = []  # (plen, mask, dict), longest first
        self._count = 0
        self._leaves: list = [None]  # leaf number -> value; leaf 0: no match
        self._unused: list[int] = []  # leaf numbers free for reuse
        self._index: _ArrayIndex | None = None
        self._short: list[tuple[int, dict[int, int]]] = []  # (mask, dict) of the lengths the index leaves out, longest first
        self.find = self._find_in_dicts  # lookup(): a closure over the index while there is one

    def __len__(self) -> int:
        return self._count

    def _relevel(self) -> None:
        self._lengths = [(n, mask(self.afi, n), self._by_len[n]) for n in sorted(self._by_len, reverse=True)]
        self._levels = [(m, level) for _n, m, level in self._lengths]
        # in place: the index's look-up closure holds this list
        self._short[:] = [(m, level) for n, m, level in self._lengths if n < INDEX_SHORTEST]

    def _reindex(self, strides: tuple[int, int, int] | None) -> None:
        """Build the index afresh in the layout ``strides`` (None: no index)."""
        index = None
        if strides is not None:
            index = _ArrayIndex(strides, self._leaves)
            index.build(self._by_len)
        self._index = index
        self.find = self._find_in_dicts if index is None else _indexed_find(index.fast, self._short)

    def insert(self, addr: int, plen: int, value) -> None:
        level = self._by_len.get(plen)
        if level is None:
            level = self._by_len[plen] = {}
            self._relevel()
        key = addr & mask(self.afi, plen)
        leaf = level.get(key)
        if leaf is not None:  # a new value for a present prefix: the index holds its leaf number
            self._leaves[leaf] = value
            return
        if self._unused:
            leaf = self._unused.pop()
            self._leaves[leaf] = value
        else:
            leaf = len(self._leaves)
            self._leaves.append(value)
        level[key] = leaf
        self._count += 1
        index = self._index
        if index is None:
            if self._count >= self.INDEX_MIN and self._indexed:
                self._reindex(LAYOUT_LARGE if self._count >= self.LARGE_MIN else LAYOUT_SMALL)
        elif self._count >= self.LARGE_MIN and index.strides != LAYOUT_LARGE:
            self._reindex(LAYOUT_LARGE)
        else:
            if plen >= INDEX_SHORTEST:
                index.insert(key, plen, leaf, self._covering_leaf(key, plen - 1, INDEX_SHORTEST))

    def remove(self, addr: int, plen: int):
        level = self._by_len.get(plen)
        if level is None:
            return None
        key = addr & mask(self.afi, plen)
        leaf = level.pop(key, None)
        if leaf is None:
            return None
        self._count -= 1
        if not level:
            del self._by_len[plen]
            self._relevel()
        index = self._index
        if index is not None:
            if self._count < self.INDEX_MIN // 2 or not self._count:
                self._reindex(None)
            elif self._count < self.LARGE_MIN // 4 and index.strides == LAYOUT_LARGE:
                self._reindex(LAYOUT_SMALL)
            elif plen >= INDEX_SHORTEST:
                index.remove(key, plen, leaf, self._covering_leaf(key, plen - 1, INDEX_SHORTEST))
        value = self._leaves[leaf]
        self._leaves[leaf] = None
        self._unused.append(leaf)
        return value

    def get(self, addr: int, plen: int):
        level = self._by_len.get(plen)
        if level is None:
            return None
        leaf = level.get(addr & mask(self.afi, plen))
        return None if leaf is None else self._leaves[leaf]

    def lookup(self, addr: int):
        """Value of the longest prefix covering ``addr``, or None: with the index, one to three
        array indexings (and a probe of the short lengths when they find nothing); without, one
        dict probe per present mask length, longest first."""
        return self.find(addr)

    def _find_in_dicts(self, addr: int):
        for m, level in self._levels:
            leaf = level.get(addr & m)
            if leaf is not None:
                return self._leaves[leaf]
        return None

    def _covering_leaf(self, addr: int, plen: int, shortest: int = 0) -> int:
        """Leaf number of the longest entry covering ``addr/plen`` (itself included) and no
        shorter than ``shortest``, 0 for none."""
        for n, m, level in self._lengths:
            if shortest <= n <= plen:
                leaf = level.get(addr & m)
                if leaf is not None:
                    return leaf
        return 0

    def covering(self, addr: int, plen: int):
        """Longest entry covering the prefix ``addr/plen`` (itself included)."""
        return self._leaves[self._covering_leaf(addr, plen)]

    def values(self):
        """All values, ordered by address then mask length (the order ``show`` lists them in)."""
        items = [(key, n, leaf) for n, level in self._by_len.items() for key, leaf in level.items()]
        items.sort(key=lambda item: (item[0], item[1]))
        leaves = self._leaves
        return [leaves[leaf] for _key, _n, leaf in items]


@dataclass(slots=True)
class CachedLocator:
    address: str
    priority: int
    weight: int
    state: str = "up"
    since: float = 0.0
    # RLOC-probing (RFC 9301 §7.1): the last probe sent, the last round-trip time, rounds missed in a row
    probe_sent: float | None = None
    probe_rtt: float | None = None
    probe_missed: int = 0
    state_changes: int = 1  # the first state counts, as IOS-XE's "state change count"


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
        # the IPv4 tables again, by instance-id: ``ipv4_tables.get(iid).find(addr)`` is the ITR's
        # per-packet look-up (read it, do not change it)
        self.ipv4_tables: dict[int, PrefixTable] = {}
        self._deadlines: list[tuple[float, int, EidPrefix]] = []
        self._seq = 0
        # one more on every add and remove, and on ``changed()`` (a locator's state set in place by
        # RLOC-probing): the ITR's flow cache (``Router.encapsulate_fast``) holds entries only while
        # it is unchanged
        self.version = 0

    def table(self, iid: int, afi: str) -> PrefixTable:
        key = (iid, afi)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = PrefixTable(afi, index=True)
            if afi == "ipv4":
                self.ipv4_tables[iid] = table
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
        self.version += 1
        self.table(p.iid, p.afi).insert(p.addr, p.plen, entry)
        if entry.expires is not None:
            self._seq += 1
            heapq.heappush(self._deadlines, (entry.expires, self._seq, p))
        return entry

    def changed(self) -> None:
        """An entry was changed in place (a locator's state): decisions taken from it are stale."""
        self.version += 1

    def remove(self, prefix: EidPrefix) -> MapCacheEntry | None:
        table = self._tables.get((prefix.iid, prefix.afi))
        self.version += 1
        return None if table is None else table.remove(prefix.addr, prefix.plen)

    def get(self, prefix: EidPrefix) -> MapCacheEntry | None:
        table = self._tables.get((prefix.iid, prefix.afi))
        return None if table is None else table.get(prefix.addr, prefix.plen)

    def lookup(self, iid: int, afi: str, addr: int) -> MapCacheEntry | None:
        """Longest-prefix match of a host address; the clock is not consulted (see ``expire``).
        The ITR's per-packet path is ``ipv4_tables.get(iid).find(addr)``, the same without a call."""
        table = self.ipv4_tables.get(iid) if afi == "ipv4" else self._tables.get((iid, afi))
        return None if table is None else table.find(addr)

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

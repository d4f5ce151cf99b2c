"""The IPv4 array index of PrefixTable/MapCache against a brute-force longest-prefix match.

Random inserts, value replacements, removes, ``expire()`` and ``clear()`` over several instance-ids,
with mask lengths /0../32 drawn around a few shared addresses so that prefixes nest and repeat.
Every layout is exercised by lowering the thresholds: no index, ``LAYOUT_SMALL`` (16-8-8),
``LAYOUT_LARGE`` (24-4-4) and the rebuilds between them.
"""

import random

import pytest

from lispxtr.core import MapCache, MapCacheEntry, PrefixTable
from lispxtr.core.map_cache import LAYOUT_LARGE, LAYOUT_SMALL
from lispxtr.core.prefix import MAX_LEN, EidPrefix, mask

# (INDEX_MIN, LARGE_MIN): index from the first entry in one layout, both layouts with rebuilds
# between them, and the defaults.
THRESHOLDS = [(1, 1 << 40), (1, 1), (6, 24), (PrefixTable.INDEX_MIN, PrefixTable.LARGE_MIN)]


@pytest.fixture(params=THRESHOLDS, ids=["small", "large", "rebuilds", "defaults"])
def thresholds(request, monkeypatch):
    index_min, large_min = request.param
    monkeypatch.setattr(PrefixTable, "INDEX_MIN", index_min)
    monkeypatch.setattr(PrefixTable, "LARGE_MIN", large_min)
    return request.param


def brute(model, iid, afi, addr):
    """Longest prefix of ``model`` ({EidPrefix: value}) covering ``addr``, by looking at all."""
    best = None
    for p, value in model.items():
        if p.iid == iid and p.afi == afi and addr & mask(afi, p.plen) == p.addr and (best is None or p.plen > best[0]):
            best = (p.plen, value)
    return None if best is None else best[1]


def random_prefix(rng, bases, iid, afi="ipv4"):
    bits = MAX_LEN[afi]
    plen = rng.choice([0, 1, 7, 8, 9, 12, 15, 16, 17, 20, 23, 24, 25, 26, 28, 30, 31, 32]) if afi == "ipv4" \
        else rng.choice([0, 16, 32, 48, 64, 96, 127, 128])
    addr = rng.choice(bases) ^ (rng.getrandbits(bits) >> rng.randrange(plen // 2, bits + 1) if plen else 0)
    if rng.random() < 0.2:
        addr = rng.getrandbits(bits)
    return EidPrefix(iid, afi, addr & mask(afi, plen), plen)


def probes(rng, model, afi="ipv4"):
    """Addresses at the edges of every prefix (first, last, one outside each side) and random ones."""
    top = (1 << MAX_LEN[afi]) - 1
    out = [0, top] + [rng.getrandbits(MAX_LEN[afi]) for _unused in range(20)]
    for p in model:
        if p.afi != afi:
            continue
        last = p.addr | (top ^ mask(afi, p.plen))
        out += [p.addr, last, max(p.addr - 1, 0), min(last + 1, top), p.addr | (rng.getrandbits(MAX_LEN[afi]) & (top ^ mask(afi, p.plen)))]
    return out


def entry(p, expires=None, via="map-reply"):
    return MapCacheEntry(p, 0.0, expires, None if expires is None else 60, via=via)


def check(cache, model, rng, iids):
    for iid in iids:
        addrs = probes(rng, {p: v for p, v in model.items() if p.iid == iid})
        addrs = addrs[:22] + rng.sample(addrs[22:], min(len(addrs) - 22, 400))
        table = cache.table(iid, "ipv4")
        for addr in addrs:
            want = brute(model, iid, "ipv4", addr)
            assert cache.lookup(iid, "ipv4", addr) is want
            assert table.lookup(addr) is want
            assert table.covering(addr, 32) is want
        assert cache.count(iid, "ipv4") == sum(1 for p in model if p.iid == iid)
    assert len(cache) == len(model)
    for p, value in model.items():
        assert cache.get(p) is value
    assert list(cache.entries()) == [model[p] for p in sorted(model, key=lambda p: (p.iid, p.afi, p.addr, p.plen))]


@pytest.mark.parametrize("seed", [1, 2])
def test_map_cache_matches_brute_force(thresholds, seed):
    rng = random.Random(seed)
    cache = MapCache()
    model = {}
    iids = [0, 7, 4097]
    bases = [rng.getrandbits(32) for _unused in range(6)] + [0, 0xFFFFFFFF, 0x0A000000]
    now = 0.0
    for step in range(2500):
        iid = rng.choice(iids)
        op = rng.random()
        if op < 0.5:  # insert a new prefix, or a new entry for a present one (a refreshed mapping)
            p = random_prefix(rng, bases, iid)
            e = entry(p, expires=now + rng.choice([5.0, 50.0, 500.0]) if rng.random() < 0.5 else None,
                      via="static" if rng.random() < 0.1 else "map-reply")
            cache.add(e)
            model[p] = e
        elif op < 0.62 and model:  # replace the value of a present prefix
            p = rng.choice(list(model))
            e = entry(p)
            cache.add(e)
            model[p] = e
        elif op < 0.9 and model:  # remove a present prefix
            p = rng.choice(list(model))
            assert cache.remove(p) is model.pop(p)
        elif op < 0.95:  # remove an absent one
            p = random_prefix(rng, bases, iid)
            if p not in model:
                assert cache.remove(p) is None
        elif op < 0.99:
            now += rng.choice([1.0, 10.0, 100.0])
            gone = cache.expire(now)
            want = {p for p, e in model.items() if e.expires is not None and e.expires <= now}
            assert {e.prefix for e in gone} == want
            for p in want:
                del model[p]
        else:
            keep = rng.random() < 0.5
            which = rng.choice([None, iid])
            removed = cache.clear(which, "ipv4", keep_static=keep)
            gone = [p for p, e in model.items() if (which is None or p.iid == which) and not (keep and e.via == "static")]
            assert removed == len(gone)
            for p in gone:
                del model[p]
        if step % 100 == 0:
            check(cache, model, rng, iids)
    check(cache, model, rng, iids)
    cache.clear(keep_static=False)
    model.clear()
    check(cache, model, rng, iids)


def test_prefix_table_nested_duplicate_and_extreme_lengths(thresholds):
    rng = random.Random(11)
    table = PrefixTable("ipv4", index=True)
    model = {}
    layout = []
    base = 0xC0A80101  # 192.168.1.1
    for rounds in range(4):
        for plen in list(range(33)) + list(range(32, -1, -1)):
            p = EidPrefix(0, "ipv4", base & mask("ipv4", plen), plen)
            value = ("v", plen, rounds, rng.random())
            table.insert(p.addr, p.plen, value)  # the second time round: a new value for the same prefix
            model[p] = value
        for plen in rng.sample(range(33), 20):
            p = EidPrefix(0, "ipv4", base & mask("ipv4", plen), plen)
            if p in model:
                assert table.remove(p.addr, p.plen) is model.pop(p)
                assert table.get(p.addr, p.plen) is None and table.remove(p.addr, p.plen) is None
        for addr in probes(rng, model):
            assert table.lookup(addr) is brute(model, 0, "ipv4", addr)
        layout.append(table._index.strides if table._index else None)  # pylint: disable=protected-access  # which layout ran
        assert len(table) == len(model)
    index_min, large_min = thresholds
    if index_min == 1:
        assert set(layout) == {LAYOUT_LARGE if large_min == 1 else LAYOUT_SMALL}


def test_index_folds_chunks_back_and_reuses_them(monkeypatch):
    monkeypatch.setattr(PrefixTable, "INDEX_MIN", 2)
    table = PrefixTable("ipv4", index=True)
    table.insert(0, 0, "default")
    table.insert(0x0A000000, 8, "ten")
    index = table._index  # pylint: disable=protected-access  # the chunks are what is checked
    assert index is not None and index.strides == LAYOUT_SMALL
    sizes = [len(level) for level in index.slots]
    for rounds in range(3):
        hosts = [0x0A000000 | (n * 0x10101) for n in range(40)]
        for host in hosts:
            table.insert(host, 32, host)
            table.insert(host & 0xFFFFFFF0, 28, "28")
        assert all(table.lookup(host) == host for host in hosts)
        assert table.lookup(hosts[0] + 1) == "28" and table.lookup(0x0AFFFFFF) == "ten"
        for host in hosts:
            assert table.remove(host, 32) == host
            assert table.remove(host & 0xFFFFFFF0, 28) == "28"
        assert table._index is index  # pylint: disable=protected-access  # not rebuilt
        assert min(index.slots[0]) >= 0, "a chunk without prefixes longer than /16 was not folded back"
        assert table.lookup(hosts[5]) == "ten" and table.lookup(0x0B000000) == "default"
        if rounds == 0:
            sizes = [len(level) for level in index.slots]
        assert [len(level) for level in index.slots] == sizes, "chunks were not reused"


def test_short_prefixes_inserted_after_long_ones(thresholds):
    rng = random.Random(5)
    cache = MapCache()
    model = {}
    for plen in (32, 30, 24, 20, 16, 12, 8, 4, 0) * 2:
        for _unused in range(30):
            p = EidPrefix(3, "ipv4", rng.getrandbits(32) & mask("ipv4", plen), plen)
            model[p] = cache.add(entry(p))
        check(cache, model, rng, [3])
    for p in sorted(model, key=lambda p: p.plen):  # shortest first: every slot changes hands
        assert cache.remove(p) is model.pop(p)
        if len(model) % 37 == 0:
            check(cache, model, rng, [3])
    assert cache.lookup(3, "ipv4", 12345) is None


def test_ipv6_tables_keep_longest_match(thresholds):
    rng = random.Random(9)
    cache = MapCache()
    model = {}
    bases = [rng.getrandbits(128) for _unused in range(4)]
    for step in range(1500):
        if rng.random() < 0.65 or not model:
            p = random_prefix(rng, bases, rng.choice([0, 5]), "ipv6")
            model[p] = cache.add(entry(p))
        else:
            p = rng.choice(list(model))
            assert cache.remove(p) is model.pop(p)
        if step % 100 == 0:
            for iid in (0, 5):
                for addr in probes(rng, {p: v for p, v in model.items() if p.iid == iid}, "ipv6"):
                    assert cache.lookup(iid, "ipv6", addr) is brute(model, iid, "ipv6", addr)
    for iid in (0, 5):
        assert cache.table(iid, "ipv6")._index is None  # pylint: disable=protected-access  # IPv6 is never indexed


def test_only_tables_asking_for_it_are_indexed(monkeypatch):
    monkeypatch.setattr(PrefixTable, "INDEX_MIN", 1)
    plain, indexed, ipv6 = PrefixTable("ipv4"), PrefixTable("ipv4", index=True), PrefixTable("ipv6", index=True)
    for table in (plain, indexed, ipv6):
        table.insert(0, 0, "default")
        table.insert(0x0A000000 if table.afi == "ipv4" else 0x20010DB8 << 96, 8, "eight")
    assert plain._index is None and ipv6._index is None  # pylint: disable=protected-access  # the index is what is checked
    assert indexed._index is not None  # pylint: disable=protected-access  # the index is what is checked
    assert plain.lookup(0x0A010203) == indexed.lookup(0x0A010203) == "eight"
    assert plain.lookup(0x0B010203) == indexed.lookup(0x0B010203) == "default"
    assert ipv6.lookup(0x20010DB8 << 96) == "eight"


def test_short_prefixes_stay_out_of_the_index(monkeypatch):
    """A prefix shorter than INDEX_SHORTEST (a /0 default or a short negative Map-Reply) changes
    no slot of the index, whatever the table's size, and is still found where nothing longer is."""
    from lispxtr.core import map_cache as mc  # pylint: disable=import-outside-toplevel  # the module's constants

    monkeypatch.setattr(PrefixTable, "INDEX_MIN", 1)
    monkeypatch.setattr(PrefixTable, "LARGE_MIN", 1)
    table = PrefixTable("ipv4", index=True)
    table.insert(0x0A000100, 24, "10.0.1.0/24")
    first = table._index.slots[0]  # pylint: disable=protected-access  # the index itself is under test
    before = first.tobytes()
    for plen in range(mc.INDEX_SHORTEST):
        table.insert(0x0B000000, plen, "short /%d" % plen)  # 11.0.0.0/plen, host bits cleared
    assert first.tobytes() == before
    assert table.lookup(0x0A000105) == "10.0.1.0/24"
    assert table.lookup(0x0B000001) == "short /%d" % (mc.INDEX_SHORTEST - 1)
    table.insert(0x0B000000, mc.INDEX_SHORTEST, "indexed")
    assert first.tobytes() != before
    assert table.lookup(0x0B000001) == "indexed"
    for plen in reversed(range(mc.INDEX_SHORTEST)):
        table.remove(0x0B000000, plen)
    assert table.lookup(0x0B000001) == "indexed" and table.lookup(0xC0000001) is None

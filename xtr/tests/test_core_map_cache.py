"""MapCache and PrefixTable: longest-prefix match, locator choice, expiry."""

import random

import pytest
from hypothesis import given, settings, strategies as st

from lispxtr.core import MapCache, MapCacheEntry, PrefixTable
from lispxtr.core.map_cache import ACTION_SEND_MAP_REQUEST, CachedLocator
from lispxtr.core.prefix import EidPrefix, addr_to_int, mask, parse_prefix, prefix_text


def brute_lpm(prefixes, addr):
    best = None
    for value, plen in prefixes:
        if addr & mask("ipv4", plen) == value and (best is None or plen > best[1]):
            best = (value, plen)
    return best


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)), max_size=40),
       st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=20))
def test_lookup_matches_brute_force(entries, probes):
    table = PrefixTable("ipv4")
    prefixes = set()
    for addr, plen in entries:
        value = addr & mask("ipv4", plen)
        prefixes.add((value, plen))
        table.insert(value, plen, (value, plen))
    assert len(table) == len(prefixes)
    for addr in probes + [v for v, _unused in prefixes]:
        assert table.lookup(addr) == brute_lpm(prefixes, addr)
    for value, plen in list(prefixes)[: len(prefixes) // 2]:
        assert table.remove(value, plen) == (value, plen)
        prefixes.discard((value, plen))
    for addr in probes:
        assert table.lookup(addr) == brute_lpm(prefixes, addr)


def test_covering_and_order():
    table = PrefixTable("ipv4")
    for text in ("10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "10.1.2.0/24"):
        p = parse_prefix(text)
        table.insert(p.addr, p.plen, text)
    p = parse_prefix("10.1.0.0/20")
    assert table.covering(p.addr, p.plen) == "10.1.0.0/16"
    assert table.covering(*parse_prefix("10.1.2.0/24")[2:]) == "10.1.2.0/24"
    assert table.values() == ["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24"]


def entry(text, locators=(), expires=None, now=0.0):
    locs = [CachedLocator(a, p, w) for a, p, w in locators]
    return MapCacheEntry(parse_prefix(text), now, expires, None if expires is None else expires - now,
                         negative=not locs, locators=locs)


def test_instances_and_families_are_separate_tables():
    cache = MapCache()
    cache.add(entry("10.0.0.0/8", [("127.0.0.1", 1, 1)]))
    p6 = parse_prefix("2001:db8::/32")
    cache.add(MapCacheEntry(p6, 0.0, None, None))
    other = MapCacheEntry(EidPrefix(7, "ipv4", *parse_prefix("10.0.0.0/8")[2:]), 0.0, None, None)
    cache.add(other)
    assert cache.lookup(0, "ipv4", addr_to_int("10.9.9.9")[1]).prefix.iid == 0
    assert cache.lookup(7, "ipv4", addr_to_int("10.9.9.9")[1]) is other
    assert cache.lookup(0, "ipv6", addr_to_int("2001:db8::1")[1]).prefix == p6
    assert cache.lookup(3, "ipv4", 1) is None
    assert prefix_text(p6) == "2001:DB8::/32"
    assert len(cache) == 3 and cache.count(7, "ipv4") == 1


def test_expiry_in_deadline_order_and_replacement_is_not_expired_early():
    cache = MapCache()
    cache.add(entry("10.0.0.0/8", expires=100.0))
    cache.add(entry("11.0.0.0/8", expires=50.0))
    assert cache.next_expiry() == 50.0
    cache.add(entry("11.0.0.0/8", expires=500.0))  # refreshed by a new Map-Reply
    assert cache.next_expiry() == 100.0
    assert [e.prefix for e in cache.expire(100.0)] == [parse_prefix("10.0.0.0/8")]
    assert cache.next_expiry() == 500.0
    assert cache.expire(499.0) == []


def test_clear_keeps_static_entries():
    cache = MapCache()
    static = MapCacheEntry(parse_prefix("0.0.0.0/0"), 0.0, None, None, action=ACTION_SEND_MAP_REQUEST,
                           negative=True, via="static")
    cache.add(static)
    cache.add(entry("10.0.0.0/8", [("127.0.0.1", 1, 1)], expires=10.0))
    assert cache.clear() == 1
    assert list(cache.entries()) == [static]
    assert cache.clear(keep_static=False) == 1 and len(cache) == 0


def test_locator_choice_lowest_priority_then_weight():
    e = entry("10.0.0.0/8", [("127.0.0.1", 20, 100), ("127.0.0.2", 10, 25), ("127.0.0.3", 10, 75),
                             ("127.0.0.4", 255, 100)])
    picks = [e.choose(h).address for h in range(1000)]
    assert set(picks) == {"127.0.0.2", "127.0.0.3"}  # priority 10 beats 20; 255 is never used
    assert picks.count("127.0.0.3") == 750
    e.locators[1].state = e.locators[2].state = "down"
    assert {e.choose(h).address for h in range(10)} == {"127.0.0.1"}
    e.locators[0].state = "down"
    assert e.choose(1) is None
    zero = entry("10.0.0.0/8", [("127.0.0.1", 1, 0), ("127.0.0.2", 1, 0)])
    assert {zero.choose(h).address for h in range(4)} == {"127.0.0.1", "127.0.0.2"}


def test_large_mixed_length_table_finds_the_longest_match():
    rng = random.Random(1)
    table = PrefixTable("ipv4")
    lengths = [8, 16, 20, 24, 28, 32]
    inserted = []
    for i in range(50_000):
        plen = lengths[i % len(lengths)]
        value = rng.getrandbits(32) & mask("ipv4", plen)
        table.insert(value, plen, (value, plen))
        inserted.append((value, plen))
    for value, plen in inserted[::97]:
        found = table.lookup(value | (rng.getrandbits(32) & ~mask("ipv4", plen) & 0xFFFFFFFF))
        assert found is not None and found[1] >= plen  # itself or a longer prefix inside it
        assert table.get(value, plen) == (value, plen)


def test_addr_to_int_rejects_garbage_with_value_error():
    assert addr_to_int("192.168.1.1") == ("ipv4", 3232235777)
    for bad in ("garbage", "1.2.3", "::g", ""):
        with pytest.raises(ValueError):
            addr_to_int(bad)

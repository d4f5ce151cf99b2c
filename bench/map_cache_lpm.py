# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ITR map-cache: longest-prefix-match look-ups per second on the core's ``MapCache``, in process.

Fills a ``MapCache`` with ``--entries`` IPv4 entries (default 1,000,000) of mixed lengths (/8 to
/32, weighted towards /16-/24 as a real map-cache is), then times the ITR's look-up
(``ipv4_tables.get(iid).find(addr)``, what ``Itr.forward_ipv4`` runs per packet;
``MapCache.lookup(iid, afi, addr)``, the same behind one more call, is timed too) for random host
addresses: half inside some entry, half anywhere (with /8 and /12 entries in the mix those
mostly match a short prefix: without the IPv4 index, the worst case, every length probed first).
Prints look-ups per second of CPU time (median of ``--repeat`` runs), the hit ratio and the
process's resident memory.

    .venv/bin/python bench/map_cache_lpm.py [--entries 1000000] [--lookups 1000000] [--repeat 5]
"""

import argparse
import random
import statistics
import sys
import time

import benchlib
from lispxtr.core.map_cache import CachedLocator, MapCache, MapCacheEntry
from lispxtr.core.prefix import EidPrefix, mask

TARGET = 1_000_000
LENGTHS = (8, 12, 16, 16, 18, 20, 20, 22, 24, 24, 24, 24, 26, 28, 30, 32, 32)


def fill(cache, entries, rng):
    prefixes = []
    loc = [CachedLocator("127.0.60.2", 10, 50)]
    while len(prefixes) < entries:
        plen = rng.choice(LENGTHS)
        addr = rng.getrandbits(32) & mask("ipv4", plen)
        p = EidPrefix(0, "ipv4", addr, plen)
        cache.add(MapCacheEntry(p, 0.0, None, 86400, locators=loc))
        prefixes.append(p)
    return prefixes


def addresses(prefixes, count, rng):
    out = []
    for k in range(count):
        if k % 2 == 0:
            p = rng.choice(prefixes)
            out.append(p.addr | (rng.getrandbits(32) & ~mask("ipv4", p.plen) & 0xFFFFFFFF))
        else:
            out.append(rng.getrandbits(32))
    return out


def run(cache, addrs):
    """The ITR's per-packet look-up (Itr.forward_ipv4): the instance's table, then its find."""
    tables = cache.ipv4_tables
    hits = 0
    cpu = time.process_time()
    for a in addrs:
        table = tables.get(0)
        if table is not None and table.find(a) is not None:
            hits += 1
    return time.process_time() - cpu, hits


def run_lookup(cache, addrs):
    """MapCache.lookup, the general entry point (show, forward)."""
    lookup = cache.lookup
    hits = 0
    cpu = time.process_time()
    for a in addrs:
        if lookup(0, "ipv4", a) is not None:
            hits += 1
    return time.process_time() - cpu, hits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(7)
    cache = MapCache()
    t0 = time.perf_counter()
    prefixes = fill(cache, args.entries, rng)
    fill_s = time.perf_counter() - t0
    addrs = addresses(prefixes, args.lookups, rng)
    rates, general, hits = [], [], 0
    for _run in range(args.repeat):
        cpu, hits = run(cache, addrs)
        rates.append(len(addrs) / cpu)
        cpu, _hits = run_lookup(cache, addrs)
        general.append(len(addrs) / cpu)
    rate = statistics.median(rates)
    print("%d entries (%d distinct, %d lengths) filled in %.1f s; RSS %.0f MB" % (
        args.entries, len(cache), len(set(LENGTHS)), fill_s, benchlib.rss_bytes(benchlib.os.getpid()) / 1e6))
    print("%d look-ups x %d: ITR look-up median %.0f look-ups/s per CPU-second (min %.0f, max %.0f), hit ratio %.2f; "
          "target %d: %s; load %.1f; %s" % (len(addrs), args.repeat, rate, min(rates), max(rates), hits / len(addrs),
                                            TARGET, "met" if rate >= TARGET else "NOT met", benchlib.load_average(),
                                            benchlib.machine()))
    print("MapCache.lookup: median %.0f look-ups/s per CPU-second (min %.0f, max %.0f)" % (
        statistics.median(general), min(general), max(general)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

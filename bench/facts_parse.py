# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the facts parser against Genie's on large, generated IOS-XE outputs.

Generates (deterministically) a 100,000-entry ``show lisp instance-id 0 ipv4 map-cache`` and a
10,000-site ``show lisp site`` in IOS-XE 17.x format, times ``parse_cli`` on each (median of 5),
and - when ``genie`` is importable (``pip install -r bench/requirements.txt``) - Genie's
``ShowLispInstanceIdIpv4MapCache`` and ``ShowLispSite`` parsers on the same text (their ``cli(output=)``,
the bare parse; ``--genie-parse`` adds ``parse(output=)``, which also validates Genie's schema, as
``device.parse()`` does; ``--genie-device-parse`` runs ``Device(...).parse(command, output=)`` as the
``ansible.netcommon.pyats`` parser of ``ansible.utils.cli_parse`` does), checking that both read the
same number of entries. ``--floor`` prints two lower bounds for any pure-Python reader that gives
these facts on this interpreter: reading every column of the text (``split("\n")`` and
``line.split()``, nothing kept) and creating the facts' dicts and lists alone (copies of ours). Times are CPU seconds
(process time), fair on a shared machine; wall-clock times are printed beside them. ``--ttp N`` also times the TTP templates on an N-entry
map-cache (TTP is the reader shipped for ansible.utils.cli_parse users, not the facts path).

Run from the collection root (or with ``ansible_collections`` on PYTHONPATH):
    .venv/bin/python bench/facts_parse.py [--entries 100000] [--sites 10000] [--repeat 5] [--ttp 5000]
Exit status 1 when the counts differ or, with --require-speedup X, when ours is not X times faster
on either output. parse_cli pauses Python's garbage collector while it reads (cli._collector_paused);
Genie's parsers run as they ship, with it on.
"""

import argparse
import gc
import os
import random
import statistics
import sys
import time


def _import_facts():
    """Import the collection code from this checkout (through an ansible_collections/lispnet/lisp
    symlink in a temporary folder when the checkout is not on sys.path as a collection)."""
    # pylint: disable=import-outside-toplevel  # the import path is set up here first
    import importlib
    import importlib.util
    import tempfile

    name = "ansible_collections.lispnet.lisp.plugins.plugin_utils.facts"
    try:
        found = importlib.util.find_spec(name) is not None
    except ImportError:
        found = False
    if not found:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        base = os.path.join(tempfile.gettempdir(), "lispnet-bench-collections")
        target = os.path.join(base, "ansible_collections", "lispnet", "lisp")
        if not os.path.exists(target):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink(root, target)
        sys.path.insert(0, base)
    return importlib.import_module(name + ".cli"), importlib.import_module(name + ".ttp_reader")


def _age(rng):
    choice = rng.random()
    if choice < 0.6:
        return "%02d:%02d:%02d" % (rng.randrange(24), rng.randrange(60), rng.randrange(60))
    if choice < 0.9:
        return "%dd%02dh" % (rng.randrange(1, 7), rng.randrange(24))
    return "%dw%dd" % (rng.randrange(1, 9), rng.randrange(7))


def map_cache_text(entries, seed=9300):
    """A 'show lisp instance-id 0 ipv4 map-cache' of `entries` entries (IOS-XE 17.x format)."""
    rng = random.Random(seed)
    lines = ["LISP IPv4 Mapping Cache for LISP 0 EID-table default (IID 0), %d entries" % entries, "",
             "0.0.0.0/0, uptime: 6d23h, expires: never, via static-send-map-request",
             "  Negative cache entry, action: send-map-request"]
    for n in range(1, entries):
        prefix = "%d.%d.%d.0/24" % (10 + n // 65536, (n // 256) % 256, n % 256)
        uptime = _age(rng)
        if rng.random() < 0.2:
            expires = "00:%02d:%02d" % (rng.randrange(15), rng.randrange(60))
            lines.append("%s, uptime: %s, expires: %s, via map-reply, forward-native" % (prefix, uptime, expires))
            lines.append("  Negative cache entry, action: forward-native")
            continue
        lines.append("%s, uptime: %s, expires: %02d:%02d:%02d, via map-reply, complete"
                     % (prefix, uptime, rng.randrange(24), rng.randrange(60), rng.randrange(60)))
        lines.append("  Locator          Uptime    State      Pri/Wgt     Encap-IID")
        for _loc in range(rng.choice((1, 1, 2))):
            address = "100.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
            lines.append("  %-15s  %-8s  %-9s %3d/%-3d       -" % (address, uptime, rng.choice(("up", "up", "up", "down")),
                                                                   rng.choice((1, 10, 255)), rng.choice((0, 50, 100))))
    return "\n".join(lines) + "\n"


def site_text(sites, seed=9301):
    """A 'show lisp site' of `sites` sites with two EID-prefixes each (IOS-XE 17.x format)."""
    rng = random.Random(seed)
    lines = ["LISP Site Registration Information", "* = Some locators are down or unreachable",
             "# = Some registrations are sourced by reliable transport", "",
             "Site Name      Last      Up     Who Last             Inst     EID Prefix",
             "               Register         Registered           ID"]
    for n in range(sites):
        name = "site%05d" % n
        base = "%d.%d.%d" % (10 + n // 65536, (n // 256) % 256, n % 256)
        lines.append("%-14s never     no     --                   %-8d %s.0/24" % (name, n % 4096, base))
        who = "172.%d.%d.%d:%d" % (rng.randrange(16, 32), rng.randrange(256), rng.randrange(1, 255), rng.randrange(1024, 65535))
        lines.append("               %-8s  yes#   %-20s %-8d %s.%d/32" % (_age(rng), who, n % 4096, base, rng.randrange(1, 255)))
    return "\n".join(lines) + "\n"


def median_time(func, repeat):
    """Median CPU seconds of `repeat` runs (process time: fair on a shared, loaded machine; the
    wall-clock median is printed beside it), and the last result. The previous run's result is
    released before the clock starts, so that no run pays for freeing the one before it."""
    cpu, wall = [], []
    result = None
    for _run in range(repeat):
        result = None
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = func()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    median_time.last_wall = statistics.median(wall)
    median_time.first = cpu[0]
    return statistics.median(cpu), result


median_time.last_wall = 0.0
median_time.first = 0.0  # CPU seconds of the first run (parse_cli's duration cache still empty)


class _FakeDevice:
    """Just enough of a pyATS device for Genie parsers given output= text."""

    def __init__(self):
        self.os = "iosxe"
        self.custom = {"abstraction": {"order": ["os"]}}

    def execute(self, *args, **kwargs):
        raise RuntimeError("no device: pass output=")


def genie_parsers():
    # pylint: disable=import-outside-toplevel  # optional: only when genie is installed
    try:
        from genie.libs.parser.iosxe import show_lisp
        try:  # genieparser >= 24 moved the per-AFI parsers into show_lisp_ipv4
            from genie.libs.parser.iosxe.show_lisp_ipv4 import ShowLispInstanceIdIpv4MapCache
        except ImportError:
            ShowLispInstanceIdIpv4MapCache = show_lisp.ShowLispInstanceIdIpv4MapCache
    except (ImportError, AttributeError) as exc:
        return None, str(exc)
    return (ShowLispInstanceIdIpv4MapCache, show_lisp.ShowLispSite), None


def genie_device_parse(command, text):
    """Genie the way ``ansible.utils.cli_parse`` with ``ansible.netcommon.pyats`` runs it."""
    # pylint: disable=import-outside-toplevel  # optional: only when genie is installed
    from genie.conf.base import Device
    from pyats.datastructures import AttrDict

    device = Device("new_device", os="iosxe")
    device.custom.setdefault("abstraction", {})["order"] = ["os"]
    device.cli = AttrDict({"execute": None})
    return device.parse(command, output=text)


def read_floor(text):
    """Every column of every line, the cheapest way Python gets at them (nothing is kept)."""
    for line in text.split("\n"):
        line.split()


def build_floor_map_cache(entries):
    """The dicts and lists of map-cache facts, as copies (the cheapest way to create them)."""
    return [dict(entry, locators=[locator.copy() for locator in entry["locators"]]) for entry in entries]


def build_floor_sites(sites):
    return [dict(site, eid_records=[dict(record, etrs=[]) for record in site["eid_records"]]) for site in sites]


def genie_map_cache_count(parsed):
    return sum(len(inst.get("eid_prefix", {})) for lisp in parsed.get("lisp_id", {}).values()
               for inst in lisp.get("instance_id", {}).values())


def genie_site_count(parsed):
    return sum(len(inst.get("eid_prefix", {})) for lisp in parsed.get("lisp_id", {}).values()
               for site in lisp.get("site_name", {}).values() for inst in site.get("instance_id", {}).values())


def print_floor(text, build, repeat):
    read_s, _none = median_time(lambda: read_floor(text), repeat)
    gc.disable()  # as parse_cli runs
    try:
        build_s, _copy = median_time(build, repeat)
    finally:
        gc.enable()
    print("  floor of a pure-Python reader: reading the columns %.3f s + creating the facts objects %.3f s "
          "= %.3f s CPU, median of %d" % (read_s, build_s, read_s + build_s, repeat))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100000)
    parser.add_argument("--sites", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--ttp", type=int, default=5000, help="also time TTP on a map-cache of N entries (0: skip)")
    parser.add_argument("--require-speedup", type=float, default=0.0)
    parser.add_argument("--genie-gc-off", action="store_true",
                        help="also time Genie's cli() with the garbage collector paused, as parse_cli runs")
    parser.add_argument("--genie-device-parse", action="store_true",
                        help="also time Genie once as ansible.netcommon.pyats runs it: Device.parse(command, output=)")
    parser.add_argument("--floor", action="store_true",
                        help="also print the lower bounds of any pure-Python reader of these outputs (see above)")
    parser.add_argument("--genie-parse", action="store_true",
                        help="also time Genie's parse(output=) once: cli() plus its schema validation, the entry point "
                             "device.parse() uses (about a minute of CPU for 100,000 entries)")
    args = parser.parse_args(argv)
    cli, ttp_reader = _import_facts()

    mc_text = map_cache_text(args.entries)
    st_text = site_text(args.sites)
    mc_cmd = "show lisp instance-id 0 ipv4 map-cache"
    ok = True

    ours_mc, facts = median_time(lambda: cli.parse_cli({mc_cmd: mc_text}), args.repeat)
    ours_mc_count = len(facts["map_cache"])
    print("map-cache: %d entries, %.1f MB of text" % (args.entries, len(mc_text) / 1e6))
    print("  ours (parse_cli):  %8.3f s CPU (wall %.3f s), median of %d -> %d entries; first run %.3f s CPU"
          % (ours_mc, median_time.last_wall, args.repeat, ours_mc_count, median_time.first))
    if args.floor:
        print_floor(mc_text, lambda: build_floor_map_cache(facts["map_cache"]), args.repeat)
    ours_st, facts = median_time(lambda: cli.parse_cli({"show lisp site": st_text}), args.repeat)
    ours_st_count = sum(len(s["eid_records"]) for s in facts["sites"])
    print("show lisp site: %d sites, %.1f MB of text" % (args.sites, len(st_text) / 1e6))
    print("  ours (parse_cli):  %8.3f s CPU (wall %.3f s), median of %d -> %d EID records; first run %.3f s CPU"
          % (ours_st, median_time.last_wall, args.repeat, ours_st_count, median_time.first))
    if args.floor:
        print_floor(st_text, lambda: build_floor_sites(facts["sites"]), args.repeat)
    if ours_mc_count != args.entries or ours_st_count != 2 * args.sites:
        print("  COUNT MISMATCH against the generator")
        ok = False

    classes, why = genie_parsers()
    if classes is None:
        print("genie: not importable (%s); pip install -r bench/requirements.txt to compare" % why)
    else:
        map_cache_cls, site_cls = classes
        genie_mc, parsed = median_time(lambda: map_cache_cls(device=_FakeDevice()).cli(output=mc_text), args.repeat)
        genie_mc_count = genie_map_cache_count(parsed)
        print("  Genie ShowLispInstanceIdIpv4MapCache: %8.3f s CPU (wall %.3f s), median of %d -> %d entries; "
              "ours is %.1fx faster; first run %.3f s CPU"
              % (genie_mc, median_time.last_wall, args.repeat, genie_mc_count, genie_mc / ours_mc, median_time.first))
        genie_st, parsed = median_time(lambda: site_cls(device=_FakeDevice()).cli(output=st_text), args.repeat)
        genie_st_count = genie_site_count(parsed)
        print("  Genie ShowLispSite:                   %8.3f s CPU (wall %.3f s), median of %d -> %d EID records; "
              "ours is %.1fx faster; first run %.3f s CPU"
              % (genie_st, median_time.last_wall, args.repeat, genie_st_count, genie_st / ours_st, median_time.first))
        if args.genie_gc_off:
            gc.disable()
            try:
                paused_mc, parsed = median_time(lambda: map_cache_cls(device=_FakeDevice()).cli(output=mc_text), args.repeat)
                paused_st, parsed = median_time(lambda: site_cls(device=_FakeDevice()).cli(output=st_text), args.repeat)
            finally:
                gc.enable()
            print("  Genie cli() with the garbage collector paused: map-cache %.3f s CPU (ours %.1fx faster), "
                  "show lisp site %.3f s CPU (ours %.1fx faster), median of %d"
                  % (paused_mc, paused_mc / ours_mc, paused_st, paused_st / ours_st, args.repeat))
        if args.genie_device_parse:
            device_mc, parsed = median_time(lambda: genie_device_parse(mc_cmd, mc_text), 1)
            print("  Genie Device.parse() (ansible.netcommon.pyats) map-cache: %.3f s CPU (wall %.3f s), one run "
                  "-> %d entries; ours is %.1fx faster"
                  % (device_mc, median_time.last_wall, genie_map_cache_count(parsed), device_mc / ours_mc))
            device_st, parsed = median_time(lambda: genie_device_parse("show lisp site", st_text), 1)
            print("  Genie Device.parse() (ansible.netcommon.pyats) show lisp site: %.3f s CPU (wall %.3f s), one run "
                  "-> %d EID records; ours is %.1fx faster"
                  % (device_st, median_time.last_wall, genie_site_count(parsed), device_st / ours_st))
        if args.genie_parse:
            genie_full, parsed = median_time(lambda: map_cache_cls(device=_FakeDevice()).parse(output=mc_text), 1)
            print("  Genie ShowLispInstanceIdIpv4MapCache.parse() (with schema check): %.3f s CPU (wall %.3f s), "
                  "one run -> %d entries; ours is %.1fx faster"
                  % (genie_full, median_time.last_wall, genie_map_cache_count(parsed), genie_full / ours_mc))
        if genie_mc_count != ours_mc_count or genie_st_count != ours_st_count:
            print("  COUNT MISMATCH between ours and Genie")
            ok = False
        if args.require_speedup and genie_mc / ours_mc < args.require_speedup:
            print("  map-cache speed-up below %.1fx" % args.require_speedup)
            ok = False
        if args.require_speedup and genie_st / ours_st < args.require_speedup:
            print("  show lisp site speed-up below %.1fx" % args.require_speedup)
            ok = False

    if args.ttp:
        small = map_cache_text(args.ttp)
        ttp_time, facts = median_time(lambda: ttp_reader.parse_cli_ttp({mc_cmd: small}), 1)
        fast_time, fast = median_time(lambda: cli.parse_cli({mc_cmd: small}), 1)
        same = facts == fast
        print("TTP templates on %d entries: %.3f s CPU (ours %.3f s, %.0fx); same facts: %s"
              % (args.ttp, ttp_time, fast_time, ttp_time / max(fast_time, 1e-9), same))
        ok = ok and same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The map-cache fast path (one regex split) and the general line reader give the very same facts.

``parse_cli(outputs, fast=False)`` reads with the general line readers only. The facts are compared
as JSON text, so key order counts too. The generated outputs follow bench/facts_parse.py (reduced
here, so that the test does not depend on the bench folder) and carry the facts they must give.
"""

import json
import random

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.cli import classify, parse_cli, read_map_cache
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import times
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.times import DurationError, duration
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.ttp_reader import parse_cli_ttp
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples

MAP_CACHE = "show lisp instance-id 0 ipv4 map-cache"


def as_text(facts):
    return json.dumps(facts, indent=1)


def same_both_ways(outputs):
    fast = parse_cli(outputs)
    assert as_text(fast) == as_text(parse_cli(outputs, fast=False))
    return fast


def age(rng):
    choice = rng.random()
    if choice < 0.6:
        return "%02d:%02d:%02d" % (rng.randrange(24), rng.randrange(60), rng.randrange(60))
    if choice < 0.9:
        return "%dd%02dh" % (rng.randrange(1, 7), rng.randrange(24))
    return "%dw%dd" % (rng.randrange(1, 9), rng.randrange(7))


def map_cache_output(entries, seed=9300):
    """(text, facts) of a generated 17.x map-cache, as bench/facts_parse.py writes it."""
    rng = random.Random(seed)
    lines = ["LISP IPv4 Mapping Cache for LISP 0 EID-table default (IID 0), %d entries" % entries, "",
             "0.0.0.0/0, uptime: 6d23h, expires: never, via static-send-map-request",
             "  Negative cache entry, action: send-map-request"]
    facts = [{"instance_id": 0, "afi": "ipv4", "prefix": "0.0.0.0/0", "negative": True, "action": "send-map-request",
              "uptime": 6 * 86400 + 23 * 3600, "expires": None, "via": "static-send-map-request", "state": None,
              "locators": []}]
    for n in range(1, entries):
        prefix = "%d.%d.%d.0/24" % (10 + n // 65536, (n // 256) % 256, n % 256)
        uptime = age(rng)
        entry = {"instance_id": 0, "afi": "ipv4", "prefix": prefix, "negative": False, "action": None,
                 "uptime": duration(uptime), "via": "map-reply", "locators": []}
        facts.append(entry)
        if rng.random() < 0.2:
            expires = "00:%02d:%02d" % (rng.randrange(15), rng.randrange(60))
            lines.append("%s, uptime: %s, expires: %s, via map-reply, forward-native" % (prefix, uptime, expires))
            lines.append("  Negative cache entry, action: forward-native")
            entry.update(negative=True, action="forward-native", expires=duration(expires), state="forward-native")
            continue
        expires = "%02d:%02d:%02d" % (rng.randrange(24), rng.randrange(60), rng.randrange(60))
        lines.append("%s, uptime: %s, expires: %s, via map-reply, complete" % (prefix, uptime, expires))
        entry.update(expires=duration(expires), state="complete")
        lines.append("  Locator          Uptime    State      Pri/Wgt     Encap-IID")
        for _loc in range(rng.choice((1, 1, 2))):
            address = "100.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
            state, pri, wgt = rng.choice(("up", "up", "up", "down")), rng.choice((1, 10, 255)), rng.choice((0, 50, 100))
            lines.append("  %-15s  %-8s  %-9s %3d/%-3d       -" % (address, uptime, state, pri, wgt))
            entry["locators"].append({"address": address, "state": state, "priority": pri, "weight": wgt,
                                      "uptime": duration(uptime)})
    keys = ("instance_id", "afi", "prefix", "negative", "action", "uptime", "expires", "via", "state", "locators")
    return "\n".join(lines) + "\n", [{key: entry[key] for key in keys} for entry in facts]


def site_output(sites, seed=9301):
    """(text, facts) of a generated 17.x 'show lisp site', as bench/facts_parse.py writes it."""
    rng = random.Random(seed)
    lines = ["LISP Site Registration Information", "* = Some locators are down or unreachable",
             "# = Some registrations are sourced by reliable transport", "",
             "Site Name      Last      Up     Who Last             Inst     EID Prefix",
             "               Register         Registered           ID"]
    facts = []
    for n in range(sites):
        name = "site%05d" % n
        base = "%d.%d.%d" % (10 + n // 65536, (n // 256) % 256, n % 256)
        lines.append("%-14s never     no     --                   %-8d %s.0/24" % (name, n % 4096, base))
        last = age(rng)
        address, port = "172.%d.%d.%d" % (rng.randrange(16, 32), rng.randrange(256), rng.randrange(1, 255)), rng.randrange(1024, 65535)
        host = "%s.%d/32" % (base, rng.randrange(1, 255))
        lines.append("               %-8s  yes#   %-20s %-8d %s" % (last, "%s:%d" % (address, port), n % 4096, host))
        records = [(base + ".0/24", False, None, None, None), (host, True, address, port, duration(last))]
        facts.append({"name": name, "description": None, "registered": True, "eid_records": [{
            "instance_id": n % 4096, "prefix": prefix, "registered": registered, "last_registered_by": who,
            "last_registered_by_port": who_port, "last_registered": last_registered, "first_registered": None,
            "ttl": None, "state": None, "authentication_failures": None, "allowed_locator_mismatches": None, "etrs": [],
        } for prefix, registered, who, who_port, last_registered in records],
            "authentication_failures": None, "allowed_locator_mismatches": None,
            "map_register_replays": None, "map_register_refreshes": None})
    return "\n".join(lines) + "\n", facts


def test_generated_map_cache_gives_the_written_facts_both_ways():
    text, expected = map_cache_output(2000)
    facts = same_both_ways({MAP_CACHE: text})
    assert as_text(facts["map_cache"]) == as_text(expected)


def test_generated_site_table_gives_the_written_facts():
    text, expected = site_output(300)
    facts = same_both_ways({"show lisp site": text})
    assert as_text(facts["sites"]) == as_text(expected)


def test_site_table_and_detail_merge_into_the_same_records():
    text, _expected = site_output(3)
    both = same_both_ways({"show lisp site": text, "show lisp site detail": samples.LAB_SITE_DETAIL})
    assert [s["name"] for s in both["sites"]] == ["site00000", "site00001", "site00002", "SITE1", "SITE2"]
    again = text + "site00001      00:00:05  yes    10.9.9.9:4342        1        10.0.1.0/24\n"
    merged = same_both_ways({"show lisp site": again})["sites"][1]["eid_records"][0]
    # a row read twice fills what the first left empty; registered is the later row's
    assert (merged["registered"], merged["last_registered"], merged["last_registered_by"]) == (True, 5, "10.9.9.9")


def test_every_recorded_output_both_ways():
    compared = 0
    for name, command, text, _genie in samples.recorded():
        if classify(command)[0] is None:
            continue
        assert as_text(parse_cli({command: text})) == as_text(parse_cli({command: text}, fast=False)), name
        compared += 1
    for name, (command, text) in sorted(samples.HANDWRITTEN.items()):
        if classify(command)[0] is not None:
            assert as_text(parse_cli({command: text})) == as_text(parse_cli({command: text}, fast=False)), name
            compared += 1
    assert compared >= 38


def small_map_cache():
    return map_cache_output(40, seed=7)[0]


def _ipv6(text):
    return text.replace("10.0.", "2001:DB8:").replace(".0/24", "::/64").replace("100.", "FD00::").replace(
        "IPv4", "IPv6")


# Each turns the generated output into a shape the fast path must hand (in part) to the general reader.
SHAPES = {
    "as generated": lambda t: t,
    "no final newline": lambda t: t.rstrip("\n"),
    "CRLF line ends": lambda t: t.replace("\n", "\r\n"),
    "indented as a whole": lambda t: "\n".join("    " + line for line in t.split("\n")),
    "command echo and prompt": lambda t: "xTR1#show lisp instance-id 0 ipv4 map-cache\n" + t + "xTR1#",
    "banner and second instance": lambda t: "Output for router lisp 0\n" + t + "\nOutput for router lisp 0\n" + t.replace(
        "(IID 0)", "(IID 101)").replace("IPv4", "IPv6"),
    "trailing spaces": lambda t: t.replace("\n", "   \n"),
    "tabs between columns": lambda t: t.replace("  up  ", "\tup\t"),
    "three-space locator rows": lambda t: t.replace("\n  1", "\n   1"),
    "locators flush left": lambda t: t.replace("\n  1", "\n1"),
    "no Encap-IID column": lambda t: t.replace("       -\n", "\n").replace("     Encap-IID", ""),
    "Pri/Wgt not numbers": lambda t: t.replace("  1/", "  x/", 3).replace("/50 ", "/-- ", 3),
    "three columns only": lambda t: t.replace("/0  ", "", 2).replace(" 10/", " ", 2),
    "state and action lines": lambda t: t.replace("forward-native\n  Negative", "forward-native\n  State: complete, last modified\n  Negative").replace(
        "send-map-request\n", "send-map-request\n  action: drop\n"),
    "IPv6 prefixes and locators": _ipv6,
    "old 15.x header": lambda t: t.replace("LISP IPv4 Mapping Cache for LISP 0 EID-table default (IID 0), 40 entries",
                                           "LISP IPv4 Mapping Cache for EID-table default (IID 0), 40 entries"),
    "static via with spaces": lambda t: t.replace("via static-send-map-request", "via static send map-request"),
    "extra state words": lambda t: t.replace("via map-reply, complete", "via map-reply, complete, stale", 5),
    "odd spacing in the entry line": lambda t: t.replace(", uptime: ", ",  uptime: ", 4),
    "unicode digits": lambda t: t.replace(" 10/", " \u0661\u0660/", 2),
    "a column header between rows": lambda t: t.replace("      -\n  1", "      -\n  Locator  Uptime\n  1", 3),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_map_cache_shapes_both_ways(shape):
    text = SHAPES[shape](small_map_cache())
    assert text != small_map_cache() or shape == "as generated"
    for command in (MAP_CACHE, "show ip lisp map-cache", "show lisp instance-id 101 ipv6 map-cache"):
        facts = same_both_ways({command: text})
        assert facts["map_cache"], shape


def test_ipv6_locator_starting_with_a_letter():
    """A locator row such as 'a00::1' is a locator, not an 'action:' line: the fast path, the general
    reader and the TTP template all read it."""
    text = ("LISP IPv6 Mapping Cache for LISP 0 EID-table default (IID 0), 1 entries\n\n"
            "2001:DB8:1::/48, uptime: 00:01:00, expires: 23:59:00, via map-reply, complete\n"
            "  Locator          Uptime    State      Pri/Wgt     Encap-IID\n"
            "  a00::1           00:01:00  up          10/50        -\n"
            "  fd00::2          00:01:00  up          20/50        -\n")
    command = "show lisp instance-id 0 ipv6 map-cache"
    facts = same_both_ways({command: text})
    assert [loc["address"] for loc in facts["map_cache"][0]["locators"]] == ["a00::1", "fd00::2"]
    assert facts == parse_cli_ttp({command: text})


def test_a_bad_duration_raises_the_general_readers_error():
    text = small_map_cache().replace("expires: never", "expires: later")
    with pytest.raises(DurationError, match="later"):
        parse_cli({MAP_CACHE: text})
    with pytest.raises(DurationError, match="later"):
        parse_cli({MAP_CACHE: text}, fast=False)


def test_fast_reader_without_context():
    text = small_map_cache()
    assert as_text(read_map_cache(text)) == as_text(read_map_cache(text, fast=False))
    assert read_map_cache("") == read_map_cache("", fast=False) == []


@pytest.mark.parametrize("text", ["00:00:00", "00:09:22", "23:59:59", "99:99:99", "1:02:03", "001:02:03", "01:02",
                                  "0a:02:03", "01:02:0 ", " 1:02:03", "\uff10\uff11:02:03", "01-02-03"])
def test_hh_mm_ss_shortcut_gives_the_general_value(text):
    parts = text.strip().split(":")
    if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
        total = 0
        for part in parts:
            total = total * 60 + int(part)
        assert times._parse(text) == total  # pylint: disable=protected-access  # the parser itself, not the cache
    else:
        with pytest.raises(DurationError):
            times._parse(text)  # pylint: disable=protected-access  # the parser itself, not the cache

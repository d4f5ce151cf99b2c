# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarative expectations on the ``lisp`` facts, and waiting until they hold.

``check(expectations, facts)`` returns the unmet expectations, each with what was expected and
what was observed; ``wait_for(gather, expectations, timeout, interval)`` gathers again and again
until nothing is unmet or the time is up. Clock, sleep and gather are passed in, so the logic is
tested with a fake clock and no device.

Expectations (the ``lisp_verify`` options):

- ``sites``: ``{name, registered: true (default), rlocs: [address...], prefix, instance_id}`` -
  the site (or one EID-prefix of it) is (not) registered, and registered with at least these RLOCs.
- ``map_cache``: ``{eid, instance_id, negative, action, state, locators: [{address, state,
  priority, weight}]}`` - ``eid`` is an address or a prefix; the entry is the longest-prefix match
  among the gathered entries (of ``instance_id`` when given, else of every instance). Without
  ``negative`` and ``locators`` the expectation is "resolved": a positive entry covers the EID.
- ``database``: ``{prefix, instance_id, locators: [...]}`` - an exact local EID-prefix.
- ``counters``: ``{site, authentication_failures, allowed_locator_mismatches, ...}`` - site counters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import time

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.normalise import norm_address, norm_prefix

KINDS = ("sites", "map_cache", "database", "counters")
SUBSET_OF_KIND = {"sites": "sites", "counters": "sites", "map_cache": "map_cache", "database": "database"}
LOCATOR_KEYS = ("state", "priority", "weight")


class VerifyError(ValueError):
    """An expectation that cannot be checked as written (bad address, missing key)."""


def subsets_for(expectations):
    return sorted({SUBSET_OF_KIND[k] for k in KINDS if expectations.get(k)})


def _network(text, what):
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        raise VerifyError("%s: %r is not an IP address or prefix" % (what, text)) from None


def _entry_network(entry):
    try:
        return ipaddress.ip_network(entry["prefix"], strict=False)
    except (ValueError, TypeError):
        return None  # MAC EIDs and the like: never an IP longest-prefix match


def longest_prefix_match(entries, eid, instance_id=None):
    """The entry whose prefix covers ``eid`` (address or prefix) most specifically, or None."""
    target = _network(eid, "map_cache eid")
    best = None
    best_len = -1
    for entry in entries:
        if instance_id is not None and entry.get("instance_id") != instance_id:
            continue
        net = _entry_network(entry)
        if net is None or net.version != target.version:
            continue
        if net.prefixlen <= target.prefixlen and target.subnet_of(net) and net.prefixlen > best_len:
            best, best_len = entry, net.prefixlen
    return best


def _describe_entry(entry):
    if entry is None:
        return "no entry"
    if entry.get("negative"):
        return "%s (IID %s) negative, action %s" % (entry["prefix"], entry.get("instance_id"), entry.get("action"))
    locs = ", ".join("%s %s %s/%s" % (loc["address"], loc.get("state"), loc.get("priority"), loc.get("weight"))
                     for loc in entry.get("locators") or ()) or "no locators"
    return "%s (IID %s) %s, locators: %s" % (entry["prefix"], entry.get("instance_id"), entry.get("state") or "", locs)


def _unmet(kind, what, expected, observed):
    return {"kind": kind, "what": what, "expected": expected, "observed": observed}


def _check_locators(kind, what, expected_locators, entry):
    """Every expected locator present with the given attributes (only those written)."""
    problems = []
    observed = {loc["address"]: loc for loc in entry.get("locators") or ()}
    for want in expected_locators or ():
        if "address" not in want:
            raise VerifyError("%s %s: every locator needs an address" % (kind, what))
        addr = norm_address(str(want["address"]))
        have = observed.get(addr)
        if have is None:
            problems.append(_unmet(kind, "%s locator %s" % (what, addr), "present",
                                   "absent; locators: %s" % (", ".join(sorted(observed)) or "none")))
            continue
        for key in LOCATOR_KEYS:
            if want.get(key) is None:
                continue
            if str(have.get(key)).lower() != str(want[key]).lower():
                problems.append(_unmet(kind, "%s locator %s %s" % (what, addr, key), want[key], have.get(key)))
    return problems


def _check_map_cache(item, facts):
    if "map_cache" not in facts:
        return [_unmet("map_cache", str(item.get("eid")), "map-cache gathered", "not gathered")]
    if not item.get("eid"):
        raise VerifyError("map_cache: every expectation needs an eid")
    iid = item.get("instance_id")
    what = "EID %s%s" % (item["eid"], "" if iid is None else " (IID %s)" % iid)
    entry = longest_prefix_match(facts["map_cache"], item["eid"], iid)
    if entry is None:
        return [_unmet("map_cache", what, "a covering map-cache entry", "no entry covers it")]
    problems = []
    negative = item.get("negative")
    if negative is None and not item.get("locators") and item.get("action") is None:
        negative = False  # the bare expectation: resolved
    if negative is None and item.get("locators"):
        negative = False
    if negative is not None and bool(entry.get("negative")) != bool(negative):
        problems.append(_unmet("map_cache", what, "negative entry" if negative else "resolved (positive entry)",
                               _describe_entry(entry)))
        return problems
    if item.get("action") is not None and str(entry.get("action")) != str(item["action"]):
        problems.append(_unmet("map_cache", what + " action", item["action"], _describe_entry(entry)))
    if item.get("state") is not None and str(entry.get("state")) != str(item["state"]):
        problems.append(_unmet("map_cache", what + " state", item["state"], _describe_entry(entry)))
    problems += _check_locators("map_cache", what + " via " + entry["prefix"], item.get("locators"), entry)
    return problems


def _check_database(item, facts):
    if "database" not in facts:
        return [_unmet("database", str(item.get("prefix")), "database gathered", "not gathered")]
    if not item.get("prefix"):
        raise VerifyError("database: every expectation needs a prefix")
    prefix = norm_prefix(str(_network(item["prefix"], "database prefix")))
    iid = item.get("instance_id")
    what = "local EID-prefix %s%s" % (prefix, "" if iid is None else " (IID %s)" % iid)
    for entry in facts["database"]:
        if (iid is None or entry.get("instance_id") == iid) and _same_prefix(entry.get("prefix"), prefix):
            return _check_locators("database", what, item.get("locators"), entry)
    present = ", ".join("%s (IID %s)" % (e["prefix"], e.get("instance_id")) for e in facts["database"]) or "none"
    return [_unmet("database", what, "present", "absent; database: %s" % present)]


def _same_prefix(left, right):
    try:
        return ipaddress.ip_network(left, strict=False) == ipaddress.ip_network(right, strict=False)
    except (ValueError, TypeError):
        return left == right


def _find_site(facts, name):
    for site in facts.get("sites") or ():
        if site["name"] == name:
            return site
    return None


def _site_rlocs(records):
    rlocs = set()
    for record in records:
        etrs = record.get("etrs") or ()
        for etr in etrs:
            rlocs.update(loc["address"] for loc in etr.get("locators") or ())
        if not etrs and record.get("registered") and record.get("last_registered_by"):
            rlocs.add(record["last_registered_by"])
    return rlocs


def _check_site(item, facts):
    if "sites" not in facts:
        return [_unmet("sites", str(item.get("name")), "sites gathered", "not gathered")]
    name = item.get("name")
    if not name:
        raise VerifyError("sites: every expectation needs a name")
    site = _find_site(facts, name)
    if site is None:
        present = ", ".join(s["name"] for s in facts["sites"]) or "none"
        return [_unmet("sites", "site %s" % name, "configured on the Map-Server", "absent; sites: %s" % present)]
    records = site["eid_records"]
    what = "site %s" % name
    if item.get("instance_id") is not None:
        records = [r for r in records if r["instance_id"] == item["instance_id"]]
    if item.get("prefix"):
        prefix = item["prefix"]
        records = [r for r in records if _same_prefix(r["prefix"], prefix)]
        what += " EID-prefix %s" % prefix
        if not records:
            return [_unmet("sites", what, "present", "absent; EID-prefixes: %s"
                           % (", ".join(r["prefix"] for r in site["eid_records"]) or "none"))]
    problems = []
    want_registered = item.get("registered", True)
    if want_registered is not None:
        flags = [r["registered"] for r in records if r["registered"] is not None]
        registered = any(flags) if flags else site.get("registered")
        if bool(registered) != bool(want_registered):
            detail = "; ".join("%s (IID %s) %s" % (r["prefix"], r["instance_id"],
                                                   "registered" if r["registered"] else "not registered")
                               for r in records) or "no EID-prefixes"
            problems.append(_unmet("sites", what, "registered" if want_registered else "not registered", detail))
    if item.get("rlocs"):
        observed = _site_rlocs(records)
        for rloc in item["rlocs"]:
            addr = norm_address(str(rloc))
            if addr not in observed:
                problems.append(_unmet("sites", "%s RLOC %s" % (what, addr), "registered",
                                       "registered RLOCs: %s" % (", ".join(sorted(observed)) or "none")))
    return problems


def _check_counters(item, facts):
    if "sites" not in facts:
        return [_unmet("counters", str(item.get("site")), "sites gathered", "not gathered")]
    name = item.get("site")
    if not name:
        raise VerifyError("counters: every expectation needs a site")
    site = _find_site(facts, name)
    if site is None:
        return [_unmet("counters", "site %s" % name, "present", "absent")]
    problems = []
    for key, want in item.items():
        if key == "site" or want is None:
            continue
        have = site.get(key)
        if have is None:
            problems.append(_unmet("counters", "site %s %s" % (name, key), want, "not reported by the device"))
        elif have != want:
            problems.append(_unmet("counters", "site %s %s" % (name, key), want, have))
    return problems


CHECKS = {"sites": _check_site, "map_cache": _check_map_cache, "database": _check_database,
          "counters": _check_counters}


def check(expectations, facts):
    """-> list of unmet expectations ``{kind, what, expected, observed}`` ([] when all hold)."""
    unmet = []
    for kind in KINDS:
        for item in expectations.get(kind) or ():
            unmet += CHECKS[kind](item, facts)
    return unmet


def format_unmet(unmet):
    return "; ".join("%s: expected %s, observed %s" % (u["what"], u["expected"], u["observed"]) for u in unmet)


def wait_for(gather, expectations, timeout=60, interval=5, clock=time.monotonic, sleep=time.sleep, progress=None):
    """Gather and check until every expectation holds or ``timeout`` seconds have passed.

    gather() -> facts (it may raise; the error text becomes the observation of that attempt and
    the attempt is retried, so a device still booting is waited for like a missing entry).
    progress(attempt, unmet) is called after every attempt that is not the last.
    Returns ``{ok, facts, attempts, elapsed, unmet, error}``.
    """
    start = clock()
    attempts = 0
    facts = {}
    while True:
        attempts += 1
        error = None
        try:
            facts = gather()
            unmet = check(expectations, facts)
        except VerifyError:
            raise
        except Exception as exc:  # pylint: disable=broad-except  # reported as this attempt's observation
            error = "%s: %s" % (exc.__class__.__name__, exc)
            unmet = [_unmet("gather", "gathering the facts", "success", error)]
        elapsed = clock() - start
        if not unmet:
            return {"ok": True, "facts": facts, "attempts": attempts, "elapsed": round(elapsed, 3), "unmet": [],
                    "error": None}
        if elapsed + interval > timeout:
            return {"ok": False, "facts": facts, "attempts": attempts, "elapsed": round(elapsed, 3),
                    "unmet": unmet, "error": error}
        if progress is not None:
            progress(attempts, unmet)
        sleep(interval)

# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only filter: the differences between two ``lisp`` facts dicts read at (nearly) the same time.

``cli_facts | lisp_facts_differences(netconf_facts, tolerance=N)`` -> a list of
``{path, first, second, why}``; empty when the facts are identical. Every value must be equal,
except the clock-driven durations, which may move by at most ``tolerance`` seconds between the two
reads (the reads are a second or two apart, and both forms truncate to whole seconds):

- ages that grow with time: ``uptime`` (map-cache entries and their locators, database entries),
  ``first_registered`` (sites' EID records), ``last_registered`` (EID records and their ETRs);
- times that shrink: ``expires`` (map-cache entries, TTL countdown).

``last_registered`` also restarts at 0 whenever the ETR sends its periodic Map-Register (every 60 s,
RFC 9301 §8.2): a second read that is at most ``tolerance`` seconds old while the first one was
older is a re-registration between the two reads, not a difference.

Some values are not compared, because only one transport can know them; Cisco-IOS-XE-lisp-oper
has no leaf for them, so the NETCONF facts carry null by the schema (docs/facts-schema.md):

- a database locator's ``source`` (the CLI's ``Source`` column, ``cfg-addr`` / ``cfg-intf`` /
  ``auto-disc``; ``lisp-local-dbase-rloc-type`` holds ``params``, ``state``, ``is-local`` and
  ``is-affinity-id-present`` only);
- a site EID record's ``origin`` (``Configuration``, ``Configuration, accepting more specifics``,
  ``Dynamic, more specific of ...``; the model counts more-specific registrations, per site only);
- a site's ``map_register_replays`` and ``map_register_refreshes`` (the reference router's replay
  counters, RFC 9301 §5.6; no leaf exists for them).

The filter checks that each is null over NETCONF (``second``) and set over the CLI (``first``)
instead of comparing them.

A duration present in one read and null in the other, a list of another length, a key present
in only one of them, or any other value that differs is a difference.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

AGES = frozenset(("uptime", "first_registered", "last_registered"))
REMAINING = frozenset(("expires",))
REREGISTERED = frozenset(("last_registered",))
# (top-level list, the list holding the value, the key)
CLI_ONLY = (
    ("database", "locators", "source"),
    ("sites", "eid_records", "origin"),
    ("sites", "sites", "map_register_replays"),
    ("sites", "sites", "map_register_refreshes"),
)


def _number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _ticking(key, first, second, tolerance):
    """-> None when the two durations agree within the tolerance, else why they do not."""
    if not (_number(first) and _number(second)):
        other = second if _number(first) else first
        return "a duration in one read and %s in the other" % ("null" if other is None else repr(other))
    if abs(first - second) <= tolerance:
        return None
    if key in REREGISTERED and second <= tolerance < first:
        return None  # re-registered between the two reads
    return "differs by %ds (tolerance %ds)" % (abs(first - second), tolerance)


def _cli_only(path, key):
    """Whether path.key is a value only the CLI (the first read) reports."""
    for top, container, leaf in CLI_ONLY:
        if key == leaf and path.startswith(top + "[") and path.rsplit(".", 1)[-1].startswith(container + "["):
            return True
    return False


def _walk(first, second, path, tolerance, out):
    if isinstance(first, dict) and isinstance(second, dict):
        for key in sorted(set(first) | set(second)):
            where = "%s.%s" % (path, key) if path else key
            if key not in first or key not in second:
                out.append({"path": where, "first": first.get(key, "<absent>"), "second": second.get(key, "<absent>"),
                            "why": "key in one read only"})
            elif _cli_only(path, key):
                if first[key] in (None, "") or second[key] is not None:
                    out.append({"path": where, "first": first[key], "second": second[key],
                                "why": "expected a value over the CLI and null over NETCONF"})
            elif key in AGES | REMAINING and (first[key] is not None or second[key] is not None):
                why = _ticking(key, first[key], second[key], tolerance)
                if why:
                    out.append({"path": where, "first": first[key], "second": second[key], "why": why})
            else:
                _walk(first[key], second[key], where, tolerance, out)
        return
    if isinstance(first, list) and isinstance(second, list):
        if len(first) != len(second):
            out.append({"path": path, "first": first, "second": second,
                        "why": "%d entries against %d" % (len(first), len(second))})
            return
        for index, (left, right) in enumerate(zip(first, second)):
            _walk(left, right, "%s[%d]" % (path, index), tolerance, out)
        return
    if first != second or type(first) is not type(second):
        out.append({"path": path, "first": first, "second": second, "why": "different values"})


def lisp_facts_differences(first, second, tolerance=3):
    """The differences between two facts dicts (see the module docstring); [] when identical."""
    out = []
    _walk(first, second, "", int(tolerance), out)
    return out


class FilterModule(object):
    """lisp_facts integration test filters."""

    def filters(self):
        return {"lisp_facts_differences": lisp_facts_differences}

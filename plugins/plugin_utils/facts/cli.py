# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fast line readers for the IOS / IOS-XE ``show lisp`` outputs, and ``parse_cli``.

The TTP templates in ``templates/ttp/`` read the same outputs (for ``ansible.utils.cli_parse``
users and as a second, independent reader in the tests); these hand-written readers give the very
same facts (``tests/unit/plugins/plugin_utils/facts/test_ttp_equivalence.py`` checks it on every
recorded and hand-written output) and are what the facts path uses, being several times faster
than TTP (``bench/facts_parse.py``). The map-cache reader, the one that meets 100,000-entry
outputs, builds the facts entries directly, from one regex split of the whole output with the
general line reader for whatever the split leaves (``parse_cli(..., fast=False)`` reads with the
general reader alone; the tests check that both give the same facts); the others produce raw text
records for the builders of ``normalise.py``, which the TTP reader shares.

Both output generations are read: the IOS 15.x / early IOS-XE ``show ip lisp ...`` family and
16.x/17.x ``show lisp [all] instance-id N ipv4|ipv6 ...`` with ``Output for router lisp N``
banners, a command echo or a Unicon log header at the top, and a prompt at the bottom.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import gc
import re
import textwrap

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import normalise as nz
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.times import DURATION_CACHE, duration


# --------------------------------------------------------------------------- command families
_ABBREV = re.compile(r"^\s*sh(?:o|ow)?\s+")
_IID = re.compile(r"\binstance-id\s+(\d+)\b")
_AFI = re.compile(r"\b(ipv4|ipv6|ethernet)\b")

FAMILIES = ("map_cache", "database", "sites", "sessions", "services", "config")


def normalise_command(command):
    """'sh  ip lisp map-cache ' -> 'show ip lisp map-cache' (abbreviated 'show' expanded)."""
    text = " ".join(command.split())
    return _ABBREV.sub("show ", text).strip()


def classify(command):
    """Command -> (family, context) or (None, {}) when no reader knows it.

    context carries what the command says and the output may not: ``iid`` and ``afi``.
    """
    cmd = normalise_command(command).lower()
    context = {}
    match = _IID.search(cmd)
    if match:
        context["iid"] = match.group(1)
    match = _AFI.search(cmd)
    if match:
        context["afi"] = match.group(1)
    elif cmd.startswith("show ip lisp"):
        context["afi"] = "ipv4"
    elif cmd.startswith("show ipv6 lisp"):
        context["afi"] = "ipv6"
    if "running-config" in cmd or cmd.startswith("show run"):
        return "config", context
    if not re.match(r"^show (?:ip |ipv6 )?lisp\b", cmd):
        return None, {}
    if re.search(r" (?:statistics|forwarding)\b", cmd):
        # counters and the data plane's state: no field of the facts schema (`show lisp service ipv4
        # statistics` is not the service's detail); named in `unparsed`
        return None, {}
    if re.match(r"^show lisp(?: all)?$", cmd):  # the router-wide summary
        return "services", context
    if " map-cache" in cmd:
        return "map_cache", context
    if cmd.endswith(" database") or " database " in cmd:
        return "database", context
    if " session" in cmd:
        return "sessions", context
    if " site" in cmd or cmd.endswith(" server"):
        return "sites", context
    if " service " in cmd or cmd.endswith((" ipv4", " ipv6", " ipv4 summary", " ipv6 summary")):
        return "services", context
    return None, {}


# --------------------------------------------------------------------------- helpers
_MAP_CACHE_HEADER = re.compile(r"LISP (\S+) Mapping Cache for (.*?)\s*\(IID (\d+)\)")
_DATABASE_HEADER = re.compile(r"LISP ETR (\S+) Mapping Database for (.*?)\s*\(IID (\d+)\)")


_FLUSH_LEFT = re.compile(r"^\S", re.MULTILINE)


def dedent(text):
    """Remove the indentation common to every line: some captures (Genie's 16.x samples, a
    pasted session) indent the whole output, command echo included. One regex search decides
    (a normal output has a flush-left line at the top), so large outputs pay nothing."""
    if not text or _FLUSH_LEFT.search(text):
        return text
    return textwrap.dedent(text)


def _pri_wgt(token):
    pri, sep, wgt = token.partition("/")
    if sep and pri.isdigit() and wgt.isdigit():
        return pri, wgt
    return None


# --------------------------------------------------------------------------- map-cache
def _entry_detail(entry, line):
    """The rare sub-lines of an entry: negative action, action, State: (single-prefix form)."""
    stripped = line.strip()
    if stripped.startswith("Negative cache entry, action: "):
        entry["negative"] = True
        entry["action"] = stripped[30:].strip()
    elif stripped.startswith("action: "):
        if not entry["negative"]:
            entry["action"] = stripped[8:].strip() or None
    elif stripped.startswith("State: "):
        if entry["state"] is None:
            entry["state"] = stripped[7:].split(",")[0].strip() or None
        # 'State: complete, last modified: 00:34:10, map-source: 11.1.2.2': who gave the mapping
        source = stripped.partition(", map-source: ")[2].strip()
        if source:
            entry["map_source"] = nz.norm_address(source) if ":" in source else source


class _MapCacheRead:
    """What the map-cache reader carries from line to line: the instance and address family of the
    current ``LISP ... Mapping Cache`` header, the entry whose sub-lines follow, the entries read."""

    __slots__ = ("iid", "afi", "entry", "entries")

    def __init__(self, iid, afi):
        self.iid = iid
        self.afi = afi
        self.entry = None
        self.entries = []


def _map_cache_lines(read, lines):
    """The general map-cache reader: any line of any output generation, one at a time.

    A locator row is recognised by its Pri/Wgt column wherever it is indented (the TTP templates
    read the same lines)."""
    iid, afi, entry = read.iid, read.afi, read.entry
    locators = entry["locators"] if entry is not None else None
    cache = DURATION_CACHE
    append = read.entries.append
    for line in lines:
        if not line:
            continue
        if line[0] != " ":
            if ", uptime: " in line:
                parts = line.split(", ", 4)
                if len(parts) >= 4 and parts[2][:9] == "expires: " and parts[3][:4] == "via ":
                    prefix = parts[0]
                    if ":" in prefix:
                        prefix = nz.norm_prefix(prefix)
                    up = parts[1][8:]
                    exp = parts[2][9:]
                    try:
                        uptime = cache[up]
                    except KeyError:
                        uptime = duration(up)
                    try:
                        expires = cache[exp]
                    except KeyError:
                        expires = duration(exp)
                    locators = []
                    entry = {
                        "instance_id": iid,
                        "afi": afi or nz.norm_afi(None, prefix),
                        "prefix": prefix,
                        "negative": False,
                        "action": None,
                        "uptime": uptime,
                        "expires": expires,
                        "via": parts[3][4:].strip().replace(" ", "-") or None,
                        "state": (parts[4].split(",", 1)[0].strip() or None) if len(parts) > 4 else None,
                        "map_source": None,
                        "locators": locators,
                    }
                    append(entry)
                    continue
            if line.startswith("LISP ") and "Mapping Cache" in line:
                match = _MAP_CACHE_HEADER.match(line)
                if match:
                    afi, iid = nz.norm_afi(match.group(1)), int(match.group(3))
                    entry = None
                continue
            if entry is None:
                continue
            # else: an unindented locator row (write-ups that lost the indentation: oldstyle/ R18)
        elif entry is None:
            continue
        else:
            head = line[2:3]
            if head == "L" or head == "P":  # the 'Locator ...' / 'PETR ...' column headers
                continue
            # 'Negative cache entry', 'State:', 'action:' (not an IPv6 locator such as 'a00::1')
            if head == "N" or head == "S" or (head == "a" and line[2:9] == "action:"):
                _entry_detail(entry, line)
                continue
        fields = line.split()
        if len(fields) >= 5 and fields[2][-1] == ",":  # a state with a qualifier: 'up, self'
            fields[2:4] = [fields[2] + " " + fields[3]]
        if len(fields) >= 4:
            pri, sep, wgt = fields[3].partition("/")
            if sep and pri.isdigit() and wgt.isdigit():
                address = fields[0]
                try:
                    uptime = cache[fields[1]]
                except KeyError:
                    uptime = duration(fields[1])
                locators.append({
                    "address": nz.norm_address(address) if ":" in address else address,
                    "state": fields[2],
                    "priority": int(pri),
                    "weight": int(wgt),
                    "uptime": uptime,
                })
                continue
        if fields and fields[0] in ("Negative", "action:", "State:"):
            _entry_detail(entry, line)
    read.iid, read.afi, read.entry = iid, afi, entry


# The entry block nearly every map-cache line belongs to, in the one form IOS 15.x and IOS-XE
# 16.x/17.x print it: the entry line, then either the negative-entry line or the locator column
# header and the locator rows (two-space indented, first column a digit), the first four columns
# of the first row apart. What it does not match is left to _map_cache_lines, in order and with
# the same state, so it only has to match a subset of the lines that reader reads, and read them
# the same way (columns of printable ASCII between spaces are what str.split() gives).
_MC_ENTRY = re.compile(
    r"^([0-9A-Fa-f][0-9A-Fa-f.:/]*+), uptime: ([0-9a-z:]++), expires: ([0-9a-z:]++),"
    r" via ([a-z-]++(?: [a-z-]++)*+)(?:, ([a-z-]++))?[ \r]*+\n"
    r"(?:  Negative cache entry, action: ([a-z-]++)[ \r]*+\n"
    r"|  L[^\n]*+\n"
    r"(?:  ([0-9][!-~]*+) ++([!-~]++) ++([a-z-]++, [a-z-]++|[!-~]++) ++([!-~]++)(?=[ \r\n])[^\n]*+\n((?:  [0-9][^\n]*+\n)*+))?)?",
    re.MULTILINE)
_MC_STEP = 12  # _MC_ENTRY.split(): the text before the first block, then per block 11 groups and the text after it
_PRI_WGT = {}  # 'Pri/Wgt' column text -> (priority, weight), or None when it is not one
_MISSING = object()


def _pri_wgt_ints(token):
    """'10/50' -> (10, 50), with the tests _map_cache_lines applies; anything else -> None."""
    pri, sep, wgt = token.partition("/")
    value = (int(pri), int(wgt)) if sep and pri.isdigit() and wgt.isdigit() else None
    if len(_PRI_WGT) < 4096:
        _PRI_WGT[token] = value
    return value


def _locator_rows(rows):
    """Locator rows of one entry (two-space indented, starting with a digit) -> facts locators.

    _map_cache_lines takes such a line for a locator when its fourth column is Pri/Wgt digits and
    does nothing with it otherwise (its first column is no sub-line keyword): the same here."""
    locators = []
    for row in rows:
        fields = row.split()
        if len(fields) >= 5 and fields[2][-1] == ",":  # a state with a qualifier: 'up, self'
            fields[2:4] = [fields[2] + " " + fields[3]]
        if len(fields) >= 4:
            locator = _locator(fields[0], fields[1], fields[2], fields[3])
            if locator is not None:
                locators.append(locator)
    return locators


def _locator(address, uptime, state, pw_text):
    pw = _PRI_WGT.get(pw_text, _MISSING)
    if pw is _MISSING:
        pw = _pri_wgt_ints(pw_text)
    if pw is None:
        return None
    return {
        "address": nz.norm_address(address) if ":" in address else address,
        "state": state,
        "priority": pw[0],
        "weight": pw[1],
        "uptime": duration(uptime),
    }


def _map_cache_blocks(read, parts, start, stop):
    """Blocks start..stop-1 of ``_MC_ENTRY.split(text)`` -> facts entries, appended to read (the
    values _map_cache_lines gives for the same lines)."""
    step = _MC_STEP
    cget = DURATION_CACHE.get
    missing = _MISSING
    pw_get = _PRI_WGT.get
    afi = read.afi
    # every entry starts as a copy of this one (a dict copy is cheaper than a ten-key literal)
    template = {"instance_id": read.iid, "afi": afi, "prefix": None, "negative": False, "action": None,
                "uptime": None, "expires": None, "via": None, "state": None, "map_source": None, "locators": None}
    append = read.entries.append
    entry = None
    blocks = iter(parts[step * start + 1:step * stop + 1])
    for prefix, up, exp, via, state, action, address, loc_up, loc_state, pw_text, more, _gap in zip(*[blocks] * step):
        entry = template.copy()
        if ":" in prefix:
            prefix = nz.norm_prefix(prefix)
        entry["prefix"] = prefix
        if not afi:
            entry["afi"] = nz.norm_afi(None, prefix)
        if action is not None:
            entry["negative"] = True
            entry["action"] = action
        # dict.get with a sentinel, not try/except: a first parse in a process misses the cache for
        # most hh:mm:ss texts, and an exception per miss cost ~0.1 s of 100,000 entries
        uptime = cget(up, missing)
        if uptime is missing:
            uptime = duration(up)
        entry["uptime"] = uptime
        expires = cget(exp, missing)
        entry["expires"] = duration(exp) if expires is missing else expires
        entry["via"] = via.replace(" ", "-") if " " in via else via
        entry["state"] = state
        entry["locators"] = locators = []
        if address is not None:
            pw = pw_get(pw_text, missing)
            if pw is missing:
                pw = _pri_wgt_ints(pw_text)
            if pw is not None:
                if loc_up == up:  # as a rule, the locator came with the entry
                    loc_uptime = uptime
                else:
                    loc_uptime = cget(loc_up, missing)
                    if loc_uptime is missing:
                        loc_uptime = duration(loc_up)
                locators.append({
                    "address": nz.norm_address(address) if ":" in address else address,
                    "state": loc_state,
                    "priority": pw[0],
                    "weight": pw[1],
                    "uptime": loc_uptime,
                })
            if more:
                locators.extend(_locator_rows(more[:-1].split("\n")))
        append(entry)
    if entry is not None:
        read.entry = entry


def read_map_cache(text, context=None, fast=True):
    """``show ip lisp map-cache`` / ``show lisp [all] instance-id N ipv4|ipv6 map-cache [P]``
    -> facts entries (the schema of ``normalise.build_map_cache``, built here directly).

    This is the path a 100,000-entry map-cache takes (bench/facts_parse.py). One regex split
    (``_MC_ENTRY``) cuts the output into entry blocks of the common form, so the per-line loop runs
    in C; whatever lies between blocks (banners, headers, prompts, the rare sub-lines, other
    indentation) goes through the general line reader, in order and with the same state.
    ``fast=False`` reads every line with the general reader (the tests check that both give the
    same facts); an output the fast path raises an error on is read again by the general reader,
    so that the error is the one it gives."""
    context = context or {}
    afi_text = context.get("afi")
    iid, afi = nz.to_int(context.get("iid")), nz.norm_afi(afi_text) if afi_text else None
    text = dedent(text)
    if fast:
        read = _MapCacheRead(iid, afi)
        try:
            parts = _MC_ENTRY.split(text)
            _map_cache_lines(read, parts[0].split("\n"))
            gaps = parts[_MC_STEP::_MC_STEP]
            start = 0
            if any(gaps):
                for block, gap in enumerate(gaps):
                    if gap:
                        _map_cache_blocks(read, parts, start, block + 1)
                        _map_cache_lines(read, gap.split("\n"))
                        start = block + 1
            _map_cache_blocks(read, parts, start, len(gaps))
            return read.entries
        except ValueError:
            pass
    read = _MapCacheRead(iid, afi)
    _map_cache_lines(read, text.split("\n"))
    return read.entries


# --------------------------------------------------------------------------- database
def read_database(text, context=None):
    """``show ip lisp database`` / ``show lisp instance-id N ipv4|ipv6 database`` -> raw
    entries ``{iid, afi, prefix, flags, uptime, locators: [{address, priority, weight, source,
    state}]}``."""
    context = context or {}
    iid = context.get("iid")
    afi = context.get("afi")
    entries = []
    entry = None
    in_locators = False
    for line in dedent(text).splitlines():
        if not line.strip():
            continue
        if line[0] != " ":
            if line.startswith("LISP ETR "):
                match = _DATABASE_HEADER.match(line)
                if match:
                    afi, iid = match.group(1), match.group(3)
                entry = None
                continue
            head, _sep, flags = line.partition(",")
            head = head.strip()
            if "/" in head and " " not in head and not head.endswith("#"):
                entry = {"iid": iid, "afi": afi, "prefix": head, "flags": flags.strip(),
                         "uptime": None, "locators": []}
                entries.append(entry)
            else:
                entry = None
            in_locators = False
            continue
        if entry is None:
            continue
        stripped = line.strip()
        if in_locators and line[2] != " ":
            fields = stripped.split()
            if len(fields) >= 3:
                pw = _pri_wgt(fields[1])
                if pw:
                    if len(fields) >= 4 or not fields[2].endswith(","):
                        source, state = fields[2], " ".join(fields[3:])
                    else:
                        source, state = None, " ".join(fields[2:])
                    if source and source.endswith(","):  # no Source column: 'site-self, reachable'
                        source, state = None, " ".join(fields[2:])
                    entry["locators"].append({"address": fields[0], "priority": pw[0],
                                              "weight": pw[1], "source": source, "state": state})
                    continue
            in_locators = False
        if stripped.startswith("Locator "):
            in_locators = True
        elif stripped.startswith("Uptime: "):
            entry["uptime"] = stripped[8:].split(",")[0].strip()
    return entries


# --------------------------------------------------------------------------- sessions
_SESSION_HEADER = re.compile(r"Sessions for VRF (\S+?),")


def read_sessions(text, context=None):
    """``show lisp session`` / ``show lisp vrf V session`` -> raw rows ``{vrf, peer, state,
    since, msg_in, msg_out, users, rtt}``."""
    vrf = None
    rows = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Sessions for VRF "):
            match = _SESSION_HEADER.match(stripped)
            vrf = match.group(1) if match else None
            continue
        fields = stripped.split()
        if len(fields) < 5 or fields[0] == "Peer":
            continue
        msgs = fields[3].partition("/")
        if not (msgs[0].isdigit() and msgs[2].isdigit()) or not fields[4].isdigit():
            continue
        rows.append({"vrf": vrf, "peer": fields[0], "state": fields[1], "since": fields[2],
                     "msg_in": msgs[0], "msg_out": msgs[2], "users": fields[4],
                     "rtt": fields[5] if len(fields) > 5 else None})
    return rows


# --------------------------------------------------------------------------- sites
def site_table_rows(text):
    """``show lisp site`` / ``show lisp all site`` / ``... server`` table -> rows
    ``(site, last, up, who, iid, prefix)`` as printed (a row whose columns wrapped onto a second
    line is joined; the site name is carried down to the rows under it)."""
    rows = []
    append = rows.append
    site = None
    pending = None
    for line in dedent(text).split("\n"):
        fields = line.split()
        if not fields:
            continue
        count = len(fields)
        if pending is not None:
            if count == 2 and fields[0].isdigit() and line[0] == " ":
                append(pending + tuple(fields))
            pending = None
            continue
        if line[0] == " ":
            if count == 5 and site and fields[3].isdigit() and fields[1].rstrip("#*") in ("yes", "no"):
                append((site, fields[0], fields[1], fields[2], fields[3], fields[4]))
            elif count == 3 and site and fields[1].rstrip("#*") in ("yes", "no"):
                pending = (site, fields[0], fields[1], fields[2])
            continue
        if count == 6 and fields[4].isdigit() and fields[2].rstrip("#*") in ("yes", "no"):
            site = fields[0]
            append(tuple(fields))
        elif count == 4 and fields[2].rstrip("#*") in ("yes", "no"):
            site = fields[0]
            pending = tuple(fields)
    return rows


def read_site_table(text):
    """``show lisp site`` table -> raw rows ``{site, last, up, who, iid, prefix}`` (dicts, as the
    TTP reader gives them)."""
    keys = ("site", "last", "up", "who", "iid", "prefix")
    return [dict(zip(keys, row)) for row in site_table_rows(text)]


_EID_PREFIX = re.compile(r"^EID-prefix:\s+(\S+)(?:\s+instance-id\s+(\d+))?")
# the reference router's site line (RFC 9301 §5.6 replay protection); IOS-XE prints none
_REPLAYS = re.compile(r"^Map-Register replays:\s+(\d+) refused, (\d+) same-nonce refreshes")
_ETR = re.compile(r"^ETR\s*([^,\s]*)(?:,\s*(.*))?$")
_DETAIL_FIELDS = {
    "First registered:": "first_registered",
    "Last registered:": "last_registered",
    "TTL:": "ttl",
    "State:": "state",
    "Authentication failures:": "auth_failures",
    "Allowed locators mismatch:": "locator_mismatches",
    "Origin:": "origin",
}


def _etr_flags(etr, text):
    """'last registered 2w4d, proxy-reply, map-notify' -> last_registered + flags."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    flags = []
    for part in parts:
        if part.startswith("last registered "):
            etr["last_registered"] = part[16:].strip()
        else:
            flags.append(part)
    etr["flags"] = ", ".join(flags)


def read_site_detail(text):
    """``show lisp site detail`` / ``show lisp site name X`` / ``show lisp site PREFIX`` ->
    raw sites ``{name, description, replays, refreshes, eids: [{prefix, iid, first_registered, last_registered, ttl,
    state, auth_failures, locator_mismatches, etrs: [{address, last_registered, flags, ttl,
    state, locators: [{address, local, state, priority, weight}]}]}]}``."""
    sites = []
    if "Site name:" not in text:
        return sites
    site = eid = etr = None
    in_locators = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("Site name:"):
            site = {"name": stripped[10:].strip(), "description": None, "replays": None, "refreshes": None, "eids": []}
            sites.append(site)
            eid = etr = None
            in_locators = False
            continue
        if site is None:
            continue
        if stripped.startswith("Description:") and eid is None:
            site["description"] = stripped[12:].strip() or None
            continue
        if stripped.startswith("Map-Register replays:") and eid is None:
            match = _REPLAYS.match(stripped)
            if match:
                site["replays"], site["refreshes"] = match.group(1), match.group(2)
            continue
        if stripped.startswith("EID-prefix:"):
            match = _EID_PREFIX.match(stripped)
            eid = {"prefix": match.group(1), "iid": match.group(2), "first_registered": None,
                   "last_registered": None, "ttl": None, "state": None, "auth_failures": None,
                   "locator_mismatches": None, "origin": None, "etrs": []}
            site["eids"].append(eid)
            etr = None
            in_locators = False
            continue
        if eid is None:
            continue
        if stripped.startswith("ETR") and (len(stripped) == 3 or stripped[3] in " ,"):
            match = _ETR.match(stripped)
            etr = {"address": match.group(1) or None, "last_registered": None, "flags": "",
                   "ttl": None, "state": None, "locators": []}
            if match.group(2):
                _etr_flags(etr, match.group(2))
            eid["etrs"].append(etr)
            in_locators = False
            continue
        if etr is not None:
            if stripped.startswith("last registered "):
                _etr_flags(etr, stripped)
                continue
            if stripped.startswith("TTL "):
                etr["ttl"] = stripped[4:].split(",")[0].strip()
                continue
            if stripped.startswith("state "):
                etr["state"] = stripped[6:].split(",")[0].strip()
                continue
            if stripped.startswith("Locator ") and "Pri/Wgt" in stripped:
                in_locators = True
                continue
            if in_locators:
                fields = stripped.split()
                if len(fields) >= 4:
                    pw = _pri_wgt(fields[3])
                    if pw:
                        etr["locators"].append({"address": fields[0], "local": fields[1], "state": fields[2],
                                                "priority": pw[0], "weight": pw[1]})
                        continue
                in_locators = False
            continue
        for label, key in _DETAIL_FIELDS.items():
            if stripped.startswith(label):
                eid[key] = stripped[len(label):].strip() or None
                break
    return sites


def read_site_summary(text):
    """``show lisp site summary`` -> raw rows ``{site, ipv4: [conf, reg, incons], ipv6, mac}``."""
    rows = []
    in_table = False
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            in_table = False
            continue
        if fields[0] == "Site" and len(fields) > 1 and fields[1] == "name":
            in_table = True
            continue
        if in_table and len(fields) == 10 and all(f.isdigit() for f in fields[1:]):
            rows.append({"site": fields[0], "ipv4": fields[1:4], "ipv6": fields[4:7], "mac": fields[7:10]})
    return rows


# --------------------------------------------------------------------------- services
_KV = re.compile(r"^(\S[^:]*?):\s*(.*)$")


def read_service_detail(text):
    """``show lisp service ipv4`` / ``show lisp instance-id N ipv4`` -> {label: [values]}
    (the values of continuation lines, such as a second map-resolver, are appended)."""
    values = {}
    last = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("===", "Output for router lisp", "Information applicable")):
            continue
        match = _KV.match(stripped)
        if match and match.group(1)[0].isalpha() and "  " not in match.group(1):
            last = match.group(1)
            values.setdefault(last, []).append(match.group(2).strip())
            continue
        if last is not None and len(line) - len(line.lstrip()) > 20:
            values[last].append(stripped)
    return values


def read_router(text):
    """``show lisp`` -> {label: [values]} as ``read_service_detail`` (``Capability:`` and its
    continuation lines, one capability a line), plus ``TCP path mtu discovery``: [ON|OFF]."""
    values = read_service_detail(text)
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("TCP path mtu discovery "):
            values["TCP path mtu discovery"] = [stripped[23:].strip()]
    return values


def read_service_summary(text):
    """``show lisp service ipv4|ipv6 summary`` -> rows ``{vrf, interface, db_size, db_no_route,
    cache_size, incomplete, idle, role}``."""
    rows = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 8 or not fields[-7].startswith("LISP"):
            continue
        rows.append({"vrf": " ".join(fields[:-7]), "interface": fields[-7], "db_size": fields[-6].rstrip("@*"),
                     "db_no_route": fields[-5], "cache_size": fields[-4], "incomplete": fields[-3],
                     "idle": fields[-2], "role": fields[-1]})
    return rows


# --------------------------------------------------------------------------- assembling facts
def service_afi(context):
    afi = context.get("afi") or "ipv4"
    return nz.norm_afi(afi) or afi


class FactsBuilder:
    """Collects the raw records of any number of outputs into one facts dict."""

    def __init__(self):
        self.map_cache = []
        self.database = []
        self.sessions = []
        self.sites = nz.SiteBuilder()
        self.services = nz.ServiceBuilder()
        self.seen = set()
        self.outputs = {}  # family -> how many outputs were read (dedupe only when several)
        self.config_text = None

    def add_map_cache(self, raws=(), entries=()):
        """raws: raw records (the TTP reader) to build; entries: facts entries built already."""
        self.seen.add("map_cache")
        self.outputs["map_cache"] = self.outputs.get("map_cache", 0) + 1
        self.map_cache.extend(nz.build_map_cache(raw) for raw in raws)
        self.map_cache.extend(entries)

    def add_database(self, raws):
        self.seen.add("database")
        self.outputs["database"] = self.outputs.get("database", 0) + 1
        self.database.extend(nz.build_database(raw) for raw in raws)

    def add_sessions(self, raws):
        self.seen.add("sessions")
        self.sessions.extend(nz.build_session(raw) for raw in raws)

    def add_sites(self, rows=(), details=(), summary=(), table=()):
        """rows: raw dict rows (the TTP reader); table: (site, last, up, who, iid, prefix) rows."""
        self.seen.add("sites")
        for row in rows:
            self.sites.add_row(row)
        self.sites.add_rows(table)
        for detail in details:
            self.sites.add_detail(detail)
        for row in summary:
            self.sites.add_summary(row)

    def add_router(self, raw):
        self.seen.add("services")
        self.services.add_router(raw)

    def add_services(self, afi, detail=None, summary_rows=()):
        self.seen.add("services")
        if detail:
            self.services.add_detail(afi, detail)
        for row in summary_rows:
            self.services.add_summary_row(afi, row)

    def facts(self):
        out = {}
        for family in ("map_cache", "database"):
            if family in self.seen:
                entries = getattr(self, family)
                if self.outputs.get(family, 0) > 1:
                    entries = _dedupe(entries, ("instance_id", "afi", "prefix"))
                out[family] = entries
        if "sessions" in self.seen:
            out["sessions"] = self.sessions
        if "sites" in self.seen:
            out["sites"] = self.sites.sites()
        if "services" in self.seen:
            out["services"] = self.services.services
        return out


def _dedupe(entries, keys):
    """The same entry read twice (e.g. ``map-cache`` and ``map-cache PREFIX``): keep the first."""
    seen = set()
    out = []
    for entry in entries:
        key = tuple(entry[k] for k in keys)
        if key in seen:
            continue
        seen.add(key)
        out.append(entry)
    return out


def feed(builder, family, context, text, cmd="", fast=True):
    """Read one output of a known family into the builder (``fast``: see ``parse_cli``)."""
    if family == "map_cache":
        builder.add_map_cache(entries=read_map_cache(text, context, fast))
    elif family == "database":
        builder.add_database(read_database(text, context))
    elif family == "sessions":
        builder.add_sessions(read_sessions(text, context))
    elif family == "sites":
        if " summary" in cmd:
            builder.add_sites(summary=read_site_summary(text))
        else:
            builder.add_sites(table=site_table_rows(text), details=read_site_detail(text))
    elif family == "services":
        afi = service_afi(context)
        if cmd in ("show lisp", "show lisp all"):
            builder.add_router(read_router(text))
        elif cmd.endswith(" summary"):
            builder.add_services(afi, summary_rows=read_service_summary(text))
        else:
            builder.add_services(afi, detail=read_service_detail(text))
    elif family == "config":
        builder.config_text = text


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while the readers run: they create no reference
    cycles, and the collector's repeated passes over hundreds of thousands of fresh dicts cost a
    third of the time of a 100,000-entry map-cache (bench/facts_parse.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_cli(outputs, fast=True):
    """``{command: output text}`` -> ``lisp`` facts (only the families present in ``outputs``).

    Unknown commands are ignored; ``unparsed_commands(outputs)`` names them. ``config`` needs the
    CLI codec and is added by ``gather.build_facts``; here the running-config text is skipped.
    ``fast=False`` reads a map-cache with the general line reader alone, not the regex split of
    ``read_map_cache``: the same facts, slower (the tests compare both).
    """
    builder = FactsBuilder()
    with _collector_paused():
        for command, text in outputs.items():
            family, context = classify(command)
            if family is None or text is None:
                continue
            feed(builder, family, context, text, normalise_command(command).lower(), fast)
        return builder.facts()


def unparsed_commands(outputs):
    return [command for command in outputs if classify(command)[0] is None]

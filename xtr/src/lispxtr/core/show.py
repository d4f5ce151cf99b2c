"""IOS-XE ``show lisp`` / ``show ip lisp`` output of a ``Router``.

Layouts follow recorded IOS-XE output (genieparser's golden data and the IOS 15 lab write-up):
column widths, the ``uptime``/``expires`` durations (``00:09:22``, ``1d00h``, ``2w4d``, ``never``)
and the blank lines are where a real device puts them, so the same TTP templates parse both.

``render(router, command, now)`` returns the text (lines ending in ``\\n``), ``None`` when the
command is not a LISP show command, or an IOS-style error (``% Invalid input detected at '^'
marker.`` preceded by a caret line positioned under the command text, ``% Ambiguous command``,
``% Incomplete command.``). Keywords may be abbreviated to any unique prefix (``sh ip lisp map-c``);
``| include|exclude|begin|section REGEX`` filters are applied.
"""

from __future__ import annotations

import re

from . import pipe as pipe_filter
from .etr import RECORD_TTL
from .itr import SMR_INTERVAL
from .map_cache import ACTION_NATIVE, ACTION_SEND_MAP_REQUEST
from .prefix import EidPrefix, MAX_LEN, addr_to_int, parse_prefix, prefix_text
from .timefmt import duration, since, until

BANNER = "=" * 49
_SHOW_KEYWORDS = ("ip", "ipv6", "interfaces", "inventory", "isis", "lisp", "license", "line", "logging", "lldp",
                  "location")


class _CliError(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


class _Tokens:
    """The words of a command with their offsets, consumed left to right."""

    def __init__(self, command: str):
        self.command = command
        self.words = [(m.group(0), m.start()) for m in re.finditer(r"\S+", command)]
        self.i = 0

    def peek(self) -> str | None:
        return self.words[self.i][0] if self.i < len(self.words) else None

    def done(self) -> bool:
        return self.i >= len(self.words)

    def invalid(self):
        offset = self.words[self.i][1] if self.i < len(self.words) else len(self.command)
        return _CliError(" " * offset + "^\n% Invalid input detected at '^' marker.\n")

    def keyword(self, options, required: bool = True) -> str | None:
        """Match the next word against ``options`` (unique prefix, case-insensitive)."""
        word = self.peek()
        if word is None:
            if required:
                raise _CliError("% Incomplete command.\n")
            return None
        low = word.lower()
        exact = [o for o in options if o == low]
        hits = exact or [o for o in options if o.startswith(low)]
        if len(hits) == 1:
            self.i += 1
            return hits[0]
        if len(hits) > 1:
            raise _CliError('%% Ambiguous command:  "%s"\n' % self.command.strip())
        if required:
            raise self.invalid()
        return None

    def value(self) -> str:
        word = self.peek()
        if word is None:
            raise _CliError("% Incomplete command.\n")
        self.i += 1
        return word

    def end(self) -> None:
        if not self.done():
            raise self.invalid()


def render(router, command: str, now: float) -> str | None:
    command, _unused, pipe = command.partition("|")
    tokens = _Tokens(command)
    first = tokens.peek()
    if first is None or not "show".startswith(first.lower()) or len(first) < 2:
        return None
    tokens.i = 1
    second = tokens.peek()
    if second is None:
        return None
    try:
        # other IOS show keywords take part in abbreviation ("show l" is ambiguous on IOS too)
        which = tokens.keyword(_SHOW_KEYWORDS, required=False)
        if which not in ("ip", "ipv6", "lisp"):
            return None
        if which in ("ip", "ipv6"):
            if tokens.keyword(("lisp",), required=False) is None:
                return None
            text = _show_ip_lisp(router, tokens, now) if which == "ip" else _show_ipv6_lisp(router, tokens)
        else:
            text = _show_lisp(router, tokens, now)
        return _pipe(text, pipe) if pipe.strip() else text
    except _CliError as exc:
        return exc.text


def _pipe(text: str, pipe: str) -> str:
    """The ``| include|exclude|begin|section|count REGEX`` filter (core/pipe.py, RE2)."""
    m = re.match(r"\s*(\S+)(?:\s+(.*\S))?\s*$", pipe)
    if m is None:
        return text
    op, pattern = m.group(1).lower(), m.group(2) or ""
    kinds = [kind for kind in pipe_filter.KINDS if kind.startswith(op)]
    if len(kinds) != 1:
        raise _CliError("% Invalid input detected at '^' marker.\n")
    if not pattern and kinds[0] != "count":
        raise _CliError("% Incomplete command.\n")
    try:
        regex = pipe_filter.compile_pattern(pattern) if pattern else None
        return pipe_filter.filter_text(text, kinds[0], regex)
    except pipe_filter.PipeError as exc:
        raise _CliError(exc.text + "\n") from None


def _join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


# -- command trees ---------------------------------------------------------------------------

def _show_ip_lisp(router, t: _Tokens, now: float) -> str:
    """IOS 15 / early IOS-XE family: ``show ip lisp [instance-id N] map-cache|database``."""
    iid = 0
    kw = t.keyword(("map-cache", "database", "instance-id"))
    if kw == "instance-id":
        iid = _int(t)
        kw = t.keyword(("map-cache", "database", "forwarding"))
    if kw == "forwarding":  # show ip lisp instance-id N forwarding state
        t.keyword(("state",))
        t.end()
        return forwarding_state(router, iid, "ipv4")
    if kw == "map-cache":
        target = None if t.done() else t.value()
        t.end()
        return map_cache_oldstyle(router, iid, target, now)
    t.end()
    return database_oldstyle(router, iid, now)


def _show_ipv6_lisp(router, t: _Tokens) -> str:
    """``show ipv6 lisp instance-id N forwarding state``, the one ``show ipv6 lisp`` form served."""
    t.keyword(("instance-id",))
    iid = _int(t)
    t.keyword(("forwarding",))
    t.keyword(("state",))
    t.end()
    return forwarding_state(router, iid, "ipv6")


def _int(t: _Tokens) -> int:
    word = t.peek()
    if word is None:
        raise _CliError("% Incomplete command.\n")
    if not word.isdigit() or int(word) > 16777215:
        raise t.invalid()
    t.i += 1
    return int(word)


def _afi(t: _Tokens) -> str:
    return t.keyword(("ipv4", "ipv6"))


def _target(t: _Tokens, afi: str) -> str | None:
    """The optional ``A.B.C.D[/L]`` / ``X:X::X[/L]`` of a map-cache look-up; an address of the other
    family is refused at its position, as IOS-XE's parser does (ipv6 takes no IPv4 address)."""
    if t.done():
        return None
    word = t.peek()
    try:
        family = addr_to_int(word.split("/", 1)[0])[0]
    except ValueError:
        family = None
    if family is not None and family != afi:
        raise t.invalid()
    return t.value()


def _show_lisp(router, t: _Tokens, now: float) -> str:
    banner = ""
    if t.keyword(("all",), required=False) == "all":
        banner = "%s\nOutput for router lisp 0\n%s\n" % (BANNER, BANNER)
    kw = t.keyword(("site", "session", "service", "instance-id", "eid-table", "vrf", "ipv4", "ipv6"), required=False)
    if kw is None:
        t.end()
        return banner + show_lisp(router, now)
    if kw == "vrf":  # show lisp vrf default session
        t.value()
        kw = t.keyword(("session",))
    if kw == "session":
        which = t.keyword(("established", "all"), required=False)
        peer = None
        if which is None and not t.done():
            peer = t.value()  # show lisp session RLOC
        t.end()
        return banner + sessions(router, now, established=which == "established", peer=peer)
    if kw == "site":
        return banner + _site(router, t, now)
    if kw == "service":
        afi = _afi(t)
        sub = t.keyword(("summary", "statistics"), required=False)
        if sub == "summary":
            t.end()
            return banner + service_summary(router, afi, now)
        if sub == "statistics":
            t.end()
            return banner + service_statistics(router, afi, now)
        t.end()
        return banner + service(router, afi, now)
    if kw in ("ipv4", "ipv6"):  # show lisp ipv4 ...: the default EID table
        afi = kw
        iid = min((i for i, n in router.eid_tables.items() if n == "default"), default=0)
    else:
        if kw == "instance-id":
            iid = _int(t)
        else:  # eid-table default | vrf NAME
            table = t.keyword(("default", "vrf"))
            name = "default" if table == "default" else "vrf " + t.value()
            matches = [i for i, n in router.eid_tables.items() if n == name]
            if not matches:
                raise _CliError("%% EID table %s is not configured.\n" % name)
            iid = matches[0]
        afi = _afi(t)
    what = t.keyword(("map-cache", "database", "server", "statistics", "forwarding"), required=False)
    if what is None:
        t.end()
        return banner + service(router, afi, now, iid=iid)
    if what == "forwarding":
        if t.keyword(("state", "eid")) == "eid":  # show lisp instance-id N ipv4 forwarding eid remote
            t.keyword(("remote",))
            t.end()
            return banner + forwarding_eid_remote(router, iid, afi)
        t.end()
        return banner + forwarding_state(router, iid, afi)
    if what == "statistics":
        t.end()
        return banner + statistics(router, iid, afi, now)
    if what == "map-cache":
        target = _target(t, afi)
        t.end()
        return banner + map_cache(router, iid, afi, target, now)
    if what == "database":
        target = _target(t, afi)
        t.end()
        return banner + database(router, iid, afi, now, target)
    # server: the Map-Server's registrations of this EID table
    sub = t.keyword(("detail", "name", "etr-address", "summary", "rloc"), required=False)
    if sub == "summary":
        t.end()
        return banner + server_summary(router, iid, afi)
    if sub == "rloc":  # show lisp instance-id N ipv4 server rloc members
        t.keyword(("members",))
        t.end()
        return banner + rloc_members(router, iid, afi)
    if sub is None and not t.done():
        target = _target(t, afi)
        t.end()
        return banner + site_detail(router, now, target=target, iid=iid)
    if sub is not None:
        value = t.value() if sub != "detail" else None
        t.end()
        return banner + site_detail(router, now, name=value if sub == "name" else None, scope=(iid, afi),
                                    etr=value if sub == "etr-address" else None)
    t.end()
    return banner + site_table(router, now, iid=iid, afi=afi)


def _site(router, t: _Tokens, now: float) -> str:
    kw = t.keyword(("name", "detail", "summary", "instance-id", "eid-table"), required=False)
    if kw == "eid-table":
        t.i -= 1  # _site_scope reads it again
        kw = None
    elif kw is None and not t.done():
        target = t.value()
        iid = 0
        if t.keyword(("instance-id",), required=False):
            iid = _int(t)
        t.end()
        return site_detail(router, now, target=target, iid=iid)
    if kw == "name":
        name = t.value()
        detail = t.keyword(("detail",), required=False) is not None
        t.end()
        if detail:
            return site_detail(router, now, name=name)
        return site_name(router, name, now)
    if kw == "detail":
        t.end()
        return site_detail(router, now)
    if kw == "summary":
        iid = _site_scope(router, t)
        t.end()
        return site_summary(router, now, iid=iid)
    if kw == "instance-id":
        iid = _int(t)
        t.end()
        return site_table(router, now, iid=iid)
    iid = _site_scope(router, t)
    t.end()
    return site_table(router, now, iid=iid)


def _site_scope(router, t: _Tokens) -> int | None:
    """``[instance-id N | eid-table default | eid-table vrf NAME]`` after ``show lisp site [summary]``."""
    kw = t.keyword(("instance-id", "eid-table"), required=False)
    if kw is None:
        return None
    if kw == "instance-id":
        return _int(t)
    table = t.keyword(("default", "vrf"))
    name = "default" if table == "default" else "vrf " + t.value()
    matches = [i for i, n in router.eid_tables.items() if n == name]
    if not matches:
        raise _CliError("%% EID table %s is not configured.\n" % name)
    return matches[0]


# -- map-cache -------------------------------------------------------------------------------

def _table_name(router, iid: int) -> str:
    return router.eid_tables.get(iid, "default" if iid == 0 else "vrf unknown")


def _entries(router, iid: int, afi: str):
    return list(router.map_cache.entries(iid, afi))


def _select(router, iid: int, afi: str, target: str | None):
    """Entries to show: all, the exact prefix ``A/L``, or the longest match of address ``A``."""
    if target is None:
        return _entries(router, iid, afi)
    try:
        if "/" in target:
            p = parse_prefix(target, iid)
            entry = router.map_cache.get(p)
        else:
            fam, value = addr_to_int(target)
            entry = router.map_cache.lookup(iid, fam, value)
    except ValueError:
        raise _CliError("%% Invalid address: %s\n" % target) from None
    return [entry] if entry is not None else []


def _via(entry, oldstyle: bool) -> str:
    if entry.via == "static":
        words = {ACTION_SEND_MAP_REQUEST: "send map-request", ACTION_NATIVE: "forward-native"}.get(entry.action, entry.action)
        return "static " + words if oldstyle else "static-" + words.replace(" ", "-")
    return "map-reply, " + entry.state


def map_cache_oldstyle(router, iid: int, target: str | None, now: float) -> str:
    """``show ip lisp map-cache`` (IOS 15 layout, as in the lab write-up)."""
    entries = _select(router, iid, "ipv4", target)
    lines = ["LISP IPv4 Mapping Cache for EID-table %s (IID %d), %d entries" % (
        _table_name(router, iid), iid, router.map_cache.count(iid, "ipv4")), ""]
    for e in entries:
        lines.append("%s, uptime: %s, expires: %s, via %s" % (prefix_text(e.prefix), since(now, e.created),
                                                              until(now, e.expires), _via(e, True)))
        if e.locators:
            width = max(len(l.address) for l in e.locators) + 2
            lines.append("  %s%s" % ("Locator".ljust(width), "Uptime    State      Pri/Wgt"))
            for l in e.locators:
                lines.append("%s%s%s%3d/%-3d" % (l.address.ljust(width), since(now, l.since).ljust(10),
                                                 l.state.ljust(11), l.priority, l.weight))
        else:
            lines.append("  Negative cache entry, action: %s" % e.action)
    return _join(lines)


def _locator_rows(entry, now: float) -> list[str]:
    width = max(max(len(l.address) for l in entry.locators) + 2, 11)
    swidth = max(max(len(l.state) for l in entry.locators) + 2, 7)
    rows = ["  %s%s%s%s" % ("Locator".ljust(width), "Uptime    ", "State".ljust(swidth), "Pri/Wgt     Encap-IID")]
    for l in entry.locators:
        rows.append("  %s%s%s%s  -" % (l.address.ljust(width), since(now, l.since).ljust(10), l.state.ljust(swidth),
                                       ("%3d/%d" % (l.priority, l.weight)).ljust(12)))
    return rows


def _negative_line(router, entry) -> str:
    if entry.action == ACTION_NATIVE and router.itr is not None and router.itr.use_petr:
        return "  Encapsulating to proxy ETR"
    return "  Negative cache entry, action: %s" % entry.action


def map_cache(router, iid: int, afi: str, target: str | None, now: float) -> str:
    """``show lisp instance-id N ipv4 map-cache [PREFIX|ADDRESS]`` (IOS-XE 17 layout)."""
    entries = _select(router, iid, afi, target)
    lines = ["LISP %s Mapping Cache for LISP 0 EID-table %s (IID %d), %d entries" % (
        "IPv4" if afi == "ipv4" else "IPv6", _table_name(router, iid), iid, router.map_cache.count(iid, afi)), ""]
    for e in entries:
        lines.append("%s, uptime: %s, expires: %s, via %s" % (prefix_text(e.prefix), since(now, e.created),
                                                              until(now, e.expires), _via(e, False)))
        if target is not None:
            lines += _entry_detail(router, e, now)
            continue
        if e.locators:
            lines += _locator_rows(e, now)
        else:
            lines.append(_negative_line(router, e))
    return _join(lines)


def _entry_detail(router, e, now: float) -> list[str]:
    static = e.via == "static"
    lines = ["  Sources: %s" % ("static" if static else "map-reply"),
             "  State: %s, last modified: %s, map-source: %s" % (e.state, since(now, e.last_modified),
                                                                 "local" if static else e.map_source)]
    activity = "Exempt" if static else ("Active" if e.last_used is not None and now - e.last_used < 60 else "Idle")
    ago = "" if e.last_used is None else " (~ %s ago)" % since(now, e.last_used)
    lines.append("  %s, Packets out: %d(%d bytes)%s" % (activity, e.packets_out, e.bytes_out, ago))
    if static:
        lines.append("  Configured as EID address space")
    if not e.locators:
        lines.append(_negative_line(router, e))
        return lines
    lines += _locator_rows(e, now)[:1]
    rows = _locator_rows(e, now)[1:]
    for row, l in zip(rows, e.locators):
        lines.append(row)
        lines.append("    Last up-down state change:         %s, state change count: %d" % (since(now, l.since), l.state_changes))
        # no RIB here: the route to the RLOC is there from the Map-Reply on; a later Map-Reply replaces
        # the entry, so an installed locator's priority and weight never change
        lines.append("    Last route reachability change:    %s, state change count: 1" % since(now, e.created))
        lines.append("    Last priority / weight change:     never/never")
        lines.append("    RLOC-probing loc-status algorithm:")
        rtt = "" if l.probe_rtt is None else " (rtt %dms)" % round(l.probe_rtt * 1000)
        lines.append("      Last RLOC-probe sent:            %s%s" % (since(now, l.probe_sent), rtt))
    return lines


# -- database --------------------------------------------------------------------------------

def _db_entries(router, iid: int, afi: str):
    if router.etr is None:
        return []
    return [router.etr.database[p] for p in sorted(router.etr.database) if p.iid == iid and p.afi == afi]


def _db_locator_rows(router, dm) -> list[str]:
    width = max(max((len(a) for a, _p, _w in dm.locators), default=7) + 2, 10)
    rows = ["  %sPri/Wgt  Source     State" % "Locator".ljust(width)]
    sources = dm.sources or ("cfg-addr",) * len(dm.locators)
    for (a, pri, wgt), src in zip(dm.locators, sources):
        # our own RLOC is reachable; another xTR's locator of the site is registered as reachable
        state = "site-self, reachable" if a == router.rloc else "site-other, report-reachable"
        rows.append("  %s%s%s%s" % (a.ljust(width), ("%3d/%d" % (pri, wgt)).ljust(9), src.ljust(11), state))
    return rows


def _lsb(dm) -> str:
    return "0x%X" % ((1 << len(dm.locators)) - 1) if dm.locators else "0x0"


def database(router, iid: int, afi: str, now: float, target: str | None = None) -> str:
    """``show lisp instance-id N ipv4 database [PREFIX|ADDRESS]`` (IOS-XE 17 layout)."""
    entries = _db_entries(router, iid, afi)
    if target is not None:
        try:
            want = parse_prefix(target, iid)
            if "/" not in target:
                want = EidPrefix(iid, want.afi, want.addr, MAX_LEN[want.afi])
        except ValueError:
            raise _CliError("%% Invalid address: %s\n" % target) from None
        covering = [dm for dm in entries if dm.prefix.covers(want)]
        shown = sorted(covering, key=lambda dm: -dm.prefix.plen)[:1]
    else:
        shown = entries
    lsb = max((len(dm.locators) for dm in entries), default=0)
    lines = ["LISP ETR %s Mapping Database for LISP 0 EID-table %s (IID %d), LSBs: 0x%X" % (
        "IPv4" if afi == "ipv4" else "IPv6", _table_name(router, iid), iid, (1 << lsb) - 1),
        "Entries total %d, no-route 0, inactive 0, do-not-register 0" % len(entries), ""]
    for dm in shown:
        lines.append("%s, locator-set %s" % (prefix_text(dm.prefix), dm.locator_set))
        lines.append("  Uptime: %s, Last-change: %s" % (since(now, dm.created), since(now, dm.changed)))
        lines.append("  Domain-ID: local")
        lines.append("  Service-Insertion: N/A")
        lines += _db_locator_rows(router, dm)
    return _join(lines)


def database_oldstyle(router, iid: int, now: float) -> str:
    """``show ip lisp database`` (IOS 15 layout)."""
    entries = _db_entries(router, iid, "ipv4")
    lsb = max((len(dm.locators) for dm in entries), default=0)
    lines = ["LISP ETR IPv4 Mapping Database for EID-table %s (IID %d), LSBs: 0x%X, %d entries" % (
        _table_name(router, iid), iid, (1 << lsb) - 1, len(entries)), ""]
    for dm in entries:
        lines.append("%s, locator-set %s" % (prefix_text(dm.prefix), dm.locator_set))
        lines += _db_locator_rows(router, dm)
    return _join(lines)


# -- sites (Map-Server) ----------------------------------------------------------------------

def _site_rows(site, iid: int | None, afi: str | None):
    """(prefix, registration or None, configured accept-more-specifics or None) in table order."""
    keys = set(site.eid_records) | set(site.registrations)
    for p in sorted(keys):
        if (iid is not None and p.iid != iid) or (afi is not None and p.afi != afi):
            continue
        yield p, site.registrations.get(p), site.eid_records.get(p)


def site_table(router, now: float, iid: int | None = None, afi: str | None = None) -> str:
    """``show lisp site`` (IOS-XE 17 layout)."""
    lines = ["LISP Site Registration Information",
             "* = Some locators are down or unreachable",
             "# = Some registrations are sourced by reliable transport",
             "",
             "Site Name      Last      Up     Who Last             Inst     EID Prefix",
             "               Register         Registered           ID"]
    ms = router.map_server
    for site in (ms.sites.values() if ms is not None else ()):
        name = site.name
        rows = list(_site_rows(site, iid, afi))
        if not rows:
            continue
        if len(name) > 14:
            lines.append(name)
            name = ""
        for p, reg, _cfg in rows:
            etr = reg.latest() if reg is not None else None
            if etr is None:
                last, up, who = "never", "no", "--"
                gone = site.history.get(p)  # registered once, expired or withdrawn since
                if gone is not None:
                    last, who = since(now, gone[0]), "%s:%d" % gone[1]
            else:
                last, up, who = since(now, etr.last_registered), "yes", "%s:%d" % etr.source
            down = etr is not None and any(not l.reachable for l in etr.locators)
            head = "%s%s%s" % (name.ljust(15), last.ljust(10), (up + ("*" if down else "")).ljust(7))
            tail = "%s%s" % (str(p.iid).ljust(9), prefix_text(p))
            if len(who) > 20:
                lines.append(head + who)
                lines.append(" " * 53 + tail)
            else:
                lines.append(head + who.ljust(21) + tail)
            name = ""
    return _join(lines)


def _hex_groups(value: bytes) -> str:
    return "-".join("0x%08X" % int.from_bytes(value[i:i + 4], "big") for i in range(0, len(value), 4))


def _nonce(n: int) -> str:
    return "0x%08X-0x%08X" % (n >> 32, n & 0xFFFFFFFF)


def _site_id(value) -> str:
    return "unspecified" if not value or not any(value) else "%d" % int.from_bytes(value, "big")


def _prefix_block(site, p, reg, cfg, now: float, oldstyle: bool) -> list[str]:
    etrs = sorted(reg.etrs.values(), key=lambda e: -e.last_registered) if reg is not None else []
    head = "  EID-prefix: %s " % prefix_text(p) if oldstyle and p.iid == 0 else \
        "  EID-prefix: %s instance-id %d" % (prefix_text(p), p.iid)
    if cfg is not None:
        origin = "Configuration, accepting more specifics" if cfg else "Configuration"
    else:
        parent = site.allows(p)
        origin = "Dynamic, more specific of %s" % prefix_text(parent) if parent is not None else "Dynamic"
    latest = etrs[0] if etrs else None
    lines = [head, "    First registered:     %s" % since(now, reg.first_registered if reg else None)]
    if not oldstyle:
        gone = site.history.get(p) if latest is None else None  # the last registration, expired since
        lines.append("    Last registered:      %s" % since(now, latest.last_registered if latest else gone[0] if gone else None))
    lines += ["    Routing table tag:    0",
              "    Origin:               %s" % origin,
              "    Merge active:         No",
              "    Proxy reply:          %s" % ("Yes" if any(e.proxy_reply for e in etrs) else "No")]
    if not oldstyle:
        lines += ["    Skip Publication:     No", "    Force Withdraw:       No"]
    lines += ["    TTL:                  %s" % (duration(latest.ttl_min * 60) if latest else "00:00:00"),
              "    State:                %s" % ("complete" if latest else "unknown")]
    if not oldstyle:
        lines.append("    Extranet IID:         Unspecified")
    lines += ["    Registration errors:  " if oldstyle else "    Registration errors:",
              "      Authentication failures:   %d" % site.auth_failures,
              "      Allowed locators mismatch: %d" % site.allowed_locator_mismatches]
    for e in etrs:
        who = e.source[0] if oldstyle else "%s:%d" % e.source
        first = "    ETR %s, " % who
        pad = " " * len(first)
        lines.append("%slast registered %s, %s, %s" % (first, since(now, e.last_registered),
                                                       "proxy-reply" if e.proxy_reply else "no proxy-reply",
                                                       "map-notify" if e.want_map_notify else "no map-notify"))
        lines.append("%sTTL %s, no merge, hash-function %s, nonce %s" % (pad, duration(e.ttl_min * 60),
                                                                         e.hash_function, _nonce(e.nonce)))
        lines.append("%sstate complete, no security-capability" % pad)
        lines.append("%sxTR-ID %s" % (pad, _hex_groups(e.xtr_id) if e.xtr_id else "unspecified"))
        lines.append("%ssite-ID %s" % (pad, _site_id(e.site_id)))
        if not oldstyle:
            lines += ["%sDomain-ID local" % pad, "%sMultihoming-ID unspecified" % pad]
        width = max(max((len(l.address) for l in e.locators), default=7) + 2, 9)
        lines.append("      %sLocal  State      Pri/Wgt%s" % ("Locator".ljust(width), "" if oldstyle else "  Scope"))
        for l in e.locators:
            state = "up" if l.reachable else "down"
            local = "yes" if l.local else "no"
            if oldstyle:
                lines.append("      %s%s%s%3d/%-3d" % (l.address.ljust(width), local.ljust(7), state.ljust(11),
                                                       l.priority, l.weight))
            else:
                scope = "IPv4 none" if ":" not in l.address else "IPv6 none"
                lines.append("      %s%s%s%s%s" % (l.address.ljust(width), local.ljust(7), state.ljust(11),
                                                   ("%3d/%d" % (l.priority, l.weight)).ljust(9), scope))
    return lines


def _allowed(site) -> str:
    return ", ".join(sorted(site.allowed_locators)) if site.allowed_locators else "any"


def site_name(router, name: str, now: float) -> str:
    """``show lisp site name X`` (IOS 15 layout, as in the lab write-up)."""
    ms = router.map_server
    site = ms.sites.get(name) if ms is not None else None
    if site is None:
        return "%% Could not find site %s\n" % name
    lines = ["Site name: %s" % site.name, "Allowed configured locators: %s" % _allowed(site), "Allowed EID-prefixes:"]
    for p, reg, cfg in _site_rows(site, None, None):
        lines += _prefix_block(site, p, reg, cfg, now, oldstyle=True)
    return _join(lines)


def site_detail(router, now: float, name: str | None = None, target: str | None = None, iid: int = 0,
                scope: tuple | None = None, etr: str | None = None) -> str:
    """``show lisp site detail`` / ``show lisp site PREFIX [instance-id N]`` and ``show lisp
    instance-id N ipv4 server detail|name X|etr-address A|PREFIX`` (IOS-XE 17 layout); ``scope`` is
    (instance, family) of the ``server`` forms, ``etr`` keeps the prefixes that ETR registered."""
    ms = router.map_server
    lines = ["LISP Site Registration Information", ""]
    want = None
    if target is not None:
        try:
            want = parse_prefix(target, iid)
            if "/" not in target:
                want = EidPrefix(iid, want.afi, want.addr, MAX_LEN[want.afi])
        except ValueError:
            raise _CliError("%% Invalid address: %s\n" % target) from None
    first = True
    for site in (ms.sites.values() if ms is not None else ()):
        if name is not None and site.name != name:
            continue
        rows = list(_site_rows(site, *(scope or (None, None))))
        if etr is not None:
            rows = [r for r in rows if r[1] is not None and any(e.source[0] == etr for e in r[1].etrs.values())]
            if not rows:
                continue
        if scope is not None and not rows:
            continue
        if want is not None:
            covering = [r for r in rows if EidPrefix(r[0].iid, r[0].afi, r[0].addr, r[0].plen).covers(want)]
            rows = sorted(covering, key=lambda r: -r[0].plen)[:1]
            if not rows:
                continue
        if not first:
            lines.append("")
        first = False
        lines += ["Site name: %s" % site.name] + (["Description: %s" % site.description] if site.description else [])
        lines += ["Allowed configured locators: %s" % _allowed(site), _replay_line(site, now),
                  "Requested EID-prefix:" if want is not None else "Allowed EID-prefixes:", ""]
        for p, reg, cfg in rows:
            lines += _prefix_block(site, p, reg, cfg, now, oldstyle=False)
    return _join(lines)


def _replay_line(site, now: float) -> str:
    """Map-Registers refused as replays and same-nonce refreshes accepted (RFC 9301 §5.6; see
    core.replay). IOS-XE has no such line; its parsers skip it."""
    last = ""
    if site.last_replay is not None:
        when, (address, port) = site.last_replay
        last = ", last refused from %s:%d %s ago" % (address, port, since(now, when))
    return "Map-Register replays: %d refused, %d same-nonce refreshes%s" % (site.replays, site.refreshes, last)


def site_summary(router, now: float, iid: int | None = None) -> str:
    """``show lisp site summary [instance-id N | eid-table ...]`` (IOS-XE 17 layout)."""
    ms = router.map_server
    sites = list(ms.sites.values()) if ms is not None else []
    lines = [" " * 21 + "%s %s %s " % ("----------- IPv4 -----------", "----------- IPv6 -----------",
                                       "----------- MAC -----------"),
             "Site name            Configured Registered Incons Configured Registered Incons Configured Registered Incons"]
    totals = {"ipv4": [0, 0], "ipv6": [0, 0]}
    registered_sites = 0
    for site in sites:
        row = site.name.ljust(21) if len(site.name) < 21 else site.name + " "
        cells = []
        for afi in ("ipv4", "ipv6"):
            conf = sum(1 for p in site.eid_records if p.afi == afi and iid in (None, p.iid))
            reg = sum(1 for p, r in site.registrations.items() if p.afi == afi and r.etrs and iid in (None, p.iid))
            totals[afi][0] += conf
            totals[afi][1] += reg
            cells.append("%10d %10d %6d" % (conf, reg, 0))
        cells.append("%10d %10d %6d" % (0, 0, 0))
        lines.append(row + " ".join(cells))
        if any(r.etrs for p, r in site.registrations.items() if iid in (None, p.iid)):
            registered_sites += 1

    def line(label, value):
        return "%s%*s" % (label, 57 - len(label), value)

    lines += ["",
              line("Site-registration limit for router lisp 0:", 0),
              line("Site-registration count for router lisp 0:", totals["ipv4"][1] + totals["ipv6"][1]),
              line("Number of address-resolution entries:", 0),
              line("Number of configured sites:", len(sites)),
              line("Number of registered sites:", registered_sites),
              line("Sites with inconsistent registrations:", 0)]
    for afi, label in (("ipv4", "IPv4"), ("ipv6", "IPv6")):
        if afi == "ipv4" or totals[afi][0] or totals[afi][1]:
            lines += [label, line("  Number of configured EID prefixes:", totals[afi][0]),
                      line("  Number of registered EID prefixes:", totals[afi][1])]
    return _join(lines)


def server_summary(router, iid: int, afi: str) -> str:
    """``show lisp instance-id N ipv4 server summary`` (IOS-XE 17 layout): the Map-Server's sites in
    one EID table and address family. Every configured site has a row, with 0 where it has nothing
    in this instance, as IOS-XE prints it."""
    ms = router.map_server
    sites = list(ms.sites.values()) if ms is not None else []
    label = "IPv4" if afi == "ipv4" else "IPv6"
    lines = [" " * 21 + "-----------  %s ----------- " % label, " Site name            Configured Registered Incons"]
    conf_total = reg_total = registered_sites = history = 0
    for site in sites:
        conf = sum(1 for p in site.eid_records if p.iid == iid and p.afi == afi)
        reg = sum(1 for p, r in site.registrations.items() if p.iid == iid and p.afi == afi and r.etrs)
        history += sum(1 for p in site.history if p.iid == iid and p.afi == afi)
        conf_total += conf
        reg_total += reg
        registered_sites += 1 if reg else 0
        lines.append("%s%10d %10d %6d" % (site.name.ljust(21) if len(site.name) < 21 else site.name + " ", conf, reg, 0))
    # the site-registration count is the router's, over every instance (as in IOS-XE's output)
    count = sum(1 for site in sites for r in site.registrations.values() if r.etrs)

    def line(text, value):
        return "%s%*s" % (text, 57 - len(text), value)

    lines += ["",
              line("Site-registration limit for router lisp 0:", 0),
              line("Site-registration count for router lisp 0:", count),
              line("Number of configured sites:", len(sites)),
              line("Number of registered sites:", registered_sites),
              line("Sites with inconsistent registrations:", 0),
              label,
              line("  Number of configured EID prefixes:", conf_total),
              line("  Number of registered EID prefixes:", reg_total),
              line("  Instance-Service site-registration limit:", 0),
              # the history keeps each prefix's last registration (core.map_server Site.history), with no
              # limit: 0, as IOS-XE writes "no limit" in its other limit rows
              "  Registration-history size/limit:".ljust(56) + "%d/0" % history]
    return _join(lines)


def rloc_members(router, iid: int, afi: str) -> str:
    """``show lisp instance-id N ipv4 server rloc members`` (IOS-XE 17 layout): the RLOCs of the ETRs
    registered in this EID table and family, in the order the Map-Server holds them. The router does
    not distribute the membership to its xTRs (no decapsulation filter): "Distribution disabled"."""
    members = []
    ms = router.map_server
    for site in (ms.sites.values() if ms is not None else ()):
        for p, reg in site.registrations.items():
            if p.iid != iid or p.afi != afi:
                continue
            for etr in reg.etrs.values():
                for loc in etr.locators:
                    if loc.address not in members:
                        members.append(loc.address)
    lines = ["LISP RLOC Membership for router lisp 0 IID %d" % iid,
             "Entries: %d valid / %d total, Distribution disabled" % (len(members), len(members)), "",
             "RLOC".ljust(40) + "Origin".ljust(29) + "Valid"]
    lines += [a.ljust(40) + "Registration".ljust(29) + "Yes" for a in members]
    return _join(lines)


# -- sessions, service, show lisp ------------------------------------------------------------

SESSION_UP_FOR = 180.0  # a peer heard from within the registration timeout counts as Up


def _sessions(router, now: float):
    out = []
    for peer in sorted(router.peers, key=lambda p: (addr_to_int(p[0]), p[1])):
        st = router.peers[peer]
        up = st["last_in"] is not None and now - st["last_in"] <= SESSION_UP_FOR
        out.append((peer, st, up))
    return out


def sessions(router, now: float, established: bool = False, peer: str | None = None) -> str:
    """``show lisp session`` (IOS-XE 17 layout). We speak LISP over UDP only, so a "session" is a
    registration peer (ETR <-> Map-Server): Up while heard from in the last 180 s; In/Out count
    the Map-Registers/Map-Notifies exchanged."""
    rows = _sessions(router, now)
    lines = ["Sessions for VRF default, total: %d, established: %d" % (len(rows), sum(1 for r in rows if r[2])),
             "Peer                           State      Up/Down        In/Out   Users  RTT(ms)"]
    for (addr, port), st, up in rows:
        if (established and not up) or (peer is not None and addr != peer):
            continue  # show lisp session established | RLOC
        users, rtt = _session_use(router, addr, port)
        lines.append("%s%s%s%s%s%d" % (("%s:%d" % (addr, port)).ljust(31), ("Up" if up else "Down").ljust(11),
                                       since(now, st["since"]).ljust(15), ("%2d/%d" % (st["in"], st["out"])).ljust(9),
                                       str(users).ljust(7), rtt))
    return _join(lines)


def _session_use(router, addr: str, port: int) -> tuple[int, int]:
    """(users, RTT in ms) of a registration peer. Users: the EID-prefixes registered over it (an
    ETR's database towards its Map-Server; on a Map-Server, the registrations last sourced from
    the peer). RTT: an ETR's last Map-Register to the Map-Notify answering it; a Map-Server sends
    nothing that is answered, so 0 there."""
    users = rtt = 0
    peer = router.etr.map_servers.get(addr) if router.etr is not None else None
    if peer is not None:
        users += len(router.etr.database)
        if peer.last_notify is not None and peer.last_sent is not None and peer.last_notify >= peer.last_sent:
            rtt = round((peer.last_notify - peer.last_sent) * 1000)
    if router.map_server is not None:
        users += sum(1 for site in router.map_server.sites.values() for reg in site.registrations.values()
                     for e in reg.etrs.values() if e.source == (addr, port))
    return users, rtt


def _en(flag: bool) -> str:
    return "enabled" if flag else "disabled"


def service(router, afi: str, now: float, iid: int | None = None) -> str:
    """``show lisp service ipv4`` and, with ``iid``, ``show lisp instance-id N ipv4`` (IOS-XE 17 layouts)."""
    svc = None
    lisp = getattr(router.config, "lisp", None)
    if lisp is not None:
        svc = lisp.services.get(afi)
    # the roles of this address family's `service ipvN`: none without one
    f = {name: bool(getattr(svc, name, False)) for name in ("itr", "etr", "map_server", "map_resolver", "proxy_etr")}
    probing = router.itr is not None and router.itr.rloc_probing

    def row(label, value):
        return "  %s%s" % ((label + ":").ljust(42), value)

    def rows(label, values):
        values = list(values) or ["*** NOT FOUND ***"]
        out = [row(label, values[0])]
        out += [" " * 44 + v for v in values[1:]]
        return out

    pitr = "enabled RLOCs: %s" % ", ".join(svc.proxy_itr) if svc is not None and svc.proxy_itr else "disabled"
    if iid is None:
        lines = ["Information applicable to all EID instances:"]
    else:
        lines = [row("Instance ID", str(iid))]
    lines += [row("Router-lisp ID", "0"), row("Locator table", "default")]
    if iid is not None:
        lines.append(row("EID table", _table_name(router, iid)))
    lines += [row("Ingress Tunnel Router (ITR)", _en(f.get("itr", False))),
              row("Egress Tunnel Router (ETR)", _en(f.get("etr", False))),
              row("Proxy-ITR Router (PITR)", pitr),
              row("Proxy-ETR Router (PETR)", _en(f.get("proxy_etr", False))),
              row("NAT-traversal Router (NAT-RTR)", "disabled"),
              row("Mobility First-Hop Router", "disabled"),
              row("Map Server (MS)", _en(f.get("map_server", False))),
              row("Map Resolver (MR)", _en(f.get("map_resolver", False))),
              row("Mr-use-petr", "disabled"),
              row("First-Packet pETR", "disabled"),
              row("Multiple IP per MAC support", "disabled"),
              row("Delegated Database Tree (DDT)", "disabled"),
              row("Multicast Flood Access-Tunnel", "disabled"),
              row("Publication-Subscription", "disabled")]
    if iid is not None:
        lines += [row("Site Registration Limit", "0"), row("Map-Request source", "derived from EID destination")]
    servers = list(svc.map_servers) if svc is not None else []
    if iid is not None and router.etr is not None:
        # the time each Map-Server has been registered with, as IOS-XE shows it per instance
        peers = router.etr.map_servers
        servers = ["%s (%s)" % (a, since(now, peers[a].since)) if a in peers else a for a in servers]
    lines += rows("ITR Map-Resolver(s)", svc.map_resolvers if svc is not None else ())
    lines += rows("ETR Map-Server(s)", servers)
    lines += [row("xTR-ID", _hex_groups(router.xtr_id)), row("site-ID", "unspecified"),
              row("ITR local RLOC (last resort)", router.rloc)]
    if svc is not None and svc.use_petr:
        lines.append(row("ITR use proxy ETR RLOC(Encap IID)", ", ".join(svc.use_petr)))  # one line, as IOS-XE
    lines += [row("ITR Solicit Map Request (SMR)", "accept and process"),
              row("  Max SMRs per map-cache entry", "8 more specifics"),
              # RFC 9301 §6.1: SMRs are rate-limited (itr.SMR_INTERVAL); the suppression time is that limit
              row("  Multiple SMR suppression time", "%d secs" % SMR_INTERVAL),
              row("ETR accept mapping data", "disabled, verify disabled"),
              row("ETR map-cache TTL", duration(RECORD_TTL * 60)),
              "  Locator Status Algorithms:",
              row("  RLOC-probe algorithm", "enabled" if probing else "disabled"),
              row("  RLOC-probe on route change", "disabled" if probing else "N/A (periodic probing disabled)"),
              row("  RLOC-probe on member change", "disabled"),
              row("  LSB reports", "process"),
              row("  IPv4 RLOC minimum mask length", "/0"),
              row("  IPv6 RLOC minimum mask length", "/0"),
              "  Map-cache:"]
    if iid is None:
        lines += [row("  Map-cache limit", "4294967295"),
                  row("  Map-cache activity check period", "60 secs"),
                  row("  Persistent map-cache", "disabled"),
                  "  Database:",
                  row("  Dynamic database mapping limit", "4294967295")]
        return _join(lines)
    static = sum(1 for e in router.map_cache.entries(iid, afi) if e.via == "static")
    db = len(_db_entries(router, iid, afi))
    lines += [row("  Static mappings configured", str(static)),
              row("  Map-cache size/limit", "%d/4294967295" % router.map_cache.count(iid, afi)),
              row("  Imported route count/limit", "0/5000"),
              row("  Map-cache activity check period", "60 secs"),
              row("  Map-cache signal suppress", "disabled"),
              row("  Conservative-allocation", "disabled"),
              row("  Map-cache FIB updates", "established"),
              row("  Persistent map-cache", "disabled"),
              row("  Map-cache activity-tracking", "enabled"),
              "  Database:",
              row("  Total database mapping size", str(db)),
              row("  static database size/limit", "%d/4294967295" % db),
              row("  dynamic database size/limit", "0/4294967295"),
              row("  route-import database size/limit", "0/5000"),
              row("  import-site-reg database size/limit", "0/4294967295"),
              row("  dummy database size/limit", "0/4294967295"),
              row("  import-publication database size/limit", "0/4294967295"),
              row("  proxy database size", "0"),
              row("  Inactive (deconfig/away) size", "0"),
              "  Publication entries exported to:",
              row("  Map-cache", "0"), row("  RIB", "0"), row("  Database", "0"), row("  Prefix-list", "0"),
              "  Site-registeration entries exported to:",
              row("  Map-cache", "0"), row("  RIB", "0"),
              row("Encapsulation type", "lisp")]
    return _join(lines)


def _recent_registers(router, now: float, window: float) -> int:
    """Map-Registers accepted within ``window`` seconds: the ETR registrations refreshed since."""
    ms = router.map_server
    if ms is None:
        return 0
    return sum(1 for site in ms.sites.values() for reg in site.registrations.values() for e in reg.etrs.values()
               if now - e.last_registered <= window)


def _stat_replies_registers_notifies(router, registers: str, row, io, zero) -> list:
    """The Map-Request forwarding, Map-Reply, Map-Register and Map-Notify rows that both statistics
    layouts share (``row``/``io``/``zero`` set the layout's column)."""
    c = router.counters
    replies_out = c["etr_map_reply_out"] + c["map_reply_proxy"] + c["map_reply_negative"]
    return [
        row("Map-Resolver Map-Requests forwarded",
            c["map_request_forwarded"] if router.map_resolver is not None and router.map_server is None else 0, 4),
        row("Map-Server Map-Requests forwarded", c["map_request_forwarded"] if router.map_server is not None else 0, 4),
        io("Map-Reply records in/out", c["map_reply_in"], replies_out),
        io("Authoritative records in/out", 0, c["etr_map_reply_out"], 4),
        io("Non-authoritative records in/out", 0, c["map_reply_proxy"], 4),
        io("Negative records in/out", 0, c["map_reply_negative"], 4),
        io("RLOC-probe records in/out", c["rloc_probe_reply_in"], 0, 4),
        row("Map-Server Proxy-Reply records out", c["map_reply_proxy"], 4),
        zero("WLC Map-Subscribe records in/out", 2), zero("Map-Subscribe failures in/out", 4),
        zero("WLC Map-Unsubscribe records in/out", 2), zero("Map-Unsubscribe failures in/out", 4),
        io("Map-Register records in/out", c["map_register_in"], c["map_register_out"]),
        row("Map-Registers in (5 sec/1 min/5 min)", registers, 4),
        row("Map-Server AF disabled", 0, 4),
        row("Not valid site eid prefix", c["map_register_no_site"] + c["map_register_prefix_rejected"], 4),
        row("Authentication failures", c["map_register_auth_failures"], 4),
        row("Disallowed locators", c["map_register_locator_mismatch"], 4),
        row("Miscellaneous", c["map_register_dropped"], 4),
        zero("WLC Map-Register records in/out", 2), zero("WLC AP Map-Register in/out", 4),
        zero("WLC Client Map-Register in/out", 4), zero("WLC Map-Register failures in/out", 4),
        io("Map-Notify records in/out", c["map_notify_in"], c["map_notify_out"]),
        row("Authentication failures", c["map_notify_auth_failures"], 4),
        zero("WLC Map-Notify records in/out", 2), zero("WLC AP Map-Notify in/out", 4),
        zero("WLC Client Map-Notify in/out", 4), zero("WLC Map-Notify failures in/out", 4),
    ]


def _stat_errors(c, row) -> list:
    """The ``Errors:`` block of the EID statistics, in both layouts."""
    return [
        "Errors:",
        row("Mapping record TTL alerts", 0),
        row("Map-Request invalid source rloc drops", c["map_request_dropped"]),
        row("Map-Register invalid source rloc drops", c["map_register_locator_mismatch"]),
        row("DDT Requests failed", 0),
        row("DDT ITR Map-Requests dropped", "0 (nonce-collision: 0, bad-xTR-nonce: 0)"),
    ]


def _stat_forwarding_rloc_misc(c, row, zero) -> list:
    """From ``Forwarding:`` to the end (RLOC and miscellaneous statistics), in both layouts."""
    return [
        "Forwarding:",
        row("Number of data signals processed", "%d (+ dropped 0)" % c["itr_drop_map_cache_miss"]),
        row("Number of reachability reports", "0 (+ dropped 0)"),
        row("Number of SMR signals dropped", c["smr_dropped"] + c["smr_rate_limited"]),
        "LISP RLOC Statistics - last cleared: never",
        "Control Packets:",
        row("RTR Map-Requests forwarded", 0), row("RTR Map-Notifies forwarded", 0),
        zero("DDT-Map-Requests in/out", 2), zero("DDT-Map-Referrals in/out", 2),
        "Errors:",
        row("Map-Request format errors", c["map_request_dropped"]),
        row("Map-Reply format errors", c["map_reply_dropped"]),
        row("Map-Referral format errors", 0),
        "LISP Miscellaneous Statistics - last cleared: never",
        "Errors:",
        row("Invalid IP version drops", c["data_malformed_dropped"]),
        row("Invalid IP header drops", 0),
        row("Invalid IP proto field drops", 0),
        row("Invalid packet size drops", 0),
        row("Invalid LISP control port drops", 0),
        row("Invalid LISP checksum drops", 0),
        row("Unsupported LISP packet type drops", c["control_unsupported_dropped"]),
        row("Unknown packet drops", c["malformed_dropped"])
    ]


def statistics(router, iid: int, afi: str, now: float) -> str:
    """``show lisp instance-id N ipv4 statistics`` (IOS-XE 17 layout), from the router's counters.

    The router counts control messages for all its instances together, so the control and error
    lines of every instance show the same totals; the cache lines are this instance's own. Features
    the router does not have (WLC, publish-subscribe, DDT, RTR) show 0, which is what they did; the
    Map-Request rate is not kept and shows 0/0/0."""
    c = router.counters
    entries = list(router.map_cache.entries(iid, afi))
    positive = [e for e in entries if e.locators]
    rlocs = sum(len(e.locators) for e in positive)
    if router.map_resolver is not None:
        ecm_in = c["map_resolver_requests"]
    else:
        ecm_in = c["map_request_in"]
    etr_in = c["etr_map_reply_out"] + c["etr_map_request_dropped"]

    def row(label, value, indent=2):
        return "%s%s %s" % (" " * indent, (label + ":").ljust(49 - indent), value)

    def io(label, a, b, indent=2):
        return row(label, "%d/%d" % (a, b), indent)

    def zero(label, indent):
        return io(label, 0, 0, indent)

    registers = "%d/%d/%d" % tuple(_recent_registers(router, now, w) for w in (5, 60, 300))
    lines = ["LISP EID Statistics for instance ID %d - last cleared: never" % iid,
             "Control Packets:",
             io("Map-Requests in/out", ecm_in + etr_in + c["smr_in"], c["map_request_out"] + c["rloc_probe_out"] + c["smr_out"]),
             row("Map-Requests in (5 sec/1 min/5 min)", "0/0/0", 4),
             io("Encapsulated Map-Requests in/out", ecm_in, c["map_request_out"], 4),
             io("RLOC-probe Map-Requests in/out", 0, c["rloc_probe_out"], 4),
             io("SMR-based Map-Requests in/out", c["smr_in"], c["smr_out"], 4),
             "    %s%d/%d" % ("Map-Requests expired on-queue/no-reply".ljust(46), 0, c["map_request_retransmit"]),
             *_stat_replies_registers_notifies(router, registers, row, io, zero),
             zero("Subscription Request records in/out", 2), zero("IID subscription requests in/out", 4),
             zero("Pub-refresh subscription requests in/out", 4), zero("Policy subscription requests in/out", 4),
             zero("Subscription Request failures in/out", 4),
             zero("Subscription Status records in/out", 2), zero("End of Publication records in/out", 4),
             zero("Subscription rejected records in/out", 4), zero("Subscription removed records in/out", 4),
             zero("Subscription Status failures in/out", 4),
             zero("Solicit Subscription records in/out", 2), zero("Solicit Subscription failures in/out", 4),
             zero("Publication records in/out", 2), zero("Publication failures in/out", 4),
             *_stat_errors(c, row),
             "Cache Related:",
             io("Cache entries created/deleted", c["map_cache_installed"], c["map_cache_expired"]),
             "  %s%d" % ("NSF CEF replay entry count".ljust(48), 0),
             row("Number of EID-prefixes in map-cache", len(entries)),
             row("Number of rejected EID-prefixes due to limit", 0),
             row("Number of times signal suppression was turned on", 0),
             row("Time since last signal suppressed change", "never"),
             row("Number of negative entries in map-cache", len(entries) - len(positive)),
             row("Total number of RLOCs in map-cache", rlocs),
             row("Average RLOCs per EID-prefix", rlocs // len(positive) if positive else 0),
             row("Policy active entries", 0),
             *_stat_forwarding_rloc_misc(c, row, zero)]
    return _join(lines)


def service_statistics(router, afi: str, now: float) -> str:
    """``show lisp service ipv4 statistics`` (IOS-XE 17 layout): the router's control counters for
    all EID instances together, which is how the router counts them; the per-instance cache lines of
    ``show lisp instance-id N ipv4 statistics`` are not in this form, as on IOS-XE. Publish-subscribe,
    WLC, extranet and DDT, which the router does not have, show 0."""
    c = router.counters
    if not any(a == afi for _i, a in router.roles):
        # the wording of IOS-XE for an instance without the family ("% EID table not enabled for MAC.")
        return "%% EID table not enabled for %s.\n" % ("IPv4" if afi == "ipv4" else "IPv6")
    ecm_in = c["map_resolver_requests"] if router.map_resolver is not None else c["map_request_in"]
    etr_in = c["etr_map_reply_out"] + c["etr_map_request_dropped"]

    def row(label, value, indent=2, colon=True):
        return "%s%s%s" % (" " * indent, (label + (":" if colon else "")).ljust(52 - indent), value)

    def io(label, a, b, indent=2):
        return row(label, "%d/%d" % (a, b), indent)

    def zero(label, indent):
        return io(label, 0, 0, indent)

    registers = "%d/%d/%d" % tuple(_recent_registers(router, now, w) for w in (5, 60, 300))
    lines = ["LISP EID Statistics for all EID instances - last cleared: never",
             "Control Packets:",
             io("Map-Requests in/out", ecm_in + etr_in + c["smr_in"], c["map_request_out"] + c["rloc_probe_out"] + c["smr_out"]),
             row("Map-Requests in (5 sec/1 min/5 min)", "0/0/0", 4),
             io("Encapsulated Map-Requests in/out", ecm_in, c["map_request_out"], 4),
             io("RLOC-probe Map-Requests in/out", 0, c["rloc_probe_out"], 4),
             io("SMR-based Map-Requests in/out", c["smr_in"], c["smr_out"], 4),
             row("Extranet SMR cross-IID Map-Requests in", 0, 4),
             row("Map-Requests expired on-queue/no-reply", "0/%d" % c["map_request_retransmit"], 4, colon=False),
             *_stat_replies_registers_notifies(router, registers, row, io, zero),
             "  Publish-Subscribe in/out:",
             zero("Subscription Request records in/out", 4), zero("IID subscription requests in/out", 6),
             zero("Pub-refresh subscription requests in/out", 6), zero("Policy subscription requests in/out", 6),
             zero("Subscription Request failures in/out", 4),
             zero("Subscription Status records in/out", 4), zero("End of Publication records in/out", 6),
             zero("Subscription rejected records in/out", 6), zero("Subscription removed records in/out", 6),
             zero("Subscription Status failures in/out", 4),
             zero("Solicit Subscription records in/out", 4), zero("Solicit Subscription failures in/out", 4),
             zero("Publication records in/out", 4), zero("Publication failures in/out", 4),
             *_stat_errors(c, row),
             "Cache Related:",
             io("Cache entries created/deleted", c["map_cache_installed"], c["map_cache_expired"]),
             row("NSF CEF replay entry count", 0, colon=False),
             row("Number of rejected EID-prefixes due to limit", 0),
             *_stat_forwarding_rloc_misc(c, row, zero)]
    return _join(lines)


def _fwd_action(router, entry) -> str:
    """The forwarding action of a map-cache entry as the data plane applies it (core.itr)."""
    if entry.locators:
        return "encap"
    if entry.action == ACTION_SEND_MAP_REQUEST:
        return "signal"  # a packet that matches asks the control plane for a Map-Request
    if entry.action == ACTION_NATIVE:
        # RFC 9301 §5.4 (use-petr): forward-native entries go to the proxy ETR when one is configured
        return "encap" if router.itr is not None and router.itr.use_petr else "native"
    return "drop"


def forwarding_eid_remote(router, iid: int, afi: str) -> str:
    """``show lisp instance-id N ipv4 forwarding eid remote`` (IOS-XE 17 layout): the data plane's
    entries for the map-cache, with each entry's packet and byte counts. Locator status bits: one bit
    per locator of the entry, set while it is up (RFC 9300 §5.3 numbering); encap IID N/A, as the
    router encapsulates with the entry's own instance-id."""
    lines = ["Prefix                 Fwd action  Locator status bits   encap_iid"]
    for e in _entries(router, iid, afi):
        lsb = sum(1 << i for i, l in enumerate(e.locators) if l.state == "up")
        lines.append("%s%s%s%s" % (prefix_text(e.prefix).ljust(23), _fwd_action(router, e).ljust(12),
                                   ("0x%08x" % lsb).ljust(22), "N/A"))
        lines.append("  %s%d/%d" % ("packets/bytes".ljust(20), e.packets_out, e.bytes_out))
    return _join(lines)


def forwarding_state(router, iid: int, afi: str) -> str:
    """``show lisp instance-id N ipv4 forwarding state`` / ``show ip lisp instance-id N forwarding
    state`` (IOS-XE 17 layout): the data plane's settings of one EID table, both address families
    and L2, whichever the command names."""
    if iid not in router.eid_tables:
        raise _CliError("%% LISP instance-id %d is not configured.\n" % iid)
    name = _table_name(router, iid)
    vrf = "Default" if name == "default" else name[4:]
    # the router numbers its EID VRFs itself: 0 the default table, then the VRF tables in order
    vrfs = sorted(n for n in router.eid_tables.values() if n != "default")
    vrf_id = 0 if name == "default" else vrfs.index(name) + 1

    def row(label, value, indent=6):
        return "%s%s%s" % (" " * indent, label.ljust(25), value)

    lines = ["LISP forwarding state for EID table %s:%s" % ("IPv4" if afi == "ipv4" else "IPv6", vrf),
             "  %s%d" % ("Instance ID".ljust(29), iid),
             "  %s%s (0x%X)" % ("EID VRF".ljust(29), vrf, vrf_id)]
    for family, label in (("ipv4", "IPv4"), ("ipv6", "IPv6")):
        roles = router.roles.get((iid, family), {})
        names = [n for key, n in (("is_itr", "ITR"), ("is_etr", "ETR"), ("is_pitr", "PITR"), ("is_petr", "PETR"),
                                  ("is_ms", "MS"), ("is_mr", "MR")) if roles.get(key)]
        lines += ["    " + label,
                  row("Configured roles", "|".join(names) or "DISABLED"),
                  row("EID table", "%s:%s" % (label, vrf)),
                  row("ALT table", "<null>"),
                  # RFC 9300 §5.3: the ITR writes the N and I bits; no L bit, so no Locator-Status-Bits,
                  # and no echo-nonce (RFC 9300 §10.1): its nonce is random per packet
                  row("Locator status bits", "Disabled"),
                  row("Nonce", "N/A"),
                  # the outer header is the UDP socket's: the inner TTL is not copied to it
                  row("TTL Propagation", "Disabled"),
                  row("Table Suppression", "Disabled"),
                  row("SGT Policy Fwd", "Disabled")]
    lines += ["    L2", row("Configured role", "DISABLED"), row("L2 Domain ID", "0"),
              row("IPv4 Unnum I/F", "N/A"), row("IPv6 Unnum I/F", "N/A"),
              "    %s%s" % ("RLOC transport VRF".ljust(27), "Default (0x0)"),
              row("IPv4 RLOC table", "IPv4:Default"), row("IPv6 RLOC table", "IPv6:Default"),
              row("IPv4 path MTU discovery", "min  576 max 65535"),
              row("IPv6 path MTU discovery", "min 1280 max 65535"),
              row("IPv4 RLOC fltr handle", "0x0"), row("IPv6 RLOC fltr handle", "0x0"),
              "    %s%s" % ("LISP router ID".ljust(27), "0"),
              "    %s%s" % ("LISP virtual interface".ljust(27), "LISP0.%d" % iid),
              "    %s%s" % ("User".ljust(27), "LISP")]
    return _join(lines)


def _role(router, iid: int, afi: str) -> str:
    roles = router.roles.get((iid, afi), {})
    names = [n for key, n in (("is_itr", "ITR"), ("is_etr", "ETR"), ("is_pitr", "PITR"), ("is_petr", "PETR"),
                              ("is_ms", "MS"), ("is_mr", "MR")) if roles.get(key)]
    return "-".join(names) or "none"


def service_summary(router, afi: str, now: float) -> str:
    """``show lisp service ipv4 summary`` (IOS-XE 17 layout)."""
    iids = sorted(router.eid_tables)
    lines = ["Router-lisp ID:   0", "Instance count:   %d" % len(iids),
             "Key: DB - Local EID Database entry count (@ - RLOC check pending",
             "                                          * - RLOC consistency problem),",
             "     DB no route - Local EID DB entries with no matching RIB route,",
             "     Cache - Remote EID mapping cache size, IID - Instance ID,",
             "     Role - Configured Role", "",
             "                      Interface    DB  DB no  Cache Incom Cache",
             "EID VRF name             (.IID)  size  route   size plete  Idle Role"]
    total_db = total_cache = 0
    for iid in iids:
        name = router.eid_tables[iid]
        name = name[4:] if name.startswith("vrf ") else name
        db = len(_db_entries(router, iid, afi))
        cache = router.map_cache.count(iid, afi)
        total_db += db
        total_cache += cache
        intf = "LISP0.%d" % iid  # IOS-XE names the EID table's interface LISP0.<IID>, instance 0 too
        lines.append("%s%10s%6d%7d%7d%6s%6s %s" % (name.ljust(21), intf, db, 0, cache, "0.0%", "0.0%", _role(router, iid, afi)))

    def line(label, value):
        return "%s%*s" % (label, 55 - len(label), value)

    lines += ["", line("Number of eid-tables:", len(iids)),
              line("Total number of database entries:", total_db) + " (inactive 0)",
              line("Maximum database entries:", 212992),
              line("EID-tables with inconsistent locators:", 0),
              line("Total number of map-cache entries:", total_cache),
              line("Maximum map-cache entries:", 212992),
              line("EID-tables with incomplete map-cache entries:", 0),
              line("EID-tables pending map-cache update to FIB:", 0)]
    return _join(lines)


def show_lisp(router, now: float) -> str:
    """``show lisp`` (IOS-XE 17 layout)."""
    lines = ["Router-lisp ID:        0", "Domain ID:             0", "Multihoming ID:        0",
             "Locator table:         default", "Locator default-set:   N/A",
             "EID instance count:    %d" % len(router.eid_tables),
             "Capability:            Instance-ID", "TCP path mtu discovery OFF"]
    return _join(lines)

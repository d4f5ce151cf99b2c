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
        if which not in ("ip", "lisp"):
            return None
        if which == "ip":
            if tokens.keyword(("lisp",), required=False) is None:
                return None
            text = _show_ip_lisp(router, tokens, now)
        else:
            text = _show_lisp(router, tokens, now)
    except _CliError as exc:
        return exc.text
    return _pipe(text, pipe) if pipe.strip() else text


def _pipe(text: str, pipe: str) -> str:
    m = re.match(r"\s*(\S+)\s+(.*\S)\s*$", pipe)
    if m is None:
        return text
    op, pattern = m.group(1).lower(), m.group(2)
    try:
        regex = re.compile(pattern)
    except re.error:
        return text
    lines = text.splitlines()
    if "include".startswith(op):
        lines = [line for line in lines if regex.search(line)]
    elif "exclude".startswith(op):
        lines = [line for line in lines if not regex.search(line)]
    elif "begin".startswith(op):
        for i, line in enumerate(lines):
            if regex.search(line):
                lines = lines[i:]
                break
        else:
            lines = []
    elif "section".startswith(op):
        out, keep = [], False
        for line in lines:
            if not line.startswith(" "):
                keep = bool(regex.search(line))
            if keep:
                out.append(line)
        lines = out
    return "\n".join(lines) + ("\n" if lines else "")


def _join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


# -- command trees ---------------------------------------------------------------------------

def _show_ip_lisp(router, t: _Tokens, now: float) -> str:
    """IOS 15 / early IOS-XE family: ``show ip lisp [instance-id N] map-cache|database``."""
    iid = 0
    kw = t.keyword(("map-cache", "database", "instance-id"))
    if kw == "instance-id":
        iid = _int(t)
        kw = t.keyword(("map-cache", "database"))
    if kw == "map-cache":
        target = None if t.done() else t.value()
        t.end()
        return map_cache_oldstyle(router, iid, target, now)
    t.end()
    return database_oldstyle(router, iid, now)


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


def _show_lisp(router, t: _Tokens, now: float) -> str:
    banner = ""
    if t.keyword(("all",), required=False) == "all":
        banner = "%s\nOutput for router lisp 0\n%s\n" % (BANNER, BANNER)
    kw = t.keyword(("site", "session", "service", "instance-id", "eid-table", "vrf"), required=False)
    if kw is None:
        t.end()
        return banner + show_lisp(router, now)
    if kw == "vrf":  # show lisp vrf default session
        t.value()
        kw = t.keyword(("session",))
    if kw == "session":
        t.end()
        return banner + sessions(router, now)
    if kw == "site":
        return banner + _site(router, t, now)
    if kw == "service":
        afi = _afi(t)
        if t.keyword(("summary",), required=False):
            t.end()
            return banner + service_summary(router, afi, now)
        t.end()
        return banner + service(router, afi, now)
    if kw == "instance-id":
        iid = _int(t)
    else:  # eid-table default | vrf NAME
        table = t.keyword(("default", "vrf"))
        name = "default" if table == "default" else "vrf " + t.value()
        matches = [i for i, n in router.eid_tables.items() if n == name]
        if not matches:
            raise _CliError("% EID table %s is not configured.\n" % name)
        iid = matches[0]
    afi = _afi(t)
    what = t.keyword(("map-cache", "database", "server"))
    if what == "map-cache":
        target = None if t.done() else t.value()
        t.end()
        return banner + map_cache(router, iid, afi, target, now)
    if what == "database":
        t.end()
        return banner + database(router, iid, afi, now)
    t.end()
    return banner + site_table(router, now, iid=iid, afi=afi)


def _site(router, t: _Tokens, now: float) -> str:
    kw = t.keyword(("name", "detail", "summary", "instance-id"), required=False)
    if kw is None and not t.done():
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
        t.end()
        return site_summary(router, now)
    if kw == "instance-id":
        iid = _int(t)
        t.end()
        return site_table(router, now, iid=iid)
    return site_table(router, now)


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
        lines.append("    Last route reachability change:    %s, state change count: 1" % since(now, l.since))
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


def _db_locator_rows(dm) -> list[str]:
    width = max(max((len(a) for a, _p, _w in dm.locators), default=7) + 2, 10)
    rows = ["  %sPri/Wgt  Source     State" % "Locator".ljust(width)]
    sources = dm.sources or ("cfg-addr",) * len(dm.locators)
    for (a, pri, wgt), src in zip(dm.locators, sources):
        rows.append("  %s%s%s%s" % (a.ljust(width), ("%3d/%d" % (pri, wgt)).ljust(9), src.ljust(11),
                                    "site-self, reachable"))
    return rows


def _lsb(dm) -> str:
    return "0x%X" % ((1 << len(dm.locators)) - 1) if dm.locators else "0x0"


def database(router, iid: int, afi: str, now: float) -> str:
    """``show lisp instance-id N ipv4 database`` (IOS-XE 17 layout)."""
    entries = _db_entries(router, iid, afi)
    lsb = max((len(dm.locators) for dm in entries), default=0)
    lines = ["LISP ETR %s Mapping Database for LISP 0 EID-table %s (IID %d), LSBs: 0x%X" % (
        "IPv4" if afi == "ipv4" else "IPv6", _table_name(router, iid), iid, (1 << lsb) - 1),
        "Entries total %d, no-route 0, inactive 0, do-not-register 0" % len(entries), ""]
    for dm in entries:
        lines.append("%s, locator-set %s" % (prefix_text(dm.prefix), dm.locator_set))
        lines.append("  Uptime: %s, Last-change: %s" % (since(now, dm.created), since(now, dm.changed)))
        lines.append("  Domain-ID: local")
        lines.append("  Service-Insertion: N/A")
        lines += _db_locator_rows(dm)
    return _join(lines)


def database_oldstyle(router, iid: int, now: float) -> str:
    """``show ip lisp database`` (IOS 15 layout)."""
    entries = _db_entries(router, iid, "ipv4")
    lsb = max((len(dm.locators) for dm in entries), default=0)
    lines = ["LISP ETR IPv4 Mapping Database for EID-table %s (IID %d), LSBs: 0x%X, %d entries" % (
        _table_name(router, iid), iid, (1 << lsb) - 1, len(entries)), ""]
    for dm in entries:
        lines.append("%s, locator-set %s" % (prefix_text(dm.prefix), dm.locator_set))
        lines += _db_locator_rows(dm)
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


def site_detail(router, now: float, name: str | None = None, target: str | None = None, iid: int = 0) -> str:
    """``show lisp site detail`` / ``show lisp site PREFIX [instance-id N]`` (IOS-XE 17 layout)."""
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
        rows = list(_site_rows(site, None, None))
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


def site_summary(router, now: float) -> str:
    """``show lisp site summary`` (IOS-XE 17 layout)."""
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
            conf = sum(1 for p in site.eid_records if p.afi == afi)
            reg = sum(1 for p, r in site.registrations.items() if p.afi == afi and r.etrs)
            totals[afi][0] += conf
            totals[afi][1] += reg
            cells.append("%10d %10d %6d" % (conf, reg, 0))
        cells.append("%10d %10d %6d" % (0, 0, 0))
        lines.append(row + " ".join(cells))
        if any(r.etrs for r in site.registrations.values()):
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


# -- sessions, service, show lisp ------------------------------------------------------------

SESSION_UP_FOR = 180.0  # a peer heard from within the registration timeout counts as Up


def _sessions(router, now: float):
    out = []
    for peer in sorted(router.peers, key=lambda p: (addr_to_int(p[0]), p[1])):
        st = router.peers[peer]
        up = st["last_in"] is not None and now - st["last_in"] <= SESSION_UP_FOR
        out.append((peer, st, up))
    return out


def sessions(router, now: float) -> str:
    """``show lisp session`` (IOS-XE 17 layout). We speak LISP over UDP only, so a "session" is a
    registration peer (ETR <-> Map-Server): Up while heard from in the last 180 s; In/Out count
    the Map-Registers/Map-Notifies exchanged."""
    rows = _sessions(router, now)
    lines = ["Sessions for VRF default, total: %d, established: %d" % (len(rows), sum(1 for r in rows if r[2])),
             "Peer                           State      Up/Down        In/Out   Users  RTT(ms)"]
    for (addr, port), st, up in rows:
        lines.append("%s%s%s%s%s%d" % (("%s:%d" % (addr, port)).ljust(31), ("Up" if up else "Down").ljust(11),
                                       since(now, st["since"]).ljust(15), ("%2d/%d" % (st["in"], st["out"])).ljust(9),
                                       "1".ljust(7), 0))
    return _join(lines)


def _en(flag: bool) -> str:
    return "enabled" if flag else "disabled"


def service(router, afi: str, now: float) -> str:
    """``show lisp service ipv4`` (IOS-XE 17 layout)."""
    f = router.service_flags
    svc = None
    lisp = getattr(router.config, "lisp", None)
    if lisp is not None:
        svc = lisp.services.get(afi)
    probing = router.itr is not None and router.itr.rloc_probing

    def row(label, value):
        return "  %s%s" % ((label + ":").ljust(42), value)

    def rows(label, values):
        values = list(values) or ["*** NOT FOUND ***"]
        out = [row(label, values[0])]
        out += [" " * 44 + v for v in values[1:]]
        return out

    pitr = "enabled RLOCs: %s" % ", ".join(svc.proxy_itr) if svc is not None and svc.proxy_itr else "disabled"
    lines = ["Information applicable to all EID instances:",
             row("Router-lisp ID", "0"), row("Locator table", "default"),
             row("Ingress Tunnel Router (ITR)", _en(f.get("itr", False))),
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
    lines += rows("ITR Map-Resolver(s)", svc.map_resolvers if svc is not None else ())
    lines += rows("ETR Map-Server(s)", svc.map_servers if svc is not None else ())
    lines += [row("xTR-ID", _hex_groups(router.xtr_id)), row("site-ID", "unspecified"),
              row("ITR local RLOC (last resort)", router.rloc)]
    if svc is not None and svc.use_petr:
        lines += rows("ITR use proxy ETR RLOC(Encap IID)", svc.use_petr)
    lines += [row("ITR Solicit Map Request (SMR)", "accept and process"),
              row("  Max SMRs per map-cache entry", "8 more specifics"),
              row("  Multiple SMR suppression time", "20 secs"),
              row("ETR accept mapping data", "disabled, verify disabled"),
              row("ETR map-cache TTL", "1d00h"),
              "  Locator Status Algorithms:",
              row("  RLOC-probe algorithm", "enabled" if probing else "disabled"),
              row("  RLOC-probe on route change", "disabled" if probing else "N/A (periodic probing disabled)"),
              row("  RLOC-probe on member change", "disabled"),
              row("  LSB reports", "process"),
              row("  IPv4 RLOC minimum mask length", "/0"),
              row("  IPv6 RLOC minimum mask length", "/0"),
              "  Map-cache:",
              row("  Map-cache limit", "4294967295"),
              row("  Map-cache activity check period", "60 secs"),
              row("  Persistent map-cache", "disabled"),
              "  Database:",
              row("  Dynamic database mapping limit", "4294967295")]
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
        intf = "LISP0" if iid == 0 else "LISP0.%d" % iid
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

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raw show-output records -> the documented ``lisp`` facts schema (docs/facts-schema.md).

Both CLI readers — the fast line parsers in ``cli.py`` and the TTP templates run by ``ttp.py`` —
produce the same *raw* records (every value still the text the device printed); the builders here
are the only place that turns that text into typed facts, so the two readers cannot drift apart.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.times import DURATION_CACHE, duration

AFI_WORDS = {"ipv4": "ipv4", "ipv6": "ipv6", "mac": "mac", "ethernet": "mac", "l2": "mac"}


def norm_afi(text, prefix=None):
    """'IPv4' / 'ipv6' / 'MAC' -> 'ipv4' | 'ipv6' | 'mac'; guessed from the prefix when absent."""
    if text:
        found = AFI_WORDS.get(text.strip().lower())
        if found:
            return found
    if prefix:
        if "." in prefix and "/" in prefix and ":" not in prefix:
            return "ipv4"
        if ":" in prefix:
            return "ipv6"
        return "mac"
    return None


def norm_prefix(text):
    """EID prefix as printed -> canonical text. IPv4 is kept as printed (it is canonical
    already, and this runs once per map-cache entry); IPv6 is compressed and lower-cased,
    so ``2001:DB8::/66`` from the CLI equals ``2001:db8::/66`` from NETCONF."""
    if text is None:
        return None
    text = text.strip()
    if ":" not in text:
        return text
    try:
        if "/" in text:
            return ipaddress.ip_network(text, strict=False).with_prefixlen
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text.lower()


def norm_address(text):
    """Locator / peer address -> canonical text (IPv6 compressed lower-case)."""
    if text is None:
        return None
    if ":" not in text:
        return text.strip()
    text = text.strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text.lower()


def split_address_port(text):
    """'10.1.64.71:36820' / '2222::.27643' / '10.0.0.23' / '--' -> (address, port or None)."""
    if text is None:
        return None, None
    text = text.strip().rstrip(",")
    if not text or text in ("--", "-"):
        return None, None
    colons = text.count(":")
    if colons == 1:  # IPv4 address:port
        addr, port = text.split(":")
        return norm_address(addr), int(port) if port.isdigit() else None
    if colons > 1 and "." in text:  # IPv6 address.port (IOS prints the port after a dot)
        addr, _sep, port = text.rpartition(".")
        if port.isdigit() and ":" in addr:
            try:
                ipaddress.IPv6Address(addr)
                return norm_address(addr), int(port)
            except ValueError:
                pass  # an IPv4-mapped IPv6 address without a port
    return norm_address(text), None


def split_who(text):
    """The 'Who Last Registered' column of ``show lisp site``: '10.1.64.71:36820' -> (address, port)."""
    if text.count(":") == 1:  # IPv4 address:port, the common case
        address, _sep, port = text.partition(":")
        return address, int(port) if port.isdigit() else None
    return split_address_port(text)


def to_int(text):
    if text is None:
        return None
    text = str(text).strip()
    return int(text) if text.lstrip("-").isdigit() else None


def interface_iid(interface):
    """The instance ID of the ``Interface (.IID)`` column of ``show lisp service ... summary``.

    ``LISP0.101`` -> 101; ``LISP0`` (the LISP interface itself, no sub-interface) -> 0, the
    instance the default EID table maps to; anything else -> None.
    """
    text = (interface or "").strip()
    if not text.upper().startswith("LISP"):
        return None
    head, dot, tail = text.partition(".")
    if dot:
        return to_int(tail)
    return 0 if head[4:].isdigit() else None


def yes_no(text):
    """'yes' / 'yes#' / 'Yes' / 'no' -> bool; anything else -> None."""
    if text is None:
        return None
    low = text.strip().lower().rstrip("#*")
    if low in ("yes", "true", "enabled", "up"):
        return True
    if low in ("no", "false", "disabled", "down"):
        return False
    return None


# --------------------------------------------------------------------------- map-cache
def _int_text(text):
    """Digits from a reader -> int (the hot path: no strip/isdigit when int() accepts it)."""
    if text is None:
        return None
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def build_map_cache(raw):
    """Raw map-cache entry -> facts entry (see docs/facts-schema.md, map_cache).

    Runs once per entry of a map-cache that may hold 100,000 of them: kept lean on purpose."""
    via_text = raw.get("via") or ""
    if "," in via_text:
        via, _sep, rest = via_text.partition(",")
        state = rest.split(",")[0].strip() or None
    else:
        via, state = via_text, None
    via = via.strip().replace(" ", "-") or None
    if state is None:
        state = raw.get("state") or None
    negative_action = raw.get("negative_action")
    prefix = raw.get("prefix")
    if prefix is not None and ":" in prefix:
        prefix = norm_prefix(prefix)
    elif prefix is not None:
        prefix = prefix.strip()
    locators = [{
        "address": norm_address(loc.get("address")),
        "state": loc.get("state"),
        "priority": _int_text(loc.get("priority")),
        "weight": _int_text(loc.get("weight")),
        "uptime": duration(loc.get("uptime")),
    } for loc in raw.get("locators") or ()]
    return {
        "instance_id": _int_text(raw.get("iid")),
        "afi": norm_afi(raw.get("afi"), prefix),
        "prefix": prefix,
        "negative": negative_action is not None,
        "action": negative_action or raw.get("action") or None,
        "uptime": duration(raw.get("uptime")),
        "expires": duration(raw.get("expires")),
        "via": via,
        "state": state,
        "locators": locators,
    }


# --------------------------------------------------------------------------- database
def _locator_set(flags):
    for part in flags:
        if "locator-set " in part:
            return part.rsplit("locator-set ", 1)[1].split()[0]
    return None


def build_database(raw):
    flags = [p.strip() for p in (raw.get("flags") or "").split(",") if p.strip()]
    prefix = norm_prefix(raw.get("prefix"))
    locators = []
    for loc in raw.get("locators") or ():
        state_words = [w.strip() for w in (loc.get("state") or "").split(",") if w.strip()]
        location = state_words[0] if len(state_words) > 1 else None
        state = state_words[-1] if state_words else None
        locators.append({
            "address": norm_address(loc.get("address")),
            "priority": to_int(loc.get("priority")),
            "weight": to_int(loc.get("weight")),
            "source": loc.get("source") or None,
            "location": location,
            "state": state,
        })
    return {
        "instance_id": to_int(raw.get("iid")),
        "afi": norm_afi(raw.get("afi"), prefix),
        "prefix": prefix,
        "locator_set": _locator_set(flags),
        "do_not_register": any(f.startswith("do not register") for f in flags),
        "no_route": "NO ROUTE TO EID PREFIX" in (raw.get("flags") or ""),
        "uptime": duration(raw.get("uptime")),
        "locators": locators,
    }


# --------------------------------------------------------------------------- sessions
def build_session(raw):
    address, port = split_address_port(raw.get("peer"))
    return {
        "vrf": raw.get("vrf"),
        "peer": address,
        "port": port,
        "state": (raw.get("state") or "").lower() or None,
        "last_state_change": duration(raw.get("since")),
        "messages_in": to_int(raw.get("msg_in")),
        "messages_out": to_int(raw.get("msg_out")),
        "users": to_int(raw.get("users")),
        "rtt_ms": to_int(raw.get("rtt")),
    }


# --------------------------------------------------------------------------- sites
def _etr(raw):
    address, port = split_address_port(raw.get("address"))
    flags = [f.strip() for f in (raw.get("flags") or "").split(",") if f.strip()]
    locators = []
    for loc in raw.get("locators") or ():
        locators.append({
            "address": norm_address(loc.get("address")),
            "local": yes_no(loc.get("local")),
            "state": loc.get("state"),
            "priority": to_int(loc.get("priority")),
            "weight": to_int(loc.get("weight")),
        })
    return {
        "address": address,
        "port": port,
        "last_registered": duration(raw.get("last_registered")),
        "ttl": duration(raw.get("ttl")),
        "proxy_reply": "proxy-reply" in flags,
        "map_notify": "map-notify" in flags,
        "state": raw.get("state"),
        "locators": locators,
    }


def _empty_record(iid, prefix):
    return {
        "instance_id": iid,
        "prefix": prefix,
        "registered": None,
        "last_registered_by": None,
        "last_registered_by_port": None,
        "last_registered": None,
        "first_registered": None,
        "ttl": None,
        "state": None,
        "authentication_failures": None,
        "allowed_locator_mismatches": None,
        "etrs": [],
    }


_TABLE_RECORD = _empty_record(None, None)  # the keys of an EID record, in their order


class SiteBuilder:
    """Accumulates site rows (``show lisp site``), site detail blocks (``show lisp site detail`` /
    ``name X`` / ``PREFIX``) and summary rows into one list of sites; later data fills in what
    earlier data left ``None``, so the table and the detail output of one device merge."""

    def __init__(self):
        self._sites = {}
        self._records = {}  # (site name, instance ID, prefix) -> EID record
        self._details = False  # whether a detail block was added (the only source of the error counts)

    def _site(self, name):
        site = self._sites.get(name)
        if site is None:
            site = self._sites[name] = {
                "name": name,
                "description": None,
                "registered": None,
                "eid_records": [],
                "authentication_failures": None,
                "allowed_locator_mismatches": None,
                "map_register_replays": None,
                "map_register_refreshes": None,
            }
        return site

    def _record(self, site, iid, prefix):
        key = (site["name"], iid, prefix)
        record = self._records.get(key)
        if record is None:
            record = self._records[key] = _empty_record(iid, prefix)
            site["eid_records"].append(record)
        return record

    @staticmethod
    def _fill(record, key, value):
        if value is not None and record.get(key) is None:
            record[key] = value

    def add_row(self, raw):
        """One row of the ``show lisp site`` table, as a dict (the TTP reader)."""
        self.add_rows(((raw["site"], raw.get("last"), raw.get("up"), raw.get("who"), raw.get("iid"), raw.get("prefix")),))

    def add_rows(self, rows):
        """Rows of the ``show lisp site`` table as (site, last, up, who, iid, prefix) texts.

        The hot path of a 10,000-site table (bench/facts_parse.py): one loop, no call per row
        that can be avoided; a new record is a copy of _TABLE_RECORD with the row's values."""
        sites = self._sites
        records = self._records
        cache = DURATION_CACHE
        template = _TABLE_RECORD
        for name, last, up, who, iid_text, prefix in rows:
            site = sites.get(name)
            if site is None:
                site = self._site(name)
            iid = int(iid_text) if iid_text and iid_text.isdigit() else 0
            prefix = prefix or ""
            if ":" in prefix:
                prefix = norm_prefix(prefix)
            up = up or ""
            if up[:3] in ("yes", "Yes"):
                registered = True
            elif up[:2] in ("no", "No"):
                registered = False
            else:
                registered = None
            key = (name, iid, prefix)
            record = records.get(key)
            if record is None:
                records[key] = record = template.copy()
                record["instance_id"] = iid
                record["prefix"] = prefix
                record["registered"] = registered
                try:
                    record["last_registered"] = cache[last]
                except KeyError:
                    record["last_registered"] = duration(last)
                if who and who != "--":
                    if who.count(":") == 1:  # split_who(), inline: IPv4 address:port
                        address, _sep, port = who.partition(":")
                        record["last_registered_by"] = address
                        record["last_registered_by_port"] = int(port) if port.isdigit() else None
                    else:
                        record["last_registered_by"], record["last_registered_by_port"] = split_address_port(who)
                record["etrs"] = []
                site["eid_records"].append(record)
                continue
            if registered is not None:
                record["registered"] = registered
            if record["last_registered"] is None:
                try:
                    record["last_registered"] = cache[last]
                except KeyError:
                    record["last_registered"] = duration(last)
            if who and who != "--" and record["last_registered_by"] is None:
                address, port = split_who(who)
                record["last_registered_by"] = address
                if record["last_registered_by_port"] is None:
                    record["last_registered_by_port"] = port

    def add_detail(self, raw):
        """One ``Site name:`` block of the detail output."""
        self._details = True
        site = self._site(raw["name"])
        if raw.get("description"):
            site["description"] = raw["description"]
        self._fill(site, "map_register_replays", to_int(raw.get("replays")))
        self._fill(site, "map_register_refreshes", to_int(raw.get("refreshes")))
        for eid in raw.get("eids") or ():
            iid = to_int(eid.get("iid")) or 0
            record = self._record(site, iid, norm_prefix(eid.get("prefix")))
            etrs = [_etr(e) for e in eid.get("etrs") or ()]
            if etrs:
                record["etrs"] = etrs
            state = eid.get("state")
            fill = self._fill
            fill(record, "state", state)
            fill(record, "first_registered", duration(eid.get("first_registered")))
            fill(record, "ttl", duration(eid.get("ttl")))
            fill(record, "authentication_failures", to_int(eid.get("auth_failures")))
            fill(record, "allowed_locator_mismatches", to_int(eid.get("locator_mismatches")))
            latest = None
            if etrs:
                timed = [e for e in etrs if e["last_registered"] is not None]
                latest = min(timed, key=lambda e: e["last_registered"]) if timed else etrs[0]
            last = duration(eid.get("last_registered"))
            if last is None and latest is not None:
                last = latest["last_registered"]
            fill(record, "last_registered", last)
            if latest is not None:
                fill(record, "last_registered_by", latest["address"])
                fill(record, "last_registered_by_port", latest["port"])
            if record["registered"] is None and (state or etrs):
                record["registered"] = (state or "").lower() == "complete" or (state is None and bool(etrs))

    def add_summary(self, raw):
        """One row of ``show lisp site summary``."""
        site = self._site(raw["site"])
        counts = site.setdefault("prefix_counts", {})
        for afi in ("ipv4", "ipv6", "mac"):
            values = raw.get(afi)
            if values:
                counts[afi] = {
                    "configured": to_int(values[0]),
                    "registered": to_int(values[1]),
                    "inconsistent": to_int(values[2]),
                }

    def sites(self):
        """The sites, their totals worked out from their EID records (each time: they are kept)."""
        out = list(self._sites.values())
        details = self._details
        for site in out:
            records = site["eid_records"]
            registered = [r["registered"] for r in records]
            if True in registered:
                site["registered"] = True
            elif False in registered:
                site["registered"] = False
            elif site.get("prefix_counts"):
                site["registered"] = any(c["registered"] for c in site["prefix_counts"].values() if c["registered"])
            if details:
                auth = [r["authentication_failures"] for r in records if r["authentication_failures"] is not None]
                site["authentication_failures"] = sum(auth) if auth else None
                mism = [r["allowed_locator_mismatches"] for r in records if r["allowed_locator_mismatches"] is not None]
                site["allowed_locator_mismatches"] = sum(mism) if mism else None
        return out


# --------------------------------------------------------------------------- services
_ROLE_FLAGS = (
    ("itr", "Ingress Tunnel Router (ITR)"),
    ("etr", "Egress Tunnel Router (ETR)"),
    ("pitr", "Proxy-ITR Router (PITR)"),
    ("petr", "Proxy-ETR Router (PETR)"),
    ("map_server", "Map Server (MS)"),
    ("map_resolver", "Map Resolver (MR)"),
)
_ROLE_WORDS = {"itr": "itr", "etr": "etr", "pitr": "pitr", "petr": "petr", "ms": "map_server", "mr": "map_resolver"}


def role_list(text):
    """'ETR-PITR-PETR' / 'ITR-ETR' / 'MS-MR' -> ['etr', 'pitr', 'petr'] ..."""
    out = []
    for word in (text or "").replace("/", "-").split("-"):
        role = _ROLE_WORDS.get(word.strip().lower())
        if role and role not in out:
            out.append(role)
    return out


def _addresses(values):
    out = []
    for value in values or ():
        for part in value.split(","):
            word = part.strip().split(" ")[0] if part.strip() else ""
            if word and word[0].isalnum() and not word.startswith("***"):
                addr = norm_address(word)
                if addr not in out:
                    out.append(addr)
    return out


def empty_service():
    service = {key: None for key, _label in _ROLE_FLAGS}
    service.update({"map_resolvers": [], "map_servers": [], "instances": []})
    return service


class ServiceBuilder:
    """``show lisp service ipv4|ipv6`` (router-wide), ``show lisp instance-id N ipv4|ipv6``
    (per instance) and the ``... summary`` tables -> ``services`` keyed by address family."""

    def __init__(self):
        self.services = {}

    def _afi(self, afi):
        service = self.services.get(afi)
        if service is None:
            service = self.services[afi] = empty_service()
        return service

    def _instance(self, service, iid):
        for inst in service["instances"]:
            if inst["instance_id"] == iid:
                return inst
        inst = {"instance_id": iid, "eid_table": None, "interface": None, "roles": [],
                "database_size": None, "map_cache_size": None}
        service["instances"].append(inst)
        return inst

    def add_detail(self, afi, raw):
        """Key/value block: raw = {label: [values...]} (continuation lines appended)."""
        service = self._afi(afi)
        flags = {}
        for key, label in _ROLE_FLAGS:
            values = raw.get(label)
            if values:
                flags[key] = values[0].strip().lower().startswith("enabled")
        resolvers = _addresses(raw.get("ITR Map-Resolver(s)"))
        servers = _addresses(raw.get("ETR Map-Server(s)"))
        iid_values = raw.get("Instance ID")
        if iid_values:
            inst = self._instance(service, to_int(iid_values[0]))
            table = raw.get("EID table")
            if table and inst["eid_table"] is None:
                inst["eid_table"] = table[0].strip()
            for key, _label in _ROLE_FLAGS:
                if flags.get(key) and key not in inst["roles"]:
                    inst["roles"].append(key)
            for key, value in flags.items():
                service[key] = bool(service[key]) or value
        else:
            service.update(flags)
        for addr in resolvers:
            if addr not in service["map_resolvers"]:
                service["map_resolvers"].append(addr)
        for addr in servers:
            if addr not in service["map_servers"]:
                service["map_servers"].append(addr)

    def add_summary_row(self, afi, raw):
        service = self._afi(afi)
        interface = raw.get("interface") or ""
        iid = interface_iid(interface)
        inst = self._instance(service, iid)
        inst["eid_table"] = raw.get("vrf")
        inst["interface"] = interface or None
        for role in role_list(raw.get("role")):
            if role not in inst["roles"]:
                inst["roles"].append(role)
        inst["database_size"] = to_int(raw.get("db_size"))
        inst["map_cache_size"] = to_int(raw.get("cache_size"))

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``<get>`` replies of Cisco-IOS-XE-lisp-oper -> the ``lisp`` facts (the same schema as the CLI).

Read from ``lisp-state/lisp-routers[top-id]``:

- ``instances[iid]/af[iaftype]/map-cache[afi prefix]`` -> ``map_cache``
- ``.../local-dbase[afi prefix]`` -> ``database``
- ``.../ms-registrations[afi prefix]`` -> ``sites`` (grouped by ``site-name``)
- ``.../role``, ``map-servers``, ``map-resolvers`` -> ``services``
- ``sessions[...]`` -> ``sessions``

Times are ``yang:date-and-time`` stamps; they become the facts' integer seconds relative to ``now``
(see ``times.py``). The words are the ones the CLI prints, so a playbook asserts the same values
whatever the transport: ``lisp-rloc-state-up`` -> ``up``, ``natively-forward`` ->
``forward-native``, ``is-local`` -> ``site-self`` / ``site-other``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import normalise as nz
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.times import age, as_now, remaining

try:
    from lxml import etree

    HAS_LXML = True
except ImportError:  # pragma: no cover - lxml is in requirements.txt
    etree = None
    HAS_LXML = False

NS = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"
_Q = "{%s}" % NS

FILTER_XML = '<lisp-state xmlns="%s"/>' % NS

AFI = {"ipv4-afi": "ipv4", "ipv6-afi": "ipv6", "mac-afi": "mac"}
IAFTYPE = {"iaf-ipv4": "ipv4", "iaf-ipv6": "ipv6", "iaf-mac": "mac"}
NMR_ACTION = {
    "no-action": "no-action",
    "natively-forward": "forward-native",
    "send-map-request": "send-map-request",
    "drop": "drop",
    "unknown-eid-forward": "unknown-eid-forward",
}
_SOURCE_PREFIX = "lisp-map-cache-info-best-source-"
_TRANS_PREFIX = "lisp-map-cache-info-best-source-trans-"
VIA_SOURCE = {
    "static": "static",
    "static-configured": "static",
    "transient": None,  # the transient source says more: map-reply, map-request, ...
    "dyn-eid-group": "dynamic-EID",
    "pub-sub": "publication",
    "via-site-reg": "site-registration",
    "use-nat-rtr": "nat-rtr",
    "nat-rtr": "nat-rtr",
    "rtimp": "route-import",
    "away": "away",
    "extranet-policy": "extranet-policy",
}
ROLE_LEAVES = (("is-itr", "itr"), ("is-etr", "etr"), ("is-pitr", "pitr"), ("is-petr", "petr"),
               ("is-ms", "map_server"), ("is-mr", "map_resolver"))


def _text(el, path):
    found = el.find(path, namespaces=None) if el is not None else None
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _t(el, *names):
    """Text of the descendant el/name1/name2..., in the oper namespace."""
    return _text(el, "/".join(_Q + n for n in names))


def _bool(el, *names):
    value = _t(el, *names)
    if value is None:
        return None
    return value.lower() == "true"


def _int(el, *names):
    value = _t(el, *names)
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def _all(el, name):
    return el.findall(_Q + name) if el is not None else []


def _enum_tail(value, prefix):
    if value is None:
        return None
    return value[len(prefix):] if value.startswith(prefix) else value


def _rloc_state(value):
    return _enum_tail(value, "lisp-rloc-state-")


def _root(data):
    if isinstance(data, (str, bytes)):
        if not HAS_LXML:
            raise ImportError("lxml is required to read NETCONF replies")
        data = etree.fromstring(data.encode() if isinstance(data, str) else data)
    if hasattr(data, "getroot"):
        data = data.getroot()
    return data


def _lisp_states(root):
    if root is None:
        return []
    if root.tag == _Q + "lisp-state":
        return [root]
    return root.iter(_Q + "lisp-state")


def _via(el, negative, action):
    source = _enum_tail(_t(el, "info-best-source"), _SOURCE_PREFIX)
    via = VIA_SOURCE.get(source, source)
    if source == "transient" or via is None:
        trans = _enum_tail(_t(el, "info-best-trans-source"), _TRANS_PREFIX)
        via = trans if trans and trans != "invalid" else None
    if via == "static" and negative and action == "send-map-request":
        via = "static-send-map-request"  # the CLI's word for the default 0.0.0.0/0 entry
    if via == "invalid":
        via = None
    return via


def _map_cache(el, iid, afi_hint, now):
    negative = bool(_bool(el, "is-negative"))
    action = NMR_ACTION.get(_t(el, "nmr-action"), _t(el, "nmr-action")) if negative else None
    via = _via(el, negative, action)
    if not negative:
        state = "complete"
    elif via and via.startswith("static"):
        state = None  # CLI: '0.0.0.0/0, ..., via static-send-map-request' carries no state
    else:
        state = action
    expires = None
    if el.find(_Q + "expiry-time") is not None:
        expires = remaining(_t(el, "expiry-time"), now)
    prefix = nz.norm_prefix(_t(el, "prefix"))
    locators = []
    for rloc in _all(el, "map-cache-rloc"):
        locators.append({
            "address": nz.norm_address(_t(rloc, "address")),
            "state": _rloc_state(_t(rloc, "state")),
            "priority": _int(rloc, "params", "priority"),
            "weight": _int(rloc, "params", "weight"),
            "uptime": age(_t(rloc, "creation-time"), now),
        })
    return {
        "instance_id": iid,
        "afi": AFI.get(_t(el, "afi")) or afi_hint or nz.norm_afi(None, prefix),
        "prefix": prefix,
        "negative": negative,
        "action": action,
        "uptime": age(_t(el, "up-time"), now),
        "expires": expires,
        "via": via,
        "state": state,
        "locators": locators,
    }


def _database(el, iid, afi_hint, now):
    prefix = nz.norm_prefix(_t(el, "prefix"))
    locators = []
    for rloc in _all(el, "local-dbase-rloc"):
        state = _rloc_state(_t(rloc, "state"))
        local = _bool(rloc, "is-local")
        locators.append({
            "address": nz.norm_address(_t(rloc, "address")),
            "priority": _int(rloc, "params", "priority"),
            "weight": _int(rloc, "params", "weight"),
            "source": None,
            "location": None if local is None else ("site-self" if local else "site-other"),
            "state": {"up": "reachable", "down": "unreachable"}.get(state, state),
        })
    reachable = _bool(el, "is-reachable")
    return {
        "instance_id": iid,
        "afi": AFI.get(_t(el, "afi")) or afi_hint or nz.norm_afi(None, prefix),
        "prefix": prefix,
        "locator_set": _t(el, "locator-set-name"),
        "do_not_register": bool(_bool(el, "skip-registration")),
        "no_route": reachable is False,
        "uptime": age(_t(el, "creation-time"), now),
        "locators": locators,
    }


def _registration(el, iid, now, sites):
    name = _t(el, "site-name") or ""
    site = sites.get(name)
    if site is None:
        site = sites[name] = {"name": name, "description": _t(el, "site-description"), "registered": None,
                              "eid_records": [], "authentication_failures": None,
                              "allowed_locator_mismatches": None,
                              # no Cisco-IOS-XE-lisp-oper leaf counts replays: the CLI detail only
                              "map_register_replays": None, "map_register_refreshes": None}
    etrs = []
    for reg in _all(el, "etr-registrations"):
        ttl = _int(reg, "ttl")  # minutes in the model
        locators = []
        for rloc in _all(reg, "ms-registration-rloc"):
            locators.append({
                "address": nz.norm_address(_t(rloc, "address")),
                "local": _bool(rloc, "is-local"),
                "state": _rloc_state(_t(rloc, "state")),
                "priority": _int(rloc, "params", "priority"),
                "weight": _int(rloc, "params", "weight"),
            })
        etrs.append({
            "address": nz.norm_address(_t(reg, "source-address")),
            "port": _int(reg, "source-port"),
            "last_registered": age(_t(reg, "last-registration-time"), now),
            "ttl": ttl * 60 if ttl is not None else None,
            "proxy_reply": bool(_bool(reg, "proxy-reply")),
            "map_notify": bool(_bool(reg, "wants-map-notify")),
            "state": "complete",
            "locators": locators,
        })
    registered = _bool(el, "is-registered")
    latest = min((e for e in etrs if e["last_registered"] is not None), key=lambda e: e["last_registered"], default=None)
    site["eid_records"].append({
        "instance_id": iid,
        "prefix": nz.norm_prefix(_t(el, "prefix")),
        "registered": registered,
        "last_registered_by": nz.norm_address(_t(el, "last-registration-source", "address")),
        "last_registered_by_port": _int(el, "last-registration-source-port"),
        "last_registered": age(_t(el, "last-registration-time"), now),
        "first_registered": age(_t(el, "creation-time"), now),
        "ttl": latest["ttl"] if latest else None,
        "state": "complete" if registered else None,
        "authentication_failures": _int(el, "authentication-error"),
        "allowed_locator_mismatches": _int(el, "rloc-mismatch-error"),
        "etrs": etrs,
    })


def _finish_sites(sites):
    out = []
    for site in sites.values():
        records = site["eid_records"]
        flags = [r["registered"] for r in records if r["registered"] is not None]
        site["registered"] = any(flags) if flags else None
        auth = [r["authentication_failures"] for r in records if r["authentication_failures"] is not None]
        site["authentication_failures"] = sum(auth) if auth else None
        mism = [r["allowed_locator_mismatches"] for r in records if r["allowed_locator_mismatches"] is not None]
        site["allowed_locator_mismatches"] = sum(mism) if mism else None
        out.append(site)
    return out


def _services(af_el, iid, afi, vrf, services):
    service = services.get(afi)
    if service is None:
        service = services[afi] = nz.empty_service()
    role = af_el.find(_Q + "role")
    roles = []
    if role is not None:
        for leaf, key in ROLE_LEAVES:
            value = _bool(role, leaf)
            if value is not None:
                service[key] = bool(service[key]) or value
            if value:
                roles.append(key)
    for name, key in (("map-resolvers", "map_resolvers"), ("map-servers", "map_servers")):
        for item in _all(af_el, name):
            addr = nz.norm_address(_t(item, "address"))
            if addr and addr not in service[key]:
                service[key].append(addr)
    service["instances"].append({
        "instance_id": iid,
        "eid_table": ("vrf %s" % vrf) if vrf else "default",
        "interface": None,
        "roles": roles,
        "database_size": len(_all(af_el, "local-dbase")),
        "map_cache_size": _int(af_el, "map-cache-size"),
    })


def _session(el, now):
    return {
        "vrf": None,
        "peer": nz.norm_address(_t(el, "peer-address")),
        "port": _int(el, "peer-port"),
        "state": _enum_tail(_t(el, "state"), "lisp-session-state-"),
        "last_state_change": age(_t(el, "last-state-change-time"), now),
        "messages_in": _int(el, "messages-in"),
        "messages_out": _int(el, "messages-out"),
        "users": None,
        "rtt_ms": None,
    }


SUBSETS = ("map_cache", "database", "sites", "sessions", "services")


def parse_oper(data, now=None, subsets=SUBSETS):
    """NETCONF ``<data>`` (lxml element or XML text) of Cisco-IOS-XE-lisp-oper -> ``lisp`` facts.

    now: the device's current time (datetime, ISO text or POSIX seconds; default: the controller's
    clock in UTC) — ages and expiries are computed against it.
    """
    now = as_now(now)
    root = _root(data)
    map_cache, database, sessions, sites, services = [], [], [], {}, {}
    for state in _lisp_states(root):
        for router in _all(state, "lisp-routers"):
            for inst in _all(router, "instances"):
                iid = _int(inst, "iid")
                vrf = _t(inst, "vrf-name")
                for af_el in _all(inst, "af"):
                    afi = IAFTYPE.get(_t(af_el, "iaftype"))
                    if afi is None:
                        continue  # address-resolution (AR / RAR) tables are not EID tables
                    for el in _all(af_el, "map-cache"):
                        map_cache.append(_map_cache(el, iid, afi, now))
                    for el in _all(af_el, "local-dbase"):
                        database.append(_database(el, iid, afi, now))
                    for el in _all(af_el, "ms-registrations"):
                        _registration(el, iid, now, sites)
                    _services(af_el, iid, afi, vrf, services)
            for el in _all(router, "sessions"):
                sessions.append(_session(el, now))
    facts = {"map_cache": map_cache, "database": database, "sites": _finish_sites(sites),
             "sessions": sessions, "services": services}
    return {key: value for key, value in facts.items() if key in subsets}

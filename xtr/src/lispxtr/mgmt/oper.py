"""`Router.oper_state(now)` as Cisco-IOS-XE-lisp-oper XML (the `<get>` state of IOS-XE 17.9).

`lisp-state/lisp-routers[top-id=0]/instances[iid]/af[iaftype]/{role, map-cache, local-dbase,
ms-registrations, counters}` and `lisp-routers/sessions`. Times are epoch floats in the core and
`yang:date-and-time` (RFC 6991) here; map-cache TTLs are milliseconds and registration TTLs minutes,
as the model says. Only leaves that have a value are written.
"""

import math
import time

from lxml import etree

from .xmlutil import OPER_NS

CONTROL_PORT = 4342  # RFC 9301 §5.1

AFI = {"ipv4": ("iaf-ipv4", "ipv4-afi"), "ipv6": ("iaf-ipv6", "ipv6-afi"), "mac": ("iaf-mac", "mac-afi")}
ACTIONS = {
    "no-action": "no-action",
    "forward-native": "natively-forward",
    "send-map-request": "send-map-request",
    "drop": "drop",
    "drop-policy-denied": "drop",
    "drop-auth-failure": "drop",
}
# Core counter (lispxtr.core) -> af-level leaf of the model.
COUNTERS = {
    "map_request_in": "map-requests-in",
    "map_request_out": "map-requests-out",
    "map_request_forwarded": "mr-map-requests-forwarded",
    "map_reply_in": "map-reply-records-in",
    "etr_map_reply_out": "map-reply-records-out",
    "map_reply_negative": "negative-records-in",
    "map_reply_proxy": "ms-proxy-reply-records-out",
    "map_register_in": "map-register-records-in",
    "map_register_out": "map-register-records-out",
    "map_register_auth_failures": "map-registers-auth-failed",
    "map_register_locator_mismatch": "map-registers-from-disallowed-locators",
    "map_notify_in": "map-notify-records-in",
    "map_notify_out": "map-notify-records-out",
    "map_notify_auth_failures": "map-notify-auth-failed",
    "map_cache_installed": "remote-eid-entries-created",
    "map_cache_expired": "remote-eid-entries-deleted",
}
ROLES = ("is-ms", "is-mr", "is-itr", "is-etr", "is-pitr", "is-petr")


_SECONDS = {}  # whole epoch second -> "YYYY-MM-DDTHH:MM:SS." (formatted once per second)
_SECONDS_MAX = 4096
_TAGS = {}  # local name -> "{OPER_NS}name"


def date_and_time(epoch):
    """RFC 6991 yang:date-and-time, UTC (microseconds rounded as `datetime.fromtimestamp` does)."""
    frac, whole = math.modf(float(epoch))
    micro = round(frac * 1e6)
    if micro >= 1000000:
        whole += 1
        micro -= 1000000
    elif micro < 0:
        whole -= 1
        micro += 1000000
    second = int(whole)
    prefix = _SECONDS.get(second)
    if prefix is None:
        if len(_SECONDS) >= _SECONDS_MAX:
            _SECONDS.clear()
        prefix = _SECONDS[second] = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))
    return "%s%06d+00:00" % (prefix, micro)


def _tag(name):
    tag = _TAGS.get(name)
    if tag is None:
        tag = _TAGS[name] = "{%s}%s" % (OPER_NS, name)
    return tag


def _leaf(parent, name, value):
    if value is None:
        return None
    el = etree.SubElement(parent, _tag(name))
    if isinstance(value, bool):
        el.text = "true" if value else "false"
    else:
        el.text = str(value)
    return el


def _sub(parent, name):
    return etree.SubElement(parent, _tag(name))


def _time(parent, name, value):
    if value is not None:
        _leaf(parent, name, date_and_time(value))


def _uint(value, bits=32):
    if value is None:
        return None
    return max(0, min(int(value), (1 << bits) - 1))


def _rloc_afi(address):
    return "ipv6-afi" if ":" in str(address) else "ipv4-afi"


def _rloc_state(state):
    return "lisp-rloc-state-up" if state in ("up", True) else "lisp-rloc-state-down"


def _params(parent, loc):
    params = _sub(parent, "params")
    _leaf(params, "priority", _uint(loc.get("priority"), 8))
    _leaf(params, "weight", _uint(loc.get("weight"), 8))


def _prefix_key(parent, item):
    _leaf(parent, "afi", AFI.get(item.get("afi"), AFI["ipv4"])[1])
    _leaf(parent, "prefix", item["prefix"])


def _map_cache(af, entry):
    mc = _sub(af, "map-cache")
    _time(mc, "up-time", entry.get("created"))
    if entry.get("ttl_s") is not None:
        _leaf(mc, "ttl", _uint(entry["ttl_s"] * 1000))  # the model counts milliseconds
    _leaf(mc, "is-authoritative", bool(entry.get("authoritative")))
    _leaf(mc, "is-static", entry.get("via") == "static")
    _leaf(mc, "is-negative", bool(entry.get("negative")))
    if entry.get("action") is not None:
        _leaf(mc, "nmr-action", ACTIONS.get(entry["action"], "no-action"))
    _time(mc, "expiry-time", entry.get("expires"))
    for loc in entry.get("locators") or ():
        r = _sub(mc, "map-cache-rloc")
        _leaf(r, "state", _rloc_state(loc.get("state")))
        _time(r, "creation-time", loc.get("since"))
        if loc.get("probe_rtt") is not None:  # RLOC-probing (RFC 9301 §7.1): the last reply's round trip
            _leaf(r, "rloc-probe-rtt", _uint(round(loc["probe_rtt"] * 1000)))
        _params(r, loc)
        _leaf(r, "afi", _rloc_afi(loc["address"]))
        _leaf(r, "address", loc["address"])
    # where the mapping came from (the CLI's "via ..."): static, or transient from a Map-Reply
    if entry.get("via") == "static":
        _leaf(mc, "info-best-source", "lisp-map-cache-info-best-source-static")
    elif entry.get("via") in ("map-reply", "map-request"):
        _leaf(mc, "info-best-source", "lisp-map-cache-info-best-source-transient")
        _leaf(mc, "info-best-trans-source", "lisp-map-cache-info-best-source-trans-" + entry["via"])
    _prefix_key(mc, entry)


def _local_dbase(af, entry):
    db = _sub(af, "local-dbase")
    for loc in entry.get("locators") or ():
        r = _sub(db, "local-dbase-rloc")
        _params(r, loc)
        _leaf(r, "state", _rloc_state(loc.get("state", "up")))
        _leaf(r, "is-local", bool(loc.get("local", True)))
        _leaf(r, "afi", _rloc_afi(loc["address"]))
        _leaf(r, "address", loc["address"])
    for ms in entry.get("map_servers") or ():
        m = _sub(db, "etr-map-servers")
        _time(m, "last-registration-time", ms.get("last_notify"))
        _leaf(m, "ack-received", bool(ms.get("registered")))
        _leaf(m, "afi", _rloc_afi(ms["address"]))
        _leaf(m, "address", ms["address"])
    _time(db, "creation-time", entry.get("created"))
    _leaf(db, "locator-set-name", entry.get("locator_set"))
    _prefix_key(db, entry)


def _registration(af, entry):
    reg = _sub(af, "ms-registrations")
    source = entry.get("last_source")
    if source:
        src = _sub(reg, "last-registration-source")
        _leaf(src, "afi", _rloc_afi(source))
        _leaf(src, "address", source)
        _leaf(reg, "last-registration-source-port", CONTROL_PORT)
    _time(reg, "creation-time", entry.get("first_registered"))
    _time(reg, "last-registration-time", entry.get("last_registered"))
    _leaf(reg, "site-name", entry.get("site"))
    _leaf(reg, "is-registered", bool(entry.get("registered")))
    _leaf(reg, "authentication-error", _uint(entry.get("auth_failures") or 0, 64))
    _leaf(reg, "rloc-mismatch-error", _uint(entry.get("allowed_locator_mismatches") or 0, 64))
    if source and entry.get("registered"):  # an expired registration keeps only its last source and time
        # The core keeps the latest registering ETR; its source port is LISP's control port.
        etr = _sub(reg, "etr-registrations")
        _time(etr, "last-registration-time", entry.get("last_registered"))
        if entry.get("ttl_s") is not None:
            _leaf(etr, "ttl", _uint(entry["ttl_s"] // 60))  # the model counts minutes
        _leaf(etr, "proxy-reply", bool(entry.get("proxy_reply")))
        _leaf(etr, "wants-map-notify", bool(entry.get("want_map_notify")))
        for loc in entry.get("locators") or ():
            r = _sub(etr, "ms-registration-rloc")
            _params(r, loc)
            _leaf(r, "state", _rloc_state(loc.get("state")))
            _leaf(r, "is-local", bool(loc.get("local")))
            _leaf(r, "afi", _rloc_afi(loc["address"]))
            _leaf(r, "address", loc["address"])
        _leaf(etr, "source-address", source)
        _leaf(etr, "source-port", CONTROL_PORT)
    _prefix_key(reg, entry)


def _sites_description(state):
    return {site["name"]: site.get("description") for site in state.get("sites") or ()}


def oper_xml(state, local_address):
    """Build `<lisp-state>` from `Router.oper_state(now)`; `local_address` is the router's RLOC."""
    root = etree.Element("{%s}lisp-state" % OPER_NS, nsmap={None: OPER_NS})
    router = _sub(root, "lisp-routers")
    _leaf(router, "top-id", 0)
    roles = state.get("roles") or {}
    groups = {key: {"map_cache": [], "database": [], "registrations": []} for key in roles}
    for kind in ("map_cache", "database", "registrations"):
        for item in state.get(kind) or ():
            key = (int(item.get("iid", 0)), item.get("afi", "ipv4"))
            groups.setdefault(key, {"map_cache": [], "database": [], "registrations": []})[kind].append(item)
    descriptions = _sites_description(state)
    counters = state.get("counters") or {}
    instances = {}
    for (iid, afi), items in sorted(groups.items()):
        if afi not in AFI:
            continue
        inst = instances.get(iid)
        if inst is None:
            inst = instances[iid] = _sub(router, "instances")
            _leaf(inst, "iid", iid)
        af = _sub(inst, "af")
        _leaf(af, "iaftype", AFI[afi][0])
        role = _sub(af, "role")
        flags = roles.get((iid, afi), {})
        for name in ROLES:
            _leaf(role, name, bool(flags.get(name.replace("-", "_"))))
        for entry in items["map_cache"]:
            _map_cache(af, entry)
        if (iid, afi) == (0, "ipv4"):
            # The core counts per router; IOS-XE shows them per instance: give them to IID 0.
            for name, leaf in COUNTERS.items():
                if name in counters:
                    _leaf(af, leaf, _uint(counters[name], 64))
        for entry in items["database"]:
            _local_dbase(af, entry)
        for entry in items["registrations"]:
            entry = dict(entry)
            _registration(af, entry)
            if descriptions.get(entry.get("site")):
                reg = af[len(af) - 1]
                desc = etree.Element("{%s}site-description" % OPER_NS)
                desc.text = descriptions[entry["site"]]
                reg.find("{%s}site-name" % OPER_NS).addnext(desc)
    for sess in state.get("sessions") or ():
        s = _sub(router, "sessions")
        _leaf(s, "state", "lisp-session-state-up" if sess.get("state") == "up" else "lisp-session-state-down")
        _time(s, "last-state-change-time", sess.get("since"))
        _leaf(s, "messages-in", _uint(sess.get("in") or 0, 64))
        _leaf(s, "messages-out", _uint(sess.get("out") or 0, 64))
        _leaf(s, "local-address", local_address)
        _leaf(s, "peer-address", sess["peer"])
        _leaf(s, "local-port", CONTROL_PORT)
        _leaf(s, "peer-port", _uint(sess.get("port", CONTROL_PORT), 16))
    return root

"""``Router.oper_state(now)``: plain data for the Cisco-IOS-XE-lisp-oper view (times are epoch
floats; the NETCONF server turns them into ``yang:date-and-time``)."""

from __future__ import annotations

from .prefix import prefix_text
from .show import SESSION_UP_FOR


def _hex(value) -> str | None:
    return None if value is None else value.hex()


def oper_state(router, now: float) -> dict:
    out = {"roles": {k: dict(v) for k, v in router.roles.items()}}
    cache = []
    for e in router.map_cache.entries():
        cache.append({
            "iid": e.prefix.iid, "afi": e.prefix.afi, "prefix": prefix_text(e.prefix), "created": e.created,
            "expires": e.expires, "ttl_s": e.ttl_s, "negative": e.negative, "action": e.action,
            "authoritative": e.authoritative, "via": e.via, "state": e.state,
            "locators": [{"address": l.address, "state": l.state, "priority": l.priority, "weight": l.weight,
                          "since": l.since, "probe_rtt": l.probe_rtt} for l in e.locators]})
    out["map_cache"] = cache
    database = []
    if router.etr is not None:
        servers = [{"address": ms.address, "registered": ms.last_notify is not None, "last_notify": ms.last_notify}
                   for ms in router.etr.map_servers.values()]
        for p in sorted(router.etr.database):
            dm = router.etr.database[p]
            database.append({
                "iid": p.iid, "afi": p.afi, "prefix": prefix_text(p), "locator_set": dm.locator_set,
                "created": dm.created,
                "locators": [{"address": a, "priority": pri, "weight": wgt, "state": "up", "local": True}
                             for a, pri, wgt in dm.locators],
                "map_servers": [dict(s) for s in servers]})
    out["database"] = database
    registrations, sites = [], []
    ms = router.map_server
    if ms is not None:
        for site in ms.sites.values():
            sites.append({"name": site.name, "description": site.description, "auth_failures": site.auth_failures,
                          "allowed_locator_mismatches": site.allowed_locator_mismatches,
                          "replays": site.replays, "refreshes": site.refreshes,
                          "registered": any(r.etrs for r in site.registrations.values())})
            for p in sorted(set(site.eid_records) | set(site.registrations)):
                reg = site.registrations.get(p)
                etrs = sorted(reg.etrs.values(), key=lambda e: -e.last_registered) if reg is not None else []
                latest = etrs[0] if etrs else None
                gone = site.history.get(p) if latest is None else None  # registered once, expired since
                registrations.append({
                    "iid": p.iid, "afi": p.afi, "prefix": prefix_text(p), "site": site.name,
                    "registered": latest is not None,
                    "first_registered": reg.first_registered if reg is not None else None,
                    "last_registered": latest.last_registered if latest else gone[0] if gone else None,
                    "last_source": latest.source[0] if latest else gone[1][0] if gone else None,
                    "ttl_s": latest.ttl_min * 60 if latest else None,
                    "proxy_reply": any(e.proxy_reply for e in etrs),
                    "want_map_notify": any(e.want_map_notify for e in etrs),
                    "auth_failures": site.auth_failures,
                    "allowed_locator_mismatches": site.allowed_locator_mismatches,
                    "xtr_id": _hex(latest.xtr_id) if latest else None,
                    "site_id": _hex(latest.site_id) if latest else None,
                    "hash_function": latest.hash_function if latest else None,
                    "locators": [{"address": l.address, "priority": l.priority, "weight": l.weight,
                                  "state": "up" if l.reachable else "down", "local": l.local}
                                 for l in (latest.locators if latest else ())]})
    out["registrations"] = registrations
    out["sites"] = sites
    out["sessions"] = [{"peer": peer[0], "port": peer[1],
                        "state": "up" if st["last_in"] is not None and now - st["last_in"] <= SESSION_UP_FOR else "down",
                        "since": st["since"], "in": st["in"], "out": st["out"]}
                       for peer, st in sorted(router.peers.items())]
    out["counters"] = dict(router.counters)
    return out

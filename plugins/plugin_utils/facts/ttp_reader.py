# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read show outputs with the collection's TTP templates (``templates/ttp/``).

The second reader of the CLI outputs: it turns TTP's results into raw text records and hands
them to the builders of ``normalise.py``, so ``parse_cli_ttp(outputs)`` must equal
``parse_cli(outputs)`` — the unit tests check it on every recorded output. The facts path uses
``cli.py`` (several times faster than TTP on a large map-cache, see bench/facts_parse.py); this
module is what proves the templates shipped for ``ansible.utils.cli_parse`` users are right.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import cli

try:
    from ttp import ttp as _ttp

    HAS_TTP = True
except ImportError:  # pragma: no cover - ttp is in requirements.txt
    _ttp = None
    HAS_TTP = False

TEMPLATE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "templates", "ttp"))

# family (and output form) -> template file, named for ansible.utils.cli_parse: ios_<command>.ttp
TEMPLATES = {
    "map_cache": "ios_show_ip_lisp_map-cache.ttp",
    "database": "ios_show_ip_lisp_database.ttp",
    "sessions": "ios_show_lisp_session.ttp",
    "site_table": "ios_show_lisp_site.ttp",
    "site_detail": "ios_show_lisp_site_detail.ttp",
    "site_summary": "ios_show_lisp_site_summary.ttp",
    "service": "ios_show_lisp_service_ipv4.ttp",
    "service_summary": "ios_show_lisp_service_ipv4_summary.ttp",
}


def template_path(kind):
    return os.path.join(TEMPLATE_DIR, TEMPLATES[kind])


def run_template(kind, text):
    """Run one template; return the result dict of the single input (``{}`` when empty)."""
    if not HAS_TTP:
        raise ImportError("the ttp package is required to read outputs with the TTP templates")
    with open(template_path(kind), encoding="utf-8") as handle:
        template = handle.read()
    parser = _ttp(data=text, template=template)
    parser.parse(one=True)
    result = parser.result()
    merged = {}
    for per_template in result:
        for per_input in per_template:
            if isinstance(per_input, dict):
                for key, value in per_input.items():
                    merged.setdefault(key, []).extend(as_list(value))
    return merged


def as_list(value):
    """TTP gives a dict for one match and a list for several."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _map_cache(text, context):
    out = []
    for table in run_template("map_cache", text).get("tables", []):
        for entry in as_list(table.get("entries")):
            out.append({
                "iid": table.get("iid", context.get("iid")), "afi": table.get("afi", context.get("afi")),
                "prefix": entry.get("prefix"), "uptime": entry.get("uptime"), "expires": entry.get("expires"),
                "via": entry.get("via"), "negative_action": entry.get("negative_action"),
                "action": entry.get("action"), "state": entry.get("state"),
                "locators": [{k: loc.get(k) for k in ("address", "uptime", "state", "priority", "weight")}
                             for loc in as_list(entry.get("locators"))],
            })
    return out


def _database(text, context):
    out = []
    for table in run_template("database", text).get("tables", []):
        for entry in as_list(table.get("entries")):
            out.append({
                "iid": table.get("iid", context.get("iid")), "afi": table.get("afi", context.get("afi")),
                "prefix": entry.get("prefix"), "flags": entry.get("flags", ""), "uptime": entry.get("uptime"),
                "locators": [{k: loc.get(k) for k in ("address", "priority", "weight", "source", "state")}
                             for loc in as_list(entry.get("locators"))],
            })
    return out


def _sessions(text):
    out = []
    for vrf in run_template("sessions", text).get("vrfs", []):
        for row in as_list(vrf.get("rows")):
            out.append({"vrf": vrf.get("vrf"), "peer": row.get("peer"), "state": row.get("state"),
                        "since": row.get("since"), "msg_in": row.get("msg_in"), "msg_out": row.get("msg_out"),
                        "users": row.get("users"), "rtt": row.get("rtt")})
    return out


def _site_rows(text):
    """Carry the site name down; join a wrapped row with its continuation line."""
    rows = []
    site = None
    pending = None
    for item in run_template("site_table", text).get("rows", []):
        if "last" not in item:  # continuation line: iid + prefix
            if pending is not None:
                pending["iid"], pending["prefix"] = item.get("iid"), item.get("prefix")
                rows.append(pending)
            pending = None
            continue
        pending = None
        site = item.get("site", site)
        row = {"site": site, "last": item.get("last"), "up": item.get("up"), "who": item.get("who"),
               "iid": item.get("iid"), "prefix": item.get("prefix")}
        if row["prefix"] is None:
            pending = row
        else:
            rows.append(row)
    return rows


def _site_details(text):
    out = []
    for site in run_template("site_detail", text).get("sites", []):
        eids = []
        for eid in as_list(site.get("eids")):
            etrs = []
            for etr in as_list(eid.get("etrs")):
                etrs.append({
                    "address": etr.get("address"), "last_registered": etr.get("last_registered"),
                    "flags": etr.get("flags", ""), "ttl": etr.get("ttl"), "state": etr.get("state"),
                    "locators": [{k: loc.get(k) for k in ("address", "local", "state", "priority", "weight")}
                                 for loc in as_list(etr.get("locators"))],
                })
            eids.append({k: eid.get(k) for k in ("prefix", "iid", "first_registered", "last_registered", "ttl",
                                                 "state", "auth_failures", "locator_mismatches")})
            eids[-1]["etrs"] = etrs
        out.append({"name": site.get("name"), "description": site.get("description"), "replays": site.get("replays"),
                    "refreshes": site.get("refreshes"), "eids": eids})
    return out


def _site_summary(text):
    out = []
    for row in run_template("site_summary", text).get("rows", []):
        out.append({"site": row.get("site"),
                    "ipv4": [row.get("ipv4_" + k) for k in ("configured", "registered", "inconsistent")],
                    "ipv6": [row.get("ipv6_" + k) for k in ("configured", "registered", "inconsistent")],
                    "mac": [row.get("mac_" + k) for k in ("configured", "registered", "inconsistent")]})
    return out


_SERVICE_LABELS = {
    "iid": "Instance ID", "eid_table": "EID table",
    "itr": "Ingress Tunnel Router (ITR)", "etr": "Egress Tunnel Router (ETR)",
    "pitr": "Proxy-ITR Router (PITR)", "petr": "Proxy-ETR Router (PETR)",
    "ms": "Map Server (MS)", "mr": "Map Resolver (MR)",
}


def _service_detail(text):
    result = run_template("service", text)
    values = {}
    for item in result.get("service", []):
        for key, label in _SERVICE_LABELS.items():
            if item.get(key) is not None:
                values.setdefault(label, []).append(item[key])
    for group, label in (("map_resolvers", "ITR Map-Resolver(s)"), ("map_servers", "ETR Map-Server(s)")):
        for item in result.get(group, []):
            if item.get("addresses"):
                values.setdefault(label, []).extend(item["addresses"].split(","))
    return values


def _service_summary(text):
    return [{k: row.get(k) for k in ("vrf", "interface", "db_size", "db_no_route", "cache_size", "incomplete",
                                     "idle", "role")}
            for row in run_template("service_summary", text).get("rows", [])]


def feed(builder, family, context, text, cmd=""):
    if family == "map_cache":
        builder.add_map_cache(_map_cache(text, context))
    elif family == "database":
        builder.add_database(_database(text, context))
    elif family == "sessions":
        builder.add_sessions(_sessions(text))
    elif family == "sites":
        if " summary" in cmd:
            builder.add_sites(summary=_site_summary(text))
        else:
            builder.add_sites(rows=_site_rows(text), details=_site_details(text))
    elif family == "services":
        afi = cli.service_afi(context)
        if cmd.endswith(" summary"):
            builder.add_services(afi, summary_rows=_service_summary(text))
        else:
            builder.add_services(afi, detail=_service_detail(text))
    elif family == "config":
        builder.config_text = text


def parse_cli_ttp(outputs):
    """Same contract as ``cli.parse_cli``, read through the TTP templates."""
    builder = cli.FactsBuilder()
    for command, text in outputs.items():
        family, context = cli.classify(command)
        if family is None or text is None:
            continue
        feed(builder, family, context, text, cli.normalise_command(command).lower())
    return builder.facts()

# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Gather the ``lisp`` facts from a device (CLI or NETCONF transport) or from recorded outputs.

``gather(transport, subsets, instance_ids)`` is what ``lisp_facts`` and ``lisp_verify`` run against
a device; ``from_outputs(outputs, subsets)`` is the offline path (``outputs:`` option). Both return
``(facts, info)``: the facts dict (only the requested subsets) and what was done to get it
(``commands`` run, ``skipped`` commands the device refused, ``instance_ids``), for the task result.

Secrets: the running configuration is read for the ``config`` subset only, through the model's
``mask``; the raw text never reaches the facts or the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import cli, oper
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import normalise as nz

SUBSETS = ("map_cache", "sites", "database", "sessions", "services", "config")
CONFIG_RESOURCES = ("mapping_system", "sites", "xtr")
RUNNING_SECTION = "show running-config | section router lisp"
AFIS = ("ipv4", "ipv6")


class FactsError(Exception):
    """A gather_subset / instance_ids problem, or a device answer we cannot use."""


def resolve_subsets(gather_subset):
    """``['all', '!sessions']`` -> {'map_cache', 'sites', 'database', 'services', 'config'}.

    ``all`` (or an empty list) is every subset; ``!x`` removes x; a list of only exclusions starts
    from ``all`` (as Ansible's own gather_subset does)."""
    items = [str(i).strip() for i in (gather_subset or ["all"]) if str(i).strip()]
    include = set()
    exclude = set()
    for item in items:
        negate = item.startswith("!")
        name = item[1:] if negate else item
        if name == "all":
            names = set(SUBSETS)
        elif name in SUBSETS:
            names = {name}
        else:
            raise FactsError("gather_subset: unknown subset %r; expected one of all, %s (or !name to exclude one)"
                             % (item, ", ".join(SUBSETS)))
        (exclude if negate else include).update(names)
    if not include:
        include = set(SUBSETS)
    return include - exclude


def _filter_iids(facts, instance_ids):
    if not instance_ids:
        return facts
    wanted = set(instance_ids)
    for key in ("map_cache", "database"):
        if key in facts:
            facts[key] = [e for e in facts[key] if e["instance_id"] in wanted]
    if "sites" in facts:
        for site in facts["sites"]:
            site["eid_records"] = [r for r in site["eid_records"] if r["instance_id"] in wanted]
    return facts


def _codecs():
    # pylint: disable-next=import-outside-toplevel  # only the config subset needs the codecs
    from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, model, xml_codec
    return model, cli_codec, xml_codec


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "to_dict"):
        return _plain(value.to_dict())
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def config_from_cli(text):
    """Running-config text -> ``config`` facts (secrets masked by the model)."""
    model, cli_codec, _xml = _codecs()
    return {res: _plain(model.mask(res, cli_codec.parse(res, text or ""))) for res in CONFIG_RESOURCES}


def config_from_netconf(transport):
    model, _cli, xml_codec = _codecs()
    out = {}
    for res in CONFIG_RESOURCES:
        data = transport.get_config(xml_codec.filter_xml(res))
        if data is None:
            data_xml = '<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>'
        elif isinstance(data, (str, bytes)):
            data_xml = data
        else:
            data_xml = oper.etree.tostring(data, encoding="unicode")
        out[res] = _plain(model.mask(res, xml_codec.parse(res, data_xml)))
    return out


def from_outputs(outputs, subsets=SUBSETS, instance_ids=None):
    """Offline: ``{command: output}`` -> (facts, info)."""
    facts = cli.parse_cli(outputs)
    for command, text in outputs.items():
        if cli.classify(command)[0] == "config" and "config" in subsets:
            facts["config"] = config_from_cli(text)
    facts = {k: v for k, v in facts.items() if k in subsets}
    info = {"commands": list(outputs), "unparsed": cli.unparsed_commands(outputs), "skipped": []}
    return _filter_iids(facts, instance_ids), info


def from_oper(data_xml, subsets=SUBSETS, instance_ids=None, now=None):
    """Offline: an oper ``<get>`` reply -> (facts, info)."""
    facts = oper.parse_oper(data_xml, now=now, subsets=subsets)
    return _filter_iids(facts, instance_ids), {"commands": [], "unparsed": [], "skipped": []}


class _CliRun:
    """Runs commands one by one; a command the device rejects is recorded, not fatal (an xTR has
    no 'show lisp site', an IPv4-only router no IPv6 service)."""

    def __init__(self, transport, error_types):
        self.transport = transport
        self.error_types = error_types
        self.outputs = {}
        self.skipped = []

    def run(self, command):
        if command in self.outputs:
            return self.outputs[command]
        try:
            text = self.transport.run_commands([command])[command]
        except self.error_types as exc:
            if getattr(exc, "cause", None) != "command":
                raise
            self.skipped.append(command)
            return None
        self.outputs[command] = text
        return text


def discover_instance_ids(run):
    """{afi: [iid, ...]} from ``show lisp service ipv4|ipv6 summary`` (empty when refused)."""
    found = {}
    for afi in AFIS:
        text = run.run("show lisp service %s summary" % afi)
        if not text:
            continue
        for row in cli.read_service_summary(text):
            iid = nz.interface_iid(row.get("interface"))
            if iid is not None:
                found.setdefault(afi, [])
                if iid not in found[afi]:
                    found[afi].append(iid)
    return found


def cli_commands(subsets, per_afi):
    """The show commands for the subsets; per_afi = {afi: [iid, ...]} (None: the old 'show ip lisp')."""
    commands = []
    if "services" in subsets:
        for afi in AFIS:
            commands += ["show lisp service %s" % afi, "show lisp service %s summary" % afi]
    for subset, word in (("map_cache", "map-cache"), ("database", "database")):
        if subset not in subsets:
            continue
        if per_afi is None:
            commands.append("show ip lisp %s" % word)
            continue
        for afi in AFIS:
            for iid in per_afi.get(afi, ()):
                commands.append("show lisp instance-id %d %s %s" % (iid, afi, word))
    if "sites" in subsets:
        commands += ["show lisp site", "show lisp site detail"]
    if "sessions" in subsets:
        commands.append("show lisp session")
    if "config" in subsets:
        commands.append(RUNNING_SECTION)
    return commands


def gather(transport, subsets=SUBSETS, instance_ids=None, now=None, error_types=(Exception,)):
    """Read the subsets from a connected transport -> (facts, info).

    error_types: the transport's error class(es); on the CLI a command the device rejects (cause
    ``command``) is skipped, anything else propagates.
    """
    subsets = set(subsets)
    if transport.kind == "netconf":
        oper_subsets = subsets - {"config"}
        facts = {}
        if oper_subsets:
            data = transport.get(oper.FILTER_XML)
            facts = oper.parse_oper(data, now=now, subsets=oper_subsets)
        if "config" in subsets:
            facts["config"] = config_from_netconf(transport)
        return _filter_iids(facts, instance_ids), {"commands": [], "unparsed": [], "skipped": [],
                                                   "transport": "netconf"}
    run = _CliRun(transport, error_types)
    per_afi = None
    if subsets & {"map_cache", "database"}:
        if instance_ids:
            per_afi = {afi: list(instance_ids) for afi in AFIS}
        else:
            per_afi = discover_instance_ids(run) or None
    for command in cli_commands(subsets, per_afi):
        run.run(command)
    facts = cli.parse_cli({c: t for c, t in run.outputs.items() if cli.classify(c)[0] in subsets})
    if "config" in subsets:
        facts["config"] = config_from_cli(run.outputs.get(RUNNING_SECTION, ""))
    for subset in subsets:  # a subset whose commands were all refused is present and empty
        facts.setdefault(subset, {} if subset in ("services", "config") else [])
    info = {"commands": list(run.outputs), "unparsed": [], "skipped": run.skipped, "transport": "cli",
            "instance_ids": per_afi}
    return _filter_iids(facts, instance_ids), info

# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NETCONF codec of the LISP intent model: Cisco-IOS-XE-native + Cisco-IOS-XE-lisp (IOS-XE 17.9.1).

* ``filter_xml(resource)``: the subtree filter (one ``<native>`` element) for ``<get-config>``.
* ``parse(resource, data_xml)``: the model (state form) from a ``<data>`` reply (or ``<config>``,
  ``<rpc-reply>`` or a bare ``<native>``).
* ``render(resource, config)``: a ``<config>`` payload that creates config.
* ``mask_xml(xml)``: the payload with every key shown as ``********`` (for display only).
* ``diff_edit(resource, before, after)``: the one ``<config>`` payload for ``<edit-config>`` that
  turns before into after, with ``nc:operation`` only where the default merge is not enough
  (``remove`` for what goes away, ``replace`` where a choice changes case or an entry's set of
  options shrinks); ``None`` when nothing changes.

Paths under ``/native/router/lisp`` (``shared/design/IOSXE-NOTES.md``; only nodes whose status is
current, checked with ``tests/support/yangcheck.py``)::

    locator-set[name]/ip-address[ip]/priority-and-weight/{priority,weight}
    locator-set[name]/IPv4-interface[name]/priority-and-weight/...   (and IPv6-interface)
    service/ipv4/map-server, service/ipv4/map-resolver                (presence; MR/MS)
    service/ipv4/itr/map-resolver[ip-addr], service/ipv4/itr-enable/itr
    service/ipv4/etr/map-server[ip-addr]/{key/key-N/{ak-N,hash-function}, proxy-reply}
    service/ipv4/etr-enable/etr, service/ipv4/proxy-etr, service/ipv4/proxy-itr/{ipv4-addr,ipv6-addr}
    service/ipv4/use-petr-config/use-petr[locator-address]/priority/{priority-value,weight}
    instance-container/instance-list[instance-id]/service/ipv4/
        eid-table/{default|vrf}, database-mapping/eid-cont[eid-prefix]/locator-set-container/locator-set,
        map-cache/eid-interface[eid-prefix]/{map-request|native-forward|drop}
    loc-reach-algorithm/rloc-probing                                   (empty leaf)
    site[sname]/{authentication-key/key-N, description, allowed-locator/{ls-ipv4,ls-ipv6},
        eid-record/prefixes[prefix]/accept-more-specifics                 (instance-id 0)
        eid-record/instance-id-cfg[id prefix]/accept-more-specifics}     (instance-id 1..16777214)

(``service/ipv6`` and ``instance-list/service/ipv6`` have the same shape.)
"""

from __future__ import annotations

import copy

try:
    from lxml import etree
except ImportError as exc:  # controller requirement (requirements.txt); reported when the codec is used
    etree = None
    LXML_IMPORT_ERROR = exc
else:
    LXML_IMPORT_ERROR = None

from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import (
    FAMILIES,
    MASK,
    canonical,
    schema,
)

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
OPERATION = "{%s}operation" % NC

# list entries and their keys (element local name -> key leaves), as in Cisco-IOS-XE-lisp
LIST_KEYS = {
    "locator-set": ("name",),
    "IPv4-interface": ("name",),
    "IPv6-interface": ("name",),
    "ip-address": ("ip",),
    "map-resolver": ("ip-addr",),
    "map-server": ("ip-addr",),
    "use-petr": ("locator-address",),
    "instance-list": ("instance-id",),
    "eid-cont": ("eid-prefix",),
    "eid-interface": ("eid-prefix",),
    "site": ("sname",),
    "prefixes": ("prefix",),
    "instance-id-cfg": ("id", "prefix"),
}
# changed as a whole: a choice whose case may change, or options that are siblings of each other
REPLACE_UNITS = ("key", "authentication-key", "eid-table", "eid-interface")
# containers that only hold what this model writes: removed whole when they go
OWNED_CONTAINERS = REPLACE_UNITS + ("proxy-itr", "allowed-locator", "priority", "priority-and-weight",
                                    "locator-set-container", "itr-enable", "etr-enable")
_KEY_CASES = {0: ("key-0", "ak-0"), 6: ("key-6", "ak-6"), 7: ("key-7", "ak-7")}
_FILTERS = {
    "mapping_system": ("service",),
    "sites": ("site",),
    "xtr": ("locator-set", "service", "instance-container", "loc-reach-algorithm"),
}


def _tag(local, namespace=LISP):
    return "{%s}%s" % (namespace, local)


def _sub(parent, local, text=None):
    element = etree.SubElement(parent, _tag(local))
    if text is not None:
        element.text = str(text)
    return element


def _child(parent, local):
    for element in parent:
        if element.tag == _tag(local):
            return element
    return _sub(parent, local)


def _find(parent, *path):
    element = parent
    for local in path:
        if element is None:
            return None
        element = element.find(_tag(local))
    return element


def _findall(parent, *path):
    if parent is None:
        return []
    *head, last = path
    element = _find(parent, *head) if head else parent
    return [] if element is None else element.findall(_tag(last))


def _text(parent, *path):
    element = _find(parent, *path)
    if element is None or element.text is None:
        return None
    return element.text.strip()


def _has(parent, *path):
    return _find(parent, *path) is not None


def _lisp_root():
    config = etree.Element(_tag("config", NC), nsmap={None: NC, "nc": NC})
    native = etree.SubElement(config, _tag("native", NATIVE), nsmap={None: NATIVE})
    router = etree.SubElement(native, _tag("router", NATIVE))
    lisp = etree.SubElement(router, _tag("lisp"), nsmap={None: LISP})
    return config, lisp


def _to_string(element):
    return etree.tostring(element, encoding="unicode")


# ---------------------------------------------------------------------------------------------
# model -> XML
# ---------------------------------------------------------------------------------------------


def _build_mapping_system(lisp, config):
    for family in FAMILIES:
        branch = config.get(family) or {}
        roles = [local for local in ("map-server", "map-resolver") if branch.get(local.replace("-", "_"))]
        if roles:
            ipv = _child(_child(lisp, "service"), family)
            for local in roles:
                _sub(ipv, local)


def _build_sites(lisp, config):
    for site in config:
        entry = _sub(lisp, "site")
        _sub(entry, "sname", site["name"])
        if "authentication_key" in site:
            _sub(_sub(entry, "authentication-key"), "key-%d" % site["key_type"], site["authentication_key"])
        if "description" in site:
            _sub(entry, "description", site["description"])
        if site.get("allowed_locators"):
            allowed = _sub(entry, "allowed-locator")
            for address in site["allowed_locators"]:
                _sub(allowed, "ls-ipv6" if ":" in address else "ls-ipv4", address)
        if site.get("eid_records"):
            records = _sub(entry, "eid-record")
            for record in site["eid_records"]:
                if record["instance_id"]:
                    element = _sub(records, "instance-id-cfg")
                    _sub(element, "id", record["instance_id"])
                else:
                    element = _sub(records, "prefixes")
                _sub(element, "prefix", record["prefix"])
                if record.get("accept_more_specifics"):
                    _sub(element, "accept-more-specifics")


def _build_locator_sets(lisp, locator_sets):
    for locator_set in locator_sets:
        entry = _sub(lisp, "locator-set")
        _sub(entry, "name", locator_set["name"])
        locators = locator_set.get("locators", [])
        groups = (
            ("IPv4-interface", "name", [loc for loc in locators if loc.get("family") == "ipv4" and "interface" in loc]),
            ("IPv6-interface", "name", [loc for loc in locators if loc.get("family") == "ipv6" and "interface" in loc]),
            ("ip-address", "ip", [loc for loc in locators if "address" in loc]),
        )
        for local, key, members in groups:
            for locator in members:
                element = _sub(entry, local)
                _sub(element, key, locator.get("interface", locator.get("address")))
                weights = _sub(element, "priority-and-weight")
                _sub(weights, "priority", locator["priority"])
                _sub(weights, "weight", locator["weight"])


def _build_service(lisp, family, service):
    if not service:
        return
    ipv = _child(_child(lisp, "service"), family)
    itr = service.get("itr") or {}
    etr = service.get("etr") or {}
    if itr.get("map_resolvers"):
        container = _sub(ipv, "itr")
        for address in itr["map_resolvers"]:
            _sub(_sub(container, "map-resolver"), "ip-addr", address)
    if itr.get("enabled"):
        _sub(_sub(ipv, "itr-enable"), "itr")
    if etr.get("enabled"):
        _sub(_sub(ipv, "etr-enable"), "etr")
    if etr.get("map_servers"):
        container = _sub(ipv, "etr")
        for server in etr["map_servers"]:
            entry = _sub(container, "map-server")
            _sub(entry, "ip-addr", server["address"])
            if "key" in server:
                case, leaf = _KEY_CASES[server["key_type"]]
                key = _sub(_sub(entry, "key"), case)
                _sub(key, leaf, server["key"])
                if "hash_function" in server:
                    _sub(key, "hash-function", server["hash_function"])
            if server.get("proxy_reply"):
                _sub(entry, "proxy-reply")
    if service.get("proxy_etr"):
        _sub(ipv, "proxy-etr")
    if service.get("proxy_itr"):
        container = _sub(ipv, "proxy-itr")
        for address in service["proxy_itr"]:
            _sub(container, "ipv6-addr" if ":" in address else "ipv4-addr", address)
    if service.get("use_petr"):
        container = _sub(ipv, "use-petr-config")
        for petr in service["use_petr"]:
            entry = _sub(container, "use-petr")
            _sub(entry, "locator-address", petr["address"])
            if "priority" in petr:
                weights = _sub(entry, "priority")
                _sub(weights, "priority-value", petr["priority"])
                _sub(weights, "weight", petr["weight"])


def _build_instance_service(parent, family, service):
    ipv = _sub(parent, family)
    if "eid_table" in service:
        table = _sub(ipv, "eid-table")
        if service["eid_table"] == "default":
            _sub(table, "default")
        else:
            _sub(table, "vrf", service["eid_table"].split(" ", 1)[1])
    if service.get("map_cache"):
        container = _sub(ipv, "map-cache")
        for entry in service["map_cache"]:
            element = _sub(container, "eid-interface")
            _sub(element, "eid-prefix", entry["prefix"])
            _sub(element, entry["action"])
    if service.get("database_mappings"):
        container = _sub(ipv, "database-mapping")
        for mapping in service["database_mappings"]:
            element = _sub(container, "eid-cont")
            _sub(element, "eid-prefix", mapping["prefix"])
            _sub(_sub(element, "locator-set-container"), "locator-set", mapping["locator_set"])


def _build_xtr(lisp, config):
    _build_locator_sets(lisp, config.get("locator_sets", []))
    for family in FAMILIES:
        _build_service(lisp, family, config.get(family))
    if config.get("instances"):
        container = _sub(lisp, "instance-container")
        for instance in config["instances"]:
            entry = _sub(container, "instance-list")
            _sub(entry, "instance-id", instance["instance_id"])
            services = [family for family in FAMILIES if family in instance]
            if services:
                service = _sub(entry, "service")
                for family in services:
                    _build_instance_service(service, family, instance[family])
    if config.get("rloc_probing"):
        _sub(_sub(lisp, "loc-reach-algorithm"), "rloc-probing")


_BUILDERS = {"mapping_system": _build_mapping_system, "sites": _build_sites, "xtr": _build_xtr}


def _tree(resource, config):
    root, lisp = _lisp_root()
    _BUILDERS[resource](lisp, canonical(resource, config))
    return root, lisp


def _require_lxml():
    if etree is None:
        raise ImportError("the NETCONF codec of lispnet.lisp needs the Python package lxml on the controller "
                          "(pip install lxml): %s" % LXML_IMPORT_ERROR)


def render(resource, config):
    """A ``<config>`` payload (text) that creates config."""
    _require_lxml()
    schema(resource)
    root, _lisp = _tree(resource, config)
    return _to_string(root)


def filter_xml(resource):
    """The subtree filter for ``<get-config>``: a ``<native>`` element selecting this resource's nodes."""
    _require_lxml()
    schema(resource)
    native = etree.Element(_tag("native", NATIVE), nsmap={None: NATIVE})
    lisp = etree.SubElement(etree.SubElement(native, _tag("router", NATIVE)), _tag("lisp"), nsmap={None: LISP})
    for local in _FILTERS[resource]:
        _sub(lisp, local)
    return _to_string(native)


# ---------------------------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------------------------


def _local(element):
    return etree.QName(element).localname


def _identity(element):
    keys = LIST_KEYS.get(_local(element), ())
    values = []
    for key in keys:
        found = element.find(_tag(key))
        values.append(None if found is None else (found.text or "").strip())
    return (element.tag, tuple(values))


def _is_entry(element):
    identity = _identity(element)
    return any(value is not None for value in identity[1])


def _shell(element):
    """element without children, but with its list keys (an entry is addressed by its keys)."""
    shell = etree.Element(element.tag)
    for key in LIST_KEYS.get(_local(element), ()):
        found = element.find(_tag(key))
        if found is not None:
            shell.append(copy.deepcopy(found))
    return shell


def _removal(element):
    shell = _shell(element)
    shell.set(OPERATION, "remove")
    return shell


def _same(left, right):
    return etree.tostring(left) == etree.tostring(right)


def _diff(before, after):
    """The edit element turning before into after (same tag), or None when they are equal."""
    result = _shell(after)
    key_tags = set(child.tag for child in result)
    changes = []
    new = {_identity(child): child for child in after if child.tag not in key_tags}
    old = {_identity(child): child for child in before if child.tag not in key_tags}
    for identity, child in old.items():
        if identity in new:
            continue
        if _is_entry(child) or len(child) == 0 or _local(child) in OWNED_CONTAINERS:
            changes.append(_removal(child))
        else:
            inner = _diff(child, etree.Element(child.tag))
            if inner is not None:
                changes.append(inner)
    for identity, child in new.items():
        previous = old.get(identity)
        if previous is None:
            changes.append(copy.deepcopy(child))
        elif _same(previous, child):
            continue
        elif len(child) == 0:
            changes.append(copy.deepcopy(child))
        elif _local(child) in REPLACE_UNITS:
            replacement = copy.deepcopy(child)
            replacement.set(OPERATION, "replace")
            changes.append(replacement)
        else:
            inner = _diff(previous, child)
            if inner is not None:
                changes.append(inner)
    if not changes:
        return None
    for change in changes:
        result.append(change)
    return result


def diff_edit(resource, before, after):
    """The ``<config>`` payload (text) that turns before into after; None when they are equivalent."""
    _require_lxml()
    schema(resource)
    _root, old = _tree(resource, before)
    root, new = _tree(resource, after)
    edit = _diff(old, new)
    if edit is None:
        return None
    parent = new.getparent()
    parent.remove(new)
    _rebuild(edit, parent, nsmap={None: LISP})
    return _to_string(root)


def _rebuild(source, parent, nsmap=None):
    """Copy source under parent as new elements, so they share the namespace declarations of the payload."""
    element = etree.SubElement(parent, source.tag, nsmap=nsmap) if nsmap else etree.SubElement(parent, source.tag)
    for name, value in source.attrib.items():
        element.set(name, value)
    element.text = source.text
    for child in source:
        _rebuild(child, element)


# ---------------------------------------------------------------------------------------------
# XML -> model
# ---------------------------------------------------------------------------------------------


def _parse_key(container, cases):
    """(key_type, key, hash_function) from a key container holding one of the cases."""
    for key_type, case, leaf in cases:
        element = _find(container, case) if case else container
        if element is None:
            continue
        value = _text(element, leaf) if leaf else (element.text or "").strip()
        if value:
            return key_type, value, _text(element, "hash-function") if leaf else None
    return None, None, None


_MAP_SERVER_KEYS = ((0, "key-pwd", "unc-pwd"), (0, "key-0", "ak-0"), (6, "key-6", "ak-6"), (7, "key-7", "ak-7"))
_SITE_KEYS = ((0, "unc-pwd", None), (0, "key-0", None), (6, "key-6", None), (7, "key-7", None))


def _parse_mapping_system(lisp):
    config = {}
    for family in FAMILIES:
        ipv = _find(lisp, "service", family)
        branch = {local.replace("-", "_"): True for local in ("map-server", "map-resolver") if _has(ipv, local)}
        if branch:
            config[family] = branch
    return config


def _parse_eid_records(site):
    records = []
    for container in ("eid-record", "eid-prefix"):
        for element in _findall(site, container, "prefixes"):
            records.append({"instance_id": 0, "prefix": _text(element, "prefix"),
                            "accept_more_specifics": _has(element, "accept-more-specifics")})
        for element in _findall(site, container, "instance-id-cfg"):
            records.append({"instance_id": _text(element, "id"), "prefix": _text(element, "prefix"),
                            "accept_more_specifics": _has(element, "accept-more-specifics")})
    unique = {}
    for record in records:
        unique.setdefault((str(record["instance_id"]), record["prefix"]), record)
    return list(unique.values())


def _parse_sites(lisp):
    sites = []
    for element in _findall(lisp, "site"):
        site = {"name": _text(element, "sname"), "description": _text(element, "description"),
                "eid_records": _parse_eid_records(element),
                "allowed_locators": [value for value in (_text(element, "allowed-locator", leaf) for leaf in ("ls-ipv4", "ls-ipv6")) if value]}
        key_type, key, _hash = _parse_key(_find(element, "authentication-key"), _SITE_KEYS)
        if key is not None:
            site["authentication_key"], site["key_type"] = key, key_type
        sites.append(site)
    return sites


def _parse_locator_sets(lisp):
    locator_sets = []
    for element in _findall(lisp, "locator-set"):
        locators = []
        for local, key, extra in (("IPv4-interface", "name", {"family": "ipv4"}), ("IPv6-interface", "name", {"family": "ipv6"}),
                                  ("ip-address", "ip", {})):
            for member in _findall(element, local):
                locator = dict(extra)
                locator["interface" if key == "name" else "address"] = _text(member, key)
                locator["priority"] = _text(member, "priority-and-weight", "priority")
                locator["weight"] = _text(member, "priority-and-weight", "weight")
                locators.append(locator)
        locator_sets.append({"name": _text(element, "name"), "locators": locators})
    return locator_sets


def _parse_service(ipv):
    if ipv is None:
        return None
    servers = []
    for element in _findall(ipv, "etr", "map-server"):
        server = {"address": _text(element, "ip-addr"), "proxy_reply": _has(element, "proxy-reply")}
        key_type, key, hash_function = _parse_key(_find(element, "key"), _MAP_SERVER_KEYS)
        if key is not None:
            server.update({"key": key, "key_type": key_type, "hash_function": hash_function})
        if key is not None or server["proxy_reply"]:
            servers.append(server)
    petrs = []
    for element in _findall(ipv, "use-petr-config", "use-petr"):
        petr = {"address": _text(element, "locator-address")}
        if _has(element, "priority", "priority-value"):
            petr["priority"] = _text(element, "priority", "priority-value")
            petr["weight"] = _text(element, "priority", "weight")
        petrs.append(petr)
    return {
        "itr": {"enabled": _has(ipv, "itr-enable", "itr"),
                "map_resolvers": [_text(element, "ip-addr") for element in _findall(ipv, "itr", "map-resolver")]},
        "etr": {"enabled": _has(ipv, "etr-enable", "etr"), "map_servers": servers},
        "use_petr": petrs,
        "proxy_itr": [value for value in (_text(ipv, "proxy-itr", leaf) for leaf in ("ipv4-addr", "ipv6-addr")) if value],
        "proxy_etr": _has(ipv, "proxy-etr"),
    }


def _parse_instance_service(ipv):
    service = {"database_mappings": [], "map_cache": []}
    table = _find(ipv, "eid-table")
    if table is not None:
        vrf = _text(table, "vrf") or _text(table, "vrf-name")
        if vrf:
            service["eid_table"] = "vrf " + vrf
        elif _has(table, "default"):
            service["eid_table"] = "default"
    for element in _findall(ipv, "database-mapping", "eid-cont"):
        locator_set = _text(element, "locator-set-container", "locator-set")
        if locator_set:
            service["database_mappings"].append({"prefix": _text(element, "eid-prefix"), "locator_set": locator_set})
    for element in _findall(ipv, "map-cache", "eid-interface"):
        actions = [action for action in ("map-request", "native-forward", "drop") if _has(element, action)]
        if actions:
            service["map_cache"].append({"prefix": _text(element, "eid-prefix"), "action": actions[0]})
    return service


def _parse_xtr(lisp):
    config = {"locator_sets": _parse_locator_sets(lisp), "instances": []}
    for family in FAMILIES:
        config[family] = _parse_service(_find(lisp, "service", family))
    for element in _findall(lisp, "instance-container", "instance-list"):
        instance = {"instance_id": _text(element, "instance-id")}
        for family in FAMILIES:
            ipv = _find(element, "service", family)
            if ipv is not None:
                instance[family] = _parse_instance_service(ipv)
        config["instances"].append(instance)
    config["rloc_probing"] = _has(lisp, "loc-reach-algorithm", "rloc-probing")
    return config


_PARSERS = {"mapping_system": _parse_mapping_system, "sites": _parse_sites, "xtr": _parse_xtr}


def _lisp_elements(root):
    if root.tag == _tag("lisp"):
        return [root]
    return [element for element in root.iter(_tag("lisp")) if element.getparent() is not None
            and element.getparent().tag == _tag("router", NATIVE)]


def parse(resource, data_xml):
    """The resource's configuration (state form) from NETCONF XML (text, bytes or an lxml element)."""
    _require_lxml()
    schema(resource)
    if isinstance(data_xml, (str, bytes)):
        text = data_xml.encode("utf-8") if isinstance(data_xml, str) else data_xml
        parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(text.strip(), parser)
    else:
        root = data_xml
    lisp = _lisp_elements(root)
    if not lisp:
        return canonical(resource, None)
    merged = copy.deepcopy(lisp[0])
    for extra in lisp[1:]:
        for child in extra:
            merged.append(copy.deepcopy(child))
    return canonical(resource, _PARSERS[resource](merged))


# ---------------------------------------------------------------------------------------------
# display
# ---------------------------------------------------------------------------------------------

_SECRET_LEAVES = ("unc-pwd", "ak-0", "ak-6", "ak-7", "key-0", "key-6", "key-7")


def mask_xml(xml):
    """xml (text) with every key leaf's value shown as ********, for display; None stays None."""
    if xml is None:
        return None
    _require_lxml()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, parser)
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace == LISP and _local(element) in _SECRET_LEAVES \
                and len(element) == 0 and (element.text or "").strip():
            element.text = MASK
    return _to_string(root)

# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IOS-XE 17 CLI codec of the LISP intent model: ``router lisp`` lines in, the same model out.

* ``parse(resource, text)``: the model (state form) from ``show running-config | section router
  lisp`` as IOS-XE 17 prints it (sub-modes indented one blank, closed by ``exit-<mode>``, ``!``
  separators), from the unindented commands ``render`` produces, or from the older flat style
  (``ipv4 itr map-resolver ...``, ``eid-prefix ...``). Lines of other resources and lines this
  model does not cover are ignored.
* ``render(resource, config)``: the configuration lines that create config from nothing.
* ``diff_commands(resource, before, after)``: the one set of lines that turns before into after:
  ``router lisp``, each changed sub-mode entered and left with its ``exit-<mode>``, ``no`` forms for
  what goes away, ending at the global configuration level. Nothing changes: ``[]``.
* ``running_config(resource, config)``: the config as ``show running-config`` prints it.
* ``mask_commands(lines)``: the lines with every key shown as ``********`` (for display only).

The shapes follow ``shared/design/IOSXE-NOTES.md``::

    router lisp
     locator-set RLOCS
      IPv4-interface Loopback0 priority 10 weight 50
      192.0.2.1 priority 10 weight 50
      exit-locator-set
     service ipv4
      itr map-resolver 192.0.2.10
      itr
      etr map-server 192.0.2.10 key 0 SITE1-KEY hash-function sha2
      etr map-server 192.0.2.10 proxy-reply
      etr
      use-petr 192.0.2.20 priority 1 weight 100
      proxy-itr 192.0.2.30
      proxy-etr
      map-server
      map-resolver
      exit-service-ipv4
     instance-id 0
      service ipv4
       eid-table default
       database-mapping 192.168.1.0/24 locator-set RLOCS
       map-cache 0.0.0.0/0 map-request
       exit-service-ipv4
      exit-instance-id
     loc-reach-algorithm rloc-probing
     site SITE2
      description Branch 2
      authentication-key 0 SITE2-KEY
      eid-record 192.168.2.0/24 accept-more-specifics
      eid-record instance-id 7 10.7.0.0/16
      allowed-locator 127.0.2.1
      exit-site
     exit-router-lisp
"""

from __future__ import annotations

import re

from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import (
    FAMILIES,
    MASK,
    address_sort_key,
    canonical,
    schema,
)

_OPENERS = {
    # mode: [(pattern, mode it opens)] -- used where the text carries no indentation
    "top": [(re.compile(r"^router lisp$"), "router")],
    "router": [
        (re.compile(r"^locator-set \S+$"), "locator-set"),
        (re.compile(r"^service (ipv4|ipv6|ethernet)$"), "service"),
        (re.compile(r"^instance-id \d+$"), "instance"),
        (re.compile(r"^site \S+$"), "site"),
    ],
    "instance": [(re.compile(r"^service (ipv4|ipv6|ethernet)$"), "instance-service")],
}
_SECRET_WORDS = ("key", "authentication-key")


# ---------------------------------------------------------------------------------------------
# the block tree both directions share
# ---------------------------------------------------------------------------------------------


class Line:
    """One configuration line. ident: what it sets (two lines with one ident replace each other).

    remove: the line that undoes it. reset: a changed value must be removed before it is set again
    (the new line alone would leave options of the old one in place).
    """

    def __init__(self, text, ident=None, remove=None, reset=False):
        self.text = text
        self.ident = ident or text
        self.remove = remove or "no " + text
        self.reset = reset


class Block:
    """A sub-mode: its header line, its exit keyword and what is inside.

    shared: the block also holds lines of other resources (``service ipv4`` of the MR/MS and the
    xTR), so it is never removed as a whole; only this resource's lines in it are.
    """

    def __init__(self, header, exit_word, children, shared=False):
        self.text = header
        self.ident = header
        self.exit = exit_word
        self.children = children
        self.shared = shared


def _blocks(resource, config):
    config = canonical(resource, config)
    return _RENDERERS[resource](config)


def _render_mapping_system(config):
    blocks = []
    for family in FAMILIES:
        branch = config.get(family) or {}
        lines = [Line(word) for word in ("map-server", "map-resolver") if branch.get(word.replace("-", "_"))]
        if lines:
            blocks.append(Block("service " + family, "exit-service-" + family, lines, shared=True))
    return blocks


def _key_words(key_type, key):
    return "%s %s" % (key_type, key)


def _render_sites(config):
    blocks = []
    for site in config:
        lines = []
        if "description" in site:
            lines.append(Line("description " + site["description"], "description", "no description"))
        if "authentication_key" in site:
            lines.append(Line("authentication-key " + _key_words(site["key_type"], site["authentication_key"]),
                              "authentication-key", "no authentication-key"))
        for record in site.get("eid_records", []):
            words = ["eid-record"]
            if record["instance_id"]:
                words += ["instance-id", str(record["instance_id"])]
            words.append(record["prefix"])
            base = " ".join(words)
            if record.get("accept_more_specifics"):
                words.append("accept-more-specifics")
            lines.append(Line(" ".join(words), "eid-record %s %s" % (record["instance_id"], record["prefix"]), "no " + base, reset=True))
        for address in site.get("allowed_locators", []):
            lines.append(Line("allowed-locator " + address))
        blocks.append(Block("site " + site["name"], "exit-site", lines))
    return blocks


def _locator_line(locator):
    if "address" in locator:
        ident = locator["address"]
    else:
        ident = "%s-interface %s" % ("IPv4" if locator["family"] == "ipv4" else "IPv6", locator["interface"])
    return Line("%s priority %d weight %d" % (ident, locator["priority"], locator["weight"]), ident)


def _render_service(family, service):
    lines = []
    itr = service.get("itr") or {}
    for address in itr.get("map_resolvers", []):
        lines.append(Line("itr map-resolver " + address))
    if itr.get("enabled"):
        lines.append(Line("itr"))
    etr = service.get("etr") or {}
    for server in etr.get("map_servers", []):
        base = "etr map-server " + server["address"]
        if "key" in server:
            text = "%s key %s" % (base, _key_words(server["key_type"], server["key"]))
            if "hash_function" in server:
                text += " hash-function " + server["hash_function"]
            lines.append(Line(text, base + " key", "no %s key" % base))
        if server.get("proxy_reply"):
            lines.append(Line(base + " proxy-reply"))
    if etr.get("enabled"):
        lines.append(Line("etr"))
    for petr in service.get("use_petr", []):
        text = "use-petr " + petr["address"]
        if "priority" in petr:
            text += " priority %d weight %d" % (petr["priority"], petr["weight"])
        lines.append(Line(text, "use-petr " + petr["address"], "no use-petr " + petr["address"], reset=True))
    if service.get("proxy_itr"):
        lines.append(Line("proxy-itr " + " ".join(service["proxy_itr"]), "proxy-itr", "no proxy-itr"))
    if service.get("proxy_etr"):
        lines.append(Line("proxy-etr"))
    if not lines:
        return None
    return Block("service " + family, "exit-service-" + family, lines, shared=True)


def _render_instance_service(family, service):
    lines = []
    if "eid_table" in service:
        lines.append(Line("eid-table " + service["eid_table"], "eid-table", "no eid-table " + service["eid_table"], reset=True))
    for mapping in service.get("database_mappings", []):
        lines.append(Line("database-mapping %s locator-set %s" % (mapping["prefix"], mapping["locator_set"]),
                          "database-mapping " + mapping["prefix"], reset=True))
    for entry in service.get("map_cache", []):
        lines.append(Line("map-cache %s %s" % (entry["prefix"], entry["action"]), "map-cache " + entry["prefix"], reset=True))
    return Block("service " + family, "exit-service-" + family, lines)


def _render_xtr(config):
    blocks = []
    for locator_set in config.get("locator_sets", []):
        blocks.append(Block("locator-set " + locator_set["name"], "exit-locator-set",
                            [_locator_line(locator) for locator in locator_set.get("locators", [])]))
    for family in FAMILIES:
        block = _render_service(family, config.get(family) or {})
        if block:
            blocks.append(block)
    for instance in config.get("instances", []):
        services = [_render_instance_service(family, instance[family]) for family in FAMILIES if family in instance]
        blocks.append(Block("instance-id %d" % instance["instance_id"], "exit-instance-id", services))
    if config.get("rloc_probing"):
        blocks.append(Line("loc-reach-algorithm rloc-probing"))
    return blocks


_RENDERERS = {"mapping_system": _render_mapping_system, "sites": _render_sites, "xtr": _render_xtr}


# ---------------------------------------------------------------------------------------------
# render / diff
# ---------------------------------------------------------------------------------------------


def _diff(before, after):
    """Lines turning the items before into the items after (both lists of Line/Block)."""
    old = {item.ident: item for item in before}
    new = {item.ident: item for item in after}
    commands = []
    removed_blocks = []
    for item in before:
        if item.ident in new:
            continue
        if isinstance(item, Line):
            commands.append(item.remove)
        elif item.shared:
            inner = _diff(item.children, [])
            if inner:
                removed_blocks.append([item.text] + inner + [item.exit])
        else:
            removed_blocks.append(["no " + item.text])
    for item in after:
        previous = old.get(item.ident)
        if isinstance(item, Line):
            if previous is None:
                commands.append(item.text)
            elif previous.text != item.text:
                if item.reset:
                    commands.append(previous.remove)
                commands.append(item.text)
            continue
        inner = _diff(previous.children if previous is not None else [], item.children)
        if inner or previous is None:
            commands += [item.text] + inner + [item.exit]
    # Whole sub-modes go last, and locator-sets last of all: a device refuses to remove a
    # locator-set while a database-mapping (of an instance removed in the same set) names it.
    removed_blocks.sort(key=lambda group: group[0].startswith("no locator-set"))
    return commands + [line for group in removed_blocks for line in group]


def _wrap(commands):
    if not commands:
        return []
    return ["router lisp"] + commands + ["exit-router-lisp"]


def render(resource, config):
    """The lines that configure config on a router that has none of this resource."""
    return _wrap(_diff([], _blocks(resource, config)))


def diff_commands(resource, before, after):
    """The lines that turn before into after (both any form the model accepts); [] when they are equivalent."""
    return _wrap(_diff(_blocks(resource, before), _blocks(resource, after)))


def running_config(resource, config):
    """config as ``show running-config | section router lisp`` prints it (text, newline-terminated)."""
    out = []

    def emit(items, depth):
        for item in items:
            if isinstance(item, Line):
                out.append(" " * depth + item.text)
                continue
            out.append(" " * depth + item.text)
            emit(item.children, depth + 1)
            out.append(" " * (depth + 1) + item.exit)
            out.append(" " * depth + "!")

    blocks = _blocks(resource, config)
    if not blocks:
        return ""
    out.append("router lisp")
    emit(blocks, 1)
    out.append(" exit-router-lisp")
    out.append("!")
    return "\n".join(out) + "\n"


def mask_commands(lines):
    """lines with the key after ``key [0|6|7]`` / ``authentication-key [0|6|7]`` replaced by ********."""
    masked = []
    for line in lines:
        indent = line[:len(line) - len(line.lstrip())]
        words = line.split()
        index = 0
        while index < len(words):
            if words[index] in _SECRET_WORDS and index + 1 < len(words):
                target = index + 1
                if words[target] in ("0", "6", "7") and target + 1 < len(words):
                    target += 1
                if words[target] != "hash-function":
                    words[target] = MASK
                index = target
            index += 1
        masked.append(indent + " ".join(words) if words else line)
    return masked


# ---------------------------------------------------------------------------------------------
# parse
# ---------------------------------------------------------------------------------------------


class _Node:
    def __init__(self, text, indent, mode):
        self.text = text
        self.words = text.split()
        self.indent = indent
        self.mode = mode
        self.children = []


def _opened_mode(mode, text):
    for pattern, opened in _OPENERS.get(mode, ()):
        if pattern.match(text):
            return opened
    return None


def _tree(text):
    """The lines of text as a tree: by indentation where the text is indented, else by modes and exits."""
    raw_lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    indented = any(line.startswith(" ") and line.strip() and not line.strip().startswith("!") for line in raw_lines)
    root = _Node("", -1, "top")
    stack = [root]
    for raw in raw_lines:
        stripped = raw.strip()
        if not stripped or stripped.startswith("!"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if indented:
            while len(stack) > 1 and indent <= stack[-1].indent:
                stack.pop()
        words = stripped.split()
        if words[0] == "exit" or words[0].startswith("exit-"):
            if len(stack) > 1:
                stack.pop()
            continue
        if words[0] == "end":
            stack = [root]
            continue
        normal = " ".join(words)
        if not indented:
            # IOS leaves a sub-mode by itself when a line belongs to an enclosing mode
            depth = len(stack) - 1
            while depth > 0 and _opened_mode(stack[depth].mode, normal) is None and any(
                    _opened_mode(node.mode, normal) for node in stack[:depth]):
                depth -= 1
            del stack[depth + 1:]
        mode = _opened_mode(stack[-1].mode, normal) or "line"
        node = _Node(stripped, indent, mode)
        stack[-1].children.append(node)
        if indented or mode != "line":
            stack.append(node)
    return root


def _router_lines(text):
    lines = []
    for node in _tree(text or "").children:
        if node.words == ["router", "lisp"]:
            lines.extend(node.children)
    return lines


def _services(router):
    """{family: [nodes]} of the global service blocks, old flat ``ipv4 ...`` lines included."""
    found = {family: [] for family in FAMILIES}
    for node in router:
        if node.words[0] == "service" and len(node.words) == 2 and node.words[1] in FAMILIES:
            found[node.words[1]].extend(node.children)
        elif node.words[0] in FAMILIES and len(node.words) > 1:
            found[node.words[0]].append(_Node(" ".join(node.words[1:]), node.indent, "line"))
    return found


def _parse_key(words, index):
    """(key_type, key, next index) from words[index:] = [0|6|7] KEY."""
    if index + 1 < len(words) and words[index] in ("0", "6", "7"):
        return int(words[index]), words[index + 1], index + 2
    if index < len(words):
        return 0, words[index], index + 1
    return None, None, index


def _parse_mapping_system(router):
    config = {}
    for family, nodes in _services(router).items():
        branch = {}
        for node in nodes:
            if node.words in (["map-server"], ["map-resolver"]):
                branch[node.words[0].replace("-", "_")] = True
        if branch:
            config[family] = branch
    return config


def _parse_eid_record(words):
    """eid-record|eid-prefix [instance-id N] PREFIX [accept-more-specifics] [...]"""
    record = {"instance_id": 0}
    index = 1
    if len(words) > 2 and words[1] == "instance-id":
        record["instance_id"] = int(words[2]) if words[2].isdigit() else words[2]
        index = 3
    if index >= len(words):
        return None
    record["prefix"] = words[index]
    record["accept_more_specifics"] = "accept-more-specifics" in words[index + 1:]
    return record


def _parse_sites(router):
    sites = []
    for node in router:
        if node.words[0] != "site" or len(node.words) != 2:
            continue
        site = {"name": node.words[1], "eid_records": [], "allowed_locators": []}
        for line in node.children:
            words = line.words
            if words[0] == "description" and len(words) > 1:
                site["description"] = line.text[len("description"):].strip()
            elif words[0] == "authentication-key":
                key_type, key, _next = _parse_key(words, 1)
                if key is not None:
                    site["authentication_key"], site["key_type"] = key, key_type
            elif words[0] in ("eid-record", "eid-prefix"):
                record = _parse_eid_record(words)
                if record:
                    site["eid_records"].append(record)
            elif words[0] == "allowed-locator" and len(words) == 2:
                site["allowed_locators"].append(words[1])
        sites.append(site)
    return sites


def _parse_locator(words):
    if len(words) < 5 or words[-4] != "priority" or words[-2] != "weight":
        return None
    locator = {"priority": words[-3], "weight": words[-1]}
    head = words[:-4]
    if len(head) == 2 and head[0] in ("IPv4-interface", "IPv6-interface"):
        locator["interface"] = head[1]
        locator["family"] = "ipv4" if head[0] == "IPv4-interface" else "ipv6"
    elif len(head) == 1:
        locator["address"] = head[0]
    else:
        return None
    return locator


def _parse_service(nodes):
    service = {"itr": {"map_resolvers": []}, "etr": {"map_servers": []}, "use_petr": []}
    servers = {}
    for node in nodes:
        words = node.words
        if words == ["itr"]:
            service["itr"]["enabled"] = True
        elif words == ["etr"]:
            service["etr"]["enabled"] = True
        elif words[:2] == ["itr", "map-resolver"] and len(words) >= 3:
            service["itr"]["map_resolvers"].append(words[2])
        elif words[:2] == ["etr", "map-server"] and len(words) >= 4:
            server = servers.setdefault(words[2], {"address": words[2]})
            if words[3] == "key":
                key_type, key, index = _parse_key(words, 4)
                if key is not None:
                    server["key"], server["key_type"] = key, key_type
                    if words[index:index + 1] == ["hash-function"] and index + 1 < len(words):
                        server["hash_function"] = words[index + 1]
            elif words[3] == "proxy-reply":
                server["proxy_reply"] = True
        elif words[0] == "use-petr" and len(words) >= 2:
            petr = {"address": words[1]}
            if "priority" in words and "weight" in words:
                petr["priority"] = words[words.index("priority") + 1]
                petr["weight"] = words[words.index("weight") + 1]
            service["use_petr"].append(petr)
        elif words[0] == "proxy-itr" and len(words) >= 2:
            service["proxy_itr"] = [word for word in words[1:] if address_sort_key(word)[0] != 9]
        elif words == ["proxy-etr"]:
            service["proxy_etr"] = True
    service["etr"]["map_servers"] = [s for s in servers.values() if "key" in s or s.get("proxy_reply")]
    return service


def _parse_instance_service(nodes):
    service = {"database_mappings": [], "map_cache": []}
    for node in nodes:
        words = node.words
        if words[0] == "eid-table" and len(words) >= 2:
            service["eid_table"] = " ".join(words[1:])
        elif words[0] == "database-mapping" and len(words) == 4 and words[2] == "locator-set":
            service["database_mappings"].append({"prefix": words[1], "locator_set": words[3]})
        elif words[0] == "map-cache" and len(words) == 3 and words[2] in ("map-request", "native-forward", "drop"):
            service["map_cache"].append({"prefix": words[1], "action": words[2]})
    return service


def _parse_xtr(router):
    config = {"locator_sets": [], "instances": []}
    for node in router:
        words = node.words
        if words[0] == "locator-set" and len(words) == 2:
            locators = [loc for loc in (_parse_locator(line.words) for line in node.children) if loc]
            config["locator_sets"].append({"name": words[1], "locators": locators})
        elif words[0] == "instance-id" and len(words) == 2:
            instance = {"instance_id": words[1]}
            for child in node.children:
                if child.words[0] == "service" and len(child.words) == 2 and child.words[1] in FAMILIES:
                    instance[child.words[1]] = _parse_instance_service(child.children)
            config["instances"].append(instance)
        elif words == ["loc-reach-algorithm", "rloc-probing"]:
            config["rloc_probing"] = True
    for family, nodes in _services(router).items():
        config[family] = _parse_service(nodes)
    return config


_PARSERS = {"mapping_system": _parse_mapping_system, "sites": _parse_sites, "xtr": _parse_xtr}


def parse(resource, running_config_text):
    """The resource's configuration (state form) from ``router lisp`` text; other resources' lines are ignored."""
    schema(resource)
    return canonical(resource, _PARSERS[resource](_router_lines(running_config_text)))

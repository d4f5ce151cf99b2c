# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The intent model of the LISP configuration: the only place that knows what is valid.

Three resources, each plain data (dicts, lists, str, int, bool) shaped like the module option
``config`` (see ``plugins/module_utils/argspec.py``):

``mapping_system``
    ``{ipv4: {map_server, map_resolver}, ipv6: {...}}`` -- the Map-Server / Map-Resolver roles
    (RFC 9301 §4, §5.1) of a ``service ipv4|ipv6``.
``sites``
    ``[{name, description, authentication_key, key_type, eid_records: [{prefix, instance_id,
    accept_more_specifics}], allowed_locators: [address]}]`` -- the sites a Map-Server accepts
    Map-Registers from (RFC 9301 §4.2, §5.6).
``xtr``
    ``{locator_sets, ipv4: {itr, etr, use_petr, proxy_itr, proxy_etr}, ipv6, instances,
    rloc_probing}`` -- the ITR/ETR (and PITR/PETR) side: RLOCs, map-resolvers, map-servers, EID
    database and map-cache, and RLOC-probing (RFC 9301 §7.1, ``loc-reach-algorithm rloc-probing``).

Two forms of the same data:

* the *want form*, ``normalize(resource, config)``: validated, values canonical (addresses and
  prefixes as Python's ``ipaddress`` prints them, integers as int), lists sorted by their key,
  defaults filled, ``None`` dropped. What the user wrote explicitly stays, even when empty or
  false: for ``merged`` ``enabled: false`` means "turn it off", and for ``deleted`` an empty
  ``ipv4: {}`` means "delete that subtree".
* the *state form*, ``canonical(resource, config)`` (what the codecs' ``parse`` and
  ``states.compute_after`` return): the want form with false booleans, empty lists and empty dicts
  dropped as well, so that two configurations are equivalent exactly when they are equal.

Validation fails with ``ValidationError`` naming the option path and the value, before anything is
sent to a device. ``mask`` replaces keys with ``********`` for display.
"""

from __future__ import annotations

import copy
import ipaddress
import re

MASK = "********"
RESOURCES = ("mapping_system", "sites", "xtr")
FAMILIES = ("ipv4", "ipv6")
MAX_INSTANCE_ID = 16777214  # RFC 8060 §4.1: a 24-bit Instance ID; IOS-XE reserves 16777215
KEY_TYPES = (0, 6, 7)  # IOS key encryption types: 0 clear text, 6 AES, 7 Cisco type 7
HASH_FUNCTIONS = ("sha1", "sha2")  # RFC 9301 §5.6: HMAC-SHA-1-96 / HMAC-SHA-256-128
MAP_CACHE_ACTIONS = ("map-request", "native-forward", "drop")  # RFC 9301 §5.4 negative Map-Reply actions
_WORD = re.compile(r"^[!-~]+$")  # one IOS CLI word: printable ASCII, no blank
_INTERFACE = re.compile(r"^[A-Za-z][A-Za-z0-9\-]*[0-9][0-9/.:]*$")
# IOS-XE interface types: a type written as a unique prefix, in any case, is stored expanded
# (``lo0`` -> ``Loopback0``); normalisation.py row interface-name.
INTERFACE_TYPES = (
    "AppGigabitEthernet", "BDI", "Dialer", "Ethernet", "FastEthernet", "FiveGigabitEthernet", "FortyGigabitEthernet",
    "GigabitEthernet", "HundredGigE", "Loopback", "Port-channel", "Serial", "TenGigabitEthernet", "Tunnel",
    "TwentyFiveGigE", "TwoGigabitEthernet", "Vlan",
)
_INTERFACE_PARTS = re.compile(r"^([A-Za-z][A-Za-z-]*)([0-9][0-9/.:]*)$")


class ValidationError(Exception):
    """A configuration value that is not valid; ``path`` is the option path, ``value`` the value."""

    def __init__(self, path, value, reason):
        super().__init__(path, value, reason)
        self.path = path
        self.value = value
        self.reason = reason

    def __str__(self):
        return "%s: %s %s" % (self.path, _show(self.value), self.reason)


def _show(value):
    if isinstance(value, str):
        return value if value else "''"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "a %s" % ("dict" if isinstance(value, dict) else "list")
    return str(value)


# ---------------------------------------------------------------------------------------------
# schema: the three resources, declared once for validation, states and masking
# ---------------------------------------------------------------------------------------------


class Scalar:
    """A leaf option. kind: bool, int, str, word, name, line, interface, address, prefix, choice."""

    def __init__(self, kind, *, lo=None, hi=None, choices=None, default=None, secret=False, required=False):
        self.kind = kind
        self.lo = lo
        self.hi = hi
        self.choices = choices
        self.default = default
        self.secret = secret
        self.required = required


class Obj:
    """A dict option with fixed keys. family: the address family this branch is for (ipv4/ipv6)."""

    def __init__(self, fields, *, check=None, family=None, required=False):
        self.fields = fields
        self.check = check
        self.family = family
        self.required = required


class Seq:
    """A list option. key: the fields identifying an entry (Obj items), or 'value' / 'family' for scalar items."""

    def __init__(self, item, key, *, max_per_family=None, required=False):
        self.item = item
        self.key = key
        self.max_per_family = max_per_family
        self.required = required


def _locator_check(entry, path, want_form):
    given = [k for k in ("address", "interface") if entry.get(k) is not None]
    if len(given) != 1:
        raise ValidationError(path, entry.get("address", entry.get("interface", "")) if given else "",
                              "-- a locator needs exactly one of address or interface")
    if "address" in entry:
        if "family" in entry and entry["family"] != _family_of(entry["address"]):
            raise ValidationError(path + ".family", entry["family"], "does not match the address %s" % entry["address"])
        entry.pop("family", None)  # an address carries its family
    else:
        entry.setdefault("family", "ipv4")
    for field in ("priority", "weight"):
        # IOS-XE: "<locator> priority P weight W", both required; a want may leave them to the device (merged, deleted)
        if field not in entry and not want_form:
            raise ValidationError(path + "." + field, "", "-- a locator needs a %s" % field)


def _key_check(secret_field):
    def check(entry, path, want_form):
        if entry.get(secret_field) is None:
            for field in ("key_type", "hash_function"):
                entry.pop(field, None)  # meaningless without a key
            if secret_field == "key" and not want_form and not entry.get("proxy_reply"):
                # IOS-XE: "etr map-server A key ..." or "etr map-server A proxy-reply"; an address alone is no command
                raise ValidationError(path, entry.get("address", ""), "-- a map-server needs a key (or proxy_reply)")
            return
        entry.setdefault("key_type", 0)
        if entry["key_type"] == 7 and not re.match(r"^[0-9]{2}[0-9A-Fa-f]+$", entry[secret_field]):
            raise ValidationError(path + "." + secret_field, MASK, "is not a type 7 key (two digits and hex)")
    return check


def _petr_check(entry, path, want_form):
    del want_form
    given = [k for k in ("priority", "weight") if k in entry]
    if len(given) == 1:
        missing = "weight" if given[0] == "priority" else "priority"
        raise ValidationError(path + "." + missing, "", "-- use-petr takes priority and weight together")


_LOCATOR = Obj({
    "address": Scalar("address"),
    "interface": Scalar("interface"),
    "family": Scalar("choice", choices=FAMILIES),
    "priority": Scalar("int", lo=0, hi=255),
    "weight": Scalar("int", lo=0, hi=100),  # IOS-XE: weight 0..100 (Cisco-IOS-XE-lisp priority-and-weight)
}, check=_locator_check)

_MAP_SERVER = Obj({
    "address": Scalar("address", required=True),
    "key": Scalar("word", secret=True),
    "key_type": Scalar("choice", choices=KEY_TYPES),
    "hash_function": Scalar("choice", choices=HASH_FUNCTIONS),
    "proxy_reply": Scalar("bool"),
}, check=_key_check("key"))

_USE_PETR = Obj({
    "address": Scalar("address", required=True),
    "priority": Scalar("int", lo=0, hi=255),
    "weight": Scalar("int", lo=0, hi=100),
}, check=_petr_check)


def _service(family):
    return Obj({
        "itr": Obj({
            "enabled": Scalar("bool"),
            "map_resolvers": Seq(Scalar("address"), "value"),
        }),
        "etr": Obj({
            "enabled": Scalar("bool"),
            "map_servers": Seq(_MAP_SERVER, ("address",)),
        }),
        "use_petr": Seq(_USE_PETR, ("address",)),
        # Cisco-IOS-XE-lisp proxy-itr holds one IPv4 and one IPv6 locator (ipv4-addr, ipv6-addr)
        "proxy_itr": Seq(Scalar("address"), "family", max_per_family=1),
        "proxy_etr": Scalar("bool"),
    }, family=family)


def _instance_service(family):
    return Obj({
        "eid_table": Scalar("eid_table"),
        "database_mappings": Seq(Obj({
            "prefix": Scalar("prefix", required=True),
            "locator_set": Scalar("name", required=True),
        }), ("prefix",)),
        "map_cache": Seq(Obj({
            "prefix": Scalar("prefix", required=True),
            "action": Scalar("choice", choices=MAP_CACHE_ACTIONS, default="map-request"),
        }), ("prefix",)),
    }, family=family)


SCHEMA = {
    "mapping_system": Obj({
        family: Obj({"map_server": Scalar("bool"), "map_resolver": Scalar("bool")}, family=family) for family in FAMILIES
    }),
    "sites": Seq(Obj({
        "name": Scalar("name", required=True),
        "description": Scalar("line"),
        "authentication_key": Scalar("word", secret=True),
        "key_type": Scalar("choice", choices=KEY_TYPES),
        "eid_records": Seq(Obj({
            "prefix": Scalar("prefix", required=True),
            "instance_id": Scalar("int", lo=0, hi=MAX_INSTANCE_ID, default=0),
            "accept_more_specifics": Scalar("bool", default=False),
        }), ("instance_id", "prefix")),
        # Cisco-IOS-XE-lisp site/allowed-locator holds one IPv4 and one IPv6 address (ls-ipv4, ls-ipv6)
        "allowed_locators": Seq(Scalar("address"), "family", max_per_family=1),
    }, check=_key_check("authentication_key")), ("name",)),
    "xtr": Obj({
        "locator_sets": Seq(Obj({
            "name": Scalar("name", required=True),
            "locators": Seq(_LOCATOR, ("address", "interface", "family")),
        }), ("name",)),
        "ipv4": _service("ipv4"),
        "ipv6": _service("ipv6"),
        "instances": Seq(Obj({
            "instance_id": Scalar("int", lo=0, hi=MAX_INSTANCE_ID, required=True),
            "ipv4": _instance_service("ipv4"),
            "ipv6": _instance_service("ipv6"),
        }), ("instance_id",)),
        "rloc_probing": Scalar("bool"),
    }),
}


def schema(resource):
    try:
        return SCHEMA[resource]
    except KeyError:
        raise ValueError("unknown LISP resource %r (expected one of %s)" % (resource, ", ".join(RESOURCES))) from None


# ---------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------


def _family_of(address):
    return "ipv%d" % ipaddress.ip_address(address).version


def address_sort_key(text):
    """Sort key for an address or prefix string: IPv4 before IPv6, numerically."""
    try:
        network = ipaddress.ip_network(text, strict=False)
        return (network.version, int(network.network_address), network.prefixlen)
    except ValueError:
        return (9, 0, 0)


def _sortable(value):
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int):
        return (1, value)
    key = address_sort_key(value)
    if key[0] != 9:
        return (2,) + key
    return (3, value)


def _as_int(path, value, node):
    if isinstance(value, bool):
        raise ValidationError(path, value, "is not an integer")
    if isinstance(value, str) and re.match(r"^[0-9]+$", value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValidationError(path, value, "is not an integer")
    if (node.lo is not None and value < node.lo) or (node.hi is not None and value > node.hi):
        raise ValidationError(path, value, "is not in %s..%s" % (node.lo, node.hi))
    return value


def _as_bool(path, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.lower() in ("true", "yes", "on", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValidationError(path, value, "is not a boolean")


def _as_text(path, value, secret):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(path, MASK if secret else value, "is not a string")
    return str(value)


def _as_address(path, value, family):
    text = _as_text(path, value, False).strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValidationError(path, value, "is not an IPv4 or IPv6 address") from None
    if family and _family_of(text) != family:
        raise ValidationError(path, value, "is not an %s address" % ("IPv4" if family == "ipv4" else "IPv6"))
    return str(address)


def _as_prefix(path, value, family):
    text = _as_text(path, value, False).strip()
    if "/" not in text:
        raise ValidationError(path, value, "is not a prefix (address/length)")
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValidationError(path, value, "is not an IPv4 or IPv6 prefix") from None
    if network.network_address != ipaddress.ip_interface(text).ip:
        raise ValidationError(path, value, "has host bits set (the prefix is %s)" % network)
    if family and "ipv%d" % network.version != family:
        raise ValidationError(path, value, "is not an %s prefix (it is under %s)" % ("IPv4" if family == "ipv4" else "IPv6", family))
    return str(network)


def _as_eid_table(path, value):
    text = " ".join(_as_text(path, value, False).split())
    if text == "default":
        return text
    name = text[4:] if text.startswith("vrf ") else text
    if not name or not _WORD.match(name) or name == "vrf":
        raise ValidationError(path, value, "is not an EID table (default, or vrf NAME)")
    return "vrf " + name


def _scalar(node, value, path, family):
    # pylint: disable=too-many-return-statements  # one return per kind of leaf
    kind = node.kind
    if kind == "bool":
        return _as_bool(path, value)
    if kind == "int":
        return _as_int(path, value, node)
    if kind == "choice":
        for choice in node.choices:
            if value == choice or (isinstance(choice, int) and not isinstance(value, bool) and str(value) == str(choice)):
                return choice
        raise ValidationError(path, value, "is not one of %s" % ", ".join(str(c) for c in node.choices))
    if kind == "address":
        return _as_address(path, value, None)
    if kind == "prefix":
        return _as_prefix(path, value, family)
    if kind == "eid_table":
        return _as_eid_table(path, value)
    text = _as_text(path, value, node.secret)
    shown = MASK if node.secret else value
    if kind == "line":
        if "\n" in text or "\r" in text or not text.strip():
            raise ValidationError(path, shown, "is not a single line of text")
        return text.strip()
    if not _WORD.match(text) or text.lower() == "exit" or text.startswith("exit-"):
        raise ValidationError(path, shown, "is not a single word (no blanks, printable ASCII)")
    if kind == "interface":
        return _as_interface(path, text)
    return text


def _as_interface(path, text):
    if not _INTERFACE.match(text):
        raise ValidationError(path, text, "is not an interface name such as Loopback0")
    parts = _INTERFACE_PARTS.match(text)
    if not parts:
        return text
    typed = parts.group(1).lower()
    found = [t for t in INTERFACE_TYPES if t.lower() == typed] or [t for t in INTERFACE_TYPES if t.lower().startswith(typed)]
    if len(found) > 1:
        raise ValidationError(path, text, "is ambiguous (the interface type could be %s)" % ", ".join(found))
    return found[0] + parts.group(2) if found else text


# ---------------------------------------------------------------------------------------------
# normalize / canonical
# ---------------------------------------------------------------------------------------------


def entry_key(seq, item):
    """The identity of a list entry: a tuple of the key fields, or of the value / its family."""
    if seq.key == "value":
        return (item,)
    if seq.key == "family":
        return (_family_of(item),)
    return tuple(item.get(field) for field in seq.key)


def _sort_key(seq, item):
    if seq.key in ("value", "family"):
        return _sortable(item)
    return tuple(_sortable(item.get(field)) for field in seq.key)


def _describe_key(seq, key):
    if seq.key in ("value", "family"):
        return str(key[0])
    return ", ".join("%s %s" % (field, value) for field, value in zip(seq.key, key) if value is not None)


def _normalize(node, value, path, family, want_form):
    if isinstance(node, Scalar):
        return _scalar(node, value, path, family)
    if isinstance(node, Seq):
        return _normalize_seq(node, value, path, family, want_form)
    return _normalize_obj(node, value, path, family, want_form)


def _normalize_obj(node, value, path, family, want_form):
    if not isinstance(value, dict):
        raise ValidationError(path, value, "is not a dict")
    unknown = sorted(str(k) for k in value if k not in node.fields)
    if unknown:
        raise ValidationError("%s.%s" % (path, unknown[0]), value[unknown[0]] if unknown[0] in value else "", "is not a supported option")
    family = node.family or family
    out = {}
    for name, child in node.fields.items():
        child_path = "%s.%s" % (path, name)
        raw = value.get(name)
        if raw is None:
            if getattr(child, "default", None) is not None:
                out[name] = child.default
            elif child.required:
                raise ValidationError(child_path, "", "-- %s is required" % name)
            continue
        normal = _normalize(child, raw, child_path, family, want_form)
        if not want_form and (normal is False or normal in ({}, [])):
            continue
        out[name] = normal
    if node.check:
        node.check(out, path, want_form)
    if not want_form:
        out = {k: v for k, v in out.items() if v is not False}
    return out


def _normalize_seq(node, value, path, family, want_form):
    if not isinstance(value, (list, tuple)):
        raise ValidationError(path, value, "is not a list")
    seen = {}
    families = {}
    items = []
    for index, raw in enumerate(value):
        item_path = "%s[%d]" % (path, index)
        if raw is None:
            raise ValidationError(item_path, "null", "is not a list entry")
        item = _normalize(node.item, raw, item_path, family, want_form)
        key = (item,) if node.key == "family" else entry_key(node, item)
        if key in seen:
            raise ValidationError(item_path, _describe_key(node, key), "is given twice (also at %s[%d])" % (path, seen[key]))
        seen[key] = index
        if node.max_per_family:
            item_family = _family_of(item)
            if item_family in families:
                raise ValidationError(item_path, item, "is a second %s address; IOS-XE holds one per address family (see %s[%d])"
                                      % ("IPv4" if item_family == "ipv4" else "IPv6", path, families[item_family]))
            families[item_family] = index
        items.append(item)
    items.sort(key=lambda entry: _sort_key(node, entry))
    return items


def normalize(resource, config):
    """The want form of config (see the module docstring); raises ValidationError.

    ``None`` gives ``None`` (no config given). A ``sites`` config is a list, the others a dict.
    """
    if config is None:
        return None
    return _normalize(schema(resource), config, "config", None, True)


def canonical(resource, config):
    """The state form of config: normalized, with false booleans and empty lists/dicts dropped."""
    node = schema(resource)
    if config is None:
        return [] if isinstance(node, Seq) else {}
    return _normalize(node, config, "config", None, False)


def empty(resource):
    return [] if isinstance(schema(resource), Seq) else {}


# ---------------------------------------------------------------------------------------------
# references and masking
# ---------------------------------------------------------------------------------------------


def validate_references(resource, config):
    """Check what refers to something else in the same (complete) configuration.

    For ``xtr``: every database-mapping names a locator-set of the configuration. Run it on the
    state the device will hold afterwards (``states.compute_after``), since with ``merged`` the
    locator-set may be on the device already. The path names entries by key (the after-state is
    sorted, so indexes of the task's config would not match).
    """
    schema(resource)
    if resource != "xtr" or not config:
        return
    names = set(entry.get("name") for entry in config.get("locator_sets") or [])
    for instance in config.get("instances") or []:
        for family in FAMILIES:
            for mapping in (instance.get(family) or {}).get("database_mappings") or []:
                if mapping.get("locator_set") not in names:
                    path = "config.instances[instance_id=%s].%s.database_mappings[prefix=%s].locator_set" % (
                        instance.get("instance_id"), family, mapping.get("prefix"))
                    raise ValidationError(path, mapping.get("locator_set"), "is not a locator-set of the configuration (locator_sets: %s)"
                                          % (", ".join(sorted(names)) or "none"))


def _mask(node, value):
    if value is None:
        return None
    if isinstance(node, Scalar):
        return MASK if node.secret and value not in ("", MASK) else value
    if isinstance(node, Seq):
        if not isinstance(value, (list, tuple)):
            return value
        return [_mask(node.item, item) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: (_mask(node.fields[k], v) if k in node.fields else v) for k, v in value.items()}


def mask(resource, config):
    """A copy of config with every key (authentication_key, map_servers[].key) shown as ********."""
    return _mask(schema(resource), copy.deepcopy(config))

# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a device adds to or rewrites in the configuration it is given, and how the modules compare.

``NORMALISATIONS`` is the one table of these device-side defaults and rewrites. The resource action
(``resource_action.ResourceRun.configure``) uses it for the two things that depend on it:

* idempotence: ``before`` (read from the device) and ``after`` (what the task asks for) are both put
  through ``device_view`` (the defaults the device adds, filled in) and ``settle_keys`` (a key the
  device already holds, kept in the device's stored form) before the change is computed, so a second
  run of the same task sends nothing;
* the post-change check, ``differences``: with ``merged`` the task's configuration must be contained
  in what the device holds; with ``replaced``, ``overridden`` and ``deleted`` the device must hold
  exactly ``after`` plus the defaults it adds. Each difference names the option path.

``docs/normalisation.md`` holds ``markdown_table()`` verbatim (a unit test keeps them equal), and the
unit tests run every row's examples through the action plugin.

Keys (RFC 9301 §5.6: both ends compute the HMAC of a Map-Register with the same key) are compared by
what the controller can know: type 0 is clear text, type 7 is reversible and decoded here, type 6 is
AES under the device's master key and cannot be read on the controller. ``key_update`` decides what
an unreadable key means (see ``KEY_UPDATE``).
"""

from __future__ import annotations

import copy

from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import (
    MASK,
    Obj,
    Scalar,
    Seq,
    canonical,
    entry_key,
    schema,
)

SAME, DIFFERENT, UNKNOWN = "same", "different", "unknown"
KEY_UPDATE = ("when_different", "always", "on_create")
# The fixed key of Cisco type 7 (a published obfuscation table, not a secret).
_TYPE7_TABLE = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


class Normalisation:
    """One row of the table.

    ident: a short name (tests and docs refer to it); resources: the resources it concerns; options:
    the option paths (``[]`` = every entry of a list); device: what IOS-XE (and the reference router)
    does; handling: what the modules do about it; sources: where the device behaviour is documented;
    default: for a row that fills in a default, the value the device adds (at every path of options,
    where the enclosing dict exists).
    """

    def __init__(self, ident, resources, options, device, handling, sources, default=None):
        self.ident = ident
        self.resources = resources
        self.options = options
        self.device = device
        self.handling = handling
        self.sources = sources
        self.default = default


NORMALISATIONS = (
    Normalisation(
        "eid-table-default", ("xtr",), ("instances[].ipv4.eid_table", "instances[].ipv6.eid_table"),
        "An `instance-id N` / `service ipv4|ipv6` without an `eid-table` line gets `eid-table default`; `no eid-table` puts it back.",
        "Absent and `default` are the same: both sides are compared (and changed) with `default` filled in. An instance given without "
        "`eid_table` creates the service with `eid-table default`; `replaced` without it puts a VRF back to `default`.",
        "IOSXE-NOTES.md (`eid-table default ! or: eid-table vrf NAME`); testdata/iosxe ShowLispServiceDatabase__4, ShowLispIpv4MapCachePrefix__10 "
        "(`EID-table default (IID 4097)`, `(IID 1)`); reference router `InstanceService.eid_table = 'default'`; issue 13 item 3",
        default="default"),
    Normalisation(
        "key-type-7", ("sites", "xtr"), ("[].authentication_key", "ipv4.etr.map_servers[].key", "ipv6.etr.map_servers[].key"),
        "Under `service password-encryption` a key entered as `key 0 K` is stored and shown as `key 7 <hex>` (NETCONF `key-7/ak-7`); "
        "the hex differs with the seed the device picks.",
        "Type 7 is reversible: the device's key is decoded on the controller and compared in clear. The same key is no change and keeps "
        "the device's stored form; another key is a change.",
        "IOSXE-NOTES.md (key types 0, 6, 7); Cisco-IOS-XE-lisp.yang `key-7/ak-7`; issue 14 hole 7",
    ),
    Normalisation(
        "key-type-6", ("sites", "xtr"), ("[].authentication_key", "ipv4.etr.map_servers[].key", "ipv6.etr.map_servers[].key"),
        "Under `password encryption aes` (with `key config-key password-encrypt`) a key entered in clear is stored as "
        "`key 6 <AES>` (NETCONF `key-6/ak-6`), encrypted with the device's master key.",
        "Not readable on the controller: the key is \"set, value unknown\". With `key_update: when_different` (default) it counts as "
        "the task's key (no change, a warning says so); `always` sends the task's key on every run; `on_create` never replaces a "
        "key the device holds. The post-change check accepts a type 6 key where a key was sent.",
        "IOSXE-NOTES.md (key types 0, 6, 7); Cisco-IOS-XE-lisp.yang `key-6/ak-6`; issue 14 hole 7; cisco.ios `ios_user` "
        "`update_password: always|on_create`",
    ),
    Normalisation(
        "key-given-encrypted", ("sites", "xtr"), ("[].key_type", "ipv4.etr.map_servers[].key_type", "ipv6.etr.map_servers[].key_type"),
        "A key entered as `key 7 <hex>` or `key 6 <AES>` is stored as given.",
        "A type 7 key in the task is decoded and compared in clear with the device's (any seed); a type 6 key in the task is "
        "compared as a stored string with the device's type 6 key (as cisco.ios compares `hashed_password` type and value).",
        "IOSXE-NOTES.md (key types 0, 6, 7); cisco.ios `ios_user` `hashed_password`",
    ),
    Normalisation(
        "key-without-type", ("sites", "xtr"), ("[].key_type", "ipv4.etr.map_servers[].key_type", "ipv6.etr.map_servers[].key_type"),
        "The older flat style prints `authentication-key K` and `key K` without a type; NETCONF may use `key-pwd/unc-pwd` or `key-0/ak-0`.",
        "All of them are type 0 (clear text).",
        "IOSXE-NOTES.md (older flat style; `key-pwd/unc-pwd`, `key-0`)",
    ),
    Normalisation(
        "address-text", ("sites", "xtr"),
        ("[].eid_records[].prefix", "[].allowed_locators[]", "locator_sets[].locators[].address", "ipv4.itr.map_resolvers[]",
         "ipv4.etr.map_servers[].address", "ipv4.use_petr[].address", "ipv4.proxy_itr[]", "instances[].ipv4.database_mappings[].prefix",
         "instances[].ipv4.map_cache[].prefix"),
        "The CLI prints IPv6 addresses and prefixes compressed and in upper case (`2001:DB8::1`); NETCONF in the RFC 6991 form "
        "(compressed, lower case). IPv4 is a dotted quad without leading zeros.",
        "Addresses and prefixes are compared in one canonical text (compressed, lower case) on both sides; the same holds for the "
        "`ipv6` branches.",
        "reference router values.py (`2001:DB8::1`); RFC 5952 §4; RFC 6991 `ip-address`",
    ),
    Normalisation(
        "prefix-host-bits", ("sites", "xtr"),
        ("[].eid_records[].prefix", "instances[].ipv4.database_mappings[].prefix", "instances[].ipv4.map_cache[].prefix"),
        "An EID-prefix is stored with zero host bits; the reference router refuses `10.1.1.1/24` (`host bits are set (the prefix is "
        "10.1.1.0/24)`).",
        "Refused before anything is sent, naming the prefix to write (`has host bits set (the prefix is 10.1.1.0/24)`).",
        "reference router values.prefix; RFC 9301 §5.4 (EID-Prefix and mask length)",
    ),
    Normalisation(
        "interface-name", ("xtr",), ("locator_sets[].locators[].interface",),
        "An interface type may be abbreviated and in any case: `lo0` and `Lo0` are stored as `Loopback0`, `gi0/0/1` as "
        "`GigabitEthernet0/0/1`.",
        "The task's interface name is expanded the same way (the IOS-XE interface types) before it is compared or sent.",
        "reference router values.interface; IOS CLI keyword abbreviation",
    ),
    Normalisation(
        "description-blanks", ("sites",), ("[].description",),
        "`description TEXT` keeps the text from its first word to its last; leading and trailing blanks are not stored.",
        "The task's description is compared without leading and trailing blanks.",
        "reference router config/cli.py (`description TEXT...`)",
    ),
    Normalisation(
        "eid-record-instance-0", ("sites",), ("[].eid_records[].instance_id",),
        "An EID record of instance-id 0 is printed `eid-record PREFIX` (no `instance-id 0`); NETCONF holds it under `prefixes`, "
        "other instance-ids under `instance-id-cfg`.",
        "Both forms read as `instance_id: 0`.",
        "IOSXE-NOTES.md (`eid-record P accept-more-specifics (instance-id 0, the default table)`)",
    ),
    Normalisation(
        "one-per-family", ("sites", "xtr"), ("[].allowed_locators", "ipv4.proxy_itr", "ipv6.proxy_itr"),
        "`allowed-locator` and `proxy-itr` hold one IPv4 and one IPv6 address: a second address of a family replaces the first.",
        "With `merged` a given address replaces the device's address of its family; two of one family in a task are refused.",
        "Cisco-IOS-XE-lisp.yang (`allowed-locator/{ls-ipv4,ls-ipv6}`, `proxy-itr/{ipv4-addr,ipv6-addr}`)",
    ),
    Normalisation(
        "list-order", ("mapping_system", "sites", "xtr"), ("[]", "locator_sets[].locators[]", "instances[]"),
        "The device prints entries in its own order: locators grouped `IPv4-interface`, `IPv6-interface`, addresses; instance-ids "
        "ascending; other entries in the order they were configured.",
        "Lists are compared as sets of entries matched by their key (site name, locator address or interface, instance-id, prefix, "
        "...); order never counts as a change.",
        "reference router render.py; Cisco-IOS-XE-lisp.yang list keys",
    ),
    Normalisation(
        "yang-defaults-outside-the-model", ("mapping_system", "sites", "xtr"), ("(none)",),
        "Leaves with YANG defaults that the modules do not manage (`registration-history/limit 1000`, `map-cache/conservative-allocation "
        "false`, `map-cache/away-eids/send-map-request true`, `use-petr-config/no-use-petr/use-petr true`, ...) may appear in a "
        "NETCONF reply. No leaf the modules manage has a YANG default.",
        "Ignored when the device is read.",
        "Cisco-IOS-XE-lisp.yang 17.9.1 (`default` statements under `/native/router/lisp`)",
    ),
)


def rows(resource=None):
    """The rows of the table, or those concerning one resource."""
    return [row for row in NORMALISATIONS if resource is None or resource in row.resources]


def markdown_table():
    """The table as docs/normalisation.md holds it."""
    out = ["| row | resources | options | what the device does | what the modules do | sources |",
           "|---|---|---|---|---|---|"]
    for row in NORMALISATIONS:
        cells = ("`%s`" % row.ident, ", ".join("`%s`" % r for r in row.resources), "<br>".join("`%s`" % o for o in row.options),
                 row.device, row.handling, row.sources)
        out.append("| %s |" % " | ".join(cell.replace("|", "\\|") for cell in cells))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# defaults
# ---------------------------------------------------------------------------------------------


def _fill(value, parts, default):
    if not parts or not isinstance(value, dict):
        return
    head, rest = parts[0], parts[1:]
    if head.endswith("[]"):
        for entry in value.get(head[:-2]) or []:
            _fill(entry, rest, default)
    elif rest:
        _fill(value.get(head), rest, default)
    else:
        value.setdefault(head, default)


def device_view(resource, config):
    """config (state form) with every default the device adds filled in (the rows with a default)."""
    config = copy.deepcopy(canonical(resource, config))
    for row in rows(resource):
        if row.default is None:
            continue
        for option in row.options:
            parts = option.split(".")
            if parts[0].startswith("[]"):
                for entry in config:
                    _fill(entry, parts[1:], row.default)
            else:
                _fill(config, parts, row.default)
    return config


# ---------------------------------------------------------------------------------------------
# keys
# ---------------------------------------------------------------------------------------------


def decode_type7(text):
    """The clear text of a Cisco type 7 string (two decimal digits of seed, then hex); None if it is not one."""
    if not isinstance(text, str) or len(text) < 2 or len(text) % 2 or not text[:2].isdigit():
        return None
    try:
        raw = bytes.fromhex(text[2:])
    except ValueError:
        return None
    seed = int(text[:2])
    clear = bytes(byte ^ _TYPE7_TABLE[(seed + index) % len(_TYPE7_TABLE)] for index, byte in enumerate(raw))
    try:
        return clear.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _readable(key, key_type):
    if key_type in (0, None):
        return key
    if key_type == 7:
        return decode_type7(key)
    return None


def key_relation(wanted, wanted_type, held, held_type):
    """SAME, DIFFERENT or UNKNOWN: how the key a task gives relates to the key a device holds."""
    wanted_type = wanted_type or 0
    held_type = held_type or 0
    if wanted_type == held_type and wanted == held:
        return SAME
    wanted_clear, held_clear = _readable(wanted, wanted_type), _readable(held, held_type)
    if wanted_clear is not None and held_clear is not None:
        return SAME if wanted_clear == held_clear else DIFFERENT
    if wanted_type == 6 and held_type == 6:
        return DIFFERENT  # both stored forms given, and they differ
    return UNKNOWN


def _secret_fields(node):
    return [name for name, child in node.fields.items() if isinstance(child, Scalar) and child.secret]


def _label(seq, entry):
    if seq.key in ("value", "family"):
        return "[%s]" % entry
    return "[%s]" % ", ".join("%s=%s" % (field, entry.get(field)) for field in seq.key if entry.get(field) is not None)


def _pairs(node, left, right, path):
    """(Obj node, left dict, right dict, path) for every dict present on both sides, entries matched by key."""
    if isinstance(node, Obj):
        if not isinstance(left, dict) or not isinstance(right, dict):
            return
        yield node, left, right, path
        for name, child in node.fields.items():
            if not isinstance(child, Scalar) and name in left and name in right:
                yield from _pairs(child, left[name], right[name], "%s.%s" % (path, name))
    elif isinstance(node, Seq) and isinstance(node.item, Obj):
        held = {entry_key(node, entry): entry for entry in left or [] if isinstance(entry, dict)}
        for entry in right or []:
            match = held.get(entry_key(node, entry)) if isinstance(entry, dict) else None
            if match is not None:
                yield from _pairs(node.item, match, entry, path + _label(node, entry))


def settle_keys(resource, held, config, key_update="when_different"):
    """config with each key the device already holds as the same key put in the device's stored form.

    held: what the device holds (state form); config: what the task asks for (want or state form).
    Returns (config, notes): notes lists the option paths whose key could not be compared (the device
    holds it as type 6), with what was done about it.
    """
    if key_update not in KEY_UPDATE:
        raise ValueError("key_update %r is not one of %s" % (key_update, ", ".join(KEY_UPDATE)))
    config = copy.deepcopy(config)
    notes = []
    if config is None:
        return config, notes
    for node, device, task, path in _pairs(schema(resource), held, config, "config"):
        for field in _secret_fields(node):
            if task.get(field) is None or device.get(field) is None:
                continue
            relation = key_relation(task[field], task.get("key_type"), device[field], device.get("key_type"))
            keep = key_update == "on_create" or relation == SAME or (relation == UNKNOWN and key_update == "when_different")
            if relation == UNKNOWN and key_update != "on_create":
                notes.append("%s.%s: the device holds the key encrypted (type %s), which cannot be compared on the controller; %s"
                             % (path, field, device.get("key_type"),
                                "the task's key is sent (key_update: always)" if not keep else
                                "it is taken as the task's key (key_update: always sends it)"))
            if keep:
                task[field] = device[field]
                task["key_type"] = device.get("key_type", 0)
    return config, notes


# ---------------------------------------------------------------------------------------------
# the post-change check
# ---------------------------------------------------------------------------------------------


def _show(node, value):
    if value is None:
        return "nothing"
    if isinstance(node, Scalar) and node.secret:
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "an entry" if isinstance(value, dict) else "a list"
    return "'%s'" % value


def _compare(node, wanted, held, path, contained, out):
    # pylint: disable=too-many-branches  # one branch per kind of node and per side missing
    if isinstance(node, Scalar):
        if wanted != held and not (node.kind == "bool" and not wanted and not held):
            out.append("%s: the device holds %s, the task wants %s" % (path, _show(node, held), _show(node, wanted)))
        return
    if isinstance(node, Seq):
        wanted, held = wanted or [], held or []
        held_by_key = {entry_key(node, entry): entry for entry in held}
        wanted_keys = set()
        for entry in wanted:
            key = entry_key(node, entry)
            wanted_keys.add(key)
            where = path + _label(node, entry)
            if key not in held_by_key:
                out.append("%s: the device does not hold it" % where)
            elif isinstance(node.item, Obj):
                _compare(node.item, entry, held_by_key[key], where, contained, out)
            elif entry != held_by_key[key]:
                out.append("%s: the device holds %s" % (where, held_by_key[key]))
        if not contained:
            for entry in held:
                if entry_key(node, entry) not in wanted_keys:
                    out.append("%s: the device holds it, the task does not want it" % (path + _label(node, entry)))
        return
    wanted = wanted if isinstance(wanted, dict) else {}
    held = held if isinstance(held, dict) else {}
    secrets = _secret_fields(node)
    for name, child in node.fields.items():
        where = "%s.%s" % (path, name)
        want_value, held_value = wanted.get(name), held.get(name)
        if name == "key_type" and secrets:
            continue  # compared with its key
        if contained and (want_value is None or want_value in ({}, [])):
            continue
        if name in secrets:
            if want_value is None and held_value is None:
                continue
            if want_value is None or held_value is None:
                held_text = "a key" if held_value else "no key"
                out.append("%s: the device holds %s, the task wants %s" % (where, held_text, "a key" if want_value else "none"))
            elif key_relation(want_value, wanted.get("key_type"), held_value, held.get("key_type")) == DIFFERENT:
                out.append("%s: the device holds another key (type %s)" % (where, held.get("key_type", 0)))
            continue
        if isinstance(child, Scalar):
            _compare(child, want_value, held_value, where, contained, out)
        elif contained or want_value or held_value:
            _compare(child, want_value, held_value, where, contained, out)


def differences(resource, state, intent, device):
    """The ways device (what the device holds) falls short of intent, as messages naming the option path.

    merged: intent is the task's config (want form, keys settled) and must be contained in device.
    Other states: intent is ``after`` and device must equal it; both with the device's defaults filled in.
    """
    node = schema(resource)
    out = []
    held = device_view(resource, device)
    if state == "merged":
        _compare(node, intent, held, "config", True, out)
    else:
        _compare(node, device_view(resource, intent), held, "config", False, out)
    return out

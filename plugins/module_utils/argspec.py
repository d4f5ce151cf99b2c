# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs of the LISP resource modules (plain dicts; no imports, so module files can use them).

The shapes mirror ``plugins/plugin_utils/model.py``, which does the validation Ansible's argument
spec cannot express (addresses, prefixes, ranges, references). Booleans that switch something on
have no default on purpose: with ``state: merged`` an option left out leaves the device as it is,
while ``false`` turns it off.
"""

STATES = ["merged", "replaced", "overridden", "deleted", "gathered", "rendered", "parsed"]
KEY_TYPES = [0, 6, 7]
FAMILIES = ["ipv4", "ipv6"]
KEY_UPDATE = ["when_different", "always", "on_create"]  # plugin_utils/normalisation.py KEY_UPDATE


def _resource(config, keys=False):
    spec = {
        "config": config,
        "state": {"type": "str", "choices": list(STATES), "default": "merged"},
        "running_config": {"type": "str"},
    }
    if keys:
        spec["key_update"] = {"type": "str", "choices": list(KEY_UPDATE), "default": "when_different"}
    return spec


_MAPPING_SYSTEM_FAMILY = {
    "type": "dict",
    "options": {
        "map_server": {"type": "bool"},
        "map_resolver": {"type": "bool"},
    },
}

MAPPING_SYSTEM_ARGSPEC = _resource({
    "type": "dict",
    "options": {
        "ipv4": dict(_MAPPING_SYSTEM_FAMILY),
        "ipv6": dict(_MAPPING_SYSTEM_FAMILY),
    },
})

SITES_ARGSPEC = _resource({
    "type": "list",
    "elements": "dict",
    "options": {
        "name": {"type": "str", "required": True},
        "description": {"type": "str"},
        "authentication_key": {"type": "str", "no_log": True},
        "key_type": {"type": "int", "choices": list(KEY_TYPES), "default": 0},
        "eid_records": {
            "type": "list",
            "elements": "dict",
            "options": {
                "prefix": {"type": "str", "required": True},
                "instance_id": {"type": "int", "default": 0},
                "accept_more_specifics": {"type": "bool", "default": False},
            },
        },
        "allowed_locators": {"type": "list", "elements": "str"},
    },
}, keys=True)


def _service():
    return {
        "type": "dict",
        "options": {
            "itr": {
                "type": "dict",
                "options": {
                    "enabled": {"type": "bool"},
                    "map_resolvers": {"type": "list", "elements": "str"},
                },
            },
            "etr": {
                "type": "dict",
                "options": {
                    "enabled": {"type": "bool"},
                    "map_servers": {
                        "type": "list",
                        "elements": "dict",
                        "options": {
                            "address": {"type": "str", "required": True},
                            "key": {"type": "str", "no_log": True},
                            "key_type": {"type": "int", "choices": list(KEY_TYPES)},
                            "hash_function": {"type": "str", "choices": ["sha1", "sha2"]},
                            "proxy_reply": {"type": "bool"},
                        },
                    },
                },
            },
            "use_petr": {
                "type": "list",
                "elements": "dict",
                "options": {
                    "address": {"type": "str", "required": True},
                    "priority": {"type": "int"},
                    "weight": {"type": "int"},
                },
                "required_together": [["priority", "weight"]],
            },
            "proxy_itr": {"type": "list", "elements": "str"},
            "proxy_etr": {"type": "bool"},
        },
    }


def _instance_service():
    return {
        "type": "dict",
        "options": {
            "eid_table": {"type": "str"},
            "database_mappings": {
                "type": "list",
                "elements": "dict",
                "options": {
                    "prefix": {"type": "str", "required": True},
                    "locator_set": {"type": "str", "required": True},
                },
            },
            "map_cache": {
                "type": "list",
                "elements": "dict",
                "options": {
                    "prefix": {"type": "str", "required": True},
                    "action": {"type": "str", "choices": ["map-request", "native-forward", "drop"], "default": "map-request"},
                },
            },
        },
    }


XTR_ARGSPEC = _resource({
    "type": "dict",
    "options": {
        "locator_sets": {
            "type": "list",
            "elements": "dict",
            "options": {
                "name": {"type": "str", "required": True},
                "locators": {
                    "type": "list",
                    "elements": "dict",
                    "options": {
                        "address": {"type": "str"},
                        "interface": {"type": "str"},
                        "family": {"type": "str", "choices": list(FAMILIES)},
                        "priority": {"type": "int"},
                        "weight": {"type": "int"},
                    },
                    "mutually_exclusive": [["address", "interface"]],
                    "required_one_of": [["address", "interface"]],
                },
            },
        },
        "ipv4": _service(),
        "ipv6": _service(),
        "instances": {
            "type": "list",
            "elements": "dict",
            "options": {
                "instance_id": {"type": "int", "required": True},
                "ipv4": _instance_service(),
                "ipv6": _instance_service(),
            },
        },
        "rloc_probing": {"type": "bool"},
    },
}, keys=True)

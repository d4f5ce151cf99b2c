"""The write-up lab (MR_MS, SITE1, SITE2) as model data and as IOS-XE prints it, plus test helpers."""

import copy

from lxml import etree

from ansible_collections.lispnet.lisp.plugins.plugin_utils import xml_codec
from ansible_collections.lispnet.lisp.tests.support.shared import require
from ansible_collections.lispnet.lisp.tests.support.yangcheck import validate

MR_MS_MAPPING_SYSTEM = {"ipv4": {"map_server": True, "map_resolver": True}}

MR_MS_SITES = [
    {"name": "SITE1", "description": "Branch 1", "authentication_key": "SITE1-KEY", "key_type": 0,
     "eid_records": [{"instance_id": 0, "prefix": "192.168.1.0/24", "accept_more_specifics": True}]},
    {"name": "SITE2", "description": "Branch 2", "authentication_key": "SITE2-KEY", "key_type": 0,
     "eid_records": [{"instance_id": 0, "prefix": "192.168.2.0/24", "accept_more_specifics": True}]},
]


def xtr_config(number):
    """The xTR config of SITE<number> (1 or 2)."""
    return {
        "locator_sets": [{"name": "RLOCS", "locators": [{"address": "127.0.%d.1" % number, "priority": 10, "weight": 50}]}],
        "ipv4": {
            "itr": {"enabled": True, "map_resolvers": ["127.0.10.1"]},
            "etr": {"enabled": True, "map_servers": [{"address": "127.0.10.1", "key": "SITE%d-KEY" % number, "key_type": 0}]},
        },
        "instances": [{"instance_id": 0, "ipv4": {
            "eid_table": "default",
            "database_mappings": [{"prefix": "192.168.%d.0/24" % number, "locator_set": "RLOCS"}],
            "map_cache": [{"prefix": "0.0.0.0/0", "action": "map-request"}],
        }}],
    }


# show running-config | section router lisp, as IOS-XE 17 prints it
MR_MS_RUNNING = """\
router lisp
 service ipv4
  map-server
  map-resolver
  exit-service-ipv4
 !
 site SITE1
  description Branch 1
  authentication-key 0 SITE1-KEY
  eid-record 192.168.1.0/24 accept-more-specifics
  exit-site
 !
 site SITE2
  description Branch 2
  authentication-key 0 SITE2-KEY
  eid-record 192.168.2.0/24 accept-more-specifics
  exit-site
 !
 exit-router-lisp
"""

SITE1_RUNNING = """\
Building configuration...
router lisp
 locator-set RLOCS
  127.0.1.1 priority 10 weight 50
  exit-locator-set
 !
 service ipv4
  itr map-resolver 127.0.10.1
  itr
  etr map-server 127.0.10.1 key 0 SITE1-KEY
  etr
  exit-service-ipv4
 !
 instance-id 0
  service ipv4
   eid-table default
   database-mapping 192.168.1.0/24 locator-set RLOCS
   map-cache 0.0.0.0/0 map-request
   exit-service-ipv4
  !
  exit-instance-id
 !
 exit-router-lisp
!
end
"""

LAB = {
    "MR_MS": {"mapping_system": MR_MS_MAPPING_SYSTEM, "sites": MR_MS_SITES, "xtr": {}},
    "SITE1": {"mapping_system": {}, "sites": [], "xtr": xtr_config(1)},
    "SITE2": {"mapping_system": {}, "sites": [], "xtr": xtr_config(2)},
}


def lab_cases():
    """(device, resource, config) for every non-empty resource of the lab."""
    return [(device, resource, copy.deepcopy(config)) for device, resources in sorted(LAB.items())
            for resource, config in sorted(resources.items()) if config]


def assert_yang_valid(xml):
    """The payload validates against Cisco's IOS-XE 17.9.1 models."""
    errors = validate(xml, yang_dir=str(require("yang", "iosxe-1791")))
    assert errors == [], "\n".join(errors) + "\n" + xml


# -- a small NETCONF datastore: applies <edit-config> operations to a <config> tree ---------------


def _identity(element):
    keys = xml_codec.LIST_KEYS.get(etree.QName(element).localname, ())
    values = []
    for key in keys:
        found = element.find("{%s}%s" % (etree.QName(element).namespace, key))
        values.append(None if found is None else found.text)
    return element.tag, tuple(values)


def _apply(target, edit):
    for change in edit:
        operation = change.get(xml_codec.OPERATION, "merge")
        match = None
        for candidate in target:
            if _identity(candidate) == _identity(change):
                match = candidate
                break
        clean = copy.deepcopy(change)
        for element in clean.iter():
            element.attrib.pop(xml_codec.OPERATION, None)
        if operation in ("remove", "delete"):
            if match is None and operation == "delete":
                raise AssertionError("delete of a missing node %s" % etree.tostring(change))
            if match is not None:
                target.remove(match)
        elif operation == "replace" or match is None:
            if match is not None:
                target.replace(match, clean)
            else:
                target.append(clean)
        elif len(change) == 0:
            match.text = change.text
        else:
            _apply(match, change)


def apply_edit(datastore_xml, edit_xml):
    """The <config> datastore after edit_xml is applied to it (both text)."""
    store = etree.fromstring(datastore_xml.encode())
    edit = etree.fromstring(edit_xml.encode())
    _apply(store, edit)
    return etree.tostring(store, encoding="unicode")


# -- (id, resource, state, have, want, expected after): the state matrix both codecs are run through --

SITE1 = xtr_config(1)


def _site1_with(change):
    config = copy.deepcopy(SITE1)
    change(config)
    return config


def _set(path, value):
    def change(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        if isinstance(node, list) and path[-1] == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[path[-1]] = copy.deepcopy(value)
    return change


def _delete(path):
    def change(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


def _chain(*changes):
    def change(config):
        for one in changes:
            one(config)
    return change


_MS_BOTH = {"ipv4": {"map_server": True, "map_resolver": True}, "ipv6": {"map_server": True}}
_SITE3 = {"name": "SITE3", "authentication_key": "K3", "key_type": 0,
          "eid_records": [{"instance_id": 3, "prefix": "10.3.0.0/16", "accept_more_specifics": False}]}

STATE_CASES = [
    ("ms-merged-new", "mapping_system", "merged", {}, MR_MS_MAPPING_SYSTEM, MR_MS_MAPPING_SYSTEM),
    ("ms-merged-off", "mapping_system", "merged", MR_MS_MAPPING_SYSTEM, {"ipv4": {"map_resolver": False}},
     {"ipv4": {"map_server": True}}),
    ("ms-merged-same", "mapping_system", "merged", MR_MS_MAPPING_SYSTEM, {"ipv4": {"map_server": True}}, MR_MS_MAPPING_SYSTEM),
    ("ms-replaced", "mapping_system", "replaced", _MS_BOTH, {"ipv4": {"map_server": True}},
     {"ipv4": {"map_server": True}, "ipv6": {"map_server": True}}),
    ("ms-overridden", "mapping_system", "overridden", _MS_BOTH, {"ipv6": {"map_resolver": True}}, {"ipv6": {"map_resolver": True}}),
    ("ms-deleted-all", "mapping_system", "deleted", _MS_BOTH, None, {}),
    ("ms-deleted-one", "mapping_system", "deleted", _MS_BOTH, {"ipv6": {"map_server": True}}, MR_MS_MAPPING_SYSTEM),
    ("ms-deleted-family", "mapping_system", "deleted", _MS_BOTH, {"ipv4": {}}, {"ipv6": {"map_server": True}}),

    ("sites-merged-new", "sites", "merged", [], MR_MS_SITES, MR_MS_SITES),
    ("sites-merged", "sites", "merged", MR_MS_SITES,
     [{"name": "SITE2", "description": "Branch two", "eid_records": [{"prefix": "192.168.22.0/24"}]}, _SITE3],
     [MR_MS_SITES[0],
      {"name": "SITE2", "description": "Branch two", "authentication_key": "SITE2-KEY", "key_type": 0,
       "eid_records": [{"instance_id": 0, "prefix": "192.168.2.0/24", "accept_more_specifics": True},
                       {"instance_id": 0, "prefix": "192.168.22.0/24"}]},
      _SITE3]),
    ("sites-merged-key-type", "sites", "merged", MR_MS_SITES, [{"name": "SITE1", "authentication_key": "0822455D0A16", "key_type": 7}],
     [dict(MR_MS_SITES[0], authentication_key="0822455D0A16", key_type=7), MR_MS_SITES[1]]),
    ("sites-merged-ams-off", "sites", "merged", MR_MS_SITES,
     [{"name": "SITE1", "eid_records": [{"prefix": "192.168.1.0/24", "accept_more_specifics": False}], "allowed_locators": ["127.0.1.1"]}],
     [dict(MR_MS_SITES[0], eid_records=[{"instance_id": 0, "prefix": "192.168.1.0/24"}], allowed_locators=["127.0.1.1"]), MR_MS_SITES[1]]),
    ("sites-replaced", "sites", "replaced", MR_MS_SITES,
     [{"name": "SITE2", "authentication_key": "NEW-KEY", "eid_records": [{"prefix": "192.168.2.0/24"}]}],
     [MR_MS_SITES[0], {"name": "SITE2", "authentication_key": "NEW-KEY", "key_type": 0,
                       "eid_records": [{"instance_id": 0, "prefix": "192.168.2.0/24"}]}]),
    ("sites-overridden", "sites", "overridden", MR_MS_SITES, [_SITE3], [_SITE3]),
    ("sites-deleted-one", "sites", "deleted", MR_MS_SITES, [{"name": "SITE1", "key_type": 0}], [MR_MS_SITES[1]]),
    ("sites-deleted-records", "sites", "deleted", MR_MS_SITES,
     [{"name": "SITE2", "eid_records": [{"prefix": "192.168.2.0/24", "instance_id": 0, "accept_more_specifics": False}]}],
     [MR_MS_SITES[0], {"name": "SITE2", "description": "Branch 2", "authentication_key": "SITE2-KEY", "key_type": 0}]),
    ("sites-deleted-all", "sites", "deleted", MR_MS_SITES, None, []),
    ("sites-deleted-empty-list", "sites", "deleted", MR_MS_SITES, [], []),

    ("xtr-merged-new", "xtr", "merged", {}, SITE1, SITE1),
    ("xtr-merged-same", "xtr", "merged", SITE1, SITE1, SITE1),
    ("xtr-merged", "xtr", "merged", SITE1,
     {"locator_sets": [{"name": "RLOCS", "locators": [{"address": "127.0.1.2", "priority": 20, "weight": 50}]}],
      "ipv4": {"itr": {"map_resolvers": ["127.0.10.2"]}},
      "instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "0.0.0.0/0", "action": "native-forward"}]}}]},
     _site1_with(_chain(
         _set(["locator_sets", 0, "locators"], [{"address": "127.0.1.1", "priority": 10, "weight": 50},
                                                {"address": "127.0.1.2", "priority": 20, "weight": 50}]),
         _set(["ipv4", "itr", "map_resolvers"], ["127.0.10.1", "127.0.10.2"]),
         _set(["instances", 0, "ipv4", "map_cache"], [{"prefix": "0.0.0.0/0", "action": "native-forward"}])))),
    ("xtr-merged-off", "xtr", "merged", SITE1, {"ipv4": {"etr": {"enabled": False}}},
     _site1_with(_delete(["ipv4", "etr", "enabled"]))),
    ("xtr-merged-key", "xtr", "merged", SITE1,
     {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "NEWKEY", "key_type": 6, "hash_function": "sha2"}]}}},
     _site1_with(_set(["ipv4", "etr", "map_servers"], [{"address": "127.0.10.1", "key": "NEWKEY", "key_type": 6, "hash_function": "sha2"}]))),
    ("xtr-merged-proxy-reply", "xtr", "merged", SITE1,
     {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "proxy_reply": True}]}}},
     _site1_with(_set(["ipv4", "etr", "map_servers", 0, "proxy_reply"], True))),
    ("xtr-merged-eid-table", "xtr", "merged", SITE1, {"instances": [{"instance_id": 0, "ipv4": {"eid_table": "vrf BLUE"}}]},
     _site1_with(_set(["instances", 0, "ipv4", "eid_table"], "vrf BLUE"))),
    ("xtr-merged-proxy", "xtr", "merged", _site1_with(_set(["ipv4", "proxy_itr"], ["127.0.30.1"])),
     {"ipv4": {"proxy_itr": ["127.0.30.2", "2001:db8::30"], "proxy_etr": True,
               "use_petr": [{"address": "127.0.20.1", "priority": 1, "weight": 100}, {"address": "2001:db8::20"}]},
      "ipv6": {"itr": {"enabled": True, "map_resolvers": ["2001:db8::10"]},
               "etr": {"enabled": True, "map_servers": [{"address": "2001:db8::10", "key": "V6KEY", "proxy_reply": True}]}},
      "instances": [{"instance_id": 0, "ipv6": {"eid_table": "default",
                                                "database_mappings": [{"prefix": "2001:db8:1::/48", "locator_set": "RLOCS"}],
                                                "map_cache": [{"prefix": "::/0", "action": "drop"}]}},
                    {"instance_id": 7, "ipv4": {"eid_table": "vrf RED"}}]},
     _site1_with(_chain(
         _set(["ipv4", "proxy_itr"], ["127.0.30.2", "2001:db8::30"]),
         _set(["ipv4", "proxy_etr"], True),
         _set(["ipv4", "use_petr"], [{"address": "127.0.20.1", "priority": 1, "weight": 100}, {"address": "2001:db8::20"}]),
         _set(["ipv6"], {"itr": {"enabled": True, "map_resolvers": ["2001:db8::10"]},
                         "etr": {"enabled": True, "map_servers": [{"address": "2001:db8::10", "key": "V6KEY", "key_type": 0, "proxy_reply": True}]}}),
         _set(["instances", 0, "ipv6"], {"eid_table": "default", "database_mappings": [{"prefix": "2001:db8:1::/48", "locator_set": "RLOCS"}],
                                         "map_cache": [{"prefix": "::/0", "action": "drop"}]}),
         _set(["instances", 1], {"instance_id": 7, "ipv4": {"eid_table": "vrf RED"}})))),
    ("xtr-replaced-service", "xtr", "replaced", SITE1, {"ipv4": {"itr": {"enabled": True, "map_resolvers": ["127.0.10.2"]}}},
     _site1_with(_set(["ipv4"], {"itr": {"enabled": True, "map_resolvers": ["127.0.10.2"]}}))),
    ("xtr-replaced-locator-set", "xtr", "replaced", SITE1,
     {"locator_sets": [{"name": "RLOCS", "locators": [{"interface": "Loopback0", "priority": 1, "weight": 100}]}]},
     _site1_with(_set(["locator_sets", 0, "locators"], [{"interface": "Loopback0", "family": "ipv4", "priority": 1, "weight": 100}]))),
    ("xtr-merged-locator-weight", "xtr", "merged", SITE1,
     {"locator_sets": [{"name": "RLOCS", "locators": [{"address": "127.0.1.1", "weight": 100}]}]},
     _site1_with(_set(["locator_sets", 0, "locators", 0, "weight"], 100))),
    ("xtr-deleted-locator", "xtr", "deleted", _site1_with(_set(["locator_sets", 0, "locators", 1],
                                                               {"interface": "Loopback0", "priority": 1, "weight": 1})),
     {"locator_sets": [{"name": "RLOCS", "locators": [{"interface": "Loopback0"}]}]}, SITE1),
    ("xtr-replaced-locator-weight", "xtr", "replaced", SITE1,
     {"locator_sets": [{"name": "RLOCS", "locators": [{"address": "127.0.1.1", "priority": 10, "weight": 100}]}]},
     _site1_with(_set(["locator_sets", 0, "locators", 0, "weight"], 100))),
    ("xtr-replaced-instance", "xtr", "replaced", SITE1,
     {"instances": [{"instance_id": 0, "ipv4": {"eid_table": "default",
                                                "database_mappings": [{"prefix": "192.168.11.0/24", "locator_set": "RLOCS"}]}}]},
     _site1_with(_set(["instances", 0, "ipv4"], {"eid_table": "default",
                                                 "database_mappings": [{"prefix": "192.168.11.0/24", "locator_set": "RLOCS"}]}))),
    ("xtr-overridden", "xtr", "overridden", SITE1, xtr_config(2), xtr_config(2)),
    ("xtr-overridden-new-set", "xtr", "overridden", SITE1,
     _site1_with(_chain(_set(["locator_sets"], [{"name": "NEW", "locators": [{"address": "127.0.1.1", "priority": 1, "weight": 1}]}]),
                        _set(["instances", 0, "ipv4", "database_mappings", 0, "locator_set"], "NEW"))),
     _site1_with(_chain(_set(["locator_sets"], [{"name": "NEW", "locators": [{"address": "127.0.1.1", "priority": 1, "weight": 1}]}]),
                        _set(["instances", 0, "ipv4", "database_mappings", 0, "locator_set"], "NEW")))),
    ("xtr-deleted-instance", "xtr", "deleted", SITE1, {"instances": [{"instance_id": 0}]}, _site1_with(_delete(["instances"]))),
    ("xtr-deleted-map-cache", "xtr", "deleted", SITE1,
     {"instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "0.0.0.0/0", "action": "map-request"}]}}]},
     _site1_with(_delete(["instances", 0, "ipv4", "map_cache"]))),
    ("xtr-deleted-itr", "xtr", "deleted", SITE1, {"ipv4": {"itr": {"enabled": True}}}, _site1_with(_delete(["ipv4", "itr", "enabled"]))),
    ("xtr-deleted-service", "xtr", "deleted", SITE1, {"ipv4": {}}, _site1_with(_delete(["ipv4"]))),
    ("xtr-merged-rloc-probing", "xtr", "merged", SITE1, {"rloc_probing": True}, _site1_with(_set(["rloc_probing"], True))),
    ("xtr-merged-rloc-probing-off", "xtr", "merged", _site1_with(_set(["rloc_probing"], True)), {"rloc_probing": False}, SITE1),
    ("xtr-deleted-rloc-probing", "xtr", "deleted", _site1_with(_set(["rloc_probing"], True)), {"rloc_probing": True}, SITE1),
    ("xtr-overridden-rloc-probing", "xtr", "overridden", _site1_with(_set(["rloc_probing"], True)), xtr_config(2), xtr_config(2)),
    ("xtr-deleted-all", "xtr", "deleted", SITE1, None, {}),
    ("xtr-deleted-all-empty", "xtr", "deleted", SITE1, {}, {}),
]

"""plugin_utils.model: validation, canonical form, references, masking."""

import copy

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils import model
from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import MASK, ValidationError
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.labdata import MR_MS_SITES, xtr_config


def error_of(resource, config, references=False):
    with pytest.raises(ValidationError) as info:
        normal = model.normalize(resource, config)
        if references:
            model.validate_references(resource, normal)
    return info.value


def locator(**fields):
    base = {"address": "127.0.1.1", "priority": 10, "weight": 50}
    base.update(fields)
    return base


def xtr_with(**changes):
    config = xtr_config(1)
    config.update(changes)
    return config


def test_error_message_shape():
    config = {"locator_sets": [{"name": "RLOCS", "locators": [locator(), locator(address="127.0.1.2", priority=300)]}]}
    exc = error_of("xtr", config)
    assert exc.path == "config.locator_sets[0].locators[1].priority"
    assert exc.value == 300
    assert str(exc) == "config.locator_sets[0].locators[1].priority: 300 is not in 0..255"


@pytest.mark.parametrize("resource, config, path, value, reason", [
    ("xtr", {"locator_sets": [{"name": "R", "locators": [locator(weight=101)]}]},
     "config.locator_sets[0].locators[0].weight", 101, "is not in 0..100"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [locator(priority=-1)]}]},
     "config.locator_sets[0].locators[0].priority", -1, "is not in 0..255"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [locator(priority="high")]}]},
     "config.locator_sets[0].locators[0].priority", "high", "is not an integer"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [locator(address="127.0.1.300")]}]},
     "config.locator_sets[0].locators[0].address", "127.0.1.300", "is not an IPv4 or IPv6 address"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [{"priority": 1, "weight": 1}]}]},
     "config.locator_sets[0].locators[0]", "", "-- a locator needs exactly one of address or interface"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [locator(interface="Loopback0")]}]},
     "config.locator_sets[0].locators[0]", "127.0.1.1", "-- a locator needs exactly one of address or interface"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [{"interface": "Loopback 0", "priority": 1, "weight": 1}]}]},
     "config.locator_sets[0].locators[0].interface", "Loopback 0", "is not a single word (no blanks, printable ASCII)"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [{"address": "::1", "family": "ipv4", "priority": 1, "weight": 1}]}]},
     "config.locator_sets[0].locators[0].family", "ipv4", "does not match the address ::1"),
    ("xtr", {"locator_sets": [{"name": "R"}, {"name": "R"}]},
     "config.locator_sets[1]", "name R", "is given twice (also at config.locator_sets[0])"),
    ("xtr", {"locator_sets": [{"name": "R", "locators": [locator(), locator(priority=1)]}]},
     "config.locator_sets[0].locators[1]", "address 127.0.1.1", "is given twice (also at config.locator_sets[0].locators[0])"),
    ("xtr", {"locator_sets": [{"locators": []}]},
     "config.locator_sets[0].name", "", "-- name is required"),
    ("xtr", {"instances": [{"instance_id": 16777215}]},
     "config.instances[0].instance_id", 16777215, "is not in 0..16777214"),
    ("xtr", {"instances": [{"instance_id": 1}, {"instance_id": "1"}]},
     "config.instances[1]", "instance_id 1", "is given twice (also at config.instances[0])"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv4": {"database_mappings": [{"prefix": "192.168.1.1/24", "locator_set": "R"}]}}]},
     "config.instances[0].ipv4.database_mappings[0].prefix", "192.168.1.1/24", "has host bits set (the prefix is 192.168.1.0/24)"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv4": {"database_mappings": [{"prefix": "2001:db8::/32", "locator_set": "R"}]}}]},
     "config.instances[0].ipv4.database_mappings[0].prefix", "2001:db8::/32", "is not an IPv4 prefix (it is under ipv4)"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv6": {"map_cache": [{"prefix": "0.0.0.0/0"}]}}]},
     "config.instances[0].ipv6.map_cache[0].prefix", "0.0.0.0/0", "is not an IPv6 prefix (it is under ipv6)"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "10.0.0.0"}]}}]},
     "config.instances[0].ipv4.map_cache[0].prefix", "10.0.0.0", "is not a prefix (address/length)"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "10.0.0.0/33"}]}}]},
     "config.instances[0].ipv4.map_cache[0].prefix", "10.0.0.0/33", "is not an IPv4 or IPv6 prefix"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "10.0.0.0/8", "action": "forward"}]}}]},
     "config.instances[0].ipv4.map_cache[0].action", "forward", "is not one of map-request, native-forward, drop"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "10.0.0.0/8"}, {"prefix": "10.0.0.0/8", "action": "drop"}]}}]},
     "config.instances[0].ipv4.map_cache[1]", "prefix 10.0.0.0/8", "is given twice (also at config.instances[0].ipv4.map_cache[0])"),
    ("xtr", {"instances": [{"instance_id": 0, "ipv4": {"eid_table": "vrf"}}]},
     "config.instances[0].ipv4.eid_table", "vrf", "is not an EID table (default, or vrf NAME)"),
    ("xtr", {"ipv4": {"itr": {"map_resolvers": ["127.0.10.1", "mr.example"]}}},
     "config.ipv4.itr.map_resolvers[1]", "mr.example", "is not an IPv4 or IPv6 address"),
    ("xtr", {"ipv4": {"itr": {"map_resolvers": ["127.0.10.1", "127.0.10.01"]}}},
     "config.ipv4.itr.map_resolvers[1]", "127.0.10.01", "is not an IPv4 or IPv6 address"),
    ("xtr", {"ipv4": {"itr": {"map_resolvers": ["127.0.10.1", "127.0.10.1"]}}},
     "config.ipv4.itr.map_resolvers[1]", "127.0.10.1", "is given twice (also at config.ipv4.itr.map_resolvers[0])"),
    ("xtr", {"ipv4": {"itr": {"enabled": "maybe"}}},
     "config.ipv4.itr.enabled", "maybe", "is not a boolean"),
    ("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "K", "key_type": 5}]}}},
     "config.ipv4.etr.map_servers[0].key_type", 5, "is not one of 0, 6, 7"),
    ("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "K", "hash_function": "md5"}]}}},
     "config.ipv4.etr.map_servers[0].hash_function", "md5", "is not one of sha1, sha2"),
    ("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "not hex", "key_type": 7}]}}},
     "config.ipv4.etr.map_servers[0].key", MASK, "is not a single word (no blanks, printable ASCII)"),
    ("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "XYZ", "key_type": 7}]}}},
     "config.ipv4.etr.map_servers[0].key", MASK, "is not a type 7 key (two digits and hex)"),
    ("xtr", {"ipv4": {"use_petr": [{"address": "127.0.20.1", "priority": 1}]}},
     "config.ipv4.use_petr[0].weight", "", "-- use-petr takes priority and weight together"),
    ("xtr", {"ipv4": {"use_petr": [{"address": "127.0.20.1", "priority": 1, "weight": 200}]}},
     "config.ipv4.use_petr[0].weight", 200, "is not in 0..100"),
    ("xtr", {"ipv4": {"proxy_itr": ["127.0.30.1", "127.0.30.2"]}},
     "config.ipv4.proxy_itr[1]", "127.0.30.2", "is a second IPv4 address; IOS-XE holds one per address family (see config.ipv4.proxy_itr[0])"),
    ("xtr", {"ipv5": {}},
     "config.ipv5", {}, "is not a supported option"),
    ("xtr", {"locator_sets": {"name": "R"}},
     "config.locator_sets", {"name": "R"}, "is not a list"),
    ("xtr", ["not", "a", "dict"],
     "config", ["not", "a", "dict"], "is not a dict"),
    ("mapping_system", {"ipv4": {"map_server": "sometimes"}},
     "config.ipv4.map_server", "sometimes", "is not a boolean"),
    ("sites", [{"name": "SITE 1"}],
     "config[0].name", "SITE 1", "is not a single word (no blanks, printable ASCII)"),
    ("sites", [{"name": "S", "description": "two\nlines"}],
     "config[0].description", "two\nlines", "is not a single line of text"),
    ("sites", [{"name": "S", "authentication_key": "has blank"}],
     "config[0].authentication_key", MASK, "is not a single word (no blanks, printable ASCII)"),
    ("sites", [{"name": "S", "authentication_key": "K", "key_type": "9"}],
     "config[0].key_type", "9", "is not one of 0, 6, 7"),
    ("sites", [{"name": "S"}, {"name": "T"}, {"name": "S"}],
     "config[2]", "name S", "is given twice (also at config[0])"),
    ("sites", [{"name": "S", "eid_records": [{"prefix": "192.168.2.0/24"}, {"prefix": "192.168.2.0/24", "instance_id": 0}]}],
     "config[0].eid_records[1]", "instance_id 0, prefix 192.168.2.0/24", "is given twice (also at config[0].eid_records[0])"),
    ("sites", [{"name": "S", "eid_records": [{"prefix": "192.168.2.0/24", "instance_id": -1}]}],
     "config[0].eid_records[0].instance_id", -1, "is not in 0..16777214"),
    ("sites", [{"name": "S", "eid_records": [{"prefix": "192.168.2.128/24"}]}],
     "config[0].eid_records[0].prefix", "192.168.2.128/24", "has host bits set (the prefix is 192.168.2.0/24)"),
    ("sites", [{"name": "S", "eid_records": [{"prefix": "192.168.2.0/24", "accept_more_specifics": "perhaps"}]}],
     "config[0].eid_records[0].accept_more_specifics", "perhaps", "is not a boolean"),
    ("sites", [{"name": "S", "allowed_locators": ["::1", "::2"]}],
     "config[0].allowed_locators[1]", "::2", "is a second IPv6 address; IOS-XE holds one per address family (see config[0].allowed_locators[0])"),
    ("sites", [{"name": "S", "allowed_locators": ["localhost"]}],
     "config[0].allowed_locators[0]", "localhost", "is not an IPv4 or IPv6 address"),
    ("sites", [None],
     "config[0]", "null", "is not a list entry"),
    ("sites", [{"name": "exit"}],
     "config[0].name", "exit", "is not a single word (no blanks, printable ASCII)"),
])
def test_validation_errors(resource, config, path, value, reason):
    exc = error_of(resource, config)
    assert (exc.path, exc.value, exc.reason) == (path, value, reason)
    assert str(exc).startswith(path + ": ")
    assert str(exc).endswith(" " + reason)


def test_error_shows_containers_by_type():
    assert str(error_of("xtr", {"locator_sets": {"name": "R"}})) == "config.locator_sets: a dict is not a list"


def test_secret_never_in_error():
    exc = error_of("sites", [{"name": "S", "authentication_key": "TOP SECRET"}])
    assert "TOP SECRET" not in str(exc) and MASK in str(exc)
    exc = error_of("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "SECRET"}, {"address": "127.0.10.1", "key": "SECRET"}]}}})
    assert "SECRET" not in str(exc)


def test_database_mapping_needs_a_locator_set():
    config = xtr_config(1)
    config["locator_sets"] = [{"name": "OTHER"}]
    normal = model.normalize("xtr", config)  # the locator-set may be on the device (merged)
    with pytest.raises(ValidationError) as info:
        model.validate_references("xtr", model.canonical("xtr", normal))
    exc = info.value
    assert exc.path == "config.instances[instance_id=0].ipv4.database_mappings[prefix=192.168.1.0/24].locator_set"
    assert exc.value == "RLOCS"
    assert str(exc) == exc.path + ": RLOCS is not a locator-set of the configuration (locator_sets: OTHER)"
    model.validate_references("xtr", model.canonical("xtr", xtr_config(1)))
    model.validate_references("sites", MR_MS_SITES)


def test_locator_needs_priority_and_weight_in_a_state():
    config = {"locator_sets": [{"name": "R", "locators": [{"address": "::1", "weight": 1}]}]}
    with pytest.raises(ValidationError) as info:
        model.canonical("xtr", config)
    assert (info.value.path, info.value.value) == ("config.locator_sets[0].locators[0].priority", "")
    assert str(info.value) == "config.locator_sets[0].locators[0].priority: '' -- a locator needs a priority"
    # ... but a want may leave them to what the device has (merged changes the weight only)
    assert model.normalize("xtr", config) == {"locator_sets": [{"name": "R", "locators": [{"address": "::1", "weight": 1}]}]}


def test_map_server_needs_a_key_in_a_state():
    with pytest.raises(ValidationError) as info:
        model.canonical("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1"}]}}})
    assert info.value.path == "config.ipv4.etr.map_servers[0]"
    # ... but a want may name it alone (deleted, merged onto a device that has its key)
    assert model.normalize("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1"}]}}}) == {
        "ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1"}]}}}


def test_canonical_values_order_and_defaults():
    config = {
        "locator_sets": [
            {"name": "Z", "locators": [{"interface": "Loopback1", "priority": "5", "weight": 5},
                                       {"address": "2001:DB8::0001", "priority": 1, "weight": 1},
                                       {"address": "10.0.0.2", "priority": 1, "weight": 1},
                                       {"address": "9.0.0.1", "priority": 1, "weight": 1}]},
            {"name": "A", "locators": []},
        ],
        "ipv4": {"itr": {"enabled": False, "map_resolvers": ["10.0.0.10", "9.0.0.10"]}, "etr": {"enabled": None}, "proxy_etr": False},
        "instances": [{"instance_id": 10, "ipv4": {"map_cache": [{"prefix": "10.0.0.0/8"}, {"prefix": "0.0.0.0/0", "action": "drop"}]}},
                      {"instance_id": "2"}],
    }
    assert model.canonical("xtr", config) == {
        "locator_sets": [
            {"name": "A"},
            {"name": "Z", "locators": [{"interface": "Loopback1", "family": "ipv4", "priority": 5, "weight": 5},
                                       {"address": "9.0.0.1", "priority": 1, "weight": 1},
                                       {"address": "10.0.0.2", "priority": 1, "weight": 1},
                                       {"address": "2001:db8::1", "priority": 1, "weight": 1}]},
        ],
        "ipv4": {"itr": {"map_resolvers": ["9.0.0.10", "10.0.0.10"]}},
        "instances": [{"instance_id": 2},
                      {"instance_id": 10, "ipv4": {"map_cache": [{"prefix": "0.0.0.0/0", "action": "drop"},
                                                                 {"prefix": "10.0.0.0/8", "action": "map-request"}]}}],
    }
    # the want form keeps what was written explicitly (false, empty) and drops only None
    want = model.normalize("xtr", config)
    assert want["ipv4"] == {"itr": {"enabled": False, "map_resolvers": ["9.0.0.10", "10.0.0.10"]}, "etr": {}, "proxy_etr": False}
    assert model.normalize("xtr", None) is None
    assert model.canonical("xtr", None) == {} and model.canonical("sites", None) == []


def test_equal_means_equivalent():
    one = model.canonical("sites", [{"name": "S", "authentication_key": "K", "eid_records": [
        {"prefix": "10.0.0.0/8"}, {"prefix": "192.168.2.0/24", "accept_more_specifics": False}]}])
    two = model.canonical("sites", [{"name": "S", "key_type": "0", "authentication_key": "K", "description": None, "allowed_locators": [],
                                     "eid_records": [{"prefix": "192.168.2.0/24", "instance_id": 0}, {"prefix": "10.0.0.0/8"}]}])
    assert one == two
    assert one == [{"name": "S", "authentication_key": "K", "key_type": 0,
                    "eid_records": [{"instance_id": 0, "prefix": "10.0.0.0/8"}, {"instance_id": 0, "prefix": "192.168.2.0/24"}]}]
    assert model.canonical("sites", [{"name": "S", "key_type": 7}]) == [{"name": "S"}]  # a key type without a key is nothing
    assert model.canonical("xtr", {"instances": [{"instance_id": 0, "ipv4": {"eid_table": "BLUE"}}]}) == model.canonical(
        "xtr", {"instances": [{"instance_id": 0, "ipv4": {"eid_table": "vrf  BLUE"}}]})


def test_canonical_is_idempotent():
    for resource, config in (("sites", MR_MS_SITES), ("xtr", xtr_config(2))):
        once = model.canonical(resource, config)
        assert model.canonical(resource, copy.deepcopy(once)) == once
        assert model.normalize(resource, copy.deepcopy(once)) == once


def test_mask():
    sites = model.canonical("sites", MR_MS_SITES)
    masked = model.mask("sites", sites)
    assert [site["authentication_key"] for site in masked] == [MASK, MASK]
    assert sites[0]["authentication_key"] == "SITE1-KEY"  # the original is untouched
    assert masked[0]["name"] == "SITE1" and masked[0]["eid_records"] == sites[0]["eid_records"]
    xtr = model.mask("xtr", xtr_config(1))
    assert xtr["ipv4"]["etr"]["map_servers"][0]["key"] == MASK
    assert "SITE1-KEY" not in repr(xtr)
    assert model.mask("xtr", None) is None
    assert model.mask("mapping_system", {"ipv4": {"map_server": True}}) == {"ipv4": {"map_server": True}}


def test_unknown_resource():
    with pytest.raises(ValueError):
        model.normalize("routers", {})

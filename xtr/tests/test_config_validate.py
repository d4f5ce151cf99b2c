"""validate_tree: the semantic checks a device makes on a whole tree built in Python (or read back)."""

import pytest

from lispxtr.config import (
    ConfigError,
    EidRecordCfg,
    Instance,
    InstanceService,
    LispConfig,
    LocatorEntry,
    LocatorSet,
    MapServerRef,
    RouterConfig,
    Site,
    User,
    parse_config,
    validate_tree,
)

from .test_config_cli import FULL, MR_MS, SITE1


def test_lab_and_full_configs_are_valid():
    for text in (MR_MS, SITE1, FULL):
        validate_tree(parse_config(text))
    validate_tree(RouterConfig())
    validate_tree(RouterConfig(lisp=LispConfig()))


def _site1():
    return parse_config(SITE1)


def _break(change):
    tree = _site1()
    change(tree)
    return tree


CASES = [
    (lambda t: t.lisp.instances[0].services["ipv4"].database_mappings.__setitem__("10.0.0.0/8", "MISSING"),
     ["instance-id 0", "service ipv4", "10.0.0.0/8", "'MISSING'", "not configured"]),
    (lambda t: setattr(t.lisp.locator_sets["RLOCS"].locators[0], "priority", 256), ["locator-set RLOCS", "priority 256", "0..255"]),
    (lambda t: setattr(t.lisp.locator_sets["RLOCS"].locators[0], "weight", -1), ["weight -1", "0..100"]),
    (lambda t: t.lisp.locator_sets["RLOCS"].locators.append(LocatorEntry(address="127.0.1.1", priority=1, weight=1)),
     ["appears twice"]),
    (lambda t: t.lisp.locator_sets["RLOCS"].locators.append(LocatorEntry(priority=1, weight=1)), ["exactly one of address or interface"]),
    (lambda t: t.lisp.locator_sets["RLOCS"].locators.append(LocatorEntry(address="1.2.3", priority=1, weight=1)),
     ["locator address '1.2.3'"]),
    (lambda t: t.lisp.instances[0].services["ipv4"].database_mappings.__setitem__("10.0.0.1/8", "RLOCS"),
     ["database-mapping '10.0.0.1/8'", "host bits"]),
    (lambda t: t.lisp.instances[0].services["ipv4"].map_cache.__setitem__("2001:DB8::/32", "drop"),
     ["map-cache '2001:DB8::/32'", "IPv4 prefix"]),
    (lambda t: t.lisp.instances[0].services["ipv4"].map_cache.__setitem__("10.0.0.0/8", "forward"), ["action 'forward'"]),
    (lambda t: t.lisp.instances.__setitem__(16777215, Instance()), ["instance-id 16777215", "0..16777214"]),
    (lambda t: t.lisp.instances[0].services.__setitem__("ipv5", InstanceService()), ["service 'ipv5'"]),
    (lambda t: setattr(t.lisp.instances[0].services["ipv4"], "eid_table", "vrf"), ["eid-table 'vrf'"]),
    (lambda t: t.lisp.instances.update({1: Instance({"ipv4": InstanceService("vrf RED")}), 2: Instance({"ipv4": InstanceService("vrf RED")})}),
     ["vrf RED", "already bound to instance-id 1"]),
    (lambda t: t.lisp.services["ipv4"].map_resolvers.append("2001:db8::1"), ["itr map-resolver '2001:db8::1'", "canonical", "2001:DB8::1"]),
    (lambda t: t.lisp.services["ipv4"].map_servers.__setitem__("10.0.0.9", MapServerRef()), ["10.0.0.9", "neither a key nor proxy-reply"]),
    (lambda t: t.lisp.services["ipv4"].map_servers.__setitem__("10.0.0.9", MapServerRef("k", key_type=5)), ["type 5"]),
    (lambda t: t.lisp.services["ipv4"].map_servers.__setitem__("10.0.0.9", MapServerRef("k", hash_function="md5")), ["'md5'"]),
    (lambda t: t.lisp.services["ipv4"].use_petr.__setitem__("10.0.0.9", (1, 200)), ["use-petr 10.0.0.9 weight 200"]),
    (lambda t: t.lisp.services["ipv4"].proxy_itr.extend(["10.0.0.1", "10.0.0.2"]), ["proxy-itr", "one IPv4"]),
    (lambda t: t.lisp.sites.__setitem__("S", Site(eid_records={(0, "10.0.0.1/8"): EidRecordCfg()})), ["site S", "host bits"]),
    (lambda t: t.lisp.sites.__setitem__("S", Site(eid_records={(-1, "10.0.0.0/8"): EidRecordCfg()})), ["instance-id -1"]),
    (lambda t: t.lisp.sites.__setitem__("S", Site(auth_key="bad key")), ["authentication-key must be one word"]),
    (lambda t: t.lisp.sites.__setitem__("S", Site(auth_key="XYZ", key_type=7)), ["not a valid type 7"]),
    (lambda t: t.lisp.sites.__setitem__("S", Site(allowed_locators=["10.0.0.1", "10.0.0.2"])), ["allowed-locator", "one IPv4"]),
    (lambda t: t.lisp.locator_sets.__setitem__("bad name", LocatorSet()), ["locator-set name 'bad name'"]),
    (lambda t: setattr(t, "hostname", "9"), ["hostname '9'"]),
    (lambda t: t.users.__setitem__("u", User(privilege=16, secret="x")), ["username u", "privilege 16"]),
    (lambda t: t.users.__setitem__("u", User(privilege=1, secret="x", secret_type=9)), ["username u", "type 9"]),
    (lambda t: t.users.__setitem__("u", User(privilege=1, secret="x", secret_type=7, keyword="secret")), ["type 7 is not supported"]),
]


@pytest.mark.parametrize("change,words", CASES, ids=[w[0] for _unused, w in CASES])
def test_validate_tree_names_place_field_and_value(change, words):
    tree = _break(change)
    with pytest.raises(ConfigError) as info:
        validate_tree(tree)
    error = info.value
    assert error.lineno is None
    for word in words:
        assert word in error.message, (word, error.message)


def test_validation_never_names_a_secret():
    tree = _site1()
    tree.lisp.services["ipv4"].map_servers["10.0.0.9"] = MapServerRef("TOP SECRET")
    with pytest.raises(ConfigError) as info:
        validate_tree(tree)
    assert "SECRET" not in str(info.value)

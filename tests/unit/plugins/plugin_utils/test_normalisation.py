# -*- coding: utf-8 -*-
"""Every row of plugin_utils/normalisation.py NORMALISATIONS, through the action plugins.

For each row: the task is applied to a device that then holds the configuration the way IOS-XE (and
the reference router) stores it with that normalisation; the post-change check passes and a second
run reports no change. A device holding a real difference fails the check with a message naming the
option path. docs/normalisation.md holds the table verbatim.
"""

from __future__ import annotations

import pathlib

import pytest
from lxml import etree

from ansible_collections.lispnet.lisp.plugins.action import lisp_mapping_system, lisp_sites, lisp_xtr
from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, normalisation, xml_codec
from ansible_collections.lispnet.lisp.tests.unit.plugins.action.test_lisp_resource_support import (
    MASK,
    assert_masked,
    data_element,
    run_action,
)

ACTIONS = {"mapping_system": lisp_mapping_system.ActionModule, "sites": lisp_sites.ActionModule, "xtr": lisp_xtr.ActionModule}
KINDS = ("cli", "netconf")
ALL_STATES = ("merged", "replaced", "overridden")
# Cisco type 7 forms of SITE1-KEY with seeds 0 and 2, and of OTHER-KEY (computed with the reference router's encoder)
SITE1_KEY_7_SEED0 = "00373A32210A462D2A18"
SITE1_KEY_7_SEED2 = "02352D6F2E57420A6977"
OTHER_KEY_7 = "09637A213C375A392E35"
TYPE6 = "bA]Z^LfXVKFXTZ_eZTWQE_bUAAB"
TYPE6_OTHER = "gQ_DYbZ]XhTJ^QBcVGDRLcaQcAAB"


class NormalisingDevice:
    """A transport double that answers before_text until a change arrives, then after_text.

    The texts are ``show running-config | section router lisp`` as the device prints them; over NETCONF
    the device answers the same configuration as Cisco-IOS-XE-lisp XML (extra_xml is added inside
    ``<lisp>``: leaves the model does not manage).
    """

    def __init__(self, kind, resource, before_text, after_text, extra_xml=""):
        self.kind = kind
        self.resource = resource
        self.text = before_text
        self.after_text = after_text
        self.extra_xml = extra_xml
        self.applied = []
        self.host, self.port = "127.0.0.1", 2022 if kind == "cli" else 2830
        self.where = "%s %s:%s" % (kind, self.host, self.port)

    def get_running_section(self):
        return self.text

    def get_config(self, filter_xml, source="running"):
        del filter_xml, source
        data = data_element(self.resource, cli_codec.parse(self.resource, self.text))
        if self.extra_xml:
            lisp = data.find(".//{%s}lisp" % xml_codec.LISP)
            if lisp is None:
                native = etree.SubElement(data, "{%s}native" % xml_codec.NATIVE)
                lisp = etree.SubElement(etree.SubElement(native, "{%s}router" % xml_codec.NATIVE), "{%s}lisp" % xml_codec.LISP)
            for element in etree.fromstring("<x xmlns='%s'>%s</x>" % (xml_codec.LISP, self.extra_xml)):
                lisp.append(element)
        return data

    def apply(self, lines):
        assert self.kind == "cli"
        self.applied.append(list(lines))
        self.text = self.after_text
        return "ok"

    def edit(self, config_xml):
        assert self.kind == "netconf"
        self.applied.append(config_xml)
        self.text = self.after_text
        return "<ok/>"

    def close(self):
        pass


def lisp(*lines):
    """router lisp text from the lines inside it (indented as the device prints them)."""
    return "router lisp\n" + "".join(" %s\n" % line for line in lines) + " exit-router-lisp\n"


def site(name, *lines):
    return ["site %s" % name] + [" " + line for line in lines] + [" exit-site", "!"]


XTR_BASE = ["locator-set RLOCS", " 127.0.1.1 priority 10 weight 50", " exit-locator-set", "!"]
XTR_INTENT = {
    "locator_sets": [{"name": "RLOCS", "locators": [{"address": "127.0.1.1", "priority": 10, "weight": 50}]}],
    "instances": [{"instance_id": 0, "ipv4": {"database_mappings": [{"prefix": "192.168.1.0/24", "locator_set": "RLOCS"}]}}],
}
SITE1 = [{"name": "SITE1", "authentication_key": "SITE1-KEY", "eid_records": [{"prefix": "192.168.1.0/24"}]}]
ETR = {"ipv4": {"etr": {"enabled": True, "map_servers": [{"address": "127.0.10.1", "key": "SITE1-KEY"}]}}}


def etr_text(key_words):
    return lisp("service ipv4", " etr map-server 127.0.10.1 key %s" % key_words, " etr", " exit-service-ipv4", "!")


class Example:
    """One case of a row: intent applied on before_text, after which the device prints device_text.

    wrong_text: what a device holding a real difference prints instead; wrong_path: the option path the
    failure must name. states: the states the case is run with.
    """

    def __init__(self, resource, intent, device_text, *, before_text="", states=ALL_STATES, wrong_text=None, wrong_path=None,
                 key_update=None, kinds=KINDS, extra_xml=""):
        self.resource = resource
        self.intent = intent
        self.device_text = device_text
        self.before_text = before_text
        self.states = states
        self.wrong_text = wrong_text
        self.wrong_path = wrong_path
        self.key_update = key_update
        self.kinds = kinds
        self.extra_xml = extra_xml


EXAMPLES = {
    "eid-table-default": [
        # issue 13 item 3: an instance written from the docs, without eid_table
        Example("xtr", XTR_INTENT,
                lisp(*XTR_BASE, "instance-id 0", " service ipv4", "  eid-table default",
                     "  database-mapping 192.168.1.0/24 locator-set RLOCS", "  exit-service-ipv4", " !", " exit-instance-id", "!"),
                wrong_text=lisp(*XTR_BASE, "instance-id 0", " service ipv4", "  eid-table vrf RED",
                                "  database-mapping 192.168.1.0/24 locator-set RLOCS", "  exit-service-ipv4", " !", " exit-instance-id", "!"),
                wrong_path="config.instances[instance_id=0].ipv4.eid_table", states=("replaced", "overridden")),
        Example("xtr", {"instances": [{"instance_id": 7, "ipv6": {"map_cache": [{"prefix": "::/0"}]}}]},
                lisp("instance-id 7", " service ipv6", "  eid-table default", "  map-cache ::/0 map-request", "  exit-service-ipv6", " !",
                     " exit-instance-id", "!"),
                wrong_text=lisp("instance-id 7", " service ipv6", "  eid-table default", "  map-cache ::/0 drop", "  exit-service-ipv6",
                                " !", " exit-instance-id", "!"),
                wrong_path="config.instances[instance_id=7].ipv6.map_cache[prefix=::/0].action"),
    ],
    "key-type-7": [
        Example("sites", SITE1, lisp(*site("SITE1", "authentication-key 7 " + SITE1_KEY_7_SEED0, "eid-record 192.168.1.0/24")),
                wrong_text=lisp(*site("SITE1", "authentication-key 7 " + OTHER_KEY_7, "eid-record 192.168.1.0/24")),
                wrong_path="config[name=SITE1].authentication_key"),
        Example("xtr", ETR, etr_text("7 " + SITE1_KEY_7_SEED2),
                wrong_text=etr_text("7 " + OTHER_KEY_7), wrong_path="config.ipv4.etr.map_servers[address=127.0.10.1].key"),
    ],
    "key-type-6": [
        Example("sites", SITE1, lisp(*site("SITE1", "authentication-key 6 " + TYPE6, "eid-record 192.168.1.0/24")),
                wrong_text=lisp(*site("SITE1", "eid-record 192.168.1.0/24")), wrong_path="config[name=SITE1].authentication_key"),
        Example("xtr", ETR, etr_text("6 " + TYPE6),
                wrong_text=etr_text("0 OTHER-KEY"), wrong_path="config.ipv4.etr.map_servers[address=127.0.10.1].key"),
    ],
    "key-given-encrypted": [
        Example("sites", [dict(SITE1[0], authentication_key=SITE1_KEY_7_SEED2, key_type=7)],
                lisp(*site("SITE1", "authentication-key 7 " + SITE1_KEY_7_SEED2, "eid-record 192.168.1.0/24")),
                wrong_text=lisp(*site("SITE1", "authentication-key 7 " + OTHER_KEY_7, "eid-record 192.168.1.0/24")),
                wrong_path="config[name=SITE1].authentication_key"),
        Example("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": TYPE6, "key_type": 6}]}}},
                lisp("service ipv4", " etr map-server 127.0.10.1 key 6 " + TYPE6, " exit-service-ipv4", "!"),
                before_text=lisp("service ipv4", " etr map-server 127.0.10.1 key 6 " + TYPE6_OTHER, " exit-service-ipv4", "!"),
                wrong_text=lisp("service ipv4", " etr map-server 127.0.10.1 key 6 " + TYPE6_OTHER, " exit-service-ipv4", "!"),
                wrong_path="config.ipv4.etr.map_servers[address=127.0.10.1].key"),
    ],
    "key-without-type": [
        Example("sites", SITE1, "router lisp\n site SITE1\n  authentication-key SITE1-KEY\n  eid-prefix 192.168.1.0/24\n",
                wrong_text="router lisp\n site SITE1\n  authentication-key OTHER-KEY\n  eid-prefix 192.168.1.0/24\n",
                wrong_path="config[name=SITE1].authentication_key"),
    ],
    "address-text": [
        Example("xtr", {"ipv6": {"itr": {"enabled": True, "map_resolvers": ["2001:0db8:0000:0000:0000:0000:0000:0010"]}},
                        "locator_sets": [{"name": "V6", "locators": [{"address": "2001:db8:0:0::1", "priority": 1, "weight": 100}]}]},
                lisp("locator-set V6", " 2001:DB8::1 priority 1 weight 100", " exit-locator-set", "!",
                     "service ipv6", " itr map-resolver 2001:DB8::10", " itr", " exit-service-ipv6", "!"),
                wrong_text=lisp("locator-set V6", " 2001:DB8::1 priority 1 weight 100", " exit-locator-set", "!",
                                "service ipv6", " itr map-resolver 2001:DB8::11", " itr", " exit-service-ipv6", "!"),
                wrong_path="config.ipv6.itr.map_resolvers[2001:db8::10]"),
        Example("sites", [{"name": "V6", "eid_records": [{"prefix": "2001:DB8:0:1::/64"}]}],
                lisp(*site("V6", "eid-record 2001:DB8:0:1::/64"))),
    ],
    "interface-name": [
        Example("xtr", {"locator_sets": [{"name": "RLOCS", "locators": [{"interface": "lo0", "priority": 10, "weight": 50}]}]},
                lisp("locator-set RLOCS", " IPv4-interface Loopback0 priority 10 weight 50", " exit-locator-set", "!"),
                wrong_text=lisp("locator-set RLOCS", " IPv4-interface Loopback1 priority 10 weight 50", " exit-locator-set", "!"),
                wrong_path="config.locator_sets[name=RLOCS].locators[interface=Loopback0, family=ipv4]"),
    ],
    "description-blanks": [
        Example("sites", [{"name": "SITE2", "description": "  Branch  2  "}], lisp(*site("SITE2", "description Branch  2")),
                wrong_text=lisp(*site("SITE2", "description Branch 2")), wrong_path="config[name=SITE2].description"),
    ],
    "eid-record-instance-0": [
        Example("sites", [{"name": "S", "eid_records": [{"prefix": "10.0.0.0/8", "instance_id": 0, "accept_more_specifics": True},
                                                        {"prefix": "10.0.0.0/8", "instance_id": 5}]}],
                lisp(*site("S", "eid-record 10.0.0.0/8 accept-more-specifics", "eid-record instance-id 5 10.0.0.0/8")),
                wrong_text=lisp(*site("S", "eid-record 10.0.0.0/8", "eid-record instance-id 5 10.0.0.0/8")),
                wrong_path="config[name=S].eid_records[instance_id=0, prefix=10.0.0.0/8].accept_more_specifics"),
    ],
    "one-per-family": [
        Example("sites", [{"name": "S", "allowed_locators": ["127.0.0.5"]}], lisp(*site("S", "allowed-locator 127.0.0.5")),
                before_text=lisp(*site("S", "allowed-locator 127.0.0.4")), states=("merged",),
                wrong_text=lisp(*site("S", "allowed-locator 127.0.0.4")), wrong_path="config[name=S].allowed_locators[127.0.0.5]"),
    ],
    "list-order": [
        Example("sites", [{"name": "SITE1"}, {"name": "SITE2"}], lisp(*(site("SITE2") + site("SITE1")))),
        Example("xtr", {"locator_sets": [{"name": "R", "locators": [{"address": "127.0.0.2", "priority": 1, "weight": 1},
                                                                    {"interface": "Loopback0", "priority": 2, "weight": 2}]}]},
                lisp("locator-set R", " IPv4-interface Loopback0 priority 2 weight 2", " 127.0.0.2 priority 1 weight 1", " exit-locator-set", "!"),
                wrong_text=lisp("locator-set R", " IPv4-interface Loopback0 priority 2 weight 2", " exit-locator-set", "!"),
                wrong_path="config.locator_sets[name=R].locators[address=127.0.0.2]"),
        Example("mapping_system", {"ipv4": {"map_server": True, "map_resolver": True}},
                lisp("service ipv4", " map-resolver", " map-server", " exit-service-ipv4", "!"),
                wrong_text=lisp("service ipv4", " map-server", " exit-service-ipv4", "!"), wrong_path="config.ipv4.map_resolver"),
    ],
    "yang-defaults-outside-the-model": [
        Example("xtr", {"instances": [{"instance_id": 3, "ipv4": {"eid_table": "vrf BLUE"}}]},
                lisp("instance-id 3", " service ipv4", "  eid-table vrf BLUE", "  exit-service-ipv4", " !", " exit-instance-id", "!"),
                kinds=["netconf"],
                extra_xml="<service><ipv4><registration-history><limit>1000</limit></registration-history>"
                          "<use-petr-config><no-use-petr><use-petr>true</use-petr></no-use-petr></use-petr-config></ipv4></service>"),
    ],
}
# rows whose effect is a refusal rather than a stored form: tested by test_prefix_with_host_bits_is_refused_before_sending
REFUSALS = ("prefix-host-bits",)


def _cases():
    for ident, examples in EXAMPLES.items():
        for number, example in enumerate(examples):
            for state in example.states:
                for kind in example.kinds:
                    yield pytest.param(example, state, kind, id="%s-%d-%s-%s" % (ident, number, state, kind))


def _args(example, state):
    args = {"config": example.intent, "state": state}
    if example.key_update:
        args["key_update"] = example.key_update
    return args


def test_every_row_has_a_test():
    assert sorted(row.ident for row in normalisation.NORMALISATIONS) == sorted(list(EXAMPLES) + list(REFUSALS))


def test_docs_hold_the_table():
    docs = pathlib.Path(__file__).resolve().parents[4] / "docs" / "normalisation.md"
    table = normalisation.markdown_table()
    assert table in docs.read_text(encoding="utf-8"), "docs/normalisation.md must hold this table verbatim:\n" + table


@pytest.mark.parametrize("example, state, kind", list(_cases()))
def test_row_check_passes_and_second_run_changes_nothing(example, state, kind):
    device = NormalisingDevice(kind, example.resource, example.before_text, example.device_text, example.extra_xml)
    action = ACTIONS[example.resource]
    first = run_action(action, _args(example, state), device=device, transport=kind)
    assert not first.get("failed"), first
    assert first["changed"] is True, first
    second = run_action(action, _args(example, state), device=device, transport=kind)
    assert not second.get("failed"), second
    assert second["changed"] is False, second
    assert len(device.applied) == 1
    assert_masked([first, second], "SITE1-KEY", TYPE6, SITE1_KEY_7_SEED0, SITE1_KEY_7_SEED2)


@pytest.mark.parametrize("example, state, kind", [case for case in _cases() if case.values[0].wrong_text is not None])
def test_row_real_difference_fails_naming_the_setting(example, state, kind):
    device = NormalisingDevice(kind, example.resource, example.before_text, example.wrong_text, example.extra_xml)
    result = run_action(ACTIONS[example.resource], _args(example, state), device=device, transport=kind)
    assert result.get("failed") is True, result
    assert result["msg"].startswith("the device accepted the change but does not hold the intended configuration afterwards: ")
    assert example.wrong_path in result["msg"], result["msg"]
    assert_masked(result, "SITE1-KEY", "OTHER-KEY", TYPE6, TYPE6_OTHER, SITE1_KEY_7_SEED0, SITE1_KEY_7_SEED2, OTHER_KEY_7)


def test_prefix_with_host_bits_is_refused_before_sending():
    device = NormalisingDevice("cli", "sites", "", "")
    result = run_action(lisp_sites.ActionModule, {"config": [{"name": "S", "eid_records": [{"prefix": "10.1.1.1/24"}]}]},
                        device=device, transport="cli")
    assert result["failed"] is True
    assert result["msg"] == "config[0].eid_records[0].prefix: 10.1.1.1/24 has host bits set (the prefix is 10.1.1.0/24)"
    assert device.applied == []


# -- keys: key_update and the type 6 warning ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_type6_key_on_the_device_warns_and_is_kept(kind):
    text = lisp(*site("SITE1", "authentication-key 6 " + TYPE6, "eid-record 192.168.1.0/24"))
    device = NormalisingDevice(kind, "sites", text, text)
    result = run_action(lisp_sites.ActionModule, {"config": SITE1}, device=device, transport=kind)
    assert result["changed"] is False and device.applied == []
    assert result["warnings"] == ["config[name=SITE1].authentication_key: the device holds the key encrypted (type 6), which cannot be "
                                  "compared on the controller; it is taken as the task's key (key_update: always sends it)"]
    assert_masked(result, "SITE1-KEY", TYPE6)


@pytest.mark.parametrize("kind", KINDS)
def test_key_update_always_sends_a_clear_key_over_a_type6_key(kind):
    text = lisp(*site("SITE1", "authentication-key 6 " + TYPE6, "eid-record 192.168.1.0/24"))
    device = NormalisingDevice(kind, "sites", text, text)
    result = run_action(lisp_sites.ActionModule, {"config": SITE1, "key_update": "always"}, device=device, transport=kind)
    assert result["changed"] is True and not result.get("failed"), result
    sent = device.applied[0] if kind == "netconf" else "\n".join(device.applied[0])
    assert "SITE1-KEY" in sent
    if kind == "cli":
        assert result["commands"] == ["router lisp", "site SITE1", "authentication-key 0 %s" % MASK, "exit-site", "exit-router-lisp"]
    assert "the task's key is sent (key_update: always)" in result["warnings"][0]
    assert_masked(result, "SITE1-KEY", TYPE6)


@pytest.mark.parametrize("kind", KINDS)
def test_key_update_on_create_keeps_a_different_key(kind):
    text = lisp(*site("SITE1", "authentication-key 7 " + OTHER_KEY_7, "eid-record 192.168.1.0/24"))
    device = NormalisingDevice(kind, "sites", text, text)
    result = run_action(lisp_sites.ActionModule, {"config": SITE1, "key_update": "on_create"}, device=device, transport=kind)
    assert result["changed"] is False and device.applied == [] and "warnings" not in result
    created = NormalisingDevice(kind, "sites", "", lisp(*site("SITE1", "authentication-key 0 SITE1-KEY", "eid-record 192.168.1.0/24")))
    result = run_action(lisp_sites.ActionModule, {"config": SITE1, "key_update": "on_create"}, device=created, transport=kind)
    assert result["changed"] is True and not result.get("failed"), result


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_key_replaces_a_type7_key_that_decodes_to_another(kind):
    text = lisp(*site("SITE1", "authentication-key 7 " + OTHER_KEY_7, "eid-record 192.168.1.0/24"))
    now = lisp(*site("SITE1", "authentication-key 7 " + SITE1_KEY_7_SEED0, "eid-record 192.168.1.0/24"))
    device = NormalisingDevice(kind, "sites", text, now)
    result = run_action(lisp_sites.ActionModule, {"config": SITE1}, device=device, transport=kind)
    assert result["changed"] is True and not result.get("failed"), result
    assert "SITE1-KEY" in (device.applied[0] if kind == "netconf" else "\n".join(device.applied[0]))


def test_a_key_settled_to_the_device_form_keeps_a_new_hash_function():
    text = etr_text("7 " + SITE1_KEY_7_SEED0)
    device = NormalisingDevice("cli", "xtr", text, etr_text("7 %s hash-function sha2" % SITE1_KEY_7_SEED0))
    intent = {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "SITE1-KEY", "hash_function": "sha2"}]}}}
    result = run_action(lisp_xtr.ActionModule, {"config": intent}, device=device, transport="cli")
    assert not result.get("failed") and result["changed"] is True, result
    # the device's stored form is sent back with the new option; the clear key is not needed for that
    assert device.applied[0][2] == "etr map-server 127.0.10.1 key 7 %s hash-function sha2" % SITE1_KEY_7_SEED0


# -- the pieces ---------------------------------------------------------------------------------------


def test_decode_type7_published_vector_and_garbage():
    assert normalisation.decode_type7("0822455D0A16") == "cisco"
    assert normalisation.decode_type7(SITE1_KEY_7_SEED0) == normalisation.decode_type7(SITE1_KEY_7_SEED2) == "SITE1-KEY"
    for bad in ("", "0", "XX1234", "0822455D0A1", "08zz"):
        assert normalisation.decode_type7(bad) is None


@pytest.mark.parametrize("wanted, held, relation", [
    (("K", 0), ("K", 0), "same"),
    (("K", 0), ("L", 0), "different"),
    (("SITE1-KEY", 0), (SITE1_KEY_7_SEED0, 7), "same"),
    ((SITE1_KEY_7_SEED2, 7), (SITE1_KEY_7_SEED0, 7), "same"),
    (("SITE1-KEY", 0), (OTHER_KEY_7, 7), "different"),
    (("SITE1-KEY", 0), (TYPE6, 6), "unknown"),
    ((SITE1_KEY_7_SEED0, 7), (TYPE6, 6), "unknown"),
    ((TYPE6, 6), (TYPE6, 6), "same"),
    ((TYPE6, 6), (TYPE6_OTHER, 6), "different"),
    ((TYPE6, 6), ("SITE1-KEY", 0), "unknown"),
])
def test_key_relation(wanted, held, relation):
    assert normalisation.key_relation(wanted[0], wanted[1], held[0], held[1]) == relation


def test_device_view_fills_eid_table_only_where_a_service_exists():
    config = {"instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "0.0.0.0/0"}]}},
                            {"instance_id": 1, "ipv6": {"eid_table": "vrf RED"}}, {"instance_id": 2}]}
    view = normalisation.device_view("xtr", config)
    assert view["instances"][0]["ipv4"]["eid_table"] == "default" and "ipv6" not in view["instances"][0]
    assert view["instances"][1]["ipv6"]["eid_table"] == "vrf RED"
    assert view["instances"][2] == {"instance_id": 2}


def test_replaced_without_eid_table_puts_a_vrf_back_to_default():
    before = lisp("instance-id 0", " service ipv4", "  eid-table vrf RED", "  exit-service-ipv4", " !", " exit-instance-id", "!")
    after = lisp("instance-id 0", " service ipv4", "  eid-table default", "  map-cache 0.0.0.0/0 map-request", "  exit-service-ipv4", " !",
                 " exit-instance-id", "!")
    device = NormalisingDevice("cli", "xtr", before, after)
    intent = {"instances": [{"instance_id": 0, "ipv4": {"map_cache": [{"prefix": "0.0.0.0/0"}]}}]}
    result = run_action(lisp_xtr.ActionModule, {"config": intent, "state": "replaced"}, device=device, transport="cli")
    assert not result.get("failed") and result["changed"] is True, result
    assert "no eid-table vrf RED" in device.applied[0] and "eid-table default" in device.applied[0]


def test_yang_default_leaves_are_ignored_when_read():
    config = {"instances": [{"instance_id": 3, "ipv4": {"eid_table": "vrf BLUE"}}]}
    plain = xml_codec.render("xtr", config)
    extra = plain.replace("<eid-table>", "<registration-history><limit>1000</limit></registration-history>"
                                         "<map-cache><conservative-allocation>false</conservative-allocation></map-cache><eid-table>")
    assert extra != plain
    assert xml_codec.parse("xtr", extra) == xml_codec.parse("xtr", plain)


def test_netconf_clear_key_forms_read_as_type_0():
    lisp_ns = xml_codec.LISP
    for case in ("<unc-pwd>SITE1-KEY</unc-pwd>", "<key-0>SITE1-KEY</key-0>"):
        text = ("<data xmlns='urn:ietf:params:xml:ns:netconf:base:1.0'><native xmlns='%s'><router><lisp xmlns='%s'><site><sname>SITE1</sname>"
                "<authentication-key>%s</authentication-key></site></lisp></router></native></data>" % (xml_codec.NATIVE, lisp_ns, case))
        assert xml_codec.parse("sites", text) == [{"name": "SITE1", "authentication_key": "SITE1-KEY", "key_type": 0}]

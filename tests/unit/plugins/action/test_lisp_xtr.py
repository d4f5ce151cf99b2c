# -*- coding: utf-8 -*-
"""lispnet.lisp.lisp_xtr action plugin: every state on both codecs, with a fake device."""

from __future__ import annotations

import copy

import pytest
import yaml

from ansible_collections.lispnet.lisp.plugins.action.lisp_xtr import ActionModule
from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, model, xml_codec
from ansible_collections.lispnet.lisp.tests.unit.plugins.action.test_lisp_resource_support import (
    MASK,
    FakeDevice,
    assert_masked,
    run_action,
)

KINDS = ["cli", "netconf"]

# SITE1 of the write-up lab: ITR + ETR, RLOC 127.0.1.1, EID-prefix 192.168.1.0/24, MR/MS 127.0.10.1
SITE1 = {
    "locator_sets": [{"name": "RLOCS", "locators": [{"address": "127.0.1.1", "priority": 10, "weight": 50}]}],
    "ipv4": {
        "itr": {"enabled": True, "map_resolvers": ["127.0.10.1"]},
        "etr": {"enabled": True, "map_servers": [{"address": "127.0.10.1", "key": "SITE1-KEY", "key_type": 0}]},
    },
    "instances": [{
        "instance_id": 0,
        "ipv4": {
            "eid_table": "default",
            "database_mappings": [{"prefix": "192.168.1.0/24", "locator_set": "RLOCS"}],
            "map_cache": [{"prefix": "0.0.0.0/0", "action": "map-request"}],
        },
    }],
}


@pytest.mark.parametrize("kind", KINDS)
def test_merged_from_empty_then_idempotent(kind):
    device = FakeDevice(kind, "xtr", {}, next_state=SITE1)
    result = run_action(ActionModule, {"config": SITE1, "state": "merged"}, device=device, transport=kind, diff=True)
    assert result["changed"] is True, result
    assert result["before"] == {}
    assert result["after"]["ipv4"]["etr"]["map_servers"][0]["key"] == MASK
    assert result["after"]["instances"][0]["ipv4"]["database_mappings"] == [{"prefix": "192.168.1.0/24", "locator_set": "RLOCS"}]
    if kind == "cli":
        assert device.applied == [cli_codec.diff_commands("xtr", {}, SITE1)]
        assert "database-mapping 192.168.1.0/24 locator-set RLOCS" in [line.strip() for line in result["commands"]]
        assert any(line.strip() == "etr map-server 127.0.10.1 key 0 %s" % MASK for line in result["commands"])
    else:
        assert device.applied == [xml_codec.diff_edit("xtr", {}, SITE1)]
        assert "SITE1-KEY" in device.applied[0] and MASK in result["xml"]
    assert "RLOCS" in result["diff"]["after"] and yaml.safe_load(result["diff"]["before"]) == {}
    assert_masked(result, "SITE1-KEY")

    again = run_action(ActionModule, {"config": SITE1, "state": "merged"}, device=device, transport=kind)
    assert again["changed"] is False, again
    assert len(device.applied) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_check_mode_sends_nothing(kind):
    device = FakeDevice(kind, "xtr", {})
    result = run_action(ActionModule, {"config": SITE1, "state": "merged"}, device=device, transport=kind, check_mode=True)
    assert result["changed"] is True and device.applied == []
    assert_masked(result, "SITE1-KEY")


@pytest.mark.parametrize("kind", KINDS)
def test_replaced_ipv4_service_drops_what_is_not_given(kind):
    new_service = {"itr": {"enabled": True, "map_resolvers": ["127.0.10.2"]}}
    expected = dict(copy.deepcopy(SITE1), ipv4=new_service)
    device = FakeDevice(kind, "xtr", SITE1, next_state=expected)
    result = run_action(ActionModule, {"config": {"ipv4": new_service}, "state": "replaced"}, device=device, transport=kind)
    assert result["changed"] is True, result
    assert result["after"]["ipv4"] == {"itr": {"enabled": True, "map_resolvers": ["127.0.10.2"]}}
    assert result["after"]["locator_sets"] == result["before"]["locator_sets"]
    assert_masked(result, "SITE1-KEY")


@pytest.mark.parametrize("kind", KINDS)
def test_overridden_and_deleted(kind):
    only_sets = {"locator_sets": SITE1["locator_sets"]}
    device = FakeDevice(kind, "xtr", SITE1, next_state=only_sets)
    result = run_action(ActionModule, {"config": only_sets, "state": "overridden"}, device=device, transport=kind)
    assert result["changed"] is True
    assert set(result["after"]) == {"locator_sets"}

    device = FakeDevice(kind, "xtr", SITE1, next_state={})
    result = run_action(ActionModule, {"state": "deleted"}, device=device, transport=kind)
    assert result["changed"] is True and result["after"] == {}
    assert_masked(result, "SITE1-KEY")


@pytest.mark.parametrize("kind", KINDS)
def test_gathered(kind):
    device = FakeDevice(kind, "xtr", SITE1)
    result = run_action(ActionModule, {"state": "gathered"}, device=device, transport=kind)
    assert result["gathered"]["ipv4"]["itr"] == {"enabled": True, "map_resolvers": ["127.0.10.1"]}
    assert result["gathered"]["ipv4"]["etr"]["map_servers"][0]["key"] == MASK
    assert_masked(result, "SITE1-KEY")


def test_rendered_and_parsed_round_trip():
    rendered = run_action(ActionModule, {"config": SITE1, "state": "rendered"}, device=None)
    assert "locator-set RLOCS" in [line.strip() for line in rendered["rendered"]]
    assert "Cisco-IOS-XE-lisp" in rendered["xml"]
    assert_masked(rendered, "SITE1-KEY")
    text = cli_codec.running_config("xtr", SITE1)
    parsed = run_action(ActionModule, {"running_config": text, "state": "parsed"}, device=None)
    expected = model.mask("xtr", model.canonical("xtr", SITE1))
    assert parsed["parsed"] == expected


def test_database_mapping_to_an_unknown_locator_set_fails_before_sending():
    bad = copy.deepcopy(SITE1)
    bad["instances"][0]["ipv4"]["database_mappings"][0]["locator_set"] = "MISSING"
    del bad["locator_sets"]
    device = FakeDevice("cli", "xtr", {})
    result = run_action(ActionModule, {"config": bad, "state": "merged"}, device=device, transport="cli")
    assert result["failed"] is True
    assert "locator_set" in result["msg"] and "MISSING" in result["msg"]
    assert device.applied == []


def test_bad_weight_names_the_option_path():
    bad = copy.deepcopy(SITE1)
    bad["locator_sets"][0]["locators"][0]["weight"] = 500
    result = run_action(ActionModule, {"config": bad, "state": "merged"}, device=None)
    assert result["failed"] is True
    assert "config.locator_sets[0].locators[0].weight" in result["msg"] and "500" in result["msg"]


def test_bad_key_value_is_masked_in_the_error():
    bad = copy.deepcopy(SITE1)
    bad["ipv4"]["etr"]["map_servers"][0].update({"key": "not hex", "key_type": 7})
    result = run_action(ActionModule, {"config": bad, "state": "merged"}, device=None)
    assert result["failed"] is True
    assert "map_servers" in result["msg"]
    assert_masked(result, "not hex", "SITE1-KEY")


def test_parsed_reports_malformed_xml_and_bad_values():
    result = run_action(ActionModule, {"running_config": "<data><native>", "state": "parsed"}, device=None)
    assert result["failed"] is True and result["msg"].startswith("running_config is not well-formed XML:")
    text = "router lisp\n locator-set X\n  10.0.0.1 priority abc weight 5\n  exit-locator-set\n exit-router-lisp\n"
    result = run_action(ActionModule, {"running_config": text, "state": "parsed"}, device=None)
    assert result["failed"] is True
    assert "running_config holds a value" in result["msg"] and "priority" in result["msg"] and "abc" in result["msg"]


def test_device_configuration_the_model_cannot_hold_fails_cleanly():
    device = FakeDevice("cli", "xtr", {})
    device.running_text = "router lisp\n locator-set X\n  10.0.0.1 priority abc weight 5\n  exit-locator-set\n exit-router-lisp\n"
    result = run_action(ActionModule, {"state": "gathered"}, device=device, transport="cli")
    assert result["failed"] is True
    assert result["msg"].startswith("cli 127.0.0.1:2022: the configuration read from the device is not one this module can manage:")
    assert device.closed

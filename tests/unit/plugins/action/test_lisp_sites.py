# -*- coding: utf-8 -*-
"""lispnet.lisp.lisp_sites action plugin: every state on both codecs, with a fake device."""

from __future__ import annotations

import copy

import pytest
import yaml

from ansible_collections.lispnet.lisp.plugins.action.lisp_sites import ActionModule
from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, model, xml_codec
from ansible_collections.lispnet.lisp.tests.unit.plugins.action.test_lisp_resource_support import (
    MASK,
    FakeDevice,
    assert_masked,
    run_action,
    transport_error,
)

KINDS = ["cli", "netconf"]

# the Map-Server of the write-up lab: one site per xTR, each with its own key
SITES = [
    {"name": "SITE1", "authentication_key": "SITE1-KEY", "eid_records": [{"prefix": "192.168.1.0/24", "accept_more_specifics": True}]},
    {"name": "SITE2", "description": "Branch 2", "authentication_key": "SITE2-KEY",
     "eid_records": [{"prefix": "192.168.2.0/24", "accept_more_specifics": True}]},
]
SECRETS = ("SITE1-KEY", "SITE2-KEY")


def state(config):
    return model.canonical("sites", config)


def names(result_config):
    return [site["name"] for site in result_config]


@pytest.mark.parametrize("kind", KINDS)
def test_merged_from_empty_configures_the_lab_and_masks_keys(kind):
    device = FakeDevice(kind, "sites", [], next_state=SITES)
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=device, transport=kind, diff=True)
    assert result["changed"] is True, result
    assert result["before"] == []
    assert names(result["after"]) == ["SITE1", "SITE2"]
    assert result["after"][0]["authentication_key"] == MASK
    assert len(device.applied) == 1 and device.closed
    sent = device.applied[0]
    if kind == "cli":
        assert sent == cli_codec.diff_commands("sites", [], SITES)
        assert result["commands"] == cli_codec.mask_commands(sent)
        assert "xml" not in result
        assert any("authentication-key 0 %s" % MASK in line for line in result["commands"])
    else:
        assert sent == xml_codec.diff_edit("sites", [], SITES)
        assert "commands" not in result
        assert "SITE1-KEY" in sent  # the device gets the key ...
        assert MASK in result["xml"]  # ... the task result does not
    assert yaml.safe_load(result["diff"]["before"]) == []
    assert names(yaml.safe_load(result["diff"]["after"])) == ["SITE1", "SITE2"]
    assert_masked(result, *SECRETS)


@pytest.mark.parametrize("kind", KINDS)
def test_second_identical_run_reports_no_change(kind):
    device = FakeDevice(kind, "sites", SITES)
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=device, transport=kind)
    assert result["changed"] is False, result
    assert device.applied == []
    assert result["before"] == result["after"]
    assert result.get("commands", []) == [] and result.get("xml", "") == ""
    assert_masked(result, *SECRETS)


@pytest.mark.parametrize("kind", KINDS)
def test_check_mode_reports_the_change_and_sends_nothing(kind):
    device = FakeDevice(kind, "sites", [], next_state=SITES)
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=device, transport=kind, check_mode=True)
    assert result["changed"] is True
    assert device.applied == []
    assert names(result["after"]) == ["SITE1", "SITE2"]
    assert (result.get("commands") or result.get("xml"))
    assert_masked(result, *SECRETS)


@pytest.mark.parametrize("kind", KINDS)
def test_replaced_rewrites_the_given_site_only(kind):
    site3 = {"name": "SITE3", "authentication_key": "SITE3-KEY", "eid_records": [{"prefix": "192.168.3.0/24"}]}
    have = SITES + [site3]
    new_site2 = {"name": "SITE2", "authentication_key": "NEW-KEY", "eid_records": [{"prefix": "192.168.22.0/24"}]}
    expected = [SITES[0], new_site2, site3]
    device = FakeDevice(kind, "sites", have, next_state=expected)
    result = run_action(ActionModule, {"config": [new_site2], "state": "replaced"}, device=device, transport=kind)
    assert result["changed"] is True, result
    assert names(result["after"]) == ["SITE1", "SITE2", "SITE3"]
    site2 = result["after"][1]
    assert "description" not in site2
    assert site2["eid_records"] == [{"prefix": "192.168.22.0/24", "instance_id": 0}] or \
        site2["eid_records"][0]["prefix"] == "192.168.22.0/24"
    assert_masked(result, "SITE1-KEY", "SITE2-KEY", "SITE3-KEY", "NEW-KEY")


@pytest.mark.parametrize("kind", KINDS)
def test_overridden_removes_sites_not_given(kind):
    device = FakeDevice(kind, "sites", SITES, next_state=[SITES[0]])
    result = run_action(ActionModule, {"config": [SITES[0]], "state": "overridden"}, device=device, transport=kind)
    assert result["changed"] is True
    assert names(result["before"]) == ["SITE1", "SITE2"]
    assert names(result["after"]) == ["SITE1"]
    if kind == "cli":
        assert any(line.strip() == "no site SITE2" for line in result["commands"]), result["commands"]
    assert_masked(result, *SECRETS)


@pytest.mark.parametrize("kind", KINDS)
def test_deleted_by_name_and_deleted_all(kind):
    device = FakeDevice(kind, "sites", SITES, next_state=[SITES[0]])
    result = run_action(ActionModule, {"config": [{"name": "SITE2"}], "state": "deleted"}, device=device, transport=kind)
    assert result["changed"] is True
    assert names(result["after"]) == ["SITE1"]

    device = FakeDevice(kind, "sites", SITES, next_state=[])
    result = run_action(ActionModule, {"state": "deleted"}, device=device, transport=kind)
    assert result["changed"] is True
    assert result["after"] == []
    assert_masked(result, *SECRETS)

    device = FakeDevice(kind, "sites", [])
    result = run_action(ActionModule, {"state": "deleted"}, device=device, transport=kind)
    assert result["changed"] is False and device.applied == []


@pytest.mark.parametrize("kind", KINDS)
def test_gathered_returns_the_device_configuration_masked(kind):
    device = FakeDevice(kind, "sites", SITES)
    result = run_action(ActionModule, {"state": "gathered"}, device=device, transport=kind)
    assert result["changed"] is False
    assert names(result["gathered"]) == ["SITE1", "SITE2"]
    assert result["gathered"][1]["description"] == "Branch 2"
    assert result["gathered"][0]["authentication_key"] == MASK
    assert device.applied == [] and device.closed
    assert_masked(result, *SECRETS)


def test_rendered_gives_cli_lines_and_netconf_xml_offline():
    result = run_action(ActionModule, {"config": SITES, "state": "rendered"}, device=None)
    assert result["changed"] is False
    assert result["rendered"] == cli_codec.mask_commands(cli_codec.render("sites", SITES))
    assert "site SITE2" in [line.strip() for line in result["rendered"]]
    assert "Cisco-IOS-XE-lisp" in result["xml"] and "SITE2" in result["xml"]
    assert MASK in result["xml"]
    assert_masked(result, *SECRETS)


@pytest.mark.parametrize("source", ["cli", "xml"])
def test_parsed_detects_cli_text_and_netconf_xml(source):
    if source == "cli":
        text = cli_codec.running_config("sites", SITES)
    else:
        from ansible_collections.lispnet.lisp.tests.unit.plugins.action.test_lisp_resource_support import data_element
        from lxml import etree
        text = etree.tostring(data_element("sites", SITES), encoding="unicode")
    result = run_action(ActionModule, {"running_config": text, "state": "parsed"}, device=None)
    assert result["changed"] is False, result
    assert names(result["parsed"]) == ["SITE1", "SITE2"]
    assert result["parsed"][0]["authentication_key"] == MASK
    assert_masked(result, *SECRETS)


def test_invalid_prefix_fails_naming_the_option_and_value_and_opens_no_session():
    bad = copy.deepcopy(SITES)
    bad[1]["eid_records"][0]["prefix"] = "192.168.2.300/24"
    result = run_action(ActionModule, {"config": bad, "state": "merged"}, device=None)
    assert result["failed"] is True
    assert "config[1].eid_records[0].prefix" in result["msg"] or "eid_records" in result["msg"]
    assert "192.168.2.300/24" in result["msg"]
    assert_masked(result, *SECRETS)


def test_invalid_key_is_named_but_not_shown():
    bad = copy.deepcopy(SITES)
    bad[0]["authentication_key"] = "has a blank"
    result = run_action(ActionModule, {"config": bad, "state": "merged"}, device=None)
    assert result["failed"] is True
    assert "authentication_key" in result["msg"]
    assert_masked(result, "has a blank", *SECRETS)


def test_unknown_option_is_an_argument_error():
    result = run_action(ActionModule, {"config": [{"name": "S", "bogus": 1}], "state": "merged"}, device=None)
    assert result["failed"] is True
    assert "bogus" in result["msg"]


@pytest.mark.parametrize("state", ["merged", "replaced", "overridden", "rendered"])
def test_states_that_need_config_say_so(state):
    result = run_action(ActionModule, {"state": state}, device=None)
    assert result["failed"] is True
    assert "config" in result["msg"]


def test_parsed_needs_running_config():
    result = run_action(ActionModule, {"state": "parsed"}, device=None)
    assert result["failed"] is True and "running_config" in result["msg"]


@pytest.mark.parametrize("kind", KINDS)
def test_transport_errors_fail_the_task_with_secrets_masked(kind):
    error = transport_error("%s 127.0.0.1:1: the device rejected ' authentication-key 0 SITE1-KEY': %% Invalid input" % kind)
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=error, transport=kind)
    assert result["failed"] is True
    assert result["msg"].startswith("%s 127.0.0.1:1: the device rejected" % kind)
    assert MASK in result["msg"]
    assert_masked(result, *SECRETS)


def test_failed_netconf_edit_reports_nothing_changed():
    device = FakeDevice("netconf", "sites", [], fail_apply=transport_error("netconf 127.0.0.1:2830: commit failed: tag=in-use"))
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=device, transport="netconf")
    assert result["failed"] is True
    assert result["msg"] == "netconf 127.0.0.1:2830: commit failed: tag=in-use (nothing was changed on the device)"
    assert len(device.applied) == 1
    assert_masked(result, *SECRETS)


def test_failed_cli_set_is_rolled_back():
    partial = [SITES[0], {"name": "SITE2", "eid_records": SITES[1]["eid_records"]}]
    # the set fails half-way: the device holds SITE2 without its key; the rollback restores SITE1 alone
    device = FakeDevice("cli", "sites", [SITES[0]], partial_state=partial, next_state=[SITES[0]],
                        fail_apply=transport_error("cli 127.0.0.1:2022: the device rejected ' authentication-key 0 SITE2-KEY': % Invalid input"))
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=device, transport="cli")
    assert result["failed"] is True
    assert "the lines applied before the failure were rolled back" in result["msg"]
    assert len(device.applied) == 2
    assert device.applied[1] == cli_codec.diff_commands("sites", partial, [SITES[0]])
    assert "no site SITE2" in [line.strip() for line in device.applied[1]]
    assert device.state == state([SITES[0]])
    assert_masked(result, *SECRETS)


@pytest.mark.parametrize("kind", KINDS)
def test_device_not_holding_the_change_afterwards_fails(kind):
    device = FakeDevice(kind, "sites", [], next_state=[SITES[0]])  # the device silently dropped SITE2
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=device, transport=kind)
    assert result["failed"] is True
    assert "does not hold the intended configuration" in result["msg"]
    assert names(result["device"]) == ["SITE1"]
    assert_masked(result, *SECRETS)


def test_keys_with_xml_special_characters_are_masked_in_the_payload_too():
    site = {"name": "SITE7", "authentication_key": "K&Y<7>", "eid_records": [{"prefix": "10.7.0.0/16"}]}
    device = FakeDevice("netconf", "sites", [], next_state=[site])
    result = run_action(ActionModule, {"config": [site], "state": "merged"}, device=device, transport="netconf", diff=True)
    assert result["changed"] is True, result
    assert "K&amp;Y&lt;7&gt;" in device.applied[0]
    assert_masked(result, "K&Y<7>", "K&amp;Y&lt;7&gt;", "K&amp;Y<7>")


@pytest.mark.parametrize("kind", KINDS)
def test_end_to_end_device_errors_are_masked(kind, tmp_path):
    """Through the real transport: the device's answer echoes the key; the task result does not."""
    from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.test_transport_servers import CliServer, NetconfServer
    if kind == "netconf":
        server = NetconfServer(fail_on={"edit-config": "bad authentication-key SITE2-KEY for site SITE2"})
    else:
        server = CliServer(running="")
        server.reject = "SITE2-KEY"
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(server.known_hosts_line())
    variables = {"ansible_user": server.username, "ansible_password": server.password, "lispnet_known_hosts": str(known_hosts),
                 "lispnet_netconf_port": server.port, "lispnet_cli_port": server.port}
    try:
        result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device="real", transport=kind, task_vars=variables)
    finally:
        server.close()
    assert result["failed"] is True, result
    if kind == "netconf":
        assert result["msg"].startswith("netconf 127.0.0.1:%s: edit-config (candidate) failed:" % server.port)
        assert "bad authentication-key ******** for site SITE2" in result["msg"]
        assert result["msg"].endswith("(nothing was changed on the device)")
    else:
        assert result["msg"].startswith("cli 127.0.0.1:%s: the device rejected 'authentication-key 0 ********': "
                                        "%% Invalid input detected at '^' marker." % server.port), result["msg"]
    assert_masked(result, *SECRETS, server.password)


def test_a_device_that_encrypts_keys_still_verifies():
    # the device stores the clear-text key as type 6 (password encryption aes): not a failed change
    encrypted = copy.deepcopy(SITES)
    for site in encrypted:
        site.update(authentication_key="RTjEFcCVhLUZSKeSgbNhQ", key_type=6)
    device = FakeDevice("cli", "sites", [], next_state=encrypted)
    result = run_action(ActionModule, {"config": SITES, "state": "merged"}, device=device, transport="cli")
    assert result["changed"] is True and not result.get("failed"), result
    assert result["after"][0]["key_type"] == 6 and result["after"][0]["authentication_key"] == MASK
    assert_masked(result, *SECRETS, "RTjEFcCVhLUZSKeSgbNhQ")

# -*- coding: utf-8 -*-
"""lispnet.lisp.lisp_mapping_system action plugin: every state on both codecs, with a fake device."""

from __future__ import annotations

import pytest

from ansible_collections.lispnet.lisp.plugins.action.lisp_mapping_system import ActionModule
from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, xml_codec
from ansible_collections.lispnet.lisp.tests.unit.plugins.action.test_lisp_resource_support import (
    FakeDevice,
    data_element,
    run_action,
)

KINDS = ["cli", "netconf"]
MR_MS = {"ipv4": {"map_server": True, "map_resolver": True}}


@pytest.mark.parametrize("kind", KINDS)
def test_merged_from_empty_then_idempotent(kind):
    device = FakeDevice(kind, "mapping_system", {}, next_state=MR_MS)
    result = run_action(ActionModule, {"config": MR_MS, "state": "merged"}, device=device, transport=kind, diff=True)
    assert result["changed"] is True, result
    assert result["before"] == {}
    assert result["after"] == MR_MS
    assert result["diff"]["before"].strip() == "{}"
    assert "map_server: true" in result["diff"]["after"]
    assert result.get("transport") == kind
    if kind == "cli":
        assert [line.strip() for line in result["commands"]] == [line.strip() for line in cli_codec.diff_commands("mapping_system", {}, MR_MS)]
        assert "map-server" in [line.strip() for line in result["commands"]]
    else:
        assert result["xml"] == device.applied[0] == xml_codec.diff_edit("mapping_system", {}, MR_MS)

    again = run_action(ActionModule, {"config": MR_MS, "state": "merged"}, device=device, transport=kind)
    assert again["changed"] is False
    assert again["before"] == again["after"] == MR_MS
    assert "diff" not in again
    assert len(device.applied) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_merged_false_turns_a_role_off(kind):
    device = FakeDevice(kind, "mapping_system", MR_MS, next_state={"ipv4": {"map_server": True}})
    result = run_action(ActionModule, {"config": {"ipv4": {"map_resolver": False}}, "state": "merged"}, device=device, transport=kind)
    assert result["changed"] is True
    assert result["after"] == {"ipv4": {"map_server": True}}
    if kind == "cli":
        assert "no map-resolver" in [line.strip() for line in result["commands"]]


@pytest.mark.parametrize("kind", KINDS)
def test_check_mode(kind):
    device = FakeDevice(kind, "mapping_system", {})
    result = run_action(ActionModule, {"config": MR_MS, "state": "merged"}, device=device, transport=kind, check_mode=True)
    assert result["changed"] is True and result["after"] == MR_MS
    assert device.applied == [] and device.closed


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("state, config, expected", [
    ("replaced", {"ipv6": {"map_server": True}}, {"ipv4": {"map_server": True, "map_resolver": True}, "ipv6": {"map_server": True}}),
    ("overridden", {"ipv6": {"map_resolver": True}}, {"ipv6": {"map_resolver": True}}),
    ("deleted", None, {}),
    ("deleted", {"ipv4": {"map_resolver": True}}, {"ipv4": {"map_server": True}}),
])
def test_replaced_overridden_deleted(kind, state, config, expected):
    device = FakeDevice(kind, "mapping_system", MR_MS, next_state=expected)
    args = {"state": state}
    if config is not None:
        args["config"] = config
    result = run_action(ActionModule, args, device=device, transport=kind)
    assert result["changed"] is True, result
    assert result["after"] == expected
    assert len(device.applied) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_gathered(kind):
    device = FakeDevice(kind, "mapping_system", MR_MS)
    result = run_action(ActionModule, {"state": "gathered"}, device=device, transport=kind)
    assert result == {"changed": False, "gathered": MR_MS, "transport": kind}


def test_rendered_and_parsed_offline():
    rendered = run_action(ActionModule, {"config": MR_MS, "state": "rendered"}, device=None)
    assert [line.strip() for line in rendered["rendered"]] == [line.strip() for line in cli_codec.render("mapping_system", MR_MS)]
    assert rendered["xml"] == xml_codec.render("mapping_system", MR_MS)
    parsed = run_action(ActionModule, {"running_config": rendered["xml"], "state": "parsed"}, device=None)
    assert parsed == {"changed": False, "parsed": MR_MS}
    parsed = run_action(ActionModule, {"running_config": cli_codec.running_config("mapping_system", MR_MS), "state": "parsed"},
                        device=None)
    assert parsed["parsed"] == MR_MS
    from lxml import etree
    data = etree.tostring(data_element("mapping_system", MR_MS), encoding="unicode")
    assert run_action(ActionModule, {"running_config": "\n  " + data, "state": "parsed"}, device=None)["parsed"] == MR_MS


def test_bad_state_is_an_argument_error():
    result = run_action(ActionModule, {"config": MR_MS, "state": "purged"}, device=None)
    assert result["failed"] is True
    assert "state" in result["msg"] and "purged" in result["msg"]


def test_wrong_type_is_an_argument_error():
    result = run_action(ActionModule, {"config": {"ipv4": {"map_server": "perhaps"}}, "state": "merged"}, device=None)
    assert result["failed"] is True
    assert "map_server" in result["msg"]


def test_gathered_refuses_config():
    result = run_action(ActionModule, {"config": MR_MS, "state": "gathered"}, device=None)
    assert result["failed"] is True and "config is not used with state=gathered" in result["msg"]


def test_delegate_to_uses_the_delegated_hosts_variables():
    device = FakeDevice("cli", "mapping_system", MR_MS)
    seen = {}

    from unittest import mock
    from ansible_collections.lispnet.lisp.plugins.plugin_utils import resource_action

    def fake_connect(task_vars, *, templar=None):
        del templar
        seen.update(task_vars)
        return device

    from ansible.playbook.task import Task
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar
    task = Task()
    task.action = "lispnet.lisp.lisp_mapping_system"
    task.args = {"state": "gathered"}
    task.delegate_to = "MR_MS"
    loader = DataLoader()
    action = ActionModule(task=task, connection=mock.MagicMock(), play_context=mock.MagicMock(), loader=loader,
                          templar=Templar(loader=loader), shared_loader_obj=None)
    variables = {"inventory_hostname": "localhost", "ansible_host": "localhost", "lispnet_transport": "cli",
                 "ansible_delegated_vars": {"MR_MS": {"ansible_host": "127.0.10.1", "ansible_user": "admin"}}}
    with mock.patch.object(resource_action, "connect", fake_connect):
        result = action.run(task_vars=variables)
    assert result["gathered"] == MR_MS
    assert (seen["ansible_host"], seen["inventory_hostname"], seen["ansible_user"]) == ("127.0.10.1", "MR_MS", "admin")

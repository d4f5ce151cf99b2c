"""lispnet.lisp.lisp_facts action plugin: offline outputs, oper XML, fake device sessions, errors."""

import json
import pathlib
from unittest import mock

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.task import Task
from ansible.template import Templar

from ansible_collections.lispnet.lisp.plugins.action import lisp_facts
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import gather
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts.test_gather import (
    RUNNING,
    FakeCli,
    FakeError,
    FakeNetconf,
    site1_device,
)

FIXTURES = pathlib.Path(__file__).parents[1] / "plugin_utils" / "facts" / "fixtures"


def run(args, device=None, task_vars=None, action_cls=lisp_facts.ActionModule):
    task = Task()
    task.action = "lispnet.lisp.lisp_facts"
    task.args = dict(args)
    task.check_mode = False
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    loader = DataLoader()
    variables = {"inventory_hostname": "r1", "ansible_host": "127.0.0.1", "lispnet_transport": "cli"}
    variables.update(task_vars or {})
    action = action_cls(task=task, connection=connection, play_context=mock.MagicMock(), loader=loader,
                        templar=Templar(loader=loader, variables=variables), shared_loader_obj=None)
    opened = []

    def fake_connect(task_vars, *, templar=None):
        del templar
        assert task_vars["ansible_host"] == "127.0.0.1"
        if device is None:
            raise AssertionError("the action opened a session although it must not")
        if isinstance(device, Exception):
            raise device
        opened.append(device)
        return device

    with mock.patch.object(action_cls, "CONNECT", staticmethod(fake_connect)):
        result = action.run(task_vars=variables)
    return result, opened


def test_offline_outputs():
    _c, text = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    result, opened = run({"outputs": {"sh ip lisp map-cache": text, "show clock": "x"}})
    assert opened == [] and result["changed"] is False and "failed" not in result
    prefixes = [e["prefix"] for e in result["ansible_facts"]["lisp"]["map_cache"]]
    assert prefixes == ["0.0.0.0/0", "192.168.0.0/24", "192.168.2.0/24"]
    assert result["transport"] == "offline" and result["unparsed"] == ["show clock"]
    assert "show clock" in result["warnings"][0]


def test_offline_subset_and_instance_filter():
    _c, text = samples.HANDWRITTEN["lab site detail"]
    result, _o = run({"outputs": {"show lisp site detail": text}, "gather_subset": ["sites"], "instance_ids": [4100]})
    sites = result["ansible_facts"]["lisp"]["sites"]
    assert [r["prefix"] for s in sites for r in s["eid_records"]] == ["2001:db8:2::/48"]


def test_offline_oper_xml_with_now():
    result, _o = run({"oper_xml": (FIXTURES / "oper_mrms.xml").read_text(), "now": "2026-11-25T12:00:00Z",
                      "gather_subset": ["sites", "sessions"]})
    lisp = result["ansible_facts"]["lisp"]
    assert sorted(lisp) == ["sessions", "sites"]
    assert lisp["sessions"][0]["last_state_change"] == 1890


def test_device_over_cli_closes_the_session_and_masks_secrets():
    device = site1_device()
    result, opened = run({"gather_subset": ["all", "!sessions"]}, device=device)
    assert opened == [device] and device.closed
    lisp = result["ansible_facts"]["lisp"]
    assert sorted(lisp) == ["config", "database", "map_cache", "services", "sites"]
    assert "show lisp session" not in result["commands"]
    assert "show lisp site" in result["refused_commands"]
    assert "SITE1-SECRET-KEY" not in json.dumps(result)
    assert lisp["config"]["xtr"]["ipv4"]["etr"]["map_servers"][0]["key"] == "********"


def test_device_over_netconf():
    device = FakeNetconf((FIXTURES / "oper_site1.xml").read_bytes())
    result, _o = run({"gather_subset": ["map_cache"], "now": "2026-11-25T12:00:00Z"}, device=device,
                     task_vars={"lispnet_transport": "netconf"})
    assert result["transport"] == "netconf"
    assert result["ansible_facts"]["lisp"]["map_cache"][2]["locators"][0]["address"] == "127.0.2.1"


def test_connection_failure_is_a_task_failure():
    result, _o = run({}, device=FakeError("netconf 127.0.0.1:830: connection refused", cause="refused"))
    assert result["failed"] is True and "connection refused" in result["msg"]


def test_bad_arguments():
    result, _o = run({"gather_subset": ["mapcache"]})
    assert result["failed"] is True and "gather_subset" in result["msg"]
    result, _o = run({"outputs": {}, "oper_xml": "<data/>"})
    assert result["failed"] is True and "mutually exclusive" in result["msg"]


def test_refused_command_is_skipped_not_fatal():
    device = FakeCli({gather.RUNNING_SECTION: RUNNING})
    result, _o = run({"gather_subset": ["sessions", "config"]}, device=device)
    assert "failed" not in result
    assert result["ansible_facts"]["lisp"]["sessions"] == []
    assert result["refused_commands"] == ["show lisp session"]

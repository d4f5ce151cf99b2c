# -*- coding: utf-8 -*-
"""--diff with the values ansible-core hands over since 2.19: tagged str/int (data tagging).

A task's arguments come from YAML (the inventory, vars files, the playbook) and reach the action
plugin as _AnsibleTaggedStr / _AnsibleTaggedInt, subclasses that yaml.safe_dump refuses
("cannot represent an object"). The diff must render them, keys masked, in check mode and in a
real run, on every supported ansible-core (stage units: 2.21, stage compat: 2.19).
"""

from __future__ import annotations

import copy

import pytest
import yaml

from ansible._internal._datatag._tags import Origin

from ansible_collections.lispnet.lisp.plugins.action.lisp_sites import ActionModule as SitesAction
from ansible_collections.lispnet.lisp.plugins.action.lisp_xtr import ActionModule as XtrAction
from ansible_collections.lispnet.lisp.tests.unit.plugins.action.test_lisp_resource_support import (
    MASK,
    FakeDevice,
    assert_masked,
    run_action,
)

XTR = {
    "locator_sets": [{"name": "RLOCS", "locators": [{"address": "127.0.1.1", "priority": 10, "weight": 50}]}],
    "ipv4": {
        "itr": {"enabled": True, "map_resolvers": ["127.0.10.1"]},
        "etr": {"enabled": True, "map_servers": [{"address": "127.0.10.1", "key": "TAGGED-SITE1-KEY"}]},
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
SITES = [{"name": "SITE2", "description": "Branch 2", "authentication_key": "TAGGED-SITE2-KEY",
          "eid_records": [{"prefix": "192.168.2.0/24", "instance_id": 0}]}]


def tagged(value, where="inventory.yml"):
    """value with every str and int tagged with an Origin, as the YAML loader of ansible-core does."""
    if isinstance(value, dict):
        return {k: tagged(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [tagged(v, where) for v in value]
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return Origin(path="/" + where, line_num=1).tag(value)
    return value


def test_tagged_helper_really_tags():
    value = tagged({"a": "text", "b": 10})
    assert type(value["a"]) is not str and isinstance(value["a"], str)  # pylint: disable=unidiomatic-typecheck  # the point
    assert type(value["b"]) is not int and isinstance(value["b"], int)  # pylint: disable=unidiomatic-typecheck  # the point
    with pytest.raises(yaml.representer.RepresenterError):
        yaml.safe_dump(value)


@pytest.mark.parametrize("kind", ["cli", "netconf"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_xtr_diff_renders_tagged_values(kind, check_mode):
    device = FakeDevice(kind, "xtr", {}, next_state=copy.deepcopy(XTR))
    result = run_action(XtrAction, {"config": tagged(XTR), "state": "merged"}, device=device, transport=kind,
                        diff=True, check_mode=check_mode)
    assert not result.get("failed"), result
    assert result["changed"] is True
    after = yaml.safe_load(result["diff"]["after"])
    assert after["locator_sets"][0]["locators"][0]["priority"] == 10
    assert after["ipv4"]["etr"]["map_servers"][0]["key"] == MASK
    assert yaml.safe_load(result["diff"]["before"]) == {}
    assert_masked(result, "TAGGED-SITE1-KEY")
    assert bool(device.applied) is not check_mode


@pytest.mark.parametrize("check_mode", [True, False])
def test_sites_diff_renders_tagged_values(check_mode):
    device = FakeDevice("netconf", "sites", [], next_state=copy.deepcopy(SITES))
    result = run_action(SitesAction, {"config": tagged(SITES), "state": "merged"}, device=device, diff=True,
                        check_mode=check_mode)
    assert not result.get("failed"), result
    after = yaml.safe_load(result["diff"]["after"])
    assert after[0]["description"] == "Branch 2"
    assert after[0]["authentication_key"] == MASK
    assert "TAGGED-SITE2-KEY" not in result["diff"]["after"]
    assert_masked(result, "TAGGED-SITE2-KEY")

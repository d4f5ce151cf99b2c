"""plugins/filter/inventory_hosts.py: a YAML inventory, one record per host, for add_host."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.lispnet.lisp.plugins.filter.inventory_hosts import FilterModule, inventory_hosts

LAB = {
    "all": {
        "vars": {"ansible_connection": "local", "lispnet_transport": "netconf", "level": "all"},
        "children": {
            "lisp_routers": {
                "vars": {"level": "lisp_routers", "lispnet_netconf_port": 2830},
                "hosts": {
                    "MR_MS": {"ansible_host": "127.0.10.1"},
                    "SITE1": {"ansible_host": "127.0.1.1", "level": "host"},
                    "SITE2": {"ansible_host": "127.0.2.1"},
                },
                "children": {"xtrs": {"vars": {"level": "xtrs"}, "hosts": {"SITE1": None, "SITE2": None}}},
            },
            "map_servers": {"hosts": {"MR_MS": None}},
        },
    }
}


def by_name(hosts):
    return dict((h["name"], h) for h in hosts)


def test_every_host_once_in_order_with_its_groups():
    hosts = inventory_hosts(LAB)
    assert [h["name"] for h in hosts] == ["MR_MS", "SITE1", "SITE2"]
    found = by_name(hosts)
    assert found["MR_MS"]["groups"] == ["lisp_routers", "map_servers"]
    assert found["SITE1"]["groups"] == ["lisp_routers", "xtrs"]


def test_variables_merge_from_all_to_child_groups_to_the_host():
    found = by_name(inventory_hosts(LAB))
    assert found["MR_MS"]["vars"] == {"ansible_connection": "local", "lispnet_transport": "netconf",
                                      "level": "lisp_routers", "lispnet_netconf_port": 2830,
                                      "ansible_host": "127.0.10.1"}
    assert found["SITE2"]["vars"]["level"] == "xtrs"
    assert found["SITE1"]["vars"]["level"] == "host"


def test_the_shape_lisp_xtr_lab_up_writes():
    # Variables under all.hosts, membership under the groups (hosts with empty mappings).
    lab = {"all": {
        "hosts": {"MR_MS": {"ansible_host": "127.0.10.1", "lispnet_cli_port": 2022},
                  "SITE1": {"ansible_host": "127.0.1.1", "lispnet_lab_eids": ["192.168.1.0/24"]}},
        "children": {"lisp_routers": {"hosts": {"MR_MS": {}, "SITE1": {}}},
                     "map_servers": {"hosts": {"MR_MS": {}}},
                     "xtrs": {"hosts": {"SITE1": {}}}},
    }}
    assert inventory_hosts(lab) == [
        {"name": "MR_MS", "groups": ["lisp_routers", "map_servers"], "vars": {"ansible_host": "127.0.10.1", "lispnet_cli_port": 2022}},
        {"name": "SITE1", "groups": ["lisp_routers", "xtrs"], "vars": {"ansible_host": "127.0.1.1", "lispnet_lab_eids": ["192.168.1.0/24"]}},
    ]


def test_groups_at_the_top_without_all():
    hosts = inventory_hosts({"xtrs": {"hosts": {"SITE1": {"ansible_host": "127.0.1.1"}}}})
    assert hosts == [{"name": "SITE1", "groups": ["xtrs"], "vars": {"ansible_host": "127.0.1.1"}}]


@pytest.mark.parametrize("inventory, message", [
    (["SITE1"], "the inventory must be a mapping"),
    ({"all": {"hosts": ["SITE1"]}}, "the hosts of group all must be a mapping"),
    ({"all": {"hosts": {"SITE1": "127.0.1.1"}}}, "host SITE1 must be a mapping"),
    ({"all": {"children": {"a": {"vars": []}}}}, "the vars of group a must be a mapping"),
])
def test_bad_inventory_is_one_clear_error(inventory, message):
    with pytest.raises(AnsibleFilterError, match=message):
        inventory_hosts(inventory)


def test_registered_as_a_filter():
    assert FilterModule().filters()["inventory_hosts"] is inventory_hosts

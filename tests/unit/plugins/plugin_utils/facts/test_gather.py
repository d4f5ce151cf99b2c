"""Gathering from a device (fake CLI and NETCONF transports) and from recorded outputs."""

import json
import pathlib

import pytest
from lxml import etree

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import gather
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
NOW = "2026-11-25T12:00:00Z"

RUNNING = """router lisp
 locator-set RLOCS
  IPv4-interface Loopback0 priority 10 weight 50
  exit-locator-set
 !
 service ipv4
  itr map-resolver 127.0.10.1
  itr
  etr map-server 127.0.10.1 key 0 SITE1-SECRET-KEY
  etr
  exit-service-ipv4
 !
 exit-router-lisp
"""

SUMMARY = """Router-lisp ID:   0
Instance count:   1
                      Interface    DB  DB no  Cache Incom Cache
EID VRF name             (.IID)  size  route   size plete  Idle Role
default                 LISP0.0     1      0      3  0.0%  0.0% ITR-ETR
"""


class FakeError(Exception):
    def __init__(self, message, cause=None):
        super().__init__(message)
        self.cause = cause


class FakeCli:
    kind = "cli"

    def __init__(self, outputs):
        self.outputs = outputs
        self.sent = []
        self.closed = False

    def run_commands(self, commands):
        out = {}
        for command in commands:
            self.sent.append(command)
            if command not in self.outputs:
                raise FakeError("%r was rejected: %% Invalid input" % command, cause="command")
            out[command] = self.outputs[command]
        return out

    def close(self):
        self.closed = True


class FakeNetconf:
    kind = "netconf"

    def __init__(self, data):
        self.data = data
        self.filters = []

    def get(self, filter_xml):
        self.filters.append(filter_xml)
        return etree.fromstring(self.data)

    def get_config(self, filter_xml):
        self.filters.append(filter_xml)
        return etree.fromstring('<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>')

    def close(self):
        pass


def site1_device():
    _c, map_cache = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    _c, database = samples.HANDWRITTEN["15.x database"]
    _c, service = samples.HANDWRITTEN["lab service ipv4"]
    return FakeCli({
        "show lisp service ipv4 summary": SUMMARY,
        "show lisp service ipv4": service,
        "show lisp instance-id 0 ipv4 map-cache": map_cache,
        "show lisp instance-id 0 ipv4 database": database,
        "show lisp session": "Sessions for VRF default, total: 0, established: 0\n",
        gather.RUNNING_SECTION: RUNNING,
    })


@pytest.mark.parametrize("subset, expected", [
    (["all"], set(gather.SUBSETS)),
    ([], set(gather.SUBSETS)),
    (["map_cache", "sites"], {"map_cache", "sites"}),
    (["!config"], set(gather.SUBSETS) - {"config"}),
    (["all", "!sessions", "!config"], set(gather.SUBSETS) - {"sessions", "config"}),
    (["!all"], set()),
])
def test_resolve_subsets(subset, expected):
    assert gather.resolve_subsets(subset) == expected


def test_unknown_subset_is_an_error():
    with pytest.raises(gather.FactsError, match="unknown subset 'mapcache'"):
        gather.resolve_subsets(["mapcache"])


def test_cli_gather_discovers_instances_skips_refused_commands_and_masks_secrets():
    device = site1_device()
    facts, info = gather.gather(device, gather.SUBSETS, error_types=(FakeError,))
    assert sorted(facts) == sorted(gather.SUBSETS)
    assert info["instance_ids"] == {"ipv4": [0]}
    assert "show lisp instance-id 0 ipv4 map-cache" in device.sent
    assert "show lisp site detail" in info["skipped"] and "show lisp service ipv6" in info["skipped"]
    assert [e["prefix"] for e in facts["map_cache"]] == ["0.0.0.0/0", "192.168.0.0/24", "192.168.2.0/24"]
    assert facts["database"][0]["prefix"] == "192.168.1.0/24"
    assert facts["sites"] == [] and facts["sessions"] == []
    assert facts["services"]["ipv4"]["instances"][0]["roles"] == ["itr", "etr"]
    assert facts["config"]["xtr"]["ipv4"]["etr"]["map_servers"][0]["key"] == "********"
    assert "SITE1-SECRET-KEY" not in json.dumps(facts)


def test_cli_gather_with_instance_ids_runs_only_what_is_asked():
    device = site1_device()
    facts, _info = gather.gather(device, {"map_cache"}, instance_ids=[0], error_types=(FakeError,))
    assert device.sent == ["show lisp instance-id 0 ipv4 map-cache", "show lisp instance-id 0 ipv6 map-cache"]
    assert list(facts) == ["map_cache"] and len(facts["map_cache"]) == 3


def test_cli_gather_falls_back_to_show_ip_lisp_on_old_software():
    _c, map_cache = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    device = FakeCli({"show ip lisp map-cache": map_cache})
    facts, _info = gather.gather(device, {"map_cache"}, error_types=(FakeError,))
    assert device.sent[-1] == "show ip lisp map-cache"
    assert len(facts["map_cache"]) == 3


def test_cli_errors_other_than_refused_commands_propagate():
    class Broken(FakeCli):
        def run_commands(self, commands):
            raise FakeError("session closed", cause="session")

    with pytest.raises(FakeError, match="session closed"):
        gather.gather(Broken({}), {"sessions"}, error_types=(FakeError,))


def test_netconf_gather_reads_oper_once_and_filters_instances():
    data = (FIXTURES / "oper_mrms.xml").read_bytes()
    device = FakeNetconf(data)
    facts, info = gather.gather(device, {"sites", "sessions"}, now=NOW)
    assert len(device.filters) == 1 and "lisp-state" in device.filters[0]
    assert sorted(facts) == ["sessions", "sites"] and info["transport"] == "netconf"
    only_0, _info = gather.gather(FakeNetconf(data), {"sites"}, instance_ids=[0], now=NOW)
    assert all(r["instance_id"] == 0 for s in only_0["sites"] for r in s["eid_records"])


def test_offline_outputs_and_oper():
    _c, map_cache = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    facts, info = gather.from_outputs({"sh ip lisp map-cache": map_cache, "show clock": "12:00"},
                                      {"map_cache", "config"})
    assert list(facts) == ["map_cache"] and info["unparsed"] == ["show clock"]
    facts, _info = gather.from_outputs({gather.RUNNING_SECTION: RUNNING}, {"config"})
    assert facts["config"]["xtr"]["ipv4"]["itr"]["map_resolvers"] == ["127.0.10.1"]
    facts, _info = gather.from_oper((FIXTURES / "oper_site1.xml").read_text(), {"database"}, now=NOW)
    assert list(facts) == ["database"]


# The reference xTR (and IOS-XE for the default EID table) print the LISP interface itself, with no
# ".IID" sub-interface, for instance 0: discovery used to find no instance there and fell back to
# the old "show ip lisp" commands (which lose the database Uptime and skip any other instance).
SUMMARY_LISP0 = """Router-lisp ID:   0
Instance count:   2
                      Interface    DB  DB no  Cache Incom Cache
EID VRF name             (.IID)  size  route   size plete  Idle Role
default                   LISP0     1      0      1  0.0%  0.0% ITR-ETR
red                   LISP0.101     1      0      0  0.0%  0.0% ITR-ETR
"""


@pytest.mark.parametrize("interface, iid", [
    ("LISP0", 0), ("LISP0.0", 0), ("LISP0.101", 101), ("lisp0.7", 7), ("LISP0.x", None), ("Tunnel0", None),
    ("", None), (None, None),
])
def test_interface_iid(interface, iid):
    assert gather.nz.interface_iid(interface) == iid


def test_cli_gather_reads_instance_0_of_the_bare_lisp_interface():
    _c, map_cache = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    device = FakeCli({
        "show lisp service ipv4 summary": SUMMARY_LISP0,
        "show lisp instance-id 0 ipv4 map-cache": map_cache,
    })
    facts, info = gather.gather(device, {"map_cache", "services"}, error_types=(FakeError,))
    assert info["instance_ids"] == {"ipv4": [0, 101]}
    assert "show lisp instance-id 0 ipv4 map-cache" in device.sent
    assert "show ip lisp map-cache" not in device.sent
    assert len(facts["map_cache"]) == 3
    instances = facts["services"]["ipv4"]["instances"]
    assert [(i["instance_id"], i["interface"]) for i in instances] == [(0, "LISP0"), (101, "LISP0.101")]

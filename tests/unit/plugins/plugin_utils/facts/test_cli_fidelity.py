"""Fields of real IOS-XE outputs (shared/testdata/iosxe) that the facts once lost: the PITR and
use-petr RLOCs of `show lisp service`, the origin of a more-specific registration in site detail,
locator states written with a qualifier (`up, self`), the map-cache detail's map-source and the
`show lisp` summary. Each is read by the fast reader, the general reader and the TTP templates alike."""

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.cli import parse_cli, unparsed_commands
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.ttp_reader import parse_cli_ttp
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples


def sample(name):
    return (samples.testdata_dir() / (name + ".txt")).read_text()


def every_reader(outputs):
    """The facts of ``outputs`` from each reader, checked to agree."""
    fast = parse_cli(outputs)
    assert parse_cli(outputs, fast=False) == fast
    assert parse_cli_ttp(outputs) == fast
    return fast


def test_service_proxy_itr_rlocs_and_use_petr_17x():
    facts = every_reader({"show lisp instance-id 4100 ipv6": sample("ShowLispInstanceIdService__5")})
    service = facts["services"]["ipv6"]
    assert service["proxy_itr_rlocs"] == ["11.11.11.11"]
    assert service["use_petr"] == [{"address": "1.1.1.1", "self": True, "encap_iid": None},
                                   {"address": "66.66.66.66", "self": False, "encap_iid": None}]
    facts = every_reader({"show lisp service ipv4": sample("ShowLispService__1")})
    assert facts["services"]["ipv4"]["proxy_itr_rlocs"] == ["11.11.11.11"]
    assert facts["services"]["ipv4"]["use_petr"] == [{"address": "66.66.66.66", "self": False, "encap_iid": None}]


def test_service_proxy_itr_rlocs_16x_show_lisp_all():
    facts = every_reader({"show lisp all service ipv4": sample("ShowLispService__4")})
    assert facts["services"]["ipv4"]["proxy_itr_rlocs"] == ["10.10.10.10"]


def test_no_pitr_no_rlocs():
    text = sample("ShowLispService__1").replace("enabled RLOCs: 11.11.11.11", "disabled")
    facts = every_reader({"show lisp service ipv4": text})
    assert facts["services"]["ipv4"]["proxy_itr_rlocs"] == [] and facts["services"]["ipv4"]["pitr"] is False


@pytest.mark.parametrize("name, command, prefix, parent", [
    ("ShowLispSiteDetail__9", "show lisp site 192.168.1.71", "192.168.1.71/32", "192.168.1.0/24"),
    ("ShowLispSiteDetail__3", "show lisp site 2001:192:168:1::71 instance-id 4100", "2001:192:168:1::71/128",
     "2001:192:168:1::/64"),
])
def test_site_detail_origin_more_specific_of(name, command, prefix, parent):
    facts = every_reader({command: sample(name)})
    records = [r for s in facts["sites"] for r in s["eid_records"]]
    record = [r for r in records if r["prefix"] == prefix][0]
    assert record["origin"] == "Dynamic, more specific of %s" % parent
    assert record["more_specific_of"] == parent


def test_site_detail_configured_origin_15x():
    text = (samples.testdata_dir() / "oldstyle" / "show_lisp_site_name__R16_site1.txt").read_text()
    facts = every_reader({"show lisp site name site1": text})
    records = [r for s in facts["sites"] for r in s["eid_records"]]
    assert records and all(r["origin"] and r["origin"].startswith("Configuration") for r in records)
    assert all(r["more_specific_of"] is None for r in records)


def test_locator_state_with_a_qualifier():
    """A proxy ETR lists itself as 'up, self': the locator is kept with that state (it was dropped)."""
    real = sample("ShowLispInstanceIdIpv4MapCache__1")
    assert "  10.0.1.2   00:00:00  up            0/0         -" in real
    text = real.replace("  10.0.1.2   00:00:00  up            0/0 ", "  10.0.1.2   00:00:00  up, self      0/0 ")
    facts = every_reader({"show lisp instance-id 4100 ipv4 map-cache": text})
    locators = facts["map_cache"][0]["locators"]
    assert [(l["address"], l["state"], l["priority"], l["weight"]) for l in locators] == [
        ("10.0.1.2", "up, self", 0, 0), ("10.0.1.5", "admin-down", 255, 0)]
    plain = every_reader({"show lisp instance-id 4100 ipv4 map-cache": real})
    assert [l["state"] for l in plain["map_cache"][0]["locators"]] == ["up", "admin-down"]


@pytest.mark.parametrize("name, command, source", [
    ("ShowLispIpv4MapCachePrefix__1", "show lisp instance-id 4100 ipv4 map-cache 194.168.1.72", "11.1.2.2"),
    ("ShowLispIpv4MapCachePrefix__10", "show lisp instance-id 1 ipv4 map-cache 0.0.0.0/0", "local"),
])
def test_map_cache_detail_map_source(name, command, source):
    facts = every_reader({command: sample(name)})
    assert [e["map_source"] for e in facts["map_cache"]] == [source]


def test_map_cache_table_has_no_map_source():
    facts = every_reader({"show lisp instance-id 4100 ipv4 map-cache": sample("ShowLispInstanceIdIpv4MapCache__10")})
    assert facts["map_cache"] and all(e["map_source"] is None for e in facts["map_cache"])


def test_show_lisp_summary_17x():
    facts = every_reader({"show lisp": sample("ShowLisp__1")})
    assert facts["services"]["router"] == {
        "router_lisp_id": 0, "domain_id": 0, "multihoming_id": 0, "locator_table": "default",
        "locator_default_set": None, "eid_instance_count": 7,
        "capabilities": ["Publish-Subscribe Instance-ID", "Domain-Info", "Route-Tag", "SGT", "Default-originate",
                         "Service-registration", "Extranet-policy-propagation", "Default-ETR Route-metric",
                         "Unknown vendor type skip", "RAR-notify"],
        "tcp_path_mtu_discovery": False}


def test_show_lisp_all_summary_with_the_router_lisp_banner():
    banner = "=" * 49 + "\nOutput for router lisp 0\n" + "=" * 49 + "\n"
    text = banner + sample("ShowLisp__1").replace("EID instance count:    7", "EID instance count:    2")
    facts = every_reader({"show lisp all": text})
    assert facts["services"]["router"]["eid_instance_count"] == 2
    assert facts["services"]["router"]["capabilities"][-1] == "RAR-notify"


@pytest.mark.parametrize("command", ["show lisp service ipv4 statistics", "show lisp all service ipv6 statistics",
                                     "show lisp instance-id 4100 ipv4 forwarding state",
                                     "show ip lisp instance-id 4100 forwarding state"])
def test_statistics_and_forwarding_outputs_are_no_service_detail(command):
    """`show lisp service ipv4 statistics` once read as the service's detail: a services entry with every
    role null. Counters and forwarding state carry no facts field; they are listed as unparsed."""
    text = ("LISP EID Statistics for all EID instances - last cleared: never\nControl Packets:\n"
            "  Map-Requests in/out:                              0/0\n"
            "  Map-Register records in/out:                      0/10\n")
    if "forwarding" in command:
        text = sample("ShowLispInstanceIdForwardingState__1")
    outputs = {command: text, "show lisp service ipv4": sample("ShowLispService__1")}
    assert every_reader(outputs) == every_reader({"show lisp service ipv4": sample("ShowLispService__1")})
    assert every_reader({command: text}) == {}
    assert unparsed_commands(outputs) == [command]

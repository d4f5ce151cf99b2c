"""Cisco-IOS-XE-lisp-oper <get> replies -> facts; the hand-written replies are valid per the YANG model."""

import pathlib

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.cli import parse_cli
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.oper import FILTER_XML, parse_oper
from ansible_collections.lispnet.lisp.tests.support.shared import require
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
NOW = "2026-11-25T12:00:00Z"


def fixture(name):
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", ["oper_site1.xml", "oper_mrms.xml"])
def test_fixtures_validate_against_the_oper_model(name):
    # pylint: disable-next=import-outside-toplevel  # pyang loads only when the models are there
    from ansible_collections.lispnet.lisp.tests.support.yangcheck import validate

    yang_dir = str(require("yang", "iosxe-1791"))
    assert validate(fixture(name), modules=("Cisco-IOS-XE-lisp-oper",), yang_dir=yang_dir) == []


def test_site1_map_cache_equals_the_cli_facts_of_the_same_state():
    """The write-up's SITE1 map-cache read over the CLI and the same state over NETCONF: one schema."""
    command, text = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    assert parse_oper(fixture("oper_site1.xml"), now=NOW)["map_cache"] == parse_cli({command: text})["map_cache"]


def test_site1_database_and_services():
    facts = parse_oper(fixture("oper_site1.xml"), now=NOW)
    assert facts["database"] == [{
        "instance_id": 0, "afi": "ipv4", "prefix": "192.168.1.0/24", "locator_set": None,
        "do_not_register": False, "no_route": False, "uptime": 1200,
        "locators": [{"address": "127.0.1.1", "priority": 10, "weight": 50, "source": None,
                      "location": "site-self", "state": "reachable"}],
    }]
    ipv4 = facts["services"]["ipv4"]
    assert (ipv4["itr"], ipv4["etr"], ipv4["map_server"], ipv4["map_resolver"]) == (True, True, False, False)
    assert ipv4["map_resolvers"] == ["127.0.10.1"] and ipv4["map_servers"] == ["127.0.10.1"]
    assert ipv4["instances"] == [{"instance_id": 0, "eid_table": "default", "interface": None,
                                  "roles": ["itr", "etr"], "database_size": 1, "map_cache_size": 3}]
    assert facts["sites"] == [] and facts["sessions"] == []


def test_mrms_sites_registrations_and_counters():
    facts = parse_oper(fixture("oper_mrms.xml"), now=NOW)
    sites = {s["name"]: s for s in facts["sites"]}
    assert sorted(sites) == ["SITE1", "SITE2"]
    site2 = sites["SITE2"]
    assert (site2["description"], site2["registered"]) == ("Branch 2", True)
    assert (site2["authentication_failures"], site2["allowed_locator_mismatches"]) == (2, 1)
    registered, never = site2["eid_records"]
    assert registered == {
        "instance_id": 0, "prefix": "192.168.2.0/24", "registered": True,
        "last_registered_by": "127.0.2.1", "last_registered_by_port": 4342,
        "last_registered": 50, "first_registered": 1881, "ttl": 86400, "state": "complete",
        "authentication_failures": 0, "allowed_locator_mismatches": 0, "origin": None, "more_specific_of": None,
        "etrs": [{"address": "127.0.2.1", "port": 4342, "last_registered": 50, "ttl": 86400,
                  "proxy_reply": False, "map_notify": True, "state": "complete",
                  "locators": [{"address": "127.0.2.1", "local": True, "state": "up", "priority": 10, "weight": 50}]}],
    }
    assert (never["registered"], never["last_registered"], never["etrs"]) == (False, None, [])
    v6 = sites["SITE1"]["eid_records"][1]
    assert (v6["instance_id"], v6["prefix"], v6["etrs"][0]["proxy_reply"]) == (4100, "2001:db8:1::/48", True)
    assert sites["SITE1"]["authentication_failures"] == 1


def test_mrms_sessions_and_roles():
    facts = parse_oper(fixture("oper_mrms.xml"), now=NOW)
    assert facts["sessions"] == [{"vrf": None, "peer": "127.0.1.1", "port": 51234, "state": "up",
                                  "last_state_change": 1890, "messages_in": 12, "messages_out": 9,
                                  "users": None, "rtt_ms": None}]
    assert facts["services"]["ipv6"]["instances"][0]["eid_table"] == "vrf red"
    assert facts["services"]["ipv4"]["map_server"] is True


def test_site_detail_over_cli_and_netconf_agree_on_the_shared_fields():
    """The lab's 'show lisp site detail' and oper reply describe SITE1 192.168.1.0/24 alike."""
    _c, text = samples.HANDWRITTEN["lab site detail"]
    cli_record = [s for s in parse_cli({"show lisp site detail": text})["sites"] if s["name"] == "SITE1"][0]["eid_records"][0]
    oper_record = [s for s in parse_oper(fixture("oper_mrms.xml"), now=NOW)["sites"] if s["name"] == "SITE1"][0]["eid_records"][0]
    # the origin is printed by the CLI only; the operational model has no leaf for it
    assert (cli_record.pop("origin"), cli_record.pop("more_specific_of")) == ("Configuration", None)
    assert (oper_record.pop("origin"), oper_record.pop("more_specific_of")) == (None, None)
    assert cli_record == oper_record


def test_subsets_now_forms_and_empty_replies():
    data = fixture("oper_site1.xml")
    assert sorted(parse_oper(data, now=NOW, subsets=("map_cache",))) == ["map_cache"]
    later = parse_oper(data.decode(), now="2026-11-25T12:01:00Z")["map_cache"][2]
    assert (later["uptime"], later["expires"]) == (622, 85778)
    empty = parse_oper('<data xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"/>', now=NOW)
    assert empty == {"map_cache": [], "database": [], "sites": [], "sessions": [], "services": {}}
    assert "Cisco-IOS-XE-lisp-oper" in FILTER_XML

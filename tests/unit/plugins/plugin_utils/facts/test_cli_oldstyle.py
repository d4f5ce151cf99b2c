"""The older 'show ip lisp ...' generation and hand-written outputs: values read off the text."""

import gc

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.cli import classify, normalise_command, parse_cli
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples


def recorded_oldstyle(name):
    for sample_name, command, text, _genie in samples.recorded():
        if sample_name == "oldstyle/" + name:
            return command, text
    raise AssertionError(name)


def test_r18_show_ip_lisp_map_cache():
    command, text = recorded_oldstyle("show_ip_lisp_map-cache__R18")
    facts = parse_cli({command: text})
    assert facts == {"map_cache": [
        {"instance_id": 0, "afi": "ipv4", "prefix": "0.0.0.0/0", "negative": True, "action": "send-map-request",
         "uptime": 19 * 60 + 42, "expires": None, "via": "static-send-map-request", "state": None, "locators": []},
        {"instance_id": 0, "afi": "ipv4", "prefix": "192.168.101.0/24", "negative": False, "action": None,
         "uptime": 608, "expires": 23 * 3600 + 49 * 60 + 44, "via": "map-reply", "state": "complete",
         "locators": [{"address": "19.19.19.19", "state": "up", "priority": 1, "weight": 50, "uptime": 608}]},
    ]}


def test_r16_show_lisp_site_name():
    command, text = recorded_oldstyle("show_lisp_site_name__R16_site1")
    site = parse_cli({command: text})["sites"]
    assert site == [{
        "name": "1", "description": None, "registered": True,
        "authentication_failures": 0, "allowed_locator_mismatches": 0,
        "map_register_replays": None, "map_register_refreshes": None,  # IOS-XE prints no replay line
        "eid_records": [{
            "instance_id": 0, "prefix": "192.168.100.0/24", "registered": True,
            "last_registered_by": "10.0.0.23", "last_registered_by_port": None, "last_registered": 28,
            "first_registered": 25 * 60 + 12, "ttl": 86400, "state": "complete",
            "authentication_failures": 0, "allowed_locator_mismatches": 0,
            "etrs": [{"address": "10.0.0.23", "port": None, "last_registered": 28, "ttl": 86400,
                      "proxy_reply": False, "map_notify": False, "state": "complete",
                      "locators": [{"address": "18.18.18.18", "local": True, "state": "up",
                                    "priority": 1, "weight": 50}]}],
        }],
    }]


def test_writeup_site1_after_the_first_ping():
    command, text = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    entries = parse_cli({command: text})["map_cache"]
    assert [(e["prefix"], e["negative"], e["action"], e["state"], e["expires"]) for e in entries] == [
        ("0.0.0.0/0", True, "send-map-request", None, None),
        ("192.168.0.0/24", True, "forward-native", "forward-native", 334),
        ("192.168.2.0/24", False, None, "complete", 85838),
    ]
    assert entries[2]["locators"] == [{"address": "127.0.2.1", "state": "up", "priority": 10, "weight": 50,
                                       "uptime": 562}]


def test_writeup_mrms_site2():
    command, text = samples.HANDWRITTEN["writeup MR_MS site SITE2"]
    site = parse_cli({command: text})["sites"][0]
    record = site["eid_records"][0]
    assert (site["name"], site["registered"], record["prefix"], record["ttl"], record["first_registered"]) == (
        "SITE2", True, "192.168.2.0/24", 86400, 1881)
    assert record["etrs"][0]["map_notify"] is True and record["etrs"][0]["proxy_reply"] is False
    assert record["etrs"][0]["locators"][0]["address"] == "127.0.2.1"


def test_old_database():
    command, text = samples.HANDWRITTEN["15.x database"]
    assert parse_cli({command: text})["database"] == [{
        "instance_id": 0, "afi": "ipv4", "prefix": "192.168.1.0/24", "locator_set": None,
        "do_not_register": False, "no_route": False, "uptime": None,
        "locators": [{"address": "127.0.1.1", "priority": 10, "weight": 50, "source": "cfg-addr",
                      "location": "site-self", "state": "reachable"}],
    }]


def test_lab_site_detail_two_sites_unregistered_prefix_ipv6_etr():
    command, text = samples.HANDWRITTEN["lab site detail"]
    sites = {s["name"]: s for s in parse_cli({command: text})["sites"]}
    assert sites["SITE1"]["description"] == "Branch 1"
    site2 = sites["SITE2"]
    assert (site2["registered"], site2["authentication_failures"], site2["allowed_locator_mismatches"]) == (True, 3, 1)
    # the reference router's replay line (RFC 9301 §5.6); real IOS-XE output has none: null
    assert (site2["map_register_replays"], site2["map_register_refreshes"]) == (2, 1)
    assert (sites["SITE1"]["map_register_replays"], sites["SITE1"]["map_register_refreshes"]) == (0, 0)
    unregistered, v6 = site2["eid_records"]
    assert (unregistered["registered"], unregistered["last_registered"], unregistered["state"]) == (False, None, "unknown")
    assert (v6["instance_id"], v6["prefix"], v6["last_registered_by"], v6["last_registered_by_port"]) == (
        4100, "2001:db8:2::/48", "2001:db8::2", 4342)
    assert [(loc["address"], loc["local"], loc["state"]) for loc in v6["etrs"][0]["locators"]] == [
        ("2001:db8::2", True, "up"), ("127.0.2.1", False, "down")]


def test_table_and_detail_merge_into_one_site_list():
    table = """Site Name      Last      Up     Who Last             Inst     EID Prefix
               Register         Registered           ID
SITE1          00:00:50  yes#   127.0.1.1:4342       0        192.168.1.0/24
SITE2          never     no     --                   0        192.168.2.0/24
"""
    _c, detail = samples.HANDWRITTEN["lab site detail"]
    facts = parse_cli({"show lisp site": table, "show lisp site detail": detail})
    assert [s["name"] for s in facts["sites"]] == ["SITE1", "SITE2"]
    site1 = facts["sites"][0]["eid_records"]
    assert len(site1) == 1 and site1[0]["ttl"] == 86400 and site1[0]["registered"] is True


def test_service_resolvers_and_servers_differ():
    command, text = samples.HANDWRITTEN["lab service ipv4"]
    service = parse_cli({command: text})["services"]["ipv4"]
    assert service["map_resolvers"] == ["127.0.10.1", "127.0.10.2"]
    assert service["map_servers"] == ["127.0.10.3", "127.0.10.4"]
    assert (service["itr"], service["etr"], service["map_server"]) == (True, True, False)


def test_command_classification():
    assert normalise_command("sh  ip lisp   map-cache ") == "show ip lisp map-cache"
    assert classify("show lisp instance-id 7 ipv6 map-cache 2001:db8::1") == ("map_cache", {"iid": "7", "afi": "ipv6"})
    assert classify("show ip lisp database")[0] == "database"
    assert classify("show lisp site summary")[0] == "sites"
    assert classify("show lisp all instance-id * ipv4 server")[0] == "sites"
    assert classify("show lisp service ipv6 summary") == ("services", {"afi": "ipv6"})
    assert classify("show lisp vrf default session")[0] == "sessions"
    assert classify("show running-config | section router lisp")[0] == "config"
    assert classify("show version") == (None, {})


def test_empty_and_error_outputs_give_empty_families():
    facts = parse_cli({"show ip lisp map-cache": "% LISP is not enabled", "show lisp session": ""})
    assert facts == {"map_cache": [], "sessions": []}


def test_the_same_entry_read_twice_is_kept_once():
    _c, table = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    one = """LISP IPv4 Mapping Cache for EID-table default (IID 0), 3 entries

192.168.2.0/24, uptime: 00:09:23, expires: 23:50:37, via map-reply, complete
  Sources: map-reply
  State: complete, last modified: 00:09:23, map-source: 127.0.2.1
  Locator        Uptime    State      Pri/Wgt
  127.0.2.1      00:09:23  up          10/50
"""
    facts = parse_cli({"show ip lisp map-cache": table, "show ip lisp map-cache 192.168.2.1": one})
    assert [e["prefix"] for e in facts["map_cache"]] == ["0.0.0.0/0", "192.168.0.0/24", "192.168.2.0/24"]
    assert facts["map_cache"][2]["uptime"] == 562  # the first read wins


def test_parse_cli_restores_the_garbage_collector():
    assert gc.isenabled()
    parse_cli({"show ip lisp map-cache": samples.HANDWRITTEN["writeup SITE1 map-cache"][1]})
    assert gc.isenabled()
    gc.disable()
    try:
        parse_cli({"show lisp session": ""})
        assert not gc.isenabled()
    finally:
        gc.enable()

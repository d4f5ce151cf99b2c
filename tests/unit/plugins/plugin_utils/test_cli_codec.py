"""plugin_utils.cli_codec: IOS-XE 17 ``router lisp`` lines."""

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, model, states
from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import MASK, ValidationError
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.labdata import (
    MR_MS_MAPPING_SYSTEM,
    MR_MS_RUNNING,
    MR_MS_SITES,
    SITE1,
    SITE1_RUNNING,
    STATE_CASES,
    lab_cases,
)


def test_parse_lab_running_configs():
    assert cli_codec.parse("mapping_system", MR_MS_RUNNING) == MR_MS_MAPPING_SYSTEM
    assert cli_codec.parse("sites", MR_MS_RUNNING) == model.canonical("sites", MR_MS_SITES)
    assert cli_codec.parse("xtr", MR_MS_RUNNING) == {}
    assert cli_codec.parse("xtr", SITE1_RUNNING) == model.canonical("xtr", SITE1)
    assert cli_codec.parse("sites", SITE1_RUNNING) == []
    assert cli_codec.parse("mapping_system", SITE1_RUNNING) == {}
    assert cli_codec.parse("xtr", "") == {}


@pytest.mark.parametrize("device, resource, config", lab_cases())
def test_round_trips(device, resource, config):
    del device
    normal = model.canonical(resource, config)
    lines = cli_codec.render(resource, config)
    assert lines[0] == "router lisp" and lines[-1] == "exit-router-lisp"
    assert cli_codec.parse(resource, "\n".join(lines)) == normal
    text = cli_codec.running_config(resource, config)
    assert cli_codec.parse(resource, text) == normal
    assert cli_codec.diff_commands(resource, normal, config) == []
    assert cli_codec.diff_commands(resource, {} if resource != "sites" else [], config) == lines


def test_running_config_matches_the_device_format():
    assert cli_codec.running_config("xtr", SITE1) == SITE1_RUNNING.replace("Building configuration...\n", "").replace("end\n", "")
    assert cli_codec.running_config("sites", MR_MS_SITES) + cli_codec.running_config("mapping_system", MR_MS_MAPPING_SYSTEM) != ""
    assert cli_codec.running_config("xtr", {}) == ""


def test_render_site1():
    assert cli_codec.render("xtr", SITE1) == [
        "router lisp",
        "locator-set RLOCS",
        "127.0.1.1 priority 10 weight 50",
        "exit-locator-set",
        "service ipv4",
        "itr map-resolver 127.0.10.1",
        "itr",
        "etr map-server 127.0.10.1 key 0 SITE1-KEY",
        "etr",
        "exit-service-ipv4",
        "instance-id 0",
        "service ipv4",
        "eid-table default",
        "database-mapping 192.168.1.0/24 locator-set RLOCS",
        "map-cache 0.0.0.0/0 map-request",
        "exit-service-ipv4",
        "exit-instance-id",
        "exit-router-lisp",
    ]


def test_render_everything_else():
    config = {
        "locator_sets": [{"name": "DUAL", "locators": [{"interface": "Loopback0", "priority": 1, "weight": 50},
                                                       {"interface": "Loopback0", "family": "ipv6", "priority": 1, "weight": 50}]}],
        "ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "0822455D0A16", "key_type": 7, "hash_function": "sha2",
                                          "proxy_reply": True}]},
                 "use_petr": [{"address": "127.0.20.1", "priority": 1, "weight": 100}, {"address": "127.0.20.2"}],
                 "proxy_itr": ["2001:db8::30", "127.0.30.1"], "proxy_etr": True},
        "instances": [{"instance_id": 4100, "ipv6": {"eid_table": "RED", "map_cache": [{"prefix": "::/0", "action": "native-forward"}]}}],
    }
    assert cli_codec.render("xtr", config) == [
        "router lisp",
        "locator-set DUAL",
        "IPv4-interface Loopback0 priority 1 weight 50",
        "IPv6-interface Loopback0 priority 1 weight 50",
        "exit-locator-set",
        "service ipv4",
        "etr map-server 127.0.10.1 key 7 0822455D0A16 hash-function sha2",
        "etr map-server 127.0.10.1 proxy-reply",
        "use-petr 127.0.20.1 priority 1 weight 100",
        "use-petr 127.0.20.2",
        "proxy-itr 127.0.30.1 2001:db8::30",
        "proxy-etr",
        "exit-service-ipv4",
        "instance-id 4100",
        "service ipv6",
        "eid-table vrf RED",
        "map-cache ::/0 native-forward",
        "exit-service-ipv6",
        "exit-instance-id",
        "exit-router-lisp",
    ]
    assert cli_codec.parse("xtr", cli_codec.running_config("xtr", config)) == model.canonical("xtr", config)
    sites = [{"name": "S", "eid_records": [{"prefix": "10.7.0.0/16", "instance_id": 7, "accept_more_specifics": True},
                                           {"prefix": "2001:db8::/32"}], "allowed_locators": ["::1", "127.0.0.1"]}]
    assert cli_codec.render("sites", sites) == [
        "router lisp", "site S",
        "eid-record 2001:db8::/32", "eid-record instance-id 7 10.7.0.0/16 accept-more-specifics",
        "allowed-locator 127.0.0.1", "allowed-locator ::1",
        "exit-site", "exit-router-lisp"]


def test_render_refuses_invalid_config():
    with pytest.raises(ValidationError) as info:
        cli_codec.render("xtr", {"locator_sets": [{"name": "R", "locators": [{"address": "127.0.1.1", "priority": 300, "weight": 1}]}]})
    assert info.value.path == "config.locator_sets[0].locators[0].priority"


@pytest.mark.parametrize("resource, state, have, want, expected", [case[1:] for case in STATE_CASES], ids=[case[0] for case in STATE_CASES])
def test_every_state(resource, state, have, want, expected):
    before = cli_codec.parse(resource, cli_codec.running_config(resource, have))
    after = states.compute_after(resource, state, before, model.normalize(resource, want))
    assert after == model.canonical(resource, expected)
    commands = cli_codec.diff_commands(resource, before, after)
    if before == after:
        assert commands == []
    else:
        assert commands[0] == "router lisp" and commands[-1] == "exit-router-lisp"
        assert "router lisp" not in commands[1:]
        assert "no service ipv4" not in commands and "no service ipv6" not in commands[:2]
        # every sub-mode entered is left again
        opened = [line for line in commands if line.split()[0] in ("locator-set", "service", "instance-id", "site")]
        exits = [line for line in commands if line.startswith("exit-")]
        assert len(exits) == len(opened) + 1
    # the second run: nothing to send
    assert cli_codec.diff_commands(resource, after, after) == []
    again = states.compute_after(resource, state, after, model.normalize(resource, want))
    assert cli_codec.diff_commands(resource, after, again) == []


def _commands(case_id):
    case = {case[0]: case for case in STATE_CASES}[case_id]
    _id, resource, state, have, want, _expected = case
    after = states.compute_after(resource, state, have, model.normalize(resource, want))
    return cli_codec.diff_commands(resource, have, after)


@pytest.mark.parametrize("case_id, commands", [
    ("ms-merged-off", ["service ipv4", "no map-resolver", "exit-service-ipv4"]),
    ("ms-deleted-all", ["service ipv4", "no map-server", "no map-resolver", "exit-service-ipv4",
                        "service ipv6", "no map-server", "exit-service-ipv6"]),
    ("sites-merged", ["site SITE2", "description Branch two", "eid-record 192.168.22.0/24", "exit-site",
                      "site SITE3", "authentication-key 0 K3", "eid-record instance-id 3 10.3.0.0/16", "exit-site"]),
    ("sites-merged-key-type", ["site SITE1", "authentication-key 7 0822455D0A16", "exit-site"]),
    ("sites-merged-ams-off", ["site SITE1", "no eid-record 192.168.1.0/24", "eid-record 192.168.1.0/24",
                              "allowed-locator 127.0.1.1", "exit-site"]),
    ("sites-replaced", ["site SITE2", "no description", "authentication-key 0 NEW-KEY", "no eid-record 192.168.2.0/24",
                        "eid-record 192.168.2.0/24", "exit-site"]),
    ("sites-overridden", ["site SITE3", "authentication-key 0 K3", "eid-record instance-id 3 10.3.0.0/16", "exit-site",
                          "no site SITE1", "no site SITE2"]),
    ("sites-deleted-records", ["site SITE2", "no eid-record 192.168.2.0/24", "exit-site"]),
    ("xtr-merged", ["locator-set RLOCS", "127.0.1.2 priority 20 weight 50", "exit-locator-set",
                    "service ipv4", "itr map-resolver 127.0.10.2", "exit-service-ipv4",
                    "instance-id 0", "service ipv4", "no map-cache 0.0.0.0/0 map-request", "map-cache 0.0.0.0/0 native-forward",
                    "exit-service-ipv4", "exit-instance-id"]),
    ("xtr-merged-off", ["service ipv4", "no etr", "exit-service-ipv4"]),
    ("xtr-merged-key", ["service ipv4", "etr map-server 127.0.10.1 key 6 NEWKEY hash-function sha2", "exit-service-ipv4"]),
    ("xtr-merged-proxy-reply", ["service ipv4", "etr map-server 127.0.10.1 proxy-reply", "exit-service-ipv4"]),
    ("xtr-merged-eid-table", ["instance-id 0", "service ipv4", "no eid-table default", "eid-table vrf BLUE",
                              "exit-service-ipv4", "exit-instance-id"]),
    ("xtr-replaced-service", ["service ipv4", "no etr map-server 127.0.10.1 key", "no etr", "itr map-resolver 127.0.10.2",
                              "no itr map-resolver 127.0.10.1", "exit-service-ipv4"]),
    ("xtr-replaced-locator-weight", ["locator-set RLOCS", "127.0.1.1 priority 10 weight 100", "exit-locator-set"]),
    ("xtr-replaced-locator-set", ["locator-set RLOCS", "no 127.0.1.1 priority 10 weight 50",
                                  "IPv4-interface Loopback0 priority 1 weight 100", "exit-locator-set"]),
    ("xtr-overridden-new-set", ["locator-set NEW", "127.0.1.1 priority 1 weight 1", "exit-locator-set",
                                "instance-id 0", "service ipv4", "no database-mapping 192.168.1.0/24 locator-set RLOCS",
                                "database-mapping 192.168.1.0/24 locator-set NEW", "exit-service-ipv4", "exit-instance-id",
                                "no locator-set RLOCS"]),
    ("xtr-deleted-instance", ["no instance-id 0"]),
    ("xtr-merged-rloc-probing", ["loc-reach-algorithm rloc-probing"]),
    ("xtr-merged-rloc-probing-off", ["no loc-reach-algorithm rloc-probing"]),
    ("xtr-deleted-rloc-probing", ["no loc-reach-algorithm rloc-probing"]),
    ("xtr-deleted-map-cache", ["instance-id 0", "service ipv4", "no map-cache 0.0.0.0/0 map-request", "exit-service-ipv4",
                               "exit-instance-id"]),
    # the locator-set goes after the instance whose database-mapping names it (a device refuses the other order)
    ("xtr-deleted-all", ["service ipv4", "no itr map-resolver 127.0.10.1", "no itr",
                         "no etr map-server 127.0.10.1 key", "no etr", "exit-service-ipv4", "no instance-id 0", "no locator-set RLOCS"]),
])
def test_exact_commands(case_id, commands):
    got = _commands(case_id)
    assert got[0] == "router lisp" and got[-1] == "exit-router-lisp"
    assert sorted(got[1:-1]) == sorted(commands)
    assert got[1:-1] == commands or case_id == "xtr-replaced-service"
    if case_id == "xtr-replaced-service":  # removals first, then additions
        assert got.index("no etr") < got.index("itr map-resolver 127.0.10.2")


def test_overridden_removes_the_old_locator_set_last():
    got = _commands("xtr-overridden-new-set")
    assert got.index("locator-set NEW") < got.index("database-mapping 192.168.1.0/24 locator-set NEW") < got.index("no locator-set RLOCS")


def test_xtr_changes_leave_the_map_server_lines_alone():
    text = MR_MS_RUNNING.replace("  map-resolver\n", "  map-resolver\n  itr map-resolver 127.0.10.1\n  itr\n")
    before = cli_codec.parse("xtr", text)
    assert before == {"ipv4": {"itr": {"enabled": True, "map_resolvers": ["127.0.10.1"]}}}
    commands = cli_codec.diff_commands("xtr", before, states.compute_after("xtr", "deleted", before, None))
    assert commands == ["router lisp", "service ipv4", "no itr map-resolver 127.0.10.1", "no itr", "exit-service-ipv4", "exit-router-lisp"]
    assert cli_codec.parse("mapping_system", text) == MR_MS_MAPPING_SYSTEM


def test_parse_tolerates_what_it_does_not_model():
    text = """\
router lisp
 locator-table default
 locator-scope SCOPE
  rloc-prefix 127.0.0.0/8
  exit-locator-scope
 !
 locator-set RLOCS
  auto-discover-rlocs
  IPv4-interface Loopback0 priority 10 weight 50
  exit-locator-set
 !
 service ipv4
  encapsulation vxlan
  map-cache-limit 1000
  etr map-server 127.0.10.1 key 6 AbCdEf hash-function sha1
  etr map-server 127.0.10.9 domain-id 7
  map-request-source 127.0.1.1
  exit-service-ipv4
 !
 instance-id 4100
  remote-rloc-probe on-route-change
  dynamic-eid DYN
   database-mapping 10.0.0.0/8 locator-set DYNSET
   exit-dynamic-eid
  !
  service ipv4
   eid-table vrf RED
   map-cache 10.0.0.0/8 10.1.1.1 priority 1 weight 1
   route-import database static
   database-mapping 192.168.1.0/24 locator-set RLOCS
   exit-service-ipv4
  !
  service ethernet
   eid-table vlan 10
   exit-service-ethernet
  !
  exit-instance-id
 !
 site S
  allowed-locator list LOCS
  eid-record instance-id 4100 192.168.0.0/16 accept-more-specifics route-tag 7
  exit
 !
 exit-router-lisp
!
interface Loopback0
 ip address 127.0.1.1 255.255.255.255
"""
    assert cli_codec.parse("xtr", text) == {
        "locator_sets": [{"name": "RLOCS", "locators": [{"interface": "Loopback0", "family": "ipv4", "priority": 10, "weight": 50}]}],
        "ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "AbCdEf", "key_type": 6, "hash_function": "sha1"}]}},
        "instances": [{"instance_id": 4100, "ipv4": {"eid_table": "vrf RED", "database_mappings": [
            {"prefix": "192.168.1.0/24", "locator_set": "RLOCS"}]}}],
    }
    assert cli_codec.parse("sites", text) == [{"name": "S", "eid_records": [
        {"instance_id": 4100, "prefix": "192.168.0.0/16", "accept_more_specifics": True}]}]


def test_parse_flat_commands_with_plain_exit():
    text = "\n".join([
        "router lisp", "site S", "description two  words", "exit", "locator-set R", "127.0.1.1 priority 1 weight 2", "exit",
        "instance-id 3", "service ipv6", "map-cache ::/0 drop", "exit", "exit", "service ipv4", "itr", "exit", "exit"])
    assert cli_codec.parse("sites", text) == [{"name": "S", "description": "two  words"}]
    assert cli_codec.parse("xtr", text) == {
        "locator_sets": [{"name": "R", "locators": [{"address": "127.0.1.1", "priority": 1, "weight": 2}]}],
        "ipv4": {"itr": {"enabled": True}},
        "instances": [{"instance_id": 3, "ipv6": {"map_cache": [{"prefix": "::/0", "action": "drop"}]}}],
    }


def test_parse_flat_commands_without_exits():
    # IOS leaves a sub-mode by itself when a line belongs to the enclosing mode
    text = "router lisp\nsite A\nauthentication-key 0 KA\nsite B\nlocator-set R\n127.0.1.1 priority 1 weight 2\nservice ipv4\nmap-server\n"
    assert cli_codec.parse("sites", text) == [{"name": "A", "authentication_key": "KA", "key_type": 0}, {"name": "B"}]
    assert cli_codec.parse("mapping_system", text) == {"ipv4": {"map_server": True}}


def test_parse_old_flat_style():
    text = """\
router lisp
 database-mapping 192.168.1.0/24 127.0.1.1 priority 1 weight 50
 ipv4 itr map-resolver 127.0.10.1
 ipv4 itr
 ipv4 etr map-server 127.0.10.1 key SITE1-KEY
 ipv4 etr
 site SITE2
  authentication-key SITE2-KEY
  eid-prefix 192.168.2.0/24
 ipv4 map-server
 ipv4 map-resolver
"""
    assert cli_codec.parse("xtr", text) == {"ipv4": {
        "itr": {"enabled": True, "map_resolvers": ["127.0.10.1"]},
        "etr": {"enabled": True, "map_servers": [{"address": "127.0.10.1", "key": "SITE1-KEY", "key_type": 0}]}}}
    assert cli_codec.parse("sites", text) == [{"name": "SITE2", "authentication_key": "SITE2-KEY", "key_type": 0,
                                               "eid_records": [{"instance_id": 0, "prefix": "192.168.2.0/24"}]}]
    assert cli_codec.parse("mapping_system", text) == MR_MS_MAPPING_SYSTEM


def test_parse_rejects_what_ios_would_not_hold():
    with pytest.raises(ValidationError) as info:
        cli_codec.parse("xtr", "router lisp\n locator-set R\n  127.0.1.1 priority 1 weight 200\n")
    assert info.value.path == "config.locator_sets[0].locators[0].weight"


def test_mask_commands():
    lines = cli_codec.render("xtr", SITE1) + cli_codec.render("sites", [{"name": "S", "authentication_key": "0822455D0A16", "key_type": 7}])
    masked = cli_codec.mask_commands(lines)
    assert "etr map-server 127.0.10.1 key 0 %s" % MASK in masked
    assert "authentication-key 7 %s" % MASK in masked
    assert not any("SITE1-KEY" in line or "0822455D0A16" in line for line in masked)
    assert cli_codec.mask_commands(["  etr map-server 1.1.1.1 key 6 ABC hash-function sha2", "authentication-key PLAIN",
                                    "no etr map-server 1.1.1.1 key", "no authentication-key", "itr"]) == [
        "  etr map-server 1.1.1.1 key 6 %s hash-function sha2" % MASK, "authentication-key %s" % MASK,
        "no etr map-server 1.1.1.1 key", "no authentication-key", "itr"]
    assert lines == cli_codec.render("xtr", SITE1) + cli_codec.render("sites", [{"name": "S", "authentication_key": "0822455D0A16",
                                                                                 "key_type": 7}])

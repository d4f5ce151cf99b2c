"""The IOS-XE CLI view of the config tree: parse_config, render_running_config, render_section and
the interactive CliConfigSession (every line, its no form, modes, errors with line and column)."""

import time

import pytest

from lispxtr.config import (
    CliConfigSession,
    ConfigError,
    EidRecordCfg,
    LocatorEntry,
    RouterConfig,
    User,
    parse_config,
    redact,
    render_running_config,
    render_section,
    validate_tree,
)
from lispxtr.config import secrets

ADMIN_SECRET = "$9$LispnetLabSalt$46BygF7d67s02hhSfFBSpOD8UZuBk24cyNTZxlOwiqw"  # scrypt of 'lab-admin'
ENABLE_SECRET = "$9$LispnetEnSalt1$o7.L7336.zHBpz07R/d2Aew2zEAfrkc/sZfR6r9TmGQ"  # scrypt of 'lab-enable'

# The three routers of the write-up lab (shared/design/ARCHITECTURE.md, "The default lab"), in the
# exact form IOS-XE 17 prints them (without the two header lines of show running-config).
MR_MS = """!
version 17.9
!
hostname MR_MS
!
enable secret 9 %(enable)s
!
username admin privilege 15 secret 9 %(admin)s
!
router lisp
 service ipv4
  map-server
  map-resolver
  exit-service-ipv4
 !
 site SITE1
  description SITE1 branch
  authentication-key 0 SITE1-KEY
  eid-record 192.168.1.0/24 accept-more-specifics
  exit-site
 !
 site SITE2
  description SITE2 branch
  authentication-key 0 SITE2-KEY
  eid-record 192.168.2.0/24 accept-more-specifics
  exit-site
 !
 exit-router-lisp
!
end
""" % {"enable": ENABLE_SECRET, "admin": ADMIN_SECRET}

XTR = """!
version 17.9
!
hostname %(name)s
!
enable secret 9 %(enable)s
!
username admin privilege 15 secret 9 %(admin)s
!
router lisp
 locator-set RLOCS
  %(rloc)s priority 10 weight 50
  exit-locator-set
 !
 service ipv4
  itr map-resolver 127.0.10.1
  itr
  etr map-server 127.0.10.1 key 0 %(name)s-KEY
  etr
  exit-service-ipv4
 !
 instance-id 0
  service ipv4
   eid-table default
   database-mapping %(eid)s locator-set RLOCS
   map-cache 0.0.0.0/0 map-request
   exit-service-ipv4
  !
  exit-instance-id
 !
 exit-router-lisp
!
end
"""
SITE1 = XTR % {"name": "SITE1", "rloc": "127.0.1.1", "eid": "192.168.1.0/24", "enable": ENABLE_SECRET, "admin": ADMIN_SECRET}
SITE2 = XTR % {"name": "SITE2", "rloc": "127.0.2.1", "eid": "192.168.2.0/24", "enable": ENABLE_SECRET, "admin": ADMIN_SECRET}

# Every line kind the grammar has, once, in canonical form.
FULL = """!
version 17.9
!
hostname PxTR-1.lab
!
username oper password 7 05382F3B041D03223C3C
username viewer password 0 view-only
!
router lisp
 locator-set RLOCS
  IPv4-interface Loopback0 priority 1 weight 100
  IPv6-interface Loopback0 priority 2 weight 0
  127.0.1.1 priority 10 weight 50
  2001:DB8::1 priority 255 weight 0
  exit-locator-set
 !
 locator-set EMPTY
  exit-locator-set
 !
 service ipv4
  itr map-resolver 127.0.10.1
  itr map-resolver 2001:DB8::10
  itr
  etr map-server 127.0.10.1 key 7 05382F3B041D03223C3C hash-function sha2
  etr map-server 127.0.10.1 proxy-reply
  etr map-server 127.0.10.2 proxy-reply
  etr map-server 127.0.10.3 key 6 AES-ENCRYPTED-KEY
  etr
  use-petr 127.0.20.1
  use-petr 127.0.20.2 priority 1 weight 100
  proxy-etr
  proxy-itr 127.0.1.1 2001:DB8::1
  map-server
  map-resolver
  exit-service-ipv4
 !
 service ipv6
  itr
  exit-service-ipv6
 !
 instance-id 0
  service ipv4
   eid-table default
   database-mapping 192.168.1.0/24 locator-set RLOCS
   map-cache 0.0.0.0/0 map-request
   map-cache 10.0.0.0/8 native-forward
   map-cache 172.16.0.0/12 drop
   exit-service-ipv4
  !
  service ipv6
   eid-table default
   database-mapping 2001:DB8:1::/48 locator-set RLOCS
   exit-service-ipv6
  !
  exit-instance-id
 !
 instance-id 7
  exit-instance-id
 !
 instance-id 16777214
  service ipv4
   eid-table vrf BLUE
   exit-service-ipv4
  !
  exit-instance-id
 !
 loc-reach-algorithm rloc-probing
 site SITE2
  description Branch 2,  second floor
  authentication-key 7 05382F3B041D03223C3C
  eid-record 192.168.2.0/24 accept-more-specifics
  eid-record 192.168.3.0/24
  eid-record instance-id 7 2001:DB8:2::/48 accept-more-specifics
  allowed-locator 127.0.2.1
  allowed-locator 2001:DB8::2
  exit-site
 !
 site EMPTY
  exit-site
 !
 exit-router-lisp
!
end
"""


def _session(*lines, tree=None):
    session = CliConfigSession(tree or RouterConfig())
    for line in lines:
        session.feed(line)
    return session


def _lisp(*lines):
    """A tree configured by `router lisp` then lines (each mode entered explicitly by the lines)."""
    return _session("router lisp", *lines).tree


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [MR_MS, SITE1, SITE2, FULL], ids=["MR_MS", "SITE1", "SITE2", "full"])
def test_canonical_text_round_trips_identically(text):
    tree = parse_config(text)
    assert render_running_config(tree, header=False) == text
    assert parse_config(render_running_config(tree)) == tree
    validate_tree(tree)


def test_lab_trees_hold_what_the_text_says():
    site1 = parse_config(SITE1)
    assert site1.hostname == "SITE1"
    assert site1.verify_login("admin", "lab-admin").privilege == 15
    assert site1.verify_login("admin", "wrong") is None
    assert site1.verify_enable("lab-enable") and not site1.verify_enable("lab-admin")
    service = site1.lisp.services["ipv4"]
    assert service.itr and service.etr and service.map_resolvers == ["127.0.10.1"]
    assert service.map_servers["127.0.10.1"].clear_key() == "SITE1-KEY"
    assert site1.lisp.locator_sets["RLOCS"].locators == [LocatorEntry(address="127.0.1.1", priority=10, weight=50)]
    inst = site1.lisp.instances[0].services["ipv4"]
    assert inst.database_mappings == {"192.168.1.0/24": "RLOCS"}
    assert inst.map_cache == {"0.0.0.0/0": "map-request"}
    mr_ms = parse_config(MR_MS)
    assert mr_ms.lisp.services["ipv4"].map_server and mr_ms.lisp.services["ipv4"].map_resolver
    assert mr_ms.lisp.sites["SITE2"].eid_records == {(0, "192.168.2.0/24"): EidRecordCfg(True)}
    assert mr_ms.lisp.sites["SITE2"].clear_key() == "SITE2-KEY"


def test_header_counts_the_bytes_of_the_body():
    text = render_running_config(parse_config(SITE1))
    lines = text.split("\n", 3)
    assert lines[0] == "Building configuration..."
    assert lines[1] == ""
    assert lines[2] == "Current configuration : %d bytes" % len(SITE1.encode())
    assert lines[3] == SITE1


def test_saved_config_extras_are_accepted():
    text = "Building configuration...\n\nCurrent configuration : 99 bytes\n!\n! a comment\nversion 17.9\n\nhostname R1\nend\n"
    assert parse_config(text) == RouterConfig(hostname="R1")


def test_parse_ignores_indentation_and_closes_modes_implicitly():
    # IOS reads a startup-config line by line; a line a sub-mode does not know goes to the enclosing mode.
    text = "router lisp\nsite A\neid-record 10.0.0.0/8\nsite B\nauthentication-key K\nlocator-set L\n10.1.1.1 priority 1 weight 1\nhostname X\n"
    tree = parse_config(text)
    assert tree.hostname == "X"
    assert set(tree.lisp.sites) == {"A", "B"} and tree.lisp.sites["B"].auth_key == "K"
    assert tree.lisp.locator_sets["L"].locators[0].address == "10.1.1.1"


def test_render_section_router_lisp():
    tree = parse_config(SITE1)
    section = render_section(tree, "router lisp")
    start = SITE1.index("router lisp")
    end = SITE1.index(" exit-router-lisp\n") + len(" exit-router-lisp\n")
    assert section == SITE1[start:end]
    assert render_section(tree, "^hostname") == "hostname SITE1\n"
    assert render_section(tree, "site SITE9") == ""
    assert render_section(RouterConfig(), "router lisp") == ""
    sites = render_section(parse_config(MR_MS), "site SITE2")
    assert sites == " site SITE2\n  description SITE2 branch\n  authentication-key 0 SITE2-KEY\n" \
                    "  eid-record 192.168.2.0/24 accept-more-specifics\n  exit-site\n"


# ---------------------------------------------------------------------------------------------
# the interactive session: modes, exits, fall-through, atomicity
# ---------------------------------------------------------------------------------------------


def test_modes_and_exits():
    session = CliConfigSession(RouterConfig())
    steps = [
        ("router lisp", "config-router-lisp"),
        ("locator-set RLOCS", "config-router-lisp-locator-set"),
        ("exit-locator-set", "config-router-lisp"),
        ("service ipv4", "config-router-lisp-serv-ipv4"),
        ("exit-service-ipv4", "config-router-lisp"),
        ("service ipv6", "config-router-lisp-serv-ipv6"),
        ("exit", "config-router-lisp"),
        ("instance-id 3", "config-router-lisp-inst"),
        ("service ipv4", "config-router-lisp-inst-serv-ipv4"),
        ("exit-service-ipv4", "config-router-lisp-inst"),
        ("service ipv6", "config-router-lisp-inst-serv-ipv6"),
        ("exit", "config-router-lisp-inst"),
        ("exit-instance-id", "config-router-lisp"),
        ("site S", "config-router-lisp-site"),
        ("exit-site", "config-router-lisp"),
        ("exit-router-lisp", "config"),
    ]
    for line, mode in steps:
        assert session.feed(line) is True, line
        assert session.mode == mode, line
    assert session.feed("exit") is False


@pytest.mark.parametrize("path", [
    ["router lisp"], ["router lisp", "locator-set L"], ["router lisp", "service ipv4"], ["router lisp", "instance-id 1"],
    ["router lisp", "instance-id 1", "service ipv6"], ["router lisp", "site S"], [],
])
def test_end_leaves_configuration_mode_from_every_mode(path):
    session = _session(*path)
    assert session.feed("end") is False
    assert session.mode == "config"


def test_a_line_of_an_enclosing_mode_moves_there():
    session = _session("router lisp", "site SITE2", "description two")
    assert session.feed("site SITE3") and session.mode == "config-router-lisp-site" and session.context == "SITE3"
    assert session.feed("instance-id 4") and session.mode == "config-router-lisp-inst"
    assert session.feed("hostname R9") and session.mode == "config"
    assert set(session.tree.lisp.sites) == {"SITE2", "SITE3"} and 4 in session.tree.lisp.instances
    session = _session("router lisp", "site SITE2")
    assert session.feed("no site SITE2") and session.mode == "config-router-lisp"
    assert session.tree.lisp.sites == {}


def test_exit_keyword_of_another_mode_is_refused():
    session = _session("router lisp", "service ipv4")
    with pytest.raises(ConfigError) as info:
        session.feed("  exit-service-ipv6")
    assert info.value.column == 2
    assert session.mode == "config-router-lisp-serv-ipv4"


def test_session_works_on_a_copy():
    original = parse_config(SITE1)
    before = render_running_config(original)
    session = CliConfigSession(original)
    session.feed("router lisp")
    session.feed("no service ipv4")
    assert "ipv4" not in session.tree.lisp.services
    assert render_running_config(original) == before


def test_session_survives_its_tree_being_replaced():
    session = _session("router lisp", "site SITE2", "description two")
    replaced = session.tree.copy()
    del replaced.lisp.sites["SITE2"]
    session.tree = replaced  # what the CLI server does when NETCONF changed running meanwhile
    with pytest.raises(ConfigError):
        session.feed("description three")  # the site is gone: this is router lisp mode again
    assert session.mode == "config-router-lisp"
    session.tree = RouterConfig()
    assert session.feed("hostname R2") and session.mode == "config" and session.tree.hostname == "R2"
    session = _session("router lisp", "instance-id 4", "service ipv6")
    session.tree = session.tree.copy()
    del session.tree.lisp.instances[4].services["ipv6"]
    assert session.feed("service ipv4") and session.mode == "config-router-lisp-inst-serv-ipv4"


def test_a_bad_line_changes_nothing():
    session = _session("router lisp", "locator-set L", "10.0.0.1 priority 1 weight 1")
    snapshot = session.tree.copy()
    for line in ("10.0.0.1 priority 1 weight 101", "10.0.0.2 priority 1", "bogus", "no 10.0.0.1 extra words here"):
        with pytest.raises(ConfigError):
            session.feed(line)
        assert session.tree == snapshot
        assert session.mode == "config-router-lisp-locator-set"


def test_abbreviated_keywords():
    session = _session("rou li", "loca RLOCS", "ipv4-int Lo0 pri 1 wei 2", "exit", "ser ipv4", "it map-r 10.0.0.9", "it",
                       "et map-s 10.0.0.9 k 0 K has sha1", "exit", "inst 0", "ser ipv4", "eid-t def", "data 10.1.0.0/16 loc RLOCS",
                       "map-c 0.0.0.0/0 map-r", "exit", "exit", "si S", "auth K", "eid-r 10.1.0.0/16 acc", "END")
    lisp = session.tree.lisp
    assert lisp.locator_sets["RLOCS"].locators == [LocatorEntry(interface="Loopback0", priority=1, weight=2)]
    assert lisp.services["ipv4"].map_servers["10.0.0.9"].hash_function == "sha1"
    assert lisp.instances[0].services["ipv4"].map_cache == {"0.0.0.0/0": "map-request"}
    assert lisp.sites["S"].eid_records[(0, "10.1.0.0/16")].accept_more_specifics
    assert session.mode == "config"


def test_ambiguous_abbreviation():
    with pytest.raises(ConfigError) as info:
        _session("e")
    assert info.value.message.startswith("% Ambiguous command:")
    assert info.value.column == 0
    with pytest.raises(ConfigError) as info:
        _session("router lisp", "service ipv4", "map- ")
    assert "map-server" in info.value.message and "map-resolver" in info.value.message


# ---------------------------------------------------------------------------------------------
# every line and its no form
# ---------------------------------------------------------------------------------------------

NO_FORMS = [
    # (lines to configure, the no line, check on the resulting tree)
    (["hostname R7"], "no hostname", lambda t: t.hostname == "Router"),
    (["username u privilege 3 password 0 p"], "no username u", lambda t: t.users == {}),
    (["enable secret 0 s"], "no enable secret", lambda t: t.enable_secret is None),
    (["router lisp"], "no router lisp", lambda t: t.lisp is None),
    (["router lisp", "locator-set L"], "no locator-set L", lambda t: t.lisp.locator_sets == {}),
    (["router lisp", "locator-set L", "IPv4-interface Lo0 priority 1 weight 1", "IPv6-interface Lo0 priority 1 weight 1"],
     "no IPv4-interface Lo0", lambda t: [e.family for e in t.lisp.locator_sets["L"].locators] == ["ipv6"]),
    (["router lisp", "locator-set L", "IPv6-interface Lo0 priority 1 weight 1"], "no IPv6-interface Lo0 priority 1 weight 1",
     lambda t: t.lisp.locator_sets["L"].locators == []),
    (["router lisp", "locator-set L", "10.0.0.1 priority 1 weight 1", "10.0.0.2 priority 1 weight 1"], "no 10.0.0.1",
     lambda t: [e.address for e in t.lisp.locator_sets["L"].locators] == ["10.0.0.2"]),
    (["router lisp", "locator-set L", "2001:db8::1 priority 1 weight 1"], "no 2001:DB8::1",
     lambda t: t.lisp.locator_sets["L"].locators == []),
    (["router lisp", "service ipv4"], "no service ipv4", lambda t: t.lisp.services == {}),
    (["router lisp", "service ipv4", "itr map-resolver 10.0.0.1", "itr map-resolver 10.0.0.2"], "no itr map-resolver 10.0.0.1",
     lambda t: t.lisp.services["ipv4"].map_resolvers == ["10.0.0.2"]),
    (["router lisp", "service ipv4", "itr"], "no itr", lambda t: not t.lisp.services["ipv4"].itr),
    (["router lisp", "service ipv4", "etr"], "no etr", lambda t: not t.lisp.services["ipv4"].etr),
    (["router lisp", "service ipv4", "etr map-server 10.0.0.1 key 0 K", "etr map-server 10.0.0.1 proxy-reply"],
     "no etr map-server 10.0.0.1", lambda t: t.lisp.services["ipv4"].map_servers == {}),
    (["router lisp", "service ipv4", "etr map-server 10.0.0.1 key 0 K hash-function sha2", "etr map-server 10.0.0.1 proxy-reply"],
     "no etr map-server 10.0.0.1 key", lambda t: (t.lisp.services["ipv4"].map_servers["10.0.0.1"].key,
                                                  t.lisp.services["ipv4"].map_servers["10.0.0.1"].proxy_reply) == (None, True)),
    (["router lisp", "service ipv4", "etr map-server 10.0.0.1 key 0 K"], "no etr map-server 10.0.0.1 key 0 K",
     lambda t: t.lisp.services["ipv4"].map_servers == {}),
    (["router lisp", "service ipv4", "etr map-server 10.0.0.1 key 0 K", "etr map-server 10.0.0.1 proxy-reply"],
     "no etr map-server 10.0.0.1 proxy-reply", lambda t: not t.lisp.services["ipv4"].map_servers["10.0.0.1"].proxy_reply),
    (["router lisp", "service ipv4", "use-petr 10.0.0.5 priority 1 weight 2"], "no use-petr 10.0.0.5",
     lambda t: t.lisp.services["ipv4"].use_petr == {}),
    (["router lisp", "service ipv4", "proxy-etr"], "no proxy-etr", lambda t: not t.lisp.services["ipv4"].proxy_etr),
    (["router lisp", "service ipv4", "proxy-itr 10.0.0.1 2001:db8::1"], "no proxy-itr", lambda t: t.lisp.services["ipv4"].proxy_itr == []),
    (["router lisp", "service ipv4", "map-server"], "no map-server", lambda t: not t.lisp.services["ipv4"].map_server),
    (["router lisp", "service ipv6", "map-resolver"], "no map-resolver", lambda t: not t.lisp.services["ipv6"].map_resolver),
    (["router lisp", "instance-id 9"], "no instance-id 9", lambda t: t.lisp.instances == {}),
    (["router lisp", "instance-id 9", "service ipv4"], "no service ipv4", lambda t: t.lisp.instances[9].services == {}),
    (["router lisp", "instance-id 9", "service ipv4", "eid-table vrf RED"], "no eid-table vrf RED",
     lambda t: t.lisp.instances[9].services["ipv4"].eid_table == "default"),
    (["router lisp", "locator-set L", "exit", "instance-id 9", "service ipv4", "database-mapping 10.9.0.0/16 locator-set L"],
     "no database-mapping 10.9.0.0/16 locator-set L", lambda t: t.lisp.instances[9].services["ipv4"].database_mappings == {}),
    (["router lisp", "instance-id 9", "service ipv6", "map-cache ::/0 map-request"], "no map-cache ::/0",
     lambda t: t.lisp.instances[9].services["ipv6"].map_cache == {}),
    (["router lisp", "site S"], "no site S", lambda t: t.lisp.sites == {}),
    (["router lisp", "site S", "description d e f"], "no description", lambda t: t.lisp.sites["S"].description is None),
    (["router lisp", "site S", "authentication-key 7 05382F3B041D03223C3C"], "no authentication-key",
     lambda t: (t.lisp.sites["S"].auth_key, t.lisp.sites["S"].key_type) == (None, 0)),
    (["router lisp", "site S", "eid-record 10.0.0.0/8", "eid-record instance-id 4 10.0.0.0/8"], "no eid-record 10.0.0.0/8",
     lambda t: list(t.lisp.sites["S"].eid_records) == [(4, "10.0.0.0/8")]),
    (["router lisp", "site S", "eid-record instance-id 4 10.0.0.0/8"], "no eid-record instance-id 4 10.0.0.0/8",
     lambda t: t.lisp.sites["S"].eid_records == {}),
    (["router lisp", "site S", "eid-record 10.0.0.0/8 accept-more-specifics"], "no eid-record 10.0.0.0/8 accept-more-specifics",
     lambda t: t.lisp.sites["S"].eid_records == {(0, "10.0.0.0/8"): EidRecordCfg(False)}),
    (["router lisp", "site S", "allowed-locator 10.0.0.1", "allowed-locator 2001:db8::1"], "no allowed-locator 10.0.0.1",
     lambda t: t.lisp.sites["S"].allowed_locators == ["2001:DB8::1"]),
    (["router lisp", "site S", "allowed-locator 10.0.0.1", "allowed-locator 2001:db8::1"], "no allowed-locator",
     lambda t: t.lisp.sites["S"].allowed_locators == []),
]


@pytest.mark.parametrize("lines,no_line,check", NO_FORMS, ids=[n for _unused, n, _unused in NO_FORMS])
def test_no_form_removes_the_line(lines, no_line, check):
    session = _session(*lines)
    configured = render_running_config(session.tree)
    session.feed(no_line)
    assert check(session.tree)
    assert render_running_config(session.tree) != configured
    # no of something that is not there is accepted and changes nothing (as on IOS)
    again = render_running_config(session.tree)
    session.feed(no_line)
    assert render_running_config(session.tree) == again


def test_no_locator_set_in_use_is_refused():
    session = _session("router lisp", "locator-set L", "exit", "instance-id 0", "service ipv4",
                       "database-mapping 10.0.0.0/8 locator-set L", "exit", "exit")
    with pytest.raises(ConfigError) as info:
        session.feed(" no locator-set L")
    assert "in use" in info.value.message and info.value.column == len(" no locator-set ")
    assert "L" in session.tree.lisp.locator_sets


def test_reentering_a_line_updates_it():
    tree = _lisp("locator-set L", "10.0.0.1 priority 1 weight 1", "10.0.0.1 priority 5 weight 6",
                 "exit", "site S", "eid-record 10.0.0.0/8 accept-more-specifics", "eid-record 10.0.0.0/8",
                 "allowed-locator 10.0.0.1", "allowed-locator 10.0.0.2", "authentication-key 0 A", "authentication-key 6 B",
                 "exit", "service ipv4", "use-petr 10.0.0.7", "use-petr 10.0.0.7 priority 3 weight 4",
                 "etr map-server 10.0.0.1 proxy-reply", "etr map-server 10.0.0.1 key 0 K")
    assert tree.lisp.locator_sets["L"].locators == [LocatorEntry(address="10.0.0.1", priority=5, weight=6)]
    site = tree.lisp.sites["S"]
    assert site.eid_records == {(0, "10.0.0.0/8"): EidRecordCfg(False)}
    assert site.allowed_locators == ["10.0.0.2"]
    assert (site.auth_key, site.key_type) == ("B", 6)
    assert tree.lisp.services["ipv4"].use_petr == {"10.0.0.7": (3, 4)}
    ref = tree.lisp.services["ipv4"].map_servers["10.0.0.1"]
    assert (ref.key, ref.key_type, ref.proxy_reply) == ("K", 0, True)


def test_interface_names_are_expanded_as_ios_does():
    tree = _lisp("locator-set L", "ipv4-interface lo0 priority 1 weight 1", "IPv6-interface Gi0/0/1 priority 1 weight 1",
                 "IPv4-interface veth1 priority 1 weight 1", "IPv4-interface Loopback7 priority 1 weight 1")
    # IPv4-interface entries first (in the order given), then IPv6-interface entries
    assert [e.interface for e in tree.lisp.locator_sets["L"].locators] == ["Loopback0", "veth1", "Loopback7", "GigabitEthernet0/0/1"]
    session = _session("router lisp", "locator-set L")
    with pytest.raises(ConfigError) as info:
        session.feed("IPv4-interface T1 priority 1 weight 1")
    assert info.value.column == len("IPv4-interface ") and "ambiguous interface type" in info.value.message


def test_description_keeps_the_rest_of_the_line():
    tree = _lisp("site S", "  description  Branch 2 - floor 3  ")
    assert tree.lisp.sites["S"].description == "Branch 2 - floor 3"


def test_values_are_stored_in_canonical_form():
    tree = _lisp("locator-set L", "2001:0db8:0:0::1 priority 1 weight 1", "exit", "instance-id 0", "service ipv6",
                 "map-cache 2001:db8:AB::/48 drop", "exit", "exit", "site S", "eid-record instance-id 0 2001:db8::/32")
    assert tree.lisp.locator_sets["L"].locators[0].address == "2001:DB8::1"
    assert tree.lisp.instances[0].services["ipv6"].map_cache == {"2001:DB8:AB::/48": "drop"}
    assert list(tree.lisp.sites["S"].eid_records) == [(0, "2001:DB8::/32")]


# ---------------------------------------------------------------------------------------------
# secrets
# ---------------------------------------------------------------------------------------------


def test_secret_is_hashed_as_type9_and_verifies():
    tree = _session("username ops privilege 15 secret 0 s3cret!", "enable secret s3cret-en", "username ro password 0 pw",
                    "username legacy password 7 05382F3B041D03223C3C", "username hashed secret 9 %s" % ADMIN_SECRET).tree
    ops = tree.users["ops"]
    assert ops.secret_type == 9 and secrets.TYPE9.match(ops.secret) and "s3cret!" not in ops.secret
    assert tree.verify_login("ops", "s3cret!") and not tree.verify_login("ops", "s3cret")
    assert tree.enable_secret_type == 9 and tree.verify_enable("s3cret-en")
    assert tree.users["ro"].secret == "pw" and tree.verify_login("ro", "pw")
    assert tree.verify_login("legacy", "SITE1-KEY")
    assert tree.verify_login("hashed", "lab-admin") and tree.users["hashed"].privilege == 1
    text = render_running_config(tree, header=False)
    assert "s3cret" not in text and "username ro password 0 pw" in text and "username hashed secret 9 %s" % ADMIN_SECRET in text


def test_type8_secret_verifies():
    stored = secrets.hash_type8("pbkdf", "abcdefghijklmn")
    tree = _session("username u secret 8 " + stored).tree
    assert tree.verify_login("u", "pbkdf") and not tree.verify_login("u", "x")


def test_tree_built_with_clear_secret_renders_stably_hashed():
    tree = RouterConfig(users={"a": User(15, "clear-pw")}, enable_secret="en")
    first = render_running_config(tree)
    assert first == render_running_config(tree.copy())
    assert "clear-pw" not in first and "secret 9 $9$" in first
    assert parse_config(first).verify_login("a", "clear-pw")


SECRET_LINES = [
    "username admin privilege 99 secret 0 TOPSECRET",
    "username admin secret 9 TOPSECRET",
    "username admin password 5 TOPSECRET",
    "enable secret 7 TOPSECRET",
    "username admin password 7 TOPSECRET extra",
]


@pytest.mark.parametrize("line", SECRET_LINES)
def test_secrets_never_appear_in_errors(line):
    with pytest.raises(ConfigError) as info:
        parse_config("hostname R\n" + line + "\n")
    error = info.value
    assert error.lineno == 2
    for text in (str(error), error.message, error.line):
        assert "TOPSECRET" not in text
    assert "********" in error.line


@pytest.mark.parametrize("line", [
    "etr map-server 10.0.0.1 key 0 TOPSECRET hash-function md5",
    "etr map-server 10.0.0.1 key 7 TOPSECRET",
    "etr map-server 10.0.0.1 key TOPSECRET sha1",
])
def test_map_server_key_never_appears_in_errors(line):
    session = _session("router lisp", "service ipv4")
    with pytest.raises(ConfigError) as info:
        session.feed(line)
    for text in (str(info.value), info.value.line):
        assert "TOPSECRET" not in text


def test_site_key_never_appears_in_errors():
    session = _session("router lisp", "site S")
    with pytest.raises(ConfigError) as info:
        session.feed("authentication-key 7 TOPSECRET")
    assert "TOPSECRET" not in str(info.value) and "TOPSECRET" not in info.value.line


# ---------------------------------------------------------------------------------------------
# errors: line, column (the IOS caret), message naming the field and value
# ---------------------------------------------------------------------------------------------

ERRORS = [
    # (text, line number, the token the caret must point at (its index in that line), words of the message)
    ("hostname R\nfoo bar\n", 2, "foo", ["Invalid input", "'foo'"]),
    ("router lisp\n locator-set R\n  1.2.3.4 priority 300 weight 50\n", 3, "300", ["priority", "'300'", "0..255"]),
    ("router lisp\n locator-set R\n  1.2.3.4 priority 3 weight 101\n", 3, "101", ["weight", "0..100"]),
    ("router lisp\n locator-set R\n  1.2.3 priority 3 weight 1\n", 3, "1.2.3", ["address", "'1.2.3'"]),
    ("router lisp\n locator-set R\n  1.2.3.4 priority 3\n", 3, None, ["Incomplete", "weight"]),
    ("router lisp\n locator-set R\n  IPv4-interface Lo0 priority x weight 1\n", 3, "x", ["priority", "'x'"]),
    ("router lisp\n instance-id 16777215\n", 2, "16777215", ["instance-id", "0..16777214"]),
    ("router lisp\n instance-id -1\n", 2, "-1", ["instance-id"]),
    ("router lisp\n locator-set R\n exit-locator-set\n instance-id 0\n  service ipv4\n   database-mapping 192.168.1.1/24 locator-set R\n",
     6, "192.168.1.1/24", ["host bits", "192.168.1.0/24"]),
    ("router lisp\n instance-id 0\n  service ipv4\n   database-mapping 192.168.1.0/24 locator-set NOPE\n", 4, "NOPE",
     ["locator-set", "'NOPE'", "not configured"]),
    ("router lisp\n instance-id 0\n  service ipv4\n   map-cache 2001:db8::/32 map-request\n", 4, "2001:db8::/32", ["IPv4 prefix"]),
    ("router lisp\n instance-id 0\n  service ipv6\n   map-cache 10.0.0.0/8 drop\n", 4, "10.0.0.0/8", ["IPv6 prefix"]),
    ("router lisp\n instance-id 0\n  service ipv4\n   map-cache 10.0.0.0/33 drop\n", 4, "10.0.0.0/33", ["out of range"]),
    ("router lisp\n instance-id 0\n  service ipv4\n   map-cache 10.0.0.0/8 forward\n", 4, "forward", ["'forward'", "native-forward"]),
    ("router lisp\n instance-id 0\n  service ipv4\n   eid-table vrf\n", 4, None, ["Incomplete", "VRF"]),
    ("router lisp\n service ipv5\n", 2, "ipv5", ["'ipv5'", "ipv4 | ipv6"]),
    ("router lisp\n instance-id 1\n  service ipv4\n   eid-table vrf RED\n exit-instance-id\n instance-id 2\n  service ipv4\n"
     "   eid-table vrf RED\n", 8, "RED", ["already bound to instance-id 1"]),
    ("router lisp\n service ipv4\n  itr map-resolver 300.1.1.1\n", 3, "300.1.1.1", ["map-resolver address"]),
    ("router lisp\n service ipv4\n  etr map-server 10.0.0.1\n", 3, None, ["Incomplete", "key | proxy-reply"]),
    ("router lisp\n service ipv4\n  etr map-server 10.0.0.1 proxy-reply now\n", 3, "now", ["unexpected 'now'"]),
    ("router lisp\n service ipv4\n  use-petr 10.0.0.1 priority 256 weight 1\n", 3, "256", ["priority"]),
    ("router lisp\n service ipv4\n  proxy-itr 10.0.0.1 10.0.0.2\n", 3, "10.0.0.2", ["IPv6"]),
    ("router lisp\n site S\n  eid-record instance-id 99999999 10.0.0.0/8\n", 3, "99999999", ["instance-id"]),
    ("router lisp\n site S\n  eid-record 10.0.0.0/8 accept-less-specifics\n", 3, "accept-less-specifics", ["accept-more-specifics"]),
    ("router lisp\n site S\n  allowed-locator any\n", 3, "any", ["Invalid input"]),
    ("router lisp\n site S\n  authentication-key 5 K\n", 3, "5", ["encryption type '5'"]),
    ("hostname 123\n", 1, "123", ["hostname", "'123'"]),
    ("hostname\n", 1, None, ["Incomplete", "hostname"]),
    ("router\n", 1, None, ["Incomplete", "lisp"]),
    ("router bgp 1\n", 1, "bgp", ["'bgp'"]),
    ("username u privilege 16 secret 0 x\n", 1, "16", ["privilege", "0..15"]),
    ("router lisp\n exit-router-lisp now\n", 2, "now", ["unexpected"]),
]


@pytest.mark.parametrize("text,lineno,token,words", ERRORS, ids=[e[0].strip().splitlines()[-1].strip() for e in ERRORS])
def test_error_names_line_column_and_value(text, lineno, token, words):
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    error = info.value
    bad_line = text.splitlines()[lineno - 1]
    assert error.lineno == lineno
    assert error.line == redact(bad_line)
    if token is None:
        assert error.column == len(bad_line.rstrip())
    else:
        expected = 0 if bad_line.startswith(token) else bad_line.index(" " + token) + 1
        assert error.column == expected
        assert bad_line[error.column:].startswith(token)
    assert str(error).startswith("line %d: %%" % lineno)
    for word in words:
        assert word in error.message, (word, error.message)
    assert error.caret() == " " * error.column + "^"


def test_interactive_error_has_no_line_number():
    session = _session("router lisp")
    with pytest.raises(ConfigError) as info:
        session.feed(" sit")
    assert info.value.lineno is None and info.value.column == 4 and str(info.value).startswith("% Incomplete")
    with pytest.raises(ConfigError) as info:
        session.feed(" sote S")
    assert info.value.lineno is None and info.value.column == 1 and str(info.value).startswith("% Invalid input")


def test_parse_error_returns_nothing_partial():
    text = SITE1.replace("  itr\n", "  itr\n  itr bogus\n")
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.lineno == SITE1.splitlines().index("  itr") + 2


def test_redact_masks_every_secret_form():
    assert redact("username a privilege 15 secret 0 S1") == "username a privilege 15 secret 0 ********"
    assert redact("username a password P2") == "username a password ********"
    assert redact(" enable secret 9 $9$x$y") == " enable secret 9 ********"
    assert redact("  etr map-server 10.0.0.1 key 7 0011 hash-function sha1") == "  etr map-server 10.0.0.1 key 7 ******** hash-function sha1"
    assert redact("  auth K3") == "  auth ********"
    assert redact("  et map-s 10.0.0.1 k 0 K4") == "  et map-s 10.0.0.1 k 0 ********"
    assert redact("  eid-record 10.0.0.0/8") == "  eid-record 10.0.0.0/8"


def test_comment_and_blank_lines_are_accepted_in_every_mode():
    session = _session("router lisp", "site S", "  !", "", "   ", "! anything at all")
    assert session.mode == "config-router-lisp-site"


# ---------------------------------------------------------------------------------------------
# scale
# ---------------------------------------------------------------------------------------------


def test_ten_thousand_sites_parse_quickly():
    lines = ["hostname MR_MS", "router lisp", " service ipv4", "  map-server", "  map-resolver", "  exit-service-ipv4", " !"]
    for i in range(10000):
        lines += [" site S%d" % i, "  authentication-key 0 KEY%d" % i,
                  "  eid-record 10.%d.%d.0/24 accept-more-specifics" % divmod(i, 256), "  exit-site", " !"]
    lines += [" exit-router-lisp", "end"]
    text = "\n".join(lines) + "\n"
    started = time.perf_counter()
    tree = parse_config(text)
    elapsed = time.perf_counter() - started
    assert len(tree.lisp.sites) == 10000
    assert tree.lisp.sites["S9999"].eid_records == {(0, "10.39.15.0/24"): EidRecordCfg(True)}
    # About 0.3 s on an idle laptop (1-2.5 s on a 2-core runner shared with other jobs); the bound
    # catches a quadratic slip (which would take minutes), not a slow machine.
    assert elapsed < 10.0

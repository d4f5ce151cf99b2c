"""No value entering the configuration may escape its line or its leaf (issue 14, hole 2).

The audit's payload was a site description with newlines that became configuration lines
(``eid-record``, ``authentication-key``) in the running configuration and, after ``write memory`` and
a restart, in the router. These tests try such values on every string leaf through both views (CLI
lines, NETCONF XML), the startup-config reader, the renderer, and property-test that render -> parse
is the identity and never adds a line. The tests through the real doors (ncclient, Netmiko, restart)
are in test_config_injection_doors.py.
"""

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st
from lxml import etree

from lispxtr import config as cfg
from lispxtr.config import secrets, values
from lispxtr.config.model import EidRecordCfg, LispConfig, LocatorEntry, LocatorSet, RouterConfig, Site

from .test_mgmt_harness import MR_MS_CONFIG, SITE1_CONFIG

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"

# Every character that str.splitlines, a terminal or an XML reader could take as the end of a line,
# plus other control characters IOS-XE refuses.
BAD_CHARS = ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x00", "\x1b", "\t",
             "\x7f", "\u200b"]
INJECTED = "  eid-record 10.66.0.0/16{0}  authentication-key 0 attacker-key"

# (CLI lines to reach the mode, the line with {v} where the value goes)
CLI_LEAVES = {
    "hostname": ([], "hostname R{v}X"),
    "username": ([], "username u{v}Qz privilege 15 secret 0 pw"),
    "user secret": ([], "username u privilege 15 secret 0 pw{v}Qz"),
    "user password": ([], "username u password 0 pw{v}Qz"),
    "enable secret": ([], "enable secret 0 pw{v}Qz"),
    "locator-set name": (["router lisp"], "locator-set LS{v}Qz"),
    "IPv4-interface": (["router lisp", "locator-set RLOCS"], "IPv4-interface Lo{v}0 priority 1 weight 1"),
    "IPv6-interface": (["router lisp", "locator-set RLOCS"], "IPv6-interface Lo{v}0 priority 1 weight 1"),
    "map-server key": (["router lisp", "service ipv4"], "etr map-server 127.0.10.1 key 0 K{v}Qz"),
    "map-server key 7": (["router lisp", "service ipv4"], "etr map-server 127.0.10.1 key 7 0822{v}455D"),
    "map-server key 6": (["router lisp", "service ipv4"], "etr map-server 127.0.10.1 key 6 AAAA{v}Qz"),
    "vrf": (["router lisp", "instance-id 7", "service ipv4"], "eid-table vrf V{v}Qz"),
    "database-mapping locator-set": (["router lisp", "instance-id 0", "service ipv4"],
                                     "database-mapping 192.168.9.0/24 locator-set RLOCS{v}Qz"),
    "site name": (["router lisp"], "site S{v}Qz"),
    "description": (["router lisp", "site SITE1"], "description evil{v}" + INJECTED),
    "authentication-key": (["router lisp", "site SITE1"], "authentication-key 0 K{v}Qz"),
    "master key": ([], "key config-key password-encrypt master{v}Qzkey"),
}


def _session(text=MR_MS_CONFIG + "router lisp\n locator-set RLOCS\n  127.0.1.1 priority 1 weight 1\n"):
    tree = cfg.parse_config(text)
    return cfg.CliConfigSession(tree)


@pytest.mark.parametrize("bad", BAD_CHARS, ids=[repr(c) for c in BAD_CHARS])
@pytest.mark.parametrize("leaf", sorted(CLI_LEAVES))
def test_cli_refuses_control_characters_in_every_value(leaf, bad):
    session = _session()
    before_tree = session.tree.copy()
    before_text = cfg.render_running_config(session.tree)
    setup, line = CLI_LEAVES[leaf]
    for step in setup:
        session.feed(step)
    mode = session.mode
    after_setup = session.tree.copy()
    typed = line.replace("{v}", bad).replace("{0}", bad)
    with pytest.raises(cfg.ConfigError) as info:
        session.feed(typed)
    error = info.value
    assert error.message.startswith("% Invalid input detected at '^' marker")
    assert error.line is not None and error.line.isprintable()  # safe to echo to a terminal
    if "key" in leaf or "secret" in leaf or "password" in leaf:
        assert "Qz" not in error.message  # nothing of a secret in the message
    assert session.tree == after_setup and session.mode == mode  # the line changed nothing
    assert before_tree == cfg.parse_config(before_text)


def test_cli_caret_points_at_the_control_character():
    session = _session()
    session.feed("router lisp")
    session.feed("site SITE1")
    with pytest.raises(cfg.ConfigError) as info:
        session.feed("description evil\u2028  eid-record 10.66.0.0/16")
    assert info.value.column == len("description evil")
    assert info.value.caret() == " " * len("description evil") + "^"


def test_startup_reader_keeps_vt_ff_nel_inside_their_line_and_refuses_it():
    # str.splitlines() would cut these lines in two and read "eid-record 10.66.0.0/16" as a command
    for bad in ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"):
        text = MR_MS_CONFIG.replace("  description Branch 1\n", "  description evil%s  eid-record 10.66.0.0/16\n" % bad)
        with pytest.raises(cfg.ConfigError) as info:
            cfg.parse_config(text)
        assert info.value.lineno == MR_MS_CONFIG.splitlines().index("  description Branch 1") + 1
        assert "control character" in info.value.message


def test_startup_reader_takes_crlf_lines():
    tree = cfg.parse_config(MR_MS_CONFIG.replace("\n", "\r\n"))
    expected = cfg.parse_config(MR_MS_CONFIG)
    assert tree.users["admin"].verify("s3cret-Admin")
    tree.users = expected.users  # secret 0 is hashed with a fresh salt each time
    assert tree == expected


def _edit(tree, body, op=None):
    attr = ' xmlns:nc="%s" nc:operation="%s"' % (NC, op) if op else ""
    xml = '<config xmlns="%s"><native xmlns="%s">%s</native></config>' % (NC, NATIVE, body.replace("<lisp>", '<lisp xmlns="%s"%s>' % (LISP, attr)))
    return cfg.apply_edit_xml(tree, etree.fromstring(xml.encode("utf-8"), cfg.safe_parser()))


def _lisp(inner):
    return "<router><lisp>%s</lisp></router>" % inner


def _xml_escape(text):
    return "".join("&#%d;" % ord(c) if not c.isprintable() or c in "<&" else c for c in text)


# (element whose text carries {v}, the body of <native>)
XML_LEAVES = {
    "hostname": "<hostname>R{v}X</hostname>",
    "name": _lisp("<locator-set><name>LS{v}x</name></locator-set>"),
    "IPv4-interface/name": _lisp("<locator-set><name>LS</name><IPv4-interface><name>Lo{v}0</name><priority-and-weight>"
                                 "<priority>1</priority><weight>1</weight></priority-and-weight></IPv4-interface></locator-set>"),
    "vrf": _lisp("<instance-container><instance-list><instance-id>7</instance-id><service><ipv4><eid-table><vrf>V{v}x</vrf>"
                 "</eid-table></ipv4></service></instance-list></instance-container>"),
    "locator-set": _lisp("<instance-container><instance-list><instance-id>0</instance-id><service><ipv4><database-mapping><eid-cont>"
                         "<eid-prefix>192.168.9.0/24</eid-prefix><locator-set-container><locator-set>RLOCS{v}x</locator-set>"
                         "</locator-set-container></eid-cont></database-mapping></ipv4></service></instance-list></instance-container>"),
    "ak-0": _lisp("<service><ipv4><etr><map-server><ip-addr>127.0.10.1</ip-addr><key><key-0><ak-0>K{v}x</ak-0></key-0></key>"
                  "</map-server></etr></ipv4></service>"),
    "unc-pwd": _lisp("<service><ipv4><etr><map-server><ip-addr>127.0.10.1</ip-addr><key><key-pwd><unc-pwd>K{v}x</unc-pwd>"
                     "</key-pwd></key></map-server></etr></ipv4></service>"),
    "ak-6": _lisp("<service><ipv4><etr><map-server><ip-addr>127.0.10.1</ip-addr><key><key-6><ak-6>K{v}x</ak-6></key-6></key>"
                  "</map-server></etr></ipv4></service>"),
    "sname": _lisp("<site><sname>S{v}x</sname></site>"),
    "description": _lisp("<site><sname>SITE1</sname><description>evil{v}" + INJECTED + "</description></site>"),
    "key-0": _lisp("<site><sname>SITE1</sname><authentication-key><key-0>K{v}x</key-0></authentication-key></site>"),
    "key-7": _lisp("<site><sname>SITE1</sname><authentication-key><key-7>0822{v}455D</key-7></authentication-key></site>"),
}


@pytest.mark.parametrize("bad", BAD_CHARS, ids=[repr(c) for c in BAD_CHARS])
@pytest.mark.parametrize("leaf", sorted(XML_LEAVES))
def test_netconf_refuses_control_characters_in_every_leaf(leaf, bad):
    tree = cfg.parse_config(MR_MS_CONFIG + "router lisp\n locator-set RLOCS\n  127.0.1.1 priority 1 weight 1\n")
    before = tree.copy()
    body = XML_LEAVES[leaf].replace("{v}", _xml_escape(bad)).replace("{0}", _xml_escape(bad))
    if bad in ("\x00", "\x1b", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"):
        # XML 1.0 cannot even carry these (not a Char of XML 1.0 §2.2: refused by the parser)
        with pytest.raises(etree.XMLSyntaxError):
            _edit(tree, body)
        assert tree == before
        return
    with pytest.raises(cfg.NetconfEditError) as info:
        _edit(tree, body)
    error = info.value
    assert error.error_tag == "invalid-value", str(error)
    assert error.error_info == {"bad-element": leaf.split("/")[-1]}
    assert tree == before
    assert "attacker-key" not in error.message or leaf == "description"
    assert "\n" not in error.message and "\u2028" not in error.message and len(error.message) < 400


def test_the_audit_payload_over_netconf_is_refused_naming_leaf_and_value():
    tree = cfg.parse_config(MR_MS_CONFIG)
    body = _lisp("<site><sname>SITE1</sname><description>evil&#10;  eid-record 10.66.0.0/16&#10;  authentication-key 0 "
                 "attacker-key</description></site>")
    with pytest.raises(cfg.NetconfEditError) as info:
        _edit(tree, body)
    error = info.value
    assert (error.error_tag, error.error_info) == ("invalid-value", {"bad-element": "description"})
    assert "invalid description 'evil\\n  eid-record 10.66.0.0/16\\n  authent'... (66 characters)" in error.message
    assert "control characters" in error.message
    assert error.error_path == '/ios:native/ios:router/lisp:lisp/lisp:site[lisp:sname="SITE1"]/lisp:description'


def test_a_100000_character_site_name_is_refused_by_both_views_with_a_short_message():
    long_name = "S" * 100000
    tree = cfg.parse_config(MR_MS_CONFIG)
    with pytest.raises(cfg.NetconfEditError) as info:
        _edit(tree, _lisp("<site><sname>%s</sname></site>" % long_name))
    assert info.value.error_tag == "invalid-value" and info.value.error_info == {"bad-element": "sname"}
    assert "at most 64 characters (got 100000)" in info.value.message
    assert len(str(info.value)) < 400
    session = cfg.CliConfigSession(tree)
    session.feed("router lisp")
    with pytest.raises(cfg.ConfigError) as info:
        session.feed("site " + long_name)
    assert "at most 64 characters (got 100000)" in info.value.message and len(info.value.message) < 300
    assert session.tree == tree


@pytest.mark.parametrize("line, ok, bad", [
    ("description {}", "d" * 200, "d" * 201),
    ("site {}", "s" * 64, "s" * 65),
    ("locator-set {}", "l" * 64, "l" * 65),
])
def test_length_bounds_in_the_cli(line, ok, bad):
    session = cfg.CliConfigSession(cfg.parse_config(MR_MS_CONFIG))
    session.feed("router lisp")
    if line.startswith("description"):
        session.feed("site SITE1")
    session.feed(line.format(ok))
    with pytest.raises(cfg.ConfigError, match="at most"):
        session.feed(line.format(bad))


def test_length_bounds_of_vrf_key_and_user():
    session = cfg.CliConfigSession(cfg.parse_config(SITE1_CONFIG))
    session.feed("username " + "u" * 64 + " secret 0 pw")
    with pytest.raises(cfg.ConfigError, match="at most 64"):
        session.feed("username " + "u" * 65 + " secret 0 pw")
    with pytest.raises(cfg.ConfigError, match="at most 128"):
        session.feed("enable secret 0 " + "p" * 129)
    for step in ("router lisp", "instance-id 7", "service ipv4"):
        session.feed(step)
    session.feed("eid-table vrf " + "v" * 32)
    with pytest.raises(cfg.ConfigError, match="at most 32"):
        session.feed("eid-table vrf " + "w" * 33)
    session.feed("exit")
    session.feed("exit")
    session.feed("service ipv4")
    session.feed("etr map-server 127.0.10.1 key 0 " + "k" * 128)
    with pytest.raises(cfg.ConfigError, match="at most 128"):
        session.feed("etr map-server 127.0.10.1 key 0 " + "k" * 129)


def test_validate_and_render_refuse_a_tree_built_with_a_newline():
    tree = cfg.parse_config(MR_MS_CONFIG)
    tree.lisp.sites["SITE1"].description = "evil\n  authentication-key 0 attacker-key"
    with pytest.raises(cfg.ConfigError, match="control characters"):
        cfg.validate_tree(tree)
    with pytest.raises(cfg.ConfigError, match="control character") as info:
        cfg.render_running_config(tree)
    assert "attacker-key" not in info.value.message
    tree.lisp.sites["SITE1"].description = "x"
    tree.lisp.sites["SITE1"].auth_key = "k\u2028ey"
    with pytest.raises(cfg.ConfigError) as info:
        cfg.validate_tree(tree)
    assert "k\u2028ey" not in info.value.message
    with pytest.raises(cfg.ConfigError):
        cfg.render_running_config(tree)


# ---------------------------------------------------------------------------------------------
# property tests: render -> parse is the identity and never adds a line
# ---------------------------------------------------------------------------------------------

def _key_ok(key):
    try:
        secrets.check_stored("key", 0, key)
    except ValueError:
        return False
    return True


def _accepted(parse):
    def check(text):
        try:
            return parse(text) == text
        except ValueError:
            return False
    return check


_ANY_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=80)
_NAMES = st.one_of(st.text(st.characters(codec="utf-8"), min_size=1, max_size=70), st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True))
_DESCRIPTIONS = st.one_of(_ANY_TEXT, st.text(st.sampled_from("ab \n\r\x0b\x85\u2028!#&<>'\""), min_size=1, max_size=210))
_KEYS = st.one_of(_NAMES, st.text(st.characters(codec="utf-8"), min_size=1, max_size=140))


_BASE = cfg.parse_config(SITE1_CONFIG)  # parsed once: its secret 0 lines cost an scrypt each


def _tree(site, description, key, locator_set, vrf, user, password):
    tree = _BASE.copy()
    tree.users[user] = cfg.User(privilege=15, secret=password, secret_type=0, keyword="password")
    lisp = tree.lisp
    lisp.locator_sets[locator_set] = LocatorSet([LocatorEntry(address="127.0.9.9", priority=1, weight=1)])
    lisp.instances[0].services["ipv4"].database_mappings["192.168.9.0/24"] = locator_set
    lisp.instances[9] = cfg.Instance({"ipv4": cfg.InstanceService(eid_table="vrf " + vrf)})
    lisp.sites[site] = Site(description=description, auth_key=key,
                            eid_records={(0, "192.168.9.0/24"): EidRecordCfg(accept_more_specifics=True)})
    return tree


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site=_NAMES, description=_DESCRIPTIONS, key=_KEYS, locator_set=_NAMES, vrf=_NAMES, user=_NAMES, password=_KEYS)
def test_render_parse_identity_and_line_count_over_every_string_leaf(site, description, key, locator_set, vrf, user, password):
    tree = _tree(site, description, key, locator_set, vrf, user, password)
    good = (_accepted(values.name)(site) and _accepted(values.description)(description) and _accepted(values.name)(locator_set)
            and _accepted(values.vrf_name)(vrf) and _accepted(values.name)(user) and _key_ok(key) and _key_ok(password))
    try:
        cfg.validate_tree(tree)
        valid = True
    except cfg.ConfigError:
        valid = False
    assert valid == good
    event("valid tree" if valid else "refused tree")
    try:
        text = cfg.render_running_config(tree, header=False)
    except cfg.ConfigError:
        assert not valid  # only a refused tree can be refused by the renderer
        return
    # whatever the values, valid or not: the text has exactly the lines of the tree, no more
    expected_lines = len(cfg.render_running_config(_tree("S", "d", "k", "LS", "V", "u", "p"), header=False).split("\n"))
    assert len(text.split("\n")) == expected_lines
    assert len(text.splitlines()) == expected_lines - 1  # splitlines finds no extra line end either
    if not valid:
        return
    assert cfg.parse_config(text) == tree
    # and the NETCONF view of the same tree reads back to it (users are not in that view)
    back = cfg.xml_to_tree(cfg.tree_to_xml(tree))
    back.users, back.enable_secret, back.enable_secret_type = tree.users, tree.enable_secret, tree.enable_secret_type
    assert back == tree


_PRINTABLE = st.characters(codec="utf-8").filter(str.isprintable)
_WORD_CHAR = _PRINTABLE.filter(lambda char: not char.isspace())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(site=st.text(_WORD_CHAR, min_size=1, max_size=64), locator_set=st.text(_WORD_CHAR, min_size=1, max_size=64),
       description=st.text(_PRINTABLE, min_size=1, max_size=200).map(str.strip).filter(bool),
       key=st.text(_WORD_CHAR, min_size=1, max_size=128), vrf=st.text(_WORD_CHAR, min_size=1, max_size=32),
       user=st.text(_WORD_CHAR, min_size=1, max_size=64), password=st.text(_WORD_CHAR, min_size=1, max_size=128))
def test_every_accepted_value_renders_and_parses_back_to_itself(site, description, key, locator_set, vrf, user, password):
    # values from the whole accepted space (any printable Unicode, up to the bounds): all valid, and
    # the CLI text and the XML view both read back to the same tree
    tree = _tree(site, description, key, locator_set, vrf, user, password)
    cfg.validate_tree(tree)
    text = cfg.render_running_config(tree)
    assert len(text.splitlines()) == len(cfg.render_running_config(_tree("S", "d", "k", "LS", "V", "u", "p")).splitlines())
    assert cfg.parse_config(text) == tree
    back = cfg.xml_to_tree(etree.fromstring(etree.tostring(cfg.tree_to_xml(tree)), cfg.safe_parser()))
    back.users, back.enable_secret, back.enable_secret_type = tree.users, tree.enable_secret, tree.enable_secret_type
    assert back == tree


@settings(max_examples=300, deadline=None)
@given(text=_DESCRIPTIONS)
def test_any_description_typed_on_the_cli_is_refused_or_stays_one_line(text):
    session = cfg.CliConfigSession(cfg.parse_config(MR_MS_CONFIG))
    session.feed("router lisp")
    session.feed("site SITE1")
    before = session.tree.copy()
    lines = cfg.render_running_config(before).count("\n")
    # the SSH CLI hands over one line: what it reads up to CR/LF
    line = "description " + text.replace("\r", "\n").split("\n")[0]
    try:
        session.feed(line)
    except cfg.ConfigError:
        assert session.tree == before
        return
    after = cfg.render_running_config(session.tree)
    assert after.count("\n") == lines
    assert cfg.parse_config(after) == session.tree
    assert sum(1 for raw in after.splitlines() if raw.lstrip().startswith("description")) == 1


@settings(max_examples=200, deadline=None)
@given(text=_DESCRIPTIONS, leaf=st.sampled_from(["description", "sname"]))
def test_any_text_in_a_netconf_leaf_is_refused_or_stays_one_line(text, leaf):
    tree = cfg.parse_config(MR_MS_CONFIG)
    lines = cfg.render_running_config(tree).count("\n")
    inner = "<sname>SITE1</sname><description>%s</description>" if leaf == "description" else "<sname>%s</sname>"
    body = _lisp("<site>%s</site>" % (inner % _xml_escape(text)))
    try:
        new = _edit(tree, body)
    except (cfg.NetconfEditError, etree.XMLSyntaxError):
        return
    after = cfg.render_running_config(new)
    assert after.count("\n") in (lines, lines + 3)  # same lines, or one new site (site, exit-site, !)
    assert cfg.parse_config(after) == new


def test_xml_view_keeps_inner_spaces_of_a_description():
    tree = cfg.parse_config(MR_MS_CONFIG)
    new = _edit(tree, _lisp("<site><sname>SITE1</sname><description>  two  spaces  </description></site>"))
    assert new.lisp.sites["SITE1"].description == "two  spaces"
    assert "  description two  spaces\n" in cfg.render_running_config(new)
    assert cfg.parse_config(cfg.render_running_config(new)) == new


def test_empty_and_minimal_startup_texts():
    assert cfg.parse_config("hostname R1\n") == RouterConfig(hostname="R1")
    assert cfg.parse_config("") == RouterConfig()
    assert LispConfig() == LispConfig()

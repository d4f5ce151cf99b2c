"""The NETCONF view of the config tree: tree_to_xml / xml_to_tree round trips, validity against Cisco's
YANG models (tests/support/yangcheck.py), and edit-config semantics (RFC 6241 §7.2) with their errors."""

import pytest
from lxml import etree

from lispxtr.config import (
    NetconfEditError,
    RouterConfig,
    apply_edit_xml,
    parse_config,
    render_running_config,
    safe_parser,
    tree_to_xml,
    validate_tree,
    xml_to_tree,
)

from .conftest import support
from .test_config_cli import FULL, MR_MS, SITE1, SITE2

NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"


SHARED, YANGCHECK = support("shared"), support("yangcheck")


@pytest.fixture(scope="module")
def yang_dir():
    return str(SHARED.require("yang", "iosxe-1791"))


def _config(inner, root_attrs=""):
    """An edit-config <config> with inner placed inside native/router/lisp."""
    text = ('<config xmlns="%s" xmlns:nc="%s"><native xmlns="%s"%s><router><lisp xmlns="%s">%s</lisp></router></native></config>'
            % (NC, NC, NATIVE, root_attrs, LISP, inner))
    return etree.fromstring(text.encode(), safe_parser())


def _native(inner):
    text = '<config xmlns="%s" xmlns:nc="%s"><native xmlns="%s">%s</native></config>' % (NC, NC, NATIVE, inner)
    return etree.fromstring(text.encode(), safe_parser())


def _without_users(tree):
    tree = tree.copy()
    tree.users = {}
    tree.enable_secret = None
    tree.enable_secret_type = 0
    return tree


LAB = {"MR_MS": MR_MS, "SITE1": SITE1, "SITE2": SITE2, "full": FULL}


# ---------------------------------------------------------------------------------------------
# round trips and validity
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LAB))
def test_tree_to_xml_to_tree_is_equal(name):
    tree = _without_users(parse_config(LAB[name]))
    back = xml_to_tree(tree_to_xml(tree))
    assert back == tree
    # and through text, as a NETCONF client would see it
    text = etree.tostring(tree_to_xml(tree))
    assert xml_to_tree(etree.fromstring(text, safe_parser())) == tree


@pytest.mark.parametrize("name", sorted(LAB))
def test_xml_validates_against_the_yang_models(name, yang_dir):
    element = tree_to_xml(parse_config(LAB[name]))
    assert YANGCHECK.validate(element, yang_dir=yang_dir) == []


def test_empty_trees_validate(yang_dir):
    assert YANGCHECK.validate(tree_to_xml(RouterConfig()), yang_dir=yang_dir) == []
    assert YANGCHECK.validate(tree_to_xml(parse_config("router lisp\n")), yang_dir=yang_dir) == []


def test_xml_shape_follows_the_model():
    element = tree_to_xml(parse_config(SITE1))
    ns = {"n": NATIVE, "l": LISP}
    assert element.tag == "{%s}native" % NATIVE
    assert element.findtext("n:hostname", namespaces=ns) == "SITE1"
    lisp = element.find("n:router/l:lisp", ns)
    assert lisp.findtext("l:locator-set[l:name='RLOCS']/l:ip-address/l:ip", namespaces=ns) == "127.0.1.1"
    assert lisp.findtext("l:locator-set/l:ip-address/l:priority-and-weight/l:weight", namespaces=ns) == "50"
    assert lisp.find("l:service/l:ipv4/l:itr-enable/l:itr", ns) is not None
    assert lisp.findtext("l:service/l:ipv4/l:etr/l:map-server/l:key/l:key-0/l:ak-0", namespaces=ns) == "SITE1-KEY"
    dbm = "l:instance-container/l:instance-list[l:instance-id='0']/l:service/l:ipv4/l:database-mapping/l:eid-cont"
    assert lisp.findtext(dbm + "/l:locator-set-container/l:locator-set", namespaces=ns) == "RLOCS"
    site = tree_to_xml(parse_config(MR_MS)).find("n:router/l:lisp/l:site[l:sname='SITE2']", ns)
    assert site.findtext("l:authentication-key/l:key-0", namespaces=ns) == "SITE2-KEY"
    assert site.find("l:eid-record/l:prefixes[l:prefix='192.168.2.0/24']/l:accept-more-specifics", ns) is not None
    assert tree_to_xml(parse_config(SITE1), with_lisp=False).find("n:router", ns) is None


def test_xml_to_tree_reads_the_other_key_forms():
    native = _native('<hostname>R</hostname><router><lisp xmlns="%s"><service><ipv4><etr><map-server><ip-addr>10.0.0.1</ip-addr>'
                     '<key><key-pwd><unc-pwd>K</unc-pwd></key-pwd></key></map-server></etr></ipv4></service>'
                     '<site><sname>S</sname><authentication-key><unc-pwd>SK</unc-pwd></authentication-key></site>'
                     '</lisp></router>' % LISP)
    tree = xml_to_tree(native)
    ref = tree.lisp.services["ipv4"].map_servers["10.0.0.1"]
    assert (ref.key, ref.key_type) == ("K", 0)
    assert (tree.lisp.sites["S"].auth_key, tree.lisp.sites["S"].key_type) == ("SK", 0)


def test_ipv6_is_lower_case_in_xml_and_upper_case_in_the_tree():
    tree = parse_config(FULL)
    text = etree.tostring(tree_to_xml(tree)).decode()
    assert "2001:db8::1" in text and "2001:DB8" not in text
    assert xml_to_tree(tree_to_xml(tree)).lisp.locator_sets["RLOCS"].locators[3].address == "2001:DB8::1"


@pytest.mark.parametrize("inner,tag,fragment", [
    ('<locator-set><name>L</name><ip-address><ip>10.0.0.1</ip></ip-address></locator-set>', "missing-element", "priority-and-weight"),
    ('<instance-container><instance-list><instance-id>0</instance-id><service><ipv4><map-cache><eid-interface>'
     '<eid-prefix>0.0.0.0/0</eid-prefix></eid-interface></map-cache></ipv4></service></instance-list></instance-container>',
     "missing-element", "action"),
    ('<site><sname>S</sname><bogus/></site>', "unknown-element", "bogus"),
    ('<site><description>no key</description></site>', "missing-element", "sname"),
    ('<locator-set><name>L</name><ip-address><ip>10.0.0.1</ip><priority-and-weight><priority>1</priority><weight>200</weight>'
     '</priority-and-weight></ip-address></locator-set>', "invalid-value", "weight"),
])
def test_xml_to_tree_refuses(inner, tag, fragment):
    with pytest.raises(NetconfEditError) as info:
        xml_to_tree(_config(inner))
    assert info.value.error_tag == tag
    assert fragment in info.value.message


def test_xml_to_tree_accepts_wrappers():
    tree = _without_users(parse_config(SITE1))
    data = etree.Element("{%s}data" % NC)
    data.append(tree_to_xml(tree))
    assert xml_to_tree(data) == tree
    assert xml_to_tree(etree.Element("{%s}config" % NC)) == RouterConfig()
    with pytest.raises(NetconfEditError) as info:
        xml_to_tree(etree.fromstring(('<data xmlns="%s"><system xmlns="urn:example:sys"/></data>' % NC).encode()))
    assert info.value.error_tag == "unknown-namespace"
    with pytest.raises(NetconfEditError) as info:
        xml_to_tree(etree.Element("{%s}router" % NATIVE))
    assert info.value.error_tag == "unknown-element"


def test_safe_parser_does_not_expand_external_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("LEAKED")
    text = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://%s">]>'
            '<native xmlns="%s"><hostname>&e;</hostname></native>' % (secret, NATIVE))
    element = etree.fromstring(text.encode(), safe_parser())
    assert "LEAKED" not in etree.tostring(element).decode()


# ---------------------------------------------------------------------------------------------
# edit-config
# ---------------------------------------------------------------------------------------------


@pytest.fixture(name="mr_ms")
def fixture_mr_ms():
    return parse_config(MR_MS)


def _edit_error(tree, config, default_operation="merge"):
    before = render_running_config(tree)
    snapshot = tree.copy()
    with pytest.raises(NetconfEditError) as info:
        apply_edit_xml(tree, config, default_operation)
    # an invalid edit leaves the tree byte-identical
    assert render_running_config(tree) == before
    assert tree == snapshot
    return info.value


def test_merge_adds_a_site_and_keeps_the_rest(mr_ms):
    new = apply_edit_xml(mr_ms, _config('<site><sname>SITE3</sname><authentication-key><key-0>K3</key-0></authentication-key>'
                                        '<eid-record><prefixes><prefix>192.168.3.0/24</prefix></prefixes></eid-record></site>'))
    assert set(new.lisp.sites) == {"SITE1", "SITE2", "SITE3"}
    assert new.lisp.sites["SITE3"].auth_key == "K3"
    assert new.users == mr_ms.users and new.enable_secret == mr_ms.enable_secret
    assert "SITE3" not in mr_ms.lisp.sites


def test_merge_changes_a_leaf(mr_ms):
    new = apply_edit_xml(mr_ms, _config('<site><sname>SITE2</sname><description>moved</description></site>'))
    assert new.lisp.sites["SITE2"].description == "moved"
    assert new.lisp.sites["SITE2"].eid_records == mr_ms.lisp.sites["SITE2"].eid_records


def test_merge_of_a_choice_replaces_the_other_case():
    tree = parse_config(SITE1)
    new = apply_edit_xml(tree, _config('<instance-container><instance-list><instance-id>0</instance-id><service><ipv4>'
                                       '<eid-table><vrf>BLUE</vrf></eid-table><map-cache><eid-interface><eid-prefix>0.0.0.0/0'
                                       '</eid-prefix><drop/></eid-interface></map-cache></ipv4></service></instance-list>'
                                       '</instance-container>'))
    service = new.lisp.instances[0].services["ipv4"]
    assert service.eid_table == "vrf BLUE"
    assert service.map_cache == {"0.0.0.0/0": "drop"}
    new = apply_edit_xml(tree, _config('<site><sname>S</sname><authentication-key><key-0>A</key-0></authentication-key></site>'))
    new = apply_edit_xml(new, _config('<site><sname>S</sname><authentication-key><key-7>05382F3B041D03223C3C</key-7>'
                                      '</authentication-key></site>'))
    assert (new.lisp.sites["S"].auth_key, new.lisp.sites["S"].key_type) == ("05382F3B041D03223C3C", 7)


def test_replace_swaps_a_whole_entry(mr_ms):
    new = apply_edit_xml(mr_ms, _config('<site nc:operation="replace"><sname>SITE2</sname>'
                                        '<authentication-key><key-0>NEW</key-0></authentication-key></site>'))
    site = new.lisp.sites["SITE2"]
    assert site.description is None and site.eid_records == {} and site.auth_key == "NEW"
    assert new.lisp.sites["SITE1"] == mr_ms.lisp.sites["SITE1"]


def test_replace_merge_and_remove_refuse_bad_content(mr_ms):
    error = _edit_error(mr_ms, _config('<site nc:operation="replace"><description>no key leaf</description></site>'))
    assert error.error_tag == "missing-element" and error.error_info["bad-element"] == "sname"
    error = _edit_error(mr_ms, _config('<site nc:operation="replace"><sname>SITE2</sname><authentication-key><key-6>a b</key-6>'
                                       '</authentication-key></site>'))
    assert error.error_tag == "invalid-value" and "a b" not in str(error)
    error = _edit_error(mr_ms, _config('<site nc:operation="remove"><sname>SITE2</sname><colour/></site>'))
    assert error.error_tag == "unknown-element"
    error = _edit_error(mr_ms, _config('<site nc:operation="merge"><sname>SITE2</sname><eid-record><prefixes>'
                                       '<prefix>192.168.2.0/33</prefix></prefixes></eid-record></site>'))
    assert error.error_tag == "invalid-value" and "192.168.2.0/33" in error.message


def test_create_new_and_existing(mr_ms):
    new = apply_edit_xml(mr_ms, _config('<site nc:operation="create"><sname>SITE9</sname></site>'))
    assert "SITE9" in new.lisp.sites
    error = _edit_error(mr_ms, _config('<site nc:operation="create"><sname>SITE2</sname></site>'))
    assert error.error_tag == "data-exists"
    assert error.error_path == '/ios:native/ios:router/lisp:lisp/lisp:site[lisp:sname="SITE2"]'
    error = _edit_error(mr_ms, _config('<site><sname>SITE2</sname><description nc:operation="create">x</description></site>'))
    assert error.error_tag == "data-exists"


def test_delete_existing_and_missing(mr_ms):
    new = apply_edit_xml(mr_ms, _config('<site nc:operation="delete"><sname>SITE1</sname></site>'))
    assert set(new.lisp.sites) == {"SITE2"}
    new = apply_edit_xml(mr_ms, _config('<site><sname>SITE2</sname><description nc:operation="delete"/></site>'))
    assert new.lisp.sites["SITE2"].description is None
    error = _edit_error(mr_ms, _config('<site nc:operation="delete"><sname>SITE7</sname></site>'))
    assert error.error_tag == "data-missing" and "SITE7" in error.error_path
    error = _edit_error(new, _config('<site><sname>SITE2</sname><description nc:operation="delete"/></site>'))
    assert error.error_tag == "data-missing"
    assert error.error_path.endswith('lisp:site[lisp:sname="SITE2"]/lisp:description')


def test_remove_tolerates_missing(mr_ms):
    assert apply_edit_xml(mr_ms, _config('<site nc:operation="remove"><sname>SITE7</sname></site>')) == mr_ms
    new = apply_edit_xml(mr_ms, _config('<site nc:operation="remove"><sname>SITE2</sname></site>'))
    assert "SITE2" not in new.lisp.sites


def test_delete_router_lisp_and_presence_containers():
    tree = parse_config(SITE1)
    new = apply_edit_xml(tree, _config('<service><ipv4><itr-enable><itr nc:operation="delete"/></itr-enable></ipv4></service>'))
    assert not new.lisp.services["ipv4"].itr and new.lisp.services["ipv4"].etr
    new = apply_edit_xml(tree, _native('<router><lisp xmlns="%s" nc:operation="delete"/></router>' % LISP))
    assert new.lisp is None and new.hostname == "SITE1"
    error = _edit_error(new, _native('<router><lisp xmlns="%s" nc:operation="delete"/></router>' % LISP))
    assert error.error_tag == "data-missing"


def test_default_operation_replace_replaces_everything_but_users():
    tree = parse_config(SITE1)
    new = apply_edit_xml(tree, _native('<hostname>NEW</hostname><router><lisp xmlns="%s"><site><sname>ONLY</sname></site></lisp>'
                                       '</router>' % LISP), "replace")
    assert new.hostname == "NEW" and list(new.lisp.sites) == ["ONLY"] and new.lisp.services == {}
    assert new.users == tree.users and new.verify_enable("lab-enable")


def test_default_operation_replace_with_empty_config_empties_it():
    tree = parse_config(SITE1)
    new = apply_edit_xml(tree, etree.Element("{%s}config" % NC), "replace")
    assert new.hostname == "Router" and new.lisp is None and new.users == tree.users


def test_default_operation_none_touches_only_marked_nodes(mr_ms):
    new = apply_edit_xml(mr_ms, _config('<site><sname>SITE2</sname><description>ignored</description>'
                                        '<eid-record><prefixes nc:operation="create"><prefix>10.2.0.0/16</prefix></prefixes>'
                                        '</eid-record></site>'), "none")
    assert new.lisp.sites["SITE2"].description == "SITE2 branch"
    assert (0, "10.2.0.0/16") in new.lisp.sites["SITE2"].eid_records
    # nothing marked, nothing created
    assert apply_edit_xml(mr_ms, _config('<site><sname>SITE5</sname></site>'), "none") == mr_ms


def test_merge_of_the_same_data_is_idempotent():
    tree = parse_config(FULL)
    config = etree.Element("{%s}config" % NC)
    config.append(tree_to_xml(tree))
    assert apply_edit_xml(tree, config) == tree
    assert apply_edit_xml(tree, config, "replace") == tree


@pytest.mark.parametrize("inner,tag,path_end,info_key", [
    ('<site><sname>S</sname><colour>red</colour></site>', "unknown-element", "lisp:colour", "bad-element"),
    ('<site xmlns="urn:example:other"><sname>S</sname></site>', "unknown-namespace", None, "bad-namespace"),
    ('<locator-set><name>L</name><ip-address><ip>10.0.0.1</ip><priority-and-weight><priority>300</priority><weight>1</weight>'
     '</priority-and-weight></ip-address></locator-set>', "invalid-value", "lisp:priority-and-weight/lisp:priority", "bad-element"),
    ('<locator-set><name>L</name><ip-address><ip>10.0.0.300</ip></ip-address></locator-set>', "invalid-value", "lisp:ip", "bad-element"),
    ('<service><ipv4><itr><map-resolver><ip-addr>not-an-ip</ip-addr></map-resolver></itr></ipv4></service>',
     "invalid-value", "lisp:ip-addr", "bad-element"),
    ('<instance-container><instance-list><instance-id>16777215</instance-id></instance-list></instance-container>',
     "invalid-value", "lisp:instance-id", "bad-element"),
    ('<instance-container><instance-list><instance-id>1</instance-id><service><ipv4><database-mapping><eid-cont>'
     '<eid-prefix>2001:db8::/32</eid-prefix></eid-cont></database-mapping></ipv4></service></instance-list></instance-container>',
     "invalid-value", "lisp:eid-prefix", "bad-element"),
    ('<site><sname>S</sname><eid-record><prefixes><prefix>10.0.0.1/8</prefix></prefixes></eid-record></site>',
     "invalid-value", "lisp:prefix", "bad-element"),
    ('<site><sname>S</sname><eid-record><instance-id-cfg><prefix>10.0.0.0/8</prefix></instance-id-cfg></eid-record></site>',
     "missing-element", "lisp:instance-id-cfg", "bad-element"),
    ('<site><description>x</description></site>', "missing-element", "lisp:site", "bad-element"),
    ('<site><sname>S</sname><eid-record><prefixes><prefix>10.0.0.0/8</prefix><accept-more-specifics>yes'
     '</accept-more-specifics></prefixes></eid-record></site>', "invalid-value", "lisp:accept-more-specifics", "bad-element"),
    ('<site nc:operation="frobnicate"><sname>S</sname></site>', "bad-attribute", "lisp:lisp", "bad-attribute"),
])
def test_invalid_edits_are_refused_and_change_nothing(mr_ms, inner, tag, path_end, info_key):
    error = _edit_error(mr_ms, _config(inner))
    assert error.error_tag == tag
    if path_end is not None:
        assert error.error_path.startswith("/ios:native/ios:router/lisp:lisp")
        assert error.error_path.endswith(path_end), error.error_path
    assert info_key in error.error_info


def test_unknown_top_level_elements():
    tree = parse_config(SITE1)
    error = _edit_error(tree, etree.fromstring(('<config xmlns="%s"><interfaces xmlns="urn:ietf:params:xml:ns:yang:ietf-interfaces"/>'
                                                '</config>' % NC).encode()))
    assert error.error_tag == "unknown-namespace" and error.error_info["bad-namespace"] == "urn:ietf:params:xml:ns:yang:ietf-interfaces"
    error = _edit_error(tree, _native("<interface/>"))
    assert error.error_tag == "unknown-element" and error.error_path == "/ios:native/ios:interface"


def test_semantic_errors_are_operation_failed():
    tree = parse_config(SITE1)
    error = _edit_error(tree, _config('<instance-container><instance-list><instance-id>0</instance-id><service><ipv4>'
                                      '<database-mapping><eid-cont><eid-prefix>10.0.0.0/8</eid-prefix><locator-set-container>'
                                      '<locator-set>NOPE</locator-set></locator-set-container></eid-cont></database-mapping>'
                                      '</ipv4></service></instance-list></instance-container>'))
    assert error.error_tag == "operation-failed" and "NOPE" in error.message


def test_secret_values_are_not_echoed():
    tree = parse_config(SITE1)
    error = _edit_error(tree, _config('<site><sname>S</sname><authentication-key><key-7>TOPSECRET</key-7></authentication-key></site>'))
    assert error.error_tag == "invalid-value"
    assert "TOPSECRET" not in str(error) and "TOPSECRET" not in error.message


def test_bad_default_operation():
    error = _edit_error(parse_config(SITE1), _config(""), "merge-ish")
    assert error.error_tag == "invalid-value"


def test_edit_result_validates(yang_dir):
    tree = parse_config(SITE1)
    new = apply_edit_xml(tree, _config('<locator-set><name>MORE</name><IPv6-interface><name>Loopback1</name><priority-and-weight>'
                                       '<priority>1</priority><weight>1</weight></priority-and-weight></IPv6-interface></locator-set>'))
    validate_tree(new)
    assert YANGCHECK.validate(tree_to_xml(new), yang_dir=yang_dir) == []
    assert parse_config(render_running_config(new)) == new

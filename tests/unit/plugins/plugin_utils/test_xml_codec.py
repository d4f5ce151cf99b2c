"""plugin_utils.xml_codec: NETCONF payloads under Cisco-IOS-XE-native + Cisco-IOS-XE-lisp."""

import pytest
from lxml import etree

from ansible_collections.lispnet.lisp.plugins.plugin_utils import model, states, xml_codec
from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import MASK
from ansible_collections.lispnet.lisp.tests.support.yangcheck import preload
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.labdata import (
    MR_MS_MAPPING_SYSTEM,
    MR_MS_SITES,
    SITE1,
    STATE_CASES,
    apply_edit,
    assert_yang_valid,
    lab_cases,
)

# ansible-test units forks a child per test: compile the YANG models once, here, in the parent
preload()

NC = xml_codec.NC
LISP = xml_codec.LISP
NATIVE = xml_codec.NATIVE


def lisp_data(body, wrapper="data"):
    return '<%s xmlns="%s"><native xmlns="%s"><router><lisp xmlns="%s">%s</lisp></router></native></%s>' % (
        wrapper, NC, NATIVE, LISP, body, wrapper)


@pytest.mark.parametrize("resource, selected", [
    ("mapping_system", ["service"]), ("sites", ["site"]), ("xtr", ["locator-set", "service", "instance-container", "loc-reach-algorithm"])])
def test_filter(resource, selected):
    root = etree.fromstring(xml_codec.filter_xml(resource))
    assert root.tag == "{%s}native" % NATIVE
    lisp = root.find("{%s}router/{%s}lisp" % (NATIVE, LISP))
    assert [etree.QName(child).localname for child in lisp] == selected
    assert all(len(child) == 0 for child in lisp)


@pytest.mark.parametrize("device, resource, config", lab_cases())
def test_round_trips(device, resource, config):
    del device
    xml = xml_codec.render(resource, config)
    assert_yang_valid(xml)
    assert xml_codec.parse(resource, xml) == model.canonical(resource, config)
    assert xml_codec.parse(resource, xml.replace("<config ", "<data ").replace("</config>", "</data>")) == model.canonical(resource, config)
    assert xml_codec.diff_edit(resource, config, model.canonical(resource, config)) is None


def test_render_site1():
    xml = xml_codec.render("xtr", SITE1)
    root = etree.fromstring(xml)
    assert root.tag == "{%s}config" % NC
    ns = {"n": NATIVE, "l": LISP}
    lisp = root.find("n:native/n:router/l:lisp", ns)
    assert lisp.findtext("l:locator-set/l:ip-address[l:ip='127.0.1.1']/l:priority-and-weight/l:priority", namespaces=ns) == "10"
    assert lisp.findtext("l:service/l:ipv4/l:itr/l:map-resolver/l:ip-addr", namespaces=ns) == "127.0.10.1"
    assert lisp.find("l:service/l:ipv4/l:itr-enable/l:itr", ns) is not None
    assert lisp.findtext("l:service/l:ipv4/l:etr/l:map-server/l:key/l:key-0/l:ak-0", namespaces=ns) == "SITE1-KEY"
    service = lisp.find("l:instance-container/l:instance-list[l:instance-id='0']/l:service/l:ipv4", ns)
    assert service.find("l:eid-table/l:default", ns) is not None
    assert service.findtext("l:database-mapping/l:eid-cont[l:eid-prefix='192.168.1.0/24']/l:locator-set-container/l:locator-set",
                            namespaces=ns) == "RLOCS"
    assert service.find("l:map-cache/l:eid-interface[l:eid-prefix='0.0.0.0/0']/l:map-request", ns) is not None
    assert "operation" not in xml


def test_render_everything_else_is_valid():
    config = {
        "locator_sets": [{"name": "DUAL", "locators": [{"interface": "Loopback0", "priority": 1, "weight": 50},
                                                       {"interface": "Loopback0", "family": "ipv6", "priority": 1, "weight": 50},
                                                       {"address": "2001:db8::1", "priority": 2, "weight": 0}]}],
        "ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "0822455D0A16", "key_type": 7, "hash_function": "sha2",
                                          "proxy_reply": True}, {"address": "127.0.10.2", "key": "K", "key_type": 6}]},
                 "use_petr": [{"address": "127.0.20.1", "priority": 1, "weight": 100}, {"address": "127.0.20.2"}],
                 "proxy_itr": ["2001:db8::30", "127.0.30.1"], "proxy_etr": True},
        "ipv6": {"itr": {"enabled": True, "map_resolvers": ["2001:db8::10"]}, "proxy_itr": ["2001:db8::31"], "proxy_etr": True,
                 "use_petr": [{"address": "2001:db8::20", "priority": 3, "weight": 30}]},
        "instances": [{"instance_id": 4100, "ipv6": {"eid_table": "RED", "map_cache": [{"prefix": "::/0", "action": "native-forward"}],
                                                     "database_mappings": [{"prefix": "2001:db8:1::/48", "locator_set": "DUAL"}]}},
                      {"instance_id": 16777214}],
    }
    xml = xml_codec.render("xtr", config)
    assert_yang_valid(xml)
    assert xml_codec.parse("xtr", xml) == model.canonical("xtr", config)
    sites = [{"name": "S", "description": "a <b> & c", "authentication_key": "K", "key_type": 6,
              "eid_records": [{"prefix": "10.7.0.0/16", "instance_id": 7, "accept_more_specifics": True}, {"prefix": "2001:db8::/32"}],
              "allowed_locators": ["::1", "127.0.0.1"]}]
    xml = xml_codec.render("sites", sites)
    assert_yang_valid(xml)
    assert xml_codec.parse("sites", xml) == model.canonical("sites", sites)
    xml = xml_codec.render("mapping_system", {"ipv4": {"map_server": True}, "ipv6": {"map_server": True, "map_resolver": True}})
    assert_yang_valid(xml)


@pytest.mark.parametrize("resource, state, have, want, expected", [case[1:] for case in STATE_CASES], ids=[case[0] for case in STATE_CASES])
def test_every_state(resource, state, have, want, expected):
    device = xml_codec.render(resource, have)
    assert_yang_valid(device)
    before = xml_codec.parse(resource, device)
    after = states.compute_after(resource, state, before, model.normalize(resource, want))
    assert after == model.canonical(resource, expected)
    assert_yang_valid(xml_codec.render(resource, after))
    edit = xml_codec.diff_edit(resource, before, after)
    if before == after:
        assert edit is None
    else:
        assert_yang_valid(edit)
        # applied to the datastore, the edit leaves exactly after
        assert xml_codec.parse(resource, apply_edit(device, edit)) == after
    # the second run: nothing to send
    assert xml_codec.diff_edit(resource, after, after) is None
    again = states.compute_after(resource, state, after, model.normalize(resource, want))
    assert xml_codec.diff_edit(resource, after, again) is None


def _edit(case_id):
    _id, resource, state, have, want, _expected = {case[0]: case for case in STATE_CASES}[case_id]
    after = states.compute_after(resource, state, have, model.normalize(resource, want))
    edit = xml_codec.diff_edit(resource, have, after)
    assert_yang_valid(edit)
    root = etree.fromstring(edit)
    return root.find("{%s}native/{%s}router/{%s}lisp" % (NATIVE, NATIVE, LISP))


def _operations(lisp):
    """(path, operation) of every element carrying nc:operation."""
    found = []
    for element in lisp.iter():
        operation = element.get(xml_codec.OPERATION)
        if operation:
            names = []
            node = element
            while node is not lisp:
                names.append(etree.QName(node).localname)
                node = node.getparent()
            found.append(("/".join(reversed(names)), operation))
    return found


@pytest.mark.parametrize("case_id, operations", [
    ("ms-merged-new", []),
    ("ms-merged-off", [("service/ipv4/map-resolver", "remove")]),
    ("sites-merged", []),
    ("sites-merged-key-type", [("site/authentication-key", "replace")]),
    ("sites-merged-ams-off", [("site/eid-record/prefixes/accept-more-specifics", "remove")]),
    ("sites-replaced", [("site/description", "remove"), ("site/authentication-key", "replace"),
                        ("site/eid-record/prefixes/accept-more-specifics", "remove")]),
    ("sites-overridden", [("site", "remove"), ("site", "remove")]),
    ("sites-deleted-one", [("site", "remove")]),
    ("xtr-merged", [("instance-container/instance-list/service/ipv4/map-cache/eid-interface", "replace")]),
    ("xtr-merged-off", [("service/ipv4/etr-enable", "remove")]),
    ("xtr-merged-rloc-probing", []),
    # the container also holds lsb-reports, which this model does not own: only the leaf goes
    ("xtr-merged-rloc-probing-off", [("loc-reach-algorithm/rloc-probing", "remove")]),
    ("xtr-merged-key", [("service/ipv4/etr/map-server/key", "replace")]),
    ("xtr-merged-eid-table", [("instance-container/instance-list/service/ipv4/eid-table", "replace")]),
    ("xtr-replaced-locator-set", [("locator-set/ip-address", "remove")]),
    ("xtr-replaced-locator-weight", []),
    ("xtr-deleted-instance", [("instance-container/instance-list", "remove")]),
    ("xtr-deleted-map-cache", [("instance-container/instance-list/service/ipv4/map-cache/eid-interface", "remove")]),
    ("xtr-deleted-all", [("locator-set", "remove"), ("service/ipv4/itr/map-resolver", "remove"), ("service/ipv4/itr-enable", "remove"),
                         ("service/ipv4/etr-enable", "remove"), ("service/ipv4/etr/map-server", "remove"),
                         ("instance-container/instance-list", "remove")]),
])
def test_operations_only_where_needed(case_id, operations):
    assert _operations(_edit(case_id)) == operations


def test_merged_edit_holds_only_the_change():
    lisp = _edit("xtr-replaced-locator-weight")
    assert etree.tostring(lisp, encoding="unicode") == (
        '<lisp xmlns="%s" xmlns:nc="%s"><locator-set><name>RLOCS</name><ip-address><ip>127.0.1.1</ip>'
        "<priority-and-weight><weight>100</weight></priority-and-weight></ip-address></locator-set></lisp>" % (LISP, NC))


def test_parse_other_device_shapes():
    body = (
        "<site><sname>S</sname><authentication-key><unc-pwd>CLEAR</unc-pwd></authentication-key>"
        "<eid-prefix><prefixes><prefix>10.0.0.0/8</prefix></prefixes></eid-prefix>"
        "<allowed-locator><list><ipv4>LOCS</ipv4></list></allowed-locator></site>"
        "<service><ipv4><etr><map-server><ip-addr>127.0.10.1</ip-addr><key><key-pwd><unc-pwd>K</unc-pwd>"
        "<hash-function>sha1</hash-function></key-pwd></key></map-server>"
        "<map-server><ip-addr>127.0.10.2</ip-addr></map-server></etr></ipv4></service>"
        "<instance-container><instance-list><instance-id>5</instance-id><service><ipv4><eid-table><vrf-name>RED</vrf-name></eid-table>"
        "<database-mapping><eid-cont><eid-prefix>10.5.0.0/16</eid-prefix></eid-cont></database-mapping>"
        "</ipv4></service></instance-list></instance-container>"
    )
    reply = '<rpc-reply xmlns="%s" message-id="1">%s</rpc-reply>' % (NC, lisp_data(body))
    assert xml_codec.parse("sites", reply) == [{"name": "S", "authentication_key": "CLEAR", "key_type": 0,
                                                "eid_records": [{"instance_id": 0, "prefix": "10.0.0.0/8"}]}]
    assert xml_codec.parse("xtr", reply.encode()) == {
        "ipv4": {"etr": {"map_servers": [{"address": "127.0.10.1", "key": "K", "key_type": 0, "hash_function": "sha1"}]}},
        "instances": [{"instance_id": 5, "ipv4": {"eid_table": "vrf RED"}}]}
    assert xml_codec.parse("mapping_system", etree.fromstring(reply)) == {}
    assert xml_codec.parse("xtr", '<data xmlns="%s"/>' % NC) == {}
    assert xml_codec.parse("sites", "<data xmlns='%s'/>" % NC) == []


def test_mask_xml():
    xml = xml_codec.render("xtr", SITE1) + ""
    sites = xml_codec.render("sites", MR_MS_SITES)
    masked = xml_codec.mask_xml(xml) + xml_codec.mask_xml(sites)
    assert "SITE1-KEY" not in masked and "SITE2-KEY" not in masked
    assert masked.count(MASK) == 3
    assert xml_codec.parse("mapping_system", xml_codec.render("mapping_system", MR_MS_MAPPING_SYSTEM)) == MR_MS_MAPPING_SYSTEM
    assert xml_codec.mask_xml(None) is None

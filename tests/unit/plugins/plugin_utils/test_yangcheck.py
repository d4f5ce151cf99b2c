"""tests/support/yangcheck.py: a payload validator over Cisco's IOS-XE 17.9.1 YANG models."""

import pytest

from ansible_collections.lispnet.lisp.tests.support.shared import require
from ansible_collections.lispnet.lisp.tests.support.yangcheck import OPER_MODULES, preload, validate

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
OPER = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"

# ansible-test units forks a child per test: compile the YANG models once, here, in the parent
preload()
preload(OPER_MODULES)


@pytest.fixture(scope="module")
def yang_dir():
    return str(require("yang", "iosxe-1791"))


def payload(lisp_body, lisp_ns=LISP, wrapper="config"):
    inner = '<native xmlns="%s" xmlns:nc="%s"><router><lisp xmlns="%s">%s</lisp></router></native>' % (NATIVE, NC, lisp_ns, lisp_body)
    if wrapper is None:
        return inner
    return '<%s xmlns="%s">%s</%s>' % (wrapper, NC, inner, wrapper)


VALID = (
    "<locator-set><name>RLOCS</name>"
    "<ip-address><ip>127.0.1.1</ip><priority-and-weight><priority>10</priority><weight>50</weight></priority-and-weight></ip-address>"
    "</locator-set>"
    "<service><ipv4>"
    "<itr><map-resolver><ip-addr>127.0.10.1</ip-addr></map-resolver></itr><itr-enable><itr/></itr-enable>"
    "<etr><map-server><ip-addr>127.0.10.1</ip-addr><key><key-0><ak-0>SITE1-KEY</ak-0></key-0></key></map-server></etr>"
    "<etr-enable><etr/></etr-enable>"
    "</ipv4></service>"
    "<instance-container><instance-list><instance-id>0</instance-id><service><ipv4>"
    "<eid-table><default/></eid-table>"
    "<database-mapping><eid-cont><eid-prefix>192.168.1.0/24</eid-prefix>"
    "<locator-set-container><locator-set>RLOCS</locator-set></locator-set-container></eid-cont></database-mapping>"
    '<map-cache><eid-interface nc:operation="merge"><eid-prefix>0.0.0.0/0</eid-prefix><map-request/></eid-interface></map-cache>'
    "</ipv4></service></instance-list></instance-container>"
    "<site><sname>SITE2</sname><authentication-key><key-0>SITE2-KEY</key-0></authentication-key>"
    "<eid-record><prefixes><prefix>192.168.2.0/24</prefix><accept-more-specifics/></prefixes></eid-record></site>"
)


def test_valid_payload_passes(yang_dir):
    assert validate(payload(VALID), yang_dir=yang_dir) == []


def test_bare_native_and_data_wrapper_pass(yang_dir):
    assert validate(payload(VALID, wrapper=None), yang_dir=yang_dir) == []
    assert validate(payload(VALID, wrapper="data").encode(), yang_dir=yang_dir) == []


def test_misspelled_element(yang_dir):
    errors = validate(payload("<locator-sets><name>RLOCS</name></locator-sets>"), yang_dir=yang_dir)
    assert len(errors) == 1
    assert errors[0].startswith("/native/router/lisp/locator-sets: no schema node locator-sets")


def test_wrong_namespace(yang_dir):
    errors = validate(payload("<site><sname>S</sname></site>", lisp_ns=NATIVE), yang_dir=yang_dir)
    assert len(errors) == 1
    assert errors[0].startswith("/native/router/lisp: lisp is in namespace %s, expected %s" % (NATIVE, LISP))


def test_missing_list_key(yang_dir):
    errors = validate(payload("<site><description>no name</description></site>"), yang_dir=yang_dir)
    assert errors == ["/native/router/lisp/site[sname='?']: list site entry lacks its key sname"]


def test_out_of_range_priority(yang_dir):
    body = (
        "<locator-set><name>RLOCS</name><ip-address><ip>127.0.1.1</ip>"
        "<priority-and-weight><priority>300</priority><weight>50</weight></priority-and-weight></ip-address></locator-set>"
    )
    errors = validate(payload(body), yang_dir=yang_dir)
    assert len(errors) == 1
    path = "/native/router/lisp/locator-set[name='RLOCS']/ip-address[ip='127.0.1.1']/priority-and-weight/priority"
    assert errors[0].startswith(path + ": '300' is not a valid uint8")


def test_weight_over_100_is_refused(yang_dir):
    body = (
        "<locator-set><name>RLOCS</name><ip-address><ip>127.0.1.1</ip>"
        "<priority-and-weight><priority>1</priority><weight>101</weight></priority-and-weight></ip-address></locator-set>"
    )
    assert len(validate(payload(body), yang_dir=yang_dir)) == 1


def test_obsolete_node(yang_dir):
    errors = validate(payload("<default><service><ipv4/></service></default>"), yang_dir=yang_dir)
    assert errors[0] == "/native/router/lisp/default: container node default is obsolete"


def test_bad_address_enum_and_empty_leaf(yang_dir):
    body = (
        "<service><ipv4><itr><map-resolver><ip-addr>300.1.1.1</ip-addr></map-resolver></itr>"
        "<etr><map-server><ip-addr>127.0.10.1</ip-addr><key><key-0><ak-0>K</ak-0><hash-function>md5</hash-function></key-0></key>"
        "<proxy-reply>yes</proxy-reply></map-server></etr></ipv4></service>"
    )
    errors = validate(payload(body), yang_dir=yang_dir)
    assert len(errors) == 3
    assert errors[0].startswith("/native/router/lisp/service/ipv4/itr/map-resolver[ip-addr='300.1.1.1']/ip-addr: '300.1.1.1'")
    assert "hash-function: 'md5'" in errors[1]
    assert errors[2].endswith("proxy-reply: 'yes' given for an empty leaf")


def test_two_cases_of_one_choice(yang_dir):
    body = "<site><sname>S</sname><authentication-key><key-0>A</key-0><key-7>B</key-7></authentication-key></site>"
    errors = validate(payload(body), yang_dir=yang_dir)
    assert len(errors) == 1
    assert "choice auth-key: case key7 conflicts with case key0" in errors[0]


def test_oper_model(yang_dir):
    good = (
        '<data xmlns="%s"><lisp-state xmlns="%s"><lisp-routers><top-id>0</top-id>'
        "<instances><iid>0</iid></instances></lisp-routers></lisp-state></data>" % (NC, OPER)
    )
    assert validate(good, yang_dir=yang_dir) == []
    bad = '<lisp-state xmlns="%s"><lisp-routers><top-id>x</top-id><bogus/></lisp-routers></lisp-state>' % OPER
    errors = validate(bad, yang_dir=yang_dir)
    assert len(errors) == 2
    assert errors[0].startswith("/lisp-state/lisp-routers[top-id='x']/top-id: 'x' is not a valid")
    assert errors[1].startswith("/lisp-state/lisp-routers[top-id='x']/bogus: no schema node bogus")


def test_config_false_in_edit_config(yang_dir):
    body = '<lisp-state xmlns="%s"><lisp-routers><top-id>0</top-id></lisp-routers></lisp-state>' % OPER
    errors = validate('<config xmlns="%s">%s</config>' % (NC, body), modules=OPER_MODULES, yang_dir=yang_dir)
    assert errors and "config false node lisp-state" in errors[0]


def test_unknown_top_level(yang_dir):
    errors = validate('<config xmlns="%s"><nothing xmlns="urn:x"/></config>' % NC, yang_dir=yang_dir)
    assert errors == ["/nothing: no top-level schema node nothing (namespace urn:x) in Cisco-IOS-XE-native, Cisco-IOS-XE-lisp"]

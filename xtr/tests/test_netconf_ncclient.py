"""The NETCONF server driven by ncclient with its IOS-XE device handler, as the collection drives a
real IOS-XE 17 router. Every `<data>` it returns is checked against Cisco's YANG models."""

import time

import pytest
from lxml import etree
from ncclient import manager
from netmiko import ConnectHandler
from ncclient.operations import RPCError
from ncclient.transport.errors import TransportError

from .test_mgmt_harness import MR_MS_CONFIG, PASSWORD, SITE1_CONFIG, USER, make_bench, yang_dir, yangcheck
from .test_robust_fuzz import host_key_b64, known_hosts_file, trust_host_key

ADDRESS = None  # set by the bench fixture (a free 127.51.N.1)
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
OPER = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"
NS = {"nc": NC, "n": NATIVE, "l": LISP, "o": OPER}


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    global ADDRESS  # pylint: disable=global-statement  # the clients below connect to it
    bench = make_bench(tmp_path_factory, 51)
    ADDRESS = bench.node.address
    trust_host_key(ADDRESS, bench.node.host_key_path)
    yield bench
    bench.close()


def connect():
    return manager.connect(
        host=ADDRESS,
        port=2830,
        username=USER,
        password=PASSWORD,
        device_params={"name": "iosxe"},
        hostkey_verify=True,
        hostkey_b64=host_key_b64(ADDRESS, 2830),
        look_for_keys=False,
        allow_agent=False,
        timeout=20,
    )


@pytest.fixture(name="m")
def _m(bench):
    bench.call(bench.node.reset)
    with connect() as m:
        yield m


def lisp_config(body, operation=None):
    op = ' xmlns:nc="%s" nc:operation="%s"' % (NC, operation) if operation else ""
    return '<config xmlns="%s"><native xmlns="%s"><router><lisp xmlns="%s"%s>%s</lisp></router></native></config>' % (
        NC,
        NATIVE,
        LISP,
        op,
        body,
    )


def locator_set(name, address="127.0.1.1", priority=10, weight=50, operation=None):
    op = ' xmlns:nc="%s" nc:operation="%s"' % (NC, operation) if operation else ""
    return (
        "<locator-set%s><name>%s</name><ip-address><ip>%s</ip><priority-and-weight><priority>%s</priority>"
        "<weight>%s</weight></priority-and-weight></ip-address></locator-set>" % (op, name, address, priority, weight)
    )


def data_of(reply):
    """The <data> of a get/get-config reply, after checking it against the YANG models."""
    data = etree.fromstring(reply.xml.encode()).find("{%s}data" % NC)
    assert data is not None, reply.xml
    check_yang(data)
    return data


ALL_MODULES = ("Cisco-IOS-XE-native", "Cisco-IOS-XE-lisp", "Cisco-IOS-XE-lisp-oper")


def check_yang(data):
    # One module set for every reply, so the (slow) schema compile happens once per run.
    errors = yangcheck().validate(data, modules=ALL_MODULES, yang_dir=yang_dir())
    assert errors == []


def running(m):
    data = data_of(m.get_config("running"))
    check_yang(data)
    return etree.tostring(data)


def locator_sets(m, source="running"):
    data = data_of(m.get_config(source))
    return sorted(e.text for e in data.iterfind(".//l:locator-set/l:name", NS))


def test_hello_advertises_ios_xe_capabilities(m):
    caps = set(m.server_capabilities)
    for uri in (
        "urn:ietf:params:netconf:base:1.0",
        "urn:ietf:params:netconf:base:1.1",
        "urn:ietf:params:netconf:capability:writable-running:1.0",
        "urn:ietf:params:netconf:capability:candidate:1.0",
        "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
        "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
        "urn:ietf:params:netconf:capability:validate:1.1",
        "urn:ietf:params:netconf:capability:xpath:1.0",
        "urn:ietf:params:netconf:capability:startup:1.0",
        "http://cisco.com/ns/yang/Cisco-IOS-XE-native?module=Cisco-IOS-XE-native&revision=2022-07-01",
        "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp?module=Cisco-IOS-XE-lisp&revision=2022-07-01",
        "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper?module=Cisco-IOS-XE-lisp-oper&revision=2022-07-01",
    ):
        assert uri in caps
    assert int(m.session_id) > 0


def test_get_config_running_validates(m):
    data = data_of(m.get_config("running"))
    check_yang(data)
    assert data.findtext("n:native/n:hostname", namespaces=NS) == "SITE1"
    assert locator_sets(m) == ["RLOCS"]
    prefixes = [e.text for e in data.iterfind(".//l:database-mapping/l:eid-cont/l:eid-prefix", NS)]
    assert prefixes == ["192.168.1.0/24"]


def test_get_config_subtree_filter(m):
    flt = '<native xmlns="%s"><router><lisp xmlns="%s"><locator-set/></lisp></router></native>' % (NATIVE, LISP)
    data = data_of(m.get_config("running", filter=("subtree", flt)))
    check_yang(data)
    lisp = data.find("n:native/n:router/l:lisp", NS)
    assert [etree.QName(c).localname for c in lisp] == ["locator-set"]
    assert data.find("n:native/n:hostname", NS) is None
    # content match on a list key selects one entry
    flt = (
        '<native xmlns="%s"><router><lisp xmlns="%s"><locator-set><name>NOPE</name></locator-set></lisp></router>'
        "</native>" % (NATIVE, LISP)
    )
    assert len(data_of(m.get_config("running", filter=("subtree", flt)))) == 0


def test_get_config_xpath_filter(m):
    reply = m.get_config(
        "running",
        filter=("xpath", ({"n": NATIVE, "l": LISP}, "/n:native/n:router/l:lisp/l:instance-container")),
    )
    data = data_of(reply)
    check_yang(data)
    lisp = data.find("n:native/n:router/l:lisp", NS)
    assert [etree.QName(c).localname for c in lisp] == ["instance-container"]
    # unprefixed names match in any namespace, as on IOS-XE
    data = data_of(m.get_config("running", filter=("xpath", "/native/hostname")))
    check_yang(data)
    assert data.findtext("n:native/n:hostname", namespaces=NS) == "SITE1"


def test_get_has_config_and_oper_state(m):
    data = data_of(m.get())
    check_yang(data)
    af = data.find("o:lisp-state/o:lisp-routers/o:instances/o:af", NS)
    assert af.findtext("o:iaftype", namespaces=NS) == "iaf-ipv4"
    assert af.findtext("o:role/o:is-itr", namespaces=NS) == "true"
    assert af.findtext("o:role/o:is-ms", namespaces=NS) == "false"
    cache = af.find("o:map-cache", NS)
    assert cache.findtext("o:prefix", namespaces=NS) == "0.0.0.0/0"
    assert cache.findtext("o:nmr-action", namespaces=NS) == "send-map-request"
    assert af.findtext("o:local-dbase/o:prefix", namespaces=NS) == "192.168.1.0/24"
    uptime = cache.findtext("o:up-time", namespaces=NS)
    assert uptime[4] == "-" and uptime[10] == "T" and uptime.endswith("+00:00")
    flt = '<lisp-state xmlns="%s"><lisp-routers><sessions/></lisp-routers></lisp-state>' % OPER
    data = data_of(m.get(filter=("subtree", flt)))
    check_yang(data)
    routers = data.find("o:lisp-state/o:lisp-routers", NS)
    assert [etree.QName(c).localname for c in routers] == ["top-id", "sessions"]
    assert routers.findtext("o:sessions/o:peer-address", namespaces=NS) == "127.0.10.1"


def test_edit_config_merge(bench, m):
    m.edit_config(target="running", config=lisp_config(locator_set("NEWSET", "127.0.1.9", 1, 100)))
    assert locator_sets(m) == ["NEWSET", "RLOCS"]
    running(m)
    assert "NEWSET" in bench.node.running.lisp.locator_sets


def test_edit_config_replace(m):
    m.edit_config(target="running", config=lisp_config(locator_set("RLOCS", "127.0.1.7", 5, 60, operation="replace")))
    data = data_of(m.get_config("running"))
    check_yang(data)
    assert [e.text for e in data.iterfind(".//l:locator-set/l:ip-address/l:ip", NS)] == ["127.0.1.7"]


def test_edit_config_create_existing_fails_and_changes_nothing(m):
    before = running(m)
    with pytest.raises(RPCError) as err:
        m.edit_config(target="running", config=lisp_config(locator_set("RLOCS", operation="create")))
    assert err.value.tag == "data-exists"
    assert running(m) == before
    m.edit_config(target="running", config=lisp_config(locator_set("FRESH", operation="create")))
    assert locator_sets(m) == ["FRESH", "RLOCS"]


def test_edit_config_delete_and_remove(m):
    m.edit_config(target="running", config=lisp_config(locator_set("EXTRA")))
    m.edit_config(
        target="running",
        config=lisp_config("<locator-set nc:operation='delete' xmlns:nc='%s'>" "<name>EXTRA</name></locator-set>" % NC),
    )
    assert locator_sets(m) == ["RLOCS"]
    before = running(m)
    with pytest.raises(RPCError) as err:
        m.edit_config(
            target="running",
            config=lisp_config(
                "<locator-set nc:operation='delete' xmlns:nc='%s'>" "<name>EXTRA</name></locator-set>" % NC
            ),
        )
    assert err.value.tag == "data-missing"
    assert running(m) == before
    m.edit_config(
        target="running",
        config=lisp_config("<locator-set nc:operation='remove' xmlns:nc='%s'>" "<name>EXTRA</name></locator-set>" % NC),
    )
    assert running(m) == before


@pytest.mark.parametrize(
    "body",
    [
        locator_set("BAD", priority=300),  # out of range for uint8
        "<locator-set><name>X</name><bogus-leaf>1</bogus-leaf></locator-set>",  # unknown element
        '<locator-set xmlns="urn:example:nope"><name>X</name></locator-set>',  # unknown namespace
        locator_set("GOOD") + locator_set("BAD2", address="not-an-address"),  # second half invalid
    ],
)
def test_invalid_edit_leaves_running_byte_identical(bench, m, body):
    before = running(m)
    commits = bench.node.commits
    with pytest.raises(RPCError) as err:
        m.edit_config(target="running", config=lisp_config(body), error_option="rollback-on-error")
    assert err.value.tag in ("invalid-value", "unknown-element", "unknown-namespace", "bad-element")
    assert err.value.severity == "error"
    assert running(m) == before
    assert bench.node.commits == commits


def test_test_only_changes_nothing(m):
    before = running(m)
    m.edit_config(target="running", config=lisp_config(locator_set("TRIAL")), test_option="test-only")
    assert running(m) == before


def test_candidate_commit_and_discard(m):
    m.edit_config(target="candidate", config=lisp_config(locator_set("CAND")))
    assert locator_sets(m, "candidate") == ["CAND", "RLOCS"]
    assert locator_sets(m) == ["RLOCS"]
    m.discard_changes()
    assert locator_sets(m, "candidate") == ["RLOCS"]
    m.edit_config(target="candidate", config=lisp_config(locator_set("CAND")))
    m.validate(source="candidate")
    m.commit()
    assert locator_sets(m) == ["CAND", "RLOCS"]


def test_confirmed_commit_rolls_back_after_timeout(m):
    before = running(m)
    m.edit_config(target="candidate", config=lisp_config(locator_set("TEMP")))
    m.commit(confirmed=True, timeout="1")
    assert locator_sets(m) == ["RLOCS", "TEMP"]
    deadline = time.monotonic() + 10
    while locator_sets(m) != ["RLOCS"]:
        assert time.monotonic() < deadline, "confirmed commit was not rolled back"
        time.sleep(0.2)
    assert running(m) == before


def test_confirmed_commit_confirmed_stays(m):
    m.edit_config(target="candidate", config=lisp_config(locator_set("KEEP")))
    m.commit(confirmed=True, timeout="1")
    m.commit()
    time.sleep(1.5)
    assert locator_sets(m) == ["KEEP", "RLOCS"]


def test_cancel_commit_with_persist_id(m):
    before = running(m)
    m.edit_config(target="candidate", config=lisp_config(locator_set("PERSIST")))
    m.commit(confirmed=True, timeout="60", persist="token-1")
    assert "PERSIST" in locator_sets(m)
    with pytest.raises(RPCError) as err:
        m.cancel_commit(persist_id="wrong")
    assert err.value.tag == "invalid-value"
    m.cancel_commit(persist_id="token-1")
    assert running(m) == before


def test_lock_contention_and_kill_session(bench):
    bench.call(bench.node.reset)
    b = connect()
    with connect() as a:
        a.lock("running")
        with pytest.raises(RPCError) as err:
            b.lock("running")
        assert err.value.tag == "lock-denied"
        info = etree.fromstring(err.value.info.encode())
        assert info.findtext("{%s}session-id" % NC) == str(a.session_id)
        with pytest.raises(RPCError) as err:
            b.edit_config(target="running", config=lisp_config(locator_set("FROM-B")))
        assert err.value.tag == "in-use"
        a.edit_config(target="running", config=lisp_config(locator_set("FROM-A")))
        b.lock("candidate")
        a.kill_session(str(b.session_id))
        with pytest.raises((TransportError, RPCError)):
            b.get_config("running")
        assert not b.connected
        a.lock("candidate")  # b's lock went with its session
        a.unlock("candidate")
        a.unlock("running")
        assert locator_sets(a) == ["FROM-A", "RLOCS"]
    with connect() as c:
        c.lock("running")
        c.unlock("running")


def test_kill_own_session_is_refused(m):
    with pytest.raises(RPCError) as err:
        m.kill_session(str(m.session_id))
    assert err.value.tag == "invalid-value"


def test_save_config_writes_startup(bench, m):
    m.edit_config(target="running", config=lisp_config(locator_set("SAVED")))
    assert "locator-set SAVED" not in bench.node.startup_text()
    reply = m.save_config()
    assert reply.ok
    assert "locator-set SAVED" in bench.node.startup_text()
    assert locator_sets(m, "startup") == ["RLOCS", "SAVED"]
    check_yang(data_of(m.get_config("startup")))


def test_copy_config_running_to_startup(bench, m):
    m.edit_config(target="running", config=lisp_config(locator_set("COPIED")))
    m.copy_config(source="running", target="startup")
    assert locator_sets(m, "startup") == ["COPIED", "RLOCS"]


def test_unknown_rpc_is_operation_not_supported(m):
    with pytest.raises(RPCError) as err:
        m.dispatch(etree.Element("{urn:example:nope}frobnicate"))
    assert err.value.tag == "operation-not-supported"
    with pytest.raises(RPCError) as err:
        m.dispatch(etree.Element("{%s}get-frobs" % NC))
    assert err.value.tag == "operation-not-supported"
    with pytest.raises(RPCError) as err:
        m.get_config("nonexistent")
    assert err.value.tag in ("invalid-value", "bad-element")
    # the session is still usable
    assert locator_sets(m) == ["RLOCS"]


def test_copy_config_inline_replaces_lisp_and_keeps_logins(m):
    rpc = etree.fromstring(
        '<copy-config xmlns="%s"><target><running/></target><source>%s</source></copy-config>'
        % (NC, lisp_config(locator_set("ONLY")))
    )
    m.dispatch(rpc)
    assert locator_sets(m) == ["ONLY"]
    data = data_of(m.get_config("running"))
    check_yang(data)
    assert data.find(".//l:instance-container", NS) is None
    with connect() as again:  # the username lines are not part of the XML view and survive
        assert locator_sets(again) == ["ONLY"]


def test_error_path_names_the_bad_node(m):
    with pytest.raises(RPCError) as err:
        m.edit_config(target="running", config=lisp_config(locator_set("BAD", priority=300)))
    assert err.value.tag == "invalid-value"
    assert "locator-set" in (err.value.path or "")
    assert locator_sets(m) == ["RLOCS"]


def test_netconf_lock_on_running_blocks_cli_configuration(bench, m, tmp_path):
    cli = ConnectHandler(device_type="cisco_xe", host=ADDRESS, port=2022, username=USER, password=PASSWORD, timeout=20,
                         ssh_strict=True, system_host_keys=False, alt_host_keys=True, alt_key_file=known_hosts_file(tmp_path / "known_hosts"))
    try:
        m.lock("running")
        out = cli.send_command("configure terminal", expect_string=r"SITE1[>#]")
        assert "Configuration mode is locked" in out
        assert cli.find_prompt() == "SITE1#"
        m.unlock("running")
        cli.send_config_set(["router lisp", "locator-set AFTERLOCK"])
        assert locator_sets(m) == ["AFTERLOCK", "RLOCS"]
    finally:
        cli.disconnect()


def test_map_server_state_with_a_registration(tmp_path_factory):
    """A real registration (SITE1's ETR -> the Map-Server over UDP 4342) read with <get>."""
    ms = make_bench(tmp_path_factory, 58, config_text=MR_MS_CONFIG)
    site = None
    try:
        site_config = SITE1_CONFIG.replace("127.0.10.1", ms.node.address)
        site = make_bench(tmp_path_factory, 59, config_text=site_config)
        trust_host_key(ms.node.address, ms.node.host_key_path)
        with manager.connect(
            host=ms.node.address,
            port=2830,
            username=USER,
            password=PASSWORD,
            device_params={"name": "iosxe"},
            hostkey_verify=True,
            hostkey_b64=host_key_b64(ms.node.address, 2830),
            look_for_keys=False,
            allow_agent=False,
            timeout=20,
        ) as m:
            flt = '<lisp-state xmlns="%s"/>' % OPER
            deadline = time.monotonic() + 15
            while True:
                data = data_of(m.get(filter=("subtree", flt)))
                reg = data.find(".//o:ms-registrations", NS)
                if reg is not None and reg.findtext("o:is-registered", namespaces=NS) == "true":
                    break
                assert time.monotonic() < deadline, etree.tostring(data)
                time.sleep(0.2)
            check_yang(data)
            assert reg.findtext("o:prefix", namespaces=NS) == "192.168.1.0/24"
            assert reg.findtext("o:site-name", namespaces=NS) == "SITE1"
            assert reg.findtext("o:site-description", namespaces=NS) == "Branch 1"
            assert reg.findtext("o:last-registration-source/o:address", namespaces=NS) == site.node.address
            etr = reg.find("o:etr-registrations", NS)
            assert etr.findtext("o:source-address", namespaces=NS) == site.node.address
            assert etr.findtext("o:ms-registration-rloc/o:address", namespaces=NS) == "127.0.1.1"
            af = data.find(".//o:af", NS)
            assert af.findtext("o:role/o:is-ms", namespaces=NS) == "true"
            assert int(af.findtext("o:map-register-records-in", namespaces=NS)) >= 1
            check_yang(data_of(m.get()))
    finally:
        if site is not None:
            site.close()
        ms.close()


def test_no_lock_on_running_during_another_sessions_confirmed_commit(bench):
    bench.call(bench.node.reset)
    with connect() as a, connect() as b:
        a.edit_config(target="candidate", config=lisp_config(locator_set("PENDING")))
        a.commit(confirmed=True, timeout="60")
        with pytest.raises(RPCError) as err:
            b.lock("running")
        assert err.value.tag == "lock-denied"
        assert etree.fromstring(err.value.info.encode()).findtext("{%s}session-id" % NC) == str(a.session_id)
        with pytest.raises(RPCError) as err:
            b.commit()  # only the session that started it confirms a non-persistent confirmed commit
        assert err.value.tag == "in-use"
        a.cancel_commit()
        assert locator_sets(a) == ["RLOCS"]
        b.lock("running")
        b.unlock("running")


def test_closing_the_session_rolls_back_its_confirmed_commit(bench):
    bench.call(bench.node.reset)
    with connect() as a:
        a.edit_config(target="candidate", config=lisp_config(locator_set("GONE")))
        a.commit(confirmed=True, timeout="60")
        assert "GONE" in locator_sets(a)
    with connect() as b:  # RFC 6241 §8.4.1: the session ended before confirming
        assert locator_sets(b) == ["RLOCS"]

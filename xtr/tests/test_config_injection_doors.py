"""The audit's configuration injection through the real doors (issue 14, hole 2), and secrets at rest
seen through them (holes 6 and 7): ncclient edit-config, Netmiko configuration lines, ``write
memory`` and a restart from the saved startup-config.

Clients check the router's host key against the bench's own key (no trust on first use).
"""

import asyncssh
import pytest
from ncclient import manager
from ncclient.operations import RPCError
from netmiko import ConnectHandler

from lispxtr.config import secrets
from lispxtr.node import Node

from .test_mgmt_harness import MR_MS_CONFIG, PASSWORD, SECRET, SITE1_CONFIG, USER, make_bench
from .test_netconf_ncclient import data_of

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
LISP = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
PAYLOAD = ("<site><sname>SITE1</sname><description>evil&#10;  eid-record 10.66.0.0/16&#10;  authentication-key 0 attacker-key"
           "</description></site>")
# the bench MR/MS also has the bench's enable secret (Netmiko enters enable mode with it)
BENCH_CONFIG = MR_MS_CONFIG.replace("username admin privilege 15 secret 0 s3cret-Admin\n",
                                    "username admin privilege 15 secret 0 s3cret-Admin\nenable secret 0 en4ble-Secret\n")


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    bench = make_bench(tmp_path_factory, 73, BENCH_CONFIG)
    key = asyncssh.read_private_key(str(bench.node.host_key_path)).export_public_key("openssh").decode().split()
    bench.hostkey_b64 = key[1]
    known_hosts = tmp_path_factory.mktemp("client") / "known_hosts"
    known_hosts.write_text("[%s]:2022 %s %s\n" % (bench.node.address, key[0], key[1]), encoding="utf-8")
    bench.known_hosts = str(known_hosts)
    yield bench
    bench.close()


def reset(bench, text=BENCH_CONFIG):
    bench.call(bench.node.reset, text)


def netconf(bench):
    return manager.connect(host=bench.node.address, port=2830, username=USER, password=PASSWORD, device_params={"name": "iosxe"},
                           hostkey_verify=True, hostkey_b64=bench.hostkey_b64, look_for_keys=False, allow_agent=False, timeout=20)


def cli(bench):
    return ConnectHandler(device_type="cisco_xe", host=bench.node.address, port=2022, username=USER, password=PASSWORD, secret=SECRET,
                          timeout=20, fast_cli=False, ssh_strict=True, system_host_keys=False, alt_host_keys=True,
                          alt_key_file=bench.known_hosts)


def lisp_config(body):
    return '<config xmlns="%s"><native xmlns="%s"><router><lisp xmlns="%s">%s</lisp></router></native></config>' % (NC, NATIVE, LISP, body)


def restarted_tree(bench):
    """The configuration a router booting from this bench's saved state gets (startup-config and
    master key file), read by the real Node code."""
    node = Node(bench.node.state_dir, bench.node.name, bench.node.address)
    return node.load_startup()


def test_netconf_injection_payload_is_refused_and_nothing_changes(bench):
    reset(bench)
    before_running = bench.node.running.copy()
    before_startup = bench.node.startup_text()
    with netconf(bench) as m:
        before_xml = m.get_config("running").data_xml
        with pytest.raises(RPCError) as info:
            m.edit_config(target="running", config=lisp_config(PAYLOAD))
        error = info.value
        assert error.tag == "invalid-value"
        assert "description" in error.message and "control characters" in error.message
        assert "bad-element>description</" in error.info
        assert m.get_config("running").data_xml == before_xml
        m.copy_config(source="running", target="startup")  # write memory over NETCONF
    assert bench.node.running == before_running
    with cli(bench) as conn:
        running = conn.send_command("show running-config")
        startup = conn.send_command("show startup-config")
    for text in (running, startup):
        assert "10.66.0.0" not in text and "attacker-key" not in text and "evil" not in text
        assert "  description Branch 1\n" in text
    assert bench.node.startup_text() != before_startup  # rewritten by the copy-config, and still clean
    tree = restarted_tree(bench)
    site = tree.lisp.sites["SITE1"]
    assert list(site.eid_records) == [(0, "192.168.1.0/24")]
    assert site.clear_key() == "SITE1-KEY" and site.description == "Branch 1"


def test_netconf_100000_character_site_name_is_refused(bench):
    reset(bench)
    with netconf(bench) as m:
        with pytest.raises(RPCError) as info:
            m.edit_config(target="running", config=lisp_config("<site><sname>%s</sname></site>" % ("S" * 100000)))
        assert info.value.tag == "invalid-value"
        assert "at most 64 characters (got 100000)" in info.value.message
        assert len(info.value.message) < 400
    assert list(bench.node.running.lisp.sites) == ["SITE1"]


def test_cli_injection_payload_is_refused_and_nothing_changes(bench):
    reset(bench)
    before = bench.node.running.copy()
    with cli(bench) as conn:
        # The SSH line reader ends a line at CR/LF and drops C0 controls; NEL and the Unicode line
        # separator pass it, and str.splitlines() would have cut the saved line there.
        for bad in ("\u2028", "\x85", "\u2029"):
            out = conn.send_config_set(["router lisp", "site SITE1",
                                        "description evil%s  eid-record 10.66.0.0/16%s  authentication-key 0 attacker-key" % (bad, bad)])
            assert "% Invalid input detected at '^' marker." in out, out
            lines = out.split("\n")  # not splitlines(): the echoed line holds the separator
            echo = next(i for i, line in enumerate(lines) if "#description evil" in line)
            # IOS's caret, under the character refused
            assert lines[echo + 1].index("^") == lines[echo].index("#description") + 1 + len("description evil"), out
        out = conn.send_config_set(["router lisp", "site " + "S" * 300])  # names are at most 64 characters
        lines = out.split("\n")
        echo = next(i for i, line in enumerate(lines) if "#site SSS" in line)
        assert lines[echo + 1].index("^") == lines[echo].index("#site") + 1 + len("site "), out
        assert lines[echo + 2] == "% Invalid input detected at '^' marker."
        conn.save_config()
        running = conn.send_command("show running-config")
        startup = conn.send_command("show startup-config")
    assert bench.node.running == before
    for text in (running, startup):
        assert "10.66.0.0" not in text and "attacker-key" not in text and "evil" not in text
    tree = restarted_tree(bench)
    assert list(tree.lisp.sites["SITE1"].eid_records) == [(0, "192.168.1.0/24")]
    assert tree.lisp.sites["SITE1"].clear_key() == "SITE1-KEY"


def test_startup_config_never_shows_clear_secrets_after_boot(tmp_path_factory):
    # a router booted from a startup-config with "secret 0": the file is rewritten hashed at boot
    bench = make_bench(tmp_path_factory, 74, SITE1_CONFIG)
    try:
        text = bench.node.startup_text()
        assert "s3cret-Admin" not in text and "en4ble-Secret" not in text and "0per-Pass" not in text
        assert "username admin privilege 15 secret 9 $9$" in text and "\nenable secret 9 $9$" in text
        assert (bench.node.startup_path.stat().st_mode & 0o777) == 0o600
        key = asyncssh.read_private_key(str(bench.node.host_key_path)).export_public_key("openssh").decode().split()
        bench.hostkey_b64 = key[1]
        known = tmp_path_factory.mktemp("client") / "known_hosts"
        known.write_text("[%s]:2022 %s %s\n" % (bench.node.address, key[0], key[1]), encoding="utf-8")
        bench.known_hosts = str(known)
        with cli(bench) as conn:  # the hashed secrets still let the users in (login and enable)
            shown = conn.send_command("show startup-config")
            assert conn.check_enable_mode()
            assert "s3cret-Admin" not in shown and "secret 9 $9$" in shown
            running = conn.send_command("show running-config")
            assert "s3cret-Admin" not in running and "en4ble-Secret" not in running
            # the other lines are kept as they were written
            assert "  etr map-server 127.0.10.1 key 0 SITE1-KEY" in shown
    finally:
        bench.close()


def test_service_password_encryption_over_cli_and_netconf(bench):
    reset(bench)
    with cli(bench) as conn:
        out = conn.send_config_set(["service password-encryption", "router lisp", "site SITE2", "authentication-key 0 SITE2-KEY"])
        assert "Invalid" not in out, out
        running = conn.send_command("show running-config")
    assert "\nservice password-encryption\n" in running
    assert "SITE1-KEY" not in running and "SITE2-KEY" not in running
    lines = [line.split() for line in running.splitlines() if line.startswith("  authentication-key")]
    assert [(w[1], secrets.decode_type7(w[2])) for w in lines] == [("7", "SITE1-KEY"), ("7", "SITE2-KEY")]
    with netconf(bench) as m:
        # a clear key-0 sent over NETCONF is stored (and shown) as key-7 too
        m.edit_config(target="running", config=lisp_config("<site><sname>SITE3</sname><authentication-key><key-0>SITE3-KEY"
                                                           "</key-0></authentication-key></site>"))
        reply = m.get_config("running")
        data = reply.data_xml
        data_of(reply)  # checked against Cisco's YANG models
    assert "SITE3-KEY" not in data and "<key-7>" in data and "<key-0>" not in data
    assert "<password-encryption/>" in data
    assert bench.node.running.lisp.sites["SITE3"].clear_key() == "SITE3-KEY"


def test_password_encryption_aes_over_cli_survives_restart(bench):
    reset(bench)
    with cli(bench) as conn:
        out = conn.send_config_set(["key config-key password-encrypt Master-Key-42", "password encryption aes"])
        assert "Invalid" not in out, out
        running = conn.send_command("show running-config")
        conn.save_config()
        startup = conn.send_command("show startup-config")
    for text in (running, startup):
        assert "Master-Key-42" not in text and "SITE1-KEY" not in text
        assert "\npassword encryption aes\n" in text
    line = next(line for line in running.splitlines() if line.startswith("  authentication-key"))
    assert line.split()[1] == "6"
    assert secrets.decrypt_type6(line.split()[2], "Master-Key-42") == "SITE1-KEY"
    key_file = bench.node.dir / "config-key"
    assert (key_file.stat().st_mode & 0o777) == 0o600
    tree = restarted_tree(bench)  # the master key comes back from its own file, and decrypts the key
    assert tree.lisp.sites["SITE1"].key_type == 6
    assert tree.lisp.sites["SITE1"].clear_key(tree.config_key) == "SITE1-KEY"
    with netconf(bench) as m:
        reply = m.get_config("running")
        data = reply.data_xml
        data_of(reply)
    assert "<key-6>%s</key-6>" % line.split()[2] in data and "<aes/>" in data

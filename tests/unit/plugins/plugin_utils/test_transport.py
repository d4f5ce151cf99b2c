# -*- coding: utf-8 -*-
"""plugin_utils.transport against real SSH sessions on 127.0.0.1 (NETCONF subsystem and IOS-like shell)."""

from __future__ import annotations

import socket

import paramiko
import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils import transport as T
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.test_transport_servers import (
    CAPS_RUNNING,
    CliServer,
    NetconfServer,
)

NATIVE = "<native xmlns='http://cisco.com/ns/yang/Cisco-IOS-XE-native'><router><lisp xmlns='http://cisco.com/ns/yang/Cisco-IOS-XE-lisp'/></router></native>"
DATA = "<data xmlns='urn:ietf:params:xml:ns:netconf:base:1.0'>%s</data>" % NATIVE


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def nc_server():
    server = NetconfServer(data=DATA)
    yield server
    server.close()


@pytest.fixture
def cli_server():
    server = CliServer(running="router lisp\n site SITE1\n  exit-site\n exit-router-lisp", enable_secret="en-able")
    yield server
    server.close()


def known_hosts(tmp_path, *lines):
    path = tmp_path / "known_hosts"
    path.write_text("".join(lines))
    return str(path)


def nc(server, kh, **kwargs):
    options = dict(username="admin", password="secret-pw", known_hosts=kh, timeout=10)
    options.update(kwargs)
    return T.NetconfTransport(server.host, server.port, **options).open()


def cli(server, kh, **kwargs):
    options = dict(username="admin", password="secret-pw", enable_secret="en-able", known_hosts=kh, timeout=10)
    options.update(kwargs)
    return T.CliTransport(server.host, server.port, **options).open()


# -- inventory variables ---------------------------------------------------------------------------


def test_settings_defaults_follow_inventory_conventions():
    settings = T.connection_settings({"inventory_hostname": "r1", "ansible_user": "u", "ansible_password": "p"})
    assert settings == {
        "kind": "netconf", "host": "r1", "port": 830, "username": "u", "password": "p", "key_file": None,
        "enable_secret": None, "known_hosts": "~/.ssh/known_hosts", "host_key_checking": True, "timeout": 30,
    }


def test_settings_cli_port_host_and_opt_out():
    settings = T.connection_settings({
        "inventory_hostname": "r1", "ansible_host": "127.0.1.1", "lispnet_transport": "cli", "lispnet_cli_port": "2022",
        "lispnet_netconf_port": 2830, "lispnet_host_key_checking": "false", "ansible_become_password": "en",
        "lispnet_known_hosts": "/tmp/kh", "lispnet_timeout": 5, "ansible_ssh_private_key_file": "~/.ssh/id",
    })
    assert (settings["kind"], settings["host"], settings["port"]) == ("cli", "127.0.1.1", 2022)
    assert settings["host_key_checking"] is False
    assert settings["enable_secret"] == "en"
    assert (settings["known_hosts"], settings["timeout"], settings["key_file"]) == ("/tmp/kh", 5, "~/.ssh/id")


def test_settings_fall_back_to_ansibles_own_variables():
    settings = T.connection_settings({
        "inventory_hostname": "r1", "ansible_private_key_file": "~/.ssh/id_ed25519", "ansible_host_key_checking": False,
        "ansible_command_timeout": "12",
    })
    assert (settings["key_file"], settings["host_key_checking"], settings["timeout"]) == ("~/.ssh/id_ed25519", False, 12)
    settings = T.connection_settings({
        "inventory_hostname": "r1", "ansible_private_key_file": "~/.ssh/b", "ansible_ssh_private_key_file": "~/.ssh/a",
        "ansible_host_key_checking": False, "lispnet_host_key_checking": True, "lispnet_timeout": 7, "ansible_command_timeout": 12,
    })
    assert (settings["key_file"], settings["host_key_checking"], settings["timeout"]) == ("~/.ssh/a", True, 7)
    with pytest.raises(T.TransportError) as err:
        T.connection_settings({"inventory_hostname": "r1", "ansible_host_key_checking": "perhaps"})
    assert "ansible_host_key_checking must be a boolean, got 'perhaps'" in str(err.value)


@pytest.mark.parametrize("variables, needle", [
    ({"lispnet_transport": "telnet"}, "lispnet_transport must be 'netconf' or 'cli', got 'telnet'"),
    ({"lispnet_netconf_port": "abc"}, "lispnet_netconf_port must be an integer, got 'abc'"),
    ({"lispnet_host_key_checking": "maybe"}, "lispnet_host_key_checking must be a boolean, got 'maybe'"),
    ({"lispnet_timeout": 0}, "lispnet_timeout must be positive, got 0"),
])
def test_settings_reject_bad_values(variables, needle):
    variables = dict(variables, inventory_hostname="r1")
    with pytest.raises(T.TransportError) as err:
        T.connection_settings(variables)
    assert needle in str(err.value)


def test_settings_are_templated_when_a_templar_is_given():
    class Templar:
        def template(self, value):
            return {"{{ pw }}": "from-vault"}[value]

    settings = T.connection_settings({"inventory_hostname": "r1", "ansible_password": "{{ pw }}"}, templar=Templar())
    assert settings["password"] == "from-vault"


def test_known_hosts_name_is_openssh_style():
    assert T.known_hosts_name("10.0.0.1", 22) == "10.0.0.1"
    assert T.known_hosts_name("127.0.1.1", 2830) == "[127.0.1.1]:2830"


# -- connection failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["netconf", "cli"])
def test_connection_refused_names_transport_host_port_and_cause(kind):
    port = free_port()
    variables = {"ansible_host": "127.0.0.1", "lispnet_transport": kind, "lispnet_%s_port" % kind: port,
                 "lispnet_host_key_checking": False, "ansible_user": "u", "ansible_password": "pw"}
    with pytest.raises(T.TransportError) as err:
        T.connect(variables)
    assert str(err.value) == "%s 127.0.0.1:%s: connection refused (nothing listens on that port)" % (kind, port)
    assert (err.value.host, err.value.port, err.value.transport, err.value.cause) == ("127.0.0.1", port, kind, "refused")


def test_connect_timeout_is_reported():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    try:
        # a listener that never answers the SSH banner
        with pytest.raises(T.TransportError) as err:
            T.CliTransport("127.0.0.1", port, username="u", password="p", host_key_checking=False, timeout=1).open()
        assert str(err.value).startswith("cli 127.0.0.1:%s: SSH CLI session failed:" % port)
        assert err.value.cause in ("timeout", "session")
    finally:
        listener.close()


def test_netconf_auth_failure(nc_server, tmp_path):
    kh = known_hosts(tmp_path, nc_server.known_hosts_line())
    with pytest.raises(T.TransportError) as err:
        nc(nc_server, kh, password="wrong")
    assert str(err.value) == "netconf 127.0.0.1:%s: authentication failed for user 'admin'" % nc_server.port
    assert err.value.cause == "auth failed"
    assert "wrong" not in str(err.value)


def test_cli_auth_failure(cli_server, tmp_path):
    kh = known_hosts(tmp_path, cli_server.known_hosts_line())
    with pytest.raises(T.TransportError) as err:
        cli(cli_server, kh, password="wrong")
    assert str(err.value) == "cli 127.0.0.1:%s: authentication failed for user 'admin'" % cli_server.port


# -- host keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("opener, server_fixture", [(nc, "nc_server"), (cli, "cli_server")])
def test_known_host_key_is_accepted(opener, server_fixture, request, tmp_path):
    server = request.getfixturevalue(server_fixture)
    transport = opener(server, known_hosts(tmp_path, server.known_hosts_line()))
    try:
        assert transport.host_key_checking is True
    finally:
        transport.close()


@pytest.mark.parametrize("opener, server_fixture, kind", [(nc, "nc_server", "netconf"), (cli, "cli_server", "cli")])
def test_unknown_host_key_is_rejected_before_any_password_is_sent(opener, server_fixture, kind, request, tmp_path):
    server = request.getfixturevalue(server_fixture)
    other = paramiko.ECDSAKey.generate()
    kh = known_hosts(tmp_path, "[127.0.0.1]:1 %s %s\n" % (other.get_name(), other.get_base64()))
    with pytest.raises(T.TransportError) as err:
        opener(server, kh)
    message = str(err.value)
    assert message.startswith("%s 127.0.0.1:%s: host key verification failed: no key for [127.0.0.1]:%s in %s"
                              % (kind, server.port, server.port, kh))
    assert T.fingerprint(server.host_key) in message
    assert err.value.cause == "host key"
    assert server.auth_attempts == 0


@pytest.mark.parametrize("opener, server_fixture, kind", [(nc, "nc_server", "netconf"), (cli, "cli_server", "cli")])
def test_changed_host_key_is_rejected_naming_both_fingerprints(opener, server_fixture, kind, request, tmp_path):
    server = request.getfixturevalue(server_fixture)
    impostor_key = paramiko.ECDSAKey.generate()
    kh = known_hosts(tmp_path, "[127.0.0.1]:%s %s %s\n" % (server.port, impostor_key.get_name(), impostor_key.get_base64()))
    with pytest.raises(T.TransportError) as err:
        opener(server, kh)
    message = str(err.value)
    assert "%s 127.0.0.1:%s: host key verification failed: the device presented %s" % (kind, server.port, T.fingerprint(server.host_key)) in message
    assert T.fingerprint(impostor_key) in message
    assert server.auth_attempts == 0


def test_missing_known_hosts_file_is_named(nc_server, tmp_path):
    with pytest.raises(T.TransportError) as err:
        nc(nc_server, str(tmp_path / "absent"))
    assert "(the file does not exist)" in str(err.value)


@pytest.mark.parametrize("opener, server_fixture", [(nc, "nc_server"), (cli, "cli_server")])
def test_host_key_checking_false_is_the_explicit_opt_out(opener, server_fixture, request, tmp_path):
    server = request.getfixturevalue(server_fixture)
    kh = str(tmp_path / "known_hosts")
    transport = opener(server, kh, host_key_checking=False)
    transport.close()
    # and nothing was written to the known_hosts file
    assert not (tmp_path / "known_hosts").exists()


def test_iosxe_handler_no_longer_accepts_any_key():
    kwargs = {}
    T.StrictIosxeDeviceHandler({"name": "iosxe"}).add_additional_ssh_connect_params(kwargs)
    assert kwargs["unknown_host_cb"]("h", "aa:bb") is False


# -- NETCONF operations ----------------------------------------------------------------------------


def test_get_config_returns_the_data_element_and_rpcs_skip_the_polling_loop(nc_server, tmp_path):
    transport = nc(nc_server, known_hosts(tmp_path, nc_server.known_hosts_line()))
    try:
        assert transport.direct_send is True
        for _attempt in range(5):
            data = transport.get_config(NATIVE)
            assert data.tag == "{urn:ietf:params:xml:ns:netconf:base:1.0}data"
            assert data[0].tag == "{http://cisco.com/ns/yang/Cisco-IOS-XE-native}native"
        assert transport.get(NATIVE).tag.endswith("data")
        assert nc_server.log == ["get-config"] * 5 + ["get"]
    finally:
        transport.close()
    assert nc_server.log[-1] == "close-session"


def test_edit_uses_candidate_and_confirmed_commit_when_offered(nc_server, tmp_path):
    with nc(nc_server, known_hosts(tmp_path, nc_server.known_hosts_line())) as transport:
        transport.edit(NATIVE)
    assert nc_server.log[:9] == ["lock", "lock", "discard-changes", "edit-config", "validate", "commit", "commit", "unlock", "unlock"]
    edit = nc_server.edits[0]
    assert "<target><candidate/></target>" in edit.replace(" ", "").replace("nc:", "") or "candidate" in edit
    assert "Cisco-IOS-XE-lisp" in edit


def test_edit_running_with_rollback_on_error_without_candidate(tmp_path):
    server = NetconfServer(caps=CAPS_RUNNING, data=DATA)
    try:
        with nc(server, known_hosts(tmp_path, server.known_hosts_line())) as transport:
            transport.edit("<config xmlns='urn:ietf:params:xml:ns:netconf:base:1.0'>%s</config>" % NATIVE)
        assert server.log[:3] == ["lock", "edit-config", "unlock"]
        assert "rollback-on-error" in server.edits[0]
        assert "running" in server.edits[0]
    finally:
        server.close()


def test_failed_edit_discards_unlocks_and_reports_the_device_answer(tmp_path):
    server = NetconfServer(data=DATA, fail_on={"edit-config": "invalid value for eid-prefix"})
    try:
        with nc(server, known_hosts(tmp_path, server.known_hosts_line())) as transport:
            with pytest.raises(T.TransportError) as err:
                transport.edit(NATIVE)
        message = str(err.value)
        assert message.startswith("netconf 127.0.0.1:%s: edit-config (candidate) failed:" % server.port)
        assert "tag=operation-failed" in message and "message=invalid value for eid-prefix" in message
        assert server.log[:6] == ["lock", "lock", "discard-changes", "edit-config", "discard-changes", "unlock"]
        assert server.log[6] == "unlock"
        assert "commit" not in server.log
    finally:
        server.close()


def test_failed_commit_discards_the_candidate(tmp_path):
    server = NetconfServer(data=DATA, fail_on={"commit": "commit refused"})
    try:
        with nc(server, known_hosts(tmp_path, server.known_hosts_line())) as transport:
            with pytest.raises(T.TransportError) as err:
                transport.edit(NATIVE)
        assert "commit (confirmed) failed" in str(err.value) and "commit refused" in str(err.value)
        assert server.log[5:9] == ["commit", "discard-changes", "unlock", "unlock"]
    finally:
        server.close()


def test_failed_confirming_commit_cancels_the_confirmed_commit(tmp_path):
    server = NetconfServer(data=DATA)
    original = server.fail_on

    class SecondCommitFails(dict):
        # the confirmed <commit> passes, the confirming one fails
        def __contains__(self, op):
            return op == "commit" and server.log.count("commit") == 2

        def __getitem__(self, op):
            return "confirming commit refused"

    server.fail_on = SecondCommitFails()
    try:
        with nc(server, known_hosts(tmp_path, server.known_hosts_line())) as transport:
            with pytest.raises(T.TransportError) as err:
                transport.edit(NATIVE)
        assert "commit failed" in str(err.value) and "confirming commit refused" in str(err.value)
        assert server.log[5:10] == ["commit", "commit", "cancel-commit", "discard-changes", "unlock"]
    finally:
        server.fail_on = original
        server.close()


def test_lock_denied_is_reported_and_nothing_edited(tmp_path):
    server = NetconfServer(data=DATA, fail_on={"lock": "lock held by session 3"})
    try:
        with nc(server, known_hosts(tmp_path, server.known_hosts_line())) as transport:
            with pytest.raises(T.TransportError) as err:
                transport.edit(NATIVE)
        assert "lock running failed" in str(err.value) and "lock held by session 3" in str(err.value)
        assert "edit-config" not in server.log
    finally:
        server.close()


def test_save_config_sends_cisco_ia_save(nc_server, tmp_path):
    with nc(nc_server, known_hosts(tmp_path, nc_server.known_hosts_line())) as transport:
        transport.save_config()
    assert "save-config" in nc_server.log


# -- CLI operations ----------------------------------------------------------------------------------


def test_cli_enters_enable_and_reads_the_router_lisp_section(cli_server, tmp_path):
    with cli(cli_server, known_hosts(tmp_path, cli_server.known_hosts_line())) as transport:
        assert transport.get_running_section() == "router lisp\n site SITE1\n  exit-site\n exit-router-lisp"
        outputs = transport.run_commands(["show running-config | section router lisp"])
    assert list(outputs) == ["show running-config | section router lisp"]
    assert "enable" in cli_server.log  # the shell started in user EXEC mode (R1>)


def test_cli_apply_sends_one_config_set(cli_server, tmp_path):
    with cli(cli_server, known_hosts(tmp_path, cli_server.known_hosts_line())) as transport:
        transport.apply(["router lisp", " site SITE2", "  authentication-key 0 K2", "  exit-site", " exit-router-lisp"])
    assert cli_server.config_lines == ["router lisp", "site SITE2", "authentication-key 0 K2", "exit-site", "exit-router-lisp"]
    assert cli_server.log.count("configure terminal") == 1


def test_cli_rejected_line_raises_with_the_device_answer_and_stops(cli_server, tmp_path):
    with cli(cli_server, known_hosts(tmp_path, cli_server.known_hosts_line())) as transport:
        with pytest.raises(T.TransportError) as err:
            transport.apply(["router lisp", " bogus 1", " site SITE3"])
        # the session is back in exec mode and still usable
        assert transport.get_running_section().startswith("router lisp")
    assert "the device rejected ' bogus 1': % Invalid input detected at '^' marker." in str(err.value)
    assert err.value.cause == "command"
    assert "% Invalid input" in err.value.reply
    assert "site SITE3" not in cli_server.config_lines


def test_cli_exec_command_error_is_detected(cli_server, tmp_path):
    with cli(cli_server, known_hosts(tmp_path, cli_server.known_hosts_line())) as transport:
        with pytest.raises(T.TransportError) as err:
            transport.run_commands(["show lisp nonsense"])
    assert "'show lisp nonsense' was rejected: % Invalid input detected" in str(err.value)


def test_connect_builds_the_transport_from_inventory_variables(cli_server, nc_server, tmp_path):
    kh = known_hosts(tmp_path, cli_server.known_hosts_line(), nc_server.known_hosts_line())
    base = {"ansible_host": "127.0.0.1", "ansible_user": "admin", "ansible_password": "secret-pw",
            "ansible_become_password": "en-able", "lispnet_known_hosts": kh,
            "lispnet_cli_port": cli_server.port, "lispnet_netconf_port": nc_server.port}
    with T.connect(dict(base, lispnet_transport="cli")) as transport:
        assert isinstance(transport, T.CliTransport)
        assert transport.get_running_section().startswith("router lisp")
    with T.connect(base) as transport:
        assert isinstance(transport, T.NetconfTransport)
        assert any("candidate" in c for c in transport.capabilities)


@pytest.mark.parametrize("opener, server_fixture", [(nc, "nc_server"), (cli, "cli_server")])
def test_private_key_login_without_password(opener, server_fixture, request, tmp_path):
    server = request.getfixturevalue(server_fixture)
    client_key = paramiko.ECDSAKey.generate()
    key_file = tmp_path / "id_ecdsa"
    client_key.write_private_key_file(str(key_file))
    server.client_key = client_key
    transport = opener(server, known_hosts(tmp_path, server.known_hosts_line()), password=None, key_file=str(key_file))
    transport.close()
    server.client_key = None
    with pytest.raises(T.TransportError) as err:
        opener(server, known_hosts(tmp_path, server.known_hosts_line()), password=None, key_file=str(key_file))
    assert err.value.cause == "auth failed"


def test_netconf_login_is_bounded_by_lispnet_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    try:
        # accepts TCP but never sends an SSH banner: paramiko alone would wait 15 s
        with pytest.raises(T.TransportError) as err:
            T.NetconfTransport("127.0.0.1", port, username="u", password="p", host_key_checking=False, timeout=1).open()
        assert str(err.value) == ("netconf 127.0.0.1:%s: no NETCONF session within 1s (the device accepted the connection "
                                  "but did not complete the SSH login and <hello>)" % port)
        assert err.value.cause == "timeout"
    finally:
        listener.close()


@pytest.mark.parametrize("answer, is_error", [
    ("                ^\n% Invalid input detected at '^' marker.\n", True),
    ("% Incomplete command.\n", True),
    ("% Ambiguous command:  \"ser\"\n", True),
    ("% Locator-set RLOCS is in use by a database-mapping\n", True),
    ("%Invalid input\n", True),
    ("% Warning: the key is shorter than 8 characters\n", False),
    ("*Nov 26 00:00:01.123: %SYS-5-CONFIG_I: Configured from console by admin on vty0\n", False),
    ("%SYS-5-CONFIG_I: Configured from console by admin on vty0\n", False),
    ("Enter configuration commands, one per line.  End with CNTL/Z.\n", False),
    ("  eid-record 10.0.0.0/8 accept-more-specifics\n", False),
])
def test_ios_error_detection(answer, is_error):
    assert bool(T.IOS_ERROR_RE.search(answer)) is is_error

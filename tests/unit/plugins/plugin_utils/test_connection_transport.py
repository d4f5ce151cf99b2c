# -*- coding: utf-8 -*-
"""plugin_utils.connection_transport: the transports over a persistent network_cli / netconf connection.

The connection object is a double of ansible.module_utils.connection.Connection: it answers the
JSON-RPC methods the cisco.ios cliconf and netcommon netconf plugins expose, and raises the same
ConnectionError those raise (the device's output, or the <rpc-error> XML, in the message).
"""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.connection import ConnectionError as AnsibleConnectionError

from ansible_collections.lispnet.lisp.plugins.plugin_utils import connection_transport as CT
from ansible_collections.lispnet.lisp.plugins.plugin_utils import transport as T
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.test_transport_servers import CliServer

INVALID = "% Invalid input detected at '^' marker."


class FakeCliConnection:
    """cisco.ios cliconf over network_cli: get(command=...) in exec or configuration mode."""

    def __init__(self):
        self.sent = []
        self.config_mode = False
        self.running = "router lisp\n locator-set RLOCS\n exit-locator-set\nexit-router-lisp"

    def get(self, command):
        self.sent.append(command)
        if command == "configure terminal":
            self.config_mode = True
            return "Enter configuration commands, one per line.  End with CNTL/Z."
        if command == "end":
            self.config_mode = False
            return ""
        if "bogus" in command:
            # the cisco.ios terminal plugin turns this answer into a connection error
            raise AnsibleConnectionError("%s\r\n   ^\r\n%s\r\n\r\nR1%s#" % (command, INVALID, "(config)" if self.config_mode else ""))
        if "in-use" in command:
            return "% Locator-set RLOCS is in use"  # no terminal error pattern matches this one
        if command.startswith("show running-config"):
            return self.running
        return "%SYS-5-CONFIG_I: Configured from console" if self.config_mode else "ok"

    def set_cli_prompt_context(self):
        self.sent.append("<prompt context>")
        self.config_mode = False


def test_cli_run_commands_and_running_section():
    conn = FakeCliConnection()
    cli = CT.NetworkCliTransport(None, "127.0.1.1", 2022, connection=conn)
    assert cli.kind == "cli" and cli.where == "cli 127.0.1.1:2022"
    assert cli.get_running_section().startswith("router lisp")
    assert cli.run_commands(["show lisp site"]) == {"show lisp site": "ok"}


def test_cli_rejected_command_has_the_direct_transports_text_and_cause():
    cli = CT.NetworkCliTransport(None, "127.0.1.1", 2022, connection=FakeCliConnection())
    with pytest.raises(T.TransportError) as err:
        cli.run_commands(["show bogus"])
    assert str(err.value) == "cli 127.0.1.1:2022: 'show bogus' was rejected: %s" % INVALID
    assert err.value.cause == "command"


def test_cli_apply_stops_at_the_first_rejected_line_and_leaves_configuration_mode():
    conn = FakeCliConnection()
    cli = CT.NetworkCliTransport(None, "127.0.1.1", 2022, connection=conn)
    with pytest.raises(T.TransportError) as err:
        cli.apply(["router lisp", " bogus 1", " never sent"])
    assert str(err.value) == "cli 127.0.1.1:2022: the device rejected ' bogus 1': %s" % INVALID
    assert err.value.cause == "command"
    assert conn.sent == ["configure terminal", "router lisp", " bogus 1", "end"]
    assert not conn.config_mode


def test_cli_apply_catches_an_error_answer_the_terminal_plugin_lets_through():
    conn = FakeCliConnection()
    cli = CT.NetworkCliTransport(None, "127.0.1.1", 2022, connection=conn)
    with pytest.raises(T.TransportError) as err:
        cli.apply(["router lisp", " no locator-set in-use", " never sent"])
    assert "the device rejected ' no locator-set in-use': % Locator-set RLOCS is in use" in str(err.value)
    assert conn.sent[-1] == "end"


def test_cli_apply_accepts_syslog_lines_and_returns_the_output():
    conn = FakeCliConnection()
    cli = CT.NetworkCliTransport(None, "127.0.1.1", 22, connection=conn)
    output = cli.apply(["router lisp", " site S"])
    assert "Configured from console" in output
    assert conn.sent == ["configure terminal", "router lisp", " site S", "end"]


def test_cli_session_failure_is_not_a_command_rejection():
    class Dead(FakeCliConnection):
        def get(self, command):
            raise AnsibleConnectionError("socket path /tmp/x does not exist or cannot be found")

    cli = CT.NetworkCliTransport(None, "127.0.1.1", 22, connection=Dead())
    with pytest.raises(T.TransportError) as err:
        cli.run_commands(["show lisp site"])
    assert err.value.cause == "session"
    assert str(err.value).startswith("cli 127.0.1.1:22: 'show lisp site' failed: socket path")


RPC_ERROR = ("<rpc-reply xmlns='urn:ietf:params:xml:ns:netconf:base:1.0'><rpc-error><error-type>application</error-type>"
             "<error-tag>invalid-value</error-tag><error-severity>error</error-severity>"
             "<error-path>/native/router/lisp</error-path><error-message>bad   value</error-message></rpc-error></rpc-reply>")
CAPS = ["urn:ietf:params:netconf:base:1.1", T.CAP_CANDIDATE, T.CAP_CONFIRMED_COMMIT, T.CAP_VALIDATE]
DATA = "<data xmlns='urn:ietf:params:xml:ns:netconf:base:1.0'><native xmlns='http://cisco.com/ns/yang/Cisco-IOS-XE-native'/></data>"


class FakeNetconfConnection:
    """netcommon's netconf plugin methods, recording the calls; fail names a method to fail once."""

    def __init__(self, caps=None, fail=None):
        self.calls = []
        self.caps = CAPS if caps is None else caps
        self.fail = fail

    def __getattr__(self, name):
        def method(**kwargs):
            self.calls.append((name, kwargs))
            if name == self.fail:
                raise AnsibleConnectionError(RPC_ERROR)
            if name == "get_capabilities":
                return json.dumps({"server_capabilities": self.caps})
            if name in ("get", "get_config"):
                return DATA
            return "<ok/>"
        return method

    def names(self):
        return [name for name, _kwargs in self.calls if name != "get_capabilities"]


def test_netconf_reads_return_the_data_element():
    conn = FakeNetconfConnection()
    nc = CT.NetconfConnectionTransport(None, "127.0.1.1", None, connection=conn)
    assert nc.where == "netconf 127.0.1.1:830"
    data = nc.get_config("<native/>")
    assert data.tag == "{urn:ietf:params:xml:ns:netconf:base:1.0}data"
    assert conn.calls[-1] == ("get_config", {"source": "running", "filter": ["subtree", "<native/>"]})
    assert nc.get("<lisp-state/>").tag.endswith("data")


def test_netconf_edit_uses_candidate_validate_and_confirmed_commit():
    conn = FakeNetconfConnection()
    nc = CT.NetconfConnectionTransport(None, "127.0.1.1", 2830, connection=conn)
    nc.edit("<native xmlns='http://cisco.com/ns/yang/Cisco-IOS-XE-native'/>")
    assert conn.names() == ["lock", "lock", "discard_changes", "edit_config", "validate", "commit", "commit", "unlock", "unlock"]
    edit = dict(conn.calls)["edit_config"]
    assert edit["target"] == "candidate" and edit["config"].startswith("<config xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\">")
    commits = [kwargs for name, kwargs in conn.calls if name == "commit"]
    assert commits == [{"confirmed": True, "timeout": str(T.CONFIRM_TIMEOUT)}, {}]


def test_netconf_failed_edit_discards_unlocks_and_reports_the_rpc_error_like_the_direct_transport():
    conn = FakeNetconfConnection(fail="edit_config")
    nc = CT.NetconfConnectionTransport(None, "127.0.1.1", 2830, connection=conn)
    with pytest.raises(T.TransportError) as err:
        nc.edit("<native xmlns='http://cisco.com/ns/yang/Cisco-IOS-XE-native'/>")
    assert str(err.value) == ("netconf 127.0.1.1:2830: edit-config (candidate) failed: "
                              "severity=error, tag=invalid-value, path=/native/router/lisp, message=bad value")
    assert err.value.cause == "rpc-error"
    assert conn.names() == ["lock", "lock", "discard_changes", "edit_config", "discard_changes", "unlock", "unlock"]


def test_netconf_refused_confirming_commit_cancels_the_confirmed_commit():
    class FailSecondCommit(FakeNetconfConnection):
        def __getattr__(self, name):
            method = super().__getattr__(name)
            if name != "commit":
                return method

            def commit(**kwargs):
                if kwargs:
                    return method(**kwargs)
                self.calls.append(("commit", kwargs))
                raise AnsibleConnectionError(RPC_ERROR)
            return commit

    conn = FailSecondCommit()
    nc = CT.NetconfConnectionTransport(None, "127.0.1.1", 2830, connection=conn)
    with pytest.raises(T.TransportError):
        nc.edit("<native xmlns='http://cisco.com/ns/yang/Cisco-IOS-XE-native'/>")
    assert ("dispatch", {"rpc_command": CT.CANCEL_COMMIT}) in conn.calls
    assert conn.names()[-2:] == ["unlock", "unlock"]


def test_netconf_without_candidate_edits_running_with_rollback_on_error():
    conn = FakeNetconfConnection(caps=["urn:ietf:params:netconf:base:1.1", T.CAP_ROLLBACK_ON_ERROR])
    nc = CT.NetconfConnectionTransport(None, "127.0.1.1", 2830, connection=conn)
    nc.edit("<native xmlns='http://cisco.com/ns/yang/Cisco-IOS-XE-native'/>")
    assert conn.names() == ["lock", "edit_config", "unlock"]
    assert dict(conn.calls)["edit_config"]["error_option"] == "rollback-on-error"
    assert dict(conn.calls)["edit_config"]["target"] == "running"


def test_netconf_unknown_host_key_says_so():
    class Unknown(FakeNetconfConnection):
        def __getattr__(self, name):
            def method(**kwargs):
                raise AnsibleConnectionError("Unknown host key [e8:65:62] for [127.0.1.1]")
            return method

    nc = CT.NetconfConnectionTransport(None, "127.0.1.1", 2830, connection=Unknown())
    with pytest.raises(T.TransportError) as err:
        nc.get_config("<native/>")
    assert err.value.cause == "host key"
    assert str(err.value).startswith("netconf 127.0.1.1:2830: host key verification failed: Unknown host key [e8:65:62] for")


def test_rpc_error_text_of_a_message_without_xml_is_the_message():
    assert CT._rpc_error_text("timed out   waiting") == "timed out waiting"


class _Connection:
    def __init__(self, transport, socket_path, options=None):
        self.transport = transport
        self.socket_path = socket_path
        self.options = options or {}

    def get_option(self, name):
        return self.options[name]


class _PlayContext:
    def __init__(self, connection, remote_addr="127.0.1.1", port=2022):
        self.connection = connection
        self.remote_addr = remote_addr
        self.port = port


class _Action:
    def __init__(self, transport, socket_path="/tmp/sock", options=None, remote_addr="127.0.1.1", port=2022):
        self._connection = _Connection(transport, socket_path, options)
        self._play_context = _PlayContext(transport, remote_addr, port)


@pytest.mark.parametrize("name, kind", [
    ("ansible.netcommon.network_cli", "cli"), ("network_cli", "cli"),
    ("ansible.netcommon.netconf", "netconf"), ("netconf", "netconf"),
    ("local", None), ("ansible.builtin.ssh", None), (None, None),
])
def test_which_connections_are_used(name, kind):
    assert CT.persistent_kind(name) == kind
    opener = CT.Opener(_Action(name))
    assert opener.kind == kind
    assert (CT.Opener.persistent_only(_Action(name)) is None) == (kind is None)


def test_opener_without_a_socket_fails_clearly():
    opener = CT.Opener(_Action("ansible.netcommon.netconf", socket_path=None))
    with pytest.raises(T.TransportError) as err:
        opener({})
    assert "ansible_connection is ansible.netcommon.netconf but Ansible started no persistent connection" in str(err.value)


def test_opener_of_netconf_takes_host_and_port_from_the_play_context():
    transport = CT.Opener(_Action("ansible.netcommon.netconf", port=2830))({"inventory_hostname": "r1"})
    assert isinstance(transport, CT.NetconfConnectionTransport)
    assert transport.where == "netconf 127.0.1.1:2830"


@pytest.fixture
def cli_server():
    server = CliServer(running="")
    yield server
    server.close()


@pytest.mark.parametrize("auto_add", [True, False])
def test_network_cli_refuses_trust_on_first_use(cli_server, tmp_path, monkeypatch, auto_add):
    """network_cli over paramiko would accept an unknown key (with host_key_auto_add, netcommon's
    default, and without it too): the task fails before the connection logs in."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(CT, "SYSTEM_KNOWN_HOSTS", ())
    action = _Action("ansible.netcommon.network_cli",
                     options={"host_key_checking": True, "host_key_auto_add": auto_add, "ssh_type": "paramiko"},
                     remote_addr=cli_server.host, port=cli_server.port)
    with pytest.raises(T.TransportError) as err:
        CT.Opener(action)({})
    assert err.value.cause == "host key"
    assert "host key verification failed: no key for [%s]:%s" % (cli_server.host, cli_server.port) in str(err.value)
    assert "the device presented %s" % T.fingerprint(cli_server.host_key) in str(err.value)
    assert not (tmp_path / ".ssh" / "known_hosts").exists()

    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "known_hosts").write_text(cli_server.known_hosts_line())
    assert isinstance(CT.Opener(action)({}), CT.NetworkCliTransport)


def test_network_cli_without_checking_or_over_libssh_leaves_host_keys_to_the_connection(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for options in ({"host_key_checking": True, "ssh_type": "libssh"},
                    {"host_key_checking": False, "ssh_type": "paramiko"}):
        transport = CT.Opener(_Action("ansible.netcommon.network_cli", options=options, port=None))({})
        assert transport.where == "cli 127.0.1.1:22"

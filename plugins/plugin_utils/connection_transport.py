# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Transports over the host's own persistent connection (ansible.netcommon network_cli / netconf).

When a host's ``ansible_connection`` is ``ansible.netcommon.network_cli`` or
``ansible.netcommon.netconf``, Ansible starts one persistent connection process per host and keeps
it across tasks. The action plugins reach it through ``ansible.module_utils.connection.Connection``
(JSON-RPC over the connection's UNIX socket) and wrap it in the same interface as the direct
transports of ``transport.py`` (``kind``, ``where``, ``run_commands``, ``get_running_section``,
``apply``, ``get_config``, ``get``, ``edit``, ``has``, ``close``), so the resource logic, facts and
verify code run unchanged. Errors are ``transport.TransportError`` with the same texts.

The connection carries host, port, credentials, enable (``ansible_become``), timeouts and host key
checking: no ``lispnet_*`` variable is read.
"""

from __future__ import annotations

import importlib.util
import json
import os

from ansible.module_utils.connection import Connection, ConnectionError as AnsibleConnectionError

from ansible_collections.lispnet.lisp.plugins.plugin_utils.transport import (
    CAP_CANDIDATE,
    CAP_CONFIRMED_COMMIT,
    CAP_CONFIRMED_COMMIT_10,
    CAP_ROLLBACK_ON_ERROR,
    CAP_VALIDATE,
    CAP_VALIDATE_10,
    CONFIRM_TIMEOUT,
    Endpoint,
    IOS_ERROR_RE,
    NETCONF_BASE_NS,
    TransportError,
    _host_key_error,
    connect,
    load_known_keys,
)

try:
    from lxml import etree
except ImportError:
    etree = None

# ansible_connection value -> transport kind. Short names are what a play's 'connection:' keyword
# or an old inventory may say; Ansible resolves both to the same plugin.
PERSISTENT_CONNECTIONS = {
    "ansible.netcommon.network_cli": "cli",
    "network_cli": "cli",
    "ansible.netcommon.netconf": "netconf",
    "netconf": "netconf",
}
DEFAULT_PORTS = {"cli": 22, "netconf": 830}
SYSTEM_KNOWN_HOSTS = ("/etc/ssh/ssh_known_hosts", "/etc/openssh/ssh_known_hosts")  # paramiko reads these too
CANCEL_COMMIT = '<cancel-commit xmlns="%s"/>' % NETCONF_BASE_NS


def persistent_kind(connection_name):
    """'cli' or 'netconf' for a network_cli / netconf connection name, else None."""
    return PERSISTENT_CONNECTIONS.get(str(connection_name or ""))


def _text(exc):
    return " ".join(str(exc).split()) or exc.__class__.__name__


class ConnectionTransport(Endpoint):
    """What both connection-backed transports share."""

    connection_name = None

    def __init__(self, socket_path, host, port=None, connection=None):
        self.host = str(host)
        self.port = int(port or DEFAULT_PORTS[self.kind])
        self._conn = connection if connection is not None else Connection(socket_path)

    def open(self):
        """Nothing to open: Ansible started the persistent connection before the task ran."""
        return self

    def close(self):
        """Nothing to close: the persistent connection stays up for the host's next task."""


class NetworkCliTransport(ConnectionTransport):
    """The SSH CLI of ansible.netcommon.network_cli (cisco.ios cliconf and terminal plugins)."""

    kind = "cli"
    connection_name = "ansible.netcommon.network_cli"
    RUNNING_SECTION = "show running-config | section router lisp"

    def _get(self, command):
        """One command through cliconf's get(); -> (output, IOS error line or None).

        The cisco.ios terminal plugin turns most IOS error answers into a connection error carrying
        the device's output; the rest ('% Locator-set X is in use') come back as normal output.
        Both are found with the same pattern as the direct CLI transport.
        """
        try:
            output = self._conn.get(command=command)
        except AnsibleConnectionError as exc:
            match = IOS_ERROR_RE.search(str(exc))
            if match:
                return str(exc), match.group(0).strip()
            text = _text(exc)
            cause = "timeout" if "timeout" in text.lower() or "timed out" in text.lower() else "session"
            raise self.error("%r: no answer: %s" % (command, text) if cause == "timeout" else "%r failed: %s" % (command, text),
                             cause=cause) from None
        output = "" if output is None else str(output)
        match = IOS_ERROR_RE.search(output)
        return output, match.group(0).strip() if match else None

    def run_commands(self, commands):
        """Run exec commands; returns {command: output}. An IOS error answer raises TransportError."""
        outputs = {}
        for command in commands:
            output, error = self._get(command)
            if error:
                raise self.error("%r was rejected: %s" % (command, error), cause="command", reply=output)
            outputs[command] = output
        return outputs

    def get_running_section(self):
        """The 'router lisp' section of the running configuration."""
        return self.run_commands([self.RUNNING_SECTION])[self.RUNNING_SECTION]

    def apply(self, lines):
        """Send lines as one configuration set (configure terminal ... end), one line at a time.

        Stops at the first line the device rejects and raises TransportError with its answer (the
        lines before it are applied: IOS has no atomic CLI commit; the caller re-reads and restores).
        """
        output = ""
        try:
            answer, error = self._get("configure terminal")
            output += answer
            if error:
                raise self.error("cannot enter configuration mode: %s" % error, cause="session", reply=output)
            for line in lines:
                answer, error = self._get(line)
                output += answer
                if error:
                    raise self.error("the device rejected %r: %s" % (line, error), cause="command", reply=output)
        finally:
            self._leave_config_mode()
        return output

    def _leave_config_mode(self):
        try:
            self._conn.get(command="end")
        except AnsibleConnectionError:
            try:
                self._conn.set_cli_prompt_context()
            except AnsibleConnectionError:  # the next task's prompt check sends 'end' again
                pass

    def save_config(self):
        return self.run_commands(["write memory"])["write memory"]


class NetconfConnectionTransport(ConnectionTransport):
    """NETCONF through ansible.netcommon.netconf (its ncclient session lives in the connection process)."""

    kind = "netconf"
    connection_name = "ansible.netcommon.netconf"

    def __init__(self, socket_path, host, port=None, connection=None):
        super().__init__(socket_path, host, port, connection)
        self._capabilities = None

    def _call(self, what, method, *args, **kwargs):
        try:
            return getattr(self._conn, method)(*args, **kwargs)
        except AnsibleConnectionError as exc:
            text = _rpc_error_text(str(exc))
            cause = "rpc-error"
            if "timeout" in text.lower() or "timed out" in text.lower():
                cause = "timeout"
            if "unknown host key" in text.lower():
                # ncclient's SSHUnknownHostError, raised while the connection logs in
                raise self.error("host key verification failed: %s; add the device's key to ~/.ssh/known_hosts (or to the "
                                 "UserKnownHostsFile of ansible_netconf_ssh_config)" % text, cause="host key") from None
            raise self.error("%s failed: %s" % (what, text), cause=cause, reply=str(exc)) from None

    @property
    def capabilities(self):
        if self._capabilities is None:
            reply = self._call("capabilities", "get_capabilities")
            try:
                self._capabilities = list(json.loads(reply).get("server_capabilities") or [])
            except (TypeError, ValueError):
                raise self.error("the connection's capabilities are not JSON: %r" % (reply,), cause="session") from None
        return self._capabilities

    def has(self, *capabilities):
        caps = self.capabilities
        return any(any(c.startswith(want) for c in caps) for want in capabilities)

    def _data(self, what, reply):
        """The <data> element of a reply the connection hands back as XML text."""
        if reply is None or reply == "":
            return None
        try:
            return etree.fromstring(reply.encode("utf-8") if isinstance(reply, str) else reply)
        except etree.XMLSyntaxError as exc:
            raise self.error("%s: the device answered with XML that does not parse: %s" % (what, exc), cause="session") from None

    def get_config(self, filter_xml, source="running"):
        """<get-config> with a subtree filter; returns the reply's <data> element."""
        return self._data("get-config", self._call("get-config", "get_config", source=source, filter=["subtree", filter_xml]))

    def get(self, filter_xml):
        """<get> (config and state) with a subtree filter; returns the reply's <data> element."""
        return self._data("get", self._call("get", "get", filter=["subtree", filter_xml]))

    @staticmethod
    def _config_text(config_xml):
        text = config_xml if isinstance(config_xml, str) else etree.tostring(config_xml, encoding="unicode")
        element = etree.fromstring(text.encode("utf-8"))
        if etree.QName(element).localname != "config":
            wrapper = etree.Element("{%s}config" % NETCONF_BASE_NS, nsmap={None: NETCONF_BASE_NS})
            wrapper.append(element)
            element = wrapper
        return etree.tostring(element, encoding="unicode")

    def edit(self, config_xml):
        """Apply config_xml atomically, as NetconfTransport.edit does (see docs/transports.md)."""
        config = self._config_text(config_xml)
        if self.has(CAP_CANDIDATE):
            return self._edit_candidate(config)
        return self._edit_running(config)

    def _quietly(self, method, **kwargs):
        try:
            getattr(self._conn, method)(**kwargs)
        except AnsibleConnectionError:  # best effort; the original error is reported
            pass

    def _edit_candidate(self, config):
        locked = []
        pending = False  # a confirmed commit waits for its confirming commit
        try:
            for target in ("running", "candidate"):
                self._call("lock %s" % target, "lock", target=target)
                locked.append(target)
            self._call("discard-changes", "discard_changes")
            reply = self._call("edit-config (candidate)", "edit_config", config=config, target="candidate")
            if self.has(CAP_VALIDATE, CAP_VALIDATE_10):
                self._call("validate (candidate)", "validate", source="candidate")
            if self.has(CAP_CONFIRMED_COMMIT, CAP_CONFIRMED_COMMIT_10):
                self._call("commit (confirmed)", "commit", confirmed=True, timeout=str(CONFIRM_TIMEOUT))
                pending = True
            self._call("commit", "commit")
            return reply
        except TransportError:
            if pending and self.has(CAP_CONFIRMED_COMMIT):
                # RFC 6241 §8.4.5.1 (:confirmed-commit:1.1): roll the unconfirmed commit back now
                # rather than after CONFIRM_TIMEOUT
                self._quietly("dispatch", rpc_command=CANCEL_COMMIT)
            if "candidate" in locked:
                self._quietly("discard_changes")
            raise
        finally:
            for target in reversed(locked):
                self._quietly("unlock", target=target)

    def _edit_running(self, config):
        locked = False
        error_option = "rollback-on-error" if self.has(CAP_ROLLBACK_ON_ERROR) else None
        try:
            self._call("lock running", "lock", target="running")
            locked = True
            return self._call("edit-config (running)", "edit_config", config=config, target="running",
                              error_option=error_option)
        finally:
            if locked:
                self._quietly("unlock", target="running")

    def save_config(self):
        """Copy running to startup (cisco-ia:save-config, as IOS-XE's 'write memory')."""
        return self._call("save-config", "dispatch", rpc_command='<save-config xmlns="http://cisco.com/yang/cisco-ia"/>')


def _rpc_error_text(message):
    """The device's <rpc-error>s in a connection error, one line per error, as the direct transport
    prints them (severity, tag, path, message); the message itself when it holds no rpc-error."""
    start = message.find("<")
    if etree is None or start < 0 or "rpc-error" not in message:
        return " ".join(message.split())
    try:
        root = etree.fromstring(message[start:].strip().encode("utf-8"))
    except etree.XMLSyntaxError:
        return " ".join(message.split())
    errors = [root] if etree.QName(root).localname == "rpc-error" else root.xpath("//*[local-name()='rpc-error']")
    parts = []
    for err in errors:
        bits = []
        for name in ("severity", "tag", "path", "message"):
            found = err.xpath("*[local-name()='error-%s']" % name)
            if found and (found[0].text or "").strip():
                bits.append("%s=%s" % (name, " ".join(found[0].text.split())))
        parts.append(", ".join(bits))
    return "; ".join(p for p in parts if p) or " ".join(message.split())


def _port(value):
    try:
        return int(value) or None
    except (TypeError, ValueError):
        return None


class Opener:
    """connect() for an action plugin: the host's persistent connection when it has one, else a
    direct session (transport.connect) from the lispnet_* variables, as with ansible_connection=local.

    Called like transport.connect: opener(task_vars, templar=...) -> an open transport.
    """

    def __init__(self, action):
        connection = getattr(action, "_connection", None)
        play_context = getattr(action, "_play_context", None)
        self.connection_name = getattr(connection, "transport", None) or getattr(play_context, "connection", None)
        self.kind = persistent_kind(self.connection_name)
        self.socket_path = getattr(connection, "socket_path", None) if self.kind else None
        self.host = getattr(play_context, "remote_addr", None)
        self.port = _port(getattr(play_context, "port", None))
        self.connection = connection

    @classmethod
    def persistent_only(cls, action):
        """An Opener when the action's host has a persistent connection, else None (direct sessions)."""
        opener = cls(action)
        return opener if opener.persistent else None

    @property
    def persistent(self):
        return self.kind is not None

    def __call__(self, task_vars, templar=None):
        if not self.persistent:
            return connect(task_vars, templar=templar)
        if not self.socket_path:
            raise TransportError("%s: ansible_connection is %s but Ansible started no persistent connection for the task"
                                 % (self.kind, self.connection_name))
        host = self.host or task_vars.get("ansible_host") or task_vars.get("inventory_hostname")
        if self.kind == "cli":
            self.refuse_trust_on_first_use(host, self.port or DEFAULT_PORTS["cli"])
        cls = NetworkCliTransport if self.kind == "cli" else NetconfConnectionTransport
        return cls(self.socket_path, host, self.port)

    def _option(self, name, default=None):
        try:
            value = self.connection.get_option(name)
        except (AttributeError, KeyError):
            return default
        return default if value is None else value

    def refuse_trust_on_first_use(self, host, port):
        """network_cli over paramiko accepts an unknown host key and writes it to ~/.ssh/known_hosts
        when the connection closes: with host_key_auto_add (netcommon's default), and without it too,
        because its prompt runs in the persistent connection process, gets no answer and takes the
        empty answer for a yes. The connection only logs in on its first command: before that, fail
        as the direct transports do when known_hosts has no key for the device. A known but
        different key is refused by network_cli itself ('host key mismatch')."""
        if not self._option("host_key_checking", True) or self._ssh_type() != "paramiko":
            return
        path = os.path.expanduser("~/.ssh/known_hosts")
        for known_hosts in (path,) + SYSTEM_KNOWN_HOSTS:
            if load_known_keys(known_hosts, host, port):
                return
        timeout = _port(self._option("persistent_connect_timeout", 30)) or 30
        error = _host_key_error("cli", host, port, path, {}, timeout)
        raise TransportError(str(error).replace(
            "(or set lispnet_host_key_checking: false to skip the check)",
            "(network_cli over paramiko would otherwise accept it on first use)"),
            host=host, port=port, transport="cli", cause="host key")

    def _ssh_type(self):
        ssh_type = self._option("ssh_type", "auto")
        if ssh_type == "auto":
            ssh_type = "libssh" if importlib.util.find_spec("pylibsshext") else "paramiko"
        return ssh_type

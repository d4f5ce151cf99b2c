# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sessions to an IOS-XE device: NETCONF (ncclient) and SSH CLI (netmiko).

Both are built from the usual inventory variables by ``connect(task_vars)`` and both check the
device's SSH host key against a known_hosts file unless ``lispnet_host_key_checking`` is false.
Every failure is one ``TransportError`` naming the transport, host, port and the cause.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import threading

try:
    import paramiko
except ImportError:  # reported by connect(), so the plugin itself still loads
    paramiko = None

try:
    from ncclient import manager as nc_manager
    from ncclient.devices.iosxe import IosxeDeviceHandler
    from ncclient.operations import RPCError
    from ncclient.transport import errors as nc_errors
    from ncclient.transport.session import NetconfBase
    from ncclient.xml_ import to_ele
    HAS_NCCLIENT = True
except ImportError:
    HAS_NCCLIENT = False

    class IosxeDeviceHandler:  # minimal stand-in so this module imports without ncclient
        def __init__(self, *args, **kwargs):
            raise TransportError("ncclient is not installed on the controller (pip install ncclient)")

try:
    import netmiko
    HAS_NETMIKO = True
except ImportError:
    HAS_NETMIKO = False

try:
    from lxml import etree
except ImportError:
    etree = None

MASK = "********"
NETCONF_BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"
CAP_CANDIDATE = "urn:ietf:params:netconf:capability:candidate:1.0"
CAP_CONFIRMED_COMMIT = "urn:ietf:params:netconf:capability:confirmed-commit:1.1"
CAP_CONFIRMED_COMMIT_10 = "urn:ietf:params:netconf:capability:confirmed-commit:1.0"
CAP_ROLLBACK_ON_ERROR = "urn:ietf:params:netconf:capability:rollback-on-error:1.0"
CAP_VALIDATE = "urn:ietf:params:netconf:capability:validate:1.1"
CAP_VALIDATE_10 = "urn:ietf:params:netconf:capability:validate:1.0"

DEFAULTS = {
    "lispnet_transport": "netconf",
    "lispnet_netconf_port": 830,
    "lispnet_cli_port": 22,
    "lispnet_known_hosts": "~/.ssh/known_hosts",
    "lispnet_host_key_checking": True,
    "lispnet_timeout": 30,
}

# Seconds the device waits for the confirming <commit> before it rolls a confirmed commit back
# (RFC 6241 §8.4). Long enough for a slow device, short enough to recover from a lost session.
CONFIRM_TIMEOUT = 120

# IOS answers a rejected line with a line that starts with '%' ("% Invalid input detected at '^'
# marker.", "% Incomplete command.", "% Ambiguous command: ...", "% Locator-set X is in use", ...).
# Not errors: warnings and notes ("% Warning: ..."), and syslog messages that may interleave
# ("%SYS-5-CONFIG_I: Configured from console ...", facility-severity-mnemonic).
IOS_ERROR_RE = re.compile(
    r"^[ \t]*% ?(?!(?:Warning|Note|Info)\b)(?![A-Z0-9_]+-\d-[A-Z0-9_]+:)\S.*$",
    re.M,
)

# Preference when known_hosts holds several keys for one device.
_KEY_PREFERENCE = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                   "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


class TransportError(Exception):
    """A session to the device failed: the message names transport, host, port and the cause."""

    def __init__(self, message, *, host=None, port=None, transport=None, cause=None, reply=None):
        super().__init__(message)
        self.host = host
        self.port = port
        self.transport = transport
        self.cause = cause
        self.reply = reply


def _bool(value, name="lispnet_host_key_checking"):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y", "t"):
        return True
    if text in ("0", "false", "no", "off", "n", "f"):
        return False
    raise TransportError("%s must be a boolean, got %r" % (name, value))


def _int(name, value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TransportError("%s must be an integer, got %r" % (name, value)) from None
    if number <= 0:
        raise TransportError("%s must be positive, got %r" % (name, value))
    return number


def fingerprint(key):
    """OpenSSH-style SHA256 fingerprint of a paramiko key: 'ssh-ed25519 SHA256:...'."""
    digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode("ascii").rstrip("=")
    return "%s SHA256:%s" % (key.get_name(), digest)


def known_hosts_name(host, port):
    """The name OpenSSH files a host key under: 'host' on port 22, '[host]:port' elsewhere."""
    return host if int(port) == 22 else "[%s]:%s" % (host, port)


def load_known_keys(path, host, port):
    """Keys known for host:port in the known_hosts file at path ({key type: PKey}); {} if none."""
    if not os.path.isfile(path):
        return {}
    host_keys = paramiko.HostKeys()
    try:
        host_keys.load(path)
    except (OSError, paramiko.SSHException) as exc:
        raise TransportError("cannot read known_hosts file %s: %s" % (path, exc)) from None
    return dict(host_keys.lookup(known_hosts_name(host, port)) or {})


def open_socket(host, port, timeout, kind):
    """A connected TCP socket to host:port, or a TransportError saying why not."""
    where = "%s %s:%s" % (kind, host, port)
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransportError("%s: cannot resolve host name: %s" % (where, exc.strerror),
                             host=host, port=port, transport=kind, cause="resolve") from None
    last = None
    for family, socktype, proto, _name, address in infos:
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            return sock
        except ConnectionRefusedError:
            sock.close()
            last = ("connection refused (nothing listens on that port)", "refused")
        except socket.timeout:
            sock.close()
            last = ("connection timed out after %ss" % timeout, "timeout")
        except OSError as exc:
            sock.close()
            last = ("cannot connect: %s" % (exc.strerror or exc), "unreachable")
    message, cause = last or ("no address to connect to", "unreachable")
    raise TransportError("%s: %s" % (where, message), host=host, port=port, transport=kind, cause=cause)


def probe_host_key(host, port, timeout, key_types=None):
    """The host key the server at host:port presents (no authentication is attempted)."""
    sock = open_socket(host, port, timeout, "ssh")
    transport = paramiko.Transport(sock)
    try:
        if key_types:
            transport._preferred_keys = list(key_types)  # pylint: disable=protected-access  # paramiko has no public knob
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, OSError, EOFError):
        return None
    finally:
        transport.close()
        sock.close()


def _host_key_error(kind, host, port, path, known, timeout):
    """Explain a host key that is unknown (known == {}) or does not match known_hosts."""
    name = known_hosts_name(host, port)
    if not known:
        presented = probe_host_key(host, port, timeout)
        what = fingerprint(presented) if presented else "a key that could not be read"
        exists = "" if os.path.isfile(path) else " (the file does not exist)"
        message = ("%s %s:%s: host key verification failed: no key for %s in %s%s; the device presented %s. "
                   "Add the device's key to that file (or set lispnet_host_key_checking: false to skip the check)"
                   % (kind, host, port, name, path, exists, what))
    else:
        presented = probe_host_key(host, port, timeout, key_types=list(known)) or probe_host_key(host, port, timeout)
        what = fingerprint(presented) if presented else "a key of another type"
        expected = ", ".join(fingerprint(k) for k in known.values())
        message = ("%s %s:%s: host key verification failed: the device presented %s but %s lists %s for %s "
                   "(possible man-in-the-middle, or the device was re-keyed)" % (kind, host, port, what, path, expected, name))
    return TransportError(message, host=host, port=port, transport=kind, cause="host key")


class Endpoint:
    """What every transport shares, direct or over Ansible's persistent connection: where it
    connects (``kind``, ``host``, ``port``), its errors, and closing it as a context manager."""

    kind = None
    host = None
    port = None

    @property
    def where(self):
        return "%s %s:%s" % (self.kind, self.host, self.port)

    def error(self, message, cause=None, reply=None):
        return TransportError("%s: %s" % (self.where, message), host=self.host, port=self.port,
                              transport=self.kind, cause=cause, reply=reply)

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Transport(Endpoint):
    """A session the module opens itself (ncclient or netmiko), with the credentials it needs."""

    def __init__(self, host, port, *, username=None, password=None, key_file=None, enable_secret=None,
                 known_hosts="~/.ssh/known_hosts", host_key_checking=True, timeout=30):
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.key_file = os.path.expanduser(key_file) if key_file else None
        self.enable_secret = enable_secret
        self.known_hosts = os.path.expanduser(known_hosts or "~/.ssh/known_hosts")
        self.host_key_checking = host_key_checking
        self.timeout = timeout


# ---------------------------------------------------------------------------------------------
# NETCONF
# ---------------------------------------------------------------------------------------------


def _expire(sock, expired):
    """Watchdog of a NETCONF login that takes longer than lispnet_timeout."""
    expired.set()
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _reject_unknown_host(host, md5_fingerprint):  # pylint: disable=unused-argument  # ncclient's callback signature
    """ncclient callback for a key that is not the expected one: always refuse."""
    return False


class StrictIosxeDeviceHandler(IosxeDeviceHandler):
    """ncclient's IOS-XE handler, minus its silent acceptance of any host key.

    ncclient's iosxe handler installs an unknown-host callback that returns True, which turns
    host key verification off for every IOS-XE session. This one refuses instead; whether to
    check at all is decided by ``lispnet_host_key_checking`` (hostkey_verify).
    """

    def add_additional_ssh_connect_params(self, kwargs):
        kwargs["unknown_host_cb"] = _reject_unknown_host


def _install_direct_send(session):
    """Write each RPC from the caller's thread instead of ncclient's 0.1 s polling loop.

    ncclient queues an outgoing RPC and its session thread only sends it after its
    ``select(timeout=TICK)`` on the channel returns, so every request waits up to TICK (0.1 s)
    before it leaves. Replies already wake the caller at once (the session thread sets the RPC's
    Event as soon as the reply is parsed), so sending immediately removes the per-RPC delay.
    The framing is the same as ncclient's (RFC 6242 §4.2 chunks for base:1.1, ]]>]]> for 1.0).
    """
    channel = getattr(session, "_channel", None)
    if channel is None or not hasattr(session, "_base"):
        return False
    lock = threading.Lock()

    def send(message):
        if not session.connected:
            raise nc_errors.TransportError("Not connected to NETCONF server")
        data = message.encode("utf-8")
        if session._base == NetconfBase.BASE_11:  # pylint: disable=protected-access  # negotiated framing
            data = b"\n#%d\n%s\n##\n" % (len(data), data)
        else:
            data = data + b"]]>]]>"
        with lock:
            channel.sendall(data)

    # our <hello> is still queued for the session thread right after connect: let it go first
    queue = getattr(session, "_q", None)
    deadline = 200
    while queue is not None and not queue.empty() and deadline:
        threading.Event().wait(0.005)
        deadline -= 1
    session.send = send
    return True


def _rpc_error_text(exc):
    """The device's answer to a failed RPC, one line per rpc-error."""
    errors = getattr(exc, "errors", None) or [exc]
    parts = []
    for err in errors:
        bits = []
        for attr in ("severity", "tag", "path", "message"):
            value = getattr(err, attr, None)
            if value:
                bits.append("%s=%s" % (attr, " ".join(str(value).split())))
        info = getattr(err, "info", None)
        if info and not getattr(err, "message", None):
            bits.append("info=%s" % " ".join(str(info).split()))
        parts.append(", ".join(bits) or str(err))
    return "; ".join(parts)


class NetconfTransport(Transport):
    """A NETCONF session (RFC 6241 over SSH, RFC 6242) to an IOS-XE device via ncclient."""

    kind = "netconf"

    def __init__(self, host, port=830, **kwargs):
        super().__init__(host, port, **kwargs)
        self._manager = None
        self.direct_send = False

    def open(self):
        if not HAS_NCCLIENT:
            raise self.error("ncclient is not installed on the controller (pip install ncclient)", cause="missing library")
        if paramiko is None:
            raise self.error("paramiko is not installed on the controller", cause="missing library")
        hostkey_b64 = None
        known = {}
        if self.host_key_checking:
            known = load_known_keys(self.known_hosts, self.host, self.port)
            if not known:
                raise _host_key_error(self.kind, self.host, self.port, self.known_hosts, {}, self.timeout)
            key_type = sorted(known, key=lambda t: _KEY_PREFERENCE.index(t) if t in _KEY_PREFERENCE else 99)[0]
            hostkey_b64 = known[key_type].get_base64()
        sock = open_socket(self.host, self.port, self.timeout, self.kind)
        # ncclient waits up to paramiko's fixed 15 s for the SSH banner; bound the whole login by
        # lispnet_timeout instead: shutting the socket down makes paramiko give up at once.
        expired = threading.Event()
        watchdog = threading.Timer(self.timeout, _expire, args=(sock, expired))
        watchdog.daemon = True
        watchdog.start()
        try:
            self._manager = nc_manager.connect(
                host=self.host, port=self.port, sock=sock, timeout=self.timeout,
                username=self.username, password=self.password,
                key_filename=self.key_file, look_for_keys=False, allow_agent=False,
                hostkey_verify=self.host_key_checking, hostkey_b64=hostkey_b64,
                device_params={"name": "iosxe", "handler": StrictIosxeDeviceHandler},
                manager_params={"timeout": self.timeout},
            )
        except Exception as exc:  # pylint: disable=broad-except  # mapped to one TransportError below, others re-raised
            sock.close()
            if expired.is_set():
                raise self.error("no NETCONF session within %ss (the device accepted the connection but did not "
                                 "complete the SSH login and <hello>)" % self.timeout, cause="timeout") from None
            raise self._login_error(exc, known) from None
        finally:
            watchdog.cancel()
        if expired.is_set():  # fired just as the login completed: the socket is already shut down
            self.close()
            raise self.error("no NETCONF session within %ss" % self.timeout, cause="timeout")
        self.direct_send = _install_direct_send(self._manager._session)  # pylint: disable=protected-access  # see _install_direct_send
        return self

    def _login_error(self, exc, known):
        """The TransportError for an exception of ncclient's connect (or exc itself if unexpected)."""
        if isinstance(exc, nc_errors.SSHUnknownHostError):
            return _host_key_error(self.kind, self.host, self.port, self.known_hosts, known, self.timeout)
        if isinstance(exc, nc_errors.AuthenticationError):
            return self.error("authentication failed for user %r" % (self.username,), cause="auth failed")
        text = str(exc) or exc.__class__.__name__
        if isinstance(exc, nc_errors.SSHError):
            if "Negotiation failed" in text and known:
                return _host_key_error(self.kind, self.host, self.port, self.known_hosts, known, self.timeout)
            if "subsystem" in text.lower():
                return self.error("the device does not offer the netconf SSH subsystem (is netconf-yang enabled?)", cause="no netconf")
            return self.error("SSH failed: %s" % text, cause="ssh")
        if isinstance(exc, (socket.timeout, nc_errors.TransportError, OSError, EOFError)):
            cause = "timeout" if isinstance(exc, socket.timeout) or "timed out" in text.lower() else "session"
            return self.error("NETCONF session failed: %s" % text, cause=cause)
        return exc

    @property
    def manager(self):
        if self._manager is None:
            raise self.error("not connected", cause="closed")
        return self._manager

    @property
    def capabilities(self):
        return list(self.manager.server_capabilities)

    def has(self, *capabilities):
        caps = self.capabilities
        return any(any(c.startswith(want) for c in caps) for want in capabilities)

    def _call(self, what, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RPCError as exc:
            raise self.error("%s failed: %s" % (what, _rpc_error_text(exc)), cause="rpc-error", reply=str(exc)) from None
        except nc_errors.TransportError as exc:
            raise self.error("%s failed: session error: %s" % (what, exc), cause="session") from None
        except Exception as exc:  # ncclient raises bare exceptions for timeouts and closed sessions
            if exc.__class__.__name__ == "TimeoutExpiredError":
                raise self.error("%s: no reply within %ss" % (what, self.timeout), cause="timeout") from None
            raise

    def get_config(self, filter_xml, source="running"):
        """<get-config> with a subtree filter; returns the reply's <data> element."""
        reply = self._call("get-config", self.manager.get_config, source=source, filter=("subtree", filter_xml))
        return reply.data_ele

    def get(self, filter_xml):
        """<get> (config and state) with a subtree filter; returns the reply's <data> element."""
        reply = self._call("get", self.manager.get, filter=("subtree", filter_xml))
        return reply.data_ele

    @staticmethod
    def _config_element(config_xml):
        element = to_ele(config_xml) if isinstance(config_xml, (str, bytes)) else config_xml
        if etree.QName(element).localname != "config":
            wrapper = etree.Element("{%s}config" % NETCONF_BASE_NS, nsmap={None: NETCONF_BASE_NS})
            wrapper.append(element)
            element = wrapper
        return element

    def edit(self, config_xml):
        """Apply config_xml atomically; the device is left as it was if anything fails.

        With :candidate: lock running and candidate, edit candidate, <validate> if offered,
        <commit><confirmed/> when :confirmed-commit is offered (RFC 6241 §8.4) followed by the
        confirming <commit>, else a plain <commit>. Without :candidate: lock running and edit it with
        error-option rollback-on-error (RFC 6241 §8.5). Locks are always released; on failure the
        candidate is discarded and a TransportError carries the device's answer.
        """
        config = self._config_element(config_xml)
        manager = self.manager
        if self.has(CAP_CANDIDATE):
            return self._edit_candidate(manager, config)
        return self._edit_running(manager, config)

    def _edit_candidate(self, manager, config):
        locked = []
        pending = False  # a confirmed commit waits for its confirming commit
        try:
            for target in ("running", "candidate"):
                self._call("lock %s" % target, manager.lock, target=target)
                locked.append(target)
            self._call("discard-changes", manager.discard_changes)
            reply = self._call("edit-config (candidate)", manager.edit_config, config=config, target="candidate")
            if self.has(CAP_VALIDATE, CAP_VALIDATE_10):
                self._call("validate (candidate)", manager.validate, source="candidate")
            if self.has(CAP_CONFIRMED_COMMIT, CAP_CONFIRMED_COMMIT_10):
                self._call("commit (confirmed)", manager.commit, confirmed=True, timeout=str(CONFIRM_TIMEOUT))
                pending = True
            self._call("commit", manager.commit)
            return reply
        except TransportError:
            if pending and self.has(CAP_CONFIRMED_COMMIT):
                # RFC 6241 §8.4.5.1 (:confirmed-commit:1.1): roll the unconfirmed commit back now
                # rather than after CONFIRM_TIMEOUT
                try:
                    manager.cancel_commit()
                except Exception:  # pylint: disable=broad-except  # the device still rolls back on its timeout
                    pass
            if "candidate" in locked:
                try:
                    manager.discard_changes()
                except Exception:  # pylint: disable=broad-except  # best effort; the original error is reported
                    pass
            raise
        finally:
            for target in reversed(locked):
                try:
                    manager.unlock(target=target)
                except Exception:  # pylint: disable=broad-except  # best effort; the session close drops locks anyway
                    pass

    def _edit_running(self, manager, config):
        locked = False
        error_option = "rollback-on-error" if self.has(CAP_ROLLBACK_ON_ERROR) else None
        try:
            self._call("lock running", manager.lock, target="running")
            locked = True
            return self._call("edit-config (running)", manager.edit_config, config=config, target="running",
                              error_option=error_option)
        finally:
            if locked:
                try:
                    manager.unlock(target="running")
                except Exception:  # pylint: disable=broad-except  # best effort; the session close drops locks anyway
                    pass

    def save_config(self):
        """Copy running to startup (cisco-ia:save-config, as IOS-XE's 'write memory')."""
        return self._call("save-config", self.manager.save_config)

    def close(self):
        if self._manager is not None:
            try:
                self._manager.close_session()
            except Exception:  # pylint: disable=broad-except  # the session may already be gone
                pass
            self._manager = None


# ---------------------------------------------------------------------------------------------
# SSH CLI
# ---------------------------------------------------------------------------------------------


class CliTransport(Transport):
    """An interactive SSH CLI session to an IOS-XE device via netmiko (device_type cisco_xe)."""

    kind = "cli"
    RUNNING_SECTION = "show running-config | section router lisp"

    def __init__(self, host, port=22, **kwargs):
        super().__init__(host, port, **kwargs)
        self._conn = None

    def open(self):
        if not HAS_NETMIKO:
            raise self.error("netmiko is not installed on the controller (pip install netmiko)", cause="missing library")
        known = {}
        if self.host_key_checking:
            known = load_known_keys(self.known_hosts, self.host, self.port)
            if not known:
                raise _host_key_error(self.kind, self.host, self.port, self.known_hosts, {}, self.timeout)
        sock = open_socket(self.host, self.port, self.timeout, self.kind)
        params = dict(
            device_type="cisco_xe", host=self.host, port=self.port, sock=sock,
            username=self.username or "", password=self.password or "", secret=self.enable_secret or "",
            use_keys=bool(self.key_file), key_file=self.key_file, allow_agent=False,
            ssh_strict=self.host_key_checking, system_host_keys=False,
            alt_host_keys=self.host_key_checking, alt_key_file=self.known_hosts if self.host_key_checking else "",
            conn_timeout=self.timeout, auth_timeout=self.timeout, banner_timeout=self.timeout,
            read_timeout_override=None, fast_cli=True,
        )
        try:
            self._conn = netmiko.ConnectHandler(**params)
        except netmiko.NetmikoAuthenticationException:
            sock.close()
            raise self.error("authentication failed for user %r" % (self.username,), cause="auth failed") from None
        except (netmiko.NetmikoTimeoutException, netmiko.exceptions.ReadTimeout, OSError, EOFError) as exc:
            sock.close()
            context = exc.__context__
            if isinstance(context, paramiko.BadHostKeyException) or "not found in known_hosts" in str(exc):
                raise _host_key_error(self.kind, self.host, self.port, self.known_hosts, known, self.timeout) from None
            text = " ".join(str(exc).split()) or exc.__class__.__name__
            cause = "timeout" if "timed out" in text.lower() or "timeout" in text.lower() else "session"
            raise self.error("SSH CLI session failed: %s" % text, cause=cause) from None
        try:
            if self.enable_secret and not self._conn.check_enable_mode():
                self._conn.enable()
        except (ValueError, netmiko.exceptions.ReadTimeout) as exc:
            self.close()
            raise self.error("cannot enter privileged EXEC mode (enable): %s" % exc, cause="enable") from None
        return self

    @property
    def connection(self):
        if self._conn is None:
            raise self.error("not connected", cause="closed")
        return self._conn

    def _send(self, command):
        try:
            return self.connection.send_command(command, read_timeout=self.timeout)
        except (netmiko.exceptions.ReadTimeout, OSError, EOFError) as exc:
            raise self.error("%r: no answer: %s" % (command, exc), cause="timeout") from None

    def run_commands(self, commands):
        """Run exec commands; returns {command: output}. An IOS error answer raises TransportError."""
        outputs = {}
        for command in commands:
            output = self._send(command)
            match = IOS_ERROR_RE.search(output)
            if match:
                raise self.error("%r was rejected: %s" % (command, match.group(0).strip()), cause="command", reply=output)
            outputs[command] = output
        return outputs

    def get_running_section(self):
        """The 'router lisp' section of the running configuration."""
        return self.run_commands([self.RUNNING_SECTION])[self.RUNNING_SECTION]

    def apply(self, lines):
        """Send lines as one configuration set (configure terminal ... end).

        Stops at the first line the device rejects and raises TransportError with its answer (the
        lines before it are applied: IOS has no atomic CLI commit; the caller re-reads and restores).
        """
        conn = self.connection
        output = ""
        try:
            output += conn.config_mode()
            for line in lines:
                answer = conn.send_config_set([line], enter_config_mode=False, exit_config_mode=False,
                                              read_timeout=self.timeout)
                output += answer
                match = IOS_ERROR_RE.search(answer)
                if match:
                    raise self.error("the device rejected %r: %s" % (line, match.group(0).strip()),
                                     cause="command", reply=output)
        except (netmiko.exceptions.ReadTimeout, OSError, EOFError, ValueError) as exc:
            raise self.error("configuration session failed: %s" % exc, cause="session", reply=output) from None
        finally:
            try:
                if self._conn is not None and self._conn.check_config_mode():
                    output += self._conn.exit_config_mode()
            except Exception:  # pylint: disable=broad-except  # keep the first error
                pass
        return output

    def save_config(self):
        return self.connection.save_config()

    def close(self):
        if self._conn is not None:
            try:
                self._conn.disconnect()
            except Exception:  # pylint: disable=broad-except  # the session may already be gone
                pass
            self._conn = None


# ---------------------------------------------------------------------------------------------


def _var(task_vars, name, templar=None, default=None):
    value = task_vars.get(name)
    if value is None:
        return default
    if templar is not None and isinstance(value, str) and ("{{" in value or "{%" in value):
        value = templar.template(value)
    return value


def connection_settings(task_vars, templar=None):
    """The settings connect() uses, from inventory variables (secrets included: do not log)."""
    host = _var(task_vars, "ansible_host", templar) or _var(task_vars, "inventory_hostname", templar)
    if not host:
        raise TransportError("no ansible_host or inventory_hostname to connect to")
    kind = str(_var(task_vars, "lispnet_transport", templar, DEFAULTS["lispnet_transport"])).lower()
    if kind not in ("netconf", "cli"):
        raise TransportError("lispnet_transport must be 'netconf' or 'cli', got %r" % (kind,))
    port_var = "lispnet_netconf_port" if kind == "netconf" else "lispnet_cli_port"
    return {
        "kind": kind,
        "host": str(host),
        "port": _int(port_var, _var(task_vars, port_var, templar, DEFAULTS[port_var])),
        "username": _var(task_vars, "ansible_user", templar),
        "password": _var(task_vars, "ansible_password", templar),
        "key_file": _first(task_vars, templar, "ansible_ssh_private_key_file", "ansible_private_key_file")[1],
        "enable_secret": _var(task_vars, "ansible_become_password", templar),
        "known_hosts": str(_var(task_vars, "lispnet_known_hosts", templar, DEFAULTS["lispnet_known_hosts"])),
        "host_key_checking": _bool_var(_first(task_vars, templar, "lispnet_host_key_checking", "ansible_host_key_checking",
                                              "ansible_ssh_host_key_checking", default=True)),
        "timeout": _int(*_first(task_vars, templar, "lispnet_timeout", "ansible_command_timeout",
                                default=DEFAULTS["lispnet_timeout"])),
    }


def _bool_var(name_value):
    name, value = name_value
    return _bool(value, name)


def _first(task_vars, templar, *names, default=None):
    """(name, value) of the first of names the inventory sets (Ansible's own names after lispnet_*)."""
    for name in names:
        value = _var(task_vars, name, templar)
        if value is not None:
            return name, value
    return names[0], default


def transport_kind(task_vars, templar=None):
    """'netconf' or 'cli', as connect() would choose, without connecting."""
    kind = str(_var(task_vars, "lispnet_transport", templar, DEFAULTS["lispnet_transport"])).lower()
    if kind not in ("netconf", "cli"):
        raise TransportError("lispnet_transport must be 'netconf' or 'cli', got %r" % (kind,))
    return kind


def connect(task_vars, *, templar=None):
    """Open the session the inventory asks for: a NetconfTransport or a CliTransport."""
    settings = connection_settings(task_vars, templar)
    kind = settings.pop("kind")
    cls = NetconfTransport if kind == "netconf" else CliTransport
    return cls(settings.pop("host"), settings.pop("port"), **settings).open()

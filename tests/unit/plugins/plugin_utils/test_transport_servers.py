# -*- coding: utf-8 -*-
"""Tiny SSH servers on 127.0.0.1 for the transport tests: a NETCONF subsystem and an IOS-like shell.

They speak just enough of RFC 6241/6242 and of the IOS exec/config prompts for ncclient and
netmiko to run real sessions against them. Imported by the test_transport_*.py modules.
"""

from __future__ import annotations

import re
import socket
import threading

import paramiko

NC_BASE = "urn:ietf:params:xml:ns:netconf:base:1.0"
CAPS_CANDIDATE = (
    "urn:ietf:params:netconf:base:1.0",
    "urn:ietf:params:netconf:base:1.1",
    "urn:ietf:params:netconf:capability:candidate:1.0",
    "urn:ietf:params:netconf:capability:confirmed-commit:1.1",
    "urn:ietf:params:netconf:capability:validate:1.1",
    "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
)
CAPS_RUNNING = (
    "urn:ietf:params:netconf:base:1.0",
    "urn:ietf:params:netconf:base:1.1",
    "urn:ietf:params:netconf:capability:rollback-on-error:1.0",
)


class _Iface(paramiko.ServerInterface):
    def __init__(self, server):
        self.server = server
        self.kind = None
        self.ready = threading.Event()

    def check_auth_password(self, username, password):
        self.server.auth_attempts += 1
        if (username, password) == (self.server.username, self.server.password):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        self.server.auth_attempts += 1
        if self.server.client_key is not None and username == self.server.username and key == self.server.client_key:
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def get_allowed_auths(self, username):
        return "publickey,password"

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel, name):
        if name == "netconf" and self.server.mode == "netconf":
            self.kind = "netconf"
            self.ready.set()
            return True
        return False

    def check_channel_pty_request(self, channel, term, width, height, pixelwidth, pixelheight, modes):
        return True

    def check_channel_shell_request(self, channel):
        if self.server.mode == "cli":
            self.kind = "cli"
            self.ready.set()
            return True
        return False


class SshServer:
    """One listening SSH server on 127.0.0.1:<free port> with its own host key."""

    def __init__(self, mode, username="admin", password="secret-pw", host_key=None, host="127.0.0.1"):
        self.mode = mode
        self.username = username
        self.password = password
        self.host_key = host_key or paramiko.ECDSAKey.generate()
        self.client_key = None  # a paramiko PKey accepted for public-key login, if set
        self.listener = socket.socket()
        self.listener.bind((host, 0))
        self.listener.listen(8)
        self.host, self.port = self.listener.getsockname()
        self.log = []
        self.connections = 0
        self.auth_attempts = 0
        self._stop = False
        self._threads = []
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()

    def known_hosts_line(self):
        return "[%s]:%s %s %s\n" % (self.host, self.port, self.host_key.get_name(), self.host_key.get_base64())

    def _accept(self):
        while not self._stop:
            try:
                sock = self.listener.accept()[0]
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()

    def _serve(self, sock):
        transport = paramiko.Transport(sock)
        transport.add_server_key(self.host_key)
        iface = _Iface(self)
        try:
            transport.start_server(server=iface)
            channel = transport.accept(10)
            if channel is None or not iface.ready.wait(10):
                return
            if iface.kind == "netconf":
                NetconfSession(self, channel).run()
            else:
                IosShell(self, channel).run()
        except (paramiko.SSHException, EOFError, OSError):
            pass
        finally:
            transport.close()

    def close(self):
        self._stop = True
        self.listener.close()


class NetconfServer(SshServer):
    """RFC 6241 server holding one <data> document; records every RPC name in .log."""

    def __init__(self, caps=CAPS_CANDIDATE, data="<data xmlns='%s'/>" % NC_BASE, fail_on=None, **kwargs):
        self.caps = caps
        self.data = data
        self.fail_on = fail_on or {}  # {rpc name: error-message}
        self.edits = []
        super().__init__("netconf", **kwargs)


class NetconfSession:
    def __init__(self, server, channel):
        self.server = server
        self.channel = channel
        self.buffer = b""
        self.chunked = False

    def _read_eom(self):
        while b"]]>]]>" not in self.buffer:
            data = self.channel.recv(65536)
            if not data:
                raise EOFError
            self.buffer += data
        message, _delimiter, self.buffer = self.buffer.partition(b"]]>]]>")
        return message.decode()

    def _read_chunked(self):
        message = b""
        while True:
            while not re.match(rb"\s*\n#(\d+|#)\n", self.buffer):
                data = self.channel.recv(65536)
                if not data:
                    raise EOFError
                self.buffer += data
            match = re.match(rb"\s*\n#(\d+|#)\n", self.buffer)
            self.buffer = self.buffer[match.end():]
            if match.group(1) == b"#":
                return message.decode()
            size = int(match.group(1))
            while len(self.buffer) < size:
                data = self.channel.recv(65536)
                if not data:
                    raise EOFError
                self.buffer += data
            message += self.buffer[:size]
            self.buffer = self.buffer[size:]

    def send(self, text):
        data = text.encode()
        if self.chunked:
            self.channel.sendall(b"\n#%d\n%s\n##\n" % (len(data), data))
        else:
            self.channel.sendall(data + b"]]>]]>")

    def run(self):
        caps = "".join("<capability>%s</capability>" % c for c in self.server.caps)
        self.send("<hello xmlns='%s'><capabilities>%s</capabilities><session-id>7</session-id></hello>" % (NC_BASE, caps))
        hello = self._read_eom()
        self.chunked = "base:1.1" in hello and "urn:ietf:params:netconf:base:1.1" in self.server.caps
        while True:
            message = self._read_chunked() if self.chunked else self._read_eom()
            match = re.search(r"message-id=\"([^\"]+)\"", message)
            mid = match.group(1) if match else "0"
            op = re.search(r"<(?:\w+:)?rpc\b[^>]*>\s*<(?:\w+:)?([\w-]+)", message).group(1)
            self.server.log.append(op)
            if op == "edit-config":
                self.server.edits.append(message)
            if op in self.server.fail_on:
                self.send("<rpc-reply xmlns='%s' message-id='%s'><rpc-error><error-type>application</error-type>"
                          "<error-tag>operation-failed</error-tag><error-severity>error</error-severity>"
                          "<error-message>%s</error-message></rpc-error></rpc-reply>" % (NC_BASE, mid, self.server.fail_on[op]))
                continue
            if op in ("get-config", "get"):
                self.send("<rpc-reply xmlns='%s' message-id='%s'>%s</rpc-reply>" % (NC_BASE, mid, self.server.data))
            else:
                self.send("<rpc-reply xmlns='%s' message-id='%s'><ok/></rpc-reply>" % (NC_BASE, mid))
            if op == "close-session":
                return


class CliServer(SshServer):
    """An IOS-like exec/config shell. Config lines containing 'bogus' are rejected like IOS does."""

    def __init__(self, running="", enable_secret=None, **kwargs):
        self.running = running
        self.enable_secret = enable_secret
        self.reject = None  # config lines containing this text are rejected too
        self.config_lines = []
        super().__init__("cli", **kwargs)


class IosShell:
    hostname = "R1"

    def __init__(self, server, channel):
        self.server = server
        self.channel = channel
        self.mode = "exec" if server.enable_secret else "enable"
        self.buffer = ""

    def prompt(self):
        return {"exec": "R1>", "enable": "R1#", "config": "R1(config)#", "lisp": "R1(config-router-lisp)#"}[self.mode]

    def readline(self):
        while "\r" not in self.buffer and "\n" not in self.buffer:
            data = self.channel.recv(4096)
            if not data:
                raise EOFError
            self.buffer += data.decode()
        match = re.search(r"\r\n|\r|\n", self.buffer)
        line, self.buffer = self.buffer[:match.start()], self.buffer[match.end():]
        return line

    def write(self, text):
        self.channel.sendall(text.replace("\n", "\r\n").encode())

    def run(self):
        self.write("\n" + self.prompt())
        while True:
            line = self.readline()
            self.server.log.append(line)
            out = self.handle(line.strip())
            if out is None:
                return
            if out and not out.endswith("\n"):
                out += "\n"
            self.write(line + "\n" + out + self.prompt())

    def handle(self, cmd):
        if self.mode == "exec" and cmd == "enable":
            self.write("enable\nPassword: ")
            secret = self.readline()
            if secret == self.server.enable_secret:
                self.mode = "enable"
            return "" if self.mode == "enable" else "% Bad secrets\n"
        if cmd in ("exit", "logout") and self.mode in ("exec", "enable"):
            return None
        if cmd.startswith("terminal ") or cmd == "":
            return ""
        if self.mode in ("exec", "enable"):
            if cmd.startswith("show running-config | section router lisp"):
                return self.server.running
            if cmd.startswith("configure terminal") and self.mode == "enable":
                self.mode = "config"
                return "Enter configuration commands, one per line.  End with CNTL/Z.\n"
            if cmd.startswith("write memory") or cmd.startswith("copy running-config startup-config"):
                return "Building configuration...\n[OK]\n"
            return "                ^\n% Invalid input detected at '^' marker.\n\n"
        if cmd == "end":
            self.mode = "enable"
            return ""
        if "bogus" in cmd or (self.server.reject and self.server.reject in cmd):
            return "                ^\n% Invalid input detected at '^' marker.\n\n"
        if cmd == "router lisp":
            self.mode = "lisp"
        elif cmd in ("exit", "exit-router-lisp"):
            self.mode = "config" if self.mode == "lisp" else "enable"
        self.server.config_lines.append(cmd)
        return ""

"""The SSH transport shared by the CLI and NETCONF listeners (asyncssh).

One listener per service, as on IOS-XE where the CLI is on port 22 and NETCONF on 830
(RFC 6242 §3: the `netconf` subsystem). Password authentication only, checked by
`node.check_login`; nothing is offered to an unauthenticated peer but the SSH handshake.
"""

import logging

import asyncssh

LOG = logging.getLogger(__name__)
LOGIN_TIMEOUT = 30.0


class _AuthServer(asyncssh.SSHServer):
    """Password (and keyboard-interactive mapped onto password) auth against the node."""

    def __init__(self, node, session_factory, connections):
        self._node = node
        self._session_factory = session_factory
        self._connections = connections
        self._conn = None
        self.username = None

    def connection_made(self, conn):
        self._conn = conn
        self._connections.add(conn)

    def connection_lost(self, exc):
        self._connections.discard(self._conn)

    def begin_auth(self, username):
        return True  # authentication is always required

    def password_auth_supported(self):
        return True

    def public_key_auth_supported(self):
        return False

    def host_based_auth_supported(self):
        return False

    def validate_password(self, username, password):
        ok = bool(self._node.check_login(username, password))
        if ok:
            self.username = username
        else:
            LOG.info("%s: failed login for user %r", self._node.hostname, username)
        return ok

    def session_requested(self):
        return self._session_factory(self._node, self)


async def listen(node, port, session_factory, connections):
    """Start one SSH listener on `node.address:port`; return the asyncssh acceptor.

    `connections` (a set) tracks the open connections so that a shutdown can close them.
    """
    return await asyncssh.create_server(
        lambda: _AuthServer(node, session_factory, connections),
        node.address,
        port,
        server_host_keys=[str(node.host_key_path)],
        encoding=None,
        line_editor=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_scp=False,
        login_timeout=LOGIN_TIMEOUT,
        reuse_address=True,
    )

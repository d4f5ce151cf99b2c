"""The SSH transport shared by the CLI and NETCONF listeners (asyncssh), with IOS-XE's login limits.

One listener per service, as on IOS-XE where the CLI is on port 22 and NETCONF on 830
(RFC 6242 §3: the `netconf` subsystem). Password authentication only, checked by
`node.check_login`; nothing is offered to an unauthenticated peer but the SSH handshake.

Both listeners of a node share one `LoginGuard`, which applies the running configuration's limits
(config/limits.py) as IOS-XE does:
- `ip ssh maxstartups N` (default 128): at most N connections not yet authenticated, over both
  ports; a further one is closed as soon as it is accepted, before any SSH message.
- `ip ssh time-out S` (default 120): a connection not authenticated S seconds after it was
  accepted is closed.
- `ip ssh authentication-retries N` (default 3): a connection is closed after N failed password
  attempts (after one when N is 0).
- `login block-for S attempts N within W` (off by default): N failed logins within W seconds, over
  both ports and all peers, start a quiet period of S seconds in which every connection is closed
  at once and no password is even checked.
Passwords are checked in a worker thread (scrypt for type 9 secrets), not on the event loop.
Each failed login is logged as IOS-XE's `%SEC_LOGIN-4-LOGIN_FAILED` with the user and the source
address, at most `LOG_BURST` lines per `LOG_WINDOW` seconds (then one line with the count left out).
"""

import asyncio
import collections
import logging
import time

import asyncssh

from ..config import limits as cfg_limits

LOG = logging.getLogger(__name__)
LOGIN_TIMEOUT = float(max(cfg_limits.DEFAULT_TIME_OUT, 120))  # asyncssh's own backstop (the largest time-out)
LOG_BURST = 10  # failed-login lines per LOG_WINDOW seconds
LOG_WINDOW = 60.0


def _printable(text, limit=64):
    """A peer-chosen string as it may go into a log line: no control characters, bounded."""
    text = "".join(ch if ch.isprintable() else "\\x%02x" % (ord(ch) & 0xFF) for ch in str(text)[:limit])
    return text


def _stamp(now):
    return time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime(now))


class RefusedConnection(ConnectionRefusedError):
    """Raised from `connection_made` to close a connection before any SSH message."""


class LoginGuard:
    """The login limits of one node, shared by its CLI and NETCONF listeners."""

    def __init__(self, node, clock=time.monotonic, wall=time.time):
        self.node = node
        self.clock = clock
        self.wall = wall
        self.unauthenticated = 0
        self.failures = collections.deque()  # monotonic times of recent failed logins
        self.quiet_until = None  # monotonic end of the login block-for quiet period
        self.refused = 0  # connections closed by maxstartups or quiet mode
        self.failed = 0  # failed logins, ever
        self._log_window = 0.0
        self._logged = 0
        self._suppressed = 0

    @property
    def limits(self):
        return cfg_limits.limits_of(getattr(self.node, "running", None))

    def quiet(self):
        """True during a `login block-for` quiet period (the end of one is logged once)."""
        if self.quiet_until is None:
            return False
        if self.clock() < self.quiet_until:
            return True
        self.quiet_until = None
        self.failures.clear()
        LOG.warning("%s: %%SEC_LOGIN-5-QUIET_MODE_OFF: Quiet Mode is OFF, because block period timed out at %s",
                    self.node.hostname, _stamp(self.wall()))
        return False

    def admit(self, peer, port):
        """May a new connection from `peer` start authenticating? Counts it when it may."""
        if self.quiet():
            self.refused += 1
            self._log("%%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: ] [Source: %s] [localport: %d] "
                      "[Reason: Quiet Mode] at %s" % (_printable(peer), port, _stamp(self.wall())))
            return False
        if self.unauthenticated >= self.limits.maxstartups:
            self.refused += 1
            self._log("%%SSH-4-SSH_MAXSTARTUPS: connection from %s to port %d refused: %d unauthenticated "
                      "connections (ip ssh maxstartups %d)"
                      % (_printable(peer), port, self.unauthenticated, self.limits.maxstartups))
            return False
        self.unauthenticated += 1
        return True

    def release(self):
        self.unauthenticated = max(0, self.unauthenticated - 1)

    def failed_login(self, user, peer, port):
        """Record one failed password; may start the quiet period."""
        self.failed += 1
        now = self.clock()
        self._log("%%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: %s] [Source: %s] [localport: %d] "
                  "[Reason: Login Authentication Failed] at %s"
                  % (_printable(user), _printable(peer), port, _stamp(self.wall())))
        block = self.limits.block_for
        if block is None or self.quiet_until is not None:
            return
        seconds, attempts, within = block
        self.failures.append(now)
        while self.failures and now - self.failures[0] > within:
            self.failures.popleft()
        if len(self.failures) >= attempts:
            self.quiet_until = now + seconds
            LOG.warning("%s: %%SEC_LOGIN-1-QUIET_MODE_ON: Still timeleft for watching failures is %d secs, "
                        "[user: %s] [Source: %s] [localport: %d] [Reason: Login Authentication Failed] at %s",
                        self.node.hostname, max(0, int(within - (now - self.failures[0]))), _printable(user),
                        _printable(peer), port, _stamp(self.wall()))

    def _log(self, text):
        """One line to the router's log, rate-limited to LOG_BURST per LOG_WINDOW seconds."""
        now = self.clock()
        if now - self._log_window >= LOG_WINDOW:
            if self._suppressed:
                LOG.warning("%s: %d more login messages in the last %d seconds not logged",
                            self.node.hostname, self._suppressed, int(LOG_WINDOW))
            self._log_window = now
            self._logged = 0
            self._suppressed = 0
        if self._logged < LOG_BURST:
            self._logged += 1
            LOG.warning("%s: %s", self.node.hostname, text)
        else:
            self._suppressed += 1


class _AuthServer(asyncssh.SSHServer):
    """Password (and keyboard-interactive mapped onto password) auth against the node."""

    def __init__(self, node, session_factory, connections, guard):
        self._node = node
        self._session_factory = session_factory
        self._connections = connections
        self._guard = guard
        self._conn = None
        self._counted = False  # counted in guard.unauthenticated
        self._timer = None
        self._failures = 0
        self._peer = "?"
        self._port = 0
        self.username = None

    def connection_made(self, conn):
        self._conn = conn
        self._connections.add(conn)
        self._peer = conn.get_extra_info("peername", ("?", 0))[0]
        self._port = (conn.get_extra_info("sockname", ("?", 0)) or ("?", 0))[1]
        if not self._guard.admit(self._peer, self._port):
            # asyncssh sends its version string right after this callback unless it raises; on an
            # exception it closes the TCP connection (logged at its debug level only)
            raise RefusedConnection("login limits: connection from %s refused" % self._peer)
        self._counted = True
        self._timer = asyncio.get_running_loop().call_later(self._guard.limits.time_out, self._timed_out)

    def _timed_out(self):
        """`ip ssh time-out`: not authenticated in time."""
        self._timer = None
        if self.username is None and self._conn is not None:
            self._uncount()
            self._conn.disconnect(asyncssh.DISC_CONNECTION_LOST, "Login timed out")

    def _uncount(self):
        if self._counted:
            self._counted = False
            self._guard.release()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def connection_lost(self, exc):
        self._uncount()
        self._connections.discard(self._conn)

    def auth_completed(self):
        self._uncount()

    def begin_auth(self, username):
        return True  # authentication is always required

    def password_auth_supported(self):
        return True

    def public_key_auth_supported(self):
        return False

    def host_based_auth_supported(self):
        return False

    async def validate_password(self, username, password):
        if self._guard.quiet():
            ok = False  # no password is checked during a quiet period
        else:
            # a type 9 secret is scrypt (about 10 ms of CPU, without the GIL): in a worker thread, so
            # that a stream of logins does not hold up the LISP sockets on this loop
            ok = bool(await asyncio.get_running_loop().run_in_executor(None, self._node.check_login, username, password))
        if ok:
            self.username = username
            return True
        self._failures += 1
        self._guard.failed_login(username, self._peer, self._port)
        if self._failures >= max(1, self._guard.limits.auth_retries) or self._guard.quiet():
            # `ip ssh authentication-retries`: the connection goes instead of a last failure answer
            self._uncount()
            self._conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE, "Too many authentication failures")
        return False

    def session_requested(self):
        return self._session_factory(self._node, self)


async def listen(node, port, session_factory, connections, guard=None):
    """Start one SSH listener on `node.address:port`; return the asyncssh acceptor.

    `connections` (a set) tracks the open connections so that a shutdown can close them; `guard`
    (a LoginGuard) is shared by the listeners of one node (a new one when not given).
    """
    guard = guard if guard is not None else LoginGuard(node)
    return await asyncssh.create_server(
        lambda: _AuthServer(node, session_factory, connections, guard),
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

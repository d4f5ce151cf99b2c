"""Management plane of the reference xTR: the IOS-XE SSH CLI and the NETCONF server.

`await start_management(node)` starts both listeners on `node.address` (`node.cli_port`,
`node.netconf_port`) and returns them; `await stop_management(servers)` (or `close()` +
`await wait_closed()` on each) stops them together with their open sessions.

From the node it uses: address, cli_port, netconf_port, host_key_path, hostname, running,
router (show, oper_state, clear_map_cache), started_at, now(), commit(tree), save_startup(),
startup_text(), check_login(user, password), check_enable(secret), ping(...).

Modules: `sshserver` (asyncssh listener, password auth, IOS-XE login limits), `cli` (line reader, exec and config
modes), `netconf` (RFC 6241 operations, datastores, locks, confirmed commit), `framing`
(RFC 6242 framing, sans-I/O), `oper` (Cisco-IOS-XE-lisp-oper XML), `xmlutil` (hardened parser,
rpc-error, subtree and XPath filters), `iosxe` (show version and other IOS texts).
"""

from . import sshserver
from .cli import CliSession
from .netconf import CAPABILITIES, NetconfServer, NetconfSession

__all__ = ["CAPABILITIES", "ManagementServer", "start_management", "stop_management"]


class ManagementServer:
    """One SSH listener (CLI or NETCONF) and the connections it accepted."""

    def __init__(self, kind, port):
        self.kind = kind
        self.port = port
        self.connections = set()
        self._acceptor = None

    async def start(self, node, session_factory, guard=None):
        self._acceptor = await sshserver.listen(node, self.port, session_factory, self.connections, guard)
        return self

    def close(self):
        if self._acceptor is not None:
            self._acceptor.close()
        for conn in list(self.connections):
            conn.close()

    async def wait_closed(self):
        if self._acceptor is not None:
            await self._acceptor.wait_closed()


async def start_management(node):
    """Start the CLI and NETCONF listeners of `node`; return `[cli, netconf]` ManagementServers."""
    netconf = NetconfServer(node)
    guard = sshserver.LoginGuard(node)  # the login limits count over both ports, as IOS-XE's SSH server
    node.login_guard = guard  # for an operator's (or a test's) look at the counts
    servers = []
    try:
        servers.append(
            await ManagementServer("cli", node.cli_port).start(node, lambda n, auth: CliSession(n, auth, netconf), guard)
        )
        servers.append(
            await ManagementServer("netconf", node.netconf_port).start(
                node, lambda n, auth: NetconfSession(n, auth, netconf), guard
            )
        )
    except BaseException:
        await stop_management(servers)
        raise
    return servers


async def stop_management(servers):
    for server in servers:
        server.close()
    for server in servers:
        await server.wait_closed()

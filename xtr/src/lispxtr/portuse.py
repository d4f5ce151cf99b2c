"""Who holds an address and port: a bind probe, then ``/proc`` to name the process.

A router binds its own address on UDP 4342 and 4341 and listens on TCP for the SSH CLI and NETCONF.
When one of them is taken, ``holder()`` finds the socket in ``/proc/net/{tcp,udp}`` (its inode and
owner uid), then the process whose file descriptors include that socket (only processes of the
same user, or all of them as root, can be looked into), and when that process is a ``lisp-xtr run``
of a lab, its state directory and device name. Linux only; elsewhere the holder stays unknown.
"""

from __future__ import annotations

import errno
import os
import pathlib
import pwd
import socket

PROC = pathlib.Path("/proc")
_TCP_LISTEN = "0A"


class AddressInUse(OSError):
    """``address:port/proto`` is taken; ``str()`` is one line naming it (and its holder when known)."""

    def __init__(self, address: str, port: int, proto: str, what: str = ""):
        self.address, self.port, self.proto, self.what = address, port, proto, what
        self.message = "%s is in use%s" % (endpoint(address, port, proto, what), describe_holder(address, port, proto))
        super().__init__(errno.EADDRINUSE, self.message)

    def __str__(self) -> str:
        return self.message


def endpoint(address: str, port: int, proto: str, what: str = "") -> str:
    return "%s:%d/%s%s" % (address, port, proto, (" (%s)" % what) if what else "")


def can_bind(address: str, port: int, proto: str) -> bool:
    """True when ``address:port`` could be bound now (TCP with SO_REUSEADDR, as the servers do)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(family, kind) as probe:
        if proto == "tcp":
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


def _hex_address(address: str) -> str:
    """``/proc/net/tcp`` form of an IPv4 address (host byte order of a little-endian machine)."""
    return "%08X" % int.from_bytes(socket.inet_aton(address), "little")


def _sockets(address: str, port: int, proto: str) -> list[tuple[int, int]]:
    """(inode, uid) of the sockets bound to address:port (or to 0.0.0.0:port), listeners first."""
    wanted = {"%s:%04X" % (_hex_address(address), port), "%s:%04X" % (_hex_address("0.0.0.0"), port)}
    found = []
    try:
        lines = (PROC / "net" / proto).read_text().splitlines()[1:]
    except OSError:
        return []
    for line in lines:
        fields = line.split()
        if len(fields) < 10 or fields[1] not in wanted:
            continue
        rank = 0 if proto != "tcp" or fields[3] == _TCP_LISTEN else 1
        found.append((rank, int(fields[9]), int(fields[7])))
    return [(inode, uid) for _rank, inode, uid in sorted(found) if inode]


def _pid_of_inode(inode: int) -> int | None:
    target = "socket:[%d]" % inode
    for proc in PROC.iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == target:
                    return int(proc.name)
        except OSError:  # gone, or not ours to look into
            continue
    return None


def cmdline(pid: int) -> list[str]:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
    except OSError:
        return []


def lab_node_of(args: list[str]) -> tuple[str, str] | None:
    """(state_dir, name) when the command line is a ``lisp-xtr run --state-dir DIR --name NAME``."""
    if "run" not in args or not any(a.endswith("lisp-xtr") or a == "lispxtr.cli" for a in args):
        return None

    def value(flag):
        return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None

    state_dir, name = value("--state-dir"), value("--name")
    return (state_dir, name) if state_dir and name else None


class Holder:
    """The process holding a socket: pid (None when not visible), uid, command line, lab node."""

    def __init__(self, pid: int | None, uid: int, args: list[str]):
        self.pid, self.uid, self.args = pid, uid, args
        self.node = lab_node_of(args) if args else None

    @property
    def user(self) -> str:
        try:
            return pwd.getpwuid(self.uid).pw_name
        except KeyError:
            return "uid %d" % self.uid

    @property
    def ours(self) -> bool:
        return self.uid == os.getuid()

    def __str__(self) -> str:
        if self.node:
            text = "pid %d, router %s of the lab in %s" % (self.pid, self.node[1], self.node[0])
        elif self.pid is not None:
            text = "pid %d (%s)" % (self.pid, " ".join(" ".join(self.args).split())[:60] or "?")  # one line
        else:
            text = "a process this user cannot see"
        return text if self.ours else "%s of user %s" % (text, self.user)


def holder(address: str, port: int, proto: str) -> Holder | None:
    """The process holding ``address:port/proto``, or None when no socket is found."""
    if ":" in address:
        return None
    for inode, uid in _sockets(address, port, proto):
        pid = _pid_of_inode(inode)
        return Holder(pid, uid, cmdline(pid) if pid is not None else [])
    return None


def describe_holder(address: str, port: int, proto: str) -> str:
    found = holder(address, port, proto)
    return " by %s" % found if found else ""

"""A Linux TUN device: the EID side of an xTR that routes real hosts (the namespace lab, root only).

``TunDevice(name)`` attaches to the TUN interface ``name`` (creating it when it does not exist) in
IFF_TUN | IFF_NO_PI mode: every read of ``fileno()`` returns one whole IP packet (the node's loop
reads it with ``os.read``) and every ``write()`` hands one to the kernel, with no
packet-information header. The file descriptor is non-blocking so that the asyncio shell can
watch it with ``loop.add_reader``. Addresses and routes are the operator's
business (``ip``); ``bring_up()`` only sets the interface up.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct

TUN_PATH = "/dev/net/tun"
TUNSETIFF = 0x400454CA  # _IOW('T', 202, int)
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
IFF_UP = 0x0001
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFNAMSIZ = 16


class TunDevice:
    """One attached TUN interface (``fileno()``, ``write()``, ``close()``)."""

    def __init__(self, name: str):
        raw = name.encode("ascii", "strict") if name.isascii() else b""
        if not raw or len(raw) >= IFNAMSIZ or b"/" in raw or any(c <= 32 for c in raw):
            raise ValueError("%r is not a valid interface name (1 to %d characters)" % (name, IFNAMSIZ - 1))
        self.name = name
        self._fd = os.open(TUN_PATH, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            fcntl.ioctl(self._fd, TUNSETIFF, struct.pack("16sH22x", raw, IFF_TUN | IFF_NO_PI))
        except OSError:
            os.close(self._fd)
            raise

    def fileno(self) -> int:
        return self._fd

    def write(self, packet: bytes) -> None:
        os.write(self._fd, packet)

    def bring_up(self) -> None:
        """``ip link set NAME up`` by ioctl (SIOCGIFFLAGS/SIOCSIFFLAGS)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            ifr = fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack("16sH22x", self.name.encode(), 0))
            flags = struct.unpack_from("H", ifr, IFNAMSIZ)[0]
            if not flags & IFF_UP:
                fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", self.name.encode(), flags | IFF_UP))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

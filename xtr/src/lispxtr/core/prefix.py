"""EID-prefixes as the core keys them: ``EidPrefix(iid, afi, addr, plen)`` with the address as an int.

Ints make longest-prefix match a handful of dict look-ups (see ``map_cache.PrefixTable``). ``afi``
is ``"ipv4"`` or ``"ipv6"``, the words IOS-XE uses after ``service``.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import NamedTuple

MAX_LEN = {"ipv4": 32, "ipv6": 128}


class EidPrefix(NamedTuple):
    iid: int
    afi: str
    addr: int
    plen: int

    def __str__(self) -> str:
        return prefix_text(self)

    def covers(self, other: "EidPrefix") -> bool:
        """True when ``other`` (a prefix or host) lies inside this prefix (same IID and AFI)."""
        if other.iid != self.iid or other.afi != self.afi or other.plen < self.plen:
            return False
        return (other.addr & mask(self.afi, self.plen)) == self.addr


_MASKS = {afi: [((1 << n) - 1) << (m - n) for n in range(m + 1)] for afi, m in MAX_LEN.items()}


def mask(afi: str, plen: int) -> int:
    return _MASKS[afi][plen]


def addr_to_int(text: str) -> tuple[str, int]:
    """``"192.168.1.1"`` -> ``("ipv4", 3232235777)``. Raises ValueError on anything else."""
    try:
        if ":" in text:
            return "ipv6", int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
        return "ipv4", int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except OSError:  # inet_pton reports a malformed address as OSError
        raise ValueError("invalid IP address %r" % text) from None


def int_to_addr(afi: str, value: int) -> str:
    if afi == "ipv4":
        return socket.inet_ntop(socket.AF_INET, value.to_bytes(4, "big"))
    return socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))


def parse_prefix(text: str, iid: int = 0) -> EidPrefix:
    """``"192.168.1.0/24"`` (or a host address) -> EidPrefix; host bits are cleared."""
    net = ipaddress.ip_network(text.strip(), strict=False)
    afi = "ipv4" if net.version == 4 else "ipv6"
    return EidPrefix(iid, afi, int(net.network_address), net.prefixlen)


def host_prefix(iid: int, text: str) -> EidPrefix:
    afi, value = addr_to_int(text)
    return EidPrefix(iid, afi, value, MAX_LEN[afi])


def prefix_text(p: EidPrefix) -> str:
    text = int_to_addr(p.afi, p.addr)
    if p.afi == "ipv6":
        text = text.upper()  # IOS-XE prints IPv6 prefixes in upper case (2001:DB8::/32)
    return "%s/%d" % (text, p.plen)


def common_bits(afi: str, a: int, b: int) -> int:
    """Number of leading bits ``a`` and ``b`` share."""
    return MAX_LEN[afi] - (a ^ b).bit_length()

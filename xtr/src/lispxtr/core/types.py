"""Plain values the core hands to its caller."""

from __future__ import annotations

from dataclasses import dataclass

CONTROL_PORT = 4342  # RFC 9301 §5.1
DATA_PORT = 4341  # RFC 9300 §5.3


@dataclass(frozen=True, slots=True)
class Send:
    """One UDP datagram to send: ``data`` from ``src`` (address, port) to ``dst``."""

    data: bytes
    src: tuple[str, int]
    dst: tuple[str, int]


@dataclass(frozen=True)
class EchoReply:
    """An ICMP echo reply that reached one of the router's host EIDs."""

    src_eid: str
    dst_eid: str
    ident: int
    seq: int
    at: float


class Counters(dict):
    """``dict[str, int]`` whose missing keys read as 0; ``bump(name)`` adds one."""

    def __missing__(self, key):
        return 0

    def bump(self, name: str, by: int = 1) -> None:
        self[name] = self.get(name, 0) + by

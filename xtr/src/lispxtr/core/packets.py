"""The inner IPv4 packets of the data-plane emulation: ICMP echo (RFC 792) in IPv4 (RFC 791).

The router plays the hosts behind it: it builds echo requests for ``send_echo`` and answers echo
requests addressed to its host EIDs, with real header and ICMP checksums.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

ICMP = 1
ECHO_REPLY = 0
ECHO_REQUEST = 8
_IP = struct.Struct("!BBHHHBBH4s4s")
_ICMP_ECHO = struct.Struct("!BBHHH")


def checksum(data: bytes) -> int:
    """RFC 1071 Internet checksum: the one's complement of the one's complement sum of the 16-bit
    words, computed as the whole buffer modulo 0xFFFF (2**16 == 1 mod 0xFFFF); same as ``wire.ip.checksum``."""
    if len(data) & 1:
        data += b"\0"
    rest = int.from_bytes(data, "big") % 0xFFFF
    if rest:
        return 0xFFFF - rest
    return 0 if any(data) else 0xFFFF


def ipv4_packet(src: str, dst: str, proto: int, payload: bytes, ident: int = 0, ttl: int = 64) -> bytes:
    header = _IP.pack(0x45, 0, 20 + len(payload), ident & 0xFFFF, 0, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def icmp_echo(src: str, dst: str, kind: int, ident: int, seq: int, payload: bytes, ttl: int = 64) -> bytes:
    body = _ICMP_ECHO.pack(kind, 0, 0, ident & 0xFFFF, seq & 0xFFFF) + payload
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    return ipv4_packet(src, dst, ICMP, body, ident=seq, ttl=ttl)


@dataclass(frozen=True, slots=True)
class Ipv4Packet:
    src: str
    dst: str
    proto: int
    ttl: int
    payload: bytes


def parse_ipv4(data: bytes) -> Ipv4Packet | None:
    """Parse and check an IPv4 packet; None when it is not a valid one."""
    if len(data) < 20 or data[0] >> 4 != 4:
        return None
    ihl = (data[0] & 0x0F) * 4
    total = struct.unpack_from("!H", data, 2)[0]
    if ihl < 20 or total < ihl or total > len(data) or checksum(data[:ihl]) != 0:
        return None
    return Ipv4Packet(socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[16:20]), data[9], data[8], data[ihl:total])


@dataclass(frozen=True, slots=True)
class IcmpEcho:
    kind: int
    ident: int
    seq: int
    payload: bytes


def parse_icmp_echo(payload: bytes) -> IcmpEcho | None:
    if len(payload) < 8 or checksum(payload) != 0:
        return None
    kind, code, _ck, ident, seq = _ICMP_ECHO.unpack_from(payload)
    if kind not in (ECHO_REQUEST, ECHO_REPLY) or code != 0:
        return None
    return IcmpEcho(kind, ident, seq, payload[8:])

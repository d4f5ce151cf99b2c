"""The inner packets of the data-plane emulation: ICMP echo (RFC 792) in IPv4 (RFC 791), and
ICMPv6 echo (RFC 4443 §4) in IPv6 (RFC 8200).

The router plays the hosts behind it: it builds echo requests for ``send_echo`` and answers echo
requests addressed to its host EIDs, with real header and ICMP checksums (ICMPv6 over the RFC 8200
§8.1 pseudo-header).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from ..wire.ip import checksum  # RFC 1071, the one implementation (re-exported: the data path's name for it)

ICMP = 1
ECHO_REPLY = 0
ECHO_REQUEST = 8
_IP = struct.Struct("!BBHHHBBH4s4s")
_ICMP_ECHO = struct.Struct("!BBHHH")
_LISP = 8  # RFC 9300 §5.3: the LISP data header before the inner packet
ipv4_text = socket.inet_ntoa  # 4 address bytes -> dotted text (what ``parse_ipv4`` gives), for the fast path


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
    version = 4


@dataclass(frozen=True, slots=True)
class Ipv6Packet:
    """An IPv6 packet; ``proto`` is the Next Header of the fixed header and ``ttl`` its Hop Limit
    (extension headers are not walked: a packet with one is delivered, not answered)."""

    src: str
    dst: str
    proto: int
    ttl: int
    payload: bytes
    version = 6


ICMPV6 = 58
ECHO6_REQUEST = 128  # RFC 4443 §4.1
ECHO6_REPLY = 129  # RFC 4443 §4.2
_IP6 = struct.Struct("!IHBB16s16s")


def _pseudo_header(src: bytes, dst: bytes, length: int, next_header: int) -> bytes:
    """RFC 8200 §8.1: source, destination, upper-layer packet length (32 bits), 3 zero bytes, Next Header."""
    return src + dst + struct.pack("!I3xB", length, next_header)


def ipv6_packet(src: str, dst: str, next_header: int, payload: bytes, hop_limit: int = 64) -> bytes:
    return _IP6.pack(6 << 28, len(payload), next_header, hop_limit,
                     socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + payload


def icmp6_echo(src: str, dst: str, kind: int, ident: int, seq: int, payload: bytes, hop_limit: int = 64) -> bytes:
    body = _ICMP_ECHO.pack(kind, 0, 0, ident & 0xFFFF, seq & 0xFFFF) + payload
    pseudo = _pseudo_header(socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst),
                            len(body), ICMPV6)
    body = body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:]
    return ipv6_packet(src, dst, ICMPV6, body, hop_limit)


def echo(src: str, dst: str, kind: str, ident: int, seq: int, payload: bytes) -> bytes:
    """An echo ``kind`` ("request" or "reply") from ``src`` to ``dst``, in IPv4 or IPv6 as they are."""
    if ":" in dst:
        return icmp6_echo(src, dst, ECHO6_REQUEST if kind == "request" else ECHO6_REPLY, ident, seq, payload)
    return icmp_echo(src, dst, ECHO_REQUEST if kind == "request" else ECHO_REPLY, ident, seq, payload)


def parse_ipv6(data: bytes) -> Ipv6Packet | None:
    """Parse an IPv6 packet; None when it is not a valid one (short, or Payload Length beyond it)."""
    if len(data) < 40 or data[0] >> 4 != 6:
        return None
    _vtf, length, next_header, hop_limit, src, dst = _IP6.unpack_from(data)
    if 40 + length > len(data):
        return None
    return Ipv6Packet(socket.inet_ntop(socket.AF_INET6, src), socket.inet_ntop(socket.AF_INET6, dst), next_header,
                      hop_limit, data[40:40 + length])


def parse_ip(data: bytes) -> Ipv4Packet | Ipv6Packet | None:
    """An IPv4 or IPv6 packet by its version nibble; None when it is neither, or not a valid one."""
    if data[:1] and data[0] >> 4 == 6:
        return parse_ipv6(data)
    return parse_ipv4(data)


def packet_length(data: bytes) -> int:
    """The length an IP packet says it has (IPv4 Total Length, or 40 + IPv6 Payload Length): the
    packet without any link-layer padding after it."""
    if data[0] >> 4 == 6:
        return 40 + int.from_bytes(data[4:6], "big")
    return int.from_bytes(data[2:4], "big")


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


def parse_echo(packet: Ipv4Packet | Ipv6Packet) -> IcmpEcho | None:
    """The ICMP (IPv4) or ICMPv6 (IPv6) echo a packet carries, its checksum checked, with ``kind``
    given as the IPv4 type (ECHO_REQUEST or ECHO_REPLY) for both; None for anything else."""
    if packet.version == 4:
        return parse_icmp_echo(packet.payload) if packet.proto == ICMP else None
    payload = packet.payload
    if packet.proto != ICMPV6 or len(payload) < 8:
        return None
    pseudo = _pseudo_header(socket.inet_pton(socket.AF_INET6, packet.src), socket.inet_pton(socket.AF_INET6, packet.dst),
                            len(payload), ICMPV6)
    if checksum(pseudo + payload) != 0:
        return None
    kind, code, _ck, ident, seq = _ICMP_ECHO.unpack_from(payload)
    if kind not in (ECHO6_REQUEST, ECHO6_REPLY) or code != 0:
        return None
    return IcmpEcho(ECHO_REQUEST if kind == ECHO6_REQUEST else ECHO_REPLY, ident, seq, payload[8:])


# -- the echo fast path: an ICMP echo request inside a LISP data packet, answered from its bytes --
# What the fast path reads of a LISP data packet (RFC 9300 §5.3: 8-byte header first): IPv4
# (RFC 791) version and IHL, Total Length, flags and Fragment Offset, protocol, source, destination;
# ICMP (RFC 792) type, code, checksum and sequence number.
_ECHO_REQUEST = struct.Struct("!8xBxH2xHxBxx4s4sBBHxxH")
# The echo reply ``icmp_echo`` builds, up to its payload: IPv4 header (version 4 IHL 5 and TOS 0,
# Total Length, Identification, flags and Fragment Offset 0, TTL 64 and protocol ICMP, header
# checksum, source, destination), then ICMP type 0 and code 0, checksum.
_ECHO_REPLY = struct.Struct("!HHHHHH4s4sHH")
_VERSION_IHL = 0x45 << 8  # with TOS 0
_TTL_ICMP = (64 << 8) | ICMP
_from_bytes = int.from_bytes


def echo_reply(data: bytes) -> bytes | None:
    """The echo reply ``icmp_echo`` would build, byte for byte, for the ICMP echo request inside the
    LISP data packet ``data``, built from the request's bytes; None unless the inner packet is an
    intact echo request with a 20-byte header and not a fragment (the caller then takes its general
    path, ``parse_ipv4`` and ``parse_icmp_echo``). Intact means what those two check: Total Length
    from 28 (header and echo header) to the bytes there are (any after it are padding), header
    checksum and ICMP checksum right, code 0."""
    if not isinstance(data, bytes) or len(data) < _ECHO_REQUEST.size:  # another buffer type: the general path copies it
        return None
    vihl, total, fragment, proto, peer, host, kind, code, check, seq = _ECHO_REQUEST.unpack_from(data)
    # RFC 791: the More Fragments flag (0x2000) or a Fragment Offset makes it a fragment
    if vihl != 0x45 or proto != ICMP or kind != ECHO_REQUEST or code or fragment & 0x3FFF or not 28 <= total <= len(data) - _LISP:
        return None
    end = _LISP + total
    # RFC 1071: a header or message is intact when the one's complement sum of its 16-bit words,
    # checksum included, is 0 modulo 0xFFFF (``checksum`` gives 0) and it is not all zeros (its
    # first byte is 0x45 or 8 here). An odd-length ICMP message is summed without its pad byte:
    # x * 256 and x are 0 modulo 0xFFFF together, 256 being prime to 0xFFFF.
    if _from_bytes(data[8:28]) % 0xFFFF or _from_bytes(data[28:end]) % 0xFFFF:
        return None
    # RFC 1624 §3 (eqn. 3): HC' = ~(~HC + ~m + m'). The word m = 0x0800 (type 8, code 0) becomes
    # m' = 0x0000, so HC' = HC + 0x0800 in one's complement arithmetic, i.e. modulo 0xFFFF. A result
    # of 0 is written as ``checksum`` writes it: 0, or 0xFFFF when the whole message is zeros.
    check = (check + 0x0800) % 0xFFFF
    if not check and not any(data[32:end]):
        check = 0xFFFF
    # RFC 791 header checksum of the new header (Identification = the sequence number, as
    # ``icmp_echo`` sets it): its words summed modulo 0xFFFF (2**16 is 1 modulo 0xFFFF, so the 8
    # address bytes sum as one integer), complemented; never written as 0xFFFF (byte 0 is 0x45)
    rest = (_VERSION_IHL + total + seq + _TTL_ICMP + _from_bytes(data[20:28])) % 0xFFFF
    return _ECHO_REPLY.pack(_VERSION_IHL, total, seq, 0, _TTL_ICMP, 0xFFFF - rest if rest else 0, host, peer,
                            0, check) + data[32:end]

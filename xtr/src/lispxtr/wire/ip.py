"""The IP and UDP headers LISP carries inside itself: the inner datagram of an Encapsulated Control
Message (RFC 9301 §5.8) and the inner packet of a data packet (RFC 9300 §5), plus ICMP echo.

Addresses are strings; the family follows the source address. Checksums per RFC 1071/768/8200.
"""

from __future__ import annotations

import socket
import struct

from .errors import LispWireError, is_int

PROTO_ICMP = 1
PROTO_UDP = 17
PROTO_ICMPV6 = 58

_IPV4 = struct.Struct("!BBHHHBBH4s4s")
_IPV6 = struct.Struct("!IHBB16s16s")
_UDP = struct.Struct("!HHHH")
_ICMP_ECHO = struct.Struct("!BBHHH")
_UDP_PSEUDO4 = struct.Struct("!4s4sxBH")
_UDP_PSEUDO6 = struct.Struct("!16s16sIxxxB")


def checksum(data: bytes) -> int:
    """Internet checksum (RFC 1071) of ``data``: the one's complement of the one's complement sum
    of its 16-bit words, which is the value modulo 0xFFFF (2**16 == 1 mod 0xFFFF)."""
    if len(data) & 1:
        data += b"\0"
    rest = int.from_bytes(data, "big") % 0xFFFF
    if rest:
        return 0xFFFF - rest
    return 0 if any(data) else 0xFFFF


_pton_cache: dict = {}


def _pack_ip(addr: str, what: str) -> tuple[int, bytes]:
    found = _pton_cache.get(addr)
    if found is not None:
        return found
    try:
        if ":" in addr:
            found = 6, socket.inet_pton(socket.AF_INET6, addr)
        else:
            found = 4, socket.inet_pton(socket.AF_INET, addr)
    except (OSError, TypeError, ValueError):
        raise LispWireError("%s: invalid IP address %r" % (what, addr)) from None
    if len(_pton_cache) > 8192:
        _pton_cache.clear()
    _pton_cache[addr] = found
    return found


def _udp_checksum(version: int, src: bytes, dst: bytes, udp: bytes) -> int:
    if version == 4:
        pseudo = _UDP_PSEUDO4.pack(src, dst, PROTO_UDP, len(udp))
    else:
        pseudo = _UDP_PSEUDO6.pack(src, dst, len(udp), PROTO_UDP)
    value = checksum(pseudo + udp)
    return value or 0xFFFF  # RFC 768: a computed 0 is sent as all ones


def _header(version: int, psrc: bytes, pdst: bytes, proto: int, payload_len: int, ttl: int, ident: int) -> bytes:
    if version == 4:
        if payload_len + 20 > 0xFFFF:
            raise LispWireError("IPv4 packet of %d bytes is too long" % (payload_len + 20))
        head = _IPV4.pack(0x45, 0, 20 + payload_len, ident & 0xFFFF, 0, ttl, proto, 0, psrc, pdst)
        return head[:10] + checksum(head).to_bytes(2, "big") + head[12:]
    if payload_len > 0xFFFF:
        raise LispWireError("IPv6 payload of %d bytes is too long" % payload_len)
    return _IPV6.pack(0x60000000, payload_len, proto, ttl, psrc, pdst)


def _pair(src: str, dst: str) -> tuple[int, bytes, bytes]:
    version, psrc = _pack_ip(src, "source")
    dversion, pdst = _pack_ip(dst, "destination")
    if version != dversion:
        raise LispWireError("IP header: source %s and destination %s are of different families" % (src, dst))
    return version, psrc, pdst


def ip_header(src: str, dst: str, proto: int, payload_len: int, ttl: int = 64, ident: int = 0) -> bytes:
    """An IPv4 (with its header checksum) or IPv6 header for ``payload_len`` bytes of ``proto``."""
    version, psrc, pdst = _pair(src, dst)
    return _header(version, psrc, pdst, proto, payload_len, ttl, ident)


def build_udp(src: str, dst: str, sport: int, dport: int, payload: bytes, ttl: int = 64) -> bytes:
    """IPv4/IPv6 + UDP datagram, with the IPv4 header checksum and the UDP checksum computed."""
    if not is_int(sport) or not 0 <= sport <= 0xFFFF:
        raise LispWireError("UDP source port %r out of range 0..65535" % (sport,))
    if not is_int(dport) or not 0 <= dport <= 0xFFFF:
        raise LispWireError("UDP destination port %r out of range 0..65535" % (dport,))
    version, psrc, pdst = _pair(src, dst)
    udp_len = 8 + len(payload)
    csum = _udp_checksum(version, psrc, pdst, _UDP.pack(sport, dport, udp_len, 0) + payload)
    return _header(version, psrc, pdst, PROTO_UDP, udp_len, ttl, 0) + _UDP.pack(sport, dport, udp_len, csum) + payload


_ntop_cache: dict = {}


def _ntop(packed: bytes) -> str:
    text = _ntop_cache.get(packed)
    if text is None:
        text = socket.inet_ntop(socket.AF_INET if len(packed) == 4 else socket.AF_INET6, packed)
        if len(_ntop_cache) > 8192:
            _ntop_cache.clear()
        _ntop_cache[packed] = text
    return text


def parse_ip(packet: bytes, what: str = "IP packet"):
    """Check an IPv4/IPv6 header; return ``(version, src, dst, proto, ttl, payload)``.

    Rejects: bad version, bad IPv4 header length or checksum, a total/payload length that does not
    match the bytes, and fragments.
    """
    if not packet:
        raise LispWireError("%s: empty" % what)
    version = packet[0] >> 4
    if version == 4:
        if len(packet) < 20:
            raise LispWireError("%s: truncated IPv4 header (%d bytes)" % (what, len(packet)))
        vihl, _tos, total, _ident, frag, ttl, proto, _csum, src, dst = _IPV4.unpack_from(packet)
        ihl = (vihl & 0x0F) * 4
        if ihl < 20 or ihl > len(packet):
            raise LispWireError("%s: IPv4 header length %d invalid for %d bytes" % (what, ihl, len(packet)))
        if total != len(packet):
            raise LispWireError("%s: IPv4 total length %d does not match %d bytes" % (what, total, len(packet)))
        if checksum(packet[:ihl]) != 0:
            raise LispWireError("%s: IPv4 header checksum 0x%04x is wrong" % (what, _csum))
        if frag & 0x3FFF:
            raise LispWireError("%s: IPv4 fragment (flags/offset 0x%04x) not supported" % (what, frag))
        return 4, _ntop(src), _ntop(dst), proto, ttl, packet[ihl:]
    if version == 6:
        if len(packet) < 40:
            raise LispWireError("%s: truncated IPv6 header (%d bytes)" % (what, len(packet)))
        _vtf, plen, nxt, hlim, src, dst = _IPV6.unpack_from(packet)
        if plen != len(packet) - 40:
            raise LispWireError("%s: IPv6 payload length %d does not match %d bytes" % (what, plen, len(packet) - 40))
        return 6, _ntop(src), _ntop(dst), nxt, hlim, packet[40:]
    raise LispWireError("%s: IP version %d is neither 4 nor 6" % (what, version))


_IPV4_UDP = struct.Struct("!BBHHHBBH4s4sHHHH")  # a 20-byte IPv4 header and the UDP header
_PSEUDO_TAIL = struct.Struct("!xBH")


def parse_udp(packet: bytes, what: str = "UDP datagram"):
    """Check an IPv4/IPv6 + UDP datagram; return ``(src, dst, sport, dport, payload)``.

    The UDP length must match the IP payload; a non-zero UDP checksum must be right.
    """
    size = len(packet)
    if size >= 28 and packet[0] == 0x45:  # IPv4 without options: one unpack (the hot ECM path)
        _v, _tos, total, _ident, frag, _ttl, proto, csum, src, dst, sport, dport, ulen, ucsum = _IPV4_UDP.unpack_from(packet)
        if total == size and proto == PROTO_UDP and not frag & 0x3FFF and ulen == size - 20:
            if checksum(packet[:20]) != 0:
                raise LispWireError("%s: IPv4 header checksum 0x%04x is wrong" % (what, csum))
            if ucsum and checksum(src + dst + _PSEUDO_TAIL.pack(PROTO_UDP, ulen) + packet[20:]) != 0:
                raise LispWireError("%s: UDP checksum 0x%04x is wrong" % (what, ucsum))
            return _ntop(src), _ntop(dst), sport, dport, packet[28:]
    # everything else, and the precise error for whatever is wrong above
    version, src, dst, proto, _ttl, body = parse_ip(packet, what)
    if proto != PROTO_UDP:
        raise LispWireError("%s: IP protocol %d is not UDP (17)" % (what, proto))
    if len(body) < 8:
        raise LispWireError("%s: truncated UDP header (%d bytes)" % (what, len(body)))
    sport, dport, ulen, csum = _UDP.unpack_from(body)
    if ulen != len(body):
        raise LispWireError("%s: UDP length %d does not match %d bytes" % (what, ulen, len(body)))
    if csum:
        if version == 4:
            pseudo = _UDP_PSEUDO4.pack(packet[12:16], packet[16:20], PROTO_UDP, ulen)
        else:
            pseudo = _UDP_PSEUDO6.pack(packet[8:24], packet[24:40], ulen, PROTO_UDP)
        if checksum(pseudo + body) != 0:  # the sum over a correct checksum is all ones
            raise LispWireError("%s: UDP checksum 0x%04x is wrong" % (what, csum))
    return src, dst, sport, dport, body[8:]


def build_icmp_echo(src: str, dst: str, ident: int, seq: int, payload: bytes = b"", reply: bool = False, ttl: int = 64) -> bytes:
    """An ICMP (IPv4) or ICMPv6 echo request/reply packet with correct checksums."""
    version, psrc, pdst = _pair(src, dst)
    if version == 4:
        icmp_type, proto = (0 if reply else 8), PROTO_ICMP
    else:
        icmp_type, proto = (129 if reply else 128), PROTO_ICMPV6
    msg = _ICMP_ECHO.pack(icmp_type, 0, 0, ident & 0xFFFF, seq & 0xFFFF) + payload
    if version == 4:
        csum = checksum(msg)
    else:
        csum = checksum(psrc + pdst + struct.pack("!IxxxB", len(msg), PROTO_ICMPV6) + msg)
    msg = msg[:2] + struct.pack("!H", csum) + msg[4:]
    return _header(version, psrc, pdst, proto, len(msg), ttl, 0) + msg


def parse_icmp_echo(packet: bytes, what: str = "ICMP packet"):
    """``(src, dst, is_reply, ident, seq, payload)`` of an ICMP/ICMPv6 echo; ``None`` if the packet is
    valid IP but not an echo request/reply."""
    version, src, dst, proto, _ttl, body = parse_ip(packet, what)
    if (version, proto) not in ((4, PROTO_ICMP), (6, PROTO_ICMPV6)) or len(body) < 8:
        return None
    icmp_type, _code, _csum, ident, seq = _ICMP_ECHO.unpack_from(body)
    if icmp_type in (8, 128):
        return src, dst, False, ident, seq, body[8:]
    if icmp_type in (0, 129):
        return src, dst, True, ident, seq, body[8:]
    return None

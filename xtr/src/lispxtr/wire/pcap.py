"""A small classic-pcap writer and reader for LISP captures (not a LISP format: tooling).

The writer records IPv4/IPv6 + UDP datagrams with LINKTYPE_RAW (101), which Wireshark/tshark read
directly (UDP 4342 as ``lisp``, 4341 as ``lisp-data``). The reader understands LINKTYPE_ETHERNET (1)
and LINKTYPE_RAW and yields the UDP datagrams it finds.

A capture is bounded: with ``max_bytes`` the writer rotates, as tcpdump's ``-C``/``-W 2`` does: when
the next record would take the file past ``max_bytes / 2``, the file becomes ``FILE.1`` (replacing
the older one) and a new ``FILE`` starts with its own header. Both are complete pcap files at all
times, and together they never exceed ``max_bytes`` (a flood of Map-Requests filled 61 MB in
seconds before this bound).
"""

from __future__ import annotations

import os
import struct
import threading
import time

from .errors import LispWireError
from .ip import build_udp

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101

_GLOBAL = struct.Struct("<IHHiIII")
_RECORD = struct.Struct("<IIII")
_MAGIC = 0xA1B2C3D4
_SNAPLEN = 65535
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # lisp.pcap + lisp.pcap.1 together
MIN_MAX_BYTES = 4 * (_GLOBAL.size + _RECORD.size + 14 + _SNAPLEN)  # each half holds a largest frame twice


class PcapWriter:
    """Append UDP datagrams to a pcap file; thread-safe; flushes every packet so a capture of a
    running process is always readable. Use as a context manager or call ``close()``."""

    def __init__(self, path, linktype: int = LINKTYPE_RAW, max_bytes: int | None = None):
        if linktype not in (LINKTYPE_RAW, LINKTYPE_ETHERNET):
            raise ValueError("linktype must be LINKTYPE_RAW (101) or LINKTYPE_ETHERNET (1)")
        if max_bytes is not None and max_bytes < MIN_MAX_BYTES:
            raise ValueError("max_bytes %d is below the minimum %d" % (max_bytes, MIN_MAX_BYTES))
        self.path = str(path)
        self.linktype = linktype
        self.max_bytes = max_bytes
        self.rotations = 0
        self._lock = threading.Lock()
        self._file = None
        self._size = 0
        self._open()

    def _open(self):
        self._file = open(self.path, "wb")  # pylint: disable=consider-using-with  # closed by close() or _rotate()
        self._file.write(_GLOBAL.pack(_MAGIC, 2, 4, 0, 0, _SNAPLEN, self.linktype))
        self._file.flush()
        self._size = _GLOBAL.size

    def _rotate(self):
        """FILE becomes FILE.1 (the older FILE.1 goes) and a new FILE starts."""
        self._file.close()
        os.replace(self.path, self.path + ".1")
        self._open()
        self.rotations += 1

    def write_packet(self, ip_packet: bytes, ts: float | None = None) -> None:
        """Record one IP packet (the Ethernet header is added for LINKTYPE_ETHERNET)."""
        frame = ip_packet
        if self.linktype == LINKTYPE_ETHERNET:
            ethertype = 0x86DD if ip_packet[:1] and ip_packet[0] >> 4 == 6 else 0x0800
            frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", ethertype) + ip_packet
        now = time.time() if ts is None else ts
        sec = int(now)
        usec = int((now - sec) * 1_000_000)
        record = _RECORD.pack(sec, usec, len(frame), len(frame)) + frame
        with self._lock:
            if self._file.closed:
                return
            if self.max_bytes is not None and self._size + len(record) > self.max_bytes // 2:
                self._rotate()
            self._file.write(record)
            self._file.flush()
            self._size += len(record)

    def write_udp(self, src: tuple[str, int], dst: tuple[str, int], payload: bytes, ts: float | None = None) -> None:
        """Record ``payload`` as a UDP datagram from ``src`` to ``dst`` (``(ip, port)`` pairs)."""
        self.write_packet(build_udp(src[0], dst[0], src[1], dst[1], bytes(payload)), ts)

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_pcap(path):
    """Yield ``(linktype, captured_bytes, original_length)`` per record of a classic pcap file."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 24:
        raise LispWireError("%s: not a pcap file (too short)" % path)
    magic = struct.unpack_from("<I", data)[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise LispWireError("%s: not a classic pcap file (magic 0x%08x)" % (path, magic))
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    rec = struct.Struct(endian + "IIII")
    off = 24
    while off + 16 <= len(data):
        _sec, _frac, incl, orig = rec.unpack_from(data, off)
        off += 16
        yield linktype, data[off:off + incl], orig
        off += incl


def iter_udp(path):
    """Yield ``(src, sport, dst, dport, payload)`` for every IPv4/IPv6 UDP datagram in a pcap.

    ``payload`` is what was captured of the UDP payload, cut to the UDP length field: a snapped or
    lying packet yields fewer bytes than its header claims, as a receiver would see them.
    """
    import socket  # pylint: disable=import-outside-toplevel  # only the reader needs it

    for linktype, frame, _orig in read_pcap(path):
        if linktype == LINKTYPE_ETHERNET:
            if len(frame) < 14:
                continue
            ethertype = struct.unpack_from("!H", frame, 12)[0]
            pkt = frame[14:]
            if ethertype == 0x8100 and len(frame) >= 18:
                ethertype = struct.unpack_from("!H", frame, 16)[0]
                pkt = frame[18:]
        elif linktype == LINKTYPE_RAW:
            pkt = frame
            ethertype = 0x86DD if pkt[:1] and pkt[0] >> 4 == 6 else 0x0800
        else:
            continue
        if ethertype == 0x0800 and len(pkt) >= 20 and pkt[0] >> 4 == 4:
            ihl = (pkt[0] & 0x0F) * 4
            if pkt[9] != 17 or len(pkt) < ihl + 8:
                continue
            src, dst, udp = socket.inet_ntop(socket.AF_INET, pkt[12:16]), socket.inet_ntop(socket.AF_INET, pkt[16:20]), pkt[ihl:]
        elif ethertype == 0x86DD and len(pkt) >= 48 and pkt[0] >> 4 == 6:
            if pkt[6] != 17:
                continue
            src, dst, udp = socket.inet_ntop(socket.AF_INET6, pkt[8:24]), socket.inet_ntop(socket.AF_INET6, pkt[24:40]), pkt[40:]
        else:
            continue
        sport, dport, ulen = struct.unpack_from("!HHH", udp)
        yield src, sport, dst, dport, udp[8:max(8, ulen)]

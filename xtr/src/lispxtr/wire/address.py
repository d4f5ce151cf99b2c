"""Addresses as LISP carries them: an AFI (RFC 9301 §5.1, [AFN]) followed by the address, or an
LCAF (RFC 8060, AFI 16387).

Every address type is a frozen, hashable dataclass with ``afi``, ``max_mask_len``, ``str()`` and
``encode()`` (AFI + body). ``decode_address(data, offset, what)`` returns ``(address, new_offset)``;
AFI 0 ("no address") decodes to ``None``.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass, field

from .errors import LispWireError

AFI_NONE = 0
AFI_IPV4 = 1
AFI_IPV6 = 2
AFI_MAC = 6  # RFC 8060 §4.10.2 carries a 48-bit MAC under AFI 6 ("802")
AFI_LCAF = 16387

LCAF_INSTANCE_ID = 2  # RFC 8060 §4.1

_H = struct.Struct("!H")
_LCAF_HDR = struct.Struct("!HBBBBH")  # AFI, Rsvd1, Flags, Type, Rsvd2/IID mask-len, Length
_IID_BODY = struct.Struct("!I")
_AFI_V4 = _H.pack(AFI_IPV4)
_AFI_V6 = _H.pack(AFI_IPV6)
_AFI_MAC = _H.pack(AFI_MAC)
_AFI_NONE = _H.pack(AFI_NONE)

_set = object.__setattr__
_CACHE_MAX = 8192
_cache4: dict = {}
_cache6: dict = {}


class Address:
    """Base of every address type."""

    __slots__ = ()
    afi: int = -1
    max_mask_len: int = 0

    def encode(self) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Ipv4(Address):
    """IPv4 address (AFI 1)."""

    address: str
    _packed: bytes = field(init=False, repr=False, compare=False)

    afi = AFI_IPV4
    max_mask_len = 32

    def __post_init__(self):
        try:
            packed = socket.inet_pton(socket.AF_INET, self.address)
        except (OSError, TypeError, ValueError):
            raise LispWireError("invalid IPv4 address %r" % (self.address,)) from None
        _set(self, "_packed", packed)

    def __str__(self):
        return self.address

    @property
    def packed(self) -> bytes:
        return self._packed

    def encode(self) -> bytes:
        return _AFI_V4 + self._packed


@dataclass(frozen=True, slots=True)
class Ipv6(Address):
    """IPv6 address (AFI 2); stored in compressed lower-case form."""

    address: str
    _packed: bytes = field(init=False, repr=False, compare=False)

    afi = AFI_IPV6
    max_mask_len = 128

    def __post_init__(self):
        try:
            packed = socket.inet_pton(socket.AF_INET6, self.address)
        except (OSError, TypeError, ValueError):
            raise LispWireError("invalid IPv6 address %r" % (self.address,)) from None
        _set(self, "address", socket.inet_ntop(socket.AF_INET6, packed))
        _set(self, "_packed", packed)

    def __str__(self):
        return self.address

    @property
    def packed(self) -> bytes:
        return self._packed

    def encode(self) -> bytes:
        return _AFI_V6 + self._packed


@dataclass(frozen=True, slots=True)
class Mac(Address):
    """48-bit MAC address (AFI 6, RFC 8060 §4.10.2); stored as ``aa:bb:cc:dd:ee:ff``.

    Accepts ``aa:bb:cc:dd:ee:ff``, ``aa-bb-cc-dd-ee-ff`` and Cisco's ``aabb.ccdd.eeff``.
    """

    address: str
    _packed: bytes = field(init=False, repr=False, compare=False)

    afi = AFI_MAC
    max_mask_len = 48

    def __post_init__(self):
        text = self.address
        digits = text.replace(":", "").replace("-", "").replace(".", "") if isinstance(text, str) else ""
        try:
            packed = bytes.fromhex(digits)
        except ValueError:
            packed = b""
        if len(packed) != 6 or len(digits) != 12:
            raise LispWireError("invalid MAC address %r" % (text,))
        _set(self, "address", ":".join("%02x" % b for b in packed))
        _set(self, "_packed", packed)

    def __str__(self):
        return self.address

    @property
    def packed(self) -> bytes:
        return self._packed

    def encode(self) -> bytes:
        return _AFI_MAC + self._packed


@dataclass(frozen=True, slots=True)
class InstanceId(Address):
    """Instance-ID LCAF (RFC 8060 §4.1, LCAF type 2): an address qualified by a 32-bit IID.

    ``address`` is the inner address, or ``None`` for AFI 0 (an IID range). ``mask_len_field`` is the
    LCAF's "IID mask-len" byte: meaningful only with AFI 0, yet Cisco sends 0x20 with a real inner
    AFI. It is kept for a byte-exact re-encode but takes no part in equality or hashing, so the
    same EID from Cisco and from us is one key.
    """

    iid: int
    address: Address | None
    mask_len_field: int = field(default=0, compare=False)

    afi = AFI_LCAF

    def __post_init__(self):
        if not isinstance(self.iid, int) or not 0 <= self.iid <= 0xFFFFFFFF:
            raise LispWireError("instance-id %r out of range 0..4294967295" % (self.iid,))
        if not isinstance(self.mask_len_field, int) or not 0 <= self.mask_len_field <= 255:
            raise LispWireError("instance-id LCAF IID mask-len %r out of range 0..255" % (self.mask_len_field,))
        if self.address is not None and (not isinstance(self.address, Address) or isinstance(self.address, InstanceId)):
            raise LispWireError("instance-id inner address must be a plain address, not %r" % (self.address,))

    @property
    def max_mask_len(self) -> int:  # type: ignore[override]
        return 0 if self.address is None else self.address.max_mask_len

    def __str__(self):
        return "[%d] %s" % (self.iid, "*" if self.address is None else self.address)

    def encode(self) -> bytes:
        inner = _AFI_NONE if self.address is None else self.address.encode()
        return _LCAF_HDR.pack(AFI_LCAF, 0, 0, LCAF_INSTANCE_ID, self.mask_len_field, 4 + len(inner)) + _IID_BODY.pack(self.iid) + inner


@dataclass(frozen=True, slots=True)
class Lcaf(Address):
    """Any other LCAF type (RFC 8060 §3), kept opaque: its Length field makes it skippable."""

    lcaf_type: int
    body: bytes
    flags: int = 0
    rsvd2: int = 0

    afi = AFI_LCAF
    max_mask_len = 255

    def __post_init__(self):
        for name in ("lcaf_type", "flags", "rsvd2"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 255:
                raise LispWireError("LCAF %s %r out of range 0..255" % (name, value))
        if not isinstance(self.body, bytes) or len(self.body) > 0xFFFF:
            raise LispWireError("LCAF body must be bytes of at most 65535 octets")
        if self.lcaf_type == LCAF_INSTANCE_ID:
            raise LispWireError("LCAF type 2 is an instance-id: use InstanceId")

    def __str__(self):
        return "lcaf-%d:%s" % (self.lcaf_type, self.body.hex())

    def encode(self) -> bytes:
        return _LCAF_HDR.pack(AFI_LCAF, 0, self.flags, self.lcaf_type, self.rsvd2, len(self.body)) + self.body


_new = object.__new__
_ntoa = socket.inet_ntoa
_ntop = socket.inet_ntop
_AF_INET6 = socket.AF_INET6
_set4_address = Ipv4.address.__set__  # slot descriptors: the cheapest way to fill a frozen slot
_set4_packed = Ipv4._packed.__set__
_set6_address = Ipv6.address.__set__
_set6_packed = Ipv6._packed.__set__


def _ipv4(packed: bytes) -> Ipv4:
    """Ipv4 from 4 wire bytes, skipping re-validation (hot path); instances are shared."""
    obj = _cache4.get(packed)
    if obj is None:
        obj = _new(Ipv4)
        _set4_address(obj, _ntoa(packed))
        _set4_packed(obj, packed)
        if len(_cache4) >= _CACHE_MAX:
            _cache4.clear()
        _cache4[packed] = obj
    return obj


def _ipv6(packed: bytes) -> Ipv6:
    obj = _cache6.get(packed)
    if obj is None:
        obj = _new(Ipv6)
        _set6_address(obj, _ntop(_AF_INET6, packed))
        _set6_packed(obj, packed)
        if len(_cache6) >= _CACHE_MAX:
            _cache6.clear()
        _cache6[packed] = obj
    return obj


def _mac(packed: bytes) -> Mac:
    obj = object.__new__(Mac)
    _set(obj, "address", ":".join("%02x" % b for b in packed))
    _set(obj, "_packed", packed)
    return obj


def field_name(what) -> str:
    """Error context: a string, or a lazy ``(format, *args)`` tuple formatted only on error."""
    return what if isinstance(what, str) else what[0] % what[1:]


def _truncated(what, suffix: str, need: int, off: int, data: bytes) -> LispWireError:
    return LispWireError("%s%s: truncated (need %d bytes at offset %d, have %d)"
                         % (field_name(what), suffix, need, off, max(0, len(data) - off)))


def decode_address(data: bytes, off: int, what, allow_none: bool = False, depth: int = 0):
    """Decode AFI + address at ``data[off:]``; return ``(address or None, new_offset)``.

    ``what`` names the field for error messages (e.g. ``"Map-Reply record 1 EID-Prefix"``), or is
    a ``(format, *args)`` tuple formatted only when there is an error.
    """
    end = off + 2
    if end > len(data):
        raise _truncated(what, " AFI", 2, off, data)
    afi = (data[off] << 8) | data[off + 1]
    if afi == AFI_IPV4:
        if end + 4 > len(data):
            raise _truncated(what, " IPv4 address", 4, end, data)
        return _ipv4(data[end:end + 4]), end + 4
    if afi == AFI_IPV6:
        if end + 16 > len(data):
            raise _truncated(what, " IPv6 address", 16, end, data)
        return _ipv6(data[end:end + 16]), end + 16
    if afi == AFI_LCAF:
        return _decode_lcaf(data, off, what, depth)
    if afi == AFI_NONE:
        if not allow_none:
            raise LispWireError("%s: AFI 0 (no address) is not allowed here" % field_name(what))
        return None, end
    if afi == AFI_MAC:
        if end + 6 > len(data):
            raise _truncated(what, " MAC address", 6, end, data)
        return _mac(data[end:end + 6]), end + 6
    raise LispWireError("%s: unknown AFI %d (address length cannot be known)" % (field_name(what), afi))


def _decode_lcaf(data: bytes, off: int, what, depth: int):
    what = field_name(what)
    if off + 8 > len(data):
        raise _truncated(what, " LCAF header", 8, off, data)
    _afi, _rsvd1, flags, lcaf_type, rsvd2, length = _LCAF_HDR.unpack_from(data, off)
    body = off + 8
    end = body + length
    if end > len(data):
        raise LispWireError("%s: LCAF type %d length %d exceeds the %d bytes left" % (what, lcaf_type, length, len(data) - body))
    if lcaf_type != LCAF_INSTANCE_ID:
        return Lcaf(lcaf_type, data[body:end], flags, rsvd2), end
    if depth:
        raise LispWireError("%s: nested instance-id LCAF" % what)
    if length < 6:
        raise LispWireError("%s: instance-id LCAF length %d is shorter than 6" % (what, length))
    (iid,) = _IID_BODY.unpack_from(data, body)
    inner, inner_end = decode_address(data[:end], body + 4, what + " (instance-id %d)" % iid, True, 1)
    if inner_end != end:
        raise LispWireError("%s: instance-id LCAF length %d does not match its content (%d bytes)" % (what, length, inner_end - body))
    obj = object.__new__(InstanceId)
    _set(obj, "iid", iid)
    _set(obj, "address", inner)
    _set(obj, "mask_len_field", rsvd2)
    return obj, end


def encode_address(address: Address | None) -> bytes:
    """AFI + address; ``None`` encodes as AFI 0."""
    return _AFI_NONE if address is None else address.encode()


def address_from_ip(text: str) -> Ipv4 | Ipv6:
    """``Ipv4`` or ``Ipv6`` from an IP address string."""
    return Ipv6(text) if ":" in text else Ipv4(text)


def eid_prefix(record) -> tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``(instance_id, ip_network)`` of an EID record or of an ``(eid, mask_len)`` pair.

    A plain IP EID has instance-id 0. Host bits beyond the mask are cleared.
    """
    if isinstance(record, tuple):
        eid, mask_len = record
    else:
        eid, mask_len = record.eid, record.mask_len
    iid = 0
    if isinstance(eid, InstanceId):
        iid, eid = eid.iid, eid.address
    if not isinstance(eid, (Ipv4, Ipv6)):
        raise LispWireError("EID %s is not an IP prefix" % (eid,))
    return iid, ipaddress.ip_network("%s/%d" % (eid.address, mask_len), strict=False)


def eid_from_prefix(prefix, iid: int = 0) -> tuple[Address, int]:
    """Inverse of ``eid_prefix``: ``(eid, mask_len)`` for an ``ip_network`` (or string) and IID.

    The EID is ``InstanceId(iid, ...)`` when ``iid`` is non-zero, else the plain address.
    """
    net = ipaddress.ip_network(prefix, strict=False) if not isinstance(prefix, (ipaddress.IPv4Network, ipaddress.IPv6Network)) else prefix
    addr: Address = Ipv4(str(net.network_address)) if net.version == 4 else Ipv6(str(net.network_address))
    if iid:
        addr = InstanceId(iid, addr)
    return addr, net.prefixlen

"""Value syntax shared by the CLI parser, the XML view and the validator.

Every parser takes the text an operator or a NETCONF client gave and returns the canonical form the
config tree stores, or raises ``ValueError`` with a short reason that names what was expected (the
caller adds the field name and the position). Canonical forms in the tree follow what IOS-XE prints in
its running configuration: IPv4 dotted quad, IPv6 in upper case and compressed (``2001:DB8::1``),
prefixes as ``address/length`` with zero host bits.
"""

import ipaddress
import re

MAX_INSTANCE_ID = 16777214  # Cisco-IOS-XE-lisp: instance-list/instance-id range 0..16777214
PRIORITY_RANGE = (0, 255)  # RFC 9301 §5.4: priority is an 8-bit value (255 = do not use)
WEIGHT_RANGE = (0, 100)  # Cisco-IOS-XE-lisp: priority-and-weight/weight range 0..100
PRIVILEGE_RANGE = (0, 15)
# Length bounds of the free-text values. The Cisco-IOS-XE-lisp model types site names, locator-set
# names and the site description as plain ``string`` (no length); these are this router's documented
# bounds (docs/security.md, "Input bounds"): 200 for a description as IOS-XE's ``description LINE``
# ("Up to 200 characters"), 32 for a VRF name as ``vrf definition``, 64 for the other names.
NAME_MAX = 64
VRF_MAX = 32
DESCRIPTION_MAX = 200
SHOWN_MAX = 40  # how much of a refused value an error message repeats
# Cisco-IOS-XE-native: leaf hostname, length 1..246 and this pattern.
_HOSTNAME = re.compile(r"[0-9.]*[A-Za-z\-_]+[A-Za-z0-9.\-_]*\Z")
_DIGITS = re.compile(r"[0-9]+\Z")
_NAME = re.compile(r"\S+\Z")
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# A dotted quad without leading zeros is its own canonical form; matching it by regex keeps a
# 10,000-site configuration fast to parse (ipaddress is ten times slower).
_IPV4 = re.compile(r"%s\.%s\.%s\.%s\Z" % ((_OCTET,) * 4))
_IPV4_PREFIX = re.compile(r"%s\.%s\.%s\.%s/([0-9]{1,3})\Z" % ((_OCTET,) * 4))


def ipv4_address(text):
    if _IPV4.match(text):
        return text
    raise ValueError("expected an IPv4 address (A.B.C.D)")


def ipv6_address(text):
    if ":" not in text:
        raise ValueError("expected an IPv6 address (X:X:X:X::X)")
    try:
        return str(ipaddress.IPv6Address(text)).upper()
    except ValueError:
        raise ValueError("expected an IPv6 address (X:X:X:X::X)") from None


def ip_address(text):
    """An IPv4 or IPv6 address (canonical tree form)."""
    if ":" in text:
        return ipv6_address(text)
    try:
        return ipv4_address(text)
    except ValueError:
        raise ValueError("expected an IPv4 or IPv6 address") from None


def looks_like_address(text):
    """True when text is meant as an address rather than a keyword (starts with a digit or has ':')."""
    return bool(text) and (text[0].isdigit() or ":" in text)


def family_of(address):
    """'ipv4' or 'ipv6' for an address or prefix in canonical form."""
    return "ipv6" if ":" in address else "ipv4"


def prefix(text, family=None):
    """An EID prefix ``address/length`` with zero host bits; family 'ipv4'/'ipv6' restricts it."""
    if family != "ipv6":
        fast = _IPV4_PREFIX.match(text)
        if fast:
            a, b, c, d, plen = (int(g) for g in fast.groups())
            if plen <= 32:
                host_mask = (1 << (32 - plen)) - 1
                if ((a << 24) | (b << 16) | (c << 8) | d) & host_mask == 0:
                    return text
    address, slash, length = text.partition("/")
    want = family or ("ipv6" if ":" in address else "ipv4")
    what = "an IPv6 prefix (X:X::X/<0-128>)" if want == "ipv6" else "an IPv4 prefix (A.B.C.D/<0-32>)"
    if not slash or not _DIGITS.match(length):
        raise ValueError("expected %s" % what)
    try:
        if want == "ipv6":
            if ":" not in address:
                raise ValueError(what)
            net_address = ipaddress.IPv6Address(address)
            bits = 128
        else:
            net_address = ipaddress.IPv4Address(address)
            bits = 32
    except ValueError:
        raise ValueError("expected %s" % what) from None
    plen = int(length)
    if plen > bits:
        raise ValueError("prefix length %d is out of range 0..%d" % (plen, bits))
    network = ipaddress.ip_network((net_address, plen), strict=False)
    if network.network_address != net_address:
        raise ValueError("host bits are set (the prefix is %s)" % _render_network(network))
    return _render_network(network)


def _render_network(network):
    if network.version == 6:
        return str(network).upper()
    return str(network)


def prefix_any(text):
    """An IPv4 or IPv6 prefix."""
    return prefix(text, None)


def uint(text, low, high):
    if not _DIGITS.match(text):
        raise ValueError("expected a number %d..%d" % (low, high))
    value = int(text)
    if not low <= value <= high:
        raise ValueError("%s is out of range %d..%d" % (text, low, high))
    return value


def hostname(text):
    if not 1 <= len(text) <= 246 or not _HOSTNAME.match(text):
        raise ValueError("expected a host name (letters, digits, '.', '-', '_'; at least one letter, up to 246 characters)")
    return text


def shown(text):
    """text as an error message may repeat it: quoted, control characters escaped, long values cut."""
    if len(text) > SHOWN_MAX:
        return "%r... (%d characters)" % (text[:SHOWN_MAX], len(text))
    return repr(text)


def bad_character(text):
    """Index of the first character that may not appear in a configuration value, or None.

    Every character must be printable (``str.isprintable``): no control characters (newline, CR, NUL,
    ESC, ...), no line or paragraph separators, no format characters, no space but the ASCII one. A
    value that passes can never end its line in a startup-config or leave its XML leaf.
    """
    if text.isprintable():
        return None
    for index, char in enumerate(text):
        if not char.isprintable():
            return index
    return None  # not reached


def _printable(text, what):
    index = bad_character(text)
    if index is not None:
        raise ValueError("%s may not contain control characters (found %r at position %d)" % (what, text[index], index + 1))


def name(text, limit=NAME_MAX):
    """A name for a locator-set, site, user or interface: one word of printable characters, 1..64."""
    _printable(text, "a name")
    if not _NAME.match(text):
        raise ValueError("expected a name without spaces")
    if len(text) > limit:
        raise ValueError("a name is at most %d characters (got %d)" % (limit, len(text)))
    return text


def vrf_name(text):
    """A VRF name (``eid-table vrf NAME``): one word, 1..32 characters."""
    return name(text, VRF_MAX)


def description(text):
    """A site description: printable text (inner spaces kept), 1..200 characters, no leading or
    trailing space (the CLI cannot keep those: ``description`` takes the rest of the line)."""
    _printable(text, "a description")
    if not text.strip():
        raise ValueError("expected a description (1..%d characters)" % DESCRIPTION_MAX)
    if text != text.strip():
        raise ValueError("a description cannot start or end with a space")
    if len(text) > DESCRIPTION_MAX:
        raise ValueError("a description is at most %d characters (got %d)" % (DESCRIPTION_MAX, len(text)))
    return text


# Interface types an IOS-XE router knows; a locator's interface may be abbreviated as on IOS
# (``Lo0`` -> ``Loopback0``, ``gi0/0/1`` -> ``GigabitEthernet0/0/1``).
INTERFACE_TYPES = (
    "AppGigabitEthernet", "BDI", "Dialer", "Ethernet", "FastEthernet", "FiveGigabitEthernet", "FortyGigabitEthernet",
    "GigabitEthernet", "HundredGigE", "Loopback", "Port-channel", "Serial", "TenGigabitEthernet", "Tunnel",
    "TwentyFiveGigE", "TwoGigabitEthernet", "Vlan",
)
_INTERFACE = re.compile(r"([A-Za-z][A-Za-z-]*)\s*([0-9][0-9/.:]*)\Z")


def interface(text):
    """An interface name; a known type written as a unique prefix is expanded (``Lo0`` -> ``Loopback0``).

    Names that do not look like TYPE+NUMBER (``lo``, ``eth0`` of a Linux host) are kept as given.
    """
    name(text)
    match = _INTERFACE.match(text)
    if not match:
        return text
    typed = match.group(1).lower()
    found = [t for t in INTERFACE_TYPES if t.lower() == typed] or [t for t in INTERFACE_TYPES if t.lower().startswith(typed)]
    if len(found) > 1:
        raise ValueError("ambiguous interface type (could be %s)" % ", ".join(found))
    if not found:
        return text
    return found[0] + match.group(2)


def to_xml_address(address):
    """Canonical tree form -> YANG canonical form (RFC 6991: IPv6 in lower case)."""
    return address.lower() if ":" in address else address

"""The recorded IOS-XE outputs of ``shared/testdata/iosxe`` (never copied here) and hand-written ones.

``recorded()`` lists every ``<Parser>__<n>`` output with the command INDEX.md names for it;
``HANDWRITTEN`` holds outputs written for these tests: the lab write-up's outputs with the addresses
its publisher blanked filled in from the default lab (ARCHITECTURE.md), a 15.x ``show ip lisp
database``, and 17.x outputs of the reference lab that the recorded set lacks.
"""

import json

from ansible_collections.lispnet.lisp.tests.support.shared import require

OLDSTYLE = {
    "show_ip_lisp_map-cache__R18": "show ip lisp map-cache",
    "show_lisp_site_name__R16_site1": "show lisp site name 1",
}


def testdata_dir():
    return require("testdata", "iosxe")


def index():
    """{sample name: command} from INDEX.md."""
    out = {}
    for line in (testdata_dir() / "INDEX.md").read_text().splitlines():
        if line.startswith("| `Show"):
            cells = [c.strip().strip("`") for c in line.split("|")]
            out[cells[1]] = cells[2]
    return out


def recorded():
    """[(name, command, text, genie values or None)] for every recorded output."""
    base = testdata_dir()
    out = []
    for name, command in sorted(index().items()):
        genie = json.loads((base / (name + ".json")).read_text())
        out.append((name, command, (base / (name + ".txt")).read_text(), genie))
    for name, command in sorted(OLDSTYLE.items()):
        out.append(("oldstyle/" + name, command, (base / "oldstyle" / (name + ".txt")).read_text(), None))
    return out


# SITE1 of the lab write-up after the first ping (its 'sh ip lisp map-cache', lines re-joined and the
# blanked addresses filled in from the default lab).
WRITEUP_SITE1_MAP_CACHE = """SITE1#sh ip lisp map-cache
LISP IPv4 Mapping Cache for EID-table default (IID 0), 3 entries

0.0.0.0/0, uptime: 00:10:35, expires: never, via static send map-request
  Negative cache entry, action: send-map-request
192.168.0.0/24, uptime: 00:09:25, expires: 00:05:34, via map-reply, forward-native
  Negative cache entry, action: forward-native
192.168.2.0/24, uptime: 00:09:22, expires: 23:50:38, via map-reply, complete
  Locator        Uptime    State      Pri/Wgt
  127.0.2.1      00:09:22  up          10/50
SITE1#"""

# MR_MS of the lab write-up: 'sh lisp site name SITE2', indentation restored, addresses filled in.
WRITEUP_MRMS_SITE2 = """MR_MS#sh lisp site name SITE2
Site name: SITE2
Allowed configured locators: any
Allowed EID-prefixes:
  EID-prefix: 192.168.2.0/24
    First registered:     00:31:21
    Routing table tag:    0
    Origin:               Configuration
    Merge active:         No
    Proxy reply:          No
    TTL:                  1d00h
    State:                complete
    Registration errors:
      Authentication failures:   0
      Allowed locators mismatch: 0
    ETR 127.0.2.1, last registered 00:00:50, no proxy-reply, map-notify
                        TTL 1d00h, no merge, hash-function sha1, nonce 0x0524E21F-0x489614BB
                        state complete, no security-capability
                        xTR-ID 0xDC4A8044-0x87093251-0x602669CB-0x5B720F12
                        site-ID unspecified
      Locator        Local  State      Pri/Wgt
      127.0.2.1      yes    up          10/50
MR_MS#"""

# IOS 15.x 'show ip lisp database' (the older generation; written from the 15.x format).
OLD_DATABASE = """SITE1#show ip lisp database
LISP ETR IPv4 Mapping Database for EID-table default (IID 0), LSBs: 0x1, 1 entries

192.168.1.0/24
  Locator      Pri/Wgt  Source     State
  127.0.1.1     10/50   cfg-addr   site-self, reachable
"""

# 17.x 'show lisp site detail' of the lab MR_MS: two sites, a description, an unregistered prefix
# with refused registrations, an instance-id 4100 IPv6 prefix, an ETR on an IPv6 RLOC.
LAB_SITE_DETAIL = """LISP Site Registration Information

Site name: SITE1
Description: Branch 1
Allowed configured locators: any
Map-Register replays: 0 refused, 0 same-nonce refreshes
Allowed EID-prefixes:

  EID-prefix: 192.168.1.0/24
    First registered:     00:31:21
    Last registered:      00:00:50
    Routing table tag:    0
    Origin:               Configuration
    Merge active:         No
    Proxy reply:          No
    Skip Publication:     No
    Force Withdraw:       No
    TTL:                  1d00h
    State:                complete
    Registration errors:
      Authentication failures:   0
      Allowed locators mismatch: 0
    ETR 127.0.1.1:4342, last registered 00:00:50, no proxy-reply, map-notify
                        TTL 1d00h, no merge, hash-function sha1, nonce 0x0524E21F-0x489614BB
                        state complete, no security-capability
                        xTR-ID 0xDC4A8044-0x87093251-0x602669CB-0x5B720F12
                        site-ID unspecified
      Locator        Local  State      Pri/Wgt  Scope
      127.0.1.1      yes    up          10/50   IPv4 none

Site name: SITE2
Description: Branch 2
Allowed configured locators: any
Map-Register replays: 2 refused, 1 same-nonce refreshes, last refused from 127.0.66.6:4342 00:00:05 ago
Allowed EID-prefixes:

  EID-prefix: 192.168.2.0/24
    First registered:     never
    Last registered:      never
    Routing table tag:    0
    Origin:               Configuration
    Merge active:         No
    Proxy reply:          No
    TTL:                  00:00:00
    State:                unknown
    Registration errors:
      Authentication failures:   3
      Allowed locators mismatch: 1
    No registrations.

  EID-prefix: 2001:DB8:2::/48 instance-id 4100
    First registered:     01:02:03
    Last registered:      00:00:10
    Routing table tag:    0
    Origin:               Configuration
    Merge active:         No
    Proxy reply:          Yes
    TTL:                  1d00h
    State:                complete
    Registration errors:
      Authentication failures:   0
      Allowed locators mismatch: 0
    ETR 2001:DB8::2.4342
      last registered 00:00:10, proxy-reply, no map-notify
      TTL 1d00h, no merge, hash-function sha2, nonce 0x00000001-0x00000002
      state complete, no security-capability
      Locator        Local  State      Pri/Wgt  Scope
      2001:DB8::2    yes    up           1/100  IPv6 none
      127.0.2.1      no     down        20/0    IPv4 none
"""

# 17.x 'show lisp service ipv4' of a lab xTR whose map-resolvers and map-servers differ.
LAB_SERVICE = """  Router-lisp ID:                           0
  Locator table:                            default
  Ingress Tunnel Router (ITR):              enabled
  Egress Tunnel Router (ETR):               enabled
  Proxy-ITR Router (PITR):                  disabled
  Proxy-ETR Router (PETR):                  disabled
  NAT-traversal Router (NAT-RTR):           disabled
  Mobility First-Hop Router:                disabled
  Map Server (MS):                          disabled
  Map Resolver (MR):                        disabled
  ITR Map-Resolver(s):                      127.0.10.1
                                            127.0.10.2
  ETR Map-Server(s):                        127.0.10.3 (00:10:00)
                                            127.0.10.4 (00:10:00)
  xTR-ID:                                   0x50E5AAE2-0xDBB7E2DF-0x761B5EE7-0xE174F775
  site-ID:                                  unspecified
"""

HANDWRITTEN = {
    "writeup SITE1 map-cache": ("sh ip lisp map-cache", WRITEUP_SITE1_MAP_CACHE),
    "writeup MR_MS site SITE2": ("sh lisp site name SITE2", WRITEUP_MRMS_SITE2),
    "15.x database": ("show ip lisp database", OLD_DATABASE),
    "lab site detail": ("show lisp site detail", LAB_SITE_DETAIL),
    "lab service ipv4": ("show lisp service ipv4", LAB_SERVICE),
}

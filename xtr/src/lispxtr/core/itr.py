"""Ingress Tunnel Router (RFC 9301 §6, RFC 9300 §5): map-cache look-up, encapsulation on UDP
4341, and Map-Requests through the Map-Resolver on a miss.

Map-Request timing (RFC 9301 §5.3): at most one outstanding Map-Request per EID (the destination
host address that missed); it is retransmitted with the same nonce after 1 s, the interval doubling
each time up to ``MAX_RETRANSMIT_INTERVAL``; after 10 retransmits without a Map-Reply the ITR waits
30 s before it asks for that EID again. A Map-Reply is accepted only when its nonce matches an
outstanding Map-Request (RFC 9301 §5.3, §6.1) and only for records that cover the EID asked for;
anything else is counted and ignored, which is what keeps the map-cache from being poisoned.

Solicit-Map-Request (RFC 9301 §6.1): when this router's database-mappings change, ``solicit`` sends
an SMR (a Map-Request with the S bit, its source EID the changed prefix) straight to each locator
of every map-cache entry it sent encapsulated data to in the last minute; an ITR that receives one
(``handle_smr``) and has the SMR's source EID cached asks the mapping system again (an SMR-invoked
Map-Request through the Map-Resolver), and the Map-Reply replaces the entry. Both sides rate-limit
to one per 3 s: the sender per destination RLOC and changed EID-prefix, the responder per EID-prefix.

Several Map-Resolvers (``itr map-resolver A``, ``itr map-resolver B``): a Map-Request goes to the
first configured resolver that is not held down. When its retransmission timer fires without a
Map-Reply (RFC 9301 §5.3), the resolver it went to is held down for ``MR_HOLD_DOWN`` seconds and the
retransmission (same nonce) goes to the next resolver; once the hold-down is over the resolver is
preferred again in its configured order. A Map-Reply for a request clears the hold-down of the
resolver that request went to last. With one resolver nothing changes: it is always used.
"""

from __future__ import annotations

import random
import socket
import struct
import zlib
from dataclasses import dataclass

from ..wire.address import InstanceId, Ipv4, Ipv6
from ..wire.ecm import EncapsulatedControl
from ..wire.map_request import MapRequest
from ..wire.message import maker
from ..wire.record import TTL_LOCAL_DECIDES
from .codec import ACTION_FROM_WIRE, address, eid_prefix, wire_eid
from .map_cache import (ACTION_NATIVE, ACTION_SEND_MAP_REQUEST, UNUSABLE_PRIORITY, CachedLocator, MapCache,
                        MapCacheEntry)
from .prefix import MAX_LEN, EidPrefix, addr_to_int, int_to_addr
from .types import CONTROL_PORT, DATA_PORT, Counters, Send

FIRST_RETRANSMIT = 1.0  # RFC 9301 §5.3: 1 Map-Request per second per EID-prefix
MAX_RETRANSMIT_INTERVAL = 30.0  # our cap on the doubling (RFC 9301 leaves it open)
MAX_RETRANSMITS = 10  # RFC 9301 §5.3
HOLD_DOWN = 30.0  # RFC 9301 §5.3: then wait 30 seconds
SMR_WINDOW = 60.0  # RFC 9301 §6.1: the sites sent encapsulated data in the last minute
SMR_INTERVAL = 3.0  # RFC 9301 §6.1: RECOMMENDED rate limit of SMR sender and responder
SMR_STATE_MAX = 4096  # rate-limit entries kept; older ones (past SMR_INTERVAL) are pruned first
# RFC 9301 §7.1 RLOC-probing ("sent periodically using a jittered timer interval"; the numbers are ours)
MR_HOLD_DOWN = 60.0  # seconds a Map-Resolver that did not answer is passed over (ours; RFC 9301 leaves it open)
PROBE_INTERVAL = 60.0  # seconds between rounds, each drawn within PROBE_JITTER of it
PROBE_JITTER = 0.1
PROBE_DOWN_AFTER = 3  # rounds in a row without a reply before a locator is down
PROBE_STATE_MAX = 65536  # probes per round at most (all of them wait for their replies until the next)
LOCAL_TTL_MINUTES = 1440  # for Record TTL 0xffffffff, "the recipient decides" (RFC 9301 §5.4)
EPHEMERAL_BASE = 49152  # RFC 9300 §5.3: UDP source port from a hash of the inner flow
# RFC 9300 §5.3: the LISP header as the ITR writes it: flags N (nonce present) and I (instance-id
# present) in the first byte, the 24-bit nonce after them; the instance-id in the upper 24 bits of
# the second word, no Locator-Status-Bits (L clear), so the lower 8 bits are 0.
_LISP_HEADER = struct.Struct("!II")
_FLAGS_N_I = 0x88 << 24
_send = maker(Send)  # a Send without the frozen dataclass's __init__ (the fields are ours)


@dataclass(slots=True)
class PendingRequest:
    eid: EidPrefix  # the host address that missed
    nonce: int
    source_eid: str | None
    first_sent: float
    last_sent: float
    retransmits: int = 0
    interval: float = FIRST_RETRANSMIT
    hold_until: float | None = None
    smr_invoked: bool = False  # RFC 9301 §6.1: asked because of an SMR
    resolver: str | None = None  # the Map-Resolver the last transmission went to

    @property
    def next_at(self) -> float:
        return self.hold_until if self.hold_until is not None else self.last_sent + self.interval


def _prune(last_sent: dict, now: float) -> None:
    """Keep a rate-limit table small: past SMR_INTERVAL an entry limits nothing."""
    if len(last_sent) >= SMR_STATE_MAX:
        for key in [k for k, t in last_sent.items() if now - t >= SMR_INTERVAL]:
            del last_sent[key]


def flow_hash(packet: bytes) -> int:
    """Stable hash of the inner flow (addresses and protocol) for locator and port choice."""
    if len(packet) >= 20 and packet[0] >> 4 == 4:
        return zlib.crc32(packet[12:20] + packet[9:10])
    if len(packet) >= 40 and packet[0] >> 4 == 6:
        return zlib.crc32(packet[8:40] + packet[6:7])
    return zlib.crc32(packet[:20])


class Itr:
    def __init__(self, rloc: str, rng: random.Random, counters: Counters | None = None, map_cache: MapCache | None = None):
        self.rloc = rloc
        self.rng = rng
        self.counters = counters if counters is not None else Counters()
        self.map_cache = map_cache if map_cache is not None else MapCache()
        self.map_resolvers: tuple[str, ...] = ()
        # Map-Resolver address -> (held down until, when it last failed to answer, failures)
        self.resolver_down: dict[str, tuple[float, float, int]] = {}
        self.resolver_failovers = 0
        self.use_petr: tuple[str, ...] = ()
        self.pending: dict[EidPrefix, PendingRequest] = {}
        self._by_nonce: dict[int, PendingRequest] = {}
        self._static: set[EidPrefix] = set()
        self._smr_sent: dict[tuple[str, EidPrefix], float] = {}  # (RLOC, our changed prefix) -> last SMR
        self._smr_answered: dict[EidPrefix, float] = {}  # map-cache prefix -> last SMR-invoked request
        # RLOC-probing (``loc-reach-algorithm rloc-probing``): the next round, and the probes of the
        # last round that have no reply yet, by nonce: (entry prefix, locator address, sent at)
        self.rloc_probing = False
        self.next_probe: float | None = None
        self._probes: dict[int, tuple[EidPrefix, str, float]] = {}

    # -- configuration -----------------------------------------------------------------------
    def configure(self, map_resolvers, static_entries: dict, use_petr=(), now: float = 0.0) -> None:
        """``static_entries``: EidPrefix -> action (``map-cache P map-request`` and friends)."""
        self.map_resolvers = tuple(map_resolvers)
        self.resolver_down = {a: v for a, v in self.resolver_down.items() if a in self.map_resolvers}
        self.use_petr = tuple(use_petr)
        for p in self._static - set(static_entries):
            entry = self.map_cache.get(p)
            if entry is not None and entry.via == "static":
                self.map_cache.remove(p)
        for p, action in static_entries.items():
            entry = self.map_cache.get(p)
            if entry is None or entry.via != "static" or entry.action != action:
                self.map_cache.add(MapCacheEntry(p, now, None, None, action=action, negative=True,
                                                 via="static", last_modified=now))
        self._static = set(static_entries)

    # -- data plane --------------------------------------------------------------------------
    def forward(self, packet: bytes, iid: int, src_eid: str, dst_eid: str, now: float) -> list[Send]:
        """An IPv4/IPv6 packet from a host behind us, towards ``dst_eid`` (RFC 9300 §5, §6)."""
        c = self.counters
        afi, value = addr_to_int(dst_eid)
        entry = self.map_cache.lookup(iid, afi, value)
        if entry is not None and entry.locators:
            h = flow_hash(packet)
            loc = entry.choose(h)
            if loc is None:
                c.bump("itr_drop_no_usable_locator")
                return []
            entry.packets_out += 1
            entry.bytes_out += len(packet)
            entry.last_used = now
            c.bump("itr_encapsulated")
            return [self._encap(packet, iid, loc.address, h)]
        if entry is None or entry.action == ACTION_SEND_MAP_REQUEST:
            c.bump("itr_drop_map_cache_miss")
            return self._request(EidPrefix(iid, afi, value, MAX_LEN[afi]), src_eid, now)
        if entry.action == ACTION_NATIVE:
            if self.use_petr:  # RFC 6832 / IOS-XE use-petr: encapsulate to the proxy ETR
                c.bump("itr_encapsulated_petr")
                h = flow_hash(packet)
                return [self._encap(packet, iid, self.use_petr[h % len(self.use_petr)], h)]
            c.bump("itr_forward_native")  # no native path in the emulation: counted, not sent
            return []
        c.bump("itr_drop_negative_action")
        return []

    def forward_ipv4(self, packet: bytes, iid: int, now: float) -> list[Send]:
        """``forward`` for an IPv4 packet with a 20-byte header, its addresses read from the packet:
        the common case, a map-cache entry with one usable locator, goes straight to the
        encapsulated bytes; everything else (a miss, a negative entry, several locators) is
        ``forward`` itself. Same sends, counters, entry statistics and nonces as ``forward``."""
        flow = self.ipv4_flow(packet, iid)
        if flow is not None:
            return [_send(self.encapsulate_flow(flow, packet, iid, now), flow[1], flow[2])]
        return self.forward(packet, iid, socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20]), now)

    def ipv4_flow(self, packet: bytes, iid: int) -> tuple | None:
        """What ``forward`` decides for an IPv4 packet (20-byte header) in its common case, which
        holds for every packet of the flow (addresses, protocol) while the map-cache is unchanged:
        ``(entry, source, destination)`` when the destination's entry has one locator, up and of a
        priority below 255 (RFC 9301 §5.4: then the only choice, whatever its weight); the source
        port comes from the flow hash (RFC 9300 §5.3). None for anything else."""
        table = self.map_cache.ipv4_tables.get(iid)  # MapCache.lookup without its call
        entry = table.find(int.from_bytes(packet[16:20], "big")) if table is not None else None
        if entry is None or len(entry.locators) != 1:
            return None
        loc = entry.locators[0]
        if loc.state != "up" or loc.priority >= UNUSABLE_PRIORITY:
            return None
        h = zlib.crc32(packet[12:20] + packet[9:10])  # flow_hash of an IPv4 packet
        return entry, (self.rloc, EPHEMERAL_BASE + h % 16384), (loc.address, DATA_PORT)

    def encapsulate_flow(self, flow: tuple, packet: bytes, iid: int, now: float) -> bytes:
        """The UDP 4341 payload for ``packet`` of a flow ``ipv4_flow`` decided, counted as ``forward``
        counts it (entry statistics, ``itr_encapsulated``). RFC 9300 §5.3: N bit with a random
        nonce, I bit with the instance-id."""
        entry = flow[0]
        entry.packets_out += 1
        entry.bytes_out += len(packet)
        entry.last_used = now
        self.counters["itr_encapsulated"] += 1
        return _LISP_HEADER.pack(_FLAGS_N_I | self.rng.getrandbits(24), (iid & 0xFFFFFF) << 8) + packet

    def _encap(self, packet: bytes, iid: int, rloc: str, h: int) -> Send:
        # RFC 9300 §5.3: N bit with a random nonce, I bit with the instance-id (the bytes
        # DataHeader(nonce=..., instance_id=iid & 0xFFFFFF, payload=packet).encode() gives)
        return _send(_LISP_HEADER.pack(_FLAGS_N_I | self.rng.getrandbits(24), (iid & 0xFFFFFF) << 8) + packet,
                     (self.rloc, EPHEMERAL_BASE + h % 16384), (rloc, DATA_PORT))

    # -- Map-Request -------------------------------------------------------------------------
    def _request(self, eid: EidPrefix, src_eid: str | None, now: float, smr_invoked: bool = False) -> list[Send]:
        c = self.counters
        pending = self.pending.get(eid)
        if pending is not None:  # RFC 9301 §5.3: rate limit, one outstanding request per EID
            c.bump("map_request_suppressed")
            return []
        if not self.map_resolvers:
            c.bump("itr_no_map_resolver")
            return []
        nonce = self.rng.getrandbits(64)
        pending = PendingRequest(eid, nonce, src_eid, now, now, smr_invoked=smr_invoked)
        self.pending[eid] = pending
        self._by_nonce[nonce] = pending
        return [self._send_request(pending)]

    def _send_request(self, pending: PendingRequest, now: float | None = None) -> Send:
        now = pending.last_sent if now is None else now
        self.counters.bump("map_request_out")
        eid, plen = wire_eid(pending.eid)
        source = None
        if pending.source_eid is not None:
            source = address(pending.source_eid)
            if pending.eid.iid:
                source, _unused = wire_eid(EidPrefix(pending.eid.iid, *addr_to_int(pending.source_eid), 0))
        rloc = Ipv6(self.rloc) if ":" in self.rloc else Ipv4(self.rloc)
        request = MapRequest(pending.nonce, source, (rloc,), ((eid, plen),), smr_invoked=pending.smr_invoked)
        # RFC 9301 §5.8: the inner header goes to the EID asked for, port 4342, and "can use either
        # RLOC or EID addresses": from the ITR's RLOC, or for an EID of the other family (an IPv6
        # EID over IPv4 RLOCs) from the source EID, else the unspecified address of that family
        inner_src = self.rloc
        if (":" in inner_src) != (pending.eid.afi == "ipv6"):
            same_family = pending.source_eid is not None and (":" in pending.source_eid) == (pending.eid.afi == "ipv6")
            inner_src = pending.source_eid if same_family else "::" if pending.eid.afi == "ipv6" else "0.0.0.0"
        ecm = EncapsulatedControl.wrap(request.encode(), inner_src, int_to_addr(pending.eid.afi, pending.eid.addr),
                                       CONTROL_PORT, CONTROL_PORT)
        # RFC 9301 §5.8: the outer UDP source port of an ECM "is randomly allocated" (the Map-Reply
        # comes back to the inner source port, 4342, on the ITR-RLOC)
        sport = self.rng.randrange(EPHEMERAL_BASE, 65536)
        if pending.resolver not in self.map_resolvers:
            pending.resolver = self.resolver(now)
        return Send(ecm.encode(), (self.rloc, sport), (pending.resolver, CONTROL_PORT))

    # -- Map-Resolver choice ---------------------------------------------------------------------
    def resolver(self, now: float) -> str:
        """The Map-Resolver for a new Map-Request: the first configured one not held down; when all
        are held down, the one whose hold-down ends first."""
        down = self.resolver_down
        for address in self.map_resolvers:
            held = down.get(address)
            if held is None or held[0] <= now:
                return address
        return min(self.map_resolvers, key=lambda a: down[a][0])

    def resolver_in_use(self, now: float) -> str | None:
        """The resolver a new Map-Request would go to now (None without any)."""
        return self.resolver(now) if self.map_resolvers else None

    def _resolver_failed(self, pending: PendingRequest, now: float) -> None:
        """RFC 9301 §5.3: the retransmission timer fired without a Map-Reply. With more than one
        resolver, hold the one the request went to down and send the retransmission to the next."""
        failed = pending.resolver
        if len(self.map_resolvers) < 2 or failed not in self.map_resolvers:
            return
        _until, _at, failures = self.resolver_down.get(failed, (0.0, 0.0, 0))
        self.resolver_down[failed] = (now + MR_HOLD_DOWN, now, failures + 1)
        self.counters.bump("map_resolver_timeout")
        nxt = self.resolver(now)
        if nxt == failed:  # all held down: go round in the configured order
            nxt = self.map_resolvers[(self.map_resolvers.index(failed) + 1) % len(self.map_resolvers)]
        if nxt != failed:
            self.resolver_failovers += 1
            self.counters.bump("map_resolver_failover")
        pending.resolver = nxt

    def _resolver_answered(self, pending: PendingRequest) -> None:
        held = self.resolver_down.get(pending.resolver) if pending.resolver is not None else None
        if held is not None:
            del self.resolver_down[pending.resolver]

    def handle_reply(self, reply, src: tuple[str, int], now: float) -> list[Send]:
        c = self.counters
        c.bump("map_reply_in")
        if reply.probe:
            return self._probe_reply(reply, now)
        pending = self._by_nonce.get(reply.nonce)
        if pending is None:  # RFC 9301 §5.3: only a nonce we are waiting for
            c.bump("map_reply_unsolicited")
            return []
        del self._by_nonce[reply.nonce]
        self.pending.pop(pending.eid, None)
        self._resolver_answered(pending)
        for rec in reply.records:
            p = eid_prefix(rec.eid, rec.mask_len)
            if p is None or not p.covers(pending.eid):
                c.bump("map_reply_record_mismatch")
                continue
            self.install(p, rec, src[0], now)
        return []

    # -- Solicit-Map-Request (RFC 9301 §6.1) -------------------------------------------------
    def solicit(self, changed, now: float) -> list[Send]:
        """SMRs for our EID-prefixes ``changed`` (added, changed or removed database-mappings) to
        the locators of every map-cache entry of the same instance used in the last minute."""
        c = self.counters
        out = []
        rloc = Ipv6(self.rloc) if ":" in self.rloc else Ipv4(self.rloc)
        _prune(self._smr_sent, now)
        for entry in self.map_cache.entries():
            if entry.last_used is None or now - entry.last_used > SMR_WINDOW or not entry.locators:
                continue
            remote = wire_eid(entry.prefix)
            for p in changed:
                if p.iid != entry.prefix.iid:
                    continue
                for loc in entry.locators:
                    key = (loc.address, p)
                    last = self._smr_sent.get(key)
                    if last is not None and now - last < SMR_INTERVAL:
                        c.bump("smr_rate_limited")
                        continue
                    self._smr_sent[key] = now
                    source = wire_eid(EidPrefix(p.iid, p.afi, p.addr, 0))[0]
                    request = MapRequest(self.rng.getrandbits(64), source, (rloc,), (remote,), smr=True)
                    c.bump("smr_out")
                    out.append(Send(request.encode(), (self.rloc, CONTROL_PORT), (loc.address, CONTROL_PORT)))
        return out

    def handle_smr(self, request, now: float) -> list[Send]:
        """An SMR: when the map-cache holds the SMR's source EID (learned from a Map-Reply), ask
        the mapping system for it again (SMR-invoked, through the Map-Resolver); else nothing
        (RFC 9301 §6.1: SHOULD NOT)."""
        c = self.counters
        c.bump("smr_in")
        source = request.source_eid
        inner = source.address if isinstance(source, InstanceId) else source
        eid = eid_prefix(source, 128 if isinstance(inner, Ipv6) else 32) if inner is not None else None
        if eid is None:
            c.bump("smr_malformed_dropped")
            return []
        entry = self.map_cache.lookup(eid.iid, eid.afi, eid.addr)
        if entry is None or entry.via != "map-reply":
            c.bump("smr_not_cached")
            return []
        _prune(self._smr_answered, now)
        last = self._smr_answered.get(entry.prefix)
        if last is not None and now - last < SMR_INTERVAL:
            c.bump("smr_rate_limited")
            return []
        self._smr_answered[entry.prefix] = now
        out = self._request(eid, None, now, smr_invoked=True)
        if out:
            c.bump("smr_invoked_map_request_out")
        return out

    def install(self, p: EidPrefix, rec, source: str, now: float) -> MapCacheEntry | None:
        """Put a Map-Reply record in the map-cache (RFC 9301 §5.4 Record TTL in minutes)."""
        ttl = rec.ttl
        if ttl == 0:
            self.map_cache.remove(p)
            return None
        if ttl == TTL_LOCAL_DECIDES:
            ttl = LOCAL_TTL_MINUTES
        locators = [CachedLocator(str(l.address), l.priority, l.weight, "up" if l.reachable else "down", now)
                    for l in rec.locators]
        entry = MapCacheEntry(p, now, now + ttl * 60.0, ttl * 60, action=ACTION_FROM_WIRE.get(rec.action, "drop"),
                              negative=not locators, authoritative=rec.authoritative, via="map-reply",
                              map_source=source, locators=locators, last_modified=now)
        self.map_cache.add(entry)
        self.counters.bump("map_cache_installed")
        return entry

    def forget_pending(self, iid: int | None = None, afi: str | None = None) -> None:
        """Drop outstanding Map-Requests (``clear ... map-cache``); late replies become unsolicited."""
        for eid in [e for e in self.pending if (iid is None or e.iid == iid) and (afi is None or e.afi == afi)]:
            self._by_nonce.pop(self.pending.pop(eid).nonce, None)

    # -- RLOC-probing (RFC 9301 §7.1) --------------------------------------------------------
    def set_rloc_probing(self, on: bool, now: float) -> None:
        """Turn RLOC-probing on (the first round within a jittered interval) or off (outstanding
        probes forgotten, locator states left as they are until the entries are replaced)."""
        if on and not self.rloc_probing:
            self.next_probe = now + self._probe_delay()
        elif not on:
            self.next_probe = None
            self._probes.clear()
        self.rloc_probing = on

    def _probe_delay(self) -> float:
        return PROBE_INTERVAL * (1.0 - PROBE_JITTER + 2.0 * PROBE_JITTER * self.rng.random())

    def probe_round(self, now: float) -> list[Send]:
        """One round: first every locator still waiting for a reply to the last round misses one
        (PROBE_DOWN_AFTER in a row: down, no longer chosen for data, RFC 9301 §7.1); then a
        Map-Request with the probe bit goes to every locator of every map-cache entry, not
        encapsulated, from our RLOC to the locator's port 4342, for the entry's EID-prefix."""
        c = self.counters
        changed = False
        for prefix, address, _sent in self._probes.values():
            for loc in self._probed(prefix, address):
                loc.probe_missed += 1
                c.bump("rloc_probe_unanswered")
                if loc.probe_missed >= PROBE_DOWN_AFTER and loc.state == "up":
                    loc.state, loc.since = "down", now
                    loc.state_changes += 1
                    changed = True
                    c.bump("rloc_probe_locator_down")
        if changed:
            self.map_cache.changed()
        self._probes.clear()
        out = []
        rloc = Ipv6(self.rloc) if ":" in self.rloc else Ipv4(self.rloc)
        for entry in self.map_cache.entries():
            if len(self._probes) >= PROBE_STATE_MAX:  # entries past it are not probed (counted once a round)
                c.bump("rloc_probe_round_truncated")
                break
            remote = None
            for loc in entry.locators:
                if (":" in loc.address) != (":" in self.rloc):  # no RLOC of that family to send from
                    continue
                if remote is None:
                    remote = wire_eid(entry.prefix)
                nonce = self.rng.getrandbits(64)
                while nonce in self._probes:
                    nonce = self.rng.getrandbits(64)
                self._probes[nonce] = (entry.prefix, loc.address, now)
                loc.probe_sent = now
                request = MapRequest(nonce, None, (rloc,), (remote,), probe=True)
                c.bump("rloc_probe_out")
                out.append(Send(request.encode(), (self.rloc, CONTROL_PORT), (loc.address, CONTROL_PORT)))
        self.next_probe = now + self._probe_delay()
        return out

    def _probed(self, prefix: EidPrefix, address: str) -> list[CachedLocator]:
        """The locator a probe went to, in the entry of ``prefix`` now (none once the entry is gone)."""
        entry = self.map_cache.get(prefix)
        return [loc for loc in entry.locators if loc.address == address] if entry is not None else []

    def _probe_reply(self, reply, now: float) -> list[Send]:
        """A Map-Reply with the probe bit: the probed locator answered (its round-trip time is kept,
        and a locator that was down is up again). The reply's mapping data is not installed."""
        c = self.counters
        probe = self._probes.pop(reply.nonce, None)
        if probe is None:
            c.bump("rloc_probe_reply_unsolicited")
            return []
        prefix, address, sent = probe
        c.bump("rloc_probe_reply_in")
        for loc in self._probed(prefix, address):
            loc.probe_rtt = now - sent
            loc.probe_missed = 0
            if loc.state != "up":
                loc.state, loc.since = "up", now
                loc.state_changes += 1
                self.map_cache.changed()
                c.bump("rloc_probe_locator_up")
        return []

    # -- timers ------------------------------------------------------------------------------
    def next_timer(self) -> float | None:
        times = [p.next_at for p in self.pending.values()]
        expiry = self.map_cache.next_expiry()
        if expiry is not None:
            times.append(expiry)
        if self.next_probe is not None:
            times.append(self.next_probe)
        return min(times) if times else None

    def handle_timer(self, now: float) -> list[Send]:
        out = []
        if self.next_probe is not None and self.next_probe <= now:
            out += self.probe_round(now)
        for gone in self.map_cache.expire(now):
            self.counters.bump("map_cache_expired")
            del gone
        for pending in list(self.pending.values()):
            if pending.next_at > now:
                continue
            if pending.hold_until is not None:  # hold-down over: forget it, the next miss asks again
                self.pending.pop(pending.eid, None)
                self._by_nonce.pop(pending.nonce, None)
                continue
            pending.retransmits += 1
            pending.last_sent = now
            if pending.retransmits >= MAX_RETRANSMITS:
                pending.hold_until = now + HOLD_DOWN  # RFC 9301 §5.3: then wait 30 s
            else:
                pending.interval = min(pending.interval * 2, MAX_RETRANSMIT_INTERVAL)
            self._resolver_failed(pending, now)
            self.counters.bump("map_request_retransmit")
            out.append(self._send_request(pending, now))
        return out

"""Map-Server (RFC 9301 §8.2, §8.3): sites, Map-Register authentication and registration state,
Map-Notify, and answering or forwarding Map-Requests for registered EID-prefixes.

Replay protection (RFC 9301 §5.6 "Nonce"): the nonces accepted per (site, site key, xTR-ID) — per
(site, site key) when the Map-Register carries no xTR-ID — live in a ``ReplayLedger``
(``core.replay``: why it is not just "the last nonce", and how lispers.net's same-nonce
re-registrations and IOS-XE's random nonces are served), which ``Node`` keeps on disk so that a
captured Map-Register is refused after a restart too. The check runs only after the MAC verified,
so a forged message cannot move the ledger. A refused Map-Register is counted per site
(``show lisp site detail``) and logged, at most once a minute per site. (Our ``Etr`` derives its
nonces from the clock in microseconds and never lets them go back, so they keep increasing across
restarts.)
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import struct
from dataclasses import dataclass, field

from ..wire.auth import sign, verify
from ..wire.map_notify import MapNotify
from ..wire.record import EidRecord
from .codec import eid_prefix, make_record
from .map_cache import ACTION_NATIVE, PrefixTable
from .prefix import MAX_LEN, EidPrefix, mask, prefix_text
from .replay import NEW, REPLAY, ReplayLedger, key_fingerprint, message_digest
from .types import CONTROL_PORT, Counters, Send

LOG = logging.getLogger("lispxtr.map_server")
REPLAY_LOG_INTERVAL = 60.0  # seconds: at most one replay log line per site in this time

_REPLY_HEADER = struct.Struct("!IQ")  # RFC 9301 §5.4: Type=2 ... Record Count, then the nonce
_MAP_REPLY_ONE_RECORD = (2 << 28) | 1

REGISTRATION_TIMEOUT = 180.0  # RFC 9301 §8.2: time out after 3 missed 60 s Map-Registers
NEGATIVE_TTL_NOT_EID = 15  # minutes, RFC 9301 §8.3/§8.4: not an EID at all
NEGATIVE_TTL_UNREGISTERED = 1  # minutes, RFC 9301 §8.3: configured, no ETR registered


@dataclass
class SiteConfig:
    """What the Map-Server needs of a ``site`` block."""

    name: str
    key: str
    description: str = ""
    eid_records: dict = field(default_factory=dict)  # EidPrefix -> accept_more_specifics (bool)
    allowed_locators: frozenset = frozenset()  # empty: any


@dataclass(slots=True)
class RegisteredLocator:
    address: str
    priority: int
    weight: int
    local: bool
    reachable: bool


@dataclass(slots=True)
class EtrRegistration:
    """One ETR's registration of one EID-prefix."""

    source: tuple[str, int]
    locators: list[RegisteredLocator]
    ttl_min: int
    proxy_reply: bool
    want_map_notify: bool
    first_registered: float
    last_registered: float
    expires: float
    nonce: int
    xtr_id: bytes | None
    site_id: bytes | None
    hash_function: str
    reply_record: bytes  # the encoded record a proxy Map-Reply carries (A bit clear)


@dataclass(slots=True)
class RegisteredPrefix:
    prefix: EidPrefix
    site: "Site"
    first_registered: float
    etrs: dict = field(default_factory=dict)  # etr key (xTR-ID or source RLOC) -> EtrRegistration

    def latest(self) -> EtrRegistration | None:
        return max(self.etrs.values(), key=lambda e: e.last_registered, default=None)


@dataclass
class Site:
    name: str
    key: str
    description: str
    eid_records: dict  # EidPrefix -> accept_more_specifics
    allowed_locators: frozenset
    auth_failures: int = 0
    allowed_locator_mismatches: int = 0
    registrations: dict = field(default_factory=dict)  # EidPrefix -> RegisteredPrefix
    replays: int = 0  # Map-Registers refused as replays (RFC 9301 §5.6)
    last_replay: tuple | None = None  # (when, (address, port)) of the last one
    refreshes: int = 0  # same-nonce re-registrations accepted as refreshes (core.replay)
    # EidPrefix -> (last registered, (address, port)): kept when the registration expires, so that
    # ``show lisp site`` tells when and by whom a site that is no longer registered last was
    history: dict = field(default_factory=dict)
    replay_logged_at: float | None = None
    replays_unlogged: int = 0
    key_fp_cache: tuple = ("", "")

    def key_fp(self) -> str:
        if self.key_fp_cache[0] != self.key:
            self.key_fp_cache = (self.key, key_fingerprint(self.key))
        return self.key_fp_cache[1]

    def allows(self, p: EidPrefix) -> EidPrefix | None:
        """The configured EID-record that admits ``p`` (RFC 9301 §8.2), or None."""
        if p in self.eid_records:
            return p
        best = None
        for cfg, more_specifics in self.eid_records.items():
            if more_specifics and cfg.covers(p) and (best is None or cfg.plen > best.plen):
                best = cfg
        return best


def _etr_key(msg, src):
    """Who registered: the xTR-ID, or the source RLOC when the Map-Register carries none."""
    return msg.xtr_id if msg.xtr_id is not None else src[0]


class MapServer:
    """Sans-I/O Map-Server. Feed it decoded messages; it returns ``Send`` lists."""

    def __init__(self, rloc: str, counters: Counters | None = None, ledger: ReplayLedger | None = None):
        self.rloc = rloc
        self.counters = counters if counters is not None else Counters()
        self.ledger = ledger if ledger is not None else ReplayLedger()
        self.sites: dict[str, Site] = {}
        self._configured: dict[tuple[int, str], PrefixTable] = {}  # -> (site, cfg prefix)
        self._ancestors: dict[tuple[int, str], set] = {}  # every (addr, plen) on the way to an EID-prefix
        self._negative_records: dict[tuple, bytes] = {}  # (prefix, ttl) -> encoded negative record
        self._registered: dict[tuple[int, str], PrefixTable] = {}  # -> RegisteredPrefix
        self._deadlines: list = []
        self._seq = 0

    # -- configuration -------------------------------------------------------------------------
    def configure(self, sites: list[SiteConfig], now: float) -> None:
        """Apply the ``site`` blocks: new sites accept registrations at once, removed ones and
        removed EID-records lose their registrations, a changed key applies to the next Map-Register."""
        old = self.sites
        self.sites = {}
        for cfg in sites:
            site = old.get(cfg.name)
            if site is None:
                site = Site(cfg.name, cfg.key, cfg.description, dict(cfg.eid_records), frozenset(cfg.allowed_locators))
            else:
                site.key, site.description = cfg.key, cfg.description
                site.eid_records = dict(cfg.eid_records)
                site.allowed_locators = frozenset(cfg.allowed_locators)
            self.sites[cfg.name] = site
        for name, site in old.items():
            if name not in self.sites:
                for p in list(site.registrations):
                    self._unregister(site, p)
        self._configured = {}
        self._ancestors = {}
        self._negative_records = {}
        for site in self.sites.values():
            for p in site.eid_records:
                self._table(self._configured, p).insert(p.addr, p.plen, (site, p))
                seen = self._ancestors.setdefault((p.iid, p.afi), set())
                for n in range(p.plen + 1):
                    seen.add((p.addr & mask(p.afi, n), n))
            for p in list(site.registrations):
                if site.allows(p) is None:
                    self._unregister(site, p)

    @staticmethod
    def _table(tables: dict, p: EidPrefix) -> PrefixTable:
        key = (p.iid, p.afi)
        table = tables.get(key)
        if table is None:
            table = tables[key] = PrefixTable(p.afi)
        return table

    def site_for(self, p: EidPrefix) -> tuple[Site, EidPrefix] | None:
        table = self._configured.get((p.iid, p.afi))
        return None if table is None else table.covering(p.addr, p.plen)

    # -- Map-Register ------------------------------------------------------------------------
    def handle_register(self, msg, raw: bytes, src: tuple[str, int], now: float) -> list[Send]:
        c = self.counters
        c.bump("map_register_in")
        prefixes = [eid_prefix(r.eid, r.mask_len) for r in msg.records]
        site = None
        for p in prefixes:
            found = self.site_for(p) if p is not None else None
            if found is not None:
                site = found[0]
                break
        if site is None:
            c.bump("map_register_no_site")
            return []
        # RFC 9301 §5.6: the MAC over the whole message with the site's key (a site without a
        # usable key accepts nothing: an empty HMAC key would be no authentication at all)
        if not site.key or not verify(raw, site.key):
            site.auth_failures += 1
            c.bump("map_register_auth_failures")
            return []
        key = _etr_key(msg, src)
        # RFC 9301 §5.6: per xTR-ID and key pair (core.replay); without an xTR-ID, per key
        ledger_key = (site.name, site.key_fp(), msg.xtr_id.hex() if msg.xtr_id is not None else "-")
        digest = message_digest(raw)
        verdict = self.ledger.check(ledger_key, msg.nonce, digest, src[0])
        if verdict == REPLAY:  # RFC 9301 §5.6: MUST drop, SHOULD log
            self._replayed(site, msg, src, now)
            return []
        if verdict == NEW:
            self.ledger.accept(ledger_key, msg.nonce, digest, src[0], now)
            if self.ledger.full_events:
                for name, xtr in self.ledger.full_events:
                    LOG.warning("site %s: replay state of xTR-ID %s holds %d random nonces; the oldest are now refused, "
                                "change the site key (RFC 9301 §5.6)", name, xtr, len(self.ledger.entries[ledger_key].nonces))
                self.ledger.full_events.clear()
        else:  # the very Map-Register accepted last, from where it came: timers only (core.replay)
            site.refreshes += 1
            c.bump("map_register_refreshed")
        accepted = []
        for rec, p in zip(msg.records, prefixes):
            if p is None or site.allows(p) is None:
                c.bump("map_register_prefix_rejected")
                continue
            locs = [str(loc.address) for loc in rec.locators]
            if site.allowed_locators and any(a not in site.allowed_locators for a in locs):
                site.allowed_locator_mismatches += 1
                c.bump("map_register_locator_mismatch")
                continue
            if rec.ttl == 0:  # RFC 9301 §5.4: TTL 0 -> remove now (deregistration)
                reg = site.registrations.get(p)
                if reg is not None:
                    reg.etrs.pop(key, None)
                    if not reg.etrs:
                        self._unregister(site, p)
                accepted.append(rec)
                continue
            self._register(site, p, rec, msg, key, src, now)
            accepted.append(rec)
        c.bump("map_register_accepted")
        out = []
        if msg.want_map_notify and accepted:
            # RFC 9301 §5.7: Map-Notify copies the Map-Register's fields, signed with the same key
            notify = MapNotify(msg.nonce, msg.key_id, tuple(accepted), msg.xtr_id, msg.site_id, b"", msg.alg_id)
            # RFC 9301 §5.7: ... and with the Map-Register's authentication data length (a 16-byte
            # HMAC-SHA-256-128 or 12-byte HMAC-SHA-1-96 register gets the same form back)
            data = sign(notify, site.key, length=len(msg.auth_data)).encode()
            out.append(Send(data, (self.rloc, CONTROL_PORT), src))
            c.bump("map_notify_out")
        return out

    def _replayed(self, site: Site, msg, src, now: float) -> None:
        """Count a refused Map-Register and log it, at most once per REPLAY_LOG_INTERVAL per site
        (a flood of replays must not flood the log)."""
        site.replays += 1
        site.last_replay = (now, tuple(src[:2]))
        self.counters.bump("map_register_replayed")
        if site.replay_logged_at is not None and now - site.replay_logged_at < REPLAY_LOG_INTERVAL:
            site.replays_unlogged += 1
            return
        more = " (%d more since the last report)" % site.replays_unlogged if site.replays_unlogged else ""
        LOG.warning("site %s: Map-Register from %s:%d refused as a replay (nonce 0x%016X, xTR-ID %s, %s) "
                    "- %d replays so far%s", site.name, src[0], src[1], msg.nonce,
                    msg.xtr_id.hex() if msg.xtr_id is not None else "none",
                    ", ".join(prefix_text(eid_prefix(r.eid, r.mask_len)) for r in msg.records[:4]
                              if eid_prefix(r.eid, r.mask_len) is not None) or "no EID-prefix",
                    site.replays, more)
        site.replay_logged_at, site.replays_unlogged = now, 0

    def _register(self, site: Site, p: EidPrefix, rec, msg, key, src, now: float) -> None:
        reg = site.registrations.get(p)
        if reg is None:
            reg = site.registrations[p] = RegisteredPrefix(p, site, now)
            self._table(self._registered, p).insert(p.addr, p.plen, reg)
        timeout = min(REGISTRATION_TIMEOUT, rec.ttl * 60.0)  # RFC 9301 §8.2, or the record TTL if shorter
        old = reg.etrs.get(key)
        locators = [RegisteredLocator(str(l.address), l.priority, l.weight, l.local, l.reachable) for l in rec.locators]
        # RFC 9301 §5.4: a Map-Server proxy-replying sets the L bit to 0 on every locator (and a
        # p bit has no business in a Map-Register's record)
        proxied = tuple(l if not (l.local or l.probed) else dataclasses.replace(l, local=False, probed=False)
                        for l in rec.locators)
        reply_record = EidRecord(rec.eid, rec.mask_len, proxied, rec.ttl, rec.action, False).encode()
        reg.etrs[key] = EtrRegistration(
            source=src, locators=locators, ttl_min=rec.ttl, proxy_reply=msg.proxy_reply,
            want_map_notify=msg.want_map_notify,
            first_registered=old.first_registered if old is not None else now,
            last_registered=now, expires=now + timeout, nonce=msg.nonce, xtr_id=msg.xtr_id,
            site_id=msg.site_id, hash_function=msg.algorithm, reply_record=reply_record)
        site.history[p] = (now, tuple(src[:2]))
        self._seq += 1
        heapq.heappush(self._deadlines, (now + timeout, self._seq, site.name, p, key))

    def _unregister(self, site: Site, p: EidPrefix) -> None:
        site.registrations.pop(p, None)
        table = self._registered.get((p.iid, p.afi))
        if table is not None:
            table.remove(p.addr, p.plen)

    # -- timers ------------------------------------------------------------------------------
    def next_timer(self) -> float | None:
        heap = self._deadlines
        while heap:
            when, _unused, name, p, key = heap[0]
            etr = self._etr(name, p, key)
            if etr is not None and etr.expires == when:
                return when
            heapq.heappop(heap)
        return None

    def _etr(self, name, p, key):
        site = self.sites.get(name)
        reg = site.registrations.get(p) if site is not None else None
        return reg.etrs.get(key) if reg is not None else None

    def handle_timer(self, now: float) -> list[Send]:
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            when, _unused, name, p, key = heapq.heappop(heap)
            etr = self._etr(name, p, key)
            if etr is None or etr.expires != when:
                continue
            site = self.sites[name]
            reg = site.registrations[p]
            del reg.etrs[key]
            self.counters.bump("registrations_expired")
            if not reg.etrs:
                self._unregister(site, p)
        return []

    # -- Map-Request -------------------------------------------------------------------------
    def handle_request(self, request, ecm_data: bytes, reply_port: int, now: float) -> list[Send]:
        """A Map-Request that arrived in ECM ``ecm_data`` (RFC 9301 §8.3). ``reply_port`` is the
        inner UDP source port: where a Map-Reply to the ITR goes."""
        c = self.counters
        if not request.eid_records:
            c["map_request_in"] += 1
            c.bump("map_request_dropped")
            return []
        eid, mask_len = request.eid_records[0]
        return self.answer(eid_prefix(eid, mask_len), _itr_rloc(request), request.nonce, ecm_data, reply_port)

    def answer(self, p: EidPrefix | None, itr: str | None, nonce: int, ecm_data: bytes, reply_port: int) -> list[Send]:
        """The answer to a Map-Request for ``p`` from ITR-RLOC ``itr`` (the decoded request's first
        EID record and ITR-RLOC, or ``wire.ecm.map_request_view``'s)."""
        c = self.counters
        c["map_request_in"] += 1
        if p is None or itr is None:  # RFC 9301 §5.3: no usable ITR-RLOC -> drop
            c.bump("map_request_dropped")
            return []
        table = self._registered.get((p.iid, p.afi))
        reg = table.covering(p.addr, p.plen) if table is not None else None
        if reg is not None and reg.etrs:
            etrs = reg.etrs.values()
            for etr in etrs:
                if etr.proxy_reply:  # RFC 9301 §8.3: answer on the ETR's behalf, not authoritative
                    c["map_reply_proxy"] += 1
                    # the Map-Reply of MapReply(nonce, (record,)).encode(), its record encoded once
                    data = _REPLY_HEADER.pack(_MAP_REPLY_ONE_RECORD, nonce) + etr.reply_record
                    return [Send(data, (self.rloc, CONTROL_PORT), (itr, reply_port))]
            etr = reg.latest()
            c.bump("map_request_forwarded")  # RFC 9301 §8.3: re-encapsulate to a registered ETR
            return [Send(ecm_data, (self.rloc, CONTROL_PORT), (etr.source[0], CONTROL_PORT))]
        found = self.site_for(p)
        if found is not None:  # RFC 9301 §8.3: configured, nobody registered: 1-minute negative
            neg, ttl = found[1], NEGATIVE_TTL_UNREGISTERED
        else:  # RFC 9301 §8.4: not an EID: least-specific prefix that matches no EID-prefix
            neg, ttl = self.non_eid_prefix(p), NEGATIVE_TTL_NOT_EID
        c["map_reply_negative"] += 1
        record = self._negative_records.get((neg, ttl))
        if record is None:
            if len(self._negative_records) >= 65536:
                self._negative_records.clear()
            record = self._negative_records[(neg, ttl)] = make_record(neg, (), ttl, action=ACTION_NATIVE).encode()
        data = _REPLY_HEADER.pack(_MAP_REPLY_ONE_RECORD, nonce) + record
        return [Send(data, (self.rloc, CONTROL_PORT), (itr, reply_port))]

    def non_eid_prefix(self, p: EidPrefix) -> EidPrefix:
        """Shortest prefix holding ``p`` that overlaps no configured EID-prefix (RFC 9301 §8.4).

        ``p`` must not lie inside a configured prefix. The /n around ``p`` overlaps one exactly when
        it is an ancestor of one; ancestors are closed upwards, so a binary search over n finds
        the first length that is not.
        """
        seen = self._ancestors.get((p.iid, p.afi))
        max_len = MAX_LEN[p.afi]
        if not seen:
            return EidPrefix(p.iid, p.afi, 0, 0)
        lo, hi = 0, max_len  # answer in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            if (p.addr & mask(p.afi, mid), mid) in seen:
                lo = mid + 1
            else:
                hi = mid
        return EidPrefix(p.iid, p.afi, p.addr & mask(p.afi, lo), lo)

    def registrations(self):
        for site in self.sites.values():
            for p in sorted(site.registrations):
                yield site, site.registrations[p]


def _itr_rloc(request) -> str | None:
    """The ITR-RLOC to answer: the first IPv4 one, else the first IPv6 one (RFC 9301 §5.3)."""
    rlocs = request.itr_rlocs
    if rlocs and getattr(rlocs[0], "afi", None) == 1:
        return rlocs[0].address
    first = None
    for rloc in request.itr_rlocs:
        if getattr(rloc, "afi", None) == 1:
            return str(rloc)
        if first is None and getattr(rloc, "afi", None) == 2:
            first = str(rloc)
    return first


def itr_rloc(request) -> str | None:
    return _itr_rloc(request)

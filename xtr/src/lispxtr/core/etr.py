"""Egress Tunnel Router (RFC 9301 §6, §8.2): registers its database-mappings with the
Map-Server(s), answers Map-Requests for them authoritatively, and hands decapsulated traffic on.

Map-Register timing: every 60 s to each map-server (RFC 9301 §8.2). With want-map-notify set,
a Map-Register not answered by a Map-Notify within 1 s is sent again, the wait doubling up to
60 s (RFC 9301 §5.7). Every Map-Register — retransmissions included — carries a new, larger
nonce: ``max(last + 1, now in microseconds)``, so the nonce keeps increasing across restarts
(RFC 9301 §5.6 asks for an incrementing nonce; see ``map_server`` for the replay check).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..wire.auth import KEY_HMAC_SHA1, KEY_HMAC_SHA256, sign, verify
from ..wire.map_register import MapRegister
from ..wire.map_reply import MapReply
from ..wire.record import EidRecord, Locator
from .codec import address, eid_prefix, make_record, wire_eid
from .map_cache import PrefixTable
from .map_server import itr_rloc
from .prefix import EidPrefix
from .types import CONTROL_PORT, Counters, Send

REGISTER_INTERVAL = 60.0  # RFC 9301 §8.2
FIRST_RETRY = 1.0  # RFC 9301 §5.7
MAX_RETRY = 60.0  # RFC 9301 §5.7: maximum backoff 1 minute
RECORD_TTL = 1440  # minutes; IOS-XE's default "TTL 1d00h"
NONCE_MASK = (1 << 64) - 1


@dataclass
class DatabaseMapping:
    """``database-mapping PREFIX locator-set NAME`` with the locator-set resolved."""

    prefix: EidPrefix
    locator_set: str
    locators: tuple  # (address, priority, weight)
    sources: tuple = ()  # per locator: "cfg-addr" or "cfg-intf" (as show ... database prints it)
    created: float = 0.0
    changed: float = 0.0


@dataclass
class MapServerPeer:
    """``etr map-server ADDR key K [hash-function sha1]`` and the registration state with it."""

    address: str
    key: str
    hash_function: str = "sha2"  # "sha1" or "sha2" (HMAC-SHA-256, RFC 9301's MUST)
    proxy_reply: bool = False
    last_sent: float | None = None
    next_at: float | None = None
    retry: float = FIRST_RETRY
    outstanding: int | None = None  # nonce awaiting a Map-Notify
    last_notify: float | None = None
    registers_out: int = 0
    notifies_in: int = 0
    since: float = 0.0

    def settings(self) -> tuple:
        return (self.key, self.hash_function, self.proxy_reply)


class Etr:
    def __init__(self, rloc: str, xtr_id: bytes, site_id: bytes = bytes(8), counters: Counters | None = None):
        self.rloc = rloc
        self.xtr_id = xtr_id
        self.site_id = site_id
        self.counters = counters if counters is not None else Counters()
        self.database: dict[EidPrefix, DatabaseMapping] = {}
        self._tables: dict[tuple[int, str], PrefixTable] = {}
        self.map_servers: dict[str, MapServerPeer] = {}
        self._last_nonce = 0

    # -- configuration -----------------------------------------------------------------------
    def configure(self, database: list[DatabaseMapping], map_servers: list[MapServerPeer], now: float) -> list[Send]:
        """Apply database-mappings and map-servers; register at once wherever anything changed."""
        old_db = self.database
        new_db = {}
        for dm in database:
            prev = old_db.get(dm.prefix)
            if prev is not None and (prev.locator_set, prev.locators) == (dm.locator_set, dm.locators):
                new_db[dm.prefix] = prev
            else:
                dm.created = prev.created if prev is not None else now
                dm.changed = now
                new_db[dm.prefix] = dm
        db_changed = set(new_db) != set(old_db) or any(new_db[p] is not old_db.get(p) for p in new_db)
        self.database = new_db
        self._tables = {}
        for p, dm in new_db.items():
            key = (p.iid, p.afi)
            table = self._tables.get(key)
            if table is None:
                table = self._tables[key] = PrefixTable(p.afi)
            table.insert(p.addr, p.plen, dm)
        old_ms = self.map_servers
        self.map_servers = {}
        out = []
        for ms in map_servers:
            prev = old_ms.get(ms.address)
            if prev is not None and prev.settings() == ms.settings() and not db_changed:
                self.map_servers[ms.address] = prev
                continue
            if prev is not None:
                ms.since, ms.registers_out, ms.notifies_in, ms.last_notify = prev.since, prev.registers_out, prev.notifies_in, prev.last_notify
            else:
                ms.since = now
            self.map_servers[ms.address] = ms
            if self.database:
                out.append(self._register(ms, now, first=True))
        return out

    def owns(self, p: EidPrefix) -> DatabaseMapping | None:
        table = self._tables.get((p.iid, p.afi))
        return None if table is None else table.covering(p.addr, p.plen)

    def owns_address(self, iid: int, afi: str, value: int) -> DatabaseMapping | None:
        table = self._tables.get((iid, afi))
        return None if table is None else table.lookup(value)

    # -- Map-Register ------------------------------------------------------------------------
    def records(self, authoritative: bool = True) -> tuple:
        # RFC 9301 §5.4: the L bit marks the locators that are this router's own
        return tuple(make_record(dm.prefix, [(a, pri, wgt, a == self.rloc, True) for a, pri, wgt in dm.locators],
                                 RECORD_TTL, authoritative=authoritative)
                     for dm in self.database.values())

    def _next_nonce(self, now: float) -> int:
        nonce = max(self._last_nonce + 1, int(now * 1_000_000)) & NONCE_MASK
        self._last_nonce = nonce
        return nonce

    def _register(self, ms: MapServerPeer, now: float, first: bool = False) -> Send:
        nonce = self._next_nonce(now)
        alg = KEY_HMAC_SHA1 if ms.hash_function == "sha1" else KEY_HMAC_SHA256
        msg = MapRegister(nonce, 0, self.records(), proxy_reply=ms.proxy_reply, want_map_notify=True,
                          xtr_id=self.xtr_id, site_id=self.site_id, alg_id=alg)
        data = sign(msg, ms.key).encode()
        if first:
            ms.retry = FIRST_RETRY
        ms.outstanding = nonce
        ms.last_sent = now
        ms.next_at = now + ms.retry  # RFC 9301 §5.7: retransmit if no Map-Notify
        ms.registers_out += 1
        self.counters.bump("map_register_out")
        return Send(data, (self.rloc, CONTROL_PORT), (ms.address, CONTROL_PORT))

    def handle_notify(self, msg, raw: bytes, src: tuple[str, int], now: float) -> list[Send]:
        c = self.counters
        c.bump("map_notify_in")
        ms = self.map_servers.get(src[0])
        if ms is None:
            c.bump("map_notify_unknown_source")
            return []
        if not verify(raw, ms.key):
            c.bump("map_notify_auth_failures")
            return []
        if ms.outstanding is None or msg.nonce != ms.outstanding:
            c.bump("map_notify_unsolicited")
            return []
        ms.outstanding = None
        ms.last_notify = now
        ms.notifies_in += 1
        ms.retry = FIRST_RETRY
        ms.next_at = ms.last_sent + REGISTER_INTERVAL
        return []

    # -- Map-Request -------------------------------------------------------------------------
    def handle_request(self, request, reply_port: int, now: float, probed: str | None = None) -> list[Send]:
        """Answer a Map-Request for one of our EID-prefixes authoritatively, straight to the ITR
        (RFC 9301 §6.1, §8.3). Returns [] when the EID is not ours. ``probed`` is the address an
        RLOC-probe was sent to (the destination of the datagram)."""
        c = self.counters
        if not request.eid_records:
            return []
        eid, mask_len = request.eid_records[0]
        p = eid_prefix(eid, mask_len)
        dm = self.owns(p) if p is not None else None
        itr = itr_rloc(request)
        if dm is None or itr is None:
            c.bump("etr_map_request_dropped")
            return []
        c.bump("etr_map_reply_out")
        # RFC 9301 §5.4: the L bit on the locators that are ours; in the reply to an RLOC-probe
        # (§7.1) the p bit on the one locator that was probed, so that the ITR knows which locator
        # answered even when the reply leaves from another address.
        target = probed if request.probe else None
        locators = tuple(Locator(address(a), priority=pri, weight=wgt, local=a == self.rloc, probed=a == target)
                         for a, pri, wgt in dm.locators)
        eid, plen = wire_eid(dm.prefix)
        record = EidRecord(eid, plen, locators, RECORD_TTL, 0, True)
        data = MapReply(request.nonce, (record,), probe=request.probe).encode()
        return [Send(data, (self.rloc, CONTROL_PORT), (itr, reply_port))]

    # -- timers ------------------------------------------------------------------------------
    def next_timer(self) -> float | None:
        if not self.database:
            return None
        times = [ms.next_at for ms in self.map_servers.values() if ms.next_at is not None]
        return min(times) if times else None

    def handle_timer(self, now: float) -> list[Send]:
        out = []
        if not self.database:
            return out
        for ms in self.map_servers.values():
            if ms.next_at is None or ms.next_at > now:
                continue
            if ms.outstanding is not None:  # no Map-Notify yet: back off (RFC 9301 §5.7)
                self.counters.bump("map_register_retransmit")
                ms.retry = min(ms.retry * 2, MAX_RETRY)
                out.append(self._register(ms, now))
            else:
                out.append(self._register(ms, now, first=True))
        return out

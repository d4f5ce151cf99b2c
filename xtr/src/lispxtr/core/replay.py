"""The Map-Server's replay ledger (RFC 9301 §5.6): which Map-Register nonces were accepted, per
site, site key and xTR-ID, kept so that a captured Map-Register is never accepted a second time —
not after a clean restart and not after ``kill -9`` either (``Node`` keeps it on disk; see
docs/security.md "Replay protection").

RFC 9301 §5.6: the ETR increments the nonce on every Map-Register, "a Map-Server MUST track and
save in persistent storage the last nonce received for each ETR xTR-ID and key pair", and drops a
Map-Register whose nonce is not greater. Two deployed ETRs do not follow that rule, and the ledger
serves them without giving up the property that matters:

- IOS-XE sends a fresh random nonce with each Map-Register. The ledger remembers every nonce it
  accepted for an (site, key, xTR-ID) entry and refuses exactly those (and everything at or below
  the entry's ``floor``). A sender whose nonces only ever grew for ``MONOTONIC_RUN`` Map-Registers
  in a row (our own ETR: the clock in microseconds) is summed up by one number: ``floor`` becomes
  its highest nonce, the set is emptied. An entry that ever accepted a nonce below an earlier one
  keeps the exact set, up to ``MAX_NONCES``; past that the smallest nonce is forgotten and
  ``floor`` rises to it (still never a replay accepted; a random sender then loses ever more of
  its Map-Registers, and the operator is told to change the site key, which starts a new entry).
- lispers.net re-registers every 60 s with the same nonce. A Map-Register that is byte for byte the
  last one accepted for its entry (same nonce, same authentication data, so same records) and comes
  from the address that one came from is a *refresh*: it is accepted, changes nothing but the
  registration's timers, and is counted apart. A captured packet sent from any other address, any
  older packet, and any packet with that nonce and other contents are replays.

Nonce 0 has no special meaning (RFC 9301 has no "reboot" nonce; an ETR that lost its nonce must
register with a new key, §5.6): it is an ordinary value, refused once accepted. Without an xTR-ID
the entry is the site and key alone — keyed by the source address instead, the same captured bytes
sent from another address would open a fresh entry.

This module is sans-I/O: ``journaling`` on, every acceptance also queues one journal line
(``take()``), which the caller must make durable before anything the acceptance caused leaves the
router; ``dump()``/``load()`` give and read the snapshot the journal is folded into.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

MONOTONIC_RUN = 16  # Map-Registers in a row with a growing nonce before an entry keeps only its floor
MAX_NONCES = 1 << 16  # nonces an entry of a random-nonce ETR keeps (45 days of one Map-Register a minute)
FORMAT = 1

NEW, REFRESH, REPLAY = "new", "refresh", "replay"


def key_fingerprint(key: str) -> str:
    """What identifies a site key in the ledger (an HMAC with the key, never the key itself)."""
    return hmac.new(key.encode("utf-8"), b"lispxtr map-register replay ledger", hashlib.sha256).hexdigest()[:16]


def message_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


@dataclass(slots=True)
class LedgerEntry:
    """The accepted nonces of one (site, key, xTR-ID)."""

    floor: int = -1  # every nonce <= floor is refused
    nonces: set = field(default_factory=set)  # accepted nonces above floor
    top: int = -1  # the highest nonce accepted
    rising: int = 0  # acceptances in a row whose nonce was above every earlier one
    random: bool = False  # a nonce below an earlier one was accepted: the set stays exact
    last_nonce: int | None = None  # the last Map-Register accepted: nonce, digest, source, when
    last_digest: str = ""
    last_source: str = ""
    last_time: float = 0.0
    full_logged: bool = False

    def seen(self, nonce: int) -> bool:
        return nonce <= self.floor or nonce in self.nonces


class ReplayLedger:
    def __init__(self):
        self.entries: dict[tuple[str, str, str], LedgerEntry] = {}
        self.journaling = False
        self._pending: list[str] = []
        self.full_events: list[tuple[str, str]] = []  # (site, xTR-ID) entries that reached MAX_NONCES

    # -- the Map-Server's questions ----------------------------------------------------------
    def check(self, key: tuple[str, str, str], nonce: int, digest: str, source: str) -> str:
        """``NEW`` (never accepted), ``REFRESH`` (the last accepted message again, from its
        source) or ``REPLAY``."""
        entry = self.entries.get(key)
        if entry is None:
            return NEW
        if nonce == entry.last_nonce and digest == entry.last_digest and source == entry.last_source:
            return REFRESH
        return REPLAY if entry.seen(nonce) else NEW

    def accept(self, key: tuple[str, str, str], nonce: int, digest: str, source: str, now: float) -> None:
        """Record a ``NEW`` nonce (and queue its journal line when journaling)."""
        self._apply(key, nonce, digest, source, now)
        if self.journaling:
            self._pending.append(json.dumps({"k": list(key), "n": nonce, "d": digest, "s": source, "t": now},
                                            separators=(",", ":")) + "\n")

    def _apply(self, key, nonce: int, digest: str, source: str, now: float) -> None:
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = LedgerEntry()
        elif entry.seen(nonce):  # a journal line the snapshot already holds: nothing to do
            return
        if nonce > entry.top:
            entry.rising += 1
            entry.top = nonce
        else:
            entry.rising = 0
            entry.random = True
        entry.nonces.add(nonce)
        if not entry.random and entry.rising >= MONOTONIC_RUN:
            entry.floor, entry.nonces = entry.top, set()  # RFC 9301 §5.6: one number, the last nonce
        elif len(entry.nonces) > MAX_NONCES:
            smallest = min(entry.nonces)
            entry.nonces.discard(smallest)
            entry.floor = max(entry.floor, smallest)
            if not entry.full_logged:
                entry.full_logged = True
                self.full_events.append((key[0], key[2]))
        entry.last_nonce, entry.last_digest, entry.last_source, entry.last_time = nonce, digest, source, now

    # -- persistence (the caller does the I/O) -----------------------------------------------
    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def take(self) -> list[str]:
        """The journal lines queued since the last call (each ends with a newline)."""
        lines, self._pending = self._pending, []
        return lines

    def dump(self) -> str:
        entries = []
        for key, e in self.entries.items():
            entries.append({"k": list(key), "floor": e.floor, "nonces": sorted(e.nonces), "top": e.top,
                            "rising": e.rising, "random": e.random,
                            "last": [e.last_nonce, e.last_digest, e.last_source, e.last_time]})
        return json.dumps({"format": FORMAT, "entries": entries}, separators=(",", ":")) + "\n"

    def load(self, snapshot: str, journal: str = "") -> int:
        """Read a snapshot (``dump()``) and then the journal lines written after it; a torn last
        line (a crash in the middle of a write) ends the journal. Returns the journal lines read.
        Raises ``ValueError`` on a snapshot that cannot be read."""
        self.entries = {}
        if snapshot.strip():
            data = json.loads(snapshot)
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise ValueError("unknown replay ledger format")
            for item in data["entries"]:
                last = item["last"]
                self.entries[tuple(item["k"])] = LedgerEntry(
                    int(item["floor"]), {int(n) for n in item["nonces"]}, int(item["top"]), int(item["rising"]),
                    bool(item["random"]), last[0], str(last[1]), str(last[2]), float(last[3]))
        count = 0
        for line in journal.splitlines(keepends=True):
            if not line.endswith("\n"):
                break
            try:
                item = json.loads(line)
                key, nonce = tuple(str(k) for k in item["k"]), int(item["n"])
                digest, source, when = str(item["d"]), str(item["s"]), float(item["t"])
            except (ValueError, KeyError, TypeError):
                break
            if len(key) != 3:
                break
            self._apply(key, nonce, digest, source, when)
            count += 1
        self.full_events.clear()
        return count

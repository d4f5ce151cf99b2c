"""Map-Register replay protection that survives restarts (RFC 9301 §5.6, ``core.replay``; issue 14
hole 1, issue 16) and the interop fixes of issue 16 at the wire level: the p and L bits of
RLOC-probe replies (RFC 9301 §5.4, §7.1), the Map-Notify's authentication data length (§5.7), the
random outer source port of the ITR's ECM (§5.8)."""

import logging
import random

from lispxtr.config.model import LocatorEntry
from lispxtr.core import MapServer, SiteConfig
from lispxtr.core import replay as replay_module
from lispxtr.core.prefix import parse_prefix
from lispxtr.core.replay import ReplayLedger
from lispxtr.mgmt.oper import OPER_NS, oper_xml
from lispxtr.wire import (EidRecord, EncapsulatedControl, Ipv4, Locator, MapNotify, MapRegister, MapReply,
                          MapRequest, decode_control, sign)
from lispxtr.wire.auth import verify

from .conftest import support
from .test_core_lab import (MS_RLOC, SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab, control, ms_config,
                            site1_config, site2_config)

ETR, ATTACKER = ("127.0.5.1", 4342), ("127.0.66.6", 4342)
PREFIX = parse_prefix("10.1.0.0/16")
XTR_ID = bytes(range(16))
SHARED, YANGCHECK = support("shared"), support("yangcheck")


def map_server(ledger=None):
    ms = MapServer(MS_RLOC, ledger=ledger)
    ms.configure([SiteConfig("S", "k", eid_records={parse_prefix("10.0.0.0/8"): True})], 0.0)
    return ms


def register_bytes(nonce, *, locator="127.0.5.1", xtr_id=XTR_ID, alg=2, key="k", length=None):
    record = EidRecord(Ipv4("10.1.0.0"), 16, (Locator(Ipv4(locator), 1, 1, local=True),), 1440)
    msg = MapRegister(nonce, 0, (record,), want_map_notify=True, xtr_id=xtr_id, alg_id=alg)
    return sign(msg, key, length=length).encode()


def send(ms, raw, src=ETR, now=0.0):
    return ms.handle_register(decode_control(raw), raw, src, now)


def registered_source(ms):
    reg = ms.sites["S"].registrations.get(PREFIX)
    return reg.latest().source if reg is not None and reg.etrs else None


# -- the ledger's rules ---------------------------------------------------------------------------

def test_random_nonces_as_ios_xe_sends_them_are_accepted_and_each_is_refused_a_second_time():
    ms = map_server()
    rng = random.Random(7)
    sent = [register_bytes(rng.getrandbits(64)) for _i in range(200)]
    for i, raw in enumerate(sent):
        assert send(ms, raw, now=60.0 * i), "a fresh random nonce is not a replay"
    assert ms.counters["map_register_replayed"] == 0
    for raw in sent[:-1]:  # every one of them, captured and sent again from elsewhere
        assert send(ms, raw, src=ATTACKER, now=20000.0) == []
    assert ms.counters["map_register_replayed"] == 199
    assert registered_source(ms) == ETR


def test_same_nonce_refresh_from_its_source_is_accepted_and_from_elsewhere_refused():
    """lispers.net re-registers every 60 s with the same nonce: the same bytes from the same
    address refresh the registration; from another address, or with other contents, they are a replay."""
    ms = map_server()
    raw = register_bytes(77)
    assert send(ms, raw, now=0.0)
    for minute in range(1, 6):
        assert send(ms, raw, now=60.0 * minute), "refresh"
    reg = ms.sites["S"].registrations[PREFIX].latest()
    assert reg.last_registered == 300.0 and reg.expires == 480.0
    assert ms.counters["map_register_refreshed"] == 5 and ms.sites["S"].refreshes == 5
    assert send(ms, raw, src=ATTACKER, now=310.0) == []  # the hijack of issue 14
    other = register_bytes(77, locator="127.0.5.9")  # that nonce, other records
    assert send(ms, other, now=320.0) == []
    assert ms.counters["map_register_replayed"] == 2 and registered_source(ms) == ETR
    assert [l.address for l in ms.sites["S"].registrations[PREFIX].latest().locators] == ["127.0.5.1"]


def test_an_older_message_with_the_current_nonce_is_no_refresh():
    ms = map_server()
    first, second = register_bytes(5), register_bytes(6)
    assert send(ms, first) and send(ms, second, now=60.0)
    assert send(ms, first, now=61.0) == []  # the last accepted is the other one
    assert send(ms, second, now=120.0)  # the last one, from its source: refresh


def test_a_monotonic_sender_is_summed_up_by_its_last_nonce():
    ledger = ReplayLedger()
    ms = map_server(ledger)
    sent = [register_bytes(1000 + 10 * i) for i in range(replay_module.MONOTONIC_RUN + 4)]
    for i, raw in enumerate(sent):
        assert send(ms, raw, now=float(i))
    (entry,) = ledger.entries.values()
    assert entry.floor == 1000 + 10 * (len(sent) - 1) and not entry.nonces and not entry.random
    assert send(ms, register_bytes(1005), now=100.0) == []  # never accepted, but below the floor
    assert send(ms, sent[0], src=ATTACKER, now=100.0) == []
    assert send(ms, register_bytes(5000), now=101.0)


def test_nonce_zero_is_an_ordinary_nonce_not_a_reset():
    ms = map_server()
    zero = register_bytes(0)
    assert send(ms, zero)
    assert send(ms, register_bytes(9), now=1.0)
    assert send(ms, zero, src=ATTACKER, now=2.0) == []
    assert send(ms, zero, now=3.0) == []  # not the last accepted: no refresh either


def test_without_an_xtr_id_the_nonces_are_per_site_key_not_per_source():
    """Keyed by the source RLOC, the same captured bytes from another address would be new."""
    ms = map_server()
    raw = register_bytes(5, xtr_id=None)
    assert send(ms, raw)
    assert send(ms, raw, src=ATTACKER, now=1.0) == []
    assert ms.counters["map_register_replayed"] == 1
    assert send(ms, register_bytes(6, xtr_id=None, locator="127.0.5.2"), src=("127.0.5.2", 4342), now=2.0)
    reg = ms.sites["S"].registrations[PREFIX]
    assert sorted(e.source[0] for e in reg.etrs.values()) == ["127.0.5.1", "127.0.5.2"]  # two ETRs


def test_a_new_site_key_starts_a_new_nonce_space_and_the_old_one_is_kept():
    ms = map_server()
    assert send(ms, register_bytes(50))
    ms.configure([SiteConfig("S", "k2", eid_records={parse_prefix("10.0.0.0/8"): True})], 1.0)
    assert send(ms, register_bytes(10, key="k2"), now=2.0)  # RFC 9301 §5.6: per xTR-ID and key
    ms.configure([SiteConfig("S", "k", eid_records={parse_prefix("10.0.0.0/8"): True})], 3.0)
    assert send(ms, register_bytes(50), src=ATTACKER, now=4.0) == []  # back to the old key: its history holds


def test_full_random_entry_forgets_its_smallest_nonce_and_never_accepts_a_replay(monkeypatch, caplog):
    monkeypatch.setattr(replay_module, "MAX_NONCES", 8)
    ledger = ReplayLedger()
    ms = map_server(ledger)
    rng = random.Random(3)
    sent = []
    with caplog.at_level(logging.WARNING, logger="lispxtr.map_server"):
        while len(sent) < 30:
            raw = register_bytes(rng.getrandbits(64))
            if send(ms, raw, now=float(len(sent))):
                sent.append(raw)
    (entry,) = ledger.entries.values()
    assert len(entry.nonces) <= 8 and entry.floor > 0 and entry.random
    for raw in sent:
        assert send(ms, raw, src=ATTACKER, now=100.0) == []
    assert sum("change the site key" in r.getMessage() for r in caplog.records) == 1


# -- persistence: the snapshot and the journal ------------------------------------------------------

def test_ledger_snapshot_and_journal_restore_every_refusal():
    ledger = ReplayLedger()
    ledger.journaling = True
    ms = map_server(ledger)
    rng = random.Random(11)
    early = [register_bytes(rng.getrandbits(64)) for _i in range(5)]
    for i, raw in enumerate(early):
        assert send(ms, raw, now=float(i))
    snapshot = ledger.dump()
    ledger.take()
    late = [register_bytes(rng.getrandbits(64)) for _i in range(5)]
    for i, raw in enumerate(late):
        assert send(ms, raw, now=10.0 + i)
    journal = "".join(ledger.take())
    assert journal.count("\n") == 5
    for text in (journal, journal + journal, journal + '{"k":["S"'):  # as written, twice, torn at the end
        restored = ReplayLedger()
        assert restored.load(snapshot, text) == journal.count("\n") * (2 if text == journal + journal else 1)
        ms2 = map_server(restored)
        for raw in early + late:
            assert send(ms2, raw, src=ATTACKER, now=100.0) == []
        assert send(ms2, late[-1], now=101.0), "the last one from its source is a refresh"
    # a snapshot taken after the journal and the journal read again (a crash between the two
    # steps of a compaction) change nothing
    full = ledger.dump()
    again = ReplayLedger()
    again.load(full, journal)
    assert again.dump() == full


# -- visible: counter, log, show ---------------------------------------------------------------------

def test_replays_are_logged_at_most_once_a_minute_per_site_and_shown(caplog):
    ms = map_server()
    raw = register_bytes(40)
    send(ms, raw)
    send(ms, register_bytes(41), now=1.0)
    with caplog.at_level(logging.WARNING, logger="lispxtr.map_server"):
        for i in range(50):
            send(ms, raw, src=ATTACKER, now=10.0 + i * 0.1)
        send(ms, raw, src=ATTACKER, now=80.0)
    lines = [r.getMessage() for r in caplog.records if "refused as a replay" in r.getMessage()]
    assert len(lines) == 2
    assert lines[0].startswith("site S: Map-Register from 127.0.66.6:4342 refused as a replay (nonce 0x0000000000000028")
    assert "10.1.0.0/16" in lines[0] and "49 more since the last report" in lines[1]
    assert "k" not in lines[0].split("xTR-ID")[0].replace("Map-Register", "")  # no key in the log
    site = ms.sites["S"]
    assert site.replays == 51 and site.last_replay == (80.0, ATTACKER)


def test_show_lisp_site_detail_has_a_replay_line_per_site():
    lab = Lab()
    ms = lab["MR_MS"]
    first = lab.sent(kind=3, src=SITE1_RLOC)[0]
    lab.advance(61)
    lab.deliver([first.__class__(first.data, ("127.0.66.6", 4342), first.dst)])
    lab.advance(5)
    text = ms.show("show lisp site detail", lab.now)
    site1, site2 = text.split("Site name: SITE1")[1].split("Site name: SITE2")
    assert "\nMap-Register replays: 1 refused, 0 same-nonce refreshes, last refused from 127.0.66.6:4342 00:00:05 ago\n" \
        in site1
    assert "\nMap-Register replays: 0 refused, 0 same-nonce refreshes\n" in site2
    sites = {s["name"]: s for s in ms.oper_state(lab.now)["sites"]}
    assert sites["SITE1"]["replays"] == 1 and sites["SITE2"]["replays"] == 0
    assert ms.counters["map_register_replayed"] == 1


# -- issue 16: the Map-Notify's authentication data, RLOC-probe bits, the ECM's port ----------------

def test_map_notify_uses_the_map_registers_authentication_data_length():
    for alg, length in ((2, 16), (2, 32), (1, 12), (1, 20)):
        ms = map_server()
        ms.configure([SiteConfig("S", "k", eid_records={parse_prefix("10.0.0.0/8"): True})], 0.0)
        raw = register_bytes(99, alg=alg, length=length)
        assert int.from_bytes(raw[14:16], "big") == length and verify(raw, "k")
        (notify,) = send(ms, raw)
        assert notify.dst == ETR
        msg = decode_control(notify.data)
        assert isinstance(msg, MapNotify) and (msg.alg_id, len(msg.auth_data), msg.nonce) == (alg, length, 99)
        assert int.from_bytes(notify.data[14:16], "big") == length
        assert verify(notify.data, "k") and not verify(notify.data, "other")


def two_locator_site2(second="127.0.2.9"):
    config = site2_config()
    config.lisp.locator_sets["RLOCS"].locators.append(LocatorEntry(address=second, priority=20, weight=50))
    return config


def probe_reply(lab, probed, src=SITE1_RLOC):
    """Send an RLOC-probe for SITE2's EID-prefix to ``probed`` (SITE2's router) and decode the reply."""
    request = MapRequest(0xABCDEF, None, (Ipv4(src),), ((Ipv4("192.168.2.0"), 24),), probe=True)
    mark = lab.mark()
    lab.deliver(lab["SITE2"].receive(request.encode(), (src, 4342), (probed, 4342), lab.now))
    (reply,) = [s for s in lab.sent(after=mark) if s.data[0] >> 4 == 2]
    return reply, decode_control(reply.data)


def test_rloc_probe_reply_sets_p_on_the_probed_locator_and_l_on_our_own():
    lab = Lab(configs={MS_RLOC: ms_config(), SITE1_RLOC: site1_config(), SITE2_RLOC: two_locator_site2()})
    send_, reply = probe_reply(lab, SITE2_RLOC)
    assert isinstance(reply, MapReply) and reply.probe and reply.nonce == 0xABCDEF
    assert send_.dst == (SITE1_RLOC, 4342)
    flags = [(str(l.address), l.local, l.probed, l.reachable) for l in reply.records[0].locators]
    # RFC 9301 §5.4: p on exactly the probed locator; L only on the router's own (127.0.2.9 is
    # another xTR of the site)
    assert flags == [(SITE2_RLOC, True, True, True), ("127.0.2.9", False, False, True)]
    assert reply.records[0].authoritative
    # a probe sent to an address that is no locator of the set marks none
    _send, reply = probe_reply(lab, "127.0.2.77")
    assert [l.probed for l in reply.records[0].locators] == [False, False]


def test_ordinary_map_replies_carry_l_but_never_p_and_proxy_replies_neither():
    lab = Lab(configs={MS_RLOC: ms_config(), SITE1_RLOC: site1_config(), SITE2_RLOC: two_locator_site2()})
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    (reply,) = [control(s) for s in lab.sent(after=mark, kind=2, src=SITE2_RLOC)]
    assert not reply.probe
    assert [(l.local, l.probed) for l in reply.records[0].locators] == [(True, False), (False, False)]
    # the Map-Register marks the same locator local; a proxy Map-Reply clears it (RFC 9301 §5.4)
    (register,) = [control(s) for s in lab.sent(kind=3, src=SITE2_RLOC)][-1:]
    assert [l.local for l in register.records[0].locators] == [True, False]
    lab = Lab(configs={MS_RLOC: ms_config(), SITE1_RLOC: site1_config(),
                       SITE2_RLOC: site2_config(proxy_reply=True)})
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    (proxied,) = [control(s) for s in lab.sent(after=mark, kind=2, src=MS_RLOC)]
    assert not proxied.records[0].authoritative
    assert [(l.local, l.probed) for l in proxied.records[0].locators] == [(False, False)]


def test_itr_ecm_outer_source_port_is_random_and_the_reply_still_reaches_the_itr():
    lab = Lab()
    ports = set()
    for seq in range(10):
        lab["SITE1"].clear_map_cache(0)  # each ping asks the Map-Resolver again
        mark = lab.mark()
        lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, seq)
        (ecm,) = lab.sent(after=mark, kind=8, src=SITE1_RLOC)
        assert ecm.dst == (MS_RLOC, 4342) and 49152 <= ecm.src[1] <= 65535
        ports.add(ecm.src[1])
        src_ip, _dst_ip, sport, dport, _inner = EncapsulatedControl.decode(ecm.data).unwrap()
        assert (src_ip, sport, dport) == (SITE1_RLOC, 4342, 4342)  # the inner header keeps 4342
        lab.advance(2)
    assert len(ports) >= 8  # random, not one fixed port
    # the answer (forwarded to SITE2's ETR) goes to the ITR-RLOC's control port, and is installed
    replies = lab.sent(kind=2, dst=SITE1_RLOC)
    assert replies and all(r.dst == (SITE1_RLOC, 4342) for r in replies)
    assert lab["SITE1"].map_cache.get(parse_prefix("192.168.2.0/24")) is not None


def test_expired_registration_keeps_its_last_time_and_source_in_show_and_oper():
    """Issue 16: an expired registration (a lispers.net site whose re-registrations were refused,
    or an ETR that went away) still tells when and by whom it was last registered."""
    lab = Lab()
    ms = lab["MR_MS"]
    lab.drop_filter = lambda s: s.src[0] == SITE2_RLOC and s.dst[0] == MS_RLOC
    lab.advance(240)
    assert not ms.map_server.sites["SITE2"].registrations
    table = ms.show("show lisp site", lab.now)
    row = [line for line in table.splitlines() if line.startswith("SITE2")][0]
    assert row.split()[2:] == ["no", "%s:4342" % SITE2_RLOC, "0", "192.168.2.0/24"] and row.split()[1] != "never"
    root = oper_xml(ms.oper_state(lab.now), MS_RLOC)
    regs = [r for r in root.iter("{%s}ms-registrations" % OPER_NS)
            if r.findtext("{%s}site-name" % OPER_NS) == "SITE2"]
    (reg,) = regs
    assert reg.findtext("{%s}is-registered" % OPER_NS) == "false"
    assert reg.findtext("{%s}last-registration-source/{%s}address" % (OPER_NS, OPER_NS)) == SITE2_RLOC
    assert reg.findtext("{%s}last-registration-time" % OPER_NS)
    assert reg.find("{%s}etr-registrations" % OPER_NS) is None  # nothing registered now
    assert YANGCHECK.validate(root, yang_dir=str(SHARED.require("yang", "iosxe-1791"))) == []

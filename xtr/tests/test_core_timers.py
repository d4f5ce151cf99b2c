"""Every RFC 9301 timer and rate limit of the core, on a fake clock."""

import pytest

from lispxtr.config.model import EidRecordCfg, Site
from lispxtr.core import MapServer, SiteConfig
from lispxtr.core.prefix import parse_prefix
from lispxtr.wire import EidRecord, Ipv4, Locator, MapRegister, decode_control, sign

from .test_core_lab import (MS_RLOC, SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab,
                            ms_config, ping_story, site1_config, site2_config)


def times_of(lab, sends):
    ids = {id(s) for s in sends}
    return [at for at, s in lab.wire_log if id(s) in ids]


def test_map_request_rate_limit_retransmit_backoff_and_hold_down():
    lab = Lab()
    t0 = lab.now
    lab.drop_filter = lambda s: s.dst[0] == MS_RLOC and s.data[0] >> 4 == 8  # the Map-Resolver is unreachable
    mark = lab.mark()
    assert lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0) == "."
    lab.advance(0.5)
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 1)  # same EID within the second: no new request
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.2.77", 2)  # another EID: its own request
    requests = lab.sent(after=mark, kind=8, src=SITE1_RLOC)
    assert [decode_control(decode_control(s.data).unwrap()[4]).eid_records[0][0].address for s in requests] == \
        [SITE2_HOST, "192.168.2.77"]
    assert lab["SITE1"].counters["map_request_suppressed"] == 1
    lab.advance(200 - 0.5)
    first = [s for s in lab.sent(after=mark, kind=8, src=SITE1_RLOC)
             if decode_control(decode_control(s.data).unwrap()[4]).eid_records[0][0].address == SITE2_HOST]
    at = [t - t0 for t in times_of(lab, first)]
    # RFC 9301 §5.3: 1 s, then doubling (capped at 30 s); 10 retransmits, then 30 s of silence
    assert at == [0, 1, 3, 7, 15, 31, 61, 91, 121, 151, 181]
    nonces = {decode_control(decode_control(s.data).unwrap()[4]).nonce for s in first}
    assert len(nonces) == 1  # retransmissions keep the nonce, so a late Map-Reply still matches
    # during the hold-down a miss asks nothing; after it, a fresh request with a new nonce
    assert lab.now == t0 + 200
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 3)
    assert lab.sent(after=mark, kind=8) == []
    lab.advance(12)  # t0 + 212 > 181 + 30
    lab.drop_filter = None
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 4)
    again = lab.sent(after=mark, kind=8, src=SITE1_RLOC)
    assert len(again) == 1
    assert decode_control(decode_control(again[0].data).unwrap()[4]).nonce not in nonces


def test_late_map_reply_to_a_retransmitted_request_is_accepted():
    lab = Lab()
    dropped = []

    def lose_first_reply(s):
        if s.data[0] >> 4 == 2 and not dropped:
            dropped.append(s)
            return True
        return False

    lab.drop_filter = lose_first_reply
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    assert dropped and lab["SITE1"].itr.pending
    lab.advance(1)  # the retransmission gets its answer
    assert not lab["SITE1"].itr.pending
    assert lab["SITE1"].counters["map_request_retransmit"] == 1
    assert lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 1) == "."  # SITE2 still has to learn SITE1
    assert lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 2) == "!"


def test_registration_expires_after_three_missed_periods():
    lab = Lab()
    ms = lab["MR_MS"]
    lab.advance(30)
    last = max(times_of(lab, lab.sent(kind=3, src=SITE2_RLOC)))
    lab.drop_filter = lambda s: s.src[0] == SITE2_RLOC and s.dst[0] == MS_RLOC and s.data[0] >> 4 == 3
    lab.advance(last + 180 - 0.001 - lab.now)
    assert ms.map_server.sites["SITE2"].registrations
    lab.advance(0.001)
    assert not ms.map_server.sites["SITE2"].registrations  # RFC 9301 §8.2: 3 minutes
    assert ms.map_server.sites["SITE1"].registrations
    assert ms.counters["registrations_expired"] == 1
    # issue 16: the last registration is kept (when, by whom), not "never"
    assert "SITE2          00:03:00  no     %s:4342       0        192.168.2.0/24" % SITE2_RLOC in ms.show("show lisp site", lab.now)
    detail = ms.show("show lisp site detail", lab.now).split("Site name: SITE2")[1]
    assert "    Last registered:      00:03:00" in detail and "    State:                unknown" in detail
    assert "    ETR " not in detail  # no live registration
    # the EID is configured but unregistered now: 1-minute negative, and the ping fails
    mark = lab.mark()
    assert lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0) == "."
    record = decode_control(lab.sent(after=mark, kind=2)[0].data).records[0]
    assert (record.ttl, record.action, record.mask_len) == (1, 1, 24)
    # SITE2 comes back: its next Map-Register is accepted at once
    lab.drop_filter = None
    lab.advance(60)
    assert ms.map_server.sites["SITE2"].registrations


def _register(ms, key, prefix, ttl, nonce, rloc="127.0.5.1", xtr_id=b"\x01" * 16, **kw):
    p = parse_prefix(prefix)
    record = EidRecord(Ipv4(prefix.split("/")[0]), p.plen, (Locator(Ipv4(rloc), 10, 50, local=True),), ttl,
                       authoritative=True)
    msg = MapRegister(nonce, 0, (record,), want_map_notify=kw.pop("want_map_notify", True), xtr_id=xtr_id,
                      alg_id=kw.pop("alg_id", 2), **kw)
    return sign(msg, key).encode()


def _ms():
    ms = MapServer("127.0.10.1")
    ms.configure([SiteConfig("S", "k", eid_records={parse_prefix("10.0.0.0/8"): True})], 0.0)
    return ms


def test_registration_expires_at_the_record_ttl_when_shorter():
    ms = _ms()
    raw = _register(ms, "k", "10.1.0.0/16", 1, 1)
    ms.handle_register(decode_control(raw), raw, ("127.0.5.1", 4342), 1000.0)
    assert ms.next_timer() == 1060.0
    ms.handle_timer(1059.999)
    assert ms.sites["S"].registrations
    ms.handle_timer(1060.0)
    assert not ms.sites["S"].registrations
    assert ms.next_timer() is None
    # the default: 180 s although the record asks for a day
    raw = _register(ms, "k", "10.1.0.0/16", 1440, 2)
    ms.handle_register(decode_control(raw), raw, ("127.0.5.1", 4342), 2000.0)
    assert ms.next_timer() == 2180.0


def test_record_ttl_zero_withdraws_the_registration():
    ms = _ms()
    raw = _register(ms, "k", "10.1.0.0/16", 1440, 1)
    ms.handle_register(decode_control(raw), raw, ("127.0.5.1", 4342), 0.0)
    raw = _register(ms, "k", "10.1.0.0/16", 0, 2)
    ms.handle_register(decode_control(raw), raw, ("127.0.5.1", 4342), 1.0)
    assert not ms.sites["S"].registrations


def test_map_register_retransmits_with_backoff_until_a_map_notify():
    lab = Lab(start=False)
    lab.drop_filter = lambda s: s.data[0] >> 4 == 4  # every Map-Notify is lost
    for rloc, cfg in ((MS_RLOC, ms_config()), (SITE1_RLOC, site1_config()), (SITE2_RLOC, site2_config())):
        lab.apply(rloc, cfg)
    t0 = lab.now
    lab.advance(400)
    at = [t - t0 for t in times_of(lab, lab.sent(kind=3, src=SITE1_RLOC))]
    # RFC 9301 §5.7: after 1 s, doubling, at most 1 minute apart
    assert at == [0, 1, 3, 7, 15, 31, 63, 123, 183, 243, 303, 363]
    assert lab["MR_MS"].map_server.sites["SITE1"].registrations  # the registrations themselves arrived
    lab.drop_filter = None
    lab.advance(60)
    t1 = lab.now
    lab.advance(300)
    at = [t - t1 for t in times_of(lab, lab.sent(kind=3, src=SITE1_RLOC)) if t > t1]
    assert [b - a for a, b in zip(at, at[1:])] == [60.0] * (len(at) - 1)


def test_map_cache_entries_expire_with_their_ttl():
    lab = Lab()
    ping_story(lab, 1)
    s1 = lab["SITE1"]
    created = s1.map_cache.get(parse_prefix("192.168.2.0/24")).created
    assert s1.next_timer() < created + 86400
    # only SITE1's clock jumps a day ahead (its Map-Registers go nowhere): the entry is due then
    s1.handle_timer(created + 86400 - 1)
    assert s1.map_cache.get(parse_prefix("192.168.2.0/24")) is not None
    s1.handle_timer(created + 86400)
    assert s1.map_cache.get(parse_prefix("192.168.2.0/24")) is None  # TTL 1440 minutes
    lab.now = created + 86400
    assert s1.counters["map_cache_expired"] >= 1
    assert lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 9) == "."  # resolves again


@pytest.mark.parametrize("dst, prefix, ttl", [("10.1.1.1", "0.0.0.0/1", 900), ("192.168.3.9", "192.168.3.0/24", 60)])
def test_negative_entries_expire_after_15_or_1_minutes(dst, prefix, ttl):
    sites = dict(ms_config().lisp.sites)
    sites["SITE3"] = Site(auth_key="k3", eid_records={(0, "192.168.3.0/24"): EidRecordCfg()})
    lab = Lab(configs={MS_RLOC: ms_config(sites), SITE1_RLOC: site1_config(), SITE2_RLOC: site2_config()})
    lab.ping(SITE1_RLOC, SITE1_HOST, dst, 0)
    s1 = lab["SITE1"]
    entry = s1.map_cache.get(parse_prefix(prefix))
    assert entry is not None and entry.negative and entry.ttl_s == ttl
    lab.advance(ttl - 0.001)
    assert s1.map_cache.get(parse_prefix(prefix)) is not None
    lab.advance(0.001)
    assert s1.map_cache.get(parse_prefix(prefix)) is None


def test_next_timer_is_exact_and_early_timers_do_nothing():
    lab = Lab()
    s1 = lab["SITE1"]
    due = s1.next_timer()
    assert due == pytest.approx(lab.now + 60)
    assert s1.handle_timer(due - 0.01) == []
    out = s1.handle_timer(due)
    assert len(out) == 1 and out[0].dst == (MS_RLOC, 4342)
    ms = lab["MR_MS"]
    assert ms.next_timer() == pytest.approx(lab.now + 180)


def test_second_site_sees_ping_replies_in_both_directions():
    lab = Lab()
    ping_story(lab)
    mark = len(lab["SITE2"].events)
    for seq in range(3):
        lab.deliver(lab["SITE2"].send_echo(SITE2_HOST, SITE1_HOST, 7, seq, b"x" * 8, lab.now))
    assert [e.seq for e in list(lab["SITE2"].events)[mark:]] == [0, 1, 2]

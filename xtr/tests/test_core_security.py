"""Authentication, replay protection, nonce matching and allowed locators (RFC 9301 §5.3, §5.6, §8.2)."""

import pytest

from lispxtr.config.model import EidRecordCfg, Site
from lispxtr.core import MapServer, Send, SiteConfig
from lispxtr.core.prefix import parse_prefix
from lispxtr.wire import EidRecord, Ipv4, Locator, MapNotify, MapRegister, MapReply, decode_control, sign

from .test_core_lab import (KEYS, MS_RLOC, SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab, ms_config,
                            ping_story, site1_config, site2_config)

ALL_SHOW = ["show lisp site", "show lisp site detail", "show lisp site name SITE1", "show lisp site name SITE2",
            "show lisp site summary", "show lisp service ipv4", "show lisp session", "show ip lisp map-cache",
            "show ip lisp database", "show lisp instance-id 0 ipv4 database"]


def test_wrong_key_is_not_registered_counted_and_the_ms_keeps_serving():
    lab = Lab()
    ms = lab["MR_MS"]
    site2 = ms.map_server.sites["SITE2"]
    cfg = site2_config()
    cfg.lisp.services["ipv4"].map_servers[MS_RLOC].key = "NOT-THE-KEY"
    lab.apply(SITE2_RLOC, cfg)  # a changed key is used at once
    assert site2.auth_failures == 1
    lab.advance(181)  # the good registration from before times out; the bad ones never refresh it
    assert site2.auth_failures > 1  # SITE2 retried (no Map-Notify) and failed each time
    assert not site2.registrations
    assert ms.counters["map_register_auth_failures"] == site2.auth_failures
    assert lab["SITE2"].etr.map_servers[MS_RLOC].outstanding is not None
    text = ms.show("show lisp site name SITE2", lab.now)
    assert "      Authentication failures:   %d" % site2.auth_failures in text
    assert "    State:                unknown" in text
    # the MS keeps serving: SITE1 is registered, and SITE2's EID gets the 1-minute negative answer
    assert ms.map_server.sites["SITE1"].registrations
    mark = lab.mark()
    assert lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0) == "."
    record = decode_control(lab.sent(after=mark, kind=2)[0].data).records[0]
    assert (record.ttl, record.locators) == (1, ())
    # fixing the key registers at once
    lab.apply(SITE2_RLOC, site2_config())
    assert site2.registrations


def test_wrong_key_from_the_start_never_registers():
    cfg = site2_config()
    cfg.lisp.services["ipv4"].map_servers[MS_RLOC].key = "NOT-THE-KEY"
    lab = Lab(configs={MS_RLOC: ms_config(), SITE1_RLOC: site1_config(), SITE2_RLOC: cfg})
    ms = lab["MR_MS"]
    assert not ms.map_server.sites["SITE2"].registrations
    assert ms.map_server.sites["SITE2"].auth_failures == 1
    assert lab.sent(kind=4, dst=SITE2_RLOC) == []  # no Map-Notify for a forged Map-Register
    assert ping_story(lab, 3) == "..."


def test_replayed_map_register_is_dropped_and_counted():
    lab = Lab()
    ms = lab["MR_MS"]
    first = lab.sent(kind=3, src=SITE1_RLOC)[0]
    lab.advance(61)
    reg = ms.map_server.sites["SITE1"].registrations[parse_prefix("192.168.1.0/24")]
    last = reg.latest().last_registered
    lab.advance(10)
    mark = lab.mark()
    lab.deliver([first])
    assert ms.counters["map_register_replayed"] == 1
    assert reg.latest().last_registered == last
    assert lab.sent(after=mark, kind=4) == []  # no Map-Notify either
    # the same bytes from another source address: still the same xTR-ID, still a replay
    lab.deliver([first.__class__(first.data, ("127.0.66.6", 4342), first.dst)])
    assert ms.counters["map_register_replayed"] == 2
    # the next genuine Map-Register (larger nonce) is accepted
    lab.advance(60)
    assert reg.latest().last_registered > last


def test_replay_without_xtr_id_is_judged_per_site_key_not_per_source_rloc():
    ms = MapServer(MS_RLOC)
    ms.configure([SiteConfig("S", "k", eid_records={parse_prefix("10.0.0.0/8"): True})], 0.0)
    record = EidRecord(Ipv4("10.1.0.0"), 16, (Locator(Ipv4("127.0.5.1"), 1, 1),), 1440)

    def register(nonce, src):
        raw = sign(MapRegister(nonce, 0, (record,), alg_id=1), "k").encode()
        ms.handle_register(decode_control(raw), raw, (src, 4342), 0.0)

    register(5, "127.0.5.1")
    register(5, "127.0.5.2")  # the same bytes from another address: a replay (core.replay), not a new ETR
    register(4, "127.0.5.1")  # never accepted before (random nonces are served, core.replay)
    register(4, "127.0.5.1")  # the last accepted again from its source: a same-nonce refresh
    register(6, "127.0.5.1")
    assert ms.counters["map_register_replayed"] == 1
    assert ms.counters["map_register_refreshed"] == 1
    assert ms.counters["map_register_accepted"] == 4
    reg = ms.sites["S"].registrations[parse_prefix("10.1.0.0/16")]
    assert reg.latest().hash_function == "sha1"


def test_unsolicited_map_reply_is_ignored_and_counted():
    lab = Lab()
    s1 = lab["SITE1"]
    evil = EidRecord(Ipv4("192.168.2.0"), 24, (Locator(Ipv4("127.0.66.6"), 1, 100),), 1440, authoritative=True)
    lab.deliver([Send(MapReply(12345, (evil,)).encode(), ("127.0.66.6", 4342), (SITE1_RLOC, 4342))])
    assert s1.counters["map_reply_unsolicited"] == 1
    assert s1.map_cache.get(parse_prefix("192.168.2.0/24")) is None
    assert ping_story(lab) == "..!!!"  # the real resolution is unaffected


def test_map_reply_with_matching_nonce_but_foreign_prefix_is_not_cached():
    lab = Lab()
    s1 = lab["SITE1"]
    lab.drop_filter = lambda s: s.data[0] >> 4 == 8  # keep the request outstanding
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    nonce = next(iter(s1.itr.pending.values())).nonce
    lab.drop_filter = None
    evil = EidRecord(Ipv4("10.0.0.0"), 8, (Locator(Ipv4("127.0.66.6"), 1, 100),), 1440)
    lab.deliver([Send(MapReply(nonce, (evil,)).encode(), ("127.0.66.6", 4342), (SITE1_RLOC, 4342))])
    assert s1.counters["map_reply_record_mismatch"] == 1
    assert s1.map_cache.get(parse_prefix("10.0.0.0/8")) is None


def test_allowed_locator_mismatch_is_counted_and_not_registered():
    sites = dict(ms_config().lisp.sites)
    sites["SITE2"] = Site(auth_key=KEYS["SITE2"], eid_records={(0, "192.168.2.0/24"): EidRecordCfg(True)},
                          allowed_locators=["127.0.2.99"])
    lab = Lab(configs={MS_RLOC: ms_config(sites), SITE1_RLOC: site1_config(), SITE2_RLOC: site2_config()})
    ms = lab["MR_MS"]
    site2 = ms.map_server.sites["SITE2"]
    assert site2.allowed_locator_mismatches == 1 and not site2.registrations
    text = ms.show("show lisp site name SITE2", lab.now)
    assert "Allowed configured locators: 127.0.2.99" in text
    assert "      Allowed locators mismatch: 1" in text
    assert ms.oper_state(lab.now)["sites"][1]["allowed_locator_mismatches"] == 1


def test_more_specifics_only_where_accepted_and_foreign_prefixes_rejected():
    ms = MapServer(MS_RLOC)
    ms.configure([SiteConfig("A", "ka", eid_records={parse_prefix("10.0.0.0/8"): True}),
                  SiteConfig("B", "kb", eid_records={parse_prefix("172.16.0.0/12"): False})], 0.0)

    def register(prefix, plen, key, nonce):
        record = EidRecord(Ipv4(prefix), plen, (Locator(Ipv4("127.0.5.1"), 1, 1),), 1440)
        raw = sign(MapRegister(nonce, 0, (record,), xtr_id=bytes(16), alg_id=2), key).encode()
        ms.handle_register(decode_control(raw), raw, ("127.0.5.1", 4342), 0.0)

    register("10.1.0.0", 16, "ka", 1)  # more specific, accepted
    register("172.16.1.0", 24, "kb", 2)  # more specific, not accepted by B
    register("172.16.0.0", 12, "kb", 3)  # exact
    register("192.0.2.0", 24, "ka", 4)  # nobody's
    assert set(ms.sites["A"].registrations) == {parse_prefix("10.1.0.0/16")}
    assert set(ms.sites["B"].registrations) == {parse_prefix("172.16.0.0/12")}
    assert ms.counters["map_register_prefix_rejected"] == 1
    assert ms.counters["map_register_no_site"] == 1


def test_map_notify_with_a_bad_signature_is_ignored():
    lab = Lab()
    s1 = lab["SITE1"]
    lab.drop_filter = lambda s: s.data[0] >> 4 == 4
    lab.advance(60)
    ms_ref = s1.etr.map_servers[MS_RLOC]
    outstanding = ms_ref.outstanding
    assert outstanding is not None
    forged = sign(MapNotify(outstanding, 0, (), alg_id=2), "guess").encode()
    lab.drop_filter = None
    lab.deliver([Send(forged, (MS_RLOC, 4342), (SITE1_RLOC, 4342))])
    assert s1.counters["map_notify_auth_failures"] == 1
    assert ms_ref.outstanding == outstanding


@pytest.mark.parametrize("rloc", [MS_RLOC, SITE1_RLOC, SITE2_RLOC])
def test_keys_never_appear_in_show_or_oper_output(rloc):
    lab = Lab()
    ping_story(lab)
    router = lab.routers[rloc]
    text = "".join(router.show(c, lab.now) or "" for c in ALL_SHOW) + repr(router.oper_state(lab.now))
    for key in KEYS.values():
        assert key not in text


def test_site_without_a_usable_key_accepts_nothing():
    ms = MapServer(MS_RLOC)
    ms.configure([SiteConfig("S", "", eid_records={parse_prefix("10.0.0.0/8"): True})], 0.0)
    record = EidRecord(Ipv4("10.1.0.0"), 16, (Locator(Ipv4("127.0.5.1"), 1, 1),), 1440)
    raw = sign(MapRegister(1, 0, (record,), alg_id=2), b"").encode()  # "signed" with the empty key
    ms.handle_register(decode_control(raw), raw, ("127.0.5.1", 4342), 0.0)
    assert not ms.sites["S"].registrations and ms.sites["S"].auth_failures == 1


def test_type_6_key_that_cannot_be_decrypted_does_not_break_configuration():
    lab = Lab()
    cfg = site1_config()
    ref = cfg.lisp.services["ipv4"].map_servers[MS_RLOC]
    ref.key, ref.key_type = "ZZZZ-not-decryptable", 6
    out = lab["SITE1"].apply_config(cfg, lab.now)
    assert out == [] and lab["SITE1"].counters["config_map_server_without_key"] == 1
    assert lab["SITE1"].etr.map_servers == {}

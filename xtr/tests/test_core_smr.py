"""Solicit-Map-Request (RFC 9301 §6.1) on the in-memory lab: an ETR whose database-mapping changes
tells the ITRs it has been sending to, and they ask the mapping system again at once."""

from lispxtr.config.model import (Instance, InstanceService, LispConfig, LocatorEntry, LocatorSet, MapServerRef,
                                  RouterConfig, Service)
from lispxtr.core.itr import SMR_INTERVAL, SMR_WINDOW
from lispxtr.core.prefix import parse_prefix
from lispxtr.wire import EncapsulatedControl, Ipv4, MapRequest

from .test_core_lab import KEYS, MS_RLOC, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab, control, ping_story

SITE2_PREFIX = parse_prefix("192.168.2.0/24", 0)


def site2_with(priority=10, weight=50, proxy_reply=False, extra_db=None):
    """SITE2's configuration of the lab with its locator's priority and weight set."""
    db = {"192.168.2.0/24": "RLOCS"}
    db.update(extra_db or {})
    return RouterConfig(hostname="SITE2", lisp=LispConfig(
        locator_sets={"RLOCS": LocatorSet([LocatorEntry(address=SITE2_RLOC, priority=priority, weight=weight)])},
        services={"ipv4": Service(itr=True, map_resolvers=[MS_RLOC], etr=True,
                                  map_servers={MS_RLOC: MapServerRef(key=KEYS["SITE2"], proxy_reply=proxy_reply)})},
        instances={0: Instance({"ipv4": InstanceService(eid_table="default", database_mappings=db,
                                                        map_cache={"0.0.0.0/0": "map-request"})})}))


def cached_locators(lab, name="SITE1", prefix=SITE2_PREFIX):
    entry = lab[name].map_cache.get(prefix)
    return None if entry is None else [(l.address, l.priority, l.weight) for l in entry.locators]


def talking_lab(**kw):
    """The lab after the write-up's pings: each site has the other cached and has sent it data."""
    lab = Lab(**kw)
    assert ping_story(lab) == "..!!!"
    assert cached_locators(lab) == [(SITE2_RLOC, 10, 50)]
    return lab


def smr(source_eid, eid="192.168.1.0", nonce=7):
    return MapRequest(nonce, Ipv4(source_eid), (Ipv4(SITE2_RLOC),), ((Ipv4(eid), 24),), smr=True).encode()


def test_changed_locator_reaches_the_remote_map_cache_at_once():
    lab = talking_lab()
    mark = lab.mark()
    lab.apply(SITE2_RLOC, site2_with(priority=20, weight=30))
    # the SMR: a Map-Request with the S bit from SITE2's RLOC straight to SITE1's, port 4342
    smrs = [s for s in lab.sent(after=mark, port=4342, dst=SITE1_RLOC) if isinstance(control(s), MapRequest)]
    assert len(smrs) == 1 and smrs[0].src == (SITE2_RLOC, 4342)
    msg = control(smrs[0])
    assert msg.smr and not msg.smr_invoked
    assert str(msg.source_eid) == "192.168.2.0"  # the EID-prefix that changed
    assert [(str(e), plen) for e, plen in msg.eid_records] == [("192.168.1.0", 24)]  # the ITR's EID it cached
    # SITE1 asks again through the mapping system (an ECM to the Map-Resolver), SMR-invoked
    ecms = [control(s) for s in lab.sent(after=mark, port=4342, src=SITE1_RLOC, dst=MS_RLOC)]
    invoked = [MapRequest.decode(e.unwrap()[4]) for e in ecms if isinstance(e, EncapsulatedControl)]
    assert len(invoked) == 1 and invoked[0].smr_invoked and not invoked[0].smr
    assert [(str(e), plen) for e, plen in invoked[0].eid_records] == [("192.168.2.0", 32)]
    # ... and the Map-Reply has replaced the entry, with no time passing
    assert cached_locators(lab) == [(SITE2_RLOC, 20, 30)]
    s1, s2 = lab["SITE1"].counters, lab["SITE2"].counters
    assert (s2["smr_out"], s1["smr_in"], s1["smr_invoked_map_request_out"]) == (1, 1, 1)
    assert lab.ping(SITE1_RLOC, "192.168.1.1", SITE2_HOST, 99) == "!"


def test_proxy_reply_map_server_answers_the_smr_invoked_request_with_the_new_registration():
    lab = Lab()
    lab.apply(SITE2_RLOC, site2_with(proxy_reply=True))
    assert ping_story(lab) == "..!!!"
    ms = lab["MR_MS"].counters
    proxied, forwarded = ms["map_reply_proxy"], ms["map_request_forwarded"]
    lab.apply(SITE2_RLOC, site2_with(priority=5, weight=100, proxy_reply=True))
    # the new Map-Register went out before the SMR, so the Map-Server answers with the new mapping
    assert cached_locators(lab) == [(SITE2_RLOC, 5, 100)]
    assert (ms["map_reply_proxy"], ms["map_request_forwarded"]) == (proxied + 1, forwarded)


def test_no_smr_to_itrs_not_sent_data_for_a_minute():
    lab = talking_lab()
    lab.advance(SMR_WINDOW + 1)
    mark = lab.mark()
    lab.apply(SITE2_RLOC, site2_with(priority=20))
    assert lab["SITE2"].counters["smr_out"] == 0
    assert not [s for s in lab.sent(after=mark, dst=SITE1_RLOC) if isinstance(control(s), MapRequest)]
    assert cached_locators(lab) == [(SITE2_RLOC, 10, 50)]  # learned later: at expiry or a new miss


def test_unchanged_configuration_sends_no_smr():
    lab = talking_lab()
    lab.apply(SITE2_RLOC, site2_with())
    assert lab["SITE2"].counters["smr_out"] == 0


def test_added_database_mapping_is_solicited_too():
    lab = talking_lab()
    lab.apply(SITE2_RLOC, site2_with(extra_db={"192.168.22.0/24": "RLOCS"}))
    assert lab["SITE2"].counters["smr_out"] == 1
    # SITE1 has nothing cached for 192.168.22.0: SHOULD NOT ask (RFC 9301 §6.1)
    assert lab["SITE1"].counters["smr_not_cached"] == 1
    assert lab["SITE1"].counters["smr_invoked_map_request_out"] == 0


def test_sender_rate_limit_one_smr_per_rloc_and_prefix_every_3_seconds():
    lab = talking_lab()
    lab.apply(SITE2_RLOC, site2_with(priority=20))
    lab.advance(1)
    lab.apply(SITE2_RLOC, site2_with(priority=30))
    s2 = lab["SITE2"].counters
    assert (s2["smr_out"], s2["smr_rate_limited"]) == (1, 1)
    assert cached_locators(lab) == [(SITE2_RLOC, 20, 50)]
    lab.advance(SMR_INTERVAL)
    assert ping_story(lab, count=1, start_seq=20) == "!"  # keeps SITE2 sending to SITE1
    lab.apply(SITE2_RLOC, site2_with(priority=40))
    assert s2["smr_out"] == 2
    assert cached_locators(lab) == [(SITE2_RLOC, 40, 50)]


def test_responder_rate_limit_and_smr_for_uncached_eid():
    lab = talking_lab()
    site1 = lab["SITE1"]
    c = site1.counters
    before = c["map_request_out"]
    lab.deliver(site1.receive(smr("192.168.2.7"), (SITE2_RLOC, 4342), (SITE1_RLOC, 4342), lab.now))
    lab.deliver(site1.receive(smr("192.168.2.8", nonce=8), (SITE2_RLOC, 4342), (SITE1_RLOC, 4342), lab.now))
    assert (c["smr_in"], c["smr_invoked_map_request_out"], c["smr_rate_limited"]) == (2, 1, 1)
    assert c["map_request_out"] == before + 1
    lab.advance(SMR_INTERVAL)
    lab.deliver(site1.receive(smr("192.168.2.9", nonce=9), (SITE2_RLOC, 4342), (SITE1_RLOC, 4342), lab.now))
    assert c["smr_invoked_map_request_out"] == 2
    # an EID SITE1 has not cached from a Map-Reply (only the static 0.0.0.0/0 covers it): nothing
    out = site1.receive(smr("10.9.9.9"), (SITE2_RLOC, 4342), (SITE1_RLOC, 4342), lab.now)
    assert out == [] and c["smr_not_cached"] == 1
    # an SMR is not answered with a Map-Reply, whoever receives it
    assert lab["MR_MS"].receive(smr("192.168.2.7"), (SITE2_RLOC, 4342), (MS_RLOC, 4342), lab.now) == []
    assert lab["MR_MS"].counters["smr_dropped"] == 1


def test_smr_with_no_source_eid_is_counted_and_dropped():
    lab = talking_lab()
    data = MapRequest(5, None, (Ipv4(SITE2_RLOC),), ((Ipv4("192.168.1.0"), 24),), smr=True).encode()
    assert lab["SITE1"].receive(data, (SITE2_RLOC, 4342), (SITE1_RLOC, 4342), lab.now) == []
    assert lab["SITE1"].counters["smr_malformed_dropped"] == 1

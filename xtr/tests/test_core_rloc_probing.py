"""RLOC-probing (RFC 9301 §7.1, ``loc-reach-algorithm rloc-probing``) on the in-memory lab: SITE1's
ITR probes the locators it has cached, keeps their round-trip time, takes a locator that stops
answering out of use and puts it back when it answers again."""

import re
import struct

from lxml import etree

from lispxtr.core import itr as itr_module
from lispxtr.core import packets
from lispxtr.core.itr import PROBE_DOWN_AFTER, PROBE_INTERVAL, PROBE_JITTER
from lispxtr.core.map_cache import CachedLocator, MapCacheEntry
from lispxtr.core.prefix import parse_prefix
from lispxtr.mgmt.oper import OPER_NS, oper_xml
from lispxtr.wire import MapReply, MapRequest

from .conftest import support
from .test_core_lab import MS_RLOC, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab, control, ping_story, site1_config

SHARED, YANGCHECK = support("shared"), support("yangcheck")
SITE2_PREFIX = parse_prefix("192.168.2.0/24", 0)
ROUND = PROBE_INTERVAL * (1 + PROBE_JITTER)  # the longest a round can take


def probing_site1(on=True):
    config = site1_config()
    config.lisp.rloc_probing = on
    return config


def probing_lab():
    """The lab after the write-up's pings, with RLOC-probing on SITE1."""
    lab = Lab()
    lab.apply(SITE1_RLOC, probing_site1())
    assert ping_story(lab) == "..!!!"
    return lab


def site2_locator(lab):
    (loc,) = lab["SITE1"].map_cache.get(SITE2_PREFIX).locators
    return loc


def probes(lab, after):
    return [s for s in lab.sent(after=after, port=4342, src=SITE1_RLOC, dst=SITE2_RLOC)
            if isinstance(control(s), MapRequest) and control(s).probe]


def udp_from_site1(dst=SITE2_HOST):
    """A packet a host behind SITE1 would hand to its TUN device (``Router.forward``)."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([192, 168, 1, 5]),
                         bytes(map(int, dst.split("."))))
    header = header[:10] + struct.pack("!H", packets.checksum(header)) + header[12:]
    return header + struct.pack("!HHHH", 5000, 9, 8, 0)


def test_a_round_probes_each_cached_locator_and_keeps_the_round_trip_time():
    lab = probing_lab()
    mark = lab.mark()
    lab.advance(ROUND)
    sent = probes(lab, mark)
    assert len(sent) == 1 and sent[0].src == (SITE1_RLOC, 4342)  # not encapsulated, straight to the RLOC
    request = control(sent[0])
    assert request.source_eid is None and [str(a) for a in request.itr_rlocs] == [SITE1_RLOC]
    assert [(str(e), plen) for e, plen in request.eid_records] == [("192.168.2.0", 24)]  # the entry's prefix
    replies = [control(s) for s in lab.sent(after=mark, port=4342, src=SITE2_RLOC, dst=SITE1_RLOC)]
    assert [(r.nonce, r.probe) for r in replies if isinstance(r, MapReply)] == [(request.nonce, True)]
    loc = site2_locator(lab)
    assert loc.state == "up" and loc.probe_rtt == 0.0 and loc.probe_missed == 0
    counters = lab["SITE1"].counters
    assert counters["rloc_probe_out"] == 1 and counters["rloc_probe_reply_in"] == 1
    detail = lab["SITE1"].show("show lisp instance-id 0 ipv4 map-cache 192.168.2.0/24", lab.now)
    assert re.search(r"\n      Last RLOC-probe sent:            00:00:\d\d \(rtt 0ms\)\n", detail)
    assert "RLOC-probe algorithm:                   enabled" in lab["SITE1"].show("show lisp service ipv4", lab.now)
    # MR_MS is not probed: it is no locator of a cached entry
    assert not [s for s in lab.sent(after=mark, dst=MS_RLOC) if isinstance(control(s), MapRequest)]


def test_rounds_are_jittered_around_the_interval():
    lab = probing_lab()
    times = []
    for _i in range(8):
        mark = lab.mark()
        lab.advance(ROUND)
        times += [at for at, s in lab.wire_log[mark:] if s in probes(lab, mark)]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(PROBE_INTERVAL * (1 - PROBE_JITTER) <= g <= ROUND for g in gaps) and len(set(gaps)) > 1


def test_a_locator_that_stops_answering_goes_down_and_comes_back():
    lab = probing_lab()
    site1 = lab["SITE1"]
    packet = udp_from_site1()
    assert [s.dst for s in site1.forward(packet, lab.now)] == [(SITE2_RLOC, 4341)]  # the flow is cached now
    lab.drop_filter = lambda send: send.dst == (SITE2_RLOC, 4342)  # SITE2's control plane is unreachable
    for missed in range(1, PROBE_DOWN_AFTER + 1):
        lab.advance(ROUND)
        assert site2_locator(lab).probe_missed == missed - 1  # counted at the start of the next round
    assert site2_locator(lab).state == "up"
    lab.advance(ROUND)
    loc = site2_locator(lab)
    assert loc.state == "down" and loc.probe_missed == PROBE_DOWN_AFTER and lab.now - ROUND <= loc.since <= lab.now
    assert site1.counters["rloc_probe_locator_down"] == 1
    # RFC 9301 §7.1: a down locator is not used for data, as if its priority were 255
    before = site1.counters["itr_drop_no_usable_locator"]
    assert site1.forward(packet, lab.now) == []
    assert site1.counters["itr_drop_no_usable_locator"] == before + 1
    assert lab.ping(SITE1_RLOC, "192.168.1.1", SITE2_HOST, 99) == "."
    # SITE2 answers again: the next round's reply brings the locator back, and the data with it
    lab.drop_filter = None
    lab.advance(ROUND)
    loc = site2_locator(lab)
    assert loc.state == "up" and loc.probe_missed == 0 and site1.counters["rloc_probe_locator_up"] == 1
    assert loc.state_changes == 3 and "state change count: 3" in site1.show(
        "show lisp instance-id 0 ipv4 map-cache 192.168.2.0/24", lab.now)
    assert [s.dst for s in site1.forward(packet, lab.now)] == [(SITE2_RLOC, 4341)]
    assert lab.ping(SITE1_RLOC, "192.168.1.1", SITE2_HOST, 100) == "!"


def test_probing_is_off_by_default_and_follows_the_configuration():
    lab = Lab()
    assert ping_story(lab) == "..!!!"
    mark = lab.mark()
    lab.advance(5 * ROUND)
    assert probes(lab, mark) == [] and lab["SITE1"].itr.next_probe is None
    assert "RLOC-probe algorithm:                   disabled" in lab["SITE1"].show("show lisp service ipv4", lab.now)
    lab.apply(SITE1_RLOC, probing_site1())
    mark = lab.mark()
    lab.advance(ROUND)
    assert len(probes(lab, mark)) == 1
    lab.drop_filter = lambda send: send.dst == (SITE2_RLOC, 4342)
    mark = lab.mark()
    lab.advance(ROUND)  # one probe outstanding when probing is turned off: forgotten, no miss counted
    assert len(probes(lab, mark)) == 1
    lab.apply(SITE1_RLOC, probing_site1(on=False))
    mark = lab.mark()
    lab.advance(5 * ROUND)
    assert probes(lab, mark) == [] and site2_locator(lab).probe_missed == 0
    assert lab["SITE1"].counters["rloc_probe_unanswered"] == 0


def test_unsolicited_probe_replies_are_counted_and_ignored():
    lab = probing_lab()
    reply = MapReply(12345, (), probe=True).encode()
    lab.deliver(lab["SITE1"].receive(reply, (SITE2_RLOC, 4342), (SITE1_RLOC, 4342), lab.now))
    assert lab["SITE1"].counters["rloc_probe_reply_unsolicited"] == 1
    assert site2_locator(lab).state == "up"


def test_round_trip_time_in_the_operational_model():
    """Cisco-IOS-XE-lisp-oper ``map-cache-rloc/rloc-probe-rtt`` (milliseconds) once a probe is answered."""
    lab = probing_lab()
    site1 = lab["SITE1"]
    assert b"rloc-probe-rtt" not in etree.tostring(oper_xml(site1.oper_state(lab.now), SITE1_RLOC))
    lab.advance(ROUND)
    site2_locator(lab).probe_rtt = 0.0123  # as a reply 12.3 ms after its probe leaves it
    root = oper_xml(site1.oper_state(lab.now), SITE1_RLOC)
    assert root.xpath("//o:map-cache-rloc[o:address='%s']/o:rloc-probe-rtt/text()" % SITE2_RLOC, namespaces={"o": OPER_NS}) == ["12"]
    assert YANGCHECK.validate(root, yang_dir=str(SHARED.require("yang", "iosxe-1791"))) == []


def test_a_round_is_capped(monkeypatch):
    lab = probing_lab()
    site1 = lab["SITE1"]
    for third in range(10, 15):  # five more entries, one locator each
        prefix = parse_prefix("10.%d.0.0/16" % third, 0)
        site1.map_cache.add(MapCacheEntry(prefix, lab.now, None, None, locators=[CachedLocator("127.0.9.%d" % third, 1, 1)]))
    monkeypatch.setattr(itr_module, "PROBE_STATE_MAX", 3)
    mark = lab.mark()
    lab.advance(ROUND)
    sent = [s for s in lab.sent(after=mark, port=4342, src=SITE1_RLOC) if isinstance(control(s), MapRequest) and control(s).probe]
    assert len(sent) == 3 and site1.counters["rloc_probe_round_truncated"] == 1

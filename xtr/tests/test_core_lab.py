"""The default lab (MR_MS, SITE1, SITE2) wired together in memory, and the write-up's story.

``Lab`` delivers every ``Send`` to the router that owns ``dst[0]`` and runs a fake clock: time
only moves in ``advance``, which fires each router's timers in order. Other test modules import it.
"""

from __future__ import annotations

import collections
import random

import pytest

from lispxtr.config.model import (EidRecordCfg, Instance, InstanceService, LispConfig, LocatorEntry, LocatorSet,
                                  MapServerRef, RouterConfig, Service, Site)
from lispxtr.core import EchoReply, MapResolver, Router, Send
from lispxtr.wire import DataHeader, EncapsulatedControl, MapNotify, MapRegister, MapRequest, decode_control, verify

T0 = 1_750_000_000.0
MS_RLOC, SITE1_RLOC, SITE2_RLOC = "127.0.10.1", "127.0.1.1", "127.0.2.1"
SITE1_HOST, SITE2_HOST = "192.168.1.1", "192.168.2.1"
KEYS = {"SITE1": "SITE1-KEY", "SITE2": "SITE2-KEY"}


def ms_config(sites=None, proxy_reply_sites=()):
    sites = sites if sites is not None else {
        "SITE1": Site(description="Branch 1", auth_key=KEYS["SITE1"],
                      eid_records={(0, "192.168.1.0/24"): EidRecordCfg(accept_more_specifics=True)}),
        "SITE2": Site(description="Branch 2", auth_key=KEYS["SITE2"],
                      eid_records={(0, "192.168.2.0/24"): EidRecordCfg(accept_more_specifics=True)}),
    }
    return RouterConfig(hostname="MR_MS", lisp=LispConfig(
        services={"ipv4": Service(map_server=True, map_resolver=True)}, sites=sites))


def xtr_config(name, rloc, prefix, key, *, proxy_reply=False, hash_function=None, extra_db=None, petr=None, iid=0):
    db = {prefix: "RLOCS"}
    db.update(extra_db or {})
    return RouterConfig(hostname=name, lisp=LispConfig(
        locator_sets={"RLOCS": LocatorSet([LocatorEntry(address=rloc, priority=10, weight=50)])},
        services={"ipv4": Service(itr=True, map_resolvers=[MS_RLOC], etr=True,
                                  map_servers={MS_RLOC: MapServerRef(key=key, hash_function=hash_function,
                                                                     proxy_reply=proxy_reply)},
                                  use_petr=petr or {})},
        instances={iid: Instance({"ipv4": InstanceService(eid_table="default" if iid == 0 else "vrf BLUE",
                                                          database_mappings=db,
                                                          map_cache={"0.0.0.0/0": "map-request"})})}))


def site1_config(**kw):
    return xtr_config("SITE1", SITE1_RLOC, "192.168.1.0/24", KEYS["SITE1"], **kw)


def site2_config(**kw):
    return xtr_config("SITE2", SITE2_RLOC, "192.168.2.0/24", KEYS["SITE2"], **kw)


class Lab:
    """Routers by RLOC, a fake clock and an in-memory network."""

    def __init__(self, now=T0, configs=None, start=True):
        self.now = now
        self.routers: dict[str, Router] = {}
        self.wire_log: list[tuple[float, Send]] = []
        self.lost: list[Send] = []
        self.drop_filter = None  # callable(Send) -> True to lose the datagram
        self.add("MR_MS", MS_RLOC, [])
        self.add("SITE1", SITE1_RLOC, [SITE1_HOST])
        self.add("SITE2", SITE2_RLOC, [SITE2_HOST])
        if start:
            configs = configs or {MS_RLOC: ms_config(), SITE1_RLOC: site1_config(), SITE2_RLOC: site2_config()}
            for rloc in (MS_RLOC, SITE1_RLOC, SITE2_RLOC):
                self.apply(rloc, configs[rloc])

    def add(self, name, rloc, eids):
        self.routers[rloc] = Router(hostname=name, rloc=rloc, host_eids=eids, rng=random.Random(rloc))

    def __getitem__(self, name) -> Router:
        return {r.hostname: r for r in self.routers.values()}[name]

    def apply(self, rloc, config):
        self.deliver(self.routers[rloc].apply_config(config, self.now))

    def deliver(self, sends):
        queue = collections.deque(sends)
        while queue:
            send = queue.popleft()
            self.wire_log.append((self.now, send))
            router = self.routers.get(send.dst[0])
            if router is None or (self.drop_filter is not None and self.drop_filter(send)):
                self.lost.append(send)
                continue
            queue.extend(router.receive(send.data, send.src, send.dst, self.now))

    def advance(self, seconds):
        """Move the clock, firing every timer that falls due on the way, in time order."""
        end = self.now + seconds
        while True:
            due = [(t, rloc) for rloc, r in self.routers.items() if (t := r.next_timer()) is not None and t <= end]
            if not due:
                break
            when, rloc = min(due)
            self.now = max(self.now, when)
            self.deliver(self.routers[rloc].handle_timer(self.now))
        self.now = end

    def ping(self, src_rloc, src, dst, seq, ident=0x1234):
        router = self.routers[src_rloc]
        before = len(router.events)
        self.deliver(router.send_echo(src, dst, ident, seq, b"abcdefghijklmnopqrstuvwabcdefghi", self.now))
        got = [e for e in list(router.events)[before:] if isinstance(e, EchoReply) and e.seq == seq]
        return "!" if got else "."

    def mark(self) -> int:
        """Position in the wire log; ``sent(after=mark)`` lists what was sent since."""
        return len(self.wire_log)

    def sent(self, after=0, port=None, src=None, dst=None, kind=None):
        out = []
        for _at, s in self.wire_log[after:]:
            if (port is not None and s.dst[1] != port) or (src is not None and s.src[0] != src) \
                    or (dst is not None and s.dst[0] != dst) or (kind is not None and s.data[0] >> 4 != kind):
                continue
            out.append(s)
        return out


def ping_story(lab, count=5, dst=SITE2_HOST, start_seq=0):
    result = ""
    for seq in range(start_seq, start_seq + count):
        result += lab.ping(SITE1_RLOC, SITE1_HOST, dst, seq)
        lab.advance(2)
    return result


def control(send):
    return decode_control(send.data)


# -- registration ---------------------------------------------------------------------------

def test_both_sites_register_and_get_a_signed_map_notify():
    lab = Lab()
    ms = lab["MR_MS"]
    regs = lab.sent(kind=3)
    assert {s.src for s in regs} == {(SITE1_RLOC, 4342), (SITE2_RLOC, 4342)}
    assert all(s.dst == (MS_RLOC, 4342) for s in regs)
    for s in regs:
        msg = control(s)
        assert isinstance(msg, MapRegister) and msg.want_map_notify and not msg.proxy_reply
        assert msg.alg_id == 2 and msg.key_id == 0  # HMAC-SHA-256, Key ID 0 (WIRE-NOTES)
        assert msg.xtr_id == lab.routers[s.src[0]].xtr_id
        assert msg.records[0].authoritative and msg.records[0].ttl == 1440
        assert [(str(l.address), l.priority, l.weight, l.local) for l in msg.records[0].locators] == \
            [(s.src[0], 10, 50, True)]
    notifies = lab.sent(kind=4)
    assert {s.dst for s in notifies} == {(SITE1_RLOC, 4342), (SITE2_RLOC, 4342)}
    for s in notifies:
        msg = control(s)
        assert isinstance(msg, MapNotify)
        site_key = KEYS["SITE1" if s.dst[0] == SITE1_RLOC else "SITE2"]
        assert verify(s.data, site_key) and not verify(s.data, "wrong")
        reg = [control(r) for r in regs if r.src == s.dst][0]
        assert msg.nonce == reg.nonce
    state = ms.oper_state(lab.now)
    registered = {(r["site"], r["prefix"]): r for r in state["registrations"]}
    assert registered[("SITE1", "192.168.1.0/24")]["registered"]
    assert registered[("SITE1", "192.168.1.0/24")]["last_source"] == SITE1_RLOC
    assert registered[("SITE2", "192.168.2.0/24")]["hash_function"] == "sha2"
    for name in ("SITE1", "SITE2"):
        etr = lab[name].etr
        assert etr.map_servers[MS_RLOC].last_notify == lab.now
        assert etr.map_servers[MS_RLOC].outstanding is None


def test_sites_keep_registered_by_reregistering_every_60_seconds():
    lab = Lab()
    lab.advance(3600)
    regs = lab.sent(kind=3, src=SITE1_RLOC)
    times = [at for at, s in lab.wire_log if s in regs]
    assert len(regs) == 61  # t=0 and every 60 s for an hour
    assert all(b - a == pytest.approx(60.0) for a, b in zip(times, times[1:]))
    assert all(r["registered"] for r in lab["MR_MS"].oper_state(lab.now)["registrations"])
    nonces = [control(s).nonce for s in regs]
    assert nonces == sorted(set(nonces))  # RFC 9301 §5.6: strictly increasing


# -- the write-up's story -------------------------------------------------------------------

def test_ping_story_first_two_lost_then_all_succeed():
    lab = Lab()
    assert ping_story(lab) == "..!!!"
    assert ping_story(lab, start_seq=5) == "!!!!!"
    s1, s2 = lab["SITE1"], lab["SITE2"]
    assert s1.counters["itr_drop_map_cache_miss"] == 1  # echo 1 dropped at SITE1 while resolving
    assert s2.counters["itr_drop_map_cache_miss"] == 1  # reply to echo 2 dropped at SITE2
    assert s2.counters["echo_request_in"] == 9
    assert [e.seq for e in s1.events] == list(range(2, 10))
    data = lab.sent(port=4341)
    assert data and all(s.src[1] >= 49152 and s.dst[1] == 4341 for s in data)


def test_resolution_goes_itr_mr_ms_etr_and_the_etr_answers_directly():
    lab = Lab()
    t = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    ecm = lab.sent(after=t, kind=8)
    # ITR -> MR (ECM, from a random source port: RFC 9301 §5.8), then MS -> SITE2's ETR (the same
    # ECM, RFC 9301 §8.3)
    assert [(s.src[0], s.dst) for s in ecm] == [(SITE1_RLOC, (MS_RLOC, 4342)), (MS_RLOC, (SITE2_RLOC, 4342))]
    assert 49152 <= ecm[0].src[1] <= 65535 and ecm[1].src[1] == 4342
    assert ecm[0].data == ecm[1].data
    src_ip, dst_ip, sport, dport, inner = EncapsulatedControl.decode(ecm[0].data).unwrap()
    request = decode_control(inner)
    assert (src_ip, dst_ip, sport, dport) == (SITE1_RLOC, SITE2_HOST, 4342, 4342)
    assert isinstance(request, MapRequest) and str(request.eid_records[0][0]) == SITE2_HOST
    assert [str(r) for r in request.itr_rlocs] == [SITE1_RLOC]
    replies = lab.sent(after=t, kind=2)
    assert [(s.src, s.dst) for s in replies] == [((SITE2_RLOC, 4342), (SITE1_RLOC, 4342))]
    reply = control(replies[0])
    assert reply.nonce == request.nonce
    assert reply.records[0].authoritative and reply.records[0].mask_len == 24
    entry = lab["SITE1"].oper_state(lab.now)["map_cache"]
    positive = [e for e in entry if e["prefix"] == "192.168.2.0/24"][0]
    assert positive["authoritative"] and positive["ttl_s"] == 86400 and not positive["negative"]
    assert positive["locators"] == [{"address": SITE2_RLOC, "state": "up", "priority": 10, "weight": 50,
                                     "since": lab.now, "probe_rtt": None}]


def test_proxy_reply_is_answered_by_the_map_server():
    lab = Lab(configs={MS_RLOC: ms_config(), SITE1_RLOC: site1_config(), SITE2_RLOC: site2_config(proxy_reply=True)})
    t = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 0)
    assert [s.dst for s in lab.sent(after=t, kind=8)] == [(MS_RLOC, 4342)]  # not forwarded to SITE2
    replies = lab.sent(after=t, kind=2)
    assert [(s.src, s.dst) for s in replies] == [((MS_RLOC, 4342), (SITE1_RLOC, 4342))]
    record = control(replies[0]).records[0]
    assert not record.authoritative and [str(l.address) for l in record.locators] == [SITE2_RLOC]
    assert lab["MR_MS"].counters["map_reply_proxy"] == 1
    assert lab["SITE2"].counters["etr_map_reply_out"] == 0
    assert "proxy-reply, map-notify" in lab["MR_MS"].show("show lisp site detail", lab.now)


def test_non_eid_gets_15_minute_negative_for_the_largest_clean_prefix():
    lab = Lab()
    t = lab.mark()
    assert lab.ping(SITE1_RLOC, SITE1_HOST, "10.1.1.1", 0) == "."
    reply = control(lab.sent(after=t, kind=2)[0])
    record = reply.records[0]
    assert (str(record.eid), record.mask_len, record.ttl, record.action, record.locators) == ("0.0.0.0", 1, 15, 1, ())
    # a destination next to a configured prefix gets a narrower hole
    t = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.4.1", 1)
    record = control(lab.sent(after=t, kind=2)[0]).records[0]
    assert (str(record.eid), record.mask_len) == ("192.168.4.0", 22)  # the /21 would hold 192.168.1.0/24
    t = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.3.1", 1)
    record = control(lab.sent(after=t, kind=2)[0]).records[0]
    assert (str(record.eid), record.mask_len) == ("192.168.3.0", 24)  # the /23 would hold 192.168.2.0/24
    cache = {e["prefix"]: e for e in lab["SITE1"].oper_state(lab.now)["map_cache"]}
    assert cache["0.0.0.0/1"]["action"] == "forward-native" and cache["0.0.0.0/1"]["negative"]
    assert cache["0.0.0.0/1"]["ttl_s"] == 900
    assert cache["0.0.0.0/1"]["expires"] == cache["0.0.0.0/1"]["created"] + 900
    # a second ping to the hole: no new Map-Request, counted as natively forwarded
    t = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, "10.9.9.9", 2)
    assert lab.sent(after=t, kind=8) == []
    assert lab["SITE1"].counters["itr_forward_native"] == 1


def test_configured_but_unregistered_eid_gets_1_minute_negative():
    sites = {
        "SITE1": ms_config().lisp.sites["SITE1"],
        "SITE2": ms_config().lisp.sites["SITE2"],
        "SITE3": Site(auth_key="SITE3-KEY", eid_records={(0, "192.168.3.0/24"): EidRecordCfg()}),
    }
    lab = Lab(configs={MS_RLOC: ms_config(sites), SITE1_RLOC: site1_config(), SITE2_RLOC: site2_config()})
    t = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.3.7", 0)
    record = control(lab.sent(after=t, kind=2)[0]).records[0]
    assert (str(record.eid), record.mask_len, record.ttl, record.action) == ("192.168.3.0", 24, 1, 1)


def test_oper_state_shape():
    lab = Lab()
    ping_story(lab)
    s1 = lab["SITE1"].oper_state(lab.now)
    assert set(s1) == {"roles", "map_cache", "database", "registrations", "sites", "sessions", "counters"}
    assert s1["roles"] == {(0, "ipv4"): {"is_itr": True, "is_etr": True, "is_ms": False, "is_mr": False,
                                         "is_pitr": False, "is_petr": False}}
    static = [e for e in s1["map_cache"] if e["prefix"] == "0.0.0.0/0"][0]
    assert static["via"] == "static" and static["expires"] is None and static["action"] == "send-map-request"
    assert s1["database"] == [{"iid": 0, "afi": "ipv4", "prefix": "192.168.1.0/24", "locator_set": "RLOCS",
                               "created": s1["database"][0]["created"],
                               "locators": [{"address": SITE1_RLOC, "priority": 10, "weight": 50, "state": "up",
                                             "local": True}],
                               "map_servers": [{"address": MS_RLOC, "registered": True,
                                                "last_notify": s1["database"][0]["map_servers"][0]["last_notify"]}]}]
    assert {(s["peer"], s["state"]) for s in s1["sessions"]} >= {(MS_RLOC, "up")}
    ms = lab["MR_MS"].oper_state(lab.now)
    assert ms["roles"][(0, "ipv4")]["is_ms"] and ms["roles"][(0, "ipv4")]["is_mr"]
    assert [s["name"] for s in ms["sites"]] == ["SITE1", "SITE2"]
    assert all(s["registered"] and s["auth_failures"] == 0 for s in ms["sites"])
    reg = ms["registrations"][0]
    assert set(reg) == {"iid", "afi", "prefix", "site", "registered", "first_registered", "last_registered",
                        "last_source", "ttl_s", "proxy_reply", "want_map_notify", "auth_failures",
                        "allowed_locator_mismatches", "xtr_id", "site_id", "hash_function", "locators"}
    assert reg["ttl_s"] == 86400 and reg["want_map_notify"] and reg["xtr_id"] == lab["SITE1"].xtr_id.hex()


def test_receive_never_raises_on_garbage():
    lab = Lab()
    rng = random.Random(7)
    for router in lab.routers.values():
        for _unused in range(300):
            data = bytes(rng.getrandbits(8) for _unused in range(rng.randrange(0, 80)))
            for port in (4341, 4342):
                assert router.receive(data, ("127.0.99.1", 4342), (router.rloc, port), lab.now) == []
        assert router.counters["malformed_dropped"] > 0
        assert router.counters["internal_errors"] == 0
    assert ping_story(lab) == "..!!!"


def test_clear_map_cache_keeps_static_entries_and_resolves_again():
    lab = Lab()
    ping_story(lab)
    s1 = lab["SITE1"]
    s1.clear_map_cache(0)
    assert [e["prefix"] for e in s1.oper_state(lab.now)["map_cache"]] == ["0.0.0.0/0"]
    assert ping_story(lab, 3, start_seq=10) == ".!!"


def test_story_in_instance_id_4100():
    sites = {name: Site(auth_key=KEYS[name], eid_records={(4100, prefix): EidRecordCfg(True)})
             for name, prefix in (("SITE1", "192.168.1.0/24"), ("SITE2", "192.168.2.0/24"))}
    lab = Lab(configs={MS_RLOC: ms_config(sites), SITE1_RLOC: site1_config(iid=4100),
                       SITE2_RLOC: site2_config(iid=4100)})
    mark = lab.mark()
    assert ping_story(lab) == "..!!!"
    request = decode_control(EncapsulatedControl.decode(lab.sent(after=mark, kind=8)[0].data).unwrap()[4])
    eid = request.eid_records[0][0]
    assert (eid.iid, str(eid.address)) == (4100, SITE2_HOST)  # RFC 8060 instance-id LCAF
    data = [DataHeader.decode(s.data) for s in lab.sent(after=mark, port=4341)]
    assert data and {d.instance_id for d in data} == {4100}  # RFC 9300 §5.3 I bit
    text = lab["SITE1"].show("show lisp instance-id 4100 ipv4 map-cache", lab.now)
    assert "LISP IPv4 Mapping Cache for LISP 0 EID-table vrf BLUE (IID 4100), 2 entries" in text
    assert "192.168.2.0/24, uptime" in text
    assert lab["SITE1"].show("show lisp eid-table vrf BLUE ipv4 map-cache", lab.now) == text
    site = lab["MR_MS"].show("show lisp site", lab.now)
    assert "SITE1          00:00:10  yes    127.0.1.1:4342       4100     192.168.1.0/24" in site


def test_data_source_port_follows_the_flow():
    lab = Lab()
    ping_story(lab)
    ports = {s.src[1] for s in lab.sent(port=4341, src=SITE1_RLOC)}
    assert len(ports) == 1 and 49152 <= ports.pop() <= 65535  # one flow, one port (RFC 9300 §5.3)


def test_map_resolver_without_map_server_forwards_to_the_configured_one():
    mr = MapResolver("127.0.20.1", None, ("127.0.10.1",))
    out = mr.handle_request(object(), b"ecm-bytes", 4342, 0.0)
    assert out == [Send(b"ecm-bytes", ("127.0.20.1", 4342), ("127.0.10.1", 4342))]
    assert MapResolver("127.0.20.1").handle_request(object(), b"x", 4342, 0.0) == []

"""A mapping system of two Map-Server/Map-Resolvers (RFC 9301 §8.2-§8.4) in memory, with the
fake clock of ``test_core_lab.Lab``: the ETRs register to both, the ITRs use both resolvers and
fail over when one stops answering (RFC 9301 §5.3 retransmission), and a Map-Server that comes back
is registered with again within one registration period (RFC 9301 §8.2)."""

from __future__ import annotations

from lispxtr.config.model import (EidRecordCfg, Instance, InstanceService, LispConfig, LocatorEntry, LocatorSet,
                                  MapServerRef, RouterConfig, Service, Site)
from lispxtr.core.etr import REGISTER_INTERVAL
from lispxtr.core.itr import MR_HOLD_DOWN
from lispxtr.wire import MapNotify, decode_control

from .test_core_lab import KEYS, SITE1_HOST, SITE1_RLOC, SITE2_HOST, SITE2_RLOC, Lab

MS1, MS2 = "127.0.10.1", "127.0.10.2"


def ms(name):
    sites = {"SITE1": Site(auth_key=KEYS["SITE1"], eid_records={(0, "192.168.1.0/24"): EidRecordCfg(True)}),
             "SITE2": Site(auth_key=KEYS["SITE2"], eid_records={(0, "192.168.2.0/24"): EidRecordCfg(True)})}
    return RouterConfig(hostname=name, lisp=LispConfig(
        services={"ipv4": Service(map_server=True, map_resolver=True)}, sites=sites))


def xtr(name, rloc, prefix, key, resolvers=(MS1, MS2)):
    return RouterConfig(hostname=name, lisp=LispConfig(
        locator_sets={"RLOCS": LocatorSet([LocatorEntry(address=rloc, priority=10, weight=50)])},
        services={"ipv4": Service(itr=True, map_resolvers=list(resolvers), etr=True,
                                  map_servers={a: MapServerRef(key=key) for a in (MS1, MS2)})},
        instances={0: Instance({"ipv4": InstanceService(eid_table="default", database_mappings={prefix: "RLOCS"},
                                                        map_cache={"0.0.0.0/0": "map-request"})})}))


class DualLab(Lab):
    """MS1 and MS2 (both Map-Server and Map-Resolver), SITE1 and SITE2 registering to both. A
    Map-Server is "killed" by losing every datagram to it (it answers nothing)."""

    def __init__(self):
        super().__init__(start=False)
        del self.routers["127.0.10.1"]
        self.add("MS1", MS1, [])
        self.add("MS2", MS2, [])
        self.dead: set[str] = set()
        self.drop_filter = lambda send: send.dst[0] in self.dead
        self.apply(MS1, ms("MS1"))
        self.apply(MS2, ms("MS2"))
        self.apply(SITE1_RLOC, xtr("SITE1", SITE1_RLOC, "192.168.1.0/24", KEYS["SITE1"]))
        self.apply(SITE2_RLOC, xtr("SITE2", SITE2_RLOC, "192.168.2.0/24", KEYS["SITE2"]))

    def registered(self, ms_rloc):
        return sorted(str(reg.prefix) for _site, reg in self.routers[ms_rloc].map_server.registrations() if reg.etrs)

    def ping_until(self, seconds, dst=SITE2_HOST):
        """Ping once a second; the number of echoes until the first reply (None: none came)."""
        for seq in range(int(seconds)):
            if self.ping(SITE1_RLOC, SITE1_HOST, dst, seq) == "!":
                return seq
            self.advance(1)
        return None


def test_etrs_register_to_both_map_servers_and_each_answers_with_a_map_notify():
    lab = DualLab()
    for rloc in (MS1, MS2):
        assert len(lab.registered(rloc)) == 2
        notifies = [s for s in lab.sent(src=rloc, kind=4)]
        assert {s.dst[0] for s in notifies} == {SITE1_RLOC, SITE2_RLOC}
        assert all(isinstance(decode_control(s.data), MapNotify) for s in notifies)
    peers = lab["SITE1"].etr.map_servers
    assert {a: p.notifies_in for a, p in peers.items()} == {MS1: 1, MS2: 1}


def test_itr_uses_the_first_resolver_while_it_answers():
    lab = DualLab()
    mark = lab.mark()
    assert lab.ping_until(5) is not None
    ecm = lab.sent(after=mark, src=SITE1_RLOC, port=4342, kind=8)
    assert ecm and {s.dst[0] for s in ecm} == {MS1}
    assert lab["SITE1"].itr.resolver_in_use(lab.now) == MS1


def test_itr_fails_over_to_the_second_resolver_when_the_first_stops_answering():
    lab = DualLab()
    lab.dead.add(MS1)  # kill -9 of MS1: nothing it would have answered arrives
    mark = lab.mark()
    first = lab.ping_until(10)
    assert first is not None  # the new EID resolved through MS2
    ecm = lab.sent(after=mark, src=SITE1_RLOC, port=4342, kind=8)
    # RFC 9301 §5.3: the request to MS1, unanswered, is retransmitted (same nonce) to MS2
    assert [s.dst[0] for s in ecm[:2]] == [MS1, MS2]
    nonces = {decode_control(decode_control(s.data).unwrap()[4]).nonce for s in ecm[:2]}
    assert len(nonces) == 1
    itr = lab["SITE1"].itr
    assert itr.counters["map_resolver_failover"] == 1
    assert MS1 in itr.resolver_down and itr.resolver_in_use(lab.now) == MS2
    # the next new EID goes straight to MS2 while MS1 is held down
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.7.77", 100)
    assert [s.dst[0] for s in lab.sent(after=mark, src=SITE1_RLOC, port=4342, kind=8)] == [MS2]


def test_a_held_down_resolver_is_used_again_after_the_hold_down():
    lab = DualLab()
    lab.dead.add(MS1)
    assert lab.ping_until(10) is not None
    lab.dead.clear()  # MS1 comes back (and the ETRs register with it again, see below)
    lab.advance(MR_HOLD_DOWN)
    itr = lab["SITE1"].itr
    assert itr.resolver_in_use(lab.now) == MS1
    mark = lab.mark()
    lab.ping(SITE1_RLOC, SITE1_HOST, "192.168.7.78", 200)
    lab.advance(1)
    assert [s.dst[0] for s in lab.sent(after=mark, src=SITE1_RLOC, port=4342, kind=8)] == [MS1]
    assert MS1 not in itr.resolver_down  # it answered (a negative Map-Reply: not an EID, RFC 9301 §8.4)


def test_with_both_resolvers_down_the_itr_keeps_trying_them_in_turn():
    lab = DualLab()
    lab.dead.update((MS1, MS2))
    mark = lab.mark()
    assert lab.ping_until(8) is None
    targets = [s.dst[0] for s in lab.sent(after=mark, src=SITE1_RLOC, port=4342, kind=8)]
    assert targets[:4] == [MS1, MS2, MS1, MS2]


def test_one_resolver_is_never_held_down():
    lab = DualLab()
    lab.apply(SITE1_RLOC, xtr("SITE1", SITE1_RLOC, "192.168.1.0/24", KEYS["SITE1"], resolvers=(MS1,)))
    lab.dead.add(MS1)
    mark = lab.mark()
    lab.ping_until(4)
    assert {s.dst[0] for s in lab.sent(after=mark, src=SITE1_RLOC, port=4342, kind=8)} == {MS1}
    assert not lab["SITE1"].itr.resolver_down


def test_killing_one_map_server_loses_no_registration_and_a_restarted_one_converges_within_a_period():
    lab = DualLab()
    lab.dead.add(MS1)
    lab.advance(400)  # well past the 180 s registration time-out (RFC 9301 §8.2)
    assert len(lab.registered(MS2)) == 2
    assert lab.ping_until(10) is not None  # resolution and data through MS2 only
    # MS1 restarts with no state: a fresh process, the same configuration
    lab.add("MS1", MS1, [])
    lab.apply(MS1, ms("MS1"))
    lab.dead.clear()
    assert lab.registered(MS1) == []
    back = lab.now
    while not len(lab.registered(MS1)) == 2:
        lab.advance(1)
        assert lab.now - back <= REGISTER_INTERVAL  # the ETRs' back-off never exceeds one period
    assert len(lab.registered(MS2)) == 2

"""A mapping system of two Map-Server/Map-Resolvers (RFC 9301 §8.2-§8.4) in memory, with the
fake clock of ``test_core_lab.Lab``: the ETRs register to both, the ITRs use both resolvers and
fail over when one stops answering (RFC 9301 §5.3 retransmission), and a Map-Server that comes back
is registered with again within one registration period (RFC 9301 §8.2)."""

from __future__ import annotations

import re

import pytest

from lispxtr.config.model import (EidRecordCfg, Instance, InstanceService, LispConfig, LocatorEntry, LocatorSet,
                                  MapServerRef, RouterConfig, Service, Site)
from lispxtr.core import packets
from lispxtr.core.etr import REGISTER_INTERVAL
from lispxtr.core.itr import MR_HOLD_DOWN
from lispxtr.wire import DataHeader, EncapsulatedControl, MapNotify, decode_control

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
        notifies = lab.sent(src=rloc, kind=4)
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
    assert lab["SITE1"].oper_state(lab.now)["counters"]["map_resolver_timeout"] == 1  # NETCONF oper data too
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


# -- two tenants with the same EID-prefixes (instance-ids bound to VRFs) --------------------------

TENANTS = {"A": 4100, "B": 4200}
SITE3_RLOC, SITE4_RLOC = "127.0.3.1", "127.0.4.1"


def tenant_ms():
    sites = {}
    for tenant, iid in TENANTS.items():
        for n, prefix in ((1, "192.168.1.0/24"), (2, "192.168.2.0/24")):
            sites["%s-SITE%d" % (tenant, n)] = Site(auth_key="%s-SITE%d-KEY" % (tenant, n),
                                                    eid_records={(iid, prefix): EidRecordCfg(True)})
    return RouterConfig(hostname="MS", lisp=LispConfig(
        services={"ipv4": Service(map_server=True, map_resolver=True)}, sites=sites))


def tenant_xtr(name, rloc, tenant, n):
    prefix = "192.168.%d.0/24" % n
    return RouterConfig(hostname=name, lisp=LispConfig(
        locator_sets={"RLOCS": LocatorSet([LocatorEntry(address=rloc, priority=10, weight=50)])},
        services={"ipv4": Service(itr=True, map_resolvers=[MS1], etr=True,
                                  map_servers={MS1: MapServerRef(key="%s-SITE%d-KEY" % (tenant, n))})},
        instances={TENANTS[tenant]: Instance({"ipv4": InstanceService(
            eid_table="vrf " + tenant, database_mappings={prefix: "RLOCS"}, map_cache={"0.0.0.0/0": "map-request"})})}))


class TenantLab(Lab):
    """One MS/MR; tenant A (IID 4100, vrf A) on SITE1 and SITE2, tenant B (IID 4200, vrf B) on SITE3
    and SITE4, with the same EID-prefixes and the same host addresses (192.168.1.1, 192.168.2.1)."""

    XTRS = (("SITE1", SITE1_RLOC, "A", 1), ("SITE2", SITE2_RLOC, "A", 2), ("SITE3", SITE3_RLOC, "B", 1),
            ("SITE4", SITE4_RLOC, "B", 2))

    def __init__(self, skip=()):
        super().__init__(start=False)
        self.routers.clear()
        self.add("MS", MS1, [])
        self.apply(MS1, tenant_ms())
        for name, rloc, tenant, n in self.XTRS:
            self.add(name, rloc, ["192.168.%d.1" % n])
            if name not in skip:
                self.apply(rloc, tenant_xtr(name, rloc, tenant, n))

    def story(self, src_rloc, count=5):
        result = ""
        for seq in range(count):
            result += self.ping(src_rloc, SITE1_HOST, SITE2_HOST, seq)
            self.advance(2)
        return result


def test_two_tenants_with_the_same_eids_register_per_instance_on_the_map_server():
    lab = TenantLab()
    regs = sorted((site.name, reg.prefix.iid, str(reg.prefix)) for site, reg in lab["MS"].map_server.registrations())
    assert [(name, iid) for name, iid, _p in regs] == [("A-SITE1", 4100), ("A-SITE2", 4100), ("B-SITE1", 4200), ("B-SITE2", 4200)]
    text = lab["MS"].show("show lisp site", lab.now)
    for name, iid, prefix in (("A-SITE1", 4100, "192.168.1.0/24"), ("B-SITE1", 4200, "192.168.1.0/24")):
        assert re.search(r"^%s\s+\S+\s+yes\s+\S+\s+%d\s+%s" % (name, iid, re.escape(prefix)), text, re.M), text


def test_each_tenant_reaches_its_own_host_with_the_same_address_and_never_the_other():
    lab = TenantLab()
    mark = lab.mark()
    assert lab.story(SITE1_RLOC) == "..!!!"  # tenant A: SITE1's host to SITE2's 192.168.2.1
    a_data = lab.sent(after=mark, port=4341)
    assert {s.dst[0] for s in a_data} == {SITE1_RLOC, SITE2_RLOC}  # nothing to tenant B's SITE4
    assert {DataHeader.decode(s.data).instance_id for s in a_data} == {4100}  # RFC 9300 §5.3 I bit
    requests = [decode_control(EncapsulatedControl.decode(s.data).unwrap()[4]) for s in lab.sent(after=mark, port=4342, kind=8)]
    assert requests and {r.eid_records[0][0].iid for r in requests} == {4100}  # RFC 8060 §4.1 LCAF
    mark = lab.mark()
    assert lab.story(SITE3_RLOC) == "..!!!"  # tenant B, the same addresses
    b_data = lab.sent(after=mark, port=4341)
    assert {s.dst[0] for s in b_data} == {SITE3_RLOC, SITE4_RLOC}
    assert {DataHeader.decode(s.data).instance_id for s in b_data} == {4200}
    # echo 1 is lost to SITE1's miss; 2-5 reach each tenant's own 192.168.2.1 (2's reply lost to the far miss)
    assert lab["SITE2"].counters["echo_request_in"] == 4 and lab["SITE4"].counters["echo_request_in"] == 4
    cache_a = lab["SITE1"].show("show lisp eid-table vrf A ipv4 map-cache", lab.now)
    assert "192.168.2.0/24, uptime" in cache_a and SITE2_RLOC in cache_a and SITE4_RLOC not in cache_a
    cache_b = lab["SITE3"].show("show lisp instance-id 4200 ipv4 map-cache", lab.now)
    assert "192.168.2.0/24, uptime" in cache_b and SITE4_RLOC in cache_b and SITE2_RLOC not in cache_b


def test_a_tenant_whose_site_is_down_never_gets_the_other_tenants_locators():
    lab = TenantLab(skip=("SITE2",))  # tenant A's 192.168.2.0/24 is configured but not registered
    mark = lab.mark()
    assert lab.story(SITE1_RLOC) == "....."
    assert not lab.sent(after=mark, port=4341, dst=SITE4_RLOC)
    replies = [decode_control(s.data) for s in lab.sent(after=mark, port=4342, dst=SITE1_RLOC, kind=2)]
    # RFC 9301 §8.3: configured, nobody registered: a negative Map-Reply in tenant A's instance
    assert replies and all(not r.records[0].locators and r.records[0].eid.iid == 4100 for r in replies)


# -- both tenants on the same xTRs: one emulated host per VRF with the same address ----------------

def shared_ms(b_sites=("SITE1", "SITE2")):
    sites = {}
    for name, prefix in (("SITE1", "192.168.1.0/24"), ("SITE2", "192.168.2.0/24")):
        records = {(4100, prefix): EidRecordCfg(True)}
        if name in b_sites:
            records[(4200, prefix)] = EidRecordCfg(True)
        sites[name] = Site(auth_key=KEYS[name], eid_records=records)
    return RouterConfig(hostname="MS", lisp=LispConfig(
        services={"ipv4": Service(map_server=True, map_resolver=True)}, sites=sites))


def shared_xtr(name, rloc, prefix, tenants=("A", "B")):
    return RouterConfig(hostname=name, lisp=LispConfig(
        locator_sets={"RLOCS": LocatorSet([LocatorEntry(address=rloc, priority=10, weight=50)])},
        services={"ipv4": Service(itr=True, map_resolvers=[MS1], etr=True, map_servers={MS1: MapServerRef(key=KEYS[name])})},
        instances={TENANTS[t]: Instance({"ipv4": InstanceService(
            eid_table="vrf " + t, database_mappings={prefix: "RLOCS"}, map_cache={"0.0.0.0/0": "map-request"})})
            for t in tenants}))


class SharedLab(Lab):
    """SITE1 and SITE2 each serve tenants A (IID 4100) and B (IID 4200) with the same EID-prefix,
    and each has a host 192.168.N.1 in both VRFs."""

    def __init__(self, site2_tenants=("A", "B")):
        super().__init__(start=False)
        del self.routers["127.0.10.1"]
        self.add("MS", MS1, [])
        self.apply(MS1, shared_ms())
        self.apply(SITE1_RLOC, shared_xtr("SITE1", SITE1_RLOC, "192.168.1.0/24"))
        self.apply(SITE2_RLOC, shared_xtr("SITE2", SITE2_RLOC, "192.168.2.0/24", site2_tenants))

    def vrf_story(self, iid, count=5):
        router = self.routers[SITE1_RLOC]
        result = ""
        for seq in range(count):
            before = len(router.events)
            self.deliver(router.send_echo(SITE1_HOST, SITE2_HOST, iid, seq, b"tenant", self.now, iid=iid))
            result += "!" if any(e.seq == seq and e.ident == iid for e in list(router.events)[before:]) else "."
            self.advance(2)
        return result


def test_one_xtr_pair_serves_two_tenants_with_the_same_host_address():
    lab = SharedLab()
    site1 = lab["SITE1"]
    assert site1.host_instances[SITE1_HOST] == {4100, 4200}
    for iid in (4100, 4200):
        mark = lab.mark()
        assert lab.vrf_story(iid) == "..!!!"
        data = lab.sent(after=mark, port=4341)
        assert data and {DataHeader.decode(s.data).instance_id for s in data} == {iid}  # RFC 9300 §5.3
    for vrf, iid in (("A", 4100), ("B", 4200)):
        cache = site1.show("show lisp eid-table vrf %s ipv4 map-cache" % vrf, lab.now)
        assert "(IID %d), 2 entries" % iid in cache and "192.168.2.0/24, uptime" in cache
    site = lab["MS"].show("show lisp site", lab.now)
    # IOS-XE prints the site name on its first row only
    assert re.search(r"^SITE2\s+\S+\s+yes\s+\S+\s+4100\s+192\.168\.2\.0/24\n\s+\S+\s+yes\s+\S+\s+4200\s+192\.168\.2\.0/24$",
                     site, re.M), site
    # the default instance is the first VRF (4100) when none is named
    assert lab.ping(SITE1_RLOC, SITE1_HOST, SITE2_HOST, 99) == "!"


def test_a_tenant_without_the_host_on_the_far_xtr_never_reaches_the_other_tenants_host():
    lab = SharedLab(site2_tenants=("A",))  # SITE2 serves tenant A only: B's 192.168.2.1 is not there
    assert lab["SITE2"].host_instances[SITE2_HOST] == {4100}
    assert lab.vrf_story(4200) == "....."
    assert lab.vrf_story(4100) == "..!!!"
    # a data packet of tenant B to SITE2's tenant-A host is not taken by it (RFC 9300 §5.3 instance-id)
    site2 = lab["SITE2"]
    before = site2.counters["echo_request_in"]
    echo = packets.echo(SITE1_HOST, SITE2_HOST, "request", 7, 7, b"cross")
    data = DataHeader(nonce=1, instance_id=4200, payload=echo).encode()
    for fast in (True, False):
        site2.data_fast_path = fast
        assert site2.receive(data, (SITE1_RLOC, 50000), (SITE2_RLOC, 4341), lab.now) == []
    assert site2.counters["echo_request_in"] == before
    assert site2.counters["data_not_for_us_dropped"] >= 2


def test_send_echo_refuses_an_instance_the_host_is_not_in():
    lab = SharedLab(site2_tenants=("A",))
    with pytest.raises(ValueError, match="not an EID of a host in instance-id 4200"):
        lab["SITE2"].send_echo(SITE2_HOST, SITE1_HOST, 1, 1, b"", lab.now, iid=4200)

"""Robustness: faults in a running lab of real ``lisp-xtr run`` processes.

- ``kill -9`` of MR_MS during traffic: after a restart from the startup-config saved with ``write
  memory``, both sites are registered again within one registration period (60 s, RFC 9301 §8.2)
  and an ITR resolves through it again.
- An ETR that vanishes: its registration (record TTL 1 minute) expires on time at the Map-Server,
  and the ITR's map-cache entry learnt from it ages out with its TTL (RFC 9301 §5.4).
- A Map-Resolver that never answers: the ITR retransmits the Map-Request with the same nonce,
  waiting 1 s and then twice as long each time (RFC 9301 §5.3), seen on the wire.
"""

from __future__ import annotations

import re
import time

from lispxtr.wire import EidRecord, Ipv4, Locator, MapRegister, decode_control, sign

from .test_robust_fuzz import (RouterProcess, ask, cli, free_subnet, ms_config, udp_socket, xtr_config)

REGISTER_PERIOD = 60.0  # RFC 9301 §8.2


def _lab(tmp_path, base):
    ms, site1, site2 = base + ".1", base + ".2", base + ".3"
    # MR_MS boots with credentials only: its LISP configuration is typed at the CLI and saved
    mr_ms = RouterProcess(tmp_path, "MR_MS", ms, ms_config("MR_MS", []))
    sites = [RouterProcess(tmp_path, "SITE1", site1, xtr_config("SITE1", site1, "192.168.1.0/24", ms, "SITE1-KEY"),
                           host_eids=["192.168.1.1"]),
             RouterProcess(tmp_path, "SITE2", site2, xtr_config("SITE2", site2, "192.168.2.0/24", ms, "SITE2-KEY"),
                           host_eids=["192.168.2.1"])]
    return mr_ms, sites


def _wait_registered(sock, ms, eids, timeout):
    """Ask ``ms`` for each EID until each gets a positive Map-Reply (from its ETR: the MS forwards
    the request to a registered ETR, RFC 9301 §8.3); return the seconds it took, or None."""
    start = time.monotonic()
    pending = set(eids)
    nonce = int(time.time() * 1000) << 8
    while pending and time.monotonic() - start < timeout:
        for eid in sorted(pending):
            nonce += 1
            reply = ask(sock, ms, eid, nonce, timeout=0.5)
            if reply is not None and decode_control(reply[0]).records[0].locators:
                pending.discard(eid)
        if pending:
            time.sleep(0.5)
    return None if pending else time.monotonic() - start


def test_kill_9_of_the_map_server_and_restart_from_saved_config(tmp_path):
    base = free_subnet(71, hosts=(1, 2, 3, 9))
    mr_ms, sites = _lab(tmp_path, base)
    ms = mr_ms.address
    sock = udp_socket(base + ".9")
    try:
        mr_ms.start()
        out = cli(ms, ["configure terminal", "router lisp", " service ipv4", "  map-server", "  map-resolver",
                       "  exit-service-ipv4", " site SITE1", "  authentication-key 0 SITE1-KEY",
                       "  eid-record 192.168.1.0/24 accept-more-specifics", "  exit-site", " site SITE2",
                       "  authentication-key 0 SITE2-KEY", "  eid-record 192.168.2.0/24 accept-more-specifics",
                       "  exit-site", " exit-router-lisp", "end", "write memory"])
        assert "[OK]" in out and "%" not in out, out
        for site in sites:
            site.start()
        assert _wait_registered(sock, ms, ["192.168.1.1", "192.168.2.1"], 30) is not None
        ping = cli(sites[0].address, ["ping 192.168.2.1 source 192.168.1.1 repeat 5"])
        assert re.search(r"Success rate is [1-9]\d* percent", ping), ping

        # traffic during the kill: ITR requests keep arriving while the MS is gone
        for k in range(20):
            ask(sock, ms, "192.168.2.1", 0xA000 + k, timeout=0.05)
        mr_ms.kill9()
        assert ask(sock, ms, "192.168.2.1", 0xB000, timeout=1.0) is None  # really gone
        mr_ms.start()
        took = _wait_registered(sock, ms, ["192.168.1.1", "192.168.2.1"], REGISTER_PERIOD + 15)
        assert took is not None, "sites not registered again; MS log:\n%s" % mr_ms.log()[-2000:]
        print("both sites registered again %s s after the restart" % round(took, 1))
        assert "site SITE1" in cli(ms, ["show running-config | section router lisp"])

        # the ITR's map-cache recovers through the restarted Map-Resolver
        out = cli(sites[0].address, ["clear ip lisp map-cache", "ping 192.168.2.1 source 192.168.1.1 repeat 5",
                                     "show ip lisp map-cache"])
        assert re.search(r"Success rate is [1-9]\d* percent", out), out
        assert "192.168.2.0/24" in out, out
        assert all(r.alive() for r in [mr_ms] + sites)
    finally:
        sock.close()
        for router in sites + [mr_ms]:
            router.stop()


def test_vanished_etr_registration_and_map_cache_entry_expire(tmp_path):
    base = free_subnet(72, hosts=(1, 2, 9))
    ms, site1, etr3 = base + ".1", base + ".2", base + ".9"
    mr_ms = RouterProcess(tmp_path, "MR_MS", ms, ms_config("MR_MS", [("SITE1", "SITE1-KEY", "192.168.1.0/24"),
                                                                     ("SITE3", "SITE3-KEY", "192.168.3.0/24")]))
    itr = RouterProcess(tmp_path, "SITE1", site1, xtr_config("SITE1", site1, "192.168.1.0/24", ms, "SITE1-KEY"),
                        host_eids=["192.168.1.1"])
    sock = udp_socket(etr3, 4342)  # the ETR of SITE3, played by the test: it registers once, then vanishes
    try:
        mr_ms.start()
        itr.start()
        record = EidRecord(Ipv4("192.168.3.0"), 24, (Locator(Ipv4(etr3), 10, 50, local=True),), 1, authoritative=True)
        register = sign(MapRegister(int(time.time() * 1e6), 0, (record,), proxy_reply=True, want_map_notify=True,
                                    xtr_id=b"\3" * 16, alg_id=2), "SITE3-KEY").encode()
        sock.sendto(register, (ms, 4342))
        registered_at = time.monotonic()
        sock.settimeout(5)
        notify = decode_control(sock.recv(65535))
        assert type(notify).__name__ == "MapNotify"
        reply = ask(sock, ms, "192.168.3.1", 1)
        assert reply is not None and decode_control(reply[0]).records[0].locators  # proxy Map-Reply
        # the ITR learns it (TTL 1 minute, from the registration)
        out = cli(site1, ["ping 192.168.3.1 source 192.168.1.1 repeat 2 timeout 1", "show ip lisp map-cache"])
        assert "192.168.3.0/24" in out, out
        learnt_at = time.monotonic()

        expired_after = None
        cache_gone_after = None
        nonce = 100
        while time.monotonic() - registered_at < 60 + 30 and (expired_after is None or cache_gone_after is None):
            time.sleep(1.0)
            if expired_after is None:
                nonce += 1
                reply = ask(sock, ms, "192.168.3.1", nonce, timeout=1.0)
                if reply is not None and not decode_control(reply[0]).records[0].locators:
                    expired_after = time.monotonic() - registered_at
            if cache_gone_after is None and time.monotonic() - learnt_at > 55:
                if "192.168.3.0/24" not in cli(site1, ["show ip lisp map-cache"]):
                    cache_gone_after = time.monotonic() - learnt_at
        # RFC 9301 §8.2: a registration lives for its record TTL (1 minute here), not longer, not shorter
        print("registration expired after %s s, map-cache entry aged out after %s s" % (expired_after, cache_gone_after))
        assert expired_after is not None, "registration never expired:\n%s" % cli(ms, ["show lisp site"])
        assert 59.0 <= expired_after <= 75.0, expired_after
        assert cache_gone_after is not None, "map-cache entry never aged out"
        assert 55.0 <= cache_gone_after <= 80.0, cache_gone_after
    finally:
        sock.close()
        itr.stop()
        mr_ms.stop()


def test_itr_backs_off_when_the_map_resolver_does_not_answer(tmp_path):
    base = free_subnet(73, hosts=(2, 9))
    site1, silent = base + ".2", base + ".9"
    itr = RouterProcess(tmp_path, "SITE1", site1, xtr_config("SITE1", site1, "192.168.1.0/24", silent, "SITE1-KEY"),
                        host_eids=["192.168.1.1"])
    sock = udp_socket(silent, 4342)  # a Map-Resolver (and Map-Server) that never answers
    try:
        itr.start()
        cli(site1, ["ping 192.168.2.1 source 192.168.1.1 repeat 1 timeout 0"])
        seen = []  # (arrival, nonce) of each Map-Request for 192.168.2.1
        deadline = time.monotonic() + 17.0  # sends at 0, 1, 3, 7, 15 s
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = sock.recv(65535)
            except OSError:
                continue
            msg = decode_control(data)
            if type(msg).__name__ != "EncapsulatedControl":
                continue  # the ETR's Map-Registers
            request = decode_control(msg.unwrap()[4])
            if str(request.eid_records[0][0]) == "192.168.2.1":
                seen.append((time.monotonic(), request.nonce))
        print("Map-Request gaps (s): %s" % ["%.2f" % (b[0] - a[0]) for a, b in zip(seen, seen[1:])])
        assert len(seen) >= 4, seen
        assert len({nonce for _t, nonce in seen}) == 1  # retransmissions keep the nonce (RFC 9301 §5.3)
        gaps = [b[0] - a[0] for a, b in zip(seen, seen[1:])]
        assert gaps[0] >= 0.9, gaps  # at most one Map-Request per second (RFC 9301 §5.3)
        for first, second in zip(gaps, gaps[1:]):
            assert 1.5 <= second / first <= 2.5, gaps  # exponential back-off: the wait doubles
        assert itr.alive()
    finally:
        sock.close()
        itr.stop()

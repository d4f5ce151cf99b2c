"""plugin_utils/verify.py: expectations met, unmet (with what was observed) and waiting with a fake clock."""

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils import verify


def entry(prefix, locators=(), negative=False, action=None, iid=0, state="complete"):
    return {"instance_id": iid, "afi": "ipv4", "prefix": prefix, "negative": negative, "action": action,
            "uptime": 10, "expires": None, "via": "map-reply", "state": None if negative else state,
            "locators": [{"address": a, "state": s, "priority": p, "weight": w, "uptime": 10}
                         for a, s, p, w in locators]}


BEFORE = {"map_cache": [entry("0.0.0.0/0", negative=True, action="send-map-request")]}
AFTER = {"map_cache": [entry("0.0.0.0/0", negative=True, action="send-map-request"),
                       entry("192.168.2.0/24", [("127.0.2.1", "up", 10, 50)]),
                       entry("192.168.2.128/25", [("127.0.3.1", "up", 1, 100)]),
                       entry("192.168.2.0/24", [("127.0.9.9", "up", 1, 1)], iid=7)]}


def site(name, records, auth=0, mism=0):
    return {"name": name, "description": None, "registered": any(r["registered"] for r in records),
            "eid_records": records, "authentication_failures": auth, "allowed_locator_mismatches": mism}


def record(prefix, registered, rlocs=(), iid=0, by=None):
    return {"instance_id": iid, "prefix": prefix, "registered": registered, "last_registered_by": by,
            "last_registered_by_port": None, "last_registered": 5 if registered else None, "first_registered": None,
            "ttl": 86400, "state": "complete" if registered else None, "authentication_failures": 0,
            "allowed_locator_mismatches": 0,
            "etrs": [{"address": r, "port": 4342, "last_registered": 5, "ttl": 86400, "proxy_reply": False,
                      "map_notify": True, "state": "complete",
                      "locators": [{"address": r, "local": True, "state": "up", "priority": 10, "weight": 50}]}
                     for r in rlocs]}


SITES = {"sites": [site("SITE1", [record("192.168.1.0/24", True, ["127.0.1.1"])]),
                   site("SITE2", [record("192.168.2.0/24", False)], auth=3)]}


def test_longest_prefix_match_by_address_and_prefix():
    entries = AFTER["map_cache"]
    assert verify.longest_prefix_match(entries, "192.168.2.1", 0)["prefix"] == "192.168.2.0/24"
    assert verify.longest_prefix_match(entries, "192.168.2.200", 0)["prefix"] == "192.168.2.128/25"
    assert verify.longest_prefix_match(entries, "192.168.2.0/24", 0)["prefix"] == "192.168.2.0/24"
    assert verify.longest_prefix_match(entries, "10.1.1.1", 0)["prefix"] == "0.0.0.0/0"
    assert verify.longest_prefix_match(entries, "192.168.2.1", 7)["locators"][0]["address"] == "127.0.9.9"
    assert verify.longest_prefix_match(entries, "2001:db8::1") is None
    with pytest.raises(verify.VerifyError):
        verify.longest_prefix_match(entries, "not-an-eid")


def test_map_cache_met():
    want = {"map_cache": [
        {"eid": "192.168.2.1", "instance_id": 0, "locators": [{"address": "127.0.2.1", "state": "up", "priority": 10, "weight": 50}]},
        {"eid": "192.168.2.130"},
        {"eid": "10.0.0.1", "negative": True, "action": "send-map-request"},
    ]}
    assert verify.check(want, AFTER) == []


def test_map_cache_unmet_says_what_it_saw():
    want = {"map_cache": [{"eid": "192.168.2.1", "instance_id": 0, "locators": [{"address": "127.0.2.1"}]}]}
    unmet = verify.check(want, BEFORE)
    assert unmet == [{"kind": "map_cache", "what": "EID 192.168.2.1 (IID 0)", "expected": "resolved (positive entry)",
                      "observed": "0.0.0.0/0 (IID 0) negative, action send-map-request"}]


def test_map_cache_locator_differences():
    want = {"map_cache": [{"eid": "192.168.2.1", "instance_id": 0, "locators": [
        {"address": "127.0.2.1", "priority": 1, "weight": 50}, {"address": "127.0.5.5"}]}]}
    unmet = verify.check(want, AFTER)
    assert [(u["what"], u["expected"], u["observed"]) for u in unmet] == [
        ("EID 192.168.2.1 (IID 0) via 192.168.2.0/24 locator 127.0.2.1 priority", 1, 10),
        ("EID 192.168.2.1 (IID 0) via 192.168.2.0/24 locator 127.0.5.5", "present", "absent; locators: 127.0.2.1"),
    ]


def test_map_cache_absent_and_not_gathered():
    assert verify.check({"map_cache": [{"eid": "10.0.0.1"}]}, {"map_cache": []})[0]["observed"] == "no entry covers it"
    assert verify.check({"map_cache": [{"eid": "10.0.0.1"}]}, {})[0]["observed"] == "not gathered"


def test_sites_registered_rlocs_and_counters():
    met = {"sites": [{"name": "SITE1", "registered": True, "rlocs": ["127.0.1.1"]},
                     {"name": "SITE2", "registered": False}],
           "counters": [{"site": "SITE1", "authentication_failures": 0, "allowed_locator_mismatches": 0}]}
    assert verify.check(met, SITES) == []
    unmet = verify.check({"sites": [{"name": "SITE2", "registered": True, "rlocs": ["127.0.2.1"]},
                                    {"name": "SITE9"}],
                          "counters": [{"site": "SITE2", "authentication_failures": 0}]}, SITES)
    assert [(u["kind"], u["what"], u["expected"], u["observed"]) for u in unmet] == [
        ("sites", "site SITE2", "registered", "192.168.2.0/24 (IID 0) not registered"),
        ("sites", "site SITE2 RLOC 127.0.2.1", "registered", "registered RLOCs: none"),
        ("sites", "site SITE9", "configured on the Map-Server", "absent; sites: SITE1, SITE2"),
        ("counters", "site SITE2 authentication_failures", 0, 3),
    ]


def test_site_prefix_and_rlocs_from_the_table_form():
    facts = {"sites": [site("SITE1", [record("192.168.1.0/24", True, by="127.0.1.1")])]}
    assert verify.check({"sites": [{"name": "SITE1", "prefix": "192.168.1.0/24", "rlocs": ["127.0.1.1"]}]}, facts) == []
    unmet = verify.check({"sites": [{"name": "SITE1", "prefix": "10.0.0.0/8"}]}, facts)
    assert unmet[0]["observed"] == "absent; EID-prefixes: 192.168.1.0/24"


def test_counter_not_reported():
    facts = {"sites": [dict(site("SITE1", []), authentication_failures=None)]}
    unmet = verify.check({"counters": [{"site": "SITE1", "authentication_failures": 0}]}, facts)
    assert unmet[0]["observed"] == "not reported by the device"


def test_database():
    facts = {"database": [{"instance_id": 0, "afi": "ipv4", "prefix": "192.168.1.0/24", "locator_set": "RLOCS",
                           "do_not_register": False, "no_route": False, "uptime": 1,
                           "locators": [{"address": "127.0.1.1", "priority": 10, "weight": 50, "source": "cfg-addr",
                                         "location": "site-self", "state": "reachable"}]}]}
    assert verify.check({"database": [{"prefix": "192.168.1.0/24", "locators": [
        {"address": "127.0.1.1", "state": "reachable", "priority": 10}]}]}, facts) == []
    unmet = verify.check({"database": [{"prefix": "192.168.9.0/24"}]}, facts)
    assert unmet[0]["observed"] == "absent; database: 192.168.1.0/24 (IID 0)"


def test_subsets_for():
    assert verify.subsets_for({"counters": [{}], "map_cache": [{}]}) == ["map_cache", "sites"]


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def sequence(*states):
    states = list(states)

    def gather():
        state = states.pop(0) if len(states) > 1 else states[0]
        if isinstance(state, Exception):
            raise state
        return state
    return gather


WANT = {"map_cache": [{"eid": "192.168.2.1", "instance_id": 0}]}


def test_wait_until_met():
    clock = FakeClock()
    progress = []
    result = verify.wait_for(sequence(BEFORE, BEFORE, AFTER), WANT, timeout=30, interval=2, clock=clock,
                             sleep=clock.sleep, progress=lambda n, unmet: progress.append((n, len(unmet))))
    assert (result["ok"], result["attempts"], result["elapsed"], result["unmet"]) == (True, 3, 4.0, [])
    assert result["facts"] is AFTER
    assert progress == [(1, 1), (2, 1)] and clock.sleeps == [2, 2]


def test_wait_times_out_with_last_observation():
    clock = FakeClock()
    result = verify.wait_for(sequence(BEFORE), WANT, timeout=10, interval=3, clock=clock, sleep=clock.sleep)
    assert (result["ok"], result["attempts"], result["elapsed"]) == (False, 4, 9.0)
    assert result["unmet"][0]["observed"] == "0.0.0.0/0 (IID 0) negative, action send-map-request"
    assert result["facts"] is BEFORE


def test_timeout_zero_checks_once():
    clock = FakeClock()
    result = verify.wait_for(sequence(BEFORE), WANT, timeout=0, interval=5, clock=clock, sleep=clock.sleep)
    assert (result["ok"], result["attempts"], clock.sleeps) == (False, 1, [])


def test_gather_errors_are_observations_and_retried():
    clock = FakeClock()
    result = verify.wait_for(sequence(OSError("connection refused"), AFTER), WANT, timeout=10, interval=1,
                             clock=clock, sleep=clock.sleep)
    assert (result["ok"], result["attempts"]) == (True, 2)
    result = verify.wait_for(sequence(OSError("connection refused")), WANT, timeout=1, interval=1, clock=clock,
                             sleep=clock.sleep)
    assert result["unmet"] == [{"kind": "gather", "what": "gathering the facts", "expected": "success",
                                "observed": "OSError: connection refused"}]
    assert result["error"] == "OSError: connection refused"


def test_bad_expectation_is_not_retried():
    with pytest.raises(verify.VerifyError, match="not an IP address"):
        verify.wait_for(sequence(AFTER), {"map_cache": [{"eid": "ten.dot"}]}, timeout=60, interval=1,
                        clock=FakeClock(), sleep=lambda s: None)


def test_format_unmet():
    text = verify.format_unmet(verify.check(WANT, BEFORE))
    assert text == ("EID 192.168.2.1 (IID 0): expected resolved (positive entry), "
                    "observed 0.0.0.0/0 (IID 0) negative, action send-map-request")

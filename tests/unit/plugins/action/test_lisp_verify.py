"""lispnet.lisp.lisp_verify action plugin: met, unmet with explanations, waiting, reconnecting."""

from unittest import mock

from ansible_collections.lispnet.lisp.plugins.action import lisp_verify
from ansible_collections.lispnet.lisp.tests.unit.plugins.action.test_lisp_facts import run as run_facts
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts.test_gather import FakeCli, FakeError

BEFORE = """LISP IPv4 Mapping Cache for EID-table default (IID 0), 1 entries

0.0.0.0/0, uptime: 00:10:16, expires: never, via static send map-request
  Negative cache entry, action: send-map-request
"""
_C, AFTER = samples.HANDWRITTEN["writeup SITE1 map-cache"]
COMMAND = "show lisp instance-id 0 ipv4 map-cache"


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class ChangingDevice(FakeCli):
    """Answers BEFORE for the first n map-cache reads, then AFTER."""

    def __init__(self, before_reads):
        super().__init__({COMMAND: BEFORE})
        self.reads = 0
        self.before_reads = before_reads

    def run_commands(self, commands):
        if commands == [COMMAND]:
            self.reads += 1
            self.outputs[COMMAND] = BEFORE if self.reads <= self.before_reads else AFTER
        return super().run_commands(commands)


def run(args, device=None):
    clock = FakeClock()
    patches = [mock.patch.object(lisp_verify.ActionModule, "CLOCK", staticmethod(clock)),
               mock.patch.object(lisp_verify.ActionModule, "SLEEP", staticmethod(clock.sleep))]
    for patch in patches:
        patch.start()
    try:
        result, _opened = run_facts(args, device=device, action_cls=lisp_verify.ActionModule)
    finally:
        for patch in patches:
            patch.stop()
    return result


RESOLVED = {"map_cache": [{"eid": "192.168.2.1", "instance_id": 0,
                           "locators": [{"address": "127.0.2.1", "state": "up", "priority": 10, "weight": 50}]}],
            "instance_ids": [0]}


def test_waits_until_resolved():
    device = ChangingDevice(before_reads=2)
    result = run(dict(RESOLVED, timeout=30, interval=2), device=device)
    assert "failed" not in result, result
    assert (result["attempts"], result["elapsed"], result["unmet"]) == (3, 4.0, [])
    assert result["lisp"]["map_cache"][2]["prefix"] == "192.168.2.0/24"
    assert result["msg"] == "all 1 expectation(s) hold (attempt 3, 4.0s)"
    assert device.closed


def test_timeout_lists_each_unmet_expectation_with_its_observation():
    result = run(dict(RESOLVED, timeout=6, interval=2), device=ChangingDevice(before_reads=100))
    assert result["failed"] is True and result["attempts"] == 4
    assert result["msg"] == ("1 unmet after 4 attempt(s) in 6.0s:\n"
                             "- EID 192.168.2.1 (IID 0): expected resolved (positive entry), "
                             "observed 0.0.0.0/0 (IID 0) negative, action send-map-request")
    assert result["lisp"]["map_cache"][0]["negative"] is True


def test_reconnects_after_a_session_failure():
    class Flaky(ChangingDevice):
        def run_commands(self, commands):
            if self.reads == 0 and not getattr(self, "failed_once", False):
                self.failed_once = True
                raise FakeError("session dropped", cause="session")
            return super().run_commands(commands)

    device = Flaky(before_reads=0)
    result = run(dict(RESOLVED, timeout=30, interval=1), device=device)
    assert "failed" not in result and result["attempts"] == 2


def test_offline_outputs_check_once():
    expect = [{"eid": "192.168.2.1", "negative": True, "action": "send-map-request"}]
    result = run({"outputs": {COMMAND: BEFORE}, "map_cache": expect})
    assert "failed" not in result and result["attempts"] == 1
    _c, detail = samples.HANDWRITTEN["lab site detail"]
    result = run({"outputs": {"show lisp site detail": detail},
                  "sites": [{"name": "SITE1", "rlocs": ["127.0.1.1"]}],
                  "counters": [{"site": "SITE2", "authentication_failures": 0}]})
    assert result["failed"] is True
    assert result["unmet"] == [{"kind": "counters", "what": "site SITE2 authentication_failures", "expected": 0,
                                "observed": 3}]


def test_nothing_to_verify_and_bad_eid():
    result = run({"outputs": {}})
    assert result["failed"] is True and "nothing to verify" in result["msg"]
    result = run({"outputs": {COMMAND: BEFORE}, "map_cache": [{"eid": "nope"}]})
    assert result["failed"] is True and "not an IP address" in result["msg"]

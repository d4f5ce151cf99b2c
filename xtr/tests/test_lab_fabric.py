"""The built-in ``fabric`` topology as real processes (``lisp-xtr lab up``): two MS/MRs, tenants A
(IID 4100, vrf A) and B (IID 4200, vrf B) with the same EID-prefixes and host addresses on SITE1
and SITE2. Each tenant's ping reaches its own host (``ping vrf NAME``), and after ``kill -9`` of MS1
a new resolution goes through MS2. Runs on free addresses of its own (127.185-188.x.1)."""

import os
import re
import signal
import time

import pytest

from lispxtr import lab

from .test_lab import _cli, _password, _pids, run_cli
from .test_mgmt_harness import free_address

DEFAULTS = ("127.0.10.1", "127.0.10.2", "127.0.1.1", "127.0.2.1")


@pytest.fixture(scope="module")
def fabric(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fabric")
    addresses = dict(zip(("MS1", "MS2", "SITE1", "SITE2"), (free_address(octet) for octet in (185, 186, 187, 188))))
    text = (lab.TOPOLOGY_DIR / "fabric.yml").read_text()
    for old, new in zip(DEFAULTS, addresses.values()):
        text = text.replace(old, new)
    topology = tmp / "fabric-test.yml"
    topology.write_text(text)
    state = tmp / "state"
    proc = _cli("lab", "up", "--topology", str(topology), "--state-dir", str(state))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    try:
        yield state, addresses
    finally:
        _cli("lab", "down", "--state-dir", str(state))


def _cli_on(fabric_lab, name, *commands):
    state, addresses = fabric_lab
    return run_cli(addresses[name], _password(state, name), state / "known_hosts", *commands)


def _wait_registered(fabric_lab, name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        (sites,) = _cli_on(fabric_lab, name, "show lisp site")
        rows = re.findall(r"^\S*\s+\S+\s+yes\s+\S+\s+(\d+)\s+(\S+)$", sites, re.M)
        if sorted(rows) == [("4100", "192.168.1.0/24"), ("4100", "192.168.2.0/24"),
                            ("4200", "192.168.1.0/24"), ("4200", "192.168.2.0/24")]:
            return sites
        assert time.monotonic() < deadline, "%s: not every registration is up:\n%s" % (name, sites)
        time.sleep(0.5)


def test_fabric_tenants_ping_their_own_hosts_and_survive_losing_a_map_server(fabric):
    state, _addresses = fabric
    for name in ("MS1", "MS2"):  # both xTRs register both instances to both Map-Servers
        _wait_registered(fabric, name)
    ping = "ping vrf %s 192.168.2.1 source 192.168.1.1 repeat 5 timeout 1"
    first_a, first_b, again_a = _cli_on(fabric, "SITE1", ping % "A", ping % "B", ping % "A")
    for out in (first_a, first_b):  # the first echoes are lost to the map-cache misses, then all succeed
        assert re.search(r"\n\.*!+\n", out) and "Success rate is 0 percent" not in out, out
    assert "\n!!!!!\n" in again_a, again_a
    cache_a, cache_b, unknown = _cli_on(fabric, "SITE1", "show lisp eid-table vrf A ipv4 map-cache",
                                        "show lisp instance-id 4200 ipv4 map-cache", ping % "C")
    assert "EID-table vrf A (IID 4100)" in cache_a and "192.168.2.0/24, uptime" in cache_a, cache_a
    assert "EID-table vrf B (IID 4200)" in cache_b and "192.168.2.0/24, uptime" in cache_b, cache_b
    assert "% VRF C is not an EID table of router lisp" in unknown, unknown
    # the far side answered tenant B's echoes in tenant B's instance: it resolved SITE1's EID there
    (far,) = _cli_on(fabric, "SITE2", "show lisp instance-id 4200 ipv4 map-cache")
    assert "192.168.1.0/24, uptime" in far, far
    # kill -9 of MS1; a resolution SITE1 has not cached goes through MS2
    os.kill(_pids(state)["MS1"], signal.SIGKILL)
    killed = time.monotonic()
    _cli_on(fabric, "SITE1", "clear lisp instance-id 4200 ipv4 map-cache")
    answered = None
    for _attempt in range(30):
        (out,) = _cli_on(fabric, "SITE1", "ping vrf B 192.168.2.1 source 192.168.1.1 repeat 1 timeout 1")
        if "Success rate is 100 percent" in out:
            answered = time.monotonic()
            break
    assert answered is not None, "tenant B lost reachability with MS1 down"
    print("\nfabric: tenant B's first echo reply %.2f s after kill -9 of MS1" % (answered - killed))
    _wait_registered(fabric, "MS2")

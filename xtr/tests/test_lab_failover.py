"""Two Map-Server/Map-Resolvers as real processes (``lisp-xtr lab up``): the xTRs register to both
and resolve through both; after ``kill -9`` of the first one a new EID resolution still succeeds
through the second (RFC 9301 §5.3 retransmission to the next Map-Resolver). The time from the kill
to the first echo reply is measured and printed (``pytest -s``), never asserted.

The lab runs on free addresses of its own (127.181-184.x.1), apart from any other lab.
"""

import os
import re
import signal
import time

import pytest
import yaml

from .test_lab import _cli, _password, _pids, run_cli
from .test_mgmt_harness import free_address

MS_BLOCK = """router lisp
 service ipv4
  map-server
  map-resolver
  exit-service-ipv4
 !
 site SITE1
  authentication-key 0 SITE1-KEY
  eid-record 192.168.1.0/24 accept-more-specifics
  exit-site
 !
 site SITE2
  authentication-key 0 SITE2-KEY
  eid-record 192.168.2.0/24 accept-more-specifics
  exit-site
 !
 exit-router-lisp
"""

XTR_BLOCK = """router lisp
 locator-set RLOCS
  {rloc} priority 10 weight 50
  exit-locator-set
 !
 service ipv4
  itr map-resolver {ms1}
  itr map-resolver {ms2}
  itr
  etr map-server {ms1} key 0 {key}
  etr map-server {ms2} key 0 {key}
  etr
  exit-service-ipv4
 !
 instance-id 0
  service ipv4
   eid-table default
   database-mapping {prefix} locator-set RLOCS
   map-cache 0.0.0.0/0 map-request
   exit-service-ipv4
  !
  exit-instance-id
 !
 exit-router-lisp
"""


def _device(name, role, address, config, **extra):
    return dict(name=name, role=role, address=address, username="admin", cli_port=2022, netconf_port=2830,
                startup_config=config, **extra)


@pytest.fixture(scope="module")
def dual_lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dual")
    ms1, ms2, site1, site2 = (free_address(octet) for octet in (181, 182, 183, 184))
    devices = [_device("MS1", "map-server", ms1, MS_BLOCK), _device("MS2", "map-server", ms2, MS_BLOCK)]
    for name, rloc, prefix, host in (("SITE1", site1, "192.168.1.0/24", "192.168.1.1"),
                                     ("SITE2", site2, "192.168.2.0/24", "192.168.2.1")):
        config = XTR_BLOCK.format(rloc=rloc, ms1=ms1, ms2=ms2, key=name + "-KEY", prefix=prefix)
        devices.append(_device(name, "xtr", rloc, config, eid_prefixes=[prefix], host_eids=[host]))
    topology = tmp / "dual-ms.yml"
    topology.write_text(yaml.safe_dump({"name": "dual-ms", "description": "two MS/MRs", "devices": devices}))
    state = tmp / "state"
    proc = _cli("lab", "up", "--topology", str(topology), "--state-dir", str(state))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    try:
        yield state, {"MS1": ms1, "MS2": ms2, "SITE1": site1, "SITE2": site2}
    finally:
        _cli("lab", "down", "--state-dir", str(state))


def _registered(state, addresses, name):
    (sites,) = run_cli(addresses[name], _password(state, name), state / "known_hosts", "show lisp site")
    return sorted(re.findall(r"^(SITE\d)\s+\S+\s+yes\s", sites, re.M))


def _wait_registered(state, addresses, name, timeout=30.0):
    deadline = time.monotonic() + timeout
    while _registered(state, addresses, name) != ["SITE1", "SITE2"]:
        assert time.monotonic() < deadline, "%s: sites not registered" % name
        time.sleep(0.5)


def test_kill_one_map_server_and_resolution_goes_through_the_other(dual_lab):
    state, addresses = dual_lab
    known = state / "known_hosts"
    for name in ("MS1", "MS2"):  # the ETRs register to both, each answers (Map-Notify)
        _wait_registered(state, addresses, name)
    password = _password(state, "SITE1")
    ping = "ping 192.168.2.1 source 192.168.1.1 repeat 5 timeout 1"
    (first,) = run_cli(addresses["SITE1"], password, known, ping)
    assert "!!!" in first, first
    (service,) = run_cli(addresses["SITE1"], password, known, "show lisp service ipv4")
    assert re.search(r"ITR Map-Resolver\(s\):\s+%s\n\s+%s\n" % (re.escape(addresses["MS1"]), re.escape(addresses["MS2"])), service), service
    # kill -9 of MS1 (it answered the first resolution), then a resolution the ITR has not cached
    pid = _pids(state)["MS1"]
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    run_cli(addresses["SITE1"], password, known, "clear ip lisp map-cache")
    answered = None
    for _attempt in range(30):
        (out,) = run_cli(addresses["SITE1"], password, known, "ping 192.168.2.1 source 192.168.1.1 repeat 1 timeout 1")
        if "Success rate is 100 percent" in out:
            answered = time.monotonic()
            break
    assert answered is not None, "no echo reply through MS2"
    print("\nMap-Resolver fail-over: first echo reply %.2f s after kill -9 of MS1" % (answered - killed))
    (cache,) = run_cli(addresses["SITE1"], password, known, "show ip lisp map-cache")
    assert re.search(r"^192\.168\.2\.0/24, uptime: .*via map-reply, complete", cache, re.M), cache
    # the registrations on MS2 are untouched by the loss of MS1
    assert _registered(state, addresses, "MS2") == ["SITE1", "SITE2"]

"""The lab runner end to end: ``lisp-xtr lab up`` starts the write-up's configured lab as processes,
the story of lab-writeup.txt happens over real SSH and real LISP packets, ``lab down`` leaves
nothing behind, and Wireshark finds every captured packet well formed.

The lab runs on addresses of its own (127.0.2xx.1) so that it never meets a lab a developer has up
on the default ones.
"""

import asyncio
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import asyncssh
import pytest
import yaml

from lispxtr import lab
from lispxtr.wire.pcap import iter_udp

from .conftest import tshark_json

# A 127.N.x.y where nothing listens, picked per run: never a lab someone left running.
_BASE = lab.pick_base(lab.load_topology("default")).base
MS, SITE1, SITE2 = "127.%d.10.1" % _BASE, "127.%d.1.1" % _BASE, "127.%d.2.1" % _BASE
REMAP = (("127.0.10.1", MS), ("127.0.1.1", SITE1), ("127.0.2.1", SITE2))


def _remapped_topology(tmp_path, name="writeup-configured"):
    text = (lab.TOPOLOGY_DIR / (name + ".yml")).read_text()
    for old, new in REMAP:
        text = text.replace(old, new)
    path = tmp_path / ("%s-test.yml" % name)
    path.write_text(text)
    return path


def _cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "lispxtr.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def _pids(state_dir):
    devices = json.loads((state_dir / "lab.json").read_text())["devices"]
    return {d["name"]: lab._read_pid(state_dir / d["name"] / "node.pid") for d in devices}  # pylint: disable=protected-access


async def _exec(address, password, known_hosts, *commands):
    async with asyncssh.connect(address, 2022, username="admin", password=password, known_hosts=str(known_hosts)) as conn:
        outputs = []
        for command in commands:
            result = await conn.run(command, check=False)
            outputs.append(result.stdout.replace("\r\n", "\n"))  # a terminal line discipline, as IOS sends
        return outputs


def run_cli(address, password, known_hosts, *commands):
    return asyncio.run(_exec(address, password, known_hosts, *commands))


@pytest.fixture(scope="module")
def configured_lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    state = tmp / "state"
    proc = _cli("lab", "up", "--topology", str(_remapped_topology(tmp)), "--state-dir", str(state), "--pcap")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pids = _pids(state)
    try:
        yield state, proc.stdout, pids
    finally:
        _cli("lab", "down", "--state-dir", str(state))


def _password(state, name):
    return yaml.safe_load((state / "inventory.yml").read_text())["all"]["hosts"][name]["ansible_password"]


def _wait_registered(state, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        (sites,) = run_cli(MS, _password(state, "MR_MS"), state / "known_hosts", "show lisp site")
        registered = re.findall(r"^(SITE\d)\s+\S+\s+yes\s", sites, re.M)
        if sorted(registered) == ["SITE1", "SITE2"]:
            return sites
        assert time.monotonic() < deadline, "sites not registered:\n" + sites
        time.sleep(0.5)


def test_lab_up_writes_inventory_and_known_hosts(configured_lab):
    state, summary, pids = configured_lab
    assert "lab writeup-configured up in %s" % state in summary
    assert all(pid for pid in pids.values()) and len(pids) == 3
    inv = yaml.safe_load((state / "inventory.yml").read_text())
    assert inv["all"]["hosts"]["SITE1"]["ansible_password"] not in summary  # no secret on the terminal
    hosts = inv["all"]["hosts"]
    assert set(hosts) == {"MR_MS", "SITE1", "SITE2"}
    site1 = hosts["SITE1"]
    assert site1["ansible_host"] == SITE1 and site1["ansible_connection"] == "local"
    assert site1["ansible_network_os"] == "cisco.ios.ios" and site1["lispnet_transport"] == "netconf"
    assert (site1["lispnet_cli_port"], site1["lispnet_netconf_port"]) == (2022, 2830)
    assert site1["ansible_user"] == "admin" and site1["ansible_password"] and site1["ansible_become_password"]
    assert site1["lispnet_known_hosts"] == str(state.resolve() / "known_hosts")
    assert site1["lispnet_host_key_checking"] is True
    assert site1["lispnet_lab_rloc"] == SITE1 and site1["lispnet_lab_eids"] == ["192.168.1.0/24"]
    groups = inv["all"]["children"]
    assert set(groups["lisp_routers"]["hosts"]) == {"MR_MS", "SITE1", "SITE2"}
    assert set(groups["map_servers"]["hosts"]) == {"MR_MS"} and set(groups["xtrs"]["hosts"]) == {"SITE1", "SITE2"}
    assert oct(os.stat(state / "inventory.yml").st_mode & 0o777) == "0o600"
    known = (state / "known_hosts").read_text().splitlines()
    assert len(known) == 6 and {line.split()[0] for line in known} == {
        "[%s]:%d" % (a, p) for a in (MS, SITE1, SITE2) for p in (2022, 2830)}
    # a second lab up finds it running and changes nothing
    again = _cli("lab", "up", "--topology", str(state.parent / "writeup-configured-test.yml"), "--state-dir", str(state))
    assert again.returncode == 0 and "already up" in again.stdout and _pids(state) == pids


def test_the_write_up_story(configured_lab):
    state, _summary, _pids_ = configured_lab
    known = state / "known_hosts"
    sites = _wait_registered(state)
    assert re.search(r"^SITE1\s+\S+\s+yes\s+%s:4342\s+0\s+192\.168\.1\.0/24" % re.escape(SITE1), sites, re.M)
    assert re.search(r"^SITE2\s+\S+\s+yes\s+%s:4342\s+0\s+192\.168\.2\.0/24" % re.escape(SITE2), sites, re.M)
    password = _password(state, "SITE1")
    ping = "ping 192.168.2.1 source 192.168.1.1 repeat 5 timeout 2"
    first, second, cache = run_cli(SITE1, password, known, ping, ping, "show ip lisp map-cache")
    # echo 1 is dropped while SITE1 resolves SITE2's EID, echo 2's reply while SITE2 resolves SITE1
    assert "\n..!!!\n" in first and "Success rate is 60 percent (3/5)" in first, first
    assert "\n!!!!!\n" in second and "Success rate is 100 percent (5/5)" in second, second
    assert re.search(r"^192\.168\.2\.0/24, uptime: .*via map-reply, complete", cache, re.M), cache
    assert re.search(r"^\s*%s\s+\S+\s+up\s+10/50" % re.escape(SITE2), cache, re.M), cache


def test_lab_captures_are_clean_in_wireshark(configured_lab, tshark_check):
    state, _summary, _pids_ = configured_lab
    _wait_registered(state)
    for name in ("MR_MS", "SITE1", "SITE2"):
        pcap = state / name / "lisp.pcap"
        assert list(iter_udp(pcap)), name
        assert tshark_check(pcap) == [], name
    types = set()
    for packet in tshark_json(state / "MR_MS" / "lisp.pcap"):
        found = packet["_source"]["layers"].get("lisp", [])
        for layer in found if isinstance(found, list) else [found]:  # an ECM has two LISP layers
            types.add(layer.get("lisp.type"))
    assert {"3", "4"} <= types  # Map-Register in, Map-Notify out


def test_lab_down_leaves_no_process(configured_lab):
    state, _summary, pids = configured_lab
    proc = _cli("lab", "down", "--state-dir", str(state))
    assert proc.returncode == 0, proc.stdout
    for name, pid in pids.items():
        assert "%s" % name in proc.stdout
        assert not lab._alive(pid), "%s (pid %d) still running" % (name, pid)  # pylint: disable=protected-access
        assert not (state / name / "node.pid").exists()
    status = _cli("lab", "status", "--state-dir", str(state))
    assert status.returncode == 3 and status.stdout.count("stopped") == 3
    # a stale pid file naming some other process is removed, never acted on
    (state / "SITE1" / "node.pid").write_text("%d\n" % os.getpid())
    proc = _cli("lab", "down", "--state-dir", str(state))
    assert proc.returncode == 0 and "stale pid file" in proc.stdout
    assert not (state / "SITE1" / "node.pid").exists()


def test_bad_startup_config_line_starts_nothing(tmp_path):
    topo = yaml.safe_load(_remapped_topology(tmp_path).read_text())
    topo["devices"][1]["startup_config"] = topo["devices"][1]["startup_config"].replace(
        "  itr\n", "  itr\n  bogus-command here\n")
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(topo))
    bad_line = topo["devices"][1]["startup_config"].splitlines().index("  bogus-command here") + 1
    state = tmp_path / "state"
    proc = _cli("lab", "up", "--topology", str(path), "--state-dir", str(state))
    assert proc.returncode == 2
    assert "SITE1: startup_config line %d:" % bad_line in proc.stdout, proc.stdout
    assert not state.exists()


def test_startup_config_flag_and_topology_exclude_each_other(tmp_path):
    said = []
    assert lab.lab_up(tmp_path / "state", "default", configured=True, out=said.append) == 2
    assert "cannot be combined with --topology" in said[0] and not (tmp_path / "state").exists()


@pytest.mark.parametrize("change, text", [
    (lambda d: d[0].update(address="10.0.0.1"), "must be in 127.0.0.0/8"),
    (lambda d: d[1].update(name="MR_MS"), "device name MR_MS used twice"),
    (lambda d: d[0].update(role="router"), "role 'router'"),
    (lambda d: d[0].update(cli_port=70000), "cli_port 70000"),
    (lambda d: d[0].update(password=""), "password is required"),
    (lambda d: d[0].update(colour="red"), "unknown field"),
])
def test_bad_topologies_are_refused(tmp_path, change, text):
    topo = yaml.safe_load((lab.TOPOLOGY_DIR / "default.yml").read_text())
    change(topo["devices"])
    path = tmp_path / "t.json"
    path.write_text(json.dumps(topo))
    with pytest.raises(lab.LabError, match=text):
        lab.load_topology(str(path))


def test_builtin_topologies():
    assert {"default", "writeup-configured", "dual-stack", "fabric"} <= set(lab.builtin_topologies())
    default = lab.load_topology()
    assert [(d.name, d.address, d.role) for d in default.devices] == [
        ("MR_MS", "127.0.10.1", "map-server"), ("SITE1", "127.0.1.1", "xtr"), ("SITE2", "127.0.2.1", "xtr")]
    assert all(not d.startup_config for d in default.devices)
    assert default.devices[1].host_eids == ["192.168.1.1"] and default.devices[2].eid_prefixes == ["192.168.2.0/24"]
    configured = lab.load_topology("writeup-configured")
    for dev in configured.devices:
        dev.check_config()
        assert dev.startup_text().startswith("hostname %s\nusername admin privilege 15 secret 9 $9$" % dev.name)
        assert dev.password not in dev.startup_text()  # the clear text stays in inventory.yml (0600)
    assert "priority 10 weight 50" in configured.devices[1].startup_config
    with pytest.raises(lab.LabError, match="not found"):
        lab.load_topology("no-such-topology")


def test_node_command_is_recognised_as_ours(tmp_path):
    dev = lab.load_topology().devices[1]
    cmd = lab.node_command(tmp_path, dev)
    assert cmd[1:4] == ["-m", "lispxtr.cli", "run"] and "--host-eid" in cmd
    assert pathlib.Path(cmd[cmd.index("--state-dir") + 1]) == tmp_path.resolve()


def test_dual_stack_lab_tells_the_story_in_ipv6(tmp_path, tshark_check):
    """The dual-stack topology: the write-up's two lost echoes, in ICMPv6 over the IPv4 RLOCs."""
    remap = (("127.0.10.1", "127.0.230.1"), ("127.0.1.1", "127.0.231.1"), ("127.0.2.1", "127.0.232.1"))
    text = (lab.TOPOLOGY_DIR / "dual-stack.yml").read_text()
    for old, new in remap:
        text = text.replace(old, new)
    (tmp_path / "dual-stack-test.yml").write_text(text)
    state = tmp_path / "state"
    proc = _cli("lab", "up", "--topology", str(tmp_path / "dual-stack-test.yml"), "--state-dir", str(state), "--pcap")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    try:
        assert "host 192.168.1.1, 2001:db8:1::1" in proc.stdout
        ms, site1 = remap[0][1], remap[1][1]
        deadline = time.monotonic() + 30
        while True:
            (sites,) = run_cli(ms, _password(state, "MR_MS"), state / "known_hosts", "show lisp site")
            if len(re.findall(r"^\s*(?:SITE\d\s+)?\S+\s+yes\S*\s+\S+\s+0\s+2001:DB8:\d::/48", sites, re.M)) == 2:
                break
            assert time.monotonic() < deadline, "IPv6 EID-prefixes not registered:\n" + sites
            time.sleep(0.5)
        ping = "ping ipv6 2001:db8:2::1 source 2001:db8:1::1 repeat 5 timeout 2"
        first, second, cache = run_cli(site1, _password(state, "SITE1"), state / "known_hosts", ping, ping,
                                       "show lisp instance-id 0 ipv6 map-cache")
        assert "Sending 5, 100-byte ICMP Echos to 2001:DB8:2::1, timeout is 2 seconds:" in first, first
        assert "Packet sent with a source address of 2001:DB8:1::1" in first, first
        assert "\n..!!!\n" in first and "Success rate is 60 percent (3/5)" in first, first
        assert "\n!!!!!\n" in second, second
        assert re.search(r"^2001:DB8:2::/48, uptime: .*via map-reply, complete", cache, re.M), cache
        assert re.search(r"^\s*%s\s+\S+\s+up\s+10/50" % re.escape(remap[2][1]), cache, re.M), cache
    finally:
        _cli("lab", "down", "--state-dir", str(state))
    for name in ("SITE1", "SITE2"):  # the ICMPv6 inside the LISP data packets, checksums and all
        assert tshark_check(state / name / "lisp.pcap") == [], name

"""A lab that is already running, and the lab's credentials.

A second ``lisp-xtr lab up`` on addresses a running lab holds says so in one line (address, port, the
holding process and its lab's state directory, the way out) and starts nothing; ``lab list`` shows the
running lab; ``lab up --base`` runs the same topology beside it. Each lab has its own random
passwords, kept in 0600 files and never printed.

Every lab here runs on a free 127.N.x.y (``lab.pick_base``), never on the default addresses, and the
registry of running labs is a folder of the test's own (``$LISP_XTR_LAB_REGISTRY``).
"""

import json
import os
import pathlib
import socket
import subprocess
import sys
import time

import pytest
import yaml

from lispxtr import lab, netns

from .test_lab import run_cli


@pytest.fixture(name="env")
def _env(tmp_path, monkeypatch):
    registry = tmp_path / "registry"
    monkeypatch.setenv(lab.REGISTRY_ENV, str(registry))
    return dict(os.environ, **{lab.REGISTRY_ENV: str(registry)})


def _cli(env, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "lispxtr.cli", *args], capture_output=True, text=True,
                          timeout=timeout, check=False, env=env)


def _free_base(topology="default"):
    return lab.pick_base(lab.load_topology(topology)).base


def _inventory(state):
    return yaml.safe_load((state / "inventory.yml").read_text())["all"]["hosts"]


def _mode(path):
    return oct(os.stat(path).st_mode & 0o777)


def _logs(state):
    return "".join(p.read_text(errors="replace") for p in state.glob("*/node.log"))


def test_second_lab_on_taken_addresses_is_one_line_and_base_runs_beside(tmp_path, env):
    base = _free_base()
    first, second, beside = tmp_path / "first", tmp_path / "second", tmp_path / "beside"
    up = _cli(env, "lab", "up", "--topology", "default", "--base", "127.%d" % base, "--state-dir", str(first))
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        pids = {d["name"]: lab.running_pid(first, d["name"]) for d in json.loads((first / "lab.json").read_text())["devices"]}
        assert all(pids.values())
        assert "(base 127.%d)" % base in up.stdout and "127.%d.10.1" % base in up.stdout

        again = _cli(env, "lab", "up", "--topology", "default", "--base", "127.%d" % base, "--state-dir", str(second))
        assert again.returncode == 1
        lines = again.stdout.splitlines()
        assert len(lines) == 1 and not again.stderr, again.stdout + again.stderr
        line = lines[0]
        assert line.startswith("lab up: 127.%d.10.1:2022/tcp (MR_MS SSH CLI) is in use by pid %d, router MR_MS of the lab in %s"
                               % (base, pids["MR_MS"], first.resolve())), line
        assert "lisp-xtr lab down --state-dir %s" % first.resolve() in line and "--base auto" in line
        assert not second.exists()  # nothing started, nothing written

        check = _cli(env, "lab", "check", "--topology", "default", "--base", "127.%d" % base)
        assert check.returncode == 1 and len(check.stdout.splitlines()) == 1
        assert "pid %d" % pids["MR_MS"] in check.stdout

        listed = _cli(env, "lab", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        labs = {entry["state_dir"]: entry for entry in json.loads(listed.stdout)}
        mine = labs[str(first.resolve())]
        assert mine["topology"] == "default" and mine["base"] == base
        assert {(d["name"], d["address"], d["pid"], d["alive"]) for d in mine["devices"]} == {
            ("MR_MS", "127.%d.10.1" % base, pids["MR_MS"], True), ("SITE1", "127.%d.1.1" % base, pids["SITE1"], True),
            ("SITE2", "127.%d.2.1" % base, pids["SITE2"], True)}
        text = _cli(env, "lab", "list")
        assert str(first.resolve()) in text.stdout and "3/3 routers alive" in text.stdout

        side = _cli(env, "lab", "up", "--topology", "default", "--base", "auto", "--state-dir", str(beside))
        assert side.returncode == 0, side.stdout + side.stderr
        try:
            hosts = _inventory(beside)
            assert hosts["SITE1"]["ansible_host"] != "127.%d.1.1" % base
            assert hosts["SITE1"]["ansible_host"].endswith(".1.1") and not hosts["SITE1"]["ansible_host"].startswith("127.0.")
            labs = {entry["state_dir"] for entry in json.loads(_cli(env, "lab", "list", "--json").stdout)}
            assert {str(first.resolve()), str(beside.resolve())} <= labs
            # each lab its own credentials, and they work
            one, two = _inventory(first), hosts
            for name in ("MR_MS", "SITE1", "SITE2"):
                assert one[name]["ansible_password"] != two[name]["ansible_password"]
                assert one[name]["ansible_become_password"] != two[name]["ansible_become_password"]
            (version,) = run_cli(one["SITE1"]["ansible_host"], one["SITE1"]["ansible_password"], first / "known_hosts",
                                 "show running-config")
            assert "hostname SITE1" in version
        finally:
            assert _cli(env, "lab", "down", "--state-dir", str(beside)).returncode == 0
    finally:
        down = _cli(env, "lab", "down", "--state-dir", str(first))
    assert down.returncode == 0
    assert [e for e in json.loads(_cli(env, "lab", "list", "--json").stdout)
            if e["state_dir"] in (str(first.resolve()), str(beside.resolve()))] == []
    assert list(pathlib.Path(env[lab.REGISTRY_ENV]).glob("*.json")) == []


def test_credentials_are_per_lab_private_and_never_printed(tmp_path, env):
    base = _free_base()
    state = tmp_path / "state"
    up = _cli(env, "lab", "up", "--topology", "default", "--base", "127.%d" % base, "--state-dir", str(state))
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        hosts = _inventory(state)
        secrets = {h[k] for h in hosts.values() for k in ("ansible_password", "ansible_become_password")}
        assert len(secrets) == 6 and all(len(s) >= 20 for s in secrets)
        assert not any(s.startswith("lispnet-") for s in secrets)
        stored = json.loads((state / lab.CREDENTIALS).read_text())
        assert {stored[n]["password"] for n in stored} | {stored[n]["enable_secret"] for n in stored} == secrets
        assert _mode(state / "inventory.yml") == _mode(state / lab.CREDENTIALS) == "0o600"
        # the same lab in the cisco.ios form, with a home whose known_hosts is the lab's
        for way, connection, port in (("network_cli", "ansible.netcommon.network_cli", "lispnet_cli_port"),
                                      ("netconf", "ansible.netcommon.netconf", "lispnet_netconf_port")):
            path = state / ("inventory-%s.yml" % way)
            assert _mode(path) == "0o600" and "lispnet_" not in path.read_text()
            written = yaml.safe_load(path.read_text())["all"]
            assert written["vars"]["ansible_connection"] == connection and written["vars"]["ansible_become_method"] == "enable"
            assert {n: (h["ansible_host"], h["ansible_port"], h["ansible_password"], h["ansible_become_password"])
                    for n, h in written["hosts"].items()} == {
                        n: (h["ansible_host"], h[port], h["ansible_password"], h["ansible_become_password"]) for n, h in hosts.items()}
        assert (state / "home" / ".ssh" / "known_hosts").read_text() == (state / "known_hosts").read_text()
        assert _mode(state / "home") == _mode(state / "home" / ".ssh") == "0o700"
        for name in hosts:
            startup = (state / name / "startup-config").read_text()
            assert _mode(state / name / "startup-config") == "0o600"
            assert "secret 9 $9$" in startup and "enable secret 9 $9$" in startup
        listed = _cli(env, "lab", "list").stdout + _cli(env, "lab", "status", "--state-dir", str(state)).stdout
        said = up.stdout + up.stderr + listed + _logs(state) + (state / "lab.json").read_text()
        said += "".join((state / n / "startup-config").read_text() + (state / n / "node.json").read_text() for n in hosts)
        assert not [s for s in secrets if s in said]
        # lab down then up again keeps the lab's credentials with its saved startup-configs
        assert _cli(env, "lab", "down", "--state-dir", str(state)).returncode == 0
        again = _cli(env, "lab", "up", "--topology", "default", "--base", "127.%d" % base, "--state-dir", str(state))
        assert again.returncode == 0, again.stdout
        assert _inventory(state) == hosts
        (out,) = run_cli(hosts["SITE2"]["ansible_host"], hosts["SITE2"]["ansible_password"], state / "known_hosts",
                         "show running-config")
        assert "hostname SITE2" in out
    finally:
        _cli(env, "lab", "down", "--state-dir", str(state))


def test_an_address_held_by_another_process_is_named_in_one_line(tmp_path, env):
    base = _free_base()
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.%d.1.1" % base, 2830))
        holder.listen()
        proc = _cli(env, "lab", "up", "--topology", "default", "--base", "127.%d" % base, "--state-dir", str(tmp_path / "s"))
    finally:
        holder.close()
    assert proc.returncode == 1 and len(proc.stdout.splitlines()) == 1, proc.stdout
    assert proc.stdout.startswith("lab up: 127.%d.1.1:2830/tcp (SITE1 NETCONF) is in use by pid %d (" % (base, os.getpid()))
    assert "run this lab on other addresses (--base auto" in proc.stdout and "lab down" not in proc.stdout


def test_node_bind_error_names_address_port_and_holder(tmp_path, env):
    """The race that the check before the start cannot close: the node itself says it in one line,
    with exit status 98, and lab up passes that line on."""
    address = "127.%d.1.1" % _free_base()
    state = tmp_path / "state"
    (state / "R1").mkdir(parents=True)
    (state / "R1" / "startup-config").write_text("hostname R1\n")
    command = [sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(state), "--name", "R1", "--address", address]
    topology = lab.Topology({"devices": [{"name": "R1", "address": address}]}, "one")
    said = []
    holder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        holder.bind((address, 4342))
        proc = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env=env)
        with open(state / "R1" / "node.log", "wb") as log:
            node = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        code = lab._wait_ready(state, topology, {"R1": node}, 60, said.append)  # pylint: disable=protected-access
    finally:
        holder.close()
    assert proc.returncode == 98, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("lisp-xtr run: R1: %s:4342/udp (LISP control) is in use by pid %d (" % (address, os.getpid())), last
    assert code == lab.ADDRESS_IN_USE and len(said) == 1
    assert said[0].startswith("lab up: R1: %s:4342/udp (LISP control) is in use by pid %d" % (address, os.getpid())), said
    assert "--base auto" in said[0]


def test_base_maps_addresses_and_startup_configs():
    assert lab.parse_base("127.37") == 37 and lab.parse_base("127.37.0.0/16") == 37
    assert lab.parse_base("auto") == "auto" and lab.parse_base(None) is None
    for bad in ("10.1", "127.256", "127", "127.1.2"):
        with pytest.raises(lab.LabError, match="must be 127.N"):
            lab.parse_base(bad)
    moved = lab.load_topology("writeup-configured", 37)
    assert [d.address for d in moved.devices] == ["127.37.10.1", "127.37.1.1", "127.37.2.1"]
    site1 = moved.devices[1].startup_config
    assert "127.37.1.1 priority 10 weight 50" in site1 and "etr map-server 127.37.10.1 key" in site1
    assert "127.0." not in "".join(d.startup_config for d in moved.devices)
    for dev in moved.devices:
        dev.check_config()
    again = lab.load_topology("writeup-configured", 37)
    assert [d.startup_config for d in again.devices] == [d.startup_config for d in moved.devices]
    clash = {"devices": [{"name": "A", "address": "127.0.1.1"}, {"name": "B", "address": "127.5.1.1"}]}
    lab.Topology(clash, "clash")
    with pytest.raises(lab.LabError, match="127.9.1.1 used by two devices"):
        lab.Topology(clash, "clash", 9)


def test_stale_registry_entries_are_removed(tmp_path, env):
    del env
    folder = lab.registry_dir()
    folder.mkdir(parents=True)
    device = {"name": "R1", "address": "127.99.1.1", "cli_port": 2022, "netconf_port": 2830}
    old = {"state_dir": str(tmp_path / "gone"), "name": "default", "base": 99, "started": 1.0, "devices": [device]}
    new = dict(old, state_dir=str(tmp_path / "starting"), started=time.time())
    (folder / "old.json").write_text(json.dumps(old))
    (folder / "new.json").write_text(json.dumps(new))
    labs = {entry["state_dir"] for entry in lab.running_labs()}
    assert str(tmp_path / "starting") in labs and str(tmp_path / "gone") not in labs
    assert not (folder / "old.json").exists() and (folder / "new.json").exists()


def test_credentials_file_is_reused_and_a_topology_may_fix_them(tmp_path):
    first = lab.load_topology("default")
    second = lab.load_topology("default")
    assert first.devices[0].password != second.devices[0].password
    assert not lab.load_credentials(tmp_path, second)
    lab.save_credentials(tmp_path, first)
    assert _mode(tmp_path / lab.CREDENTIALS) == "0o600"
    assert lab.load_credentials(tmp_path, second)
    assert [(d.password, d.enable_secret) for d in second.devices] == [(d.password, d.enable_secret) for d in first.devices]
    fixed = lab.Topology({"devices": [{"name": "R1", "address": "127.0.1.1", "password": "p1", "enable_secret": "e1"}]}, "t")
    lab.load_credentials(tmp_path, fixed)
    assert (fixed.devices[0].password, fixed.devices[0].enable_secret) == ("p1", "e1")
    # the namespace lab reads the credentials its up() saved, in any later process
    one = netns.NetnsLab(tmp_path / "ns")
    (tmp_path / "ns").mkdir()
    lab.save_credentials(tmp_path / "ns", one.plan.topology)
    two = netns.NetnsLab(tmp_path / "ns")
    assert two._credentials("SITE1") == one._credentials("SITE1")  # pylint: disable=protected-access

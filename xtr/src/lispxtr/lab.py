"""The lab runner: a topology of routers as background processes on loopback addresses (no root).

``lab_up`` starts one ``lisp-xtr run`` process per device (its own session, output to
``DIR/<name>/node.log``), waits until each answers, and writes ``DIR/inventory.yml`` (the Ansible
inventory of DEVELOPING.md) and ``DIR/known_hosts``. ``lab_down`` stops exactly the processes it
started (each pid's command line is checked first). ``lab_status`` reports them.

A topology (YAML or JSON) lists devices: ``name``, ``address`` (127.0.0.0/8), ``role``
(``map-server`` or ``xtr``), ``host_eids``, ``eid_prefixes``, ``username``, ``password``,
``enable_secret``, ``cli_port``, ``netconf_port`` and an optional ``startup_config`` (``router
lisp`` lines). Built-in topologies: ``default`` (no LISP configuration), ``writeup-configured`` and
``dual-stack`` (the same with IPv6 EID-prefixes and hosts beside the IPv4 ones).
"""

from __future__ import annotations

import ipaddress
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import yaml

from . import config as cfg
from .wire.errors import is_int
from .node import DEFAULT_CLI_PORT, DEFAULT_NETCONF_PORT, atomic_write, ensure_host_key, node_dir

TOPOLOGY_DIR = pathlib.Path(__file__).resolve().parent / "topologies"
DEFAULT_TOPOLOGY = "default"
CONFIGURED_TOPOLOGY = "writeup-configured"
ROLES = {"map-server": "map_servers", "xtr": "xtrs"}
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


class LabError(Exception):
    """A lab operation that cannot be done; the message says why (never with a secret in it)."""


# ---------------------------------------------------------------------------------------------
# topology

class Device:
    """One device of a topology, validated."""

    FIELDS = ("name", "role", "address", "host_eids", "eid_prefixes", "username", "password", "enable_secret",
              "cli_port", "netconf_port", "startup_config")

    def __init__(self, data: dict, where: str):
        unknown = sorted(set(data) - set(self.FIELDS))
        if unknown:
            raise LabError("%s: unknown field(s) %s (known: %s)" % (where, ", ".join(unknown), ", ".join(self.FIELDS)))
        self.name = _text(data, "name", where)
        where = "%s (%s)" % (where, self.name)
        if not self.name.replace("_", "").replace("-", "").isalnum():
            raise LabError("%s: name %r must be letters, digits, '_' or '-'" % (where, self.name))
        self.role = data.get("role", "xtr")
        if self.role not in ROLES:
            raise LabError("%s: role %r must be one of %s" % (where, self.role, ", ".join(ROLES)))
        self.address = _text(data, "address", where)
        try:
            addr = ipaddress.ip_address(self.address)
        except ValueError:
            raise LabError("%s: address %r is not an IP address" % (where, self.address)) from None
        if addr.version != 4 or not addr.is_loopback:
            raise LabError("%s: address %s must be in 127.0.0.0/8 (the lab runs on loopback only)" % (where, self.address))
        try:
            self.host_eids = [ipaddress.ip_address(e).compressed for e in _list(data, "host_eids", where)]
        except ValueError as exc:
            raise LabError("%s: host_eids: %s" % (where, exc)) from None
        self.eid_prefixes = [str(ipaddress.ip_network(p)) for p in _list(data, "eid_prefixes", where)]
        self.username = _text(data, "username", where, "admin")
        self.password = _text(data, "password", where)
        self.enable_secret = _text(data, "enable_secret", where)
        for field in ("username", "password", "enable_secret"):
            if any(c.isspace() for c in getattr(self, field)):
                raise LabError("%s: %s must not contain white space" % (where, field))
        self.cli_port = _port(data, "cli_port", where, DEFAULT_CLI_PORT)
        self.netconf_port = _port(data, "netconf_port", where, DEFAULT_NETCONF_PORT)
        if self.cli_port == self.netconf_port:
            raise LabError("%s: cli_port and netconf_port are both %d" % (where, self.cli_port))
        self.startup_config = data.get("startup_config") or ""
        if not isinstance(self.startup_config, str):
            raise LabError("%s: startup_config must be configuration text" % where)

    @property
    def group(self) -> str:
        return ROLES[self.role]

    def startup_text(self) -> str:
        """The whole startup-config: hostname, credentials, then the topology's lines."""
        lines = ["hostname %s" % self.name,
                 "username %s privilege 15 secret 0 %s" % (self.username, self.password),
                 "enable secret 0 %s" % self.enable_secret]
        text = "\n".join(lines) + "\n"
        if self.startup_config.strip():
            text += self.startup_config if self.startup_config.endswith("\n") else self.startup_config + "\n"
        return text

    def check_config(self) -> None:
        """Parse and validate the startup-config the device would boot from (LabError naming the
        line of the topology's ``startup_config``)."""
        try:
            cfg.validate_tree(cfg.parse_config(self.startup_text()))
        except cfg.ConfigError as exc:
            if exc.lineno is not None and exc.lineno > 3:
                raise LabError("%s: startup_config line %d: %s%s" % (
                    self.name, exc.lineno - 3, exc.message, (" (%s)" % exc.line.strip()) if exc.line else "")) from None
            raise LabError("%s: credentials or hostname refused: %s" % (self.name, exc.message)) from None

    def to_json(self) -> dict:
        return {"name": self.name, "role": self.role, "address": self.address, "host_eids": self.host_eids,
                "eid_prefixes": self.eid_prefixes, "cli_port": self.cli_port, "netconf_port": self.netconf_port}


def _text(data, key, where, default=None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise LabError("%s: %s is required (a non-empty string)" % (where, key))
    return value


def _list(data, key, where) -> list:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise LabError("%s: %s must be a list" % (where, key))
    try:
        for item in value:
            ipaddress.ip_network(item)
    except (ValueError, TypeError):
        raise LabError("%s: %s has an invalid entry %r" % (where, key, item)) from None
    return value


def _port(data, key, where, default) -> int:
    value = data.get(key, default)
    if not is_int(value) or not 1 <= value <= 65535:
        raise LabError("%s: %s %r must be a port number 1..65535" % (where, key, value))
    return value


class Topology:
    def __init__(self, data, source: str):
        if not isinstance(data, dict) or not isinstance(data.get("devices"), list) or not data["devices"]:
            raise LabError("%s: a topology is a mapping with a non-empty 'devices' list" % source)
        self.source = source
        self.name = str(data.get("name") or pathlib.Path(source).stem)
        self.description = str(data.get("description") or "")
        self.devices = [Device(d if isinstance(d, dict) else {}, "%s device %d" % (source, i))
                        for i, d in enumerate(data["devices"], 1)]
        seen_names, seen_sockets = set(), set()
        for dev in self.devices:
            if dev.name in seen_names:
                raise LabError("%s: device name %s used twice" % (source, dev.name))
            seen_names.add(dev.name)
            for port in (dev.cli_port, dev.netconf_port):
                if (dev.address, port) in seen_sockets:
                    raise LabError("%s: %s:%d used twice" % (source, dev.address, port))
                seen_sockets.add((dev.address, port))
            if sum(1 for d in self.devices if d.address == dev.address) > 1:
                raise LabError("%s: address %s used by two devices (each needs its own RLOC)" % (source, dev.address))


def builtin_topologies() -> list[str]:
    return sorted(p.stem for p in TOPOLOGY_DIR.glob("*.yml"))


def load_topology(spec: str | None = None) -> Topology:
    """A topology from a file (YAML or JSON) or a built-in name (``default``, ``writeup-configured``, ``dual-stack``)."""
    spec = spec or DEFAULT_TOPOLOGY
    path = pathlib.Path(spec)
    if not path.exists():
        builtin = TOPOLOGY_DIR / (spec + ".yml")
        if "/" in spec or not builtin.exists():
            raise LabError("topology %s not found (a file, or one of: %s)" % (spec, ", ".join(builtin_topologies())))
        path = builtin
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise LabError("%s: cannot read the topology: %s" % (path, exc)) from None
    return Topology(data, str(path))


# ---------------------------------------------------------------------------------------------
# processes

def _cmdline(pid: int) -> list[str]:
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return [a.decode("utf-8", "replace") for a in handle.read().split(b"\0") if a]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid, "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (FileNotFoundError, IndexError):
        return False


def _is_our_node(pid: int, state_dir: pathlib.Path, name: str) -> bool:
    """The process ``pid`` is ``lisp-xtr run --state-dir state_dir --name name``."""
    args = _cmdline(pid)
    if not args or not any(a.endswith("lisp-xtr") or a == "lispxtr.cli" for a in args) or "run" not in args:
        return False

    def value(flag):
        return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None

    given = value("--state-dir")
    return value("--name") == name and given is not None and pathlib.Path(given).resolve() == state_dir.resolve()


def _read_pid(path: pathlib.Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def running_pid(state_dir, name) -> int | None:
    """The pid of the live node ``name`` of the lab in ``state_dir``, or None."""
    state_dir = pathlib.Path(state_dir)
    pid = _read_pid(node_dir(state_dir, name) / "node.pid")
    if pid is not None and _alive(pid) and _is_our_node(pid, state_dir, name):
        return pid
    return None


def _port_open(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def _log_tail(path: pathlib.Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def node_command(state_dir, dev: Device, pcap: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(pathlib.Path(state_dir).resolve()),
           "--name", dev.name, "--address", dev.address, "--cli-port", str(dev.cli_port),
           "--netconf-port", str(dev.netconf_port)]
    for eid in dev.host_eids:
        cmd += ["--host-eid", eid]
    if pcap:
        cmd += ["--pcap", pcap]
    return cmd


def _spawn(state_dir: pathlib.Path, dev: Device, pcap: str | None) -> subprocess.Popen:
    log_path = node_dir(state_dir, dev.name) / "node.log"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log_path, "ab") as log:
        return subprocess.Popen(node_command(state_dir, dev, pcap), stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True, env=env,
                                cwd=str(state_dir))


def _stop_pid(pid: int, timeout: float = STOP_TIMEOUT) -> bool:
    """SIGTERM ``pid``, then SIGKILL after ``timeout``; True once it is gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:  # reap it when it is our own child (lab up and down in one process)
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return True
            except ChildProcessError:
                pass
            if not _alive(pid):
                return True
            time.sleep(0.05)
    return not _alive(pid)


# ---------------------------------------------------------------------------------------------
# lab files

def _lab_file(state_dir) -> pathlib.Path:
    return pathlib.Path(state_dir) / "lab.json"


def read_lab(state_dir) -> dict:
    try:
        return json.loads(_lab_file(state_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabError("no lab in %s (run lisp-xtr lab up --state-dir %s)" % (state_dir, state_dir)) from None


def inventory(state_dir, topology: Topology) -> dict:
    """The Ansible inventory of the lab (the variables of DEVELOPING.md)."""
    state_dir = pathlib.Path(state_dir).resolve()
    hosts = {}
    for dev in topology.devices:
        hosts[dev.name] = {
            "ansible_host": dev.address,
            "ansible_user": dev.username,
            "ansible_password": dev.password,
            "ansible_become_password": dev.enable_secret,
            "ansible_connection": "local",
            "ansible_network_os": "cisco.ios.ios",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "lispnet_transport": "netconf",
            "lispnet_netconf_port": dev.netconf_port,
            "lispnet_cli_port": dev.cli_port,
            "lispnet_known_hosts": str(state_dir / "known_hosts"),
            "lispnet_host_key_checking": True,
            "lispnet_lab_rloc": dev.address,
            "lispnet_lab_eids": list(dev.eid_prefixes),
        }
    children = {"lisp_routers": {"hosts": {d.name: {} for d in topology.devices}}}
    for group in ROLES.values():
        children[group] = {"hosts": {d.name: {} for d in topology.devices if d.group == group}}
    return {"all": {"hosts": hosts, "children": children}}


def known_hosts_text(state_dir, topology: Topology) -> str:
    lines = []
    for dev in topology.devices:
        public = ensure_host_key(node_dir(state_dir, dev.name) / "ssh_host_key")
        for port in (dev.cli_port, dev.netconf_port):
            lines.append("[%s]:%d %s" % (dev.address, port, public))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# commands

def lab_up(state_dir, topology_spec: str | None = None, *, configured: bool = False, pcap: bool = False,
           reset: bool = False, timeout: float = START_TIMEOUT, out=print) -> int:
    """Start the lab; 0 when every device answers, 1 when something failed (nothing left running),
    2 when the topology or a startup configuration is refused (nothing started)."""
    state_dir = pathlib.Path(state_dir).resolve()
    try:
        if configured and topology_spec not in (None, CONFIGURED_TOPOLOGY):
            raise LabError("--startup-config boots the write-up configuration; it cannot be combined with --topology")
        topology = load_topology(CONFIGURED_TOPOLOGY if configured else topology_spec)
        for dev in topology.devices:
            dev.check_config()
    except LabError as exc:
        out("lab up: %s" % exc)
        return 2
    state_dir.mkdir(parents=True, exist_ok=True)
    live = {d.name: running_pid(state_dir, d.name) for d in topology.devices}
    if any(live.values()):
        if all(live.values()):
            out("lab already up in %s" % state_dir)
            _summary(state_dir, topology, live, out)
            return 0
        out("lab up: part of the lab in %s is running (%s); run lisp-xtr lab down --state-dir %s first"
            % (state_dir, ", ".join(n for n, p in live.items() if p), state_dir))
        return 1
    try:
        previous = read_lab(state_dir)
    except LabError:
        previous = {}
    rewrite = reset or previous.get("topology") != topology.source
    for dev in topology.devices:
        ndir = node_dir(state_dir, dev.name)
        ndir.mkdir(parents=True, exist_ok=True)
        os.chmod(ndir, 0o700)
        atomic_write(ndir / "node.json", json.dumps(dev.to_json(), indent=1) + "\n", 0o644)
        startup = ndir / "startup-config"
        if rewrite or not startup.exists():  # a saved startup-config survives lab down/up
            atomic_write(startup, dev.startup_text(), 0o600)
        ensure_host_key(ndir / "ssh_host_key")
        try:
            (ndir / "node.pid").unlink()
        except FileNotFoundError:
            pass
    atomic_write(_lab_file(state_dir), json.dumps({"topology": topology.source, "name": topology.name, "pcap": pcap,
                                                   "devices": [d.to_json() for d in topology.devices]}, indent=1) + "\n")
    procs = {}
    for dev in topology.devices:
        pcap_path = str(node_dir(state_dir, dev.name) / "lisp.pcap") if pcap else None
        procs[dev.name] = _spawn(state_dir, dev, pcap_path)
    failed = _wait_ready(state_dir, topology, procs, timeout, out)
    if failed:
        for dev in topology.devices:
            if procs[dev.name].poll() is None:
                _stop_pid(procs[dev.name].pid)
        return 1
    atomic_write(state_dir / "known_hosts", known_hosts_text(state_dir, topology), 0o644)
    atomic_write(state_dir / "inventory.yml",
                 "# written by lisp-xtr lab up (%s); holds the lab's credentials\n" % topology.name
                 + yaml.safe_dump(inventory(state_dir, topology), sort_keys=False, default_flow_style=False), 0o600)
    _summary(state_dir, topology, {n: p.pid for n, p in procs.items()}, out)
    return 0


def _wait_ready(state_dir, topology, procs, timeout, out) -> bool:
    """Wait until each node wrote its pid file and its SSH ports accept; True when one failed."""
    deadline = time.monotonic() + timeout
    pending = {d.name: d for d in topology.devices}
    while pending:
        for name, dev in list(pending.items()):
            proc = procs[name]
            code = proc.poll()
            if code is not None:
                out("lab up: %s exited with status %d; the end of %s:\n%s" % (
                    name, code, node_dir(state_dir, name) / "node.log", _log_tail(node_dir(state_dir, name) / "node.log")))
                return True
            if (_read_pid(node_dir(state_dir, name) / "node.pid") == proc.pid
                    and _port_open(dev.address, dev.cli_port) and _port_open(dev.address, dev.netconf_port)):
                del pending[name]
        if not pending:
            return False
        if time.monotonic() > deadline:
            out("lab up: %s did not come up within %.0f s; see %s" % (
                ", ".join(pending), timeout, ", ".join(str(node_dir(state_dir, n) / "node.log") for n in pending)))
            return True
        time.sleep(0.1)
    return False


def _summary(state_dir, topology, pids, out) -> None:
    out("lab %s up in %s" % (topology.name, state_dir))
    for dev in topology.devices:
        eids = ""
        if dev.eid_prefixes:
            eids = "  EID %s" % ", ".join(dev.eid_prefixes)
            if dev.host_eids:
                eids += " (host %s)" % ", ".join(dev.host_eids)
        out("  %-8s %-12s pid %-7s ssh %d  netconf %d  %s%s"
            % (dev.name, dev.address, pids.get(dev.name), dev.cli_port, dev.netconf_port, dev.role, eids))
    out("inventory:   %s" % (state_dir / "inventory.yml"))
    out("known_hosts: %s" % (state_dir / "known_hosts"))


def _devices(state_dir) -> list[dict]:
    return read_lab(state_dir)["devices"]


def lab_down(state_dir, out=print) -> int:
    """Stop the lab's processes (only pids whose command line is that lab's node); 0 when none is left."""
    state_dir = pathlib.Path(state_dir).resolve()
    try:
        devices = _devices(state_dir)
    except LabError as exc:
        out("lab down: %s" % exc)
        return 1
    status = 0
    for dev in devices:
        name = dev["name"]
        pid_path = node_dir(state_dir, name) / "node.pid"
        pid = _read_pid(pid_path)
        if pid is None:
            out("  %-8s not running" % name)
            continue
        if not _alive(pid) or not _is_our_node(pid, state_dir, name):
            out("  %-8s stale pid file (pid %d is not this node); removed" % (name, pid))
        elif _stop_pid(pid):
            out("  %-8s stopped (pid %d)" % (name, pid))
        else:
            out("  %-8s pid %d did not stop" % (name, pid))
            status = 1
            continue
        try:
            pid_path.unlink()
        except FileNotFoundError:
            pass
    out("lab in %s is down" % state_dir if status == 0 else "lab down: some processes did not stop")
    return status


def lab_status(state_dir, out=print) -> int:
    """Print each device's state; 0 when all run, 3 when some or all are stopped (LSB style)."""
    state_dir = pathlib.Path(state_dir).resolve()
    try:
        devices = _devices(state_dir)
    except LabError as exc:
        out("lab status: %s" % exc)
        return 3
    up = 0
    for dev in devices:
        pid = running_pid(state_dir, dev["name"])
        answering = pid is not None and _port_open(dev["address"], dev["cli_port"])
        state = "running" if answering else ("starting" if pid else "stopped")
        up += state == "running"
        out("  %-8s %-12s %-8s pid %-7s ssh %d  netconf %d" % (dev["name"], dev["address"], state, pid or "-",
                                                               dev["cli_port"], dev["netconf_port"]))
    return 0 if up == len(devices) else 3

"""The lab runner: a topology of routers as background processes on loopback addresses (no root).

``lab_up`` starts one ``lisp-xtr run`` process per device (its own session, output to
``DIR/<name>/node.log``), waits until each answers, and writes ``DIR/inventory.yml`` (the Ansible
inventory of DEVELOPING.md) and ``DIR/known_hosts``. ``lab_down`` stops exactly the processes it
started (each pid's command line is checked first). ``lab_status`` reports them.

Before starting anything ``lab_up`` checks that every address and port of the topology is free; when
one is taken it says so in one line (the process holding it, its lab's state directory when it is a
router of ours, and the way out) and starts nothing. ``base`` runs any topology on other addresses:
``127.N`` maps every 127.a.b.c of the topology (device addresses and its startup-configs) to
127.N.b.c; ``auto`` picks an N in 100..254 whose addresses are all free. Running labs are recorded in
a per-user registry (``registry_dir()``), which ``lab_list`` reads (with the ``lisp-xtr run``
processes found in ``/proc``) and cleans of labs no longer running.

Credentials: a device without ``password`` / ``enable_secret`` in its topology gets random ones
(``secrets``) at ``lab up``, kept in ``DIR/credentials.json`` and ``DIR/inventory.yml`` (both 0600)
and written into the startup-config as type 9 hashes only; they are never printed.

A topology (YAML or JSON) lists devices: ``name``, ``address`` (127.0.0.0/8), ``role``
(``map-server`` or ``xtr``), ``host_eids``, ``eid_prefixes``, ``username``, ``password`` and
``enable_secret`` (optional: random per lab when absent), ``cli_port``, ``netconf_port`` and an
optional ``startup_config`` (``router lisp`` lines). Built-in topologies: ``default`` (no LISP
configuration), ``writeup-configured``, ``dual-stack`` (the same with IPv6 EID-prefixes and hosts
beside the IPv4 ones) and ``fabric`` (two MS/MRs, two tenants with the same EIDs: docs/fabric.md).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import pathlib
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time

import yaml

from . import config as cfg
from . import portuse
from .config.secrets import hash_type9
from .wire.errors import is_int
from .node import CONTROL_PORT, DATA_PORT, DEFAULT_CLI_PORT, DEFAULT_NETCONF_PORT, atomic_write, ensure_host_key, node_dir

TOPOLOGY_DIR = pathlib.Path(__file__).resolve().parent / "topologies"
DEFAULT_TOPOLOGY = "default"
CONFIGURED_TOPOLOGY = "writeup-configured"
ROLES = {"map-server": "map_servers", "xtr": "xtrs"}
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
ADDRESS_IN_USE = 98  # exit status of a node whose address and port are taken (lispxtr.cli)
AUTO_BASES = range(100, 255)  # --base auto: 127.N with N here (xtr/tests use 127.50-127.74, benchmarks 127.0)
REGISTRY_ENV = "LISP_XTR_LAB_REGISTRY"
STALE_AFTER = START_TIMEOUT + 30.0  # a registry entry of a lab with no live router is dropped after this
CREDENTIALS = "credentials.json"
_LOOPBACK4 = re.compile(r"(?<![\d.])127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])")


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
        # a topology may fix them (tests); otherwise each lab gets its own (load_credentials)
        self.generated = set()
        for field in ("password", "enable_secret"):
            if data.get(field) is None:
                setattr(self, field, new_secret())
                self.generated.add(field)
            else:
                setattr(self, field, _text(data, field, where))
        self._hashed = {}
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

    def _type9(self, clear: str) -> str:
        if clear not in self._hashed:
            self._hashed[clear] = hash_type9(clear)
        return self._hashed[clear]

    def startup_text(self) -> str:
        """The whole startup-config: hostname, credentials (hashed, type 9), then the topology's lines."""
        lines = ["hostname %s" % self.name,
                 "username %s privilege 15 secret 9 %s" % (self.username, self._type9(self.password)),
                 "enable secret 9 %s" % self._type9(self.enable_secret)]
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


def new_secret() -> str:
    """A fresh random password (24 characters of [A-Za-z0-9_-], 144 bits)."""
    return secrets.token_urlsafe(18)


def parse_base(text) -> int | str | None:
    """``--base``: None (the topology's own addresses), ``"auto"``, or N of ``127.N`` (0..255)."""
    if text in (None, ""):
        return None
    text = str(text).strip()
    if text == "auto":
        return "auto"
    match = re.fullmatch(r"127\.(\d{1,3})(?:\.0\.0(?:/16)?)?", text)
    if not match or int(match.group(1)) > 255:
        raise LabError("base %r must be 127.N with N 0..255 (the lab then runs on 127.N.x.y), or auto" % text)
    return int(match.group(1))


def _rebase_text(text: str, octet: int) -> str:
    return _LOOPBACK4.sub(lambda m: "127.%d.%s.%s" % (octet, m.group(2), m.group(3)), text)


class Topology:
    def __init__(self, data, source: str, base: int | None = None):
        if not isinstance(data, dict) or not isinstance(data.get("devices"), list) or not data["devices"]:
            raise LabError("%s: a topology is a mapping with a non-empty 'devices' list" % source)
        self.data, self.base = data, base
        if base is not None:  # 127.a.b.c -> 127.base.b.c, in the addresses and the startup-configs
            data = dict(data, devices=[_rebase_device(d, base) for d in data["devices"]])
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

    def rebased(self, base: int | None) -> "Topology":
        """The same topology on 127.``base``.x.y (None: on its own addresses)."""
        return Topology(self.data, self.source, base)

    def sockets(self):
        """Every (device, address, port, proto, what) the lab binds."""
        for dev in self.devices:
            yield dev, dev.address, dev.cli_port, "tcp", "SSH CLI"
            yield dev, dev.address, dev.netconf_port, "tcp", "NETCONF"
            yield dev, dev.address, CONTROL_PORT, "udp", "LISP control"
            yield dev, dev.address, DATA_PORT, "udp", "LISP data"

    def taken(self):
        """The first (device, address, port, proto, what) that cannot be bound now, or None."""
        for item in self.sockets():
            if not portuse.can_bind(item[1], item[2], item[3]):
                return item
        return None


def _rebase_device(dev, base: int):
    if not isinstance(dev, dict):
        return dev
    dev = dict(dev)
    if isinstance(dev.get("address"), str):
        dev["address"] = _rebase_text(dev["address"], base)
    if isinstance(dev.get("startup_config"), str):
        dev["startup_config"] = _rebase_text(dev["startup_config"], base)
    return dev


def builtin_topologies() -> list[str]:
    return sorted(p.stem for p in TOPOLOGY_DIR.glob("*.yml"))


def load_topology(spec: str | None = None, base: int | None = None) -> Topology:
    """A topology from a file (YAML or JSON) or a built-in name (``default``, ``writeup-configured``, ``dual-stack``),
    on 127.``base``.x.y when ``base`` is given."""
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
    return Topology(data, str(path), base)


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


# The cisco.ios way to reach a device: (connection, the device's port for it).
CONNECTIONS = {"network_cli": ("ansible.netcommon.network_cli", "cli_port"),
               "netconf": ("ansible.netcommon.netconf", "netconf_port")}


def connection_inventory(topology: Topology, way: str) -> dict:
    """The lab's inventory written as cisco.ios users write theirs: ``way`` (network_cli or netconf)
    with become/enable and no lispnet_* variable. Host keys come from ~/.ssh/known_hosts, so it is
    used with HOME=DIR/home, whose known_hosts is the lab's (never trust on first use)."""
    connection, port = CONNECTIONS[way]
    hosts = {dev.name: {"ansible_host": dev.address, "ansible_port": getattr(dev, port), "ansible_user": dev.username,
                        "ansible_password": dev.password, "ansible_become_password": dev.enable_secret}
             for dev in topology.devices}
    children = {"lisp_routers": {"hosts": {d.name: {} for d in topology.devices}}}
    for group in ROLES.values():
        children[group] = {"hosts": {d.name: {} for d in topology.devices if d.group == group}}
    return {"all": {"vars": {"ansible_connection": connection, "ansible_network_os": "cisco.ios.ios", "ansible_become": True,
                             "ansible_become_method": "enable", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                    "hosts": hosts, "children": children}}


def known_hosts_text(state_dir, topology: Topology) -> str:
    lines = []
    for dev in topology.devices:
        public = ensure_host_key(node_dir(state_dir, dev.name) / "ssh_host_key")
        for port in (dev.cli_port, dev.netconf_port):
            lines.append("[%s]:%d %s" % (dev.address, port, public))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# credentials

def load_credentials(state_dir, topology: Topology) -> bool:
    """Give the devices whose topology sets no password / enable_secret those of ``DIR/credentials.json``;
    False when that file is missing or lacks one of them (the devices keep fresh random ones)."""
    try:
        stored = json.loads((pathlib.Path(state_dir) / CREDENTIALS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    complete = True
    for dev in topology.devices:
        mine = stored.get(dev.name) if isinstance(stored, dict) else None
        for field in sorted(dev.generated):
            value = mine.get(field) if isinstance(mine, dict) else None
            if isinstance(value, str) and value and not any(c.isspace() for c in value):
                setattr(dev, field, value)
            else:
                complete = False
    return complete


def save_credentials(state_dir, topology: Topology) -> None:
    """``DIR/credentials.json`` (0600): each device's username, password and enable secret."""
    data = {d.name: {"username": d.username, "password": d.password, "enable_secret": d.enable_secret}
            for d in topology.devices}
    atomic_write(pathlib.Path(state_dir) / CREDENTIALS, json.dumps(data, indent=1) + "\n", 0o600)


# ---------------------------------------------------------------------------------------------
# the registry of running labs (per user)

def registry_dir() -> pathlib.Path:
    """``$LISP_XTR_LAB_REGISTRY``, else ``$XDG_RUNTIME_DIR/lispnet/labs``, else ``~/.cache/lispnet/labs``."""
    if os.environ.get(REGISTRY_ENV):
        return pathlib.Path(os.environ[REGISTRY_ENV])
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return pathlib.Path(runtime) / "lispnet" / "labs"
    return pathlib.Path.home() / ".cache" / "lispnet" / "labs"


def _registry_entry(state_dir) -> pathlib.Path:
    key = hashlib.sha256(str(pathlib.Path(state_dir).resolve()).encode("utf-8")).hexdigest()[:16]
    return registry_dir() / ("%s.json" % key)


def _register(state_dir, topology: Topology) -> None:
    """Best effort: without a registry, lab list still finds the routers in /proc."""
    entry = {"state_dir": str(pathlib.Path(state_dir).resolve()), "topology": topology.source, "name": topology.name,
             "base": topology.base, "started": time.time(), "devices": [d.to_json() for d in topology.devices]}
    try:
        folder = registry_dir()
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        atomic_write(_registry_entry(state_dir), json.dumps(entry, indent=1) + "\n", 0o600)
    except OSError:
        pass


def _unregister(state_dir) -> None:
    try:
        _registry_entry(state_dir).unlink()
    except OSError:
        pass


def _registered() -> list[dict]:
    entries = []
    for path in sorted(registry_dir().glob("*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            entry["_path"] = str(path)
            if isinstance(entry.get("state_dir"), str) and isinstance(entry.get("devices"), list):
                entries.append(entry)
        except (OSError, ValueError):
            continue
    return entries


def _unregistered_state_dirs(known) -> set:
    """State directories of this user's ``lisp-xtr run`` processes that no registry entry names."""
    found = set()
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if proc.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        node = portuse.lab_node_of(_cmdline(int(proc.name)))
        if node and str(pathlib.Path(node[0]).resolve()) not in known:
            found.add(str(pathlib.Path(node[0]).resolve()))
    return found


def running_labs() -> list[dict]:
    """The labs of this user: registry entries and the state directories of running routers, each with
    its devices' pid and liveness; entries of labs with no live router are removed from the registry."""
    labs = []
    entries = _registered()
    for state_dir in sorted(_unregistered_state_dirs({e["state_dir"] for e in entries})):
        try:
            data = read_lab(state_dir)
        except (LabError, ValueError):
            continue
        entries.append(dict(data, state_dir=state_dir, topology=data.get("topology"), registered=False))
    now = time.time()
    for entry in entries:
        devices = []
        for dev in entry["devices"]:
            pid = running_pid(entry["state_dir"], dev.get("name", ""))
            devices.append(dict(dev, pid=pid, alive=pid is not None and _port_open(dev["address"], dev["cli_port"])))
        if not any(d["pid"] for d in devices):
            started = entry.get("started")
            fresh = isinstance(started, (int, float)) and now - started < STALE_AFTER  # may be starting
            if "_path" in entry and not fresh:
                try:
                    os.unlink(entry["_path"])
                except FileNotFoundError:
                    pass
                continue
        labs.append({"state_dir": entry["state_dir"], "topology": entry.get("name") or entry.get("topology"),
                     "base": entry.get("base"), "registered": entry.get("registered", True), "devices": devices})
    return labs


def lab_list(out=print, as_json: bool = False) -> int:
    """Print the running labs of this user (state dir, topology, devices, addresses, pids, alive?)."""
    labs = running_labs()
    if as_json:
        out(json.dumps(labs, indent=1))
        return 0
    if not labs:
        out("no lab running (registry %s)" % registry_dir())
        return 0
    for entry in labs:
        alive = sum(1 for d in entry["devices"] if d["alive"])
        out("%s  topology %s%s  %d/%d routers alive%s" % (
            entry["state_dir"], entry["topology"], "" if entry["base"] is None else " (base 127.%d)" % entry["base"],
            alive, len(entry["devices"]), "" if entry["registered"] else "  (found in /proc, not registered)"))
        for dev in entry["devices"]:
            state = "alive" if dev["alive"] else "down"
            out("  %-8s %-14s pid %-7s ssh %d  netconf %d  %s"
                % (dev["name"], dev["address"], dev["pid"] or "-", dev["cli_port"], dev["netconf_port"], state))
    return 0


# ---------------------------------------------------------------------------------------------
# commands

def _in_use_line(topology: Topology, item) -> str:
    """One line: which address and port is taken, by whom, and the way out."""
    dev, address, port, proto, what = item
    found = portuse.holder(address, port, proto)
    text = "%s is in use" % portuse.endpoint(address, port, proto, "%s %s" % (dev.name, what))
    other = "run this lab on other addresses (--base auto, --base 127.N, or another --topology)"
    if found is None:
        return "%s; %s" % (text, other)
    text += " by %s" % found
    if found.node and found.ours:
        return "%s; stop it with: lisp-xtr lab down --state-dir %s, or %s" % (text, found.node[0], other)
    return "%s; %s" % (text, other)


def pick_base(topology: Topology, prefer=None) -> Topology:
    """The topology on 127.N.x.y for an N of AUTO_BASES (``prefer`` first) whose addresses are all free
    and that no running lab of this user was given."""
    taken = {e.get("base") for e in _registered()}
    candidates = [n for n in AUTO_BASES if n != prefer]
    random.shuffle(candidates)
    if prefer in AUTO_BASES:
        candidates.insert(0, prefer)
    for base in candidates:
        if base in taken and base != prefer:
            continue
        moved = topology.rebased(base)
        if moved.taken() is None:
            return moved
    raise LabError("no 127.N (N %d..%d) has every address of topology %s free" % (AUTO_BASES[0], AUTO_BASES[-1], topology.name))


def lab_check(topology_spec: str | None = None, base=None, out=print) -> int:
    """0 when every address and port of the topology is free, else 1 with the one line of lab up."""
    try:
        base = parse_base(base)
        topology = load_topology(topology_spec, None if base == "auto" else base)
        if base == "auto":
            topology = pick_base(topology)
    except LabError as exc:
        out("lab check: %s" % exc)
        return 2
    item = topology.taken()
    if item is not None:
        out("lab check: %s" % _in_use_line(topology, item))
        return 1
    out("lab check: the addresses of topology %s are free (%s)" % (topology.name, ", ".join(d.address for d in topology.devices)))
    return 0


def lab_up(state_dir, topology_spec: str | None = None, *, configured: bool = False, pcap: bool = False,
           reset: bool = False, timeout: float = START_TIMEOUT, base=None, out=print) -> int:
    """Start the lab; 0 when every device answers, 1 when something failed (nothing left running; an
    address in use is one line naming it), 2 when the topology or a startup configuration is refused
    (nothing started). ``base``: None, ``127.N`` or ``auto`` (module docstring)."""
    state_dir = pathlib.Path(state_dir).resolve()
    try:
        if configured and topology_spec not in (None, CONFIGURED_TOPOLOGY):
            raise LabError("--startup-config boots the write-up configuration; it cannot be combined with --topology")
        base = parse_base(base)
        topology = load_topology(CONFIGURED_TOPOLOGY if configured else topology_spec, None if base == "auto" else base)
    except LabError as exc:
        out("lab up: %s" % exc)
        return 2
    try:
        previous = read_lab(state_dir)
    except LabError:
        previous = {}
    live = {d.name: running_pid(state_dir, d.name) for d in topology.devices}
    if any(live.values()):
        if all(live.values()):
            out("lab already up in %s" % state_dir)
            if previous.get("base") != topology.base and base != "auto":
                out("lab up: it runs on base %s, not the one asked for (lisp-xtr lab down --state-dir %s first)"
                    % (previous.get("base"), state_dir))
                return 1
            running = load_topology(previous.get("topology"), previous.get("base")) if previous.get("topology") else topology
            _summary(state_dir, running, live, out)
            return 0
        out("lab up: part of the lab in %s is running (%s); run lisp-xtr lab down --state-dir %s first"
            % (state_dir, ", ".join(n for n, p in live.items() if p), state_dir))
        return 1
    for attempt in range(3):
        if base == "auto":
            try:
                topology = pick_base(topology, previous.get("base") if previous.get("topology") == topology.source else None)
            except LabError as exc:
                out("lab up: %s" % exc)
                return 1
        code = _start(state_dir, topology, previous, reset, pcap, timeout, out)
        if code != ADDRESS_IN_USE or base != "auto" or attempt == 2:
            return 0 if code == 0 else (2 if code == 2 else 1)
        previous = read_lab(state_dir)  # another lab took the addresses between the check and the bind
        out("lab up: trying other addresses")
    return 1


def _start(state_dir, topology, previous, reset, pcap, timeout, out) -> int:
    item = topology.taken()
    if item is not None:
        out("lab up: %s" % _in_use_line(topology, item))
        return 1
    # the saved startup-configs survive lab down/up, with the credentials they were written with
    rewrite = reset or previous.get("topology") != topology.source or previous.get("base") != topology.base
    if not rewrite and not load_credentials(state_dir, topology):
        rewrite = True
    try:
        for dev in topology.devices:
            dev.check_config()
    except LabError as exc:
        out("lab up: %s" % exc)
        return 2
    state_dir.mkdir(parents=True, exist_ok=True)
    save_credentials(state_dir, topology)
    for dev in topology.devices:
        ndir = node_dir(state_dir, dev.name)
        ndir.mkdir(parents=True, exist_ok=True)
        os.chmod(ndir, 0o700)
        atomic_write(ndir / "node.json", json.dumps(dev.to_json(), indent=1) + "\n", 0o644)
        startup = ndir / "startup-config"
        if rewrite or not startup.exists():
            atomic_write(startup, dev.startup_text(), 0o600)
        ensure_host_key(ndir / "ssh_host_key")
        try:
            (ndir / "node.pid").unlink()
        except FileNotFoundError:
            pass
    atomic_write(_lab_file(state_dir), json.dumps({"topology": topology.source, "name": topology.name, "pcap": pcap,
                                                   "base": topology.base,
                                                   "devices": [d.to_json() for d in topology.devices]}, indent=1) + "\n")
    _register(state_dir, topology)
    procs = {}
    for dev in topology.devices:
        pcap_path = str(node_dir(state_dir, dev.name) / "lisp.pcap") if pcap else None
        procs[dev.name] = _spawn(state_dir, dev, pcap_path)
    failed = _wait_ready(state_dir, topology, procs, timeout, out)
    if failed:
        for dev in topology.devices:
            if procs[dev.name].poll() is None:
                _stop_pid(procs[dev.name].pid)
        _unregister(state_dir)
        return failed
    known = known_hosts_text(state_dir, topology)
    atomic_write(state_dir / "known_hosts", known, 0o644)
    atomic_write(state_dir / "inventory.yml",
                 "# written by lisp-xtr lab up (%s); holds the lab's credentials\n" % topology.name
                 + yaml.safe_dump(inventory(state_dir, topology), sort_keys=False, default_flow_style=False), 0o600)
    home_ssh = state_dir / "home" / ".ssh"
    home_ssh.mkdir(parents=True, exist_ok=True)
    os.chmod(home_ssh.parent, 0o700)
    os.chmod(home_ssh, 0o700)
    atomic_write(home_ssh / "known_hosts", known, 0o644)
    for way in CONNECTIONS:
        atomic_write(state_dir / ("inventory-%s.yml" % way),
                     "# written by lisp-xtr lab up (%s): the cisco.ios form over %s; holds the lab's credentials.\n"
                     "# Use with HOME=%s (its ~/.ssh/known_hosts holds the lab's host keys).\n" % (topology.name, way, home_ssh.parent)
                     + yaml.safe_dump(connection_inventory(topology, way), sort_keys=False, default_flow_style=False), 0o600)
    _summary(state_dir, topology, {n: p.pid for n, p in procs.items()}, out)
    return 0


def _last_line(path: pathlib.Path) -> str:
    lines = _log_tail(path, 1).splitlines()
    return lines[-1] if lines else ""


def _wait_ready(state_dir, topology, procs, timeout, out) -> int:
    """Wait until each node wrote its pid file and its SSH ports accept; 0 when all did, else 1, or
    ADDRESS_IN_USE when a node found its address and port taken."""
    deadline = time.monotonic() + timeout
    pending = {d.name: d for d in topology.devices}
    while pending:
        for name, dev in list(pending.items()):
            proc = procs[name]
            code = proc.poll()
            log = node_dir(state_dir, name) / "node.log"
            if code == ADDRESS_IN_USE:  # the node's last line names the address, the port and the holder
                out("lab up: %s; run this lab on other addresses (--base auto, --base 127.N, or another --topology)"
                    % _last_line(log).replace("lisp-xtr run: ", "", 1))
                return ADDRESS_IN_USE
            if code is not None:
                out("lab up: %s exited with status %d; the end of %s:\n%s" % (name, code, log, _log_tail(log)))
                return 1
            if (_read_pid(node_dir(state_dir, name) / "node.pid") == proc.pid
                    and _port_open(dev.address, dev.cli_port) and _port_open(dev.address, dev.netconf_port)):
                del pending[name]
        if not pending:
            return 0
        if time.monotonic() > deadline:
            out("lab up: %s did not come up within %.0f s; see %s" % (
                ", ".join(pending), timeout, ", ".join(str(node_dir(state_dir, n) / "node.log") for n in pending)))
            return 1
        time.sleep(0.1)
    return 0


def _summary(state_dir, topology, pids, out) -> None:
    out("lab %s up in %s%s" % (topology.name, state_dir, "" if topology.base is None else " (base 127.%d)" % topology.base))
    for dev in topology.devices:
        eids = ""
        if dev.eid_prefixes:
            eids = "  EID %s" % ", ".join(dev.eid_prefixes)
            if dev.host_eids:
                eids += " (host %s)" % ", ".join(dev.host_eids)
        out("  %-8s %-12s pid %-7s ssh %d  netconf %d  %s%s"
            % (dev.name, dev.address, pids.get(dev.name), dev.cli_port, dev.netconf_port, dev.role, eids))
    out("inventory:   %s" % (state_dir / "inventory.yml"))
    out("             %s, %s (cisco.ios form; with HOME=%s)"
        % (state_dir / "inventory-network_cli.yml", state_dir / "inventory-netconf.yml", state_dir / "home"))
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
    if status == 0:
        _unregister(state_dir)
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

"""The write-up's lab with real Linux hosts, in network namespaces (root only).

``lisp-xtr netns up|down|status|test`` (``scripts/netns-lab``) builds, for a topology (default
``writeup-configured``), one namespace per router and one per host EID, all named ``PREFIX<name>``:

``PREFIXcore``    the RLOC link: bridge ``br0`` (10.255.255.254/16, the management station)
``PREFIXmrms``    MR_MS, RLOC 10.255.10.1 on ``rloc0``
``PREFIXsite1``   SITE1, RLOC 10.255.1.1 on ``rloc0``; ``eid0`` 192.168.1.254/24 to host1; TUN ``lisp0``
``PREFIXsite2``   SITE2, RLOC 10.255.2.1 on ``rloc0``; ``eid0`` 192.168.2.254/24 to host2; TUN ``lisp0``
``PREFIXhost1``   a Linux host, 192.168.1.1/24 on ``eth0``, default route via 192.168.1.254
``PREFIXhost2``   a Linux host, 192.168.2.1/24 on ``eth0``, default route via 192.168.2.254

A device's loopback address 127.a.b.c in the topology becomes the RLOC 10.255.b.c, everywhere in its
configuration. Every address lives inside these namespaces only; nothing is added to the namespace
this command runs in. An xTR routes everything it has no connected route for into its TUN device
(``default dev lisp0``, as the write-up's ``map-cache 0.0.0.0/0 map-request``), where ``lisp-xtr run
--eid-tun lisp0`` reads it as its ITR, and writes what its ETR decapsulates back into it. The routers
emulate no host: the Linux hosts answer pings themselves.

Each router runs ``lisp-xtr run`` inside its namespace with SSH CLI on port 22 and NETCONF on 830 of
its RLOC address (as a device running as root on its own address does). ``STATE_DIR/inventory.yml``
and ``known_hosts`` are the lab runner's; a controller reaches them from the core namespace
(``ip netns exec PREFIXcore ansible-playbook -i STATE_DIR/inventory.yml ...``).

``test`` is the write-up's transcript as a check: both sites register, then ``ping -c 5 -W 2`` from
host1 to host2 twice; the first must lose exactly echoes 1 and 2 (SITE1 drops echo 1 while it
resolves SITE2's EID; SITE2 drops echo 2's reply while it resolves SITE1's), the second none.
Linux ping sends one echo a second and each Map-Request/Map-Reply round trip here takes a few
milliseconds, so each miss costs exactly the one packet that caused it (RFC 9301 §6.1: an ITR that
misses drops the packet and asks).
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ipaddress
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import yaml

from . import lab
from .node import atomic_write, ensure_host_key, node_dir

NETNS_RUN_DIR = pathlib.Path("/run/netns")
RLOC_NET = ipaddress.ip_network("10.255.0.0/16")
CORE_ADDRESS = "10.255.255.254"
CLI_PORT = 22
NETCONF_PORT = 830
TUN_NAME = "lisp0"
# RFC 9300 §7.1: the ITR's EID-side MTU leaves room for the 36 octets it adds (IPv4 20, UDP 8, LISP 8)
TUN_MTU = 1500 - 36
TUN_QUEUE = 10000  # packets the kernel holds for the xTR's reads
CLONE_NEWNET = 0x40000000
START_TIMEOUT = 60.0
REGISTER_TIMEOUT = 45.0
PING_COUNT = 5


class NetnsError(Exception):
    """The namespace lab cannot do what was asked; the message says why."""


# ---------------------------------------------------------------------------------------------
# the plan: names and addresses

def rloc_for(loopback: str) -> str:
    """127.a.b.c in a topology -> the RLOC 10.255.b.c on the namespace-only link."""
    octets = ipaddress.IPv4Address(loopback).packed
    address = ipaddress.IPv4Address(bytes((10, 255)) + octets[2:])
    if address in (RLOC_NET.network_address, RLOC_NET.broadcast_address, ipaddress.IPv4Address(CORE_ADDRESS)):
        raise NetnsError("%s cannot become an RLOC (%s is reserved)" % (loopback, address))
    return str(address)


def _ns_name(prefix: str, name: str) -> str:
    return prefix + re.sub(r"[^a-z0-9-]", "", name.lower())


class Plan:
    """The namespaces, links and addresses of a topology (nothing is done by building one)."""

    def __init__(self, topology: lab.Topology, prefix: str):
        if not re.fullmatch(r"[A-Za-z0-9_.-]*", prefix) or len(prefix) > 40:
            raise NetnsError("namespace prefix %r: letters, digits, '_', '.', '-' only" % prefix)
        self.prefix = prefix
        self.topology = topology
        self.core = prefix + "core"
        self.routers = []
        self.hosts = []
        remap = {d.address: rloc_for(d.address) for d in topology.devices}
        if len(set(remap.values())) != len(remap):
            raise NetnsError("two devices would share an RLOC (%s)" % ", ".join("%s->%s" % kv for kv in remap.items()))
        for dev in topology.devices:
            ns = _ns_name(prefix, dev.name)
            hosts = []
            for eid in [e for e in dev.host_eids if ":" not in e]:
                # one Linux host per EID-prefix, on a veth of its own; the xTR is the last address
                net = next((ipaddress.ip_network(p) for p in dev.eid_prefixes if ipaddress.ip_address(eid) in ipaddress.ip_network(p)), None)
                if net is None or net.prefixlen > 30:
                    raise NetnsError("%s: host EID %s is not in one of its EID-prefixes (of /30 or shorter)" % (dev.name, eid))
                if any(ipaddress.ip_address(h["eid"]) in net for h in hosts):
                    raise NetnsError("%s: one host per EID-prefix (%s has two)" % (dev.name, net))
                gateway = net.broadcast_address - 1
                if str(gateway) == eid:
                    raise NetnsError("%s: host EID %s is the address the xTR takes in %s" % (dev.name, eid, net))
                host = {"ns": "%shost%d" % (prefix, len(self.hosts) + 1), "eid": eid, "plen": net.prefixlen,
                        "gateway": str(gateway), "router": dev.name, "router_ns": ns, "router_if": "eid%d" % len(hosts)}
                hosts.append(host)
                self.hosts.append(host)
            # an IPv6 host EID joins the host of the IPv4 one in the same place (the first with the
            # first): a dual-stack Linux host, its xTR the last-but-one address of its EID-prefix
            for index, eid in enumerate(e for e in dev.host_eids if ":" in e):
                net = next((ipaddress.ip_network(p) for p in dev.eid_prefixes
                            if ":" in p and ipaddress.ip_address(eid) in ipaddress.ip_network(p)), None)
                if net is None or net.prefixlen > 126:
                    raise NetnsError("%s: host EID %s is not in one of its EID-prefixes (of /126 or shorter)" % (dev.name, eid))
                if index >= len(hosts):
                    raise NetnsError("%s: IPv6 host EID %s has no IPv4 host EID to share a Linux host with" % (dev.name, eid))
                gateway = net.broadcast_address - 1
                if gateway.compressed == eid:
                    raise NetnsError("%s: host EID %s is the address the xTR takes in %s" % (dev.name, eid, net))
                hosts[index].update(eid6=eid, plen6=net.prefixlen, gateway6=gateway.compressed)
            text = dev.startup_config
            for old, new in remap.items():  # the loopback addresses of the topology, as words only
                text = re.sub(r"(?<![\d.])%s(?![\d.])" % re.escape(old), new, text)
            dev.startup_config = text
            dev.address = remap[dev.address]
            dev.cli_port, dev.netconf_port = CLI_PORT, NETCONF_PORT
            self.routers.append({"name": dev.name, "ns": ns, "rloc": dev.address, "device": dev,
                                 "tun": TUN_NAME if hosts else None, "hosts": hosts})
        names = [self.core] + [r["ns"] for r in self.routers] + [h["ns"] for h in self.hosts]
        if len(set(names)) != len(names):
            raise NetnsError("namespace names collide: %s" % ", ".join(names))
        self.namespaces = names

    def router(self, name: str) -> dict:
        for router in self.routers:
            if router["name"] == name:
                return router
        raise NetnsError("no device %s in this lab" % name)

    def to_json(self) -> dict:
        return {"prefix": self.prefix, "topology": self.topology.source, "core": self.core, "namespaces": self.namespaces,
                "routers": [{k: v for k, v in r.items() if k != "device"} | {"role": r["device"].role}
                            for r in self.routers],
                "hosts": self.hosts}


# ---------------------------------------------------------------------------------------------
# running things in namespaces

def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    if proc.returncode != 0:
        raise NetnsError("ip %s: %s" % (" ".join(args), proc.stderr.strip() or "exit status %d" % proc.returncode))


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, CLONE_NEWNET)  # pylint: disable=no-member
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def in_netns(ns: str, func):
    """``func()`` run in a thread that entered the network namespace ``ns`` (setns only changes the
    calling thread); sockets it creates stay in ``ns``. Returns its result or raises its error."""
    result = {}

    def work():
        try:
            fd = os.open(NETNS_RUN_DIR / ns, os.O_RDONLY | os.O_CLOEXEC)
            try:
                _setns(fd)
            finally:
                os.close(fd)
            result["value"] = func()
        except BaseException as exc:  # pylint: disable=broad-exception-caught  # handed to the caller
            result["error"] = exc

    thread = threading.Thread(target=work, name="netns-" + ns, daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _write_sysctl(ns: str, settings: dict) -> None:
    def write():
        for key, value in settings.items():
            path = pathlib.Path("/proc/sys") / key.replace(".", "/")
            if path.exists():
                path.write_text("%s\n" % value, encoding="ascii")
    in_netns(ns, write)


def connect(ns: str, address: str, port: int, timeout: float = 5.0) -> socket.socket:
    """A TCP connection to ``address:port`` made from inside ``ns``."""
    def make():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((address, port))
        except OSError:
            sock.close()
            raise
        sock.settimeout(None)
        return sock
    return in_netns(ns, make)


def _port_open(ns: str, address: str, port: int) -> bool:
    try:
        connect(ns, address, port, 0.5).close()
        return True
    except OSError:
        return False


def existing_namespaces() -> set:
    try:
        return {p.name for p in NETNS_RUN_DIR.iterdir()}
    except FileNotFoundError:
        return set()


# ---------------------------------------------------------------------------------------------
# the lab

class NetnsLab:
    """``up()``, ``down()``, ``cli()``, ``wait_registered()`` and ``ping()`` of one namespace lab."""

    def __init__(self, state_dir, prefix: str = "", topology: str | None = None, out=print):
        self.state_dir = pathlib.Path(state_dir).resolve()
        self.out = out
        try:
            self.plan = Plan(lab.load_topology(topology or lab.CONFIGURED_TOPOLOGY), prefix)
        except lab.LabError as exc:
            raise NetnsError(str(exc)) from None
        lab.load_credentials(self.state_dir, self.plan.topology)  # the lab's own, once up() saved them

    # -- build ----------------------------------------------------------------------------------
    def up(self, pcap: bool = False, timeout: float = START_TIMEOUT) -> None:
        """Build the namespaces, start the routers, wait until each answers on SSH and NETCONF, write
        the inventory. On any failure everything built so far is taken down again."""
        check_environment()
        taken = sorted(set(self.plan.namespaces) & existing_namespaces())
        if taken:
            raise NetnsError("namespace(s) %s exist already (another lab? run down first, or use another --prefix)"
                             % ", ".join(taken))
        for dev in self.plan.topology.devices:
            try:
                dev.check_config()
            except lab.LabError as exc:
                raise NetnsError(str(exc)) from None
        self.state_dir.mkdir(parents=True, exist_ok=True)
        lab.save_credentials(self.state_dir, self.plan.topology)
        self._record()  # first, so that down() finds whatever up() got to build
        procs = {}
        try:
            self._build_network()
            self._write_state()
            self._spawn(pcap, procs)
            self._wait_ready(procs, timeout)
            atomic_write(self.state_dir / "known_hosts", self._known_hosts(), 0o644)
            inventory = lab.inventory(self.state_dir, self.plan.topology)
            atomic_write(self.state_dir / "inventory.yml",
                         "# written by lisp-xtr netns up; holds the lab's credentials. The devices are reached from the\n"
                         "# namespace %s: ip netns exec %s ansible-playbook -i %s ...\n"
                         % (self.plan.core, self.plan.core, self.state_dir / "inventory.yml")
                         + yaml.safe_dump(inventory, sort_keys=False, default_flow_style=False), 0o600)
        except BaseException:
            for proc in procs.values():  # also those that have not written their pid file yet
                if proc.poll() is None:
                    lab._stop_pid(proc.pid)  # pylint: disable=protected-access
            self.down(quiet=True)
            raise
        self.summary()

    def _record(self) -> None:
        atomic_write(self.state_dir / "netns.json", json.dumps(self.plan.to_json(), indent=1) + "\n", 0o644)

    def _build_network(self) -> None:
        plan = self.plan
        # IPv6 only where a dual-stack host needs it (its namespace and its xTR's), without duplicate
        # address detection (RFC 4862 §5.4: the lab's addresses are unique by construction) and
        # forwarding on the xTR; everywhere else off, so that no RS/DAD/MLD noise reaches a TUN
        quiet = {"net.ipv6.conf.all.disable_ipv6": 1, "net.ipv6.conf.default.disable_ipv6": 1}
        dual = {"net.ipv6.conf.all.disable_ipv6": 0, "net.ipv6.conf.default.disable_ipv6": 0,
                "net.ipv6.conf.all.accept_dad": 0, "net.ipv6.conf.default.accept_dad": 0}
        v6_namespaces = {ns for h in plan.hosts if "eid6" in h for ns in (h["ns"], h["router_ns"])}
        for ns in plan.namespaces:
            _ip("netns", "add", ns)
            _write_sysctl(ns, dual if ns in v6_namespaces else quiet)
            _ip("-n", ns, "link", "set", "lo", "up")
        # the RLOC link: a bridge in the core namespace, one veth per router
        _ip("-n", plan.core, "link", "add", "br0", "type", "bridge")
        # a plain switch: with br_netfilter loaded, Linux hands every bridged frame to iptables by default
        _write_sysctl(plan.core, {"net.bridge.bridge-nf-call-iptables": 0, "net.bridge.bridge-nf-call-ip6tables": 0,
                                  "net.bridge.bridge-nf-call-arptables": 0})
        _ip("-n", plan.core, "addr", "add", "%s/%d" % (CORE_ADDRESS, RLOC_NET.prefixlen), "dev", "br0")
        _ip("-n", plan.core, "link", "set", "br0", "up")
        for i, router in enumerate(plan.routers):
            port = "rloc%d" % i
            _ip("link", "add", "name", "rloc0", "netns", router["ns"], "type", "veth", "peer", "name", port, "netns", plan.core)
            _ip("-n", plan.core, "link", "set", port, "master", "br0", "up")
            _ip("-n", router["ns"], "addr", "add", "%s/%d" % (router["rloc"], RLOC_NET.prefixlen), "dev", "rloc0")
            _ip("-n", router["ns"], "link", "set", "rloc0", "up")
            if not router["hosts"]:
                continue
            # an xTR: IP forwarding, its hosts on veths, and everything else into the TUN device
            _write_sysctl(router["ns"], {"net.ipv4.ip_forward": 1, "net.ipv4.conf.all.rp_filter": 0,
                                         "net.ipv4.conf.default.rp_filter": 0, "net.ipv6.conf.all.forwarding": 1})
            for host in router["hosts"]:
                _ip("link", "add", "name", "eth0", "netns", host["ns"], "type", "veth", "peer", "name", host["router_if"],
                    "netns", router["ns"])
                _ip("-n", router["ns"], "addr", "add", "%s/%d" % (host["gateway"], host["plen"]), "dev", host["router_if"])
                _ip("-n", router["ns"], "link", "set", host["router_if"], "up")
                _ip("-n", host["ns"], "addr", "add", "%s/%d" % (host["eid"], host["plen"]), "dev", "eth0")
                _ip("-n", host["ns"], "link", "set", "eth0", "up")
                _ip("-n", host["ns"], "route", "add", "default", "via", host["gateway"])
                if "eid6" in host:
                    _ip("-n", router["ns"], "-6", "addr", "add", "%s/%d" % (host["gateway6"], host["plen6"]),
                        "dev", host["router_if"], "nodad")
                    _ip("-n", host["ns"], "-6", "addr", "add", "%s/%d" % (host["eid6"], host["plen6"]), "dev", "eth0", "nodad")
                    _ip("-n", host["ns"], "-6", "route", "add", "default", "via", host["gateway6"])
            _ip("-n", router["ns"], "tuntap", "add", "dev", TUN_NAME, "mode", "tun")
            # the queue towards the xTR: Linux's default of 500 packets is 10 ms at 50,000/s
            _ip("-n", router["ns"], "link", "set", TUN_NAME, "mtu", str(TUN_MTU), "txqueuelen", str(TUN_QUEUE), "up")
            _ip("-n", router["ns"], "route", "add", "default", "dev", TUN_NAME)
            if any("eid6" in h for h in router["hosts"]):
                _ip("-n", router["ns"], "-6", "route", "add", "default", "dev", TUN_NAME)

    def _write_state(self) -> None:
        for router in self.plan.routers:
            dev = router["device"]
            ndir = node_dir(self.state_dir, dev.name)
            ndir.mkdir(parents=True, exist_ok=True)
            os.chmod(ndir, 0o700)
            data = dev.to_json()
            linux_hosts = [eid for h in router["hosts"] for eid in (h["eid"], h.get("eid6")) if eid]
            data.update(host_eids=[], netns=router["ns"], eid_tun=router["tun"], linux_hosts=linux_hosts)
            atomic_write(ndir / "node.json", json.dumps(data, indent=1) + "\n", 0o644)
            atomic_write(ndir / "startup-config", dev.startup_text(), 0o600)
            ensure_host_key(ndir / "ssh_host_key")
            try:
                (ndir / "node.pid").unlink()
            except FileNotFoundError:
                pass

    def _spawn(self, pcap: bool, procs: dict) -> None:
        """Start one ``lisp-xtr run`` per router in its namespace; each Popen goes into ``procs`` at once."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        for router in self.plan.routers:
            dev = router["device"]
            ndir = node_dir(self.state_dir, dev.name)
            cmd = ["ip", "netns", "exec", router["ns"], sys.executable, "-m", "lispxtr.cli", "run",
                   "--state-dir", str(self.state_dir), "--name", dev.name, "--address", dev.address,
                   "--cli-port", str(CLI_PORT), "--netconf-port", str(NETCONF_PORT)]
            if router["tun"]:
                cmd += ["--eid-tun", router["tun"]]
            if pcap:
                cmd += ["--pcap", str(ndir / "lisp.pcap")]
            with open(ndir / "node.log", "ab") as log:
                procs[dev.name] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                                   start_new_session=True, close_fds=True, env=env,
                                                   cwd=str(self.state_dir))

    def _wait_ready(self, procs: dict, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {r["name"]: r for r in self.plan.routers}
        while pending:
            for name, router in list(pending.items()):
                code = procs[name].poll()
                log = node_dir(self.state_dir, name) / "node.log"
                if code is not None:
                    raise NetnsError("%s exited with status %d; the end of %s:\n%s" % (name, code, log, _tail(log)))
                if (lab.running_pid(self.state_dir, name) is not None
                        and _port_open(self.plan.core, router["rloc"], CLI_PORT)
                        and _port_open(self.plan.core, router["rloc"], NETCONF_PORT)):
                    del pending[name]
            if pending and time.monotonic() > deadline:
                raise NetnsError("%s did not come up within %.0f s; see %s" % (
                    ", ".join(pending), timeout, ", ".join(str(node_dir(self.state_dir, n) / "node.log") for n in pending)))
            if pending:
                time.sleep(0.1)

    def _known_hosts(self) -> str:
        lines = []
        for router in self.plan.routers:
            public = ensure_host_key(node_dir(self.state_dir, router["name"]) / "ssh_host_key")
            lines.append("%s %s" % (router["rloc"], public))  # port 22: OpenSSH writes the bare address
            lines.append("[%s]:%d %s" % (router["rloc"], NETCONF_PORT, public))
        return "\n".join(lines) + "\n"

    def summary(self, state: str = "up") -> None:
        plan = self.plan
        self.out("namespace lab %s %s in %s" % (plan.topology.name, state, self.state_dir))
        self.out("  %-8s %-16s RLOC link %s, bridge br0 (management station %s)"
                 % ("(link)", plan.core, RLOC_NET, CORE_ADDRESS))
        for router in plan.routers:
            pid = lab.running_pid(self.state_dir, router["name"])
            eids = ", ".join("%s behind %s" % (" and ".join(e for e in (h["eid"], h.get("eid6")) if e), h["ns"])
                             for h in router["hosts"])
            self.out("  %-8s %-16s RLOC %-13s pid %-7s ssh %d  netconf %d%s" % (
                router["name"], router["ns"], router["rloc"], pid, CLI_PORT, NETCONF_PORT,
                ("  host " + eids) if eids else ""))
        if len(plan.hosts) >= 2:
            self.out("try:        ip netns exec %s ping -c 5 %s" % (plan.hosts[0]["ns"], plan.hosts[1]["eid"]))
            if "eid6" in plan.hosts[0] and "eid6" in plan.hosts[1]:
                self.out("            ip netns exec %s ping -c 5 %s" % (plan.hosts[0]["ns"], plan.hosts[1]["eid6"]))
        self.out("inventory:  %s (use it from: ip netns exec %s ...)" % (self.state_dir / "inventory.yml", plan.core))

    # -- tear down ------------------------------------------------------------------------------
    def down(self, quiet: bool = False) -> int:
        """Stop the routers this lab started (pid files checked against their command lines) and delete
        its namespaces (which removes every link and the TUN devices in them). 0 when all is gone."""
        say = (lambda *_: None) if quiet else self.out
        status = 0
        for router in self.plan.routers:
            name = router["name"]
            pid_path = node_dir(self.state_dir, name) / "node.pid"
            pid = lab.running_pid(self.state_dir, name)
            if pid is not None:
                if lab._stop_pid(pid):  # pylint: disable=protected-access
                    say("  %-8s stopped (pid %d)" % (name, pid))
                else:
                    say("  %-8s pid %d did not stop" % (name, pid))
                    status = 1
                    continue
            try:
                pid_path.unlink()
            except FileNotFoundError:
                pass
        present = existing_namespaces()
        for ns in reversed(self.plan.namespaces):
            if ns in present:
                try:
                    _ip("netns", "del", ns)
                    say("  namespace %s deleted" % ns)
                except NetnsError as exc:
                    say("  %s" % exc)
                    status = 1
        left = sorted(set(self.plan.namespaces) & existing_namespaces())
        if left:
            status = 1
        say("namespace lab in %s is down" % self.state_dir if status == 0 else "netns down: %s left" % ", ".join(left or ["processes"]))
        return status

    # -- use ------------------------------------------------------------------------------------
    def _credentials(self, name: str) -> tuple:
        dev = self.plan.router(name)["device"]
        return dev.username, dev.password

    def cli(self, name: str, *commands: str, timeout: float = 30.0) -> list[str]:
        """Run exec commands on device ``name`` over its SSH CLI (from the core namespace)."""
        import asyncssh  # pylint: disable=import-outside-toplevel  # only where the CLI is used

        router = self.plan.router(name)
        user, password = self._credentials(name)

        async def run():
            sock = connect(self.plan.core, router["rloc"], CLI_PORT)
            async with asyncssh.connect(router["rloc"], CLI_PORT, sock=sock, username=user, password=password,
                                        known_hosts=str(self.state_dir / "known_hosts")) as conn:
                outputs = []
                for command in commands:
                    result = await conn.run(command, check=False)
                    outputs.append(str(result.stdout).replace("\r\n", "\n"))
                return outputs

        return asyncio.run(asyncio.wait_for(run(), timeout))

    def map_servers(self) -> list[str]:
        return [r["name"] for r in self.plan.routers if r["device"].role == "map-server"]

    def wait_registered(self, timeout: float = REGISTER_TIMEOUT) -> str:
        """Poll ``show lisp site`` on the Map-Server until every xTR with EID-prefixes is registered."""
        expected = sorted(r["name"] for r in self.plan.routers if r["device"].role == "xtr" and r["device"].eid_prefixes)
        servers = self.map_servers()
        if not servers:
            raise NetnsError("the topology has no map-server to ask")
        deadline = time.monotonic() + timeout
        sites = ""
        while True:
            try:
                (sites,) = self.cli(servers[0], "show lisp site")
            except (OSError, asyncio.TimeoutError, _ssh_errors()) as exc:
                sites = "(%s)" % exc
            registered = sorted(set(re.findall(r"^(\S+)\s+\S+\s+yes\s", sites, re.M)))
            if all(name in registered for name in expected):
                return sites
            if time.monotonic() > deadline:
                raise NetnsError("sites not registered within %.0f s:\n%s" % (timeout, sites))
            time.sleep(0.5)

    def ping(self, host_ns: str, dst: str, count: int = PING_COUNT) -> subprocess.CompletedProcess:
        """``ip netns exec HOST ping -c COUNT -W 2 DST``: Linux ping, one echo a second."""
        return subprocess.run(["ip", "netns", "exec", host_ns, "ping", "-c", str(count), "-W", "2", dst],
                              capture_output=True, text=True, timeout=count + 30, check=False)


def _ssh_errors():
    import asyncssh  # pylint: disable=import-outside-toplevel  # see NetnsLab.cli

    return asyncssh.Error


def _tail(path: pathlib.Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def check_environment() -> None:
    if os.geteuid() != 0:
        raise NetnsError("not root: the namespace lab needs root (network namespaces, veths, TUN devices)")
    if shutil.which("ping") is None and shutil.which("apt-get") is not None:
        # the hosts' ping (iputils-ping), installed the way scripts/bootstrap installs iproute2
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "iputils-ping"]):
            subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=600, check=False)
    missing = [tool for tool in ("ip", "ping") if shutil.which(tool) is None]
    if missing:
        raise NetnsError("missing command(s) %s: apt-get install iproute2 iputils-ping" % ", ".join(missing))
    if not os.path.exists("/dev/net/tun"):
        raise NetnsError("/dev/net/tun is missing (modprobe tun)")


def replied_seqs(transcript: str) -> list[int]:
    """The icmp_seq numbers ping printed a reply for, in order."""
    return [int(s) for s in re.findall(r"^\d+ bytes from .*icmp_seq=(\d+) ", transcript, re.M)]


def load(state_dir, out=print) -> NetnsLab:
    """The lab recorded in ``STATE_DIR/netns.json`` by ``up``."""
    try:
        data = json.loads((pathlib.Path(state_dir) / "netns.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NetnsError("no namespace lab in %s" % state_dir) from None
    return NetnsLab(state_dir, data["prefix"], data["topology"], out=out)


# ---------------------------------------------------------------------------------------------
# the write-up as a check

def run_test(state_dir, prefix: str, out=print, pcap: bool = False, topology: str | None = None) -> dict:
    """Build the lab, wait for both registrations, ping twice from host1 to host2 (and, when both
    hosts are dual-stack, twice more over IPv6), tear down. Returns ``{"ok", "problems", "first",
    "second", "map_cache", "first6", "second6", "map_cache6", "sites"}``."""
    netlab = NetnsLab(state_dir, prefix, topology, out=out)
    result = {"ok": False, "problems": [], "first": "", "second": "", "map_cache": "", "first6": "", "second6": "",
              "map_cache6": "", "sites": ""}
    built = False
    try:
        netlab.up(pcap=pcap)  # takes down what it built when it fails
        built = True
        plan = netlab.plan
        if len(plan.hosts) < 2:
            raise NetnsError("the topology needs two hosts to ping between")
        src, dst = plan.hosts[0], plan.hosts[1]
        result["sites"] = netlab.wait_registered()
        out("both sites registered:\n" + result["sites"].rstrip())
        families = [("", src["eid"], dst["eid"], "show ip lisp map-cache")]
        if "eid6" in src and "eid6" in dst:
            families.append(("6", src["eid6"], dst["eid6"], "show lisp instance-id 0 ipv6 map-cache"))
        for suffix, _src_eid, dst_eid, show in families:
            _ping_story(netlab, src, dst_eid, result, suffix, out)
            (cache,) = netlab.cli(src["router"], show)
            result["map_cache" + suffix] = cache
            out("\n%s#%s\n%s" % (src["router"], show, cache.rstrip()))
            prefix_of_dst = next(p for p in plan.router(dst["router"])["device"].eid_prefixes
                                 if ipaddress.ip_address(dst_eid) in ipaddress.ip_network(p))
            printed = prefix_of_dst.upper() if suffix else prefix_of_dst  # IOS prints IPv6 in capitals
            if not re.search(r"^%s, uptime: .*via map-reply, complete" % re.escape(printed), cache, re.M):
                result["problems"].append("%s's map-cache has no complete entry for %s's EID-prefix %s"
                                          % (src["router"], dst["router"], prefix_of_dst))
    except (NetnsError, OSError, subprocess.SubprocessError, asyncio.TimeoutError, _ssh_errors()) as exc:
        result["problems"].append(str(exc) or type(exc).__name__)
    finally:
        if built and netlab.down(quiet=True) != 0:
            result["problems"].append("teardown left something behind")
    result["ok"] = not result["problems"]
    return result


def _ping_story(netlab: NetnsLab, src: dict, dst_eid: str, result: dict, suffix: str, out) -> None:
    """The write-up's two pings from ``src``'s Linux host to ``dst_eid``: the first loses echoes 1
    and 2 (each xTR resolves the other's EID once), the second none."""
    command = "ip netns exec %s ping -c %d -W 2 %s" % (src["ns"], PING_COUNT, dst_eid)
    for which, want in (("first", [3, 4, 5]), ("second", [1, 2, 3, 4, 5])):
        proc = netlab.ping(src["ns"], dst_eid)
        result[which + suffix] = proc.stdout + proc.stderr
        out("\n# %s   (%s run)\n%s" % (command, which, result[which + suffix].rstrip()))
        got = replied_seqs(proc.stdout)
        summary = "%d packets transmitted, %d received" % (PING_COUNT, len(want))
        if got != want or summary not in proc.stdout:
            result["problems"].append("%s ping to %s: replies to icmp_seq %s, expected %s (%r)"
                                      % (which, dst_eid, got, want, summary))


# ---------------------------------------------------------------------------------------------
# command line

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lisp-xtr netns", description="The write-up's LISP lab in network namespaces "
                                     "with real Linux hosts (root only).")
    sub = parser.add_subparsers(dest="action", required=True)
    state_default = os.environ.get("LISP_XTR_STATE_DIR")
    for name, text in (("up", "build the namespaces and start the routers"), ("down", "stop the routers, delete the namespaces"),
                       ("status", "show the lab"), ("test", "the write-up's ping transcript as a check, then tear down")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--state-dir", default=state_default, required=state_default is None and name != "test")
        if name in ("up", "test"):
            p.add_argument("--prefix", default=None, help="namespace name prefix (up: none, so 'ip netns exec host1 ...'; "
                           "test: lxns-PID-)")
            p.add_argument("--topology", help="topology file or built-in name (default writeup-configured)")
        if name == "up":
            p.add_argument("--pcap", action="store_true", help="each router captures its LISP packets to STATE_DIR/NAME/lisp.pcap")
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    # SIGTERM tears down like Ctrl-C does (finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if args.action == "up":
            NetnsLab(args.state_dir, args.prefix or "", args.topology).up(pcap=args.pcap)
            return 0
        if args.action == "down":
            return load(args.state_dir).down()
        if args.action == "status":
            netlab = load(args.state_dir)
            up = all(lab.running_pid(netlab.state_dir, r["name"]) for r in netlab.plan.routers)
            up = up and set(netlab.plan.namespaces) <= existing_namespaces()
            netlab.summary("up" if up else "NOT (fully) up")
            return 0 if up else 3
        return _test_main(args)
    except NetnsError as exc:
        print("lisp-xtr netns %s: %s" % (args.action, exc), file=sys.stderr)
        return 1


def _test_main(args) -> int:
    import tempfile  # pylint: disable=import-outside-toplevel  # test only

    prefix = args.prefix if args.prefix is not None else "lxns-%d-" % os.getpid()
    if args.state_dir:
        result = run_test(args.state_dir, prefix, topology=args.topology)
    else:
        with tempfile.TemporaryDirectory(prefix="lisp-netns-") as tmp:
            result = run_test(tmp, prefix, topology=args.topology)
    if result["ok"]:
        print("\nnetns lab: PASS (first run lost echoes 1 and 2 only, second run 5/5%s; namespaces removed)"
              % (", in IPv4 and in IPv6" if result["first6"] else ""))
        return 0
    print("\nnetns lab: FAIL\n  " + "\n  ".join(result["problems"]))
    return 1

"""``Node``: one router process — the asyncio shell around the sans-I/O ``lispxtr.core.Router``.

It binds the device's own address on UDP 4342 (control) and 4341 (data), feeds every datagram to
the router with the wall clock, sends what the router returns, runs its timers, and serves the
management plane (SSH CLI and NETCONF, ``lispxtr.mgmt``) on the same address. With ``eid_tun`` (root,
``lisp-xtr run --eid-tun IFNAME``; the namespace lab of ``lispxtr.netns``) real hosts sit behind it:
IP packets read from that TUN device go to ``Router.forward`` and what the ETR decapsulates for its
EID-prefixes (``Router.eid_out``) is written back to it.

State lives in ``STATE_DIR/<name>/``:

``startup-config``  IOS-XE configuration text booted from (``write memory`` replaces it atomically)
``ssh_host_key``    the SSH host key (generated once, kept)
``node.json``       what the lab knows about the device (address, ports, host EIDs)
``node.pid``        written once the node answers on all its ports, removed on a clean stop
``node.log``        where the lab sends the process's stdout/stderr
``replay-state.json``, ``replay-state.journal``
                    the Map-Server's replay ledger (``core.replay``, RFC 9301 §5.6): a snapshot and
                    the acceptances since, each line fsynced before anything that acceptance caused
                    (a Map-Notify, an answer from the new registration) leaves the node; folded into
                    the snapshot at start, at a clean stop and every ``_COMPACT_AFTER`` lines
"""

from __future__ import annotations

import asyncio
import collections
import errno
import gc
import json
import logging
import os
import pathlib
import random
import signal
import socket
import time

from . import config as cfg
from .core.router import Router, canonical_address
from .portuse import AddressInUse, can_bind

LOG = logging.getLogger("lispxtr.node")

CONTROL_PORT = 4342  # RFC 9301 §5.1
DATA_PORT = 4341  # RFC 9300 §5.3
DEFAULT_CLI_PORT = 2022
DEFAULT_NETCONF_PORT = 2830
_MAX_EPHEMERAL_SOCKETS = 64
_MIN_TIMER_DELAY = 0.005
_BATCH = 64  # datagrams read per event-loop wake-up, then the loop runs its other work
_MAX_DATAGRAM = 65536  # any UDP payload (no jumbograms)
# Receive buffer asked for on the LISP ports. With Linux's default (~208 KB, a few hundred small
# datagrams) a burst of Map-Requests arriving while the process is off the CPU for some ms is
# dropped by the kernel; 4 MB holds several thousand. The kernel caps it at net.core.rmem_max.
_RCVBUF = 4 << 20
_COMPACT_AFTER = 4096  # replay journal lines before they are folded into the snapshot


class StartupConfigError(Exception):
    """The startup-config cannot be booted from (a ConfigError with its line number, or missing)."""


class ReplayStateError(Exception):
    """The replay ledger on disk cannot be read: the node does not start without it."""


def node_dir(state_dir, name) -> pathlib.Path:
    return pathlib.Path(state_dir) / name


def ensure_host_key(path) -> str:
    """Create the SSH host key at ``path`` if missing (mode 0600); return its public key line."""
    import asyncssh  # pylint: disable=import-outside-toplevel  # heavy import, only where keys are made

    path = pathlib.Path(path)
    if not path.exists():
        key = asyncssh.generate_private_key("ssh-ed25519")
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.export_private_key("openssh"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    key = asyncssh.read_private_key(str(path))
    return " ".join(key.export_public_key("openssh").decode("ascii").split()[0:2])


def atomic_write(path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to ``path`` atomically: temp file in the same folder, fsync, rename, fsync dir."""
    path = pathlib.Path(path)
    tmp = path.with_name(".%s.%d.tmp" % (path.name, os.getpid()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class _Endpoint(asyncio.DatagramProtocol):
    """One bound UDP port of the node. The transport wakes it for one datagram; it then drains the
    socket itself (up to ``_BATCH`` datagrams per wake-up), which saves an event-loop iteration per
    datagram, and the node sends replies straight on ``sock`` while the transport has nothing queued."""

    def __init__(self, node: "Node", port: int, sock: socket.socket | None = None):
        self.node = node
        self.port = port
        self.sock = sock
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        node = self.node
        dst = (node.address, self.port)
        now = node.now()  # one reading per batch: the batch is read within a few ms
        # the ETR's common case towards a TUN device (``Node.decapsulated_to_tun``), else the router
        to_tun = node.decapsulated_to_tun if self.port == DATA_PORT and node.eid_fast_path() else None
        receive_one = node.receive_one
        if to_tun is None or not to_tun(data):
            receive_one(data, addr[:2], dst, now)  # an IPv6 socket gives four items; the router keys on two
        sock = self.sock
        if sock is not None:
            recvfrom = sock.recvfrom
            budget = _BATCH - 1
            while budget > 0:
                budget -= 1
                try:
                    data, addr = recvfrom(_MAX_DATAGRAM)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as exc:
                    self.error_received(exc)
                    break
                if to_tun is None or not to_tun(data):
                    receive_one(data, addr if len(addr) == 2 else addr[:2], dst, now)
        node.after_receive()

    def error_received(self, exc):  # ICMP port unreachable from a peer that is down, etc.
        LOG.debug("%s: UDP %d: %s", self.node.hostname, self.port, exc)


class Node:
    """One router: the attributes and methods the management plane (``lispxtr.mgmt``) uses are
    ``address``, ``cli_port``, ``netconf_port``, ``host_key_path``, ``hostname``, ``running``,
    ``router``, ``started_at``, ``commit``, ``save_startup``, ``startup_text``, ``now``,
    ``check_login``, ``check_enable`` and ``ping``."""

    def __init__(self, state_dir, name: str, address: str, *, cli_port: int = DEFAULT_CLI_PORT,
                 netconf_port: int = DEFAULT_NETCONF_PORT, host_eids=(), pcap=None, rng: random.Random | None = None,
                 eid_tun: str | None = None, pcap_max_bytes: int | None = None):
        self.state_dir = pathlib.Path(state_dir)
        self.name = name
        self.dir = node_dir(state_dir, name)
        self.address = address
        self.cli_port = cli_port
        self.netconf_port = netconf_port
        self.host_eids = list(host_eids)
        self.host_key_path = self.dir / "ssh_host_key"
        self.startup_path = self.dir / "startup-config"
        self.config_key_path = self.dir / "config-key"  # key config-key password-encrypt (never in a config text)
        self.pid_path = self.dir / "node.pid"
        self.replay_path = self.dir / "replay-state.json"
        self.replay_journal_path = self.dir / "replay-state.journal"
        self.replay_write_errors = 0
        self._journal_fd: int | None = None
        self._journal_lines = 0
        self._held: list | None = None  # sends waiting for the replay journal to be on disk
        self.pcap_path = pcap
        self.pcap_max_bytes = pcap_max_bytes  # None: wire.pcap.DEFAULT_MAX_BYTES (rotation to FILE.1)
        self.rng = rng if rng is not None else random.SystemRandom()
        self.router = Router(hostname=name, rloc=address, host_eids=self.host_eids, rng=random.Random(self.rng.getrandbits(64)))
        self.running = cfg.RouterConfig(hostname=name)
        self.started_at: float | None = None
        self.malformed = 0  # datagrams the router dropped as malformed
        self.internal_errors = 0
        self._endpoints: dict[int, _Endpoint] = {}
        self._ephemeral: collections.OrderedDict = collections.OrderedDict()
        self._servers: list = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # the wall-clock time self._timer is armed for
        self._waiters: dict[tuple[str, str, int, int], asyncio.Future] = {}
        self._pcap = None
        self._stopped: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # the namespace lab: real hosts behind a TUN device instead of emulated host EIDs
        self.eid_tun_name = eid_tun
        self._tun = None

    # -- the management plane's view ---------------------------------------------------------
    @property
    def hostname(self) -> str:
        return getattr(self.running, "hostname", None) or self.name

    def now(self) -> float:
        return time.time()

    def check_login(self, user: str, password: str) -> bool:
        return self.running.verify_login(user, password) is not None

    def check_enable(self, secret: str) -> bool:
        return bool(self.running.verify_enable(secret))

    def commit(self, new_tree) -> None:
        """Make ``new_tree`` the running configuration and reconfigure the router in place, all or
        nothing: a tree the device refuses raises ``ConfigError`` and changes nothing."""
        cfg.validate_tree(new_tree)
        old = self.running
        try:
            out = self.router.apply_config(new_tree, self.now())
        except Exception:
            LOG.exception("%s: applying the new configuration failed; restoring the previous one", self.hostname)
            self.router.apply_config(old, self.now())
            raise
        if new_tree.config_key != old.config_key:
            self._save_config_key(new_tree.config_key)
        self.running = new_tree
        self._send_all(out)
        self._reschedule()

    def startup_text(self) -> str:
        try:
            return self.startup_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def _save_config_key(self, master) -> None:
        """Keep the master key as IOS-XE keeps it in private NVRAM: beside the startup-config, 0600."""
        if master:
            atomic_write(self.config_key_path, master + "\n", 0o600)
        else:
            self.config_key_path.unlink(missing_ok=True)

    def save_startup(self) -> None:
        """``write memory``: the running configuration becomes the startup-config (atomic write)."""
        atomic_write(self.startup_path, cfg.render_running_config(self.running, header=False))
        LOG.info("%s: running configuration saved to startup-config", self.hostname)

    def vrf_instance(self, vrf: str) -> int | None:
        """The instance-id whose ``eid-table vrf NAME`` is ``vrf`` (None: no such EID table)."""
        return next((iid for iid, table in self.router.eid_tables.items() if table == "vrf " + vrf), None)

    async def ping(self, dst: str, source: str | None = None, repeat: int = 5, timeout: float = 2.0, size: int = 100,
                   vrf: str | None = None):
        """``ping [vrf NAME] dst source S``: echo requests from the host EID ``source`` (default: the
        first host EID; with ``vrf``, the first one living in that VRF's instance) through the
        router; yields ``(ok, rtt_ms)`` per echo, one after the other as IOS does."""
        dst = canonical_address(dst)
        iid = self.vrf_instance(vrf) if vrf is not None else None
        if vrf is not None and iid is None:
            raise ValueError("VRF %s is not an EID table of this router" % vrf)
        if source:
            src = canonical_address(source)
        else:  # the first host EID of the destination's family (in the VRF's instance)
            src = next((eid for eid in self.router.host_eids if (":" in eid) == (":" in dst)
                        and (iid is None or iid in self.router.host_instances.get(eid, ()))), None)
        # IOS counts the IP and ICMP headers in the size: 20 + 8 (IPv4), 40 + 8 (IPv6)
        payload_len = max(0, size - (48 if ":" in dst else 28))
        payload = bytes((i & 0xFF) for i in range(payload_len))
        ident = self.rng.randrange(1, 0x10000)
        loop = asyncio.get_running_loop()
        for seq in range(repeat):
            if src is None:
                yield False, None
                continue
            key = (src, dst, ident, seq)
            future = loop.create_future()
            self._waiters[key] = future
            start = time.monotonic()
            try:
                out = self.router.send_echo(src, dst, ident, seq, payload, self.now(), iid=iid)
            except ValueError as exc:
                LOG.info("%s: ping from %s: %s", self.hostname, src, exc)
                self._waiters.pop(key, None)
                yield False, None
                continue
            self._send_all(out)
            self._deliver_events()  # a reply between our own hosts arrives at once
            self._reschedule()
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout)
                ok, rtt = True, (time.monotonic() - start) * 1000.0
            except asyncio.TimeoutError:
                ok, rtt = False, None
            finally:
                self._waiters.pop(key, None)
            yield ok, rtt

    # -- lifecycle -----------------------------------------------------------------------------
    def load_startup(self):
        """Parse the startup-config; raise ``StartupConfigError`` naming the line when it is bad."""
        if not self.startup_path.exists():
            return cfg.RouterConfig(hostname=self.name)
        text = self.startup_text()
        try:
            tree, protected, changed = cfg.protect_startup(text)
            if self.config_key_path.exists():
                tree.config_key = self.config_key_path.read_text(encoding="utf-8").strip() or None
            cfg.validate_tree(tree)
        except cfg.ConfigError as exc:
            raise StartupConfigError("%s: %s" % (self.startup_path, exc)) from None
        if changed:  # secret 0 X -> secret 9 $9$...: no clear-text secret stays on disk
            atomic_write(self.startup_path, protected)
            LOG.info("%s: clear-text secrets of the startup-config stored hashed (type 9)", self.hostname)
        return tree

    async def start(self) -> None:
        """Boot: startup-config, host key, UDP ports, management listeners, timers, pid file."""
        from .mgmt import start_management  # pylint: disable=import-outside-toplevel  # asyncssh only when serving

        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self.dir.mkdir(parents=True, exist_ok=True)
        tree = self.load_startup()
        self._open_replay()
        ensure_host_key(self.host_key_path)
        if self.pcap_path:
            from .wire.pcap import DEFAULT_MAX_BYTES, PcapWriter  # pylint: disable=import-outside-toplevel  # only with --pcap
            self._pcap = PcapWriter(self.pcap_path, max_bytes=self.pcap_max_bytes or DEFAULT_MAX_BYTES)
        try:
            for port in (CONTROL_PORT, DATA_PORT):
                sock = socket.socket(socket.AF_INET6 if ":" in self.address else socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    sock.setblocking(False)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
                    got = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2  # Linux reports twice the size
                    if got < _RCVBUF:
                        LOG.info("%s: UDP %d receive buffer %d KB of the %d KB asked for (raise net.core.rmem_max "
                                 "to queue longer bursts)", self.hostname, port, got >> 10, _RCVBUF >> 10)
                    sock.bind((self.address, port))
                except OSError as exc:
                    sock.close()
                    if exc.errno == errno.EADDRINUSE:
                        raise AddressInUse(self.address, port, "udp", "LISP %s" % ("control" if port == CONTROL_PORT else "data")) from None
                    raise
                except BaseException:
                    sock.close()
                    raise
                _transport, protocol = await self._loop.create_datagram_endpoint(
                    lambda p=port, s=sock: _Endpoint(self, p, s), sock=sock)
                self._endpoints[port] = protocol
            if self.eid_tun_name:
                self._open_tun()
            self.started_at = self.now()
            self.running = tree
            self._send_all(self.router.apply_config(tree, self.now()))
            self._servers = await start_management(self)
        except OSError as exc:
            await self.stop()
            if exc.errno == errno.EADDRINUSE and not isinstance(exc, AddressInUse):
                for port, what in ((self.cli_port, "SSH CLI"), (self.netconf_port, "NETCONF")):
                    if not can_bind(self.address, port, "tcp"):  # ours are closed again: which one is taken
                        raise AddressInUse(self.address, port, "tcp", what) from None
            raise
        except BaseException:
            await self.stop()
            raise
        self._reschedule()
        # What lives as long as the router (code, config tree, sites) leaves the collector's
        # generations: a full collection would otherwise walk it all and stop the LISP ports for
        # tens of ms with thousands of sites. Reference counting still frees these objects when a
        # commit replaces them; only a reference cycle among them would now stay, and the config
        # tree and the roles hold no back-references.
        gc.collect()
        gc.freeze()
        atomic_write(self.pid_path, "%d\n" % os.getpid(), 0o644)
        LOG.info("%s: up on %s (LISP UDP %d/%d, SSH CLI %d, NETCONF %d)", self.hostname, self.address,
                 CONTROL_PORT, DATA_PORT, self.cli_port, self.netconf_port)

    async def stop(self) -> None:
        from .mgmt import stop_management  # pylint: disable=import-outside-toplevel  # see start()

        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._tun is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._tun.fileno())
            self._tun.close()
            self._tun = None
        if self._servers:
            await stop_management(self._servers)
            self._servers = []
        for endpoint in self._endpoints.values():
            if endpoint.transport is not None:
                endpoint.transport.close()
        self._endpoints.clear()
        for sock in self._ephemeral.values():
            sock.close()
        self._ephemeral.clear()
        if self._pcap is not None:
            self._pcap.close()
        self._close_replay()
        try:
            if self.pid_path.read_text().strip() == str(os.getpid()):
                self.pid_path.unlink()
        except FileNotFoundError:
            pass
        if self._stopped is not None:
            self._stopped.set()
        LOG.info("%s: stopped", self.hostname)

    async def serve_forever(self) -> None:
        """``start()``, then run until SIGTERM/SIGINT, then ``stop()``."""
        await self.start()
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await self.stop()

    # -- datagrams -----------------------------------------------------------------------------
    def datagram_received(self, data: bytes, src: tuple[str, int], port: int) -> None:
        self.receive_one(data, src, (self.address, port), self.now())
        self.after_receive()

    def receive_one(self, data: bytes, src: tuple[str, int], dst: tuple[str, int], now: float) -> None:
        """One datagram to the router and its sends out; ``after_receive`` once after a batch."""
        if self._pcap is not None:
            self._pcap.write_udp(src, dst, data)
        counters = self.router.counters
        before = counters.get("malformed_dropped", 0) + counters.get("data_malformed_dropped", 0)
        try:
            out = self.router.receive(data, src, dst, now)
        except Exception:  # the router promises not to raise; a bug must not kill the node
            self.internal_errors += 1
            LOG.exception("%s: internal error on a datagram from %s:%d", self.hostname, src[0], src[1])
            return
        if counters.get("malformed_dropped", 0) + counters.get("data_malformed_dropped", 0) != before:
            self.malformed += 1
            if self.malformed <= 10 or self.malformed % 1000 == 0:
                LOG.warning("%s: malformed LISP packet from %s:%d to port %d dropped (%d so far)",
                            self.hostname, src[0], src[1], dst[1], self.malformed)
        if out:
            held = self._held
            if held is None and self.router.replay.pending:
                held = self._held = []
            if held is not None:  # RFC 9301 §5.6: nothing an accepted Map-Register caused leaves before
                held.extend(out)  # its nonce is on disk (after_receive writes it, then sends these)
                return
            send = self._send
            for item in out:
                send(item)

    def after_receive(self) -> None:
        self._flush_replay()
        self._deliver_events()
        self._write_eid_side()
        self._reschedule()

    # -- the replay ledger on disk (RFC 9301 §5.6: "save in persistent storage") -----------------
    def _open_replay(self) -> None:
        """Read the snapshot and the journal, fold them into a new snapshot, open the journal."""
        ledger = self.router.replay
        try:
            snapshot = self.replay_path.read_text(encoding="utf-8") if self.replay_path.exists() else ""
            journal = self.replay_journal_path.read_text(encoding="utf-8") if self.replay_journal_path.exists() else ""
            lines = ledger.load(snapshot, journal)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise ReplayStateError("%s: unreadable replay state (%s); the node does not start without it. Moving the "
                                   "file away starts it with none: Map-Registers captured earlier could then be "
                                   "accepted again" % (self.replay_path, exc)) from None
        if ledger.entries:
            LOG.info("%s: replay state: %d xTR entries (%d journal lines since the last snapshot)",
                     self.hostname, len(ledger.entries), lines)
        ledger.journaling = True
        self._compact_replay()

    def _compact_replay(self) -> None:
        """The ledger as one snapshot (atomic write), then an empty journal. A crash in between
        leaves journal lines the snapshot holds already; reading them again changes nothing."""
        atomic_write(self.replay_path, self.router.replay.dump())
        if self._journal_fd is None:
            self._journal_fd = os.open(self.replay_journal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.ftruncate(self._journal_fd, 0)
        os.fsync(self._journal_fd)
        self._journal_lines = 0

    def _flush_replay(self) -> None:
        """Journal lines of the Map-Registers just accepted, written and fsynced; then the sends
        that waited for them."""
        ledger = self.router.replay
        if ledger.pending:
            lines = ledger.take()
            if self._journal_fd is not None:
                data = "".join(lines).encode("utf-8")
                try:
                    while data:
                        data = data[os.write(self._journal_fd, data):]
                    os.fsync(self._journal_fd)
                    self._journal_lines += len(lines)
                    if self._journal_lines >= _COMPACT_AFTER:
                        self._compact_replay()
                except OSError as exc:  # the ledger in memory still refuses replays until a restart
                    self.replay_write_errors += 1
                    LOG.error("%s: writing the replay state failed (%d times): %s", self.hostname,
                              self.replay_write_errors, exc)
        held = self._held
        if held is not None:
            self._held = None
            for send in held:
                self._send(send)

    def _close_replay(self) -> None:
        if self._journal_fd is None:
            return
        try:
            self._flush_replay()
            self._compact_replay()
        except OSError as exc:
            LOG.error("%s: saving the replay state failed: %s", self.hostname, exc)
        finally:
            os.close(self._journal_fd)
            self._journal_fd = None
            self.router.replay.journaling = False

    # -- the EID side on a TUN device (``eid_tun``) ----------------------------------------------
    def _open_tun(self) -> None:
        from .tun import TunDevice  # pylint: disable=import-outside-toplevel  # Linux only, only with --eid-tun

        self._tun = TunDevice(self.eid_tun_name)
        self._tun.bring_up()
        self.router.eid_interface = True
        self._loop.add_reader(self._tun.fileno(), self._tun_readable)

    def _tun_readable(self) -> None:
        """Packets the kernel routed into the TUN device: the ITR's input (RFC 9300 §5). The
        common case (``Router.encapsulate_fast``) goes from the read straight to the send;
        ``Router.forward`` takes the rest."""
        tun = self._tun
        if tun is None:
            return
        fd, read = tun.fileno(), os.read
        router = self.router
        fast = router.encapsulate_fast if self._pcap is None else None
        now = self.now()  # one reading per batch, as for datagrams
        for _i in range(_BATCH):  # a bounded batch, then let the loop breathe
            try:
                packet = read(fd, _MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                LOG.info("%s: reading %s failed: %s", self.hostname, self.eid_tun_name, exc)
                break
            try:
                out = fast(packet, now) if fast is not None else None
                if out is None:
                    self._send_all(router.forward(packet, now))
                    continue
                data, src, dst = out
                try:
                    self._ephemeral_socket(src[1]).sendto(data, dst)
                except OSError as exc:
                    LOG.info("%s: sending to %s:%d failed: %s", self.hostname, dst[0], dst[1], exc)
            except Exception:  # see datagram_received
                self.internal_errors += 1
                LOG.exception("%s: internal error on a packet from %s", self.hostname, self.eid_tun_name)
        self._reschedule()

    def decapsulated_to_tun(self, data: bytes) -> bool:
        """A datagram on UDP 4341 that ``Router.decapsulate_fast`` takes, written to the TUN device
        at once; False (nothing done) for anything else, which then goes through ``receive_one``."""
        try:
            inner = self.router.decapsulate_fast(data)
        except Exception:  # see receive_one: a bug must not kill the node; the datagram is dropped
            self.internal_errors += 1
            LOG.exception("%s: internal error on a datagram to port %d", self.hostname, DATA_PORT)
            return True
        if inner is None:
            return False
        if self.router.eid_out:  # keep the order of what the general path queued before it
            self._write_eid_side()
        try:
            os.write(self._tun.fileno(), inner)
        except OSError as exc:
            LOG.info("%s: writing to %s failed: %s", self.hostname, self.eid_tun_name, exc)
        return True

    def eid_fast_path(self) -> bool:
        """Whether datagrams may skip ``receive_one`` (a TUN device is open and nothing is captured)."""
        return self._tun is not None and self._pcap is None

    def _write_eid_side(self) -> None:
        """Hand decapsulated packets for our EID-prefixes to the kernel through the TUN device."""
        queue = self.router.eid_out
        while queue:
            packet = queue.popleft()
            if self._tun is None:
                continue
            try:
                self._tun.write(packet)
            except OSError as exc:
                LOG.info("%s: writing to %s failed: %s", self.hostname, self.eid_tun_name, exc)

    def _send_all(self, sends) -> None:
        for send in sends:
            self._send(send)

    def _send(self, send) -> None:
        if self._pcap is not None:
            self._pcap.write_udp(send.src, send.dst, send.data)
        endpoint = self._endpoints.get(send.src[1])
        try:
            if endpoint is not None and endpoint.transport is not None:
                transport = endpoint.transport
                if endpoint.sock is not None and not transport.get_write_buffer_size() and not transport.is_closing():
                    try:
                        endpoint.sock.sendto(send.data, send.dst)
                        return
                    except (BlockingIOError, InterruptedError):
                        pass  # the transport queues it and sends when the socket is writable
                    except OSError as exc:  # as the transport does: ICMP errors go to error_received
                        endpoint.error_received(exc)
                        return
                transport.sendto(send.data, send.dst)
            else:
                self._ephemeral_socket(send.src[1]).sendto(send.data, send.dst)
        except OSError as exc:
            LOG.info("%s: sending to %s:%d failed: %s", self.hostname, send.dst[0], send.dst[1], exc)

    def _ephemeral_socket(self, port: int):
        # RFC 9300 §5.3: the ITR picks the data source port from the flow hash; keep a few bound.
        sock = self._ephemeral.get(port)
        if sock is not None:
            self._ephemeral.move_to_end(port)
            return sock
        sock = socket.socket(socket.AF_INET6 if ":" in self.address else socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            sock.bind((self.address, port))
        except OSError:
            sock.bind((self.address, 0))  # the port is taken: any source port will do
        self._ephemeral[port] = sock
        while len(self._ephemeral) > _MAX_EPHEMERAL_SOCKETS:
            self._ephemeral.popitem(last=False)[1].close()
        return sock

    def _deliver_events(self) -> None:
        events = self.router.events
        while events:
            event = events.popleft()
            # the reply travels from the pinged EID back to our host
            future = self._waiters.get((event.dst_eid, event.src_eid, event.ident, event.seq))
            if future is not None and not future.done():
                future.set_result(event)

    # -- timers --------------------------------------------------------------------------------
    def _reschedule(self, minimum: float = 0.0) -> None:
        """Arm the timer for ``router.next_timer()``. A timer already armed for that moment or an
        earlier one is kept (this runs after every datagram): when it fires early, ``_on_timer``
        finds nothing due and arms again for the real deadline."""
        if self._loop is None:
            return
        when = self.router.next_timer()
        if when is None:
            return
        now = time.time()
        delay = min(max(minimum, when - now), 3600.0)
        if self._timer is not None:
            if now + delay >= self._timer_at:
                return
            self._timer.cancel()
        self._timer_at = now + delay
        self._timer = self._loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        now = self.now()
        when = self.router.next_timer()
        if when is not None and when <= now:
            try:
                out = self.router.handle_timer(now)
            except Exception:  # see datagram_received
                self.internal_errors += 1
                LOG.exception("%s: internal error in a timer", self.hostname)
                out = []
            self._send_all(out)
            self._deliver_events()
            self._reschedule(_MIN_TIMER_DELAY)
        else:
            self._reschedule()


def read_node_json(state_dir, name) -> dict:
    path = node_dir(state_dir, name) / "node.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}

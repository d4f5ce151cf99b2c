"""``Router``: one LISP device — Map-Server, Map-Resolver, ITR and ETR as configured — as a
sans-I/O object (the aioquic pattern). Feed it datagrams and time; it returns what to send.

``receive(data, src, dst, now)`` takes a UDP datagram addressed to port 4342 (control) or 4341
(data); ``next_timer()``/``handle_timer(now)`` drive every RFC 9301 timer; ``send_echo`` plays the
host behind the router. Nothing here reads a clock, sleeps or touches a socket. Malformed input is
counted (``counters``) and dropped; ``receive`` never raises.
"""

from __future__ import annotations

import collections
import copy
import hashlib
import ipaddress
import random
import struct

from ..wire.ecm import EncapsulatedControl, map_request_view
from ..wire.errors import LispWireError
from ..wire.data import DataHeader
from ..wire.map_notify import MapNotify
from ..wire.map_notify_ack import MapNotifyAck
from ..wire.map_register import MapRegister
from ..wire.map_reply import MapReply
from ..wire.map_request import MapRequest
from ..wire.message import decode_control, maker
from . import packets
from .codec import MASK4, eid_prefix
from .etr import DatabaseMapping, Etr, MapServerPeer
from .itr import Itr
from .map_cache import ACTION_DROP, ACTION_NATIVE, ACTION_SEND_MAP_REQUEST, MapCache
from .map_resolver import MapResolver
from .map_server import MapServer, SiteConfig
from .oper import oper_state
from .replay import ReplayLedger
from .prefix import EidPrefix, addr_to_int, parse_prefix
from .show import render
from .types import CONTROL_PORT, DATA_PORT, Counters, EchoReply, Send

__all__ = ["Router", "Send", "EchoReply"]

_send = maker(Send)  # a Send without the frozen dataclass's __init__ (the fields are ours)
# decapsulate_fast's fields of a LISP data packet holding IPv4: LISP flags, the LISP header's second
# word, the inner header's first byte, its Total Length and its destination
_DECAP = struct.Struct("!B3xIBxH12xI")

# ``map-cache PREFIX <keyword>`` -> the entry's action
STATIC_ACTIONS = {
    "map-request": ACTION_SEND_MAP_REQUEST, "send-map-request": ACTION_SEND_MAP_REQUEST,
    "native-forward": ACTION_NATIVE, "forward-native": ACTION_NATIVE, "natively-forward": ACTION_NATIVE,
    "drop": ACTION_DROP,
}


def canonical_address(text: str) -> str:
    """An EID as the data plane writes it: IPv4 as given, IPv6 compressed and lower-case."""
    return ipaddress.IPv6Address(text).compressed if ":" in text else text


def _remember(cache: dict, key, value):
    """Keep ``value`` in one of the data plane's look-up caches (emptied when it reaches 4096 keys: a
    miss costs one look-up of the configuration or map-cache); returns ``value``."""
    if len(cache) >= 4096:
        cache.clear()
    cache[key] = value
    return value


def _merged_service(services: dict):
    """One view of ``service ipv4`` and ``service ipv6``: a role is on if either turns it on; the
    map-resolvers, map-servers and proxy lists are the union (IPv4 first)."""
    present = [services[a] for a in ("ipv4", "ipv6") if services.get(a) is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    first, second = present
    merged = copy.copy(first)
    for name in ("itr", "etr", "map_server", "map_resolver", "proxy_etr"):
        setattr(merged, name, bool(getattr(first, name)) or bool(getattr(second, name)))
    merged.map_resolvers = list(dict.fromkeys(list(first.map_resolvers) + list(second.map_resolvers)))
    merged.map_servers = {**second.map_servers, **first.map_servers}
    merged.use_petr = {**second.use_petr, **first.use_petr}
    merged.proxy_itr = list(dict.fromkeys(list(first.proxy_itr) + list(second.proxy_itr)))
    return merged


_ECM_FIRST = frozenset(bytes([b]) for b in range(0x80, 0x88))  # ECM (type 8) first bytes with the S bit (0x08) clear


class Router:
    def __init__(self, *, hostname: str, rloc: str, host_eids: list[str], rng: random.Random | None = None):
        self.hostname = hostname
        self.rloc = rloc
        self.host_eids = [canonical_address(eid) for eid in host_eids]
        self.rng = rng if rng is not None else random.Random()
        self.counters: Counters = Counters()
        self.events: collections.deque = collections.deque(maxlen=10000)
        # RFC 9301 §5.6: a 128-bit xTR-ID, stable for this router (derived, so it survives restarts)
        self.xtr_id = hashlib.sha256(("lispxtr:%s:%s" % (hostname, rloc)).encode()).digest()[:16]
        self.site_id = bytes(8)
        self.map_cache = MapCache()
        self.map_server: MapServer | None = None
        self.replay = ReplayLedger()  # the Map-Server's accepted nonces; Node keeps them on disk
        self.map_resolver: MapResolver | None = None
        self.itr: Itr | None = None
        self.etr: Etr | None = None
        self.config = None
        self.started: float | None = None
        self.configured_at: float | None = None
        self.instance_of_eid: dict[str, int] = {}  # host EID -> the first instance it lives in
        # host EID -> every instance it lives in: one emulated host per VRF whose database-mapping
        # covers the address, so two tenants may each have a host with the same address here
        self.host_instances: dict[str, frozenset] = {}
        self.eid_tables: dict[int, str] = {0: "default"}
        self.roles: dict[tuple[int, str], dict] = {}
        self.service_flags: dict[str, bool] = {}
        self.peers: dict[tuple[str, int], dict] = {}
        self.last_error: str | None = None  # the last internal error receive() swallowed
        # A real EID-side interface (``Node(eid_tun=...)``, the namespace lab): off, the router plays
        # its host EIDs itself; on, decapsulated packets for our EID-prefixes that are not host EIDs
        # are queued here, whole IP packets for the caller to write to that interface.
        self.eid_interface = False
        self.eid_out: collections.deque = collections.deque(maxlen=10000)
        self._source_iid: dict[int, int] = {}  # IPv4 source (int) -> instance of its EID-prefix, -1: none
        self._owned_dst: dict[int, bool] = {}  # instance << 32 | IPv4 destination -> in one of our EID-prefixes
        self._flows: dict[bytes, tuple] = {}  # IPv4 source and destination -> encapsulate_fast's record

    # -- configuration -----------------------------------------------------------------------
    def apply_config(self, tree, now: float) -> list[Send]:
        """Reconfigure from a ``RouterConfig`` while running (see the module docstring of each role).

        Everything is read and checked first; a tree with an unusable value raises ``ValueError``
        before anything changes."""
        lisp = getattr(tree, "lisp", None)
        services = dict(lisp.services) if lisp is not None else {}
        svc = _merged_service(services)  # the roles of "service ipv4" and "service ipv6" together
        flags = {name: bool(getattr(svc, name, False)) for name in
                 ("itr", "etr", "map_server", "map_resolver", "proxy_etr")} if svc is not None else {}
        flags["proxy_itr"] = bool(svc is not None and svc.proxy_itr)
        # instances: EID tables, database-mappings, static map-cache entries
        database: list[DatabaseMapping] = []
        static: dict[EidPrefix, str] = {}
        eid_tables: dict[int, str] = {}
        afis_of: dict[int, list[str]] = {}
        instances = lisp.instances if lisp is not None else {}
        for iid in sorted(instances):
            for afi in ("ipv4", "ipv6"):
                isvc = instances[iid].services.get(afi)
                if isvc is None:
                    continue
                eid_tables.setdefault(iid, isvc.eid_table)
                afis_of.setdefault(iid, []).append(afi)
                for prefix, ls_name in isvc.database_mappings.items():
                    p = parse_prefix(prefix, iid)
                    locs = self._locators(lisp, ls_name)
                    database.append(DatabaseMapping(p, ls_name, tuple(l[:3] for l in locs),
                                                    tuple(l[3] for l in locs)))
                for prefix, action in isvc.map_cache.items():
                    static[parse_prefix(prefix, iid)] = STATIC_ACTIONS.get(action, ACTION_SEND_MAP_REQUEST)
        master = getattr(tree, "config_key", None)  # decrypts type 6 keys (key config-key password-encrypt)
        sites = self._sites(lisp, master) if flags.get("map_server") else []

        out: list[Send] = []
        if self.started is None:
            self.started = now
        self.configured_at = now
        self.config = tree
        self.hostname = getattr(tree, "hostname", None) or self.hostname
        self.service_flags = flags
        self.eid_tables = eid_tables or {0: "default"}
        self.roles = {}
        for iid in self.eid_tables:
            for afi in afis_of.get(iid) or [a for a in ("ipv4", "ipv6") if services.get(a)] or ["ipv4"]:
                f = services.get(afi) or svc
                self.roles[(iid, afi)] = {
                    "is_itr": bool(getattr(f, "itr", False)), "is_etr": bool(getattr(f, "etr", False)),
                    "is_ms": bool(getattr(f, "map_server", False)), "is_mr": bool(getattr(f, "map_resolver", False)),
                    "is_pitr": bool(getattr(f, "proxy_itr", False)), "is_petr": bool(getattr(f, "proxy_etr", False))}
        self.instance_of_eid = {}
        self.host_instances = {}
        self._source_iid = {}  # the database-mappings may change
        self._owned_dst = {}
        self._flows = {}
        for eid in self.host_eids:
            afi, value = addr_to_int(eid)
            iids = [dm.prefix.iid for dm in database
                    if dm.prefix.afi == afi and dm.prefix.covers(EidPrefix(dm.prefix.iid, afi, value, 32 if afi == "ipv4" else 128))]
            iids = list(dict.fromkeys(iids)) or [0]
            self.instance_of_eid[eid] = iids[0]
            self.host_instances[eid] = frozenset(iids)

        # Map-Server
        if flags.get("map_server"):
            if self.map_server is None:
                self.map_server = MapServer(self.rloc, self.counters, self.replay)
            self.map_server.configure(sites, now)
        else:
            self.map_server = None
        # Map-Resolver
        if flags.get("map_resolver"):
            forward = () if self.map_server is not None else tuple(svc.map_servers) if svc is not None else ()
            self.map_resolver = MapResolver(self.rloc, self.map_server, forward, self.counters)
        else:
            self.map_resolver = None
        # ITR (a proxy-ITR runs the same machinery)
        if flags.get("itr") or flags.get("proxy_itr"):
            if self.itr is None:
                self.itr = Itr(self.rloc, self.rng, self.counters, self.map_cache)
            petr = tuple(svc.use_petr) if svc is not None else ()
            self.itr.configure(tuple(svc.map_resolvers), static, petr, now)
            self.itr.set_rloc_probing(bool(getattr(lisp, "rloc_probing", False)), now)
        else:
            self.itr = None
            self.map_cache.clear(keep_static=False)  # no ITR, no map-cache (static entries included)
        # ETR
        old_database = self.etr.database if self.etr is not None else {}
        if flags.get("etr"):
            if self.etr is None:
                self.etr = Etr(self.rloc, self.xtr_id, self.site_id, self.counters)
            servers = []
            for addr, ref in svc.map_servers.items():
                key = self._clear_key(ref, master)
                if not key:  # no usable key (none, or a type 6 we cannot decrypt): cannot register
                    self.counters.bump("config_map_server_without_key")
                    continue
                # IOS-XE signs with HMAC-SHA-1 unless `hash-function sha2` is configured
                servers.append(MapServerPeer(addr, key or "", "sha2" if ref.hash_function == "sha2" else "sha1",
                                             bool(ref.proxy_reply)))
            out += self.etr.configure(database, servers, now)
        else:
            self.etr = None
        # RFC 9301 §6.1: the ITRs we have been sending to learn at once that our mappings changed
        # (Etr.configure keeps the DatabaseMapping of an unchanged prefix, so identity tells)
        new_database = self.etr.database if self.etr is not None else {}
        changed = [p for p, dm in new_database.items() if old_database.get(p) is not dm]
        changed += [p for p in old_database if p not in new_database]
        if changed and self.itr is not None:
            out += self.itr.solicit(changed, now)
        self._note_out(out, now)
        return out

    def _locators(self, lisp, name: str) -> tuple:
        ls = lisp.locator_sets.get(name)
        if ls is None:
            return ()
        out, seen = [], set()
        for loc in ls.locators:
            # an interface locator (IPv4-interface Loopback0) stands for the router's own RLOC
            address, source = (loc.address, "cfg-addr") if loc.address else (self.rloc, "cfg-intf")
            if address not in seen:  # one RLOC record per address
                seen.add(address)
                out.append((address, loc.priority, loc.weight, source))
        return tuple(out)

    @staticmethod
    def _clear_key(ref, master=None) -> str:
        """The HMAC key of a ``MapServerRef``/``Site`` ('' when unusable: missing, or a type 6 key
        the master key does not decrypt)."""
        try:
            return ref.clear_key(master) or ""
        except ValueError:  # config.secrets.SecretError: a key type this router cannot decrypt
            return ""

    def _sites(self, lisp, master=None) -> list[SiteConfig]:
        sites = []
        for name, site in (lisp.sites.items() if lisp is not None else ()):
            key = self._clear_key(site, master)
            records = {parse_prefix(prefix, iid): bool(cfg.accept_more_specifics)
                       for (iid, prefix), cfg in site.eid_records.items()}
            sites.append(SiteConfig(name, key or "", site.description or "", records,
                                    frozenset(site.allowed_locators or ())))
        return sites

    # -- datagrams ---------------------------------------------------------------------------
    def receive(self, data: bytes, src: tuple[str, int], dst: tuple[str, int], now: float) -> list[Send]:
        try:
            if dst[1] == DATA_PORT:
                out = self._receive_data(data, src, now)
            else:
                out = self._receive_control(data, src, now, dst)
        except LispWireError:
            self.counters.bump("malformed_dropped")
            return []
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:  # never raise
            self.counters.bump("internal_errors")
            self.last_error = "%s: %s" % (type(exc).__name__, exc)
            return []
        if out:
            self._note_out(out, now)
        return out

    def _receive_control(self, data: bytes, src, now: float, dst=None) -> list[Send]:
        if data[:1] in _ECM_FIRST and self.etr is None:  # an MR/MS: try the common ECM Map-Request
            view = map_request_view(data)
            if view is not None:
                return self._ecm_view(view, data)
        c = self.counters
        msg = decode_control(data)
        kind = type(msg)
        if kind is EncapsulatedControl:
            _isrc, _idst, sport, _dport, inner = msg.unwrap()
            request = decode_control(inner)
            if not isinstance(request, MapRequest):
                c.bump("ecm_unsupported_dropped")
                return []
            return self._ecm_request(request, data, sport, now)
        if kind is MapReply:
            if self.itr is None:
                c.bump("map_reply_dropped")
                return []
            return self.itr.handle_reply(msg, src, now)
        if kind is MapRegister:
            self._note_in(src, now)
            if self.map_server is None:
                c.bump("map_register_dropped")
                return []
            return self.map_server.handle_register(msg, data, src, now)
        if kind is MapNotify:
            self._note_in(src, now)
            if self.etr is None:
                c.bump("map_notify_dropped")
                return []
            return self.etr.handle_notify(msg, data, src, now)
        if kind is MapRequest:
            if msg.smr:  # RFC 9301 §6.1: an ETR whose mappings changed asks us to ask again
                if self.itr is not None:
                    return self.itr.handle_smr(msg, now)
                c.bump("smr_dropped")
                return []
            # a bare Map-Request (RLOC-probe), answered by the ETR for its own EIDs
            if self.etr is not None:  # RFC 9301 §7.1: the probed locator is where the probe was sent
                return self.etr.handle_request(msg, src[1], now, probed=dst[0] if dst is not None else self.rloc)
            c.bump("map_request_dropped")
            return []
        if kind is MapNotifyAck:
            c.bump("map_notify_ack_in")
            return []
        c.bump("control_unsupported_dropped")
        return []

    def _ecm_request(self, request, data: bytes, sport: int, now: float) -> list[Send]:
        etr = self.etr
        if etr is not None and request.eid_records:
            eid, mask_len = request.eid_records[0]
            p = eid_prefix(eid, mask_len)
            if p is not None and etr.owns(p) is not None:  # forwarded to us by the MS (RFC 9301 §8.3)
                return etr.handle_request(request, sport, now)
        if self.map_resolver is not None:
            return self.map_resolver.handle_request(request, data, sport, now)
        if self.map_server is not None:
            return self.map_server.handle_request(request, data, sport, now)
        if etr is not None:  # not (or no longer) one of our EIDs: the ETR drops and counts it
            return etr.handle_request(request, sport, now)
        self.counters.bump("map_request_dropped")
        return []

    def _ecm_view(self, view: tuple, data: bytes) -> list[Send]:
        """``_ecm_request`` of a router without an ETR, for a request ``map_request_view`` read."""
        sport, nonce, itr, eid, mask_len = view
        p = EidPrefix(0, "ipv4", eid & MASK4[mask_len], mask_len)
        if self.map_resolver is not None:
            return self.map_resolver.resolve(p, itr, nonce, data, sport)
        if self.map_server is not None:
            return self.map_server.answer(p, itr, nonce, data, sport)
        self.counters.bump("map_request_dropped")
        return []

    # The straight-line paths of ``_receive_data`` and ``forward`` for their common cases
    # (``_echo_fast``, ``_forward_fast``); set False (on the class or one router) to send every data
    # packet through the general paths.
    data_fast_path = True

    def _receive_data(self, data: bytes, src, now: float) -> list[Send]:
        if self.data_fast_path:
            if self.eid_interface:  # only then can decapsulate_fast take it: no call on the echo path
                inner = self.decapsulate_fast(data)
                if inner is not None:
                    self.eid_out.append(inner)
                    return []
            out = self._echo_fast(data, now)
            if out is not None:
                return out
        c = self.counters
        header = DataHeader.decode(data)
        packet = packets.parse_ip(header.payload)
        if packet is None:
            c.bump("data_malformed_dropped")
            return []
        iid = header.instance_id if header.instance_id is not None else 0
        # RFC 9300 §5.3: the instance-id in the LISP header selects the EID table (the tenant)
        if iid not in self.host_instances.get(packet.dst, ()) or self.etr is None:
            if self.eid_interface and self.etr is not None:
                afi, value = addr_to_int(packet.dst)
                if self.etr.owns_address(iid, afi, value) is not None:
                    # RFC 9300 §5.3: the ETR strips the outer headers and hands the inner packet on
                    c.bump("etr_decapsulated")
                    self.eid_out.append(bytes(header.payload[:packets.packet_length(header.payload)]))
                    return []
            c.bump("data_not_for_us_dropped")
            return []
        c.bump("etr_decapsulated")
        return self._host_input(packet, now, iid)

    def _echo_fast(self, data: bytes, now: float) -> list[Send] | None:
        """The general path's answer for its common case, without a dataclass per packet: a LISP data
        packet (RFC 9300 §5.3; its header carries nothing the host path reads) holding an IPv4 packet
        with a 20-byte header, not a fragment, from a host that is not ours to one of our host EIDs,
        holding an ICMP echo request (RFC 792), whose reply our ITR encapsulates. It makes the general
        path's checks (lengths, IPv4 header checksum, ICMP checksum: ``packets.echo_reply``) and
        gives the same sends, counters and ITR state. ``None`` for anything else, before it has
        changed anything: the general path then takes the packet."""
        reply = packets.echo_reply(data)
        if reply is None or self.etr is None or self.itr is None:
            return None
        hosts = self.instance_of_eid
        host = packets.ipv4_text(data[24:28])
        # RFC 9300 §5.3: with the I bit (0x08) the upper 24 bits of the second word are the instance-id
        iid = int.from_bytes(data[4:7], "big") if data[0] & 0x08 else 0
        if iid not in self.host_instances.get(host, ()):
            return None
        peer = packets.ipv4_text(data[20:24])
        if peer in hosts:  # between our own hosts: the general path loops it back
            return None
        c = self.counters
        c["etr_decapsulated"] += 1  # RFC 9300 §5.3: the ETR strips the outer headers
        c["echo_request_in"] += 1
        return self.itr.forward_ipv4(reply, iid, now)

    def decapsulate_fast(self, data: bytes) -> bytes | None:
        """The general path's decapsulation towards the EID-side interface, for its common case: a
        LISP data packet (RFC 9300 §5.3) holding an IPv4 packet with a 20-byte header that
        ``parse_ipv4`` accepts (Total Length within the bytes, header checksum right), to an address
        in one of our EID-prefixes of the header's instance, on a router with an EID-side
        interface and no host EIDs of its own. Returns the inner packet (without any padding),
        counted as the general path counts it; None for anything else, before anything changed."""
        if not self.eid_interface or self.instance_of_eid or self.etr is None or not isinstance(data, bytes) or len(data) < 28:
            return None
        flags, word2, first, total, dst = _DECAP.unpack_from(data)
        # RFC 1071, as in encapsulate_fast: the 20 header bytes sum to 0 modulo 0xFFFF when intact
        if first != 0x45 or not 20 <= total <= len(data) - 8 or int.from_bytes(data[8:28], "big") % 0xFFFF:
            return None
        # RFC 9300 §5.3: with the I bit the first 24 bits of the second word are the instance-id
        key = (word2 >> 8 << 32 if flags & 0x08 else 0) | dst
        owned = self._owned_dst.get(key)
        if owned is None:
            owned = _remember(self._owned_dst, key, self.etr.owns_address(key >> 32, "ipv4", key & 0xFFFFFFFF) is not None)
        if not owned:
            return None  # the general path counts it as not for us
        self.counters["etr_decapsulated"] += 1
        return data[8:8 + total]

    # -- the hosts behind us -----------------------------------------------------------------
    def _host_input(self, packet: packets.Ipv4Packet | packets.Ipv6Packet, now: float, iid: int | None = None) -> list[Send]:
        if packet.proto != (packets.ICMP if packet.version == 4 else packets.ICMPV6):
            self.counters.bump("host_delivered")
            return []
        echo = packets.parse_echo(packet)
        if echo is None:
            self.counters.bump("host_icmp_malformed")
            return []
        if echo.kind == packets.ECHO_REPLY:
            self.events.append(EchoReply(packet.src, packet.dst, echo.ident, echo.seq, now))
            self.counters.bump("echo_reply_in")
            return []
        # our host answers the echo request; the reply leaves through our own ITR
        self.counters.bump("echo_request_in")
        reply = packets.echo(packet.dst, packet.src, "reply", echo.ident, echo.seq, echo.payload)
        return self._host_output(reply, packet.dst, packet.src, now, iid)

    def _host_output(self, packet: bytes, src_eid: str, dst_eid: str, now: float, iid: int | None = None) -> list[Send]:
        if iid is None:
            iid = self.instance_of_eid.get(src_eid, 0)
        if iid in self.host_instances.get(dst_eid, ()):  # between our own hosts of one instance: no LISP needed
            parsed = packets.parse_ip(packet)
            return self._host_input(parsed, now, iid) if parsed is not None else []
        if self.itr is None:
            self.counters.bump("host_no_itr_dropped")
            return []
        return self.itr.forward(packet, iid, src_eid, dst_eid, now)

    def send_echo(self, src_eid: str, dst_eid: str, ident: int, seq: int, payload: bytes, now: float,
                  iid: int | None = None) -> list[Send]:
        """Our host ``src_eid`` pings ``dst_eid`` (an ICMP echo request in IPv4, or ICMPv6 in IPv6,
        with real checksums); ``iid``: from the host of that instance (``ping vrf NAME``), by
        default the first instance the host lives in."""
        src_eid, dst_eid = canonical_address(src_eid), canonical_address(dst_eid)
        if (":" in src_eid) != (":" in dst_eid):
            raise ValueError("%s and %s are not of one address family" % (src_eid, dst_eid))
        if src_eid not in self.instance_of_eid:
            if src_eid not in self.host_eids:
                raise ValueError("%s is not an EID of a host behind %s" % (src_eid, self.hostname))
            self.instance_of_eid[src_eid] = 0
            self.host_instances[src_eid] = frozenset((0,))
        if iid is not None and iid not in self.host_instances.get(src_eid, ()):
            raise ValueError("%s is not an EID of a host in instance-id %d behind %s" % (src_eid, iid, self.hostname))
        self.counters.bump("echo_request_out")
        packet = packets.echo(src_eid, dst_eid, "request", ident, seq, payload)
        out = self._host_output(packet, src_eid, dst_eid, now, iid)
        self._note_out(out, now)
        return out

    def forward(self, packet: bytes, now: float) -> list[Send]:
        """An IP packet read from a real EID-side interface (a TUN device; RFC 9300 §5): the ITR
        encapsulates it on UDP 4341 when the map-cache has the destination, or drops it and sends a
        Map-Request on a miss (RFC 9301 §6), exactly as for ``send_echo``. Only packets whose source
        is in one of our EID-prefixes are LISP traffic; anything else is counted and dropped."""
        c = self.counters
        try:
            if self.data_fast_path:
                out = self._forward_fast(packet, now)
                if out is not None:
                    self._note_out(out, now)
                    return out
            parsed = packets.parse_ip(packet)
            if parsed is None:
                c.bump("eid_in_malformed_dropped")  # not IPv4 or IPv6, or a broken header
                return []
            if self.itr is None:
                c.bump("host_no_itr_dropped")
                return []
            iid = 0
            if self.etr is not None:  # the instance whose database-mapping covers the source
                afi, value = addr_to_int(parsed.src)
                iid = self._source_instance(afi, value)
                if iid is None:
                    c.bump("itr_source_not_eid_dropped")
                    return []
            c.bump("eid_in")
            whole = packet[:packets.packet_length(packet)]  # without any link padding
            out = self.itr.forward(whole, iid, parsed.src, parsed.dst, now)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:  # never raise
            c.bump("internal_errors")
            self.last_error = "%s: %s" % (type(exc).__name__, exc)
            return []
        self._note_out(out, now)
        return out

    def _source_instance(self, afi: str, value: int) -> int | None:
        """The first instance whose database-mapping covers a source EID; None when none does."""
        etr = self.etr
        return next((i for i in self.eid_tables if etr.owns_address(i, afi, value) is not None), None)

    def _forward_fast(self, packet: bytes, now: float) -> list[Send] | None:
        """``forward`` by ``encapsulate_fast``: the same sends and counters; None: ``forward`` decides."""
        out = self.encapsulate_fast(packet, now)
        return None if out is None else [_send(*out)]

    def encapsulate_fast(self, packet: bytes, now: float) -> tuple[bytes, tuple, tuple] | None:
        """``forward``'s answer for its common case, as ``(UDP payload, source, destination)``: an
        IPv4 packet with a 20-byte header that ``parse_ipv4`` accepts (Total Length within the
        bytes, header checksum right), from a source in one of our EID-prefixes, on a router with
        ITR and ETR, to a destination whose map-cache entry has one usable locator. The decision
        is kept per flow (addresses and protocol: ``Itr.ipv4_flow``) while the map-cache and the
        configuration are unchanged; counters and entry statistics are ``forward``'s. None for
        anything else, before anything changed (``forward`` then takes the packet)."""
        itr = self.itr
        if itr is None or not isinstance(packet, bytes) or len(packet) < 20 or packet[0] != 0x45:
            return None
        total = (packet[2] << 8) | packet[3]
        # RFC 1071: the header is intact when its words sum to 0 modulo 0xFFFF (2**16 is 1 modulo
        # 0xFFFF, so the 20 bytes sum as one integer); it is not all zeros, its first byte is 0x45
        if not 20 <= total <= len(packet) or int.from_bytes(packet[:20], "big") % 0xFFFF:
            return None
        flow = self._flows.get(packet[12:20])
        if flow is None or flow[0] != self.map_cache.version or flow[1] != packet[9]:
            flow = self._ipv4_flow(packet)
            if flow is None:
                return None
        iid, decided = flow[2], flow[3]
        self.counters["eid_in"] += 1
        whole = packet if total == len(packet) else packet[:total]  # without any link padding
        return itr.encapsulate_flow(decided, whole, iid, now), decided[1], decided[2]

    def _ipv4_flow(self, packet: bytes) -> tuple | None:
        """The flow-cache record of ``encapsulate_fast``: (map-cache version, protocol, instance,
        ``Itr.ipv4_flow``); None (not kept) when the source is not ours or ``ipv4_flow`` says no."""
        if self.etr is None:
            return None
        src = int.from_bytes(packet[12:16], "big")
        iid = self._source_iid.get(src)
        if iid is None:  # the first instance whose database-mapping covers the source, as forward finds it
            found = self._source_instance("ipv4", src)
            iid = _remember(self._source_iid, src, -1 if found is None else found)
        if iid < 0:
            return None  # not LISP traffic: forward counts it
        decided = self.itr.ipv4_flow(packet, iid)
        if decided is None:
            return None
        return _remember(self._flows, packet[12:20], (self.map_cache.version, packet[9], iid, decided))

    # -- timers ------------------------------------------------------------------------------
    def next_timer(self) -> float | None:
        times = [t for t in (role.next_timer() for role in (self.itr, self.etr, self.map_server) if role is not None)
                 if t is not None]
        if self.itr is None:
            expiry = self.map_cache.next_expiry()
            if expiry is not None:
                times.append(expiry)
        return min(times) if times else None

    def handle_timer(self, now: float) -> list[Send]:
        out: list[Send] = []
        for role in (self.itr, self.etr, self.map_server):
            if role is not None:
                out += role.handle_timer(now)
        if self.itr is None:
            self.map_cache.expire(now)
        self._note_out(out, now)
        return out

    # -- operations --------------------------------------------------------------------------
    def clear_map_cache(self, iid: int | None = None, afi: str = "ipv4") -> None:
        """``clear lisp instance-id N map-cache``: drop learned entries, keep configured ones."""
        self.map_cache.clear(iid, afi)
        if self.itr is not None:
            self.itr.forget_pending(iid, afi)

    def show(self, command: str, now: float) -> str | None:
        return render(self, command, now)

    def oper_state(self, now: float) -> dict:
        return oper_state(self, now)

    # -- registration peers, for "show lisp session" -------------------------------------------
    # IOS-XE's sessions are the xTR <-> Map-Server relationships; ours are the peers we exchange
    # Map-Register/Map-Notify with (Map-Requests and data would grow the table without bound).
    def _note_in(self, peer: tuple[str, int], now: float) -> None:
        st = self.peers.get(peer)
        if st is None:
            st = self.peers[peer] = {"since": now, "in": 0, "out": 0, "last_in": None}
        st["in"] += 1
        st["last_in"] = now

    def _note_out(self, out: list[Send], now: float) -> None:
        for send in out:
            if send.dst[1] != CONTROL_PORT or send.data[0] >> 4 not in (3, 4):  # Map-Register, Map-Notify
                continue
            st = self.peers.get(send.dst)
            if st is None:
                st = self.peers[send.dst] = {"since": now, "in": 0, "out": 0, "last_in": None}
            st["out"] += 1

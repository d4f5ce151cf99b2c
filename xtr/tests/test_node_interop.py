"""Issue 16 interop over real UDP, one ``Node`` in this test's event loop: the RLOC-probe reply's p
and L bits (RFC 9301 §5.4, §7.1) as the wire carries them and as Wireshark reads a capture of
them, and the ITR's ECM leaving from a random source port (RFC 9301 §5.8) while the Map-Reply still
comes back to the ITR-RLOC's port 4342."""

import asyncio

from lispxtr.node import Node, atomic_write
from lispxtr.wire import EncapsulatedControl, Ipv4, MapReply, MapRequest, decode_control
from lispxtr.wire.record import EidRecord, Locator

from .conftest import tshark_json, tshark_problems
from .test_mgmt_harness import free_address

CLI_PORT, NETCONF_PORT = 2022, 2830


def startup(address, other, resolver):
    return "\n".join([
        "hostname XTR", "username admin privilege 15 secret 0 interop-Pass1", "router lisp", " locator-set RLOCS",
        "  %s priority 10 weight 50" % address, "  %s priority 20 weight 50" % other, "  exit-locator-set",
        " service ipv4", "  itr map-resolver %s" % resolver, "  itr", "  etr map-server %s key 0 K1" % resolver,
        "  etr", "  exit-service-ipv4", " instance-id 0", "  service ipv4", "   eid-table default",
        "   database-mapping 192.168.77.0/24 locator-set RLOCS", "   map-cache 0.0.0.0/0 map-request",
        "   exit-service-ipv4", "  exit-instance-id", " exit-router-lisp"]) + "\n"


class Collect(asyncio.DatagramProtocol):
    def __init__(self):
        self.got = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.got.put_nowait((data, addr))


async def next_of(queue, kind, timeout=5.0):
    """The next datagram whose LISP type is ``kind`` (others, such as Map-Registers, are skipped)."""
    while True:
        data, addr = await asyncio.wait_for(queue.get(), timeout)
        if data[0] >> 4 == kind:
            return data, addr


def test_probe_reply_bits_on_the_wire_and_in_wireshark_and_the_ecm_source_port(tmp_path):
    address = free_address(174, CLI_PORT, NETCONF_PORT)
    net = address.rsplit(".", 1)[0]
    other, resolver, prober = net + ".9", net + ".2", net + ".3"  # another xTR of the site, the MR, an ITR
    (tmp_path / "XTR").mkdir()
    atomic_write(tmp_path / "XTR" / "startup-config", startup(address, other, resolver))
    pcap = tmp_path / "xtr.pcap"
    node = Node(tmp_path, "XTR", address, cli_port=CLI_PORT, netconf_port=NETCONF_PORT, host_eids=["192.168.77.1"],
                pcap=str(pcap))

    async def scenario():
        loop = asyncio.get_running_loop()
        mr_transport, mr = await loop.create_datagram_endpoint(Collect, local_addr=(resolver, 4342))
        itr_transport, itr = await loop.create_datagram_endpoint(Collect, local_addr=(prober, 4342))
        try:
            await node.start()
            # an RLOC-probe to our address, as a remote ITR (lispers.net) sends it
            probe = MapRequest(0x5EED, None, (Ipv4(prober),), ((Ipv4("192.168.77.0"), 24),), probe=True)
            itr_transport.sendto(probe.encode(), (address, 4342))
            data, addr = await next_of(itr.got, 2)
            assert addr == (address, 4342)
            reply = decode_control(data)
            assert isinstance(reply, MapReply) and reply.probe and reply.nonce == 0x5EED
            assert [(str(l.address), l.local, l.probed) for l in reply.records[0].locators] == [
                (address, True, True), (other, False, False)]
            # a Map-Request the ITR sends on a miss: ECM from a random port, the inner header from 4342
            pings = node.ping("192.168.88.1", "192.168.77.1", repeat=1, timeout=0.2)
            assert [r async for r in pings] == [(False, None)]
            data, addr = await next_of(mr.got, 8)
            assert addr[0] == address and 49152 <= addr[1] <= 65535 and addr[1] != 4342
            src_ip, _dst, sport, dport, inner = EncapsulatedControl.decode(data).unwrap()
            assert (src_ip, sport, dport) == (address, 4342, 4342)
            request = decode_control(inner)
            assert [str(r) for r in request.itr_rlocs] == [address]
            # the Map-Resolver answers the ITR-RLOC at the inner source port; the ITR takes it
            record = EidRecord(Ipv4("192.168.88.0"), 24, (Locator(Ipv4(net + ".8"), 1, 100),), 10, authoritative=True)
            mr_transport.sendto(MapReply(request.nonce, (record,)).encode(), (str(request.itr_rlocs[0]), sport))
            for _i in range(100):
                if node.router.counters.get("map_cache_installed"):
                    break
                await asyncio.sleep(0.05)
            assert node.router.counters["map_cache_installed"] == 1, sorted(node.router.counters.items())
            entry = node.router.map_cache.lookup(0, "ipv4", (192 << 24) | (168 << 16) | (88 << 8) | 1)
            assert [l.address for l in entry.locators] == [net + ".8"]
        finally:
            await node.stop()
            mr_transport.close()
            itr_transport.close()

    asyncio.run(scenario())
    # Wireshark's reading of the capture: the probe reply, flags per locator
    assert tshark_problems(pcap) == []
    replies = []
    for packet in tshark_json(pcap):
        layers = packet["_source"]["layers"].get("lisp") or []
        for lisp in layers if isinstance(layers, list) else [layers]:  # an ECM has two LISP layers
            if lisp.get("lisp.type") == "2" and lisp.get("lisp.mrep.flags.probe") == "1":
                replies.append(lisp)
    assert len(replies) == 1, replies
    flags = [(loc["lisp.loc.locator"], loc["lisp.loc.flags_tree"]["lisp.loc.flags.local"],
              loc["lisp.loc.flags_tree"]["lisp.loc.flags.probe"]) for loc in _locators(replies[0])]
    assert flags == [(address, "1", "1"), (other, "0", "0")], flags


def _locators(tree):
    """Every locator record (a dict with ``lisp.loc.locator``) anywhere in tshark's JSON tree."""
    if isinstance(tree, dict):
        if "lisp.loc.locator" in tree:
            return [tree]
        return [loc for value in tree.values() for loc in _locators(value)]
    if isinstance(tree, list):
        return [loc for value in tree for loc in _locators(value)]
    return []

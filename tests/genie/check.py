# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `genie` stage: Genie's IOS-XE LISP parsers on the reference router's own output.

Starts the write-up's configured lab (topology ``writeup-configured``) on free 127.0.91.x addresses,
waits for both sites to register, pings between the sites and to a non-EID to fill the map-caches,
then for every LISP show command that both the router and Genie's IOS-XE parsers support takes the
output over SSH, has Genie parse it (``tests/genie/parse.py`` in the Genie venv) and compares the
parsed values with the router's state read over NETCONF (``Cisco-IOS-XE-lisp-oper``) and with the
known configuration. Exit 1 when a command does not parse or a value differs.

Usage (scripts/test genie does this): python tests/genie/check.py --genie-python .state/venv-genie/bin/python
"""

import argparse
import asyncio
import json
import pathlib
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import asyncssh
from lxml import etree
from ncclient import manager

from lispxtr import lab as xlab

ROOT = pathlib.Path(__file__).resolve().parents[2]
OPER = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp-oper"
NS = {"o": OPER}
OLD = {"MR_MS": "127.0.10.1", "SITE1": "127.0.1.1", "SITE2": "127.0.2.1"}
EIDS = {"SITE1": ("192.168.1.1", "192.168.1.0/24"), "SITE2": ("192.168.2.1", "192.168.2.0/24")}
NON_EID = "10.1.1.1"

# Commands of both the router and Genie's IOS-XE parsers, per device kind, and whether Genie's schema
# is checked. Not here: `show lisp site name X` (the router prints IOS 15's layout of it, as in the lab
# write-up; Genie reads only 17.x's).
XTR_COMMANDS = ["show lisp", "show lisp session", "show lisp service ipv4", "show lisp service ipv4 summary",
                "show lisp instance-id 0 ipv4", "show lisp instance-id 0 ipv4 statistics",
                "show lisp instance-id 0 ipv4 map-cache", "show lisp eid-table default ipv4 map-cache",
                "show lisp all instance-id 0 ipv4 map-cache", "show lisp instance-id 0 ipv4 map-cache {peer_host}",
                "show lisp instance-id 0 ipv4 map-cache 0.0.0.0/0", "show lisp instance-id 0 ipv4 database",
                "show lisp eid-table default ipv4 database", "show lisp instance-id 0 ipv4 database {own_host}",
                "show lisp session established", "show lisp instance-id 0 ipv4 forwarding state",
                "show ip lisp instance-id 0 forwarding state", "show lisp service ipv4 statistics",
                "show lisp instance-id 0 ipv4 forwarding eid remote", "show ipv6 lisp instance-id 0 forwarding state"]
MS_COMMANDS = ["show lisp", "show lisp session", "show lisp service ipv4", "show lisp service ipv4 summary",
               "show lisp site", "show lisp site detail", "show lisp site {host1}", "show lisp site {prefix2} instance-id 0",
               "show lisp site summary", "show lisp instance-id 0 ipv4 server", "show lisp instance-id 0 ipv4 statistics",
               "show lisp site instance-id 0", "show lisp site eid-table default", "show lisp site summary instance-id 0",
               "show lisp instance-id 0 ipv4 server name SITE1", "show lisp instance-id 0 ipv4 server {host1}",
               "show lisp instance-id 0 ipv4 server etr-address {rloc2}", "show lisp instance-id 0 ipv4 server summary",
               "show lisp all instance-id 0 ipv4 server summary", "show lisp service ipv4 statistics",
               "show lisp instance-id 0 ipv4 forwarding state", "show lisp all instance-id 0 ipv4 server rloc members"]
# Genie's schema for `show lisp site summary` requires a MAC section, which IOS-XE prints only when MAC
# EID-prefixes are configured (testdata ShowLispSiteSummary__5 leaves out its empty IPv6 section): read
# it with the parser alone there, as for a real IPv4-only Map-Server.
NO_SCHEMA = {"show lisp site summary", "show lisp site summary instance-id 0"}
# Genie's command look-up gives `show lisp instance-id N ipv4 server summary` to the server-detail parser
# (with `summary` for an EID); the parser written for it reads it here, schema validated.
PARSER = {"show lisp instance-id 0 ipv4 server summary": ("genie.libs.parser.iosxe.show_lisp.ShowLispIAFServer",
                                                          {"instance_id": "0", "address_family": "ipv4"})}


def free_addresses(count):
    """``count`` addresses 127.0.91.x whose CLI, NETCONF and LISP ports are free."""
    found = []
    for host in random.sample(range(2, 254), 250):
        address = "127.0.91." + str(host)
        try:
            for kind, port in ((socket.SOCK_STREAM, 2022), (socket.SOCK_STREAM, 2830),
                               (socket.SOCK_DGRAM, 4342), (socket.SOCK_DGRAM, 4341)):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.bind((address, port))
        except OSError:
            continue
        found.append(address)
        if len(found) == count:
            return found
    raise RuntimeError("no %d free 127.0.91.x addresses" % count)


def topology(tmp, addresses):
    text = (xlab.TOPOLOGY_DIR / "writeup-configured.yml").read_text()
    for name, new in addresses.items():
        text = text.replace(OLD[name], new)
    path = tmp / "genie-topology.yml"
    path.write_text(text)
    return path


def lab_cli(*args):
    return subprocess.run([sys.executable, "-m", "lispxtr.cli", "lab", *args], capture_output=True, text=True,
                          timeout=180, check=False)


class Device:
    def __init__(self, state_dir, entry):
        self.name = entry["name"]
        self.address = entry["address"]
        self.username = entry["username"]
        self.password = entry["password"]
        self.known_hosts = str(state_dir / "known_hosts")

    async def _run(self, commands):
        async with asyncssh.connect(self.address, 2022, username=self.username, password=self.password,
                                    known_hosts=self.known_hosts) as conn:
            out = []
            for command in commands:
                result = await conn.run(command, check=False)
                out.append(result.stdout.replace("\r\n", "\n"))
            return out

    def run(self, *commands):
        return asyncio.run(self._run(commands))

    def oper(self):
        with manager.connect(host=self.address, port=2830, username=self.username, password=self.password,
                             device_params={"name": "iosxe"}, hostkey_verify=False, look_for_keys=False,
                             allow_agent=False, timeout=20) as m:
            reply = m.get(filter=("subtree", '<lisp-state xmlns="%s"/>' % OPER))
        return etree.fromstring(reply.data_xml.encode())


def genie_parse(python, requests):
    proc = subprocess.run([python, str(ROOT / "tests" / "genie" / "parse.py")], input=json.dumps(requests),
                          capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise RuntimeError("Genie parse failed: %s" % proc.stderr[-2000:])
    return json.loads(proc.stdout)


# -- the router's state, from NETCONF --------------------------------------------------------

def af(oper):
    return oper.find("o:lisp-state/o:lisp-routers/o:instances/o:af", NS)


def map_cache(oper):
    """{prefix: {rloc: (priority, weight)}} of instance 0 IPv4."""
    out = {}
    for mc in af(oper).iterfind("o:map-cache", NS):
        locators = {}
        for r in mc.iterfind("o:map-cache-rloc", NS):
            params = (int(r.findtext("o:params/o:priority", namespaces=NS)), int(r.findtext("o:params/o:weight", namespaces=NS)))
            locators[r.findtext("o:address", namespaces=NS)] = params
        out[mc.findtext("o:prefix", namespaces=NS)] = locators
    return out


def registrations(oper):
    """{prefix: (site, registered, source, port)} of instance 0 IPv4."""
    out = {}
    for reg in af(oper).iterfind("o:ms-registrations", NS):
        port = reg.findtext("o:last-registration-source-port", namespaces=NS)
        out[reg.findtext("o:prefix", namespaces=NS)] = (
            reg.findtext("o:site-name", namespaces=NS), reg.findtext("o:is-registered", namespaces=NS) == "true",
            reg.findtext("o:last-registration-source/o:address", namespaces=NS), int(port) if port else None)
    return out


def counter(oper, leaf):
    return int(af(oper).findtext("o:" + leaf, default="0", namespaces=NS))


def role(oper, name):
    return af(oper).findtext("o:role/o:" + name, namespaces=NS) == "true"


def sessions(oper):
    return {(s.findtext("o:peer-address", namespaces=NS), int(s.findtext("o:peer-port", namespaces=NS))):
            s.findtext("o:state", namespaces=NS) == "lisp-session-state-up"
            for s in oper.iterfind("o:lisp-state/o:lisp-routers/o:sessions", NS)}


# -- comparisons -------------------------------------------------------------------------------

class Checker:
    def __init__(self):
        self.failures = []
        self.checked = 0

    def eq(self, where, got, want):
        self.checked += 1
        if got != want:
            self.failures.append("%s: Genie read %r, the router's state is %r" % (where, got, want))

    def between(self, where, got, low, high):
        self.checked += 1
        if not low <= got <= high:
            self.failures.append("%s: Genie read %r, the router's counter went from %r to %r" % (where, got, low, high))


def check_xtr(ck, name, parsed, before, after, cfg):
    """Compare the parses of an xTR's outputs with its oper state (``before``/``after`` the shows)."""
    p = parsed["show lisp"]["lisp_id"]["0"]
    ck.eq(name + " show lisp: eid_instance_count", int(p["eid_instance_count"]), 1)
    svc = parsed["show lisp service ipv4"]["lisp_id"]["0"]
    ck.eq(name + " service ipv4: itr enabled", svc["itr"]["enabled"], role(after, "is-itr"))
    ck.eq(name + " service ipv4: etr enabled", svc["etr"]["enabled"], role(after, "is-etr"))
    ck.eq(name + " service ipv4: map server", svc["map_server"]["enabled"], role(after, "is-ms"))
    ck.eq(name + " service ipv4: map-resolvers", sorted(svc.get("map_resolvers", {})), [cfg["ms"]])
    ck.eq(name + " service ipv4: map-servers", sorted(svc.get("mapping_servers", {})), [cfg["ms"]])
    inst = parsed["show lisp instance-id 0 ipv4"]["lisp_id"]["0"]["instance_id"]["0"]
    ck.eq(name + " instance-id 0 ipv4: eid_table", inst["eid_table"], "default")
    ck.eq(name + " instance-id 0 ipv4: itr enabled", inst["itr"]["enabled"], role(after, "is-itr"))
    ck.eq(name + " instance-id 0 ipv4: etr enabled", inst["etr"]["enabled"], role(after, "is-etr"))
    ck.eq(name + " instance-id 0 ipv4: map-cache size", inst["map_cache"]["size"], len(map_cache(after)))
    ck.eq(name + " instance-id 0 ipv4: database size", inst["database"]["total_database_mapping"], 1)
    summary = parsed["show lisp service ipv4 summary"]["lisp_router_instances"]["0"]["service"]["ipv4"]
    ck.eq(name + " service ipv4 summary: map-cache entries", summary["etr"]["summary"]["total_map_cache_entries"],
          len(map_cache(after)))
    rows = summary["virtual_network_ids"]
    ck.eq(name + " service ipv4 summary: instances", sorted(rows), ["0"])
    row = rows["0"]
    ck.eq(name + " service ipv4 summary: interface, table", (row["interface"], row["vrf"]), ("LISP0.0", "default"))
    ck.eq(name + " service ipv4 summary: map-cache size", row["cache_size"], len(map_cache(after)))
    ck.eq(name + " service ipv4 summary: database size", row["db_size"], 1)
    ck.eq(name + " service ipv4 summary: role", sorted(row["lisp_role"]),
          ["-".join(r for r, leaf in (("itr", "is-itr"), ("etr", "is-etr")) if role(after, leaf))])
    cache = map_cache(after)
    for command in ("show lisp instance-id 0 ipv4 map-cache", "show lisp eid-table default ipv4 map-cache"):
        entries = parsed[command]["lisp_id"]["0"]["instance_id"]["0"]["eid_prefix"]
        ck.eq("%s %s: prefixes" % (name, command), sorted(entries), sorted(cache))
        for prefix, entry in entries.items():
            locs = {a: (l["priority"], l["weight"]) for a, l in (entry.get("locators") or {}).items()}
            ck.eq("%s %s: %s locators" % (name, command, prefix), locs, cache.get(prefix))
    mappings = parsed["show lisp all instance-id 0 ipv4 map-cache"]["lisp_router_instances"]["0"]["service"]["ipv4"][
        "itr"]["map_cache"]["0"]["mappings"]
    ck.eq(name + " show lisp all ... map-cache: prefixes", sorted(mappings), sorted(cache))
    peer = cfg["peer_prefix"]
    one = parsed["show lisp instance-id 0 ipv4 map-cache %s" % cfg["peer_host"]]["lisp_id"]["0"]["instance_id"]["0"]
    ck.eq(name + " map-cache PEER-HOST: prefix", one["eid_prefix"], peer)
    ck.eq(name + " map-cache PEER-HOST: locators", {a: (l["priority"], l["weight"]) for a, l in one["locators"].items()},
          cache[peer])
    ck.eq(name + " map-cache PEER-HOST: map-source", one["map_source"], cfg["peer_rloc"])  # the ETR answers itself
    static = parsed["show lisp instance-id 0 ipv4 map-cache 0.0.0.0/0"]["lisp_id"]["0"]["instance_id"]["0"]
    ck.eq(name + " map-cache 0.0.0.0/0: action", static["action"], "send-map-request")
    for command in ("show lisp instance-id 0 ipv4 database", "show lisp eid-table default ipv4 database"):
        eids = parsed[command]["lisp_id"]["0"]["instance_id"]["0"]["entries"]["eids"]
        ck.eq("%s %s: prefixes" % (name, command), sorted(eids), [cfg["prefix"]])
        locs = {a: (l["priority"], l["weight"]) for a, l in eids[cfg["prefix"]]["locators"].items()}
        ck.eq("%s %s: locators" % (name, command), locs, {cfg["rloc"]: (10, 50)})
    own = parsed["show lisp instance-id 0 ipv4 database %s" % cfg["own_host"]]["lisp_id"]["0"]["instance_id"]["0"]
    ck.eq(name + " database OWN-HOST: prefix, locators", (own["eid_prefix"], sorted(own["locators"])),
          (cfg["prefix"], [cfg["rloc"]]))
    ck.eq(name + " database OWN-HOST: own locator", own["locators"][cfg["rloc"]]["state"], "site-self, reachable")
    established = parsed["show lisp session established"]["vrf"]["default"]["peers"]
    ck.eq(name + " session established: peers", sorted((a, int(p["port"])) for a, ps in established.items() for p in ps),
          sorted(k for k, up in sessions(after).items() if up))
    stats = parsed["show lisp instance-id 0 ipv4 statistics"]["lisp_id"]["0"]["instance_id"]["0"]["control_packets"]
    ck.between(name + " statistics: Map-Register out", stats["map_register"]["out"],
               counter(before, "map-register-records-out"), counter(after, "map-register-records-out"))
    ck.between(name + " statistics: Map-Notify in", stats["map_notify"]["in"],
               counter(before, "map-notify-records-in"), counter(after, "map-notify-records-in"))
    ck.between(name + " statistics: Map-Reply records in", stats["map_reply"]["in"],
               counter(before, "map-reply-records-in"), counter(after, "map-reply-records-in"))
    fib = parsed["show lisp instance-id 0 ipv4 forwarding eid remote"]["lisp_id"]["0"]["instance_id"]["0"]["prefix"]
    ck.eq(name + " forwarding eid remote: prefixes", sorted(fib), sorted(cache))
    ck.eq(name + " forwarding eid remote: encap entries", sorted(p for p, e in fib.items() if e["fwd_action"] == "encap"),
          sorted(p for p, locs in cache.items() if locs))
    ck.eq(name + " forwarding eid remote: packets to the peer site counted", fib[peer]["packets"] > 0, True)
    check_forwarding_state(ck, name, parsed, after)
    check_service_statistics(ck, name, parsed, before, after, ("map-register-records-out", "map-notify-records-in",
                                                               "map-reply-records-in"))
    check_sessions(ck, name, parsed, after)


def check_forwarding_state(ck, name, parsed, oper):
    """`show lisp instance-id 0 ipv4 forwarding state` (and `show ip lisp ...` on an xTR): the roles of the
    instance's IPv4 service as NETCONF has them, its EID table and virtual interface."""
    want = [n for n, leaf in (("ITR", "is-itr"), ("ETR", "is-etr"), ("PITR", "is-pitr"), ("PETR", "is-petr"),
                              ("MS", "is-ms"), ("MR", "is-mr")) if role(oper, leaf)]
    for command in ("show lisp instance-id 0 ipv4 forwarding state", "show ip lisp instance-id 0 forwarding state",
                    "show ipv6 lisp instance-id 0 forwarding state"):
        if command not in parsed:
            continue
        inst = parsed[command]["lisp_id"]["0"]["instance_id"]["0"]
        vrf = inst["eid_vrf"]["Default (0x0)"]
        ck.eq("%s %s: IPv4 roles" % (name, command), vrf["address_family"]["IPv4"]["configured_roles"], want)
        ck.eq("%s %s: EID table" % (name, command), vrf["address_family"]["IPv4"]["eid_table"], "IPv4:Default")
        ck.eq("%s %s: interface" % (name, command), inst["lisp_virtual_intf"], "LISP0.0")


def check_service_statistics(ck, name, parsed, before, after, leaves):
    """`show lisp service ipv4 statistics`: the router's counters for all instances (one instance here)."""
    stats = parsed["show lisp service ipv4 statistics"]["lisp_id"]["0"]
    ck.eq(name + " service statistics: last cleared", stats["last_cleared"], "never")
    where = {"map-register-records-out": ("map_register", "out"), "map-register-records-in": ("map_register", "in"),
             "map-notify-records-in": ("map_notify", "in"), "map-notify-records-out": ("map_notify", "out"),
             "map-reply-records-in": ("map_reply", "in")}
    for leaf in leaves:
        kind, way = where[leaf]
        ck.between("%s service statistics: %s %s" % (name, kind, way), stats["control_packets"][kind][way],
                   counter(before, leaf), counter(after, leaf))


def check_server_summary(ck, parsed, regs, sites):
    """`show lisp instance-id 0 ipv4 server summary` and its `all` form: per site configured and registered
    prefixes, the totals, against the Map-Server's registrations read over NETCONF."""
    registered = {s: sum(1 for r in regs.values() if r[0] == s and r[1]) for s in sites}
    one = parsed["show lisp instance-id 0 ipv4 server summary"]["lisp_id"]["0"]["instance_id"]["0"]
    ck.eq("MR_MS server summary: sites", {s: (v["configured"], v["registered"]) for s, v in one["site"].items()},
          {s: (1, n) for s, n in registered.items()})
    ck.eq("MR_MS server summary: configured, registered sites", (one["configured_sites"], one["registered_sites"]),
          (len(sites), sum(1 for n in registered.values() if n)))
    ck.eq("MR_MS server summary: IPv4 prefixes", (one["af"]["IPv4"]["configured_eid_prefixes"],
                                                  one["af"]["IPv4"]["registered_eid_prefixes"]),
          (len(sites), sum(registered.values())))
    ck.eq("MR_MS server summary: registration history", one["af"]["IPv4"]["registration_history_size"],
          sum(1 for r in regs.values() if r[2]))
    ms = parsed["show lisp all instance-id 0 ipv4 server summary"]["lisp_router_instances"]["0"]["service"]["ipv4"][
        "instance_id"]["0"]["map_server"]
    ck.eq("MR_MS all ... server summary: sites", {s: (v["configured"], v["registered"]) for s, v in ms["sites"].items()},
          {s: (1, n) for s, n in registered.items()})
    ck.eq("MR_MS all ... server summary: registered sites", ms["summary"]["number_registered_sites"],
          sum(1 for n in registered.values() if n))


def check_sessions(ck, name, parsed, oper):
    peers = parsed["show lisp session"]["vrf"]["default"]["peers"]
    got = {(addr, int(p["port"])): p["state"] == "Up" for addr, ps in peers.items() for p in ps}
    ck.eq(name + " show lisp session: peers and states", got, sessions(oper))


def check_ms(ck, parsed, before, after, sites, rloc2):
    name = "MR_MS"
    p = parsed["show lisp service ipv4"]["lisp_id"]["0"]
    ck.eq(name + " service ipv4: map server", p["map_server"]["enabled"], role(after, "is-ms"))
    ck.eq(name + " service ipv4: map resolver", p["map_resolver"]["enabled"], role(after, "is-mr"))
    regs = registrations(after)
    for command in ("show lisp site", "show lisp instance-id 0 ipv4 server", "show lisp site instance-id 0",
                    "show lisp site eid-table default"):
        table = parsed[command]["lisp_id"]["0"]["site_name"]
        got = {prefix: (site, e["up"] == "yes", e["who_last_registered"], e["port"])
               for site, s in table.items() for prefix, e in s["instance_id"]["0"]["eid_prefix"].items()}
        ck.eq("%s %s: registrations" % (name, command), got, regs)
    detail = parsed["show lisp site detail"]["lisp_id"]["0"]["site_name"]
    for site, (host, prefix) in sites.items():
        entry = detail[site]["instance_id"]["0"]["eid_prefix"][prefix]
        etrs = entry["etr"]
        ck.eq("%s site detail %s: ETRs" % (name, prefix), sorted(etrs), [regs[prefix][2]])
        etr = etrs[regs[prefix][2]]
        # Genie's site-detail parser reads the line `TTL 1d00h, no merge, hash-function sha1, nonce ...` only
        # with IOS-XE's default sha1 (the line did not parse while the router said sha2): TTL and nonce here
        ck.eq("%s site detail %s: ETR port, TTL, proxy-reply, map-notify" % (name, prefix),
              (etr["port"], etr["ttl"], etr["proxy_reply"], etr["map_notify"]), (regs[prefix][3], "1d00h", False, True))
        ck.eq("%s site detail %s: nonce read" % (name, prefix), etr.get("nonce", "")[:2], "0x")
        ck.eq("%s site detail %s: locators" % (name, prefix), sorted(etr["locators"]), [regs[prefix][2]])
    one = parsed["show lisp site %s" % sites["SITE1"][0]]["lisp_id"]["0"]["site_name"]
    ck.eq(name + " show lisp site HOST: site", sorted(one), ["SITE1"])
    two = parsed["show lisp site %s instance-id 0" % sites["SITE2"][1]]["lisp_id"]["0"]["site_name"]
    ck.eq(name + " show lisp site PREFIX instance-id 0: prefix", sorted(two["SITE2"]["instance_id"]["0"]["eid_prefix"]),
          [sites["SITE2"][1]])
    named = parsed["show lisp instance-id 0 ipv4 server name SITE1"]["lisp_id"]["0"]["site_name"]
    ck.eq(name + " server name SITE1: sites", sorted(named), ["SITE1"])
    by_etr = parsed["show lisp instance-id 0 ipv4 server etr-address %s" % rloc2]["lisp_id"]["0"]["site_name"]
    ck.eq(name + " server etr-address SITE2-RLOC: prefixes",
          sorted(p for s in by_etr.values() for p in s["instance_id"]["0"]["eid_prefix"]),
          sorted(p for p, r in regs.items() if r[2] == rloc2))
    one = parsed["show lisp instance-id 0 ipv4 server %s" % sites["SITE1"][0]]["lisp_id"]["0"]["site_name"]
    ck.eq(name + " server HOST: site", sorted(one), ["SITE1"])
    for command in ("show lisp site summary", "show lisp site summary instance-id 0"):
        summary = parsed[command]["lisp_id"]["0"]
        ck.eq(name + " %s: configured sites" % command, summary["configured_sites"], len(sites))
    summary = parsed["show lisp site summary"]["lisp_id"]["0"]
    ck.eq(name + " site summary: configured sites", summary["configured_sites"], len(sites))
    ck.eq(name + " site summary: registered sites", summary["registered_sites"], len({r[0] for r in regs.values() if r[1]}))
    ck.eq(name + " site summary: IPv4 registered", summary["configured_registered_prefixes"]["ipv4"]["registered"],
          sum(1 for r in regs.values() if r[1]))
    stats = parsed["show lisp instance-id 0 ipv4 statistics"]["lisp_id"]["0"]["instance_id"]["0"]["control_packets"]
    ck.between(name + " statistics: Map-Register in", stats["map_register"]["in"],
               counter(before, "map-register-records-in"), counter(after, "map-register-records-in"))
    ck.between(name + " statistics: Map-Notify out", stats["map_notify"]["out"],
               counter(before, "map-notify-records-out"), counter(after, "map-notify-records-out"))
    check_server_summary(ck, parsed, regs, sites)
    members = parsed["show lisp all instance-id 0 ipv4 server rloc members"]["lisp_router_instances"]["0"]["service"][
        "ipv4"]["instance_id"]["0"]["rloc"]
    ck.eq(name + " server rloc members: RLOCs", sorted(members["members"]), sorted({r[2] for r in regs.values() if r[1]}))
    ck.eq(name + " server rloc members: valid/total", (members["valid_entries"], members["total_entries"]),
          (len({r[2] for r in regs.values() if r[1]}),) * 2)
    check_forwarding_state(ck, name, parsed, after)
    check_service_statistics(ck, name, parsed, before, after, ("map-register-records-in", "map-notify-records-out"))
    check_sessions(ck, name, parsed, after)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--genie-python", required=True, help="the Python of the venv that has Genie")
    ap.add_argument("--keep", action="store_true", help="leave the lab running (its state dir is printed)")
    ap.add_argument("--dump", help="write each router's outputs and Genie's parses to DUMP/NAME.json")
    args = ap.parse_args(argv)
    state_parent = ROOT / ".state"
    state_parent.mkdir(exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="genie-", dir=state_parent))
    addresses = dict(zip(("MR_MS", "SITE1", "SITE2"), free_addresses(3)))
    state = tmp / "lab"
    up = lab_cli("up", "--topology", str(topology(tmp, addresses)), "--state-dir", str(state))
    if up.returncode != 0:
        print(up.stdout + up.stderr)
        return 1
    try:
        return run(args, state, addresses)
    finally:
        if not args.keep:
            lab_cli("down", "--state-dir", str(state))
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("lab left running: lisp-xtr lab down --state-dir %s" % state)


def run(args, state, addresses):
    topo = xlab.load_topology(str(state.parent / "genie-topology.yml"))
    # The lab generates its credentials (lisp-xtr lab up): read them from its 0600 file, never print them.
    with open(state / "credentials.json", encoding="utf-8") as handle:
        credentials = json.load(handle)
    devices = {d.name: Device(state, {"name": d.name, "address": d.address, "username": credentials[d.name]["username"],
                                      "password": credentials[d.name]["password"]})
               for d in topo.devices}
    ms = devices["MR_MS"]
    deadline = time.monotonic() + 90
    while True:  # both sites registered (RFC 9301 §8.2: the first Map-Register goes out at start)
        text = ms.run("show lisp site")[0]
        if sum(1 for line in text.splitlines() if " yes " in line) >= 2:
            break
        if time.monotonic() > deadline:
            print("the sites did not register:\n" + text)
            return 1
        time.sleep(1)
    for name, peer in (("SITE1", "SITE2"), ("SITE2", "SITE1")):
        host, peer_host = EIDS[name][0], EIDS[peer][0]
        print(devices[name].run("ping %s source %s repeat 5" % (peer_host, host),
                                "ping %s source %s repeat 2" % (NON_EID, host))[0].strip())
    ck = Checker()
    failed = []
    sites = {n: EIDS[n] for n in ("SITE1", "SITE2")}
    for name, dev in devices.items():
        if name == "MR_MS":
            commands = [c.format(host1=EIDS["SITE1"][0], prefix2=EIDS["SITE2"][1], rloc2=addresses["SITE2"])
                        for c in MS_COMMANDS]
        else:
            peer = "SITE2" if name == "SITE1" else "SITE1"
            commands = [c.format(peer_host=EIDS[peer][0], own_host=EIDS[name][0]) for c in XTR_COMMANDS]
        before = dev.oper()
        outputs = dev.run(*commands)
        after = dev.oper()
        parsed = genie_parse(args.genie_python, [dict({"command": c, "output": o, "schema": c not in NO_SCHEMA},
                                                      **({"parser": PARSER[c][0], "kwargs": PARSER[c][1]} if c in PARSER else {}))
                                                 for c, o in zip(commands, outputs)])
        if args.dump:
            pathlib.Path(args.dump).mkdir(parents=True, exist_ok=True)
            (pathlib.Path(args.dump) / (name + ".json")).write_text(json.dumps(
                {"outputs": dict(zip(commands, outputs)), "parsed": parsed}, indent=1))
        good = {}
        for command, output in zip(commands, outputs):
            result = parsed[command]
            if "error" in result:
                failed.append("%s `%s` does not parse: %s\n%s" % (name, command, result["error"], output))
            else:
                good[command] = result["parsed"]
                print("%-6s parsed: %s" % (name, command))
        if len(good) < len(commands):
            continue
        try:
            if name == "MR_MS":
                check_ms(ck, good, before, after, sites, addresses["SITE2"])
            else:
                peer = "SITE2" if name == "SITE1" else "SITE1"
                check_xtr(ck, name, good, before, after, {"ms": addresses["MR_MS"], "rloc": addresses[name],
                                                          "prefix": EIDS[name][1], "peer_host": EIDS[peer][0],
                                                          "own_host": EIDS[name][0],
                                                          "peer_prefix": EIDS[peer][1], "peer_rloc": addresses[peer]})
        except (KeyError, TypeError) as exc:  # Genie's parse lacks a value the router's output has
            ck.failures.append("%s: Genie's parse has no %r where the router's output has the value" % (name, exc))
    for line in failed + ck.failures:
        print("FAIL " + line)
    print("genie: %d commands parsed on 3 routers, %d values compared, %d failures" % (
        sum(len(XTR_COMMANDS) if n != "MR_MS" else len(MS_COMMANDS) for n in devices) - len(failed), ck.checked,
        len(failed) + len(ck.failures)))
    return 1 if failed or ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())

# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible at scale: a lab of N routers on 127.0.61.x, a config push with forks 10, and NETCONF
round trips through the collection's own transport.

1. Writes a topology of ``--routers`` devices (default 50): MR_MS on 127.0.61.1 and xTRs
   R002..R0NN on 127.0.61.2.. with EID 10.61.N.0/24 each, no LISP configuration at boot, and
   starts it with ``lisp-xtr lab up`` (which writes the inventory).
2. Runs a playbook (``--forks``, default 10) that pushes the Map-Server sites to MR_MS
   (``lispnet.lisp.lisp_mapping_system`` and ``lispnet.lisp.lisp_sites``) and each xTR's
   configuration (``lispnet.lisp.lisp_xtr``, state merged), with the ``profile_tasks`` callback,
   and reports the wall time, the time per router, and the slowest tasks.
3. Opens one session with ``plugin_utils.transport.NetconfTransport`` to an xTR and times
   ``--rpcs`` ``get-config`` round trips with the ``lisp_xtr`` subtree filter (median, p90): the
   per-RPC cost through the collection, without Ansible's per-task overhead.

    .venv/bin/python bench/ansible_scale.py [--routers 50] [--forks 10] [--rpcs 50] [--keep]
    .venv/bin/python bench/ansible_scale.py --routers 50 --write-topology /tmp/lab50.yml   # topology + playbook only
"""

import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

import benchlib

ROOT = benchlib.ROOT
BASE = "127.0.61."


def topology(n):
    devices = [{"name": "MR_MS", "role": "map-server", "address": BASE + "1", "username": "admin",
                "password": "bench-MR-pw", "enable_secret": "bench-MR-en", "cli_port": 2022, "netconf_port": 2830}]
    for i in range(2, n + 1):
        devices.append({"name": "R%03d" % i, "role": "xtr", "address": BASE + str(i),
                        "eid_prefixes": ["10.61.%d.0/24" % i], "host_eids": ["10.61.%d.1" % i], "username": "admin",
                        "password": "bench-R%03d-pw" % i, "enable_secret": "bench-R%03d-en" % i,
                        "cli_port": 2022, "netconf_port": 2830})
    return {"name": "bench-%d" % n, "description": "ansible_scale.py: %d routers" % n, "devices": devices}


def playbook(n):
    sites = [{"name": "R%03d" % i, "authentication_key": "KEY-R%03d" % i,
              "eid_records": [{"prefix": "10.61.%d.0/24" % i, "accept_more_specifics": True}]} for i in range(2, n + 1)]
    ms_tasks = [{"name": "Map-Server and Map-Resolver", "lispnet.lisp.lisp_mapping_system": {
        "state": "merged", "config": {"ipv4": {"map_server": True, "map_resolver": True}}}},
        {"name": "the sites", "lispnet.lisp.lisp_sites": {"state": "merged", "config": sites}, "no_log": True}]
    xtr_task = {"name": "xTR configuration", "lispnet.lisp.lisp_xtr": {"state": "merged", "config": {
        "locator_sets": [{"name": "RLOCS", "locators": [{"address": "{{ ansible_host }}", "priority": 10, "weight": 50}]}],
        "ipv4": {"itr": {"enabled": True, "map_resolvers": [BASE + "1"]},
                 "etr": {"enabled": True, "map_servers": [{"address": BASE + "1", "key": "KEY-{{ inventory_hostname }}"}]}},
        "instances": [{"instance_id": 0, "ipv4": {"eid_table": "default", "database_mappings": [
            {"prefix": "{{ lispnet_lab_eids[0] }}", "locator_set": "RLOCS"}]}}]}}}
    return [{"name": "map server", "hosts": "map_servers", "gather_facts": False, "tasks": ms_tasks},
            {"name": "xTRs", "hosts": "xtrs", "gather_facts": False, "tasks": [xtr_task]}]


def rpc_times(inventory, host, count):
    sys.path.insert(0, str(ROOT.parent))
    link = pathlib.Path(tempfile.gettempdir()) / "lispnet-bench-collections" / "ansible_collections" / "lispnet" / "lisp"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(ROOT, link)
    sys.path.insert(0, str(link.parents[2]))
    # pylint: disable-next=import-outside-toplevel,import-error  # the collection, found through the symlink above
    from ansible_collections.lispnet.lisp.plugins.plugin_utils import transport as tmod, xml_codec

    subtree = xml_codec.filter_xml("xtr")  # what lisp_xtr asks for before it edits
    NetconfTransport = tmod.NetconfTransport  # pylint: disable=invalid-name  # a class

    hv = inventory["all"]["hosts"][host]
    transport = NetconfTransport(hv["ansible_host"], hv["lispnet_netconf_port"], username=hv["ansible_user"],
                                 password=hv["ansible_password"], known_hosts=hv["lispnet_known_hosts"])
    t0 = time.perf_counter()
    transport.open()
    connect = time.perf_counter() - t0
    times = []
    try:
        for _rpc in range(count):
            t0 = time.perf_counter()
            transport.get_config(subtree)
            times.append((time.perf_counter() - t0) * 1000.0)
    finally:
        transport.close()
    return connect, times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, default=50)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--rpcs", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="leave the lab running")
    parser.add_argument("--write-topology", metavar="FILE", help="only write the topology (for lisp-xtr lab up) and "
                        "the playbook beside it (FILE with .push.yml), then exit")
    args = parser.parse_args(argv)
    if not 2 <= args.routers <= 254:
        parser.error("--routers must be 2..254")
    if args.write_topology:
        path = pathlib.Path(args.write_topology)
        path.write_text(yaml.safe_dump(topology(args.routers), sort_keys=False), encoding="utf-8")
        path.with_suffix(".push.yml").write_text(yaml.safe_dump(playbook(args.routers), sort_keys=False), encoding="utf-8")
        print("wrote %s and %s" % (path, path.with_suffix(".push.yml")))
        return 0
    state = pathlib.Path(tempfile.mkdtemp(prefix="ansible-scale-"))
    topo = state / "topology.yml"
    topo.write_text(yaml.safe_dump(topology(args.routers), sort_keys=False), encoding="utf-8")
    lisp_xtr = [str(pathlib.Path(sys.executable).with_name("lisp-xtr"))]
    t0 = time.perf_counter()
    up = subprocess.run(lisp_xtr + ["lab", "up", "--state-dir", str(state / "lab"), "--topology", str(topo),
                                    "--timeout", "600"], capture_output=True, text=True, check=False)
    lab_up_s = time.perf_counter() - t0
    print("lab up (%d routers): %.1f s, status %d" % (args.routers, lab_up_s, up.returncode), flush=True)
    if up.returncode != 0:
        print(up.stdout[-3000:] + up.stderr[-3000:])
        return 1
    try:
        book = state / "push.yml"
        book.write_text(yaml.safe_dump(playbook(args.routers), sort_keys=False), encoding="utf-8")
        coll = state / "collections" / "ansible_collections" / "lispnet"
        coll.mkdir(parents=True)
        os.symlink(ROOT, coll / "lisp")
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(state / "collections"), ANSIBLE_FORKS=str(args.forks),
                   ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_RETRY_FILES_ENABLED="0")
        t0 = time.perf_counter()
        run = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i",
                              str(state / "lab" / "inventory.yml"), str(book)], capture_output=True, text=True,
                             env=env, check=False, timeout=3600)
        push_s = time.perf_counter() - t0
        recap = re.findall(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", run.stdout, re.M)
        failed = [h for h, _ok, _ch, unr, fail in recap if int(unr) or int(fail)]
        print("config push, forks %d: %.1f s wall for %d routers = %.2f s per router (status %d, %d failed)" % (
            args.forks, push_s, args.routers, push_s / args.routers, run.returncode, len(failed)), flush=True)
        tail = [line for line in run.stdout.splitlines() if re.search(r"-{3,} \d+\.\d+s$", line)]
        print("slowest tasks (profile_tasks):\n  " + "\n  ".join(tail[:5]))
        if run.returncode != 0:
            print(run.stdout[-3000:])
        inventory = yaml.safe_load((state / "lab" / "inventory.yml").read_text(encoding="utf-8"))
        connect, times = rpc_times(inventory, "R002", args.rpcs)
        print("NETCONF through plugin_utils.transport: connect %.0f ms; get-config x %d: median %.1f ms, p90 %.1f ms "
              "(target <= 15 ms); load %.1f; %s" % (
                  connect * 1000, len(times), statistics.median(times), benchlib.percentile(times, 90),
                  benchlib.load_average(), benchlib.machine()))
    finally:
        if not args.keep:
            subprocess.run(lisp_xtr + ["lab", "down", "--state-dir", str(state / "lab")], capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

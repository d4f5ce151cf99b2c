# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Persistent connections versus direct sessions: a deploy + verify over the four ways.

For each lab size in ``--sizes`` (default 3 and 50 routers: MR_MS and xTRs on 127.0.91.x for the
first size, 127.0.92.x for the second, ...), starts ``lisp-xtr lab up`` on a generated topology and,
for each way, ``--runs`` times (default 3):

1. resets the lab (not timed): the sites, roles and xTR configuration are deleted;
2. times one ``ansible-playbook`` run that deploys (``lisp_mapping_system`` + ``lisp_sites`` on
   MR_MS, ``lisp_xtr`` on every xTR) and verifies (``lisp_verify``: every site registered on MR_MS,
   each xTR's database mapping) with ``--forks`` (default 10).

The ways: ``network_cli`` and ``netconf`` (the host's persistent connection, an inventory written
the cisco.ios way), ``cli`` and ``netconf_direct`` (``ansible_connection=local``: a session per task).
It prints the wall time and the task time: the median, over every (module task, host) pair, of the
duration of that task from its start to its end on the last of its hosts (``ansible.posix.json``
callback; the callback has no per-host times). With 3 routers that is close to one host's time;
with 50 it is ~5 rounds of --forks hosts. Both are the median of the runs.

    .venv/bin/python bench/ansible_connections.py [--sizes 3,50] [--runs 3] [--forks 10] [--ways ...]
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

import yaml

import benchlib

ROOT = benchlib.ROOT
WAYS = ("network_cli", "netconf", "cli", "netconf_direct")
CONNECTIONS = {"network_cli": ("ansible.netcommon.network_cli", "lispnet_cli_port"),
               "netconf": ("ansible.netcommon.netconf", "lispnet_netconf_port")}
MODULE_TASKS = ("lispnet.lisp.lisp_mapping_system", "lispnet.lisp.lisp_sites", "lispnet.lisp.lisp_xtr",
                "lispnet.lisp.lisp_verify")


def topology(n, base):
    devices = [{"name": "MR_MS", "role": "map-server", "address": base + "1", "username": "admin",
                "password": "conn-MR-pw", "enable_secret": "conn-MR-en", "cli_port": 2022, "netconf_port": 2830}]
    for i in range(2, n + 1):
        devices.append({"name": "R%03d" % i, "role": "xtr", "address": base + str(i),
                        "eid_prefixes": ["10.9.%d.0/24" % i], "host_eids": ["10.9.%d.1" % i], "username": "admin",
                        "password": "conn-R%03d-pw" % i, "enable_secret": "conn-R%03d-en" % i,
                        "cli_port": 2022, "netconf_port": 2830})
    return {"name": "connections-%d" % n, "description": "ansible_connections.py: %d routers" % n, "devices": devices}


def playbooks(n, base):
    """(reset, deploy + verify) playbooks."""
    ms = base + "1"
    sites = [{"name": "R%03d" % i, "authentication_key": "KEY-R%03d" % i,
              "eid_records": [{"prefix": "10.9.%d.0/24" % i, "accept_more_specifics": True}]} for i in range(2, n + 1)]
    xtr = {"locator_sets": [{"name": "RLOCS", "locators": [{"address": "{{ ansible_host }}", "priority": 10, "weight": 50}]}],
           "ipv4": {"itr": {"enabled": True, "map_resolvers": [ms]},
                    "etr": {"enabled": True, "map_servers": [{"address": ms, "key": "KEY-{{ inventory_hostname }}"}]}},
           "instances": [{"instance_id": 0, "ipv4": {"eid_table": "default", "database_mappings": [
               {"prefix": "{{ lispnet_lab_eids[0] }}", "locator_set": "RLOCS"}]}}]}
    reset = [
        {"name": "reset xTRs", "hosts": "xtrs", "gather_facts": False,
         "tasks": [{"name": "xtr", "lispnet.lisp.lisp_xtr": {"state": "deleted"}}]},
        {"name": "reset MR_MS", "hosts": "map_servers", "gather_facts": False,
         "tasks": [{"name": "sites", "lispnet.lisp.lisp_sites": {"state": "deleted"}},
                   {"name": "roles", "lispnet.lisp.lisp_mapping_system": {"state": "deleted"}}]}]
    deploy = [
        {"name": "deploy MR_MS", "hosts": "map_servers", "gather_facts": False, "tasks": [
            {"name": "roles", "lispnet.lisp.lisp_mapping_system": {"config": {"ipv4": {"map_server": True, "map_resolver": True}}}},
            {"name": "sites", "lispnet.lisp.lisp_sites": {"config": sites}, "no_log": True}]},
        {"name": "deploy xTRs", "hosts": "xtrs", "gather_facts": False, "tasks": [
            {"name": "xtr", "lispnet.lisp.lisp_xtr": {"config": xtr}},
            {"name": "database", "lispnet.lisp.lisp_verify": {
                "database": [{"prefix": "{{ lispnet_lab_eids[0] }}", "locators": [{"address": "{{ ansible_host }}"}]}],
                "timeout": 60, "interval": 1}}]},
        {"name": "verify MR_MS", "hosts": "map_servers", "gather_facts": False, "tasks": [
            {"name": "registered", "lispnet.lisp.lisp_verify": {
                "sites": [{"name": "R%03d" % i, "rlocs": [base + str(i)]} for i in range(2, n + 1)],
                "timeout": 120, "interval": 1}}]}]
    return reset, deploy


def inventories(state):
    """{way: (inventory file, extra vars)}: the lab's own for the direct ways, cisco.ios-style for the others."""
    lab = yaml.safe_load((state / "inventory.yml").read_text(encoding="utf-8"))
    out = {"cli": (state / "inventory.yml", ["-e", "lispnet_transport=cli"]),
           "netconf_direct": (state / "inventory.yml", ["-e", "lispnet_transport=netconf"])}
    for way, (connection, port_var) in CONNECTIONS.items():
        hosts = {}
        for name, hv in lab["all"]["hosts"].items():
            hosts[name] = {"ansible_host": hv["ansible_host"], "ansible_port": hv[port_var], "ansible_user": hv["ansible_user"],
                           "ansible_password": hv["ansible_password"], "ansible_become_password": hv["ansible_become_password"],
                           "lispnet_lab_eids": hv["lispnet_lab_eids"]}
        inventory = {"all": {"vars": {"ansible_connection": connection, "ansible_network_os": "cisco.ios.ios",
                                      "ansible_become": True, "ansible_become_method": "enable",
                                      "ansible_python_interpreter": sys.executable},
                             "hosts": hosts, "children": lab["all"]["children"]}}
        path = state / ("inventory-%s.yml" % way)
        path.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
        out[way] = (path, [])
    return out


def task_durations(report):
    """For every (module task, host) pair, the seconds the whole task took (ansible.posix.json output)."""
    durations = []
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for _host, result in task.get("hosts", {}).items():
                if result.get("action") not in MODULE_TASKS:
                    continue
                duration = task["task"].get("duration", {})
                start, end = duration.get("start"), duration.get("end")
                if start and end:
                    durations.append((datetime.fromisoformat(end.replace("Z", "+00:00"))
                                      - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds())
    return durations


def playbook_run(book, inventory, extra, env):
    t0 = time.perf_counter()
    run = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-playbook")), "-i", str(inventory)] + extra
                         + [str(book)], capture_output=True, text=True, env=env, check=False, timeout=3600)
    wall = time.perf_counter() - t0
    try:
        report = json.loads(run.stdout[run.stdout.index("{"):])
    except ValueError:
        report = {}
    failed = sum(s.get("failures", 0) + s.get("unreachable", 0) for s in report.get("stats", {}).values())
    if run.returncode or failed or not report:
        raise SystemExit("%s failed (status %d):\n%s\n%s" % (book.name, run.returncode, run.stdout[-4000:], run.stderr[-2000:]))
    return wall, task_durations(report)


def bench_size(n, base, args, env):
    state = pathlib.Path(tempfile.mkdtemp(prefix="ansible-connections-%d-" % n))
    (state / "topology.yml").write_text(yaml.safe_dump(topology(n, base), sort_keys=False), encoding="utf-8")
    reset, deploy = playbooks(n, base)
    (state / "reset.yml").write_text(yaml.safe_dump(reset, sort_keys=False), encoding="utf-8")
    (state / "deploy.yml").write_text(yaml.safe_dump(deploy, sort_keys=False), encoding="utf-8")
    lisp_xtr = [str(pathlib.Path(sys.executable).with_name("lisp-xtr"))]
    lab = state / "lab"
    up = subprocess.run(lisp_xtr + ["lab", "up", "--state-dir", str(lab), "--topology", str(state / "topology.yml"),
                                    "--timeout", "600"], capture_output=True, text=True, check=False)
    if up.returncode:
        raise SystemExit(up.stdout[-3000:] + up.stderr[-3000:])
    home = state / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text((lab / "known_hosts").read_text(encoding="utf-8"), encoding="utf-8")
    env = dict(env, HOME=str(home))
    rows = []
    try:
        files = inventories(lab)
        for way in args.ways:
            inventory, extra = files[way]
            walls, per_task = [], []
            for _run in range(args.runs):
                playbook_run(state / "reset.yml", inventory, extra, env)
                wall, durations = playbook_run(state / "deploy.yml", inventory, extra, env)
                walls.append(wall)
                per_task.append(statistics.median(durations))
            row = (n, way, statistics.median(walls), statistics.median(per_task), walls, per_task, benchlib.load_average())
            rows.append(row)
            print("%3d routers  %-15s wall %6.1f s  task %5.2f s   (runs: wall %s; task %s; load %.1f)" % (
                n, way, row[2], row[3], " / ".join("%.1f" % w for w in walls), " / ".join("%.2f" % t for t in per_task),
                row[6]), flush=True)
    finally:
        subprocess.run(lisp_xtr + ["lab", "down", "--state-dir", str(lab)], capture_output=True, check=False)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3,50", help="lab sizes, comma separated (2..254 routers)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--ways", default=",".join(WAYS), help="comma separated, of: " + ", ".join(WAYS))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.ways = [w for w in args.ways.split(",") if w]
    if any(not 2 <= n <= 254 for n in sizes) or any(w not in WAYS for w in args.ways) or len(sizes) > 8:
        parser.error("--sizes: up to 8 sizes of 2..254 routers; --ways: of %s" % ", ".join(WAYS))
    link = pathlib.Path(tempfile.mkdtemp(prefix="ansible-connections-")) / "ansible_collections" / "lispnet"
    link.mkdir(parents=True)
    os.symlink(ROOT, link / "lisp")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(link.parents[1]), ANSIBLE_FORKS=str(args.forks), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_HOST_KEY_CHECKING="true", ANSIBLE_HOST_KEY_AUTO_ADD="false",
               PATH="%s:%s" % (pathlib.Path(sys.executable).parent, os.environ.get("PATH", "")))
    print("%s; forks %d; %d run(s) each, median" % (benchlib.machine(), args.forks, args.runs), flush=True)
    for index, n in enumerate(sizes):
        base = "127.0.%d." % (91 + index)
        benchlib.check_loopback(base + "1")
        bench_size(n, base, args, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())

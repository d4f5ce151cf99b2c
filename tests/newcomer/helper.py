# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the test stages `newcomer` and `mainjob` (scripts/test), standard library and PyYAML only.

  helper.py blocks README.md [N]        the README's command blocks marked <!-- newcomer: run --> (or the
                                        Nth), as a bash script to source that runs each line verbatim
  helper.py topology OUT                a three-router topology (MR_MS, SITE1, SITE2) on free 127.x addresses
  helper.py inventory LAB_DIR OUT KIND  an inventory shaped like examples/inventory-iosxe.yml aimed at the
                                        lab in LAB_DIR; KIND: good (intent without optional settings),
                                        bad (an out-of-range priority), empty (no intent at all)
  helper.py secrets LOG FILE...         fail when LOG holds a password or key of the inventories / vars
                                        files given, in clear or base64-encoded (at any alignment)
"""

from __future__ import annotations

import base64
import random
import re
import shlex
import socket
import sys

MARKER = "<!-- newcomer: run -->"
SECRET_NAMES = re.compile(r"(password|secret|(^|_)keys?(\.|$)|^vault_)", re.I)


def blocks(readme, only=None):
    """The fenced blocks that follow a MARKER line (or the only-th of them), as a bash script to
    source: each line runs verbatim in the sourcing shell, its output in $NEWCOMER_OUT/stepN.log."""
    lines = open(readme, encoding="utf-8").read().splitlines()
    out = ["newcomer_block() {", ": \"${step:=0}\""]
    i = 0
    found = 0
    while i < len(lines):
        if lines[i].strip() != MARKER:
            i += 1
            continue
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        i += 1
        found += 1
        while i < len(lines) and not lines[i].startswith("```"):
            if only is not None and found != only:
                i += 1
                continue
            command = lines[i].split("  #", 1)[0].strip()
            i += 1
            if not command or command.startswith("#"):
                continue
            if command.startswith("scripts/test"):
                continue  # the suite this stage is part of
            quoted = shlex.quote(command)
            out.append("step=$((step + 1)); echo \"=== step $step: $ \"%s | tee -a \"$NEWCOMER_LOG\"" % quoted)
            out.append("%s > \"$NEWCOMER_OUT/step$step.log\" 2>&1; rc=$?" % command)
            out.append("echo \"rc $rc\" >> \"$NEWCOMER_OUT/step$step.log\"; cat \"$NEWCOMER_OUT/step$step.log\" >> \"$NEWCOMER_LOG\"")
            out.append("[ $rc = 0 ] || { echo \"step $step failed (rc $rc): \"%s; tail -n 40 \"$NEWCOMER_OUT/step$step.log\"; return 1; }" % quoted)
        i += 1
    if not found or (only is not None and only > found):
        sys.exit("%s: no block %s marked %s" % (readme, only or "", MARKER))
    out += ["}", "newcomer_block"]
    print("\n".join(out))


def _free(address):
    try:
        for kind, port in ((socket.SOCK_STREAM, 2022), (socket.SOCK_STREAM, 2830), (socket.SOCK_DGRAM, 4342), (socket.SOCK_DGRAM, 4341)):
            with socket.socket(socket.AF_INET, kind) as probe:
                probe.bind((address, port))
    except OSError:
        return False
    return True


def topology(out):
    """MR_MS, SITE1, SITE2 with the lab's names and EID-prefixes, on three free 127.7x.y.1 addresses."""
    import yaml  # pylint: disable=import-outside-toplevel  # `blocks` runs before bootstrap, without PyYAML
    rng = random.Random()
    for _unused in range(100):
        second = rng.randrange(70, 80)
        third = rng.randrange(1, 250)
        addresses = ["127.%d.%d.1" % (second, third + n) for n in range(3)]
        if all(_free(a) for a in addresses):
            break
    else:
        sys.exit("no three free 127.7x.y.1 addresses")
    devices = []
    for (name, role, eid, host), address in zip((("MR_MS", "map-server", None, None), ("SITE1", "xtr", "192.168.1.0/24", "192.168.1.1"),
                                                 ("SITE2", "xtr", "192.168.2.0/24", "192.168.2.1")), addresses):
        dev = {"name": name, "role": role, "address": address, "username": "admin",
               "password": "nc-%s-%06d" % (name, rng.randrange(10 ** 6)), "enable_secret": "nc-%s-en-%06d" % (name, rng.randrange(10 ** 6)),
               "cli_port": 2022, "netconf_port": 2830}
        if eid:
            dev.update(eid_prefixes=[eid], host_eids=[host])
        devices.append(dev)
    with open(out, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"name": "newcomer", "description": "the default lab on addresses of the newcomer stage", "devices": devices},
                       handle, sort_keys=False)
    print(" ".join(addresses))


def _lab_hosts(lab_dir):
    import yaml  # pylint: disable=import-outside-toplevel  # `blocks` runs before bootstrap, without PyYAML
    data = yaml.safe_load(open("%s/inventory.yml" % lab_dir, encoding="utf-8"))
    hosts = data["all"]["hosts"]
    return hosts


def inventory(lab_dir, out, kind):
    """examples/inventory-iosxe.yml's shape (groups, variables, vault_* secrets) aimed at the lab."""
    import yaml  # pylint: disable=import-outside-toplevel  # `blocks` runs before bootstrap, without PyYAML
    hosts = _lab_hosts(lab_dir)
    ms = hosts["MR_MS"]["ansible_host"]
    keys = {"SITE1": "nc-site1-key-%06d" % random.randrange(10 ** 6), "SITE2": "nc-site2-key-%06d" % random.randrange(10 ** 6)}

    def router(name, **extra):
        lab = hosts[name]
        entry = {"ansible_host": lab["ansible_host"], "vault_lisp_password": lab["ansible_password"],
                 "vault_lisp_enable": lab["ansible_become_password"]}
        if lab.get("ansible_user"):
            entry["ansible_user"] = lab["ansible_user"]
        entry.update(extra)
        return entry

    def xtr(name, prefix, priority=10):
        # Optional settings left out on purpose: eid_table, key_type, hash_function, map_cache action.
        return {
            "locator_sets": [{"name": "RLOCS", "locators": [{"address": hosts[name]["ansible_host"], "priority": priority, "weight": 50}]}],
            "ipv4": {"itr": {"enabled": True, "map_resolvers": ["{{ lisp_map_server }}"]},
                     "etr": {"enabled": True, "map_servers": [{"address": "{{ lisp_map_server }}", "key": "{{ vault_%s_key }}" % name.lower()}]}},
            "instances": [{"instance_id": 0, "ipv4": {"database_mappings": [{"prefix": prefix, "locator_set": "RLOCS"}],
                                                      "map_cache": [{"prefix": "0.0.0.0/0"}]}}],
        }

    ms_vars = {}
    site1 = {}
    site2 = {}
    if kind != "empty":
        ms_vars = {
            "lisp_mapping_system_config": {"ipv4": {"map_server": True, "map_resolver": True}},
            "lisp_mapping_system_sites": [
                {"name": "SITE1", "authentication_key": "{{ vault_site1_key }}", "eid_records": [{"prefix": "192.168.1.0/24"}]},
                {"name": "SITE2", "authentication_key": "{{ vault_site2_key }}", "eid_records": [{"prefix": "192.168.2.0/24"}]},
            ],
            "lisp_verify_sites": [{"name": "SITE1", "registered": True}, {"name": "SITE2", "registered": True}],
        }
        site1 = {"lisp_xtr_config": xtr("SITE1", "192.168.1.0/24", 300 if kind == "bad" else 10),
                 "lisp_verify_database": [{"prefix": "192.168.1.0/24", "instance_id": 0}]}
        site2 = {"lisp_xtr_config": xtr("SITE2", "192.168.2.0/24"),
                 "lisp_verify_database": [{"prefix": "192.168.2.0/24", "instance_id": 0}]}
    sample = hosts["SITE1"]
    inv = {"all": {
        "vars": {
            # The form examples/inventory-iosxe.yml leads with (cisco.ios users' own): network_cli with
            # become/enable, host keys from ~/.ssh/known_hosts, no lispnet_* variable.
            "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_os": "cisco.ios.ios",
            "ansible_port": sample["lispnet_cli_port"],
            "ansible_user": sample.get("ansible_user", "admin"),
            "ansible_password": "{{ vault_lisp_password }}",
            "ansible_become": True,
            "ansible_become_method": "enable",
            "ansible_become_password": "{{ vault_lisp_enable }}",
            "ansible_command_timeout": 30,
            "vault_site1_key": keys["SITE1"],
            "vault_site2_key": keys["SITE2"],
        },
        "children": {"lisp_routers": {"children": {
            "map_servers": {"hosts": {"MR_MS": router("MR_MS", **ms_vars)}},
            "xtrs": {"vars": {"lisp_map_server": ms},
                     "hosts": {"SITE1": router("SITE1", **site1), "SITE2": router("SITE2", **site2)}},
        }}},
    }}
    with open(out, "w", encoding="utf-8") as handle:
        handle.write("---\n# Written by the newcomer stage (tests/newcomer/helper.py): examples/inventory-iosxe.yml's shape,\n"
                     "# aimed at a running reference lab (%s).\n" % kind)
        yaml.safe_dump(inv, handle, sort_keys=False, default_flow_style=False)


def _secrets(node, name="", found=None):
    found = {} if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            # the values under a secret name are secrets too (lab_site_keys: {SITE1: ...})
            _secrets(value, "%s.%s" % (name, key) if SECRET_NAMES.search(name) else str(key), found)
    elif isinstance(node, list):
        for value in node:
            _secrets(value, name, found)
    elif isinstance(node, str) and SECRET_NAMES.search(name) and "{{" not in node and len(node) >= 6:
        found[node] = name
    return found


def _encoded_forms(secret):
    """The base64 text a secret is certain to produce inside a longer base64 text, at each of the
    three byte alignments (the 4-character groups shared with the bytes around it are left out)."""
    raw = secret.encode()
    forms = set()
    for pad in range(3):
        text = base64.b64encode(b"\0" * pad + raw).decode()
        groups = [text[i:i + 4] for i in range(0, len(text), 4)]
        if pad:
            groups = groups[1:]
        if (pad + len(raw)) % 3:
            groups = groups[:-1]
        core = "".join(groups)
        if len(core) >= 8:
            forms.add(core)
    return forms


def secrets(log, files):
    """Exit 1 naming (not showing) every secret of files found in log, clear or base64-encoded."""
    import yaml  # pylint: disable=import-outside-toplevel  # `blocks` runs before bootstrap, without PyYAML
    text = open(log, encoding="utf-8", errors="replace").read()
    found = {}
    for path in files:
        _secrets(yaml.safe_load(open(path, encoding="utf-8")), found=found)
    if not found:
        sys.exit("no secrets found in %s: nothing to look for" % ", ".join(files))
    leaks = []
    for secret, name in sorted(found.items(), key=lambda item: item[1]):
        if secret in text:
            leaks.append("%s in clear" % name)
        elif any(form in text for form in _encoded_forms(secret)):
            leaks.append("%s base64-encoded" % name)
    if leaks:
        sys.exit("secrets in %s: %s" % (log, ", ".join(leaks)))
    print("no secret in %s (%d looked for, clear and base64)" % (log, len(found)))


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, args = argv[1], argv[2:]
    if command == "blocks" and len(args) in (1, 2):
        blocks(args[0], int(args[1]) if len(args) == 2 else None)
    elif command == "topology" and len(args) == 1:
        topology(args[0])
    elif command == "inventory" and len(args) == 3 and args[2] in ("good", "bad", "empty"):
        inventory(*args)
    elif command == "secrets" and len(args) >= 2:
        secrets(args[0], args[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

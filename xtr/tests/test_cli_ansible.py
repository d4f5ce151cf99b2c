"""The SSH CLI under ansible.netcommon's network_cli with the cisco.ios cliconf and terminal plugins,
unchanged: facts (show version), cli_command, cli_config and ios_config with save_when."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from .test_mgmt_harness import PASSWORD, SECRET, USER, make_bench

PLAYBOOK = """
- hosts: site1
  gather_facts: false
  tasks:
    - cisco.ios.ios_facts:
        gather_subset: min
    - ansible.netcommon.cli_command:
        command: show lisp site summary
      register: summary
    - ansible.netcommon.cli_config:
        config: |
          router lisp
           locator-set ANSIBLE
            127.0.1.5 priority 1 weight 1
    - cisco.ios.ios_command:
        commands:
          - show running-config | section locator-set ANSIBLE
          - show ip lisp map-cache
      register: shows
    - cisco.ios.ios_config:
        lines: ["site FROMANSIBLE"]
        parents: ["router lisp"]
        save_when: modified
      register: saved
    - ansible.netcommon.cli_command:
        command: show lisp nonsense
      register: bad
      ignore_errors: true
"""


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    bench = make_bench(tmp_path_factory, 55)
    yield bench
    bench.close()


def ansible_playbook():
    found = shutil.which("ansible-playbook") or str(pathlib.Path(sys.executable).with_name("ansible-playbook"))
    assert os.path.exists(found), "ansible-playbook is installed with requirements-dev.txt"
    return found


def test_network_cli_with_cisco_ios(bench, tmp_path):
    inventory = {
        "all": {
            "hosts": {
                "site1": {
                    "ansible_host": bench.node.address,
                    "ansible_port": bench.node.cli_port,
                    "ansible_user": USER,
                    "ansible_password": PASSWORD,
                    "ansible_connection": "ansible.netcommon.network_cli",
                    "ansible_network_os": "cisco.ios.ios",
                    "ansible_become": True,
                    "ansible_become_method": "enable",
                    "ansible_become_password": SECRET,
                }
            }
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    env = dict(
        os.environ,
        ANSIBLE_STDOUT_CALLBACK="json",
        HOME=str(tmp_path),  # paramiko's known_hosts and ~/.ansible stay inside the test
        ANSIBLE_HOST_KEY_CHECKING="False",  # the bench's host key is made per run
        ANSIBLE_PARAMIKO_RECORD_HOST_KEYS="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
        ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=str(tmp_path / "pc"),
        ANSIBLE_DEPRECATION_WARNINGS="False",
    )
    proc = subprocess.run(
        [ansible_playbook(), "-i", str(tmp_path / "inventory.json"), str(tmp_path / "play.yml")],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    tasks = json.loads(proc.stdout[proc.stdout.index("{") :])["plays"][0]["tasks"]
    results = [task["hosts"]["site1"] for task in tasks]
    facts = results[0]["ansible_facts"]
    assert facts["ansible_net_version"] == "17.09.01"
    assert facts["ansible_net_model"] == "C8000V"
    assert facts["ansible_net_hostname"] == "SITE1"
    assert results[1]["stdout"] == bench.call(bench.node.router.show, "show lisp site summary", 0).strip()
    assert results[2]["changed"] is True
    section, map_cache = results[3]["stdout"]
    assert section.splitlines()[0].strip() == "locator-set ANSIBLE"
    assert map_cache.startswith("LISP IPv4 Mapping Cache")
    assert results[4]["changed"] is True
    assert results[5]["failed"] is True
    assert "Invalid input" in results[5]["msg"]
    running = bench.call(lambda: bench.node.running)
    assert "ANSIBLE" in running.lisp.locator_sets and "FROMANSIBLE" in running.lisp.sites
    assert "site FROMANSIBLE" in bench.call(bench.node.startup_text)  # save_when: modified

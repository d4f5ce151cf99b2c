# -*- coding: utf-8 -*-
"""The artifact: `ansible-galaxy collection build` makes a tarball that installs like any collection,
the modules work from the installed copy (not the checkout) against the reference router, and the
execution environment definitions give ansible-builder a valid build context, offline.

Run by `scripts/test artifact` (pytest, not ansible-test: it builds the collection from this checkout).
"""

from __future__ import annotations

import json
import os
import pathlib
import random
import shutil
import socket
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
VERSION = yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
TARBALL = "lispnet-lisp-%s.tar.gz" % VERSION


def run(*args, cwd=None, env=None, check=True):
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)
    if check and result.returncode:
        raise AssertionError("%s failed (%s):\n%s\n%s" % (" ".join(map(str, args)), result.returncode, result.stdout[-6000:],
                                                          result.stderr[-3000:]))
    return result


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run(BIN / "ansible-galaxy", "collection", "build", ROOT, "--output-path", out, cwd=out)
    path = out / TARBALL
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def installed(tarball, tmp_path_factory):
    """The collection installed from the tarball into a collections path of its own."""
    path = tmp_path_factory.mktemp("collections")
    run(BIN / "ansible-galaxy", "collection", "install", tarball, "-p", path, "--offline", "--no-deps", cwd=path)
    return path


def test_the_tarball_ships_the_collection_and_the_router_source_but_no_tests_bench_or_build_outputs(tarball):
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    for wanted in ("MANIFEST.json", "FILES.json", "README.md", "requirements.txt", "bindep.txt", "meta/runtime.yml",
                   "meta/execution-environment.yml", "plugins/action/lisp_xtr.py", "plugins/plugin_utils/connection_transport.py",
                   "plugins/modules/lisp_facts.py", "roles/reference_lab/defaults/main.yml", "playbooks/main.yml",
                   "examples/inventory-iosxe.yml", "examples/execution-environment.yml", "docs/awx.md",
                   "xtr/pyproject.toml", "xtr/src/lispxtr/cli.py"):
        assert wanted in names, wanted
    for name in names:
        top = name.split("/")[0]
        assert top not in ("tests", "bench", "scripts", ".state", ".ci", ".venv", "out", "changelogs/fragments"), name
        assert not name.startswith(("xtr/tests", "xtr/build", "changelogs/fragments")), name
        assert "__pycache__" not in name and not name.endswith((".pyc", ".pcap", ".tar.gz")), name
        assert ".egg-info" not in name, name
    manifest = json.loads(tarfile.open(tarball).extractfile("MANIFEST.json").read())
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("lispnet", "lisp", VERSION)
    for field in ("repository", "documentation", "homepage", "issues"):
        assert not info.get(field) or "example" not in info[field], (field, info[field])


def test_ansible_galaxy_lists_the_installed_copy(installed):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(installed))
    listing = run(BIN / "ansible-galaxy", "collection", "list", "lispnet.lisp", "--format", "json", cwd=installed, env=env)
    paths = json.loads(listing.stdout)
    assert str(installed / "ansible_collections") in paths
    assert paths[str(installed / "ansible_collections")]["lispnet.lisp"]["version"] == VERSION


def free_address():
    rng = random.Random()
    for _unused in range(50):
        address = "127.%d.%d.1" % (rng.randrange(100, 250), rng.randrange(1, 255))
        try:
            for kind, port in ((socket.SOCK_STREAM, 2022), (socket.SOCK_STREAM, 2830), (socket.SOCK_DGRAM, 4342),
                               (socket.SOCK_DGRAM, 4341)):
                with socket.socket(socket.AF_INET, kind) as probe:
                    probe.bind((address, port))
        except OSError:
            continue
        return address
    raise RuntimeError("no free 127.x.y.1 address")


SMOKE = """
- name: Smoke run of the installed lispnet.lisp
  hosts: MR_MS
  gather_facts: false
  tasks:
    - name: Make MR_MS a Map-Server and Map-Resolver
      lispnet.lisp.lisp_mapping_system:
        config: {ipv4: {map_server: true, map_resolver: true}}
      register: first
    - name: Again
      lispnet.lisp.lisp_mapping_system:
        config: {ipv4: {map_server: true, map_resolver: true}}
      register: again
    - name: Gather the configuration facts
      lispnet.lisp.lisp_facts:
        gather_subset: [config]
    - name: Check
      ansible.builtin.assert:
        that:
          - again is not changed
          - ansible_facts.lisp.config.mapping_system.ipv4.map_server
    - name: Remove the roles again
      lispnet.lisp.lisp_mapping_system:
        state: deleted
"""


def test_the_modules_run_from_the_installed_copy_over_network_cli_and_direct_netconf(installed, tmp_path):
    address = free_address()
    topology = tmp_path / "topology.yml"
    topology.write_text(yaml.safe_dump({"name": "artifact", "devices": [{
        "name": "MR_MS", "role": "map-server", "address": address, "username": "admin", "password": "artifact-pw",
        "enable_secret": "artifact-en", "cli_port": 2022, "netconf_port": 2830}]}), encoding="utf-8")
    state = tmp_path / "lab"
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    work = tmp_path / "work"  # outside the checkout: nothing resolves lispnet.lisp to it
    work.mkdir()
    (work / "smoke.yml").write_text(SMOKE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(installed), HOME=str(home), ANSIBLE_HOST_KEY_CHECKING="true",
               ANSIBLE_HOST_KEY_AUTO_ADD="false", ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    run(BIN / "lisp-xtr", "lab", "up", "--topology", topology, "--state-dir", state, cwd=work, env=env)
    try:
        shutil.copy(state / "known_hosts", home / ".ssh" / "known_hosts")
        lab = yaml.safe_load((state / "inventory.yml").read_text(encoding="utf-8"))["all"]["hosts"]["MR_MS"]
        (work / "network_cli.yml").write_text(yaml.safe_dump({"all": {"hosts": {"MR_MS": {
            "ansible_host": address, "ansible_port": 2022, "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_os": "cisco.ios.ios", "ansible_user": lab["ansible_user"],
            "ansible_password": lab["ansible_password"], "ansible_become": True, "ansible_become_method": "enable",
            "ansible_become_password": lab["ansible_become_password"],
            "ansible_python_interpreter": sys.executable}}}}), encoding="utf-8")
        for inventory in (work / "network_cli.yml", state / "inventory.yml"):
            result = run(BIN / "ansible-playbook", "-i", inventory, "-v", "smoke.yml", cwd=work, env=env)
            assert "failed=0" in result.stdout and "ok=5" in result.stdout, result.stdout[-3000:]
            assert str(ROOT / "plugins") not in result.stdout + result.stderr
        doc = json.loads(run(BIN / "ansible-doc", "--json", "lispnet.lisp.lisp_mapping_system", cwd=work, env=env).stdout)
        assert doc["lispnet.lisp.lisp_mapping_system"]["doc"]["filename"].startswith(str(installed))
    finally:
        run(BIN / "lisp-xtr", "lab", "down", "--state-dir", state, cwd=work, env=env, check=False)


def test_meta_execution_environment_names_the_requirements_ansible_builder_introspects(installed):
    collection = installed / "ansible_collections" / "lispnet" / "lisp"
    meta = yaml.safe_load((collection / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert meta["version"] == 3
    introspect = run(sys.executable, "-m", "ansible_builder._target_scripts.introspect", "introspect", "--sanitize", installed)
    found = yaml.safe_load(introspect.stdout)
    python = " ".join(found["python"])
    for package in ("ncclient", "netmiko", "ttp", "lxml", "paramiko"):
        assert package in python, (package, found["python"])
    system = " ".join(found["system"])
    for package in ("libxml2-devel", "libxslt-devel", "openssh-clients"):
        assert package in system, (package, found["system"])
    run(BIN / "bindep", "--file", collection / "bindep.txt", "--list_all", "newline")


def test_ansible_builder_create_makes_a_build_context_offline(tarball, tmp_path):
    ee_dir = tmp_path / "ee"
    ee_dir.mkdir()
    shutil.copy(ROOT / "examples" / "execution-environment.yml", ee_dir)
    shutil.copy(tarball, ee_dir)
    context = tmp_path / "context"
    env = dict(os.environ, http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")  # offline: no fetch works
    run(BIN / "ansible-builder", "create", "-f", ee_dir / "execution-environment.yml", "--context", context, "--output-filename", "Containerfile",
        cwd=tmp_path, env=env)
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert 'ARG EE_BASE_IMAGE="quay.io/fedora/fedora:41"' in containerfile
    assert "COPY _build /build" in containerfile
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect" in containerfile
    assert (context / "_build" / "collections" / TARBALL).is_file()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    names = [c["name"] for c in requirements["collections"]]
    assert "/build/collections/%s" % TARBALL in names and "ansible.netcommon" in names and "cisco.ios" in names

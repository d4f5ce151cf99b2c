"""Robustness: bad input through every door of a running router (a real ``lisp-xtr run`` process
booted by ``lisp-xtr lab up``) gets a clear error and changes neither its configuration nor its state.

Doors: NETCONF over SSH (oversized message, entity bomb, wrong framing, invalid values), the SSH CLI
(malformed lines, out-of-range values, control characters, a huge line), and a playbook of the
collection (``lispnet.lisp.lisp_xtr`` with a locator priority of 300). The list of cases and what
each one returned is in ``docs/robustness.md``.
"""

from __future__ import annotations

import os
import pathlib
import re
import socket
import subprocess
import sys
import time

import pytest
import yaml

from lispxtr import lab
from lispxtr.mgmt import framing

from .test_robust_fuzz import PASSWORD, USER, ask, cli, free_subnet, ssh_client, trust_known_hosts, udp_socket, xtr_config

REPO = pathlib.Path(__file__).resolve().parents[2]
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
HELLO = ('<?xml version="1.0" encoding="UTF-8"?><hello xmlns="%s"><capabilities><capability>'
         'urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>' % NC).encode()
GET_CONFIG = ('<rpc xmlns="%s" message-id="%%d"><get-config><source><running/></source></get-config></rpc>' % NC)
BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i else "&lol;") * 10) for i in range(9))
        + ']><rpc xmlns="%s" message-id="1"><get-config><source><running/></source><filter>&lol8;</filter>'
          '</get-config></rpc>' % NC)


@pytest.fixture(scope="module", name="router")
def _router(tmp_path_factory):
    base = free_subnet(74, hosts=(1, 9))
    address = base + ".1"
    state = tmp_path_factory.mktemp("lab")
    topology = {"name": "robust-input", "devices": [{
        "name": "SITE1", "role": "xtr", "address": address, "eid_prefixes": ["192.168.1.0/24"],
        "host_eids": ["192.168.1.1"], "username": USER, "password": PASSWORD, "enable_secret": "robust-En1",
        "startup_config": "\n".join(xtr_config("SITE1", address, "192.168.1.0/24", address, "SITE1-KEY")
                                    .splitlines()[2:]) + "\n"}]}
    topo_file = state / "topology.yml"
    topo_file.write_text(yaml.safe_dump(topology), encoding="utf-8")
    lines = []
    assert lab.lab_up(state, str(topo_file), out=lines.append) == 0, "\n".join(lines)
    trust_known_hosts(state / "known_hosts")
    yield address, state
    lab.lab_down(state, out=lines.append)


def running_config(address) -> str:
    out = cli(address, ["show running-config | section router lisp"])
    return out.split("section router lisp", 1)[1].rsplit("\n", 1)[0]


def answers_map_request(address) -> bool:
    """The LISP side is alive: an ETR answers a Map-Request for its own EID-prefix."""
    sock = udp_socket(address.rsplit(".", 1)[0] + ".9")
    try:
        # to the router itself as a Map-Resolver is not configured here; the ETR answers ECM'd
        # requests for its own EIDs (RFC 9301 §8.3)
        return ask(sock, address, "192.168.1.1", int(time.time() * 1000)) is not None
    finally:
        sock.close()


class Netconf:
    """A raw ``netconf`` subsystem channel (base:1.0 end-of-message framing after the hello)."""

    def __init__(self, address):
        self.client = ssh_client()
        self.client.connect(address, 2830, USER, PASSWORD, look_for_keys=False, allow_agent=False, timeout=10)
        self.chan = self.client.get_transport().open_session(timeout=10)
        self.chan.settimeout(0.2)
        self.chan.invoke_subsystem("netconf")
        self.buf = b""
        self.read_message()
        self.chan.sendall(HELLO + framing.EOM)

    def read_message(self, timeout=15.0) -> bytes | None:
        """The next ``]]>]]>``-framed message, or None when the server closed the session."""
        deadline = time.monotonic() + timeout
        while framing.EOM not in self.buf:
            assert time.monotonic() < deadline, "no message; got %r" % self.buf[-300:]
            try:
                chunk = self.chan.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                return None
            self.buf += chunk
        msg, self.buf = self.buf.split(framing.EOM, 1)
        return msg

    def rpc(self, text: bytes) -> bytes | None:
        self.chan.sendall(text + framing.EOM)
        return self.read_message()

    def close(self):
        self.client.close()


def _state_snapshot(address):
    return running_config(address), answers_map_request(address)


def test_netconf_entity_bomb_is_refused_and_nothing_changes(router):
    address, _state = router
    before = _state_snapshot(address)
    session = Netconf(address)
    try:
        reply = session.rpc(BOMB.encode())
        print("entity bomb: %r" % reply)
        assert reply is not None and b"rpc-error" in reply, reply
        assert len(reply) < 4096  # the entities were not expanded into the answer
        # the session is still usable
        assert b"<data" in session.rpc((GET_CONFIG % 2).encode())
    finally:
        session.close()
    assert _state_snapshot(address) == before


def test_netconf_oversized_message_closes_the_session_and_nothing_changes(router):
    address, _state = router
    before = _state_snapshot(address)
    session = Netconf(address)
    try:
        edit = ('<rpc xmlns="%s" message-id="3"><edit-config><target><running/></target><config>' % NC).encode()
        session.chan.sendall(edit)
        filler = b"<!--" + b"x" * (1 << 20) + b"-->"
        closed = False
        try:
            for _piece in range(framing.MAX_MESSAGE // len(filler) + 2):
                session.chan.sendall(filler)
        except (OSError, EOFError):
            closed = True  # the server hung up while we were still sending
        reply = session.read_message() if not closed else None
        print("oversized: closed while sending %s, reply %r" % (closed, reply and reply[:300]))
        assert reply is None or b"rpc-error" in reply, reply[:300]
    finally:
        session.close()
    assert _state_snapshot(address) == before


@pytest.mark.parametrize("garbage", [b"\n#abc\n<rpc/>", b"<rpc xmlns='%s' message-id='4'><get-config>" % NC.encode(),
                                     b"\x00\xff\xfe" * 100, b"<not-netconf/>"])
def test_netconf_wrong_framing_or_xml_is_refused_and_nothing_changes(router, garbage):
    address, _state = router
    before = _state_snapshot(address)
    session = Netconf(address)
    try:
        reply = session.rpc(garbage)
        print("garbage %r: %r" % (garbage[:20], reply))
        assert reply is None or b"rpc-error" in reply, reply
    finally:
        session.close()
    assert _state_snapshot(address) == before


def test_netconf_edit_config_with_an_invalid_value_is_refused_whole(router):
    address, _state = router
    before = _state_snapshot(address)
    session = Netconf(address)
    lisp = "http://cisco.com/ns/yang/Cisco-IOS-XE-lisp"
    native = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
    edit = ('<rpc xmlns="%s" message-id="5"><edit-config><target><running/></target><config>'
            '<native xmlns="%s"><router><lisp xmlns="%s"><locator-set><name>BAD</name><ip-address>'
            '<ip>127.0.0.5</ip><priority-and-weight><priority>300</priority><weight>50</weight></priority-and-weight>'
            '</ip-address></locator-set></lisp></router></native></config></edit-config></rpc>' % (NC, native, lisp))
    try:
        reply = session.rpc(edit.encode())
        print("priority 300 over NETCONF: %r" % reply)
        assert reply is not None and b"rpc-error" in reply, reply
        assert b"300" in reply and b"priority" in reply, reply  # refused for the value, naming it
    finally:
        session.close()
    assert _state_snapshot(address) == before


CLI_CASES = {
    "priority-300": ["configure terminal", "router lisp", " locator-set RLOCS", "  %s priority 300 weight 50", "end"],
    "weight-101": ["configure terminal", "router lisp", " locator-set RLOCS", "  %s priority 10 weight 101", "end"],
    "bad-map-resolver": ["configure terminal", "router lisp", " service ipv4", "  itr map-resolver 999.1.1.1", "end"],
    "instance-id-too-big": ["configure terminal", "router lisp", " instance-id 99999999", "end"],
    "unknown-command": ["configure terminal", "router lisp", " frobnicate the map-cache", "end"],
    "mask-33": ["configure terminal", "router lisp", " instance-id 0", "  service ipv4",
                "   database-mapping 192.168.1.0/33 locator-set RLOCS", "end"],
    "show-bad-address": ["show ip lisp map-cache garbage"],
    # editing keys (Ctrl-A, Ctrl-B, an arrow) are edits, not text: the line runs as typed otherwise
    "control-characters": ["show ip lisp map-cache \x01\x02\x1b[A 10.0.0.1"],
    "line-5000-chars": ["configure terminal", "router lisp " + "x" * 5000, "end"],
}


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_malformed_cli_lines_are_refused_and_nothing_changes(router, case):
    address, _state = router
    before = _state_snapshot(address)
    lines = [line.replace("%s", address) for line in CLI_CASES[case]]
    out = cli(address, lines)
    print("CLI case %s:%s" % (case, out))
    if case == "control-characters":
        assert "LISP IPv4 Mapping Cache" in out, out
    else:
        assert re.search(r"^\s*% ?(Invalid|Incomplete|Ambiguous|Unknown|Bad|Error)", out, re.M), out
    assert _state_snapshot(address) == before


def test_playbook_with_priority_300_fails_naming_the_option_and_changes_nothing(router, tmp_path):
    address, state = router
    before = _state_snapshot(address)
    collections = tmp_path / "collections" / "ansible_collections" / "lispnet"
    collections.mkdir(parents=True)
    os.symlink(REPO, collections / "lisp")
    playbook = tmp_path / "bad.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "SITE1", "gather_facts": False,
        "tasks": [{"name": "an out-of-range locator priority", "lispnet.lisp.lisp_xtr": {
            "state": "merged",
            "config": {"locator_sets": [{"name": "RLOCS", "locators": [
                {"address": address, "priority": 300, "weight": 50}]}]}}}]}]), encoding="utf-8")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOST_KEY_CHECKING="true", ANSIBLE_RETRY_FILES_ENABLED="0")
    binary = pathlib.Path(sys.executable).with_name("ansible-playbook")
    proc = subprocess.run([str(binary), "-i", str(state / "inventory.yml"), str(playbook)], capture_output=True,
                          text=True, timeout=300, env=env, cwd=str(tmp_path), check=False)
    out = proc.stdout + proc.stderr
    print(out)
    assert proc.returncode != 0, out
    assert "priority" in out and "300" in out, out
    assert re.search(r"locator_sets.*locators.*priority", out), out
    assert "changed=0" in out.replace(" ", "") or "changed: [" not in out, out
    assert _state_snapshot(address) == before

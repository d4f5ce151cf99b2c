"""plugins/filter/known_host_key.py: is a host's key in a known_hosts file (plain and hashed)."""

import paramiko
import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.lispnet.lisp.plugins.filter.known_host_key import FilterModule, known_host_key


def public_line(name):
    key = paramiko.RSAKey.generate(1024)
    return "%s %s %s\n" % (name, key.get_name(), key.get_base64())


def test_plain_entries_with_and_without_port(tmp_path):
    path = tmp_path / "known_hosts"
    path.write_text(public_line("[127.0.1.1]:2022") + public_line("127.0.2.1"))
    assert known_host_key(str(path), "127.0.1.1", 2022) is True
    assert known_host_key(str(path), "127.0.1.1", 2830) is False
    assert known_host_key(str(path), "127.0.1.1", 22) is False
    assert known_host_key(str(path), "127.0.2.1") is True
    assert known_host_key(str(path), "127.0.2.1", "2022") is False


def test_hashed_entry(tmp_path):
    path = tmp_path / "known_hosts"
    hashed = paramiko.HostKeys.hash_host("[127.0.3.1]:2022")
    path.write_text(public_line(hashed))
    assert known_host_key(str(path), "127.0.3.1", 2022) is True
    assert known_host_key(str(path), "127.0.3.2", 2022) is False


def test_missing_or_empty_file_holds_no_key(tmp_path):
    assert known_host_key(str(tmp_path / "nothing"), "127.0.1.1", 2022) is False
    (tmp_path / "empty").write_text("# no keys\n")
    assert known_host_key(str(tmp_path / "empty"), "127.0.1.1", 2022) is False


def test_bad_port_is_a_clear_error(tmp_path):
    with pytest.raises(AnsibleFilterError, match="port must be an integer, got 'ssh'"):
        known_host_key(str(tmp_path / "known_hosts"), "127.0.1.1", "ssh")


def test_registered():
    assert FilterModule().filters()["known_host_key"] is known_host_key

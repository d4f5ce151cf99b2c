"""The CLI's terminal behaviour seen byte by byte through a plain SSH shell (paramiko)."""

import socket
import time

import paramiko
import pytest

from .test_mgmt_harness import OPER_PASSWORD, PASSWORD, SECRET, USER, make_bench
from .test_robust_fuzz import ssh_client, trust_host_key

ADDRESS = None  # set by the bench fixture (a free 127.56.N.1)


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    global ADDRESS  # pylint: disable=global-statement  # the clients below connect to it
    bench = make_bench(tmp_path_factory, 56)
    ADDRESS = bench.node.address
    trust_host_key(ADDRESS, bench.node.host_key_path)
    yield bench
    bench.close()


class Shell:
    def __init__(self, username=USER, password=PASSWORD):
        self.client = ssh_client()
        self.client.connect(ADDRESS, 2022, username, password, look_for_keys=False, allow_agent=False, timeout=10)
        self.chan = self.client.invoke_shell(width=200)
        self.chan.settimeout(5)
        self.buf = b""

    def send(self, data):
        self.chan.send(data)

    def read_until(self, marker, timeout=5.0):
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            if time.monotonic() > deadline:
                raise AssertionError("timeout waiting for %r; got %r" % (marker, self.buf))
            try:
                chunk = self.chan.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise AssertionError("channel closed; got %r" % self.buf)
            self.buf += chunk
        index = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:index], self.buf[index:]
        return out

    def settle(self, wait=0.3):
        """Everything that arrives within `wait` seconds."""
        time.sleep(wait)
        while self.chan.recv_ready():
            self.buf += self.chan.recv(65536)
        out, self.buf = self.buf, b""
        return out

    def close(self):
        self.client.close()


@pytest.fixture(name="shell")
def _shell(bench):
    bench.call(bench.node.reset)
    shell = Shell()
    shell.read_until(b"SITE1#")
    shell.send(b"terminal length 0\r")  # as Netmiko and cisco.ios do; paging has its own test
    shell.read_until(b"SITE1#")
    yield shell
    shell.close()


@pytest.mark.parametrize("enter", [b"\r", b"\n", b"\r\n"])
def test_each_enter_style_is_one_enter(shell, enter):
    shell.send(b"terminal length 0" + enter)
    out = shell.settle()
    assert out == b"terminal length 0\r\nSITE1#"
    shell.send(enter * 3)
    assert shell.settle() == b"\r\nSITE1#" * 3


def test_echo_is_as_typed_even_when_split(shell):
    for ch in b"show privilege":
        shell.send(bytes([ch]))
    assert shell.settle() == b"show privilege"
    shell.send(b"\r")
    assert shell.read_until(b"SITE1#") == b"\r\nCurrent privilege level is 15\r\nSITE1#"


def test_backspace_edits_the_line(shell):
    shell.send(b"show privx\x7filege\r")
    out = shell.read_until(b"SITE1#")
    assert b"show privx\b \bilege\r\n" in out
    assert b"Current privilege level is 15" in out


def test_a_line_longer_than_the_buffer_is_cut_and_refused(shell):
    """A 1 MB line: the router keeps and echoes the first 4,096 characters (mgmt.cli.MAX_LINE), refuses
    the command, and the session goes on."""
    chunk = b"A" * 65536
    for _unused in range(16):
        shell.send(chunk)
    shell.send(b"\r")
    out = shell.read_until(b"SITE1#", timeout=60)
    assert out.count(b"A") == 4096
    assert b"% Invalid input detected at '^' marker." in out
    shell.send(b"show privilege\r")
    assert b"Current privilege level is 15" in shell.read_until(b"SITE1#")


def test_output_lines_end_with_crlf(shell):
    shell.send(b"show version\r")
    out = shell.read_until(b"\r\nSITE1#")
    assert b"\n" not in out.replace(b"\r\n", b"")


def test_ctrl_z_leaves_config_mode(shell):
    shell.send(b"configure terminal\r")
    assert shell.read_until(b"SITE1(config)#").endswith(b"End with CNTL/Z.\r\nSITE1(config)#")
    shell.send(b"router lisp\r")
    shell.read_until(b"SITE1(config-router-lisp)#")
    shell.send(b"service ipv4\r")
    shell.read_until(b"SITE1(config-router-lisp-serv-ipv4)#")
    shell.send(b"exit\rinstance-id 3\r")
    shell.read_until(b"SITE1(config-router-lisp-inst)#")
    shell.send(b"\x1a")
    assert shell.read_until(b"SITE1#") == b"^Z\r\nSITE1#"


def test_typeahead_is_processed_in_order(shell):
    shell.send(b"terminal length 0\rshow privilege\r")
    out = shell.read_until(b"level is 15\r\nSITE1#")
    assert out == b"terminal length 0\r\nSITE1#show privilege\r\nCurrent privilege level is 15\r\nSITE1#"


def test_question_mark_lists_show_running_options(shell):
    shell.send(b"show running-config ?")
    out = shell.read_until(b"SITE1#show running-config ")
    assert b"  all\r\n" in out and b"  full\r\n" in out
    shell.send(b"\r")
    assert b"router lisp" in shell.read_until(b"\r\nSITE1#", timeout=5)


def test_enable_secret_three_tries(bench):
    shell = Shell("oper", OPER_PASSWORD)
    try:
        shell.read_until(b"SITE1>")
        shell.send(b"enable\r")
        assert shell.read_until(b"Password: ") == b"enable\r\nPassword: "
        shell.send(b"wrong-1\r")
        assert shell.read_until(b"Password: ") == b"\r\nPassword: "  # a secret is never echoed
        shell.send(b"wrong-2\rwrong-3\r")
        out = shell.read_until(b"SITE1>")
        assert b"wrong" not in out
        assert out.endswith(b"% Bad secrets\r\n\r\nSITE1>")
        shell.send(b"enable\r")
        shell.read_until(b"Password: ")
        shell.send(SECRET.encode() + b"\r")
        assert shell.read_until(b"SITE1#") == b"\r\nSITE1#"
    finally:
        shell.close()


def test_exit_closes_the_session(shell):
    shell.send(b"exit\r")
    deadline = time.monotonic() + 5
    while not shell.chan.exit_status_ready() and not shell.chan.closed:
        assert time.monotonic() < deadline
        time.sleep(0.05)
        if shell.chan.recv_ready():
            shell.chan.recv(4096)


def test_exec_request_runs_one_command(bench):
    client = ssh_client()
    client.connect(ADDRESS, 2022, USER, PASSWORD, look_for_keys=False, allow_agent=False, timeout=10)
    try:
        _unused, stdout, _unused = client.exec_command("show privilege", timeout=10)
        assert stdout.read() == b"Current privilege level is 15\r\n"
        assert stdout.channel.recv_exit_status() == 0
    finally:
        client.close()


def test_no_shell_before_authentication():
    sock = socket.create_connection((ADDRESS, 2022), timeout=5)
    try:
        transport = paramiko.Transport(sock)
        transport.start_client(timeout=5)
        assert not transport.is_authenticated()
        with pytest.raises(paramiko.AuthenticationException):
            transport.auth_password(USER, "wrong")
        assert not transport.is_authenticated()
        with pytest.raises(paramiko.SSHException):
            transport.open_session(timeout=5)
    finally:
        sock.close()


def test_more_prompt_pages_long_output(bench, shell):
    bench.node.router.extra_shows["show lisp session"] = "".join("row %02d\n" % i for i in range(30))
    shell.send(b"terminal length 10\r")
    shell.read_until(b"SITE1#")
    shell.send(b"show lisp session\r")
    first = shell.read_until(b" --More-- ")
    assert first.count(b"row ") == 9 and b"row 08\r\n" in first
    shell.send(b" ")  # space: the next screen
    second = shell.read_until(b" --More-- ")
    assert b"row 09" in second and b"row 17" in second and b"row 18" not in second
    shell.send(b"\r")  # Enter: one more line
    third = shell.read_until(b" --More-- ")
    assert b"row 18" in third and b"row 19" not in third
    shell.send(b"q")
    rest = shell.read_until(b"SITE1#")
    assert b"row" not in rest
    shell.send(b"terminal length 0\rshow lisp session\r")
    out = shell.read_until(b"row 29\r\nSITE1#")
    assert b"--More--" not in out
    del bench.node.router.extra_shows["show lisp session"]


def test_pasted_block_is_applied_line_by_line(bench, shell):
    lines = ["configure terminal", "router lisp"] + ["site PASTE%03d" % i for i in range(150)] + ["end"]
    started = time.monotonic()
    shell.send(("\r".join(lines) + "\r").encode())
    out = shell.read_until(b"site PASTE149\r\nSITE1(config-router-lisp-site)#end\r\nSITE1#", timeout=30)
    assert time.monotonic() - started < 20
    assert out.count(b"SITE1(config-router-lisp-site)#") == 150  # one prompt per pasted line
    assert b"Invalid" not in out
    sites = bench.call(lambda: sorted(bench.node.running.lisp.sites))
    assert [s for s in sites if s.startswith("PASTE")] == ["PASTE%03d" % i for i in range(150)]


def test_escape_sequence_aborts_ping(bench, shell):
    bench.node.ping_script = [True]
    try:
        shell.send(b"ping 192.168.2.1 source 192.168.1.1 repeat 100000\r")
        shell.read_until(b"!!!")
        shell.send(b"\x1ex")
        out = shell.read_until(b"SITE1#", timeout=10)
        rate = out.split(b"\r\n")[-2]
        assert rate.startswith(b"Success rate is 100 percent (")
        shell.send(b"show privilege\r")
        assert b"Current privilege level is 15" in shell.read_until(b"SITE1#")
    finally:
        bench.node.ping_script = [False, True, True, True, True]

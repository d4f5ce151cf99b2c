"""The management plane's login limits (issue 14, hole 5), modelled on IOS-XE and driven by real SSH
clients (asyncssh, paramiko) against the real listeners of a bench router, on both the SSH CLI and
the NETCONF-over-SSH port:

- `ip ssh authentication-retries N` (default 3): the connection is closed after N failed passwords;
- `ip ssh time-out S` (default 120): an unauthenticated connection is closed after S seconds;
- `ip ssh maxstartups N` (default 128): at most N unauthenticated connections over both ports;
- `login block-for S attempts N within W`: a quiet period after N failures within W seconds;
- failed logins are logged as `%SEC_LOGIN-4-LOGIN_FAILED` with the source address, rate-limited.

The audit found 200 failed logins in 18 s with no slow-down and 5,000 idle unauthenticated TCP
connections accepted. Deadlines below only end a test that would otherwise hang.
"""

import asyncio
import logging
import socket
import threading
import time

import asyncssh
import paramiko
import pytest

from lispxtr import config as cfg
from lispxtr.mgmt import sshserver

from .test_mgmt_harness import PASSWORD, SITE1_CONFIG, USER, make_bench

PORTS = ("cli_port", "netconf_port")


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    bench = make_bench(tmp_path_factory, 141)
    yield bench
    bench.close()


@pytest.fixture(name="limits")
def _limits(bench):
    """`limits("ip ssh ...", ...)` configures the bench; the defaults come back after the test."""

    def apply(*lines):
        bench.call(bench.node.reset, SITE1_CONFIG + "".join(line + "\n" for line in lines))

    apply()
    yield apply
    apply()


def known_hosts(node):
    key = asyncssh.read_private_key(str(node.host_key_path))
    return ([asyncssh.import_public_key(key.export_public_key())], [], [])


def client_address(node, host):
    return node.address.rsplit(".", 1)[0] + ".%d" % host


class Guesser(asyncssh.SSHClient):
    """Offers wrong passwords, one per request, up to `tries`; counts how many the server asked for."""

    tries = 5

    def __init__(self):
        self.asked = 0

    def password_auth_requested(self):
        if self.asked >= self.tries:
            return None
        self.asked += 1
        return "wrong-%d" % self.asked


async def guess(node, port, tries=5, source=None):
    """Connect and offer `tries` wrong passwords; (passwords asked for, exception that ended it)."""
    made = []

    def factory():
        client = Guesser()
        client.tries = tries
        made.append(client)
        return client

    try:
        conn, _client = await asyncssh.connect(
            node.address, port, username=USER, known_hosts=known_hosts(node), client_factory=factory,
            preferred_auth="password", local_addr=(source, 0) if source else None, login_timeout=60)
        conn.close()
        error = None
    except (OSError, asyncssh.Error) as exc:
        error = exc
    return (made[0].asked if made else 0), error


async def login(node, port, source=None):
    """A correct login; True when it succeeded."""
    try:
        async with asyncssh.connect(node.address, port, username=USER, password=PASSWORD, known_hosts=known_hosts(node),
                                    preferred_auth="password", local_addr=(source, 0) if source else None,
                                    login_timeout=60):
            return True
    except (OSError, asyncssh.Error):
        return False


def settle(bench):
    """Wait until the router has seen every earlier connection of this module go (the deadline only
    ends a hung test)."""
    end = time.monotonic() + 30
    while bench.call(lambda: bench.node.login_guard.unauthenticated):
        assert time.monotonic() < end, "unauthenticated connections left over"
        time.sleep(0.05)


def raw_connect(node, port, source):
    """A TCP connection that never speaks SSH; returns (socket, first bytes or b'' when closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((source, 0))
    sock.settimeout(20)
    sock.connect((node.address, port))
    try:
        first = sock.recv(256)
    except ConnectionResetError:
        first = b""
    return sock, first


def wait_closed(sock, deadline_s=25.0):
    """True when the peer closes `sock` before the deadline (which only ends a hung test)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            if sock.recv(4096) == b"":
                return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
    return False


# --- configuration -------------------------------------------------------------------------------

def test_commands_parse_render_and_refuse_bad_values():
    tree = cfg.parse_config(SITE1_CONFIG)
    text = cfg.render_running_config(tree)
    assert "ip ssh" not in text and "login block-for" not in text  # the defaults are not shown
    assert (tree.limits.auth_retries, tree.limits.time_out, tree.limits.maxstartups, tree.limits.block_for) == (3, 120, 128, None)
    tree = cfg.parse_config(SITE1_CONFIG + "ip ssh time-out 60\nip ssh authentication-retries 2\nip ssh maxstartups 5\n"
                            "login block-for 100 attempts 4 within 30\n")
    text = cfg.render_running_config(tree)
    assert "login block-for 100 attempts 4 within 30\n!\nip ssh time-out 60\nip ssh authentication-retries 2\n" \
           "ip ssh maxstartups 5\n!\n" in text
    assert cfg.parse_config(text.split("\n", 3)[3]) == tree  # the startup-config reads what was written
    again = cfg.parse_config(text.split("\n", 3)[3] + "no ip ssh time-out\nno ip ssh maxstartups 5\nno login block-for\n"
                             "ip ssh authentication-retries 3\n")
    assert again.limits == cfg.parse_config(SITE1_CONFIG).limits and "ip ssh" not in cfg.render_running_config(again)
    for line, column, field in (("ip ssh time-out 0", 16, "time-out '0'"), ("ip ssh maxstartups 129", 19, "maxstartups '129'"),
                                ("ip ssh authentication-retries 6", 30, "authentication-retries '6'"),
                                ("login block-for 10 attempts 0 within 5", 28, "attempts '0'"),
                                ("ip ssh bogus 3", 7, "'bogus'")):
        with pytest.raises(cfg.ConfigError) as info:
            cfg.parse_config(line + "\n")
        assert info.value.column == column and field in info.value.message, (line, info.value)


def test_cli_configures_limits_and_netconf_keeps_them(bench, limits):
    """`configure terminal` over SSH sets a limit; the running-config shows it; a NETCONF edit (which
    cannot express `ip ssh`) keeps it."""
    node = bench.node
    limits()

    async def scenario():
        async with asyncssh.connect(node.address, node.cli_port, username=USER, password=PASSWORD,
                                    known_hosts=known_hosts(node)) as conn:
            result = await conn.run("show running-config | include ^ip ssh|^login")
            assert result.stdout == ""
            proc = await conn.create_process(term_type="vt100")
            proc.stdin.write("configure terminal\rip ssh time-out 45\rip ssh time-out 500\rlogin block-for 9 attempts 2 within 8\r"
                             "end\rexit\r")
            out = await asyncio.wait_for(proc.stdout.read(), 30)
            assert "% Invalid input detected at '^' marker." in out  # time-out 500
            result = await conn.run("show running-config | include ^ip ssh|^login")
            assert result.stdout.replace("\r\n", "\n") == "login block-for 9 attempts 2 within 8\nip ssh time-out 45\n"

    asyncio.run(scenario())
    edit = cfg.apply_edit_xml(node.running, cfg.tree_to_xml(node.running), "replace")
    assert edit.limits == node.running.limits and edit.limits.time_out == 45


# --- enforcement -----------------------------------------------------------------------------------

@pytest.mark.parametrize("port_name", PORTS)
def test_authentication_retries_closes_the_connection(bench, limits, port_name):
    node = bench.node
    port = getattr(node, port_name)
    limits()
    asked, error = asyncio.run(guess(node, port))
    assert asked == 3 and error is not None  # IOS-XE's default: 3
    limits("ip ssh authentication-retries 1")
    asked, error = asyncio.run(guess(node, port))
    assert asked == 1 and error is not None
    # paramiko (what network_cli and ncclient use) sees the session end after its failure
    client = paramiko.SSHClient()
    public = asyncssh.read_private_key(str(node.host_key_path)).convert_to_public()
    key = paramiko.PKey.from_type_string(public.get_algorithm(), public.public_data)
    client.get_host_keys().add("[%s]:%d" % (node.address, port), key.get_name(), key)
    with pytest.raises((paramiko.AuthenticationException, paramiko.SSHException, OSError)):
        client.connect(node.address, port, USER, "wrong", look_for_keys=False, allow_agent=False, timeout=20)
    client.close()
    assert asyncio.run(login(node, port))  # a right password still works


def test_time_out_drops_an_idle_unauthenticated_connection(bench, limits):
    node = bench.node
    limits("ip ssh time-out 1")
    for port_name in PORTS:
        sock, first = raw_connect(node, getattr(node, port_name), client_address(node, 31))
        try:
            assert first.startswith(b"SSH-2.0-")
            assert wait_closed(sock), port_name  # asyncssh's own backstop alone would wait 120 s
        finally:
            sock.close()


def test_maxstartups_counts_both_ports_and_refuses_the_rest(bench, limits):
    node = bench.node
    limits("ip ssh maxstartups 3")
    settle(bench)
    source = client_address(node, 32)
    idle = []
    try:
        for port_name in ("cli_port", "netconf_port", "cli_port"):
            sock, first = raw_connect(node, getattr(node, port_name), source)
            idle.append(sock)
            assert first.startswith(b"SSH-2.0-"), port_name
        for port_name in PORTS:
            sock, first = raw_connect(node, getattr(node, port_name), source)
            sock.close()
            assert first == b"", port_name  # closed before any SSH message
            assert not asyncio.run(login(node, getattr(node, port_name)))
        idle.pop().close()
        end = time.monotonic() + 20
        while not asyncio.run(login(node, node.cli_port)):
            assert time.monotonic() < end, "a freed start-up slot was never given back"
            time.sleep(0.1)
    finally:
        for sock in idle:
            sock.close()


def test_a_flood_of_idle_connections_is_not_accepted(bench, limits):
    """Defaults (maxstartups 128): of 300 idle TCP connections at most 128 get an SSH banner, the
    others are closed at once; the router keeps answering LISP meanwhile."""
    from .test_cli_regex import map_request_answered  # pylint: disable=import-outside-toplevel  # one helper, two tests

    node = bench.node
    limits()
    settle(bench)
    socks = []
    banners = closed = 0
    try:
        for i in range(300):
            sock, first = raw_connect(node, node.cli_port if i % 2 else node.netconf_port, client_address(node, 33))
            socks.append(sock)
            if first.startswith(b"SSH-2.0-"):
                banners += 1
            elif first == b"":
                closed += 1
        assert banners == 128 and closed == 172, (banners, closed)
        assert map_request_answered(node.address, client_address(node, 34), 0xF100D)
    finally:
        for sock in socks:
            sock.close()


def test_login_block_for_quiet_period_and_log(bench, limits, caplog, monkeypatch):
    node = bench.node
    monkeypatch.setattr(sshserver, "LOG_BURST", 1000)  # earlier tests of this bench used up the burst
    limits("login block-for 2 attempts 3 within 60")
    source = client_address(node, 35)
    caplog.set_level(logging.WARNING, logger="lispxtr.mgmt.sshserver")
    for port_name in ("cli_port", "netconf_port", "cli_port"):
        asked, error = asyncio.run(guess(node, getattr(node, port_name), tries=1, source=source))
        assert asked == 1 and error is not None
    # quiet mode: even the right password is refused, on both ports
    assert not asyncio.run(login(node, node.cli_port, source))
    assert not asyncio.run(login(node, node.netconf_port, source))
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "%SEC_LOGIN-1-QUIET_MODE_ON" in text
    assert "%%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: %s] [Source: %s] [localport: %d]" % (USER, source, node.cli_port) \
        in text
    assert "[localport: %d] [Reason: Login Authentication Failed]" % node.netconf_port in text
    assert PASSWORD not in text and "wrong-1" not in text  # no password is ever logged
    end = time.monotonic() + 30
    while not asyncio.run(login(node, node.cli_port, source)):
        assert time.monotonic() < end, "the quiet period never ended"
        time.sleep(0.2)
    assert "QUIET_MODE_OFF" in "\n".join(record.getMessage() for record in caplog.records)


def test_failed_login_log_is_rate_limited_and_escaped(caplog):
    class FakeNode:
        hostname = "R1"
        running = cfg.parse_config("login block-for 5 attempts 1000 within 10\n")

    now = [1000.0]
    guard = sshserver.LoginGuard(FakeNode(), clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="lispxtr.mgmt.sshserver")
    for i in range(200):
        guard.failed_login("evil\nuser\x1b[2J%d" % i, "127.9.9.9", 2022)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == sshserver.LOG_BURST
    assert all("\n" not in line and "\x1b" not in line and "[Source: 127.9.9.9]" in line for line in lines)
    now[0] += sshserver.LOG_WINDOW + 1
    guard.failed_login("admin", "127.9.9.9", 2022)
    lines = [r.getMessage() for r in caplog.records]
    assert "190 more login messages in the last 60 seconds not logged" in lines[-2]
    assert guard.failed == 201


# --- NETCONF: login block-for is /native/login/block-config ----------------------------------------

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NATIVE = "http://cisco.com/ns/yang/Cisco-IOS-XE-native"
EOM = b"]]>]]>"


def netconf_rpcs(node, bodies):
    """Each of `bodies` as one RPC over a real NETCONF-over-SSH session (base:1.0 framing, the router's
    host key pinned); the replies, decoded."""
    public = asyncssh.read_private_key(str(node.host_key_path)).convert_to_public()
    key = paramiko.PKey.from_type_string(public.get_algorithm(), public.public_data)
    client = paramiko.SSHClient()
    client.get_host_keys().add("[%s]:%d" % (node.address, node.netconf_port), key.get_name(), key)
    client.connect(node.address, node.netconf_port, USER, PASSWORD, look_for_keys=False, allow_agent=False, timeout=20)
    try:
        chan = client.get_transport().open_session(timeout=20)
        chan.settimeout(20)
        chan.invoke_subsystem("netconf")
        buf = b""

        def read():
            nonlocal buf
            while EOM not in buf:
                chunk = chan.recv(65536)
                assert chunk, buf[-300:]
                buf += chunk
            message, buf = buf.split(EOM, 1)
            return message.decode()

        read()  # the server's hello
        chan.sendall(('<hello xmlns="%s"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability>'
                      '</capabilities></hello>' % NC).encode() + EOM)
        replies = []
        for i, body in enumerate(bodies):
            chan.sendall(('<rpc xmlns="%s" message-id="%d">%s</rpc>' % (NC, i + 1, body)).encode() + EOM)
            replies.append(read())
        return replies
    finally:
        client.close()


def test_netconf_sets_login_block_for_and_keeps_ip_ssh(bench, limits):
    node = bench.node
    limits("ip ssh time-out 77")
    edit = ('<edit-config><target><running/></target><config><native xmlns="%s"><login><block-config>'
            '<block-for>40</block-for><attempts>4</attempts><within>20</within></block-config></login></native>'
            '</config></edit-config>' % NATIVE)
    bad = edit.replace("<attempts>4</attempts>", "<attempts>0</attempts>")
    get = ('<get-config><source><running/></source><filter type="subtree"><native xmlns="%s"><login/></native></filter>'
           '</get-config>' % NATIVE)
    replies = netconf_rpcs(node, [edit, bad, get])
    assert "<ok/>" in replies[0], replies[0]
    assert "invalid-value" in replies[1] and "attempts" in replies[1]
    assert "<block-for>40</block-for><attempts>4</attempts><within>20</within>" in replies[2]
    text = cfg.render_running_config(node.running)
    assert "login block-for 40 attempts 4 within 20\n" in text and "ip ssh time-out 77\n" in text


def test_login_block_config_xml_is_valid_for_the_native_model():
    from .test_mgmt_harness import yang_dir, yangcheck  # pylint: disable=import-outside-toplevel  # needs shared/yang

    tree = cfg.parse_config("hostname R1\nlogin block-for 40 attempts 4 within 20\nip ssh maxstartups 9\n")
    element = cfg.tree_to_xml(tree)
    assert yangcheck().validate(element, yang_dir=yang_dir()) == []
    back = cfg.xml_to_tree(element)
    assert back.limits.block_for == (40, 4, 20) and back.limits.maxstartups == 128  # ip ssh is CLI-only


def test_passwords_are_checked_off_the_event_loop(bench, limits):
    """A type 9 secret costs scrypt (about 10 ms of CPU each): checked in a worker thread, a stream
    of logins does not hold up the loop that serves LISP."""
    node = bench.node
    limits()
    loop_thread = bench.thread
    seen = []
    real = node.check_login

    def recording(user, password):
        seen.append(threading.current_thread())
        return real(user, password)

    node.check_login = recording
    try:
        assert asyncio.run(login(node, node.cli_port))
        asked, _error = asyncio.run(guess(node, node.netconf_port, tries=1))
        assert asked == 1
    finally:
        del node.check_login
    assert len(seen) == 2 and all(thread is not loop_thread for thread in seen)

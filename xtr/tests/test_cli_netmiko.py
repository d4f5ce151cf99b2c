"""The SSH CLI driven by Netmiko's `cisco_xe` driver, as the collection drives a real IOS-XE router."""

import re

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException

from .test_mgmt_harness import OPER_PASSWORD, OPER_USER, PASSWORD, SECRET, USER, make_bench
from .test_robust_fuzz import known_hosts_file, trust_host_key

ADDRESS = None  # set by the bench fixture (a free 127.50.N.1)
KNOWN_HOSTS_FILE = None  # the bench's key, for Netmiko (ssh_strict: an unknown key is refused)


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    global ADDRESS, KNOWN_HOSTS_FILE  # pylint: disable=global-statement  # the clients below connect to it
    bench = make_bench(tmp_path_factory, 50)
    ADDRESS = bench.node.address
    trust_host_key(ADDRESS, bench.node.host_key_path)
    KNOWN_HOSTS_FILE = known_hosts_file(tmp_path_factory.mktemp("ssh") / "known_hosts")
    yield bench
    bench.close()


@pytest.fixture(name="conn")
def _conn(bench):
    bench.call(bench.node.reset)
    conn = connect()
    yield conn
    conn.disconnect()


def connect(username=USER, password=PASSWORD, secret=SECRET):
    return ConnectHandler(
        device_type="cisco_xe",
        host=ADDRESS,
        port=2022,
        username=username,
        password=password,
        secret=secret,
        timeout=20,
        fast_cli=False,
        ssh_strict=True,
        system_host_keys=False,
        alt_host_keys=True,
        alt_key_file=KNOWN_HOSTS_FILE,
    )


def test_prompt_and_privilege(conn):
    assert conn.base_prompt == "SITE1"
    assert conn.find_prompt() == "SITE1#"
    assert conn.send_command("show privilege").strip() == "Current privilege level is 15"
    assert conn.check_enable_mode()
    assert not conn.check_config_mode()


def test_show_version_parses_like_ios_xe(conn):
    out = conn.send_command("show version")
    assert out.startswith("Cisco IOS XE Software, Version 17.09.01\n")
    # the regexes cisco.ios's cliconf get_device_info() applies
    assert re.search(r"Version (\S+)", out).group(1).strip(",") == "17.09.01"
    assert re.search(r"^[Cc]isco (.+) \(revision", out, re.M).group(1).split(" ")[0] == "C8000V"
    assert re.search(r"^(.+) uptime", out, re.M).group(1) == "SITE1"
    assert re.search(r'image file is "(.+)"', out).group(1) == "bootflash:packages.conf"
    assert "Cisco IOS Software [Cupertino]" in out and "Version 17.9.1," in out


def test_show_running_config_and_filters(conn):
    out = conn.send_command("show running-config")
    assert out.startswith("Building configuration...")
    assert "hostname SITE1" in out
    assert "\nrouter lisp\n" in out
    assert "s3cret-Admin" not in out and "en4ble-Secret" not in out
    section = conn.send_command("show running-config | section router lisp")
    assert section.splitlines()[0] == "router lisp"
    assert "hostname" not in section
    assert " locator-set RLOCS" in section
    assert [ln for ln in conn.send_command("sh run | inc locator-set R").splitlines() if ln] == [
        " locator-set RLOCS",
        "   database-mapping 192.168.1.0/24 locator-set RLOCS",
    ]
    begin = conn.send_command("show running-config | begin router lisp")
    assert begin.startswith("router lisp")


def test_lisp_show_commands_pass_through(bench, conn):
    # Whatever the LISP core prints for a show command reaches the client unchanged.
    for command in (
        "show ip lisp map-cache",
        "show lisp instance-id 0 ipv4 map-cache",
        "show lisp site summary",
        "show lisp service ipv4",
        "show lisp session",
    ):
        expected = bench.call(bench.node.router.show, command, bench.node.now())
        assert expected is not None and not expected.startswith("%"), command
        assert _untimed(conn.send_command(command)) == _untimed(expected.rstrip("\n")), command
    out = conn.send_command("show ip lisp map-cache")
    assert out.startswith("LISP IPv4 Mapping Cache for EID-table default (IID 0)")
    assert _untimed(conn.send_command("sh ip lisp map")) == _untimed(out)


def _untimed(text):
    """Show output without its clock-dependent durations (uptime 00:00:05 vs 00:00:06)."""
    return re.sub(r"\b\d\d:\d\d:\d\d\b", "hh:mm:ss", text)


def test_long_output_is_complete(bench, conn):
    text = "".join("line %05d of a long LISP table\n" % i for i in range(4000))
    bench.node.router.extra_shows["show lisp session"] = text
    out = conn.send_command("show lisp session", read_timeout=30)
    lines = out.splitlines()
    assert len(lines) == 4000
    assert lines[0] == "line 00000 of a long LISP table" and lines[-1] == "line 03999 of a long LISP table"


def test_invalid_input_caret(conn):
    out = conn.send_command("show lisp bogus-thing", strip_prompt=False)
    lines = out.splitlines()
    # prompt "SITE1#" (6 columns) + position of the bad token (10)
    assert lines[0] == " " * 16 + "^"
    assert lines[1] == "% Invalid input detected at '^' marker."
    assert conn.send_command("show").strip() == "% Incomplete command."
    assert conn.send_command("dis").strip() == '% Ambiguous command:  "dis"'
    out = conn.send_command("show running-config extra")
    assert out.splitlines()[0] == " " * (6 + 20) + "^"


def test_send_config_set_applies_each_line(bench, conn):
    out = conn.send_config_set(
        ["router lisp", "locator-set NEWSET", "127.0.1.9 priority 1 weight 100", "exit-locator-set"]
    )
    assert "SITE1(config)#router lisp" in out
    assert "SITE1(config-router-lisp)#locator-set NEWSET" in out
    assert "SITE1(config-router-lisp-locator-set)#127.0.1.9 priority 1 weight 100" in out
    assert conn.find_prompt() == "SITE1#"
    section = conn.send_command("show running-config | section locator-set NEWSET")
    assert section.splitlines() == [" locator-set NEWSET", "  127.0.1.9 priority 1 weight 100", "  exit-locator-set"]
    assert "NEWSET" in bench.node.running.lisp.locator_sets


def test_invalid_config_line_changes_nothing(bench, conn):
    before = conn.send_command("show running-config")
    out = conn.send_config_set(["router lisp", "locator-set RLOCS", "127.0.1.1 priority 300 weight 50"])
    lines = out.splitlines()
    index = lines.index("SITE1(config-router-lisp-locator-set)#127.0.1.1 priority 300 weight 50")
    caret = lines[index + 1]
    assert caret.endswith("^") and set(caret[:-1]) == {" "}
    # the caret sits under "300": prompt length + column of the token
    assert len(caret) - 1 == len("SITE1(config-router-lisp-locator-set)#127.0.1.1 priority ")
    assert lines[index + 2] == "% Invalid input detected at '^' marker."
    assert conn.send_command("show running-config") == before


def test_save_config_and_startup(bench, conn):
    conn.send_config_set(["router lisp", "site SAVED", "description saved by netmiko"])
    assert "site SAVED" not in conn.send_command("show startup-config")
    out = conn.save_config()
    assert "Building configuration...\n[OK]" in out
    startup = conn.send_command("show startup-config")
    assert startup.splitlines()[0].startswith("Using ")
    assert " site SAVED" in startup


def test_copy_running_config_asks_destination(bench, conn):
    conn.send_config_set(["router lisp", "site COPIED"])
    out = conn.send_command(
        "copy running-config startup-config", expect_string=r"Destination filename \[startup-config\]\?"
    )
    assert out.strip().endswith("Destination filename [startup-config]?")
    out = conn.send_command("\n", expect_string=r"SITE1#")
    assert "Building configuration..." in out and "[OK]" in out
    assert " site COPIED" in conn.send_command("show startup-config")


def test_enable_from_user_exec(bench):
    bench.call(bench.node.reset)
    conn = connect(OPER_USER, OPER_PASSWORD, SECRET)
    try:
        assert conn.find_prompt() == "SITE1>"
        assert conn.send_command("show privilege").strip() == "Current privilege level is 1"
        out = conn.send_command("configure terminal")
        assert "% Invalid input detected at '^' marker." in out
        conn.enable()
        assert conn.find_prompt() == "SITE1#"
        assert conn.send_command("show privilege").strip() == "Current privilege level is 15"
        conn.exit_enable_mode()
        assert conn.find_prompt() == "SITE1>"
    finally:
        conn.disconnect()


def test_wrong_password_is_refused():
    with pytest.raises(NetmikoAuthenticationException):
        connect(password="not-the-password")


def test_ping_streams_ios_output(bench, conn):
    out = conn.send_command("ping 192.168.2.1 source 192.168.1.1")
    assert out.splitlines() == [
        "Type escape sequence to abort.",
        "Sending 5, 100-byte ICMP Echos to 192.168.2.1, timeout is 2 seconds:",
        "Packet sent with a source address of 192.168.1.1 ",
        ".!!!!",
        "Success rate is 80 percent (4/5), round-trip min/avg/max = 2/4/5 ms",
    ]
    out = conn.send_command("ping 192.168.2.1 source 192.168.1.1 repeat 2 timeout 1 size 200")
    assert "Sending 2, 200-byte ICMP Echos to 192.168.2.1, timeout is 1 seconds:" in out
    assert "Success rate is 50 percent (1/2), round-trip min/avg/max = 2/2/2 ms" in out


def test_ping_ipv6_reads_the_family_from_the_keyword_or_the_address(bench, conn):
    for command in ("ping ipv6 2001:db8:2::1 source 2001:db8:1::1", "ping 2001:DB8:2::1 source 2001:DB8:1:0::1"):
        out = conn.send_command(command)
        assert "Sending 5, 100-byte ICMP Echos to 2001:DB8:2::1, timeout is 2 seconds:" in out, out
        assert "Packet sent with a source address of 2001:DB8:1::1 " in out, out
    # an address of the other family, or a source not of the destination's, is refused where it stands
    for command in ("ping ipv6 192.168.2.1", "ping ip 2001:db8:2::1", "ping 2001:db8:2::1 source 192.168.1.1",
                    "ping 2001:db8::2::1"):
        assert "% Invalid input" in conn.send_command(command), command


def test_clear_map_cache(bench, conn):
    bench.node.router.cleared.clear()
    assert conn.send_command("clear ip lisp map-cache") == ""
    assert conn.send_command("clear lisp instance-id 7 ipv4 map-cache") == ""
    assert bench.node.router.cleared == [(0, "ipv4"), (7, "ipv4")]
    assert "% Invalid input" in conn.send_command("clear lisp instance-id x ipv4 map-cache")


def test_terminal_settings(conn):
    assert conn.send_command("terminal length 0") == ""
    assert conn.send_command("terminal width 512") == ""
    assert "% Invalid input" in conn.send_command("terminal width 9999")


def test_do_runs_exec_commands_in_config_mode(conn):
    out = conn.send_config_set(["router lisp", "do show privilege"])
    assert "Current privilege level is 15" in out
    assert "SITE1(config-router-lisp)#do show privilege" in out


def test_abbreviations(conn):
    out = conn.config_mode(config_command="conf t")
    assert conn.check_config_mode()
    conn.exit_config_mode()
    assert "Building configuration...\n[OK]" in conn.send_command("wr")
    assert conn.send_command("sh priv").strip() == "Current privilege level is 15"
    assert "Enter configuration commands" in out


def test_a_failing_show_does_not_end_the_session(bench, conn):
    def broken(command, now):
        raise OSError("simulated failure inside the LISP core")

    bench.node.router.extra_shows.clear()
    original = bench.node.router.show
    bench.node.router.show = broken
    try:
        out = conn.send_command("show ip lisp map-cache garbage")
        assert "% Invalid input detected at '^' marker." in out
    finally:
        bench.node.router.show = original
    assert conn.send_command("show privilege").strip() == "Current privilege level is 15"

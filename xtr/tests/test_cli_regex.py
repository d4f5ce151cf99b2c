"""Pipe filters (`| include|exclude|begin|section|count`) run on a linear-time engine (RE2).

The audit of issue 14 froze a router with `show running-config | include ^(?:.|.){0,23}QQ`: Python's
backtracking `re` took 3.7 s on the loop that also answers LISP, doubling with each step of the
bound. Here the same pattern, with bounds far beyond, goes over a real SSH session while a LISP
Map-Request is sent to the router, which must answer it; patterns RE2 refuses are IOS errors.
"""

import asyncio
import socket
import time

import asyncssh
import pytest

from lispxtr.core import pipe
from lispxtr.wire import Ipv4, MapRequest, decode_control

from .test_mgmt_harness import PASSWORD, USER, make_bench

PROMPT = "SITE1#"
ITR_PORT = 4342


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    bench = make_bench(tmp_path_factory, 140)
    yield bench
    bench.close()


def known_hosts(node):
    """The bench router's own host key: nothing unknown is ever accepted."""
    key = asyncssh.read_private_key(str(node.host_key_path))
    return ([asyncssh.import_public_key(key.export_public_key())], [], [])


async def open_shell(node):
    conn = await asyncssh.connect(node.address, node.cli_port, username=USER, password=PASSWORD,
                                  known_hosts=known_hosts(node))
    proc = await conn.create_process(term_type="vt100", term_size=(200, 24))
    await until_prompt(proc)
    proc.stdin.write("terminal length 0\r")
    await until_prompt(proc)
    return conn, proc


async def until_prompt(proc, timeout=60.0):
    """Everything printed up to the next exec prompt."""
    out = ""
    while not out.rstrip().endswith(PROMPT):
        chunk = await asyncio.wait_for(proc.stdout.read(65536), timeout)
        assert chunk, "session closed; got %r" % out[-500:]
        out += chunk
    return out.replace("\r", "")


def typed(text):
    """The keys that type `text` at an IOS prompt: Ctrl-V before `?`, which would ask for help."""
    return text.replace("?", "\x16?")


async def command(proc, text):
    proc.stdin.write(typed(text) + "\r")
    out = await until_prompt(proc)
    return out.split("\n", 1)[1].rsplit("\n", 1)[0]  # without the echoed command and the prompt


def map_request_answered(router_address, itr_address, nonce, timeout=20.0):
    """Send a Map-Request for the bench's own EID-prefix to its ETR; True when the Map-Reply comes
    (the timeout only ends a test that would otherwise wait forever)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((itr_address, 0))
        request = MapRequest(nonce, None, (Ipv4(itr_address),), ((Ipv4("192.168.1.1"), 32),))
        sock.sendto(request.encode(), (router_address, 4342))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data, _src = sock.recvfrom(65535)
            except OSError:
                continue
            reply = decode_control(data)
            if getattr(reply, "nonce", None) == nonce:
                return True
    return False


def test_exponential_pattern_over_ssh_leaves_lisp_answering(bench):
    """The audit's pattern (bound 23) and bounds where Python's `re` would run for hours: each
    command returns its (empty) result, and a Map-Request sent while it is outstanding is answered."""
    node = bench.node
    itr = node.address.rsplit(".", 1)[0] + ".77"

    async def scenario():
        conn, proc = await open_shell(node)
        try:
            loop = asyncio.get_running_loop()
            results = {}
            for bound in (23, 40, 64):
                started = time.monotonic()
                proc.stdin.write(typed("show running-config | include ^(?:.|.){0,%d}QQ\r" % bound))
                answered = await loop.run_in_executor(None, map_request_answered, node.address, itr, 0x5EC0 + bound)
                out = await until_prompt(proc)
                results[bound] = time.monotonic() - started
                assert answered, "no Map-Reply while `| include` with bound %d ran" % bound
                lines = out.split("\n")[1:-1]
                assert lines == [], lines  # nothing matches: no QQ in the configuration
            # the audit's way: an SSH exec request (no line editing, `?` is plain text)
            started = time.monotonic()
            run = loop.create_task(conn.run("show running-config | include ^(?:.|.){0,100}QQ"))
            answered = await loop.run_in_executor(None, map_request_answered, node.address, itr, 0x5EC0 + 100)
            result = await asyncio.wait_for(run, 60)
            results["exec 100"] = time.monotonic() - started
            assert answered and result.stdout == "", result.stdout
            # the filter still filters: a bounded prefix before a word that is there
            shown = await command(proc, "show running-config | include ^(?:.|.){0,40}locator-set")
            expected = [" locator-set RLOCS", "  exit-locator-set", "   database-mapping 192.168.1.0/24 locator-set RLOCS"]
            assert shown.split("\n") == expected
            return results
        finally:
            conn.close()

    results = asyncio.run(scenario())
    print("seconds per bound (incl. the Map-Request round trip):", {k: round(v, 3) for k, v in results.items()})


def test_refused_patterns_are_ios_errors_and_nothing_runs(bench):
    async def scenario():
        conn, proc = await open_shell(bench.node)
        try:
            # a back-reference needs backtracking: RE2 refuses it; the caret goes under the pattern
            out = await command(proc, "show running-config | include (a)\\1")
            assert out.split("\n") == [" " * (len(PROMPT) + len("show running-config | include ")) + "^",
                                       "% Invalid input detected at '^' marker.", ""]
            # a program beyond pipe.MAX_PROGRAM instructions
            out = await command(proc, "show running-config | include (?:.|.){0,1000}QQ")
            assert out.startswith(pipe.INVALID_REGEX + ": too complex"), out
            assert "hostname" not in out
            # look-around
            out = await command(proc, "show running-config | exclude (?=x)")
            assert "% Invalid input detected" in out and "hostname" not in out
            # the session is still usable
            assert (await command(proc, "show running-config | include ^hostname")).split("\n") == ["hostname SITE1"]
        finally:
            conn.close()

    asyncio.run(scenario())


def test_engine_is_re2_everywhere():
    """Both pipe implementations (the SSH CLI's and the core's `show`) compile with RE2."""
    regex = pipe.compile_pattern("^(?:.|.){0,23}QQ")
    assert type(regex).__module__.split(".")[0] == "re2"
    with pytest.raises(pipe.PipeError) as info:
        pipe.compile_pattern("(a)\\1")
    assert info.value.syntax and info.value.text.startswith(pipe.INVALID_REGEX)


def test_one_section_behaviour_for_cli_and_core(bench):
    """`| section` keeps a matching line and the lines indented deeper under it, in both the CLI's
    running-config and the core's `show lisp` output (issue 17: the two differed)."""
    text = "top one\n child a\n  grandchild\n child b\ntop two\n child c\n"
    assert pipe.filter_text(text, "section", pipe.compile_pattern("child a")) == " child a\n  grandchild\n"
    assert pipe.filter_text(text, "section", pipe.compile_pattern("^top two")) == "top two\n child c\n"
    assert pipe.filter_text(text, "count", None) == "Number of lines which match regexp = 6\n"
    assert pipe.filter_text(text, "begin", pipe.compile_pattern("two")) == "top two\n child c\n"
    core = bench.call(bench.node.router.show, "show lisp site | section nothing-like-this", time.time())
    assert core == ""
    bad = bench.call(bench.node.router.show, "show ip lisp map-cache | include (a)\\1", time.time())
    assert bad.startswith(pipe.INVALID_REGEX)


def test_work_is_bounded_and_the_loop_gets_turns():
    """A long output is filtered in slices, the loop running other tasks between them; beyond
    MAX_WORK nothing runs at all."""
    regex = pipe.compile_pattern("^(?:.|.){0,23}QQ")
    lines = pipe.SLICE_WORK * 4 // (regex.programsize * 40)
    text = ("x" * 39 + "\n") * lines

    async def scenario():
        turns = 0
        done = False

        async def other():
            nonlocal turns
            while not done:
                turns += 1
                await asyncio.sleep(0)

        task = asyncio.get_running_loop().create_task(other())
        await asyncio.sleep(0)
        before = turns
        result = await pipe.filter_async(text, "include", regex)
        seen = turns - before
        done = True
        await task
        return result, seen

    result, seen = asyncio.run(scenario())
    assert result == ""
    assert seen >= 3, seen
    huge = "y" * (pipe.MAX_WORK // regex.programsize + 10)
    with pytest.raises(pipe.PipeError) as info:
        pipe.filter_text(huge, "include", regex)
    assert "too complex for an output" in info.value.text

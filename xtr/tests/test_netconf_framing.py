"""NETCONF over SSH byte by byte (RFC 6242): hello exchange, both framings, split and multi-chunk
messages, the size cap, hostile XML and the `<rpc-error>`s of RFC 6241, through a raw SSH channel."""

import re
import socket
import time

import paramiko
import pytest
from lxml import etree

from lispxtr.mgmt import framing

from .test_mgmt_harness import PASSWORD, USER, make_bench
from .test_robust_fuzz import ssh_client, trust_host_key

ADDRESS = None  # set by the bench fixture (a free 127.52.N.1)
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
NS = {"nc": NC}
HELLO_10 = (
    '<?xml version="1.0" encoding="UTF-8"?><hello xmlns="%s"><capabilities>'
    "<capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>" % NC
).encode()
HELLO_11 = HELLO_10.replace(
    b"</capabilities>", b"<capability>urn:ietf:params:netconf:base:1.1</capability></capabilities>"
)
GET_CONFIG = '<rpc xmlns="%s" message-id="%s"><get-config><source><running/></source></get-config></rpc>'


@pytest.fixture(scope="module", name="bench")
def _bench(tmp_path_factory):
    global ADDRESS  # pylint: disable=global-statement  # the clients below connect to it
    bench = make_bench(tmp_path_factory, 52)
    ADDRESS = bench.node.address
    trust_host_key(ADDRESS, bench.node.host_key_path)
    yield bench
    bench.close()


class Raw:
    """A `netconf` subsystem channel with hand-made framing."""

    def __init__(self, password=PASSWORD, port=2830, subsystem="netconf"):
        self.client = ssh_client()
        self.client.connect(ADDRESS, port, USER, password, look_for_keys=False, allow_agent=False, timeout=10)
        self.chan = self.client.get_transport().open_session(timeout=10)
        self.chan.settimeout(0.2)
        if subsystem:
            self.chan.invoke_subsystem(subsystem)
        self.buf = b""

    def recv_until(self, marker, timeout=5.0):
        deadline = time.monotonic() + timeout
        while marker not in self.buf:
            if time.monotonic() > deadline:
                raise AssertionError("timeout waiting for %r; got %r" % (marker, self.buf[-500:]))
            try:
                chunk = self.chan.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise EOFError(self.buf)
            self.buf += chunk
        index = self.buf.index(marker)
        out, self.buf = self.buf[:index], self.buf[index + len(marker) :]
        return out

    def hello(self, hello=HELLO_10):
        server = etree.fromstring(self.recv_until(framing.EOM))
        self.chan.sendall(hello + framing.EOM)
        return server

    def recv_chunked(self, timeout=5.0):
        """One chunked message (RFC 6242 §4.2)."""
        parts = []
        deadline = time.monotonic() + timeout
        while True:
            while not re.match(rb"\n#(\d+|#)\n", self.buf):
                if time.monotonic() > deadline:
                    raise AssertionError("no chunk header in %r" % self.buf[:200])
                try:
                    chunk = self.chan.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    raise EOFError(self.buf)
                self.buf += chunk
            header = re.match(rb"\n#(\d+|#)\n", self.buf)
            self.buf = self.buf[header.end() :]
            if header.group(1) == b"#":
                return b"".join(parts)
            size = int(header.group(1))
            while len(self.buf) < size:
                self.buf += self.chan.recv(65536)
            parts.append(self.buf[:size])
            self.buf = self.buf[size:]

    def closed(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.chan.recv(65536) == b"":
                    return True
            except socket.timeout:
                pass
            if self.chan.closed or self.chan.eof_received:
                return True
        return False

    def close(self):
        self.client.close()


@pytest.fixture(name="raw10")
def _raw10(bench):
    raw = Raw()
    raw.hello(HELLO_10)
    yield raw
    raw.close()


@pytest.fixture(name="raw11")
def _raw11(bench):
    raw = Raw()
    raw.hello(HELLO_11)
    yield raw
    raw.close()


def rpc10(raw, text):
    raw.chan.sendall(text.encode() + framing.EOM)
    return etree.fromstring(raw.recv_until(framing.EOM))


def rpc11(raw, text):
    raw.chan.sendall(framing.encode(text.encode(), chunked=True))
    return etree.fromstring(raw.recv_chunked())


def error_of(reply):
    err = reply.find("nc:rpc-error", NS)
    assert err is not None, etree.tostring(reply)
    assert err.findtext("nc:error-severity", namespaces=NS) == "error"
    return err


def test_server_hello(bench):
    raw = Raw()
    try:
        hello = raw.hello(HELLO_10)
        assert hello.tag == "{%s}hello" % NC
        assert int(hello.findtext("nc:session-id", namespaces=NS)) > 0
        caps = [c.text for c in hello.iterfind("nc:capabilities/nc:capability", NS)]
        assert "urn:ietf:params:netconf:base:1.1" in caps
        assert any(c.startswith("http://cisco.com/ns/yang/Cisco-IOS-XE-lisp?module=Cisco-IOS-XE-lisp&") for c in caps)
    finally:
        raw.close()


def test_base10_end_of_message_framing(raw10):
    reply = rpc10(raw10, GET_CONFIG % (NC, "101"))
    assert reply.get("message-id") == "101"
    assert reply.find("nc:data", NS) is not None
    # two messages in one write
    raw10.chan.sendall(
        (GET_CONFIG % (NC, "102")).encode() + framing.EOM + (GET_CONFIG % (NC, "103")).encode() + framing.EOM
    )
    ids = [etree.fromstring(raw10.recv_until(framing.EOM)).get("message-id") for _unused in range(2)]
    assert ids == ["102", "103"]


def test_base11_chunks_split_across_writes(raw11):
    message = (GET_CONFIG % (NC, "201")).encode()
    first, second = message[:40], message[40:]
    pieces = [
        b"\n",
        b"#",
        b"%d" % len(first),
        b"\n",
        first[:7],
        first[7:],
        b"\n#%d\n" % len(second),
        second,
        b"\n#",
        b"#\n",
    ]
    for piece in pieces:
        raw11.chan.sendall(piece)
        time.sleep(0.01)
    reply = etree.fromstring(raw11.recv_chunked())
    assert reply.get("message-id") == "201"
    assert reply.find("nc:data", NS) is not None
    # header and data of the next message arrive in one write, split mid-header
    data = framing.encode((GET_CONFIG % (NC, "202")).encode(), chunked=True)
    raw11.chan.sendall(data[:3])
    time.sleep(0.05)
    raw11.chan.sendall(data[3:])
    assert etree.fromstring(raw11.recv_chunked()).get("message-id") == "202"


def test_reply_copies_rpc_attributes(raw11):
    reply = rpc11(
        raw11,
        '<rpc xmlns="%s" xmlns:ex="urn:example:x" message-id="301" ex:user-id="fred" ex:trace="a&amp;b">'
        "<get-config><source><running/></source></get-config></rpc>" % NC,
    )
    assert reply.get("message-id") == "301"
    assert reply.get("{urn:example:x}user-id") == "fred"
    assert reply.get("{urn:example:x}trace") == "a&b"


def test_malformed_xml_keeps_session(raw11):
    reply = rpc11(raw11, '<rpc xmlns="%s" message-id="401"><get-config><source>' % NC)
    err = error_of(reply)
    assert err.findtext("nc:error-tag", namespaces=NS) == "malformed-message"
    assert err.findtext("nc:error-type", namespaces=NS) == "rpc"
    assert rpc11(raw11, GET_CONFIG % (NC, "402")).get("message-id") == "402"


def test_billion_laughs_is_rejected(bench, raw11):
    entities = "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10 if i else "lol") for i in range(10))
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE rpc [%s]><rpc xmlns="%s" message-id="501"><get-config><source>'
        "<running/></source><filter>&lol9;</filter></get-config></rpc>" % (entities, NC)
    )
    started = time.monotonic()
    reply = rpc11(raw11, bomb)
    assert time.monotonic() - started < 5
    assert error_of(reply).findtext("nc:error-tag", namespaces=NS) == "malformed-message"
    assert rpc11(raw11, GET_CONFIG % (NC, "502")).find("nc:data", NS) is not None


def test_external_entity_is_not_fetched(raw11):
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE rpc [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<rpc xmlns="%s" message-id="503"><kill-session><session-id>&x;</session-id></kill-session></rpc>' % NC
    )
    reply = rpc11(raw11, xxe)
    assert b"root:" not in etree.tostring(reply)
    assert error_of(reply).findtext("nc:error-tag", namespaces=NS) == "malformed-message"


def test_missing_message_id(raw11):
    reply = rpc11(raw11, '<rpc xmlns="%s"><get-config><source><running/></source></get-config></rpc>' % NC)
    err = error_of(reply)
    assert err.findtext("nc:error-tag", namespaces=NS) == "missing-attribute"
    assert err.findtext("nc:error-info/nc:bad-attribute", namespaces=NS) == "message-id"


def test_unknown_and_missing_elements(raw11):
    reply = rpc11(
        raw11,
        '<rpc xmlns="%s" message-id="601"><get-config><source><running/></source>' "<sauce/></get-config></rpc>" % NC,
    )
    err = error_of(reply)
    assert err.findtext("nc:error-tag", namespaces=NS) == "unknown-element"
    assert err.findtext("nc:error-info/nc:bad-element", namespaces=NS) == "sauce"
    reply = rpc11(raw11, '<rpc xmlns="%s" message-id="602"><get-config/></rpc>' % NC)
    err = error_of(reply)
    assert err.findtext("nc:error-tag", namespaces=NS) == "missing-element"
    assert err.findtext("nc:error-info/nc:bad-element", namespaces=NS) == "source"
    reply = rpc11(raw11, '<rpc xmlns="%s" message-id="603"><frob xmlns="urn:example:x"/></rpc>' % NC)
    assert error_of(reply).findtext("nc:error-tag", namespaces=NS) == "operation-not-supported"
    reply = rpc11(
        raw11,
        '<rpc xmlns="%s" message-id="604"><edit-config><target><running/></target>'
        "<default-operation>sideways</default-operation><config/></edit-config></rpc>" % NC,
    )
    assert error_of(reply).findtext("nc:error-tag", namespaces=NS) == "invalid-value"


def test_oversized_chunk_closes_session(bench, raw11):
    raw11.chan.sendall(b"\n#%d\n" % (framing.MAX_MESSAGE + 1) + b"<rpc")
    assert raw11.closed()
    raw = Raw()  # the router is still serving
    try:
        raw.hello(HELLO_11)
        assert rpc11(raw, GET_CONFIG % (NC, "701")).find("nc:data", NS) is not None
    finally:
        raw.close()


def test_bad_chunk_header_closes_session(raw11):
    raw11.chan.sendall(b"\n#0012\n<rpc/>")
    assert raw11.closed()


def test_close_session(raw11):
    reply = rpc11(raw11, '<rpc xmlns="%s" message-id="801"><close-session/></rpc>' % NC)
    assert reply.find("nc:ok", NS) is not None
    assert raw11.closed()


def test_hello_with_session_id_is_refused(bench):
    raw = Raw()
    try:
        raw.hello(HELLO_10.replace(b"</hello>", b"<session-id>4</session-id></hello>"))
        assert raw.closed()
    finally:
        raw.close()


def test_subsystem_and_shell_are_not_mixed(bench):
    raw = Raw(subsystem=None)
    try:
        with pytest.raises(paramiko.SSHException):
            raw.chan.invoke_shell()
    finally:
        raw.close()
    raw = Raw(port=2022, subsystem=None)
    try:
        with pytest.raises(paramiko.SSHException):
            raw.chan.invoke_subsystem("netconf")
    finally:
        raw.close()


def test_wrong_password_is_refused(bench):
    with pytest.raises(paramiko.AuthenticationException):
        Raw(password="not-it")


def test_decoder_size_cap_and_split_headers():
    decoder = framing.FrameDecoder(max_message=64)
    assert decoder.feed(b"<hello/>]]>") == []
    assert decoder.feed(b"]]>\n#4\n<x/>") == [b"<hello/>"]  # one message until framing is decided
    decoder.set_chunked()
    assert decoder.pending() == []
    assert decoder.feed(b"\n#") == []
    assert decoder.feed(b"#\n") == [b"<x/>"]
    with pytest.raises(framing.FramingError):
        decoder.feed(b"\n#65\n")
    decoder = framing.FrameDecoder(max_message=64)
    with pytest.raises(framing.FramingError):
        decoder.feed(b"x" * 100)
    decoder = framing.FrameDecoder()
    assert decoder.feed(b"<a/>]]>") == [] and decoder.feed(b"]]") == []
    assert decoder.feed(b">") == [b"<a/>"]  # the end-of-message marker split over three reads


def test_oversized_base10_message_closes_session(bench, raw10):
    block = b"<!-- " + b"x" * (1 << 20) + b" -->"
    try:
        for _unused in range(framing.MAX_MESSAGE // len(block) + 2):
            raw10.chan.sendall(block)
    except (OSError, EOFError):
        pass  # the server may already have closed the channel
    assert raw10.closed(timeout=10)

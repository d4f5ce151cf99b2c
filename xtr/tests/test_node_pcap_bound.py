"""`lisp-xtr run --pcap` stays bounded under a flood (issue 14, hole 8: 61 MB in seconds before).

A real `lisp-xtr run` process with `--pcap FILE --pcap-max-bytes N` takes a flood of Map-Requests;
FILE and FILE.1 each stay within N/2 bytes, and both are complete pcap files that the project's
reader and tshark read to the end without a complaint.
"""

import os
import signal
import struct
import subprocess
import sys
import time

from lispxtr.wire import Ipv4, MapRequest
from lispxtr.wire.pcap import DEFAULT_MAX_BYTES, MIN_MAX_BYTES, PcapWriter, read_pcap

from .test_mgmt_harness import free_address

FLOOD = 6000


def records_to_the_end(path):
    """The number of records of a classic pcap, checking that the last one ends at end of file."""
    data = path.read_bytes()
    assert struct.unpack_from("<I", data)[0] == 0xA1B2C3D4
    offset, count = 24, 0
    while offset < len(data):
        incl = struct.unpack_from("<IIII", data, offset)[2]
        offset += 16 + incl
        count += 1
    assert offset == len(data), "%s: a record is cut at the end" % path
    assert count == sum(1 for _record in read_pcap(path))
    return count


def test_writer_rotates_within_the_bound(tmp_path):
    path = tmp_path / "w.pcap"
    packet = bytes(range(256)) * 4
    with PcapWriter(path, max_bytes=MIN_MAX_BYTES) as writer:
        for _unused in range(2000):
            writer.write_udp(("127.0.0.1", 4342), ("127.0.0.2", 4342), packet)
    assert writer.rotations >= 3
    for each in (path, tmp_path / "w.pcap.1"):
        assert each.stat().st_size <= MIN_MAX_BYTES // 2
        assert records_to_the_end(each) > 0


def test_flooded_node_capture_stays_under_the_cap(tmp_path, tshark_check):
    address = free_address(142)
    cap = MIN_MAX_BYTES
    pcap = tmp_path / "lisp.pcap"
    state = tmp_path / "state"
    proc = subprocess.Popen(  # pylint: disable=consider-using-with  # ended in the finally below
        [sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", str(state), "--name", "FLOOD", "--address", address,
         "--pcap", str(pcap), "--pcap-max-bytes", str(cap), "--log-level", "WARNING"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        import socket  # pylint: disable=import-outside-toplevel  # only the flood needs it

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((address.rsplit(".", 1)[0] + ".9", 0))
            itr = sock.getsockname()[0]
            end = time.monotonic() + 60
            while not pcap.exists():  # the node is up once its capture exists
                assert proc.poll() is None and time.monotonic() < end, proc.stdout.read() if proc.poll() is not None else ""
                time.sleep(0.05)
            for nonce in range(FLOOD):
                request = MapRequest(nonce + 1, None, (Ipv4(itr),), ((Ipv4("10.%d.%d.1" % (nonce // 250, nonce % 250)), 32),))
                sock.sendto(request.encode(), (address, 4342))
                if nonce % 500 == 0:
                    time.sleep(0.01)  # let the node read its socket: this is about the file, not UDP drops
    finally:
        proc.send_signal(signal.SIGINT if os.name != "posix" else signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, output
    older = tmp_path / "lisp.pcap.1"
    assert older.exists(), "no rotation: the flood was %d Map-Requests" % FLOOD
    total = 0
    for each in (pcap, older):
        size = each.stat().st_size
        assert size <= cap // 2, (each, size)
        total += records_to_the_end(each)
        assert tshark_check(each) == [], each
    assert pcap.stat().st_size + older.stat().st_size <= cap
    assert total > 0


def test_help_states_the_default_cap():
    out = subprocess.run([sys.executable, "-m", "lispxtr.cli", "run", "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert "--pcap-max-bytes" in out and str(DEFAULT_MAX_BYTES) in out
    bad = subprocess.run([sys.executable, "-m", "lispxtr.cli", "run", "--state-dir", "x", "--name", "y",
                          "--pcap", "f", "--pcap-max-bytes", "1000"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "--pcap-max-bytes '1000'" in bad.stderr

"""The Internet checksum (RFC 1071) of ``core.packets`` and ``wire.ip`` against the word-by-word fold."""

import struct

from hypothesis import given, settings, strategies as st

from lispxtr.core.packets import checksum as packets_checksum
from lispxtr.wire.ip import checksum as ip_checksum


def folded_checksum(data: bytes) -> int:
    """The textbook RFC 1071 computation: sum the 16-bit words, fold the carries, complement."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


EDGES = [b"", b"\0", b"\0\0", b"\xff", b"\xff\xff", b"\xff\xff\xff\xff", b"\x00\x01\xff\xfe", b"\xff\x00\x00\xff", b"\x80" * 41]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.binary(max_size=120), st.lists(st.sampled_from([0, 0xFF]), max_size=60).map(bytes)))
def test_checksums_match_the_word_by_word_fold(data):
    expected = folded_checksum(data)
    assert packets_checksum(data) == expected
    assert ip_checksum(data) == expected


def test_checksum_edge_cases():
    for data in EDGES:
        assert packets_checksum(data) == ip_checksum(data) == folded_checksum(data), data

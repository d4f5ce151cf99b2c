"""Mutation fuzzing of the decoders: the one promise is that bad bytes raise ``LispWireError`` and
nothing else, and that whatever decodes re-encodes to something that decodes to the same value.
Used by the test suite (a few thousand inputs) and ``bench/fuzz_wire.py`` (millions)."""

from __future__ import annotations

import collections
import random
import traceback

from .data import DataHeader
from .ecm import EncapsulatedControl
from .errors import LispWireError
from .message import decode_control
from .samples import control_messages, data_packets


def seeds() -> list[tuple[str, bytes]]:
    """``(kind, bytes)`` seeds: every sample message, plus each ECM's inner LISP message."""
    out = [("control", m.encode()) for m in control_messages()]
    out += [("data", p.encode()) for p in data_packets()]
    return out


def mutate(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    """One random mutation (or a few stacked) of ``data``."""
    buf = bytearray(data)
    for _step in range(rng.choice((1, 1, 1, 2, 3))):
        op = rng.randrange(9)
        if op == 0 and buf:  # flip a bit
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:  # set a byte to an interesting value
            buf[rng.randrange(len(buf))] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x21, 0x40, 0x03, rng.randrange(256)))
        elif op == 2 and buf:  # truncate
            del buf[rng.randrange(len(buf)):]
        elif op == 3:  # append junk
            buf += rng.randbytes(rng.randrange(1, 30))
        elif op == 4 and buf:  # delete a range
            i = rng.randrange(len(buf))
            del buf[i:i + rng.randrange(1, 8)]
        elif op == 5:  # insert bytes
            i = rng.randrange(len(buf) + 1)
            buf[i:i] = rng.randbytes(rng.randrange(1, 8))
        elif op == 6 and len(buf) > 1:  # overwrite a 16-bit field (counts, AFIs, lengths)
            i = rng.randrange(len(buf) - 1)
            buf[i:i + 2] = rng.choice((0, 1, 2, 6, 16387, 0xFFFF, rng.randrange(65536))).to_bytes(2, "big")
        elif op == 7 and corpus:  # splice with another seed
            other = rng.choice(corpus)
            i, j = rng.randrange(len(buf) + 1), rng.randrange(len(other) + 1)
            buf = buf[:i] + other[j:]
        else:  # change the type nibble
            if buf:
                buf[0] = (rng.randrange(16) << 4) | (buf[0] & 0x0F)
    return bytes(buf)


def check_one(kind: str, data: bytes) -> str:
    """Decode ``data``; return the outcome's census key. Raises AssertionError on a broken promise."""
    try:
        msg = decode_control(data) if kind == "control" else DataHeader.decode(data)
    except LispWireError:
        return "LispWireError"
    except Exception as exc:  # noqa: BLE001 - this is what the fuzzer hunts for
        raise AssertionError("%s decode of %s raised %s\n%s" % (kind, data.hex(), type(exc).__name__, traceback.format_exc())) from exc
    again = msg.encode()
    redecoded = decode_control(again) if kind == "control" else DataHeader.decode(again)
    if redecoded != msg or redecoded.encode() != again:
        raise AssertionError("%s %s does not re-encode stably: %r" % (kind, data.hex(), msg))
    if isinstance(msg, EncapsulatedControl) and not msg.security:
        inner = msg.unwrap()[4]
        try:
            decode_control(inner)
        except LispWireError:
            pass
    return "decoded " + type(msg).__name__


def run(count: int, seed: int = 0, progress=None) -> collections.Counter:
    """Fuzz ``count`` inputs (mutations of the seeds, and 1 in 20 purely random); return the census.

    ``progress(done, census)`` is called every 50,000 inputs when given.
    """
    rng = random.Random(seed)
    corpus = seeds()
    raw_corpus = [b for _k, b in corpus]
    census: collections.Counter = collections.Counter()
    for done in range(1, count + 1):
        kind, base = rng.choice(corpus)
        if rng.randrange(20) == 0:
            data = rng.randbytes(rng.randrange(0, 64))
            kind = rng.choice(("control", "data"))
        else:
            data = mutate(rng, base, raw_corpus)
        census[check_one(kind, data)] += 1
        if progress is not None and done % 50_000 == 0:
            progress(done, census)
    return census

"""Fuzz the LISP wire decoders: N mutated/random inputs (default 1,000,000).

Prints inputs per second and the census of outcomes (LispWireError vs decoded message types).
Exits 1 if any decoder raised something other than LispWireError or failed to re-encode stably.

    .venv/bin/python bench/fuzz_wire.py [-n N] [--seed S]
"""

import argparse
import sys
import time

from lispxtr.wire.fuzz import run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=1_000_000, help="number of inputs (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    def progress(done, census):
        rate = done / (time.perf_counter() - start)
        print("  %d inputs, %.0f/s, %d LispWireError" % (done, rate, census["LispWireError"]), file=sys.stderr, flush=True)

    try:
        census = run(args.count, args.seed, progress)
    except AssertionError as exc:
        print("FAILED: %s" % exc)
        return 1
    elapsed = time.perf_counter() - start
    print("%d inputs in %.1f s: %.0f inputs/s (seed %d)" % (args.count, elapsed, args.count / elapsed, args.seed))
    for outcome, n in census.most_common():
        print("  %-32s %9d  %5.1f%%" % (outcome, n, 100.0 * n / args.count))
    print("no exception other than LispWireError escaped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

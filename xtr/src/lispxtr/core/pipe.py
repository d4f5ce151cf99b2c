"""The IOS output filters ``| include|exclude|begin|section|count REGEX``, with a linear-time engine.

One implementation for the SSH CLI (mgmt/cli.py) and the core's own ``show`` (core/show.py).

Regular expressions run on RE2 (the ``google-re2`` package, module ``re2``): an automaton without
backtracking, whose matching time grows linearly with the text, so no pattern can make a command
run for minutes (Python's ``re`` took 3.7 s for ``^(?:.|.){0,23}QQ`` over a running-config, doubling
with each step of the bound, on the loop that also answers LISP). The syntax accepted is what the
CLI accepted before (Python's, which covers the IOS CLI's: ``. * + ? ^ $ [] () |``), minus the
constructs that need backtracking (back-references, look-around), which RE2 refuses; IOS's ``_``
is not translated (the CLI never did). A refused pattern is an IOS error and nothing runs.

The work is bounded three ways: RE2's memory (``MAX_MEM``) and the compiled program's size
(``MAX_PROGRAM`` instructions) bound the cost per character; ``MAX_WORK`` (characters times program
size, RE2's worst case) bounds one command, checked before anything runs; and ``filter_async``
gives the loop back every ``SLICE_WORK`` units, so the LISP sockets are served while a long output
is filtered.
"""

from __future__ import annotations

import asyncio

import re2

KINDS = ("begin", "count", "exclude", "include", "section")
MAX_MEM = 8 << 20  # bytes of RE2 program and DFA cache per pattern
MAX_PROGRAM = 4000  # RE2 instructions; `(?:.|.){0,400}` is 3,607
MAX_WORK = 400_000_000  # characters x instructions for one command (a few seconds of RE2's slowest path)
SLICE_WORK = 2_000_000  # characters x instructions between two passes of the loop

INVALID_REGEX = "% Invalid regular expression"


class PipeError(Exception):
    """A pattern or a filter refused: ``text`` is the IOS error line; ``syntax`` when the pattern
    does not parse (the CLI puts its caret under the pattern)."""

    def __init__(self, text: str, syntax: bool = False):
        super().__init__(text)
        self.text = text
        self.syntax = syntax


def _options():
    options = re2.Options()
    options.max_mem = MAX_MEM
    options.log_errors = False  # RE2 would print each refused pattern to the process's stderr
    return options


def compile_pattern(pattern: str):
    """The compiled RE2 program of ``pattern`` (an IOS CLI regular expression), or PipeError."""
    try:
        regex = re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        if "too big" in str(reason) or "too large" in str(reason):
            raise PipeError("%s: too complex" % INVALID_REGEX) from None
        raise PipeError("%s: %s" % (INVALID_REGEX, reason), syntax=True) from None
    except (TypeError, ValueError) as exc:
        raise PipeError("%s: %s" % (INVALID_REGEX, exc), syntax=True) from None
    if regex.programsize > MAX_PROGRAM:
        raise PipeError("%s: too complex (%d instructions, at most %d)" % (INVALID_REGEX, regex.programsize, MAX_PROGRAM))
    return regex


def work(text: str, regex) -> int:
    """RE2's worst-case cost of filtering ``text``: characters x program instructions."""
    return len(text) * max(1, regex.programsize if regex is not None else 1)


def _steps(lines, kind, regex, out):
    """Filter ``lines`` into ``out``; yields after every SLICE_WORK units (the caller's pause point).
    Returns the count for ``count``."""
    cost = max(1, regex.programsize if regex is not None else 1)
    spent = 0
    total = 0
    begun = False
    depth = None  # section: the indent of the matching line whose children are being kept
    for line in lines:
        spent += (len(line) + 1) * cost
        if spent >= SLICE_WORK:
            spent = 0
            yield
        if kind == "section" and depth is not None:
            if line.strip() and len(line) - len(line.lstrip()) > depth:
                out.append(line)
                continue
            depth = None
        if kind == "begin" and begun:
            out.append(line)
            continue
        hit = regex is None or regex.search(line) is not None
        if kind == "include" and hit:
            out.append(line)
        elif kind == "exclude" and not hit:
            out.append(line)
        elif kind == "begin" and hit:
            begun = True
            out.append(line)
        elif kind == "count":
            total += hit
        elif kind == "section" and hit:
            # a matching line with the lines indented under it (up to a blank line)
            depth = len(line) - len(line.lstrip())
            out.append(line)
    return total


def _prepare(text, kind, regex):
    if kind not in KINDS:
        raise ValueError("unknown filter %r" % kind)
    if regex is None and kind != "count":
        raise ValueError("%s needs a regular expression" % kind)
    if work(text, regex) > MAX_WORK:
        raise PipeError("%s: too complex for an output of %d characters" % (INVALID_REGEX, len(text)))
    lines = text.split("\n")
    if text.endswith("\n"):
        lines = lines[:-1]
    return lines


def _result(kind, out, total):
    if kind == "count":
        return "Number of lines which match regexp = %d\n" % total
    return "".join(line + "\n" for line in out)


def filter_text(text: str, kind: str, regex) -> str:
    """``text`` (lines ending in ``\\n``) through one filter, synchronously; PipeError beyond MAX_WORK.
    ``regex`` is from compile_pattern (None only for a bare ``| count``)."""
    lines = _prepare(text, kind, regex)
    out = []
    steps = _steps(lines, kind, regex, out)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return _result(kind, out, stop.value)


async def filter_async(text: str, kind: str, regex) -> str:
    """``filter_text`` that gives the event loop back every SLICE_WORK units of work."""
    lines = _prepare(text, kind, regex)
    out = []
    steps = _steps(lines, kind, regex, out)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return _result(kind, out, stop.value)
        await asyncio.sleep(0)

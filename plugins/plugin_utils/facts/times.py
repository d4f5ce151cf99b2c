# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one normalised form of durations and times in the ``lisp`` facts.

Every duration or age in the facts is an integer number of seconds, or ``None``:

- IOS prints ages and lifetimes as ``hh:mm:ss`` below a day, ``XdYYh`` below a week, ``XwYd``
  below a year and ``XyYw`` beyond; ``00:09:22`` -> 562, ``1d00h`` -> 86400, ``2w4d`` -> 1555200.
  The coarse forms lose precision on the device already; we do not pretend otherwise.
- ``never`` (an entry that never expires, a prefix never registered), ``--``, ``N/A`` and an
  absent value -> ``None``.
- The NETCONF oper model gives absolute ``yang:date-and-time`` stamps; they are turned into the
  same seconds relative to the device's ``now`` (ages: ``now - stamp``; expiries:
  ``stamp - now``), clamped at 0 and truncated to whole seconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_COARSE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_NONE_WORDS = frozenset(("", "never", "--", "-", "n/a", "none", "unknown", "*** not found ***"))
DURATION_CACHE = {}
_MISSING = object()


class DurationError(ValueError):
    """A duration text that is none of the IOS forms."""


_TWO_DIGITS = {"%02d" % n: n for n in range(100)}  # '00'..'99' -> int


def _parse(text):
    if len(text) == 8 and text[2] == ":" and text[5] == ":":
        # 'hh:mm:ss', the form of most ages and expiries in a large map-cache: the general
        # branch below gives the same value, with more steps (three dict look-ups here instead
        # of three isdigit() and int() calls: the first parse of a 100,000-entry map-cache meets
        # tens of thousands of distinct texts)
        two = _TWO_DIGITS
        hours, minutes, seconds = two.get(text[:2]), two.get(text[3:5]), two.get(text[6:])
        if hours is not None and minutes is not None and seconds is not None:
            return hours * 3600 + minutes * 60 + seconds
    low = text.strip().lower()
    if low in _NONE_WORDS:
        return None
    if ":" in low:
        parts = low.split(":")
        if len(parts) in (2, 3) and all(p.isdigit() for p in parts):
            total = 0
            for part in parts:
                total = total * 60 + int(part)
            return total
        raise DurationError("not an IOS duration: %r" % text)
    match = _COARSE.match(low)
    if not match or not any(match.groups()):
        if low.isdigit():
            return int(low)
        raise DurationError("not an IOS duration: %r" % text)
    total = 0
    for value, unit in zip(match.groups(), "ywdhms"):
        if value:
            total += int(value) * _UNITS[unit]
    return total


def duration(text):
    """IOS duration text -> integer seconds, or None (``never``, ``--``, empty, None).

    Memoised: a large map-cache repeats the same few hundred uptimes over and over.
    """
    if text is None:
        return None
    value = DURATION_CACHE.get(text, _MISSING)  # no KeyError: a first parse misses thousands of times
    if value is not _MISSING:
        return value
    value = _parse(text)
    if len(DURATION_CACHE) < 65536:
        DURATION_CACHE[text] = value
    return value


def parse_datetime(text):
    """``yang:date-and-time`` text -> aware datetime (naive input is taken as UTC)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python 3.11 fromisoformat accepts any number of fraction digits; trim to microseconds
    # anyway, since YANG allows more than six.
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", value)
    if match and match.group(2) and len(match.group(2)) > 7:
        value = match.group(1) + match.group(2)[:7] + match.group(3)
    stamp = datetime.datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp


def as_now(now=None):
    """Normalise ``now`` (None, datetime, ISO text or POSIX seconds) to an aware datetime."""
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, datetime.datetime):
        return now if now.tzinfo else now.replace(tzinfo=datetime.timezone.utc)
    if isinstance(now, (int, float)):
        return datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    return parse_datetime(str(now))


def age(stamp_text, now):
    """Seconds elapsed from a ``yang:date-and-time`` stamp to ``now`` (>= 0), or None."""
    if not stamp_text:
        return None
    delta = (now - parse_datetime(stamp_text)).total_seconds()
    return max(0, int(delta))


def remaining(stamp_text, now):
    """Seconds from ``now`` until a ``yang:date-and-time`` stamp (>= 0), or None."""
    if not stamp_text:
        return None
    delta = (parse_datetime(stamp_text) - now).total_seconds()
    return max(0, int(delta))

"""Durations the way IOS-XE prints them in ``show lisp`` output.

Under a day ``HH:MM:SS`` (``00:09:22``); under a week ``<d>d<hh>h`` (``1d00h``); under a year
``<w>w<d>d`` (``2w4d``); beyond ``<y>y<w>w``. ``never`` for no expiry.
"""

from __future__ import annotations


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    s = int(seconds) if seconds > 0 else 0
    if s < 86400:
        return "%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)
    days, rem = divmod(s, 86400)
    if days < 7:
        return "%dd%02dh" % (days, rem // 3600)
    weeks, days = divmod(days, 7)
    if weeks < 52:
        return "%dw%dd" % (weeks, days)
    years, weeks = divmod(weeks, 52)
    return "%dy%dw" % (years, weeks)


def since(now: float, then: float | None) -> str:
    """Uptime-style: time elapsed since ``then``; ``never`` when it did not happen."""
    return "never" if then is None else duration(now - then)


def until(now: float, then: float | None) -> str:
    """Expiry-style: time left until ``then``; ``never`` when it does not expire."""
    return "never" if then is None else duration(then - now)

"""The one normalised form of durations and times (facts/times.py)."""

import datetime

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.times import (
    DurationError,
    age,
    as_now,
    duration,
    parse_datetime,
    remaining,
)


@pytest.mark.parametrize("text, seconds", [
    ("00:09:22", 562),
    ("00:00:00", 0),
    ("23:50:38", 85838),
    ("15:23:50", 55430),
    ("1d00h", 86400),
    ("4d11h", 385200),
    ("6d23h", 601200),
    ("2w4d", 1555200),
    ("6w6d", 4147200),
    ("7w0d", 4233600),
    ("1y2w", 365 * 86400 + 14 * 86400),
    ("05:34", 334),
    ("never", None),
    ("Never", None),
    ("--", None),
    ("", None),
    (None, None),
])
def test_ios_durations(text, seconds):
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "1:x:3", "12d3q"])
def test_not_a_duration(text):
    with pytest.raises(DurationError):
        duration(text)


NOW = datetime.datetime(2026, 11, 25, 12, 0, 0, tzinfo=datetime.timezone.utc)


def test_date_and_time_forms():
    assert parse_datetime("2026-11-25T11:50:38Z") == datetime.datetime(2026, 11, 25, 11, 50, 38, tzinfo=datetime.timezone.utc)
    assert parse_datetime("2026-11-25T13:50:38+02:00") == parse_datetime("2026-11-25T11:50:38Z")
    assert parse_datetime("2026-11-25T11:50:38.123456789Z").microsecond == 123456
    assert parse_datetime("2026-11-25T11:50:38").tzinfo == datetime.timezone.utc


def test_age_and_remaining_relative_to_now():
    assert age("2026-11-25T11:50:38Z", NOW) == 562
    assert remaining("2026-11-26T11:50:38.250+00:00", NOW) == 85838
    assert remaining("2026-11-25T11:00:00Z", NOW) == 0  # already past: clamped
    assert age("2026-11-25T12:00:05Z", NOW) == 0  # device clock ahead: clamped
    assert age(None, NOW) is None and remaining("", NOW) is None


def test_now_forms():
    assert as_now("2026-11-25T12:00:00Z") == NOW
    assert as_now(NOW.timestamp()) == NOW
    assert as_now(datetime.datetime(2026, 11, 25, 12, 0, 0)) == NOW
    assert as_now().tzinfo is not None

"""The one ISO date reader (feeds, extracted pages, detected events, the CLI's --since) and the one batching
helper (database IN lists, bulk inserts, the flow's page batches)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from borderwatch.batches import chunked
from borderwatch.isodate import parse_iso, parse_iso_date


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-18", datetime(2026, 11, 18, tzinfo=UTC)),  # no zone: UTC
    ("2026-11-18T09:30:00", datetime(2026, 11, 18, 9, 30, tzinfo=UTC)),
    ("2026-11-18T09:30:00Z", datetime(2026, 11, 18, 9, 30, tzinfo=UTC)),
    (" 2026-11-18T09:30:00+03:00 ", datetime(2026, 11, 18, 9, 30, tzinfo=timezone(timedelta(hours=3)))),
    ("2026-11-18T09:30:00.250+04:30", datetime(2026, 11, 18, 9, 30, 0, 250000,
                                                tzinfo=timezone(timedelta(hours=4, minutes=30)))),
    ("2026-11-18T09:30:00+00:00 (updated)", None),
    ("", None), (None, None), ("18 November 2026", None), ("2026-13-01", None), ("yesterday", None),
])
def test_parse_iso(text, expected):
    assert parse_iso(text) == expected


def test_parse_iso_date_is_the_day_as_written():
    assert parse_iso_date("2026-11-18T23:30:00-05:00") == date(2026, 11, 18)  # not shifted to UTC's 19th
    assert parse_iso_date("2026-11-18") == date(2026, 11, 18)
    assert parse_iso_date("soon") is None


def test_chunked_keeps_order_and_sizes():
    assert list(chunked(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 500)) == []
    assert list(chunked((1, 2), 5)) == [(1, 2)]

"""The pure rules behind the admin setup forms."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.choices import PriceKind
from autoshop.domain.schedule_rules import (
    ValidationFailed,
    check_intervals,
    check_price,
    format_dollars,
    is_known_zone,
    local_to_utc,
    parse_dollars,
    parse_minutes_list,
)


@pytest.mark.parametrize(
    ("text", "cents"),
    [("49.99", 4999), ("$1,200", 120000), ("50", 5000), ("7.5", 750), ("  ", None), ("0", 0)],
)
def test_parse_dollars(text, cents):
    assert parse_dollars(text) == cents


@pytest.mark.parametrize("text", ["-5", "12.345", "ten", "1,20", "$", "1e3"])
def test_parse_dollars_refuses_what_is_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_dollars(text)


@pytest.mark.parametrize("cents", [0, 5, 4999, 5000, 120000])
def test_format_dollars_round_trips(cents):
    assert parse_dollars(format_dollars(cents)) == cents


def test_check_price_by_kind():
    assert check_price(PriceKind.FIXED, 5000, 9999) == (5000, 5000)
    assert check_price(PriceKind.RANGE, 5000, 5000) == (5000, 5000)
    assert check_price(PriceKind.DIAGNOSIS, 8500, 9000) == (8500, None)
    assert check_price(PriceKind.DIAGNOSIS, None, None) == (None, None)
    with pytest.raises(ValidationFailed) as caught:
        check_price(PriceKind.RANGE, 9000, 5000)
    assert caught.value.errors == {
        "price_max": ["The highest price must be at least the lowest price."]
    }
    with pytest.raises(ValidationFailed) as caught:
        check_price(PriceKind.FIXED, -1, None)
    assert "price_min" in caught.value.errors


def test_check_intervals_sorts_and_allows_touching_spans():
    spans = [(time(13), time(17)), (time(8), time(13))]
    assert check_intervals(spans) == [(time(8), time(13)), (time(13), time(17))]
    assert check_intervals([]) == []


@pytest.mark.parametrize(
    "spans",
    [
        [(time(8), time(12)), (time(11, 59), time(17))],
        [(time(8), time(18)), (time(10), time(11))],
        [(time(9), time(9))],
        [(time(17), time(8))],
    ],
)
def test_check_intervals_refuses_overlaps_and_empty_spans(spans):
    with pytest.raises(ValidationFailed):
        check_intervals(spans)


def test_zones_and_minute_lists():
    assert is_known_zone("America/New_York") and is_known_zone("UTC")
    assert not is_known_zone("Mars/Base") and not is_known_zone("")
    assert parse_minutes_list("120, 1440,120,") == [1440, 120]
    assert parse_minutes_list("") == []
    with pytest.raises(ValueError):
        parse_minutes_list("60, -5")


def test_local_to_utc_across_dst():
    zone = ZoneInfo("America/New_York")
    assert local_to_utc(datetime(2026, 3, 8, 1, 30), zone) == datetime(
        2026, 3, 8, 6, 30, tzinfo=UTC
    )
    assert local_to_utc(datetime(2026, 3, 8, 3, 0), zone) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # 1:30 happens twice on Nov 1: the first (daylight time) one is meant.
    assert local_to_utc(datetime(2026, 11, 1, 1, 30), zone) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    with pytest.raises(ValidationFailed, match="clocks skip"):
        local_to_utc(datetime(2026, 3, 8, 2, 30), zone)

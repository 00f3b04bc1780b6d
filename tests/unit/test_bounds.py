"""The documented bounds (domain/bounds.py): ranges, their messages, and what text may hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from autoshop.domain import bounds
from autoshop.domain.bounds import Range, one_line, text_problem


def test_a_range_includes_both_ends_and_says_which_side_is_wrong():
    minutes = Range(1, 1440, "minutes")
    assert 1 in minutes and 1440 in minutes and 0 not in minutes and 1441 not in minutes
    assert "1" not in minutes and 1.5 not in minutes  # whole numbers only
    assert minutes.problem(0, "The duration") == "The duration must be at least 1 minute."
    assert minutes.problem(10**12, "The duration") == "The duration can be at most 1440 minutes."
    assert minutes.problem(90, "The duration") is None
    assert Range(0, 240, "minutes").problem(-1, "The buffer") == "The buffer can't be negative."
    assert Range(0, 43_200, "minutes").describe() == "from 0 to 43,200 minutes"
    assert Range(5, 240).sql("slot") == "slot BETWEEN 5 AND 240"


def test_every_range_keeps_date_arithmetic_and_int4_columns_safe():
    """The reason for the limits: no computation on a value in range can overflow."""
    latest = datetime(bounds.YEARS.high, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-12)))
    longest = timedelta(
        days=bounds.HORIZON_DAYS.high,
        minutes=10 * bounds.SERVICE_DURATION_MINUTES.high
        + bounds.BUFFER_MINUTES.high
        + bounds.MINIMUM_NOTICE_MINUTES.high
        + bounds.REMINDER_LEAD_MINUTES.high,
        hours=bounds.CANCELLATION_CUTOFF_HOURS.high,
    )
    assert (latest + longest).astimezone(UTC).year < 9999
    earliest = datetime(bounds.YEARS.low, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    assert (earliest - longest).year > 1
    int4 = 2**31 - 1
    assert 10 * bounds.PRICE_CENTS.high < int4  # ten services' prices added up
    for range_ in (bounds.SORT_ORDER, bounds.MILEAGE, bounds.MODEL_YEAR):
        assert range_.high < int4
    assert bounds.ID.high == 2**63 - 1


@pytest.mark.parametrize(
    ("text", "single_line", "problem"),
    [
        ("Honda", True, None),
        ("Citroën Ë-C4 🚗", True, None),
        ("Rattles.\r\nWorse when cold.\tBadly.", False, None),
        ("Ford\r\nBcc: x@example.org", True, bounds.ONE_LINE_MESSAGE),
        ("Ford\n", True, bounds.ONE_LINE_MESSAGE),
        ("Ford\u2028F-150", True, bounds.ONE_LINE_MESSAGE),
        ("Ford\x85", True, bounds.ONE_LINE_MESSAGE),
        ("Ford\tF-150", True, bounds.CONTROL_MESSAGE),
        ("Ford\x1b[31m", True, bounds.CONTROL_MESSAGE),
        ("Ford\x00", True, bounds.UNSTORABLE_MESSAGE),
        ("Rattles\x00", False, bounds.UNSTORABLE_MESSAGE),
        ("Rattles \ud800", False, bounds.UNSTORABLE_MESSAGE),
        ("Rattles \udfff", True, bounds.UNSTORABLE_MESSAGE),
    ],
)
def test_text_problem(text, single_line, problem):
    assert text_problem(text, single_line=single_line) == problem


def test_one_line_makes_any_stored_text_safe_for_a_header():
    assert one_line("Ford\r\nBcc: x@example.org") == "Ford Bcc: x@example.org"
    assert one_line("  Gus \t\x00 Guest\u2029") == "Gus Guest"
    assert one_line("Rattles \ud800") == "Rattles ?"
    assert one_line("Citroën") == "Citroën"


def test_dates_and_instants_within_the_documented_years():
    assert bounds.day_in_range(date(2000, 1, 1)) and bounds.day_in_range(date(2100, 12, 31))
    assert not bounds.day_in_range(date(1999, 12, 31))
    assert not bounds.day_in_range(date(2101, 1, 1))
    eastern = timezone(timedelta(hours=-5))
    # Judged as written: converting 9999-12-31 23:59 -05:00 to UTC would overflow.
    assert not bounds.instant_in_range(datetime(9999, 12, 31, 23, 59, tzinfo=eastern))
    assert bounds.instant_in_range(datetime(2026, 12, 1, 9, 0, tzinfo=eastern))

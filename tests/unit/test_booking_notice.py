"""Who may book inside the minimum notice: staff taking a phone or walk-in booking may, customers
online may not; a start that has passed is never bookable."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.availability import BayInfo, BookingRules, OpeningInterval, slot_at

ZONE = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
RULES = BookingRules(
    slot_interval=timedelta(minutes=15),
    minimum_notice=timedelta(hours=2),
    horizon=timedelta(days=60),
    buffer=timedelta(0),
)


def bookable(start: datetime, *, staff: bool) -> bool:
    slot = slot_at(
        start,
        opening_hours=[OpeningInterval(d, time(7), time(17)) for d in range(5)],
        closures=[],
        bays=[BayInfo(1, frozenset({"general"}))],
        busy=[],
        duration=timedelta(minutes=30),
        capabilities=frozenset({"general"}),
        rules=RULES.for_booker(staff=staff),
        zone=ZONE,
        now=NOW,
    )
    return slot is not None


@pytest.mark.parametrize(
    ("start", "customer", "staff"),
    [
        (NOW + timedelta(minutes=15), False, True),  # inside the notice: staff only
        (NOW + timedelta(hours=1, minutes=45), False, True),
        (NOW + timedelta(hours=2), True, True),  # the notice met: everyone
        (NOW - timedelta(minutes=15), False, False),  # passed: nobody
        (NOW - timedelta(days=1), False, False),
    ],
)
def test_staff_book_inside_the_notice_customers_dont_nobody_books_the_past(start, customer, staff):
    assert bookable(start, staff=False) is customer
    assert bookable(start, staff=True) is staff


def test_the_staff_rules_only_drop_the_notice():
    staff = RULES.for_booker(staff=True)
    assert staff.minimum_notice == timedelta(0)
    assert (staff.slot_interval, staff.horizon, staff.buffer) == (
        RULES.slot_interval,
        RULES.horizon,
        RULES.buffer,
    )
    assert RULES.for_booker(staff=False) is RULES

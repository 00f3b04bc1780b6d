"""Whether a booked visit still fits a schedule: closures, inactive bays, opening hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.availability import Closure, Downtime, OpeningInterval
from autoshop.domain.schedule_conflicts import (
    BookedVisit,
    Conflict,
    ConflictKind,
    Schedule,
    conflicts_of,
    new_conflicts,
)

NY = ZoneInfo("America/New_York")
#: Mon-Fri 08:00-12:00 and 13:00-17:00 (a lunch break), Saturday 09:00-13:00.
WEEK = (
    *(
        OpeningInterval(day, opens, closes)
        for day in range(5)
        for opens, closes in ((time(8), time(12)), (time(13), time(17)))
    ),
    OpeningInterval(5, time(9), time(13)),
)
SHOP = Schedule(zone=NY, opening_hours=WEEK)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


def visit(start: datetime, minutes: int = 60, bay: int = 1) -> BookedVisit:
    return BookedVisit(start, start + timedelta(minutes=minutes), bay)


HOURS = Conflict(ConflictKind.OUTSIDE_HOURS)
BAY = Conflict(ConflictKind.BAY_INACTIVE)


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        (local(2026, 12, 1, 8, 0), 60, ()),  # Tuesday, first thing
        (local(2026, 12, 1, 11, 0), 60, ()),  # ends exactly at the lunch break
        (local(2026, 12, 1, 11, 30), 60, (HOURS,)),  # runs into lunch
        (local(2026, 12, 1, 16, 0), 60, ()),  # ends exactly at closing
        (local(2026, 12, 1, 7, 45), 30, (HOURS,)),  # starts before opening
        (local(2026, 12, 6, 10, 0), 60, (HOURS,)),  # Sunday: closed
        (local(2026, 12, 5, 12, 0), 60, ()),  # Saturday until 13:00
        (local(2026, 12, 1, 16, 30), 24 * 60, (HOURS,)),  # past midnight
    ],
)
def test_a_visit_fits_when_inside_one_opening_interval_of_its_local_day(start, minutes, expected):
    assert conflicts_of(visit(start, minutes), SHOP) == expected


def test_hours_are_compared_in_the_shops_zone_not_utc():
    # 13:00 UTC is 08:00 in New York on Dec 1: open; 12:00 UTC (07:00 local) is not.
    assert conflicts_of(visit(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)), SHOP) == ()
    assert conflicts_of(visit(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)), SHOP) == (HOURS,)


def test_a_fall_back_day_compares_wall_clock_times():
    # Sunday 2026-11-01 the clocks go back; a Sunday shop open 08:00-12:00 still fits 09:00-10:00.
    sunday = Schedule(zone=NY, opening_hours=(OpeningInterval(6, time(8), time(12)),))
    assert conflicts_of(visit(local(2026, 11, 1, 9, 0)), sunday) == ()
    assert conflicts_of(visit(local(2026, 11, 1, 11, 30)), sunday) == (HOURS,)


@pytest.mark.parametrize(
    ("closed_from", "closed_until", "hit"),
    [
        (local(2026, 12, 1, 0, 0), local(2026, 12, 2, 0, 0), True),  # the whole day
        (local(2026, 12, 1, 9, 30), local(2026, 12, 1, 10, 0), True),  # inside the visit
        (local(2026, 12, 1, 10, 0), local(2026, 12, 1, 12, 0), False),  # starts as it ends
        (local(2026, 12, 1, 8, 0), local(2026, 12, 1, 9, 0), False),  # ends as it starts
        (local(2026, 11, 30, 0, 0), local(2026, 12, 1, 9, 1), True),  # overlaps its start
    ],
)
def test_a_closure_overlapping_the_visit_is_a_conflict(closed_from, closed_until, hit):
    closed = SHOP.with_closure(Closure(closed_from, closed_until, "Staff training"))
    expected = (Conflict(ConflictKind.CLOSURE, "Staff training"),) if hit else ()
    assert conflicts_of(visit(local(2026, 12, 1, 9, 0)), closed) == expected


def test_an_inactive_bay_is_a_conflict_for_its_visits_only():
    schedule = SHOP.with_bay_inactive(2)
    assert conflicts_of(visit(local(2026, 12, 1, 9, 0), bay=2), schedule) == (BAY,)
    assert conflicts_of(visit(local(2026, 12, 1, 9, 0), bay=1), schedule) == ()


def test_every_conflict_is_listed_in_a_fixed_order_and_a_reason_once():
    schedule = (
        Schedule(zone=NY, opening_hours=())
        .with_closure(Closure(local(2026, 12, 1, 9, 30), local(2026, 12, 1, 9, 40), "Holiday"))
        .with_closure(Closure(local(2026, 12, 1, 0, 0), local(2026, 12, 1, 9, 20), "Flood"))
        .with_closure(Closure(local(2026, 12, 1, 9, 45), local(2026, 12, 1, 9, 50), "Holiday"))
        .with_bay_inactive(1)
    )
    assert conflicts_of(visit(local(2026, 12, 1, 9, 0)), schedule) == (
        Conflict(ConflictKind.CLOSURE, "Flood"),
        Conflict(ConflictKind.CLOSURE, "Holiday"),
        BAY,
        HOURS,
    )


def test_narrower_hours_replace_only_that_weekday():
    tuesday_short = SHOP.with_day_hours(1, [OpeningInterval(1, time(8), time(10))])
    assert conflicts_of(visit(local(2026, 12, 1, 9, 0)), tuesday_short) == ()
    assert conflicts_of(visit(local(2026, 12, 1, 14, 0)), tuesday_short) == (HOURS,)
    assert conflicts_of(visit(local(2026, 12, 2, 14, 0)), tuesday_short) == ()  # Wednesday
    assert conflicts_of(visit(local(2026, 12, 1, 9, 0)), SHOP.with_day_hours(1, [])) == (HOURS,)


def test_new_conflicts_leave_out_what_already_conflicted():
    already_outside = visit(local(2026, 12, 1, 18, 0))  # after closing, kept earlier
    fine = visit(local(2026, 12, 1, 9, 0))
    closed = SHOP.with_closure(Closure(local(2026, 12, 1, 0, 0), local(2026, 12, 2, 0, 0), "Ice"))
    ice = Conflict(ConflictKind.CLOSURE, "Ice")
    assert new_conflicts(fine, SHOP, closed) == (ice,)
    assert new_conflicts(already_outside, SHOP, closed) == (ice,)
    assert new_conflicts(already_outside, SHOP, SHOP.with_day_hours(1, [])) == ()
    assert new_conflicts(fine, SHOP, SHOP) == ()


def test_naive_times_are_refused():
    naive = BookedVisit(datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 10), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        conflicts_of(naive, SHOP)


def test_a_downtime_hits_only_its_own_bay_and_only_overlapping_visits():
    down = Downtime(2, local(2026, 12, 1, 9, 0), local(2026, 12, 1, 11, 0), "Lift inspection")
    after = SHOP.with_downtime(down)
    inspection = Conflict(ConflictKind.BAY_DOWN, "Lift inspection")
    assert conflicts_of(visit(local(2026, 12, 1, 10, 30), bay=2), after) == (inspection,)
    assert conflicts_of(visit(local(2026, 12, 1, 10, 30), bay=1), after) == ()  # another bay
    assert conflicts_of(visit(local(2026, 12, 1, 8, 0), bay=2), after) == ()  # ends as it starts
    assert conflicts_of(visit(local(2026, 12, 1, 11, 0), bay=2), after) == ()  # starts as it ends
    hit = visit(local(2026, 12, 1, 8, 30), bay=2)
    assert new_conflicts(hit, SHOP, after) == (inspection,)
    assert new_conflicts(hit, after, after.with_downtime(down)) == ()  # already known
    assert SHOP.downtimes == () and after.closures == SHOP.closures  # nothing else changes

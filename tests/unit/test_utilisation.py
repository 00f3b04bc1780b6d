"""Bay utilisation: booked minutes over open minutes, per bay and overall, DST days included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.availability import Busy, Closure, Downtime, OpeningInterval
from autoshop.domain.utilisation import open_intervals, utilisation

NY = ZoneInfo("America/New_York")
TUE = date(2026, 12, 1)
WEEKDAYS = [
    OpeningInterval(d, opens, closes)
    for d in range(5)
    for opens, closes in ((time(7, 30), time(12)), (time(12, 30), time(18)))
]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


def test_a_day_per_bay_and_overall():
    result = utilisation(
        days=[TUE],
        opening_hours=WEEKDAYS,
        closures=[],
        bay_ids=[1, 2],
        downtimes=[Downtime(2, at(TUE, 7, 30), at(TUE, 12), "Lift inspection")],
        busy=[
            Busy(1, at(TUE, 8), at(TUE, 10)),
            Busy(1, at(TUE, 9), at(TUE, 11)),  # overlapping blocks count once: 08:00-11:00
            Busy(2, at(TUE, 13), at(TUE, 14)),
            Busy(3, at(TUE, 8), at(TUE, 9)),  # a bay not asked about
        ],
        zone=NY,
    )
    one, two = result.bays
    assert (one.bay_id, one.booked_minutes, one.open_minutes) == (1, 180, 600)
    assert (two.bay_id, two.booked_minutes, two.open_minutes) == (2, 60, 330)  # down all morning
    assert one.ratio == pytest.approx(0.3)
    assert (result.booked_minutes, result.open_minutes) == (240, 930)
    assert result.ratio == pytest.approx(240 / 930)


def test_closures_and_time_outside_the_hours_are_not_counted():
    result = utilisation(
        days=[TUE],
        opening_hours=WEEKDAYS,
        closures=[Closure(at(TUE, 15), at(TUE, 19), "Staff training")],
        bay_ids=[1],
        downtimes=[],
        busy=[
            Busy(1, at(TUE, 11), at(TUE, 13)),  # across the lunch break: 60 + 30 minutes
            Busy(1, at(TUE, 16), at(TUE, 17)),  # kept on the closure: not open time
        ],
        zone=NY,
    )
    assert (result.booked_minutes, result.open_minutes) == (90, 270 + 150)


def test_a_closed_day_has_no_ratio():
    sunday = date(2026, 12, 6)
    result = utilisation(
        days=[sunday],
        opening_hours=WEEKDAYS,
        closures=[],
        bay_ids=[1],
        downtimes=[],
        busy=[],
        zone=NY,
    )
    assert result.open_minutes == 0 and result.ratio is None and result.bays[0].ratio is None


@pytest.mark.parametrize(
    ("day", "open_hours"),
    [
        (date(2026, 3, 8), 5),  # spring forward: 02:00-03:00 never happens
        (date(2026, 11, 1), 7),  # fall back: 01:00-02:00 happens twice
        (date(2026, 3, 9), 6),
    ],
)
def test_a_night_shift_on_clock_change_days(day, open_hours):
    hours = [OpeningInterval(day.weekday(), time(0), time(6))]
    start = datetime.combine(day, time(0), NY).astimezone(UTC)
    result = utilisation(
        days=[day],
        opening_hours=hours,
        closures=[],
        bay_ids=[1],
        downtimes=[],
        busy=[Busy(1, start, start + timedelta(hours=4))],  # four real hours from midnight
        zone=NY,
    )
    assert result.open_minutes == open_hours * 60
    assert result.booked_minutes == 240


def test_an_opening_time_the_clocks_skip_starts_when_they_jump():
    day = date(2026, 3, 8)  # a Sunday
    intervals = open_intervals([day], [OpeningInterval(6, time(2, 30), time(5))], [], NY)
    assert intervals == [
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 8, 9, 0, tzinfo=UTC))
    ]


def test_a_week_of_days():
    monday = date(2026, 11, 30)
    week = [monday + timedelta(days=i) for i in range(7)]
    result = utilisation(
        days=week,
        opening_hours=WEEKDAYS,
        closures=[],
        bay_ids=[1],
        downtimes=[],
        busy=[Busy(1, at(TUE, 8), at(TUE, 9)), Busy(1, at(monday, 8), at(monday, 10))],
        zone=NY,
    )
    assert (result.booked_minutes, result.open_minutes) == (180, 5 * 600)

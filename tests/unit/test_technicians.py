"""Technicians as capacity in the availability engine: table-driven cases.

A shop open 08:00-17:00 with two general bays (bays are never the limit here), a 15-minute
grid, no notice; each row gives the technicians and the visit and says which local start
times are offered on the day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.availability import BayInfo, BookingRules, OpeningInterval, free_slots
from autoshop.domain.technicians import (
    Technician,
    Technicians,
    TimeOff,
    WorkingSpan,
    hours_problems,
    rank_technicians,
)

NY = ZoneInfo("America/New_York")
DAY = date(2026, 6, 10)  # a Wednesday
WED = DAY.weekday()
OIL, BRAKES = 1, 2
RULES = BookingRules(
    slot_interval=timedelta(minutes=60),
    minimum_notice=timedelta(0),
    horizon=timedelta(days=400),
    buffer=timedelta(0),
)
BAYS = [BayInfo(1, frozenset({"general"})), BayInfo(2, frozenset({"general"}))]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


def span(h1: int, h2: int, weekday: int = WED) -> WorkingSpan:
    return WorkingSpan(weekday, h1 * 60, h2 * 60)


def tech(
    id_: int = 1,
    skills: frozenset[int] = frozenset({OIL}),
    hours: tuple[WorkingSpan, ...] = (span(8, 17),),
    time_off: tuple[TimeOff, ...] = (),
    busy: tuple[tuple[datetime, datetime], ...] = (),
) -> Technician:
    return Technician(id_, skills, hours, time_off, busy)


def offered_hours(
    technicians: Technicians | None,
    *,
    minutes: int = 60,
    day: date = DAY,
    opening: tuple[tuple[time, time], ...] = ((time(8), time(17)),),
) -> list[str]:
    (availability,) = free_slots(
        opening_hours=[OpeningInterval(day.weekday(), a, b) for a, b in opening],
        closures=[],
        bays=BAYS,
        busy=[],
        duration=timedelta(minutes=minutes),
        capabilities=frozenset({"general"}),
        rules=RULES,
        zone=NY,
        start=day,
        end=day,
        now=NOW,
        technicians=technicians,
    )
    return [f"{s.starts_at.astimezone(NY):%H:%M}" for s in availability.slots]


ALL_DAY = [f"{h:02d}:00" for h in range(8, 17)]

CASES = [
    # (name, technicians, visit minutes, offered local starts)
    ("no schedules: bays only, as before", None, 60, ALL_DAY),
    ("schedules but nobody at this shop", Technicians((), frozenset({OIL})), 60, []),
    ("skilled and working all day", Technicians((tech(),), frozenset({OIL})), 60, ALL_DAY),
    ("not skilled in the category", Technicians((tech(),), frozenset({BRAKES})), 60, []),
    (
        "needs both categories; only the tech with both counts",
        Technicians(
            (
                tech(1, frozenset({OIL}), (span(8, 12),)),
                tech(2, frozenset({OIL, BRAKES}), (span(13, 17),)),
            ),
            frozenset({OIL, BRAKES}),
        ),
        60,
        ["13:00", "14:00", "15:00", "16:00"],
    ),
    (
        "works another weekday only",
        Technicians((tech(hours=(span(8, 17, weekday=(WED + 1) % 7),)),), frozenset({OIL})),
        60,
        [],
    ),
    (
        "time off in the morning (hours, with a reason)",
        Technicians((tech(time_off=(TimeOff(at(8), at(12, 30), "dentist"),)),), frozenset({OIL})),
        60,
        ["13:00", "14:00", "15:00", "16:00"],
    ),
    (
        "a whole day off",
        Technicians(
            (tech(time_off=(TimeOff(at(0), at(0, day=DAY + timedelta(days=1)), "leave"),)),),
            frozenset({OIL}),
        ),
        60,
        [],
    ),
    (
        "on another visit 10:00-11:30",
        Technicians((tech(busy=((at(10), at(11, 30)),)),), frozenset({OIL})),
        60,
        ["08:00", "09:00", "12:00", "13:00", "14:00", "15:00", "16:00"],
    ),
    (
        "the other tech covers the one on a visit",
        Technicians(
            (tech(1, busy=((at(10), at(11, 30)),)), tech(2, hours=(span(10, 12),))),
            frozenset({OIL}),
        ),
        60,
        ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"],
    ),
    (
        "a visit longer than any one technician's shift is not offered",
        Technicians(
            (tech(1, hours=(span(8, 12),)), tech(2, hours=(span(12, 16),))), frozenset({OIL})
        ),
        5 * 60,
        [],
    ),
    (
        "one technician's touching spans are one shift",
        Technicians((tech(hours=(span(8, 12), span(12, 17))),), frozenset({OIL})),
        5 * 60,
        ["08:00", "09:00", "10:00", "11:00", "12:00"],
    ),
    (
        "a lunch break splits the shift",
        Technicians((tech(hours=(span(8, 12), span(13, 17))),), frozenset({OIL})),
        2 * 60,
        ["08:00", "09:00", "10:00", "13:00", "14:00", "15:00"],
    ),
]


@pytest.mark.parametrize(
    ("technicians", "minutes", "expected"),
    [pytest.param(t, m, e, id=name) for name, t, m, e in CASES],
)
def test_offered_starts(technicians: Technicians | None, minutes: int, expected: list[str]) -> None:
    assert offered_hours(technicians, minutes=minutes) == expected


SPRING = date(2026, 3, 8)  # New York: 02:00 -> 03:00
FALL = date(2026, 11, 1)  # New York: 02:00 -> 01:00 again
NIGHT = ((time(0), time(8)),)


@pytest.mark.parametrize(
    ("day", "minutes", "expected"),
    [
        # 00:00-06:00 on the wall lasts 5 real hours on spring-forward day...
        pytest.param(SPRING, 5 * 60, ["00:00"], id="spring: 5h fits the 5h shift"),
        pytest.param(SPRING, 5 * 60 + 15, [], id="spring: 5h15 does not"),
        # ...and 7 on fall-back day.
        pytest.param(FALL, 7 * 60, ["00:00"], id="fall: 7h fits the 7h shift"),
        pytest.param(FALL, 7 * 60 + 15, [], id="fall: 7h15 does not"),
        # An ordinary day: 6 hours.
        pytest.param(date(2026, 3, 15), 6 * 60, ["00:00"], id="ordinary: 6h fits"),
        pytest.param(date(2026, 3, 15), 6 * 60 + 15, [], id="ordinary: 6h15 does not"),
    ],
)
def test_night_shift_across_a_dst_change(day: date, minutes: int, expected: list[str]) -> None:
    techs = Technicians((tech(hours=(span(0, 6, weekday=day.weekday()),)),), frozenset({OIL}))
    assert offered_hours(techs, minutes=minutes, day=day, opening=NIGHT) == expected


def test_shift_starting_in_the_spring_gap_starts_at_the_transition() -> None:
    """02:30 doesn't exist on spring-forward day: the shift starts when the clocks jump (03:00)."""
    techs = Technicians((tech(hours=(WorkingSpan(SPRING.weekday(), 150, 360),)),), frozenset({OIL}))
    assert offered_hours(techs, minutes=3 * 60, day=SPRING, opening=NIGHT) == ["03:00"]


def test_shift_until_midnight_joins_the_next_days_shift() -> None:
    """22:00-24:00 and 00:00-02:00 the next day are one stretch of work: a 3h job fits."""
    thursday = DAY + timedelta(days=1)
    joined = Technicians(
        (tech(hours=(WorkingSpan(WED, 22 * 60, 1440), WorkingSpan(WED + 1, 0, 120))),),
        frozenset({OIL}),
    )
    assert rank_technicians(joined, NY, at(22), at(1, day=thursday)) == [1]
    assert rank_technicians(joined, NY, at(23), at(2, day=thursday)) == [1]
    assert rank_technicians(joined, NY, at(23), at(2, 15, day=thursday)) == []
    evening_only = Technicians((tech(hours=(WorkingSpan(WED, 22 * 60, 1440),)),), joined.categories)
    assert rank_technicians(evening_only, NY, at(22), at(1, day=thursday)) == []


@pytest.mark.parametrize(
    ("spans", "problem"),
    [
        ([span(8, 12), span(11, 17)], "08:00-12:00 and 11:00-17:00 overlap."),
        ([WorkingSpan(WED, 8 * 60, 25 * 60)], "08:00-25:00 is outside 00:00-24:00."),
        ([WorkingSpan(WED, -60, 60)], "is outside 00:00-24:00."),
        ([span(12, 8)], "12:00-08:00 ends before it starts."),
        ([span(8, 8)], "08:00-08:00 ends before it starts."),
    ],
)
def test_hours_problems(spans: list[WorkingSpan], problem: str) -> None:
    problems = hours_problems(spans)
    assert len(problems) == 1
    assert problems[0].endswith(problem)


def test_hours_that_touch_or_fall_on_other_days_are_fine() -> None:
    assert hours_problems([span(8, 12), span(12, 17), span(9, 17, weekday=WED + 1)]) == []
    assert hours_problems([WorkingSpan(WED, 0, 1440)]) == []


def test_rank_prefers_the_tightest_free_window_then_fewest_skills() -> None:
    techs = Technicians(
        (
            tech(1, frozenset({OIL, BRAKES}), (span(8, 17),)),
            tech(2, frozenset({OIL, BRAKES}), (span(9, 11),)),
            tech(3, frozenset({OIL}), (span(8, 17),)),
            tech(4, frozenset({OIL}), (span(8, 17),), busy=((at(9, 30), at(10)),)),
            tech(5, frozenset({BRAKES}), (span(8, 17),)),
        ),
        frozenset({OIL}),
    )
    assert rank_technicians(techs, NY, at(9), at(10)) == [2, 3, 1]
    assert rank_technicians(techs, NY, at(7), at(8)) == []

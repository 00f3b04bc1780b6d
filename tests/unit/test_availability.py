"""Table-driven tests of the availability engine (DESIGN.md section 4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.availability import (
    BayInfo,
    BookingRules,
    Busy,
    Closure,
    DayAvailability,
    OpeningInterval,
    free_slots,
    is_offered,
    slot_at,
)

NY = ZoneInfo("America/New_York")
TUESDAY = date(2026, 6, 16)  # an ordinary EDT day (UTC-4)
SATURDAY = date(2026, 6, 20)
SUNDAY = date(2026, 6, 21)
SPRING_FORWARD = date(2026, 3, 8)  # 02:00 -> 03:00 in New York
FALL_BACK = date(2026, 11, 1)  # 02:00 -> 01:00 in New York

GENERAL = frozenset({"general"})
LIFT = frozenset({"general", "lift"})
ALIGNMENT = frozenset({"general", "alignment"})

SHOP_HOURS = tuple(
    [OpeningInterval(wd, time(7, 30), time(12)) for wd in range(5)]
    + [OpeningInterval(wd, time(12, 30), time(18)) for wd in range(5)]
    + [OpeningInterval(5, time(8), time(14))]
)
TWO_LIFTS = (BayInfo(1, LIFT), BayInfo(2, LIFT))


def at(day: date, hhmm: str, zone: ZoneInfo = NY) -> datetime:
    """An aware local datetime on `day` (fold=0)."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone)


def utc(day: date, hhmm: str) -> datetime:
    return at(day, hhmm).astimezone(UTC)


def local(dt: datetime) -> str:
    return dt.astimezone(NY).strftime("%H:%M")


def day_before(day: date) -> datetime:
    """A `now` far enough before `day` for notice and inside the horizon."""
    return datetime.combine(day - timedelta(days=1), time(6), tzinfo=UTC)


def engine_kwargs(day: date, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "opening_hours": SHOP_HOURS,
        "closures": (),
        "bays": TWO_LIFTS,
        "busy": (),
        "duration": timedelta(minutes=60),
        "capabilities": frozenset({"lift"}),
        "rules": BookingRules(),
        "zone": NY,
        "now": day_before(day),
    }
    kwargs.update(overrides)
    return kwargs


def one_day(day: date, **overrides: Any) -> DayAvailability:
    (result,) = free_slots(start=day, end=day, **engine_kwargs(day, **overrides))
    assert result.date == day
    return result


def busy(bay_id: int, day: date, start: str, end: str) -> Busy:
    return Busy(bay_id, utc(day, start), utc(day, end))


def closure(day: date, start: str, end: str, reason: str) -> Closure:
    return Closure(utc(day, start), utc(day, end), reason)


@dataclass(frozen=True)
class Case:
    """One table row: inputs for a single local day and what must come out."""

    overrides: dict[str, Any] = field(default_factory=dict)
    day: date = TUESDAY
    present: tuple[str, ...] = ()  # local HH:MM starts that must be offered
    absent: tuple[str, ...] = ()  # local HH:MM starts that must not be offered
    count: int | None = None
    is_open: bool = True
    closed_reason: str | None = None
    free: dict[str, int] = field(default_factory=dict)  # local HH:MM -> free_bays


MINUTES_30 = timedelta(minutes=30)

CASES = {
    "lunch-break-splits-the-day": Case(
        present=("07:30", "11:00", "12:30", "17:00"),
        absent=("07:15", "11:15", "11:30", "12:00", "12:15", "17:15", "18:00"),
        count=15 + 19,
    ),
    "thirty-minute-grid": Case(
        overrides={"rules": BookingRules(slot_interval=MINUTES_30)},
        present=("07:30", "08:00", "11:00", "12:30", "17:00"),
        absent=("07:45", "12:45"),
        count=8 + 10,
    ),
    "saturday-hours": Case(day=SATURDAY, present=("08:00", "13:00"), absent=("13:15",), count=21),
    "sunday-not-an-opening-day": Case(day=SUNDAY, count=0, is_open=False, closed_reason=None),
    "whole-day-closure-with-reason": Case(
        overrides={"closures": (Closure(at(TUESDAY, "00:00"), at(SUNDAY, "00:00"), "Holiday"),)},
        count=0,
        is_open=False,
        closed_reason="Holiday",
    ),
    "closure-covering-just-the-opening-hours-closes-the-day": Case(
        overrides={"closures": (closure(TUESDAY, "07:00", "18:30", "Staff training"),)},
        count=0,
        is_open=False,
        closed_reason="Staff training",
    ),
    "two-closures-covering-both-intervals-give-both-reasons": Case(
        overrides={
            "closures": (
                closure(TUESDAY, "12:30", "18:00", "Inventory"),
                closure(TUESDAY, "07:30", "12:00", "Power outage"),
            )
        },
        count=0,
        is_open=False,
        closed_reason="Power outage; Inventory",
    ),
    "closure-given-in-local-zone": Case(
        overrides={"closures": (Closure(at(TUESDAY, "07:00"), at(TUESDAY, "19:00"), "Flood"),)},
        count=0,
        is_open=False,
        closed_reason="Flood",
    ),
    "partial-closure-removes-overlapping-slots-only": Case(
        overrides={
            "duration": MINUTES_30,
            "closures": (closure(TUESDAY, "13:00", "15:00", "Plumber"),),
        },
        present=("11:30", "12:30", "15:00"),  # 12:30 ends exactly when the closure starts
        absent=("12:45", "13:00", "14:45"),
        count=17 + 21 - 9,
    ),
    "closure-covering-the-morning-keeps-the-day-open": Case(
        overrides={"closures": (closure(TUESDAY, "07:00", "12:00", "Inspection"),)},
        present=("12:30",),
        absent=("07:30", "11:00"),
        count=19,
    ),
    "minimum-notice": Case(
        overrides={"duration": MINUTES_30, "now": utc(TUESDAY, "09:07")},
        present=("11:15", "11:30"),
        absent=("07:30", "11:00"),
        count=2 + 21,
    ),
    "minimum-notice-boundary-is-inclusive": Case(
        overrides={"duration": MINUTES_30, "now": utc(TUESDAY, "09:15")},
        present=("11:15",),
        absent=("11:00",),
    ),
    "day-already-past": Case(overrides={"now": utc(TUESDAY, "20:00")}, count=0, is_open=True),
    "horizon-boundary-is-inclusive": Case(
        overrides={"now": utc(TUESDAY, "11:00") - timedelta(days=60)},
        present=("07:30", "11:00"),
        absent=("12:30", "17:00"),
        count=15,
    ),
    "buffer-after-a-job-blocks-that-bay": Case(
        # A job ending 10:00 with a 10 minute buffer: its block ends 10:10.
        overrides={
            "bays": (BayInfo(1, LIFT),),
            "busy": (busy(1, TUESDAY, "09:00", "10:10"),),
            "rules": BookingRules(slot_interval=timedelta(minutes=5)),
        },
        present=("07:50", "10:10"),
        absent=("07:55", "09:00", "10:05"),
    ),
    "buffer-after-a-job-leaves-another-bay-free": Case(
        overrides={
            "busy": (busy(1, TUESDAY, "09:00", "10:10"),),
            "rules": BookingRules(slot_interval=timedelta(minutes=5)),
        },
        present=("10:05", "10:10"),
        free={"07:50": 2, "07:55": 1, "10:05": 1, "10:10": 2},
    ),
    "own-buffer-must-fit-before-the-next-job": Case(
        # 60 minutes + 10 minutes buffer: 13:00 ends its block at 14:10, exactly when busy starts.
        overrides={
            "bays": (BayInfo(1, LIFT),),
            "busy": (busy(1, TUESDAY, "14:10", "15:00"),),
            "rules": BookingRules(slot_interval=timedelta(minutes=5)),
        },
        present=("13:00", "15:00"),
        absent=("13:05", "14:55"),
    ),
    "gap-of-exactly-visit-plus-buffer-fits": Case(
        overrides={
            "bays": (BayInfo(1, LIFT),),
            "busy": (busy(1, TUESDAY, "08:00", "09:00"), busy(1, TUESDAY, "10:10", "11:00")),
            "rules": BookingRules(slot_interval=timedelta(minutes=5)),
        },
        present=("09:00",),
        absent=("08:55", "09:05"),
    ),
    "alignment-service-only-on-the-alignment-bay": Case(
        overrides={
            "bays": (*TWO_LIFTS, BayInfo(3, ALIGNMENT)),
            "capabilities": frozenset({"alignment"}),
            "busy": (busy(3, TUESDAY, "09:00", "10:00"),),
        },
        present=("07:30", "10:00"),
        absent=("08:15", "09:00", "09:45"),
        free={"07:30": 1, "10:00": 1},
    ),
    "no-bay-has-lift-and-alignment": Case(
        overrides={
            "bays": (*TWO_LIFTS, BayInfo(3, ALIGNMENT)),
            "capabilities": frozenset({"lift", "alignment"}),
        },
        count=0,
        is_open=True,
    ),
    "no-capability-needed-uses-every-bay": Case(
        overrides={"bays": (*TWO_LIFTS, BayInfo(3, ALIGNMENT)), "capabilities": frozenset()},
        free={"07:30": 3},
    ),
    "no-active-bays": Case(overrides={"bays": ()}, count=0, is_open=True),
    "multi-service-visit-shrinks-the-last-start": Case(
        overrides={"duration": timedelta(minutes=45 + 60 + 75)},
        present=("07:30", "09:00", "12:30", "15:00"),
        absent=("09:15", "15:15"),
        count=7 + 11,
    ),
    "all-capable-bays-busy-hides-the-slot": Case(
        overrides={
            "busy": (
                busy(1, TUESDAY, "09:00", "10:00"),
                busy(2, TUESDAY, "09:00", "11:00"),
            )
        },
        present=("07:30", "07:45", "10:00"),
        absent=("08:00", "09:00", "09:45"),
        free={"07:30": 2, "07:45": 2, "10:00": 1, "11:00": 2},
    ),
    "busy-on-other-bays-is-ignored": Case(
        overrides={
            "busy": (busy(7, TUESDAY, "07:00", "18:00"), busy(8, TUESDAY, "07:00", "18:00"))
        },
        free={"07:30": 2, "12:30": 2},
        count=34,
    ),
    "overlapping-busy-on-one-bay-counts-once": Case(
        overrides={
            "busy": (
                busy(1, TUESDAY, "09:00", "10:30"),
                busy(1, TUESDAY, "08:30", "09:30"),
                busy(1, TUESDAY, "10:00", "10:10"),
            )
        },
        # Bay 1 is blocked from 07:20 to 10:30; counted once, so bay 2 keeps the slot.
        free={"07:15": 0, "07:30": 1, "09:15": 1, "10:15": 1, "10:30": 2},
    ),
    "unsorted-busy-in-mixed-zones": Case(
        overrides={
            "busy": (
                Busy(2, at(TUESDAY, "13:00"), at(TUESDAY, "14:00")),
                busy(1, TUESDAY, "13:30", "15:00"),
                Busy(1, at(TUESDAY, "08:00"), at(TUESDAY, "09:00")),
            )
        },
        absent=("12:30", "13:00"),
        free={"07:30": 1, "14:00": 1, "15:00": 2},
    ),
    # `blocked`: times the visit itself can't overlap (its vehicle is in another visit then).
    "blocked-time-hides-overlapping-starts-whatever-the-bays": Case(
        overrides={"blocked": ((utc(TUESDAY, "09:00"), utc(TUESDAY, "10:00")),)},
        present=("08:00", "10:00"),  # ends exactly as it starts; starts exactly as it ends
        absent=("08:15", "09:00", "09:45"),
        free={"08:00": 2, "10:00": 2},  # the bays are untouched
        count=34 - 7,
    ),
    "blocked-time-takes-no-buffer": Case(
        overrides={
            "blocked": ((utc(TUESDAY, "09:00"), utc(TUESDAY, "10:00")),),
            "rules": BookingRules(slot_interval=timedelta(minutes=5), buffer=timedelta(hours=1)),
        },
        present=("08:00", "10:00"),
        absent=("08:05", "09:55"),
    ),
    "blocked-times-that-touch-leave-the-point-between-them": Case(
        overrides={
            "blocked": (
                (utc(TUESDAY, "11:00"), utc(TUESDAY, "11:30")),  # unsorted, in two zones
                (at(TUESDAY, "09:00").astimezone(ZoneInfo("Asia/Tokyo")), at(TUESDAY, "10:00")),
            )
        },
        present=("08:00", "10:00"),
        absent=("08:15", "09:45", "10:15", "11:00"),
    ),
    "overlapping-blocked-times-merge": Case(
        overrides={
            "blocked": (
                (utc(TUESDAY, "09:00"), utc(TUESDAY, "10:00")),
                (utc(TUESDAY, "09:30"), utc(TUESDAY, "13:00")),
                (utc(TUESDAY, "10:00"), utc(TUESDAY, "10:30")),
            )
        },
        present=("07:30", "08:00", "13:00"),
        absent=("08:15", "10:00", "11:00", "12:30", "12:45"),
    ),
    "empty-blocked-time-blocks-nothing": Case(
        overrides={"blocked": ((utc(TUESDAY, "10:00"), utc(TUESDAY, "10:00")),)}, count=34
    ),
    "blocked-time-on-another-day-changes-nothing": Case(
        overrides={"blocked": ((utc(SATURDAY, "08:00"), utc(SATURDAY, "14:00")),)}, count=34
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_table(case: Case) -> None:
    result = one_day(case.day, **case.overrides)
    offered = {local(slot.starts_at): slot for slot in result.slots}
    assert result.is_open is case.is_open
    assert result.closed_reason == case.closed_reason
    for hhmm in case.present:
        assert hhmm in offered, hhmm
    for hhmm in case.absent:
        assert hhmm not in offered, hhmm
    if case.count is not None:
        assert len(result.slots) == case.count
    for hhmm, free in case.free.items():
        if free == 0:
            assert hhmm not in offered, hhmm
        else:
            assert offered[hhmm].free_bays == free, hhmm
    duration = case.overrides.get("duration", timedelta(minutes=60))
    starts = [slot.starts_at for slot in result.slots]
    assert starts == sorted(set(starts))
    for slot in result.slots:
        assert slot.starts_at.tzinfo is UTC and slot.ends_at.tzinfo is UTC
        assert slot.ends_at - slot.starts_at == duration
        assert slot.free_bays >= 1


def test_week_range_returns_every_day_in_order() -> None:
    monday = date(2026, 6, 15)
    days = free_slots(start=monday, end=SUNDAY, **engine_kwargs(monday))
    assert [d.date for d in days] == [monday + timedelta(days=i) for i in range(7)]
    assert [d.is_open for d in days] == [True] * 6 + [False]
    assert [len(d.slots) for d in days] == [34] * 5 + [21, 0]


def test_range_result_equals_day_by_day_results() -> None:
    monday = date(2026, 6, 15)
    kwargs = engine_kwargs(
        monday,
        busy=(busy(1, TUESDAY, "09:00", "10:10"), busy(2, TUESDAY, "08:00", "12:00")),
        closures=(closure(SATURDAY, "10:00", "11:00", "Event"),),
        now=utc(monday, "08:00"),
    )
    week = free_slots(start=monday, end=SUNDAY, **kwargs)
    for day in week:
        assert free_slots(start=day.date, end=day.date, **kwargs) == [day]


# --- DST ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DstCase:
    day: date
    opens: time
    closes: time
    duration_minutes: int
    count: int
    first_utc: str  # HH:MM in UTC of the first offered start
    last_utc: str


DST_CASES = {
    # 00:00 EST = 05:00Z; the interval ends 06:00 EDT = 10:00Z, 5 real hours; 02:00-02:45 don't
    # exist, so 24 wall times minus 4.
    "spring-forward-night-shift": DstCase(
        SPRING_FORWARD, time(0), time(6), 15, 20, "05:00", "09:45"
    ),
    "spring-forward-night-shift-60-minutes": DstCase(
        SPRING_FORWARD, time(0), time(6), 60, 17, "05:00", "09:00"
    ),
    # Only 5 real hours: a 5 hour visit fits once.
    "spring-forward-five-hour-visit": DstCase(
        SPRING_FORWARD, time(0), time(6), 300, 1, "05:00", "05:00"
    ),
    # 00:00 EDT = 04:00Z to 06:00 EST = 11:00Z, 7 real hours; 01:00-01:45 offered once (EDT).
    "fall-back-night-shift": DstCase(FALL_BACK, time(0), time(6), 15, 24, "04:00", "10:45"),
    "fall-back-night-shift-60-minutes": DstCase(
        FALL_BACK, time(0), time(6), 60, 21, "04:00", "10:00"
    ),
    # 00:00-03:00 lasts 4 real hours: a 3 hour visit can start up to 01:00 EDT (05:00Z).
    "fall-back-three-hour-visit-uses-the-extra-hour": DstCase(
        FALL_BACK, time(0), time(3), 180, 5, "04:00", "05:00"
    ),
    "spring-forward-ordinary-day": DstCase(
        SPRING_FORWARD, time(7, 30), time(18), 60, 39, "11:30", "21:00"
    ),
    "fall-back-ordinary-day": DstCase(FALL_BACK, time(7, 30), time(18), 60, 39, "12:30", "22:00"),
    # Opening inside the gap: the interval starts when the clock jumps (03:00 EDT = 07:00Z).
    "spring-forward-opening-in-the-gap": DstCase(
        SPRING_FORWARD, time(2, 30), time(6), 60, 9, "07:00", "09:00"
    ),
    # Closing inside the gap: the interval ends when the clock jumps (07:00Z).
    "spring-forward-closing-in-the-gap": DstCase(
        SPRING_FORWARD, time(0), time(2, 30), 60, 5, "05:00", "06:00"
    ),
    # Opening on an ambiguous time: its first occurrence (01:30 EDT = 05:30Z); the interval ends
    # 03:00 EST = 08:00Z. Wall times 01:30, 01:45 (EDT) and 02:00 EST (07:00Z) fit an hour.
    "fall-back-opening-on-an-ambiguous-time": DstCase(
        FALL_BACK, time(1, 30), time(3), 60, 3, "05:30", "07:00"
    ),
}


def dst_day(case: DstCase, **overrides: Any) -> DayAvailability:
    hours = (OpeningInterval(case.day.weekday(), case.opens, case.closes),)
    return one_day(
        case.day,
        opening_hours=hours,
        duration=timedelta(minutes=case.duration_minutes),
        **overrides,
    )


@pytest.mark.parametrize("case", DST_CASES.values(), ids=DST_CASES.keys())
def test_dst_days(case: DstCase) -> None:
    result = dst_day(case)
    starts = [slot.starts_at for slot in result.slots]
    assert result.is_open
    assert len(starts) == case.count
    assert starts[0].strftime("%H:%M") == case.first_utc
    assert starts[-1].strftime("%H:%M") == case.last_utc
    assert len(set(starts)) == len(starts) and starts == sorted(starts)
    for start in starts:
        wall = start.astimezone(NY)
        assert wall.date() == case.day
        assert wall.fold == 0  # never the second occurrence of a repeated wall time
        assert not (case.day == SPRING_FORWARD and wall.hour == 2)  # 02:xx doesn't exist
        # Every offered wall time is on the grid counted from the opening time.
        opened = datetime.combine(case.day, case.opens)
        assert (wall.replace(tzinfo=None) - opened) % timedelta(minutes=15) == timedelta(0)


def test_seven_thirty_local_in_utc_on_dst_days() -> None:
    spring = one_day(SPRING_FORWARD + timedelta(days=1))  # Monday after, same offset
    assert spring.slots[0].starts_at == datetime(2026, 3, 9, 11, 30, tzinfo=UTC)
    hours = (OpeningInterval(6, time(7, 30), time(18)),)
    for day, expected in (
        (SPRING_FORWARD, datetime(2026, 3, 8, 11, 30, tzinfo=UTC)),
        (FALL_BACK, datetime(2026, 11, 1, 12, 30, tzinfo=UTC)),
    ):
        assert one_day(day, opening_hours=hours).slots[0].starts_at == expected


def test_fall_back_repeated_hour_is_offered_once() -> None:
    result = dst_day(DST_CASES["fall-back-night-shift"])
    walls = [slot.starts_at.astimezone(NY).strftime("%H:%M") for slot in result.slots]
    assert len(walls) == len(set(walls))
    assert walls.count("01:30") == 1
    second_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert second_0130 not in {slot.starts_at for slot in result.slots}


def test_busy_block_across_the_spring_forward_gap() -> None:
    # One bay busy 01:30 EST (06:30Z) to 03:30 EDT (07:30Z): one real hour.
    case = DST_CASES["spring-forward-night-shift"]
    block = Busy(
        1, datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    )
    result = dst_day(
        case, bays=(BayInfo(1, LIFT),), busy=(block,), rules=BookingRules(buffer=timedelta(0))
    )
    walls = [local(slot.starts_at) for slot in result.slots]
    assert "01:15" in walls  # ends 06:30Z, exactly when the block starts
    assert "01:30" not in walls and "01:45" not in walls and "03:15" not in walls
    assert "03:30" in walls


def test_interval_entirely_inside_the_gap_is_not_open() -> None:
    hours = (OpeningInterval(6, time(2, 10), time(2, 50)),)
    result = one_day(SPRING_FORWARD, opening_hours=hours, duration=timedelta(minutes=5))
    assert (result.is_open, result.slots, result.closed_reason) == (False, (), None)


def test_whole_day_closure_on_the_fall_back_day() -> None:
    # A closure from local midnight to local midnight spans 25 real hours.
    holiday = Closure(at(FALL_BACK, "00:00"), at(FALL_BACK + timedelta(days=1), "00:00"), "Off")
    case = DST_CASES["fall-back-night-shift"]
    result = dst_day(case, closures=(holiday,))
    assert (result.is_open, result.closed_reason) == (False, "Off")


# --- is_offered / slot_at agreement --------------------------------------------------------------

AGREEMENT_SCENARIOS = {
    "ordinary-day-with-busy-and-closure": (
        TUESDAY,
        {
            "busy": (busy(1, TUESDAY, "09:00", "10:10"), busy(2, TUESDAY, "09:30", "11:00")),
            "closures": (closure(TUESDAY, "15:00", "16:00", "Meeting"),),
            "now": utc(TUESDAY, "06:00"),
        },
    ),
    "blocked-times": (
        TUESDAY,
        {
            "blocked": (
                (utc(TUESDAY, "09:00"), utc(TUESDAY, "10:00")),
                (utc(TUESDAY, "13:00"), utc(TUESDAY, "13:10")),
            )
        },
    ),
    "spring-forward-night": (
        SPRING_FORWARD,
        {"opening_hours": (OpeningInterval(6, time(0), time(6)),)},
    ),
    "fall-back-night": (FALL_BACK, {"opening_hours": (OpeningInterval(6, time(0), time(6)),)}),
}


@pytest.mark.parametrize(
    ("day", "overrides"), AGREEMENT_SCENARIOS.values(), ids=AGREEMENT_SCENARIOS.keys()
)
def test_is_offered_agrees_with_free_slots(day: date, overrides: dict[str, Any]) -> None:
    kwargs = engine_kwargs(day, **overrides)
    (result,) = free_slots(start=day, end=day, **kwargs)
    offered = {slot.starts_at: slot for slot in result.slots}
    assert offered
    instant = datetime.combine(day, time(), tzinfo=NY).astimezone(UTC) - timedelta(hours=2)
    stop = instant + timedelta(hours=29)
    while instant < stop:
        assert is_offered(instant, **kwargs) is (instant in offered), instant
        assert slot_at(instant, **kwargs) == offered.get(instant)
        instant += timedelta(minutes=5)


def test_is_offered_accepts_any_zone_for_the_start() -> None:
    kwargs = engine_kwargs(TUESDAY)
    assert is_offered(at(TUESDAY, "07:30"), **kwargs)
    assert is_offered(at(TUESDAY, "07:30").astimezone(ZoneInfo("Asia/Tokyo")), **kwargs)
    assert not is_offered(at(TUESDAY, "07:35"), **kwargs)


# --- validation ---------------------------------------------------------------------------------

NAIVE = datetime(2026, 6, 16, 9, 0)

INVALID = {
    "zero-duration": {"duration": timedelta(0)},
    "negative-duration": {"duration": timedelta(minutes=-15)},
    "naive-now": {"now": NAIVE},
    "naive-busy": {"busy": (Busy(1, NAIVE, NAIVE + timedelta(hours=1)),)},
    "naive-closure": {"closures": (Closure(NAIVE, NAIVE + timedelta(hours=1), "x"),)},
    "naive-blocked": {"blocked": ((NAIVE, NAIVE + timedelta(hours=1)),)},
    "zero-slot-interval": {"rules": BookingRules(slot_interval=timedelta(0))},
    "interval-closing-before-opening": {"opening_hours": (OpeningInterval(1, time(12), time(8)),)},
    "bad-weekday": {"opening_hours": (OpeningInterval(7, time(8), time(12)),)},
}


@pytest.mark.parametrize("overrides", INVALID.values(), ids=INVALID.keys())
def test_invalid_input_raises_value_error(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        one_day(TUESDAY, **overrides)


def test_end_before_start_raises() -> None:
    with pytest.raises(ValueError):
        free_slots(start=TUESDAY, end=TUESDAY - timedelta(days=1), **engine_kwargs(TUESDAY))


def test_naive_start_for_is_offered_raises() -> None:
    with pytest.raises(ValueError):
        is_offered(NAIVE, **engine_kwargs(TUESDAY))

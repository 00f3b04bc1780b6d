"""Table-driven tests of the waiter and drop-off caps, alone and through the engine's hook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.availability import (
    BayInfo,
    BookingRules,
    OpeningInterval,
    free_slots,
    is_offered,
)
from autoshop.domain.choices import VisitMode
from autoshop.domain.visit_caps import Started, VisitCaps, cap_index

NY = ZoneInfo("America/New_York")
TUESDAY = date(2026, 6, 16)  # an ordinary EDT day
WEDNESDAY = date(2026, 6, 17)
SPRING_FORWARD = date(2026, 3, 8)  # Sunday: 02:00 -> 03:00 in New York
FALL_BACK = date(2026, 11, 1)  # Sunday: 02:00 -> 01:00 in New York
WAIT, DROP = VisitMode.WAIT, VisitMode.DROP_OFF

#: 08:00-14:00 every day; night hours 00:00-05:00 on Sundays, to meet the DST transitions.
HOURS = tuple(
    [OpeningInterval(wd, time(8), time(14)) for wd in range(6)]
    + [OpeningInterval(6, time(0), time(5))]
)
BAYS = tuple(BayInfo(i, frozenset({"general"})) for i in range(1, 9))  # bays are never the limit


def at(day: date, hhmm: str, fold: int = 0) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=NY).replace(fold=fold)


def offered(
    day: date,
    mode: VisitMode,
    caps: VisitCaps | None,
    started: list[Started],
    *,
    end: date | None = None,
) -> list[str]:
    """The local starts offered for a 15-minute visit of `mode` (wall time, fold marked '*')."""
    index = cap_index(caps, mode, NY, started) if caps is not None else None
    days = free_slots(
        opening_hours=HOURS,
        closures=(),
        bays=BAYS,
        busy=(),
        duration=timedelta(minutes=15),
        capabilities=frozenset(),
        rules=BookingRules(slot_interval=timedelta(minutes=15), minimum_notice=timedelta(0)),
        zone=NY,
        start=day,
        end=end or day,
        now=datetime.combine(day - timedelta(days=1), time(0), tzinfo=UTC),
        caps=index,
    )
    out = []
    for d in days:
        for slot in d.slots:
            local = slot.starts_at.astimezone(NY)
            out.append(f"{local:%H:%M}{'*' if local.fold else ''}")
    return out


def grid(day: date, first: str, last: str) -> list[str]:
    """Every 15-minute wall time from `first` to `last`, both included."""
    out, t = [], datetime.combine(day, time.fromisoformat(first))
    while t <= datetime.combine(day, time.fromisoformat(last)):
        out.append(f"{t:%H:%M}")
        t += timedelta(minutes=15)
    return out


ALL_TUESDAY = grid(TUESDAY, "08:00", "13:45")


@dataclass
class Case:
    name: str
    mode: VisitMode
    caps: VisitCaps | None
    started: list[Started]
    missing: list[str] = field(default_factory=list)  # starts of ALL_TUESDAY not offered


def wait(hhmm: str, day: date = TUESDAY) -> Started:
    return Started(at(day, hhmm), WAIT)


def drop(hhmm: str, day: date = TUESDAY) -> Started:
    return Started(at(day, hhmm), DROP)


CASES = [
    Case("caps off: full lounge changes nothing", WAIT, None, [wait("09:00")] * 5),
    Case("caps set, nobody booked", WAIT, VisitCaps(1, 60, 1), []),
    Case(
        "one waiter an hour: the 9:00-10:00 block is full, 8:45 and 10:00 are not",
        WAIT,
        VisitCaps(waiters=1, wait_minutes=60),
        [wait("09:45")],
        grid(TUESDAY, "09:00", "09:45"),
    ),
    Case(
        "two an hour: one booked leaves room",
        WAIT,
        VisitCaps(waiters=2, wait_minutes=60),
        [wait("09:00")],
    ),
    Case(
        "two an hour: two booked fill the block",
        WAIT,
        VisitCaps(waiters=2, wait_minutes=60),
        [wait("09:00"), wait("09:59")],
        grid(TUESDAY, "09:00", "09:45"),
    ),
    Case(
        "blocks of 30 minutes: 10:29 fills 10:00-10:30 only",
        WAIT,
        VisitCaps(waiters=1, wait_minutes=30),
        [wait("10:29")],
        ["10:00", "10:15"],
    ),
    Case(
        "blocks of 90 minutes from midnight: 09:00-10:30",
        WAIT,
        VisitCaps(waiters=1, wait_minutes=90),
        [wait("10:00")],
        grid(TUESDAY, "09:00", "10:15"),
    ),
    Case(
        "drop-offs don't count against the lounge",
        WAIT,
        VisitCaps(waiters=1, wait_minutes=60),
        [drop("09:00"), drop("09:15")],
    ),
    Case(
        "a waiter on another day counts on that day only",
        WAIT,
        VisitCaps(waiters=1, wait_minutes=60),
        [wait("09:00", WEDNESDAY)],
    ),
    Case(
        "a drop-off isn't limited by the lounge",
        DROP,
        VisitCaps(waiters=1, wait_minutes=60),
        [wait("09:00"), drop("09:00")],
    ),
    Case(
        "two drop-offs a morning: the morning is full, noon on is not",
        DROP,
        VisitCaps(drop_offs=2),
        [drop("08:00"), drop("11:59")],
        grid(TUESDAY, "08:00", "11:45"),
    ),
    Case(
        "an afternoon drop-off doesn't count towards the morning",
        DROP,
        VisitCaps(drop_offs=1),
        [drop("12:00"), drop("13:00")],
    ),
    Case(
        "waiters don't count towards the drop-offs",
        DROP,
        VisitCaps(waiters=5, wait_minutes=60, drop_offs=1),
        [wait("08:00"), wait("09:00")],
    ),
    Case(
        "the drop-off cap leaves waiting customers alone",
        WAIT,
        VisitCaps(drop_offs=1),
        [drop("08:00")],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_caps_leave_out_exactly_the_full_blocks(case: Case) -> None:
    expected = [t for t in ALL_TUESDAY if t not in case.missing]
    assert offered(TUESDAY, case.mode, case.caps, case.started) == expected


def test_a_full_morning_on_one_day_leaves_the_next_morning_open() -> None:
    shown = offered(TUESDAY, DROP, VisitCaps(drop_offs=1), [drop("08:00")], end=WEDNESDAY)
    assert shown == grid(TUESDAY, "12:00", "13:45") + grid(WEDNESDAY, "08:00", "13:45")


def test_is_offered_agrees_with_the_caps() -> None:
    index = cap_index(VisitCaps(1, 60), WAIT, NY, [wait("09:30")])
    kwargs = dict(
        opening_hours=HOURS,
        closures=(),
        bays=BAYS,
        busy=(),
        duration=timedelta(minutes=15),
        capabilities=frozenset(),
        rules=BookingRules(minimum_notice=timedelta(0)),
        zone=NY,
        now=datetime(2026, 6, 15, tzinfo=UTC),
    )
    assert is_offered(at(TUESDAY, "10:00"), **kwargs, caps=index)
    assert not is_offered(at(TUESDAY, "09:00"), **kwargs, caps=index)
    assert is_offered(at(TUESDAY, "09:00"), **kwargs)  # without the hook: bays only


def test_spring_forward_blocks_follow_the_wall_clock() -> None:
    """02:00-03:00 doesn't exist; a 2-hour block 00:00-02:00 holds the 1:30 waiter, and 03:00
    starts the 02:00-04:00 block, which is empty: offered, 30 real minutes after the waiter."""
    night = grid(SPRING_FORWARD, "00:00", "01:45") + grid(SPRING_FORWARD, "03:00", "04:45")
    assert offered(SPRING_FORWARD, WAIT, VisitCaps(1, 120), []) == night
    assert offered(SPRING_FORWARD, WAIT, VisitCaps(1, 120), [wait("01:30", SPRING_FORWARD)]) == (
        grid(SPRING_FORWARD, "03:00", "04:45")
    )


def test_fall_back_hour_is_one_block_on_the_wall_clock() -> None:
    """01:00-02:00 happens twice; the shop's wall clock reads one block for both, so a waiter in
    the second 1:30 (EST) fills the first 1:00-1:45 (EDT) too. Repeated times are offered once."""
    night = grid(FALL_BACK, "00:00", "04:45")
    assert offered(FALL_BACK, WAIT, VisitCaps(1, 60), []) == night
    second = Started(at(FALL_BACK, "01:30", fold=1), WAIT)
    assert second.starts_at.utcoffset() == timedelta(hours=-5)
    shown = offered(FALL_BACK, WAIT, VisitCaps(1, 60), [second])
    assert shown == [t for t in night if not t.startswith("01:")]


def test_a_drop_off_morning_on_a_dst_day_ends_at_local_noon() -> None:
    index = cap_index(VisitCaps(drop_offs=1), DROP, NY, [drop("04:00", FALL_BACK)])
    assert index is not None
    assert not index.fits(at(FALL_BACK, "11:59"))
    assert index.fits(at(FALL_BACK, "12:00"))
    assert index.fits(at(FALL_BACK, "00:00") + timedelta(days=1))


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"waiters": 0, "wait_minutes": 60}, "waiters must be positive"),
        ({"waiters": -2, "wait_minutes": 60}, "waiters must be positive"),
        ({"waiters": 2, "wait_minutes": 0}, "wait_minutes must be positive"),
        ({"waiters": 2, "wait_minutes": 1441}, "at most a day"),
        ({"waiters": 2}, "needs its interval"),
        ({"wait_minutes": 60}, "needs its interval"),
        ({"drop_offs": 0}, "drop_offs must be positive"),
    ],
)
def test_bad_caps_are_refused(kwargs: dict[str, int], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        VisitCaps(**kwargs)


def test_an_uncapped_mode_gets_no_index() -> None:
    assert cap_index(VisitCaps(drop_offs=3), WAIT, NY, []) is None
    assert cap_index(VisitCaps(), DROP, NY, []) is None

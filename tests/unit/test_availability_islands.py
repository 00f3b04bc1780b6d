"""Busy time handed to the engine as `BusyIslands` (integer epoch microseconds, merged per bay),
the shape services/availability.load_busy_islands reads from SQL: same answers as `Busy` rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from autoshop.domain.availability import BayInfo, BookingRules, Busy, BusyIslands, free_slots
from tests.unit.test_availability import LIFT, TUESDAY, engine_kwargs, local, utc

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR_US = 3_600_000_000
REACH = HOUR_US  # a 60-minute visit with no buffer
RULES = BookingRules(buffer=timedelta(0))


def us(hhmm: str) -> int:
    return (utc(TUESDAY, hhmm) - EPOCH) // timedelta(microseconds=1)


def starts(**overrides: Any) -> list[str]:
    kwargs = engine_kwargs(TUESDAY, rules=RULES, **overrides)
    (day,) = free_slots(start=TUESDAY, end=TUESDAY, **kwargs)
    return [local(s.starts_at) for s in day.slots if s.starts_at < utc(TUESDAY, "12:00")]


def one_bay_islands(pairs: list[tuple[str, str]], gap_us: int, bay_id: int = 1) -> BusyIslands:
    return BusyIslands(
        [bay_id] * len(pairs), [us(a) for a, _ in pairs], [us(b) for _, b in pairs], gap_us
    )


ONE_LIFT = (BayInfo(1, LIFT),)
# Lift 1 busy 09:00-09:30 and 10:30-11:00: exactly one reach apart, so 09:30 (ending 10:30) fits.
MORNING = ["07:30", "07:45", "08:00", "09:30", "11:00"]


@pytest.mark.parametrize(
    "given",
    [
        {
            "busy": [
                Busy(1, utc(TUESDAY, "09:00"), utc(TUESDAY, "09:30")),
                Busy(1, utc(TUESDAY, "10:30"), utc(TUESDAY, "11:00")),
            ]
        },
        {"islands": one_bay_islands([("09:00", "09:30"), ("10:30", "11:00")], 0)},
        {"islands": one_bay_islands([("10:30", "11:00"), ("09:00", "09:30")], REACH)},
        # An island on a bay that isn't active (or can't do the visit) is ignored.
        {
            "islands": BusyIslands(
                [1, 7, 1],
                [us("09:00"), us("07:30"), us("10:30")],
                [us("09:30"), us("12:00"), us("11:00")],
                REACH,
            )
        },
        {
            "busy": [Busy(1, utc(TUESDAY, "09:00"), utc(TUESDAY, "09:30"))],
            "islands": one_bay_islands([("10:30", "11:00")], REACH),
        },
    ],
    ids=["busy-rows", "islands-unjoined", "islands-at-reach", "unknown-bay", "both"],
)
def test_a_gap_of_exactly_the_reach_still_fits_the_visit(given: dict[str, Any]) -> None:
    assert starts(bays=ONE_LIFT, **given) == MORNING


def test_islands_joined_within_the_reach_block_only_what_the_blocks_block() -> None:
    # 09:00-09:30 and 10:15-11:00 are 45 minutes apart: a 60-minute visit can't use the gap,
    # so joining them into 09:00-11:00 changes nothing.
    apart = starts(
        bays=ONE_LIFT, islands=one_bay_islands([("09:00", "09:30"), ("10:15", "11:00")], 0)
    )
    joined = starts(bays=ONE_LIFT, islands=one_bay_islands([("09:00", "11:00")], REACH))
    assert apart == joined == ["07:30", "07:45", "08:00", "11:00"]


def test_free_bays_count_islands_per_bay() -> None:
    kwargs = engine_kwargs(TUESDAY, rules=RULES)
    islands = BusyIslands([1, 2], [us("09:00"), us("09:30")], [us("10:00"), us("10:00")], REACH)
    (day,) = free_slots(start=TUESDAY, end=TUESDAY, **{**kwargs, "islands": islands})
    free = {local(s.starts_at): s.free_bays for s in day.slots}
    # Lift 1 busy 09:00-10:00, Lift 2 09:30-10:00.
    assert free["08:00"] == 2 and free["08:15"] == free["08:30"] == 1
    assert "08:45" not in free and "09:45" not in free and free["10:00"] == 2


def test_microseconds_are_kept() -> None:
    # Busy until one microsecond past 09:00: a start at 09:00 is taken, 09:15 is free.
    islands = BusyIslands([1], [us("08:30")], [us("09:00") + 1], REACH)
    offered = starts(bays=ONE_LIFT, islands=islands)
    assert "09:00" not in offered and "09:15" in offered and "07:15" not in offered


INVALID = {
    "joined-across-a-gap-the-visit-fits": one_bay_islands([("09:00", "09:30")], REACH + 1),
    "negative-gap": one_bay_islands([("09:00", "09:30")], -1),
    "empty-island": BusyIslands([1], [us("09:00")], [us("09:00")], REACH),
    "lengths-differ": BusyIslands([1, 2], [us("09:00")], [us("10:00")], REACH),
}


@pytest.mark.parametrize("islands", INVALID.values(), ids=INVALID.keys())
def test_islands_that_could_change_an_answer_are_refused(islands: BusyIslands) -> None:
    with pytest.raises(ValueError):
        starts(bays=ONE_LIFT, islands=islands)

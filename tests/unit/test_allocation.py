"""Tests of best-fit bay allocation (DESIGN.md section 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.allocation import rank_bays
from autoshop.domain.availability import BayInfo, Busy

LIFT = frozenset({"general", "lift"})
FULL = frozenset({"general", "lift", "alignment"})
ALIGNMENT = frozenset({"general", "alignment"})

DAY = datetime(2026, 6, 16, tzinfo=UTC)
START = DAY.replace(hour=10)
BLOCK_END = DAY.replace(hour=11, minute=10)


def at(hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return DAY.replace(hour=hours, minute=minutes)


def block(bay_id: int, start: str, end: str) -> Busy:
    return Busy(bay_id, at(start), at(end))


CASES = {
    "tightest-two-sided-gap-first": (
        [BayInfo(1, LIFT), BayInfo(2, LIFT), BayInfo(3, LIFT)],
        [
            block(2, "09:00", "09:30"),
            block(2, "12:00", "13:00"),
            block(1, "08:00", "10:00"),
            block(1, "11:10", "13:00"),
        ],
        frozenset({"lift"}),
        [1, 2, 3],  # gaps: 70 min, 150 min, unbounded
    ),
    "two-sided-before-one-sided-before-empty": (
        [BayInfo(i, LIFT) for i in range(1, 6)],
        [
            block(1, "09:50", "10:00"),  # one-sided, touching: distance 0
            block(2, "11:30", "12:00"),  # one-sided, 20 min after
            block(3, "07:00", "08:00"),  # one-sided, 2 h before
            block(5, "06:00", "07:00"),
            block(5, "15:00", "16:00"),  # two-sided, 8 h gap
        ],
        frozenset({"lift"}),
        [5, 1, 2, 3, 4],
    ),
    "latest-end-before-and-earliest-start-after-count": (
        [BayInfo(1, LIFT), BayInfo(2, LIFT)],
        [
            block(1, "12:00", "13:00"),
            block(1, "07:00", "08:00"),
            block(1, "11:30", "11:45"),
            block(1, "09:00", "09:40"),
            block(2, "08:00", "09:00"),
            block(2, "12:00", "13:00"),
        ],
        frozenset(),
        [1, 2],  # bay 1: 09:40..11:30 = 110 min; bay 2: 09:00..12:00 = 180 min
    ),
    "tie-goes-to-fewer-capabilities": (
        [BayInfo(1, FULL), BayInfo(2, LIFT)],
        [],
        frozenset({"lift"}),
        [2, 1],
    ),
    "tie-with-same-capabilities-goes-to-lower-id": (
        [BayInfo(3, LIFT), BayInfo(1, LIFT), BayInfo(2, LIFT)],
        [block(3, "09:00", "09:30"), block(1, "09:00", "09:30")],
        frozenset({"lift"}),
        [1, 3, 2],
    ),
    "gap-beats-capabilities": (
        [BayInfo(1, FULL), BayInfo(2, LIFT)],
        [block(1, "09:00", "10:00"), block(1, "11:10", "12:00")],
        frozenset({"lift"}),
        [1, 2],
    ),
    "only-capable-bays": (
        [BayInfo(1, LIFT), BayInfo(2, ALIGNMENT), BayInfo(3, FULL)],
        [],
        frozenset({"alignment"}),
        [2, 3],
    ),
    "busy-bays-are-left-out": (
        [BayInfo(1, LIFT), BayInfo(2, LIFT), BayInfo(3, LIFT)],
        [block(1, "11:00", "12:00"), block(3, "09:00", "10:01")],
        frozenset({"lift"}),
        [2],
    ),
    "touching-blocks-are-not-conflicts": (
        [BayInfo(1, LIFT)],
        [block(1, "09:00", "10:00"), block(1, "11:10", "12:00")],
        frozenset({"lift"}),
        [1],
    ),
    "busy-on-other-bays-is-ignored": (
        [BayInfo(1, LIFT)],
        [block(9, "10:00", "11:00")],
        frozenset({"lift"}),
        [1],
    ),
    "no-free-bay": (
        [BayInfo(1, LIFT), BayInfo(2, LIFT)],
        [block(1, "10:30", "10:45"), block(2, "08:00", "18:00")],
        frozenset({"lift"}),
        [],
    ),
    "no-capable-bay": (
        [BayInfo(1, LIFT)],
        [],
        frozenset({"lift", "alignment"}),
        [],
    ),
}


@pytest.mark.parametrize(
    ("bays", "busy", "capabilities", "expected"), CASES.values(), ids=CASES.keys()
)
def test_rank_bays(
    bays: list[BayInfo], busy: list[Busy], capabilities: frozenset[str], expected: list[int]
) -> None:
    ranked = rank_bays(
        bays=bays,
        busy=busy,
        starts_at=START,
        block_ends_at=BLOCK_END,
        capabilities=capabilities,
    )
    assert ranked == expected


def test_accepts_other_zones() -> None:
    ny = ZoneInfo("America/New_York")
    busy = [Busy(1, START.astimezone(ny) - timedelta(hours=1), START.astimezone(ny))]
    ranked = rank_bays(
        bays=[BayInfo(1, LIFT), BayInfo(2, LIFT)],
        busy=busy,
        starts_at=START.astimezone(ny),
        block_ends_at=BLOCK_END,
        capabilities=frozenset({"lift"}),
    )
    assert ranked == [1, 2]


@pytest.mark.parametrize(
    ("starts_at", "block_ends_at", "busy"),
    [
        (START.replace(tzinfo=None), BLOCK_END, []),
        (START, BLOCK_END.replace(tzinfo=None), []),
        (START, START, []),
        (BLOCK_END, START, []),
        (START, BLOCK_END, [Busy(1, datetime(2026, 6, 16, 9), datetime(2026, 6, 16, 10))]),
    ],
    ids=["naive-start", "naive-end", "empty-block", "reversed-block", "naive-busy"],
)
def test_invalid_input_raises(
    starts_at: datetime, block_ends_at: datetime, busy: list[Busy]
) -> None:
    with pytest.raises(ValueError):
        rank_bays(
            bays=[BayInfo(1, LIFT)],
            busy=busy,
            starts_at=starts_at,
            block_ends_at=block_ends_at,
            capabilities=frozenset(),
        )

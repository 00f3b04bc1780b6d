"""Caps on waiting customers and drop-offs: does one more visit of a mode fit at a start?

A location may cap (both optional, `None` = no cap):

* **waiters**: at most `waiters` "wait" visits may *start* in any one block of `wait_minutes`
  minutes. Blocks are fixed and aligned on the local wall clock from midnight (60 minutes:
  8:00-9:00, 9:00-10:00, ...; 30 minutes: 8:00-8:30, 8:30-9:00, ...), the way a shop thinks
  about its lounge ("two waiters per hour"). On a DST day the blocks follow the wall clock too:
  a wall time that happens twice (fall back) falls in the same block both times; a block cut by
  midnight (a length that doesn't divide 24 h) ends at midnight.
* **drop-offs**: at most `drop_offs` drop-off visits may start in one local *morning*: from
  midnight to before 12:00 noon, local time. Drop-offs starting at noon or later are not capped.

Only visits that hold a bay count (scheduled, checked in, in progress ...; not cancelled or no
shows); a visit being moved is left out of its own count. The rule is pure: `now`, the zone and
the visits already started are passed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from autoshop.domain.bounds import Range
from autoshop.domain.choices import VisitMode

__all__ = [
    "DROP_OFFS",
    "MORNING_ENDS",
    "WAITERS",
    "WAIT_MINUTES",
    "CapIndex",
    "Started",
    "VisitCaps",
    "cap_index",
]

#: Drop-offs starting before this local time count towards the morning's cap.
MORNING_ENDS = time(12, 0)
MINUTES_PER_DAY = 24 * 60
#: What an admin may enter (the database checks the same ranges).
WAITERS = Range(1, 1000, "waiting customers")
WAIT_MINUTES = Range(5, MINUTES_PER_DAY, "minutes")
DROP_OFFS = Range(1, 1000, "drop-offs")


@dataclass(frozen=True, slots=True)
class VisitCaps:
    """A location's caps; None switches one off."""

    waiters: int | None = None
    wait_minutes: int | None = None
    drop_offs: int | None = None

    def __post_init__(self) -> None:
        if (self.waiters is None) != (self.wait_minutes is None):
            raise ValueError("a waiter cap needs its interval and an interval needs its cap")
        for name, value in (
            ("waiters", self.waiters),
            ("wait_minutes", self.wait_minutes),
            ("drop_offs", self.drop_offs),
        ):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive")
        if self.wait_minutes is not None and self.wait_minutes > MINUTES_PER_DAY:
            raise ValueError("wait_minutes must be at most a day")

    @property
    def any(self) -> bool:
        return self.waiters is not None or self.drop_offs is not None

    def limits(self, mode: VisitMode) -> bool:
        """Whether visits of `mode` are capped at all."""
        return (self.waiters if mode is VisitMode.WAIT else self.drop_offs) is not None


@dataclass(frozen=True, slots=True)
class Started:
    """A visit that holds its place: when it starts and whether the customer waits."""

    starts_at: datetime
    mode: VisitMode


class CapIndex:
    """Visits of one mode counted per block (waiters) or per morning (drop-offs), answering
    "does one more visit of this mode fit at t" in O(1)."""

    __slots__ = ("_cap", "_counts", "_minutes", "_mode", "_zone")

    def __init__(
        self, caps: VisitCaps, mode: VisitMode, zone: ZoneInfo, started: Iterable[Started]
    ) -> None:
        if not caps.limits(mode):
            raise ValueError(f"{mode.value} visits are not capped")
        self._mode = mode
        self._zone = zone
        self._minutes = caps.wait_minutes
        cap = caps.waiters if mode is VisitMode.WAIT else caps.drop_offs
        assert cap is not None
        self._cap = cap
        self._counts: Counter[tuple[date, int]] = Counter()
        for visit in started:
            if visit.mode is mode:
                key = self.block_of(visit.starts_at)
                if key is not None:
                    self._counts[key] += 1

    def block_of(self, starts_at: datetime) -> tuple[date, int] | None:
        """The block a start counts in: (local date, block number); None when uncapped (a
        drop-off in the afternoon)."""
        if starts_at.tzinfo is None or starts_at.utcoffset() is None:
            raise ValueError("starts_at must be a timezone-aware datetime")
        local = starts_at.astimezone(self._zone)
        if self._mode is VisitMode.WAIT:
            assert self._minutes is not None
            return local.date(), (local.hour * 60 + local.minute) // self._minutes
        if local.time() >= MORNING_ENDS:
            return None
        return local.date(), 0

    def taken(self, starts_at: datetime) -> int:
        """How many visits of the mode already count in the block of `starts_at`."""
        key = self.block_of(starts_at)
        return 0 if key is None else self._counts[key]

    def fits(self, starts_at: datetime) -> bool:
        """Whether one more visit of the mode may start at `starts_at`."""
        key = self.block_of(starts_at)
        return key is None or self._counts[key] < self._cap


def cap_index(
    caps: VisitCaps, mode: VisitMode, zone: ZoneInfo, started: Iterable[Started]
) -> CapIndex | None:
    """The index for visits of `mode`, or None when that mode is not capped."""
    return CapIndex(caps, mode, zone, started) if caps.limits(mode) else None

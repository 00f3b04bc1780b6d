"""Whether a booked visit still fits the shop's schedule (closures, bays in use and not down,
opening hours).

A visit that no longer fits is a conflict: it was booked under the old schedule and nobody has
rescheduled or cancelled it yet. Conflicts are computed from the schedule and the visit, never
stored, so changing the schedule back (or moving the visit) resolves them by itself.

Opening hours are compared in the shop's local wall-clock time, as the availability engine builds
its grid: the visit [starts_at, ends_at) (without the buffer) must lie inside one opening interval
of its local day. Pure functions, standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from autoshop.domain.availability import Closure, Downtime, OpeningInterval

__all__ = [
    "BookedVisit",
    "Conflict",
    "ConflictKind",
    "Schedule",
    "conflicts_of",
    "new_conflicts",
]


class ConflictKind(StrEnum):
    CLOSURE = "closure"
    BAY_INACTIVE = "bay_inactive"
    BAY_DOWN = "bay_down"
    OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why a visit doesn't fit: `detail` is the reason of a closure or a bay's downtime, else
    empty."""

    kind: ConflictKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BookedVisit:
    """A booked visit as the schedule sees it: [starts_at, ends_at) on one bay (aware times)."""

    starts_at: datetime
    ends_at: datetime
    bay_id: int


@dataclass(frozen=True, slots=True)
class Schedule:
    """One location's schedule: weekly opening intervals, closures, the bays not in use and
    the bays' downtimes."""

    zone: ZoneInfo
    opening_hours: Sequence[OpeningInterval]
    closures: Sequence[Closure] = ()
    inactive_bays: frozenset[int] = field(default_factory=frozenset)
    downtimes: Sequence[Downtime] = ()

    def with_closure(self, closure: Closure) -> Schedule:
        return replace(self, closures=(*self.closures, closure))

    def with_bay_inactive(self, bay_id: int) -> Schedule:
        return replace(self, inactive_bays=self.inactive_bays | {bay_id})

    def with_downtime(self, downtime: Downtime) -> Schedule:
        return replace(self, downtimes=(*self.downtimes, downtime))

    def with_day_hours(self, weekday: int, intervals: Iterable[OpeningInterval]) -> Schedule:
        """The same schedule with `weekday`'s intervals replaced (none: closed that day)."""
        kept = [i for i in self.opening_hours if i.weekday != weekday]
        return replace(self, opening_hours=(*kept, *intervals))


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")


def _within_hours(visit: BookedVisit, schedule: Schedule) -> bool:
    start = visit.starts_at.astimezone(schedule.zone)
    end = visit.ends_at.astimezone(schedule.zone)
    if start.date() != end.date():
        return False  # no opening interval runs past midnight
    weekday = start.weekday()
    starts, ends = start.time().replace(fold=0), end.time().replace(fold=0)
    return any(
        i.weekday == weekday and i.opens <= starts and ends <= i.closes
        for i in schedule.opening_hours
    )


def conflicts_of(visit: BookedVisit, schedule: Schedule) -> tuple[Conflict, ...]:
    """Every way the visit falls outside the schedule, in a fixed order; () when it fits."""
    _require_aware(visit.starts_at, "starts_at")
    _require_aware(visit.ends_at, "ends_at")
    found: list[Conflict] = []
    seen: set[str] = set()
    for closure in sorted(schedule.closures, key=lambda c: c.starts_at):
        overlaps = closure.starts_at < visit.ends_at and visit.starts_at < closure.ends_at
        if overlaps and closure.reason not in seen:
            seen.add(closure.reason)
            found.append(Conflict(ConflictKind.CLOSURE, closure.reason))
    if visit.bay_id in schedule.inactive_bays:
        found.append(Conflict(ConflictKind.BAY_INACTIVE))
    for downtime in sorted(schedule.downtimes, key=lambda d: d.starts_at):
        overlaps = downtime.starts_at < visit.ends_at and visit.starts_at < downtime.ends_at
        conflict = Conflict(ConflictKind.BAY_DOWN, downtime.reason)
        if downtime.bay_id == visit.bay_id and overlaps and conflict not in found:
            found.append(conflict)
    if not _within_hours(visit, schedule):
        found.append(Conflict(ConflictKind.OUTSIDE_HOURS))
    return tuple(found)


def new_conflicts(visit: BookedVisit, before: Schedule, after: Schedule) -> tuple[Conflict, ...]:
    """The conflicts a schedule change would cause: those under `after` not already under
    `before` (a visit that already conflicts the same way is not news to the admin)."""
    already = set(conflicts_of(visit, before))
    return tuple(c for c in conflicts_of(visit, after) if c not in already)

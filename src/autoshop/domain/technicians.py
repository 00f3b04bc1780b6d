"""Technicians as capacity: who works when, who is off, who may do what (pure; `now` passed in).

A visit needs a bay with its capabilities (domain/availability.py) and a technician skilled in
every service category of the visit who is free for its whole duration: working (inside the
weekly hours), not on time off and not on another visit. Any capable bay can pair with any
skilled technician, so a start is offered iff at least one capable bay and at least one skilled
technician are free then; the engine asks `TechnicianIndex.any_free` after its bay check.

Working hours are local wall-clock spans in the location's zone, in minutes after midnight
(0..1440, so a shift can end at 24:00). A span's real (UTC) bounds follow the bay grid's rule:
"the first instant the wall clock reads that time or later" (an ambiguous time maps to its first
occurrence, a time inside a spring-forward gap to the transition instant), so an 00:00-06:00
shift lasts 5 hours on spring-forward day and 7 on fall-back day. Spans that touch (a shift to
24:00 and the next day's from 00:00) merge into one free window.

Each technician's free windows are computed once per request as disjoint sorted UTC intervals
(working time minus time off minus visits), so a start is checked with one bisect per technician.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from autoshop.i18n import _

__all__ = [
    "MINUTES_PER_DAY",
    "Technician",
    "TechnicianIndex",
    "Technicians",
    "TimeOff",
    "WorkingSpan",
    "hours_problems",
    "rank_technicians",
]

MINUTES_PER_DAY = 24 * 60
_NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - local wall-clock arithmetic, no zone on purpose
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WorkingSpan:
    """A local wall-clock working span [starts, ends) on a weekday (0 = Monday), in minutes
    after local midnight: 0 <= starts < ends <= 1440."""

    weekday: int
    starts: int
    ends: int


@dataclass(frozen=True, slots=True)
class TimeOff:
    """A technician away over [starts_at, ends_at) (aware datetimes): leave, training, ..."""

    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Technician:
    """A mechanic with a schedule: skills (service category ids), weekly hours, time off and
    the visits already assigned to them ([starts_at, ends_at), aware)."""

    id: int
    skills: frozenset[int]
    hours: tuple[WorkingSpan, ...]
    time_off: tuple[TimeOff, ...] = ()
    busy: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True, slots=True)
class Technicians:
    """What a visit needs from the shop's people: the location's technicians, and the service
    categories of the visit (a technician must be skilled in all of them)."""

    staff: tuple[Technician, ...]
    categories: frozenset[int]

    def skilled(self) -> list[Technician]:
        return [t for t in self.staff if self.categories <= t.skills]

    def index(self, zone: ZoneInfo, start: date, end: date) -> TechnicianIndex:
        """Free windows of the skilled technicians over local days start-1 .. end+1."""
        return TechnicianIndex(self.skilled(), zone, start, end)


def hours_problems(spans: Sequence[WorkingSpan]) -> list[str]:
    """Why a weekly schedule can't be saved (empty list: it can): a span outside 00:00-24:00,
    one that ends before it starts, or two spans of one day that overlap."""
    problems: list[str] = []
    by_day: dict[int, list[WorkingSpan]] = {}
    for span in spans:
        if not 0 <= span.weekday <= 6:
            problems.append(f"Weekday must be 0..6, got {span.weekday}.")
            continue
        if not (0 <= span.starts <= MINUTES_PER_DAY and 0 <= span.ends <= MINUTES_PER_DAY):
            problems.append(_("%(span)s is outside 00:00-24:00.", span=_span_text(span)))
            continue
        if span.ends <= span.starts:
            problems.append(_("%(span)s ends before it starts.", span=_span_text(span)))
            continue
        by_day.setdefault(span.weekday, []).append(span)
    for day_spans in by_day.values():
        day_spans.sort(key=lambda s: s.starts)
        for before, after in itertools.pairwise(day_spans):
            if after.starts < before.ends:
                problems.append(
                    _(
                        "%(first)s and %(second)s overlap.",
                        first=_span_text(before),
                        second=_span_text(after),
                    )
                )
    return problems


def _span_text(span: WorkingSpan) -> str:
    return f"{_hhmm(span.starts)}-{_hhmm(span.ends)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class TechnicianIndex:
    """Per skilled technician, disjoint sorted free windows in UTC; queried by bisect."""

    __slots__ = ("_windows",)

    def __init__(
        self, technicians: Iterable[Technician], zone: ZoneInfo, start: date, end: date
    ) -> None:
        self._windows: dict[int, tuple[list[datetime], list[datetime]]] = {}
        for tech in technicians:
            self._windows[tech.id] = _free_windows(tech, zone, start, end)

    def free(self, starts_at: datetime, ends_at: datetime) -> list[tuple[int, timedelta]]:
        """(id, length of the free window holding the visit) of each technician free over
        [starts_at, ends_at)."""
        found: list[tuple[int, timedelta]] = []
        for tech_id, (opens, closes) in self._windows.items():
            i = bisect_right(opens, starts_at) - 1
            if i >= 0 and ends_at <= closes[i]:
                found.append((tech_id, closes[i] - opens[i]))
        return found

    def any_free(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether at least one skilled technician is free over [starts_at, ends_at)."""
        for opens, closes in self._windows.values():
            i = bisect_right(opens, starts_at) - 1
            if i >= 0 and ends_at <= closes[i]:
                return True
        return False


def rank_technicians(
    technicians: Technicians, zone: ZoneInfo, starts_at: datetime, ends_at: datetime
) -> list[int]:
    """Ids of the skilled technicians free over [starts_at, ends_at), best fit first: the
    tightest free window around the visit (long free stretches stay for long jobs), then the
    fewest skills (specialists stay free for the work only they can do), then the lower id."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("starts_at and ends_at must be timezone-aware")
    day = starts_at.astimezone(zone).date()
    index = technicians.index(zone, day, day)
    skills = {t.id: len(t.skills) for t in technicians.staff}
    free = index.free(_utc(starts_at), _utc(ends_at))
    return [tech_id for tech_id, _ in sorted(free, key=lambda f: (f[1], skills[f[0]], f[0]))]


# --- internals -------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _free_windows(
    tech: Technician, zone: ZoneInfo, start: date, end: date
) -> tuple[list[datetime], list[datetime]]:
    """Working time over local days start-1 .. end+1, minus time off and visits, merged."""
    working: list[tuple[datetime, datetime]] = []
    day = start - timedelta(days=1)
    last = end + timedelta(days=1)
    by_day: dict[int, list[WorkingSpan]] = {}
    for span in tech.hours:
        by_day.setdefault(span.weekday, []).append(span)
    while day <= last:
        for span in by_day.get(day.weekday(), ()):
            a = _wall_instant(day, span.starts, zone)
            b = _wall_instant(day, span.ends, zone)
            if a < b:
                working.append((a, b))
        day += timedelta(days=1)
    working.sort()
    merged: list[list[datetime]] = []
    for a, b in working:
        if merged and a <= merged[-1][1]:  # touching spans make one stretch of work
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    away = sorted(
        (_utc(s), _utc(e))
        for s, e in [*((t.starts_at, t.ends_at) for t in tech.time_off), *tech.busy]
        if _utc(s) < _utc(e)
    )
    opens: list[datetime] = []
    closes: list[datetime] = []
    j = 0
    for a, b in merged:
        cur = a
        # Skip the away intervals that end before this window.
        while j < len(away) and away[j][1] <= a:
            j += 1
        k = j
        while k < len(away) and away[k][0] < b:
            s, e = away[k]
            if s > cur:
                opens.append(cur)
                closes.append(s)
            cur = max(cur, e)
            k += 1
        if cur < b:
            opens.append(cur)
            closes.append(b)
    return opens, closes


def _wall_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the wall clock in `zone` reads `day` + `minutes` or
    later: its instant for an ordinary time, the first occurrence of an ambiguous one, the
    transition for a time inside a spring-forward gap."""
    naive = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)
    off0 = zone.utcoffset(naive)
    off1 = zone.utcoffset(naive.replace(fold=1))
    assert off0 is not None and off1 is not None  # a ZoneInfo always has an offset
    if off0 >= off1:
        return (naive - off0).replace(tzinfo=UTC)
    # In a gap: the transition instant T lies in (naive - off1, naive - off0].
    lo = int((naive - off1 - _NAIVE_EPOCH).total_seconds())
    hi = int((naive - off0 - _NAIVE_EPOCH).total_seconds())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        offset = (_EPOCH + timedelta(seconds=mid)).astimezone(zone).utcoffset()
        if offset == off0:
            lo = mid
        else:
            hi = mid
    return _EPOCH + timedelta(seconds=hi)

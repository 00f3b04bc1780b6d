"""The staff calendar by bay: the rows of a day, what shades each bay's time, where visits sit.

A day is shown as rows of `interval` real time from the window's first instant (a DST day has
one row per real slot: no repeated or missing wall-clock hour is invented or hidden; a repeated
hour is labelled with its zone abbreviation). Each bay's column is a list of cells: a visit
(spanning its rows), a shaded run (outside hours, a break, a closure, the bay out of service)
or one open row. Conflicts add bay downtime to domain.schedule_conflicts' closures and hours.
Pure functions, standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from math import ceil
from zoneinfo import ZoneInfo

from autoshop.domain.availability import Closure, OpeningInterval
from autoshop.domain.schedule_conflicts import BookedVisit, ConflictKind, Schedule, conflicts_of
from autoshop.i18n import _, _l, format_moment

__all__ = [
    "Cell",
    "Downtime",
    "Placed",
    "Row",
    "Shade",
    "column_cells",
    "day_rows",
    "day_window",
    "downtime_overlaps",
    "shade_of",
    "visit_problems",
]

#: How much of the day before opening and after closing the calendar shows.
MARGIN = timedelta(hours=1)
#: The hours shown on a day the shop never opens (no opening interval on any weekday).
FALLBACK_HOURS = (time(8), time(18))


class Shade(StrEnum):
    OPEN = "open"
    OUTSIDE = "outside"  # before opening, after closing, or a day the shop doesn't open
    BREAK = "break"  # between two opening intervals of the day
    CLOSURE = "closure"  # a holiday or partial-day closure
    DOWNTIME = "downtime"  # this bay is out of service

    @property
    def label(self) -> str:
        return str(_SHADE_LABELS[self])


_SHADE_LABELS: dict[Shade, object] = {
    Shade.OPEN: _l("Open"),
    Shade.OUTSIDE: _l("Closed"),
    Shade.BREAK: _l("Break"),
    Shade.CLOSURE: _l("Shop closed"),
    Shade.DOWNTIME: _l("Out of service"),
}


@dataclass(frozen=True, slots=True)
class Downtime:
    """One bay out of service over [starts_at, ends_at) (aware times)."""

    bay_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the day: [starts_at, ends_at) in UTC, labelled in local wall-clock time."""

    starts_at: datetime
    ends_at: datetime
    label: str
    #: The row starts a wall-clock hour (the label is shown; other rows keep it for readers).
    on_the_hour: bool


@dataclass(frozen=True, slots=True)
class Placed:
    """A visit to place in a bay's column: `key` identifies it to the caller."""

    key: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Cell:
    """`row`..`row + span - 1` of one bay: a visit (keys), a shaded run, or one open row."""

    row: int
    span: int
    shade: Shade
    reason: str = ""
    keys: tuple[int, ...] = ()

    @property
    def is_visit(self) -> bool:
        return bool(self.keys)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant the local wall clock reads `wall` (or later, inside a DST gap)."""
    local = datetime.combine(day, wall.replace(fold=0), zone)
    back = local.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        # A wall time that doesn't exist: the transition instant is the first one after it.
        return datetime.combine(day, wall.replace(fold=1), zone).astimezone(UTC)
    return local.astimezone(UTC)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return _instant(day, time(0), zone)


def day_intervals(
    day: date, zone: ZoneInfo, hours: Sequence[OpeningInterval]
) -> list[tuple[datetime, datetime]]:
    """The day's opening intervals as UTC instants, in time order."""
    spans = [
        (_instant(day, i.opens, zone), _instant(day, i.closes, zone))
        for i in hours
        if i.weekday == day.weekday()
    ]
    return sorted(s for s in spans if s[0] < s[1])


def day_window(
    day: date,
    zone: ZoneInfo,
    hours: Sequence[OpeningInterval],
    interval: timedelta,
    *,
    visits: Sequence[tuple[datetime, datetime]] = (),
    margin: timedelta = MARGIN,
) -> tuple[datetime, datetime]:
    """The instants the day view covers: the day's hours (on a closed day, the week's widest
    hours) with a margin, widened to every visit of the day, kept within the local day and
    aligned to the grid from the opening time."""
    start_of_day, end_of_day = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
    spans = day_intervals(day, zone, hours)
    if spans:
        first, last = spans[0][0], spans[-1][1]
    else:
        opens = min((i.opens for i in hours), default=FALLBACK_HOURS[0])
        closes = max((i.closes for i in hours), default=FALLBACK_HOURS[1])
        first, last = _instant(day, opens, zone), _instant(day, closes, zone)
    start, end = first - margin, last + margin
    for visit_start, visit_end in visits:
        start, end = min(start, visit_start), max(end, visit_end)
    start, end = max(start, start_of_day), min(end, end_of_day)
    # Align to the grid that runs from the first opening (rows line up with offered starts).
    steps = ceil((first - start) / interval) if start < first else 0
    start = max(first - steps * interval, start_of_day)
    rows = max(1, ceil((end - start) / interval))
    return start, start + rows * interval


def day_rows(start: datetime, end: datetime, interval: timedelta, zone: ZoneInfo) -> list[Row]:
    """Rows of `interval` real time over [start, end); a wall-clock time that occurs twice
    (the hour the clocks go back) carries its zone abbreviation to tell the two apart."""
    rows: list[Row] = []
    at = start.astimezone(UTC)
    end = end.astimezone(UTC)
    while at < end:
        local = at.astimezone(zone)
        ambiguous = _is_ambiguous(local, zone)
        label = format_moment(local, "time")
        if ambiguous:
            label += f" {local.tzname()}"
        rows.append(
            Row(
                starts_at=at,
                ends_at=min(at + interval, end),
                label=label,
                on_the_hour=local.minute == 0,
            )
        )
        at += interval
    return rows


def _is_ambiguous(local: datetime, zone: ZoneInfo) -> bool:
    naive = local.replace(tzinfo=None)
    first = naive.replace(fold=0, tzinfo=zone).utcoffset()
    second = naive.replace(fold=1, tzinfo=zone).utcoffset()
    return first != second and (
        naive.replace(fold=0, tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        == naive
    )


def shade_of(
    starts_at: datetime,
    ends_at: datetime,
    *,
    bay_id: int,
    intervals: Sequence[tuple[datetime, datetime]],
    closures: Sequence[Closure],
    downtimes: Sequence[Downtime],
) -> tuple[Shade, str]:
    """What [starts_at, ends_at) is for one bay, and the reason where there is one: a closure
    first, then the bay's downtime, then the opening hours."""
    for closure in closures:
        if closure.starts_at < ends_at and starts_at < closure.ends_at:
            return Shade.CLOSURE, closure.reason
    for down in downtimes:
        if down.bay_id == bay_id and down.starts_at < ends_at and starts_at < down.ends_at:
            return Shade.DOWNTIME, down.reason
    if any(opens <= starts_at and ends_at <= closes for opens, closes in intervals):
        return Shade.OPEN, ""
    if intervals and intervals[0][0] < ends_at and starts_at < intervals[-1][1]:
        return Shade.BREAK, ""
    return Shade.OUTSIDE, ""


def _row_of(rows: Sequence[Row], at: datetime) -> int:
    for index, row in enumerate(rows):
        if at < row.ends_at:
            return index
    return len(rows) - 1


def column_cells(
    rows: Sequence[Row],
    *,
    bay_id: int,
    visits: Sequence[Placed],
    intervals: Sequence[tuple[datetime, datetime]],
    closures: Sequence[Closure],
    downtimes: Sequence[Downtime],
) -> list[Cell]:
    """One bay's column: every row covered exactly once, by a visit cell (overlapping visits
    share one cell), a shaded run (same shade and reason) or one open row."""
    if not rows:
        return []
    spans: list[tuple[int, int, int]] = []
    for visit in sorted(visits, key=lambda v: (v.starts_at, v.key)):
        if visit.ends_at <= rows[0].starts_at or visit.starts_at >= rows[-1].ends_at:
            continue
        first = _row_of(rows, max(visit.starts_at, rows[0].starts_at))
        last = _row_of(rows, visit.ends_at - timedelta(microseconds=1))
        spans.append((first, last, visit.key))
    # Merge visits whose rows overlap into one cell (only a conflict makes them overlap).
    merged: list[tuple[int, int, list[int]]] = []
    for first, last, key in sorted(spans):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last), [*merged[-1][2], key])
        else:
            merged.append((first, last, [key]))
    by_first = {first: (last, keys) for first, last, keys in merged}
    shades = [
        shade_of(
            r.starts_at,
            r.ends_at,
            bay_id=bay_id,
            intervals=intervals,
            closures=closures,
            downtimes=downtimes,
        )
        for r in rows
    ]
    cells: list[Cell] = []
    index = 0
    while index < len(rows):
        if index in by_first:
            last, keys = by_first[index]
            shade, reason = shades[index]
            cells.append(Cell(index, last - index + 1, shade, reason, tuple(keys)))
            index = last + 1
            continue
        shade, reason = shades[index]
        span = 1
        if shade is not Shade.OPEN:
            while (
                index + span < len(rows)
                and index + span not in by_first
                and shades[index + span] == (shade, reason)
            ):
                span += 1
        cells.append(Cell(index, span, shade, reason))
        index += span
    return cells


def downtime_overlaps(
    bay_id: int, starts_at: datetime, ends_at: datetime, downtimes: Sequence[Downtime]
) -> list[Downtime]:
    """The downtimes of `bay_id` that [starts_at, ends_at) overlaps, in time order."""
    return sorted(
        (
            d
            for d in downtimes
            if d.bay_id == bay_id and d.starts_at < ends_at and starts_at < d.ends_at
        ),
        key=lambda d: d.starts_at,
    )


def visit_problems(
    visit: BookedVisit, schedule: Schedule, downtimes: Sequence[Downtime], bay_name: str
) -> list[str]:
    """Why an active visit doesn't fit the schedule, in words for staff: a closure, the bay
    out of use or out of service, outside opening hours. Empty when it fits."""
    out: list[str] = []
    for conflict in conflicts_of(visit, schedule):
        if conflict.kind is ConflictKind.CLOSURE:
            out.append(_("Shop closed: %(reason)s", reason=conflict.detail))
        elif conflict.kind is ConflictKind.BAY_INACTIVE:
            out.append(_("%(bay)s is not in use", bay=bay_name))
        else:
            out.append(_("Outside opening hours"))
    for down in downtime_overlaps(visit.bay_id, visit.starts_at, visit.ends_at, downtimes):
        out.append(_("%(bay)s out of service: %(reason)s", bay=bay_name, reason=down.reason))
    return out

"""The staff calendar by bay: one location's day (bays × rows of time) or week (days × bays).

Reads only: the location with its hours and bays, then one range query each for the visits, the
closures and the bays' downtime of the shown range. Geometry, shading and conflicts come from
domain.bay_calendar; moving a visit goes through booking.reschedule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from autoshop.domain import availability as engine
from autoshop.domain import bay_calendar as grid
from autoshop.domain.schedule_conflicts import BookedVisit, Schedule
from autoshop.domain.status import FINAL_STATUSES, AppointmentStatus
from autoshop.extensions import db
from autoshop.i18n import _, format_moment, formats_locale
from autoshop.models import Appointment, Bay, BayDowntime, Closure, Location
from autoshop.models.appointments import HOLDS_BAY

__all__ = [
    "Block",
    "DayBoard",
    "WeekBoard",
    "day_board",
    "locations",
    "week_board",
]


@dataclass(frozen=True)
class Block:
    """A visit on the calendar, in the location's zone, with what doesn't fit about it."""

    appointment: Appointment
    starts_local: datetime
    ends_local: datetime
    problems: tuple[str, ...]

    @property
    def movable(self) -> bool:
        return self.appointment.status is AppointmentStatus.SCHEDULED

    @property
    def services(self) -> str:
        return ", ".join(s.name for s in self.appointment.services)

    @property
    def times(self) -> str:
        return time_range(self.starts_local, self.ends_local)


def time_range(start: datetime, end: datetime) -> str:
    """'9:00–10:30 AM' in US English (one AM/PM for both); elsewhere each time in full, in
    the reader's language ('9:00 a.m.–10:30 a.m.')."""
    if str(formats_locale()) == "en_US":
        return f"{start:%-I:%M}–{end:%-I:%M %p}"
    return f"{format_moment(start, 'time')}–{format_moment(end, 'time')}"


@dataclass(frozen=True)
class BayColumn:
    bay: Bay
    cells: list[grid.Cell]


@dataclass(frozen=True)
class DayBoard:
    location: Location
    zone: ZoneInfo
    day: date
    rows: list[grid.Row]
    columns: list[BayColumn]
    blocks: dict[int, Block]
    closures: list[engine.Closure]
    downtimes: list[tuple[Bay, grid.Downtime]]

    @property
    def conflicts(self) -> list[Block]:
        return [b for b in self.blocks.values() if b.problems]

    def table(self) -> list[tuple[grid.Row, list[tuple[BayColumn, grid.Cell]]]]:
        """Each row with the cells that start in it, bay by bay (a table with rowspans)."""
        starting: list[list[tuple[BayColumn, grid.Cell]]] = [[] for _ in self.rows]
        for column in self.columns:
            for cell in column.cells:
                starting[cell.row].append((column, cell))
        return list(zip(self.rows, starting, strict=True))


@dataclass
class WeekCell:
    shade: grid.Shade
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class WeekDay:
    day: date
    hours: str
    cells: dict[int, WeekCell]


@dataclass(frozen=True)
class WeekBoard:
    location: Location
    zone: ZoneInfo
    start: date
    bays: list[Bay]
    days: list[WeekDay]

    @property
    def conflicts(self) -> list[Block]:
        return [b for d in self.days for c in d.cells.values() for b in c.blocks if b.problems]


def locations() -> list[Location]:
    """The locations staff can pick, in order."""
    return list(
        db.session.scalars(
            sa.select(Location).where(Location.active.is_(True)).order_by(Location.id)
        )
    )


def location_or_none(location_id: int | None) -> Location | None:
    """The asked-for active location (None if there is no such one), or the first."""
    stmt = (
        sa.select(Location)
        .where(Location.active.is_(True))
        .options(selectinload(Location.opening_hours), selectinload(Location.bays))
    )
    if location_id is not None:
        stmt = stmt.where(Location.id == location_id)
    return db.session.scalars(stmt.order_by(Location.id).limit(1)).first()


def _hours(location: Location) -> list[engine.OpeningInterval]:
    return [engine.OpeningInterval(h.weekday, h.opens, h.closes) for h in location.opening_hours]


def _visits(location: Location, start: datetime, end: datetime) -> list[Appointment]:
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(
                Appointment.location_id == location.id,
                HOLDS_BAY,
                Appointment.starts_at < end,
                Appointment.ends_at > start,
            )
            .order_by(Appointment.starts_at, Appointment.id)
            .options(
                selectinload(Appointment.customer),
                selectinload(Appointment.mechanic),
                selectinload(Appointment.vehicle),
                selectinload(Appointment.services),
            )
        )
    )


def _closures(location: Location, start: datetime, end: datetime) -> list[engine.Closure]:
    rows = db.session.execute(
        sa.select(Closure.starts_at, Closure.ends_at, Closure.reason)
        .where(Closure.location_id == location.id, Closure.ends_at > start, Closure.starts_at < end)
        .order_by(Closure.starts_at)
    )
    return [engine.Closure(r.starts_at, r.ends_at, r.reason) for r in rows]


def _downtimes(location: Location, start: datetime, end: datetime) -> list[grid.Downtime]:
    rows = db.session.execute(
        sa.select(
            BayDowntime.bay_id, BayDowntime.starts_at, BayDowntime.ends_at, BayDowntime.reason
        )
        .join(Bay, Bay.id == BayDowntime.bay_id)
        .where(
            Bay.location_id == location.id,
            BayDowntime.ends_at > start,
            BayDowntime.starts_at < end,
        )
        .order_by(BayDowntime.starts_at)
    )
    return [grid.Downtime(r.bay_id, r.starts_at, r.ends_at, r.reason) for r in rows]


def _bays(location: Location, visits: Sequence[Appointment]) -> list[Bay]:
    """The bays in use, and a bay out of use only while visits still sit in it."""
    used = {v.bay_id for v in visits}
    return [b for b in location.bays if b.active or b.id in used]


def _blocks(
    location: Location,
    zone: ZoneInfo,
    visits: Sequence[Appointment],
    closures: Sequence[engine.Closure],
    downtimes: Sequence[grid.Downtime],
) -> dict[int, Block]:
    schedule = Schedule(
        zone=zone,
        opening_hours=tuple(_hours(location)),
        closures=tuple(closures),
        inactive_bays=frozenset(b.id for b in location.bays if not b.active),
    )
    names = {b.id: b.name for b in location.bays}
    out: dict[int, Block] = {}
    for visit in visits:
        problems: tuple[str, ...] = ()
        if visit.status not in FINAL_STATUSES:
            booked = BookedVisit(visit.starts_at, visit.ends_at, visit.bay_id)
            problems = tuple(
                grid.visit_problems(booked, schedule, downtimes, names.get(visit.bay_id, "Bay"))
            )
        out[visit.id] = Block(
            appointment=visit,
            starts_local=visit.starts_at.astimezone(zone),
            ends_local=visit.ends_at.astimezone(zone),
            problems=problems,
        )
    return out


def _day_bounds(day: date, zone: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, datetime.min.time(), zone),
        datetime.combine(day + timedelta(days=days), datetime.min.time(), zone),
    )


def day_board(location: Location, day: date) -> DayBoard:
    """One day of one location: rows of its slot interval, a column per bay."""
    zone = ZoneInfo(location.timezone)
    interval = timedelta(minutes=location.slot_interval_minutes)
    hours = _hours(location)
    day_start, day_end = _day_bounds(day, zone)
    visits = _visits(location, day_start, day_end)
    start, end = grid.day_window(
        day, zone, hours, interval, visits=[(v.starts_at, v.ends_at) for v in visits]
    )
    closures = _closures(location, start, end)
    downtimes = _downtimes(location, start, end)
    rows = grid.day_rows(start, end, interval, zone)
    intervals = grid.day_intervals(day, zone, hours)
    bays = _bays(location, visits)
    by_bay: dict[int, list[grid.Placed]] = defaultdict(list)
    for v in visits:
        by_bay[v.bay_id].append(grid.Placed(v.id, v.starts_at, v.ends_at))
    columns = [
        BayColumn(
            bay=bay,
            cells=grid.column_cells(
                rows,
                bay_id=bay.id,
                visits=by_bay[bay.id],
                intervals=intervals,
                closures=closures,
                downtimes=downtimes,
            ),
        )
        for bay in bays
    ]
    names = {b.id: b for b in location.bays}
    return DayBoard(
        location=location,
        zone=zone,
        day=day,
        rows=rows,
        columns=columns,
        blocks=_blocks(location, zone, visits, closures, downtimes),
        closures=closures,
        downtimes=[(names[d.bay_id], d) for d in downtimes if d.bay_id in names],
    )


def _span_text(start: datetime, end: datetime, zone: ZoneInfo, day: date) -> str:
    """'9:00 AM–12:00 PM' within the day, 'all day' when it covers the day's open hours."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    first = "" if local_start.date() < day else format_moment(local_start, "time")
    last = "" if local_end.date() > day else format_moment(local_end, "time")
    if not first and not last:
        return _("all day")
    first = first or _("from midnight")
    last = last or _("midnight")
    return f"{first}–{last}"


def _week_cell(
    day: date,
    zone: ZoneInfo,
    bay: Bay,
    intervals: list[tuple[datetime, datetime]],
    closures: Sequence[engine.Closure],
    downtimes: Sequence[grid.Downtime],
) -> WeekCell:
    if not intervals:
        return WeekCell(grid.Shade.OUTSIDE, _("Not an opening day"))
    shades = [
        grid.shade_of(
            s, e, bay_id=bay.id, intervals=intervals, closures=closures, downtimes=downtimes
        )
        for s, e in intervals
    ]
    cell = WeekCell(grid.Shade.OPEN)
    if len(set(shades)) == 1 and shades[0][0] is not grid.Shade.OPEN:
        cell.shade, cell.reason = shades[0]
    day_start, day_end = intervals[0][0], intervals[-1][1]
    for closure in closures:
        if closure.starts_at < day_end and day_start < closure.ends_at:
            span = _span_text(closure.starts_at, closure.ends_at, zone, day)
            cell.notes.append(
                _("Shop closed %(span)s: %(reason)s", span=span, reason=closure.reason)
            )
    for down in grid.downtime_overlaps(bay.id, day_start, day_end, downtimes):
        span = _span_text(down.starts_at, down.ends_at, zone, day)
        cell.notes.append(_("Out of service %(span)s: %(reason)s", span=span, reason=down.reason))
    return cell


def week_board(location: Location, start: date) -> WeekBoard:
    """Seven days from `start` of one location: a row per day, a column per bay."""
    zone = ZoneInfo(location.timezone)
    hours = _hours(location)
    range_start, range_end = _day_bounds(start, zone, days=7)
    visits = _visits(location, range_start, range_end)
    closures = _closures(location, range_start, range_end)
    downtimes = _downtimes(location, range_start, range_end)
    blocks = _blocks(location, zone, visits, closures, downtimes)
    bays = _bays(location, visits)
    days: list[WeekDay] = []
    for offset in range(7):
        day = start + timedelta(days=offset)
        intervals = grid.day_intervals(day, zone, hours)
        label = ", ".join(
            f"{format_moment(s, 'time', zone)}–{format_moment(e, 'time', zone)}"
            for s, e in intervals
        )
        cells = {bay.id: _week_cell(day, zone, bay, intervals, closures, downtimes) for bay in bays}
        days.append(WeekDay(day=day, hours=label or _("Closed"), cells=cells))
    index = {d.day: d for d in days}
    for block in blocks.values():
        target = index.get(block.starts_local.date())
        if target is not None and block.appointment.bay_id in target.cells:
            target.cells[block.appointment.bay_id].blocks.append(block)
    return WeekBoard(location=location, zone=zone, start=start, bays=bays, days=days)

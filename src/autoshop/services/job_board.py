"""The floor as staff work it: the job board's columns, a mechanic's coming jobs, the jobs nobody
has taken yet, and what happened to a job someone else changed meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from autoshop.domain.status import FINAL_STATUSES, AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Location, StatusChange, User
from autoshop.services.status import next_statuses

S = AppointmentStatus

#: The board's columns, left to right: the floor's main line and its detour for parts.
BOARD_COLUMNS: tuple[AppointmentStatus, ...] = (
    S.SCHEDULED,
    S.CHECKED_IN,
    S.IN_PROGRESS,
    S.WAITING_ON_PARTS,
    S.READY_FOR_PICKUP,
    S.COMPLETED,
)
#: Shown folded away under the columns: visits that won't be worked on.
BOARD_CLOSED: tuple[AppointmentStatus, ...] = (S.NO_SHOW, S.CANCELLED)
#: Jobs still on the floor from an earlier day stay on the board until they are done.
CARRIED_OVER = (S.CHECKED_IN, S.IN_PROGRESS, S.WAITING_ON_PARTS, S.READY_FOR_PICKUP)
#: The move a card offers first: the next step on the main line.
MAIN_LINE = (S.CHECKED_IN, S.IN_PROGRESS, S.READY_FOR_PICKUP, S.COMPLETED)
#: How far ahead "My jobs" and "Unassigned jobs" look, today included.
DAYS_AHEAD = 7

#: What a card shows, loaded with the cards: the one-to-one facts joined in the same query, the
#: services in one more.
_LOAD = (
    selectinload(Appointment.services),
    joinedload(Appointment.vehicle),
    joinedload(Appointment.bay),
    joinedload(Appointment.customer),
    joinedload(Appointment.mechanic),
    joinedload(Appointment.location),
)


@dataclass
class Column:
    status: AppointmentStatus
    cards: list[Appointment] = field(default_factory=list)


@dataclass
class Board:
    location: Location
    day: date
    zone: ZoneInfo
    columns: list[Column]
    closed: list[Appointment]
    #: The moves the viewer may make on each card (by appointment id), main line first.
    moves: dict[int, list[AppointmentStatus]]

    @property
    def total(self) -> int:
        return sum(len(c.cards) for c in self.columns) + len(self.closed)


@dataclass(frozen=True)
class JobDay:
    day: date
    jobs: list[Appointment]


def active_locations() -> list[Location]:
    return list(
        db.session.scalars(
            sa.select(Location).where(Location.active.is_(True)).order_by(Location.id)
        )
    )


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends (23 or 25 hours apart on a DST change)."""
    return (
        datetime.combine(day, time(0), zone),
        datetime.combine(day + timedelta(days=1), time(0), zone),
    )


def ordered_moves(appointment: Appointment, user: User, now: datetime) -> list[AppointmentStatus]:
    """next_statuses() with the step along the main line first (Start work before Wait for
    parts), so a card's big button is the usual next step."""
    moves = next_statuses(appointment, user, now)
    return sorted(moves, key=lambda s: (s not in MAIN_LINE, moves.index(s)))


def board(location: Location, *, viewer: User, now: datetime) -> Board:
    """Today's cars at `location` by status: today's visits, jobs still on the floor from
    earlier days, and those completed today; one range query."""
    zone = ZoneInfo(location.timezone)
    today = now.astimezone(zone).date()
    start, end = local_day_bounds(today, zone)
    completed_today = sa.exists().where(
        StatusChange.appointment_id == Appointment.id,
        StatusChange.to_status == S.COMPLETED,
        StatusChange.changed_at >= start,
        StatusChange.changed_at < end,
    )
    rows = db.session.scalars(
        sa.select(Appointment)
        .where(
            Appointment.location_id == location.id,
            Appointment.starts_at < end,
            sa.or_(
                Appointment.starts_at >= start,
                Appointment.status.in_(CARRIED_OVER),
                sa.and_(Appointment.status == S.COMPLETED, completed_today),
            ),
        )
        .options(*_LOAD)
        .order_by(Appointment.starts_at, Appointment.bay_id, Appointment.id)
    ).all()
    columns = {status: Column(status) for status in BOARD_COLUMNS}
    closed: list[Appointment] = []
    for appointment in rows:
        if appointment.status in columns:
            columns[appointment.status].cards.append(appointment)
        else:
            closed.append(appointment)
    moves = {a.id: ordered_moves(a, viewer, now) for a in rows}
    return Board(location, today, zone, list(columns.values()), closed, moves)


def _upcoming(location: Location, now: datetime, days: int) -> tuple[ZoneInfo, date, sa.Select]:
    zone = ZoneInfo(location.timezone)
    today = now.astimezone(zone).date()
    start, _ = local_day_bounds(today, zone)
    _, end = local_day_bounds(today + timedelta(days=days - 1), zone)
    stmt = (
        sa.select(Appointment)
        .where(
            Appointment.location_id == location.id,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
            Appointment.status.not_in(FINAL_STATUSES),
        )
        .options(*_LOAD)
        .order_by(Appointment.starts_at, Appointment.bay_id, Appointment.id)
    )
    return zone, today, stmt


def _by_day(jobs: list[Appointment], zone: ZoneInfo) -> list[JobDay]:
    days: dict[date, list[Appointment]] = {}
    for job in jobs:
        days.setdefault(job.starts_at.astimezone(zone).date(), []).append(job)
    return [JobDay(day, items) for day, items in days.items()]


def my_jobs(
    location: Location, mechanic: User, *, now: datetime, days: int = DAYS_AHEAD
) -> list[JobDay]:
    """The open jobs assigned to `mechanic` from today on, grouped by local day."""
    zone, _, stmt = _upcoming(location, now, days)
    jobs = list(db.session.scalars(stmt.where(Appointment.mechanic_id == mechanic.id)))
    return _by_day(jobs, zone)


def unassigned_jobs(location: Location, *, now: datetime, days: int = DAYS_AHEAD) -> list[JobDay]:
    """Open jobs from today on that no mechanic has taken, grouped by local day."""
    zone, _, stmt = _upcoming(location, now, days)
    return _by_day(list(db.session.scalars(stmt.where(Appointment.mechanic_id.is_(None)))), zone)


def last_change(appointment: Appointment) -> StatusChange | None:
    """The latest status change of a visit, as committed (for "Sam already moved it to …")."""
    return db.session.scalar(
        sa.select(StatusChange)
        .where(StatusChange.appointment_id == appointment.id)
        .order_by(StatusChange.changed_at.desc(), StatusChange.id.desc())
        .limit(1)
    )


def fresh(appointment_id: int) -> Appointment | None:
    """The visit as committed now, not as this request loaded it."""
    return db.session.scalar(
        sa.select(Appointment)
        .where(Appointment.id == appointment_id)
        .options(*_LOAD)
        .execution_options(populate_existing=True)
    )

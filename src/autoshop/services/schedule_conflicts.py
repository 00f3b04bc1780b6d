"""Schedule changes that hit bookings (issue 8, item 6): never silent.

Before a closure, a bay deactivation, a bay's downtime or narrower hours is saved, the admin
sees the visits it would affect (`affected_by_*`, one range query each). Kept visits stay booked
and show on the dashboard (`current_conflicts`) until they are moved or cancelled or the
schedule changes back: a conflict is computed from the data by domain.schedule_conflicts,
never stored as a flag. Cancelled ones go through booking.cancel, which tells each customer
(with a rebooking link).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from autoshop.domain import availability as engine
from autoshop.domain.schedule_conflicts import (
    BookedVisit,
    Conflict,
    ConflictKind,
    Schedule,
    conflicts_of,
    new_conflicts,
)
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.i18n import _, format_moment
from autoshop.models import Appointment, Bay, BayDowntime, Closure, Location, OpeningHours, User
from autoshop.services import booking

__all__ = [
    "AffectedVisit",
    "CancelOutcome",
    "affected_by_bay_deactivation",
    "affected_by_closure",
    "affected_by_downtime",
    "affected_by_hours",
    "cancel_visits",
    "current_conflicts",
    "move_visits",
]


@dataclass(frozen=True)
class AffectedVisit:
    """A scheduled visit that doesn't (or wouldn't) fit the schedule, and why."""

    appointment: Appointment
    conflicts: tuple[Conflict, ...]

    @property
    def when(self) -> str:
        """The visit's local date and times, e.g. 'Tue Dec 1, 2026, 9:00–10:30 AM'."""
        zone = ZoneInfo(self.appointment.location.timezone)
        start = self.appointment.starts_at.astimezone(zone)
        end = self.appointment.ends_at.astimezone(zone)
        return _(
            "%(weekday)s %(date)s, %(start)s–%(end)s",
            weekday=format_moment(start, "weekday_short"),
            date=format_moment(start, "date"),
            start=format_moment(start, "time"),
            end=format_moment(end, "time"),
        )

    @property
    def problems(self) -> list[str]:
        """The conflicts in words, e.g. 'Shop closed: Thanksgiving'."""
        out = []
        for conflict in self.conflicts:
            if conflict.kind is ConflictKind.CLOSURE:
                out.append(_("Shop closed: %(reason)s", reason=conflict.detail))
            elif conflict.kind is ConflictKind.BAY_INACTIVE:
                out.append(_("%(bay)s is not in use", bay=self.appointment.bay.name))
            elif conflict.kind is ConflictKind.BAY_DOWN:
                out.append(
                    _(
                        "%(bay)s out of service: %(reason)s",
                        bay=self.appointment.bay.name,
                        reason=conflict.detail,
                    )
                )
            else:
                out.append(_("Outside opening hours"))
        return out


@dataclass
class CancelOutcome:
    cancelled: list[Appointment] = field(default_factory=list)
    #: (reference, why) of each visit that could not be cancelled (e.g. checked in meanwhile).
    refused: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class MoveOutcome:
    moved: list[Appointment] = field(default_factory=list)
    #: (reference, why) of each visit left where it was (no free bay then, or changed meanwhile).
    refused: list[tuple[str, str]] = field(default_factory=list)


def _intervals(rows: Iterable[OpeningHours]) -> tuple[engine.OpeningInterval, ...]:
    return tuple(engine.OpeningInterval(r.weekday, r.opens, r.closes) for r in rows)


def _schedule(
    location: Location,
    closures: Sequence[engine.Closure],
    hours: Iterable[OpeningHours],
    downtimes: Sequence[engine.Downtime] = (),
) -> Schedule:
    return Schedule(
        zone=ZoneInfo(location.timezone),
        opening_hours=_intervals(hours),
        closures=tuple(closures),
        inactive_bays=frozenset(b.id for b in location.bays if not b.active),
        downtimes=tuple(downtimes),
    )


def _downtimes_from(
    now: datetime, location_id: int | None = None
) -> dict[int, list[engine.Downtime]]:
    """The bays' downtimes not yet over, by location id (one statement)."""
    stmt = (
        sa.select(
            Bay.location_id,
            BayDowntime.bay_id,
            BayDowntime.starts_at,
            BayDowntime.ends_at,
            BayDowntime.reason,
        )
        .join(Bay, Bay.id == BayDowntime.bay_id)
        .where(BayDowntime.ends_at > now)
    )
    if location_id is not None:
        stmt = stmt.where(Bay.location_id == location_id)
    out: dict[int, list[engine.Downtime]] = defaultdict(list)
    for row in db.session.execute(stmt):
        out[row.location_id].append(
            engine.Downtime(row.bay_id, row.starts_at, row.ends_at, row.reason)
        )
    return out


def _closures_from(
    now: datetime, location_id: int | None = None
) -> dict[int, list[engine.Closure]]:
    stmt = sa.select(Closure.location_id, Closure.starts_at, Closure.ends_at, Closure.reason).where(
        Closure.ends_at > now
    )
    if location_id is not None:
        stmt = stmt.where(Closure.location_id == location_id)
    out: dict[int, list[engine.Closure]] = defaultdict(list)
    for row in db.session.execute(stmt):
        out[row.location_id].append(engine.Closure(row.starts_at, row.ends_at, row.reason))
    return out


def location_schedule(location: Location, *, now: datetime) -> Schedule:
    """The location's schedule as saved, with the closures and downtimes not yet over."""
    return _schedule(
        location,
        _closures_from(now, location.id)[location.id],
        location.opening_hours,
        _downtimes_from(now, location.id)[location.id],
    )


def _scheduled_visits(*where: sa.ColumnElement[bool], now: datetime) -> list[Appointment]:
    """Scheduled visits not yet over that match `where`, soonest first, with what a list shows."""
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(
                Appointment.status == AppointmentStatus.SCHEDULED,
                Appointment.ends_at > now,
                *where,
            )
            .order_by(Appointment.starts_at, Appointment.id)
            .options(
                selectinload(Appointment.customer),
                selectinload(Appointment.vehicle),
                selectinload(Appointment.services),
                selectinload(Appointment.bay),
                selectinload(Appointment.location),
            )
        )
    )


def _booked(appointment: Appointment) -> BookedVisit:
    return BookedVisit(appointment.starts_at, appointment.ends_at, appointment.bay_id)


def _newly_affected(
    candidates: Iterable[Appointment], before: Schedule, after: Schedule
) -> list[AffectedVisit]:
    out = []
    for appointment in candidates:
        found = new_conflicts(_booked(appointment), before, after)
        if found:
            out.append(AffectedVisit(appointment, found))
    return out


def affected_by_closure(
    location: Location, *, starts_at: datetime, ends_at: datetime, reason: str, now: datetime
) -> list[AffectedVisit]:
    """The scheduled visits a closure [starts_at, ends_at) would fall on."""
    before = location_schedule(location, now=now)
    after = before.with_closure(engine.Closure(starts_at, ends_at, reason))
    candidates = _scheduled_visits(
        Appointment.location_id == location.id,
        Appointment.starts_at < ends_at,
        Appointment.ends_at > starts_at,
        now=now,
    )
    return _newly_affected(candidates, before, after)


def affected_by_downtime(
    location: Location, downtime: engine.Downtime, *, now: datetime
) -> list[AffectedVisit]:
    """The scheduled visits on the bay that a downtime [starts_at, ends_at) would fall on."""
    before = location_schedule(location, now=now)
    after = before.with_downtime(downtime)
    candidates = _scheduled_visits(
        Appointment.bay_id == downtime.bay_id,
        Appointment.starts_at < downtime.ends_at,
        Appointment.ends_at > downtime.starts_at,
        now=now,
    )
    return _newly_affected(candidates, before, after)


def affected_by_bay_deactivation(bay: Bay, *, now: datetime) -> list[AffectedVisit]:
    """The scheduled visits booked on a bay that is about to go out of use."""
    if not bay.active:
        return []
    before = location_schedule(bay.location, now=now)
    after = before.with_bay_inactive(bay.id)
    return _newly_affected(_scheduled_visits(Appointment.bay_id == bay.id, now=now), before, after)


def affected_by_hours(
    location: Location, weekday: int, intervals: Sequence[tuple[time, time]], *, now: datetime
) -> list[AffectedVisit]:
    """The scheduled visits that new opening intervals for `weekday` would leave outside."""
    before = location_schedule(location, now=now)
    after = before.with_day_hours(
        weekday, [engine.OpeningInterval(weekday, opens, closes) for opens, closes in intervals]
    )
    candidates = _scheduled_visits(Appointment.location_id == location.id, now=now)
    return _newly_affected(candidates, before, after)


def current_conflicts(*, now: datetime) -> list[AffectedVisit]:
    """Every scheduled visit, at any location, that doesn't fit its location's schedule now."""
    locations = db.session.scalars(
        sa.select(Location).options(
            selectinload(Location.bays), selectinload(Location.opening_hours)
        )
    ).all()
    closures, downtimes = _closures_from(now), _downtimes_from(now)
    schedules = {
        loc.id: _schedule(loc, closures[loc.id], loc.opening_hours, downtimes[loc.id])
        for loc in locations
    }
    rows = db.session.execute(
        sa.select(
            Appointment.id,
            Appointment.location_id,
            Appointment.bay_id,
            Appointment.starts_at,
            Appointment.ends_at,
        ).where(Appointment.status == AppointmentStatus.SCHEDULED, Appointment.ends_at > now)
    )
    found: dict[int, tuple[Conflict, ...]] = {}
    for row in rows:
        conflicts = conflicts_of(
            BookedVisit(row.starts_at, row.ends_at, row.bay_id), schedules[row.location_id]
        )
        if conflicts:
            found[row.id] = conflicts
    if not found:
        return []
    visits = _scheduled_visits(Appointment.id.in_(found), now=now)
    return [AffectedVisit(a, found[a.id]) for a in visits]


def cancel_visits(
    appointment_ids: Iterable[int], *, now: datetime, actor: User, reason: str
) -> CancelOutcome:
    """Cancel each visit through the booking service (which tells the customer); a visit that
    changed meanwhile (checked in, already cancelled) is refused and reported, not forced."""
    outcome = CancelOutcome()
    for appointment_id in appointment_ids:
        appointment = db.session.get(Appointment, appointment_id)
        if appointment is None:
            continue
        try:
            booking.cancel(appointment, now=now, actor=actor, reason=reason)
        except booking.BookingError as exc:
            db.session.rollback()
            outcome.refused.append((appointment.reference, exc.message))
        else:
            outcome.cancelled.append(appointment)
    return outcome


def move_visits(appointment_ids: Iterable[int], *, now: datetime, actor: User) -> MoveOutcome:
    """Move each visit to another bay free at the same time, through the booking service; a
    visit with no free bay then stays where it is (still a conflict) and is reported."""
    outcome = MoveOutcome()
    for appointment_id in appointment_ids:
        appointment = db.session.get(Appointment, appointment_id)
        if appointment is None:
            continue
        try:
            booking.move_to_free_bay(appointment, now=now, actor=actor)
        except booking.SlotTaken:
            db.session.rollback()
            outcome.refused.append((appointment.reference, _("no other bay is free then")))
        except booking.BookingError as exc:
            db.session.rollback()
            outcome.refused.append((appointment.reference, exc.message))
        else:
            outcome.moved.append(appointment)
    return outcome

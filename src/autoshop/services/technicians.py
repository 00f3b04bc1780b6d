"""Technicians: loading their schedules for the engine, and the admin's schedule, skills and
time off (domain/technicians.py holds the rules).

Loading for an availability request takes a constant number of statements whatever the range
or the number of technicians: the working hours of the location's active mechanics (when there
are none, the technician dimension is off and nothing more is read), their skills, their time
off in the range, and their assigned visits in the range.

The booking guarantee for technicians: the booking path chooses a technician under the same
`lock_schedule` as its bay check (services/booking.py), so two bookings of one location's day
are serialised (SQLite: one writer at a time; PostgreSQL: the day's advisory lock) and the second
sees the first one's technician. There is no exclusion constraint on `appointments.mechanic_id`:
shops that keep no schedules may give one mechanic overlapping jobs today (they are not capacity
there), and such a constraint would refuse that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from autoshop.domain import bounds
from autoshop.domain import technicians as people
from autoshop.domain.choices import Role as RoleName
from autoshop.domain.schedule_rules import ValidationFailed, local_to_utc
from autoshop.domain.visit_desk import NoteAudience
from autoshop.extensions import db
from autoshop.i18n import _, format_moment
from autoshop.models import (
    Appointment,
    AppointmentNote,
    Location,
    Role,
    Service,
    ServiceCategory,
    TechnicianHours,
    TechnicianProfile,
    TechnicianTimeOff,
    User,
    WaitlistHold,
    technician_skills,
)
from autoshop.models.appointments import HOLDS_BAY
from autoshop.models.waitlist import HOLDING
from autoshop.services.transactions import lock_schedule, run_write

__all__ = [
    "AffectedVisit",
    "Schedule",
    "TimeOffWindow",
    "add_time_off",
    "affected_by_time_off",
    "categories_of",
    "delete_time_off",
    "load_technicians",
    "parse_hours",
    "save_schedule",
    "schedule_of",
    "time_off_window",
    "visit_categories",
]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_TIME_OFF_DAYS = 366
#: A Monday: weekday `n` (Monday 0) is named from the date `n` days after it.
_A_MONDAY = date(2024, 1, 1)


def weekday_name(index: int) -> str:
    """Weekday `index` (Monday 0) in the page's language, capitalised as a label: 'Monday',
    'Lunes'."""
    name = format_moment(_A_MONDAY + timedelta(days=index), "weekday")
    return name[:1].upper() + name[1:]


def _is_mechanic() -> sa.ColumnElement[bool]:
    return sa.and_(User.active.is_(True), User.roles.any(Role.name == RoleName.MECHANIC.value))


# --- loading for the engine ------------------------------------------------------------------


def keeps_technicians_sql() -> sa.ColumnElement[bool]:
    """Whether the location (of the enclosing `locations` row) has an active mechanic with
    working hours: read with the location, so a shop without schedules costs no statement."""
    return sa.exists(
        sa.select(TechnicianHours.id)
        .join(TechnicianProfile, TechnicianProfile.user_id == TechnicianHours.user_id)
        .join(User, User.id == TechnicianHours.user_id)
        .where(TechnicianProfile.location_id == Location.id, _is_mechanic())
        .correlate(Location)
    )


def categories_of(services: Iterable[Service]) -> frozenset[int]:
    """The service categories a visit's services belong to."""
    return frozenset(s.category_id for s in services)


def visit_categories(appointment: Appointment) -> frozenset[int]:
    """The categories of a booked visit's services (still known if a service was deactivated)."""
    ids = [s.service_id for s in appointment.services if s.service_id is not None]
    if not ids:
        return frozenset()
    return frozenset(
        db.session.scalars(sa.select(Service.category_id).where(Service.id.in_(ids)).distinct())
    )


def load_technicians(
    location: Location,
    categories: frozenset[int],
    start_at: datetime,
    end_at: datetime,
    *,
    exclude: int | None = None,
    now: datetime | None = None,
    holder: int | None = None,
) -> people.Technicians | None:
    """The location's technicians with what they do over [start_at, end_at), or None when none
    of its active mechanics has working hours (the shop works with bays only). `exclude` leaves
    one appointment out of their visits (when moving it). Waitlist holds that keep a technician
    count as that technician's visits (for their whole block, the safe side): those live at
    `now` (without it, every hold not yet released), but for `holder`'s own."""
    if location.keeps_technicians is False:  # loaded with the location: nothing to read
        return None
    hours = db.session.execute(
        sa.select(
            TechnicianHours.user_id,
            TechnicianHours.weekday,
            TechnicianHours.starts_minute,
            TechnicianHours.ends_minute,
        )
        .join(TechnicianProfile, TechnicianProfile.user_id == TechnicianHours.user_id)
        .join(User, User.id == TechnicianHours.user_id)
        .where(TechnicianProfile.location_id == location.id, _is_mechanic())
    ).all()
    if not hours:
        return None
    spans: dict[int, list[people.WorkingSpan]] = defaultdict(list)
    for r in hours:
        spans[r.user_id].append(people.WorkingSpan(r.weekday, r.starts_minute, r.ends_minute))
    ids = sorted(spans)
    skills: dict[int, set[int]] = defaultdict(set)
    for user_id, category_id in db.session.execute(
        sa.select(technician_skills.c.user_id, technician_skills.c.category_id).where(
            technician_skills.c.user_id.in_(ids)
        )
    ):
        skills[user_id].add(category_id)
    off: dict[int, list[people.TimeOff]] = defaultdict(list)
    for r in db.session.execute(
        sa.select(
            TechnicianTimeOff.user_id,
            TechnicianTimeOff.starts_at,
            TechnicianTimeOff.ends_at,
            TechnicianTimeOff.reason,
        ).where(
            TechnicianTimeOff.user_id.in_(ids),
            TechnicianTimeOff.ends_at > start_at,
            TechnicianTimeOff.starts_at < end_at,
        )
    ):
        off[r.user_id].append(people.TimeOff(r.starts_at, r.ends_at, r.reason))
    visits = sa.select(Appointment.mechanic_id, Appointment.starts_at, Appointment.ends_at).where(
        Appointment.mechanic_id.in_(ids),
        HOLDS_BAY,
        Appointment.ends_at > start_at,
        Appointment.starts_at < end_at,
    )
    if exclude is not None:
        visits = visits.where(Appointment.id != exclude)
    holds = sa.select(WaitlistHold.mechanic_id, WaitlistHold.starts_at, WaitlistHold.block_ends_at)
    holds = holds.where(
        WaitlistHold.mechanic_id.in_(ids),
        HOLDING,
        WaitlistHold.block_ends_at > start_at,
        WaitlistHold.starts_at < end_at,
    )
    if now is not None:
        holds = holds.where(WaitlistHold.expires_at > now)
    if holder is not None:
        holds = holds.where(WaitlistHold.id != holder)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for r in db.session.execute(sa.union_all(visits, holds)):
        busy[r[0]].append((r[1], r[2]))
    return people.Technicians(
        staff=tuple(
            people.Technician(
                id=i,
                skills=frozenset(skills[i]),
                hours=tuple(spans[i]),
                time_off=tuple(off[i]),
                busy=tuple(busy[i]),
            )
            for i in ids
        ),
        categories=categories,
    )


# --- the admin's schedule and skills -----------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    user: User
    location_id: int | None
    hours: dict[int, list[tuple[int, int]]]
    skills: frozenset[int]
    time_off: list[TechnicianTimeOff]


def _mechanic(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.has_role(RoleName.MECHANIC.value):
        raise LookupError(user_id)
    return user


def schedule_of(user_id: int, *, now: datetime) -> Schedule:
    """A mechanic's schedule as saved (LookupError for anyone else); time off not yet over."""
    user = _mechanic(user_id)
    profile = db.session.get(TechnicianProfile, user_id)
    hours: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for h in db.session.scalars(
        sa.select(TechnicianHours)
        .where(TechnicianHours.user_id == user_id)
        .order_by(TechnicianHours.weekday, TechnicianHours.starts_minute)
    ):
        hours[h.weekday].append((h.starts_minute, h.ends_minute))
    skills = frozenset(
        db.session.scalars(
            sa.select(technician_skills.c.category_id).where(technician_skills.c.user_id == user_id)
        )
    )
    time_off = list(
        db.session.scalars(
            sa.select(TechnicianTimeOff)
            .where(TechnicianTimeOff.user_id == user_id, TechnicianTimeOff.ends_at > now)
            .order_by(TechnicianTimeOff.starts_at)
        )
    )
    return Schedule(
        user=user,
        location_id=profile.location_id if profile else None,
        hours=dict(hours),
        skills=skills,
        time_off=time_off,
    )


def _minutes(text: str) -> int:
    hh, sep, mm = text.strip().partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2 or len(hh) > 2:
        raise ValueError(text)
    return int(hh) * 60 + int(mm)


def parse_hours(raw: dict[int, str]) -> list[people.WorkingSpan]:
    """Weekly hours typed one line per weekday, e.g. "08:00-12:00, 13:00-17:00" (24:00 allowed;
    empty: not working that day), checked; ValidationFailed by weekday field `hours_<n>`."""
    errors: dict[str, list[str]] = {}
    spans: list[people.WorkingSpan] = []
    for weekday, text in sorted(raw.items()):
        day_spans: list[people.WorkingSpan] = []
        for part in (p.strip() for p in text.replace(";", ",").split(",")):
            if not part:
                continue
            start, sep, end = part.partition("-")
            try:
                if not sep:
                    raise ValueError(part)
                day_spans.append(people.WorkingSpan(weekday, _minutes(start), _minutes(end)))
            except ValueError:
                errors.setdefault(f"hours_{weekday}", []).append(
                    _("Write “%(part)s” as a span like 08:00-12:00.", part=part)
                )
        problems = people.hours_problems(day_spans)
        if problems:
            errors.setdefault(f"hours_{weekday}", []).extend(problems)
        spans.extend(day_spans)
    if errors:
        raise ValidationFailed(errors)
    return spans


def save_schedule(
    user_id: int,
    *,
    location_id: int | None,
    spans: list[people.WorkingSpan],
    skill_ids: list[int],
) -> None:
    """Replace a mechanic's location, weekly hours and skills, all or nothing."""
    _mechanic(user_id)
    errors: dict[str, list[str]] = {}
    problems = people.hours_problems(spans)
    if problems:
        errors["form"] = problems
    location = db.session.get(Location, location_id) if location_id is not None else None
    if location is None or not location.active:
        errors["location_id"] = [_("Choose the location this mechanic works at.")]
    known = set(
        db.session.scalars(
            sa.select(ServiceCategory.id).where(ServiceCategory.id.in_(set(skill_ids)))
        )
    )
    unknown = sorted(set(skill_ids) - known)
    if unknown:
        errors["skills"] = [
            _(
                "These service categories don't exist (any more): %(ids)s. "
                "Reload the page and choose again.",
                ids=", ".join(str(i) for i in unknown),
            )
        ]
    if errors:
        raise ValidationFailed(errors)
    assert location is not None

    def work(session: Session) -> None:
        profile = session.get(TechnicianProfile, user_id)
        if profile is None:
            profile = TechnicianProfile(user_id=user_id, location_id=location.id)
            session.add(profile)
        else:
            profile.location_id = location.id
        session.flush()
        session.execute(sa.delete(TechnicianHours).where(TechnicianHours.user_id == user_id))
        session.execute(sa.delete(technician_skills).where(technician_skills.c.user_id == user_id))
        session.add_all(
            TechnicianHours(
                user_id=user_id, weekday=s.weekday, starts_minute=s.starts, ends_minute=s.ends
            )
            for s in spans
        )
        if known:
            session.execute(
                sa.insert(technician_skills),
                [{"user_id": user_id, "category_id": c} for c in sorted(known)],
            )

    run_write(work)


# --- time off --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeOffWindow:
    user: User
    location: Location
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class AffectedVisit:
    appointment: Appointment
    #: Who could take it instead (ids of skilled technicians free then), best fit first.
    candidates: list[int]


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def time_off_window(
    user_id: int,
    *,
    start_date: date | None,
    start_time: time | None,
    end_date: date | None,
    end_time: time | None,
    reason: str,
    now: datetime,
) -> TimeOffWindow:
    """Time off typed in the location's wall-clock time, checked, or ValidationFailed. An empty
    start time means from the start of that day, an empty end time to the end of that day."""
    user = _mechanic(user_id)
    profile = db.session.get(TechnicianProfile, user_id)
    if profile is None:
        raise ValidationFailed(_("Save this mechanic's location and hours first."))
    location = db.session.get_one(Location, profile.location_id)
    zone = ZoneInfo(location.timezone)
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    instants: dict[str, datetime] = {}
    for name, day, clock, whole_day in (
        ("start", start_date, start_time, 0),
        ("end", end_date, end_time, 1),
    ):
        if day is None:
            errors[f"{name}_date"] = [
                _("Enter the start date.") if name == "start" else _("Enter the end date.")
            ]
            continue
        if not bounds.day_in_range(day):
            errors[f"{name}_date"] = [bounds.date_range_message()]
            continue
        if clock is None:
            instants[name] = _day_start(day + timedelta(days=whole_day), zone)
        else:
            try:
                instants[name] = local_to_utc(datetime.combine(day, clock), zone)
            except ValidationFailed as exc:
                errors[f"{name}_time"] = [m for ms in exc.errors.values() for m in ms]
    if "start" in instants and "end" in instants:
        if instants["end"] <= instants["start"]:
            errors["end_date"] = [_("The time off must end after it starts.")]
        elif instants["end"] - instants["start"] > timedelta(days=MAX_TIME_OFF_DAYS):
            errors["end_date"] = [
                _("Time off can last at most %(days)s days.", days=MAX_TIME_OFF_DAYS)
            ]
        elif instants["end"] <= now:
            errors["end_date"] = [_("That period is already over.")]
    if not reason:
        errors["reason"] = [_("Say why (leave, training, ...).")]
    elif problem := bounds.text_problem(reason, single_line=True):
        errors["reason"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    return TimeOffWindow(user, location, instants["start"], instants["end"], reason)


def _affected_rows(window: TimeOffWindow, now: datetime) -> list[Appointment]:
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(
                Appointment.mechanic_id == window.user.id,
                HOLDS_BAY,
                Appointment.ends_at > max(window.starts_at, now),
                Appointment.starts_at < window.ends_at,
            )
            .order_by(Appointment.starts_at)
        )
    )


def _candidates(appointment: Appointment, window: TimeOffWindow, zone: ZoneInfo) -> list[int]:
    """Skilled technicians (not this one) free over the visit, best fit first."""
    day = appointment.starts_at.astimezone(zone).date()
    techs = load_technicians(
        appointment.location,
        visit_categories(appointment),
        _day_start(day - timedelta(days=1), zone),
        _day_start(day + timedelta(days=2), zone),
        exclude=appointment.id,
    )
    if techs is None:
        return []
    others = people.Technicians(
        staff=tuple(t for t in techs.staff if t.id != window.user.id), categories=techs.categories
    )
    return people.rank_technicians(others, zone, appointment.starts_at, appointment.ends_at)


def affected_by_time_off(window: TimeOffWindow, *, now: datetime) -> list[AffectedVisit]:
    """The mechanic's upcoming visits the time off overlaps, each with who could take it."""
    zone = ZoneInfo(window.location.timezone)
    return [AffectedVisit(a, _candidates(a, window, zone)) for a in _affected_rows(window, now)]


class VisitsChanged(Exception):
    """The affected visits are not the ones the admin decided on."""


def add_time_off(
    window: TimeOffWindow,
    *,
    actor: User,
    now: datetime,
    expected: list[int],
    reassign: bool,
) -> list[Appointment]:
    """Save the time off. Its affected visits (`expected`: the ones the admin saw) are either
    kept as conflicts (`reassign` False) or each given to the best-fitting skilled technician
    free then, under the schedule lock (visits nobody can take stay with the mechanic, as
    conflicts). Returns the visits still in conflict."""
    zone = ZoneInfo(window.location.timezone)

    def work(session: Session) -> list[Appointment]:
        affected = _affected_rows(window, now)
        if [a.id for a in affected] != expected:
            raise VisitsChanged
        lock_schedule(
            session,
            window.location.id,
            [a.starts_at.astimezone(zone).date() for a in affected],
        )
        session.add(
            TechnicianTimeOff(
                user_id=window.user.id,
                starts_at=window.starts_at,
                ends_at=window.ends_at,
                reason=window.reason,
                created_at=now,
            )
        )
        session.flush()
        conflicts: list[Appointment] = []
        for appointment in affected:
            ranked = _candidates(appointment, window, zone) if reassign else []
            if not ranked:
                conflicts.append(appointment)
                continue
            mechanic = session.get_one(User, ranked[0])
            appointment.mechanic_id = mechanic.id
            appointment.updated_at = now
            session.add(
                AppointmentNote(
                    appointment=appointment,
                    audience=NoteAudience.INTERNAL,
                    body=_(
                        "Assigned to %(mechanic)s (%(off)s is off: %(reason)s).",
                        mechanic=mechanic.full_name,
                        off=window.user.full_name,
                        reason=window.reason,
                    ),
                    author=actor,
                    created_at=now,
                )
            )
            session.flush()  # the next visit's candidates see this one's technician
        return conflicts

    return run_write(work)


def delete_time_off(user_id: int, time_off_id: int) -> None:
    """Remove one period of time off (LookupError if it isn't this mechanic's)."""

    def work(session: Session) -> None:
        row = session.get(TechnicianTimeOff, time_off_id)
        if row is None or row.user_id != user_id:
            raise LookupError(time_off_id)
        session.delete(row)

    run_write(work)


def weekday_names() -> tuple[str, ...]:
    return tuple(weekday_name(index) for index in range(7))


def refuse_assignment(session: Session, appointment: Appointment, mechanic_id: int) -> str | None:
    """Why `mechanic_id` can't take this visit (None: they can, or the location keeps no
    schedules). Takes the schedule lock of the visit's day first, as booking does, so the answer
    holds until the transaction ends."""
    zone = ZoneInfo(appointment.location.timezone)
    day = appointment.starts_at.astimezone(zone).date()
    lock_schedule(session, appointment.location_id, [day])
    techs = load_technicians(
        appointment.location,
        visit_categories(appointment),
        _day_start(day - timedelta(days=1), zone),
        _day_start(day + timedelta(days=2), zone),
        exclude=appointment.id,
    )
    if techs is None:
        return None
    mechanic = session.get_one(User, mechanic_id)
    tech = next((t for t in techs.staff if t.id == mechanic_id), None)
    if tech is None:
        return _(
            "%(name)s has no working hours at %(location)s.",
            name=mechanic.full_name,
            location=appointment.location.name,
        )
    if not techs.categories <= tech.skills:
        return _("%(name)s isn't set up for the skills this visit needs.", name=mechanic.full_name)
    one = people.Technicians(staff=(tech,), categories=techs.categories)
    if not one.index(zone, day, day).any_free(
        _as_utc(appointment.starts_at), _as_utc(appointment.ends_at)
    ):
        return _(
            "%(name)s isn't free for the whole visit (not working, off, or on another visit then).",
            name=mechanic.full_name,
        )
    return None


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def conflicts_of(user_id: int, *, now: datetime) -> list[tuple[Appointment, TechnicianTimeOff]]:
    """The mechanic's upcoming assigned visits that fall in their time off (kept as conflicts),
    each with the time off it meets; one statement."""
    rows = db.session.execute(
        sa.select(Appointment, TechnicianTimeOff)
        .join(
            TechnicianTimeOff,
            sa.and_(
                TechnicianTimeOff.user_id == Appointment.mechanic_id,
                TechnicianTimeOff.starts_at < Appointment.ends_at,
                Appointment.starts_at < TechnicianTimeOff.ends_at,
            ),
        )
        .where(Appointment.mechanic_id == user_id, HOLDS_BAY, Appointment.ends_at > now)
        .order_by(Appointment.starts_at, TechnicianTimeOff.starts_at)
    ).all()
    seen: set[int] = set()
    out: list[tuple[Appointment, TechnicianTimeOff]] = []
    for appointment, off in rows:
        if appointment.id not in seen:
            seen.add(appointment.id)
            out.append((appointment, off))
    return out

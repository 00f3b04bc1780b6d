"""Running one visit from the staff desk: the promised-ready time, internal notes and notes to
the customer, the mechanics a job can go to, and the visit's timeline. Every write goes through
booking.change_write (the one write idiom), deciding with domain.visit_desk on the locked row;
what the customer is told is written to the outbox in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from autoshop.domain import bounds
from autoshop.domain.choices import Role as RoleName
from autoshop.domain.visit_desk import NoteAudience, note_problem, refuse_note, refuse_promise
from autoshop.extensions import db
from autoshop.i18n import _, format_moment, shown_note, speaking
from autoshop.models import Appointment, AppointmentNote, Role, StatusChange, User
from autoshop.services import outbox_planning
from autoshop.services.booking import BookingError, actor_of, change_write, enforce, facts_of

__all__ = [
    "TimelineEntry",
    "active_mechanics",
    "add_note",
    "mechanic_by_id",
    "notes_of",
    "promise_label",
    "set_promised_time",
    "timeline",
]


def promise_label(moment: datetime, zone: ZoneInfo) -> str:
    """'Wed Dec 2, 4:00 PM' in the location's zone, in the reader's language."""
    return format_moment(moment, "day_moment", zone)


def set_promised_time(
    appointment: Appointment,
    promised_at: datetime | None,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Appointment:
    """Promise the car ready by `promised_at` (None clears the promise). The change is kept in
    the visit's timeline; a new promise is sent to the customer as a "ready by" note."""
    if promised_at is not None:
        if promised_at.tzinfo is None or promised_at.utcoffset() is None:
            raise ValueError("promised_at must be an aware datetime")
        if not bounds.instant_in_range(promised_at):
            raise BookingError(bounds.date_range_message(), kind="out-of-range", field="promised")
    who = actor_of(actor)

    def work(session: Session, current: Appointment) -> Appointment:
        enforce(refuse_promise(facts_of(current), who, promised_at))
        if current.promised_at == promised_at:
            return current  # nothing changes, nobody is told twice
        zone = ZoneInfo(current.location.timezone)
        current.promised_at = promised_at
        current.updated_at = now
        with speaking(None):  # the visit's record is kept in the shop's language
            note = (
                _("Ready by %(when)s.", when=promise_label(promised_at, zone))
                if promised_at is not None
                else _("Ready-by time withdrawn.")
            )
        session.add(
            StatusChange(
                appointment=current,
                from_status=current.status,
                to_status=current.status,
                changed_by=actor,
                changed_at=now,
                note=note,
            )
        )
        session.flush()
        if promised_at is not None:
            outbox_planning.plan_promise(current, now=now)
        return current

    return change_write(appointment, expected_version, work)


def add_note(
    appointment: Appointment,
    body: str,
    audience: NoteAudience,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> AppointmentNote:
    """Append a note to the visit. An internal note stays with the shop; a note to the customer
    is sent to them (email, SMS as they chose) and shown on their status page."""
    body = body.strip()
    problem = note_problem(body) or bounds.text_problem(body)
    if problem is not None:
        raise BookingError(problem, kind="bad-note", field="body")
    who = actor_of(actor)

    def work(session: Session, current: Appointment) -> AppointmentNote:
        enforce(refuse_note(facts_of(current), who, audience))
        note = AppointmentNote(
            appointment=current, audience=audience, body=body, author=actor, created_at=now
        )
        session.add(note)
        session.flush()
        if audience is NoteAudience.CUSTOMER:
            outbox_planning.plan_customer_note(current, note, now=now)
        return note

    return change_write(appointment, expected_version, work)


def notes_of(
    appointment: Appointment, audience: NoteAudience | None = None
) -> list[AppointmentNote]:
    """The visit's notes, oldest first; only those for `audience` when given."""
    stmt = (
        sa.select(AppointmentNote)
        .where(AppointmentNote.appointment_id == appointment.id)
        .options(selectinload(AppointmentNote.author))
    )
    if audience is not None:
        stmt = stmt.where(AppointmentNote.audience == audience)
    return list(db.session.scalars(stmt.order_by(AppointmentNote.created_at, AppointmentNote.id)))


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a visit's history: a status change (or a recorded change such as a move or a
    promise) or a note."""

    at: datetime
    title: str
    text: str
    by: str
    kind: str  # "status", "internal" or "customer"


def timeline(appointment: Appointment, *, internal: bool) -> list[TimelineEntry]:
    """Status changes and notes, newest first. Without `internal` (a customer's view), internal
    notes are left out and nobody on the staff is named."""
    entries = [
        TimelineEntry(
            at=change.changed_at,
            # A change that kept the status (a move, a promise) says what it is by its note.
            title=(
                _("Visit updated")
                if change.from_status is change.to_status
                else change.to_status.label
            ),
            text=shown_note(change.note),
            by=change.changed_by.full_name if internal and change.changed_by else "",
            kind="status",
        )
        for change in db.session.scalars(
            sa.select(StatusChange)
            .where(StatusChange.appointment_id == appointment.id)
            .options(selectinload(StatusChange.changed_by))
            .order_by(StatusChange.changed_at, StatusChange.id)
        )
    ]
    for note in notes_of(appointment, None if internal else NoteAudience.CUSTOMER):
        entries.append(
            TimelineEntry(
                at=note.created_at,
                title=note.audience.label if internal else _("Note from the shop"),
                text=note.body,
                by=note.author.full_name if internal and note.author else "",
                kind=note.audience.value,
            )
        )
    return sorted(entries, key=lambda e: e.at, reverse=True)


def active_mechanics() -> list[User]:
    """The mechanics a job can be given to: active accounts with the mechanic role, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active.is_(True),
                User.roles.any(Role.name == RoleName.MECHANIC.value),
            )
            .order_by(User.first_name, User.last_name, User.id)
        )
    )


def mechanic_by_id(raw: str) -> User | None:
    """The active mechanic a form names; "" is nobody (None). Anything else is refused."""
    if raw == "":
        return None
    mechanic = db.session.get(User, int(raw)) if raw.isdigit() and len(raw) < 19 else None
    if mechanic is None or not mechanic.active or not mechanic.has_role(RoleName.MECHANIC.value):
        raise BookingError(
            _("Choose one of the shop's active mechanics."), kind="not-a-mechanic", field="mechanic"
        )
    return mechanic

"""Moving an appointment through its statuses (DESIGN.md §6) and assigning its mechanic, with
the audit trail and the customer's notification written in the same transaction. Who may do
what is domain.status's decision, made on the row locked for the write."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from autoshop.domain.choices import Role
from autoshop.domain.status import AppointmentStatus, allowed_targets, refuse_assign, refuse_move
from autoshop.domain.visit_desk import NoteAudience
from autoshop.i18n import _, speaking
from autoshop.models import Appointment, AppointmentNote, StatusChange, User
from autoshop.services import outbox_planning, technicians
from autoshop.services.booking import (
    BookingError,
    actor_of,
    change_write,
    enforce,
    facts_of,
    role_of,
)

MAX_NOTE_LENGTH = 1000

__all__ = ["assign_mechanic", "change_status", "next_statuses", "role_of"]


def next_statuses(appointment: Appointment, user: User, now: datetime) -> list[AppointmentStatus]:
    """The floor moves `user` may make now (cancelling has its own action), in table order."""
    facts, actor = facts_of(appointment), actor_of(user)
    return [
        target
        for target in allowed_targets(appointment.status, role_of(user))
        if target is not AppointmentStatus.CANCELLED
        and refuse_move(facts, target, actor, now) is None
    ]


def change_status(
    appointment: Appointment,
    target: AppointmentStatus,
    *,
    actor: User,
    now: datetime,
    note: str = "",
    expected_version: int | None = None,
) -> StatusChange:
    """Move `appointment` to `target` if `actor` may; a mechanic who moves an unassigned job
    takes it."""
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise BookingError(
            _("Keep the note under %(max)d characters.", max=MAX_NOTE_LENGTH),
            kind="note-too-long",
            field="note",
        )
    if target is AppointmentStatus.CANCELLED:
        raise BookingError(_("Cancel through the appointment's Cancel action."), kind="use-cancel")
    who = actor_of(actor)

    def work(session: Session, current: Appointment) -> StatusChange:
        enforce(refuse_move(facts_of(current), target, who, now))
        change = StatusChange(
            appointment=current,
            from_status=current.status,
            to_status=target,
            changed_by=actor,
            changed_at=now,
            note=note,
        )
        current.status = target
        current.updated_at = now
        if current.mechanic_id is None and who.role is Role.MECHANIC:
            current.mechanic_id = actor.id
        session.add(change)
        session.flush()
        outbox_planning.plan_status_change(current, change, now=now)
        return change

    return change_write(appointment, expected_version, work)


def assign_mechanic(
    appointment: Appointment,
    mechanic: User | None,
    *,
    actor: User,
    now: datetime,
    expected_version: int | None = None,
) -> Appointment:
    """Give the job to `mechanic` (None: nobody): admins for anyone, a mechanic takes an open
    job for themself. The change is kept as an internal note on the visit."""
    if mechanic is not None and not (mechanic.has_role(Role.MECHANIC.value) and mechanic.active):
        raise BookingError(_("Choose one of the shop's active mechanics."), kind="not-a-mechanic")
    mechanic_id = mechanic.id if mechanic is not None else None
    who = actor_of(actor)

    def work(session: Session, current: Appointment) -> Appointment:
        enforce(refuse_assign(facts_of(current), who, mechanic_id))
        if current.mechanic_id == mechanic_id:
            return current  # already so: nothing to write or record
        if mechanic_id is not None:
            problem = technicians.refuse_assignment(session, current, mechanic_id)
            if problem is not None:
                raise BookingError(problem, kind="technician-unavailable", field="mechanic")
        current.mechanic_id = mechanic_id
        current.updated_at = now
        with speaking(None):  # the visit's record is kept in the shop's language
            body = (
                _("Assigned to %(name)s.", name=mechanic.full_name)
                if mechanic
                else _("Unassigned.")
            )
        session.add(
            AppointmentNote(
                appointment=current,
                audience=NoteAudience.INTERNAL,
                body=body,
                author=actor,
                created_at=now,
            )
        )
        return current

    return change_write(appointment, expected_version, work)

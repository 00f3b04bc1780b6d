"""Moving an appointment through its statuses (DESIGN.md §6), with the audit trail and the
customer's notification written in the same transaction."""

from __future__ import annotations

from datetime import datetime

from autoshop.domain.choices import Role
from autoshop.domain.status import AppointmentStatus, allowed_targets, can_transition
from autoshop.models import Appointment, StatusChange, User
from autoshop.services import outbox_planning
from autoshop.services.booking import BookingError, NotAllowed
from autoshop.services.transactions import write_transaction

MAX_NOTE_LENGTH = 1000


def role_of(user: User) -> Role:
    if user.has_role(Role.ADMIN.value):
        return Role.ADMIN
    if user.has_role(Role.MECHANIC.value):
        return Role.MECHANIC
    return Role.CUSTOMER


def next_statuses(appointment: Appointment, user: User) -> list[AppointmentStatus]:
    """Where `user` may move the appointment now (cancellation goes through booking.cancel)."""
    if not _may_work_on(appointment, user):
        return []
    return [
        s
        for s in allowed_targets(appointment.status, role_of(user))
        if s is not AppointmentStatus.CANCELLED
    ]


def _may_work_on(appointment: Appointment, user: User) -> bool:
    role = role_of(user)
    if role is Role.ADMIN:
        return True
    if role is Role.MECHANIC:
        return appointment.mechanic_id in (None, user.id)
    return False


def change_status(
    appointment: Appointment,
    target: AppointmentStatus,
    *,
    actor: User,
    now: datetime,
    note: str = "",
) -> StatusChange:
    """Move `appointment` to `target` if `actor` may; a mechanic who moves an unassigned job
    takes it."""
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise BookingError(
            f"Keep the note under {MAX_NOTE_LENGTH} characters.", kind="note-too-long", field="note"
        )
    if target is AppointmentStatus.CANCELLED:
        raise BookingError("Cancel through the appointment's Cancel action.", kind="use-cancel")
    if not _may_work_on(appointment, actor):
        raise NotAllowed("This job is assigned to another mechanic.", kind="not-your-job")
    if not can_transition(appointment.status, target, role_of(actor)):
        raise NotAllowed(
            f"A job that is {appointment.status.label.lower()} can't move to "
            f"{target.label.lower()}.",
            kind="bad-transition",
        )
    with write_transaction() as session:
        change = StatusChange(
            appointment=appointment,
            from_status=appointment.status,
            to_status=target,
            changed_by=actor,
            changed_at=now,
            note=note,
        )
        appointment.status = target
        appointment.updated_at = now
        if appointment.mechanic_id is None and role_of(actor) is Role.MECHANIC:
            appointment.mechanic_id = actor.id
        session.add(change)
        session.flush()
        outbox_planning.plan_status_change(appointment, change, now=now)
    return change

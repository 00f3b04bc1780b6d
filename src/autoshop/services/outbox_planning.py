"""The messages an appointment change causes, written to the outbox in the same transaction.

Confirmations, changes and cancellations are due at once; reminders are due `lead` before the
start (per location, default 24 h and 2 h) and are never planned for a moment already past. Each
row has a dedupe key, unique in the database, so the same message for the same moment can't be
queued twice; a reschedule cancels the pending reminders and plans new ones.

Rows are planned, not rendered: each holds its kind, references, channel, recipient, due time,
subject and the facts it must state as planned (notification_rendering.facts_of); the worker
renders the body when it sends it. A change's rows go in with one INSERT.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, AppointmentNote, Notification, StatusChange, User
from autoshop.services.notification_rendering import (
    CANCELLED,
    CONFIRMATION,
    CUSTOMER_STATUSES,
    NOTE,
    PROMISED,
    REMINDER,
    RESCHEDULED,
    REVIEW_REQUEST,
    STATUS,
    SUBJECTS,
    facts_of,
    subject_of,
)

__all__ = [
    "CANCELLED",
    "CONFIRMATION",
    "CUSTOMER_STATUSES",
    "NOTE",
    "PROMISED",
    "REMINDER",
    "RESCHEDULED",
    "REVIEW_DELAY",
    "REVIEW_REQUEST",
    "STATUS",
    "SUBJECTS",
]

#: Ask for a review a little after pickup, not while the customer is still at the counter.
REVIEW_DELAY = timedelta(hours=2)


def recipients(appointment: Appointment) -> list[tuple[NotificationChannel, str]]:
    """Email unless the customer turned it off; SMS only for customers (and guests) who opted in."""
    customer = appointment.customer
    if customer is None:
        guest: list[tuple[NotificationChannel, str]] = []
        if appointment.guest_email:
            guest.append((NotificationChannel.EMAIL, appointment.guest_email))
        if appointment.guest_sms_opt_in and appointment.guest_phone:
            guest.append((NotificationChannel.SMS, appointment.guest_phone))
        return guest
    out = []
    if customer.email_opt_in:
        out.append((NotificationChannel.EMAIL, customer.email))
    if customer.sms_opt_in and customer.phone:
        out.append((NotificationChannel.SMS, customer.phone))
    return out


def _row(
    appointment: Appointment,
    kind: str,
    channel: NotificationChannel,
    recipient: str,
    facts: dict[str, Any],
    *,
    due_at: datetime,
    dedupe_key: str,
) -> dict[str, Any]:
    """One outbox row, unrendered: the worker renders its body from `facts` when it sends it."""
    return {
        "channel": channel,
        "recipient": recipient,
        "kind": kind,
        "appointment_id": appointment.id,
        "user_id": appointment.customer_id,
        "subject": subject_of(kind, appointment.reference, facts),
        "body_text": "",
        "body_html": "",
        "payload": facts,
        "due_at": due_at,
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "last_error": "",
        "claimed_by": "",
        "dedupe_key": dedupe_key,
    }


def _write(rows: list[dict[str, Any]]) -> None:
    """Insert the planned rows in one statement, in the caller's transaction."""
    if rows:
        db.session.execute(sa.insert(Notification).values(rows))


def _immediate(appointment: Appointment, kind: str, now: datetime) -> list[dict[str, Any]]:
    facts = facts_of(appointment, kind)
    return [
        _row(
            appointment,
            kind,
            channel,
            recipient,
            facts,
            due_at=now,
            dedupe_key=f"appt:{appointment.id}:{kind}:{appointment.sequence}:{channel.value}",
        )
        for channel, recipient in recipients(appointment)
    ]


def _live_keys(appointment: Appointment) -> set[str]:
    """The dedupe keys of this visit's messages that aren't withdrawn."""
    return set(
        db.session.scalars(
            sa.select(Notification.dedupe_key).where(
                Notification.appointment_id == appointment.id,
                Notification.status != NotificationStatus.CANCELLED,
                Notification.dedupe_key.is_not(None),
            )
        )
    )


def _reminders(
    appointment: Appointment,
    now: datetime,
    channels: tuple[NotificationChannel, ...] = tuple(NotificationChannel),
    *,
    live: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Plan the reminders still ahead. A reminder for the same moment that is already queued or
    sent (the visit moved away and back) isn't planned twice. `live` is the visit's live dedupe
    keys when the caller knows them (a visit booked in this transaction has none)."""
    moment = appointment.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    rows: list[dict[str, Any]] = []
    leads = sorted(set(appointment.location.reminder_leads_minutes or []), reverse=True)
    ahead = [lead for lead in leads if appointment.starts_at - timedelta(minutes=lead) > now]
    if not ahead:
        return rows  # a reminder for a moment already past is never sent
    to = [(c, r) for c, r in recipients(appointment) if c in channels]
    if live is None and to:
        live = _live_keys(appointment)
    for lead in ahead:
        facts = facts_of(appointment, REMINDER, lead=lead)
        for channel, recipient in to:
            key = f"appt:{appointment.id}:reminder:{lead}m:{moment}:{channel.value}"
            if live and key in live:
                continue
            rows.append(
                _row(
                    appointment,
                    REMINDER,
                    channel,
                    recipient,
                    facts,
                    due_at=appointment.starts_at - timedelta(minutes=lead),
                    dedupe_key=key,
                )
            )
    return rows


def _cancel_pending_reminders(appointment: Appointment, why: str = "Appointment changed") -> None:
    db.session.execute(
        sa.update(Notification)
        .where(
            Notification.appointment_id == appointment.id,
            Notification.kind == REMINDER,
            Notification.status == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=why)
        .execution_options(synchronize_session=False)
    )


def plan_booking(appointment: Appointment, *, now: datetime) -> None:
    """The confirmation and the reminders of a visit booked in this transaction: one INSERT."""
    _write(_immediate(appointment, CONFIRMATION, now) + _reminders(appointment, now, live=set()))


def plan_reschedule(appointment: Appointment, *, now: datetime) -> None:
    _cancel_pending_reminders(appointment)
    _write(_immediate(appointment, RESCHEDULED, now) + _reminders(appointment, now))


def plan_cancellation(appointment: Appointment, *, now: datetime) -> None:
    _cancel_pending_reminders(appointment)
    _write(_immediate(appointment, CANCELLED, now))


def plan_status_change(appointment: Appointment, change: StatusChange, *, now: datetime) -> None:
    """Tell the customer about the statuses they care about, and about any step that carries a
    note for them. Once the car is at the shop (or the visit is over), reminders are withdrawn."""
    if change.to_status.value != "scheduled":
        _cancel_pending_reminders(appointment, f"Visit {change.to_status.value}")
    if change.to_status.value not in CUSTOMER_STATUSES and not change.note:
        return
    rows: list[dict[str, Any]] = []
    facts = facts_of(appointment, STATUS, change=change)
    review = facts_of(appointment, REVIEW_REQUEST)
    for channel, recipient in recipients(appointment):
        key = f"appt:{appointment.id}:status:{change.id}:{channel.value}"
        rows.append(
            _row(appointment, STATUS, channel, recipient, facts, due_at=now, dedupe_key=key)
        )
        if change.to_status.value == "completed":
            key = f"appt:{appointment.id}:review_request:{channel.value}"
            rows.append(
                _row(
                    appointment,
                    REVIEW_REQUEST,
                    channel,
                    recipient,
                    review,
                    due_at=now + REVIEW_DELAY,
                    dedupe_key=key,
                )
            )
    _write(rows)


def plan_customer_note(appointment: Appointment, note: AppointmentNote, *, now: datetime) -> None:
    """A note staff wrote for the customer, sent at once on the channels they chose."""
    facts = facts_of(appointment, NOTE, note=note)
    _write(
        [
            _row(
                appointment,
                NOTE,
                channel,
                recipient,
                facts,
                due_at=now,
                dedupe_key=f"appt:{appointment.id}:note:{note.id}:{channel.value}",
            )
            for channel, recipient in recipients(appointment)
        ]
    )


def plan_promise(appointment: Appointment, *, now: datetime) -> None:
    """Tell the customer when their car should be ready. A promise not yet sent is replaced by
    the new one, so a time corrected twice in a minute reaches them once."""
    db.session.execute(
        sa.update(Notification)
        .where(
            Notification.appointment_id == appointment.id,
            Notification.kind == PROMISED,
            Notification.status == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED, last_error="Ready-by time changed")
        .execution_options(synchronize_session=False)
    )
    facts = facts_of(appointment, PROMISED)
    _write(
        [
            _row(
                appointment,
                PROMISED,
                channel,
                recipient,
                facts,
                due_at=now,
                dedupe_key=f"appt:{appointment.id}:promised:{appointment.version}:{channel.value}",
            )
            for channel, recipient in recipients(appointment)
        ]
    )


def withdraw_reminders(user: User, channel: NotificationChannel) -> int:
    """The customer turned `channel` off: the reminders waiting on it are withdrawn."""
    result = db.session.execute(
        sa.update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.channel == channel,
            Notification.kind == REMINDER,
            Notification.status == NotificationStatus.PENDING,
        )
        .values(status=NotificationStatus.CANCELLED, last_error=f"{channel.value} turned off")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def replan_reminders(user: User, channel: NotificationChannel, *, now: datetime) -> None:
    """The customer turned `channel` back on: their scheduled visits ahead get its reminders."""
    upcoming = db.session.scalars(
        sa.select(Appointment).where(
            Appointment.customer_id == user.id,
            Appointment.status == AppointmentStatus.SCHEDULED,
            Appointment.starts_at > now,
        )
    )
    for appointment in upcoming:
        _write(_reminders(appointment, now, channels=(channel,)))

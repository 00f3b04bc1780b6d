"""The messages an appointment change causes, written to the outbox in the same transaction.

Confirmations, changes and cancellations are due at once; reminders are due `lead` before the
start (per location, default 24 h and 2 h) and are never planned for a moment already past. Each
row has a dedupe key, unique in the database, so the same message for the same moment can't be
queued twice; a reschedule cancels the pending reminders and plans new ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.domain.durations import format_minutes
from autoshop.domain.money import describe_price
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, User
from autoshop.services.manage_links import manage_url
from autoshop.services.rebooking import cancellation_of, rebook_url
from autoshop.services.reviews import review_url

CONFIRMATION = "appointment_confirmation"
RESCHEDULED = "appointment_rescheduled"
CANCELLED = "appointment_cancelled"
REMINDER = "appointment_reminder"
STATUS = "appointment_status"
REVIEW_REQUEST = "appointment_review_request"
NOTE = "appointment_note"
PROMISED = "appointment_promised"
#: Ask for a review a little after pickup, not while the customer is still at the counter.
REVIEW_DELAY = timedelta(hours=2)

#: Status changes the customer hears about, with the sentence that tells them.
CUSTOMER_STATUSES = {
    "checked_in": "We've checked your vehicle in.",
    "waiting_on_parts": "We're waiting on parts for your vehicle.",
    "ready_for_pickup": "Your vehicle is ready for pickup.",
    "completed": "Your visit is complete. Thank you!",
}

SUBJECTS = {
    CONFIRMATION: "Booked: {when} ({reference})",
    RESCHEDULED: "Moved to {when} ({reference})",
    CANCELLED: "Cancelled: your visit on {when} ({reference})",
    REMINDER: "Reminder: your visit {when} ({reference})",
    STATUS: "{status}: your {vehicle} ({reference})",
    REVIEW_REQUEST: "How did we do? Your visit {when} ({reference})",
    NOTE: "A note about your {vehicle} ({reference})",
    PROMISED: "Ready by {promised}: your {vehicle} ({reference})",
}


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


def _context(
    appointment: Appointment,
    kind: str,
    lead: int | None = None,
    change: Any = None,
    note: str = "",
) -> dict[str, Any]:
    zone = ZoneInfo(appointment.location.timezone)
    local = appointment.starts_at.astimezone(zone)
    promised = appointment.promised_at.astimezone(zone) if appointment.promised_at else None
    return {
        "appointment": appointment,
        "kind": kind,
        "shop_name": current_app.config["SHOP_NAME"],
        "location": appointment.location,
        "when": f"{local:%a %b %-d} at {local:%-I:%M %p}",
        "when_long": f"{local:%A, %B %-d, %Y} at {local:%-I:%M %p} ({local:%Z})",
        "services": [
            (
                s.name,
                format_minutes(s.duration_minutes),
                describe_price(s.price_kind, s.price_min_cents, s.price_max_cents),
            )
            for s in appointment.services
        ],
        "lead": format_minutes(lead) if lead else "",
        "status_sentence": CUSTOMER_STATUSES.get(change.to_status.value, "") if change else "",
        "status_note": change.note if change else note,
        "promised": f"{promised:%a %b %-d, %-I:%M %p}" if promised else "",
        "promised_long": f"{promised:%A, %B %-d} at {promised:%-I:%M %p}" if promised else "",
        "manage_url": manage_url(appointment),
        "review_url": review_url(appointment) if kind == REVIEW_REQUEST else "",
        # A cancellation says who cancelled (the shop gives its reason) and links to book again.
        "cancellation": cancellation_of(appointment) if kind == CANCELLED else None,
        "rebook_url": rebook_url(appointment) if kind == CANCELLED else "",
        "name": (
            appointment.customer.first_name if appointment.customer else appointment.guest_name
        )
        or "there",
    }


def _row(
    appointment: Appointment,
    kind: str,
    channel: NotificationChannel,
    recipient: str,
    *,
    due_at: datetime,
    dedupe_key: str,
    lead: int | None = None,
    change: Any = None,
    note: str = "",
) -> Notification:
    ctx = _context(appointment, kind, lead, change, note)
    subject = SUBJECTS[kind].format(
        promised=ctx["promised"],
        when=ctx["when"],
        reference=appointment.reference,
        vehicle=appointment.vehicle.label,
        status=appointment.status.label,
    )
    if channel is NotificationChannel.SMS:
        body_text, body_html = render_template("notifications/sms.txt", **ctx).strip(), ""
    else:
        body_text = render_template("notifications/appointment.txt", **ctx)
        body_html = render_template("notifications/appointment.html", **ctx)
    return Notification(
        channel=channel,
        recipient=recipient,
        kind=kind,
        appointment_id=appointment.id,
        user_id=appointment.customer_id,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        due_at=due_at,
        dedupe_key=dedupe_key,
        payload={"sequence": appointment.sequence, "starts_at": appointment.starts_at.isoformat()},
    )


def _immediate(appointment: Appointment, kind: str, now: datetime) -> None:
    for channel, recipient in recipients(appointment):
        key = f"appt:{appointment.id}:{kind}:{appointment.sequence}:{channel.value}"
        db.session.add(_row(appointment, kind, channel, recipient, due_at=now, dedupe_key=key))


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
) -> None:
    """Plan the reminders still ahead. A reminder for the same moment that is already queued or
    sent (the visit moved away and back) isn't planned twice."""
    moment = appointment.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    live = _live_keys(appointment)
    for lead in sorted(set(appointment.location.reminder_leads_minutes or []), reverse=True):
        due_at = appointment.starts_at - timedelta(minutes=lead)
        if due_at <= now:
            continue  # a reminder for a moment already past is never sent
        for channel, recipient in recipients(appointment):
            key = f"appt:{appointment.id}:reminder:{lead}m:{moment}:{channel.value}"
            if channel not in channels or key in live:
                continue
            db.session.add(
                _row(
                    appointment,
                    REMINDER,
                    channel,
                    recipient,
                    due_at=due_at,
                    dedupe_key=key,
                    lead=lead,
                )
            )


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
    _immediate(appointment, CONFIRMATION, now)
    _reminders(appointment, now)


def plan_reschedule(appointment: Appointment, *, now: datetime) -> None:
    _cancel_pending_reminders(appointment)
    db.session.flush()
    _immediate(appointment, RESCHEDULED, now)
    _reminders(appointment, now)


def plan_cancellation(appointment: Appointment, *, now: datetime) -> None:
    _cancel_pending_reminders(appointment)
    _immediate(appointment, CANCELLED, now)


def plan_status_change(appointment: Appointment, change: Any, *, now: datetime) -> None:
    """Tell the customer about the statuses they care about, and about any step that carries a
    note for them. Once the car is at the shop (or the visit is over), reminders are withdrawn."""
    if change.to_status.value != "scheduled":
        _cancel_pending_reminders(appointment, f"Visit {change.to_status.value}")
    if change.to_status.value not in CUSTOMER_STATUSES and not change.note:
        return
    for channel, recipient in recipients(appointment):
        key = f"appt:{appointment.id}:status:{change.id}:{channel.value}"
        db.session.add(
            _row(appointment, STATUS, channel, recipient, due_at=now, dedupe_key=key, change=change)
        )
        if change.to_status.value == "completed":
            key = f"appt:{appointment.id}:review_request:{channel.value}"
            db.session.add(
                _row(
                    appointment,
                    REVIEW_REQUEST,
                    channel,
                    recipient,
                    due_at=now + REVIEW_DELAY,
                    dedupe_key=key,
                )
            )


def plan_customer_note(appointment: Appointment, note: Any, *, now: datetime) -> None:
    """A note staff wrote for the customer, sent at once on the channels they chose."""
    for channel, recipient in recipients(appointment):
        key = f"appt:{appointment.id}:note:{note.id}:{channel.value}"
        db.session.add(
            _row(appointment, NOTE, channel, recipient, due_at=now, dedupe_key=key, note=note.body)
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
    for channel, recipient in recipients(appointment):
        key = f"appt:{appointment.id}:promised:{appointment.version}:{channel.value}"
        db.session.add(_row(appointment, PROMISED, channel, recipient, due_at=now, dedupe_key=key))


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
        _reminders(appointment, now, channels=(channel,))

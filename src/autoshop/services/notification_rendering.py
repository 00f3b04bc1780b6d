"""Appointment messages rendered when they are sent, from facts frozen when they were planned.

Planning (outbox_planning, inside the change's transaction) stores on the row only what is cheap
and must not drift: the kind, the references (appointment, status change, note), the channel and
recipient, the due time, the one-line subject, and the facts the message states as they were
planned (`facts_of`: the visit's time and zone, vehicle, services, status, reminder lead,
ready-by time). The worker renders the text, HTML or SMS body from those facts plus what is safe
to read at send time (names, the location's address, signed links, who cancelled) when it claims
the row, and stores what it sent. The log and `autoshop outbox --bodies` render an unsent row on
demand (`content_of`), so staff see the message as it will go out.

A row written whole (account emails, waitlist offers, rows older than this) has no `render`
marker in its payload and is sent as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app, render_template

from autoshop.domain.choices import NotificationChannel, PriceKind
from autoshop.domain.durations import format_minutes
from autoshop.domain.money import describe_price
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.i18n import _, _l, format_moment, message_language, speaking
from autoshop.models import Appointment, AppointmentNote, Notification, StatusChange
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

#: payload["render"]: the version of the facts below; a row with it is rendered at send time.
FACTS_VERSION = 1

#: Status changes the customer hears about, with the sentence that tells them (lazy: each
#: message reads it in its customer's language).
CUSTOMER_STATUSES = {
    "checked_in": _l("We've checked your vehicle in."),
    "waiting_on_parts": _l("We're waiting on parts for your vehicle."),
    "ready_for_pickup": _l("Your vehicle is ready for pickup."),
    "completed": _l("Your visit is complete. Thank you!"),
}

#: The one-line subjects, %-formatted with when, promised, reference, vehicle and status.
SUBJECTS = {
    CONFIRMATION: _l("Booked: %(when)s (%(reference)s)"),
    RESCHEDULED: _l("Moved to %(when)s (%(reference)s)"),
    CANCELLED: _l("Cancelled: your visit on %(when)s (%(reference)s)"),
    REMINDER: _l("Reminder: your visit %(when)s (%(reference)s)"),
    STATUS: _l("%(status)s: your %(vehicle)s (%(reference)s)"),
    REVIEW_REQUEST: _l("How did we do? Your visit %(when)s (%(reference)s)"),
    NOTE: _l("A note about your %(vehicle)s (%(reference)s)"),
    PROMISED: _l("Ready by %(promised)s: your %(vehicle)s (%(reference)s)"),
}


class RenderError(Exception):
    """A planned message can't be rendered (its appointment or note is gone, a template fails)."""


class Content(NamedTuple):
    """What a message says: the subject, the plain text (the whole SMS) and the HTML (email)."""

    subject: str
    text: str
    html: str


def facts_of(
    appointment: Appointment,
    kind: str,
    *,
    lead: int | None = None,
    change: StatusChange | None = None,
    note: AppointmentNote | None = None,
) -> dict[str, Any]:
    """The payload of a planned message: what it must state as it was when it was planned.

    A confirmation still names the time and services booked when it goes out after a reschedule
    (the rescheduled message and the .ics, which always shows the visit as it is, follow it).
    """
    facts: dict[str, Any] = {
        "render": FACTS_VERSION,
        "sequence": appointment.sequence,
        "starts_at": appointment.starts_at.isoformat(),
        "zone": appointment.location.timezone,
        "vehicle": appointment.vehicle.label,
        # The label as planned (what rows written before status_value show), and the value the
        # message translates at send time.
        "status": str(appointment.status.label),
        "status_value": appointment.status.value,
        # Each service: name, duration and price as read when planned ...
        "services": [
            [
                s.name,
                format_minutes(s.duration_minutes),
                describe_price(s.price_kind, s.price_min_cents, s.price_max_cents),
            ]
            for s in appointment.services
        ],
        # ... and, in the same order, what they are read from again at send time, in the
        # customer's language: minutes, price kind, min and max cents.
        "service_terms": [
            [s.duration_minutes, s.price_kind.value, s.price_min_cents, s.price_max_cents]
            for s in appointment.services
        ],
    }
    if lead:
        facts["lead_minutes"] = lead
    if change is not None:
        facts["status_change_id"] = change.id
    if note is not None:
        facts["note_id"] = note.id
    if kind == PROMISED and appointment.promised_at is not None:
        facts["promised_at"] = appointment.promised_at.isoformat()
    return facts


def _moments(facts: dict[str, Any]) -> tuple[datetime, datetime | None]:
    zone = ZoneInfo(facts["zone"])
    local = datetime.fromisoformat(facts["starts_at"]).astimezone(zone)
    promised = facts.get("promised_at")
    return local, datetime.fromisoformat(promised).astimezone(zone) if promised else None


def _when(local: datetime) -> str:
    return format_moment(local, "day_at")


def _promised(promised: datetime | None) -> str:
    return format_moment(promised, "day_moment") if promised else ""


def language_of(appointment: Appointment) -> str:
    """The language a visit's messages speak: the customer's chosen one, else the one the visit
    was booked in, else the shop's."""
    customer = appointment.customer
    return message_language(customer.locale if customer else None, appointment.locale)


def _status(facts: dict[str, Any]) -> str:
    """The planned status in the current language (rows planned before `status_value` say it
    as they were planned)."""
    value = facts.get("status_value")
    if value is not None:
        try:
            return str(AppointmentStatus(value).label)
        except ValueError:
            pass
    return str(facts.get("status", ""))


def _services(facts: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, duration, price) of each planned service, read in the current language where the
    row kept what they are read from."""
    planned = [tuple(s) for s in facts["services"]]
    terms = facts.get("service_terms")
    if not terms or len(terms) != len(planned):
        return planned  # planned before service_terms: as it was read then
    return [
        (name, format_minutes(int(minutes)), describe_price(PriceKind(kind), low, high))
        for (name, _duration, _price), (minutes, kind, low, high) in zip(
            planned, terms, strict=True
        )
    ]


def subject_of(kind: str, reference: str, facts: dict[str, Any]) -> str:
    """The one-line subject, from the planned facts (cheap: no template, no query), in the
    current language."""
    local, promised = _moments(facts)
    return str(SUBJECTS[kind]) % {
        "promised": _promised(promised),
        "when": _when(local),
        "reference": reference,
        "vehicle": facts["vehicle"],
        "status": _status(facts),
    }


def is_deferred(row: Notification) -> bool:
    """Planned to be rendered at send time, and not rendered (sent) yet."""
    return bool((row.payload or {}).get("render")) and not row.body_text


def _context(row: Notification, appointment: Appointment) -> dict[str, Any]:
    facts = row.payload
    kind = row.kind
    local, promised = _moments(facts)
    status_sentence, status_note = "", ""
    if facts.get("status_change_id") is not None:
        change = db.session.get(StatusChange, facts["status_change_id"])
        if change is None:
            raise RenderError("The status change this message is about no longer exists.")
        status_sentence = str(CUSTOMER_STATUSES.get(change.to_status.value, ""))
        status_note = change.note or ""
    if facts.get("note_id") is not None:
        note = db.session.get(AppointmentNote, facts["note_id"])
        if note is None:
            raise RenderError("The note this message carries no longer exists.")
        status_note = note.body
    lead = facts.get("lead_minutes")
    return {
        "appointment": appointment,
        "kind": kind,
        "shop_name": current_app.config["SHOP_NAME"],
        "location": appointment.location,
        "vehicle": facts["vehicle"],
        "when": _when(local),
        "when_long": f"{format_moment(local, 'long_moment')} ({local:%Z})",
        "services": _services(facts),
        "lead": format_minutes(lead) if lead else "",
        "status_sentence": status_sentence,
        "status_note": status_note,
        "promised": _promised(promised),
        "promised_long": format_moment(promised, "day_time") if promised else "",
        "manage_url": manage_url(appointment),
        "review_url": review_url(appointment) if kind == REVIEW_REQUEST else "",
        # A cancellation says who cancelled (the shop gives its reason) and links to book again.
        "cancellation": cancellation_of(appointment) if kind == CANCELLED else None,
        "rebook_url": rebook_url(appointment) if kind == CANCELLED else "",
        "name": (
            appointment.customer.first_name if appointment.customer else appointment.guest_name
        )
        # Translators: the greeting's name when the customer gave none ("Hi there,").
        or _("there"),
    }


def render(row: Notification) -> Content:
    """Render a planned message now; RenderError (or the template's own error) if it can't be."""
    appointment = db.session.get(Appointment, row.appointment_id) if row.appointment_id else None
    if appointment is None:
        raise RenderError("The appointment this message is about no longer exists.")
    with speaking(language_of(appointment)):
        ctx = _context(row, appointment)
        subject = subject_of(row.kind, appointment.reference, row.payload)
        if row.channel is NotificationChannel.SMS:
            return Content(subject, render_template("notifications/sms.txt", **ctx).strip(), "")
        return Content(
            subject,
            render_template("notifications/appointment.txt", **ctx),
            render_template("notifications/appointment.html", **ctx),
        )


def content_of(row: Notification) -> Content:
    """What the message says: as stored once sent (or written whole), else rendered now."""
    if is_deferred(row):
        return render(row)
    return Content(row.subject, row.body_text, row.body_html)


@dataclass(frozen=True)
class Preview:
    """A message as staff see it: its content, or why it can't be rendered (never a 500)."""

    content: Content
    error: str = ""


def preview(row: Notification) -> Preview:
    try:
        return Preview(content_of(row))
    except Exception as exc:  # a broken template or a missing row: shown, not raised
        reason = f"{exc.__class__.__name__}: {exc}"
        return Preview(
            Content(row.subject, "", ""),
            error=_("This message can't be rendered now: %(error)s", error=reason),
        )

"""Text-message consent: STOP and START replies from a phone switch its SMS off and on.

Carriers and Twilio treat these keywords as the customer's consent; we follow them for every
account with that number and cancel the texts still waiting for it. The only place that commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, User
from autoshop.services.transactions import write_transaction

#: Twilio's standard opt-out and opt-in keywords (a reply that is exactly the word).
STOP_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_KEYWORDS = frozenset({"START", "UNSTOP"})
CANCELLED_BY_STOP = "Cancelled: the recipient replied STOP."


class SmsConsent(StrEnum):
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class InboundOutcome:
    consent: SmsConsent
    users: int = 0
    cancelled: int = 0


def keyword_of(body: str) -> str:
    """The reply as a keyword: trimmed, upper case, a trailing full stop or '!' ignored."""
    return body.strip().rstrip(".!").strip().upper()


def handle_inbound_sms(phone: str, body: str) -> InboundOutcome:
    """Apply a text the shop's number received from `phone` (E.164); other texts change nothing."""
    keyword = keyword_of(body)
    if keyword in STOP_KEYWORDS:
        return opt_out(phone)
    if keyword in START_KEYWORDS:
        return opt_in(phone)
    return InboundOutcome(SmsConsent.UNCHANGED)


def opt_out(phone: str) -> InboundOutcome:
    """Every account with `phone` stops getting texts, and so does every guest visit that gave it;
    texts waiting for it are cancelled. (START gives accounts their texts back; a guest opts in
    again when booking, since a guest's consent was given for one visit.)"""
    with write_transaction() as session:
        users = _set_opt_in(phone, False)
        session.execute(
            sa.update(Appointment)
            .where(Appointment.guest_phone == phone.strip(), Appointment.guest_sms_opt_in)
            .values(guest_sms_opt_in=False)
            .execution_options(synchronize_session=False)
        )
        result = session.execute(
            sa.update(Notification)
            .where(
                Notification.channel == NotificationChannel.SMS,
                Notification.recipient == phone,
                Notification.status == NotificationStatus.PENDING,
            )
            .values(status=NotificationStatus.CANCELLED, last_error=CANCELLED_BY_STOP)
            .execution_options(synchronize_session=False)
        )
    cancelled = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return InboundOutcome(SmsConsent.OPTED_OUT, users=users, cancelled=cancelled)


def opt_in(phone: str) -> InboundOutcome:
    """Every account with `phone` gets texts again (texts cancelled meanwhile stay cancelled)."""
    with write_transaction():
        users = _set_opt_in(phone, True)
    return InboundOutcome(SmsConsent.OPTED_IN, users=users)


def _set_opt_in(phone: str, value: bool) -> int:
    users = db.session.scalars(sa.select(User).where(User.phone == phone.strip())).all()
    for user in users:
        user.sms_opt_in = value
    return len(users)

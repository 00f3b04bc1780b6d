"""Signed, expiring links that let a guest view, reschedule or cancel their appointment."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment

SALT = "autoshop.appointment-manage"
#: Long enough to cover the booking horizon and the visit itself.
VALID_FOR = timedelta(days=120)
MANAGE_PATH = "/appointments/manage/{token}"
DETAIL_PATH = "/appointments/{reference}"


class LinkInvalid(ValueError):
    """A tampered, unknown or expired link; the message says what the guest can do."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(appointment: Appointment) -> str:
    return _serializer().dumps({"a": appointment.id, "r": appointment.reference})


def appointment_for(token: str) -> Appointment:
    try:
        data = _serializer().loads(token, max_age=int(VALID_FOR.total_seconds()))
    except SignatureExpired as exc:
        raise LinkInvalid(_("This link has expired. Call the shop, or book again online.")) from exc
    except BadSignature as exc:
        raise LinkInvalid(
            _("This link isn't valid. Use the link from your confirmation email as it is.")
        ) from exc
    appointment = db.session.get(Appointment, data.get("a")) if isinstance(data, dict) else None
    if appointment is None or appointment.reference != data.get("r"):
        raise LinkInvalid(_("We couldn't find that appointment; it may have been removed."))
    return appointment


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def manage_url(appointment: Appointment) -> str:
    """Where the customer manages the appointment: their account page, or a signed guest link."""
    if appointment.customer_id is not None:
        return public_url(DETAIL_PATH.format(reference=appointment.reference))
    return public_url(MANAGE_PATH.format(token=make_token(appointment)))

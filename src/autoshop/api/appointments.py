"""Appointments: book, list, read, reschedule and cancel through the same services as the web.

Writes accept JSON only: a browser can't send a cross-site JSON request without a CORS
preflight, which this API never grants, so session cookies can't be abused from another site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_security import current_user
from flask_smorest import Blueprint

from autoshop.api.problems import problem_response
from autoshop.api.schemas import (
    AppointmentListQuerySchema,
    AppointmentOutSchema,
    BookingInSchema,
    CancelInSchema,
    IdempotencyHeaderSchema,
    ProblemSchema,
    RescheduleInSchema,
    TakenProblemSchema,
)
from autoshop.domain.choices import VisitMode
from autoshop.domain.money import describe_price
from autoshop.domain.status import AppointmentStatus
from autoshop.domain.vin import normalize_vin
from autoshop.errors import problem
from autoshop.extensions import csrf, db, limiter
from autoshop.i18n import _, current_language
from autoshop.models import Appointment
from autoshop.security_forms import normalize_phone
from autoshop.services import booking, idempotency
from autoshop.services.manage_links import manage_url
from autoshop.timeutil import utcnow

blp = Blueprint("appointments", __name__, description="Book and manage appointments")
csrf.exempt(blp)

_booking_limit = limiter.limit(
    lambda: current_app.config["BOOKING_RATE_LIMIT"],
    methods=["POST"],
    error_message=lambda: _(
        "Too many booking requests from your network. Wait a minute and try again."
    ),
)


def _require_json() -> Response | None:
    if not request.is_json:
        return problem(
            415,
            _("Send the request body as JSON (Content-Type: application/json)."),
            type_="json-required",
            title=_("Unsupported media type"),
        )
    return None


def _from_booking_error(exc: booking.BookingError) -> Response:
    extra: dict[str, Any] = {}
    if exc.field:
        extra["field"] = exc.field
    if isinstance(exc, booking.SlotTaken):
        extra["alternatives"] = [a.isoformat() for a in exc.alternatives]
    if isinstance(exc, booking.ChangedMeanwhile) and exc.current is not None:
        extra["current_status"] = exc.current.value
    return problem(exc.status, exc.message, type_=exc.kind, **extra)


def serialize(appointment: Appointment, now: datetime) -> dict[str, Any]:
    zone = ZoneInfo(appointment.location.timezone)
    return {
        "reference": appointment.reference,
        "status": appointment.status.value,
        "start": appointment.starts_at.astimezone(zone).isoformat(),
        "end": appointment.ends_at.astimezone(zone).isoformat(),
        "mode": appointment.mode.value,
        "concern": appointment.concern,
        "services": [
            {
                "name": s.name,
                "duration_minutes": s.duration_minutes,
                "price_label": describe_price(s.price_kind, s.price_min_cents, s.price_max_cents),
            }
            for s in appointment.services
        ],
        "vehicle": appointment.vehicle.label,
        "location": {
            "id": appointment.location.id,
            "name": appointment.location.name,
            "timezone": appointment.location.timezone,
        },
        "address": appointment.location.address,
        "manage_url": manage_url(appointment),
        "can_change": booking.change_refusal(appointment, _user(), now) is None,
    }


def _user() -> Any:
    """The signed-in user, or None for a guest."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def _visible(reference: str) -> Appointment | None:
    """The appointment if the caller may see it: its customer, or staff. Others get None (404)."""
    if not current_user.is_authenticated:
        return None
    appointment = db.session.scalar(
        sa.select(Appointment).where(Appointment.reference == reference)
    )
    if appointment is None:
        return None
    if current_user.is_staff or appointment.customer_id == current_user.id:
        return appointment
    return None


def _not_found() -> Response:
    return problem(404, _("No appointment with that reference is yours to see."), type_="not-found")


def _login_required() -> Response:
    return problem(
        401,
        _("Log in (session) or send an Authentication-Token header."),
        type_="login-required",
    )


def _vehicle_args(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("id") is not None:
        return {"vehicle_id": data["id"]}
    missing = [k for k in ("year", "make", "model") if not data.get(k)]
    if missing:
        raise booking.BookingError(
            _("Give the vehicle's %(fields)s (or its id).", fields=", ".join(missing)),
            kind="vehicle-incomplete",
            field="vehicle",
        )
    vin = data.get("vin")
    if vin:
        try:
            vin = normalize_vin(vin)
        except ValueError as exc:
            raise booking.BookingError(str(exc), kind="bad-vin", field="vehicle.vin") from exc
    return {
        "vehicle": booking.VehicleDetails(
            year=data["year"],
            make=data["make"],
            model=data["model"],
            trim=data.get("trim", ""),
            plate=data.get("plate", ""),
            vin=vin or None,
            mileage=data.get("mileage"),
        )
    }


def _guest(data: dict[str, Any] | None) -> booking.GuestContact:
    if not data:
        raise booking.BookingError(
            _("Log in, or give your name, email and phone as `guest`."),
            kind="no-contact",
            field="guest",
        )
    from autoshop.extensions import security

    try:
        email = security._mail_util.validate(data["email"])
    except ValueError as exc:
        raise booking.BookingError(
            _("Give a valid email address."), kind="bad-email", field="guest.email"
        ) from exc
    try:
        phone = normalize_phone(data["phone"], current_app.config["DEFAULT_PHONE_REGION"])
    except ValueError as exc:
        raise booking.BookingError(str(exc), kind="bad-phone", field="guest.phone") from exc
    return booking.GuestContact(
        name=data["name"].strip(), email=email, phone=phone, sms_opt_in=data["sms_opt_in"]
    )


REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true` when the answer is the one stored for the Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


@blp.post("/appointments")
@_booking_limit
@blp.arguments(BookingInSchema)
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
@blp.response(201, AppointmentOutSchema, headers=REPLAYED_HEADER)
@problem_response(
    blp,
    409,
    "The time was just taken (or a request with this Idempotency-Key is in progress)",
    TakenProblemSchema,
)
@problem_response(
    blp, 422, "Invalid services, vehicle or time; an Idempotency-Key reused", ProblemSchema
)
@problem_response(blp, 429, "Too many requests", ProblemSchema)
def create(data: dict[str, Any], idempotency_key: str | None = None) -> Any:
    """Book a visit. Logged in: for yourself; otherwise give `guest` contact details.

    Send an `Idempotency-Key` header to make retries safe: one booking per key."""
    if (refusal := _require_json()) is not None:
        return refusal
    now = utcnow()
    customer = current_user if current_user.is_authenticated else None
    key = _idempotency_key(idempotency_key, customer)
    try:
        req = booking.BookingRequest(
            service_ids=data["services"],
            starts_at=data["start"],
            mode=VisitMode(data["mode"]),
            concern=data["concern"],
            customer=customer if customer is not None and not customer.is_staff else None,
            guest=None if customer is not None else _guest(data.get("guest")),
            location_id=data.get("location"),
            **_vehicle_args(data["vehicle"]),
        )
        if customer is not None and customer.is_staff:
            req.by_staff = customer
            req.guest = _guest(data.get("guest"))
        else:  # the language the client asked for (Accept-Language): the customer's messages
            req.language = current_language()
        outcome = idempotency.book_once(
            req, now=now, key=key, respond=lambda a: (201, _json(serialize(a, now)))
        )
    except booking.BookingError as exc:
        return _from_booking_error(exc)
    if isinstance(outcome, idempotency.Stored):
        return _replay(outcome, key)
    return serialize(outcome, now), 201


def _idempotency_key(value: str | None, caller: Any) -> idempotency.Key | None:
    """The request's key, scoped to the caller, with a fingerprint of what it asks for."""
    if value is None:
        return None
    scope = f"api:user:{caller.id}" if caller is not None else "api:anonymous"
    body = request.get_json(silent=True)
    return idempotency.Key(scope, value, idempotency.fingerprint("POST", request.path, body))


def _json(body: dict[str, Any]) -> str:
    return current_app.json.dumps(AppointmentOutSchema().dump(body))


def _replay(stored: idempotency.Stored, key: idempotency.Key | None) -> Response:
    if key is None or not stored.matches(key):
        return problem(
            422,
            _(
                "This Idempotency-Key was already used for a different request. "
                "Send a new key for a new booking."
            ),
            type_="idempotency-key-reused",
        )
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.get("/appointments")
@blp.arguments(AppointmentListQuerySchema, location="query", as_kwargs=True)
@blp.response(200, AppointmentOutSchema(many=True))
@problem_response(blp, 401, "Not logged in", ProblemSchema)
def list_appointments(
    limit: int, offset: int, status: str | None = None, start: Any = None, end: Any = None
) -> Any:
    """Your appointments, newest first; staff see everyone's and may filter by date."""
    if not current_user.is_authenticated:
        return _login_required()
    stmt = sa.select(Appointment).order_by(Appointment.starts_at.desc(), Appointment.id)
    if not current_user.is_staff:
        stmt = stmt.where(Appointment.customer_id == current_user.id)
    if status:
        stmt = stmt.where(Appointment.status == AppointmentStatus(status))
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    if start:
        stmt = stmt.where(Appointment.starts_at >= datetime.combine(start, time(0), zone))
    if end:
        stmt = stmt.where(
            Appointment.starts_at < datetime.combine(end + timedelta(days=1), time(0), zone)
        )
    now = utcnow()
    rows = db.session.scalars(stmt.limit(limit).offset(offset)).all()
    return [serialize(a, now) for a in rows]


@blp.get("/appointments/<string:reference>")
@blp.response(200, AppointmentOutSchema)
@problem_response(blp, 404, "Not found (or not yours)", ProblemSchema)
def read(reference: str) -> Any:
    """One appointment by its reference code."""
    appointment = _visible(reference)
    if appointment is None:
        return _not_found()
    return serialize(appointment, utcnow())


@blp.post("/appointments/<string:reference>/reschedule")
@_booking_limit
@blp.arguments(RescheduleInSchema)
@blp.response(200, AppointmentOutSchema)
@problem_response(blp, 403, "Past the cutoff, or not yours to move", ProblemSchema)
@problem_response(blp, 404, "Not found (or not yours)", ProblemSchema)
@problem_response(
    blp, 409, "The time was just taken, or the visit changed meanwhile", TakenProblemSchema
)
@problem_response(blp, 422, "Not a free start", ProblemSchema)
@problem_response(blp, 429, "Too many requests", ProblemSchema)
def reschedule(data: dict[str, Any], reference: str) -> Any:
    """Move the appointment to another free start (customers: until the cutoff)."""
    return _change(
        reference,
        lambda a, now: booking.reschedule(a, data["start"], now=now, actor=_user()),
    )


@blp.post("/appointments/<string:reference>/cancel")
@_booking_limit
@blp.arguments(CancelInSchema)
@blp.response(200, AppointmentOutSchema)
@problem_response(blp, 403, "Past the cutoff", ProblemSchema)
@problem_response(blp, 404, "Not found (or not yours)", ProblemSchema)
@problem_response(blp, 409, "Changed by someone else meanwhile", ProblemSchema)
@problem_response(blp, 422, "Already cancelled or done", ProblemSchema)
@problem_response(blp, 429, "Too many requests", ProblemSchema)
def cancel(data: dict[str, Any], reference: str) -> Any:
    """Cancel the appointment (customers: until the cutoff)."""
    return _change(
        reference,
        lambda a, now: booking.cancel(a, now=now, actor=_user(), reason=data["reason"]),
    )


def _change(reference: str, action: Callable[[Appointment, datetime], object]) -> Any:
    """What reschedule and cancel share: JSON only, the caller's own appointment, the service."""
    if (refusal := _require_json()) is not None:
        return refusal
    appointment = _visible(reference)
    if appointment is None:
        return _not_found()
    now = utcnow()
    try:
        action(appointment, now)
    except booking.BookingError as exc:
        return _from_booking_error(exc)
    return serialize(appointment, now)

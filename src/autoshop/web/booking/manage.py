"""The customer's appointment pages: signed-in customers (and staff) reach them by reference,
guests by signed link; rescheduling and cancelling go through services.booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db, limiter
from autoshop.i18n import _
from autoshop.models import Appointment, User
from autoshop.services import booking, manage_links, visit_desk
from autoshop.services.availability import visit_of
from autoshop.services.ics import appointment_ics
from autoshop.timeutil import utcnow
from autoshop.web.access import seen_version
from autoshop.web.booking import CHANGE_LIMIT, bp, forms
from autoshop.web.booking.calendar import (
    month_calendar,
    month_in_view,
)
from autoshop.web.booking.flow import current_customer
from autoshop.web.booking.forms import FlowInput
from autoshop.web.booking.rendering import (
    fragment,
    is_htmx,
    page,
    time_label,
    totals_of,
    when_label,
    zone_name,
)


@dataclass(frozen=True)
class Access:
    """How this visitor reached the appointment: their account (or staff), or a guest link."""

    appointment: Appointment
    actor: User | None
    token: str | None = None

    @property
    def staff(self) -> bool:
        return self.actor is not None and self.actor.is_staff

    def url(self, action: str = "", **params: str) -> str:
        if self.token is not None:
            return url_for(f"booking.manage{action}", token=self.token, **params)
        return url_for(f"booking.detail{action}", reference=self.appointment.reference, **params)

    def home(self) -> str:
        """Where this visitor goes back to: staff to the visit's staff page."""
        if self.staff and self.token is None:
            return url_for("staff.appointment", reference=self.appointment.reference)
        return self.url()

    def refusal(self, now: datetime, action: str = "reschedule") -> str | None:
        """Why this visitor can't reschedule (or cancel) now, or None (domain.status decides)."""
        return booking.change_refusal(
            self.appointment, self.actor, now, action=action, via_link=self.token is not None
        )

    def change(self) -> dict[str, Any]:
        """What a reschedule or cancel call needs to know of how the visitor got here."""
        return {
            "actor": self.actor,
            "via_link": self.token is not None,
            "expected_version": seen_version(request.form),
        }


def _by_reference(reference: str) -> Access:
    appointment = db.session.scalar(
        sa.select(Appointment).where(Appointment.reference == reference)
    )
    user = current_user._get_current_object()
    if appointment is None or not (user.is_staff or appointment.customer_id == user.id):
        abort(404)
    return Access(appointment, user)


def _by_token(token: str) -> Access | Response:
    try:
        appointment = manage_links.appointment_for(token)
    except manage_links.LinkInvalid as exc:
        html = render_template("booking/link_invalid.html", message=str(exc))
        return page(html, 400)
    return Access(appointment, current_customer(), token)


def _appointment_context(access: Access, now: datetime) -> dict[str, Any]:
    appointment = access.appointment
    zone = ZoneInfo(appointment.location.timezone)
    return {
        "access": access,
        "appointment": appointment,
        "zone": zone,
        "zone_name": zone_name(zone, appointment.starts_at),
        "totals": totals_of(appointment.services),
        "when_label": when_label,
        "time_label": time_label,
        "refusal": access.refusal(now),
        "cancel_refusal": access.refusal(now, "cancel"),
        "guest": appointment.customer_id is None,
        # Status changes and the shop's notes for the customer; never its internal notes.
        "timeline": visit_desk.timeline(appointment, internal=False),
    }


#: While the car is with the shop (or due today), its page refreshes the progress by itself.
LIVE_STATUSES = frozenset(
    {
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.WAITING_ON_PARTS,
        AppointmentStatus.READY_FOR_PICKUP,
    }
)


def _live(appointment: Appointment, now: datetime) -> bool:
    if appointment.status not in LIVE_STATUSES:
        return False
    zone = ZoneInfo(appointment.location.timezone)
    return appointment.starts_at.astimezone(zone).date() <= now.astimezone(zone).date()


def _show(access: Access) -> Response:
    now = utcnow()
    context = _appointment_context(access, now)
    return page(
        render_template("booking/appointment.html", live=_live(access.appointment, now), **context)
    )


def _progress(access: Access) -> Response:
    """The progress card alone: what the page's htmx polling swaps in."""
    now = utcnow()
    context = _appointment_context(access, now)
    html = render_template("booking/_progress.html", live=_live(access.appointment, now), **context)
    return page(html)


def _calendar_file(access: Access) -> Response:
    appointment = access.appointment
    response = current_app.make_response(appointment_ics(appointment))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="appointment-{appointment.reference}.ics"'
    )
    return response


def _reschedule(access: Access) -> Response:
    now = utcnow()
    appointment = access.appointment
    context = _appointment_context(access, now)
    zone: ZoneInfo = context["zone"]
    errors: dict[str, str] = {}
    taken: booking.SlotTaken | None = None
    status = 200
    source = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        start, errors = forms.parse_start(FlowInput.read(request.form))
        if start is not None:
            try:
                booking.reschedule(appointment, start, now=now, **access.change())
            except booking.SlotTaken as exc:
                taken, status = exc, 409
                errors = {"start": exc.message}
            except booking.BookingError as exc:
                errors, status = {"start": exc.message}, exc.status
            else:
                moved = when_label(start, zone)
                if access.staff:
                    flash(
                        _("The visit was moved to %(when)s; the customer is told.", when=moved),
                        "success",
                    )
                else:
                    flash(_("Your visit was moved to %(when)s.", when=moved), "success")
                return redirect(access.home(), 303)
        else:
            status = 422
        context = _appointment_context(access, now)
    cal = None
    if context["refusal"] is None:
        selected = forms.parse_day(source.get("day", ""))
        chosen, _errors = forms.parse_start(FlowInput.read(source))
        if chosen is not None:
            selected = chosen.astimezone(zone).date()
        cal = month_calendar(
            visit_of(appointment),
            location=appointment.location,
            month=month_in_view(source.get("month", ""), selected, now, zone),
            selected=selected,
            chosen=chosen,
            now=now,
            day_url=lambda d: access.url("_reschedule", day=d.isoformat()),
            month_url=lambda m: access.url("_reschedule", month=f"{m:%Y-%m}"),
            exclude_appointment_id=appointment.id,
            by_staff=access.staff,
            vehicle_id=appointment.vehicle_id,
            mode=appointment.mode,
        )
    context.update(
        cal=cal,
        errors=errors,
        taken=taken,
        time_form={
            "action": access.url("_reschedule"),
            "method": "post",
            "hidden": [("version", appointment.version)],
            "step": "",
            "button": _("Move the visit to this time")
            if access.staff
            else _("Move my visit to this time"),
        },
    )
    if cal is not None and is_htmx("when"):
        return fragment("booking/_when_swap.html", **context)
    return page(render_template("booking/reschedule.html", **context), status)


def _cancel(access: Access) -> Response:
    now = utcnow()
    context = _appointment_context(access, now)
    error = None
    status = 200
    if request.method == "POST":
        try:
            reason = request.form.get("reason", "") if access.staff else ""
            booking.cancel(access.appointment, now=now, reason=reason, **access.change())
        except booking.BookingError as exc:
            error, status = exc.message, exc.status
        else:
            if access.staff:
                flash(_("The visit was cancelled; the customer is told."), "success")
            else:
                flash(
                    _("Your appointment was cancelled. We've sent you a confirmation."), "success"
                )
            return redirect(access.home(), 303)
        context = _appointment_context(access, now)
    return page(render_template("booking/cancel.html", error=error, **context), status)


@bp.get("/appointments/<reference>")
@auth_required()
def detail(reference: str) -> Response:
    return _show(_by_reference(reference))


@bp.get("/appointments/<reference>/progress")
@auth_required()
def detail_progress(reference: str) -> Response:
    return _progress(_by_reference(reference))


@bp.get("/appointments/<reference>/calendar.ics")
@auth_required()
def detail_calendar(reference: str) -> Response:
    return _calendar_file(_by_reference(reference))


@bp.route("/appointments/<reference>/reschedule", methods=["GET", "POST"])
@auth_required()
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def detail_reschedule(reference: str) -> Response:
    return _reschedule(_by_reference(reference))


@bp.route("/appointments/<reference>/cancel", methods=["GET", "POST"])
@auth_required()
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def detail_cancel(reference: str) -> Response:
    return _cancel(_by_reference(reference))


@bp.get("/appointments/manage/<token>")
def manage(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _show(access)


@bp.get("/appointments/manage/<token>/progress")
def manage_progress(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _progress(access)


@bp.get("/appointments/manage/<token>/calendar.ics")
def manage_calendar(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _calendar_file(access)


@bp.route("/appointments/manage/<token>/reschedule", methods=["GET", "POST"])
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def manage_reschedule(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _reschedule(access)


@bp.route("/appointments/manage/<token>/cancel", methods=["GET", "POST"])
@limiter.limit(CHANGE_LIMIT, methods=["POST"])
def manage_cancel(token: str) -> Response:
    access = _by_token(token)
    return access if isinstance(access, Response) else _cancel(access)

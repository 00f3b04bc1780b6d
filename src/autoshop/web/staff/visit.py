"""The staff page of one visit: its facts, the next status moves, the mechanic, the promised
ready time, notes and the timeline. Each action posts its own small form (carrying the visit's
version) to a service that decides on the locked row; a refusal re-renders the page with the
reason beside the form and the visit as it is now."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.choices import Role
from autoshop.domain.status import AppointmentStatus, refuse_assign
from autoshop.domain.visit_desk import MAX_NOTE_LENGTH, NoteAudience, refuse_note, refuse_promise
from autoshop.extensions import db
from autoshop.i18n import _, format_moment
from autoshop.models import Appointment, User
from autoshop.services import visit_desk
from autoshop.services.booking import (
    BookingError,
    ChangedMeanwhile,
    actor_of,
    change_refusal,
    facts_of,
)
from autoshop.services.outbox_planning import recipients
from autoshop.services.status import assign_mechanic, change_status, next_statuses
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required, seen_version
from autoshop.web.booking.rendering import page, totals_of, zone_name
from autoshop.web.staff import bp
from autoshop.web.staff.forms import LocalTimeProblem, local_input_value, parse_local_time


def appointment_by_reference(reference: str) -> Appointment:
    appointment = db.session.scalar(
        sa.select(Appointment).where(Appointment.reference == reference)
    )
    if appointment is None:
        abort(404)
    return appointment


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def render_visit(
    item: Appointment,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """The visit page as `item` is now; `errors` by form ("status", "mechanic", "promise",
    "note", "visit" for one about the whole visit), `values` what was typed, kept."""
    now, user = utcnow(), _user()
    zone = ZoneInfo(item.location.timezone)
    facts, actor = facts_of(item), actor_of(user)
    moves = next_statuses(item, user, now)
    errors = errors or {}
    context: dict[str, Any] = {
        "a": item,
        "zone": zone,
        "zone_abbr": zone_name(zone, item.starts_at),
        "local": lambda moment, style="day_moment": format_moment(moment, style, zone),
        "totals": totals_of(item.services),
        "floor_moves": [m for m in moves if m is not AppointmentStatus.NO_SHOW],
        "may_no_show": AppointmentStatus.NO_SHOW in moves,
        "may_reschedule": change_refusal(item, user, now) is None,
        "may_cancel": change_refusal(item, user, now, action="cancel") is None,
        "is_admin": actor.role is Role.ADMIN,
        "may_assign": refuse_assign(facts, actor, None) is None,
        "may_take": actor.role is Role.MECHANIC and refuse_assign(facts, actor, user.id) is None,
        "mechanics": visit_desk.active_mechanics(),
        "may_promise": refuse_promise(facts, actor, None) is None,
        "promised_value": local_input_value(item.promised_at, zone),
        "may_note_customer": refuse_note(facts, actor, NoteAudience.CUSTOMER) is None,
        "customer_hears": bool(recipients(item)),
        "timeline": visit_desk.timeline(item, internal=True),
        "max_note": MAX_NOTE_LENGTH,
        "errors": errors,
        "values": values or {},
    }
    return page(render_template("staff/appointment.html", **context), status)


def refused(item: Appointment, form: str, exc: BookingError, values: dict[str, str]) -> Response:
    """A refused action: a visit changed meanwhile is shown as it is now, with what happened;
    anything else is said beside the form it came from."""
    if isinstance(exc, ChangedMeanwhile):
        db.session.expire_all()
        # What was typed stays in its open form, to send again once the change is seen.
        values = {**values, "open": form}
        return render_visit(item, status=exc.status, errors={"visit": exc.message}, values=values)
    return render_visit(item, status=exc.status, errors={form: exc.message}, values=values)


@bp.get("/appointments/<reference>")
@role_required("mechanic", "admin")
def appointment(reference: str) -> Response:
    return render_visit(appointment_by_reference(reference))


@bp.post("/appointments/<reference>/mechanic")
@role_required("mechanic", "admin")
def assign(reference: str) -> Response:
    item = appointment_by_reference(reference)
    raw = request.form.get("mechanic", "").strip()
    values = {"mechanic": raw}
    try:
        mechanic = visit_desk.mechanic_by_id(raw)
        assign_mechanic(
            item,
            mechanic,
            actor=_user(),
            now=utcnow(),
            expected_version=seen_version(request.form),
        )
    except BookingError as exc:
        return refused(item, "mechanic", exc, values)
    if mechanic is None:
        flash(_("The job is unassigned."), "success")
    elif mechanic.id == _user().id:
        flash(_("The job is yours."), "success")
    else:
        flash(_("Assigned to %(name)s.", name=mechanic.full_name), "success")
    return redirect(url_for("staff.appointment", reference=reference), 303)


@bp.post("/appointments/<reference>/promise")
@role_required("mechanic", "admin")
def promise(reference: str) -> Response:
    item = appointment_by_reference(reference)
    zone = ZoneInfo(item.location.timezone)
    raw = request.form.get("promised", "")
    values = {"promised": raw}
    clearing = request.form.get("clear") == "1"
    if not clearing and not raw.strip():
        error = BookingError(_("Give the date and time the car should be ready."), kind="missing")
        return refused(item, "promise", error, values)
    try:
        promised_at = None if clearing else parse_local_time(raw, zone)
    except LocalTimeProblem as exc:
        return refused(item, "promise", BookingError(str(exc), kind="bad-time"), values)
    try:
        visit_desk.set_promised_time(
            item,
            promised_at,
            actor=_user(),
            now=utcnow(),
            expected_version=seen_version(request.form),
        )
    except BookingError as exc:
        return refused(item, "promise", exc, values)
    if promised_at is None:
        flash(_("The ready-by time is withdrawn."), "success")
    else:
        when = visit_desk.promise_label(promised_at, zone)
        if recipients(item):
            flash(_("Ready by %(when)s. The customer is told.", when=when), "success")
        else:
            flash(_("Ready by %(when)s.", when=when), "success")
    return redirect(url_for("staff.appointment", reference=reference), 303)


@bp.post("/appointments/<reference>/notes")
@role_required("mechanic", "admin")
def add_note(reference: str) -> Response:
    item = appointment_by_reference(reference)
    body = request.form.get("body", "")
    raw_audience = request.form.get("audience", NoteAudience.INTERNAL.value)
    values = {"body": body, "audience": raw_audience}
    try:
        audience = NoteAudience(raw_audience)
    except ValueError:
        error = BookingError(_("Choose who the note is for."), kind="bad-audience")
        return refused(item, "note", error, values)
    try:
        visit_desk.add_note(
            item,
            body,
            audience,
            actor=_user(),
            now=utcnow(),
            expected_version=seen_version(request.form),
        )
    except BookingError as exc:
        return refused(item, "note", exc, values)
    if audience is NoteAudience.CUSTOMER:
        if recipients(item):
            flash(_("Note sent to the customer."), "success")
        else:
            flash(_("Note on the customer's page."), "success")
    else:
        flash(_("Internal note added."), "success")
    return redirect(url_for("staff.appointment", reference=reference), 303)


@bp.post("/appointments/<reference>/status")
@role_required("mechanic", "admin")
def move(reference: str) -> Response:
    """A status move from the day's list (back there) or from the visit's page."""
    item = appointment_by_reference(reference)
    from_visit = request.form.get("back") == "appointment"
    back = (
        url_for("staff.appointment", reference=reference) if from_visit else url_for("staff.today")
    )
    note = request.form.get("note", "")
    try:
        target = AppointmentStatus(request.form.get("target", ""))
        change_status(
            item,
            target,
            actor=_user(),
            now=utcnow(),
            note=note,
            expected_version=seen_version(request.form),
        )
    except ValueError:
        error = BookingError(_("Choose one of the offered statuses."), kind="bad-status")
        if from_visit:
            return refused(item, "status", error, {"note": note})
        flash(error.message, "danger")
        return redirect(back)
    except BookingError as exc:
        if from_visit:
            return refused(item, "status", exc, {"note": note})
        flash(exc.message, "danger")
        return redirect(back)
    flash(
        _(
            "%(vehicle)s (%(reference)s) is now %(status)s.",
            vehicle=item.vehicle.label,
            reference=item.reference,
            status=target.label.lower(),
        ),
        "success",
    )
    return redirect(back, 303 if from_visit else 302)

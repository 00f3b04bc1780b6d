from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment
from autoshop.services import customers, schedule
from autoshop.services.booking import BookingError, change_refusal
from autoshop.services.status import change_status, next_statuses
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required, seen_version
from autoshop.web.staff import bp


@bp.get("/today")
@role_required("mechanic", "admin")
def today() -> str:
    mine_only = not current_user.has_role("admin")
    day = schedule.day_sheet(now=utcnow(), mechanic_id=current_user.id if mine_only else None)
    if mine_only:  # mechanics also see today's jobs nobody has taken yet
        unassigned = schedule.day_sheet(now=utcnow(), unassigned_only=True)
        day.appointments.extend(unassigned.appointments)
        day.appointments.sort(key=lambda a: (a.starts_at, a.bay_id))
    now = utcnow()
    moves = {a.id: next_statuses(a, current_user, now) for a in day.appointments}
    return render_template("staff/today.html", day=day, mine_only=mine_only, moves=moves)


def _appointment(reference: str) -> Appointment:
    appointment = db.session.scalar(
        sa.select(Appointment).where(Appointment.reference == reference)
    )
    if appointment is None:
        abort(404)
    return appointment


@bp.get("/appointments/<reference>")
@role_required("mechanic", "admin")
def appointment(reference: str) -> str:
    item = _appointment(reference)
    now, user = utcnow(), current_user._get_current_object()
    return render_template(
        "staff/appointment.html",
        a=item,
        moves=next_statuses(item, user, now),
        may_reschedule=change_refusal(item, user, now) is None,
        may_cancel=change_refusal(item, user, now, action="cancel") is None,
    )


@bp.post("/appointments/<reference>/status")
@role_required("mechanic", "admin")
def move(reference: str) -> Response:
    item = _appointment(reference)
    back = request.form.get("back") == "appointment"
    target_url = (
        url_for("staff.appointment", reference=reference) if back else url_for("staff.today")
    )
    try:
        target = AppointmentStatus(request.form.get("target", ""))
    except ValueError:
        flash("Choose one of the offered statuses.", "danger")
        return redirect(target_url)
    try:
        change_status(
            item,
            target,
            actor=current_user._get_current_object(),
            now=utcnow(),
            note=request.form.get("note", ""),
            expected_version=seen_version(request.form),
        )
    except BookingError as exc:
        flash(exc.message, "danger")
        return redirect(target_url)
    flash(f"{item.vehicle.label} ({item.reference}) is now {target.label.lower()}.", "success")
    return redirect(target_url)


@bp.get("/customers/search")
@role_required("mechanic", "admin")
def customer_search() -> str:
    """htmx, for the staff booking's customer step: the customers matching what was typed, as
    buttons of the step's form (which carries the booking's answers so far)."""
    query = request.args.get("q", "").strip()[: customers.MAX_QUERY]
    return render_template(
        "booking/_customer_results.html",
        query=query,
        matches=customers.search_customers(query) if len(query) >= customers.MIN_QUERY else None,
    )

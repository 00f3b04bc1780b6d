"""Admin: the shop calendar (location details and rules, bays, weekly hours, closures)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from autoshop.domain.choices import Capability
from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.extensions import db
from autoshop.models import Bay, Closure, Location
from autoshop.services import shop_admin
from autoshop.services.shop import WEEKDAYS, weekly_hours
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.admin.forms import (
    INTERVAL_ROWS,
    BayForm,
    ClosureForm,
    DayHoursForm,
    LocationForm,
    apply_errors,
)


def _get_or_404(model: type[Any], ident: int) -> Any:
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


def _save_location(form: LocationForm, location: Location | None) -> Location | None:
    try:
        return shop_admin.save_location(
            location,
            name=form.name.data or "",
            address=form.address.data or "",
            phone=form.phone.data or "",
            email=form.email.data or "",
            timezone=form.timezone.data or "",
            slot_interval_minutes=form.slot_interval_minutes.data or 0,
            minimum_notice_minutes=form.minimum_notice_minutes.data or 0,
            horizon_days=form.horizon_days.data or 0,
            buffer_minutes=form.buffer_minutes.data or 0,
            cancellation_cutoff_hours=form.cancellation_cutoff_hours.data or 0,
            reminder_leads_minutes=form.reminder_minutes,
        )
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return None


@bp.route("/calendar/", methods=["GET", "POST"])
@role_required("admin")
def calendar() -> str | Response:
    """The chosen (or only) location's calendar; with no location yet, the form to create it."""
    chosen = request.args.get("location", type=int)
    if chosen is not None:
        return redirect(url_for("admin.calendar_location", location_id=chosen))
    location = shop_admin.chosen_location()
    if location is not None:
        return redirect(url_for("admin.calendar_location", location_id=location.id))
    form = LocationForm()
    if form.validate_on_submit():
        created = _save_location(form, None)
        if created is not None:
            flash(f"{created.name} was created. Now add its bays and opening hours.", "success")
            return redirect(url_for("admin.calendar_location", location_id=created.id))
    return render_template("admin/location_form.html", form=form, location=None)


@bp.get("/calendar/<int:location_id>")
@role_required("admin")
def calendar_location(location_id: int) -> str:
    location = _get_or_404(Location, location_id)
    now = utcnow()
    return render_template(
        "admin/calendar.html",
        location=location,
        locations=shop_admin.all_locations(),
        hours=weekly_hours(location),
        closures=shop_admin.upcoming_closures(location, now=now),
        zone=ZoneInfo(location.timezone),
        capability_labels={c.value: c.label for c in Capability},
    )


@bp.route("/calendar/<int:location_id>/details", methods=["GET", "POST"])
@role_required("admin")
def location_edit(location_id: int) -> str | Response:
    location = _get_or_404(Location, location_id)
    form = LocationForm(
        obj=location, reminder_leads=", ".join(str(m) for m in location.reminder_leads_minutes)
    )
    if form.validate_on_submit() and _save_location(form, location) is not None:
        flash("The shop's details and booking rules were saved.", "success")
        return redirect(url_for("admin.calendar_location", location_id=location.id))
    return render_template("admin/location_form.html", form=form, location=location)


@bp.route("/calendar/<int:location_id>/bays/new", methods=["GET", "POST"])
@role_required("admin")
def bay_new(location_id: int) -> str | Response:
    return _bay_page(_get_or_404(Location, location_id), None)


@bp.route("/calendar/bays/<int:bay_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def bay_edit(bay_id: int) -> str | Response:
    bay = _get_or_404(Bay, bay_id)
    return _bay_page(bay.location, bay)


def _bay_page(location: Location, bay: Bay | None) -> str | Response:
    form = BayForm(obj=bay)
    if form.validate_on_submit():
        try:
            saved = shop_admin.save_bay(
                location,
                bay,
                name=form.name.data or "",
                capabilities=form.capabilities.data or [],
                active=form.active.data,
                sort_order=form.sort_order.data or 0,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(f"Bay {saved.name} was saved.", "success")
            return redirect(url_for("admin.calendar_location", location_id=location.id))
    return render_template("admin/bay_form.html", form=form, location=location, bay=bay)


@bp.post("/calendar/bays/<int:bay_id>/deactivate")
@role_required("admin")
def bay_deactivate(bay_id: int) -> Response:
    bay = _get_or_404(Bay, bay_id)
    still_booked = shop_admin.set_bay_active(bay, False, now=utcnow())
    message = f"{bay.name} was deactivated: no new bookings will use it."
    if still_booked:
        message += (
            f" It still holds {still_booked} coming appointment"
            f"{'s' if still_booked != 1 else ''}; move them to another bay."
        )
    flash(message, "warning" if still_booked else "success")
    return redirect(url_for("admin.calendar_location", location_id=bay.location_id))


@bp.post("/calendar/bays/<int:bay_id>/reactivate")
@role_required("admin")
def bay_reactivate(bay_id: int) -> Response:
    bay = _get_or_404(Bay, bay_id)
    shop_admin.set_bay_active(bay, True, now=utcnow())
    flash(f"{bay.name} is in use again.", "success")
    return redirect(url_for("admin.calendar_location", location_id=bay.location_id))


def _day_forms(location: Location) -> list[DayHoursForm]:
    """One unbound form per weekday, filled with the saved intervals."""
    forms = []
    for weekday, day in enumerate(weekly_hours(location)):
        rows = [{"opens": opens, "closes": closes} for opens, closes in day.intervals]
        forms.append(DayHoursForm(formdata=None, prefix=f"day{weekday}", data={"intervals": rows}))
    return forms


@bp.get("/calendar/<int:location_id>/hours")
@role_required("admin")
def hours(location_id: int) -> str:
    location = _get_or_404(Location, location_id)
    return _hours_page(location, _day_forms(location))


@bp.post("/calendar/<int:location_id>/hours/<int:weekday>")
@role_required("admin")
def hours_save(location_id: int, weekday: int) -> str | Response:
    location = _get_or_404(Location, location_id)
    if not 0 <= weekday <= 6:
        abort(404)
    forms = _day_forms(location)
    form = DayHoursForm(prefix=f"day{weekday}")
    forms[weekday] = form
    if form.validate_on_submit():
        try:
            shop_admin.set_day_hours(location, weekday, form.chosen_intervals())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(f"{WEEKDAYS[weekday]} hours were saved.", "success")
            return redirect(url_for("admin.hours", location_id=location.id) + f"#day{weekday}")
    return _hours_page(location, forms)


def _hours_page(location: Location, forms: list[DayHoursForm]) -> str:
    return render_template(
        "admin/hours.html",
        location=location,
        days=list(zip(WEEKDAYS, forms, strict=True)),
        rows=INTERVAL_ROWS,
    )


@bp.route("/calendar/<int:location_id>/closures/new", methods=["GET", "POST"])
@role_required("admin")
def closure_new(location_id: int) -> str | Response:
    location = _get_or_404(Location, location_id)
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            shop_admin.add_closure(
                location,
                starts_local=form.starts_local.data,
                ends_local=form.ends_local.data,
                reason=form.reason.data or "",
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash("The closure was added.", "success")
            return redirect(url_for("admin.calendar_location", location_id=location.id))
    return render_template("admin/closure_form.html", form=form, location=location)


@bp.post("/calendar/closures/<int:closure_id>/delete")
@role_required("admin")
def closure_delete(closure_id: int) -> Response:
    closure = _get_or_404(Closure, closure_id)
    location_id = closure.location_id
    shop_admin.delete_closure(closure)
    flash(f"The closure “{closure.reason}” was deleted.", "success")
    return redirect(url_for("admin.calendar_location", location_id=location_id))

"""The customer's saved cars: add (with the VIN read as it is typed), edit, remove.

A car is checked with domain.vehicles.check_car and saved by services.vehicles; another
account's car is answered 404, as if it didn't exist.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from autoshop.domain.vehicles import CarCheck, check_car
from autoshop.i18n import _
from autoshop.models import User, Vehicle
from autoshop.services import vehicles
from autoshop.timeutil import utcnow
from autoshop.web.account import bp
from autoshop.web.account.forms import RemoveVehicleForm, VehicleForm


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _own_vehicle(vehicle_id: int) -> Vehicle:
    vehicle = vehicles.vehicle_of(_me(), vehicle_id)
    if vehicle is None or vehicle.archived:
        abort(404)
    return vehicle


def _checked(form: VehicleForm) -> CarCheck:
    """The form's car as the domain reads it, its problems put on the fields."""
    check = check_car(form.raw_values(), now=utcnow())
    for name, message in check.errors.items():
        if name == "year" and check.vin_year and not form.year.data:
            message = _("Enter the model year (the VIN says %(year)s).", year=check.vin_year)
        getattr(form, name).errors = [message]
    return check


def _save(form: VehicleForm, vehicle: Vehicle | None) -> Response | None:
    if not form.validate_on_submit():
        return None
    check = _checked(form)
    if check.car is None:
        return None
    try:
        if vehicle is None:
            saved = vehicles.add_vehicle(_me(), check.car)
        else:
            saved = vehicles.update_vehicle(_me(), vehicle.id, check.car)
    except vehicles.VehicleNotFound:
        abort(404)
    except vehicles.VehicleError as exc:
        getattr(form, exc.field or "vin").errors = [exc.message]
        return None
    flash(_("Your %(car)s was saved.", car=saved.display_name), "success")
    if check.vin_warning:
        flash(check.vin_warning, "warning")
    return redirect(url_for("account.overview"), 303)


def _form_page(form: VehicleForm, vehicle: Vehicle | None) -> tuple[str, int]:
    status = 422 if request.method == "POST" else 200
    hint = check_car({"vin": form.vin.data or ""}, now=utcnow()) if form.vin.data else None
    return (
        render_template("account/vehicle_form.html", form=form, vehicle=vehicle, hint=hint),
        status,
    )


@bp.route("/vehicles/new", methods=["GET", "POST"])
@auth_required()
def add_vehicle() -> Response | tuple[str, int]:
    form = VehicleForm()
    return _save(form, None) or _form_page(form, None)


@bp.route("/vehicles/<int:vehicle_id>/edit", methods=["GET", "POST"])
@auth_required()
def edit_vehicle(vehicle_id: int) -> Response | tuple[str, int]:
    vehicle = _own_vehicle(vehicle_id)
    form = VehicleForm(obj=vehicle if request.method == "GET" else None)
    if request.method == "GET":
        form.year.data = str(vehicle.year)
        form.mileage.data = "" if vehicle.mileage is None else str(vehicle.mileage)
        form.vin.data = vehicle.vin or ""
    return _save(form, vehicle) or _form_page(form, vehicle)


@bp.post("/vehicles/<int:vehicle_id>/remove")
@auth_required()
def remove_vehicle(vehicle_id: int) -> Response:
    vehicle = _own_vehicle(vehicle_id)
    name = vehicle.display_name
    if not RemoveVehicleForm().validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("account.overview"), 303)
    try:
        outcome = vehicles.remove_vehicle(_me(), vehicle_id, now=utcnow())
    except vehicles.VehicleNotFound:
        abort(404)
    if outcome == "archived":
        flash(
            _("Your %(car)s was archived: it's off your list, its visits stay.", car=name),
            "success",
        )
    else:
        flash(_("Your %(car)s was removed.", car=name), "success")
    return redirect(url_for("account.overview"), 303)


@bp.get("/vehicles/vin")
@auth_required()
def vin_hint() -> str:
    """htmx: what the VIN typed so far says (year and region, or the problem), and the model
    year filled in when the year field is still empty."""
    form = VehicleForm(request.args, meta={"csrf": False})
    raw = (form.vin.data or "").strip()
    check = check_car({"vin": raw}, now=utcnow()) if raw else None
    fill_year = bool(check and check.vin_year and not (form.year.data or "").strip())
    if fill_year and check is not None:
        form.year.data = str(check.vin_year)
    return render_template("account/_vin_hint.html", form=form, hint=check, fill_year=fill_year)

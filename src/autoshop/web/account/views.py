from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import auth_required, current_user, logout_user, verify_password
from werkzeug.wrappers import Response

from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.i18n import _, current_language, speaking, supported
from autoshop.services import accounts, feeds, history, reviews, vehicles
from autoshop.timeutil import utcnow
from autoshop.web.account import bp
from autoshop.web.account.forms import DeleteAccountForm, ProfileForm, RemoveVehicleForm
from autoshop.web.booking.rendering import totals_of


@bp.route("/", methods=["GET", "POST"])
@auth_required()
def overview() -> str | Response:
    form = ProfileForm(obj=current_user)
    if not form.is_submitted() and not supported(form.locale.data):
        form.locale.data = current_language()  # never chosen: the language the page speaks
    if form.validate_on_submit():
        accounts.update_profile(
            current_user,
            first_name=form.first_name.data or "",
            last_name=form.last_name.data or "",
            phone=form.phone.data,
            email_opt_in=form.email_opt_in.data,
            sms_opt_in=form.sms_opt_in.data,
            now=utcnow(),
        )
        language = supported(form.locale.data) if "locale" in request.form else None
        if language and language != current_user.locale:
            accounts.choose_language(current_user, language)
        # Said in the language the next page speaks (the one just chosen, if it changed).
        with speaking(language or current_language()):
            flash(_("Your details were saved."), "success")
        return redirect(url_for("account.overview"))
    cars = vehicles.saved_vehicles(current_user)
    return render_template(
        "account/overview.html",
        form=form,
        vehicles=cars,
        visits=vehicles.visit_counts(cars),
        remove_form=RemoveVehicleForm(),
        feed_token=feeds.active_token(current_user),
    )


@bp.get("/vehicles/<int:vehicle_id>/history")
@auth_required()
def vehicle_history(vehicle_id: int) -> str:
    """The customer's car's service record: what was done, when, at what mileage, and the
    shop's notes for the customer. Someone else's car is a 404."""
    customer = current_user._get_current_object()
    vehicle = history.vehicle_of(customer, vehicle_id)
    if vehicle is None:
        abort(404)
    visits = history.vehicle_record(customer, vehicle)
    now = utcnow()
    return render_template(
        "account/vehicle_history.html",
        vehicle=vehicle,
        visits=visits,
        reviews=history.reviews_of(visits),
        customer_notes=history.customer_notes,
        totals_of=totals_of,
        zones={a.id: ZoneInfo(a.location.timezone) for a in visits},
        can_edit=lambda r: reviews.can_edit(r, now),
    )


@bp.route("/delete", methods=["GET", "POST"])
@auth_required()
def delete() -> str | Response | tuple[str, int]:
    """A customer deletes their account; staff accounts are deactivated by an admin instead."""
    if current_user.is_staff:
        abort(403)
    form = DeleteAccountForm()
    status = 200
    if form.validate_on_submit():
        if not verify_password(form.password.data or "", current_user.password or ""):
            form.password.errors = [_("That isn't your password.")]
            status = 422
        else:
            try:
                accounts.delete_account(current_user._get_current_object())
            except ValidationFailed as exc:
                flash(str(exc), "danger")
                status = 409
            else:
                logout_user()
                flash(_("Your account was deleted. Thank you for coming to us."), "success")
                return redirect(url_for("public.home"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "account/delete.html", form=form, open_visits=accounts.open_visits(current_user)
    ), status

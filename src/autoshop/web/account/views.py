from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from autoshop.services import accounts, vehicles
from autoshop.timeutil import utcnow
from autoshop.web.account import bp
from autoshop.web.account.forms import ProfileForm, RemoveVehicleForm


@bp.route("/", methods=["GET", "POST"])
@auth_required()
def overview() -> str | Response:
    form = ProfileForm(obj=current_user)
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
        flash("Your details were saved.", "success")
        return redirect(url_for("account.overview"))
    cars = vehicles.saved_vehicles(current_user)
    return render_template(
        "account/overview.html",
        form=form,
        vehicles=cars,
        visits=vehicles.visit_counts(cars),
        remove_form=RemoveVehicleForm(),
    )

"""A signed-in customer's visits (what's coming, what was done) and "Book again", which opens the
booking flow with a past visit's car and services already chosen."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from autoshop.i18n import _
from autoshop.models import Appointment, User
from autoshop.services import history, manage_links, rebooking, reviews, waitlist
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.booking import bp
from autoshop.web.booking.rendering import page, totals_of, when_label
from autoshop.web.waitlist.rows import entry_rows


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdecimal() and len(raw) < 6 else 1


@bp.get("/appointments")
@auth_required()
def my_appointments() -> Response:
    now = utcnow()
    customer: User = current_user._get_current_object()
    upcoming = history.upcoming_of(customer, now)
    past = history.past_of(customer, now, page=_page_number())
    shown = [*upcoming, *past.rows]
    return page(
        render_template(
            "booking/my_appointments.html",
            upcoming=upcoming,
            past=past,
            zones={a.id: ZoneInfo(a.location.timezone) for a in shown},
            when_label=when_label,
            totals_of=totals_of,
            customer_notes=history.customer_notes,
            can_edit=lambda r: reviews.can_edit(r, now),
            now=now,
            waitlist_rows=entry_rows(waitlist.entries_of(customer), now),
        )
    )


def _again(appointment: Appointment, vehicle_params: dict[str, str]) -> Response:
    again = rebooking.rebooking_of(appointment)
    if again.dropped:
        names = ", ".join(again.dropped)
        if again.service_ids:
            flash(_("No longer offered online, so left out: %(names)s.", names=names), "warning")
        else:
            flash(
                _(
                    "The services of that visit aren't offered online any more (%(names)s); "
                    "choose from the list.",
                    names=names,
                ),
                "warning",
            )
    params: dict[str, object] = dict(vehicle_params)
    if again.service_ids:
        params["services"] = [str(i) for i in again.service_ids]
    return redirect(url_for("booking.book", **params), 303)  # type: ignore[arg-type]


@bp.get("/book/again/<reference>")
@role_required("customer")
def book_again(reference: str) -> Response:
    """The booking flow with this visit's car and (still offered) services chosen."""
    customer: User = current_user._get_current_object()
    appointment = history.appointment_of(customer, reference)
    if appointment is None:
        abort(404)
    vehicle = appointment.vehicle
    vehicle_params = {"vehicle": str(vehicle.id)} if vehicle.owner_id == customer.id else {}
    return _again(appointment, vehicle_params)


@bp.get("/appointments/manage/<token>/again")
def manage_again(token: str) -> Response:
    """A guest's "Book again": the same services, the car's details filled in."""
    try:
        appointment = manage_links.appointment_for(token)
    except manage_links.LinkInvalid as exc:
        html = render_template("booking/link_invalid.html", message=str(exc))
        return page(html, 400)
    vehicle = appointment.vehicle
    details = {
        "vehicle": "new",
        "year": str(vehicle.year),
        "make": vehicle.make,
        "model": vehicle.model,
        "plate": vehicle.plate,
        "vin": vehicle.vin or "",
        "mileage": str(vehicle.mileage) if vehicle.mileage is not None else "",
    }
    return _again(appointment, {k: v for k, v in details.items() if v})

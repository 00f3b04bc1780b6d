"""Staff look-ups of a customer and of a car, linked from the visit page (read-only)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, render_template
from werkzeug.wrappers import Response

from autoshop.i18n import format_moment
from autoshop.models import Appointment
from autoshop.services import staff_records
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.booking.rendering import page
from autoshop.web.staff import bp


def _local(appointment: Appointment) -> str:
    """When a visit starts, in its location's zone: 'Wed Dec 9, 2026 10:00 AM'."""
    return format_moment(appointment.starts_at, "moment", ZoneInfo(appointment.location.timezone))


@bp.get("/customers/<int:customer_id>")
@role_required("mechanic", "admin")
def customer(customer_id: int) -> Response:
    person = staff_records.customer(customer_id)
    if person is None:
        abort(404)
    html = render_template(
        "staff/customer.html",
        person=person,
        vehicles=staff_records.vehicles_of(person),
        visits=staff_records.visits_of_customer(person, utcnow()),
        local=_local,
    )
    return page(html)


@bp.get("/vehicles/<int:vehicle_id>")
@role_required("mechanic", "admin")
def vehicle(vehicle_id: int) -> Response:
    car = staff_records.vehicle(vehicle_id)
    if car is None:
        abort(404)
    visits = staff_records.visits_of_vehicle(car, utcnow())
    latest = next(iter(visits.past), None) or next(iter(visits.upcoming), None)
    html = render_template(
        "staff/vehicle.html",
        car=car,
        visits=visits,
        # A guest's car has no owner account: the contact of its latest visit stands in.
        guest_contact=latest if car.owner is None else None,
        local=_local,
    )
    return page(html)

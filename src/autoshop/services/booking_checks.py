"""What a booking request must satisfy before it is placed: every text storable and, where it
must be, on one line; every number and id in its documented range (domain/bounds.py).

The API schema and the web forms check the same first, with messages on their fields; this is
the service's own guarantee for every caller (the CLI, the seed, a future client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoshop.domain import bounds
from autoshop.i18n import _

if TYPE_CHECKING:
    from autoshop.services.booking import BookingRequest


def check_request(req: BookingRequest) -> None:
    """Raise BookingError (422, naming the field) for the first value out of bounds."""
    from autoshop.services.booking import BookingError

    def refuse(message: str, field: str) -> None:
        raise BookingError(message, kind="invalid-input", field=field)

    if not bounds.instant_in_range(req.starts_at):
        refuse(bounds.date_range_message(), "starts_at")
    for service_id in req.service_ids:
        if service_id not in bounds.ID:
            refuse(_("One of the chosen services isn't valid; choose again."), "services")
    if req.location_id is not None and req.location_id not in bounds.ID:
        refuse(_("That location doesn't exist."), "location")
    if req.vehicle_id is not None and req.vehicle_id not in bounds.ID:
        refuse(_("Choose one of your own vehicles."), "vehicle")
    if problem := bounds.text_problem(req.concern):
        refuse(problem, "concern")
    if req.guest is not None:
        for name, text in (
            ("name", req.guest.name),
            ("email", req.guest.email),
            ("phone", req.guest.phone or ""),
        ):
            if problem := bounds.text_problem(text, single_line=True):
                refuse(problem, f"guest.{name}")
    details = req.vehicle
    if details is None:
        return
    for name, text in (
        ("make", details.make),
        ("model", details.model),
        ("trim", details.trim),
        ("plate", details.plate),
        ("vin", details.vin or ""),
    ):
        if problem := bounds.text_problem(text, single_line=True):
            refuse(problem, f"vehicle.{name}")
    if problem := bounds.MODEL_YEAR.problem(details.year, _("The model year")):
        refuse(problem, "vehicle.year")
    if details.mileage is not None and (
        problem := bounds.MILEAGE.problem(details.mileage, _("The mileage"))
    ):
        refuse(problem, "vehicle.mileage")

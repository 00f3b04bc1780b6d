"""Free start times for a visit, day by day."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask_security import current_user
from flask_smorest import Blueprint

from autoshop.api.problems import problem_response
from autoshop.api.schemas import AvailabilityQuerySchema, AvailabilitySchema, ProblemSchema
from autoshop.domain.choices import VisitMode
from autoshop.errors import problem
from autoshop.i18n import _
from autoshop.services.availability import AvailabilityError, check_vehicle, find_availability
from autoshop.timeutil import utcnow

blp = Blueprint("availability", __name__, description="Free times for one or more services")


@blp.get("/availability")
@blp.arguments(AvailabilityQuerySchema, location="query", as_kwargs=True)
@blp.response(200, AvailabilitySchema)
@problem_response(blp, 401, "A vehicle was given without logging in", ProblemSchema)
@problem_response(blp, 404, "Unknown location", ProblemSchema)
@problem_response(blp, 422, "Invalid services, dates or vehicle", ProblemSchema)
def availability(
    services: str, start: Any, end: Any, location: int | None, vehicle: int | None, mode: str
) -> Response:
    """Each local day from `start` to `end`: open or not, why closed, and the free start times.

    A start is offered when the whole visit (the services' durations added up) fits in one
    opening interval, outside closures, within the booking notice and horizon, and some bay with
    every capability the services need is free for it plus the buffer. With `vehicle` (one of
    your saved vehicles), the times at which that vehicle is already in another visit are left out.
    `mode` (drop_off or wait, as the booking will say) leaves out the starts at which the
    location's cap for that mode is reached: waiting customers per clock-aligned interval,
    drop-offs per morning (before local noon).
    """
    ids = [int(part) for part in services.split(",")]
    if vehicle is not None and not current_user.is_authenticated:
        return problem(
            401,
            _("Log in (session) or send an Authentication-Token header to ask about your vehicle."),
            type_="login-required",
        )
    try:
        if vehicle is not None:
            check_vehicle(current_user, vehicle)
        result = find_availability(
            ids,
            start,
            end,
            now=utcnow(),
            location_id=location,
            vehicle_id=vehicle,
            mode=VisitMode(mode),
        )
    except AvailabilityError as exc:
        return problem(exc.status, str(exc), type_=exc.kind)
    zone = result.zone
    body = {
        "location": {
            "id": result.location.id,
            "name": result.location.name,
            "timezone": result.location.timezone,
        },
        "services": [s.id for s in result.visit.services],
        "duration_minutes": int(result.visit.duration.total_seconds() // 60),
        "days": [
            {
                "date": day.date.isoformat(),
                "open": day.is_open,
                "closed_reason": day.closed_reason,
                "slots": [
                    {
                        "start": slot.starts_at.astimezone(zone).isoformat(),
                        "end": slot.ends_at.astimezone(zone).isoformat(),
                        "free_bays": slot.free_bays,
                    }
                    for slot in day.slots
                ],
            }
            for day in result.days
        ],
    }
    # Serialised directly: the schema above documents this shape, and a month holds ~1,000 slots.
    return Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")

"""htmx, for the booking flow's vehicle step: what the VIN typed so far says (model year and
region, or the problem), and the year filled in when it is still empty. Reads nothing stored."""

from __future__ import annotations

from flask import render_template, request

from autoshop.domain.vehicles import check_car
from autoshop.timeutil import utcnow
from autoshop.web.booking import bp

MAX_VIN_INPUT = 40


@bp.get("/book/vin-hint")
def vin_hint() -> str:
    raw = request.args.get("vin", "").strip()[:MAX_VIN_INPUT]
    year = request.args.get("year", "").strip()
    check = check_car({"vin": raw}, now=utcnow()) if raw else None
    fill_year = bool(check and check.vin_year and not year)
    length = len("".join(raw.split()).replace("-", ""))
    return render_template(
        "booking/_vin_hint.html",
        hint=check,
        length=length,
        year=check.vin_year if check and fill_year else None,
    )

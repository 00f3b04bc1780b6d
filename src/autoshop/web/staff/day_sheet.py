"""The printable day sheet: a chosen day's visits per bay or per mechanic."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import render_template, request
from werkzeug.wrappers import Response

from autoshop.domain import bounds
from autoshop.i18n import _
from autoshop.services import job_board
from autoshop.services.day_sheets import SheetGrouping, day_sheet
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.staff import bp
from autoshop.web.staff.workspace import BadChoice, places


def _grouping(raw: str) -> SheetGrouping:
    try:
        return SheetGrouping(raw or SheetGrouping.BAY.value)
    except ValueError:
        raise BadChoice(_("Show the sheet by bay or by mechanic.")) from None


def _day(raw: str, zone: ZoneInfo) -> date:
    if not raw:
        return utcnow().astimezone(zone).date()
    try:
        day = date.fromisoformat(raw.strip()[:10]) if len(raw.strip()) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadChoice(_("Give the date as YYYY-MM-DD, for example 2026-12-01."))
    if not bounds.day_in_range(day):
        raise BadChoice(bounds.date_range_message())
    return day


@bp.get("/day-sheet")
@role_required("mechanic", "admin")
def day_sheet_page() -> Response:
    raw_date = request.args.get("date", "")
    raw_by = request.args.get("by", "")
    context: dict[str, object] = {
        "locations": job_board.active_locations(),
        "raw_date": raw_date[:40],
        "groupings": list(SheetGrouping),
        "chosen_by": raw_by,
        "sheet": None,
        "error": "",
    }
    status = 200
    try:
        chosen = places()
        context["location"] = chosen.chosen
        grouping = _grouping(raw_by)
        context["chosen_by"] = grouping.value
        if chosen.chosen is not None:
            day = _day(raw_date, ZoneInfo(chosen.chosen.timezone))
            context["raw_date"] = day.isoformat()
            context["sheet"] = day_sheet(chosen.chosen, day, grouping)
    except BadChoice as exc:
        context["error"], status = exc.message, 400
    html = render_template("staff/day_sheet.html", **context)
    return Response(html, status=status, mimetype="text/html")

"""Admin: the waitlist of a day, in line order, with who is waiting and what is held for whom."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, abort, render_template, request

from autoshop.i18n import _
from autoshop.services import shop, waitlist
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.booking.forms import parse_day
from autoshop.web.waitlist.rows import entry_rows


@bp.get("/waitlist")
@role_required("admin")
def waitlist_day() -> Response | str:
    location = shop.primary_location()
    if location is None:
        abort(404)
    zone = ZoneInfo(location.timezone)
    now = utcnow()
    today = now.astimezone(zone).date()
    days = waitlist.days_with_entries(location, today)
    raw = request.args.get("day", "")
    day = parse_day(raw)
    error = "" if day is not None or not raw else _("That isn't a valid day; showing the next one.")
    if day is None:
        day = days[0][0] if days else today
    return render_template(
        "admin/waitlist.html",
        day=day,
        days=days,
        rows=entry_rows(waitlist.entries_for_day(location, day), now),
        error=error,
    )

"""A mechanic's pages: their jobs today and in the coming days, and the jobs nobody has taken
yet, with "Take this job" (assign_mechanic, the mechanic acting for themself)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from autoshop.domain.choices import Role
from autoshop.i18n import _
from autoshop.models import Location
from autoshop.services import job_board
from autoshop.services.booking import BookingError, ChangedMeanwhile, NotAllowed
from autoshop.services.status import assign_mechanic
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required, seen_version
from autoshop.web.staff import bp
from autoshop.web.staff.workspace import (
    BadChoice,
    appointment_or_404,
    me,
    places,
    taken_meanwhile,
)


def _page(location: Location | None, *, error: str = "", status: int = 200) -> Response:
    user, now = me(), utcnow()
    context: dict[str, object] = {
        "location": location,
        "locations": job_board.active_locations(),
        "error": error,
        "days_ahead": job_board.DAYS_AHEAD,
        "can_take": user.has_role(Role.MECHANIC.value),
    }
    if location is not None:
        zone = ZoneInfo(location.timezone)
        context |= {
            "zone": zone,
            "today": now.astimezone(zone).date(),
            "mine": job_board.my_jobs(location, user, now=now),
            "unassigned": job_board.unassigned_jobs(location, now=now),
        }
    html = render_template("staff/my_jobs.html", **context)
    return Response(html, status=status, mimetype="text/html")


@bp.get("/my-jobs")
@role_required("mechanic", "admin")
def my_jobs() -> Response:
    try:
        chosen = places()
    except BadChoice as exc:
        return _page(None, error=exc.message, status=400)
    return _page(chosen.chosen)


@bp.post("/jobs/<reference>/take")
@role_required("mechanic", "admin")
def take_job(reference: str) -> Response:
    item = appointment_or_404(reference)
    location, item_id, label = item.location, item.id, item.vehicle.label
    user = me()
    if not user.has_role(Role.MECHANIC.value):
        return _page(location, error=_("Only mechanics take jobs for themselves."), status=403)
    try:
        assign_mechanic(
            item,
            user,
            actor=user,
            now=utcnow(),
            expected_version=seen_version(request.form),
        )
    except (ChangedMeanwhile, NotAllowed) as exc:
        text = taken_meanwhile(item_id)[1]
        # Someone else holding the job is a conflict (409); anything else is who asks (403).
        taken = isinstance(exc, ChangedMeanwhile) or exc.kind == "not-your-job"
        status = 409 if taken else 403
        return _page(location, error=text, status=status)
    except BookingError as exc:
        return _page(location, error=exc.message, status=422)
    flash(
        _("The %(vehicle)s (%(reference)s) is yours now.", vehicle=label, reference=reference),
        "success",
    )
    return redirect(url_for("staff.my_jobs", location=location.id), code=303)  # type: ignore[return-value]

"""The job board: today's cars in a column per status, one tap to move a card on, refreshed by
htmx while it is open. Two people moving the same card: the second is shown what the first did."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from autoshop.domain.status import AppointmentStatus
from autoshop.i18n import _
from autoshop.models import Location
from autoshop.services import job_board
from autoshop.services.booking import BookingError, ChangedMeanwhile, NotAllowed
from autoshop.services.status import MAX_NOTE_LENGTH, change_status
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required, seen_version
from autoshop.web.staff import bp
from autoshop.web.staff.workspace import (
    BadChoice,
    appointment_or_404,
    changed_meanwhile,
    me,
    places,
)

#: How often an open board asks for the current state (seconds; BOARD_POLL_SECONDS overrides).
POLL_SECONDS = 15


@dataclass(frozen=True)
class Notice:
    """A message shown on the card acted on (and announced once)."""

    reference: str
    text: str
    kind: str  # a Bootstrap contextual colour: success, danger, warning
    #: A note that wasn't sent (the move was refused): given back to finish or resend.
    note: str = ""


def _wants_fragment() -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == "board-columns"
    )


def _render(location: Location, *, notice: Notice | None = None, status: int = 200) -> Response:
    """The whole page, or only its columns for htmx (a poll or a move)."""
    data = job_board.board(location, viewer=me(), now=utcnow())
    poll = current_app.config.get("BOARD_POLL_SECONDS", POLL_SECONDS)
    context = {"board": data, "notice": notice, "poll_seconds": poll}
    if _wants_fragment():
        # A move's outcome replaces the announcement; a poll leaves it standing.
        oob = notice is not None
        html = render_template("staff/_board_columns.html", oob_status=oob, **context)
    else:
        locations = job_board.active_locations()
        html = render_template("staff/board.html", locations=locations, **context)
    response = Response(html, status=status, mimetype="text/html")
    response.vary.add("HX-Request")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/board")
@role_required("mechanic", "admin")
def board() -> Response | tuple[str, int]:
    try:
        chosen = places()
    except BadChoice as exc:
        return render_template("staff/board.html", error=exc.message, board=None), 400
    if chosen.chosen is None:
        return render_template("staff/board.html", board=None), 200
    return _render(chosen.chosen)


@bp.post("/board/<reference>/move")
@role_required("mechanic", "admin")
def board_move(reference: str) -> Response:
    item = appointment_or_404(reference)
    location = item.location
    raw_target = request.form.get("target", "")
    try:
        target = AppointmentStatus(raw_target)
    except ValueError:
        text = _("Choose one of the moves offered on the card.")
        return _render(location, notice=Notice(item.reference, text, "danger"), status=400)
    seen_status = request.form.get("seen_status", item.status.value)
    note = request.form.get("note", "")[: MAX_NOTE_LENGTH * 2]
    item_id, label = item.id, item.vehicle.label
    try:
        change_status(
            item,
            target,
            actor=me(),
            now=utcnow(),
            note=note,
            expected_version=seen_version(request.form),
        )
    except ChangedMeanwhile:
        text = changed_meanwhile(item_id, seen_status)[1]
        return _render(location, notice=Notice(reference, text, "warning", note), status=409)
    except NotAllowed as exc:
        notice = Notice(reference, exc.message, "danger", note)
        return _render(location, notice=notice, status=403)
    except BookingError as exc:
        notice = Notice(reference, exc.message, "danger", note)
        return _render(location, notice=notice, status=422)
    text = _("The %(vehicle)s is now %(status)s.", vehicle=label, status=target.label.lower())
    if _wants_fragment():
        return _render(location, notice=Notice(reference, text, "success"))
    flash(text, "success")
    return redirect(url_for("staff.board", location=location.id), code=303)  # type: ignore[return-value]

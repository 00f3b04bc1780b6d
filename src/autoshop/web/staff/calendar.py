"""Staff: the calendar by bay (a day or a week of one location); admins move visits on it.

A move comes from a drag and drop (an exact instant, `starts_at` with its offset) or from the
"Move to…" form (a local `date` and `time`), always with the bay and the visit's `version`, and
goes through booking.reschedule with the chosen bay. htmx requests get the board back (with the
outcome in the alert region), refused ones with their 4xx status; without JavaScript a success
redirects and a refusal renders the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.i18n import _, format_moment
from autoshop.models import Appointment, Bay, Location
from autoshop.services import bay_calendar
from autoshop.services.booking import BookingError, ChangedMeanwhile, SlotTaken, reschedule
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required, seen_version
from autoshop.web.staff import bp

VIEWS = ("day", "week")


class BadMove(Exception):
    """Input the move form can't be read from (400), with what to fix."""


@dataclass(frozen=True)
class Shown:
    """What the calendar shows: a location, a view, a day (for a week: any day in it)."""

    location: Location
    view: str
    day: date

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.location.timezone)

    @property
    def week_start(self) -> date:
        return self.day - timedelta(days=self.day.weekday())

    def url(self, **changes: Any) -> str:
        args = {"location": self.location.id, "view": self.view, "date": self.day.isoformat()}
        args.update({k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()})
        return url_for("staff.calendar", **args)

    @property
    def step(self) -> timedelta:
        return timedelta(days=7 if self.view == "week" else 1)


@dataclass(frozen=True)
class Outcome:
    """The message of a move: `ok` for the success alert, else the refusal's."""

    message: str
    ok: bool
    status: int = 200


def _today(location: Location) -> date:
    return utcnow().astimezone(ZoneInfo(location.timezone)).date()


def _parse_date(raw: str, problem: str) -> date:
    """`raw` as a date; `problem` says how to give it (a whole sentence)."""
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise BadMove(problem) from None


def _shown(args: Any) -> Shown:
    """The location, view and day asked for; 404 for an unknown location, 400 for nonsense."""
    raw_location = args.get("location", "")
    location_id = int(raw_location) if raw_location.isdigit() and len(raw_location) < 10 else None
    if raw_location and location_id is None:
        abort(400, description=_("Choose one of the shop's locations."))
    location = bay_calendar.location_or_none(location_id)
    if location is None:
        if location_id is not None:
            abort(404, description=_("There is no such location."))
        abort(404, description=_("The shop has not been set up yet: add a location first."))
    view = args.get("view", "day") or "day"
    if view not in VIEWS:
        abort(400, description=_("Choose the day or the week view."))
    raw_day = args.get("date", "")
    try:
        day = (
            _parse_date(raw_day, _("Give the day as a date like 2026-12-01."))
            if raw_day
            else _today(location)
        )
    except BadMove as exc:
        abort(400, description=str(exc))
    return Shown(location, view, day)


def _move_target(location: Location, appointment: Appointment | None) -> dict[str, Any] | None:
    """The "Move to…" form's visit and defaults, when one was asked for."""
    if appointment is None or appointment.location_id != location.id:
        return None
    zone = ZoneInfo(location.timezone)
    local = appointment.starts_at.astimezone(zone)
    return {
        "appointment": appointment,
        "date": local.date().isoformat(),
        "time": f"{local:%H:%M}",
        "bays": [b for b in location.bays if b.active],
        "step": location.slot_interval_minutes * 60,
    }


def _by_reference(reference: str) -> Appointment | None:
    if not reference or len(reference) > 12:
        return None
    return db.session.scalar(sa.select(Appointment).where(Appointment.reference == reference))


def _context(shown: Shown, *, moving: Appointment | None = None) -> dict[str, Any]:
    board = (
        bay_calendar.week_board(shown.location, shown.week_start)
        if shown.view == "week"
        else bay_calendar.day_board(shown.location, shown.day)
    )
    return {
        "shown": shown,
        "board": board,
        "today": _today(shown.location),
        "locations": bay_calendar.locations(),
        "may_move": current_user.has_role("admin"),
        "statuses": [s for s in AppointmentStatus if s.holds_bay],
        # A bay's equipment, as the column heads name it (lower case, as stored).
        "capability_words": {
            Capability.GENERAL.value: _("general"),
            Capability.LIFT.value: _("lift"),
            Capability.ALIGNMENT.value: _("alignment"),
        },
        "move": _move_target(shown.location, moving) if current_user.has_role("admin") else None,
    }


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.get("/calendar")
@role_required("mechanic", "admin")
def calendar() -> Any:
    shown = _shown(request.args)
    moving = _by_reference(request.args.get("move", ""))
    context = _context(shown, moving=moving)
    if _is_htmx():
        return render_template("staff/_calendar_board.html", **context)
    return render_template("staff/calendar.html", **context)


# --- moving a visit ---------------------------------------------------------------------------


def _read_bay(raw: str, location: Location) -> Bay:
    bay_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    if bay_id is None:
        raise BadMove(_("Choose the bay to move the visit to."))
    bay = db.session.get(Bay, bay_id)
    if bay is None or bay.location_id != location.id:
        raise BadMove(_("Choose one of this location's bays."))
    return bay


def _read_start(form: Any, zone: ZoneInfo) -> datetime:
    """The new start: an instant with its offset (a drop) or a local date and time (the form)."""
    raw = form.get("starts_at", "").strip()
    if raw:
        try:
            instant = datetime.fromisoformat(raw) if len(raw) <= 40 else None
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None:
            raise BadMove(_("The new start time couldn't be read; try the “Move to…” form."))
        return instant.astimezone(zone)
    day = _parse_date(form.get("date", ""), _("Give the new date as a date like 2026-12-01."))
    raw_time = form.get("time", "").strip()
    try:
        wall = time.fromisoformat(raw_time) if 4 <= len(raw_time) <= 8 else None
    except ValueError:
        wall = None
    if wall is None or wall.tzinfo is not None:
        raise BadMove(_("Give the new start time like 09:30."))
    local = datetime.combine(day, wall, zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise BadMove(
            _(
                "%(time)s doesn't exist on %(day)s (the clocks go forward); pick another time.",
                time=format_moment(local.replace(tzinfo=None), "time"),
                day=format_moment(day, "day_month"),
            )
        )
    return local


def _refusal(exc: BookingError, bay: Bay) -> Outcome:
    if isinstance(exc, SlotTaken):
        return Outcome(
            _(
                "%(bay)s is already booked at that time (or the visit would run into the "
                "next one). Pick another time or bay.",
                bay=bay.name,
            ),
            ok=False,
            status=409,
        )
    if isinstance(exc, ChangedMeanwhile):
        return Outcome(
            _("%(problem)s The calendar below shows it as it is now.", problem=exc.message),
            False,
            409,
        )
    return Outcome(exc.message, ok=False, status=exc.status)


def _move(appointment: Appointment, form: Any) -> tuple[Outcome, date | None]:
    """Try the move; the outcome and, on success, the local day the visit is now on."""
    location = appointment.location
    zone = ZoneInfo(location.timezone)
    try:
        bay = _read_bay(form.get("bay", ""), location)
        starts_at = _read_start(form, zone)
    except BadMove as exc:
        return Outcome(str(exc), ok=False, status=400), None
    if starts_at == appointment.starts_at and bay.id == appointment.bay_id:
        return Outcome(
            _("%(reference)s is already there; nothing changed.", reference=appointment.reference),
            True,
        ), None
    try:
        moved = reschedule(
            appointment,
            starts_at,
            now=utcnow(),
            actor=current_user._get_current_object(),
            expected_version=seen_version(form),
            bay_id=bay.id,
        )
    except BookingError as exc:
        db.session.rollback()
        return _refusal(exc, bay), None
    local = moved.starts_at.astimezone(zone)
    return (
        Outcome(
            _(
                "%(reference)s (%(vehicle)s) moved to %(when)s in %(bay)s. "
                "The customer is being notified.",
                reference=moved.reference,
                vehicle=moved.vehicle.label,
                when=format_moment(local, "day_moment"),
                bay=bay.name,
            ),
            ok=True,
        ),
        local.date(),
    )


@bp.post("/calendar/move")
@role_required("admin")
def calendar_move() -> Any:
    form = request.form
    appointment = _by_reference(form.get("reference", "").strip())
    if appointment is None:
        abort(404, description=_("There is no such visit."))
    args = {
        "location": form.get("location", "") or str(appointment.location_id),
        "view": form.get("view", "day"),
        "date": form.get("shown", ""),
    }
    shown = _shown(args)
    if shown.location.id != appointment.location_id:
        shown = Shown(appointment.location, shown.view, shown.day)
    outcome, new_day = _move(appointment, form)
    if outcome.ok and new_day is not None and form.get("follow") == "1":
        shown = Shown(shown.location, shown.view, new_day)
    if not _is_htmx():
        if outcome.ok:
            flash(outcome.message, "success")
            return redirect(shown.url())
        context = _context(shown, moving=appointment)
        return render_template("staff/calendar.html", outcome=outcome, **context), outcome.status
    context = _context(shown, moving=None if outcome.ok else _moving_again(appointment, form))
    body = render_template("staff/_calendar_board.html", outcome=outcome, oob_alert=True, **context)
    return Response(body, status=outcome.status, mimetype="text/html")


def _moving_again(appointment: Appointment, form: Any) -> Appointment | None:
    """After a refused "Move to…" form, show the form again; after a refused drop, don't."""
    return appointment if form.get("follow") == "1" else None

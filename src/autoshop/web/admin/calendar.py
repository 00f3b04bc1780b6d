"""Admin: the shop calendar (location details and rules, bays, weekly hours, closures)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.choices import Capability
from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.extensions import db
from autoshop.i18n import _, _l, format_moment, ngettext
from autoshop.models import Bay, Closure, Location
from autoshop.services import bay_downtime, schedule_conflicts, shop_admin
from autoshop.services.schedule_conflicts import AffectedVisit
from autoshop.services.shop import weekly_hours
from autoshop.services.technicians import weekday_name
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.admin.forms import (
    CANCEL,
    INTERVAL_ROWS,
    MOVE,
    BayChangeDecisionForm,
    BayForm,
    ClosureForm,
    DayHoursForm,
    LocationForm,
    ScheduleChangeDecisionForm,
    apply_errors,
)

DECISION_PREFIX = "decision"
#: What cancelled customers are told by default; the admin can change it on the confirmation.
BAY_MESSAGE = _l(
    "The bay set aside for your visit is out of service, so we can't take your vehicle then."
)
HOURS_MESSAGE = _l(
    "We've changed our opening hours and are no longer open at the time of your visit."
)


def _get_or_404(model: type[Any], ident: int) -> Any:
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


# --- schedule changes that hit bookings: a second step before saving ---------------------------


@dataclass(frozen=True)
class Decision:
    """What the admin chose for the visits a schedule change affects."""

    affected: list[AffectedVisit]
    cancel: bool = False
    message: str = ""
    #: Move the visits to another bay free at the same time (a bay going out of service).
    move: bool = False


def _carried_fields() -> list[tuple[str, str]]:
    """The first step's fields, posted again as hidden inputs by the confirmation page."""
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name != "csrf_token" and not name.startswith(f"{DECISION_PREFIX}-")
    ]


def _decide(
    affected: list[AffectedVisit],
    *,
    change: str,
    message: str,
    back_url: str,
    form_class: type[ScheduleChangeDecisionForm] = ScheduleChangeDecisionForm,
) -> Decision | str:
    """The admin's decision on the affected visits, or the confirmation page that asks for it.

    Nothing is saved until the confirmation is posted: abandoning it leaves the schedule as it
    was. The page lists the visits it showed (`shown`); if another visit became affected
    meanwhile, the page is shown again with the new list rather than acting on the old one.
    """
    if not affected:
        return Decision(affected)
    shown = ",".join(str(v.appointment.id) for v in affected)
    notice = ""
    if f"{DECISION_PREFIX}-shown" in request.form:
        form = form_class(prefix=DECISION_PREFIX)
        if form.shown.data != shown:
            notice = _(
                "The visits this change affects changed while you were deciding. "
                "Check the list again, then choose."
            )
            form.shown.data = shown
        elif form.validate():
            return Decision(
                affected,
                form.choice.data == CANCEL,
                form.message.data or "",
                move=form.choice.data == MOVE,
            )
    else:
        form = form_class(
            formdata=None, prefix=DECISION_PREFIX, data={"shown": shown, "message": str(message)}
        )
    return render_template(
        "admin/schedule_change_confirm.html",
        decision=form,
        affected=affected,
        change=change,
        carried=_carried_fields(),
        back_url=back_url,
        notice=notice,
    )


def _carry_out(decision: Decision, *, now: datetime) -> None:
    """Cancel the affected visits if the admin chose so (after the change was saved), and say
    what happened."""
    count = len(decision.affected)
    if not count:
        return
    if decision.move:
        _move(decision, now=now)
        return
    if not decision.cancel:
        flash(
            ngettext(
                "%(num)d visit kept. "
                "It is listed on the dashboard as a conflict until you move or cancel it.",
                "%(num)d visits kept. "
                "They are listed on the dashboard as conflicts until you move or cancel them.",
                count,
            ),
            "warning",
        )
        return
    outcome = schedule_conflicts.cancel_visits(
        [v.appointment.id for v in decision.affected],
        now=now,
        actor=current_user._get_current_object(),
        reason=decision.message,
    )
    if outcome.cancelled:
        flash(
            ngettext(
                "%(num)d visit cancelled; each customer is being told, with a link to book again.",
                "%(num)d visits cancelled; each customer is being told, with a link to book again.",
                len(outcome.cancelled),
            ),
            "success",
        )
    if outcome.refused:
        refused = "; ".join(f"{reference}: {why}" for reference, why in outcome.refused)
        flash(
            _(
                "Not cancelled: %(refused)s. The dashboard lists what still doesn't fit.",
                refused=refused,
            ),
            "warning",
        )


def _move(decision: Decision, *, now: datetime) -> None:
    outcome = schedule_conflicts.move_visits(
        [v.appointment.id for v in decision.affected],
        now=now,
        actor=current_user._get_current_object(),
    )
    if outcome.moved:
        moved = ", ".join(
            _("%(reference)s to %(bay)s", reference=a.reference, bay=a.bay.name)
            for a in outcome.moved
        )
        flash(
            ngettext(
                "%(num)d visit moved at the same time: %(moved)s.",
                "%(num)d visits moved at the same time: %(moved)s.",
                len(outcome.moved),
                moved=moved,
            ),
            "success",
        )
    if outcome.refused:
        refused = "; ".join(f"{reference}: {why}" for reference, why in outcome.refused)
        flash(
            _(
                "Not moved: %(refused)s. The dashboard lists them until you move or cancel them.",
                refused=refused,
            ),
            "warning",
        )


def _when(value: datetime, location: Location) -> str:
    return format_moment(value, "moment", ZoneInfo(location.timezone))


def _save_location(form: LocationForm, location: Location | None) -> Location | None:
    try:
        return shop_admin.save_location(
            location,
            name=form.name.data or "",
            address=form.address.data or "",
            phone=form.phone.data or "",
            email=form.email.data or "",
            timezone=form.timezone.data or "",
            slot_interval_minutes=form.slot_interval_minutes.data or 0,
            minimum_notice_minutes=form.minimum_notice_minutes.data or 0,
            horizon_days=form.horizon_days.data or 0,
            buffer_minutes=form.buffer_minutes.data or 0,
            cancellation_cutoff_hours=form.cancellation_cutoff_hours.data or 0,
            reminder_leads_minutes=form.reminder_minutes,
            wait_cap=form.wait_cap.data,
            wait_cap_minutes=form.wait_cap_minutes.data,
            drop_off_cap=form.drop_off_cap.data,
        )
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return None


@bp.route("/calendar/", methods=["GET", "POST"])
@role_required("admin")
def calendar() -> str | Response:
    """The chosen (or only) location's calendar; with no location yet, the form to create it."""
    chosen = request.args.get("location", type=int)
    if chosen is not None:
        return redirect(url_for("admin.calendar_location", location_id=chosen))
    location = shop_admin.chosen_location()
    if location is not None:
        return redirect(url_for("admin.calendar_location", location_id=location.id))
    form = LocationForm()
    if form.validate_on_submit():
        created = _save_location(form, None)
        if created is not None:
            flash(
                _(
                    "%(name)s was created. Now add its bays and opening hours.",
                    name=created.name,
                ),
                "success",
            )
            return redirect(url_for("admin.calendar_location", location_id=created.id))
    return render_template("admin/location_form.html", form=form, location=None)


@bp.get("/calendar/<int:location_id>")
@role_required("admin")
def calendar_location(location_id: int) -> str:
    location = _get_or_404(Location, location_id)
    now = utcnow()
    return render_template(
        "admin/calendar.html",
        location=location,
        locations=shop_admin.all_locations(),
        hours=[
            replace(day, weekday=weekday_name(index))
            for index, day in enumerate(weekly_hours(location))
        ],
        closures=shop_admin.upcoming_closures(location, now=now),
        downtimes=bay_downtime.upcoming_downtimes(location, now=now),
        now=now,
        zone=ZoneInfo(location.timezone),
        capability_labels={c.value: c.label for c in Capability},
    )


@bp.route("/calendar/<int:location_id>/details", methods=["GET", "POST"])
@role_required("admin")
def location_edit(location_id: int) -> str | Response:
    location = _get_or_404(Location, location_id)
    form = LocationForm(
        obj=location, reminder_leads=", ".join(str(m) for m in location.reminder_leads_minutes)
    )
    if form.validate_on_submit() and _save_location(form, location) is not None:
        flash(_("The shop's details and booking rules were saved."), "success")
        return redirect(url_for("admin.calendar_location", location_id=location.id))
    return render_template("admin/location_form.html", form=form, location=location)


@bp.route("/calendar/<int:location_id>/bays/new", methods=["GET", "POST"])
@role_required("admin")
def bay_new(location_id: int) -> str | Response:
    return _bay_page(_get_or_404(Location, location_id), None)


@bp.route("/calendar/bays/<int:bay_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def bay_edit(bay_id: int) -> str | Response:
    bay = _get_or_404(Bay, bay_id)
    return _bay_page(bay.location, bay)


def _bay_page(location: Location, bay: Bay | None) -> str | Response:
    form = BayForm(obj=bay)
    if form.validate_on_submit():
        now = utcnow()
        affected = (
            schedule_conflicts.affected_by_bay_deactivation(bay, now=now)
            if bay is not None and not form.active.data
            else []
        )
        decided = _decide(
            affected,
            change=(
                _("Take %(bay)s out of use", bay=bay.name) if bay else _("Take the bay out of use")
            ),
            message=BAY_MESSAGE,
            back_url=url_for("admin.calendar_location", location_id=location.id),
            form_class=BayChangeDecisionForm,
        )
        if isinstance(decided, str):
            return decided
        try:
            saved = shop_admin.save_bay(
                location,
                bay,
                name=form.name.data or "",
                capabilities=form.capabilities.data or [],
                active=form.active.data,
                sort_order=form.sort_order.data or 0,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Bay %(name)s was saved.", name=saved.name), "success")
            _carry_out(decided, now=now)
            return redirect(url_for("admin.calendar_location", location_id=location.id))
    return render_template("admin/bay_form.html", form=form, location=location, bay=bay)


@bp.post("/calendar/bays/<int:bay_id>/deactivate")
@role_required("admin")
def bay_deactivate(bay_id: int) -> str | Response:
    bay = _get_or_404(Bay, bay_id)
    now = utcnow()
    decided = _decide(
        schedule_conflicts.affected_by_bay_deactivation(bay, now=now),
        change=_("Take %(bay)s out of use", bay=bay.name),
        message=BAY_MESSAGE,
        back_url=url_for("admin.calendar_location", location_id=bay.location_id),
        form_class=BayChangeDecisionForm,
    )
    if isinstance(decided, str):
        return decided
    still_booked = shop_admin.set_bay_active(bay, False, now=now)
    flash(_("%(bay)s was deactivated: no new bookings will use it.", bay=bay.name), "success")
    if decided.affected:
        _carry_out(decided, now=now)
    elif still_booked:  # cars already in the shop on it: nothing to decide, but say so
        flash(
            ngettext(
                "It still holds %(num)d appointment already under way.",
                "It still holds %(num)d appointments already under way.",
                still_booked,
            ),
            "warning",
        )
    return redirect(url_for("admin.calendar_location", location_id=bay.location_id))


@bp.post("/calendar/bays/<int:bay_id>/reactivate")
@role_required("admin")
def bay_reactivate(bay_id: int) -> Response:
    bay = _get_or_404(Bay, bay_id)
    shop_admin.set_bay_active(bay, True, now=utcnow())
    flash(_("%(bay)s is in use again.", bay=bay.name), "success")
    return redirect(url_for("admin.calendar_location", location_id=bay.location_id))


def _day_forms(location: Location) -> list[DayHoursForm]:
    """One unbound form per weekday, filled with the saved intervals."""
    forms = []
    for weekday, day in enumerate(weekly_hours(location)):
        rows = [{"opens": opens, "closes": closes} for opens, closes in day.intervals]
        forms.append(DayHoursForm(formdata=None, prefix=f"day{weekday}", data={"intervals": rows}))
    return forms


@bp.get("/calendar/<int:location_id>/hours")
@role_required("admin")
def hours(location_id: int) -> str:
    location = _get_or_404(Location, location_id)
    return _hours_page(location, _day_forms(location))


@bp.post("/calendar/<int:location_id>/hours/<int:weekday>")
@role_required("admin")
def hours_save(location_id: int, weekday: int) -> str | Response:
    location = _get_or_404(Location, location_id)
    if not 0 <= weekday <= 6:
        abort(404)
    forms = _day_forms(location)
    form = DayHoursForm(prefix=f"day{weekday}")
    forms[weekday] = form
    if form.validate_on_submit():
        try:
            intervals = shop_admin.day_intervals(weekday, form.chosen_intervals())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            now = utcnow()
            decided = _decide(
                schedule_conflicts.affected_by_hours(location, weekday, intervals, now=now),
                change=_(
                    "Change %(day)s opening hours at %(location)s to %(hours)s",
                    day=weekday_name(weekday),
                    location=location.name,
                    hours=", ".join(
                        f"{format_moment(o, 'time')}–{format_moment(c, 'time')}"
                        for o, c in intervals
                    ),
                )
                if intervals
                else _(
                    "Change %(day)s opening hours at %(location)s to closed",
                    day=weekday_name(weekday),
                    location=location.name,
                ),
                message=HOURS_MESSAGE,
                back_url=url_for("admin.hours", location_id=location.id),
            )
            if isinstance(decided, str):
                return decided
            shop_admin.set_day_hours(location, weekday, intervals)
            flash(_("%(day)s hours were saved.", day=weekday_name(weekday)), "success")
            _carry_out(decided, now=now)
            return redirect(url_for("admin.hours", location_id=location.id) + f"#day{weekday}")
    return _hours_page(location, forms)


def _hours_page(location: Location, forms: list[DayHoursForm]) -> str:
    return render_template(
        "admin/hours.html",
        location=location,
        days=[(weekday_name(index), form) for index, form in enumerate(forms)],
        rows=INTERVAL_ROWS,
    )


@bp.route("/calendar/<int:location_id>/closures/new", methods=["GET", "POST"])
@role_required("admin")
def closure_new(location_id: int) -> str | Response:
    location = _get_or_404(Location, location_id)
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            starts_at, ends_at, reason = shop_admin.closure_window(
                location,
                starts_local=form.starts_local.data,
                ends_local=form.ends_local.data,
                reason=form.reason.data or "",
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            now = utcnow()
            decided = _decide(
                schedule_conflicts.affected_by_closure(
                    location, starts_at=starts_at, ends_at=ends_at, reason=reason, now=now
                ),
                change=_(
                    "Close %(location)s from %(starts)s until %(ends)s (%(reason)s)",
                    location=location.name,
                    starts=_when(starts_at, location),
                    ends=_when(ends_at, location),
                    reason=reason,
                ),
                message=_("We're closed at the time of your visit: %(reason)s.", reason=reason),
                back_url=url_for("admin.calendar_location", location_id=location.id),
            )
            if isinstance(decided, str):
                return decided
            shop_admin.add_closure(
                location,
                starts_local=form.starts_local.data,
                ends_local=form.ends_local.data,
                reason=reason,
            )
            flash(_("The closure was added."), "success")
            _carry_out(decided, now=now)
            return redirect(url_for("admin.calendar_location", location_id=location.id))
    return render_template("admin/closure_form.html", form=form, location=location)


@bp.post("/calendar/closures/<int:closure_id>/delete")
@role_required("admin")
def closure_delete(closure_id: int) -> Response:
    closure = _get_or_404(Closure, closure_id)
    location_id = closure.location_id
    shop_admin.delete_closure(closure)
    flash(_("The closure “%(reason)s” was deleted.", reason=closure.reason), "success")
    return redirect(url_for("admin.calendar_location", location_id=location_id))

"""Admin: a mechanic's schedule and skills, and their time off (from /admin/staff). The rules
live in services/technicians.py and domain/technicians.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.extensions import db
from autoshop.i18n import _, format_moment, ngettext
from autoshop.models import Location, ServiceCategory
from autoshop.services import bay_calendar, catalog_admin, technicians
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.admin.forms import apply_errors
from autoshop.web.admin.technician_forms import (
    HOURS_HELP,
    REASSIGN,
    ScheduleForm,
    TimeOffDecisionForm,
    TimeOffForm,
)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _schedule(user_id: int) -> technicians.Schedule:
    try:
        return technicians.schedule_of(user_id, now=utcnow())
    except LookupError:
        abort(404)


def _zone(schedule: technicians.Schedule) -> ZoneInfo | None:
    if schedule.location_id is None:
        return None
    location = db.session.get(Location, schedule.location_id)
    return ZoneInfo(location.timezone) if location else None


def _when(value: datetime, zone: ZoneInfo | None) -> str:
    return format_moment(value, "moment", zone)


def _choices(form: ScheduleForm) -> list[ServiceCategory]:
    form.location_id.choices = [(loc.id, loc.name) for loc in bay_calendar.locations()]
    categories = catalog_admin.all_categories()
    form.skills.choices = [(str(c.id), c.name) for c in categories]
    return categories


def _page(
    schedule: technicians.Schedule,
    *,
    form: ScheduleForm | None = None,
    off_form: TimeOffForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    if form is None:
        form = ScheduleForm(
            formdata=None,
            data={
                "location_id": schedule.location_id,
                "skills": [str(c) for c in sorted(schedule.skills)],
                **{
                    f"hours_{d}": ", ".join(
                        f"{_hhmm(a)}-{_hhmm(b)}" for a, b in schedule.hours.get(d, [])
                    )
                    for d in range(7)
                },
            },
        )
    _choices(form)
    zone = _zone(schedule)
    now = utcnow()
    html = render_template(
        "admin/technician_schedule.html",
        person=schedule.user,
        schedule=schedule,
        form=form,
        off_form=off_form or TimeOffForm(formdata=None),
        hours_help=HOURS_HELP,
        time_off=[(t, _when(t.starts_at, zone), _when(t.ends_at, zone)) for t in schedule.time_off],
        conflicts=[
            (a, _when(a.starts_at, zone), off)
            for a, off in technicians.conflicts_of(schedule.user.id, now=now)
        ],
    )
    return html, status


@bp.get("/staff/<int:user_id>/schedule")
@role_required("admin")
def technician_schedule(user_id: int) -> tuple[str, int]:
    return _page(_schedule(user_id))


@bp.post("/staff/<int:user_id>/schedule")
@role_required("admin")
def technician_schedule_save(user_id: int) -> Response | tuple[str, int]:
    schedule = _schedule(user_id)
    form = ScheduleForm()
    _choices(form)
    if not form.validate():
        return _page(schedule, form=form, status=400)
    try:
        spans = technicians.parse_hours(
            {d: field.data or "" for d, field in enumerate(form.hours_fields())}
        )
        skill_ids: list[int] = []
        for raw in form.skills.data or []:
            if not raw.isdigit() or len(raw) > 18:
                raise ValidationFailed({"skills": [_("Choose skills from the list.")]})
            skill_ids.append(int(raw))
        technicians.save_schedule(
            user_id, location_id=form.location_id.data, spans=spans, skill_ids=skill_ids
        )
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _page(schedule, form=form, status=400)
    flash(_("Saved %(name)s's hours and skills.", name=schedule.user.full_name), "success")
    return redirect(url_for("admin.technician_schedule", user_id=user_id))


@bp.post("/staff/<int:user_id>/time-off")
@role_required("admin")
def technician_time_off_add(user_id: int) -> Response | tuple[str, int]:
    schedule = _schedule(user_id)
    off_form = TimeOffForm()
    if not off_form.validate():
        return _page(schedule, off_form=off_form, status=400)
    now = utcnow()
    try:
        window = technicians.time_off_window(
            user_id,
            start_date=off_form.start_date.data,
            start_time=off_form.start_time.data,
            end_date=off_form.end_date.data,
            end_time=off_form.end_time.data,
            reason=off_form.reason.data or "",
            now=now,
        )
    except ValidationFailed as exc:
        apply_errors(off_form, exc)
        return _page(schedule, off_form=off_form, status=400)
    affected = technicians.affected_by_time_off(window, now=now)
    shown = ",".join(str(v.appointment.id) for v in affected)
    reassign = False
    if affected:
        decision = TimeOffDecisionForm(prefix="decision")
        decided = "decision-shown" in request.form and decision.validate()
        if decided and decision.shown.data != shown:
            flash(
                _("The visits in that period changed meanwhile; check the list again."),
                "warning",
            )
            decided = False
        if not decided:
            if "decision-shown" not in request.form:
                decision = TimeOffDecisionForm(
                    formdata=None, prefix="decision", data={"shown": shown}
                )
            decision.shown.data = shown
            zone = ZoneInfo(window.location.timezone)
            return render_template(
                "admin/technician_time_off_confirm.html",
                person=schedule.user,
                window=window,
                starts=_when(window.starts_at, zone),
                ends=_when(window.ends_at, zone),
                off_form=off_form,
                decision=decision,
                affected=[
                    (v.appointment, _when(v.appointment.starts_at, zone), len(v.candidates))
                    for v in affected
                ],
            ), 409
        reassign = decision.choice.data == REASSIGN
    try:
        conflicts = technicians.add_time_off(
            window,
            actor=current_user._get_current_object(),
            now=now,
            expected=[v.appointment.id for v in affected],
            reassign=reassign,
        )
    except technicians.VisitsChanged:
        flash(
            _("The visits in that period changed meanwhile; nothing was saved. Try again."),
            "warning",
        )
        return _page(schedule, off_form=off_form, status=409)
    moved = len(affected) - len(conflicts)
    message = _("Time off saved for %(name)s.", name=schedule.user.full_name)
    if moved:
        message += " " + ngettext("%(num)d visit reassigned.", "%(num)d visits reassigned.", moved)
    if conflicts:
        message += " " + ngettext(
            "%(num)d visit kept with them, listed below as conflicts.",
            "%(num)d visits kept with them, listed below as conflicts.",
            len(conflicts),
        )
    flash(message, "warning" if conflicts else "success")
    return redirect(url_for("admin.technician_schedule", user_id=user_id))


@bp.post("/staff/<int:user_id>/time-off/<int:time_off_id>/delete")
@role_required("admin")
def technician_time_off_delete(user_id: int, time_off_id: int) -> Response:
    _schedule(user_id)
    try:
        technicians.delete_time_off(user_id, time_off_id)
    except LookupError:
        abort(404)
    flash(_("Time off removed."), "success")
    return redirect(url_for("admin.technician_schedule", user_id=user_id))

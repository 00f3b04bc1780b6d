"""Admin: taking a bay out of service for a period, and putting it back."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.i18n import _
from autoshop.models import BayDowntime, Location
from autoshop.services import bay_downtime, schedule_conflicts
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp
from autoshop.web.admin.calendar import BAY_MESSAGE, _carry_out, _decide, _get_or_404, _when
from autoshop.web.admin.forms import BayChangeDecisionForm, DowntimeForm, apply_errors


@bp.route("/calendar/<int:location_id>/downtimes/new", methods=["GET", "POST"])
@role_required("admin")
def downtime_new(location_id: int) -> str | Response:
    location: Location = _get_or_404(Location, location_id)
    form = DowntimeForm()
    form.bay_id.choices = [(b.id, b.name) for b in location.bays]
    if request.method == "GET":
        chosen = request.args.get("bay", type=int)
        if chosen in {b.id for b in location.bays}:
            form.bay_id.data = chosen
    back_url = url_for("admin.calendar_location", location_id=location.id)
    if form.validate_on_submit():
        now = utcnow()
        try:
            window = bay_downtime.downtime_window(
                location,
                bay_id=form.bay_id.data,
                start_date=form.start_date.data,
                start_time=form.start_time.data,
                end_date=form.end_date.data,
                end_time=form.end_time.data,
                reason=form.reason.data or "",
                now=now,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            change = _(
                "Take %(bay)s out of service from %(starts)s until %(ends)s (%(reason)s)",
                bay=window.bay.name,
                starts=_when(window.starts_at, location),
                ends=_when(window.ends_at, location),
                reason=window.reason,
            )
            affected = schedule_conflicts.affected_by_downtime(
                location, window.as_domain(), now=now
            )
            decided = _decide(
                affected,
                change=change,
                message=BAY_MESSAGE,
                back_url=back_url,
                form_class=BayChangeDecisionForm,
            )
            if isinstance(decided, str):
                return decided
            try:
                bay_downtime.add_downtime(
                    window,
                    actor=current_user._get_current_object(),
                    now=now,
                    expected=[v.appointment.id for v in decided.affected],
                )
            except bay_downtime.VisitsChanged:
                # A visit was booked into it meanwhile: ask again with the list as it is now.
                again = _decide(
                    schedule_conflicts.affected_by_downtime(location, window.as_domain(), now=now),
                    change=change,
                    message=BAY_MESSAGE,
                    back_url=back_url,
                    form_class=BayChangeDecisionForm,
                )
                if isinstance(again, str):
                    return again
                flash(_("The booked visits changed meanwhile; nothing was saved."), "warning")
                return redirect(back_url)
            flash(
                _(
                    "%(bay)s is out of service then: %(reason)s.",
                    bay=window.bay.name,
                    reason=window.reason,
                ),
                "success",
            )
            _carry_out(decided, now=now)
            return redirect(back_url)
    return render_template("admin/downtime_form.html", form=form, location=location)


@bp.post("/calendar/downtimes/<int:downtime_id>/delete")
@role_required("admin")
def downtime_delete(downtime_id: int) -> Response:
    downtime: BayDowntime = _get_or_404(BayDowntime, downtime_id)
    location_id, bay_name, reason = downtime.bay.location_id, downtime.bay.name, downtime.reason
    bay_downtime.delete_downtime(downtime)
    flash(
        _("%(bay)s is back in service for that period (%(reason)s).", bay=bay_name, reason=reason),
        "success",
    )
    return redirect(url_for("admin.calendar_location", location_id=location_id))

from __future__ import annotations

from flask import render_template

from autoshop.domain.status import AppointmentStatus
from autoshop.services import dashboard as board
from autoshop.services import schedule, schedule_conflicts
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp


@bp.get("/")
@role_required("admin")
def dashboard() -> str:
    now = utcnow()
    return render_template(
        "admin/dashboard.html",
        glance=schedule.today_at_a_glance(now=now),
        board=board.dashboard(now=now),
        conflicts=schedule_conflicts.current_conflicts(now=now),
        ready_status=AppointmentStatus.READY_FOR_PICKUP,
        arrivals_window=board.ARRIVALS_WINDOW,
    )

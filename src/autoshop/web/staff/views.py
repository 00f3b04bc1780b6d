from __future__ import annotations

from flask import render_template
from flask_security import current_user

from autoshop.services import schedule
from autoshop.services.status import next_statuses
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.staff import bp


@bp.get("/today")
@role_required("mechanic", "admin")
def today() -> str:
    mine_only = not current_user.has_role("admin")
    day = schedule.day_sheet(now=utcnow(), mechanic_id=current_user.id if mine_only else None)
    if mine_only:  # mechanics also see today's jobs nobody has taken yet
        unassigned = schedule.day_sheet(now=utcnow(), unassigned_only=True)
        day.appointments.extend(unassigned.appointments)
        day.appointments.sort(key=lambda a: (a.starts_at, a.bay_id))
    now = utcnow()
    moves = {a.id: next_statuses(a, current_user, now) for a in day.appointments}
    return render_template("staff/today.html", day=day, mine_only=mine_only, moves=moves)

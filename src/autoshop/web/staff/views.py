from __future__ import annotations

from flask import render_template, request
from flask_security import current_user

from autoshop.services import customers, schedule
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


@bp.get("/customers/search")
@role_required("mechanic", "admin")
def customer_search() -> str:
    """htmx, for the staff booking's customer step: the customers matching what was typed, as
    buttons of the step's form (which carries the booking's answers so far)."""
    query = request.args.get("q", "").strip()[: customers.MAX_QUERY]
    return render_template(
        "booking/_customer_results.html",
        query=query,
        matches=customers.search_customers(query) if len(query) >= customers.MIN_QUERY else None,
    )

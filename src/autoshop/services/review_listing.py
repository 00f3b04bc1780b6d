"""The admin's list of reviews: all, visible, hidden or still without a reply, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from autoshop.extensions import db
from autoshop.i18n import _l
from autoshop.models import Appointment, Review, ReviewEvent
from autoshop.services.pages import ResultPage

PER_PAGE = 20
#: The filters and how the page names them.
SHOWS = {
    "all": _l("All reviews"),
    "visible": _l("Visible"),
    "hidden": _l("Hidden"),
    "unreplied": _l("Without a reply"),
}
#: How the review's history names each action (`ReviewEvent.action`, stored in English).
EVENT_LABELS = {
    "replied": _l("Replied"),
    "reply removed": _l("Reply removed"),
    "hidden": _l("Hidden"),
    "shown again": _l("Shown again"),
}


ReviewPage = ResultPage[Review]


def _conditions(show: str) -> list[sa.ColumnElement[bool]]:
    if show == "visible":
        return [Review.hidden.is_(False)]
    if show == "hidden":
        return [Review.hidden.is_(True)]
    if show == "unreplied":
        return [Review.staff_reply == ""]
    return []


def search(show: str = "all", *, page: int = 1, per_page: int = PER_PAGE) -> ReviewPage:
    conditions = _conditions(show)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Review).where(*conditions))
    pages = max(((total or 0) + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        sa.select(Review)
        .where(*conditions)
        .options(
            selectinload(Review.appointment).selectinload(Appointment.services),
            selectinload(Review.appointment).selectinload(Appointment.customer),
            selectinload(Review.appointment).selectinload(Appointment.vehicle),
            selectinload(Review.events).selectinload(ReviewEvent.actor),
            selectinload(Review.replied_by),
            selectinload(Review.hidden_by),
        )
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ReviewPage(rows=list(rows), total=total or 0, page=page, per_page=per_page)

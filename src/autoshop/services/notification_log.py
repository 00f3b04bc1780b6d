"""The staff notification log: finding outbox rows by status, channel, appointment or customer."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, User
from autoshop.services.pages import ResultPage

PER_PAGE = 50


@dataclass(frozen=True)
class LogFilters:
    status: NotificationStatus | None = None
    channel: NotificationChannel | None = None
    reference: str = ""
    email: str = ""


LogPage = ResultPage[Notification]


def _conditions(filters: LogFilters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.status:
        conditions.append(Notification.status == filters.status)
    if filters.channel:
        conditions.append(Notification.channel == filters.channel)
    if filters.reference:
        appointment_ids = sa.select(Appointment.id).where(
            sa.func.upper(Appointment.reference) == filters.reference.strip().upper()
        )
        conditions.append(Notification.appointment_id.in_(appointment_ids))
    if filters.email:
        email = filters.email.strip().lower()
        user_ids = sa.select(User.id).where(sa.func.lower(User.email) == email)
        conditions.append(
            sa.or_(
                sa.func.lower(Notification.recipient) == email, Notification.user_id.in_(user_ids)
            )
        )
    return conditions


def search(filters: LogFilters, *, page: int = 1, per_page: int = PER_PAGE) -> LogPage:
    """The matching messages, newest first, one page of them."""
    conditions = _conditions(filters)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(*conditions)
    )
    pages = max(((total or 0) + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        sa.select(Notification)
        .where(*conditions)
        .options(joinedload(Notification.appointment))
        .order_by(Notification.id.desc())  # ids grow with time: newest first
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return LogPage(rows=list(rows), total=total or 0, page=page, per_page=per_page)

"""The shop's day as staff see it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from autoshop.domain.choices import NotificationStatus
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Location, Notification
from autoshop.services.shop import primary_location


@dataclass(frozen=True)
class DaySheet:
    date: date
    zone: ZoneInfo
    appointments: list[Appointment]


@dataclass(frozen=True)
class Glance:
    sheet: DaySheet
    by_status: dict[AppointmentStatus, int]
    upcoming_week: int
    notifications_failed: int
    notifications_pending: int


def _local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start, end


def _zone(location: Location | None) -> ZoneInfo:
    return ZoneInfo(location.timezone if location else "UTC")


def day_sheet(
    *, now: datetime, mechanic_id: int | None = None, unassigned_only: bool = False
) -> DaySheet:
    """Appointments starting on the shop's local today, earliest first."""
    location = primary_location()
    zone = _zone(location)
    today = now.astimezone(zone).date()
    start, end = _local_day_bounds(today, zone)
    stmt = (
        sa.select(Appointment)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end)
        .options(
            selectinload(Appointment.services),
            selectinload(Appointment.vehicle),
            selectinload(Appointment.bay),
            selectinload(Appointment.customer),
            selectinload(Appointment.mechanic),
            selectinload(Appointment.status_changes),
        )
        .order_by(Appointment.starts_at, Appointment.bay_id)
    )
    if mechanic_id is not None:
        stmt = stmt.where(Appointment.mechanic_id == mechanic_id)
    if unassigned_only:
        stmt = stmt.where(
            Appointment.mechanic_id.is_(None), Appointment.status != AppointmentStatus.CANCELLED
        )
    return DaySheet(today, zone, list(db.session.scalars(stmt)))


def today_at_a_glance(*, now: datetime) -> Glance:
    sheet = day_sheet(now=now)
    counts = Counter(a.status for a in sheet.appointments)
    _, today_end = _local_day_bounds(sheet.date, sheet.zone)
    upcoming = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Appointment)
        .where(
            Appointment.starts_at >= today_end,
            Appointment.starts_at < today_end + timedelta(days=7),
            Appointment.status == AppointmentStatus.SCHEDULED,
        )
    )
    notif = dict(
        db.session.execute(
            sa.select(Notification.status, sa.func.count())
            .where(Notification.status.in_([NotificationStatus.FAILED, NotificationStatus.PENDING]))
            .group_by(Notification.status)
        ).all()
    )
    return Glance(
        sheet=sheet,
        by_status={s: counts.get(s, 0) for s in AppointmentStatus},
        upcoming_week=upcoming or 0,
        notifications_failed=notif.get(NotificationStatus.FAILED, 0),
        notifications_pending=notif.get(NotificationStatus.PENDING, 0),
    )

"""What staff look up about a customer or a car: their details and every visit, past and
upcoming (read-only; changes go through the visit's own actions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from autoshop.domain.choices import Role as RoleName
from autoshop.extensions import db
from autoshop.models import Appointment, User, Vehicle


@dataclass(frozen=True)
class Visits:
    """A person's or a car's visits: upcoming soonest first, past latest first."""

    upcoming: list[Appointment]
    past: list[Appointment]


def _visits(where: sa.ColumnElement[bool], now: datetime) -> Visits:
    rows = db.session.scalars(
        sa.select(Appointment)
        .where(where)
        .options(
            selectinload(Appointment.services),
            selectinload(Appointment.vehicle),
            selectinload(Appointment.location),
            selectinload(Appointment.mechanic),
        )
        .order_by(Appointment.starts_at)
    ).all()
    upcoming = [a for a in rows if a.starts_at >= now]
    past = [a for a in reversed(rows) if a.starts_at < now]
    return Visits(upcoming=upcoming, past=past)


def customer(user_id: int) -> User | None:
    """The customer account with this id (None for no such account or a staff-only one)."""
    user = db.session.get(User, user_id)
    if user is None or not user.has_role(RoleName.CUSTOMER.value):
        return None
    return user


def vehicles_of(user: User) -> list[Vehicle]:
    return list(
        db.session.scalars(
            sa.select(Vehicle)
            .where(Vehicle.owner_id == user.id)
            .order_by(Vehicle.year.desc(), Vehicle.id)
        )
    )


def visits_of_customer(user: User, now: datetime) -> Visits:
    return _visits(Appointment.customer_id == user.id, now)


def visits_of_vehicle(vehicle: Vehicle, now: datetime) -> Visits:
    return _visits(Appointment.vehicle_id == vehicle.id, now)


def vehicle(vehicle_id: int) -> Vehicle | None:
    return db.session.get(Vehicle, vehicle_id)

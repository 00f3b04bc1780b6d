"""Finding a customer for staff taking a phone or walk-in booking: by name, email, phone or the
plate of one of their cars, with their saved cars to pick from."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from autoshop.domain.choices import Role as RoleName
from autoshop.domain.vehicles import normalize_plate
from autoshop.extensions import db
from autoshop.models import Role, User, Vehicle
from autoshop.services.vehicles import saved_vehicles

MIN_QUERY = 2
MAX_QUERY = 100
LIMIT = 8
_STAFF_ROLES = (RoleName.ADMIN.value, RoleName.MECHANIC.value)


@dataclass(frozen=True)
class Match:
    customer: User
    vehicles: list[Vehicle]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _token_condition(token: str) -> sa.ColumnElement[bool]:
    """One word of the query: in the name or email, the phone's digits, or a car's plate."""
    pattern = _like(token.lower())
    options: list[sa.ColumnElement[bool]] = [
        sa.func.lower(User.first_name).like(pattern, escape="\\"),
        sa.func.lower(User.last_name).like(pattern, escape="\\"),
        sa.func.lower(User.email).like(pattern, escape="\\"),
    ]
    digits = "".join(ch for ch in token if ch.isdigit())
    if len(digits) >= 3 and len(digits) >= len(token.replace("+", "")) - 2:
        options.append(User.phone.like(_like(digits), escape="\\"))
    plate = normalize_plate(token)
    if plate:
        options.append(
            sa.exists().where(
                Vehicle.owner_id == User.id,
                Vehicle.archived_at.is_(None),
                Vehicle.plate.like(_like(plate), escape="\\"),
            )
        )
    return sa.or_(*options)


def search_customers(query: str, *, limit: int = LIMIT) -> list[Match]:
    """Customers (never staff accounts) matching every word of `query`, by name, email, phone or
    plate; nothing for fewer than two characters."""
    text = " ".join(query.split())[:MAX_QUERY]
    if len(text) < MIN_QUERY:
        return []
    conditions = [_token_condition(token) for token in text.split(" ")]
    customers = db.session.scalars(
        sa.select(User)
        .where(
            User.active.is_(True),
            ~User.roles.any(Role.name.in_(_STAFF_ROLES)),
            *conditions,
        )
        .order_by(User.last_name, User.first_name, User.email)
        .limit(limit)
    )
    return [Match(customer, saved_vehicles(customer)) for customer in customers]


def customer_for_booking(user_id: int) -> User | None:
    """The customer staff chose for a booking: an active account that isn't a staff member's."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.is_staff:
        return None
    return user

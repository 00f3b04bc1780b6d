"""A customer's saved cars: add, edit, archive or delete, and the one rule both booking flows use
to pick a car: a VIN or plate already in the account is that car, never a second entry.

The rule is also the database's: partial unique indexes on (owner, VIN) and (owner, plate) among
the cars not archived (migration 0009), so two requests racing to add the same car end with one
row and a clear message for the loser.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoshop.domain.vehicles import CarFields
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, User, Vehicle
from autoshop.services.transactions import write_transaction


class VehicleError(Exception):
    """A change the customer can fix; `field` is the form field to show it on."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class VehicleNotFound(VehicleError):
    """No such car in this account (another customer's car is answered the same way)."""

    status = 404

    def __init__(self) -> None:
        super().__init__(_("That car isn't in your account."))


class DuplicateVehicle(VehicleError):
    """The VIN or plate belongs to a car already in the account; `existing` is that car."""

    status = 409

    def __init__(self, existing: Vehicle, field: str) -> None:
        if field == "vin":
            message = _(
                "Your %(car)s already has this VIN; edit that car instead of adding it again.",
                car=existing.display_name,
            )
        else:
            message = _(
                "Your %(car)s already has this plate; edit that car instead of adding it again.",
                car=existing.display_name,
            )
        super().__init__(message, field=field)
        self.existing = existing


def active_vehicles(owner_id: int) -> sa.Select[tuple[Vehicle]]:
    return sa.select(Vehicle).where(Vehicle.owner_id == owner_id, Vehicle.archived_at.is_(None))


def saved_vehicles(owner: User) -> list[Vehicle]:
    """The customer's cars that are not archived, newest model first."""
    return list(
        db.session.scalars(
            active_vehicles(owner.id).order_by(Vehicle.year.desc(), Vehicle.make, Vehicle.id)
        )
    )


def vehicle_of(owner: User, vehicle_id: int) -> Vehicle | None:
    """The customer's own car (archived ones too), or None: never another account's."""
    return db.session.scalar(
        sa.select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.owner_id == owner.id)
    )


def visit_counts(vehicles: list[Vehicle]) -> dict[int, int]:
    """How many visits each car has had (one grouped query)."""
    if not vehicles:
        return {}
    rows = db.session.execute(
        sa.select(Appointment.vehicle_id, sa.func.count())
        .where(Appointment.vehicle_id.in_([v.id for v in vehicles]))
        .group_by(Appointment.vehicle_id)
    )
    return {vehicle_id: count for vehicle_id, count in rows}


def find_same(
    owner_id: int, *, vin: str | None, plate: str, exclude: int | None = None
) -> tuple[Vehicle, str] | None:
    """The active car in the account with this VIN (first) or plate, and which one matched."""
    for field, column, value in (("vin", Vehicle.vin, vin), ("plate", Vehicle.plate, plate)):
        if not value:
            continue
        query = active_vehicles(owner_id).where(column == value)
        if exclude is not None:
            query = query.where(Vehicle.id != exclude)
        found = db.session.scalar(query.limit(1))
        if found is not None:
            return found, field
    return None


def _apply(vehicle: Vehicle, car: CarFields) -> None:
    vehicle.year, vehicle.make, vehicle.model = car.year, car.make, car.model
    vehicle.trim, vehicle.colour, vehicle.nickname = car.trim, car.colour, car.nickname
    vehicle.plate, vehicle.vin, vehicle.mileage = car.plate, car.vin, car.mileage


def match_or_add(session: Session, owner: User | None, car: CarFields) -> Vehicle:
    """The car to book, inside the caller's transaction: the account's car with this VIN or plate
    when there is one (a newer mileage is recorded on it), else a new car in the account (or,
    for a guest, a car of the visit alone). Used by the customer's and the staff's booking."""
    if owner is not None:
        same = find_same(owner.id, vin=car.vin, plate=car.plate)
        if same is not None:
            vehicle = same[0]
            if car.mileage is not None and (vehicle.mileage or 0) < car.mileage:
                vehicle.mileage = car.mileage
            return vehicle
    vehicle = Vehicle(owner=owner)
    _apply(vehicle, car)
    if owner is None:
        session.add(vehicle)
        return vehicle
    # A concurrent booking may add the same car first: the unique index refuses this one, and
    # the car it added is the one to book.
    savepoint = session.begin_nested()
    try:
        session.add(vehicle)
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        same = find_same(owner.id, vin=car.vin, plate=car.plate)
        if same is None:
            raise
        return same[0]
    return vehicle


def _duplicate_after_race(owner: User, car: CarFields, exclude: int | None) -> VehicleError:
    db.session.rollback()
    same = find_same(owner.id, vin=car.vin, plate=car.plate, exclude=exclude)
    if same is not None:
        return DuplicateVehicle(*same)
    return VehicleError(_("This car couldn't be saved; try again."))


def add_vehicle(owner: User, car: CarFields) -> Vehicle:
    """Save a new car in the account; DuplicateVehicle names the car that has its VIN or plate."""
    try:
        with write_transaction() as session:
            same = find_same(owner.id, vin=car.vin, plate=car.plate)
            if same is not None:
                raise DuplicateVehicle(*same)
            vehicle = Vehicle(owner_id=owner.id)
            _apply(vehicle, car)
            session.add(vehicle)
            session.flush()
            return vehicle
    except IntegrityError:
        raise _duplicate_after_race(owner, car, None) from None


def update_vehicle(owner: User, vehicle_id: int, car: CarFields) -> Vehicle:
    """Change one of the account's cars (not an archived one)."""
    try:
        with write_transaction() as session:
            vehicle = vehicle_of(owner, vehicle_id)
            if vehicle is None or vehicle.archived:
                raise VehicleNotFound()
            same = find_same(owner.id, vin=car.vin, plate=car.plate, exclude=vehicle.id)
            if same is not None:
                raise DuplicateVehicle(*same)
            _apply(vehicle, car)
            session.flush()
            return vehicle
    except IntegrityError:
        raise _duplicate_after_race(owner, car, vehicle_id) from None


def remove_vehicle(owner: User, vehicle_id: int, *, now: datetime) -> str:
    """Take a car out of the account: deleted when it never had a visit, else archived (its
    visits keep their car). Returns "deleted" or "archived"."""
    with write_transaction() as session:
        vehicle = vehicle_of(owner, vehicle_id)
        if vehicle is None or vehicle.archived:
            raise VehicleNotFound()
        has_visits = session.scalar(
            sa.select(Appointment.id).where(Appointment.vehicle_id == vehicle.id).limit(1)
        )
        if has_visits is None:
            session.delete(vehicle)
            return "deleted"
        vehicle.archived_at = now
        return "archived"

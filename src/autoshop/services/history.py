"""A customer's visits: what's coming (soonest first), what was done (newest first, a page at a
time) and each car's service record. Every query is scoped to the customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Review, StatusChange, User, Vehicle
from autoshop.services.pages import ResultPage

PER_PAGE = 10

#: What a car's service record lists: the visits where work was done.
WORK_DONE = (AppointmentStatus.COMPLETED,)


@dataclass(frozen=True)
class Page(ResultPage[Appointment]):
    """One page of past visits, with the review of each (if any) by appointment id."""

    reviews: dict[int, Review] = field(default_factory=dict)


def _with_details() -> list[sa.orm.interfaces.LoaderOption]:
    return [
        selectinload(Appointment.services),
        selectinload(Appointment.status_changes).selectinload(StatusChange.changed_by),
        selectinload(Appointment.vehicle),
        selectinload(Appointment.location),
    ]


def reviews_of(appointments: list[Appointment]) -> dict[int, Review]:
    """The reviews of these visits, by appointment id, in one query."""
    ids = [a.id for a in appointments]
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(Review).where(Review.appointment_id.in_(ids)))
    return {r.appointment_id: r for r in rows}


def upcoming_of(customer: User, now: datetime) -> list[Appointment]:
    """The customer's visits still to come, the soonest first."""
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(Appointment.customer_id == customer.id, Appointment.starts_at >= now)
            .options(*_with_details())
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def past_of(customer: User, now: datetime, *, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The customer's earlier visits, the newest first, one page of them."""
    where = (Appointment.customer_id == customer.id, Appointment.starts_at < now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment).where(*where))
    pages = max(((total or 0) + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    rows = list(
        db.session.scalars(
            sa.select(Appointment)
            .where(*where)
            .options(*_with_details())
            .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(rows=rows, total=total or 0, page=page, per_page=per_page, reviews=reviews_of(rows))


def vehicle_of(customer: User, vehicle_id: int) -> Vehicle | None:
    """The customer's own vehicle, or None (someone else's car is as good as missing)."""
    vehicle = db.session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.owner_id != customer.id:
        return None
    return vehicle


def vehicle_record(customer: User, vehicle: Vehicle) -> list[Appointment]:
    """The work done on the customer's car, the newest first."""
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(
                Appointment.customer_id == customer.id,
                Appointment.vehicle_id == vehicle.id,
                Appointment.status.in_(WORK_DONE),
            )
            .options(*_with_details())
            .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        )
    )


def appointment_of(customer: User, reference: str) -> Appointment | None:
    """The customer's own visit by its reference, or None."""
    return db.session.scalar(
        sa.select(Appointment).where(
            Appointment.reference == reference, Appointment.customer_id == customer.id
        )
    )


def customer_notes(appointment: Appointment) -> list[StatusChange]:
    """The status changes with a note for the customer (the timeline's words), oldest first.
    Staff-internal notes live in `Appointment.staff_notes` and are never part of this."""
    return [c for c in appointment.status_changes if c.note.strip()]

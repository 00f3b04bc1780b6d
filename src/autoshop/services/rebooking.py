"""What a cancellation message offers: who cancelled and why, and a link to book again."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import sqlalchemy as sa

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Service
from autoshop.services.manage_links import public_url

BOOK_PATH = "/book"


@dataclass(frozen=True)
class Cancellation:
    by_shop: bool
    reason: str


def cancellation_of(appointment: Appointment) -> Cancellation:
    """Who cancelled the visit (staff: the shop) and the reason they gave, from its trail."""
    changes = [c for c in appointment.status_changes if c.to_status is AppointmentStatus.CANCELLED]
    if not changes:
        return Cancellation(by_shop=False, reason="")
    last = changes[-1]
    by_shop = last.changed_by is not None and last.changed_by.is_staff
    return Cancellation(by_shop=by_shop, reason=(last.note or "").strip() if by_shop else "")


def rebook_url(appointment: Appointment) -> str:
    """/book with the visit's services already chosen when every one is still offered online,
    else plain /book (the flow would refuse a service that is no longer offered)."""
    ids = [s.service_id for s in appointment.services]
    if ids and None not in ids:
        offered = set(
            db.session.scalars(sa.select(Service.id).where(Service.id.in_(ids), Service.active))
        )
        if offered == set(ids):
            return public_url(f"{BOOK_PATH}?{urlencode([('services', i) for i in ids])}")
    return public_url(BOOK_PATH)


@dataclass(frozen=True)
class Rebooking:
    """What "Book again" pre-fills: the visit's services still offered, and the names of those
    that aren't any more (left out, and said so)."""

    service_ids: list[int]
    dropped: list[str]


def rebooking_of(appointment: Appointment) -> Rebooking:
    """The visit's services as they can be booked today, in the visit's order."""
    ids = [s.service_id for s in appointment.services if s.service_id is not None]
    offered = (
        set(db.session.scalars(sa.select(Service.id).where(Service.id.in_(ids), Service.active)))
        if ids
        else set()
    )
    kept: list[int] = []
    dropped: list[str] = []
    for snapshot in appointment.services:
        service_id = snapshot.service_id
        if service_id is not None and service_id in offered:
            if service_id not in kept:
                kept.append(service_id)
        else:
            dropped.append(snapshot.name)
    return Rebooking(kept, dropped)

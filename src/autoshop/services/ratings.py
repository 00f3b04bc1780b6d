"""What customers say about each service, for the public pages and the API.

A service's ratings are the visible reviews of completed visits that included it. Aggregates come
from one grouped query for the whole catalog, the latest reviews from one windowed query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, AppointmentService, Review, User


@dataclass(frozen=True)
class Rating:
    average: float | None
    count: int

    @property
    def rounded(self) -> str:
        return f"{self.average:.1f}" if self.average is not None else ""


NO_RATING = Rating(None, 0)


@dataclass(frozen=True)
class PublicReview:
    """A review as the public sees it: the reviewer's first name and initial, never more."""

    id: int
    service_id: int
    reviewer: str
    rating: int
    comment: str
    created_at: datetime
    reply: str
    replied_at: datetime | None


def reviewer_name(first_name: str, last_name: str) -> str:
    """'Dana K.' from 'Dana' and 'Kowalski'; 'A customer' without a first name."""
    first = (first_name or "").strip().split(" ")[0]
    initial = (last_name or "").strip()[:1].upper()
    if not first:
        return _("A customer")
    return f"{first} {initial}." if initial else first


def _visits_of_services() -> sa.Subquery:
    """(service_id, appointment_id) once per pair, for visible reviews of completed visits."""
    return (
        sa.select(AppointmentService.service_id, Review.id.label("review_id"))
        .join(Appointment, Appointment.id == AppointmentService.appointment_id)
        .join(Review, Review.appointment_id == Appointment.id)
        .where(
            AppointmentService.service_id.is_not(None),
            Appointment.status == AppointmentStatus.COMPLETED,
            Review.hidden.is_(False),
        )
        .distinct()
        .subquery()
    )


def ratings_by_service(service_ids: list[int] | None = None) -> dict[int, Rating]:
    """Average and count per service, in one grouped query (services without ratings absent)."""
    pairs = _visits_of_services()
    stmt = (
        sa.select(
            pairs.c.service_id,
            sa.func.avg(Review.rating),
            sa.func.count(Review.id),
        )
        .join(Review, Review.id == pairs.c.review_id)
        .group_by(pairs.c.service_id)
    )
    if service_ids is not None:
        stmt = stmt.where(pairs.c.service_id.in_(service_ids))
    return {
        service_id: Rating(round(float(average), 2), int(count))
        for service_id, average, count in db.session.execute(stmt)
    }


def latest_reviews(
    service_ids: list[int] | None = None, *, per_service: int = 3
) -> dict[int, list[PublicReview]]:
    """The newest visible reviews of each service, `per_service` of them, in one query."""
    pairs = _visits_of_services()
    rank = (
        sa.func.row_number()
        .over(
            partition_by=pairs.c.service_id, order_by=(Review.created_at.desc(), Review.id.desc())
        )
        .label("rank")
    )
    inner = (
        sa.select(
            pairs.c.service_id,
            Review.id,
            Review.rating,
            Review.comment,
            Review.created_at,
            Review.staff_reply,
            Review.replied_at,
            User.first_name,
            User.last_name,
            Appointment.guest_name,
            rank,
        )
        .join(Review, Review.id == pairs.c.review_id)
        .join(Appointment, Appointment.id == Review.appointment_id)
        .outerjoin(User, User.id == Appointment.customer_id)
    )
    if service_ids is not None:
        inner = inner.where(pairs.c.service_id.in_(service_ids))
    ranked = inner.subquery()
    rows = db.session.execute(
        sa.select(ranked)
        .where(ranked.c.rank <= per_service)
        .order_by(ranked.c.service_id, ranked.c.rank)
    )
    out: dict[int, list[PublicReview]] = {}
    for row in rows:
        if row.first_name is not None:
            name = reviewer_name(row.first_name, row.last_name)
        else:
            first, _, rest = (row.guest_name or "").strip().partition(" ")
            name = reviewer_name(first, rest.strip().split(" ")[-1] if rest else "")
        out.setdefault(row.service_id, []).append(
            PublicReview(
                id=row.id,
                service_id=row.service_id,
                reviewer=name,
                rating=row.rating,
                comment=row.comment,
                created_at=row.created_at,
                reply=row.staff_reply,
                replied_at=row.replied_at,
            )
        )
    return out

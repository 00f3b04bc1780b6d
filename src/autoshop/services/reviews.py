"""Customers review completed work: one review per appointment, reached by a signed link."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Review
from autoshop.services.manage_links import public_url
from autoshop.services.transactions import write_transaction

SALT = "autoshop.review"
VALID_FOR = timedelta(days=60)
MAX_COMMENT = 2000
REVIEW_PATH = "/reviews/{token}"


class ReviewError(ValueError):
    """Something the customer can fix or needs to know; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def review_url(appointment: Appointment) -> str:
    token = _serializer().dumps({"a": appointment.id, "r": appointment.reference})
    return public_url(REVIEW_PATH.format(token=token))


def appointment_for(token: str) -> Appointment:
    try:
        data = _serializer().loads(token, max_age=int(VALID_FOR.total_seconds()))
    except SignatureExpired as exc:
        raise ReviewError("This review link has expired. Thank you all the same!") from exc
    except BadSignature as exc:
        raise ReviewError("This review link isn't valid; use the one from your email.") from exc
    appointment = db.session.get(Appointment, data.get("a")) if isinstance(data, dict) else None
    if appointment is None or appointment.reference != data.get("r"):
        raise ReviewError("We couldn't find that visit.")
    return appointment


def review_of(appointment: Appointment) -> Review | None:
    return db.session.scalar(sa.select(Review).where(Review.appointment_id == appointment.id))


def submit_review(appointment: Appointment, *, rating: int, comment: str, now: datetime) -> Review:
    """Save the visit's review and return it; a second post for the visit (a double click, two
    tabs) is the same action and returns the review already saved, whatever it says."""
    if appointment.status is not AppointmentStatus.COMPLETED:
        raise ReviewError("You can review a visit once the work is complete.")
    if not 1 <= rating <= 5:
        raise ReviewError("Choose from 1 to 5 stars.", field="rating")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ReviewError(f"Keep the comment under {MAX_COMMENT} characters.", field="comment")
    with write_transaction() as session:
        existing = review_of(appointment)
        if existing is not None:
            return existing
        review = Review(
            appointment_id=appointment.id, rating=rating, comment=comment, created_at=now
        )
        savepoint = session.begin_nested()
        try:
            session.add(review)
            savepoint.commit()
        except IntegrityError:
            # PostgreSQL: a concurrent post for this visit inserted first; the unique index
            # waited for it to commit. (SQLite's writers are serialised: the check above sees it.)
            savepoint.rollback()
            existing = review_of(appointment)
            if existing is None:
                raise
            return existing
    return review

"""Customers review completed work: one review per appointment, reached by a signed link."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from autoshop.domain import bounds
from autoshop.domain.choices import Role
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, Review, ReviewEvent, User
from autoshop.services.manage_links import public_url
from autoshop.services.transactions import write_transaction

SALT = "autoshop.review"
VALID_FOR = timedelta(days=60)
MAX_COMMENT = 2000
MAX_REPLY = 2000
MAX_HIDE_REASON = 300
#: How long its author may change a review after writing it; then it is read-only.
EDIT_WINDOW = timedelta(days=7)
REVIEW_PATH = "/reviews/{token}"


class ReviewError(ValueError):
    """Something the customer can fix or needs to know; `field` names the form field, `status`
    the HTTP status a refusal that no form field can show is answered with."""

    def __init__(self, message: str, field: str | None = None, *, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def review_url(appointment: Appointment) -> str:
    token = _serializer().dumps({"a": appointment.id, "r": appointment.reference})
    return public_url(REVIEW_PATH.format(token=token))


def appointment_for(token: str) -> Appointment:
    try:
        data = _serializer().loads(token, max_age=int(VALID_FOR.total_seconds()))
    except SignatureExpired as exc:
        raise ReviewError(_("This review link has expired. Thank you all the same!")) from exc
    except BadSignature as exc:
        raise ReviewError(_("This review link isn't valid; use the one from your email.")) from exc
    appointment = db.session.get(Appointment, data.get("a")) if isinstance(data, dict) else None
    if appointment is None or appointment.reference != data.get("r"):
        raise ReviewError(_("We couldn't find that visit."))
    return appointment


def review_of(appointment: Appointment) -> Review | None:
    return db.session.scalar(sa.select(Review).where(Review.appointment_id == appointment.id))


def _checked(rating: int, comment: str) -> str:
    """The comment as it will be stored; a ReviewError for a rating or comment out of bounds."""
    if not 1 <= rating <= 5:
        raise ReviewError(_("Choose from 1 to 5 stars."), field="rating", status=422)
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ReviewError(
            _("Keep the comment under %(limit)s characters.", limit=MAX_COMMENT),
            field="comment",
            status=422,
        )
    if problem := bounds.text_problem(comment):
        raise ReviewError(problem, field="comment", status=422)
    return comment


def submit_review(
    appointment: Appointment,
    *,
    rating: int,
    comment: str,
    now: datetime,
    author: User | None = None,
) -> Review:
    """Save the visit's review and return it; a second post for the visit (a double click, two
    tabs) is the same action and returns the review already saved, whatever it says.
    `author` is the signed-in customer (None: the signed link from the email vouches)."""
    if author is not None and appointment.customer_id != author.id:
        raise ReviewError(_("We couldn't find that visit."), status=404)
    if appointment.status is not AppointmentStatus.COMPLETED:
        raise ReviewError(_("You can review a visit once the work is complete."))
    comment = _checked(rating, comment)
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


def editable_until(review: Review) -> datetime:
    return review.created_at + EDIT_WINDOW


def can_edit(review: Review, now: datetime) -> bool:
    """Its author may still change the review (for EDIT_WINDOW after writing it)."""
    return now < editable_until(review)


def _locked(session: sa.orm.Session, review_id: int) -> Review:
    review = session.get(Review, review_id, with_for_update=True, populate_existing=True)
    if review is None:
        raise ReviewError(_("That review doesn't exist."), status=404)
    return review


def edit_review(
    review_id: int, *, author: User, rating: int, comment: str, now: datetime
) -> Review:
    """Change a review's rating and comment: its author only, within EDIT_WINDOW of writing it."""
    comment = _checked(rating, comment)
    with write_transaction() as session:
        review = _locked(session, review_id)
        if review.appointment.customer_id != author.id:
            raise ReviewError(_("We couldn't find that visit."), status=404)
        if not can_edit(review, now):
            raise ReviewError(
                _(
                    "A review can be changed for 7 days after it was written; this one can't be "
                    "changed any more."
                ),
                status=403,
            )
        review.rating = rating
        review.comment = comment
        review.updated_at = now
    return review


def _require_admin(staff: User) -> None:
    if not staff.has_role(Role.ADMIN.value):
        raise ReviewError(_("Only the shop's admins can moderate reviews."), status=403)


def reply(review_id: int, *, staff: User, text: str, now: datetime) -> Review:
    """The shop's public answer to a review; an empty text takes the answer back."""
    _require_admin(staff)
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise ReviewError(
            _("Keep the reply under %(limit)s characters.", limit=MAX_REPLY),
            field="reply",
            status=422,
        )
    if problem := bounds.text_problem(text):
        raise ReviewError(problem, field="reply", status=422)
    with write_transaction() as session:
        review = _locked(session, review_id)
        if text == review.staff_reply:
            return review
        review.staff_reply = text
        review.replied_at = now if text else None
        review.replied_by_id = staff.id if text else None
        session.add(
            ReviewEvent(
                review=review,
                action="replied" if text else "reply removed",
                actor_id=staff.id,
                at=now,
            )
        )
    return review


def hide(review_id: int, *, staff: User, reason: str, now: datetime) -> Review:
    """Take an abusive review off the public pages; the reason is kept with who and when."""
    _require_admin(staff)
    reason = bounds.one_line(reason)
    if not reason:
        raise ReviewError(_("Say why the review is hidden."), field="reason", status=422)
    if len(reason) > MAX_HIDE_REASON:
        raise ReviewError(
            _("Keep the reason under %(limit)s characters.", limit=MAX_HIDE_REASON),
            field="reason",
            status=422,
        )
    with write_transaction() as session:
        review = _locked(session, review_id)
        if review.hidden:
            return review
        review.hidden = True
        review.hidden_reason = reason
        review.hidden_by_id = staff.id
        review.hidden_at = now
        session.add(
            ReviewEvent(review=review, action="hidden", actor_id=staff.id, at=now, reason=reason)
        )
    return review


def unhide(review_id: int, *, staff: User, now: datetime) -> Review:
    """Show a hidden review again; the audit keeps that it was hidden, by whom and why."""
    _require_admin(staff)
    with write_transaction() as session:
        review = _locked(session, review_id)
        if not review.hidden:
            return review
        review.hidden = False
        review.hidden_reason = ""
        review.hidden_by_id = None
        review.hidden_at = None
        session.add(ReviewEvent(review=review, action="shown again", actor_id=staff.id, at=now))
    return review

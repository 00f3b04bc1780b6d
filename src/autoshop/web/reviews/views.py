from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.domain.status import AppointmentStatus
from autoshop.i18n import _
from autoshop.models import Review
from autoshop.services import history, reviews
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.reviews import bp
from autoshop.web.reviews.forms import ReviewForm


@bp.route("/reviews/<token>", methods=["GET", "POST"])
def review(token: str) -> str | tuple[str, int] | Response:
    try:
        appointment = reviews.appointment_for(token)
    except reviews.ReviewError as exc:
        return render_template("reviews/unavailable.html", message=exc.message), 404
    existing = reviews.review_of(appointment)
    if existing is not None:
        return render_template("reviews/thanks.html", review=existing, appointment=appointment)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            done = reviews.submit_review(
                appointment,
                rating=int(form.rating.data),
                comment=form.comment.data or "",
                now=utcnow(),
            )
        except reviews.ReviewError as exc:
            target = getattr(form, exc.field) if exc.field else None
            if target is not None:
                target.errors = [*target.errors, exc.message]
            else:
                return render_template("reviews/unavailable.html", message=exc.message), 409
        else:
            return render_template("reviews/thanks.html", review=done, appointment=appointment)
    return render_template("reviews/review.html", form=form, appointment=appointment)


def _form_error(form: ReviewForm, exc: reviews.ReviewError) -> bool:
    """Show the error on its form field; False when no field can show it."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is None:
        return False
    target.errors = [*target.errors, exc.message]
    return True


@bp.route("/appointments/<reference>/review", methods=["GET", "POST"])
@role_required("customer")
def mine(reference: str) -> str | tuple[str, int] | Response:
    """A signed-in customer reviews their completed visit, or changes their review while they
    still may (EDIT_WINDOW after writing it); after that it is read-only."""
    now = utcnow()
    customer = current_user._get_current_object()
    appointment = history.appointment_of(customer, reference)
    if appointment is None:
        abort(404)
    if appointment.status is not AppointmentStatus.COMPLETED:
        message = _("You can review a visit once the work is complete.")
        return render_template("reviews/unavailable.html", message=message), 409
    existing = reviews.review_of(appointment)
    editable = existing is None or reviews.can_edit(existing, now)
    context = {"appointment": appointment, "review": existing, "editable": editable}
    if existing is not None and not editable:
        if request.method == "POST":
            flash(_("A review can be changed for 7 days after it was written."), "warning")
            return render_template("reviews/mine.html", form=None, **context), 403
        return render_template("reviews/mine.html", form=None, **context)
    form = ReviewForm(obj=None if existing is None else _prefill(existing))
    if existing is not None:
        form.submit.label.text = _("Save changes")
    status = 200
    if form.validate_on_submit():
        rating, comment = int(form.rating.data), form.comment.data or ""
        try:
            if existing is None:
                reviews.submit_review(
                    appointment, rating=rating, comment=comment, now=now, author=customer
                )
                flash(_("Thank you for your review."), "success")
            else:
                reviews.edit_review(
                    existing.id, author=customer, rating=rating, comment=comment, now=now
                )
                flash(_("Your review was updated."), "success")
        except reviews.ReviewError as exc:
            if not _form_error(form, exc):
                return render_template("reviews/unavailable.html", message=exc.message), exc.status
            status = exc.status
        else:
            return redirect(url_for("booking.my_appointments"), 303)
    elif request.method == "POST":
        status = 422
    if existing is not None:
        context["editable_until"] = reviews.editable_until(existing)
    return render_template("reviews/mine.html", form=form, **context), status


class _Prefill:
    def __init__(self, review: Review) -> None:
        self.rating = str(review.rating)
        self.comment = review.comment


def _prefill(review: Review) -> _Prefill:
    return _Prefill(review)

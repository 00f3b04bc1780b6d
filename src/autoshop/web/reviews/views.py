from __future__ import annotations

from flask import render_template
from werkzeug.wrappers import Response

from autoshop.services import reviews
from autoshop.timeutil import utcnow
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

"""Admin: customers' reviews. Reply in public, hide an abusive one with a reason (kept with who
and when, in the review's audit trail), show it again."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_security import current_user

from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Review
from autoshop.services import review_listing, reviews
from autoshop.timeutil import utcnow
from autoshop.web.access import role_required
from autoshop.web.admin import bp


def _show() -> str:
    show = request.values.get("show", "all")
    return show if show in review_listing.SHOWS else "all"


def _page_number() -> int:
    raw = request.values.get("page", "1")
    return int(raw) if raw.isdecimal() and len(raw) < 6 else 1


def _listing(errors: dict[int, dict[str, str]] | None = None, status: int = 200) -> Response:
    show = _show()
    listing = review_listing.search(show, page=_page_number())
    html = render_template(
        "admin/reviews.html",
        listing=listing,
        show=show,
        shows=review_listing.SHOWS,
        event_labels=review_listing.EVENT_LABELS,
        errors=errors or {},
        posted=request.form if request.method == "POST" else {},
    )
    return Response(html, status=status)


@bp.get("/reviews")
@role_required("admin")
def reviews_page() -> Response:
    return _listing()


def _back(review_id: int) -> Response:
    params = {"show": _show()}
    if _page_number() > 1:
        params["page"] = str(_page_number())
    return redirect(url_for("admin.reviews_page", **params) + f"#review-{review_id}", 303)


def _act(review_id: int, action: str) -> Response:
    if db.session.get(Review, review_id) is None:
        abort(404)
    staff = current_user._get_current_object()
    now = utcnow()
    try:
        if action == "reply":
            done = reviews.reply(
                review_id, staff=staff, text=request.form.get("reply", ""), now=now
            )
            flash(
                _("Your reply is published.") if done.staff_reply else _("The reply was removed."),
                "success",
            )
        elif action == "hide":
            reviews.hide(review_id, staff=staff, reason=request.form.get("reason", ""), now=now)
            flash(_("The review is hidden from the public pages."), "success")
        else:
            reviews.unhide(review_id, staff=staff, now=now)
            flash(_("The review is shown again."), "success")
    except reviews.ReviewError as exc:
        db.session.rollback()
        if exc.field is None:
            abort(exc.status)
        return _listing({review_id: {exc.field: exc.message}}, exc.status)
    return _back(review_id)


@bp.post("/reviews/<int:review_id>/reply")
@role_required("admin")
def review_reply(review_id: int) -> Response:
    return _act(review_id, "reply")


@bp.post("/reviews/<int:review_id>/hide")
@role_required("admin")
def review_hide(review_id: int) -> Response:
    return _act(review_id, "hide")


@bp.post("/reviews/<int:review_id>/unhide")
@role_required("admin")
def review_unhide(review_id: int) -> Response:
    return _act(review_id, "unhide")

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request
from flask_security import current_user
from werkzeug.wrappers import Response

from autoshop.extensions import db
from autoshop.i18n import LANGUAGE_COOKIE, LANGUAGES, _, supported
from autoshop.models import Service
from autoshop.services import accounts, catalog, ratings, shop
from autoshop.web.public import bp

#: How long a browser remembers the language picked in the footer.
LANGUAGE_COOKIE_DAYS = 365


@bp.get("/")
def home() -> str:
    return render_template(
        "public/home.html",
        categories=catalog.active_catalog(),
        location=shop.primary_location(),
        hours=shop.weekly_hours(),
    )


@bp.get("/services")
def services() -> str:
    return render_template(
        "public/services.html",
        categories=catalog.active_catalog(),
        ratings=ratings.ratings_by_service(),
        latest=ratings.latest_reviews(per_service=2),
    )


@bp.get("/services/<int:service_id>")
def service(service_id: int) -> str:
    """One service: what it is, its price and time, its rating and what customers said."""
    item = db.session.get(Service, service_id)
    if item is None or not item.active:
        abort(404)
    return render_template(
        "public/service.html",
        service=item,
        rating=ratings.ratings_by_service([item.id]).get(item.id, ratings.NO_RATING),
        reviews=ratings.latest_reviews([item.id], per_service=10).get(item.id, []),
    )


@bp.post("/language")
def choose_language() -> Response:
    """The footer's language picker: remembered by this browser, and on the account of whoever
    is signed in (so their emails and texts speak it too). Back to the page it was picked on."""
    language = supported(request.form.get("language"))
    if language is None:
        abort(400, description=_("Choose one of: %(codes)s.", codes=", ".join(LANGUAGES)))
    if current_user.is_authenticated:
        accounts.choose_language(current_user, language)
    response = redirect(_same_site_path(request.form.get("next")), code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_DAYS * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response


def _same_site_path(target: str | None) -> str:
    """`target` when it is a path on this site, else the home page (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    leaves = parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
    # Browsers read a backslash as a slash ("/\\evil.example" leaves the site); no line breaks.
    if leaves or any(ch in target for ch in "\\\r\n"):
        return "/"
    return target

from __future__ import annotations

from flask import abort, render_template

from autoshop.extensions import db
from autoshop.models import Service
from autoshop.services import catalog, ratings, shop
from autoshop.web.public import bp


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

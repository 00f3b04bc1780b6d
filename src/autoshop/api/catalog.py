"""The public catalog: bookable services and their categories."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from autoshop.api.schemas import ServiceCategorySchema, ServiceSchema
from autoshop.domain.money import describe_price
from autoshop.services import catalog, ratings

blp = Blueprint("catalog", __name__, description="Services and categories customers can book")


@blp.get("/services")
@blp.response(200, ServiceSchema(many=True))
def list_services() -> list[dict[str, Any]]:
    """Every active service, by category and display order, with its customers' rating."""
    rated = ratings.ratings_by_service()
    return [
        {
            "id": s.id,
            "category_id": s.category_id,
            "name": s.name,
            "description": s.description,
            "duration_minutes": s.duration_minutes,
            "price_kind": s.price_kind.value,
            "price_min_cents": s.price_min_cents,
            "price_max_cents": s.price_max_cents,
            "price_label": describe_price(s.price_kind, s.price_min_cents, s.price_max_cents),
            "capability": s.capability.value,
            "rating": _rating(rated.get(s.id, ratings.NO_RATING)),
        }
        for category in catalog.active_catalog()
        for s in category.services
    ]


@blp.get("/service-categories")
@blp.response(200, ServiceCategorySchema(many=True))
def list_categories() -> list[dict[str, Any]]:
    """Categories that have bookable services, in display order."""
    return [
        {
            "id": c.id,
            "name": c.name,
            "description": c.description,
            "sort_order": c.sort_order,
            "service_ids": [s.id for s in c.services],
        }
        for c in catalog.active_catalog()
    ]


def _rating(rating: ratings.Rating) -> dict[str, Any]:
    return {"average": rating.average, "count": rating.count}

"""Service health: lets a load balancer or the IT person check the app and its database."""

from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from autoshop.extensions import db

blp = Blueprint("meta", __name__, description="Service health")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(required=True, metadata={"example": "ok"})


@blp.get("/health")
@blp.response(200, HealthSchema)
def health() -> dict[str, str]:
    """Report whether the app can reach its database."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok", "database": "ok"}

"""Service health: lets a load balancer or the IT person check the app and its database."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from autoshop.api.problems import problem_response
from autoshop.api.schemas import ProblemSchema
from autoshop.errors import problem
from autoshop.i18n import _
from autoshop.services.health import database_state

blp = Blueprint("meta", __name__, description="Service health")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    database = fields.String(
        required=True, metadata={"description": "`ok` when reachable", "example": "ok"}
    )
    engine = fields.String(
        required=True, metadata={"description": "sqlite or postgresql", "example": "postgresql"}
    )
    schema_revision = fields.String(
        required=True,
        metadata={"description": "The migration the database is at", "example": "0002"},
    )


class HealthProblemSchema(ProblemSchema):
    database = fields.String(
        metadata={"description": "`unreachable` or `not migrated`", "example": "unreachable"}
    )


@blp.get("/health")
@blp.response(200, HealthSchema)
@problem_response(blp, 503, "The database can't be reached or has no schema", HealthProblemSchema)
def health() -> dict[str, Any] | Response:
    """Report whether the app can reach its database, and the migration it is at."""
    state = database_state()
    if not state.reachable:
        # The reason goes to the log, not to whoever asks (it can name hosts and users).
        current_app.logger.warning("health: the database is unreachable: %s", state.error)
        return _unavailable(_("The database can't be reached."), "unreachable")
    if state.revision is None:
        return _unavailable(
            _("The database is reachable but has no schema: run `autoshop db upgrade`."),
            "not migrated",
        )
    return {
        "status": "ok",
        "database": "ok",
        "engine": state.engine,
        "schema_revision": state.revision,
    }


def _unavailable(detail: str, state: str) -> Response:
    response = problem(
        503, detail, type_="service-unavailable", title=_("Service unavailable"), database=state
    )
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response

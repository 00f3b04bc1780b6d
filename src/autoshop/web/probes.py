"""Probes for a load balancer or process supervisor: /healthz (alive) and /readyz (can serve)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from autoshop.errors import problem
from autoshop.services.health import app_version, database_state, expected_revision

bp = Blueprint("probes", __name__)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering; says nothing about the database (see /readyz)."""
    return _no_store(jsonify(status="ok", version=app_version()))


@bp.get("/readyz")
def readyz() -> Response:
    """Ready for traffic: the database answers and is at the migration this code needs."""
    state = database_state()
    details: dict[str, Any] = {
        "version": app_version(),
        "engine": state.engine,
        "schema_revision": state.revision,
        "expected_revision": expected_revision(),
    }
    if state.problem:
        if state.error:
            # The reason goes to the log, not to whoever asks (it can name hosts and users).
            current_app.logger.warning("readyz: the database is unreachable: %s", state.error)
        detail = {
            "unreachable": "The database can't be reached.",
            "not migrated": "The database has no schema: run `autoshop db upgrade`.",
            "migration pending": "The database is behind this release: run `autoshop db upgrade`.",
        }[state.problem]
        response = problem(
            503,
            detail,
            type_="not-ready",
            title="Not ready",
            database=state.problem,
            **details,
        )
        response.headers["Retry-After"] = "10"
        return _no_store(response)
    return _no_store(jsonify(status="ready", database="ok", **details))

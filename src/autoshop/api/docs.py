"""A readable page of the API, rendered on the server from the generated OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, render_template

from autoshop.extensions import api

bp = Blueprint("api_docs", __name__)


@bp.get("/docs")
def docs() -> str:
    spec = api.spec.to_dict()
    return render_template("api/docs.html", spec=spec)

"""The JSON API under /api/v1, documented by flask-smorest's generated OpenAPI."""

from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    from autoshop.api.appointments import blp as appointments_blp
    from autoshop.api.availability import blp as availability_blp
    from autoshop.api.catalog import blp as catalog_blp
    from autoshop.api.docs import bp as docs_bp
    from autoshop.api.meta import blp as meta_blp
    from autoshop.extensions import api

    for blueprint in (meta_blp, catalog_blp, availability_blp, appointments_blp):
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    app.register_blueprint(docs_bp, url_prefix="/api/v1")

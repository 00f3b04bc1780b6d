"""The JSON API under /api/v1, documented by flask-smorest's generated OpenAPI."""

from __future__ import annotations

from flask import Flask

from autoshop.extensions import api


def register_api(app: Flask) -> None:
    from autoshop.api.meta import blp as meta_blp

    api.register_blueprint(meta_blp, url_prefix="/api/v1")
    # The API is called with a session cookie or a token header; its writes are not HTML forms.
    from autoshop.extensions import csrf

    csrf.exempt(meta_blp)

"""The application factory: it only wires configuration, extensions, blueprints and handlers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from autoshop import errors, i18n, input_guard, observability, security_setup
from autoshop.config import load_config
from autoshop.db_setup import configure_engines
from autoshop.extensions import api, csrf, db, limiter, migrate


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then apply `overrides` (used by tests)."""
    app = Flask(
        "autoshop",
        # The SQLite file and development mail live here: ./instance unless told otherwise.
        instance_path=os.path.abspath(os.environ.get("AUTOSHOP_INSTANCE_PATH") or "instance"),
        instance_relative_config=True,
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.from_mapping(load_config(instance_path=app.instance_path))
    if overrides:
        app.config.update(overrides)
    _trust_proxies(app)
    observability.init_app(app)
    input_guard.register(app)
    _register_extensions(app)
    _register_blueprints(app)
    errors.register(app)
    _register_commands(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXY_COUNT reverse proxies, take the client's address and scheme from the
    X-Forwarded-* headers they set (so limits per address see clients, not the proxy). With none
    (the default) those headers are ignored: a client can't choose its own address."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def _register_extensions(app: Flask) -> None:
    from autoshop import models  # noqa: F401  (the models must be mapped before use)

    db.init_app(app)
    configure_engines(app)
    migrate.init_app(
        app, db, directory=str(_migrations_dir()), compare_type=True, render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security_setup.init_app(app)
    api.init_app(app)

    from autoshop.web import static_assets
    from autoshop.web.headers import register_security_headers
    from autoshop.web.templating import register_template_helpers

    register_security_headers(app)
    register_template_helpers(app)
    static_assets.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from autoshop.api import register_api
    from autoshop.web import register_web

    register_web(app)
    register_api(app)


def _register_commands(app: Flask) -> None:
    from autoshop.cli import register_commands

    register_commands(app)


def _migrations_dir() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parent / "migrations"

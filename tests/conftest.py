"""The test harness: app and database per engine, factories, logins, live server, browser, axe.

Engines: SQLite always; PostgreSQL when TEST_DATABASE_URL is set. With AUTOSHOP_REQUIRE_POSTGRES=1
(set by CI) a missing TEST_DATABASE_URL fails the run instead of silently testing less.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from autoshop import create_app
from autoshop.extensions import db, limiter
from tests.support.factories import Factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_POSTGRES = os.environ.get("AUTOSHOP_REQUIRE_POSTGRES") == "1"

pytest_plugins = ["tests.support.browser", "tests.support.smtp"]

#: Cheap argon2 for tests (production keeps the strong defaults from config.py).
TEST_CONFIG: dict[str, Any] = {
    "AUTOSHOP_ENV": "testing",
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "SECURITY_PASSWORD_SALT": "test-salt",
    "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": {
        "argon2__memory_cost": 8,
        "argon2__rounds": 1,
        "argon2__parallelism": 1,
    },
    "SERVER_NAME": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SHOP_TIMEZONE": "America/New_York",
}

#: Rows the migrations create and every test keeps.
KEEP_TABLES = {"roles", "alembic_version"}


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not TEST_DATABASE_URL:
        raise pytest.UsageError(
            "AUTOSHOP_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: "
            "the PostgreSQL half of the suite can't run."
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.engine("postgresql")` keeps a test on that engine only (the others' copies
    are deselected, not skipped: they can't apply there)."""
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("engine")
        callspec = getattr(item, "callspec", None)
        engine = callspec.params.get("database_url") if callspec else None
        if marker and engine is not None and engine not in marker.args:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _engine_params() -> list[Any]:
    params: list[Any] = [pytest.param("sqlite", id="sqlite")]
    if TEST_DATABASE_URL:
        params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return params


@pytest.fixture(scope="session", params=_engine_params())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated from empty with the real migrations, once per engine per session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'autoshop-test.sqlite3'}"
    else:
        url = TEST_DATABASE_URL
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        reset_schema()
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def reset_schema() -> None:
    """Empty the test database (ours alone) so the migrations run from nothing."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        meta = sa.MetaData()
        meta.reflect(bind=engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for table in reversed(meta.sorted_tables):
                conn.execute(sa.schema.DropTable(table))


def _empty_tables() -> None:
    tables = [t for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
    engine = db.engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


class RequestIsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test body holds an app context for its own queries; without this, requests would share
    it (and its `g`, its session and any cached current_user) with the test and with each other.
    The test's session is committed around each request, so the test sees what the request wrote.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.commit()
        db.session.expire_all()
        return response


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str) -> Iterator[Flask]:
    """The app on a clean database; `@pytest.mark.settings(KEY=value)` overrides config."""
    overrides = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url}
    for marker in request.node.iter_markers("settings"):
        overrides.update(marker.kwargs)
    application = create_app(overrides)
    application.test_client_class = RequestIsolatedClient
    with application.app_context():
        limiter.reset()
        try:
            yield application
        finally:
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def factories(app: Flask) -> Factories:
    return Factories()


# Short names for the factories a test needs most: make_user(...), make_service(...), ...
@pytest.fixture
def make_user(factories: Factories) -> Callable[..., Any]:
    return factories.user


@pytest.fixture
def make_location(factories: Factories) -> Callable[..., Any]:
    return factories.location


@pytest.fixture
def make_service(factories: Factories) -> Callable[..., Any]:
    return factories.service


@pytest.fixture
def make_vehicle(factories: Factories) -> Callable[..., Any]:
    return factories.vehicle


@pytest.fixture
def make_appointment(factories: Factories) -> Callable[..., Any]:
    return factories.appointment


_CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def submit_form(
    client: FlaskClient, page: str, data: dict[str, Any], *, action: str | None = None, **kw: Any
) -> Any:
    """GET `page`, then POST `data` with the page's CSRF token to `action` (default: the page)."""
    response = client.get(page)
    assert response.status_code == 200, f"GET {page} answered {response.status_code}"
    token = csrf_token_from(response.get_data(as_text=True))
    return client.post(action or page, data={**data, "csrf_token": token}, **kw)


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., Any]:
    """login(user) logs the test client in through the real login form."""

    def _login(
        user: Any, password: str = Factories.PASSWORD, test_client: FlaskClient = client
    ) -> Any:
        response = submit_form(
            test_client, "/account/login", {"email": user.email, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return _login

"""`/api/v1/health`: 200 with the database's state when it answers, 503 problem+json when not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from autoshop import create_app
from autoshop.extensions import db
from tests.conftest import TEST_CONFIG


def test_health_reports_the_database(client, database_url):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "engine": db.engine.dialect.name,
        "schema_revision": revision,
    }


def _unreachable_url(database_url: str, tmp_path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}"  # a folder: SQLite can't open it as a database
    url = sa.make_url(database_url)
    return url.set(host="127.0.0.1", port=1).render_as_string(hide_password=False)  # nobody there


def _app_on(url: str):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, "DATABASE_CONNECT_TIMEOUT": 5})
    return app


def test_health_is_503_problem_json_when_the_database_is_down(database_url, tmp_path):
    app = _app_on(_unreachable_url(database_url, tmp_path))
    with app.app_context():
        try:
            response = app.test_client().get("/api/v1/health")
        finally:
            db.engine.dispose()
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 503
    assert problem["database"] == "unreachable"
    assert problem["type"].endswith("/service-unavailable")
    assert "database can't be reached" in problem["detail"]
    assert "127.0.0.1" not in problem["detail"] and str(tmp_path) not in problem["detail"]
    assert response.headers["Retry-After"] == "30"


@pytest.mark.engine("sqlite")
def test_health_is_503_when_the_database_was_never_migrated(database_url, tmp_path):
    app = _app_on(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with app.app_context():
        try:
            response = app.test_client().get("/api/v1/health")
        finally:
            db.engine.dispose()
    assert response.status_code == 503
    problem = response.get_json()
    assert problem["database"] == "not migrated"
    assert "autoshop db upgrade" in problem["detail"]

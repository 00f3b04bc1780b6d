"""What an operator relies on: JSON logs with request ids and no personal data, the probes
/healthz and /readyz, the version, and `autoshop outbox`."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from autoshop import observability
from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Notification
from autoshop.notifications.worker import run_worker
from autoshop.services.health import app_version, expected_revision
from tests.conftest import submit_form

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Logging as production sets it up (JSON lines), into a buffer: `logs()` parses it."""
    stream = io.StringIO()
    handler = observability.configure_logging("json", "INFO", stream=stream)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line]
    finally:
        logging.getLogger().removeHandler(handler)


def queue(recipient: str, **fields) -> Notification:
    row = Notification(
        channel=fields.pop("channel", NotificationChannel.EMAIL),
        recipient=recipient,
        kind=fields.pop("kind", "test_message"),
        subject=fields.pop("subject", "Reminder: your visit tomorrow"),
        body_text="Hi Rosa, see you tomorrow at 9:00 AM. Call (201) 555-0147 to change it.",
        due_at=fields.pop("due_at", NOW),
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


# --- request ids and the access log ---------------------------------------------------------------


def test_each_request_gets_an_id_returned_and_logged_as_json(client, logs):
    response = client.get("/services")
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 32
    (line,) = [x for x in logs() if x["logger"] == "autoshop.access"]
    assert line["request_id"] == rid
    assert line["route"] == "/services" and line["method"] == "GET"
    assert line["status"] == 200 and isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["timestamp"]
    assert line["user_id"] is None


def test_the_callers_request_id_is_kept_and_a_strange_one_replaced(client, logs):
    assert client.get("/", headers={"X-Request-ID": "lb-7f3a.91"}).headers["X-Request-ID"] == (
        "lb-7f3a.91"
    )
    for strange in ('x", "level": "FAKE', "a" * 200, ""):
        replaced = client.get("/", headers={"X-Request-ID": strange}).headers["X-Request-ID"]
        assert replaced != strange and len(replaced) == 32
    assert all("FAKE" not in json.dumps(x) for x in logs())


def test_problem_json_carries_the_request_id(client):
    response = client.get("/api/v1/appointments/NOPE", headers={"X-Request-ID": "req-42"})
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["request_id"] == "req-42"


def test_the_access_log_names_the_route_not_the_path_with_its_token(client, logs):
    client.get("/appointments/manage/secret-token-value")
    lines = [x for x in logs() if x["logger"] == "autoshop.access"]
    assert lines and lines[-1]["route"] == "/appointments/manage/<token>"
    assert "secret-token-value" not in json.dumps(lines)


def test_the_logged_in_users_id_is_logged(client, logs, make_user):
    user = make_user(email="rosa@example.com", password="tractor-lantern-orbit-93")
    submit_form(
        client, "/account/login", {"email": user.email, "password": "tractor-lantern-orbit-93"}
    )
    client.get("/account/")
    lines = [x for x in logs() if x.get("route") == "/account/"]
    assert lines and lines[-1]["user_id"] == user.id
    assert "rosa@example.com" not in json.dumps(logs())


# --- no personal data at INFO ---------------------------------------------------------------------


def test_the_worker_logs_no_addresses_numbers_or_texts(app, smtp_server, logs):
    app.config.update(smtp_server.mail_settings)
    queue("rosa@example.com")
    queue("+12015550147", channel=NotificationChannel.SMS)
    assert run_worker(app, once=True, clock=lambda: NOW + timedelta(seconds=1)) == 2
    text = json.dumps(logs())
    assert "notification" in text and "sent" in text
    for secret in ("rosa@example.com", "+12015550147", "555-0147", "see you tomorrow"):
        assert secret not in text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("mail for rosa.parks+car@example.co.uk sent", "mail for [email] sent"),
        ("text to +12015550147 queued", "text to [phone] queued"),
        ("call (201) 555-0147 or 201.555.0148", "call [phone] or [phone]"),
        ("visit on 2026-12-01 14:00, ref 7KQ2M9XA, 12 bays", None),
    ],
)
def test_emails_and_phone_numbers_are_masked_at_info(message, expected):
    assert observability.redact(message) == (expected or message)


def test_warnings_keep_the_address_an_operator_must_act_on(logs):
    logging.getLogger("autoshop.test").warning("bounced: %s", "rosa@example.com")
    logging.getLogger("autoshop.test").info("sent to %s", "rosa@example.com")
    messages = [x["message"] for x in logs()]
    assert messages == ["bounced: rosa@example.com", "sent to [email]"]


# --- probes and version ---------------------------------------------------------------------------


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "version": app_version()}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_at_the_current_migration(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready" and body["version"] == app_version()
    assert body["schema_revision"] == body["expected_revision"] == expected_revision()


def test_readyz_is_503_while_a_migration_is_pending(client):
    current = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
    finally:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        db.session.commit()
    assert response.status_code == 503
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert body["database"] == "migration pending" and body["schema_revision"] == "0001"
    assert "autoshop db upgrade" in body["detail"]
    assert response.headers["Retry-After"]


def test_readyz_is_503_when_the_database_is_unreachable():
    from autoshop import create_app
    from tests.conftest import TEST_CONFIG

    nowhere = "postgresql+psycopg://postgres@127.0.0.1:1/autoshop_nowhere"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": nowhere})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert "127.0.0.1:1" not in response.get_data(as_text=True)


def test_the_version_is_in_the_footer(client):
    assert f"AutoShop {app_version()}" in client.get("/").get_data(as_text=True)


# --- autoshop outbox ------------------------------------------------------------------------------


def test_outbox_shows_due_time_attempts_and_last_error(app):
    queue("rosa@example.com", due_at=NOW + timedelta(hours=20), attempts=2, last_error="421 busy")
    queue("sam@example.com", status=NotificationStatus.FAILED, last_error="550 no such user")
    result = app.test_cli_runner().invoke(args=["outbox"])
    assert result.exit_code == 0, result.output
    assert "2026-12-02 11:00" in result.output and "421 busy" in result.output
    assert "sam@example.com" not in result.output

    failed = app.test_cli_runner().invoke(args=["outbox", "--failed"])
    assert "550 no such user" in failed.output and "rosa@example.com" not in failed.output
    both = app.test_cli_runner().invoke(args=["outbox", "--failed", "--all"])
    assert both.exit_code == 2 and "not both" in both.output


def test_the_api_docs_show_each_path_once_as_it_is_called(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "<code>/api/v1/health</code>" in page
    assert "/api/v1/api/v1" not in page


def test_a_log_line_never_loads_the_user_from_the_database(app, logs, make_user):
    """Logging inside a request whose user isn't loaded yet (e.g. while the database is down)
    must not query for them: the line goes out without a user id."""
    make_user(email="rosa@example.com", password="tractor-lantern-orbit-93")
    with app.test_request_context("/services"):
        from flask import g

        g.request_id = "req-1"
        logging.getLogger("autoshop.test").info("no user loaded yet")
        assert "_login_user" not in g
    (line,) = [x for x in logs() if x["message"] == "no user loaded yet"]
    assert line["user_id"] is None and line["request_id"] == "req-1"

"""The console commands an IT person runs: create-admin, create-staff, seed-demo, outbox."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from autoshop.extensions import db
from autoshop.models import Appointment, Bay, BayDowntime, Location, Service, User


def test_seed_demo_builds_the_shop_and_refuses_a_second_run(app):
    import time_machine

    runner = app.test_cli_runner()
    wednesday_1030 = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 10:30 in New York
    with time_machine.travel(wednesday_1030, tick=False):
        result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output

    location = db.session.scalar(sa.select(Location))
    assert location.timezone == "America/New_York"
    bays = db.session.scalars(sa.select(Bay)).all()
    assert len(bays) == 6
    assert sum("lift" in b.capabilities for b in bays) == 5  # four lifts + the alignment rack
    assert sum("alignment" in b.capabilities for b in bays) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Service)) == 12
    hours = {
        (h.weekday, h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M"))
        for h in location.opening_hours
    }
    assert (0, "07:30", "12:00") in hours and (0, "12:30", "18:00") in hours
    assert (5, "08:00", "14:00") in hours and not any(h[0] == 6 for h in hours)
    appointments = db.session.scalars(sa.select(Appointment)).all()
    assert {a.status.value for a in appointments} == {"completed", "in_progress", "scheduled"}
    today = [a for a in appointments if a.starts_at.date() == wednesday_1030.date()]
    assert len(today) == 3  # a full day of jobs for the dashboard and the mechanics
    running = [a for a in today if a.status.value == "in_progress"]
    assert running and [c.to_status.value for c in running[0].status_changes] == [
        "scheduled",
        "checked_in",
        "in_progress",
    ]
    (downtime,) = db.session.scalars(sa.select(BayDowntime)).all()
    assert downtime.bay.name == "Lift 4" and "Hydraulic leak" in downtime.reason
    assert (downtime.starts_at, downtime.ends_at) == (  # Wed 12:00 to Thu 18:00 local
        datetime(2026, 12, 2, 17, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 23, 0, tzinfo=UTC),
    )
    assert not any(a.bay_id == downtime.bay_id for a in appointments)  # no conflict to show

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert "already has data" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Location)) == 1

    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert skipped.exit_code == 0 and "skipped" in skipped.output
    assert "admin@example.com" in skipped.output  # make run prints the logins every time


@pytest.mark.settings(AUTOSHOP_ENV="production")
def test_seed_demo_never_runs_in_production(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "never runs in production" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Location)) == 0


def test_create_admin_reads_the_password_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("AUTOSHOP_ADMIN_PASSWORD", "sturdy-garage-key-2026")
    result = app.test_cli_runner().invoke(args=["create-admin", "boss@example.com"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "boss@example.com"))
    assert [r.name for r in user.roles] == ["admin"]
    assert user.confirmed_at is not None

    client = app.test_client()
    from tests.conftest import submit_form

    response = submit_form(
        client,
        "/account/login",
        {"email": "boss@example.com", "password": "sturdy-garage-key-2026"},
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_create_admin_asks_for_the_password_and_refuses_weak_ones(app, monkeypatch):
    monkeypatch.delenv("AUTOSHOP_ADMIN_PASSWORD", raising=False)
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-admin", "a@example.com"], input="password\npassword\n")
    assert weak.exit_code != 0
    result = runner.invoke(
        args=["create-admin", "a@example.com"],
        input="sturdy-garage-key-2026\nsturdy-garage-key-2026\n",
    )
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(
        args=["create-admin", "a@example.com"],
        input="sturdy-garage-key-2026\nsturdy-garage-key-2026\n",
    )
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_outbox_command_prints_pending_account_mail(app, client, make_user):
    from tests.conftest import submit_form

    make_user(email="forgot@example.com")
    submit_form(client, "/account/reset", {"email": "forgot@example.com"})
    result = app.test_cli_runner().invoke(args=["outbox", "--bodies"])
    assert result.exit_code == 0
    assert "account_reset_instructions to forgot@example.com: Reset your AutoShop password" in (
        result.output
    )
    assert "/account/reset/" in result.output


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SECURITY_PASSWORD_SALT"}}
    env["AUTOSHOP_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "from autoshop.cli import main; main()", "routes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SECRET_KEY is not set" in lines[0]


# --- `.env` is read by every entry point, before the configuration is checked ----------------

#: Settings a test's `.env` states: the process environment must not state them too (it wins).
_CONFIG_VARS = {
    "AUTOSHOP_ENV",
    "SECRET_KEY",
    "SECURITY_PASSWORD_SALT",
    "DATABASE_URL",
    "AUTOSHOP_INSTANCE_PATH",
    "DEV_INBOX",
}


def _run_in(folder, *argv: str, env_extra: dict[str, str] | None = None):
    env = {k: v for k, v in os.environ.items() if k not in _CONFIG_VARS}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, *argv], env=env, capture_output=True, text=True, timeout=60, cwd=folder
    )


_DESCRIBE_WSGI_APP = """
import json
from autoshop.wsgi import app
print(json.dumps({
    "env": app.config["AUTOSHOP_ENV"],
    "secret": app.config["SECRET_KEY"],
    "salt": app.config["SECURITY_PASSWORD_SALT"],
    "database": app.config["SQLALCHEMY_DATABASE_URI"],
    "secure_cookies": app.config["SESSION_COOKIE_SECURE"],
    "dev_inbox": any(r.rule.startswith("/dev/inbox") for r in app.url_map.iter_rules()),
}))
"""


def test_wsgi_reads_production_settings_from_dotenv(tmp_path):
    import json

    (tmp_path / ".env").write_text(
        "AUTOSHOP_ENV=production\n"
        "SECRET_KEY=a-long-random-production-secret\n"
        "SECURITY_PASSWORD_SALT=a-production-salt\n"
        f"DATABASE_URL=sqlite:///{tmp_path / 'shop.sqlite3'}\n"
    )
    result = _run_in(tmp_path, "-c", _DESCRIBE_WSGI_APP)
    assert result.returncode == 0, result.stderr
    app = json.loads(result.stdout.strip().splitlines()[-1])
    assert app == {
        "env": "production",
        "secret": "a-long-random-production-secret",
        "salt": "a-production-salt",
        "database": f"sqlite:///{tmp_path / 'shop.sqlite3'}",
        "secure_cookies": True,
        "dev_inbox": False,
    }

    # The process environment wins over the file.
    result = _run_in(
        tmp_path,
        "-c",
        _DESCRIBE_WSGI_APP,
        env_extra={"SECRET_KEY": "from-the-environment-not-the-file"},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["secret"] == (
        "from-the-environment-not-the-file"
    )


def test_wsgi_refuses_production_from_dotenv_without_a_secret(tmp_path):
    (tmp_path / ".env").write_text("AUTOSHOP_ENV=production\n")
    result = _run_in(tmp_path, "-c", _DESCRIBE_WSGI_APP)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert result.stdout == ""


def test_cli_refuses_production_from_dotenv_in_one_line(tmp_path):
    (tmp_path / ".env").write_text("AUTOSHOP_ENV=production\n")
    result = _run_in(tmp_path, "-c", "from autoshop.cli import main; main()", "routes")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SECRET_KEY is not set" in lines[0], result.stderr


def test_cli_runs_with_the_settings_in_dotenv(tmp_path):
    (tmp_path / ".env").write_text(
        "AUTOSHOP_ENV=production\n"
        "SECRET_KEY=a-long-random-production-secret\n"
        "SECURITY_PASSWORD_SALT=a-production-salt\n"
        f"DATABASE_URL=sqlite:///{tmp_path / 'shop.sqlite3'}\n"
    )
    result = _run_in(tmp_path, "-c", "from autoshop.cli import main; main()", "seed-demo")
    assert result.returncode != 0
    assert "never runs in production" in result.stderr  # it saw AUTOSHOP_ENV from the file
    routes = _run_in(tmp_path, "-c", "from autoshop.cli import main; main()", "routes")
    assert routes.returncode == 0, routes.stderr
    assert "/dev/inbox" not in routes.stdout and "/api/v1/health" in routes.stdout

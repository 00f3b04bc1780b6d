"""The migrations build the schema from empty on each engine and match the models exactly."""

from __future__ import annotations

from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from autoshop.extensions import db


def _diff():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_do_not_drift(app):
    assert _diff() == []


def test_downgrade_to_empty_and_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    with db.engine.connect() as conn:
        names = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
    assert names == set()
    upgrade()
    assert _diff() == []
    from autoshop.models import Role

    assert sorted(r.name for r in db.session.scalars(db.select(Role))) == [
        "admin",
        "customer",
        "mechanic",
    ]


@pytest.mark.engine("sqlite")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_instants_come_back_aware_utc(app, make_appointment):
    from datetime import datetime, timedelta, timezone

    eastern = timezone(timedelta(hours=-5))
    appointment = make_appointment(starts_at=datetime(2026, 12, 1, 9, 0, tzinfo=eastern))
    db.session.expire_all()
    loaded = db.session.get(type(appointment), appointment.id)
    assert loaded.starts_at.utcoffset() == timedelta(0)
    assert loaded.starts_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)

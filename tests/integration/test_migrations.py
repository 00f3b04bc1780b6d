"""The migrations build the schema from empty on each engine and match the models exactly."""

from __future__ import annotations

from datetime import UTC

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from autoshop.extensions import db
from autoshop.models.base import created_on


def _diff():
    with db.engine.connect() as conn:
        dialect = conn.dialect.name
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda item, *_: created_on(item, dialect),
            },
        )
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
def test_every_migration_that_recreates_appointments_on_sqlite_keeps_its_triggers(app):
    """SQLite alters `appointments` by copying it, which drops the no-double-booking triggers:
    down to the revision that made them and up again, they are all still there."""

    def triggers() -> set[str]:
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'appointments'"
            )
            return {name for (name,) in rows}

    at_head = triggers()
    no_double_booking = {name for name in at_head if "overlap" in name}
    assert no_double_booking
    db.session.remove()
    downgrade(revision="0002")
    assert triggers() == no_double_booking
    upgrade()
    assert triggers() == at_head
    assert _diff() == []


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


def _check_names(conn) -> set[tuple[str, str]]:
    inspector = db.inspect(conn)
    return {
        (table, check["name"])
        for table in inspector.get_table_names()
        for check in inspector.get_check_constraints(table)
    }


def test_every_check_constraint_of_the_models_is_in_the_database(app):
    """compare_metadata doesn't compare CHECK constraints: their names are compared here (and
    what they refuse is tested in test_bounds.py)."""
    dialect = db.engine.dialect.name
    expected = {
        (table.name, constraint.name)
        for table in db.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, sa.CheckConstraint)
        and (constraint._ddl_if is None or constraint._ddl_if.dialect in (None, dialect))
    }
    with db.engine.connect() as conn:
        assert _check_names(conn) == expected


def test_upgrade_to_bounds_keeps_data_and_brings_old_values_into_range(app, make_appointment):
    """0004 recreates tables on SQLite: rows, children and the overlap triggers survive, and
    values stored before the bounds existed are brought into range."""
    appointment = make_appointment()
    db.session.remove()
    downgrade(revision="0002")
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE services SET duration_minutes = 1000000000, price_min_cents = 2000000000, "
            "price_max_cents = 2000000000"
        )
        conn.exec_driver_sql(
            "UPDATE locations SET horizon_days = 1000000, reminder_leads_minutes = "
            "'[1440, 0, 99999999, 120, 60, 30, 15]'"
        )
        conn.exec_driver_sql("UPDATE vehicles SET year = 1920, mileage = 99999999")
    upgrade()
    db.session.expire_all()
    from autoshop.models import Appointment, Location, Service, StatusChange, Vehicle

    service = db.session.scalar(sa.select(Service))
    assert (service.duration_minutes, service.price_min_cents) == (1440, 10_000_000)
    location = db.session.scalar(sa.select(Location))
    assert location.horizon_days == 730
    assert location.reminder_leads_minutes == [1440, 120, 60, 30]
    vehicle = db.session.scalar(sa.select(Vehicle))
    assert (vehicle.year, vehicle.mileage) == (1950, None)
    kept = db.session.get(Appointment, appointment.id)
    assert kept is not None and len(kept.services) == 1 and len(location.opening_hours) == 11
    # The overlap rule still holds after the tables were recreated.
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(
            sa.insert(Appointment).values(
                {
                    c.name: getattr(kept, c.key)
                    for c in Appointment.__table__.columns
                    if c.name not in ("id", "reference", "created_at", "updated_at")
                }
                | {"reference": "OVERLAP1"}
            )
        )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StatusChange)) == 0

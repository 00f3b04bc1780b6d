"""Bounds at every edge: CHECK constraints for every number a person enters, and sane years.

The ranges are those documented in autoshop/domain/bounds.py, written out here as they were when
this migration was made. Values already stored outside a range (which could only make pages fail)
are first brought to the nearest bound; a mileage out of range becomes unknown (NULL) and reminder
leads keep only their valid minutes. Appointments and closures outside the years 2000–2100 are
not touched: none can have been booked, and the constraint then refuses the upgrade loudly.

SQLite can't add a constraint to a table, so each table is recreated (batch mode, with foreign
keys off: see env.py) and its triggers (0002's overlap rules) are created again afterwards.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import json

import sqlalchemy as sa
from alembic import op

from autoshop.migration_batch import keeping_triggers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FIRST_INSTANT = "'2000-01-01 00:00:00+00'"
END_INSTANT = "'2101-01-01 00:00:00+00'"
REMINDER_LEADS = (1, 20160)
MAX_REMINDERS = 4

#: (table, column, low, high): clamped before the constraints are added.
CLAMPS = [
    ("locations", "slot_interval_minutes", 5, 240),
    ("locations", "minimum_notice_minutes", 0, 43200),
    ("locations", "horizon_days", 1, 730),
    ("locations", "buffer_minutes", 0, 240),
    ("locations", "cancellation_cutoff_hours", 0, 720),
    ("service_categories", "sort_order", 0, 1000000),
    ("services", "duration_minutes", 1, 1440),
    ("services", "price_min_cents", 0, 10000000),
    ("services", "price_max_cents", 0, 10000000),
    ("services", "sort_order", 0, 1000000),
    ("appointment_services", "duration_minutes", 1, 1440),
    ("appointment_services", "price_min_cents", 0, 10000000),
    ("appointment_services", "price_max_cents", 0, 10000000),
    ("bays", "sort_order", 0, 1000000),
    ("vehicles", "year", 1950, 2100),
]


def _between(column, low, high, nullable=False):
    condition = f"{column} BETWEEN {low} AND {high}"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def _reminder_leads(dialect):
    column, (low, high) = "reminder_leads_minutes", REMINDER_LEADS
    if dialect == "sqlite":
        items = " AND ".join(
            f"(json_type({column}, '$[{i}]') IS NULL OR (json_type({column}, '$[{i}]') = "
            f"'integer' AND json_extract({column}, '$[{i}]') BETWEEN {low} AND {high}))"
            for i in range(MAX_REMINDERS)
        )
        return (
            f"json_valid({column}) AND json_type({column}) = 'array' "
            f"AND json_array_length({column}) <= {MAX_REMINDERS} AND {items}"
        )
    items = " AND ".join(
        f"CASE WHEN {column} -> {i} IS NULL THEN true "
        f"WHEN json_typeof({column} -> {i}) <> 'number' THEN false "
        f"ELSE ({column} ->> {i})::numeric BETWEEN {low} AND {high} "
        f"AND scale(({column} ->> {i})::numeric) = 0 END"
        for i in range(MAX_REMINDERS)
    )
    return (
        f"CASE WHEN json_typeof({column}) <> 'array' THEN false "
        f"WHEN json_array_length({column}) > {MAX_REMINDERS} THEN false "
        f"ELSE {items} END"
    )


def _within_years(first, last):
    return f"{first} >= {FIRST_INSTANT} AND {last} < {END_INSTANT}"


def _changes(dialect):
    """{table: (constraints replaced: {name: old condition}, added: {name: condition})}."""
    prices = {
        "price_min_cents_range": _between("price_min_cents", 0, 10000000, nullable=True),
        "price_max_cents_range": _between("price_max_cents", 0, 10000000, nullable=True),
    }
    sort_order = {"sort_order_range": _between("sort_order", 0, 1000000)}
    return {
        "locations": (
            {
                "slot_interval_positive": "slot_interval_minutes > 0",
                "notice_not_negative": "minimum_notice_minutes >= 0",
                "horizon_positive": "horizon_days > 0",
                "buffer_not_negative": "buffer_minutes >= 0",
                "cutoff_not_negative": "cancellation_cutoff_hours >= 0",
            },
            {
                "slot_interval_range": _between("slot_interval_minutes", 5, 240),
                "notice_range": _between("minimum_notice_minutes", 0, 43200),
                "horizon_range": _between("horizon_days", 1, 730),
                "buffer_range": _between("buffer_minutes", 0, 240),
                "cutoff_range": _between("cancellation_cutoff_hours", 0, 720),
                "reminder_leads_range": _reminder_leads(dialect),
            },
        ),
        "service_categories": ({}, sort_order),
        "services": (
            {"duration_positive": "duration_minutes > 0"},
            {"duration_range": _between("duration_minutes", 1, 1440), **prices, **sort_order},
        ),
        "appointment_services": (
            {},
            {"duration_range": _between("duration_minutes", 1, 1440), **prices},
        ),
        "bays": ({}, sort_order),
        "vehicles": (
            {
                "year_range": "year BETWEEN 1900 AND 2100",
                "mileage_not_negative": "mileage IS NULL OR mileage >= 0",
            },
            {
                "year_range": _between("year", 1950, 2100),
                "mileage_range": _between("mileage", 0, 2000000, nullable=True),
            },
        ),
        "closures": ({}, {"within_years": _within_years("starts_at", "ends_at")}),
        "appointments": ({}, {"within_years": _within_years("starts_at", "block_ends_at")}),
    }


def _clamp_stored_values():
    for table, column, low, high in CLAMPS:
        op.execute(
            f"UPDATE {table} SET {column} = CASE WHEN {column} < {low} THEN {low} ELSE {high} END "
            f"WHERE {column} < {low} OR {column} > {high}"
        )
    op.execute("UPDATE vehicles SET mileage = NULL WHERE mileage < 0 OR mileage > 2000000")
    conn = op.get_bind()
    locations = sa.table("locations", sa.column("id"), sa.column("reminder_leads_minutes", sa.JSON))
    for row in conn.execute(sa.select(locations.c.id, locations.c.reminder_leads_minutes)):
        leads = row.reminder_leads_minutes
        if isinstance(leads, str):
            leads = json.loads(leads)
        valid = sorted(
            {
                lead
                for lead in (leads if isinstance(leads, list) else [])
                if type(lead) is int and REMINDER_LEADS[0] <= lead <= REMINDER_LEADS[1]
            },
            reverse=True,
        )[:MAX_REMINDERS]
        if valid != leads:
            conn.execute(
                locations.update()
                .where(locations.c.id == row.id)
                .values(reminder_leads_minutes=valid)
            )


def _alter(table, drop, add):
    """Drop the CHECK constraints named in `drop` and add those in `add` ({name: condition})."""
    if op.get_bind().dialect.name != "sqlite":
        for name in drop:
            op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
        for name, condition in add.items():
            op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)
        return
    with keeping_triggers(table) as batch:
        for name in drop:
            batch.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        for name, condition in add.items():
            batch.create_check_constraint(op.f(f"ck_{table}_{name}"), condition)


def upgrade():
    _clamp_stored_values()
    for table, (replaced, added) in _changes(op.get_bind().dialect.name).items():
        _alter(table, replaced, added)


def downgrade():
    for table, (replaced, added) in _changes(op.get_bind().dialect.name).items():
        _alter(table, added, replaced)

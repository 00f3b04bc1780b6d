"""A location's schedule version: a new random number whenever its busy time may have changed.

Availability keeps the busy time it read for a location in a cache per process and uses it again
only while the location's `schedule_version`, read with the location, is the one it was read
under (services/availability.py). Triggers in the database set a new version on every write that
can change a bay's busy time: an appointment, a bay downtime or a waitlist hold inserted, deleted
or moved (bay, times, status, expiry), a bay inserted, deleted or moved to another location. So
every writer counts, the booking service as much as a bulk load or a hand-written UPDATE, and
each web process sees the change in its next request.

The version is random (not a counter) so that it never comes back: not after a rolled-back write
(whose version a request inside that transaction may have cached), nor when a location's rows
are deleted and made again with the same id. NULL (a location nothing was written to since
this migration) is never cached.

PostgreSQL: inserts and deletes fire once per statement (transition tables: a COPY of a million
appointments sets each location's version once); updates fire per row, and only when a column
that matters changed. SQLite: triggers per row.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Table -> the columns whose change can change busy time. `bays` is keyed by its location, the
# others by their bay.
TABLES = {
    "appointments": ("bay_id", "starts_at", "block_ends_at", "status"),
    "bay_downtimes": ("bay_id", "starts_at", "ends_at"),
    "waitlist_holds": ("bay_id", "starts_at", "block_ends_at", "expires_at", "status"),
    "bays": ("location_id",),
}

PG_NEW_VERSION = "floor(random() * 9007199254740991)::bigint"

PG_FUNCTIONS = f"""
CREATE FUNCTION schedule_version_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'bays' THEN
        IF TG_OP = 'INSERT' THEN
            UPDATE locations SET schedule_version = {PG_NEW_VERSION}
            WHERE id IN (SELECT location_id FROM changed_new);
        ELSE
            UPDATE locations SET schedule_version = {PG_NEW_VERSION}
            WHERE id IN (SELECT location_id FROM changed_old);
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE locations SET schedule_version = {PG_NEW_VERSION}
        WHERE id IN (SELECT b.location_id FROM bays b JOIN changed_new c ON c.bay_id = b.id);
    ELSE
        UPDATE locations SET schedule_version = {PG_NEW_VERSION}
        WHERE id IN (SELECT b.location_id FROM bays b JOIN changed_old c ON c.bay_id = b.id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION schedule_version_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'bays' THEN
        UPDATE locations SET schedule_version = {PG_NEW_VERSION}
        WHERE id IN (OLD.location_id, NEW.location_id);
    ELSE
        UPDATE locations SET schedule_version = {PG_NEW_VERSION}
        WHERE id IN (SELECT location_id FROM bays WHERE id IN (OLD.bay_id, NEW.bay_id));
    END IF;
    RETURN NULL;
END $$;
"""


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


def _sqlite_changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def upgrade():
    op.add_column("locations", sa.Column("schedule_version", sa.BigInteger(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTIONS)
        for table, columns in TABLES.items():
            op.execute(
                f"CREATE TRIGGER tr_{table}_schedule_insert AFTER INSERT ON {table} "
                "REFERENCING NEW TABLE AS changed_new "
                "FOR EACH STATEMENT EXECUTE FUNCTION schedule_version_rows()"
            )
            op.execute(
                f"CREATE TRIGGER tr_{table}_schedule_delete AFTER DELETE ON {table} "
                "REFERENCING OLD TABLE AS changed_old "
                "FOR EACH STATEMENT EXECUTE FUNCTION schedule_version_rows()"
            )
            op.execute(
                f"CREATE TRIGGER tr_{table}_schedule_update "
                f"AFTER UPDATE OF {', '.join(columns)} ON {table} FOR EACH ROW "
                f"WHEN ({_changed(columns)}) EXECUTE FUNCTION schedule_version_row()"
            )
        return
    for table, columns in TABLES.items():
        if table == "bays":
            new, old = "NEW.location_id", "OLD.location_id"
            both = "OLD.location_id, NEW.location_id"
        else:
            new = "(SELECT location_id FROM bays WHERE id = NEW.bay_id)"
            old = "(SELECT location_id FROM bays WHERE id = OLD.bay_id)"
            both = "SELECT location_id FROM bays WHERE id IN (OLD.bay_id, NEW.bay_id)"
        bump = "UPDATE locations SET schedule_version = random() WHERE id"
        op.execute(
            f"CREATE TRIGGER tr_{table}_schedule_insert AFTER INSERT ON {table} "
            f"BEGIN {bump} = {new}; END"
        )
        op.execute(
            f"CREATE TRIGGER tr_{table}_schedule_delete AFTER DELETE ON {table} "
            f"BEGIN {bump} = {old}; END"
        )
        op.execute(
            f"CREATE TRIGGER tr_{table}_schedule_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN {_sqlite_changed(columns)} "
            f"BEGIN {bump} IN ({both}); END"
        )


def downgrade():
    for table in TABLES:
        for event in ("insert", "delete", "update"):
            if op.get_bind().dialect.name == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_schedule_{event} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS tr_{table}_schedule_{event}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS schedule_version_rows()")
        op.execute("DROP FUNCTION IF EXISTS schedule_version_row()")
    op.drop_column("locations", "schedule_version")

"""No double booking: the database refuses overlapping appointments on a bay or a vehicle.

PostgreSQL: exclusion constraints over tstzrange (btree_gist), partial on the statuses that hold
a bay. SQLite: triggers that abort an insert or update overlapping such an appointment.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

HOLDING = (
    "'scheduled', 'checked_in', 'in_progress', 'waiting_on_parts', 'ready_for_pickup', 'completed'"
)

# (name, column, end column, message): a bay is held until the block end (the buffer included);
# a vehicle can't be in two visits at once.
RULES = [
    ("appointments_bay_overlap", "bay_id", "block_ends_at", "appointment_overlaps_bay"),
    ("appointments_vehicle_overlap", "vehicle_id", "ends_at", "appointment_overlaps_vehicle"),
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        for name, column, end, _message in RULES:
            op.execute(
                f"ALTER TABLE appointments ADD CONSTRAINT ex_{name} EXCLUDE USING gist "
                f"({column} WITH =, tstzrange(starts_at, {end}) WITH &&) "
                f"WHERE (status IN ({HOLDING}))"
            )
        return
    for name, column, end, message in RULES:
        condition = (
            f"NEW.status IN ({HOLDING}) AND EXISTS (SELECT 1 FROM appointments AS a "
            f"WHERE a.{column} = NEW.{column} AND a.id IS NOT NEW.id "
            f"AND a.status IN ({HOLDING}) "
            f"AND a.starts_at < NEW.{end} AND NEW.starts_at < a.{end})"
        )
        for event in ("INSERT", f"UPDATE OF {column}, starts_at, ends_at, block_ends_at, status"):
            suffix = "insert" if event == "INSERT" else "update"
            op.execute(
                f"CREATE TRIGGER tr_{name}_{suffix} BEFORE {event} ON appointments "
                f"FOR EACH ROW WHEN {condition} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, *_ in RULES:
            op.execute(f"ALTER TABLE appointments DROP CONSTRAINT IF EXISTS ex_{name}")
        return
    for name, *_ in RULES:
        for suffix in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS tr_{name}_{suffix}")

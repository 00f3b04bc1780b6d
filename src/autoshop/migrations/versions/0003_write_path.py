"""One write path: appointments carry a version; a dedupe key is unique among live messages only.

`appointments.version` is bumped by every write to the row (SQLAlchemy's version counter), so a
form or a board card can say which state it was built from, and a change made from a stale one is
answered "changed meanwhile" instead of overwriting.

`notifications.dedupe_key` was unique over every row, so a visit moved back to a time it had
before collided with its own withdrawn reminders. The key is now unique among rows that are not
cancelled (a partial unique index on both engines).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from autoshop.migration_batch import keeping_triggers

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LIVE = "status <> 'cancelled'"


def upgrade():
    op.add_column(
        "appointments",
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("uq_notifications_dedupe_key", type_="unique")
    op.create_index(
        "uq_notifications_live_dedupe_key",
        "notifications",
        ["dedupe_key"],
        unique=True,
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )


def downgrade():
    op.drop_index("uq_notifications_live_dedupe_key", table_name="notifications")
    # Withdrawn duplicates can't survive the old, stricter constraint.
    op.execute(
        "DELETE FROM notifications WHERE status = 'cancelled' AND dedupe_key IN "
        "(SELECT dedupe_key FROM notifications WHERE status <> 'cancelled')"
    )
    op.execute(
        "UPDATE notifications SET dedupe_key = NULL WHERE status = 'cancelled' AND id NOT IN "
        "(SELECT MIN(id) FROM notifications GROUP BY dedupe_key)"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_notifications_dedupe_key", ["dedupe_key"])
    with keeping_triggers("appointments") as batch_op:
        batch_op.drop_column("version")

"""Guests may agree to texts about their visit when they book.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "appointments",
        sa.Column("guest_sms_opt_in", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops the column by recreating the table, which drops 0002's overlap triggers.
        triggers = [
            sql
            for (sql,) in op.get_bind().execute(
                sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": "appointments"},
            )
        ]
        with op.batch_alter_table("appointments", recreate="always") as batch_op:
            batch_op.drop_column("guest_sms_opt_in")
        for sql in triggers:
            op.execute(sql)
    else:
        op.drop_column("appointments", "guest_sms_opt_in")

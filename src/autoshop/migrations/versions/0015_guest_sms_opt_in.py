"""Guests may agree to texts about their visit when they book.

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from autoshop.migration_batch import keeping_triggers

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
    with keeping_triggers("appointments") as batch_op:
        batch_op.drop_column("guest_sms_opt_in")

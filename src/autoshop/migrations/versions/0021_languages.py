"""Languages: the one each person chose, and the one each visit was booked or waitlisted in.

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from autoshop.migration_batch import keeping_triggers

revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(8), nullable=True))
    op.add_column("appointments", sa.Column("locale", sa.String(8), nullable=True))
    op.add_column("waitlist_entries", sa.Column("locale", sa.String(8), nullable=True))


def downgrade():
    with keeping_triggers("waitlist_entries") as batch_op:
        batch_op.drop_column("locale")
    with keeping_triggers("appointments") as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("locale")

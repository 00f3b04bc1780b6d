"""Caps on waiting customers per interval and on drop-offs per morning, per location.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from autoshop.migration_batch import keeping_triggers

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

COLUMNS = ("wait_cap", "wait_cap_minutes", "drop_off_cap")
CHECKS = {
    "wait_cap_range": "wait_cap IS NULL OR (wait_cap BETWEEN 1 AND 1000)",
    "wait_cap_minutes_range": "wait_cap_minutes IS NULL OR (wait_cap_minutes BETWEEN 5 AND 1440)",
    "wait_cap_pair": "(wait_cap IS NULL) = (wait_cap_minutes IS NULL)",
    "drop_off_cap_range": "drop_off_cap IS NULL OR (drop_off_cap BETWEEN 1 AND 1000)",
}


def upgrade():
    with keeping_triggers("locations") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
        for name, condition in CHECKS.items():
            batch.create_check_constraint(op.f(f"ck_locations_{name}"), condition)


def downgrade():
    with keeping_triggers("locations") as batch:
        for name in CHECKS:
            batch.drop_constraint(op.f(f"ck_locations_{name}"), type_="check")
        for column in COLUMNS:
            batch.drop_column(column)

"""A waitlist hold keeps the technician of the visit it holds, as it keeps the bay: while the
offer is open nobody else is offered (or can book) that technician then.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

import sqlalchemy as sa

from autoshop.migration_batch import keeping_triggers

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

FK_NAME = "fk_waitlist_holds_mechanic_id_users"


def upgrade():
    with keeping_triggers("waitlist_holds") as batch_op:
        batch_op.add_column(sa.Column("mechanic_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK_NAME, "users", ["mechanic_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with keeping_triggers("waitlist_holds") as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.drop_column("mechanic_id")

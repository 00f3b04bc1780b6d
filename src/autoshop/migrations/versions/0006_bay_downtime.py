"""Bay downtime: one bay out of service for a period, with a reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:04:11.804609

"""

import sqlalchemy as sa
from alembic import op

import autoshop.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bay_downtimes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bay_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            autoshop.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "starts_at >= '2000-01-01 00:00:00+00' AND ends_at < '2101-01-01 00:00:00+00'",
            name=op.f("ck_bay_downtimes_within_years"),
        ),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_bay_downtimes_starts_before_ends")),
        sa.ForeignKeyConstraint(
            ["bay_id"], ["bays.id"], name=op.f("fk_bay_downtimes_bay_id_bays"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_bay_downtimes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bay_downtimes")),
    )
    with op.batch_alter_table("bay_downtimes", schema=None) as batch_op:
        batch_op.create_index("ix_bay_downtimes_bay_ends", ["bay_id", "ends_at"], unique=False)


def downgrade():
    with op.batch_alter_table("bay_downtimes", schema=None) as batch_op:
        batch_op.drop_index("ix_bay_downtimes_bay_ends")

    op.drop_table("bay_downtimes")

"""Review moderation (reply and hide with who, when and why; an audit of each action; edits) and
the odometer reading of each visit.

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01 15:07:26.735556

"""

import sqlalchemy as sa
from alembic import op

import autoshop.models.base

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_review_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_events_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_events_review_id"), ["review_id"], unique=False)

    # A plain ADD COLUMN: recreating the table (SQLite's batch mode) would drop its overlap trigger.
    op.add_column("appointments", sa.Column("mileage", sa.Integer(), nullable=True))

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replied_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hidden_reason", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hidden_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("updated_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_replied_by_id_users"),
            "users",
            ["replied_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_hidden_by_id_users"),
            "users",
            ["hidden_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        # The public ratings read visible reviews by visit.
        batch_op.create_index("ix_reviews_visible", ["hidden", "appointment_id"], unique=False)


def downgrade():
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_visible")
        batch_op.drop_constraint(batch_op.f("fk_reviews_hidden_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_reviews_replied_by_id_users"), type_="foreignkey")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("hidden_at")
        batch_op.drop_column("hidden_by_id")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("replied_by_id")

    op.drop_column("appointments", "mileage")

    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_events_review_id"))

    op.drop_table("review_events")

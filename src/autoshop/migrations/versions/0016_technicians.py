"""Technicians: a mechanic's location, weekly working hours, time off and skills.

Revision ID: 0016
Revises: 0020
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import autoshop.models.base

revision = "0016"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "technician_profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_technician_profiles_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_technician_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_technician_profiles")),
    )
    op.create_index(
        op.f("ix_technician_profiles_location_id"),
        "technician_profiles",
        ["location_id"],
        unique=False,
    )
    op.create_table(
        "technician_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_minute", sa.Integer(), nullable=False),
        sa.Column("ends_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_technician_hours_weekday_range")
        ),
        sa.CheckConstraint(
            "starts_minute >= 0 AND starts_minute < ends_minute AND ends_minute <= 1440",
            name=op.f("ck_technician_hours_span_within_day"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["technician_profiles.user_id"],
            name=op.f("fk_technician_hours_user_id_technician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_hours")),
    )
    op.create_index(
        op.f("ix_technician_hours_user_id"), "technician_hours", ["user_id"], unique=False
    )
    op.create_table(
        "technician_time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            autoshop.models.base.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_technician_time_off_starts_before_ends")
        ),
        sa.CheckConstraint(
            "starts_at >= '2000-01-01 00:00:00+00' AND ends_at < '2101-01-01 00:00:00+00'",
            name=op.f("ck_technician_time_off_within_years"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["technician_profiles.user_id"],
            name=op.f("fk_technician_time_off_user_id_technician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_time_off")),
    )
    op.create_index(
        "ix_technician_time_off_user_ends",
        "technician_time_off",
        ["user_id", "ends_at"],
        unique=False,
    )
    op.create_table(
        "technician_skills",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["service_categories.id"],
            name=op.f("fk_technician_skills_category_id_service_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["technician_profiles.user_id"],
            name=op.f("fk_technician_skills_user_id_technician_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "category_id", name=op.f("pk_technician_skills")),
    )
    # The technician dimension reads a mechanic's visits by time: one index for that.
    op.create_index("ix_appointments_mechanic_starts", "appointments", ["mechanic_id", "starts_at"])


def downgrade():
    op.drop_index("ix_appointments_mechanic_starts", table_name="appointments")
    op.drop_table("technician_skills")
    op.drop_index("ix_technician_time_off_user_ends", table_name="technician_time_off")
    op.drop_table("technician_time_off")
    op.drop_index(op.f("ix_technician_hours_user_id"), table_name="technician_hours")
    op.drop_table("technician_hours")
    op.drop_index(op.f("ix_technician_profiles_location_id"), table_name="technician_profiles")
    op.drop_table("technician_profiles")

"""Appointment notes: an append-only list of internal notes and notes for the customer per visit.

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-01 15:07:52.082927

"""

import sqlalchemy as sa
from alembic import op

import autoshop.models.base

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "appointment_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("internal", "customer", name="noteaudience", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(body) BETWEEN 1 AND 1000", name=op.f("ck_appointment_notes_body_length")
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_appointment_notes_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_appointment_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_notes")),
    )
    with op.batch_alter_table("appointment_notes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appointment_notes_appointment_created",
            ["appointment_id", "created_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("appointment_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_notes_appointment_created")

    op.drop_table("appointment_notes")

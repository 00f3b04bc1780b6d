"""Waitlist entries for full days, the slot holds offered from them, calendar feed tokens.

Revision ID: 0011
Revises: 0015
Create Date: 2026-12-01 15:08:09.946550

"""

import sqlalchemy as sa
from alembic import op

import autoshop.models.base

revision = "0011"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feed_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_tokens_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_feed_tokens_live_user",
            ["user_id"],
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("earliest", sa.Time(), nullable=False),
        sa.Column("latest", sa.Time(), nullable=False),
        sa.Column("service_ids", sa.JSON(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("guest_name", sa.String(length=120), nullable=False),
        sa.Column("guest_email", sa.String(length=254), nullable=False),
        sa.Column("guest_phone", sa.String(length=20), nullable=False),
        sa.Column("vehicle_year", sa.Integer(), nullable=True),
        sa.Column("vehicle_make", sa.String(length=60), nullable=False),
        sa.Column("vehicle_model", sa.String(length=60), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "offered",
                "booked",
                "lapsed",
                "left",
                name="entrystatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("joined_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.CheckConstraint("earliest <= latest", name=op.f("ck_waitlist_entries_window_in_order")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_waitlist_entries_appointment_id_appointments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["users.id"],
            name=op.f("fk_waitlist_entries_customer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_waitlist_entries_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_waitlist_entries_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waitlist_entries_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_waitlist_entries_location_day", ["location_id", "day", "joined_at"], unique=False
        )
        batch_op.create_index(
            "uq_waitlist_entries_active_dedupe_key",
            ["dedupe_key"],
            unique=True,
            postgresql_where=sa.text("status IN ('waiting', 'offered')"),
            sqlite_where=sa.text("status IN ('waiting', 'offered')"),
        )

    op.create_table(
        "waitlist_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("bay_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("block_ends_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "held",
                "accepted",
                "expired",
                "released",
                name="holdstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "starts_at < block_ends_at", name=op.f("ck_waitlist_holds_starts_before_ends")
        ),
        sa.ForeignKeyConstraint(
            ["bay_id"], ["bays.id"], name=op.f("fk_waitlist_holds_bay_id_bays"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["waitlist_entries.id"],
            name=op.f("fk_waitlist_holds_entry_id_waitlist_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_holds")),
    )
    with op.batch_alter_table("waitlist_holds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_waitlist_holds_bay_block",
            ["bay_id", "block_ends_at", "starts_at"],
            unique=False,
            postgresql_where=sa.text("status = 'held'"),
            sqlite_where=sa.text("status = 'held'"),
        )
        batch_op.create_index(batch_op.f("ix_waitlist_holds_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            "ix_waitlist_holds_live_expiry",
            ["expires_at"],
            unique=False,
            postgresql_where=sa.text("status = 'held'"),
            sqlite_where=sa.text("status = 'held'"),
        )


def downgrade():
    with op.batch_alter_table("waitlist_holds", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_waitlist_holds_live_expiry",
            postgresql_where=sa.text("status = 'held'"),
            sqlite_where=sa.text("status = 'held'"),
        )
        batch_op.drop_index(batch_op.f("ix_waitlist_holds_entry_id"))
        batch_op.drop_index(
            "ix_waitlist_holds_bay_block",
            postgresql_where=sa.text("status = 'held'"),
            sqlite_where=sa.text("status = 'held'"),
        )

    op.drop_table("waitlist_holds")
    with op.batch_alter_table("waitlist_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_waitlist_entries_active_dedupe_key",
            postgresql_where=sa.text("status IN ('waiting', 'offered')"),
            sqlite_where=sa.text("status IN ('waiting', 'offered')"),
        )
        batch_op.drop_index("ix_waitlist_entries_location_day")
        batch_op.drop_index(batch_op.f("ix_waitlist_entries_customer_id"))

    op.drop_table("waitlist_entries")
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.drop_index("uq_feed_tokens_live_user")
        batch_op.drop_index(batch_op.f("ix_feed_tokens_user_id"))

    op.drop_table("feed_tokens")

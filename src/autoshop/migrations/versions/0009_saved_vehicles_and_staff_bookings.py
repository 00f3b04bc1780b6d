"""Saved vehicles: colour, nickname, archiving, one car per VIN and per plate in an account; and
who on the staff took a phone or walk-in booking.

Plates are stored upper-case without spaces or dashes from now on, so existing ones are
normalized first; where an account already holds the same VIN or plate twice, the older entries
stay and the newer duplicates are archived (their visits keep pointing at them), so the partial
unique indexes (among cars not archived, both engines) can be created.

`appointments.booked_by_id`: SQLite adds the foreign key by recreating the table, which drops
0002's overlap triggers, so they are created again afterwards.

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import autoshop.models.base
from autoshop.migration_batch import keeping_triggers

revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None

ACTIVE_VIN = "archived_at IS NULL AND owner_id IS NOT NULL AND vin IS NOT NULL"
ACTIVE_PLATE = "archived_at IS NULL AND owner_id IS NOT NULL AND plate <> ''"
FK_NAME = "fk_appointments_booked_by_id_users"


def _normalize_vehicles():
    """Plates in their stored form; the newer of two active cars with one VIN or plate archived."""
    bind = op.get_bind()
    vehicles = sa.table(
        "vehicles",
        sa.column("id", sa.Integer),
        sa.column("owner_id", sa.Integer),
        sa.column("vin", sa.String),
        sa.column("plate", sa.String),
        sa.column("archived_at", autoshop.models.base.UTCDateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(vehicles.c.id, vehicles.c.owner_id, vehicles.c.vin, vehicles.c.plate).order_by(
            vehicles.c.id
        )
    ).all()
    seen: set[tuple[str, int, str]] = set()
    for vehicle_id, owner_id, vin, plate in rows:
        clean = "".join((plate or "").split()).replace("-", "").upper()[:16]
        values: dict[str, object] = {}
        if clean != plate:
            values["plate"] = clean
        if owner_id is not None:
            keys = [("vin", owner_id, vin)] if vin else []
            keys += [("plate", owner_id, clean)] if clean else []
            if any(k in seen for k in keys):
                values["archived_at"] = sa.text("CURRENT_TIMESTAMP")
            else:
                seen.update(keys)
        if values:
            bind.execute(vehicles.update().where(vehicles.c.id == vehicle_id).values(**values))


def upgrade():
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("colour", sa.String(length=30), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("nickname", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("archived_at", autoshop.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    _normalize_vehicles()
    op.create_index(
        "uq_vehicles_owner_plate",
        "vehicles",
        ["owner_id", "plate"],
        unique=True,
        postgresql_where=sa.text(ACTIVE_PLATE),
        sqlite_where=sa.text(ACTIVE_PLATE),
    )
    op.create_index(
        "uq_vehicles_owner_vin",
        "vehicles",
        ["owner_id", "vin"],
        unique=True,
        postgresql_where=sa.text(ACTIVE_VIN),
        sqlite_where=sa.text(ACTIVE_VIN),
    )

    with keeping_triggers("appointments") as batch_op:
        batch_op.add_column(sa.Column("booked_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK_NAME, "users", ["booked_by_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with keeping_triggers("appointments") as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.drop_column("booked_by_id")

    op.drop_index("uq_vehicles_owner_vin", table_name="vehicles")
    op.drop_index("uq_vehicles_owner_plate", table_name="vehicles")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
        batch_op.drop_column("nickname")
        batch_op.drop_column("colour")

"""Booking source and appointment search: whether a visit was booked online or by staff, and
the index the staff appointment list searches with.

SQLite adds a foreign key by recreating the table, which drops 0002's overlap triggers: they are
read before and created again after. Existing visits take their source from their first status
change ("Booked by staff." is what the booking service has always written for staff bookings).

Revision ID: 0007
Revises: 0008
Create Date: 2026-12-01 15:07:52.644756

"""

import sqlalchemy as sa
from alembic import op

from autoshop.migration_batch import keeping_triggers

revision = "0007"
down_revision = "0008"
branch_labels = None
depends_on = None

FIRST_CHANGE = (
    "SELECT sc.changed_by_id FROM status_changes AS sc "
    "WHERE sc.appointment_id = appointments.id AND sc.from_status IS NULL "
    "ORDER BY sc.id LIMIT 1"
)
BOOKED_BY_STAFF = (
    "EXISTS (SELECT 1 FROM status_changes AS sc WHERE sc.appointment_id = appointments.id "
    "AND sc.from_status IS NULL AND sc.note = 'Booked by staff.')"
)

#: The staff list's search reads only these, so a date range is searched in the index alone.
SEARCH_COLUMNS = [
    "starts_at",
    "customer_id",
    "vehicle_id",
    "reference",
    "guest_name",
    "guest_email",
    "guest_phone",
]


def upgrade():
    with keeping_triggers("appointments") as batch_op:
        batch_op.add_column(
            sa.Column(
                "source",
                sa.Enum("online", "staff", name="bookingsource", native_enum=False, length=20),
                server_default="online",
                nullable=False,
            )
        )
    op.create_index("ix_appointments_search", "appointments", SEARCH_COLUMNS)
    op.execute(f"UPDATE appointments SET source = 'staff' WHERE {BOOKED_BY_STAFF}")
    op.execute(
        f"UPDATE appointments SET booked_by_id = ({FIRST_CHANGE}) "
        f"WHERE booked_by_id IS NULL AND {BOOKED_BY_STAFF}"
    )


def downgrade():
    op.drop_index("ix_appointments_search", table_name="appointments")
    with keeping_triggers("appointments") as batch_op:
        batch_op.drop_column("source")

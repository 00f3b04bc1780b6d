"""Trigram indexes for the staff search on PostgreSQL: part of a reference, name, email, phone,
plate or VIN is found through pg_trgm GIN indexes instead of scanning the table. pg_trgm ships
with PostgreSQL (a trusted extension: the database's owner may create it). SQLite has no such
index; there nothing changes.

Revision ID: 0020
Revises: 0007
Create Date: 2026-12-01 19:10:00

"""

from alembic import op

revision = "0020"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = {
    "appointments": ("reference", "guest_name", "guest_email", "guest_phone"),
    "users": ("first_name", "last_name", "email", "phone"),
    "vehicles": ("plate", "vin"),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgresql():
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, columns in COLUMNS.items():
        for column in columns:
            op.create_index(
                f"ix_{table}_{column}_trgm",
                table,
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade():
    if not _postgresql():
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)

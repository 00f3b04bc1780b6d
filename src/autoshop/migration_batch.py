"""For migrations: alter a table in a way SQLite can only do by recreating it, keeping its
triggers (0002's no-double-booking triggers live on `appointments`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import op


@contextmanager
def keeping_triggers(table: str) -> Iterator[Any]:
    """`op.batch_alter_table(table)` for the changes made in the block. PostgreSQL alters the
    table in place. SQLite copies it into a new table and drops the old one, which drops its
    triggers: they are read before and created again after."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table(table) as batch_op:
            yield batch_op
        return
    triggers = [
        sql
        for (sql,) in bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": table},
        )
    ]
    with op.batch_alter_table(table, recreate="always") as batch_op:
        yield batch_op
    for sql in triggers:
        op.execute(sql)

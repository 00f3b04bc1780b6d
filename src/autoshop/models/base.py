"""Declarative base, naming conventions and the one column type for instants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant: aware datetimes in, aware UTC datetimes out, on every engine.

    PostgreSQL stores `timestamptz`; SQLite stores the UTC wall time as text. Naive datetimes are
    refused, so local time can never be stored by accident.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def trigram_index(table: str, column: str) -> sa.Index:
    """A PostgreSQL trigram (pg_trgm, GIN) index on a text column: `ILIKE '%text%'` searches
    read it instead of scanning the table. SQLite has no such index; there it is not created."""
    index = sa.Index(
        f"ix_{table}_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    )
    return index.ddl_if(dialect="postgresql")


def created_on(item: object, dialect: str) -> bool:
    """Whether the schema of `dialect` holds `item`: an index limited to other engines with
    `ddl_if(dialect=...)` (like trigram_index) is not in it, so schema comparisons skip it."""
    ddl_if = getattr(item, "_ddl_if", None)
    if ddl_if is None or ddl_if.dialect is None:
        return True
    wanted = ddl_if.dialect
    return dialect == wanted if isinstance(wanted, str) else dialect in wanted


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )

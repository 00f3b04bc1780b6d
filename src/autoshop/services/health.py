"""Whether this process can serve: its database reachable and migrated to the code's schema."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from autoshop.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@functools.cache
def app_version() -> str:
    """The release this code is (pyproject's version, as installed)."""
    try:
        return metadata.version("autoshop")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


@functools.cache
def expected_revision() -> str:
    """The newest migration shipped with this code: the schema it needs."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    return str(head)


@dataclass(frozen=True)
class DatabaseState:
    engine: str
    reachable: bool
    revision: str | None
    error: str = ""

    @property
    def current(self) -> bool:
        return self.reachable and self.revision == expected_revision()

    @property
    def problem(self) -> str:
        """What's wrong, in a word an operator can grep for ("" when nothing is)."""
        if not self.reachable:
            return "unreachable"
        if self.revision is None:
            return "not migrated"
        if self.revision != expected_revision():
            return "migration pending"
        return ""


def database_state() -> DatabaseState:
    engine = db.engine
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            migrated = sa.inspect(conn).has_table("alembic_version")
            revision = (
                conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
                if migrated
                else None
            )
    except SQLAlchemyError as exc:
        return DatabaseState(engine.dialect.name, False, None, error=str(exc))
    return DatabaseState(engine.dialect.name, True, None if revision is None else str(revision))

"""Engine-level settings: SQLite gets WAL, foreign keys, a busy timeout and real transactions;
PostgreSQL a connect timeout."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from autoshop.extensions import db


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (the driver's implicit transactions would skip it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 15000")
    # Reads through a shared memory map instead of each connection's small page cache: the
    # staff appointment list scans a year of an index, which the default 2 MB cache can't hold.
    cursor.execute("PRAGMA mmap_size = 268435456")
    cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    # Writers that asked for it take the write lock up front, so two of them never both read
    # a free slot and then both write (see services.transactions.write_transaction).
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "BEGIN"
    conn.exec_driver_sql(mode)


def configure_engines(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            if engine.url.database and engine.url.database != ":memory:":
                # The default database lives in the instance folder, which may not exist yet.
                Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
            sa.event.listen(engine, "connect", _sqlite_on_connect)
            sa.event.listen(engine, "begin", _sqlite_on_begin)
            engine.dispose()  # connections opened before the listeners must not be reused
        elif engine.dialect.name == "postgresql":
            timeout = int(app.config.get("DATABASE_CONNECT_TIMEOUT", 10))
            sa.event.listen(engine, "do_connect", _connect_timeout(timeout))


def _connect_timeout(seconds: int) -> Any:
    """A database host that doesn't answer fails a request (and the health check) in `seconds`
    instead of hanging until the operating system gives up."""

    def _on_connect(
        _dialect: Any, _record: Any, _cargs: list[Any], cparams: dict[str, Any]
    ) -> None:
        cparams.setdefault("connect_timeout", seconds)

    return _on_connect

"""Transactions that write: on SQLite they take the write lock before their first read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, scoped_session

from autoshop.extensions import db


def begin_write(session: Session | None = None) -> Session:
    """Start a transaction that holds the write lock from its first statement on.

    The execution option reaches the connection before SQLAlchemy begins it, so the `begin`
    listener in db_setup emits BEGIN IMMEDIATE on SQLite (PostgreSQL ignores the option and relies
    on its constraints). A read-only transaction already open is ended first; one with unsaved
    changes is a programming error.
    """
    session = session if session is not None else db.session
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write needs a session without unsaved changes")
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})
    return session


@contextmanager
def write_transaction(session: Session | None = None) -> Iterator[Session]:
    """A use case's transaction: the write lock up front (begin_write), committed when the block
    ends, rolled back if anything in it raises."""
    session = begin_write(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise

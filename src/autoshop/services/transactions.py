"""The one write idiom of the services (DESIGN.md §5).

`write_transaction()` opens a transaction that holds the write lock from its first statement on
SQLite (BEGIN IMMEDIATE), commits when the block ends and rolls back if anything in it raises.
`run_write(work)` runs `work(session)` in one, again from the start when PostgreSQL answers with
a deadlock, a serialization failure or a lock timeout (a bounded number of times; then
`Contended`). Inside, `lock_appointment()` re-reads the row to decide on under a row lock, and
`lock_schedule()` serialises the writers that place visits on the same location's days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, scoped_session

from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.extensions import db
from autoshop.models import Appointment

T = TypeVar("T")

#: PostgreSQL: deadlock_detected, serialization_failure, lock_not_available.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
ATTEMPTS = 4


class Contended(Exception):
    """The write kept losing to concurrent writers; the caller answers 409, never 500."""


def begin_write(session: Session | None = None) -> Session:
    """Start a transaction that holds the write lock from its first statement on.

    The execution option reaches the connection before SQLAlchemy begins it, so the `begin`
    listener in db_setup emits BEGIN IMMEDIATE on SQLite (PostgreSQL ignores the option and relies
    on row locks and constraints). A read-only transaction already open is ended first; one with
    unsaved changes is a programming error.
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


@contextmanager
def unique_write(clash_message: str, field: str) -> Iterator[Session]:
    """write_transaction() for a save whose name must be unique: a unique constraint hit by a
    concurrent save reads as the form error the check before it would have given."""
    try:
        with write_transaction() as session:
            yield session
    except IntegrityError as exc:
        raise ValidationFailed(clash_message, field) from exc


def is_transient(error: BaseException) -> bool:
    """A failure that a fresh attempt of the same transaction may not meet again."""
    if not isinstance(error, DBAPIError):
        return False
    return getattr(error.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def run_write(work: Callable[[Session], T], *, attempts: int = ATTEMPTS) -> T:
    """Run `work` in a write transaction; start over on a transient conflict, at most
    `attempts` times, then raise Contended. `work` must decide only on what it reads itself."""
    for attempt in range(1, attempts + 1):
        try:
            with write_transaction() as session:
                return work(session)
        except DBAPIError as exc:
            if not is_transient(exc):
                raise
            if attempt == attempts:
                raise Contended(str(exc.orig)) from exc
    raise AssertionError("unreachable")


def lock_appointment(session: Session, appointment_id: int) -> Appointment | None:
    """The appointment as it is now, locked until the transaction ends (FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already keeps every other writer out). Objects already
    loaded for it are refreshed, so nothing decides on what was read before."""
    return session.scalar(
        sa.select(Appointment)
        .where(Appointment.id == appointment_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_schedule(session: Session, location_id: int, days: Iterable[date]) -> None:
    """Serialise the writers placing visits on these local days of one location (PostgreSQL
    transaction-scoped advisory locks, taken in date order so two writers never wait on each
    other in a cycle). Without it, concurrent inserts checking the exclusion constraint on the
    same bays deadlock; with it they queue, and each sees the previous one's visit."""
    if session.connection().dialect.name != "postgresql":
        return
    for day in sorted(set(days)):
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(location_id, day.toordinal())))

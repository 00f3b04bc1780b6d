"""Idempotency: one booking request sent twice (a double click, a client retry) is one action.

A request carries a key: the API's `Idempotency-Key` header, or the one-time nonce of the booking
form. The first request that books under a key writes the key, a fingerprint of the request and
the answer it gave into `idempotency_keys` *inside the booking's own transaction*
(BookingRequest.on_booked), so the appointment and its key commit together or not at all.

A second request with the key finds the row and replays the answer. A concurrent twin can't
slip past that check for long: the unique (scope, key) index makes its own insert wait for the
first transaction and then fail (PostgreSQL), or its transaction starts only after the first one
committed (SQLite's BEGIN IMMEDIATE); either way its transaction rolls back, appointment and all,
and it replays the stored answer instead of showing an error. Only successful bookings are
stored: a refused request wrote nothing, so repeating it simply asks again.

Keys are kept for KEEP_FOR (24 hours); older rows are ignored and purge_expired() deletes them
(`autoshop purge-idempotency-keys`, run from cron).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from autoshop.extensions import db
from autoshop.models import Appointment, IdempotencyKey
from autoshop.services import booking
from autoshop.services.transactions import write_transaction

KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Key:
    """A request's key: who sent it (`scope`), the key itself and the request's fingerprint."""

    scope: str
    value: str
    fingerprint: str


@dataclass(frozen=True)
class Stored:
    """The answer recorded for a key."""

    fingerprint: str
    status: int
    body: str
    appointment_id: int | None

    def matches(self, key: Key) -> bool:
        return self.fingerprint == key.fingerprint


def fingerprint(*parts: object) -> str:
    """A stable hash of the request's parts (JSON with sorted keys, so key order doesn't count)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def lookup(key: Key, *, now: datetime) -> Stored | None:
    """The answer stored for the key within the last KEEP_FOR, if any."""
    row = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.scope == key.scope,
            IdempotencyKey.key == key.value,
            IdempotencyKey.created_at > now - KEEP_FOR,
        )
    )
    if row is None:
        return None
    return Stored(row.fingerprint, row.response_status, row.response_body, row.appointment_id)


def _recorder(
    key: Key, now: datetime, respond: Callable[[Appointment], tuple[int, str]]
) -> Callable[[Appointment], None]:
    def record(appointment: Appointment) -> None:
        session = db.session
        # An expired row with the same key would block the insert: it is history now.
        session.execute(
            sa.delete(IdempotencyKey).where(
                IdempotencyKey.scope == key.scope,
                IdempotencyKey.key == key.value,
                IdempotencyKey.created_at <= now - KEEP_FOR,
            )
        )
        status, body = respond(appointment)
        session.add(
            IdempotencyKey(
                scope=key.scope,
                key=key.value,
                fingerprint=key.fingerprint,
                appointment_id=appointment.id,
                response_status=status,
                response_body=body,
                created_at=now,
            )
        )
        session.flush()  # a concurrent twin's key is refused here, and its booking with it

    return record


def book_once(
    req: booking.BookingRequest,
    *,
    now: datetime,
    key: Key | None,
    respond: Callable[[Appointment], tuple[int, str]],
) -> Appointment | Stored:
    """Book, unless a request with the same key already did: then return its Stored answer.

    `respond(appointment)` gives the (status, body) to store for the new appointment; it runs
    inside the booking's transaction. Without a key this is booking.book(). Raises what book()
    raises when no request with the key has succeeded.
    """
    if key is None:
        return booking.book(req, now=now)
    stored = lookup(key, now=now)
    if stored is not None:
        return stored
    req.on_booked = _recorder(key, now, respond)
    try:
        return booking.book(req, now=now)
    except Exception:
        # A twin with the same key may have won meanwhile (our key insert, the bay or the
        # vehicle was refused because of it): its answer is ours. book() rolled back already.
        try:
            stored = lookup(key, now=now)
        except SQLAlchemyError:
            stored = None
        if stored is None:
            raise
        return stored


def purge_expired(*, now: datetime) -> int:
    """Delete the keys older than KEEP_FOR; returns how many went."""
    with write_transaction() as session:
        result = session.execute(
            sa.delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEEP_FOR)
        )
    return int(getattr(result, "rowcount", 0) or 0)


def appointment_of(stored: Stored) -> Appointment | None:
    """The appointment a stored answer is about."""
    if stored.appointment_id is None:
        return None
    return db.session.get(Appointment, stored.appointment_id)

"""Idempotency: one booking request sent twice (a double click, a client retry) is one action.

A request carries a key: the API's `Idempotency-Key` header, or the one-time nonce of the booking
form. The first request that books under a key writes the key, a fingerprint of the request and
the answer it gave into `idempotency_keys` *inside the booking's own transaction*
(BookingRequest.once), so the appointment and its key commit together or not at all.

A second request with the key finds the row and replays the answer. A concurrent twin can't
slip past that check: the key is claimed first thing in the booking's transaction, and the unique
(scope, key) index makes the twin's claim wait for the first transaction (PostgreSQL), or the
twin's transaction starts only after the first one ended (SQLite's BEGIN IMMEDIATE). If the first
booked, the twin's claim fails and it replays the stored answer; if the first was refused, the
twin books. Only successful bookings are stored: a refused request wrote nothing, so repeating it
simply asks again.

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
from sqlalchemy.exc import IntegrityError

from autoshop.extensions import db
from autoshop.models import Appointment, IdempotencyKey
from autoshop.services import booking
from autoshop.services.transactions import write_transaction

KEEP_FOR = timedelta(hours=24)


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


class KeyInProgress(booking.BookingError):
    """Another request with the same key kept being retried meanwhile (pathological)."""

    status = 409

    def __init__(self) -> None:
        super().__init__(
            "A request with this key is still being processed; try again in a moment.",
            kind="idempotency-key-in-progress",
        )


class _KeyTaken(Exception):
    """Our claim lost: a twin holds (PostgreSQL waited for it) or wrote the key."""


class _Once:
    """BookingRequest.once: the key, claimed and recorded inside the booking's transaction."""

    def __init__(
        self, key: Key, now: datetime, respond: Callable[[Appointment], tuple[int, str]]
    ) -> None:
        self.key, self.now, self.respond = key, now, respond
        self.row: IdempotencyKey | None = None

    def claim(self) -> None:
        session = db.session
        # An expired row with the same key would block the insert: it is history now.
        session.execute(
            sa.delete(IdempotencyKey).where(
                IdempotencyKey.scope == self.key.scope,
                IdempotencyKey.key == self.key.value,
                IdempotencyKey.created_at <= self.now - KEEP_FOR,
            )
        )
        self.row = IdempotencyKey(
            scope=self.key.scope,
            key=self.key.value,
            fingerprint=self.key.fingerprint,
            response_status=0,  # set by record() before the transaction commits
            response_body="",
            created_at=self.now,
        )
        session.add(self.row)
        try:
            # A twin's uncommitted row makes this wait (PostgreSQL) until the twin ends.
            session.flush()
        except IntegrityError as exc:
            raise _KeyTaken from exc

    def record(self, appointment: Appointment) -> None:
        assert self.row is not None, "record() before claim()"
        self.row.appointment_id = appointment.id
        self.row.response_status, self.row.response_body = self.respond(appointment)
        db.session.flush()


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
    for _attempt in range(3):
        stored = lookup(key, now=now)
        if stored is not None:
            return stored
        req.once = _Once(key, now, respond)
        try:
            return booking.book(req, now=now)
        except _KeyTaken:
            continue  # the twin committed (read its answer) or rolled back (book again)
    raise KeyInProgress()


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

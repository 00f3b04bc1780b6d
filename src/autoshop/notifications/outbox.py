"""Claiming due outbox rows one at a time and recording what delivery did with them.

Plain functions over a Session; `now` is always passed in. Every write here runs in a short
transaction of its own that takes the write lock first: `FOR UPDATE SKIP LOCKED` on PostgreSQL
(several workers share the table), `BEGIN IMMEDIATE` on SQLite (one writer at a time, so the read
that picks a row and the write that claims it can't interleave with another worker's).

A claim is a lease on one message: short (a minute by default), renewed by the worker while the
send lasts (`renew_lease`), so a worker that dies leaves at most one message behind, due again
within a minute, and a worker that is merely slow keeps what it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from autoshop.domain.choices import NotificationStatus
from autoshop.models import Notification
from autoshop.services.transactions import write_transaction

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 8
#: Rows whose kind starts with this were about an appointment; without one they are moot.
APPOINTMENT_KIND_PREFIX = "appointment_"
#: The subject column's length: a subject rendered at send time is kept to it.
SUBJECT_LENGTH = 255


class OutboxError(ValueError):
    """Something staff asked for can't be done to this message; the message says why."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 30 s, 2 min, 8 min, ... max 1 h."""
    exponent = max(attempts - 1, 0)
    if exponent >= 5:  # 30 s * 4**5 is already past the cap
        return timedelta(hours=1)
    return min(timedelta(seconds=30 * 4**exponent), timedelta(hours=1))


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Pending with `due_at <= now`, or sending with an expired lease (its worker died)."""
    return sa.or_(
        sa.and_(
            Notification.status == NotificationStatus.PENDING,
            Notification.due_at <= now,
        ),
        sa.and_(
            Notification.status == NotificationStatus.SENDING,
            Notification.lease_expires_at < now,
        ),
    )


def claim_next(
    session: Session, *, now: datetime, worker_id: str, lease: timedelta
) -> Notification | None:
    """Claim the next due row for `worker_id` until `now + lease`, commit, and return it.

    One row per claim: what a worker holds is only the message it is sending. Appointment
    messages whose appointment was deleted are cancelled on the way, not returned.
    """
    with write_transaction(session):
        lock = session.connection().dialect.name == "postgresql"
        while True:
            stmt = (
                sa.select(Notification)
                .where(_due(now))
                .order_by(Notification.due_at, Notification.id)
                .limit(1)
                .execution_options(populate_existing=True)
            )
            if lock:
                stmt = stmt.with_for_update(skip_locked=True)
            row = session.scalars(stmt).first()
            if row is None:
                break
            if row.kind.startswith(APPOINTMENT_KIND_PREFIX) and row.appointment_id is None:
                _cancel_orphan(row)
                session.flush()  # it no longer matches `due`
                continue
            row.status = NotificationStatus.SENDING
            row.claimed_by = worker_id
            row.lease_expires_at = now + lease
            row.attempts = row.attempts + 1
            break
    return row


def renew_lease(
    session: Session,
    row_id: int,
    *,
    claimed_by: str,
    attempts: int,
    now: datetime,
    lease: timedelta,
) -> bool:
    """Extend a claim still held by (claimed_by, attempts) to `now + lease`; commit.

    Returns False if the claim was lost meanwhile (the row was recorded, or claimed again).
    """
    with write_transaction(session):
        result = session.execute(
            sa.update(Notification)
            .where(
                Notification.id == row_id,
                Notification.status == NotificationStatus.SENDING,
                Notification.claimed_by == claimed_by,
                Notification.attempts == attempts,
            )
            .values(lease_expires_at=now + lease)
            .execution_options(synchronize_session=False)
        )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _cancel_orphan(row: Notification) -> None:
    row.status = NotificationStatus.CANCELLED
    row.last_error = "Cancelled: the appointment no longer exists."
    row.lease_expires_at = None
    row.claimed_by = ""
    log.info("notification %s cancelled: its appointment was deleted", row.id)


def _record(session: Session, row: Notification, values: dict[str, object]) -> bool:
    """Apply `values` to `row` if this worker's claim still holds; commit; say whether it did.

    The claim is (claimed_by, attempts): a row whose lease expired and that another worker claimed
    again has a higher attempts count, so a late result from the first worker changes nothing.
    """
    claimed_by, attempts = row.claimed_by, row.attempts
    with write_transaction(session):
        result = session.execute(
            sa.update(Notification)
            .where(
                Notification.id == row.id,
                Notification.status == NotificationStatus.SENDING,
                Notification.claimed_by == claimed_by,
                Notification.attempts == attempts,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        session.refresh(row)  # inside the transaction: no read transaction left open after it
    if result.rowcount == 0:  # type: ignore[attr-defined]
        log.warning(
            "notification %s: claim by %s (attempt %s) was lost; result not recorded",
            row.id,
            claimed_by,
            attempts,
        )
        return False
    return True


def mark_sent(
    session: Session,
    row: Notification,
    *,
    now: datetime,
    provider_id: str | None = None,
    body: tuple[str, str] | None = None,
    subject: str | None = None,
) -> bool:
    """Record a delivery, and `body` (text, HTML) and `subject` when it was rendered at send
    time (in the customer's language, which the planned subject may not speak): the row then
    keeps what was sent. Returns False if the claim was lost meanwhile (nothing recorded)."""
    values: dict[str, object] = {
        "status": NotificationStatus.SENT,
        "sent_at": now,
        "lease_expires_at": None,
        "last_error": "",
    }
    if body is not None:
        values["body_text"], values["body_html"] = body
    if subject is not None:
        values["subject"] = subject[:SUBJECT_LENGTH]
    if provider_id:
        values["payload"] = {**(row.payload or {}), "provider_id": provider_id}
    return _record(session, row, values)


def mark_failed(
    session: Session,
    row: Notification,
    *,
    now: datetime,
    error: str,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    backoff: Callable[[int], timedelta] = backoff,
    permanent: bool = False,
) -> bool:
    """Record a failed try: retry later with backoff, or give up if permanent or out of tries."""
    if permanent or row.attempts >= max_attempts:
        values: dict[str, object] = {"status": NotificationStatus.FAILED}
    else:
        values = {"status": NotificationStatus.PENDING, "due_at": now + backoff(row.attempts)}
    values |= {"last_error": error[:2000], "lease_expires_at": None}
    return _record(session, row, values)


def retry_now(session: Session, row_id: int, *, now: datetime) -> Notification:
    """Staff retry a failed message: pending again, due now, with a fresh set of attempts."""
    with write_transaction(session):
        row = session.get(Notification, row_id, populate_existing=True)
        if row is None:
            raise OutboxError("That message doesn't exist.")
        if row.status != NotificationStatus.FAILED:
            raise OutboxError("Only messages that failed can be retried.")
        row.status = NotificationStatus.PENDING
        row.due_at = now
        row.attempts = 0
        row.claimed_by = ""
        row.lease_expires_at = None
    return row

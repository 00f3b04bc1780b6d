"""The delivery worker: claim due outbox rows, deliver each, record the outcome; repeat.

A send error never stops the loop: it is logged and recorded on the row (retry with backoff, or
failed). A stop request (SIGTERM/SIGINT when run as a process) lets the current message finish,
hands the rest of the batch back, and returns.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from autoshop.domain.choices import NotificationChannel
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification
from autoshop.notifications import outbox
from autoshop.notifications.email import Attachment, SmtpMailer
from autoshop.notifications.errors import DeliveryError, RecipientOptedOut
from autoshop.notifications.sms import sms_provider
from autoshop.timeutil import utcnow

log = logging.getLogger(__name__)


def attachments_for(row: Notification) -> list[Attachment]:
    """Files an email carries: an appointment message has the appointment's .ics.

    The calendar shows the appointment as it is now (the latest SEQUENCE), so a message delivered
    late never puts an outdated event into the customer's calendar.
    """
    if row.channel != NotificationChannel.EMAIL or not row.kind.startswith(
        outbox.APPOINTMENT_KIND_PREFIX
    ):
        return []
    appointment = db.session.get(Appointment, row.appointment_id) if row.appointment_id else None
    if appointment is None:
        return []
    db.session.refresh(appointment)  # the worker's session outlives changes made by the web app
    from autoshop.services.ics import appointment_ics

    cancelled = appointment.status is AppointmentStatus.CANCELLED
    mimetype = "text/calendar; method=CANCEL" if cancelled else "text/calendar; method=PUBLISH"
    return [("appointment.ics", mimetype, appointment_ics(appointment))]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Delivery:
    """Sends one row on its channel; holds the SMTP connection for the batch."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.mailer = SmtpMailer(app.config)

    def send(self, row: Notification, now: datetime) -> str | None:
        if row.channel == NotificationChannel.EMAIL:
            return self.mailer.send(row, now=now, attachments=attachments_for(row))
        if row.channel == NotificationChannel.SMS:
            return sms_provider(self.app.config).send(row.recipient, row.body_text)
        raise DeliveryError(f"Unknown channel {row.channel!r}.", permanent=True)

    def close(self) -> None:
        self.mailer.close()


def process_batch(
    app: Flask,
    session: Session,
    rows: list[Notification],
    *,
    clock: Callable[[], datetime],
    stop_event: threading.Event,
    max_attempts: int,
) -> int:
    """Deliver and record each claimed row; return how many were handled."""
    done = 0
    delivery = _Delivery(app)
    try:
        for index, row in enumerate(rows):
            if stop_event.is_set():
                for untried in rows[index:]:
                    outbox.release(session, untried)
                log.info("stopping: %d claimed message(s) handed back", len(rows) - index)
                break
            _deliver_one(delivery, session, row, clock=clock, max_attempts=max_attempts)
            done += 1
    finally:
        delivery.close()
    return done


def _deliver_one(
    delivery: _Delivery,
    session: Session,
    row: Notification,
    *,
    clock: Callable[[], datetime],
    max_attempts: int,
) -> None:
    try:
        provider_id = delivery.send(row, clock())
    except DeliveryError as exc:
        log.warning(
            "notification %s (%s to %s) attempt %s failed (%s): %s",
            row.id,
            row.channel.value,
            row.recipient,
            row.attempts,
            "permanent" if exc.permanent else "will retry",
            exc.reason,
        )
        outbox.mark_failed(
            session,
            row,
            now=clock(),
            error=exc.reason,
            max_attempts=max_attempts,
            permanent=exc.permanent,
        )
        if isinstance(exc, RecipientOptedOut):
            # The provider knows the number opted out (a STOP we never saw): respect it here too.
            from autoshop.services.sms_preferences import opt_out

            opt_out(row.recipient)
    except Exception as exc:  # a bug in a channel must not stop the other messages
        log.exception("notification %s: unexpected error while sending", row.id)
        outbox.mark_failed(
            session,
            row,
            now=clock(),
            error=f"Unexpected error: {exc.__class__.__name__}: {exc}",
            max_attempts=max_attempts,
        )
    else:
        outbox.mark_sent(session, row, now=clock(), provider_id=provider_id)
        log.info("notification %s sent (%s to %s)", row.id, row.channel.value, row.recipient)


def run_worker(
    app: Flask,
    *,
    worker_id: str | None = None,
    poll_interval: float = 1.0,
    batch_size: int = 20,
    lease: timedelta = timedelta(minutes=5),
    stop_event: threading.Event | None = None,
    once: bool = False,
    max_attempts: int = outbox.DEFAULT_MAX_ATTEMPTS,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Deliver due messages until stopped (or, with `once`, until none is due); return the count.

    `clock` gives "now" for claiming and recording; tests pass a fixed one.
    """
    worker_id = worker_id or default_worker_id()
    stop_event = stop_event or threading.Event()
    handled = 0
    with app.app_context():
        session = db.session()  # this app context's own session, removed when it ends
        while not stop_event.is_set():
            try:
                rows = outbox.claim_due(
                    session,
                    now=clock(),
                    worker_id=worker_id,
                    batch_size=batch_size,
                    lease=lease,
                )
                if rows:
                    handled += process_batch(
                        app,
                        session,
                        rows,
                        clock=clock,
                        stop_event=stop_event,
                        max_attempts=max_attempts,
                    )
                    continue  # more may be due right away
            except SQLAlchemyError:
                if once:
                    raise
                log.exception("worker %s: database error; trying again shortly", worker_id)
                session.rollback()
            if once:
                break
            stop_event.wait(poll_interval)
    return handled


@contextmanager
def stop_on_signals(stop_event: threading.Event) -> Iterator[None]:
    """SIGTERM/SIGINT ask the worker to stop after the current message; a second one forces it."""
    previous: dict[int, Any] = {}

    def _handler(signum: int, _frame: Any) -> None:
        if stop_event.is_set():
            raise KeyboardInterrupt
        log.info("signal %s: finishing the current message, then stopping", signum)
        stop_event.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, _handler)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

"""The delivery worker: claim the next due outbox row, deliver it, record the outcome; repeat.

One message at a time, under a short lease (DEFAULT_LEASE) that a helper thread renews while the
send lasts: a worker killed mid-send leaves one message behind, due again once its lease runs out
(about a minute); a slow mail server never lets another worker take (and send again) a message
this one still holds. A send error never stops the loop: it is logged and recorded on the row
(retry with backoff, or failed). A stop request (SIGTERM/SIGINT when run as a process) lets the
current message finish, then returns.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from autoshop.domain.choices import NotificationChannel
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.i18n import speaking
from autoshop.models import Appointment, Notification
from autoshop.notifications import outbox
from autoshop.notifications.email import Attachment, SmtpMailer
from autoshop.notifications.errors import DeliveryError, RecipientOptedOut, RenderFailed
from autoshop.notifications.sms import sms_provider
from autoshop.services import notification_rendering
from autoshop.services.notification_rendering import Content
from autoshop.timeutil import utcnow

log = logging.getLogger(__name__)

#: How long a claimed message stays reserved for its worker unless renewed.
DEFAULT_LEASE = timedelta(seconds=60)


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
    # The file's words speak the customer's language, like the message it comes with.
    with speaking(notification_rendering.language_of(appointment)):
        calendar = appointment_ics(appointment)
    return [("appointment.ics", mimetype, calendar)]


def waitlist_step(now: datetime) -> int:
    """The periodic part of the loop: waitlist holds not accepted in time lapse, and their
    starts go to the next in line (whose offer is then queued in this same outbox)."""
    from autoshop.services.waitlist import expire_holds

    lapsed = expire_holds(now=now)
    if lapsed:
        log.info("waitlist: %s offer(s) lapsed; offered to the next in line", lapsed)
    return lapsed


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Delivery:
    """Sends one row on its channel; keeps the SMTP connection open while messages keep coming."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.mailer = SmtpMailer(app.config)

    def content(self, row: Notification) -> Content | None:
        """The message rendered now, if it was planned to be rendered at send time (None: the
        row holds its text). RenderFailed says why it can't be, as the row's error."""
        if not notification_rendering.is_deferred(row):
            return None
        try:
            return notification_rendering.render(row)
        except SQLAlchemyError:
            raise  # the database, not the message (see _deliver_one)
        except Exception as exc:
            raise RenderFailed(
                f"The message could not be rendered: {exc.__class__.__name__}: {exc}"
            ) from exc

    def send(self, row: Notification, now: datetime, content: Content | None = None) -> str | None:
        if row.channel == NotificationChannel.EMAIL:
            return self.mailer.send(row, now=now, attachments=attachments_for(row), content=content)
        if row.channel == NotificationChannel.SMS:
            text = content.text if content is not None else row.body_text
            return sms_provider(self.app.config).send(row.recipient, text)
        raise DeliveryError(f"Unknown channel {row.channel!r}.", permanent=True)

    def close(self) -> None:
        self.mailer.close()


class LeaseKeeper:
    """While a message is being sent, renews its lease every `interval` seconds (real time).

    A thread of its own with a database session of its own; it stops before the outcome is
    recorded. If the claim was lost (another worker took the row after the lease ran out, e.g.
    while the database was unreachable), it says so and stops renewing.
    """

    def __init__(
        self,
        engine: sa.Engine,
        row: Notification,
        *,
        clock: Callable[[], datetime],
        lease: timedelta,
        interval: float,
    ) -> None:
        self.engine = engine
        self.row_id, self.claimed_by, self.attempts = row.id, row.claimed_by, row.attempts
        self.clock = clock
        self.lease = lease
        self.interval = interval
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"lease-keeper-{row.id}", daemon=True
        )

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        with Session(self.engine) as session:
            while not self._done.wait(self.interval):
                try:
                    held = outbox.renew_lease(
                        session,
                        self.row_id,
                        claimed_by=self.claimed_by,
                        attempts=self.attempts,
                        now=self.clock(),
                        lease=self.lease,
                    )
                except SQLAlchemyError:
                    log.exception("notification %s: could not renew the lease", self.row_id)
                    continue
                if not held:
                    log.warning(
                        "notification %s: the claim by %s was lost while sending",
                        self.row_id,
                        self.claimed_by,
                    )
                    return


def _deliver_one(
    delivery: _Delivery,
    session: Session,
    row: Notification,
    *,
    clock: Callable[[], datetime],
    max_attempts: int,
    keeper: LeaseKeeper,
) -> None:
    """Render `row` if it was planned that way, send it while `keeper` holds its lease, then
    record what happened (what was sent is stored on the row with it)."""
    content: Content | None = None
    with keeper:
        try:
            content = delivery.content(row)
            provider_id = delivery.send(row, clock(), content)
        except Exception as exc:
            failure: Exception | None = exc
        else:
            failure = None
    if isinstance(failure, SQLAlchemyError):
        # Reading what the message needs failed (the database went away): nothing is recorded
        # and the loop rolls back; the claim's lease runs out and the row is due again.
        raise failure
    if failure is None:
        outbox.mark_sent(
            session,
            row,
            now=clock(),
            provider_id=provider_id,
            body=(content.text, content.html) if content is not None else None,
            subject=content.subject if content is not None else None,
        )
        log.info(
            "notification %s sent (%s, %s)",
            row.id,
            row.channel.value,
            row.kind,
            extra={"notification_id": row.id, "channel": row.channel.value},
        )
    elif isinstance(failure, DeliveryError):
        log.warning(
            "notification %s (%s to %s) attempt %s failed (%s): %s",
            row.id,
            row.channel.value,
            row.recipient,
            row.attempts,
            "permanent" if failure.permanent else "will retry",
            failure.reason,
        )
        outbox.mark_failed(
            session,
            row,
            now=clock(),
            error=failure.reason,
            max_attempts=max_attempts,
            permanent=failure.permanent,
        )
        if isinstance(failure, RecipientOptedOut):
            # The provider knows the number opted out (a STOP we never saw): respect it here too.
            from autoshop.services.sms_preferences import opt_out

            opt_out(row.recipient)
    else:  # a bug in a channel must not stop the other messages
        log.error(
            "notification %s: unexpected error while sending",
            row.id,
            exc_info=(type(failure), failure, failure.__traceback__),
        )
        outbox.mark_failed(
            session,
            row,
            now=clock(),
            error=f"Unexpected error: {failure.__class__.__name__}: {failure}",
            max_attempts=max_attempts,
        )


def run_worker(
    app: Flask,
    *,
    worker_id: str | None = None,
    poll_interval: float = 1.0,
    lease: timedelta = DEFAULT_LEASE,
    renew_every: float | None = None,
    stop_event: threading.Event | None = None,
    once: bool = False,
    max_attempts: int = outbox.DEFAULT_MAX_ATTEMPTS,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Deliver due messages until stopped (or, with `once`, until none is due); return the count.

    `clock` gives "now" for claiming, renewing and recording; tests pass one they control.
    The lease of the message being sent is renewed every `renew_every` seconds of real time
    (default: a third of the lease), so it never runs out under a live worker.
    """
    worker_id = worker_id or default_worker_id()
    stop_event = stop_event or threading.Event()
    interval = renew_every if renew_every is not None else lease.total_seconds() / 3
    handled = 0
    with app.app_context():
        session = db.session()  # this app context's own session, removed when it ends
        delivery = _Delivery(app)
        try:
            last_step = float("-inf")
            while not stop_event.is_set():
                try:
                    if time.monotonic() - last_step >= poll_interval:
                        last_step = time.monotonic()
                        waitlist_step(clock())
                    row = outbox.claim_next(session, now=clock(), worker_id=worker_id, lease=lease)
                    if row is not None:
                        keeper = LeaseKeeper(
                            db.engine, row, clock=clock, lease=lease, interval=interval
                        )
                        _deliver_one(
                            delivery,
                            session,
                            row,
                            clock=clock,
                            max_attempts=max_attempts,
                            keeper=keeper,
                        )
                        handled += 1
                        continue  # more may be due right away
                except SQLAlchemyError:
                    if once:
                        raise
                    log.exception("worker %s: database error; trying again shortly", worker_id)
                    session.rollback()
                delivery.close()  # nothing due: don't hold an idle mail connection open
                if once:
                    break
                stop_event.wait(poll_interval)
        finally:
            delivery.close()
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

"""The outbox worker against a real SMTP server and the real database (SQLite and PostgreSQL).

Time is passed in: the worker gets a fixed clock, and "later" is that clock moved forward.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Notification
from autoshop.notifications import outbox
from autoshop.notifications.email import SmtpMailer
from autoshop.notifications.worker import DEFAULT_LEASE, run_worker
from autoshop.timeutil import utcnow
from tests.conftest import submit_form
from tests.support.smtp import SmtpServer, free_port

LEASE = DEFAULT_LEASE


@pytest.fixture
def now() -> datetime:
    return utcnow().replace(microsecond=0)


@pytest.fixture
def mail_to(app, smtp_server):
    """Point the app's mailer at the test SMTP server."""
    app.config.update(smtp_server.mail_settings)
    return smtp_server


def queue(
    recipient: str = "customer@example.com",
    *,
    due_at: datetime,
    channel: NotificationChannel = NotificationChannel.EMAIL,
    kind: str = "test_message",
    **fields,
) -> Notification:
    row = Notification(
        channel=channel,
        recipient=recipient,
        kind=kind,
        subject=fields.pop("subject", "Your car is ready"),
        body_text=fields.pop("body_text", "Come and pick it up any time before 6 pm."),
        body_html=fields.pop("body_html", "<p>Come and pick it up any time before 6 pm.</p>"),
        due_at=due_at,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def reload(row: Notification) -> Notification:
    db.session.commit()
    db.session.refresh(row)
    return row


def work(app, at: datetime, **kw) -> int:
    return run_worker(app, once=True, clock=lambda: at, **kw)


def test_reset_password_email_is_delivered_once(app, client, make_user, mail_to):
    make_user(email="forgetful@example.com")
    submit_form(client, "/account/reset", {"email": "forgetful@example.com"})
    now = utcnow()
    row = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "account_reset_instructions")
    )
    assert row.status == NotificationStatus.PENDING

    assert work(app, now + timedelta(seconds=1)) == 1

    (received,) = mail_to.messages
    assert received.rcpt_tos == ["forgetful@example.com"]
    message = received.message
    assert message["Subject"] == "Reset your AutoShop password"
    assert message["From"] == "AutoShop <appointments@autoshop.localhost>"
    assert message["To"] == "forgetful@example.com"
    assert message["Message-ID"] == f"<notification-{row.id}@autoshop.localhost>"
    assert message.get_content_type() == "multipart/alternative"
    assert "/account/reset/" in message.get_body(("plain",)).get_content()
    assert "/account/reset/" in message.get_body(("html",)).get_content()

    reload(row)
    assert row.status == NotificationStatus.SENT
    assert row.sent_at == now + timedelta(seconds=1)
    assert row.attempts == 1 and row.last_error == ""

    assert work(app, now + timedelta(hours=1)) == 0  # nothing twice
    assert len(mail_to.messages) == 1


def test_registration_welcome_email_is_delivered(app, client, mail_to):
    password = "tractor-lantern-orbit-93"
    response = submit_form(
        client,
        "/account/register",
        {
            "first_name": "Rosa",
            "last_name": "Parks",
            "email": "rosa@example.com",
            "password": password,
            "password_confirm": password,
        },
    )
    assert response.status_code == 302

    assert work(app, utcnow()) == 1
    (received,) = mail_to.to("rosa@example.com")
    assert "/account/confirm/" in received.message.get_body(("plain",)).get_content()


def test_plain_text_only_when_there_is_no_html(app, mail_to, now):
    row = queue(due_at=now, body_html="")
    assert work(app, now) == 1
    message = mail_to.messages[0].message
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == row.body_text


def test_attachments_are_carried(app, smtp_server, now):
    row = queue(due_at=now)
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    with SmtpMailer({**app.config, **smtp_server.mail_settings}) as mailer:
        mailer.send(row, now=now, attachments=[("visit.ics", "text/calendar", ics)])
    message = smtp_server.messages[0].message
    assert message.get_content_type() == "multipart/mixed"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "visit.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_payload(decode=True) == ics
    assert "pick it up" in message.get_body(("plain",)).get_content()


def test_server_down_then_up_retries_with_backoff_and_delivers_once(app, now):
    down = SmtpServer()  # nobody listens on its port yet
    app.config.update(down.mail_settings)
    row = queue(due_at=now)

    assert work(app, now) == 1
    reload(row)
    assert row.status == NotificationStatus.PENDING
    assert row.attempts == 1
    assert row.due_at == now + timedelta(seconds=30)
    assert "unavailable" in row.last_error
    assert row.lease_expires_at is None

    assert work(app, now + timedelta(seconds=29)) == 0  # not due again yet

    down.start()
    try:
        assert work(app, now + timedelta(seconds=30)) == 1
        assert work(app, now + timedelta(hours=2)) == 0
        (received,) = down.messages
        assert received.message_id == f"<notification-{row.id}@autoshop.localhost>"
    finally:
        down.stop()
    reload(row)
    assert row.status == NotificationStatus.SENT
    assert row.attempts == 2
    assert row.last_error == ""


def test_recipient_refused_with_550_fails_at_once(app, mail_to, now):
    mail_to.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: no such user"
    row = queue("gone@example.com", due_at=now)
    ok = queue("here@example.com", due_at=now)

    assert work(app, now) == 2
    reload(row)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == 1
    assert "550" in row.last_error and "no such user" in row.last_error
    assert reload(ok).status == NotificationStatus.SENT
    assert [m.rcpt_tos for m in mail_to.messages] == [["here@example.com"]]


def test_recipient_refused_with_450_is_retried(app, mail_to, now):
    mail_to.refuse["busy@example.com"] = "450 4.2.1 Mailbox busy, try later"
    row = queue("busy@example.com", due_at=now)
    assert work(app, now) == 1
    reload(row)
    assert row.status == NotificationStatus.PENDING and "450" in row.last_error


def test_malformed_address_fails_at_once(app, mail_to, now):
    row = queue("not an email address", due_at=now)
    assert work(app, now) == 1
    reload(row)
    assert row.status == NotificationStatus.FAILED
    assert "Invalid email address" in row.last_error
    assert mail_to.messages == []


def test_backoff_grows_then_the_message_fails_after_max_attempts(app, now):
    app.config.update(SmtpServer().mail_settings)  # down
    row = queue(due_at=now)
    waits = []
    at = now
    for _ in range(outbox.DEFAULT_MAX_ATTEMPTS - 1):
        assert work(app, at) == 1
        reload(row)
        assert row.status == NotificationStatus.PENDING
        waits.append(row.due_at - at)
        at = row.due_at
    assert waits == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=8),
        timedelta(minutes=32),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    assert work(app, at) == 1
    reload(row)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == outbox.DEFAULT_MAX_ATTEMPTS
    assert "unavailable" in row.last_error
    assert work(app, at + timedelta(days=1)) == 0  # failed stays failed


def test_staff_retry_a_failed_message(app, mail_to, now):
    mail_to.refuse["typo@example.com"] = "550 5.1.1 no such user"
    row = queue("typo@example.com", due_at=now)
    assert work(app, now) == 1
    assert reload(row).status == NotificationStatus.FAILED

    del mail_to.refuse["typo@example.com"]  # the mailbox exists now
    later = now + timedelta(hours=3)
    outbox.retry_now(db.session, row.id, now=later)
    reload(row)
    assert (row.status, row.due_at, row.attempts) == (NotificationStatus.PENDING, later, 0)
    assert "550" in row.last_error  # kept until it is sent

    assert work(app, later) == 1
    assert reload(row).status == NotificationStatus.SENT
    assert len(mail_to.to("typo@example.com")) == 1

    with pytest.raises(outbox.OutboxError, match="Only messages that failed"):
        outbox.retry_now(db.session, row.id, now=later)


def test_a_row_whose_lease_expired_is_claimed_again(app, now):
    stuck = queue(due_at=now - timedelta(minutes=10))
    busy = queue(due_at=now - timedelta(minutes=10))
    for row, lease_end in ((stuck, now - timedelta(seconds=1)), (busy, now + timedelta(minutes=1))):
        row.status = NotificationStatus.SENDING
        row.claimed_by = "crashed-worker"
        row.attempts = 1
        row.lease_expires_at = lease_end
    db.session.commit()

    row = outbox.claim_next(db.session, now=now, worker_id="w2", lease=LEASE)
    assert row is not None and row.id == stuck.id
    assert outbox.claim_next(db.session, now=now, worker_id="w2", lease=LEASE) is None
    assert (row.status, row.claimed_by, row.attempts) == (NotificationStatus.SENDING, "w2", 2)
    assert row.lease_expires_at == now + LEASE

    # The crashed worker comes back to life late: its result no longer counts.
    with Session(db.engine, expire_on_commit=False) as ghost:
        late = ghost.get(Notification, stuck.id)
        set_committed_value(late, "claimed_by", "crashed-worker")  # what it had in memory
        set_committed_value(late, "attempts", 1)
        ghost.commit()
        assert outbox.mark_sent(ghost, late, now=now) is False
        assert late.status == NotificationStatus.SENDING and late.claimed_by == "w2"
    assert outbox.mark_sent(db.session, row, now=now) is True
    assert reload(row).status == NotificationStatus.SENT


def test_claims_are_exclusive_between_concurrent_workers(app, now):
    total = 60
    db.session.add_all(
        Notification(
            channel=NotificationChannel.EMAIL,
            recipient=f"c{i}@example.com",
            kind="test_message",
            subject="s",
            body_text="b",
            due_at=now - timedelta(seconds=i),
        )
        for i in range(total)
    )
    db.session.commit()
    start = threading.Barrier(2, timeout=10)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    engine = db.engine

    def claimer(name: str) -> None:
        try:
            session = Session(engine, expire_on_commit=False)  # a connection of its own
            start.wait()
            while row := outbox.claim_next(session, now=now, worker_id=name, lease=LEASE):
                claimed[name].append(row.id)
                time.sleep(0.002)  # "sending": the other worker gets the lock meanwhile
            session.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert set(claimed["a"]).isdisjoint(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == total
    assert claimed["a"] and claimed["b"], "both workers should have had a turn"
    owners = dict(
        db.session.execute(
            sa.select(Notification.claimed_by, sa.func.count()).group_by(Notification.claimed_by)
        ).all()
    )
    assert owners == {"a": len(claimed["a"]), "b": len(claimed["b"])}


@pytest.mark.engine("sqlite")
def test_on_sqlite_claiming_takes_the_write_lock_first(app, now):
    queue(due_at=now)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        outbox.claim_next(db.session, now=now, worker_id="w", lease=LEASE)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE"]
    assert statements.index("BEGIN IMMEDIATE") < next(
        i for i, s in enumerate(statements) if s.startswith("SELECT")
    )


def test_a_message_for_a_deleted_appointment_is_cancelled(app, mail_to, make_appointment, now):
    appointment = make_appointment()
    orphans = [
        queue(due_at=now, kind=kind, appointment_id=appointment.id)
        for kind in ("appointment_reminder", "appointment_confirmation")
    ]
    other = queue(due_at=now + timedelta(seconds=1))  # due behind them
    db.session.delete(appointment)
    db.session.commit()

    assert work(app, now + timedelta(seconds=1)) == 1
    for row in orphans:
        reload(row)
        assert row.status == NotificationStatus.CANCELLED
        assert row.appointment_id is None
    assert reload(other).status == NotificationStatus.SENT
    assert [m.message_id for m in mail_to.messages] == [
        f"<notification-{other.id}@autoshop.localhost>"
    ]


def test_sms_goes_to_the_console_provider(app, now, caplog):
    row = queue("+12015550147", due_at=now, channel=NotificationChannel.SMS, body_html="")
    with caplog.at_level("DEBUG", logger="autoshop.notifications.sms"):
        assert work(app, now) == 1
    reload(row)
    assert row.status == NotificationStatus.SENT
    assert row.payload["provider_id"].startswith("console-")
    # The text is in the log at DEBUG only; INFO says it was handled, without the text.
    info = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    debug = [r.getMessage() for r in caplog.records if r.levelname == "DEBUG"]
    assert any("console" in m for m in info) and not any("pick it up" in m for m in info)
    assert any("pick it up" in m for m in debug)


@pytest.mark.settings(SMS_PROVIDER="carrier-pigeon")
def test_an_unknown_sms_provider_is_recorded_not_raised(app, now):
    row = queue("+12015550147", due_at=now, channel=NotificationChannel.SMS)
    assert work(app, now) == 1
    reload(row)
    assert row.status == NotificationStatus.PENDING
    assert "carrier-pigeon" in row.last_error


def test_stopping_finishes_the_message_in_flight_and_claims_no_more(app, mail_to, now):
    first = queue("first@example.com", due_at=now - timedelta(seconds=1))
    rest = [queue(due_at=now) for _ in range(3)]
    mail_to.hold_for.add("first@example.com")
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(run_worker(app, clock=lambda: now, stop_event=stop))
    )
    thread.start()
    mail_to.wait_for(1)  # sending the first message
    stop.set()
    mail_to.release()
    thread.join(timeout=10)
    assert result == [1]
    assert reload(first).status == NotificationStatus.SENT
    for row in rest:  # never claimed: nothing to hand back, due for the next worker
        reload(row)
        assert (row.status, row.attempts, row.claimed_by) == (NotificationStatus.PENDING, 0, "")
    assert len(mail_to.messages) == 1


def test_the_worker_loop_stops_when_asked(app, mail_to):
    queue(due_at=utcnow())
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(run_worker(app, poll_interval=0.05, stop_event=stop))
    )
    thread.start()
    mail_to.wait_for(1)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert result == [1]


@pytest.mark.settings(AUTOSHOP_ENV="production")
def test_dev_smtp_refuses_production(app):
    result = app.test_cli_runner().invoke(args=["dev-smtp"])
    assert result.exit_code != 0
    assert "never runs in production" in result.output


def test_dev_mail_server_keeps_eml_files(app, tmp_path, now):
    from autoshop.notifications.devmail import dev_smtp_controller

    port = free_port()
    controller = dev_smtp_controller(tmp_path / "dev-mail", port=port)
    controller.start()
    try:
        row = queue(due_at=now)
        with SmtpMailer({**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}) as mailer:
            mailer.send(row, now=now)
    finally:
        controller.stop()
    (eml,) = (tmp_path / "dev-mail").glob("*.eml")
    assert f"notification-{row.id}@" in eml.read_text()


# --- a worker killed mid-batch loses nothing ------------------------------------------------


def _worker_process(database_url: str, smtp: SmtpServer, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "AUTOSHOP_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SECURITY_PASSWORD_SALT": "test-salt",
        "DATABASE_URL": database_url,
        "MAIL_SERVER": smtp.host,
        "MAIL_PORT": str(smtp.port),
        "MAIL_TIMEOUT": "5",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from autoshop.cli import main; main()", "worker", *args],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_loses_nothing(app, database_url, smtp_server, now):
    total = 50
    db.session.add_all(
        Notification(
            channel=NotificationChannel.EMAIL,
            recipient=f"driver{i}@example.com",
            kind="test_message",
            subject=f"Message {i}",
            body_text="b",
            due_at=now - timedelta(minutes=1),
        )
        for i in range(total)
    )
    db.session.commit()
    # The 10th message arrives but its 250 is withheld: the worker dies not knowing it was sent.
    smtp_server.hold_after = 10
    lease = ["--lease-seconds", "1", "--poll-interval", "0.1"]

    first = _worker_process(database_url, smtp_server, *lease)
    try:
        smtp_server.wait_for(10, timeout=12)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    assert first.returncode == -signal.SIGKILL
    smtp_server.release()

    def pending() -> int:
        db.session.commit()
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.status != NotificationStatus.SENT)
        )

    assert pending() > 0  # the kill really left work behind
    second = _worker_process(database_url, smtp_server, *lease)
    try:
        _wait_until(lambda: pending() == 0, timeout=12, what="every message to be sent")
    finally:
        second.send_signal(signal.SIGTERM)  # graceful stop
        output, _ = second.communicate(timeout=10)
    assert second.returncode == 0, output
    assert "Worker stopped" in output

    received = smtp_server.messages
    ids = [m.message_id for m in received]
    rows = db.session.scalars(sa.select(Notification)).all()
    assert set(ids) == {f"<notification-{r.id}@autoshop.localhost>" for r in rows}
    duplicates = len(ids) - len(set(ids))
    assert duplicates == 1  # only the message in flight, whose 250 the killed worker never saw
    by_id: dict[str, set[str]] = {}
    for m in received:
        by_id.setdefault(m.message_id, set()).add(m.message["Subject"])
    assert all(len(subjects) == 1 for subjects in by_id.values())  # a duplicate is the same mail


# --- a lease per message: a crash costs at most a minute, a slow send loses nothing ------------


class MovableClock:
    """The "now" a test hands its workers, moved forward by the test (never by the machine)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now = self.now + delta


def _statuses() -> dict[NotificationStatus, int]:
    db.session.commit()
    return dict(
        db.session.execute(
            sa.select(Notification.status, sa.func.count()).group_by(Notification.status)
        ).all()
    )


def test_a_killed_workers_messages_go_out_within_a_minute(app, database_url, mail_to):
    start = utcnow().replace(microsecond=0)
    total = 12
    rows = [
        queue(f"owner{i}@example.com", due_at=start - timedelta(minutes=1), subject=f"Message {i}")
        for i in range(total)
    ]
    # The 5th message arrives but its 250 is withheld: the worker dies in the middle of a send.
    mail_to.hold_after = 5
    first = _worker_process(database_url, mail_to)  # the default lease
    try:
        mail_to.wait_for(5, timeout=15)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    killed_at = utcnow()
    mail_to.release()

    # It held only the message it was sending; the rest were never claimed.
    assert _statuses() == {
        NotificationStatus.SENT: 4,
        NotificationStatus.SENDING: 1,
        NotificationStatus.PENDING: total - 5,
    }
    (in_flight,) = [r for r in map(reload, rows) if r.status == NotificationStatus.SENDING]
    assert in_flight.lease_expires_at <= killed_at + timedelta(seconds=60)

    # Another worker sends the tail at once, and leaves the message in flight to its lease...
    assert work(app, killed_at) == total - 5
    assert reload(in_flight).status == NotificationStatus.SENDING
    assert work(app, killed_at + timedelta(seconds=30)) == 0
    # ...which runs out within a minute of the crash: then it goes out again.
    assert work(app, killed_at + timedelta(seconds=61)) == 1
    assert _statuses() == {NotificationStatus.SENT: total}

    ids = [m.message_id for m in mail_to.messages]
    expected = {f"<notification-{r.id}@autoshop.localhost>" for r in rows}
    assert set(ids) == expected
    # Each message exactly once, but the one whose 250 the dead worker never saw.
    assert len(ids) == total + 1
    assert ids.count(f"<notification-{in_flight.id}@autoshop.localhost>") == 2


def test_a_slow_send_keeps_its_message_from_other_workers(app, mail_to, now):
    clock = MovableClock(now)
    slow = queue("slow@example.com", due_at=now - timedelta(seconds=2))
    others = [queue(f"next{i}@example.com", due_at=now - timedelta(seconds=1)) for i in range(2)]
    mail_to.hold_for.add("slow@example.com")  # the server takes its time over this one
    results: dict[str, int] = {}

    def worker(name: str, **kw) -> threading.Thread:
        def run() -> None:
            results[name] = run_worker(app, worker_id=name, once=True, clock=clock, **kw)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    a = worker("a", renew_every=0.02)
    try:
        mail_to.wait_for(1)  # worker a is sending the slow message; no answer yet
        clock.advance(timedelta(minutes=10))  # far past any lease it was given

        def renewed() -> bool:
            return reload(slow).lease_expires_at > clock() + LEASE / 2

        _wait_until(renewed, timeout=3, what="worker a to renew the lease it holds")
        b = worker("b")
        b.join(timeout=3)
        b_stuck = b.is_alive()
    finally:
        mail_to.release()
        a.join(timeout=10)
    if b_stuck:
        b.join(timeout=10)
    assert not b_stuck, "worker b was sending a message worker a still held"
    assert results == {"a": 1, "b": 2}

    reload(slow)
    assert (slow.status, slow.claimed_by, slow.attempts) == (NotificationStatus.SENT, "a", 1)
    assert all(reload(r).claimed_by == "b" for r in others)
    ids = [m.message_id for m in mail_to.messages]
    assert sorted(ids) == sorted(
        f"<notification-{r.id}@autoshop.localhost>" for r in [slow, *others]
    )  # each exactly once


# --- headers built from data -------------------------------------------------------------------


def test_a_line_break_in_stored_vehicle_and_name_fields_still_sends(app, mail_to, factories, now):
    """Rows stored before single-line fields were enforced: every status email still goes out,
    to the customer only, with a one-line subject and greeting."""
    from autoshop.domain.status import AppointmentStatus
    from autoshop.services.status import change_status

    vehicle = factories.vehicle(make="Ford\r\nBcc: x@example.org", model="F-150\n")
    job = factories.appointment(
        starts_at=now + timedelta(days=1),
        customer=None,
        vehicle=vehicle,
        guest_email="gus@example.com",
        guest_name="Gus\r\nBcc: y@example.org",
    )
    admin = factories.admin()
    for target in ("checked_in", "in_progress", "ready_for_pickup"):
        change_status(job, AppointmentStatus(target), actor=admin, now=now)
    rows = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert len(rows) == 2

    assert work(app, now) == 2
    assert [reload(row).status for row in rows] == [NotificationStatus.SENT] * 2
    assert [m.rcpt_tos for m in mail_to.messages] == [["gus@example.com"]] * 2
    for received in mail_to.messages:
        message = received.message
        assert "Bcc" not in message
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        assert "2018 Ford Bcc: x@example.org F-150" in message["Subject"]
        lines = message.get_body(("plain",)).get_content().splitlines()
        assert lines[0] == "Hi Gus Bcc: y@example.org,"
        assert "Vehicle:   2018 Ford Bcc: x@example.org F-150" in lines


def test_subjects_are_one_line_and_encoded(app, mail_to, now):
    broken = queue(due_at=now, subject="Ready\r\nBcc: x@example.org")
    accented = queue(due_at=now, subject="Réparation prête — 🚗 " * 12)
    assert work(app, now) == 2
    assert reload(broken).status == reload(accented).status == NotificationStatus.SENT
    subjects = sorted(m.message["Subject"] for m in mail_to.messages)
    assert subjects == sorted(["Ready Bcc: x@example.org", ("Réparation prête — 🚗 " * 12).strip()])
    assert all("Bcc" not in m.message for m in mail_to.messages)


def test_the_senders_display_name_is_encoded(app, mail_to, now):
    app.config["MAIL_DEFAULT_SENDER"] = "Garage Müller\r\n <shop@example.com>"
    row = queue(due_at=now)
    assert work(app, now) == 1
    assert reload(row).status == NotificationStatus.SENT
    (received,) = mail_to.messages
    assert received.message["From"].addresses[0].display_name == "Garage Müller"
    assert received.message["From"].addresses[0].addr_spec == "shop@example.com"


def test_a_message_that_cannot_be_built_fails_at_once(app, mail_to, now, monkeypatch):
    """Building is deterministic: what fails once fails every time, so it is not retried."""
    from autoshop.notifications import email as email_channel

    def broken(*args, **kwargs):
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(email_channel, "build_message", broken)
    row = queue(due_at=now)
    assert work(app, now) == 1
    reload(row)
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, 1)
    assert "can't be built" in row.last_error

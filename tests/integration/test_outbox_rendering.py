"""Appointment messages are planned in the booking's transaction and rendered when sent.

A booking writes its outbox rows with one INSERT and no rendered body; the worker renders the
email (text, HTML, .ics) when it claims the row, from the facts frozen at planning, and keeps
what it sent. A message whose template fails at send time stays visible with its error and is
retried, never lost. Real SMTP (aiosmtpd) on both engines.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from jinja2 import ChoiceLoader, DictLoader

from autoshop.domain.choices import Capability, NotificationStatus, PriceKind
from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Notification
from autoshop.notifications import outbox
from autoshop.notifications.worker import run_worker
from autoshop.services import booking
from autoshop.services.booking import BookingRequest, VehicleDetails
from autoshop.services.status import change_status

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
WED_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]


@pytest.fixture
def shop(factories):
    factories.location(bays=[("Lift 1", LIFT), ("Lift 2", LIFT)])
    return {
        "oil": factories.service(
            "Oil change",
            duration_minutes=30,
            price_kind=PriceKind.RANGE,
            price_min_cents=5000,
            price_max_cents=7500,
        ),
        "customer": factories.customer(email="cara@example.com", first_name="Cara"),
    }


@pytest.fixture
def mail(app, smtp_server):
    app.config.update(smtp_server.mail_settings)
    return smtp_server


def book(shop, starts_at=TUE_9):
    return booking.book(
        BookingRequest(
            service_ids=[shop["oil"].id],
            starts_at=starts_at,
            customer=shop["customer"],
            vehicle=VehicleDetails(year=2019, make="Honda", model="CR-V"),
        ),
        now=NOW,
    )


def deliver(app, at: datetime = NOW, **options) -> int:
    return run_worker(app, once=True, clock=lambda: at, **options)


def rows(**where) -> list[Notification]:
    """The outbox as it is now (a fresh transaction: the worker commits in its own session)."""
    db.session.commit()
    stmt = (
        sa.select(Notification)
        .filter_by(**where)
        .order_by(Notification.id)
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(stmt))


def text_and_html(received) -> tuple[str, str]:
    parts = [received.message.get_body((kind,)).get_content() for kind in ("plain", "html")]
    return parts[0].replace("\r\n", "\n"), parts[1].replace("\r\n", "\n")


def test_a_bookings_rows_hold_no_body_until_sent_and_the_email_is_right(app, mail, shop):
    appointment = book(shop)
    planned = rows()
    assert [r.kind for r in planned] == [
        "appointment_confirmation",
        "appointment_reminder",
        "appointment_reminder",
    ]
    for row in planned:
        assert (row.body_text, row.body_html) == ("", "")
        assert row.payload["render"] == 1
        assert row.payload["vehicle"] == "2019 Honda CR-V"
        assert row.payload["services"] == [["Oil change", "30 min", "$50–$75"]]
    assert planned[0].subject == f"Booked: Tue Dec 1 at 9:00 AM ({appointment.reference})"

    assert deliver(app) == 1  # the reminders are due later
    (received,) = mail.to("cara@example.com")
    text, html = text_and_html(received)
    assert received.message["Subject"] == planned[0].subject
    assert text.startswith("Hi Cara,\n\nYour visit to")
    assert "When:      Tuesday, December 1, 2026 at 9:00 AM (EST)" in text
    assert "Vehicle:   2019 Honda CR-V" in text
    assert "- Oil change (30 min): $50–$75" in text
    assert f"/appointments/{appointment.reference}" in text
    assert "<li>Oil change (30 min): $50–$75</li>" in html
    (ics,) = list(received.message.iter_attachments())
    assert ics.get_filename() == "appointment.ics"

    confirmation, *reminders = rows()
    assert confirmation.status is NotificationStatus.SENT
    # What was sent is kept: the log shows it as it went out.
    assert confirmation.body_text.strip() == text.strip()
    assert confirmation.body_html.strip() == html.strip()
    assert all(r.body_text == "" and r.status is NotificationStatus.PENDING for r in reminders)

    assert deliver(app, TUE_9 - timedelta(hours=2)) == 2
    reminder_24h, reminder_2h = mail.to("cara@example.com")[1:]
    assert "A reminder: your visit to" in text_and_html(reminder_24h)[0]
    assert "is in 24 h." in text_and_html(reminder_24h)[0]
    assert "is in 2 h." in text_and_html(reminder_2h)[0]


def test_a_bookings_outbox_rows_go_in_with_one_statement(app, shop):
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if "notifications" in statement:
            statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        book(shop)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert statements == ["INSERT"]  # no look-up of live keys for a visit made just now
    assert len(rows()) == 3


def test_a_message_planned_then_changed_before_sending_arrives_correct(app, mail, shop, factories):
    appointment = book(shop)
    admin, mike = factories.admin(), factories.mechanic()
    booking.reschedule(appointment, WED_10, now=NOW + timedelta(minutes=1), actor=admin)
    assert deliver(app, NOW + timedelta(minutes=1)) == 2
    booked, moved = mail.to("cara@example.com")
    # The confirmation states what was booked; the change follows it; the .ics is the visit now.
    assert booked.message["Subject"].startswith("Booked: Tue Dec 1 at 9:00 AM")
    assert "Tuesday, December 1, 2026 at 9:00 AM" in text_and_html(booked)[0]
    assert moved.message["Subject"].startswith("Moved to Wed Dec 2 at 10:00 AM")
    assert "Wednesday, December 2, 2026 at 10:00 AM" in text_and_html(moved)[0]
    for received in (booked, moved):
        (ics,) = list(received.message.iter_attachments())
        assert b"DTSTART:20261202T150000Z" in ics.get_payload(decode=True)
    reminders = rows(kind="appointment_reminder")
    assert [r.status for r in reminders] == [NotificationStatus.CANCELLED] * 2 + [
        NotificationStatus.PENDING
    ] * 2
    assert deliver(app, WED_10 - timedelta(hours=2)) == 2
    assert all(
        "Wednesday, December 2, 2026 at 10:00 AM" in text_and_html(m)[0]
        for m in mail.to("cara@example.com")[2:]
    )

    # Two status changes before the worker runs: each message tells its own.
    at = WED_10 + timedelta(minutes=5)
    change_status(appointment, S.CHECKED_IN, actor=mike, now=at)
    change_status(appointment, S.IN_PROGRESS, actor=mike, now=at)
    change_status(appointment, S.WAITING_ON_PARTS, actor=mike, now=at, note="Pads at 2 pm.")
    change_status(appointment, S.IN_PROGRESS, actor=mike, now=at)
    change_status(appointment, S.READY_FOR_PICKUP, actor=mike, now=at)
    assert deliver(app, at) == 3
    checked_in, parts, ready = mail.to("cara@example.com")[4:]
    assert "We've checked your vehicle in." in text_and_html(checked_in)[0]
    parts_text = text_and_html(parts)[0]
    assert "We're waiting on parts for your vehicle." in parts_text
    assert "Note from the shop: Pads at 2 pm." in parts_text
    assert parts.message["Subject"].startswith("Waiting on parts: your 2019 Honda CR-V")
    assert "Your vehicle is ready for pickup." in text_and_html(ready)[0]
    assert "Pads at 2 pm." not in text_and_html(ready)[0]


@pytest.fixture
def broken_template(app):
    """The HTML template of appointment messages fails when rendered (as a bad deploy would)."""
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"notifications/appointment.html": "{{ kind.no_such.attribute }}"}), original]
    )
    yield
    app.jinja_env.loader = original


def test_a_template_failing_at_send_time_is_recorded_retried_and_never_lost(
    app, mail, shop, broken_template, client, factories, login
):
    book(shop)
    handled = deliver(app)
    assert handled == 1 and mail.messages == []
    (confirmation,) = rows(kind="appointment_confirmation")
    assert confirmation.status is NotificationStatus.PENDING
    assert confirmation.attempts == 1
    assert confirmation.last_error.startswith("The message could not be rendered: UndefinedError")
    assert confirmation.due_at == NOW + outbox.backoff(1)  # retried with backoff
    assert confirmation.body_text == ""

    # Out of tries: failed, and the log says why instead of failing itself.
    later = NOW + timedelta(minutes=10)  # before the first reminder is due
    assert deliver(app, later, max_attempts=2) == 1
    (confirmation,) = rows(kind="appointment_confirmation")
    assert confirmation.status is NotificationStatus.FAILED
    assert mail.messages == []
    login(factories.admin(email="boss@example.com"))
    page = client.get(f"/admin/notifications/{confirmation.id}")
    assert page.status_code == 200
    assert "The message could not be rendered: UndefinedError" in page.get_data(as_text=True)
    assert "can&#39;t be rendered now: UndefinedError" in page.get_data(as_text=True)

    # The template fixed, staff retry it and it goes out.
    app.jinja_env.loader = app.jinja_env.loader.loaders[1]
    outbox.retry_now(db.session, confirmation.id, now=later)
    assert deliver(app, later) == 1
    (received,) = mail.to("cara@example.com")
    assert received.message["Subject"].startswith("Booked: Tue Dec 1 at 9:00 AM")
    assert rows(kind="appointment_confirmation")[0].status is NotificationStatus.SENT


def test_the_log_and_the_cli_show_an_unsent_message_rendered(app, shop, client, factories, login):
    appointment = book(shop)
    (confirmation,) = rows(kind="appointment_confirmation")
    login(factories.admin(email="boss@example.com"))
    page = client.get(f"/admin/notifications/{confirmation.id}").get_data(as_text=True)
    assert "Not sent: rendered now from what was planned" in page
    assert "- Oil change (30 min): $50–$75" in page
    html = client.get(f"/admin/notifications/{confirmation.id}/html")
    assert html.status_code == 200 and "<li>Oil change (30 min)" in html.get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["outbox", "--bodies"])
    assert result.exit_code == 0
    assert f"Booked: Tue Dec 1 at 9:00 AM ({appointment.reference})" in result.output
    assert "When:      Tuesday, December 1, 2026 at 9:00 AM (EST)" in result.output

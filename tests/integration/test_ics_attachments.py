"""Appointment emails carry the appointment's .ics: one UID, SEQUENCE up on each change, CANCEL.

The booking service makes the changes and plans the messages; the worker delivers them to a real
SMTP server; the attachments are parsed back with icalendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Notification
from autoshop.notifications.worker import run_worker
from autoshop.services import booking, outbox_planning

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
FIRST_START = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tue 9:00 in New York
MOVED_START = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wed 10:00


def calendar_of(received) -> tuple[str, Calendar]:
    (attachment,) = list(received.message.iter_attachments())
    assert attachment.get_filename() == "appointment.ics"
    assert attachment.get_content_type() == "text/calendar"
    return attachment.get_param("method"), Calendar.from_ical(attachment.get_payload(decode=True))


def event_of(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def mail(app, smtp_server):
    app.config.update(smtp_server.mail_settings)
    return smtp_server


def deliver(app, at: datetime = NOW) -> int:
    return run_worker(app, once=True, clock=lambda: at)


def test_booked_moved_and_cancelled_emails_update_one_calendar_event(
    app, mail, factories, make_appointment
):
    admin = factories.admin()
    customer = factories.customer(email="ann@example.com")
    appointment = make_appointment(customer=customer, starts_at=FIRST_START)
    outbox_planning.plan_booking(appointment, now=NOW)
    db.session.commit()

    assert deliver(app) == 1
    (booked,) = mail.to("ann@example.com")
    method, calendar = calendar_of(booked)
    event = event_of(calendar)
    uid = str(event["UID"])
    assert method == "PUBLISH" and str(calendar["METHOD"]) == "PUBLISH"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == FIRST_START
    assert appointment.reference in uid

    booking.reschedule(appointment, MOVED_START, now=NOW, actor=admin)
    assert deliver(app) == 1
    moved = mail.to("ann@example.com")[-1]
    assert moved.message["Subject"].startswith("Moved to")
    method, calendar = calendar_of(moved)
    event = event_of(calendar)
    assert method == "PUBLISH"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == MOVED_START

    booking.cancel(appointment, now=NOW + timedelta(minutes=5), actor=admin)
    assert deliver(app, NOW + timedelta(minutes=5)) == 1
    cancelled = mail.to("ann@example.com")[-1]
    assert cancelled.message["Subject"].startswith("Cancelled")
    method, calendar = calendar_of(cancelled)
    event = event_of(calendar)
    assert method == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == uid
    assert int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"
    # The reminders were cancelled with the appointment: nothing else is ever sent.
    assert deliver(app, FIRST_START) == 0
    assert len(mail.to("ann@example.com")) == 3


def test_a_message_delivered_late_carries_the_appointment_as_it_is_now(
    app, mail, factories, make_appointment
):
    appointment = make_appointment(starts_at=FIRST_START, customer=factories.customer())
    outbox_planning.plan_booking(appointment, now=NOW)
    db.session.commit()
    # Moved before the worker got to the confirmation: both emails show the new time.
    booking.reschedule(appointment, MOVED_START, now=NOW, actor=factories.admin())

    assert deliver(app) == 2
    for received in mail.messages:
        event = event_of(calendar_of(received)[1])
        assert (int(event["SEQUENCE"]), event.decoded("DTSTART")) == (1, MOVED_START)


def test_only_appointment_emails_carry_a_calendar(app, mail, factories, make_appointment):
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    appointment = make_appointment(customer=customer, starts_at=FIRST_START)
    outbox_planning.plan_booking(appointment, now=NOW)
    db.session.add(
        Notification(
            channel=NotificationChannel.EMAIL,
            recipient=customer.email,
            kind="account_reset_instructions",
            subject="Reset your AutoShop password",
            body_text="Reset it here.",
            due_at=NOW,
        )
    )
    db.session.commit()

    assert deliver(app) == 3  # the confirmation by email and by text, and the reset email
    by_subject = {m.message["Subject"]: m.message for m in mail.messages}
    assert list(by_subject["Reset your AutoShop password"].iter_attachments()) == []
    (confirmation,) = [m for s, m in by_subject.items() if s.startswith("Booked")]
    assert len(list(confirmation.iter_attachments())) == 1
    texts = db.session.query(Notification).filter_by(channel=NotificationChannel.SMS).all()
    assert {t.status for t in texts if t.due_at <= NOW} == {NotificationStatus.SENT}

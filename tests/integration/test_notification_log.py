"""The staff notification log (admin only), "Retry now", and the development inbox."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Notification
from autoshop.notifications.worker import run_worker
from tests.conftest import csrf_token_from
from tests.support.access import LOGIN, Route, make_personas, walk
from tests.support.smtp import SmtpServer

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
LOG = "/admin/notifications"


def queue(recipient: str = "customer@example.com", **fields: Any) -> Notification:
    row = Notification(
        channel=fields.pop("channel", NotificationChannel.EMAIL),
        recipient=recipient,
        kind=fields.pop("kind", "test_message"),
        subject=fields.pop("subject", "Your car is ready"),
        body_text=fields.pop("body_text", "Come and pick it up any time before 6 pm."),
        body_html=fields.pop("body_html", "<p>Come and pick it up any time before 6 pm.</p>"),
        due_at=fields.pop("due_at", NOW),
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def reload(row: Any) -> Any:
    db.session.commit()
    db.session.refresh(row)
    return row


def listed_ids(html: str) -> list[int]:
    """The message ids the log shows, in order."""
    return [int(n) for n in re.findall(r'href="/admin/notifications/(\d+)"', html)]


@pytest.fixture
def as_admin(client, login, factories):
    login(factories.admin(email="boss@example.com"))
    return client


# --- the log ---------------------------------------------------------------------------------


def test_the_log_lists_messages_newest_first(as_admin):
    rows = [queue(subject=f"Message {i}") for i in range(3)]
    response = as_admin.get(LOG)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert listed_ids(html) == [r.id for r in reversed(rows)]
    assert "3 messages." in html
    assert 'href="/admin/notifications"' in html  # the nav link


def test_the_log_filters_by_status_channel_reference_and_customer(
    as_admin, factories, make_appointment
):
    ann = factories.customer(email="ann@example.com", phone="+12015550147")
    appointment = make_appointment(customer=ann, reference="AB12CD34")
    other = make_appointment(reference="ZZ99ZZ99")
    failed = queue(status=NotificationStatus.FAILED, last_error="550 no such user")
    sent_to_ann = queue(
        "ann@example.com",
        status=NotificationStatus.SENT,
        appointment_id=appointment.id,
        user_id=ann.id,
    )
    text_to_ann = queue(
        "+12015550147",
        channel=NotificationChannel.SMS,
        body_html="",
        appointment_id=appointment.id,
        user_id=ann.id,
    )
    for_other = queue("guest@example.com", appointment_id=other.id)

    def ids(query: str) -> list[int]:
        response = as_admin.get(f"{LOG}?{query}")
        assert response.status_code == 200
        return listed_ids(response.get_data(as_text=True))

    assert ids("status=failed") == [failed.id]
    assert ids("channel=sms") == [text_to_ann.id]
    assert ids("reference=ab12cd34") == [text_to_ann.id, sent_to_ann.id]
    # By account (the text went to her phone) or by address (a guest's email).
    assert ids("email=ANN@example.com") == [text_to_ann.id, sent_to_ann.id]
    assert ids("email=guest@example.com") == [for_other.id]
    assert ids("reference=AB12CD34&channel=email&status=sent") == [sent_to_ann.id]
    assert ids("status=cancelled") == []
    html = as_admin.get(f"{LOG}?status=cancelled").get_data(as_text=True)
    assert "No messages match these filters." in html
    assert "Clear the filters" in html


def test_invalid_filters_show_everything_with_the_error(as_admin):
    row = queue()
    response = as_admin.get(f"{LOG}?status=lost&email=not-an-address")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert listed_ids(html) == [row.id]
    assert "Not a valid choice" in html


def test_the_log_is_paginated_by_fifty(as_admin):
    db.session.add_all(
        Notification(
            channel=NotificationChannel.EMAIL,
            recipient=f"c{i}@example.com",
            kind="test_message",
            subject=f"Message {i}",
            due_at=NOW,
            status=NotificationStatus.SENT if i % 2 else NotificationStatus.FAILED,
        )
        for i in range(120)
    )
    db.session.commit()
    newest_first = sorted((r.id for r in db.session.query(Notification)), reverse=True)

    first = as_admin.get(LOG).get_data(as_text=True)
    assert listed_ids(first) == newest_first[:50]
    assert "page 1 of 3" in first
    assert 'href="/admin/notifications?page=2"' in first
    third = as_admin.get(f"{LOG}?page=3").get_data(as_text=True)
    assert listed_ids(third) == newest_first[100:]
    assert as_admin.get(f"{LOG}?page=99").status_code == 200  # clamped to the last page

    failed = as_admin.get(f"{LOG}?status=failed&page=2").get_data(as_text=True)
    assert "60 messages, page 2 of 2." in failed
    assert 'href="/admin/notifications?page=1&amp;status=failed"' in failed


# --- one message -----------------------------------------------------------------------------


def test_the_detail_page_shows_the_message_and_its_delivery(as_admin, make_appointment):
    appointment = make_appointment(reference="AB12CD34")
    row = queue(
        appointment_id=appointment.id,
        kind="appointment_confirmation",
        subject="Booked: Tue Dec 1 at 9:00 AM (AB12CD34)",
        body_text="Hi Ann,\nsee you <soon>.",
        body_html="<p>Hi Ann, <script>alert(1)</script></p>",
        status=NotificationStatus.SENT,
        attempts=2,
        sent_at=NOW + timedelta(minutes=1),
        payload={"provider_id": "<notification-1@autoshop.localhost>"},
    )
    response = as_admin.get(f"{LOG}/{row.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Booked: Tue Dec 1 at 9:00 AM (AB12CD34)" in html
    assert "Hi Ann,\nsee you &lt;soon&gt;.</pre>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the source, escaped
    assert "<script>alert" not in html
    assert "Mon Nov 2, 2026 10:01 AM" in html  # sent, in the shop's zone
    assert "Retry now" not in html  # only failed messages

    preview = as_admin.get(f"{LOG}/{row.id}/html")
    assert preview.status_code == 200
    assert preview.get_data(as_text=True) == row.body_html
    assert preview.headers["Content-Security-Policy"] == (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    )
    assert as_admin.get(f"{LOG}/{row.id + 1}").status_code == 404


def test_a_text_message_has_no_html_version(as_admin):
    row = queue("+12015550147", channel=NotificationChannel.SMS, body_html="")
    assert "Open the HTML version" not in as_admin.get(f"{LOG}/{row.id}").get_data(as_text=True)
    assert as_admin.get(f"{LOG}/{row.id}/html").status_code == 404


def test_retry_now_queues_a_failed_message_again_and_the_worker_sends_it(
    app, as_admin, smtp_server
):
    app.config.update(smtp_server.mail_settings)
    row = queue(
        "typo@example.com",
        status=NotificationStatus.FAILED,
        attempts=8,
        last_error="550 5.1.1 no such user",
        due_at=NOW - timedelta(days=1),
    )
    page = as_admin.get(f"{LOG}/{row.id}").get_data(as_text=True)
    assert "550 5.1.1 no such user" in page and "Retry now" in page

    response = as_admin.post(
        f"{LOG}/{row.id}/retry", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True
    )

    assert response.status_code == 200
    assert "will be sent within a minute" in response.get_data(as_text=True)
    reload(row)
    assert (row.status, row.attempts) == (NotificationStatus.PENDING, 0)
    assert run_worker(app, once=True, clock=lambda: row.due_at) == 1
    assert reload(row).status == NotificationStatus.SENT
    assert [m.rcpt_tos for m in smtp_server.messages] == [["typo@example.com"]]


def test_retry_now_refuses_a_message_that_no_longer_failed(as_admin):
    row = queue(status=NotificationStatus.FAILED)
    page = as_admin.get(f"{LOG}/{row.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    row.status = NotificationStatus.SENT  # another admin retried it meanwhile, and it went out
    db.session.commit()

    response = as_admin.post(f"{LOG}/{row.id}/retry", data={"csrf_token": token})

    assert response.status_code == 302
    page = as_admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only messages that failed can be retried." in page
    assert "Retry now" not in page
    assert reload(row).status == NotificationStatus.SENT
    assert as_admin.post(f"{LOG}/{row.id + 1}/retry", data={"csrf_token": token}).status_code == 404


def test_retry_now_needs_the_csrf_token(as_admin):
    row = queue(status=NotificationStatus.FAILED)
    assert as_admin.post(f"{LOG}/{row.id}/retry").status_code == 400
    assert reload(row).status == NotificationStatus.FAILED


def _admin_only(path: str, *, method: str = "GET", admin: int = 200) -> Route:
    return Route(
        path,
        {
            "anonymous": LOGIN,
            "customer_a": 403,
            "customer_b": 403,
            "mechanic": 403,
            "admin": admin,
        },
        method=method,
    )


# The role check is what this walk is about; POSTs go without CSRF tokens.
@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_the_log_is_for_admins_only(app, factories):
    row = queue(status=NotificationStatus.FAILED)
    personas = make_personas(factories)
    walk(
        app,
        personas,
        [
            _admin_only(LOG),
            _admin_only(f"{LOG}?status=failed"),
            _admin_only(f"{LOG}/{row.id}"),
            _admin_only(f"{LOG}/{row.id}/html"),
            _admin_only(f"{LOG}/{row.id}/retry", method="POST", admin=302),
        ],
    )


def test_the_dev_inbox_is_not_there_outside_development(app, as_admin):
    assert as_admin.get("/dev/inbox/").status_code == 404


@pytest.mark.settings(AUTOSHOP_ENV="production", DEV_INBOX=True)
def test_the_dev_inbox_never_exists_in_production(app):
    assert "devinbox.inbox" not in app.view_functions


@pytest.mark.settings(AUTOSHOP_ENV="development")
def test_the_dev_inbox_is_there_in_development(app):
    assert "devinbox.inbox" in app.view_functions


# --- the development inbox -------------------------------------------------------------------


def _eml(folder, name: str, *, subject: str, to: str, at: datetime, html: str = "") -> None:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "AutoShop <appointments@autoshop.localhost>"
    message["To"] = to
    message["Date"] = format_datetime(at)
    message.set_content(f"Hello {to},\nyour visit is booked.")
    if html:
        message.add_alternative(html, subtype="html")
    message.add_attachment(
        b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        maintype="text",
        subtype="calendar",
        filename="appointment.ics",
    )
    (folder / name).write_bytes(bytes(message))


@pytest.fixture
def dev_mail(app, tmp_path):
    folder = tmp_path / "dev-mail"
    folder.mkdir()
    app.config["DEV_MAIL_FOLDER"] = str(folder)
    return folder


@pytest.mark.settings(DEV_INBOX=True)
def test_the_dev_inbox_lists_and_shows_kept_mail(app, client, login, factories, dev_mail):
    _eml(
        dev_mail,
        "20261102-100000-1-00001.eml",
        subject="Booked: Tue Dec 1 (AB12CD34)",
        to="ann@example.com",
        at=NOW,
        html="<p>Booked <b>Tue</b></p>",
    )
    _eml(
        dev_mail,
        "20261102-100500-1-00002.eml",
        subject="Reset your AutoShop password",
        to="bob@example.com",
        at=NOW + timedelta(minutes=5),
    )
    (dev_mail / ".20261102-101000-1-00003.eml.part").write_bytes(b"half a message")
    login(factories.mechanic())

    page = client.get("/dev/inbox/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("Reset your AutoShop password") < html.index("Booked: Tue Dec 1 (AB12CD34)")
    assert "ann@example.com" in html and "bob@example.com" in html
    assert "Mon Nov 2, 2026 10:00 AM" in html
    assert "half a message" not in html and ".part" not in html

    one = client.get("/dev/inbox/20261102-100000-1-00001.eml")
    assert one.status_code == 200
    text = one.get_data(as_text=True)
    assert "Hello ann@example.com,\nyour visit is booked." in text
    assert "appointment.ics" in text
    preview = client.get("/dev/inbox/20261102-100000-1-00001.eml/html")
    assert preview.get_data(as_text=True).strip() == "<p>Booked <b>Tue</b></p>"
    assert preview.headers["Content-Security-Policy"].startswith("sandbox;")

    assert client.get("/dev/inbox/..%2Fsecret.eml").status_code == 404
    assert client.get("/dev/inbox/missing.eml").status_code == 404
    assert client.get("/dev/inbox/.20261102-101000-1-00003.eml.part").status_code == 404


@pytest.mark.settings(DEV_INBOX=True)
def test_the_dev_inbox_without_mail_says_so(app, as_admin, dev_mail):
    html = as_admin.get("/dev/inbox/").get_data(as_text=True)
    assert "No mail yet." in html
    assert 'href="/dev/inbox/"' in as_admin.get(LOG).get_data(as_text=True)


@pytest.mark.settings(DEV_INBOX=True)
def test_the_dev_inbox_is_for_staff_only(app, factories, dev_mail):
    _eml(dev_mail, "a.eml", subject="Hi", to="ann@example.com", at=NOW)
    staff = {
        "anonymous": LOGIN,
        "customer_a": 403,
        "customer_b": 403,
        "mechanic": 200,
        "admin": 200,
    }
    walk(
        app,
        make_personas(factories),
        [Route("/dev/inbox/", staff), Route("/dev/inbox/a.eml", staff)],
    )


def test_a_kept_file_written_by_the_dev_mail_server_is_readable(app, tmp_path):
    """The inbox reads exactly what devmail.py writes."""
    from autoshop.notifications.devmail import dev_smtp_controller
    from autoshop.notifications.email import SmtpMailer
    from autoshop.web.devinbox.views import _read

    folder = tmp_path / "dev-mail"
    server = SmtpServer()  # only for a free port
    controller = dev_smtp_controller(folder, port=server.port)
    controller.start()
    try:
        row = queue("ann@example.com", subject="Booked")
        with SmtpMailer({**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port}) as m:
            m.send(row, now=NOW)
    finally:
        controller.stop()
    (path,) = folder.glob("*.eml")
    kept = _read(path)
    assert (kept.subject, kept.to, kept.date) == ("Booked", "ann@example.com", NOW)
    assert "pick it up" in kept.text and "pick it up" in kept.html

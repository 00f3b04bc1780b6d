"""Text messages through Twilio's REST API, and STOP/START replies through its webhook.

Twilio is a real HTTP server in the test process that speaks the Messages API; the webhook is
called with signatures computed by Twilio's documented algorithm. Time is passed in.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Notification
from autoshop.notifications.worker import run_worker
from autoshop.services import outbox_planning
from autoshop.web.webhooks.views import twilio_signature

SID = "AC00000000000000000000000000000001"
TOKEN = "twilio-test-auth-token"
SHOP_NUMBER = "+12015550100"
PUBLIC = "https://shop.example"
WEBHOOK = "/webhooks/sms/twilio"

TWILIO = {
    "SMS_PROVIDER": "twilio",
    "SMS_FROM": SHOP_NUMBER,
    "TWILIO_ACCOUNT_SID": SID,
    "TWILIO_AUTH_TOKEN": TOKEN,
    "PUBLIC_BASE_URL": PUBLIC,
}
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@dataclass
class Sent:
    path: str
    authorization: str
    form: dict[str, str]


class FakeTwilio:
    """Twilio's Messages API: checks basic auth and the form, answers like Twilio does.

    `fail_with(400, 21211, "...")` makes every following request fail that way; `recover()` ends it.
    """

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.failure: tuple[int, int, str] | None = None
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                status, answer = fake._answer(
                    Sent(self.path, self.headers.get("Authorization", ""), form)
                )
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _answer(self, request: Sent) -> tuple[int, dict[str, Any]]:
        expected_auth = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if request.authorization != expected_auth:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if request.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return 404, {"code": 20404, "message": "The requested resource was not found"}
        if not all(request.form.get(k) for k in ("To", "From", "Body")):
            return 400, {"code": 21604, "message": "A 'To' phone number is required."}
        with self._lock:
            if self.failure:
                status, code, message = self.failure
                return status, {"code": code, "message": message, "status": status}
            self.sent.append(request)
            sid = f"SM{len(self.sent):032d}"
        return 201, {"sid": sid, "status": "queued", "to": request.form["To"]}

    def fail_with(self, status: int, code: int, message: str) -> None:
        self.failure = (status, code, message)

    def recover(self) -> None:
        self.failure = None

    def to(self, number: str) -> list[Sent]:
        return [s for s in self.sent if s.form["To"] == number]

    def start(self) -> FakeTwilio:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def twilio(app) -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    app.config.update(TWILIO_BASE_URL=fake.url)
    try:
        yield fake
    finally:
        fake.stop()


def text(recipient: str, *, due_at: datetime = NOW, **fields: Any) -> Notification:
    row = Notification(
        channel=NotificationChannel.SMS,
        recipient=recipient,
        kind=fields.pop("kind", "test_message"),
        subject="",
        body_text=fields.pop("body_text", "AutoShop: your car is ready. Pick it up by 6 pm."),
        due_at=due_at,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def reload(row: Any) -> Any:
    db.session.commit()
    db.session.refresh(row)
    return row


def work(app, at: datetime = NOW) -> int:
    return run_worker(app, once=True, clock=lambda: at)


def reply(client, phone: str, body: str, *, signature: str | None = None, **extra: str):
    """Twilio calling our webhook for a text `phone` sent to the shop's number."""
    params = {
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": SID,
        "From": phone,
        "To": SHOP_NUMBER,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    if signature is None:
        signature = twilio_signature(TOKEN, PUBLIC + WEBHOOK, params.items())
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(WEBHOOK, data=params, headers=headers)


# --- sending ---------------------------------------------------------------------------------


@pytest.mark.settings(**TWILIO)
def test_texts_are_delivered_through_twilio(app, twilio):
    row = text("+12015550147")

    assert work(app) == 1

    (sent,) = twilio.sent
    assert sent.form == {
        "To": "+12015550147",
        "From": SHOP_NUMBER,
        "Body": "AutoShop: your car is ready. Pick it up by 6 pm.",
    }
    reload(row)
    assert row.status == NotificationStatus.SENT
    assert row.sent_at == NOW
    assert row.payload["provider_id"] == f"SM{1:032d}"
    assert work(app, NOW + timedelta(hours=1)) == 0  # nothing twice
    assert len(twilio.sent) == 1


@pytest.mark.settings(**TWILIO)
def test_a_booking_texts_a_customer_who_opted_in(
    app, twilio, smtp_server, factories, make_appointment
):
    app.config.update(smtp_server.mail_settings)
    texted = make_appointment(customer=factories.customer(phone="+12015550147", sms_opt_in=True))
    quiet = make_appointment(customer=factories.customer(phone="+12015550148", sms_opt_in=False))
    for appointment in (texted, quiet):
        outbox_planning.plan_booking(appointment, now=NOW)
    db.session.commit()

    assert work(app) == 3  # two emails and one text now; the reminders are due later

    (sent,) = twilio.sent
    assert sent.form["To"] == "+12015550147"
    body = sent.form["Body"]
    assert body.startswith("AutoShop: booked ")
    assert f"ref {texted.reference}" in body
    assert len(body) < 160
    assert len(smtp_server.messages) == 2


@pytest.mark.settings(**TWILIO)
def test_an_invalid_number_fails_at_once_with_twilios_message(app, twilio):
    twilio.fail_with(400, 21211, "The 'To' number +1555 is not a valid phone number.")
    row = text("+1555")

    assert work(app) == 1

    reload(row)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == 1
    assert row.last_error == (
        "Twilio 400 (error 21211): The 'To' number +1555 is not a valid phone number."
    )
    assert work(app, NOW + timedelta(days=1)) == 0


@pytest.mark.settings(**TWILIO)
def test_an_unsubscribed_recipient_fails_at_once_and_is_opted_out(app, twilio, factories):
    texter = factories.customer(phone="+12015550147", sms_opt_in=True)
    twilio.fail_with(400, 21610, "Attempt to send to unsubscribed recipient")
    row = text("+12015550147")
    later = text("+12015550147", due_at=NOW + timedelta(hours=2))
    work(app)
    reload(row)
    assert row.status == NotificationStatus.FAILED
    assert "21610" in row.last_error and "unsubscribed" in row.last_error
    # The provider knows of a STOP we never saw: the customer is opted out here too.
    assert reload(texter).sms_opt_in is False
    assert reload(later).status == NotificationStatus.CANCELLED


@pytest.mark.settings(**TWILIO)
def test_a_twilio_outage_is_retried_and_delivered_once(app, twilio):
    twilio.fail_with(500, 20500, "An internal server error has occurred")
    row = text("+12015550147")

    assert work(app) == 1
    reload(row)
    assert row.status == NotificationStatus.PENDING
    assert row.due_at == NOW + timedelta(seconds=30)
    assert "Twilio 500" in row.last_error

    twilio.recover()
    assert work(app, NOW + timedelta(seconds=29)) == 0
    assert work(app, NOW + timedelta(seconds=30)) == 1
    reload(row)
    assert (row.status, row.attempts, row.last_error) == (NotificationStatus.SENT, 2, "")
    assert len(twilio.to("+12015550147")) == 1


@pytest.mark.settings(**TWILIO)
def test_wrong_credentials_are_retried_not_blamed_on_the_recipient(app, twilio):
    app.config.update(TWILIO_AUTH_TOKEN="not-the-token")
    row = text("+12015550147")
    work(app)
    reload(row)
    assert row.status == NotificationStatus.PENDING
    assert "Twilio 401" in row.last_error


@pytest.mark.settings(**TWILIO, TWILIO_BASE_URL="http://127.0.0.1:9")  # nobody listens there
def test_twilio_unreachable_is_retried(app):
    row = text("+12015550147")
    work(app)
    reload(row)
    assert row.status == NotificationStatus.PENDING
    assert "Twilio unavailable" in row.last_error


@pytest.mark.settings(**TWILIO, SMS_TIMEOUT=0.2)
def test_a_twilio_that_never_answers_times_out_and_is_retried(app):
    with socket.socket() as silent:  # accepts connections (the backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        app.config.update(TWILIO_BASE_URL=f"http://127.0.0.1:{silent.getsockname()[1]}")
        row = text("+12015550147")
        work(app)
    reload(row)
    assert row.status == NotificationStatus.PENDING
    assert "Twilio unavailable" in row.last_error and "timed out" in row.last_error


# --- STOP and START --------------------------------------------------------------------------


def test_the_signature_matches_twilios_documented_examples():
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    assert twilio_signature("12345", url, params.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]
    assert twilio_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@pytest.mark.settings(**TWILIO)
@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe ", "STOPALL", "CANCEL", "QUIT"])
def test_stop_opts_the_number_out_and_cancels_its_pending_texts(
    app, client, twilio, factories, word
):
    phone, other_phone = "+12015550147", "+12015550199"
    # Two accounts share the family phone; a third person has their own.
    parent = factories.customer(phone=phone, sms_opt_in=True)
    teen = factories.customer(phone=phone, sms_opt_in=True)
    neighbour = factories.customer(phone=other_phone, sms_opt_in=True)
    reminder = text(phone, due_at=NOW + timedelta(hours=20), kind="appointment_reminder")
    retrying = text(phone, due_at=NOW - timedelta(minutes=1))
    already_sent = text(phone, status=NotificationStatus.SENT, sent_at=NOW - timedelta(days=1))
    theirs = text(other_phone, due_at=NOW + timedelta(hours=20))

    response = reply(client, phone, word)

    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert not reload(parent).sms_opt_in and not reload(teen).sms_opt_in
    assert reload(neighbour).sms_opt_in
    for row in (reminder, retrying):
        reload(row)
        assert row.status == NotificationStatus.CANCELLED
        assert row.last_error == "Cancelled: the recipient replied STOP."
    assert reload(already_sent).status == NotificationStatus.SENT
    assert reload(theirs).status == NotificationStatus.PENDING

    assert work(app, NOW + timedelta(days=1)) == 1
    assert twilio.to(phone) == []
    assert len(twilio.to(other_phone)) == 1


@pytest.mark.settings(**TWILIO)
def test_after_stop_new_bookings_queue_no_texts(app, client, factories, make_appointment):
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    assert reply(client, "+12015550147", "STOP").status_code == 200

    appointment = make_appointment(customer=customer)
    outbox_planning.plan_booking(appointment, now=NOW)
    db.session.commit()
    channels = db.session.scalars(
        sa.select(Notification.channel).where(Notification.appointment_id == appointment.id)
    ).all()
    assert channels and set(channels) == {NotificationChannel.EMAIL}


@pytest.mark.settings(**TWILIO)
@pytest.mark.parametrize("word", ["START", "unstop"])
def test_start_opts_the_number_back_in(app, client, twilio, factories, word):
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    assert reply(client, "+12015550147", "STOP").status_code == 200
    assert not reload(customer).sms_opt_in

    response = reply(client, "+12015550147", word)

    assert response.status_code == 200
    assert reload(customer).sms_opt_in
    text("+12015550147")
    assert work(app) == 1
    assert len(twilio.to("+12015550147")) == 1


@pytest.mark.settings(**TWILIO)
def test_any_other_reply_changes_nothing(app, client, factories):
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    row = text("+12015550147", due_at=NOW + timedelta(hours=1))
    response = reply(client, "+12015550147", "Please stop by at 5, thanks")
    assert response.status_code == 200
    assert reload(customer).sms_opt_in
    assert reload(row).status == NotificationStatus.PENDING


@pytest.mark.settings(**TWILIO)
@pytest.mark.parametrize(
    "signature",
    [
        "",  # missing
        "RSOYDt4T1cUTdK1PDd93/VVr8B8=",  # valid for some other request
        "signed-with-another-token",
    ],
)
def test_a_bad_signature_is_refused_and_changes_nothing(app, client, factories, signature):
    if signature == "signed-with-another-token":
        params = {"From": "+12015550147", "To": SHOP_NUMBER, "Body": "STOP"}
        signature = twilio_signature("another-token", PUBLIC + WEBHOOK, params.items())
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    row = text("+12015550147", due_at=NOW + timedelta(hours=1))

    response = reply(client, "+12015550147", "STOP", signature=signature)

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Invalid signature"
    assert reload(customer).sms_opt_in
    assert reload(row).status == NotificationStatus.PENDING


@pytest.mark.settings(**TWILIO)
def test_a_tampered_body_is_refused(app, client, factories):
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    params = {"From": "+12015550147", "To": SHOP_NUMBER, "Body": "Hello"}
    signature = twilio_signature(TOKEN, PUBLIC + WEBHOOK, params.items())
    response = client.post(
        WEBHOOK, data={**params, "Body": "STOP"}, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert reload(customer).sms_opt_in


@pytest.mark.settings(**{**TWILIO, "TWILIO_AUTH_TOKEN": ""})
def test_without_an_auth_token_every_request_is_refused(app, client, factories):
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    params = {"From": "+12015550147", "To": SHOP_NUMBER, "Body": "STOP"}
    signature = twilio_signature("", PUBLIC + WEBHOOK, params.items())
    response = client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert reload(customer).sms_opt_in


@pytest.mark.settings(**{**TWILIO, "PUBLIC_BASE_URL": "https://shop.example:443"})
def test_the_url_is_accepted_with_or_without_the_default_port(app, client, factories):
    customer = factories.customer(phone="+12015550147", sms_opt_in=True)
    params = {"From": "+12015550147", "To": SHOP_NUMBER, "Body": "STOP"}
    signature = twilio_signature(TOKEN, "https://shop.example" + WEBHOOK, params.items())
    response = client.post(WEBHOOK, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert not reload(customer).sms_opt_in


# --- guests ---------------------------------------------------------------------------------------


def _guest_visit(make_appointment, phone: str, *, sms: bool) -> Any:
    return make_appointment(
        guest_name="Gus Guest",
        guest_email=f"gus{phone[-2:]}@example.com",
        guest_phone=phone,
        guest_sms_opt_in=sms,
    )


@pytest.mark.settings(**TWILIO)
def test_a_guest_who_agreed_to_texts_gets_them_and_one_who_did_not_gets_none(
    app, twilio, smtp_server, make_appointment
):
    app.config.update(smtp_server.mail_settings)
    texted = _guest_visit(make_appointment, "+12015550147", sms=True)
    quiet = _guest_visit(make_appointment, "+12015550148", sms=False)
    for appointment in (texted, quiet):
        outbox_planning.plan_booking(appointment, now=NOW)
    db.session.commit()

    assert work(app) == 3  # two emails and the one text
    (sent,) = twilio.sent
    assert sent.form["To"] == "+12015550147"
    assert f"ref {texted.reference}" in sent.form["Body"]


@pytest.mark.settings(**TWILIO)
def test_stop_from_a_guest_ends_the_texts_about_their_visits(app, client, twilio, make_appointment):
    phone = "+12015550147"
    first = _guest_visit(make_appointment, phone, sms=True)
    outbox_planning.plan_booking(first, now=NOW)
    db.session.commit()
    pending = db.session.scalars(
        sa.select(Notification).where(
            Notification.channel == NotificationChannel.SMS,
            Notification.status == NotificationStatus.PENDING,
        )
    ).all()
    assert pending, "the booking queued texts for the guest"

    assert reply(client, phone, "STOP").status_code == 200

    assert not reload(first).guest_sms_opt_in
    for row in pending:
        assert reload(row).status == NotificationStatus.CANCELLED
    # Nothing planned later for that visit goes to the phone either.
    assert outbox_planning.recipients(reload(first)) == [
        (NotificationChannel.EMAIL, first.guest_email)
    ]
    work(app, NOW + timedelta(days=3))
    assert twilio.to(phone) == []

"""One booking per action: the API's Idempotency-Key and the booking form's one-time nonce.

A repeated request (a client's retry, a double click) answers like the first one and books
nothing new, also when both arrive at the same moment (two threads, each with its own
connection, released together just before the booking's write transaction).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from werkzeug.datastructures import MultiDict

from autoshop.extensions import db
from autoshop.models import Appointment, IdempotencyKey, Notification
from autoshop.services import booking as booking_service
from autoshop.services import idempotency, manage_links
from tests.integration.test_booking_web import _url, form_on, text_of

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
START = "2026-12-01T09:00:00-05:00"
CAR = {"year": 2019, "make": "Honda", "model": "CR-V"}
GUEST = {"name": "Gus Guest", "email": "gus@example.com", "phone": "(201) 555-0100"}
KEY = "5f1c9a2e-3b7d-4c1e-9f7a-2d8e6b0c4a11"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    return factories.booking_shop()  # two lifts: a twin request could take the other one


def _body(shop, **changes: Any) -> dict[str, Any]:
    return {"services": [shop["oil"].id], "start": START, "vehicle": CAR, "guest": GUEST, **changes}


def _book(client, body, key: str | None = KEY):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/api/v1/appointments", json=body, headers=headers)


def _take_nine_oclock(shop, factories) -> None:
    for bay in shop["location"].bays:
        factories.appointment(
            location=shop["location"], bay=bay, starts_at=NOW + timedelta(hours=25)
        )


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _confirmations() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.kind == "appointment_confirmation")
    )


# --- the API --------------------------------------------------------------------------------------


def test_the_same_key_replays_the_first_answer_and_books_once(client, shop):
    first = _book(client, _body(shop))
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = _book(client, _body(shop))  # the client never saw the answer and retries
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _count(Appointment) == 1
    assert _confirmations() == 1
    # Without a key, the same body is a new booking (the other lift is free at 9:00).
    assert _book(client, _body(shop), key=None).status_code == 201
    assert _count(Appointment) == 2


def test_the_same_key_with_another_body_is_refused(client, shop):
    assert _book(client, _body(shop)).status_code == 201
    other = _book(client, _body(shop, start="2026-12-01T10:00:00-05:00"))
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert other.get_json()["type"].endswith("/idempotency-key-reused")
    assert _count(Appointment) == 1


def test_keys_belong_to_their_caller(client, app, shop, factories, login):
    assert _book(client, _body(shop)).status_code == 201  # a guest
    customer = factories.customer()
    other = app.test_client()
    login(customer, test_client=other)
    mine = _book(other, {k: v for k, v in _body(shop).items() if k != "guest"})
    assert mine.status_code == 201
    assert "Idempotent-Replayed" not in mine.headers
    assert _count(Appointment) == 2


def test_a_refused_request_keeps_no_key(client, shop, factories):
    _take_nine_oclock(shop, factories)  # both lifts
    taken = _book(client, _body(shop))
    assert taken.status_code == 409
    # Nothing was booked, so the key is still free for the retry at another time.
    retry = _book(client, _body(shop, start="2026-12-01T14:00:00-05:00"))
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers


@pytest.mark.parametrize(
    "key", ["", "x" * 256, "two words", "é"], ids=["empty", "long", "space", "non-ascii"]
)
def test_a_malformed_key_is_422(client, shop, key):
    response = client.post(
        "/api/v1/appointments",
        json=_body(shop),
        headers={"Idempotency-Key": key.encode().decode("latin-1")},
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "Idempotency-Key" in str(response.get_json()["errors"])
    assert _count(Appointment) == 0


def test_keys_expire_after_a_day_and_are_purged(app, client, shop, frozen):
    assert _book(client, _body(shop)).status_code == 201
    frozen.move_to(NOW + timedelta(hours=23))
    assert _book(client, _body(shop)).headers.get("Idempotent-Replayed") == "true"

    frozen.move_to(NOW + timedelta(hours=24, minutes=1))
    later = _book(client, _body(shop, start="2026-12-02T10:00:00-05:00"))
    assert later.status_code == 201  # a new booking: the old key is forgotten, not "reused"
    assert "Idempotent-Replayed" not in later.headers
    assert _count(Appointment) == 2
    assert _count(IdempotencyKey) == 1  # the expired row made way for the new one

    db.session.add(
        IdempotencyKey(
            scope="api:anonymous",
            key="old",
            fingerprint="0" * 64,
            response_status=201,
            response_body="{}",
            created_at=NOW,
        )
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-idempotency-keys"])
    assert "Deleted 1 expired idempotency key(s)." in result.output
    assert _count(IdempotencyKey) == 1


def test_the_openapi_document_describes_the_header(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/appointments"]["post"]
    (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and not header.get("required")
    assert "same key" in header["description"]
    assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
    assert "422" in operation["responses"]


# --- both at once ---------------------------------------------------------------------------------


@contextmanager
def _meeting_before_the_write(parties: int = 2):
    """Hold each booking at the door of its write transaction until all of them got there, so
    every request has passed its checks before any of them writes."""
    barrier = threading.Barrier(parties)
    real = booking_service.run_write

    def gated(*args: Any, **kwargs: Any):
        barrier.wait(timeout=30)
        return real(*args, **kwargs)

    booking_service.run_write = gated
    try:
        yield
    finally:
        booking_service.run_write = real


def _together(app, requests) -> list[Any]:
    """Send each request from its own thread and client (own session and connection)."""
    responses: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        with app.app_context():
            try:
                responses[i] = requests[i](app.test_client())
            finally:
                db.session.remove()

    with _meeting_before_the_write(len(requests)):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    return responses


def test_two_requests_with_one_key_at_once_book_once(app, shop):
    body = _body(shop)
    first, second = _together(app, [lambda c: _book(c, body), lambda c: _book(c, body)])
    assert (first.status_code, second.status_code) == (201, 201), (
        first.get_data(as_text=True),
        second.get_data(as_text=True),
    )
    assert first.get_json() == second.get_json()
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in (first, second)) == ["", "true"]
    assert _count(Appointment) == 1
    assert _confirmations() == 1


# --- the booking form ----------------------------------------------------------------------------


def _review_page(client, shop) -> str:
    page = text_of(client.get(_url(shop)))
    assert "Check and confirm" in page
    return page


def _post_confirm(client, page: str):
    form = form_on(page, method="post")
    return client.post(form["action"], data=MultiDict([tuple(f) for f in form["fields"]]))


def _booked(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    token = response.headers["Location"].rsplit("/", 1)[1]
    return manage_links.appointment_for(token).id


def test_a_double_clicked_confirm_books_once_and_shows_the_visit(client, shop):
    page = _review_page(client, shop)
    assert 'name="nonce"' in page
    first = _post_confirm(client, page)
    second = _post_confirm(client, page)  # the same form again: no error page, the same visit
    assert _booked(first) == _booked(second)
    assert _count(Appointment) == 1
    assert _confirmations() == 1
    shown = text_of(client.get(second.headers["Location"]))
    assert "Your visit is booked" in shown

    # A new pass through the review step is a new form: it may book again (the other lift).
    assert _review_page(client, shop) != page
    assert _booked(_post_confirm(client, _review_page(client, shop))) != _booked(first)
    assert _count(Appointment) == 2


def test_a_customer_double_clicking_confirm_lands_on_the_one_visit(client, login, shop, factories):
    customer = factories.customer()
    car = factories.vehicle(owner=customer)
    login(customer)
    page = text_of(client.get(_url(shop, vehicle=car.id)))
    assert "Check and confirm" in page
    first, second = _post_confirm(client, page), _post_confirm(client, page)
    assert (first.status_code, second.status_code) == (303, 303), second.get_data(as_text=True)
    assert first.headers["Location"] == second.headers["Location"]
    (appointment,) = db.session.scalars(sa.select(Appointment)).all()
    assert second.headers["Location"] == f"/appointments/{appointment.reference}"
    assert "Your visit is booked" in text_of(client.get(second.headers["Location"]))


def test_every_review_page_has_its_own_nonce(client, shop):
    nonces = {
        dict(form_on(_review_page(client, shop), method="post")["fields"])["nonce"]
        for _ in range(3)
    }
    assert len(nonces) == 3


def test_a_retry_after_taken_is_the_same_form(client, shop, factories):
    page = _review_page(client, shop)
    _take_nine_oclock(shop, factories)  # both lifts
    taken = _post_confirm(client, page)
    assert taken.status_code == 409
    alternatives = text_of(taken)
    nonce = dict(form_on(page, method="post")["fields"])["nonce"]
    assert dict(form_on(alternatives, method="post")["fields"])["nonce"] == nonce
    first = _post_confirm(client, alternatives)
    again = _post_confirm(client, alternatives)
    assert _booked(first) == _booked(again)
    assert _count(Appointment) == 3


def test_two_confirms_of_one_form_at_once_book_once(app, client, shop):
    page = _review_page(client, shop)
    form = form_on(page, method="post")
    data = MultiDict([tuple(f) for f in form["fields"]])
    cookie = client.get_cookie("session")

    def confirm(c):
        if cookie is not None:  # the same browser: its session (and CSRF token) cookie
            c.set_cookie("session", cookie.value)
        return c.post("/book", data=data)

    first, second = _together(app, [confirm, confirm])
    assert _booked(first) == _booked(second)
    assert _count(Appointment) == 1
    assert _confirmations() == 1


def test_a_form_without_a_nonce_still_books(client, shop):
    page = _review_page(client, shop)
    form = form_on(page, method="post")
    data = MultiDict([tuple(f) for f in form["fields"] if f[0] != "nonce"])
    assert client.post("/book", data=data).status_code == 303
    assert _count(Appointment) == 1


def test_lookup_ignores_keys_older_than_a_day(app, shop, client):
    assert _book(client, _body(shop)).status_code == 201
    key = idempotency.Key("api:anonymous", KEY, "")
    assert idempotency.lookup(key, now=NOW + timedelta(hours=24) - timedelta(seconds=1))
    assert idempotency.lookup(key, now=NOW + timedelta(hours=24)) is None
    assert idempotency.purge_expired(now=NOW + timedelta(hours=24)) == 1

"""The booking API: 201 with the appointment, 409 with alternatives, 422, 401/403/404, 415."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability
from autoshop.extensions import db
from autoshop.models import Appointment, Notification
from tests.conftest import submit_form

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
START = "2026-12-01T09:00:00-05:00"
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]
CAR = {"year": 2019, "make": "Honda", "model": "CR-V", "vin": "1G4AH59H45G118341"}
GUEST = {"name": "Gus Guest", "email": "gus@example.com", "phone": "(201) 555-0100"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    location = factories.location(bays=[("Lift 1", LIFT)], address="12 Main St")
    return {"location": location, "oil": factories.service("Oil change", duration_minutes=30)}


def post(client, path, body, **kw):
    return client.post(path, json=body, **kw)


def test_guest_books_through_the_api(client, shop):
    body = {
        "services": [shop["oil"].id],
        "start": START,
        "vehicle": CAR,
        "guest": GUEST,
        "concern": "<script>alert(1)</script> rattles",
    }
    response = post(client, "/api/v1/appointments", body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["start"] == START and data["end"] == "2026-12-01T09:30:00-05:00"
    assert data["status"] == "scheduled" and data["address"] == "12 Main St"
    assert data["concern"] == "<script>alert(1)</script> rattles"  # JSON carries text as is
    assert "/appointments/manage/" in data["manage_url"]
    appointment = db.session.scalar(sa.select(Appointment))
    assert appointment.guest_phone == "+12015550100"
    assert appointment.vehicle.vin == "1G4AH59H45G118341"


@pytest.mark.parametrize(("sms_opt_in", "texted"), [(True, True), (False, False), (None, False)])
def test_a_guest_may_agree_to_texts_through_the_api(client, shop, sms_opt_in, texted):
    guest = GUEST if sms_opt_in is None else {**GUEST, "sms_opt_in": sms_opt_in}
    body = {"services": [shop["oil"].id], "start": START, "vehicle": CAR, "guest": guest}
    assert post(client, "/api/v1/appointments", body).status_code == 201
    appointment = db.session.scalar(sa.select(Appointment))
    assert appointment.guest_sms_opt_in is texted
    texts = db.session.scalars(
        sa.select(Notification.recipient).where(Notification.channel == "sms")
    ).all()
    assert (set(texts) == {"+12015550100"}) if texted else texts == []


def test_a_guest_texts_answer_must_be_true_or_false(client, shop):
    guest = {**GUEST, "sms_opt_in": "perhaps"}
    body = {"services": [shop["oil"].id], "start": START, "vehicle": CAR, "guest": guest}
    response = post(client, "/api/v1/appointments", body)
    assert response.status_code == 422
    assert "sms_opt_in" in str(response.get_json())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0


def test_taken_time_is_409_with_alternatives(client, shop):
    body = {"services": [shop["oil"].id], "start": START, "vehicle": CAR, "guest": GUEST}
    assert post(client, "/api/v1/appointments", body).status_code == 201
    again = post(
        client, "/api/v1/appointments", {**body, "guest": {**GUEST, "email": "b@example.com"}}
    )
    assert again.status_code == 409
    problem = again.get_json()
    assert again.mimetype == "application/problem+json"
    assert problem["type"].endswith("/slot-taken")
    assert problem["alternatives"] and START not in problem["alternatives"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 1


@pytest.mark.parametrize(
    ("change", "status", "kind"),
    [
        ({"start": "2026-12-01T09:05:00-05:00"}, 422, "not-offered"),
        ({"start": "2026-11-29T09:00:00-05:00"}, 422, "start-in-past"),
        ({"start": "2026-12-01T09:00:00"}, 422, "invalid-input"),
        ({"services": [999]}, 422, "unknown-services"),
        ({"services": []}, 422, "invalid-input"),
        ({"vehicle": {"year": 2019}}, 422, "vehicle-incomplete"),
        ({"vehicle": {**CAR, "vin": "1G4AH59H45G118342"}}, 422, "bad-vin"),
        ({"guest": None}, 422, "no-contact"),
        ({"guest": {**GUEST, "email": "nope"}}, 422, "bad-email"),
        ({"guest": {**GUEST, "phone": "555-01"}}, 422, "bad-phone"),
        ({"concern": "x" * 2001}, 422, "invalid-input"),
        ({"mode": "teleport"}, 422, "invalid-input"),
    ],
    ids=[
        "off-grid",
        "past",
        "naive",
        "unknown-service",
        "no-services",
        "vehicle",
        "vin",
        "no-guest",
        "email",
        "phone",
        "concern",
        "mode",
    ],
)
def test_bad_bookings_are_problem_json_and_save_nothing(client, shop, change, status, kind):
    body = {"services": [shop["oil"].id], "start": START, "vehicle": CAR, "guest": GUEST}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = post(client, "/api/v1/appointments", body)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["type"].endswith("/" + kind)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_form_encoded_writes_are_refused(client, shop):
    response = client.post("/api/v1/appointments", data={"services": shop["oil"].id})
    assert response.status_code in (415, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0


def test_customers_see_and_change_only_their_own(app, client, shop, factories, login):
    owner = factories.customer(email="owner@example.com")
    login(owner)
    created = post(
        client,
        "/api/v1/appointments",
        {"services": [shop["oil"].id], "start": START, "vehicle": CAR},
    )
    assert created.status_code == 201, created.get_json()
    reference = created.get_json()["reference"]
    assert [a["reference"] for a in client.get("/api/v1/appointments").get_json()] == [reference]
    assert client.get(f"/api/v1/appointments/{reference}").status_code == 200

    other = app.test_client()
    submit_form(
        other,
        "/account/login",
        {"email": factories.customer().email, "password": "correct-horse-battery-staple-42"},
    )
    assert other.get(f"/api/v1/appointments/{reference}").status_code == 404
    assert other.get("/api/v1/appointments").get_json() == []
    assert post(other, f"/api/v1/appointments/{reference}/cancel", {}).status_code == 404
    assert app.test_client().get("/api/v1/appointments").status_code == 401

    moved = post(
        client,
        f"/api/v1/appointments/{reference}/reschedule",
        {"start": "2026-12-02T13:00:00-05:00"},
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["start"] == "2026-12-02T13:00:00-05:00"
    cancelled = post(client, f"/api/v1/appointments/{reference}/cancel", {"reason": "Sold the car"})
    assert cancelled.get_json()["status"] == "cancelled"
    again = post(client, f"/api/v1/appointments/{reference}/cancel", {})
    assert again.status_code == 422 and again.get_json()["type"].endswith("/not-cancellable")


def test_customer_cannot_cancel_after_the_cutoff(client, shop, factories, login):
    login(factories.customer())
    reference = post(
        client,
        "/api/v1/appointments",
        {"services": [shop["oil"].id], "start": START, "vehicle": CAR},
    ).get_json()["reference"]
    with time_machine.travel(datetime(2026, 12, 1, 4, 0, tzinfo=UTC), tick=False):
        response = post(client, f"/api/v1/appointments/{reference}/cancel", {})
    assert response.status_code == 403
    assert "24 hours" in response.get_json()["detail"]


def test_staff_list_everything_with_filters(app, client, shop, factories, login):
    factories.appointment(
        location=shop["location"], starts_at=datetime(2026, 12, 1, 14, tzinfo=UTC)
    )
    factories.appointment(
        location=shop["location"], starts_at=datetime(2026, 12, 3, 14, tzinfo=UTC)
    )
    login(factories.admin())
    everything = client.get("/api/v1/appointments").get_json()
    assert len(everything) == 2
    first_day = client.get("/api/v1/appointments?start=2026-12-01&end=2026-12-01").get_json()
    assert len(first_day) == 1


@pytest.mark.settings(BOOKING_RATE_LIMIT="2 per minute")
def test_booking_is_rate_limited(client, shop):
    body = {"services": [999], "start": START, "vehicle": CAR, "guest": GUEST}
    codes = [post(client, "/api/v1/appointments", body).status_code for _ in range(3)]
    assert codes == [422, 422, 429]


@pytest.mark.settings(BOOKING_RATE_LIMIT="2 per minute")
def test_cancelling_is_rate_limited_too(client, shop, factories, login):
    login(factories.customer())
    codes = [post(client, "/api/v1/appointments/NOPE/cancel", {}).status_code for _ in range(3)]
    assert codes == [404, 404, 429]

"""Guests who become customers: confirming the email brings the earlier guest visits along."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, User, Vehicle
from autoshop.services import outbox_planning
from tests.conftest import submit_form
from tests.integration.test_accounts import NEW_PASSWORD, link_in, outbox, register

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def guest_visit(make_appointment, email: str, *, days: int, sms: bool = False) -> Appointment:
    visit = make_appointment(
        guest_name="Rosa Parks",
        guest_email=email,
        guest_phone="+12015550147",
        guest_sms_opt_in=sms,
        starts_at=NOW + timedelta(days=days),
    )
    outbox_planning.plan_booking(visit, now=NOW)
    db.session.commit()
    return visit


def confirm(client, email: str) -> User:
    welcome = next(m for m in outbox(email) if m.kind == "account_welcome")
    assert client.get(link_in(welcome, "/account/confirm/")).status_code == 302
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None and user.confirmed_at is not None
    return user


def test_confirming_the_email_brings_the_guest_visits_and_cars_into_the_account(
    client, make_appointment
):
    past = guest_visit(make_appointment, "rosa@example.com", days=-40)
    upcoming = guest_visit(make_appointment, "ROSA@example.com", days=5)
    someone_else = guest_visit(make_appointment, "other@example.com", days=6)

    assert register(client).status_code == 302
    db.session.expire_all()
    # Registering alone proves nothing: anyone can type an address.
    assert db.session.get(Appointment, upcoming.id).customer_id is None

    user = confirm(client, "rosa@example.com")

    for visit in (past, upcoming):
        claimed = db.session.get(Appointment, visit.id)
        assert claimed.customer_id == user.id
        assert db.session.get(Vehicle, claimed.vehicle_id).owner_id == user.id
    assert db.session.get(Appointment, someone_else.id).customer_id is None
    messages = db.session.scalars(
        sa.select(Notification.user_id).where(Notification.appointment_id == upcoming.id)
    ).all()
    assert messages and set(messages) == {user.id}

    submit_form(client, "/account/login", {"email": "rosa@example.com", "password": NEW_PASSWORD})
    page = client.get("/appointments").get_data(as_text=True)
    assert upcoming.reference in page and past.reference in page
    assert someone_else.reference not in page
    assert client.get(f"/appointments/{upcoming.reference}").status_code == 200


def test_the_accounts_text_preference_rules_the_claimed_visits(client, make_appointment):
    visit = guest_visit(make_appointment, "rosa@example.com", days=5, sms=True)
    texts = sa.select(Notification).where(
        Notification.appointment_id == visit.id,
        Notification.channel == NotificationChannel.SMS,
        Notification.kind == outbox_planning.REMINDER,
    )
    assert db.session.scalars(texts).all(), "the guest's text reminder was planned"

    register(client)
    confirm(client, "rosa@example.com")  # a new account takes no texts until it says so

    db.session.expire_all()
    assert {m.status for m in db.session.scalars(texts)} == {NotificationStatus.CANCELLED}


def test_a_guest_who_came_twice_with_one_car_gets_that_car_once(
    client, factories, make_appointment
):
    first_car = factories.vehicle(owner=None, year=2019, make="Honda", model="CR-V", plate="ROSA1")
    second_car = factories.vehicle(owner=None, year=2019, make="Honda", model="CR-V", plate="ROSA1")
    first = make_appointment(
        guest_name="Rosa Parks",
        guest_email="rosa@example.com",
        vehicle=first_car,
        starts_at=NOW - timedelta(days=60),
    )
    second = make_appointment(
        guest_name="Rosa Parks",
        guest_email="rosa@example.com",
        vehicle=second_car,
        starts_at=NOW + timedelta(days=4),
    )

    register(client)
    user = confirm(client, "rosa@example.com")

    owned = db.session.scalars(sa.select(Vehicle).where(Vehicle.owner_id == user.id)).all()
    assert len(owned) == 1
    assert {db.session.get(Appointment, a.id).vehicle_id for a in (first, second)} == {owned[0].id}


def test_overlapping_guest_visits_of_one_car_are_both_claimed(client, factories, make_appointment):
    """Two guest bookings of the same car at the same time can't share one car row (the database
    refuses a car in two overlapping visits): both visits still come into the account."""
    location = factories.location()
    cars = [
        factories.vehicle(owner=None, year=2019, make="Honda", model="CR-V", plate="ROSA1")
        for _ in range(2)
    ]
    visits = [
        make_appointment(
            guest_name="Rosa Parks",
            guest_email="rosa@example.com",
            vehicle=car,
            location=location,
            bay=bay,
            starts_at=NOW + timedelta(days=4),
        )
        for car, bay in zip(cars, location.bays[:2], strict=True)
    ]

    register(client)
    user = confirm(client, "rosa@example.com")

    claimed = [db.session.get(Appointment, v.id) for v in visits]
    assert {a.customer_id for a in claimed} == {user.id}
    assert len({a.vehicle_id for a in claimed}) == 2

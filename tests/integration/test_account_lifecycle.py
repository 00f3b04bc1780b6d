"""A customer changes their email (confirmed on the new address) or deletes their account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import NotificationStatus
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, Review, User, Vehicle
from autoshop.services import outbox_planning
from tests.conftest import submit_form
from tests.integration.test_accounts import link_in, outbox

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery-41"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rosa(factories):
    return factories.customer(
        email="rosa@example.com", password=PASSWORD, first_name="Rosa", phone="+12015550147"
    )


def log_in(client, user) -> None:
    response = submit_form(client, "/account/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def reload(row):
    db.session.expire_all()
    return db.session.get(type(row), row.id)


# --- change of email ------------------------------------------------------------------------------


def test_a_new_email_takes_effect_once_confirmed_and_reminders_follow_it(
    client, rosa, make_appointment
):
    visit = make_appointment(customer=rosa, starts_at=NOW + timedelta(days=3))
    outbox_planning.plan_booking(visit, now=NOW)
    db.session.commit()
    log_in(client, rosa)

    page = client.get("/account/").get_data(as_text=True)
    assert "Change your email" in page
    response = submit_form(client, "/account/change-email", {"email": "rosa.new@example.com"})
    assert response.status_code in (200, 302)
    assert reload(rosa).email == "rosa@example.com"  # not before the new address answers
    (instructions,) = outbox("rosa.new@example.com")

    assert client.get(link_in(instructions, "/account/change-email/")).status_code == 302

    assert reload(rosa).email == "rosa.new@example.com"
    reminders = db.session.scalars(
        sa.select(Notification).where(
            Notification.appointment_id == visit.id,
            Notification.kind == outbox_planning.REMINDER,
            Notification.channel == "email",
            Notification.status == NotificationStatus.PENDING,
        )
    ).all()
    assert reminders and {r.recipient for r in reminders} == {"rosa.new@example.com"}
    notice = [m for m in outbox("rosa@example.com") if m.kind == "account_email_changed_notice"]
    assert notice and "rosa.new@example.com" in notice[0].body_text


def test_an_email_that_has_an_account_is_not_taken_over(client, rosa, factories):
    factories.customer(email="taken@example.com")
    log_in(client, rosa)
    submit_form(client, "/account/change-email", {"email": "taken@example.com"})
    # The answer doesn't reveal the other account, and nothing is sent or changed.
    assert outbox("taken@example.com") == []
    assert reload(rosa).email == "rosa@example.com"


def test_a_stale_change_email_link_changes_nothing(client, rosa, frozen):
    log_in(client, rosa)
    submit_form(client, "/account/change-email", {"email": "rosa.new@example.com"})
    (instructions,) = outbox("rosa.new@example.com")
    frozen.shift(timedelta(hours=3))
    response = client.get(link_in(instructions, "/account/change-email/"))
    assert response.status_code == 302
    assert reload(rosa).email == "rosa@example.com"


def test_an_invalid_new_email_is_a_form_error(client, rosa):
    log_in(client, rosa)
    response = submit_form(client, "/account/change-email", {"email": "not-an-email"})
    assert response.status_code == 200
    assert "email" in response.get_data(as_text=True).lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


# --- deleting the account -------------------------------------------------------------------------


def test_deleting_the_account_removes_the_person_and_keeps_the_shops_records(
    client, rosa, factories, make_appointment
):
    car = factories.vehicle(owner=rosa, year=2019, make="Honda", model="CR-V", plate="ROSA1")
    spare = factories.vehicle(owner=rosa, year=2010, make="Ford", model="Focus", plate="SPARE")
    done = make_appointment(
        customer=rosa,
        vehicle=car,
        starts_at=NOW - timedelta(days=30),
        status=AppointmentStatus.COMPLETED,
    )
    outbox_planning.plan_booking(done, now=NOW - timedelta(days=31))
    db.session.add(Review(appointment_id=done.id, rating=5, comment="Great work"))
    db.session.commit()
    car_id, spare_id = car.id, spare.id
    log_in(client, rosa)

    page = client.get("/account/delete").get_data(as_text=True)
    assert "Delete my account" in page
    response = submit_form(client, "/account/delete", {"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302

    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "rosa@example.com")) is None
    kept = db.session.get(Appointment, done.id)
    assert kept.customer_id is None
    assert (kept.guest_name, kept.guest_email, kept.guest_phone) == ("Former customer", "", "")
    assert [s.name for s in kept.services]
    kept_car = db.session.get(Vehicle, car_id)
    assert (kept_car.owner_id, kept_car.plate, kept_car.model) == (None, "", "CR-V")
    assert db.session.get(Vehicle, spare_id) is None
    assert db.session.scalar(sa.select(Review)).comment == "Great work"
    messages = db.session.scalars(sa.select(Notification)).all()
    assert messages
    assert all(m.recipient == "" and m.body_text == "" and m.user_id is None for m in messages)
    assert all(m.status != NotificationStatus.PENDING for m in messages)
    # Logged out, and the old password opens nothing.
    assert client.get("/account/").status_code == 302
    response = submit_form(
        client, "/account/login", {"email": "rosa@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_a_wrong_password_or_no_tick_deletes_nothing(client, rosa):
    log_in(client, rosa)
    wrong = submit_form(client, "/account/delete", {"password": "nope", "understood": "y"})
    assert wrong.status_code == 422
    assert "That isn&#39;t your password." in wrong.get_data(as_text=True)
    unticked = submit_form(client, "/account/delete", {"password": PASSWORD})
    assert unticked.status_code == 422
    assert "Tick the box" in unticked.get_data(as_text=True)
    assert reload(rosa) is not None


def test_an_account_with_a_visit_ahead_is_not_deleted(client, rosa, make_appointment):
    visit = make_appointment(customer=rosa, starts_at=NOW + timedelta(days=2))
    log_in(client, rosa)
    page = client.get("/account/delete").get_data(as_text=True)
    assert visit.reference in page and "Cancel them first" in page
    response = submit_form(
        client,
        "/account/delete",
        {"password": PASSWORD, "understood": "y"},
        action="/account/delete",
    )
    assert response.status_code == 409
    assert reload(rosa) is not None
    assert reload(visit).customer_id == rosa.id


@pytest.mark.parametrize("role", ["mechanic", "admin"])
def test_staff_accounts_are_not_deleted_here(client, factories, role):
    person = factories.user(email=f"{role}@example.com", password=PASSWORD, roles=(role,))
    log_in(client, person)
    assert client.get("/account/delete").status_code == 403
    assert "Delete your account" not in client.get("/account/").get_data(as_text=True)

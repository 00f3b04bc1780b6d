"""Accounts end to end: registration, confirmation, login, logout, password reset, throttling."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from autoshop.extensions import db
from autoshop.models import Notification, User
from tests.conftest import submit_form

NEW_PASSWORD = "tractor-lantern-orbit-93"


def outbox(recipient: str) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.recipient == recipient)
            .order_by(Notification.id)
        )
    )


def link_in(message: Notification, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s\"<]+)", message.body_text)
    assert match, f"no {path} link in:\n{message.body_text}"
    return match.group(1)


def register(client, **overrides):
    data = {
        "first_name": "Rosa",
        "last_name": "Parks",
        "email": "rosa@example.com",
        "phone": "(201) 555-0147",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return submit_form(client, "/account/register", data)


def test_register_confirm_login_logout(client):
    response = register(client)
    assert response.status_code == 302

    user = db.session.scalar(sa.select(User).where(User.email == "rosa@example.com"))
    assert user.first_name == "Rosa"
    assert user.phone == "+12015550147"  # stored in E.164
    assert [r.name for r in user.roles] == ["customer"]
    assert user.confirmed_at is None

    (welcome,) = outbox("rosa@example.com")
    assert welcome.kind == "account_welcome"
    assert welcome.status.value == "pending"
    confirm_path = link_in(welcome, "/account/confirm/")

    # Unconfirmed accounts can't log in yet, and are told why.
    response = submit_form(
        client, "/account/login", {"email": "rosa@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert "confirm" in response.get_data(as_text=True).lower()

    response = client.get(confirm_path, follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.confirmed_at is not None

    response = submit_form(
        client, "/account/login", {"email": "rosa@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    assert "rosa@example.com" in page

    response = submit_form(client, "/account/", {}, action="/account/logout")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302  # back to the login page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "valid email"),
        ({"password": "short", "password_confirm": "short"}, "at least 10"),
        ({"password": "password1234", "password_confirm": "password1234"}, "common password"),
        ({"password_confirm": "something-else-entirely-77"}, "match"),
        ({"first_name": ""}, "first name"),
        ({"phone": "12"}, "phone"),
    ],
    ids=["malformed-email", "too-short", "weak", "mismatch", "no-name", "bad-phone"],
)
def test_registration_rejects_bad_input_and_saves_nothing(client, overrides, message):
    response = register(client, **overrides)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True).lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_registration_with_a_taken_email(client, make_user):
    make_user(email="taken@example.com")
    response = register(client, email="taken@example.com")
    assert response.status_code == 200
    assert "already associated with an account" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_reset_password_end_to_end(client, make_user):
    user = make_user(email="forgetful@example.com")
    response = submit_form(client, "/account/reset", {"email": "forgetful@example.com"})
    assert response.status_code in (200, 302)
    (mail,) = [n for n in outbox("forgetful@example.com") if n.kind == "account_reset_instructions"]
    reset_path = link_in(mail, "/account/reset/")

    response = submit_form(
        client, reset_path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302

    fresh = client.application.test_client()
    old = submit_form(
        fresh,
        "/account/login",
        {"email": user.email, "password": "correct-horse-battery-staple-42"},
    )
    assert old.status_code == 200  # the old password no longer works
    new = submit_form(fresh, "/account/login", {"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 302
    kinds = [n.kind for n in outbox("forgetful@example.com")]
    assert "account_reset_notice" in kinds  # the owner is told the password changed


def test_change_password(client, make_user, login):
    user = make_user()
    login(user)
    response = submit_form(
        client,
        "/account/change",
        {
            "password": "correct-horse-battery-staple-42",
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    fresh = client.application.test_client()
    ok = submit_form(fresh, "/account/login", {"email": user.email, "password": NEW_PASSWORD})
    assert ok.status_code == 302


@pytest.mark.settings(LOGIN_RATE_LIMIT="3 per 5 minutes")
def test_login_is_throttled_with_a_clear_message(client, make_user):
    user = make_user()
    for _ in range(3):
        response = submit_form(client, "/account/login", {"email": user.email, "password": "wrong"})
        assert response.status_code == 200
    response = submit_form(client, "/account/login", {"email": user.email, "password": "wrong"})
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "Too many login attempts" in body
    assert "<html" in body  # a page, not a bare error
    # Even the right password waits until the window passes.
    response = submit_form(
        client,
        "/account/login",
        {"email": user.email, "password": "correct-horse-battery-staple-42"},
    )
    assert response.status_code == 429


def test_login_throttle_answers_json_clients_with_problem_json(client, make_user, app):
    app.config["LOGIN_RATE_LIMIT"] = "1 per 5 minutes"
    user = make_user()
    submit_form(client, "/account/login", {"email": user.email, "password": "wrong"})
    response = submit_form(
        client,
        "/account/login",
        {"email": user.email, "password": "wrong"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert "Too many login attempts" in response.get_json()["detail"]


def test_profile_update_validates_phone_and_sms(client, make_user, login):
    user = make_user()
    login(user)
    response = submit_form(
        client,
        "/account/",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "phone": "",
            "email_opt_in": "y",
            "sms_opt_in": "y",
        },
    )
    assert response.status_code == 200
    assert "Add a mobile number" in response.get_data(as_text=True)
    response = submit_form(
        client,
        "/account/",
        {"first_name": "Ann", "last_name": "Lee", "phone": "201-555-0188", "sms_opt_in": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.first_name, user.phone, user.sms_opt_in, user.email_opt_in) == (
        "Ann",
        "+12015550188",
        True,
        False,
    )


def test_register_page_takes_the_email_from_a_guest_booking_link(client):
    page = client.get("/account/register?email=gus@example.com").get_data(as_text=True)
    assert 'value="gus@example.com"' in page

"""Accounts end to end: registration, confirmation, login, logout, password reset, throttling."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from autoshop.extensions import db
from autoshop.models import Notification, User
from tests.conftest import csrf_token_from, submit_form

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


def _answer(response, email: str) -> tuple[int, str | None, str]:
    """What a visitor sees, with the per-request CSRF token and the email typed taken out."""
    body = response.get_data(as_text=True)
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", body)
    body = re.sub(r'("csrf_token": ?")[^"]+', r"\1", body)
    return response.status_code, response.headers.get("Location"), body.replace(email, "EMAIL")


def _flashes(client) -> str:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'class="flash-messages".*?</div>\s*</div>', page, re.S)
    return match.group(0) if match else ""


def test_registration_answers_alike_for_a_taken_email_and_mails_its_owner(app, make_user):
    owner = make_user(email="taken@example.com", first_name="Tess")
    answers = {}
    for email in ("taken@example.com", "fresh@example.com"):
        client = app.test_client()
        response = register(client, email=email)
        answers[email] = (*_answer(response, email), _flashes(client).replace(email, "EMAIL"))
    assert answers["taken@example.com"] == answers["fresh@example.com"]
    status, location, _body, flash = answers["taken@example.com"]
    assert (status, location) == (302, "/")
    assert "We&#39;ve sent an email to EMAIL" in flash
    # No second account, and the owner's is untouched.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
    db.session.refresh(owner)
    assert owner.first_name == "Tess" and owner.phone is None

    # The real owner is told, with a way back in.
    (mail,) = outbox("taken@example.com")
    assert mail.kind == "account_welcome_existing"
    assert mail.subject == "You already have an AutoShop account"
    assert "already has an account" in mail.body_text
    assert "/account/login" in mail.body_text
    reset_path = link_in(mail, "/account/reset/")
    fresh = app.test_client()
    response = submit_form(
        fresh, reset_path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    login = submit_form(
        fresh, "/account/login", {"email": "taken@example.com", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302


def test_registration_with_a_taken_unconfirmed_email_mails_a_confirmation_link(client, make_user):
    make_user(email="pending@example.com", confirmed=False)
    assert register(client, email="pending@example.com").status_code == 302
    (mail,) = outbox("pending@example.com")
    assert mail.kind == "account_welcome_existing"
    client.get(link_in(mail, "/account/confirm/"))
    user = db.session.scalar(sa.select(User).where(User.email == "pending@example.com"))
    assert user.confirmed_at is not None


def test_registration_still_explains_bad_input_for_a_taken_email(client, make_user):
    make_user(email="taken@example.com")
    response = register(client, email="taken@example.com", password_confirm="nope-nope-nope")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "match" in body.lower()
    assert "already associated" not in body
    assert outbox("taken@example.com") == []


@pytest.mark.parametrize("as_json", [False, True], ids=["page", "json"])
def test_password_reset_answers_alike_for_known_and_unknown_emails(app, make_user, as_json):
    make_user(email="known@example.com")
    make_user(email="unconfirmed@example.com", confirmed=False)
    answers = {}
    for email in ("known@example.com", "unconfirmed@example.com", "nobody@example.com"):
        client = app.test_client()
        if as_json:
            token = csrf_token_from(client.get("/account/reset").get_data(as_text=True))
            response = client.post(
                "/account/reset", json={"email": email}, headers={"X-CSRFToken": token}
            )
        else:
            response = submit_form(client, "/account/reset", {"email": email})
        answers[email] = _answer(response, email)
    assert answers["known@example.com"] == answers["nobody@example.com"]
    assert answers["unconfirmed@example.com"] == answers["nobody@example.com"]
    status, _location, body = answers["nobody@example.com"]
    assert status == 200
    if not as_json:
        assert "If EMAIL has an account with us, we&#39;ve sent it a link" in body
    assert [n.kind for n in outbox("known@example.com")] == ["account_reset_instructions"]
    assert outbox("nobody@example.com") == []


def test_resending_the_confirmation_answers_alike_for_every_email(app, make_user):
    make_user(email="waiting@example.com", confirmed=False)
    make_user(email="done@example.com")
    answers = {}
    for email in ("waiting@example.com", "done@example.com", "nobody@example.com"):
        client = app.test_client()
        answers[email] = _answer(submit_form(client, "/account/confirm", {"email": email}), email)
    assert answers["waiting@example.com"] == answers["done@example.com"]
    assert answers["done@example.com"] == answers["nobody@example.com"]
    assert "If EMAIL has an account waiting for confirmation" in answers["nobody@example.com"][2]
    assert [n.kind for n in outbox("waiting@example.com")] == ["account_confirmation_instructions"]


def test_login_answers_alike_for_an_unknown_email_and_a_wrong_password(app, make_user):
    make_user(email="known@example.com")
    answers = {}
    for email in ("known@example.com", "nobody@example.com"):
        client = app.test_client()
        response = submit_form(
            client, "/account/login", {"email": email, "password": "wrong-password-1"}
        )
        answers[email] = _answer(response, email)
    assert answers["known@example.com"] == answers["nobody@example.com"]
    assert "That email and password don&#39;t match" in answers["nobody@example.com"][2]


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


def _log_in(app, email: str, password: str, address: str = "203.0.113.7", **kw):
    """One visitor's login through the form, from `address` (a fresh browser each time)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return submit_form(client, "/account/login", {"email": email, "password": password}, **kw)


def test_successful_logins_from_one_network_are_never_throttled(app, make_user):
    """A shop's counter, its mechanics and its customers share one address: with the default
    limits, 20 logins in a row (more than either limit) all get in."""
    users = [make_user() for _ in range(4)]
    for i in range(20):
        response = _log_in(app, users[i % 4].email, "correct-horse-battery-staple-42")
        assert response.status_code == 302, f"login {i + 1} answered {response.status_code}"


@pytest.mark.settings(LOGIN_ACCOUNT_RATE_LIMIT="3 per 5 minutes", LOGIN_RATE_LIMIT="50 per hour")
def test_failed_logins_for_one_account_are_throttled_with_a_clear_message(app, make_user):
    user, colleague = make_user(), make_user()
    for _ in range(3):
        assert _log_in(app, user.email, "wrong").status_code == 200
    response = _log_in(app, user.email, "wrong")
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "Too many failed logins for this email address" in body
    assert "<html" in body  # a page, not a bare error
    assert int(response.headers["Retry-After"]) > 0
    # The same email typed differently is the same account.
    assert _log_in(app, "  " + user.email.upper(), "wrong").status_code == 429
    # Even the right password waits until the window passes...
    assert _log_in(app, user.email, "correct-horse-battery-staple-42").status_code == 429
    # ...but the rest of the network is not locked out, and successes don't count.
    for _ in range(5):
        assert _log_in(app, colleague.email, "correct-horse-battery-staple-42").status_code == 302


@pytest.mark.settings(LOGIN_ACCOUNT_RATE_LIMIT="3 per 5 minutes", LOGIN_RATE_LIMIT="50 per hour")
def test_an_unknown_email_is_throttled_like_a_known_one(app, make_user):
    known = make_user()
    answers = {}
    for email in (known.email, "nobody@example.com"):
        codes = [_log_in(app, email, "wrong").status_code for _ in range(4)]
        response = _log_in(app, email, "wrong")
        answers[email] = (codes, _answer(response, email))
    assert answers[known.email] == answers["nobody@example.com"]
    assert answers[known.email][0] == [200, 200, 200, 429]


def test_login_throttle_answers_json_clients_with_problem_json(app, make_user):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "1 per 5 minutes"
    user = make_user()
    _log_in(app, user.email, "wrong")
    response = _log_in(app, user.email, "wrong", headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 429
    assert "Too many failed logins" in problem["detail"]


@pytest.mark.settings(
    LOGIN_ACCOUNT_RATE_LIMIT="10 per 5 minutes", LOGIN_RATE_LIMIT="4 per 5 minutes"
)
def test_failed_logins_from_one_address_across_accounts_are_throttled(app, make_user):
    user = make_user()
    for i in range(4):  # guessing at many accounts from one address
        assert _log_in(app, f"guess{i}@example.com", "wrong").status_code == 200
    response = _log_in(app, "guess9@example.com", "wrong")
    assert response.status_code == 429
    assert "Too many failed logins from your network" in response.get_data(as_text=True)
    assert _log_in(app, user.email, "correct-horse-battery-staple-42").status_code == 429
    # Another address is not affected.
    ok = _log_in(app, user.email, "correct-horse-battery-staple-42", address="198.51.100.20")
    assert ok.status_code == 302


@pytest.mark.settings(LOGIN_RATE_LIMIT="2 per 5 minutes", TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_login_limit_is_per_client(app, make_user):
    user = make_user()

    def via_proxy(client_address: str, email: str, password: str):
        headers = {"X-Forwarded-For": client_address}
        return _log_in(app, email, password, address="10.0.0.2", headers=headers)

    for i in range(2):
        assert via_proxy("203.0.113.7", f"guess{i}@example.com", "wrong").status_code == 200
    assert via_proxy("203.0.113.7", "guess9@example.com", "wrong").status_code == 429
    # Everyone else behind the same proxy still logs in.
    ok = via_proxy("198.51.100.20", user.email, "correct-horse-battery-staple-42")
    assert ok.status_code == 302


@pytest.mark.settings(LOGIN_RATE_LIMIT="2 per 5 minutes")
def test_without_a_trusted_proxy_a_client_cant_pick_its_own_address(app):
    for i in range(2):
        headers = {"X-Forwarded-For": f"192.0.2.{i}"}
        assert _log_in(app, f"g{i}@example.com", "wrong", headers=headers).status_code == 200
    headers = {"X-Forwarded-For": "192.0.2.99"}
    assert _log_in(app, "g9@example.com", "wrong", headers=headers).status_code == 429


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

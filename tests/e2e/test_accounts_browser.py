"""A person registers, confirms and logs in with a real browser, on a phone and a desktop."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from autoshop.extensions import db
from autoshop.models import Notification
from tests.support.browser import assert_accessible, screenshot

PASSWORD = "tractor-lantern-orbit-93"


def test_register_confirm_and_log_in(page, factories):
    factories.location(name="Main Street Auto")
    factories.service(category=factories.category("Brakes"), name="Brake pads")

    page.goto("/")
    assert_accessible(page, "home")
    if page.viewport_size["width"] < 768:
        page.get_by_role("button", name="Show menu").click()
    page.get_by_role("link", name="Create account").click()
    assert_accessible(page, "register-empty")

    # A bad submission first: the errors are shown and announced with the fields.
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Enter your first name.")).to_be_visible()
    assert_accessible(page, "register-errors")

    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("Parks")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("Mobile phone (optional)").fill("201 555 0147")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Retype Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/$"))

    screenshot(page, "after-register")
    expect(page.get_by_text("We've sent an email to rosa@example.com")).to_be_visible()

    db.session.commit()
    mail = db.session.scalar(
        sa.select(Notification).where(Notification.recipient == "rosa@example.com")
    )
    link = re.search(r"https?://[^/\s]+(/account/confirm/\S+)", mail.body_text).group(1)
    page.goto(link)

    page.goto("/account/login")
    assert_accessible(page, "login")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/account/")
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    expect(page.get_by_text("rosa@example.com")).to_be_visible()
    assert_accessible(page, "account")

    page.goto("/account/nope")
    assert_accessible(page, "not-found")


def test_change_the_email_then_delete_the_account(page, factories):
    factories.location(name="Main Street Auto")
    factories.customer(email="rosa@example.com", password=PASSWORD, first_name="Rosa")

    page.goto("/account/login")
    page.get_by_label("Email").fill("rosa@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/account/")
    page.get_by_role("link", name="Change your email").click()
    expect(page.get_by_role("heading", name="Change your email")).to_be_visible()
    assert_accessible(page, "change-email")
    page.get_by_label("Email").fill("rosa.parks@example.com")
    page.get_by_role("button", name="Send the confirmation link").click()
    db.session.commit()
    mail = db.session.scalar(
        sa.select(Notification).where(Notification.recipient == "rosa.parks@example.com")
    )
    link = re.search(r"https?://[^/\s]+(/account/change-email/\S+)", mail.body_text).group(1)
    page.goto(link)
    expect(page.get_by_text("rosa.parks@example.com").first).to_be_visible()

    page.goto("/account/")
    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Enter your password to delete the account.")).to_be_visible()
    expect(page.get_by_text("Tick the box to confirm you want this.")).to_be_visible()
    assert_accessible(page, "delete-account-errors")
    screenshot(page, "delete-account")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account was deleted.")).to_be_visible()

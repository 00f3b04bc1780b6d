"""The admin's staff workspace in a real browser, on a phone and a desktop: the appointment list
searched with htmx, and a mechanic invited by email who joins and lands on their jobs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.extensions import db
from autoshop.models import Notification
from tests.support.browser import assert_accessible, htmx_settled, open_menu_item, screenshot
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
PASSWORD = "lug-nut-torque-wrench-19"


def log_in(page, email: str, password: str = Factories.PASSWORD) -> None:
    page.goto("/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_admin_searches_the_appointment_list(page, factories):
    location = factories.location(name="Main Street Auto")
    oil = factories.service("Oil change", duration_minutes=30)
    mike = factories.mechanic(first_name="Mike", last_name="Chen")
    maria = factories.customer(
        first_name="Maria",
        last_name="Garcia",
        email="maria.garcia@example.com",
        phone="+12015550147",
    )
    car = factories.vehicle(
        owner=maria, make="Honda", model="CR-V", plate="NJK-4821", vin="1G4AH59H45G118341"
    )
    for day in range(4):
        factories.appointment(
            location=location,
            services=[oil],
            customer=maria if day == 2 else None,
            vehicle=car if day == 2 else None,
            guest_name="" if day == 2 else f"Guest Number{day}",
            guest_email="" if day == 2 else f"guest{day}@example.com",
            mechanic=mike if day % 2 else None,
            starts_at=NOW + timedelta(days=day, hours=1),
        )
    factories.admin(email="boss@example.com")
    with time_machine.travel(NOW, tick=False):
        log_in(page, "boss@example.com")
        page.wait_for_url(re.compile(r"/admin/$"))  # admins land on the dashboard
        open_menu_item(page, "Appointments", menu="Shop")
        page.wait_for_url(re.compile(r"/admin/appointments$"))
        expect(page.get_by_role("status").filter(has_text="4 appointments")).to_be_visible()
        assert_accessible(page, "admin-appointments")
        assert fits_the_screen(page)

        page.get_by_label("Search").fill("njk48")
        expect(page.get_by_role("status").filter(has_text="1 appointment from")).to_be_visible()
        htmx_settled(page)
        page.wait_for_url(re.compile(r"q=njk48"))  # the search is in the address (bookmarkable)
        expect(page.get_by_text("Maria Garcia")).to_be_visible()
        expect(page.get_by_text("Guest Number1")).to_have_count(0)
        assert_accessible(page, "admin-appointments-search")
        assert fits_the_screen(page)

        # A reload of the pushed address shows the same search, without htmx.
        page.reload()
        expect(page.get_by_label("Search")).to_have_value("njk48")
        expect(page.get_by_text("Maria Garcia")).to_be_visible()

        page.get_by_label("Search").fill("")
        page.get_by_label("Mechanic").select_option(label="Unassigned")
        expect(page.get_by_role("status").filter(has_text="2 appointments")).to_be_visible()
        htmx_settled(page)
        screenshot(page, "admin-appointments-unassigned")
        page.get_by_role("link", name=re.compile(r"Mon Nov 30")).click()
        page.wait_for_url(re.compile(r"/staff/appointments/\w+$"))


def test_an_admin_invites_a_mechanic_who_joins_from_the_email(page, factories):
    factories.admin(email="boss@example.com", first_name="Dana", last_name="Reyes")
    factories.mechanic(email="sam@example.com", first_name="Sam", last_name="Okafor")
    log_in(page, "boss@example.com")
    page.wait_for_url(re.compile(r"/admin/$"))
    open_menu_item(page, "Staff", menu="Shop")
    page.wait_for_url(re.compile(r"/admin/staff$"))
    expect(page.get_by_role("button", name="Deactivate Sam Okafor")).to_be_visible()
    assert_accessible(page, "admin-staff")
    assert fits_the_screen(page)

    # A bad invitation first: the error is next to the field.
    page.get_by_label("First name").fill("Mike")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_label("Email").fill("sam@example.com")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("An account with this email already exists.")).to_be_visible()
    assert_accessible(page, "admin-staff-invite-error")

    page.get_by_label("Email").fill("mike.chen@example.com")
    page.get_by_label("Mechanic").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Mike Chen is invited as a mechanic")).to_be_visible()
    expect(page.get_by_text("Invited, no password yet")).to_be_visible()
    assert_accessible(page, "admin-staff-invited")
    assert fits_the_screen(page)

    db.session.commit()
    mail = db.session.scalar(
        sa.select(Notification).where(Notification.recipient == "mike.chen@example.com")
    )
    link = re.search(r"https?://[^/\s]+(/account/invite/\S+)", mail.body_text).group(1)

    # Mike, on his own device.
    mikes = page.context.browser.new_context(
        viewport=page.viewport_size, base_url=page.url.split("/admin")[0]
    )
    try:
        tab = mikes.new_page()
        tab.viewport_name = page.viewport_name
        tab.goto(link)
        expect(tab.get_by_role("heading", name="Choose your password")).to_be_visible()
        assert_accessible(tab, "staff-invite")
        tab.get_by_label("Password", exact=True).fill(PASSWORD)
        tab.get_by_label("Type the password again").fill(PASSWORD)
        tab.get_by_role("button", name="Save my password and log in").click()
        tab.wait_for_url(re.compile(r"/staff/today$"))  # mechanics land on their jobs
        expect(tab.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(tab, "staff-invite-joined")

        # The link worked once.
        tab.goto(link)
        expect(tab.get_by_role("heading", name="This invitation can't be used")).to_be_visible()
        assert_accessible(tab, "staff-invite-used")

        # And he logs in with his password another day, landing on his jobs again.
        tab.context.clear_cookies()
        log_in(tab, "mike.chen@example.com", PASSWORD)
        tab.wait_for_url(re.compile(r"/staff/today$"))
    finally:
        mikes.close()

"""Staff take a phone booking for an existing customer: find them as they type, pick their saved
car, a time inside the online notice, confirm; at 375 and 1280 px with axe on every step."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.extensions import db
from autoshop.models import Appointment, Vehicle
from tests.support.browser import assert_accessible, htmx_settled
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_phone_booking_for_an_existing_customer_with_their_saved_car(page, factories):
    shop = factories.booking_shop()
    maria = factories.customer(
        email="maria.garcia@example.com", first_name="Maria", last_name="Garcia"
    )
    saved = factories.vehicle(
        owner=maria, year=2019, make="Honda", model="CR-V", vin="2HKRW2H8XKH612384", plate="NJK4821"
    )
    factories.customer(email="mario@example.com", first_name="Mario", last_name="Rossi")
    admin = factories.admin(email="desk@example.com", first_name="Dana")

    page.goto("/account/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto(f"/book?services={shop['oil'].id}")
    expect(page.get_by_role("heading", name="Who is the booking for?")).to_be_visible()
    page.wait_for_load_state("load")  # htmx is ready
    assert_accessible(page, "staff-book-customer")

    search = page.get_by_label("Find the customer")
    search.press_sequentially("mari")
    results = page.locator("#customer-results")
    expect(results.get_by_role("button")).to_have_count(2)  # Maria and Mario
    search.press_sequentially("a gar")
    expect(results.get_by_role("button")).to_have_count(1)
    htmx_settled(page)
    assert_accessible(page, "staff-book-customer-found")
    # By keyboard: from the search field to the result, and pick it.
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the first result
    focused = page.evaluate("document.activeElement.textContent")
    assert "Maria Garcia" in focused and "NJK4821" in focused
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Book for Maria Garcia")).to_be_visible()
    expect(page.get_by_text("The customer's visit so far")).to_be_visible()
    expect(page.get_by_label("2019 Honda CR-V · plate NJK4821")).to_be_checked()
    expect(page.get_by_text("Log in to use your saved vehicles")).to_have_count(0)
    assert_accessible(page, "staff-book-vehicle")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="When suits you?")).to_be_visible()
    page.wait_for_load_state("load")
    expect(page.get_by_text("Will the customer drop the car off or wait?")).to_be_visible()
    page.locator("#day-2026-11-30").click()  # today: inside the 2-hour online notice
    expect(page.get_by_text("Free times on Monday, November 30")).to_be_visible()
    htmx_settled(page)
    page.get_by_text("8:15 AM", exact=True).click()
    assert_accessible(page, "staff-book-when")
    page.locator(".time-form button[type=submit]").click()

    expect(page.get_by_role("heading", name="A few details")).to_be_visible()
    page.get_by_label("What the customer says about the car").fill("Squeal when braking.")
    assert_accessible(page, "staff-book-details")
    page.get_by_role("button", name="Review booking").click()

    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    expect(page.get_by_text("Maria Garcia, maria.garcia@example.com")).to_be_visible()
    assert_accessible(page, "staff-book-review")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_text("Booked for Maria Garcia")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    db.session.commit()
    db.session.expire_all()
    (appointment,) = db.session.scalars(sa.select(Appointment)).all()
    assert (appointment.customer_id, appointment.vehicle_id) == (maria.id, saved.id)
    assert appointment.booked_by_id == admin.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle)) == 1

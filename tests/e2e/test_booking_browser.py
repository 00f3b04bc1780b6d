"""Booking in a real browser: by keyboard alone on a phone, and a guest booking and cancelling.

The live server runs in a thread of this process, so freezing time here freezes it there too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment
from tests.support.browser import VIEWPORTS, assert_accessible, htmx_settled, screenshot
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    shop = factories.booking_shop()
    factories.closure(
        shop["location"],
        starts_at=datetime(2026, 12, 24, 5, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 26, 5, 0, tzinfo=UTC),
        reason="Holidays",
    )
    return shop


def booked() -> list[Appointment]:
    db.session.commit()
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Appointment)))


def tab_to(page, selector: str, *, limit: int = 150) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_customer_books_two_services_by_keyboard_on_a_phone(browser, live_server, factories, shop):
    customer = factories.customer(email="kim@example.com", first_name="Kim")
    factories.vehicle(owner=customer, year=2020, make="Mazda", model="3", plate="KIM3")
    context = browser.new_context(viewport=VIEWPORTS["phone"], base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_name = "phone-keyboard"
    try:
        page.goto("/account/login")
        tab_to(page, "#email")
        page.keyboard.type(customer.email)
        tab_to(page, "#password")
        page.keyboard.type(Factories.PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/$"))

        page.goto("/book")
        assert_accessible(page, "book-services")
        tab_to(page, f"#service-{shop['oil'].id}")
        page.keyboard.press("Space")
        tab_to(page, f"#service-{shop['pads'].id}")
        page.keyboard.press("Space")
        totals = page.locator("#totals")
        totals.get_by_text("2 services, about 2 h, $149–$174").wait_for()  # updated live
        assert_accessible(page, "book-services-chosen")
        tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")

        page.get_by_role("heading", name="Which vehicle are we seeing?").wait_for()
        assert page.get_by_label("2020 Mazda 3 · plate KIM3").is_checked()
        assert_accessible(page, "book-vehicle")
        tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")

        page.get_by_role("heading", name="When suits you?").wait_for()
        page.wait_for_load_state("load")  # htmx is ready to swap the calendar in place
        assert_accessible(page, "book-calendar")
        tab_to(page, "#month-next")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="December 2026").wait_for()
        htmx_settled(page)  # the days' links are live (a key press sooner loads the whole page)
        assert page.evaluate("document.activeElement.id") == "month-next"  # focus kept
        assert "month=2026-12" in page.url  # the swap is in the history too
        live = page.locator("#booking-live")
        assert live.inner_text() == "December 2026: 25 days have free times"
        december_24 = page.locator("td", has_text="Thursday, December 24: closed (Holidays)")
        assert december_24.count() == 1
        tab_to(page, "#day-2026-12-01")
        page.keyboard.press("Enter")
        page.get_by_text("Free times on Tuesday, December 1").wait_for()
        htmx_settled(page)
        assert re.fullmatch(r"December 1: \d+ times available", live.inner_text())
        day = page.locator("#day-2026-12-01")
        assert day.get_attribute("aria-current") == "date"
        assert_accessible(page, "book-times")

        tab_to(page, "input[name=start]")
        page.keyboard.press("Space")
        for _ in range(6):  # 7:30 -> 9:00, by arrow keys inside the radio group
            page.keyboard.press("ArrowRight")
        assert page.locator("input[name=start]:checked").get_attribute("value") == (
            "2026-12-01T09:00:00-05:00"
        )
        tab_to(page, ".time-form button[type=submit]")
        page.keyboard.press("Enter")

        page.get_by_role("heading", name="A few details").wait_for()
        tab_to(page, "#f-concern")
        page.keyboard.type("Grinding noise from the front left.")
        assert_accessible(page, "book-details")
        tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")

        page.get_by_role("heading", name="Check and confirm").wait_for()
        expect(page.get_by_text("Tuesday, December 1, 2026 at 9:00 AM")).to_be_visible()
        assert_accessible(page, "book-review")
        tab_to(page, "main form button[type=submit]")
        page.keyboard.press("Enter")

        page.get_by_role("heading", name="Your appointment").wait_for()
        (appointment,) = booked()
        expect(page.get_by_text(appointment.reference)).to_be_visible()
        assert appointment.customer_id == customer.id
        assert appointment.concern == "Grinding noise from the front left."
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        assert_accessible(page, "appointment-customer")
    finally:
        context.close()


def test_guest_books_and_cancels_through_the_manage_link(page, shop):
    page.goto("/")
    page.get_by_role("link", name="Book a visit").click()
    page.wait_for_url(re.compile(r"/book$"))
    page.wait_for_load_state("load")  # htmx is loaded: the total updates live
    assert_accessible(page, "book-guest-services")
    page.get_by_label("Brake pads").check()
    page.get_by_text("1 service, about 1 h 30 min, $99").wait_for()
    page.get_by_role("button", name="Continue").click()

    # A bad answer first: the errors are shown next to their fields.
    page.get_by_label("Year").fill("1890")
    page.get_by_label("VIN (optional)").fill("1HGCM82633A004353")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Enter a model year from 1950 to 2027.").first.wait_for()
    assert page.get_by_label("Year").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "book-vehicle-errors")

    page.get_by_label("Year").fill("2016")
    page.get_by_label("Make").fill("Toyota")
    page.get_by_label("Model").fill("Corolla")
    page.get_by_label("VIN (optional)").fill("1HGCM82633A004352")
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="When suits you?").wait_for()
    page.wait_for_load_state("load")  # htmx is ready to swap the calendar in place
    page.get_by_role("link", name="Next month").click()
    page.get_by_role("heading", name="December 2026").wait_for()
    htmx_settled(page)
    page.get_by_role("link", name=re.compile(r"^Wednesday, December 2: \d+ times free$")).click()
    page.get_by_text("Free times on Wednesday, December 2").wait_for()
    htmx_settled(page)
    page.go_back()  # the day swap is a history entry: back shows the month without a day
    page.wait_for_url(re.compile(r"month=2026-12$"))
    page.get_by_text("Choose a day in the calendar to see its free times.").wait_for()
    page.wait_for_load_state("load")  # htmx reloaded the page; forward is htmx's popstate again
    page.go_forward()
    page.wait_for_url(re.compile(r"day=2026-12-02$"))
    page.get_by_text("Free times on Wednesday, December 2").wait_for()
    htmx_settled(page)
    # Drop off or wait is asked with the time: choosing re-draws the calendar for that mode.
    page.get_by_label("Wait at the shop").check()
    page.wait_for_url(re.compile(r"mode=wait"))
    htmx_settled(page)
    page.get_by_text("Free times on Wednesday, December 2").wait_for()
    page.locator("label", has_text=re.compile(r"^\s*1:30 PM\s*$")).click()
    assert_accessible(page, "book-guest-times")
    page.locator(".time-form").get_by_role("button", name="Continue").click()

    page.get_by_label("What's going on with the car?").fill("<b>Squeal</b> when braking")
    page.get_by_role("button", name="Review booking").click()
    page.get_by_text("Enter your name.").first.wait_for()
    assert_accessible(page, "book-guest-details-errors")
    page.get_by_label("Your name").fill("Gus Guest")
    page.get_by_label("Email").fill("gus@example.com")
    page.get_by_label("Phone").fill("201 555 0100")
    page.get_by_role("button", name="Review booking").click()

    page.get_by_role("heading", name="Check and confirm").wait_for()
    expect(page.get_by_text("<b>Squeal</b> when braking")).to_be_visible()  # shown as text
    assert_accessible(page, "book-guest-review")
    page.get_by_role("button", name="Confirm booking").click()

    page.get_by_role("heading", name="Your appointment").wait_for()
    assert "/appointments/manage/" in page.url
    (appointment,) = booked()
    expect(page.get_by_text(appointment.reference)).to_be_visible()
    expect(page.get_by_text("Wednesday, December 2, 2026 at 1:30 PM").first).to_be_visible()
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_accessible(page, "appointment-guest")

    page.get_by_role("link", name="Reschedule").click()
    page.get_by_role("heading", name="Move your visit").wait_for()
    page.wait_for_load_state("load")  # htmx is ready to swap the calendar in place
    page.get_by_role("link", name="Next month").click()
    page.get_by_role("heading", name="December 2026").wait_for()
    htmx_settled(page)
    page.get_by_role("link", name=re.compile(r"^Thursday, December 3: ")).click()
    page.get_by_text("Free times on Thursday, December 3").wait_for()
    htmx_settled(page)
    assert_accessible(page, "appointment-reschedule")
    page.get_by_role("link", name="Keep the current time").click()
    page.get_by_role("link", name="Cancel appointment").click()
    page.get_by_role("heading", name="Cancel your appointment?").wait_for()
    assert_accessible(page, "appointment-cancel")
    page.get_by_role("button", name="Yes, cancel the appointment").click()
    page.get_by_text("Your appointment was cancelled.").wait_for()
    expect(page.locator(".badge", has_text="Cancelled")).to_be_visible()
    assert_accessible(page, "appointment-cancelled")
    (appointment,) = booked()
    assert appointment.status is AppointmentStatus.CANCELLED
    screenshot(page, "appointment-cancelled-final")

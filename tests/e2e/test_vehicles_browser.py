"""A customer adds a car by its VIN on a phone (and a desktop): the VIN is read as it is typed,
the model year filled in, a duplicate named; axe on every state of the form."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.extensions import db
from autoshop.models import Vehicle
from tests.support.browser import assert_accessible, htmx_settled
from tests.support.factories import Factories

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def log_in(page, user) -> None:
    page.goto("/account/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_customer_adds_a_car_by_vin(page, factories):
    factories.location()
    customer = factories.customer(email="kim@example.com", first_name="Kim")
    factories.vehicle(owner=customer, year=2012, make="Ford", model="Focus", plate="KIM1")
    log_in(page, customer)
    page.goto("/account/")
    page.get_by_role("link", name="Add a car").click()
    expect(page.get_by_role("heading", name="Add a car")).to_be_visible()
    page.wait_for_load_state("load")  # htmx is ready
    assert_accessible(page, "car-form-empty")

    vin = page.get_by_label("VIN")
    vin.press_sequentially("2hkrw2h8xkh61238")
    expect(page.locator("#vin-hint")).to_have_text("16 of 17 characters")
    vin.press_sequentially("4")
    expect(page.locator("#vin-hint")).to_have_text("2019 · North America")
    htmx_settled(page)
    expect(page.get_by_label("Model year")).to_have_value("2019")  # filled in from the VIN
    assert_accessible(page, "car-form-vin-read")

    page.get_by_label("Make").fill("Honda")
    page.get_by_label("Model", exact=True).fill("CR-V")
    page.get_by_label("License plate (optional)").fill("kim-1")  # the Focus's plate
    page.get_by_label("Mileage (optional)").fill("48,200")
    page.get_by_role("button", name="Save car").click()
    expect(page.get_by_text("Your 2012 Ford Focus already has this plate").first).to_be_visible()
    assert page.get_by_label("License plate (optional)").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "car-form-duplicate")

    page.get_by_label("License plate (optional)").fill("NJK 4821")
    page.get_by_role("button", name="Save car").click()
    page.wait_for_url(re.compile(r"/account/$"))
    expect(page.get_by_text("Your 2019 Honda CR-V was saved.")).to_be_visible()
    expect(page.locator(".saved-car", has_text="2019 Honda CR-V")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_accessible(page, "account-cars")

    db.session.commit()
    db.session.expire_all()
    car = db.session.scalar(sa.select(Vehicle).where(Vehicle.make == "Honda"))
    assert (car.vin, car.plate, car.year, car.mileage) == (
        "2HKRW2H8XKH612384",
        "NJK4821",
        2019,
        48200,
    )


def test_a_guest_booking_reads_the_vin_as_it_is_typed(page, factories):
    shop = factories.booking_shop()
    page.goto(f"/book?services={shop['oil'].id}")
    expect(page.get_by_role("heading", name="Which vehicle are we seeing?")).to_be_visible()
    page.wait_for_load_state("load")  # htmx is ready
    page.get_by_label("VIN (optional)").press_sequentially("1HGCM82633A004352")
    expect(page.locator("#vin-hint")).to_have_text("2003 · North America")
    htmx_settled(page)
    expect(page.get_by_label("Year")).to_have_value("2003")
    assert_accessible(page, "book-vehicle-vin-read")
    page.get_by_label("Make").fill("Honda")
    page.get_by_label("Model").fill("Accord")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="When suits you?")).to_be_visible()

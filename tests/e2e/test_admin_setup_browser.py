"""An admin sets up a shop from nothing in a real browser, on a phone and a desktop."""

from __future__ import annotations

import re
from datetime import time

import sqlalchemy as sa
from playwright.sync_api import expect

from autoshop.domain.choices import PriceKind
from autoshop.extensions import db
from autoshop.models import Bay, Location, OpeningHours, Service
from tests.support.browser import assert_accessible, open_menu_item
from tests.support.factories import Factories


def test_admin_sets_up_catalog_bays_and_hours(page, factories):
    admin = factories.admin(first_name="Dana")

    page.goto("/account/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))

    # The catalog: a category, then a service (a bad submission first).
    open_menu_item(page, "Catalog", menu="Shop")
    page.wait_for_url(re.compile(r"/admin/catalog/$"))
    assert_accessible(page, "admin-catalog-empty")
    page.get_by_role("link", name="Add a category").click()
    assert_accessible(page, "admin-category-form")
    page.get_by_label("Name").fill("Brakes")
    page.get_by_label("Description").fill("Pads, rotors and brake fluid.")
    page.get_by_role("button", name="Save category").click()
    page.wait_for_url(re.compile(r"/admin/catalog/$"))

    page.get_by_role("link", name="Add a service", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Brake pads (one axle)")
    page.get_by_label("Duration in minutes").fill("0")
    page.get_by_label("Price range").check()
    page.get_by_label("Price, or lowest price, in dollars").fill("180")
    page.get_by_label("Highest price in dollars").fill("120")
    page.get_by_role("button", name="Save service").click()
    expect(page.get_by_text("The duration must be at least 1 minute.")).to_be_visible()
    expect(page.get_by_text("The highest price must be at least the lowest price.")).to_be_visible()
    assert_accessible(page, "admin-service-errors")
    page.get_by_label("Duration in minutes").fill("90")
    page.get_by_label("Highest price in dollars").fill("260.50")
    page.get_by_label("Lift", exact=True).check()
    page.get_by_role("button", name="Save service").click()
    page.wait_for_url(re.compile(r"/admin/catalog/$"))
    expect(page.get_by_text("$180–$260.50")).to_be_visible()
    assert_accessible(page, "admin-catalog")

    # The shop: created from the calendar page, then a bay and Monday's hours.
    open_menu_item(page, "Shop calendar", menu="Shop")
    page.get_by_role("heading", name="Set up your shop").wait_for()
    assert_accessible(page, "admin-shop-setup")
    page.get_by_label("Shop name").fill("Main Street Auto")
    page.get_by_label("Address").fill("12 Main St, Springfield")
    page.get_by_role("button", name="Create the shop").click()
    page.wait_for_url(re.compile(r"/admin/calendar/\d+$"))
    assert_accessible(page, "admin-calendar-new")

    page.get_by_role("link", name="Add a bay").click()
    page.get_by_label("Name").fill("Lift 1")
    page.get_by_role("button", name="Save bay").click()
    expect(page.get_by_text("Tick at least one thing the bay is equipped for.")).to_be_visible()
    assert_accessible(page, "admin-bay-errors")
    page.get_by_label("Lift", exact=True).check()
    page.get_by_label("General", exact=True).check()
    page.get_by_role("button", name="Save bay").click()
    page.wait_for_url(re.compile(r"/admin/calendar/\d+$"))

    page.get_by_role("link", name="Edit opening hours").click()
    assert_accessible(page, "admin-hours")
    page.get_by_label("Opens Monday, time span 1").fill("08:00")
    page.get_by_label("Closes Monday, time span 1").fill("12:00")
    page.get_by_label("Opens Monday, time span 2").fill("13:00")
    page.get_by_label("Closes Monday, time span 2").fill("17:30")
    page.get_by_role("button", name="Save Monday").click()
    page.get_by_text("Monday hours were saved.").wait_for()
    page.get_by_role("link", name="Back to the shop calendar").click()
    expect(page.get_by_text("8:00 AM–12:00 PM, 1:00 PM–5:30 PM")).to_be_visible()
    expect(page.get_by_role("cell", name="General, Lift")).to_be_visible()
    assert_accessible(page, "admin-calendar")

    db.session.commit()
    service = db.session.scalar(sa.select(Service))
    assert (service.name, service.duration_minutes, service.price_kind) == (
        "Brake pads (one axle)",
        90,
        PriceKind.RANGE,
    )
    assert (service.price_min_cents, service.price_max_cents) == (18000, 26050)
    location = db.session.scalar(sa.select(Location))
    assert location.name == "Main Street Auto" and location.slot_interval_minutes == 15
    bay = db.session.scalar(sa.select(Bay))
    assert (bay.name, bay.capabilities) == ("Lift 1", ["general", "lift"])
    monday = db.session.scalars(
        sa.select(OpeningHours).where(OpeningHours.weekday == 0).order_by(OpeningHours.opens)
    ).all()
    assert [(h.opens, h.closes) for h in monday] == [
        (time(8), time(12)),
        (time(13), time(17, 30)),
    ]

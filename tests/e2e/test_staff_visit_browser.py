"""An admin runs a visit from its page on a phone and a desktop: assigns the mechanic, promises a
ready-by time, keeps an internal note and writes to the customer, who sees only their note."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from playwright.sync_api import expect

from autoshop.services.status import assign_mechanic
from tests.support.browser import assert_accessible
from tests.support.factories import Factories

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York
INTERNAL = "Customer declined the cabin filter last time."
FOR_CUSTOMER = "Your pads are in stock; we start at ten."


def _log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_admin_runs_a_visit_and_the_customer_sees_only_their_note(page, factories):
    dana = factories.customer(
        email="dana@example.com", first_name="Dana", last_name="Reyes", phone="+16175550100"
    )
    car = factories.vehicle(
        owner=dana, make="Subaru", model="Outback", plate="7ABC123", mileage=48210
    )
    factories.mechanic(first_name="Mike", last_name="Lee")
    sam = factories.mechanic(first_name="Sam", last_name="Ortiz")
    other_admin = factories.admin(first_name="Bo", last_name="Desk")
    factories.admin(email="alex@example.com", first_name="Alex", last_name="Admin")
    visit = factories.appointment(
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        customer=dana,
        vehicle=car,
        services=[factories.service("Brake pads", duration_minutes=90)],
        concern="Grinding noise from the front left when braking",
    )
    width = page.viewport_size["width"]
    with time_machine.travel(NOW, tick=False):
        _log_in(page, "alex@example.com")
        page.goto(f"/staff/appointments/{visit.reference}")
        expect(page.get_by_role("heading", name="2018 Subaru Outback")).to_be_visible()
        expect(page.get_by_role("button", name="Check in")).to_be_visible()
        assert_accessible(page, f"staff-visit-start-{width}")

        # Another admin gives the job to Sam while this page is open: nothing is overwritten.
        assign_mechanic(visit, sam, actor=other_admin, now=NOW)
        page.get_by_label("Assign to").select_option(label="Mike Lee")
        page.get_by_role("button", name="Save mechanic").click()
        expect(page.get_by_text("changed by someone else meanwhile")).to_be_visible()
        expect(page.locator("#mechanic-now")).to_have_text("Sam Ortiz")
        assert_accessible(page, f"staff-visit-conflict-{width}")

        page.get_by_label("Assign to").select_option(label="Mike Lee")
        page.get_by_role("button", name="Save mechanic").click()
        expect(page.get_by_text("Assigned to Mike Lee.").first).to_be_visible()
        expect(page.locator("#mechanic-now")).to_have_text("Mike Lee")

        page.get_by_text("Promise a ready-by time").click()
        page.get_by_label("Ready by (EST)").fill("2026-12-02T16:30")
        page.get_by_role("button", name="Save time").click()
        expect(page.locator("#promised-now")).to_have_text("Wed Dec 2, 4:30 PM EST")

        page.get_by_text("Add a note", exact=True).click()
        page.get_by_label("Note", exact=True).fill(INTERNAL)
        page.get_by_label("Staff only (internal)").check()
        page.get_by_role("button", name="Add note").click()
        expect(page.get_by_text("Internal note added.")).to_be_visible()

        page.get_by_text("Add a note", exact=True).click()
        page.get_by_label("Note", exact=True).fill(FOR_CUSTOMER)
        page.get_by_label("The customer (sent by email or text and shown on their page)").check()
        page.get_by_role("button", name="Add note").click()
        expect(page.get_by_text("Note sent to the customer.")).to_be_visible()
        timeline = page.get_by_role("region", name="Timeline")
        expect(timeline.get_by_text(INTERNAL)).to_be_visible()
        expect(timeline.get_by_text(FOR_CUSTOMER)).to_be_visible()
        page.get_by_text("More actions").click()
        expect(page.get_by_role("button", name="Mark no-show")).to_be_visible()
        assert_accessible(page, f"staff-visit-done-{width}")

        page.get_by_role("link", name="Dana Reyes").click()
        expect(page.get_by_role("heading", name="Dana Reyes")).to_be_visible()
        assert_accessible(page, f"staff-customer-{width}")
        page.get_by_role("link", name="2018 Subaru Outback").first.click()
        expect(page.get_by_text("48,210 mi (last given)")).to_be_visible()
        assert_accessible(page, f"staff-vehicle-{width}")

        page.context.clear_cookies()  # the customer, on the same device
        _log_in(page, "dana@example.com")
        page.goto(f"/appointments/{visit.reference}")
        progress = page.get_by_role("region", name="Your car's progress")
        expect(progress.get_by_text(FOR_CUSTOMER)).to_be_visible()
        expect(progress.get_by_text("Wednesday, December 2 at 4:30 PM")).to_be_visible()
        expect(page.get_by_text(INTERNAL)).to_have_count(0)
        expect(page.get_by_text("Mike Lee")).to_have_count(0)
        assert_accessible(page, f"customer-visit-{width}")


def test_a_mechanic_takes_an_open_job_and_leaves_an_internal_note(page, factories):
    factories.mechanic(email="mike@example.com", first_name="Mike", last_name="Lee")
    visit = factories.appointment(
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        vehicle=factories.vehicle(make="Mazda", model="CX-5"),
        guest_name="Pat Guest",
        guest_email="pat@example.com",
        guest_phone="+16175550199",
    )
    width = page.viewport_size["width"]
    with time_machine.travel(NOW, tick=False):
        _log_in(page, "mike@example.com")
        page.goto(f"/staff/appointments/{visit.reference}")
        expect(page.get_by_text("guest, no account")).to_be_visible()
        expect(page.get_by_role("link", name="Pat Guest")).to_have_count(0)
        assert_accessible(page, f"staff-visit-mechanic-{width}")
        page.get_by_role("button", name="Take this job").click()
        expect(page.get_by_text("The job is yours.")).to_be_visible()
        expect(page.locator("#mechanic-now")).to_have_text("Mike Lee")
        expect(page.get_by_role("button", name="Take this job")).to_have_count(0)
        page.get_by_text("Add a note", exact=True).click()
        page.get_by_label("Note", exact=True).fill("x" * 1000 + " and more")
        page.get_by_role("button", name="Add note").click()
        expect(page.get_by_text("Internal note added.")).to_be_visible()  # the field keeps 1000
        page.get_by_role("link", name="2018 Mazda CX-5").click()
        expect(page.get_by_text("Pat Guest")).to_be_visible()
        assert_accessible(page, f"staff-vehicle-guest-{width}")

"""A mechanic works today's jobs on a phone and a desktop: one tap per status, with a note."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from playwright.sync_api import expect

from tests.support.browser import assert_accessible
from tests.support.factories import Factories

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York


def test_mechanic_checks_in_a_job_with_a_note(page, factories):
    mike = factories.mechanic(email="mike@example.com", first_name="Mike")
    factories.appointment(
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        mechanic=mike,
        vehicle=factories.vehicle(make="Subaru", model="Outback"),
        concern="Grinding noise from the front left",
    )
    with time_machine.travel(NOW, tick=False):
        page.goto("/account/login")
        page.get_by_label("Email").fill("mike@example.com")
        page.get_by_label("Password").fill(Factories.PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/staff/today")
        job = page.get_by_role("article", name="10:00 AM · 2018 Subaru Outback")
        expect(job.get_by_text("Grinding noise from the front left")).to_be_visible()
        assert_accessible(page, "mechanic-today")
        job.get_by_text("Add a note for the customer").click()
        job.get_by_label("Note for the customer (optional)").fill("Looking at the brakes now.")
        job.get_by_role("button", name="Check in").click()
        page.wait_for_load_state()
        expect(page.get_by_text("is now checked in")).to_be_visible()
        job = page.get_by_role("article", name="10:00 AM · 2018 Subaru Outback")
        expect(job.get_by_role("button", name="Start work")).to_be_visible()
        job.get_by_role("link", name="10:00 AM · 2018 Subaru Outback").click()
        expect(page.get_by_text("Looking at the brakes now.")).to_be_visible()
        assert_accessible(page, "mechanic-job")

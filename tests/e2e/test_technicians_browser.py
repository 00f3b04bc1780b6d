"""Technicians in a real browser, on a phone and a desktop: the admin enters a mechanic's time
off on their schedule page, and the customer's booking calendar then shows fewer free times on
that day (the mechanic is the shop's only one who can do the job)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from autoshop.domain.technicians import WorkingSpan
from autoshop.services import technicians
from tests.support.browser import VIEWPORTS, assert_accessible, htmx_settled, screenshot
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
DAY_LINK = re.compile(r"^Wednesday, December 2: (\d+) times? free$")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def calendar_url(page) -> str:
    """A guest picks an oil change and a car and reaches December's calendar."""
    page.goto("/book")
    page.wait_for_load_state("load")
    page.get_by_label("Oil change").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Year").fill("2016")
    page.get_by_label("Make").fill("Toyota")
    page.get_by_label("Model").fill("Corolla")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="When suits you?").wait_for()
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Next month").click()
    page.get_by_role("heading", name="December 2026").wait_for()
    htmx_settled(page)
    return page.url


def free_on_december_2(page) -> int:
    link = page.get_by_role("link", name=DAY_LINK)
    expect(link).to_have_count(1)
    text = " ".join(
        [
            link.get_attribute("aria-label") or "",
            link.get_attribute("title") or "",
            *(link.text_content() or "").split(),
        ]
    )
    match = re.search(r"(\d+) times? free", text)
    assert match is not None, text
    return int(match.group(1))


def test_time_off_entered_by_the_admin_shows_fewer_times(page, factories):
    shop = factories.booking_shop()
    ana = factories.mechanic(first_name="Ana", last_name="Ortiz")
    technicians.save_schedule(
        ana.id,
        location_id=shop["location"].id,
        spans=[WorkingSpan(d, 8 * 60, 17 * 60) for d in range(5)],
        skill_ids=[shop["oil"].category_id],
    )
    factories.admin(email="boss@example.com")

    url = calendar_url(page)
    before = free_on_december_2(page)
    assert before > 0

    # The admin, in a browser of their own.
    admin = page.context.browser.new_context(
        viewport=VIEWPORTS[page.viewport_name], base_url=page.url.split("/book")[0]
    )
    try:
        tab = admin.new_page()
        tab.viewport_name = page.viewport_name
        tab.goto("/account/login")
        tab.get_by_label("Email").fill("boss@example.com")
        tab.get_by_label("Password").fill(Factories.PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        tab.wait_for_url(re.compile(r"/admin/$"))
        tab.goto("/admin/staff")
        tab.get_by_role("link", name="Schedule & skills of Ana Ortiz").click()
        tab.get_by_role("heading", name="Schedule and skills: Ana Ortiz").wait_for()
        expect(tab.get_by_label("Wednesday")).to_have_value("08:00-17:00")
        assert_accessible(tab, "technician-schedule")
        assert fits_the_screen(tab)
        screenshot(tab, "technician-schedule")

        # A bad entry first: the time off ends before it starts.
        tab.get_by_label("From (date)").fill("2026-12-02")
        tab.get_by_label("From (time)").fill("12:00")
        tab.get_by_label("Until (date)").fill("2026-12-02")
        tab.get_by_label("Until (time)").fill("08:00")
        tab.get_by_label("Reason").fill("Dentist")
        tab.get_by_role("button", name="Add time off").click()
        tab.get_by_text("The time off must end after it starts.").wait_for()
        assert_accessible(tab, "technician-time-off-error")
        screenshot(tab, "technician-time-off-error")

        tab.get_by_label("From (time)").fill("08:00")
        tab.get_by_label("Until (time)").fill("12:00")
        tab.get_by_role("button", name="Add time off").click()
        tab.get_by_text("Time off saved for Ana Ortiz.").wait_for()
        expect(tab.get_by_text("Dentist", exact=True)).to_be_visible()
        assert fits_the_screen(tab)
        screenshot(tab, "technician-time-off-saved")
    finally:
        admin.close()

    page.goto(url)
    page.get_by_role("heading", name="December 2026").wait_for()
    after = free_on_december_2(page)
    assert 0 < after < before
    page.get_by_role("link", name=DAY_LINK).click()
    page.get_by_text("Free times on Wednesday, December 2").wait_for()
    htmx_settled(page)
    expect(page.locator("label", has_text=re.compile(r"^\s*10:00 AM\s*$"))).to_have_count(0)
    expect(page.locator("label", has_text=re.compile(r"^\s*1:00 PM\s*$"))).to_have_count(1)
    screenshot(page, "technician-fewer-times")


def test_time_off_over_a_booked_visit_asks_first_and_keeps_it_as_a_conflict(page, factories):
    shop = factories.booking_shop()
    ana = factories.mechanic(first_name="Ana", last_name="Ortiz")
    technicians.save_schedule(
        ana.id,
        location_id=shop["location"].id,
        spans=[WorkingSpan(d, 8 * 60, 17 * 60) for d in range(5)],
        skill_ids=[shop["oil"].category_id],
    )
    visit = factories.appointment(
        location=shop["location"],
        services=[shop["oil"]],
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        mechanic_id=ana.id,
    )
    factories.admin(email="boss@example.com")
    page.goto("/account/login")
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(f"/admin/staff/{ana.id}/schedule")
    page.get_by_label("From (date)").fill("2026-12-02")
    page.get_by_label("Until (date)").fill("2026-12-02")
    page.get_by_label("Reason").fill("Sick")
    page.get_by_role("button", name="Add time off").click()

    page.get_by_role("heading", name="Ana Ortiz has visits then").wait_for()
    expect(page.get_by_role("link", name=f"Ref. {visit.reference}")).to_be_visible()
    assert_accessible(page, "technician-time-off-confirm")
    assert fits_the_screen(page)
    screenshot(page, "technician-time-off-confirm")
    page.get_by_label("Keep them assigned, as conflicts to sort out later").check()
    page.get_by_role("button", name="Save time off").click()

    page.get_by_text("1 visit kept with them, listed below as conflicts.").wait_for()
    expect(page.get_by_role("link", name=f"Reassign {visit.reference}")).to_be_visible()
    assert_accessible(page, "technician-conflicts")
    assert fits_the_screen(page)
    screenshot(page, "technician-conflicts")

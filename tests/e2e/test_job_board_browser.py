"""The staff workspace in a browser: a mechanic works the job board on a tablet without a
reload, the board and My jobs on a phone and a desktop, and the day sheet as printed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from tests.support.browser import assert_accessible, htmx_settled, screenshot
from tests.support.factories import Factories

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York
TABLET = {"width": 768, "height": 1024}
TAKE_KIA = re.compile(r"^Take this job\W+2018 Kia Rio")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    location = factories.location(name="Main Street Auto")
    mike = factories.mechanic(email="mike@example.com", first_name="Mike", last_name="Diaz")
    sam = factories.mechanic(first_name="Sam", last_name="Lee")
    carla = factories.customer(first_name="Carla", last_name="Jones", phone="+15551234567")
    pads = factories.service("Brake pads", duration_minutes=90)
    oil = factories.service("Oil change", duration_minutes=30)
    subaru = factories.appointment(
        location=location,
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        customer=carla,
        mechanic=mike,
        vehicle=factories.vehicle(
            carla, make="Subaru", model="Outback", plate="ABC123", vin="4S4BSANC5K3212345"
        ),
        services=[pads, oil],
        concern="Grinding noise from the front left",
        staff_notes="Rotors were close to the limit last time.",
        promised_at=datetime(2026, 12, 2, 21, 0, tzinfo=UTC),
    )
    factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=datetime(2026, 12, 2, 14, 0, tzinfo=UTC),
        mechanic=sam,
        vehicle=factories.vehicle(make="Mazda", model="CX-5", mileage=48200),
        services=[oil],
        status="in_progress",
    )
    factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC),
        vehicle=factories.vehicle(make="Kia", model="Rio"),
        services=[oil],
    )
    return {"subaru": subaru, "mike": mike}


def _log_in(page, email: str = "mike@example.com") -> None:
    page.goto("/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/account/login" not in url)  # staff land on their own page


def _column(page, status: str):
    return page.locator(f"section.board-column-{status}")


def test_mechanic_moves_a_job_through_its_statuses_on_a_tablet(browser, live_server, shop):
    context = browser.new_context(viewport=TABLET, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_name = "tablet"
    try:
        _log_in(page)
        page.goto("/staff/board")
        expect(page.get_by_role("region", name="Job board: columns by status")).to_be_visible()
        page.evaluate("window.boardLoadedOnce = true")  # gone if the page reloads
        card = page.get_by_role("article", name="2018 Subaru Outback")
        expect(
            _column(page, "scheduled").get_by_role("article", name="2018 Subaru Outback")
        ).to_be_visible()
        screenshot(page, "job-board")
        assert_accessible(page, "job-board-tablet")
        steps = [
            ("Check in", "checked_in", "checked in"),
            ("Start work", "in_progress", "in progress"),
            ("Wait for parts", "waiting_on_parts", "waiting on parts"),
            ("Start work", "in_progress", "in progress"),
            ("Ready for pickup", "ready_for_pickup", "ready for pickup"),
            ("Complete", "completed", "completed"),
        ]
        for action, column, words in steps:
            if action == "Wait for parts":
                card.get_by_text("Add a note for the customer").click()
                card.get_by_label("Note for the customer").fill("Pads arrive at 2 pm.")
            card.get_by_role("button", name=action, exact=True).click()
            moved = _column(page, column).get_by_role("article", name="2018 Subaru Outback")
            expect(moved).to_be_visible()
            expect(page.get_by_role("status").filter(has_text=f"is now {words}")).to_be_visible()
            htmx_settled(page)
        assert page.evaluate("window.boardLoadedOnce") is True  # never reloaded
        expect(_column(page, "completed").locator(".board-count")).to_have_text("(1)")
        assert_accessible(page, "job-board-tablet-done")
        page.goto(f"/staff/appointments/{shop['subaru'].reference}")
        expect(page.get_by_text("Pads arrive at 2 pm.")).to_be_visible()
    finally:
        context.close()


def test_the_board_and_my_jobs_at_phone_and_desktop(page, shop):
    _log_in(page)
    page.goto("/staff/board")
    expect(page.get_by_role("article", name="2018 Mazda CX-5")).to_be_visible()
    assert_accessible(page, "job-board")
    page.goto("/staff/my-jobs")
    expect(page.get_by_role("heading", name="Assigned to me")).to_be_visible()
    assert_accessible(page, "my-jobs")
    page.get_by_role("button", name=TAKE_KIA).click()
    expect(page.get_by_text("is yours now")).to_be_visible()
    mine = page.get_by_role("region", name="Assigned to me")
    expect(mine.get_by_text("2018 Kia Rio")).to_be_visible()
    assert_accessible(page, "my-jobs-taken")


def test_my_jobs_on_a_tablet(browser, live_server, shop):
    context = browser.new_context(viewport=TABLET, base_url=live_server.url)
    page = context.new_page()
    page.viewport_name = "tablet"
    try:
        _log_in(page)
        page.goto("/staff/my-jobs")
        expect(page.get_by_role("button", name=TAKE_KIA)).to_be_visible()
        assert_accessible(page, "my-jobs")
        page.goto("/staff/today")
        expect(page.get_by_text("Add a note for the customer")).to_be_visible()
        assert_accessible(page, "today")
    finally:
        context.close()


def test_the_day_sheet_prints_one_page_per_bay(browser, live_server, shop):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.viewport_name = "desktop"
    try:
        _log_in(page)
        page.goto("/staff/day-sheet?date=2026-12-02&by=bay")
        expect(page.get_by_role("button", name="Print")).to_be_visible()
        assert_accessible(page, "day-sheet")
        page.evaluate("window.print = () => { window.printAsked = true; }")
        page.get_by_role("button", name="Print").click()
        page.wait_for_function("window.printAsked === true")
        page.emulate_media(media="print")
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        expect(page.get_by_role("button", name="Print")).to_be_hidden()
        expect(page.get_by_text("4S4BSANC5K3212345")).to_be_visible()
        breaks = page.eval_on_selector_all(
            "section.sheet-group", "els => els.map(e => getComputedStyle(e).breakBefore)"
        )
        assert breaks[0] != "page" and breaks[1:] == ["page"] * (len(breaks) - 1), breaks
        colour = page.eval_on_selector("body", "e => getComputedStyle(e).color")
        assert colour == "rgb(0, 0, 0)"
        screenshot(page, "day-sheet-print")
        pdf = page.pdf(format="Letter")
        assert pdf.startswith(b"%PDF")
        pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
        assert len(pages) == 2, len(pages)  # Lift 1 and Lift 2, one page each
    finally:
        context.close()


@pytest.mark.settings(BOARD_POLL_SECONDS=1)
def test_the_board_follows_moves_made_elsewhere_and_explains_a_stale_card(page, shop, factories):
    from autoshop.domain.status import AppointmentStatus
    from autoshop.services.status import change_status

    _log_in(page)
    page.goto("/staff/board")
    page.evaluate("window.boardLoadedOnce = true")
    card = _column(page, "scheduled").get_by_role("article", name="2018 Subaru Outback")
    expect(card.get_by_role("button", name="Check in")).to_be_visible()
    # The front desk checks the car in from another screen; the open board follows by itself.
    change_status(
        shop["subaru"],
        AppointmentStatus.CHECKED_IN,
        actor=factories.admin(first_name="Ada"),
        now=NOW,
    )
    moved = _column(page, "checked_in").get_by_role("article", name="2018 Subaru Outback")
    expect(moved).to_be_visible()
    assert page.evaluate("window.boardLoadedOnce") is True
    # A note being written holds the refresh; the move the mechanic then makes is stale.
    htmx_settled(page)
    moved.get_by_text("Add a note for the customer").click()
    moved.get_by_label("Note for the customer").fill("Starting on the brakes.")
    change_status(shop["subaru"], AppointmentStatus.IN_PROGRESS, actor=shop["mike"], now=NOW)
    # The next refresh is held (the board says so), and what was typed stays.
    expect(page.locator("#board-columns")).to_have_attribute("data-paused", "true")
    expect(moved.get_by_label("Note for the customer")).to_have_value("Starting on the brakes.")
    moved.get_by_role("button", name="Start work").click()
    expect(page.locator("#board-status")).to_contain_text(
        "You already moved the 2018 Subaru Outback to in progress."
    )
    card = _column(page, "in_progress").get_by_role("article", name="2018 Subaru Outback")
    expect(card).to_be_visible()
    # The note wasn't sent with the refused move: it is given back, ready for the right one.
    expect(card.get_by_label("Note for the customer")).to_have_value("Starting on the brakes.")
    assert page.evaluate("window.boardLoadedOnce") is True
    assert_accessible(page, "job-board-stale")

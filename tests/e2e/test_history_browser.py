"""Returning customers in a real browser: book again from the history, review a visit and find it
on the service's page, and an admin answering it. Phone and desktop, axe on every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment, Review, StatusChange
from tests.support.browser import VIEWPORTS, assert_accessible, htmx_settled, open_menu_item
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _log_in(page, user) -> None:
    page.goto("/account/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _past_visit(factories, shop, customer, vehicle, services, *, days_ago: int, note: str):
    visit = factories.appointment(
        customer=customer,
        vehicle=vehicle,
        location=shop["location"],
        services=services,
        starts_at=NOW - timedelta(days=days_ago, hours=-1),
        status=S.COMPLETED,
        mileage=48_250,
        staff_notes="Internal: offered a discount",
    )
    db.session.add(
        StatusChange(
            appointment=visit,
            from_status=S.READY_FOR_PICKUP,
            to_status=S.COMPLETED,
            changed_at=visit.ends_at,
            note=note,
        )
    )
    db.session.commit()
    return visit


def test_a_customer_books_again_from_their_history(page, factories):
    shop = factories.booking_shop()
    kim = factories.customer(email="kim@example.com", first_name="Kim", last_name="Lee")
    car = factories.vehicle(owner=kim, year=2020, make="Mazda", model="3", plate="KIM3")
    visit = _past_visit(
        factories,
        shop,
        kim,
        car,
        [shop["oil"], shop["pads"]],
        days_ago=90,
        note="Rear pads at 40%; check again in spring.",
    )
    _log_in(page, kim)
    open_menu_item(page, "My appointments")
    page.get_by_role("heading", name="Past visits").wait_for()
    card = page.locator(".past-visit", has_text=visit.reference)
    expect(card.get_by_text("48,250 mi", exact=False)).to_be_visible()
    card.get_by_text("Timeline and notes from the shop").click()
    expect(card.get_by_text("Rear pads at 40%; check again in spring.")).to_be_visible()
    expect(page.get_by_text("Internal: offered a discount")).to_have_count(0)
    _fits(page)
    assert_accessible(page, "history-past")

    card.get_by_role("link", name=re.compile(r"^Book again")).click()
    page.get_by_role("heading", name="When suits you?").wait_for()
    summary = page.locator(".booking-summary")
    expect(summary.get_by_text("Oil change")).to_be_visible()
    expect(summary.get_by_text("Brake pads")).to_be_visible()
    expect(summary.get_by_text("2020 Mazda 3")).to_be_visible()
    page.wait_for_load_state("load")  # htmx is ready to swap the calendar in place
    assert_accessible(page, "book-again-when")
    page.get_by_role("link", name="Next month").click()
    page.get_by_role("heading", name="December 2026").wait_for()
    htmx_settled(page)
    page.get_by_role("link", name=re.compile(r"^Wednesday, December 2: \d+ times free$")).click()
    page.get_by_text("Free times on Wednesday, December 2").wait_for()
    htmx_settled(page)
    page.locator("label", has_text=re.compile(r"^\s*9:00 AM\s*$")).click()
    page.locator(".time-form").get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Review booking").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()
    page.get_by_role("button", name="Confirm booking").click()

    page.get_by_role("heading", name="Your appointment").wait_for()
    db.session.commit()
    db.session.expire_all()
    again = db.session.scalars(sa.select(Appointment).where(Appointment.id != visit.id)).one()
    assert again.vehicle_id == car.id and again.customer_id == kim.id
    assert [s.service_id for s in again.services] == [shop["oil"].id, shop["pads"].id]
    assert again.starts_at == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    _fits(page)
    assert_accessible(page, "book-again-booked")

    # The car's service record lists the earlier work, with its mileage and the shop's note.
    open_menu_item(page, "My account")
    page.get_by_role("link", name="Service history of the 2020 Mazda 3").click()
    page.get_by_role("heading", name="Service history").wait_for()
    expect(page.get_by_text("At 48,250 mi", exact=False)).to_be_visible()
    expect(
        page.get_by_text("Rear pads at 40%; check again in spring.", exact=False)
    ).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Book again"))).to_have_count(1)
    _fits(page)
    assert_accessible(page, "vehicle-history")


def test_a_customer_reviews_a_visit_and_an_admin_replies(page, browser, live_server, factories):
    shop = factories.booking_shop()
    kim = factories.customer(email="kim@example.com", first_name="Kim", last_name="Lee")
    car = factories.vehicle(owner=kim, year=2020, make="Mazda", model="3")
    _past_visit(
        factories, shop, kim, car, [shop["pads"]], days_ago=3, note="New front pads fitted."
    )
    admin = factories.admin(email="boss@example.com", first_name="Dana", last_name="Reyes")

    _log_in(page, kim)
    page.goto("/appointments")
    page.get_by_role("link", name=re.compile(r"^Leave a review")).click()
    page.get_by_role("heading", name="How did we do?").wait_for()
    assert_accessible(page, "review-mine")
    page.get_by_label("4 stars: good").check()
    page.get_by_label(re.compile("Anything you'd like to tell us")).fill(
        "Quick <b>and</b> fair; they showed me the old pads."
    )
    page.get_by_role("button", name="Send review").click()
    page.get_by_text("Thank you for your review.").wait_for()
    expect(page.get_by_role("link", name=re.compile(r"^Edit your review"))).to_be_visible()
    assert_accessible(page, "history-reviewed")

    page.goto(f"/services/{shop['pads'].id}")
    reviews = page.locator("#reviews")
    expect(
        reviews.get_by_text("Quick <b>and</b> fair; they showed me the old pads.")
    ).to_be_visible()
    expect(reviews.get_by_text("Kim L., November 2026")).to_be_visible()
    expect(page.get_by_text("kim@example.com")).to_have_count(0)
    expect(page.locator(".rating-summary")).to_contain_text("4.0")
    _fits(page)
    assert_accessible(page, "service-reviewed")

    staff = browser.new_context(viewport=page.viewport_size, base_url=live_server.url)
    staff.set_default_timeout(10_000)
    desk = staff.new_page()
    desk.viewport_name = f"{page.viewport_name}-admin"
    try:
        _log_in(desk, admin)
        open_menu_item(desk, "Reviews", menu="Shop")
        desk.get_by_text("1 review.").wait_for()
        assert_accessible(desk, "admin-reviews")
        (review,) = db.session.scalars(sa.select(Review)).all()
        card = desk.locator(f"#review-{review.id}")
        card.get_by_role("button", name="Hide review").click()
        desk.get_by_text("Say why the review is hidden.").wait_for()
        assert_accessible(desk, "admin-reviews-error")
        card = desk.locator(f"#review-{review.id}")
        card.get_by_label("Public reply").fill("Thanks Kim, see you in spring!")
        card.get_by_role("button", name="Publish reply").click()
        desk.get_by_text("Your reply is published.").wait_for()
        _fits(desk)
        assert_accessible(desk, "admin-reviews-replied")
        desk.get_by_role("link", name="Without a reply").click()
        desk.get_by_text("No reviews here.").wait_for()
    finally:
        staff.close()

    page.goto(f"/services/{shop['pads'].id}")
    expect(page.get_by_text("Thanks Kim, see you in spring!")).to_be_visible()
    page.goto("/services")
    expect(page.get_by_text("Kim L., November 2026")).to_be_visible()
    _fits(page)
    assert_accessible(page, "services-rated")
    assert VIEWPORTS[page.viewport_name]  # both sizes ran

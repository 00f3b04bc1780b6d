"""`make screenshots`: the pictures in docs/STAFF_GUIDE.md and docs/CUSTOMER_GUIDE.md, taken in a
real browser from the demo shop (`autoshop seed-demo`'s data) on a fixed day.

Not part of `make test` (the file name isn't `test_*.py`); `make screenshots` runs it and rewrites
docs/screenshots/. tests/unit/test_guide_screenshots.py checks that every picture a guide shows
is one named in SHOTS below and that the file is there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, User, Vehicle
from autoshop.models.appointments import Review
from autoshop.services import demo
from tests.support.browser import VIEWPORTS, htmx_settled

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: Monday 30 November 2026, 10:00 in New York: the shop open, cars on the lifts.
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)

#: Every picture `make screenshots` takes: name -> the widths it is taken at.
SHOTS: dict[str, tuple[str, ...]] = {
    "customer-services": ("phone", "desktop"),
    "customer-when": ("phone",),
    "customer-visits": ("phone",),
    "customer-visit": ("phone",),
    "customer-history": ("phone",),
    "customer-review": ("phone",),
    "customer-spanish": ("phone",),
    "staff-dashboard": ("desktop",),
    "staff-calendar": ("desktop",),
    "staff-board": ("desktop", "phone"),
    "staff-phone-booking": ("desktop",),
    "staff-visit": ("desktop",),
    "staff-notifications": ("desktop",),
    "staff-reviews": ("desktop",),
    "staff-setup": ("desktop",),
}


def files() -> list[str]:
    """The file names `make screenshots` writes into docs/screenshots/."""
    return [f"{name}-{width}.png" for name, widths in SHOTS.items() for width in widths]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def demo_shop(app):
    demo.seed(now=NOW)
    db.session.commit()


class Camera:
    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url

    def tab(self, width: str, email: str | None = None) -> Any:
        context = self.browser.new_context(viewport=VIEWPORTS[width], base_url=self.base_url)
        page = context.new_page()
        if email:
            page.goto("/account/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(re.compile(r"/(admin/|staff/.*|)$"))
        return page

    def take(self, name: str, path: str, email: str | None = None, prepare: Any = None) -> None:
        for width in SHOTS[name]:
            page = self.tab(width, email)
            page.goto(path)
            page.wait_for_load_state("load")
            if prepare:
                prepare(page)
            htmx_settled(page)
            FOLDER.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(FOLDER / f"{name}-{width}.png"), animations="disabled")
            page.context.close()


@pytest.fixture
def camera(browser, live_server, demo_shop):
    return Camera(browser, live_server.url)


def _owned(status: AppointmentStatus, *, upcoming: bool) -> Appointment:
    when = Appointment.starts_at > NOW if upcoming else Appointment.starts_at < NOW
    return db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.status == status, Appointment.customer_id.is_not(None), when)
        .order_by(Appointment.starts_at)
    ).first()


def test_customer_guide(camera):
    maria = db.session.scalar(sa.select(User).where(User.email == "maria.garcia@example.com"))
    car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == maria.id))
    upcoming = db.session.scalars(
        sa.select(Appointment)
        .where(Appointment.customer_id == maria.id, Appointment.starts_at > NOW)
        .order_by(Appointment.starts_at)
    ).first()
    reviewed = sa.select(Review.appointment_id)
    unreviewed = db.session.scalars(
        sa.select(Appointment)
        .where(
            Appointment.status == AppointmentStatus.COMPLETED,
            Appointment.customer_id.is_not(None),
            Appointment.id.not_in(reviewed),
        )
        .order_by(Appointment.starts_at.desc())
    ).first()
    assert car and upcoming and unreviewed, "the demo shop has changed: pick other visits"

    camera.take("customer-services", "/services")

    def pick_a_day(page: Any) -> None:
        page.get_by_role("button", name="Continue").click()  # with the saved car chosen
        expect(page.get_by_role("heading", name="When suits you?")).to_be_visible()
        page.locator("#day-2026-11-30").click()  # today: later this morning is free
        times = page.get_by_text("Free times on Monday, November 30")
        expect(times).to_be_visible()
        htmx_settled(page)
        page.evaluate("window.scrollBy(0, 330)")

    service_id = upcoming.services[0].service_id
    camera.take(
        "customer-when",
        f"/book?services={service_id}",
        maria.email,
        pick_a_day,
    )
    camera.take("customer-visits", "/appointments", maria.email)
    camera.take("customer-visit", f"/appointments/{upcoming.reference}", maria.email)
    camera.take("customer-history", f"/account/vehicles/{car.id}/history", maria.email)
    camera.take(
        "customer-review", f"/appointments/{unreviewed.reference}/review", unreviewed.customer.email
    )

    def in_spanish(page: Any) -> None:
        page.locator("#language-choice").select_option("es")
        page.locator("#language-form button[type=submit]").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")

    camera.take("customer-spanish", "/services", prepare=in_spanish)


def test_staff_guide(camera):
    admin = demo.ADMIN_EMAIL
    todays_visit = _owned(AppointmentStatus.SCHEDULED, upcoming=True)  # this afternoon's
    assert todays_visit, "the demo shop has changed: pick another visit"
    camera.take("staff-dashboard", "/admin/", admin)
    camera.take("staff-calendar", "/staff/calendar", admin)
    camera.take("staff-board", "/staff/board", "mike.chen@example.com")

    def find_maria(page: Any) -> None:
        expect(page.get_by_role("heading", name="Who is the booking for?")).to_be_visible()
        page.get_by_label("Find the customer").press_sequentially("garc")
        expect(page.locator("#customer-results").get_by_role("button")).to_have_count(1)

    camera.take("staff-phone-booking", "/book", admin, find_maria)
    camera.take("staff-visit", f"/staff/appointments/{todays_visit.reference}", admin)

    def check_the_car_in(page: Any) -> None:
        """A status change queues the customer's message: the log then has something to show."""
        page.goto(f"/staff/appointments/{todays_visit.reference}")
        page.get_by_role("button", name="Check in").click()
        expect(page.get_by_text("Checked in").first).to_be_visible()
        page.goto("/admin/notifications")
        expect(page.get_by_role("heading", name="Notifications")).to_be_visible()

    camera.take("staff-notifications", "/admin/notifications", admin, check_the_car_in)
    camera.take("staff-reviews", "/admin/reviews", admin)
    camera.take("staff-setup", "/admin/calendar/", admin)

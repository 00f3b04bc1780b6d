"""An admin closes a booked day in a real browser, sees the visits it hits, cancels or keeps them.

The live server runs in a thread of this process, so freezing time here freezes it there too.
The cancellation email goes through the outbox worker to a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.notifications.worker import run_worker
from autoshop.services import outbox_planning
from tests.support.browser import assert_accessible, open_menu_item
from tests.support.factories import Factories

NOW = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
VISIT = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # Tuesday Nov 17, 10:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    shop = factories.booking_shop()
    customer = factories.customer(email="kim@example.com", first_name="Kim", last_name="Lee")
    vehicle = factories.vehicle(owner=customer, year=2020, make="Mazda", model="3")
    visit = factories.appointment(
        location=shop["location"],
        customer=customer,
        vehicle=vehicle,
        services=[shop["oil"], shop["pads"]],
        starts_at=VISIT,
    )
    outbox_planning.plan_booking(visit, now=NOW)
    db.session.commit()
    return {**shop, "visit": visit, "customer": customer}


def log_in_as_admin(page, factories) -> None:
    admin = factories.admin(first_name="Dana")
    page.goto("/account/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def assert_no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def test_admin_closes_a_booked_day_and_cancels_the_visit_and_the_customer_is_told(
    app, page, factories, shop, smtp_server, live_server
):
    app.config.update(smtp_server.mail_settings, PUBLIC_BASE_URL=live_server.url)
    visit = shop["visit"]
    log_in_as_admin(page, factories)

    open_menu_item(page, "Shop calendar", menu="Shop")
    page.get_by_role("link", name="Add a closure").click()
    page.get_by_label("Closed from").fill("2026-11-17T00:00")
    page.get_by_label("Open again at").fill("2026-11-18T00:00")
    page.get_by_label("Reason shown to customers").fill("Staff training")
    page.get_by_role("button", name="Add closure").click()

    page.get_by_role("heading", name="This change affects booked visits").wait_for()
    visits = page.get_by_role("list", name="Affected visits")
    expect(visits.get_by_role("link", name=visit.reference)).to_be_visible()
    item = visits.get_by_role("listitem").first
    for text in ("Tue Nov 17, 2026, 10:00 AM–12:00 PM", "Kim Lee", "2020 Mazda 3"):
        expect(item.get_by_text(text, exact=False).first).to_be_visible()
    expect(item.get_by_text("Oil change, Brake pads")).to_be_visible()
    expect(item.get_by_text("Shop closed: Staff training")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page, "admin-closure-confirm")

    # Saving without a choice saves nothing and says what is missing.
    page.get_by_role("button", name="Save the change").click()
    page.get_by_text("Choose whether to keep these visits or cancel them.").wait_for()
    assert_accessible(page, "admin-closure-confirm-error")
    db.session.commit()
    db.session.refresh(visit)
    assert visit.status is AppointmentStatus.SCHEDULED

    page.get_by_label("Cancel them and tell each customer", exact=False).check()
    page.get_by_label("Message to the customers").fill(
        "Our whole team is at a training day. Sorry for the trouble!"
    )
    page.get_by_role("button", name="Save the change").click()
    page.get_by_text("The closure was added.").wait_for()
    expect(page.get_by_text("1 visit cancelled; each customer is being told")).to_be_visible()
    expect(page.get_by_role("cell", name="Staff training", exact=True)).to_be_visible()
    assert_accessible(page, "admin-calendar-after-closure")

    db.session.commit()
    db.session.refresh(visit)
    assert visit.status is AppointmentStatus.CANCELLED

    # The worker delivers the message; the rebooking link opens /book with the same services.
    run_worker(app, once=True, clock=lambda: NOW)
    (message,) = [
        m.message
        for m in smtp_server.to("kim@example.com")
        if m.message["Subject"].startswith("Cancelled")  # the booking's confirmation went too
    ]
    assert visit.reference in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Main Street Auto has had to cancel your visit" in text
    assert "Our whole team is at a training day. Sorry for the trouble!" in text
    link = re.search(r"Book another time: (\S+)", text).group(1)
    assert link == (f"{live_server.url}/book?services={shop['oil'].id}&services={shop['pads'].id}")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert link.replace("&", "&amp;") in html

    page.context.clear_cookies()  # the customer opens it, not the admin
    page.goto(link)
    page.get_by_role("heading", name="Which vehicle are we seeing?").wait_for()
    expect(page.get_by_text("Oil change").first).to_be_visible()
    expect(page.get_by_text("Brake pads").first).to_be_visible()


def test_admin_keeps_the_visits_on_a_bay_taken_out_of_use_and_sees_them_on_the_dashboard(
    page, factories, shop
):
    visit = shop["visit"]
    log_in_as_admin(page, factories)

    open_menu_item(page, "Shop calendar", menu="Shop")
    page.get_by_role("button", name="Deactivate Lift 1").click()
    page.get_by_role("heading", name="This change affects booked visits").wait_for()
    expect(page.get_by_text("Lift 1 is not in use")).to_be_visible()
    page.get_by_label("Keep them booked", exact=False).check()
    page.get_by_role("button", name="Save the change").click()
    page.get_by_text("Lift 1 was deactivated").wait_for()
    expect(page.get_by_text("1 visit kept.", exact=False)).to_be_visible()

    page.goto("/admin/")
    section = page.get_by_role("region", name=re.compile("Booked visits that don't fit"))
    expect(section.get_by_role("link", name=visit.reference, exact=True)).to_be_visible()
    expect(section.get_by_text("Lift 1 is not in use")).to_be_visible()
    expect(section.get_by_role("link", name=f"Reschedule {visit.reference}")).to_be_visible()
    assert_no_sideways_scroll(page)
    assert_accessible(page, "admin-dashboard-conflict")

    db.session.commit()
    db.session.refresh(visit)
    assert visit.status is AppointmentStatus.SCHEDULED

"""The waitlist in a real browser: a customer joins on a full day, another visit is cancelled,
the offer email (through the outbox worker to a real SMTP server) opens the held time, accepted.

The live server runs in a thread of this process, so freezing time here freezes it there too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.domain.choices import Capability
from autoshop.domain.waitlist import EntryStatus
from autoshop.extensions import db
from autoshop.models import Appointment, WaitlistEntry
from autoshop.notifications.worker import run_worker
from autoshop.services import booking
from tests.support.browser import assert_accessible, screenshot
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
WED_9 = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
WED_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def full_day(factories):
    location = factories.location(
        name="Main Street Auto",
        hours={d: [(time(9), time(11))] for d in range(5)},
        bays=[("Lift 1", LIFT), ("Lift 2", LIFT)],
        slot_interval_minutes=60,
        buffer_minutes=0,
    )
    service = factories.service("Brake pads", duration_minutes=60)
    visits = [
        factories.appointment(location=location, bay=bay, starts_at=start, services=[service])
        for bay in location.bays
        for start in (WED_9, WED_10)
    ]
    customer = factories.customer(email="kim@example.com", first_name="Kim", last_name="Lee")
    vehicle = factories.vehicle(owner=customer, year=2020, make="Mazda", model="3")
    return {"service": service, "visits": visits, "customer": customer, "vehicle": vehicle}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def test_customer_joins_a_full_day_and_accepts_the_offer_from_the_email(
    app, page, factories, full_day, smtp_server, live_server
):
    app.config.update(smtp_server.mail_settings, PUBLIC_BASE_URL=live_server.url)
    view = page.viewport_name
    page.goto("/account/login")
    page.get_by_label("Email").fill("kim@example.com")
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))

    service, vehicle = full_day["service"], full_day["vehicle"]
    page.goto(f"/book?services={service.id}&vehicle={vehicle.id}&day=2026-12-02")
    expect(page.get_by_text("No free times on Wednesday, December 2")).to_be_visible()
    assert_accessible(page, "waitlist-when-full")
    page.get_by_role("link", name="Join the waitlist for Wednesday, December 2").click()

    page.get_by_role("heading", name="Join the waitlist").wait_for()
    expect(page.get_by_label("Day")).to_have_value("2026-12-02")
    expect(page.get_by_label("Vehicle")).to_have_value(str(vehicle.id))
    # A window the wrong way round is refused, and nothing is saved.
    page.get_by_label("Earliest start").select_option(label="10:00 AM")
    page.get_by_label("Latest start").select_option(label="9:00 AM")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(
        page.get_by_text("The latest start must be at or after the earliest start.").first
    ).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page, "waitlist-join-error")
    page.get_by_label("Earliest start").select_option(label="9:00 AM")
    page.get_by_label("Latest start").select_option(label="10:00 AM")
    screenshot(page, "waitlist-join")
    assert_accessible(page, "waitlist-join")
    page.get_by_role("button", name="Join the waitlist").click()

    expect(page.get_by_text("You're on the waitlist for Wednesday, December 2")).to_be_visible()
    entries = page.get_by_role("region", name="Waitlist")
    expect(entries.get_by_text("Wednesday, December 2, 2026", exact=True)).to_be_visible()
    expect(entries.get_by_text("Waiting")).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page, "waitlist-entries")

    # The shop cancels another customer's 10:00 visit: the time is held for Kim and offered.
    admin = factories.admin()
    db.session.commit()
    cancelled = db.session.get(Appointment, full_day["visits"][1].id)
    booking.cancel(cancelled, now=NOW, actor=admin, reason="The customer called")
    run_worker(app, once=True, clock=lambda: NOW)
    (message,) = [
        m.message
        for m in smtp_server.to("kim@example.com")
        if m.message["Subject"].startswith("A time opened up")
    ]
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"Accept it here:\s+(\S+)", text).group(1)
    assert link.startswith(f"{live_server.url}/waitlist/offers/")

    page.goto(link)
    page.get_by_role("heading", name="A time opened up for you").wait_for()
    expect(page.get_by_text("Wednesday, December 2, 2026 at 10:00 AM")).to_be_visible()
    expect(page.get_by_text("2020 Mazda 3")).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page, "waitlist-offer")
    page.get_by_role("button", name="Accept and book this time").click()

    expect(
        page.get_by_text("Your visit is booked: Wednesday, December 2, 2026 at 10:00 AM")
    ).to_be_visible()
    assert_accessible(page, f"waitlist-booked-{view}")
    db.session.commit()
    db.session.expire_all()
    entry = db.session.scalars(sa.select(WaitlistEntry)).one()
    assert entry.status is EntryStatus.BOOKED
    assert entry.appointment.starts_at == WED_10
    assert entry.appointment.customer_id == full_day["customer"].id

    page.goto("/appointments")
    waitlist = page.get_by_role("region", name="Waitlist")
    expect(waitlist.get_by_text("Booked", exact=True)).to_be_visible()
    expect(waitlist.get_by_role("link", name="See the visit you booked")).to_be_visible()


def log_in(page, user) -> None:
    page.goto("/account/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_admin_sees_the_line_for_a_day(page, factories, full_day):
    from autoshop.services import waitlist

    for n, earliest in enumerate((time(9), time(10))):
        owner = factories.customer(first_name=f"Waiting{n}", last_name="Customer")
        car = factories.vehicle(owner=owner, make="Toyota", model=f"Corolla {n}")
        waitlist.join(
            waitlist.JoinRequest(
                service_ids=[full_day["service"].id],
                day=WED_9.date(),
                earliest=earliest,
                latest=time(10),
                customer=owner,
                vehicle_id=car.id,
            ),
            now=NOW,
        )
    admin = factories.admin()
    booking.cancel(db.session.get(Appointment, full_day["visits"][1].id), now=NOW, actor=admin)
    db.session.commit()
    log_in(page, admin)
    page.goto("/admin/waitlist")
    page.get_by_role("heading", name="Wednesday, December 2, 2026").wait_for()
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Waiting0 Customer")
    expect(rows.nth(1)).to_contain_text("held until 8:15 AM")
    expect(rows.nth(2)).to_contain_text("Waiting1 Customer")
    no_sideways_scroll(page)
    assert_accessible(page, "admin-waitlist")


def test_customer_gets_and_resets_a_calendar_link(page, full_day):
    log_in(page, full_day["customer"])
    page.goto("/account/")
    page.get_by_role("button", name="Get my calendar link").click()
    page.get_by_role("heading", name="Your calendar link").wait_for()
    first = page.get_by_label("Subscription link").input_value()
    assert re.fullmatch(r"http://[^/]+/feeds/[A-Za-z0-9_-]{40,}\.ics", first)
    no_sideways_scroll(page)
    assert_accessible(page, "calendar-link")
    page.get_by_role("link", name="Back to my account").click()
    expect(page.get_by_text("Your link is on")).to_be_visible()
    assert_accessible(page, "account-calendar")
    page.get_by_role("button", name="Reset link").click()
    expect(page.get_by_text("Your old link no longer works.")).to_be_visible()
    assert page.get_by_label("Subscription link").input_value() != first

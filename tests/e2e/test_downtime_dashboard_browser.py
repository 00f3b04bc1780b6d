"""The dashboard and the shop calendar on a phone (375 px) and a desktop (1280 px): nothing cut
off, axe clean; an admin takes a booked bay out of service and keeps the visit as a conflict."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import BayDowntime, Review
from tests.e2e.test_schedule_changes_browser import assert_no_sideways_scroll, log_in_as_admin
from tests.support.browser import assert_accessible, open_menu_item

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)

#: Elements (outside visually hidden text) whose box reaches past the viewport's sides: what a
#: person can't see without scrolling sideways, inside a scrolling table or not.
CUT_OFF_JS = """() => {
  const width = document.documentElement.clientWidth;
  const hidden = el => el.closest('.visually-hidden, thead, .navbar, script, template');
  return Array.from(document.querySelectorAll('main *'))
    .filter(el => !hidden(el))
    .filter(el => { const r = el.getBoundingClientRect();
                    return r.width > 0 && r.height > 0
                      && (r.right > width + 0.5 || r.left < -0.5); })
    .map(el => el.tagName + ': ' + (el.innerText || '').slice(0, 40));
}"""


def assert_nothing_cut_off(page) -> None:
    assert_no_sideways_scroll(page)
    assert page.evaluate(CUT_OFF_JS) == []


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    shop = factories.booking_shop()
    location = shop["location"]
    lift1, lift2 = location.bays
    customer = factories.customer(
        email="kimberly.leeann-washington@example.com", first_name="Kimberly", last_name="Lee-Ann"
    )
    vehicle = factories.vehicle(owner=customer, year=2020, make="Mercedes-Benz", model="GLC 300")

    def visit(starts_at, status=S.SCHEDULED, bay=lift1, services=None, **kw):
        return factories.appointment(
            location=location,
            bay=bay,
            services=services or [shop["oil"]],
            starts_at=starts_at,
            status=status,
            **kw,
        )

    arriving = visit(NOW + HOUR, customer=customer, vehicle=vehicle, services=[shop["pads"]])
    visit(NOW - 30 * MINUTE, S.IN_PROGRESS, bay=lift2)
    visit(NOW - 24 * HOUR, S.READY_FOR_PICKUP, services=[shop["diag"]])
    visit(NOW - 90 * MINUTE, S.NO_SHOW)
    past = visit(NOW - 7 * 24 * HOUR, S.COMPLETED)
    db.session.add(
        Review(
            appointment_id=past.id,
            rating=5,
            comment="Fixed the squeak in no time, explained everything and the car was washed.",
            created_at=NOW - HOUR,
        )
    )
    db.session.commit()
    return {**shop, "arriving": arriving, "lift1": lift1}


def test_admin_takes_a_booked_lift_out_of_service_and_sees_the_conflict(page, factories, shop):
    phone = page.viewport_size["width"] < 576
    log_in_as_admin(page, factories)
    arriving = shop["arriving"]

    page.goto("/admin/")
    page.get_by_role("heading", name="Today at a glance").wait_for()
    arrivals = page.get_by_role("region", name="Arriving in the next two hours")
    expect(arrivals.get_by_role("link", name="2020 Mercedes-Benz GLC 300")).to_be_visible()
    expect(arrivals.get_by_text("Kimberly Lee-Ann")).to_be_visible()
    in_shop = page.get_by_role("region", name="Cars in the shop")
    expect(in_shop.get_by_role("link", name=re.compile(r"^In progress 1"))).to_be_visible()
    expect(in_shop.get_by_role("link", name=re.compile(r"^Ready for pickup 1"))).to_be_visible()
    use = page.get_by_role("region", name="Bay utilisation")
    expect(use.get_by_role("rowheader", name="All bays")).to_be_visible()
    reviews = page.get_by_role("region", name="Recent reviews")
    expect(reviews.get_by_text("5 out of 5")).to_be_visible()
    schedule = page.get_by_role("table", name="Today's appointments")
    expect(schedule.get_by_text("Kimberly Lee-Ann")).to_be_visible()  # the Customer column
    expect(schedule.get_by_text("Scheduled").first).to_be_visible()  # the Status column
    assert_nothing_cut_off(page)
    assert_accessible(page, "admin-dashboard")

    open_menu_item(page, "Shop calendar", menu="Shop")
    page.get_by_role("heading", name="Bays out of service").wait_for()
    expect(page.get_by_text("Every bay is in service")).to_be_visible()
    expect(page.get_by_role("button", name="Deactivate Lift 2")).to_be_visible()
    assert_nothing_cut_off(page)
    assert_accessible(page, "admin-calendar")

    page.get_by_role("link", name=re.compile(r"^Take out of service\W+Lift 1$")).click()
    page.get_by_role("heading", name="Take a bay out of service").wait_for()
    expect(page.get_by_label("Bay")).to_have_value(str(shop["lift1"].id))
    page.get_by_label("From (date)").fill("2026-12-01")
    page.get_by_label("From (time)").fill("09:30")
    page.get_by_label("Until (date)").fill("2026-12-01")
    page.get_by_label("Until (time)").fill("09:00")
    page.get_by_role("button", name="Take out of service").click()
    expect(
        page.get_by_text("The bay must be back in service after the downtime starts.")
    ).to_be_visible()
    expect(page.get_by_text("Say why the bay is out of service.")).to_be_visible()
    assert_nothing_cut_off(page)
    assert_accessible(page, "admin-downtime-form-errors")

    page.get_by_label("Until (time)").fill("")
    page.get_by_label("Reason").fill("Annual lift inspection")
    page.get_by_role("button", name="Take out of service").click()
    page.get_by_role("heading", name="This change affects booked visits").wait_for()
    visits = page.get_by_role("list", name="Affected visits")
    expect(visits.get_by_role("link", name=arriving.reference)).to_be_visible()
    expect(visits.get_by_text("Lift 1 out of service: Annual lift inspection")).to_be_visible()
    assert_nothing_cut_off(page)
    page.get_by_label("Keep them booked", exact=False).check()
    page.get_by_role("button", name="Save the change").click()

    page.get_by_text("Lift 1 is out of service then: Annual lift inspection.").wait_for()
    expect(page.get_by_text("1 visit kept.", exact=False)).to_be_visible()
    downtimes = page.get_by_role("table", name=re.compile("Current and upcoming bay downtimes"))
    expect(downtimes.get_by_role("cell", name="Annual lift inspection", exact=True)).to_be_visible()
    expect(downtimes.get_by_text("Tue Dec 2, 2026 12:00 AM")).to_have_count(0)
    expect(downtimes.get_by_text("Wed Dec 2, 2026 12:00 AM")).to_be_visible()
    remove = downtimes.get_by_role("button", name=re.compile("^Remove"))
    expect(remove).to_be_visible()
    assert_nothing_cut_off(page)
    assert_accessible(page, "admin-calendar-downtime")
    db.session.commit()
    (downtime,) = db.session.scalars(sa.select(BayDowntime)).all()
    assert downtime.starts_at == NOW + 30 * MINUTE

    page.goto("/admin/")
    conflicts = page.get_by_role("region", name=re.compile("Booked visits that don't fit"))
    expect(conflicts.get_by_role("link", name=arriving.reference, exact=True)).to_be_visible()
    expect(conflicts.get_by_text("Lift 1 out of service: Annual lift inspection")).to_be_visible()
    assert_nothing_cut_off(page)
    assert_accessible(page, "admin-dashboard-downtime-conflict")
    if phone:  # the stacked rows carry their column's name
        row = page.get_by_role("table", name="Today's appointments").get_by_role("row").nth(1)
        assert "Customer" in row.evaluate(
            "r => Array.from(r.cells).map(c => getComputedStyle(c, '::before').content).join()"
        )

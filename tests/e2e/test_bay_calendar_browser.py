"""An admin moves visits on the calendar by bay in a real browser: by drag and drop, by the
keyboard "Move to…" form, and a refused drop that leaves the visit where it was."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from tests.support.browser import assert_accessible, htmx_settled, open_menu_item
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
WED = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # Wednesday Dec 2, 00:00 in New York


def at(hour: float) -> datetime:
    """Wednesday at `hour` (local, New York)."""
    return WED + timedelta(hours=hour)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    """A day like a real one: three lifts and a rack, visits in several statuses, the rack's
    inspection in the afternoon and a visit caught by it."""
    lift = [Capability.LIFT.value, Capability.GENERAL.value]
    location = factories.location(
        name="Main Street Auto",
        bays=[
            ("Lift 1", lift),
            ("Lift 2", lift),
            ("Lift 3", lift),
            ("Alignment rack", [Capability.ALIGNMENT.value, Capability.GENERAL.value]),
        ],
    )
    lift1, lift2, lift3, rack = location.bays
    oil = factories.service("Oil change", duration_minutes=30)
    brakes = factories.service("Brake pads", duration_minutes=90)
    diag = factories.service("Noise diagnosis", duration_minutes=60)
    align = factories.service(
        "Wheel alignment", duration_minutes=60, capability=Capability.ALIGNMENT
    )
    sam = factories.mechanic(first_name="Sam", last_name="Ortiz")
    ana = factories.mechanic(first_name="Ana", last_name="Reyes")
    people = [
        ("Kim", "Lee", 2020, "Mazda", "3"),
        ("Lee", "Park", 2017, "Ford", "Focus"),
        ("Ravi", "Shah", 2019, "Toyota", "RAV4"),
        ("Jo", "Adams", 2015, "Honda", "Accord"),
        ("Mia", "Chen", 2022, "Subaru", "Outback"),
        ("Tom", "Nagy", 2012, "Chevrolet", "Malibu"),
    ]
    owners = []
    for first, last, year, make, model in people:
        customer = factories.customer(
            email=f"{first.lower()}@example.com", first_name=first, last_name=last
        )
        owners.append((customer, factories.vehicle(customer, year=year, make=make, model=model)))

    def visit(i, bay, hour, services, **kw):
        customer, vehicle = owners[i]
        return factories.appointment(
            location=location,
            bay=bay,
            starts_at=at(hour),
            services=services,
            customer=customer,
            vehicle=vehicle,
            **kw,
        )

    visits = {
        "brakes": visit(0, lift1, 8, [brakes], mechanic_id=sam.id, status=S.IN_PROGRESS),
        "oil": visit(1, lift2, 10, [oil]),
        "diag": visit(2, lift1, 13, [diag], mechanic_id=ana.id),
        "checked": visit(3, lift3, 9, [oil, diag], status=S.CHECKED_IN, mechanic_id=ana.id),
        "align": visit(4, rack, 15, [align]),
        "ready": visit(5, lift2, 7.5, [oil], status=S.READY_FOR_PICKUP, mechanic_id=sam.id),
    }
    factories.downtime(rack, starts_at=at(14.5), ends_at=at(16.5), reason="Annual rack inspection")
    return {"location": location, "bays": location.bays, **visits}


def log_in_as_admin(page, factories) -> None:
    admin = factories.admin(first_name="Dana")
    page.goto("/account/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def open_wednesday(page) -> None:
    open_menu_item(page, "Calendar by bay", menu="Floor")
    page.get_by_label("Date").fill("2026-12-02")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.get_by_role("heading", name="Wednesday, December 2, 2026")).to_be_visible()
    htmx_settled(page)


def assert_no_sideways_scroll(page) -> None:
    """The page itself never scrolls sideways; the calendar scrolls inside its own region."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "window.innerWidth + 1 && !e.closest('.cal-scroll table')).slice(0, 5)"
        ".map(e => e.tagName + '.' + e.className).join(' | ')"
    )


def block(page, appointment):
    return page.locator(f'article[data-reference="{appointment.reference}"]')


def cell(page, bay, starts_at: datetime):
    row = page.locator(f'tr[data-start="{starts_at.isoformat()}"]')
    return row.locator(f'td[data-bay="{bay.id}"]')


def drag(page, appointment, target) -> None:
    block(page, appointment).drag_to(
        target, source_position={"x": 12, "y": 8}, target_position={"x": 12, "y": 8}
    )


def test_the_admin_drags_a_visit_to_another_bay_and_time(page, factories, shop):
    log_in_as_admin(page, factories)
    open_wednesday(page)
    assert_accessible(page, "bay-calendar-day")
    assert_no_sideways_scroll(page)
    lift1 = shop["bays"][0]
    oil = shop["oil"]
    drag(page, oil, cell(page, lift1, at(11)))
    alert = page.locator("#calendar-alert [role=alert]")
    expect(alert).to_contain_text(f"{oil.reference} (2017 Ford Focus) moved to Wed Dec 2, 11:00 AM")
    expect(alert).to_contain_text("in Lift 1")
    htmx_settled(page)
    moved = page.locator(f'td[data-bay="{lift1.id}"] article[data-reference="{oil.reference}"]')
    expect(moved).to_be_visible()
    expect(page.locator(f'tr[data-start="{at(11).isoformat()}"]')).to_contain_text(oil.reference)
    assert_accessible(page, "bay-calendar-after-drop")


def test_a_refused_drop_says_why_and_the_visit_stays_where_it_was(page, factories, shop):
    log_in_as_admin(page, factories)
    open_wednesday(page)
    lift2, rack = shop["bays"][1], shop["bays"][3]
    oil = shop["oil"]
    # Onto its own bay's lunch break: refused, and the block goes back to 10:00.
    drag(page, oil, cell(page, lift2, at(12)))
    alert = page.locator("#calendar-alert [role=alert]")
    expect(alert).to_contain_text("Not moved.")
    expect(alert).to_contain_text("isn't one of the offered start times")
    htmx_settled(page)
    back = page.locator(f'tr[data-start="{at(10).isoformat()}"] td[data-bay="{lift2.id}"]')
    expect(back.locator(f'article[data-reference="{oil.reference}"]')).to_be_visible()
    expect(block(page, oil)).not_to_have_class(re.compile("is-dragging"))
    # The alignment an hour earlier would still run into the rack's inspection.
    drag(page, shop["align"], cell(page, rack, at(14.25)))
    expect(alert).to_contain_text("out of service then: Annual rack inspection")
    assert_accessible(page, "bay-calendar-refused")


def test_the_admin_moves_a_visit_with_the_keyboard_form(page, factories, shop):
    log_in_as_admin(page, factories)
    open_wednesday(page)
    diag = shop["diag"]
    link = page.get_by_role("link", name=f"Move to… {diag.reference}")
    link.focus()
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name=re.compile(f"Move {diag.reference}"))
    expect(heading).to_be_focused()
    htmx_settled(page)
    page.get_by_label("New date").fill("2026-12-03")
    page.get_by_label("Start time").fill("09:15")
    page.get_by_label("Bay", exact=True).select_option(label="Lift 3")
    assert_accessible(page, "bay-calendar-move-form")
    page.get_by_label("Bay", exact=True).focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the "Move visit" button
    alert = page.locator("#calendar-alert [role=alert]")
    expect(alert).to_contain_text(
        f"{diag.reference} (2019 Toyota RAV4) moved to Thu Dec 3, 9:15 AM"
    )
    expect(page.get_by_role("heading", name="Thursday, December 3, 2026")).to_be_visible()
    expect(page.locator("#calendar-alert")).to_be_focused()


def test_the_admin_finds_a_visit_by_plate_and_moves_it_by_form_then_by_drag(page, factories, shop):
    """The whole errand: a customer calls with their plate; the admin finds the visit in the
    appointment list, opens it, moves it on the calendar with the keyboard form, then drags it
    on to another bay. Both moves go through the booking's guarded path."""
    oil = shop["oil"]
    vehicle = oil.vehicle
    vehicle.plate = "7KLM204"
    db.session.commit()
    lift1, lift3 = shop["bays"][0], shop["bays"][2]
    log_in_as_admin(page, factories)
    open_menu_item(page, "Appointments", menu="Shop")
    page.get_by_label("From").fill("2026-11-30")
    page.get_by_label("To").fill("2026-12-06")
    page.get_by_label("Search").fill("7klm-204")  # as read out on the phone, with a dash
    expect(page.get_by_role("status").filter(has_text="1 appointment from")).to_be_visible()
    htmx_settled(page)
    page.get_by_role("link", name=re.compile(r"Wed Dec 2")).click()
    expect(page.get_by_role("heading", name="2017 Ford Focus")).to_be_visible()
    expect(page.locator(".reference")).to_have_text(oil.reference)
    page.get_by_text("More actions").click()
    page.get_by_role("link", name="Move on the calendar").click()
    expect(page.get_by_role("heading", name="Wednesday, December 2, 2026")).to_be_visible()
    heading = page.get_by_role("heading", name=re.compile(f"Move {oil.reference}"))
    expect(heading).to_be_visible()
    htmx_settled(page)
    assert_accessible(page, "bay-calendar-move-from-search")

    # The keyboard form: 11:30 on Lift 3, the same day.
    page.get_by_label("Start time").fill("11:30")
    page.get_by_label("Bay", exact=True).select_option(label="Lift 3")
    page.get_by_label("Bay", exact=True).focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the "Move visit" button
    alert = page.locator("#calendar-alert [role=alert]")
    expect(alert).to_contain_text(f"{oil.reference} (2017 Ford Focus) moved to Wed Dec 2, 11:30 AM")
    expect(alert).to_contain_text("in Lift 3")
    htmx_settled(page)
    expect(
        cell(page, lift3, at(11.5)).locator(f'article[data-reference="{oil.reference}"]')
    ).to_be_visible()

    # Then by drag and drop: on to Lift 1 at 3:00 PM.
    drag(page, oil, cell(page, lift1, at(15)))
    expect(alert).to_contain_text(f"{oil.reference} (2017 Ford Focus) moved to Wed Dec 2, 3:00 PM")
    expect(alert).to_contain_text("in Lift 1")
    htmx_settled(page)
    expect(
        cell(page, lift1, at(15)).locator(f'article[data-reference="{oil.reference}"]')
    ).to_be_visible()

    # The list finds it where it is now.
    page.goto("/admin/appointments?start=2026-11-30&end=2026-12-06&q=7KLM204")
    row = page.get_by_role("row").filter(has_text=oil.reference)
    expect(row).to_contain_text("3:00 PM")
    expect(row).to_contain_text("Lift 1")


def test_the_week_by_bay_is_readable(page, factories, shop):
    log_in_as_admin(page, factories)
    open_wednesday(page)
    page.get_by_role("link", name="Week").click()
    expect(page.get_by_role("heading", name=re.compile("Week of Nov 30"))).to_be_visible()
    table = page.get_by_role("table", name=re.compile("Visits by bay, week of"))
    expect(table.get_by_role("rowheader", name=re.compile("Wed Dec 2"))).to_be_visible()
    expect(table).to_contain_text("Out of service 2:30 PM–4:30 PM: Annual rack inspection")
    assert_accessible(page, "bay-calendar-week")
    assert_no_sideways_scroll(page)

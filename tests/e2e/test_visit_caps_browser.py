"""Waiting customers and drop-offs in a real browser, on a phone and a desktop: the admin sets
the caps (a bad value first), and a customer who will wait is offered fewer times when the lounge
is full at that hour."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.domain.choices import VisitMode
from autoshop.extensions import db
from autoshop.models import Appointment
from tests.support.browser import assert_accessible, htmx_settled
from tests.support.factories import Factories

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _times(page) -> list[str]:
    return [t.strip() for t in page.locator(".time-form label").all_inner_texts()]


def test_a_waiting_customer_sees_fewer_times_when_the_lounge_is_full(page, factories):
    shop = factories.booking_shop()
    location = shop["location"]
    location.wait_cap, location.wait_cap_minutes = 1, 60
    # Someone already waits from 9:00 (on Lift 1): the 9:00-10:00 block is full for waiters,
    # while Lift 2 is free all morning for a drop-off.
    factories.appointment(
        location=location, starts_at=TUE_9, services=[shop["oil"]], mode=VisitMode.WAIT
    )
    db.session.commit()

    page.goto(
        f"/book?services={shop['oil'].id}&vehicle=new&year=2019&make=Honda&model=Civic"
        "&day=2026-12-01"
    )
    page.get_by_text("Free times on Tuesday, December 1").wait_for()
    page.wait_for_load_state("load")
    assert page.get_by_label("Drop off the car").is_checked()
    drop_off = _times(page)
    assert {"9:00 AM", "9:15 AM", "9:30 AM", "9:45 AM", "10:00 AM"} <= set(drop_off)

    page.get_by_label("Wait at the shop").check()  # htmx redraws the calendar for waiters
    page.wait_for_url(re.compile(r"mode=wait"))
    htmx_settled(page)
    expect(page.locator(".time-form label", has_text=re.compile(r"^\s*9:00 AM\s*$"))).to_have_count(
        0
    )
    waiting = _times(page)
    assert waiting == [t for t in drop_off if not re.match(r"9:\d\d AM", t)]
    assert len(waiting) == len(drop_off) - 4
    expect(page.locator("#booking-live")).to_contain_text(f"{len(waiting)} times available")
    assert_accessible(page, "book-when-lounge-full")

    page.locator("label", has_text=re.compile(r"^\s*10:00 AM\s*$")).click()
    page.locator(".time-form").get_by_role("button", name="Continue").click()
    page.get_by_label("Your name").fill("Gus Guest")
    page.get_by_label("Email").fill("gus@example.com")
    page.get_by_label("Phone").fill("201 555 0100")
    page.get_by_role("button", name="Review booking").click()
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    expect(page.get_by_text("Wait at the shop")).to_be_visible()
    page.get_by_role("button", name="Confirm booking").click()
    page.wait_for_url(re.compile(r"/appointments/"))
    db.session.commit()
    newest = db.session.scalar(sa.select(Appointment).order_by(Appointment.id.desc()).limit(1))
    assert newest.mode is VisitMode.WAIT
    assert newest.starts_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_admin_sets_the_caps_after_a_bad_value(page, factories):
    location = factories.location(name="Main Street Auto")
    admin = factories.admin(first_name="Dana")
    db.session.commit()
    page.goto("/account/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto(f"/admin/calendar/{location.id}/details")
    page.get_by_label("Waiting customers per interval").fill("0")
    page.get_by_label("Waiter interval (minutes)").fill("60")
    page.get_by_role("button", name="Save shop details").click()
    expect(page.get_by_text("The waiting-customer cap must be at least 1")).to_be_visible()
    assert_accessible(page, "admin-caps-error")
    db.session.commit()
    db.session.refresh(location)
    assert location.wait_cap is None

    page.get_by_label("Waiting customers per interval").fill("2")
    page.get_by_label("Drop-offs per morning").fill("6")
    page.get_by_role("button", name="Save shop details").click()
    page.wait_for_url(re.compile(rf"/admin/calendar/{location.id}$"))
    expect(page.get_by_text("At most 2 starting every 1 h (clock-aligned)")).to_be_visible()
    expect(page.get_by_text("At most 6 before noon each day")).to_be_visible()
    assert_accessible(page, "admin-caps-saved")

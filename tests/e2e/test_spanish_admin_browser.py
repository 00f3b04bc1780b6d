"""An admin who chose Spanish runs the shop on a phone (375 px): the dashboard, the shop
calendar, the staff page and a form's errors in Spanish, nothing cut off, axe clean."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from tests.e2e.test_downtime_dashboard_browser import assert_nothing_cut_off
from tests.support.browser import assert_accessible
from tests.support.factories import Factories

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    shop = factories.booking_shop()
    location = shop["location"]
    lift2 = location.bays[1]
    customer = factories.customer(first_name="Kimberly", last_name="Lee-Ann")
    start = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in New York
    factories.appointment(
        location=location, bay=lift2, services=[shop["pads"]], starts_at=start, customer=customer
    )
    factories.downtime(lift2, starts_at=start, ends_at=start + timedelta(hours=3))
    factories.mechanic(first_name="Ana", last_name="Ortiz")
    return shop


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_spanish_speaking_admin_runs_the_shop_on_a_phone(page, factories, shop):
    admin = factories.admin(first_name="Dana", last_name="Reyes", locale="es")
    page.goto("/account/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Hoy de un vistazo")).to_be_visible()
    expect(page.get_by_text("martes, 1 de diciembre de 2026")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Citas reservadas que no caben en el horario")
    ).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    assert_nothing_cut_off(page)
    assert_accessible(page, "es-admin-dashboard")

    page.goto("/admin/calendar/")
    page.wait_for_url(re.compile(r"/admin/calendar/\d+$"))
    expect(page.get_by_role("heading", name="Bahías fuera de servicio")).to_be_visible()
    expect(page.get_by_role("link", name="Poner una bahía fuera de servicio")).to_be_visible()
    assert_nothing_cut_off(page)
    assert_accessible(page, "es-admin-calendar")

    page.goto("/admin/staff")
    expect(page.get_by_role("link", name="Horario y habilidades de Ana Ortiz")).to_be_visible()
    page.get_by_role("button", name="Enviar la invitación").click()
    expect(page.get_by_text("Escriba su nombre.")).to_be_visible()
    expect(page.get_by_text("Escriba su correo electrónico.")).to_be_visible()
    assert_nothing_cut_off(page)
    assert_accessible(page, "es-admin-staff-errors")

"""The staff workspace in Spanish on a phone (375 px): a mechanic whose account speaks Spanish
reads their jobs and the job board in Spanish, takes a job and moves a card on, and both pages
pass axe (the page's language included)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from tests.support.browser import assert_accessible, htmx_settled
from tests.support.factories import Factories

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York
PHONE = {"width": 375, "height": 740}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    location = factories.location(name="Main Street Auto")
    marta = factories.mechanic(
        email="marta@example.com", first_name="Marta", last_name="Ruiz", locale="es"
    )
    carla = factories.customer(first_name="Carla", last_name="Jones")
    oil = factories.service("Oil change", duration_minutes=30)
    factories.appointment(
        location=location,
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        customer=carla,
        mechanic=marta,
        vehicle=factories.vehicle(carla, make="Subaru", model="Outback"),
        services=[oil],
        concern="Grinding noise from the front left",
    )
    factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC),
        vehicle=factories.vehicle(make="Kia", model="Rio"),
        services=[oil],
    )
    return {"marta": marta}


def _log_in(page) -> None:
    # The login page speaks the browser's language (English here); the account speaks Spanish.
    page.goto("/account/login")
    page.get_by_label("Email").fill("marta@example.com")
    page.get_by_label("Password").fill(Factories.PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/account/login" not in url)


def test_a_spanish_mechanic_works_their_jobs_and_the_board_on_a_phone(browser, live_server, shop):
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.viewport_name = "phone-es"
    try:
        _log_in(page)
        page.goto("/staff/my-jobs")
        assert page.locator("html").get_attribute("lang") == "es"
        expect(page.get_by_role("heading", name="Mis trabajos", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="Hoy, 2 de diciembre")).to_be_visible()
        expect(page.get_by_role("heading", name="Mañana, 3 de diciembre")).to_be_visible()
        mine = page.get_by_role("region", name="Asignados a mí")
        expect(mine.get_by_text("Programada")).to_be_visible()
        assert_accessible(page, "spanish-my-jobs")

        page.get_by_role("button", name=re.compile(r"^Tomar este trabajo\W+2018 Kia Rio")).click()
        expect(page.get_by_text("2018 Kia Rio (")).to_contain_text("ahora es suyo")
        expect(mine.get_by_text("2018 Kia Rio")).to_be_visible()

        page.goto("/staff/board")
        expect(page.get_by_role("heading", name="Tablero de trabajos")).to_be_visible()
        card = page.get_by_role("article", name="2018 Subaru Outback")
        expect(card.get_by_text("Empieza", exact=False)).to_be_attached()
        assert_accessible(page, "spanish-job-board")

        card.get_by_role("button", name="Recibir").click()
        status = page.locator("#board-status")
        expect(status).to_have_text(
            "El vehículo 2018 Subaru Outback ahora está en estado «recibida»."
        )
        htmx_settled(page)
        moved = page.locator("section.board-column-checked_in")
        expect(moved.get_by_role("heading", name=re.compile("^Recibida"))).to_be_visible()
        expect(moved.get_by_role("button", name="Empezar el trabajo")).to_be_visible()
        assert_accessible(page, "spanish-job-board-moved")
    finally:
        context.close()

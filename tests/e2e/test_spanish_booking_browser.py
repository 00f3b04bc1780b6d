"""A guest on a phone (375 px) picks Spanish in the footer, then reads the home page, the services
page and every booking step in Spanish, with htmx's live updates in Spanish too: axe on each."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.extensions import db
from autoshop.models import Appointment
from tests.support.browser import VIEWPORTS, assert_accessible, htmx_settled

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_guest_books_in_spanish_on_a_phone(browser, live_server, factories):
    factories.booking_shop()
    context = browser.new_context(viewport=VIEWPORTS["phone"], base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_name = "phone-es"
    try:
        page.goto("/")
        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change").click()
        heading = page.get_by_role("heading", name="Servicio para su auto que reserva en un minuto")
        heading.wait_for()
        assert page.locator("html").get_attribute("lang") == "es"
        expect(page.get_by_text("Horario de atención")).to_be_visible()
        no_sideways_scroll(page)
        assert_accessible(page, "es-home")

        page.get_by_role("link", name="Ver servicios y precios").click()
        page.get_by_role("heading", name="Servicios y precios", level=1).wait_for()
        expect(page.get_by_text("Precio después del diagnóstico").first).to_be_visible()
        no_sideways_scroll(page)
        assert_accessible(page, "es-services")

        page.goto("/book")
        page.get_by_role("heading", name="¿Qué servicios necesita?").wait_for()
        page.wait_for_load_state("load")  # htmx is loaded: the total updates live
        page.get_by_label("Brake pads").check()
        page.get_by_text("1 servicio, aprox. 1 h 30 min, $99").wait_for()
        no_sideways_scroll(page)
        assert_accessible(page, "es-book-services")
        page.get_by_role("button", name="Continuar").click()

        page.get_by_role("heading", name="¿Qué vehículo vamos a revisar?").wait_for()
        page.get_by_label("Año").fill("1890")
        page.get_by_role("button", name="Continuar").click()
        page.get_by_text("Ingrese un año de modelo entre 1950 y 2027.").first.wait_for()
        assert_accessible(page, "es-book-vehicle-errors")
        page.get_by_label("Año").fill("2016")
        page.get_by_label("Marca").fill("Toyota")
        page.get_by_label("Modelo", exact=True).fill("Corolla")
        page.get_by_role("button", name="Continuar").click()

        page.get_by_role("heading", name="¿Cuándo le conviene?").wait_for()
        page.wait_for_load_state("load")
        assert_accessible(page, "es-book-calendar")
        page.get_by_role("link", name="Siguiente mes").click()
        page.get_by_role("heading", name="diciembre de 2026").wait_for()
        htmx_settled(page)
        live = page.locator("#booking-live")
        assert live.inner_text() == "diciembre de 2026: 27 días tienen horarios libres"
        page.get_by_role(
            "link", name=re.compile(r"^miércoles, 2 de diciembre: \d+ horarios libres$")
        ).click()
        page.get_by_text("Horarios libres el miércoles, 2 de diciembre").wait_for()
        htmx_settled(page)
        assert re.fullmatch(r"2 de diciembre: \d+ horarios disponibles", live.inner_text())
        page.locator("label", has_text=re.compile(r"^\s*9:00\sa\.m\.\s*$")).click()
        no_sideways_scroll(page)
        assert_accessible(page, "es-book-times")
        page.locator(".time-form").get_by_role("button", name="Continuar").click()

        page.get_by_role("heading", name="Algunos detalles").wait_for()
        page.get_by_label("¿Qué le pasa al auto?").fill("Chirrido al frenar")
        page.get_by_label("Su nombre").fill("Gus Guest")
        page.get_by_label("Correo electrónico").fill("gus@example.com")
        page.get_by_label("Teléfono").fill("(201) 555-0100")
        no_sideways_scroll(page)
        assert_accessible(page, "es-book-details")
        page.get_by_role("button", name="Revisar la reserva").click()

        page.get_by_role("heading", name="Revise y confirme").wait_for()
        expect(page.get_by_text("miércoles, 2 de diciembre de 2026, 9:00")).to_be_visible()
        no_sideways_scroll(page)
        assert_accessible(page, "es-book-review")
        page.get_by_role("button", name="Confirmar la cita").click()

        page.get_by_role("heading", name="Su cita").wait_for()
        expect(
            page.get_by_text(
                re.compile(r"^Su cita del miércoles, 2 de diciembre .* está reservada")
            )
        ).to_be_visible()
        db.session.expire_all()
        (appointment,) = db.session.scalars(sa.select(Appointment)).all()
        assert appointment.locale == "es"
        no_sideways_scroll(page)
        assert_accessible(page, "es-appointment")
    finally:
        context.close()

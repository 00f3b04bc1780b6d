"""A Spanish-speaking customer on a phone (375 px): logging in, registering and the account
overview read Spanish, Flask-Security's own words included, and pass axe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import VIEWPORTS, LiveServer, assert_accessible

PASSWORD = "tractor-lantern-orbit-93"


@pytest.fixture
def phone(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A phone-sized tab whose browser chose Spanish in the footer (the `lang` cookie)."""
    context = browser.new_context(viewport=VIEWPORTS["phone"], base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "lang", "value": "es", "url": live_server.url}])
    tab = context.new_page()
    tab.viewport_name = "phone-es"
    try:
        yield tab
    finally:
        context.close()


def test_login_register_and_the_account_in_spanish_on_a_phone(phone, factories):
    page = phone
    factories.location(name="Main Street Auto")
    customer = factories.customer(
        email="lucia@example.com", password=PASSWORD, first_name="Lucía", last_name="Pérez"
    )
    factories.vehicle(owner=customer, year=2019, make="Honda", model="CR-V", plate="LUZ1")

    page.goto("/account/register")
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^es"))
    expect(page.get_by_role("heading", name="Cree su cuenta")).to_be_visible()
    page.get_by_role("button", name="Crear cuenta").click()
    expect(page.get_by_text("Ingrese su nombre.")).to_be_visible()
    expect(page.get_by_label("Celular (opcional)")).to_be_visible()
    assert_accessible(page, "es-register-errors")

    page.goto("/account/login")
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    assert_accessible(page, "es-login")
    page.get_by_label("Correo electrónico").fill("lucia@example.com")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/account/")
    expect(page.get_by_role("heading", name="Mi cuenta")).to_be_visible()
    expect(page.get_by_role("heading", name="Sus vehículos")).to_be_visible()
    expect(page.get_by_text("Placa LUZ1")).to_be_visible()
    expect(page.locator("main").get_by_label("Idioma")).to_have_value("es")
    assert_accessible(page, "es-account")
    assert "My account" not in page.locator("main").inner_text()

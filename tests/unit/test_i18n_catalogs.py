"""The Spanish catalog translates every marked string, keeps its placeholders, and is read."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from autoshop import i18n_catalogs
from autoshop.i18n import LANGUAGES, format_moment, format_money, speaking
from tests.conftest import submit_form


@pytest.fixture(scope="module")
def marked() -> Catalog:
    return i18n_catalogs.extract()


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_marked_string_is_translated(marked, language):
    gaps = i18n_catalogs.missing(language, marked)
    assert gaps == [], f"{len(gaps)} strings have no {language} translation, e.g. {gaps[:10]}"


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_translations_keep_the_placeholders_of_their_english(language):
    catalog = i18n_catalogs.read(language)
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in catalog.check()
    ]
    assert problems == []


def test_a_spanish_page_formats_dates_times_and_money_for_the_shops_region(app):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)
    zone = ZoneInfo("America/New_York")
    with app.test_request_context():
        english = (format_moment(moment, "day_at", zone), format_money(12345), format_money(5000))
        with speaking("es"):
            spanish = (
                format_moment(moment, "day_at", zone),
                format_moment(moment, "long_date", zone),
                format_money(12345),
            )
    assert english == ("Wed Dec 2 at 1:30 PM", "$123.45", "$50")
    assert spanish[0].startswith("mié, 2 de dic") and "1:30" in spanish[0]
    assert spanish[1] == "miércoles, 2 de diciembre de 2026"
    assert spanish[2] == "$123.45"  # es_US: the shop's region writes money the US way


def test_a_request_speaks_the_saved_then_picked_then_browser_language(client, factories, login):
    spanish_browser = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
    assert '<html lang="es">' in client.get("/", headers=spanish_browser).text
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "de, en"}).text
    client.set_cookie("lang", "en")  # picked in the footer: wins over the browser
    assert '<html lang="en">' in client.get("/", headers=spanish_browser).text
    login(factories.customer(email="ana@example.com", locale="es"))
    assert '<html lang="es">' in client.get("/", headers=spanish_browser).text  # saved: wins


def test_the_footer_picker_remembers_the_language_and_saves_it_on_the_account(
    client, factories, login
):
    from autoshop.extensions import db

    customer = factories.customer(email="luis@example.com")
    login(customer)
    response = submit_form(
        client, "/services", {"language": "es", "next": "/services?x=1"}, action="/language"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/services?x=1"
    assert "lang=es" in response.headers["Set-Cookie"]
    db.session.expire_all()
    assert db.session.get(type(customer), customer.id).locale == "es"


@pytest.mark.parametrize(
    "form", [{"language": "fr", "next": "/"}, {"language": "", "next": "/"}, {"next": "/"}]
)
def test_an_unknown_language_is_refused_and_nothing_saved(client, factories, login, form):
    from autoshop.extensions import db

    customer = factories.customer(email="lea@example.com")
    login(customer)
    response = submit_form(client, "/", form, action="/language")
    assert response.status_code == 400
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]
    db.session.expire_all()
    assert db.session.get(type(customer), customer.id).locale is None


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "javascript:x", "/\\evil.example", "/\\/x"],
)
def test_the_picker_goes_back_only_to_a_page_of_this_site(client, target):
    response = submit_form(client, "/", {"language": "es", "next": target}, action="/language")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"

"""The admin area in Spanish: an admin who chose Spanish reads every page, form error and
message of the shop's back office in Spanish, with Spanish dates; the English pages stay as
they were (the other admin tests)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from babel.messages.pofile import read_po

import autoshop
from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Notification
from tests.conftest import submit_form

#: Tuesday Dec 1, 2026, 09:00 in New York.
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
PACKAGE = Path(autoshop.__file__).parent
#: Where the admin area's strings are used (paths relative to the package).
ADMIN_AREA = ("web/templates/admin/", "web/admin/")
#: English text that reads the same in Spanish.
SAME_IN_SPANISH = {"Ref.", "Ref. %(reference)s", "%(field)s: %(problems)s"}


def admin_sentences() -> list[str]:
    """The admin area's English strings of two words or more, placeholders cut out: none of
    them may be left on a Spanish admin page."""
    with (PACKAGE / "translations/es/LC_MESSAGES/messages.po").open("rb") as file:
        catalog = read_po(file, locale="es")
    found = set()
    for message in catalog:
        if not message.id or not any(
            path.startswith(ADMIN_AREA) for path, _line in message.locations
        ):
            continue
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            if text in SAME_IN_SPANISH:
                continue
            for piece in re.split(r"%\(\w+\)[sd]|<[^>]+>", text):
                piece = piece.strip(" .,:;()")
                if len(piece.split()) >= 2 and len(piece) >= 10:
                    found.add(piece)
    return sorted(found, key=len, reverse=True)


SENTENCES = admin_sentences()


def main_text(html: str) -> str:
    """The page's main part as a person reads it (tags out, entities decoded, spaces joined)."""
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<script.*?</script>", " ", main, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def assert_spanish(html: str, *spanish: str) -> None:
    text = main_text(html)
    for expected in spanish:
        assert expected in text, f"missing {expected!r} in {text[:600]!r}"
    english = [sentence for sentence in SENTENCES if sentence in text]
    assert not english, f"English left on the page: {english[:5]}"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(factories):
    return factories.admin(first_name="Dana", last_name="Reyes", locale="es")


@pytest.fixture
def es_client(client, login, admin):
    login(admin)
    return client


@pytest.fixture
def shop(factories):
    shop = factories.booking_shop()
    location = shop["location"]
    lift1, lift2 = location.bays
    start = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in New York
    shop["visit"] = factories.appointment(
        location=location, bay=lift2, services=[shop["pads"]], starts_at=start
    )
    shop["late"] = factories.appointment(
        location=location, bay=lift1, services=[shop["oil"]], starts_at=NOW - timedelta(minutes=15)
    )
    factories.downtime(lift2, starts_at=start, ends_at=start + timedelta(hours=3))
    return {**shop, "lift1": lift1, "lift2": lift2}


def test_the_dashboard_speaks_spanish_with_spanish_dates(es_client, shop):
    html = es_client.get("/admin/").get_data(as_text=True)
    assert '<html lang="es"' in html
    assert_spanish(
        html,
        "Hoy de un vistazo",
        "martes, 1 de diciembre de 2026",  # the day, as Babel writes it in Spanish
        "llegan en las próximas 2 horas (1 atrasadas)",
        "Citas reservadas que no caben en el horario",
        "Uso de las bahías",
        "Todas las bahías",
        "Esta semana va del lunes",
    )


def test_the_shop_calendar_and_its_forms_speak_spanish(es_client, shop):
    location = shop["location"]
    html = es_client.get(f"/admin/calendar/{location.id}").get_data(as_text=True)
    assert_spanish(
        html,
        "Calendario del taller",
        "Datos y reglas de reserva",
        "Bahías fuera de servicio",
        "Horario de atención",
        "Lunes",  # weekday names from Babel
        "60 días",
    )
    hours = es_client.get(f"/admin/calendar/{location.id}/hours").get_data(as_text=True)
    assert_spanish(hours, "Cada día puede tener hasta 3 franjas", "Abre Lunes, franja 1")
    assert 'value="Guardar Lunes"' in hours
    for page in (
        f"/admin/calendar/{location.id}/details",
        f"/admin/calendar/{location.id}/bays/new",
    ):
        assert_spanish(es_client.get(page).get_data(as_text=True), "Cancelar")


def test_form_errors_and_flashes_are_spanish(es_client, shop):
    refused = submit_form(
        es_client, "/admin/catalog/categories/new", {"name": " ", "sort_order": "-1"}
    )
    assert refused.status_code == 200
    assert_spanish(refused.get_data(as_text=True), "Escriba un nombre.", "Nueva categoría")

    saved = submit_form(
        es_client,
        "/admin/catalog/categories/new",
        {"name": "Neumáticos", "sort_order": "3"},
        follow_redirects=True,
    )
    assert_spanish(saved.get_data(as_text=True), "Se guardó la categoría Neumáticos.", "Catálogo")

    location = shop["location"]
    closure = submit_form(
        es_client,
        f"/admin/calendar/{location.id}/closures/new",
        {"starts_local": "2026-12-24T18:00", "ends_local": "2026-12-24T08:00", "reason": ""},
    )
    assert_spanish(
        closure.get_data(as_text=True), "Explique a los clientes por qué el taller está cerrado."
    )
    backwards = submit_form(
        es_client,
        f"/admin/calendar/{location.id}/closures/new",
        {"starts_local": "2026-12-24T18:00", "ends_local": "2026-12-24T08:00", "reason": "Navidad"},
    )
    assert_spanish(backwards.get_data(as_text=True), "El cierre debe terminar después de empezar.")


def test_the_catalog_staff_and_logs_speak_spanish(es_client, shop, factories):
    factories.review(rating=4, comment="Rápido y amable")
    pages = {
        "/admin/catalog/": ("Agregar una categoría", "Precio"),
        "/admin/staff": ("Invitar a un miembro del personal", "(usted)", "Enviar la invitación"),
        "/admin/notifications": ("Todos los correos y mensajes de texto",),
        "/admin/reviews": ("1 reseña.", "Respuesta pública", "Ocultar la reseña"),
        "/admin/appointments?start=2026-12-01&end=2026-12-07": (
            "3 citas del 1 dic 2026 al 7 dic 2026.",  # two booked, one reviewed
            "Buscar citas",
        ),
        "/admin/waitlist": ("Lista de espera", "Nadie está en la lista de espera para este día."),
    }
    for page, spanish in pages.items():
        response = es_client.get(page)
        assert response.status_code == 200, page
        assert_spanish(response.get_data(as_text=True), *spanish)


def test_a_schedule_change_that_hits_bookings_is_explained_in_spanish(es_client, shop):
    lift2 = shop["lift2"]
    page = submit_form(
        es_client,
        f"/admin/calendar/bays/{lift2.id}/edit",
        {"name": lift2.name, "capabilities": ["general"], "sort_order": "1"},
    )  # unticking "in use"
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_spanish(
        html,
        "Este cambio afecta a citas reservadas",
        "¿Qué debe pasar con estas citas?",
        "No cambiar nada",
    )
    assert shop["visit"].status is S.SCHEDULED


def test_a_mechanic_schedule_page_speaks_spanish(es_client, factories, shop):
    ana = factories.mechanic(first_name="Ana", last_name="Ortiz")
    html = es_client.get(f"/admin/staff/{ana.id}/schedule").get_data(as_text=True)
    assert_spanish(
        html,
        "Horario y habilidades: Ana Ortiz",
        "Horario semanal",
        "Martes",
        "Primero guarde dónde trabaja Ana Ortiz",
    )


def test_the_invitation_goes_out_in_the_shops_language_not_the_admins(es_client, shop):
    response = submit_form(
        es_client,
        "/admin/staff",
        {
            "first_name": "Mike",
            "last_name": "Chen",
            "email": "mike@example.com",
            "role": "mechanic",
        },
        action="/admin/staff/invite",
        follow_redirects=True,
    )
    assert "Mike Chen está invitado como" in main_text(response.get_data(as_text=True))
    mail = db.session.scalar(sa.select(Notification).where(Notification.kind == "staff_invite"))
    assert mail.subject.startswith("You're invited to")
    assert "Dana Reyes has invited you" in mail.body_text
    assert '<html lang="en">' in mail.body_html


def test_the_invitation_speaks_spanish_in_a_spanish_shop(app, es_client, shop):
    app.config["SHOP_LOCALE"] = "es_US"
    submit_form(
        es_client,
        "/admin/staff",
        {"first_name": "", "last_name": "Chen", "email": "chen@example.com", "role": "admin"},
        action="/admin/staff/invite",
    )
    # The first name is required: nothing was sent, and the error is Spanish.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    submit_form(
        es_client,
        "/admin/staff",
        {"first_name": "Lu", "last_name": "Chen", "email": "chen@example.com", "role": "admin"},
        action="/admin/staff/invite",
    )
    mail = db.session.scalar(sa.select(Notification).where(Notification.kind == "staff_invite"))
    assert mail.subject.startswith("Lo invitamos a")
    assert "Hola, Lu:" in mail.body_text
    assert "Dana Reyes lo invitó a unirse" in mail.body_text
    assert '<html lang="es">' in mail.body_html

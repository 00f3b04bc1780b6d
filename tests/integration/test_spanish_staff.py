"""The staff pages in Spanish: a mechanic whose account speaks Spanish (user.locale = "es") reads
today's jobs, the visit page, the job board, their jobs, the day sheet and the calendar in
Spanish, with Spanish status labels and Spanish dates and times; flashes and refusals too."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from tests.conftest import csrf_token_from

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York
TEN = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 10:00 AM in New York

#: English a Spanish staff page must not show (sentences and labels of the staff area).
ENGLISH = (
    "Today's jobs",
    "Job board",
    "Scheduled",
    "Checked in",
    "In progress",
    "Ready for pickup",
    "Check in",
    "Start work",
    "Services:",
    "Customer says",
    "Add a note",
    "Next step",
    "Timeline",
    "Unassigned",
    "Not assigned",
    "Take this job",
    "Mileage",
    "Drop off the car",
    "Wait at the shop",
    " AM",
    " PM",
    "Wednesday",
    "December",
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    location = factories.location(name="Main Street Auto")
    marta = factories.mechanic(first_name="Marta", last_name="Ruiz", locale="es")
    customer = factories.customer(first_name="Dana", last_name="Reyes")
    oil = factories.service(name="Oil change", duration_minutes=60)
    visit = factories.appointment(
        location=location,
        starts_at=TEN,
        customer=customer,
        vehicle=factories.vehicle(owner=customer, make="Subaru", model="Outback"),
        services=[oil],
        concern="Squeaks when braking",
    )
    open_job = factories.appointment(
        location=location,
        starts_at=TEN + timedelta(hours=2),
        bay=location.bays[1],
        vehicle=factories.vehicle(make="Mazda", model="CX-5"),
        services=[oil],
    )
    return {"location": location, "marta": marta, "visit": visit, "open": open_job}


def _text(html: str) -> str:
    """What a reader sees: the page without its tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _main(html: str) -> str:
    """The page's own content (the shared header and footer belong to another area)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "no <main>"
    return _text(match.group(0))


def _no_english(text: str) -> None:
    left = [words for words in ENGLISH if words in text]
    assert not left, f"English left on a Spanish page: {left}"


def test_a_spanish_mechanic_sees_todays_jobs_in_spanish(client, shop, login):
    login(shop["marta"])
    response = client.get("/staff/today")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="es"' in html
    page = _main(html)
    assert "Trabajos de hoy" in page
    assert "miércoles, 2 de diciembre de 2026" in page  # the day, formatted by Babel for es_US
    assert "sus trabajos y los que nadie ha tomado" in page
    assert "Programada" in page  # the status badge
    assert "Recibir" in page  # the next move's button
    assert "Servicios: Oil change" in page  # the service name is data: as entered
    assert "El cliente dice: Squeaks when braking" in page
    assert "10:00 a.m." in page and "hasta las 11:00 a.m." in page
    assert "Dejar el vehículo" in page  # the visit mode's label
    _no_english(page)


def test_a_spanish_mechanic_sees_a_visit_page_in_spanish(client, shop, login, factories):
    visit = shop["visit"]
    login(shop["marta"])
    page = _main(client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True))
    for spanish in (
        "← Trabajos de hoy",
        "Programada",
        "Siguiente paso",
        "Mecánico y hora de entrega",
        "Sin asignar",
        "Tomar este trabajo",
        "Prometer una hora de entrega",
        "Notas",
        "El trabajo",
        "Cliente y vehículo",
        "Historial",
        "Todavía no ha pasado nada con esta visita.",
        "mié, 2 de dic, 10:00 a.m.",  # when the visit starts, Babel's es_US formats
    ):
        assert spanish in page, spanish
    _no_english(page)

    # Checking the car in: the flash and the new status speak Spanish too.
    form = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    moved = client.post(
        f"/staff/appointments/{visit.reference}/status",
        data={
            "csrf_token": csrf_token_from(form),
            "version": visit.version,
            "target": S.CHECKED_IN.value,
            "back": "appointment",
        },
        follow_redirects=True,
    )
    after = _main(moved.get_data(as_text=True))
    assert f"({visit.reference}) ahora está en estado «recibida»." in after
    assert "Recibida" in after and "Empezar el trabajo" in after
    _no_english(after)


def test_a_spanish_refusal_names_the_status_in_spanish(client, shop, login):
    visit = shop["visit"]
    login(shop["marta"])
    form = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    refused = client.post(
        f"/staff/appointments/{visit.reference}/status",
        data={
            "csrf_token": csrf_token_from(form),
            "version": visit.version,
            "target": S.COMPLETED.value,  # not a move open to a scheduled visit
            "back": "appointment",
        },
    )
    assert refused.status_code in (403, 422)
    page = _main(refused.get_data(as_text=True))
    assert "Un trabajo en estado «programada» no puede pasar a «completada»." in page


def test_the_job_board_my_jobs_and_the_day_sheet_in_spanish(client, shop, login):
    login(shop["marta"])
    board = _main(client.get("/staff/board").get_data(as_text=True))
    assert "Tablero de trabajos" in board and "miércoles, 2 de diciembre de 2026" in board
    assert "Programada" in board and "Completadas hoy" in board
    assert "Se actualiza solo cada 15 segundos" in board
    assert "Agregar una nota para el cliente" in board
    _no_english(board)

    mine = _main(client.get("/staff/my-jobs").get_data(as_text=True))
    assert "Mis trabajos" in mine and "hoy y los próximos 6 días" in mine
    assert "Hoy, 2 de diciembre" in mine  # the day's heading
    assert "Trabajos sin asignar" in mine and "Tomar este trabajo" in mine
    _no_english(mine)

    sheet = _main(client.get("/staff/day-sheet?date=2026-12-02").get_data(as_text=True))
    assert "Hoja del día" in sheet and "2 visitas" in sheet and "Imprimir" in sheet
    assert "Notas del técnico" in sheet
    _no_english(sheet)


def test_the_calendar_by_bay_in_spanish(client, shop, login):
    login(shop["marta"])
    page = _main(client.get("/staff/calendar?date=2026-12-02").get_data(as_text=True))
    assert "Calendario por bahía" in page and "Leyenda" in page
    assert "Solo lectura: un administrador mueve las visitas." in page
    assert "10:00 a.m.–11:00 a.m." in page  # a visit's times, each in full
    _no_english(page)
    html = client.get("/staff/calendar?date=2026-12-02&view=week").get_data(as_text=True)
    assert 'aria-label="Semana anterior"' in html and 'aria-label="Semana siguiente"' in html
    week = _main(html)
    assert "Semana del 30 nov al 6 dic 2026" in week and "Día sin atención" in week
    _no_english(week)


def test_the_same_pages_stay_english_for_an_english_account(client, shop, login, factories):
    login(factories.mechanic())
    page = _main(client.get("/staff/today").get_data(as_text=True))
    assert "Today's jobs" in page and "Scheduled" in page and "Check in" in page
    assert "Wednesday, December 2, 2026" in page and "until 11:00 AM" in page

"""The customer's side in Spanish: the home and services pages, each booking step, the appointment
page, the waitlist, reviews and error pages. Every sentence in Spanish, dates, times and prices in
Spanish formats, and not one English sentence of the catalog left on the page."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from babel.messages.pofile import read_po

import autoshop
from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, WaitlistEntry, WaitlistHold
from autoshop.services import booking, waitlist
from autoshop.services.manage_links import make_token
from autoshop.services.waitlist import JoinRequest
from tests.integration.test_booking_web import form_on, link, submit, text_of

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
TUE_9_LOCAL = "2026-12-01T09:00:00-05:00"
CATALOG = Path(autoshop.__file__).parent / "translations" / "es" / "LC_MESSAGES" / "messages.po"
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "label"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


class _Shown(HTMLParser):
    """What a person reads or hears on a page: text outside scripts, and readable attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._code += 1
        self.parts.extend(v for k, v in attrs if k in READ_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._code:
            self._code -= 1

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.parts.append(data)


def shown(page: str) -> str:
    reader = _Shown()
    reader.feed(page)
    return " ".join(" ".join(reader.parts).split())


def _english_sentences() -> list[str]:
    """The catalog's English phrases of three words or more whose Spanish differs: the pieces
    between placeholders and markup of each message."""
    with CATALOG.open("rb") as file:
        catalog = read_po(file, locale="es")
    phrases = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            if english in strings:
                continue
            for piece in PLACEHOLDER.split(english):
                piece = " ".join(piece.split()).strip(" .,;:()·?!")
                if len(piece.split()) >= 3:
                    phrases.add(piece)
    return sorted(phrases)


#: Shown on these pages but marked in another area (domain/choices.py's VisitMode labels): the
#: same words are this area's messages too, so the catalog lists them.
OTHER_AREAS = frozenset({"Drop off the car", "Wait at the shop"})
ENGLISH = [phrase for phrase in _english_sentences() if phrase not in OTHER_AREAS]


def assert_spanish(page: str) -> str:
    """The page's text, after checking that no English phrase of the catalog is in it."""
    text = shown(page)
    left = [phrase for phrase in ENGLISH if phrase in text]
    assert not left, f"English left on the page: {left[:5]}"
    return text


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    return factories.booking_shop()


@pytest.fixture
def spanish(client):
    client.set_cookie("lang", "es")
    return client


def test_the_check_finds_english_left_on_a_page():
    assert "Which services do you need" in ENGLISH
    with pytest.raises(AssertionError, match="English left"):
        assert_spanish("<h2>¿Qué servicios necesita?</h2><p>Which services do you need?</p>")
    with pytest.raises(AssertionError, match="English left"):
        assert_spanish('<nav aria-label="Pages of past visits"></nav>')


def test_home_and_services_pages_speak_spanish(spanish, shop, factories):
    factories.review(
        factories.appointment(
            location=shop["location"],
            status=AppointmentStatus.COMPLETED,
            services=[shop["oil"]],
            starts_at=NOW - timedelta(days=3),
        ),
        rating=4,
        comment="Rápido y amable.",
    )
    page = text_of(spanish.get("/"))
    assert '<html lang="es">' in page
    text = assert_spanish(page)
    assert "Servicio para su auto que reserva en un minuto" in text
    assert "Main Street Auto: mantenimiento, frenos, llantas, diagnóstico y más." in text
    assert "Cómo funciona la reserva" in text
    assert "Maintenance · 1 servicio" in text and "Brakes · 2 servicios" in text
    assert "Lunes" in text and "Domingo" in text  # the opening hours' days
    assert "Reservar una cita" in text and "Iniciar sesión" in text

    page = text_of(spanish.get("/services"))
    text = assert_spanish(page)
    assert "Servicios y precios" in text
    assert "Precio después del diagnóstico" in text  # the diagnosis, priced after inspection
    assert "Aprox. 1 h 30 min" in text
    assert "(1 reseña)" in text and "4 de 5" in text

    page = text_of(spanish.get(f"/services/{shop['oil'].id}"))
    text = assert_spanish(page)
    assert "Lo que dicen los clientes" in text and "Rápido y amable." in text
    assert "Reservar este servicio" in text


def test_a_guest_books_every_step_in_spanish(spanish, shop):
    page = text_of(spanish.get("/book"))
    text = assert_spanish(page)
    assert "¿Qué servicios necesita?" in text
    assert "Todavía no eligió servicios." in text
    assert "Paso 1 de 5: Elegir servicios" in text
    assert "Precio después del diagnóstico" in text

    page = text_of(submit(spanish, page, services=[shop["oil"].id, shop["pads"].id]))
    text = assert_spanish(page)
    assert "¿Qué vehículo vamos a revisar?" in text
    assert "Total: aprox. 2 h, $149–$174" in text  # es_US formats money as the US does
    assert "¿Ya reservó con nosotros? Iniciar sesión" not in text
    assert "Inicie sesión para usar sus vehículos guardados." in text

    page = text_of(submit(spanish, page, year="2016", make="Toyota", model="Corolla"))
    text = assert_spanish(page)
    assert "¿Cuándo le conviene?" in text
    assert "noviembre de 2026" in text
    assert "lunes, 30 de noviembre: 16 horarios libres" in text
    assert "domingo, 29 de noviembre: pasado" in text
    assert '<abbr title="lunes">lun</abbr>' in page  # the calendar's column heads

    page = text_of(spanish.get(link(page, "month-next")))
    text = assert_spanish(page)
    assert "diciembre de 2026" in text
    assert "domingo, 6 de diciembre: cerrado" in text

    page = text_of(spanish.get(link(page, "day-2026-12-01")))
    text = assert_spanish(page)
    assert "Horarios libres el martes, 1 de diciembre" in text
    assert "Mañana" in text and "Tarde" in text
    assert "9:00 a.m." in text

    page = text_of(submit(spanish, page, start=TUE_9_LOCAL))
    text = assert_spanish(page)
    assert "Cómo nos comunicamos con usted" in text
    page = text_of(submit(spanish, page, name="Gus Guest", email="gus@", phone=""))
    text = assert_spanish(page)
    assert "Revise esto:" in text or "Revise esto" in text
    assert "Escriba un correo electrónico como nombre@ejemplo.com." in text
    assert "Ingrese un número de teléfono para que el taller pueda comunicarse" in text

    page = text_of(
        submit(spanish, page, name="Gus Guest", email="gus@example.com", phone="(201) 555-0100")
    )
    text = assert_spanish(page)
    assert "Revise y confirme" in text
    assert "martes, 1 de diciembre de 2026, 9:00 a.m." in text

    response = submit(spanish, page, method="post")
    assert response.status_code == 303
    page = text_of(spanish.get(response.headers["Location"]))
    text = assert_spanish(page)
    assert "Su cita del martes, 1 de diciembre de 2026, 9:00 a.m. está reservada." in text
    assert "Su cita" in text and "Cambiar o cancelar" in text
    assert "Agregar al calendario" in text
    (appointment,) = db.session.scalars(sa.select(Appointment)).all()
    assert appointment.locale == "es"


def test_moving_and_cancelling_in_spanish(spanish, shop, factories):
    appointment = booking.book(
        booking.BookingRequest(
            service_ids=[shop["oil"].id],
            starts_at=TUE_9,
            vehicle=booking.VehicleDetails(year=2019, make="Honda", model="CR-V"),
            guest=booking.GuestContact(name="Gus", email="gus@example.com", phone=""),
        ),
        now=NOW,
    )
    base = f"/appointments/manage/{make_token(appointment)}"
    page = text_of(spanish.get(base + "/reschedule?day=2026-12-02"))
    text = assert_spanish(page)
    assert "Mover su cita" in text
    assert "Horarios libres el miércoles, 2 de diciembre" in text
    wed_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    for bay in shop["location"].bays:
        factories.appointment(location=shop["location"], bay=bay, starts_at=wed_10)
    response = submit(spanish, page, action=base + "/reschedule", start="2026-12-02T10:00:00-05:00")
    assert response.status_code == 409
    text = assert_spanish(text_of(response))
    assert "Alguien acaba de reservar este horario." in text
    assert "Horarios libres más cercanos" in text

    page = text_of(spanish.get(base + "/cancel"))
    text = assert_spanish(page)
    assert "¿Cancelar su cita?" in text and "Sí, cancelar la cita" in text
    response = submit(spanish, page, action=base + "/cancel")
    assert response.status_code == 303
    text = assert_spanish(text_of(spanish.get(response.headers["Location"])))
    assert "Su cita se canceló. Le enviamos una confirmación." in text


def test_a_refused_start_is_explained_in_spanish(spanish, shop):
    request = booking.BookingRequest(
        service_ids=[shop["oil"].id],
        starts_at=datetime(2026, 11, 30, 14, 0, tzinfo=UTC),  # inside the two hours' notice
        vehicle=booking.VehicleDetails(year=2019, make="Honda", model="CR-V"),
        guest=booking.GuestContact(name="Gus", email="gus@example.com", phone=""),
    )
    with (
        spanish.application.test_request_context(headers={"Cookie": "lang=es"}),
        pytest.raises(booking.BookingError) as refused,
    ):
        booking.book(request, now=NOW)
    assert refused.value.message == (
        "Las reservas en línea requieren al menos 2 horas de anticipación; "
        "llame al taller para algo más pronto."
    )


def test_a_full_day_and_its_waitlist_in_spanish(spanish, shop, factories):
    day = date(2026, 12, 2)
    page = text_of(spanish.get(f"/waitlist/join?services={shop['oil'].id}&day={day.isoformat()}"))
    text = assert_spanish(page)
    assert "Unirse a la lista de espera" in text
    assert "Este día está completo." in text
    assert "Inicio más temprano" in text and "Inicio más tardío" in text
    assert "8:00 a.m." in text

    form = form_on(page, "/waitlist/join", "post")
    data = dict(form["fields"])
    data.update(day="2026-12-02", earliest="09:00", latest="10:00", name="", email="gus@")
    response = spanish.post("/waitlist/join", data=data)
    assert response.status_code == 422
    text = assert_spanish(text_of(response))
    assert "Ingrese su nombre." in text
    assert "Escriba un correo electrónico como nombre@ejemplo.com." in text

    data.update(name="Gus", email="gus@example.com", phone="(201) 555-0100", latest="08:00")
    data.update(year="2016", make="Toyota", model="Corolla")
    response = spanish.post("/waitlist/join", data=data)
    assert response.status_code == 422
    text = assert_spanish(text_of(response))
    assert "El inicio más tardío debe ser igual o posterior al inicio más temprano." in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WaitlistEntry)) == 0


def test_a_customer_in_spanish_sees_visits_waitlist_and_review(client, login, shop, factories):
    customer = factories.customer(email="cara@example.com", first_name="Cara", locale="es")
    car = factories.vehicle(owner=customer, year=2019, make="Honda", model="CR-V")
    done = factories.appointment(
        location=shop["location"],
        customer=customer,
        vehicle=car,
        services=[shop["oil"]],
        status=AppointmentStatus.COMPLETED,
        starts_at=NOW - timedelta(days=5),
    )
    entry = WaitlistEntry(
        location_id=shop["location"].id,
        day=date(2026, 12, 3),
        earliest=time(9),
        latest=time(11),
        service_ids=[shop["oil"].id],
        customer=customer,
        vehicle_id=car.id,
        joined_at=NOW,
        updated_at=NOW,
        dedupe_key="test",
    )
    db.session.add(entry)
    db.session.commit()
    login(customer)

    text = assert_spanish(text_of(client.get("/appointments")))
    assert "Mis citas" in text and "Visitas anteriores" in text
    assert "jueves, 3 de diciembre de 2026" in text  # the waitlist entry's day
    assert "Inicio entre 9:00 a.m. – 11:00 a.m." in text
    assert "En espera" in text and "Salir de la lista de espera" in text
    assert "Dejar una reseña" in text and "Reservar de nuevo" in text

    page = text_of(client.get(f"/appointments/{done.reference}/review"))
    text = assert_spanish(page)
    assert "¿Qué tal lo hicimos?" in text
    assert "5 estrellas: excelente" in text
    response = client.post(
        f"/appointments/{done.reference}/review",
        data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]},
    )
    assert response.status_code == 422
    assert "Elija una calificación." in assert_spanish(text_of(response))


def test_error_pages_and_problems_in_spanish(spanish):
    response = spanish.get("/no-such-page")
    assert response.status_code == 404
    text = assert_spanish(text_of(response))
    assert "Error 404" in text and "Página no encontrada" in text
    assert "Ir a la página de inicio" in text

    response = spanish.get("/appointments/manage/not-a-token")
    assert response.status_code == 400
    text = assert_spanish(text_of(response))
    assert "Este enlace no funciona" in text

    problem = spanish.get("/api/v1/nothing-here", headers={"Accept-Language": "es"}).get_json()
    assert problem["title"] == "Página no encontrada"
    assert problem["type"].endswith("/page-not-found")  # the type stays the same in every language


def test_the_english_pages_stay_english(client, shop):
    text = shown(text_of(client.get("/book")))
    assert "Which services do you need?" in text and "Step 1 of 5: Choose services" in text
    page = text_of(client.get(f"/book?services={shop['oil'].id}&year=2016&make=Kia&model=Rio"))
    text = html.unescape(shown(page))
    assert "Monday, November 30: 28 times free" in text
    assert '<abbr title="Monday">Mon</abbr>' in page


def _full_wednesday(factories):
    """One lift open Wednesday 9:00-11:00 in one-hour starts, both of them booked: a waitlist
    for 9:00-10:00 is offered the 10:00 start once its visit is cancelled (visits[1])."""
    lift = [Capability.LIFT.value, Capability.GENERAL.value]
    location = factories.location(
        hours={2: [(time(9), time(11))]},
        bays=[("Lift 1", lift)],
        slot_interval_minutes=60,
        buffer_minutes=0,
    )
    service = factories.service("Brake pads", duration_minutes=60)
    wed_9 = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
    visits = [
        factories.appointment(location=location, starts_at=start, services=[service])
        for start in (wed_9, wed_9 + timedelta(hours=1))
    ]
    return location, service, visits


def test_a_waitlist_offer_in_spanish(client, login, factories):
    """A customer who chose Spanish gets the offer in Spanish (its subject) and reads it so."""
    location, service, visits = _full_wednesday(factories)
    customer = factories.customer(email="ana@example.com", first_name="Ana", locale="es")
    car = factories.vehicle(owner=customer, year=2018, make="Mazda", model="3")
    waitlist.join(
        JoinRequest(
            service_ids=[service.id],
            day=date(2026, 12, 2),
            earliest=time(9),
            latest=time(10),
            customer=customer,
            vehicle_id=car.id,
            location_id=location.id,
        ),
        now=NOW,
    )
    visit = db.session.get(Appointment, visits[1].id)
    booking.cancel(visit, now=NOW, actor=factories.admin(), reason="")  # an English-speaking admin
    (hold,) = db.session.scalars(sa.select(WaitlistHold)).all()
    (offer,) = db.session.scalars(
        sa.select(Notification).where(Notification.kind == waitlist.OFFERED)
    ).all()
    assert (
        " ".join(offer.subject.split())
        == "Se liberó un horario: mié, 2 de dic, 10:00 a.m. (responda antes de las 8:15 a.m.)"
    )

    login(customer)
    page = text_of(client.get(f"/waitlist/offers/{waitlist.offer_token(hold)}"))
    text = assert_spanish(page)
    assert "Se liberó un horario para usted" in text
    assert "miércoles, 2 de diciembre de 2026, 10:00 a.m." in text
    assert "Le reservamos este horario hasta las 8:15 a.m. (en aproximadamente 15 minutos)." in text
    assert "Aceptar y reservar este horario" in text
    assert "hasta las <strong>8:15\u202fa.m.</strong>" in page  # the markup kept, not escaped

    text = assert_spanish(text_of(client.get("/appointments")))
    assert "Hasta las 8:15 a.m. le reservamos un horario:" in text
    assert "Horario ofrecido" in text


@pytest.mark.parametrize(
    ("language", "subject_start"),
    [("es", "Se liberó un horario: mié"), (None, "A time opened up: Wed")],
)
def test_a_guest_on_the_waitlist_is_offered_a_time_in_the_language_they_joined_in(
    factories, language, subject_start
):
    location, service, visits = _full_wednesday(factories)
    entry = waitlist.join(
        JoinRequest(
            service_ids=[service.id],
            day=date(2026, 12, 2),
            earliest=time(9),
            latest=time(10),
            guest=waitlist.GuestDetails(
                name="Gus",
                email="gus@example.com",
                phone="+12015550100",
                vehicle_year=2016,
                vehicle_make="Toyota",
                vehicle_model="Corolla",
            ),
            location_id=location.id,
            language=language,
        ),
        now=NOW,
    )
    assert entry.locale == language
    booking.cancel(db.session.get(Appointment, visits[1].id), now=NOW, actor=factories.admin())
    (offer,) = db.session.scalars(
        sa.select(Notification).where(Notification.kind == waitlist.OFFERED)
    ).all()
    assert offer.subject.startswith(subject_start)


def test_the_notes_the_app_writes_on_a_visit_read_in_the_readers_language(app):
    """'Booked online.' is stored once (in English) and shown to a Spanish reader in Spanish; a
    note staff type is shown as typed."""
    from autoshop.i18n import shown_note, speaking

    with app.test_request_context(headers={"Cookie": "lang=es"}):
        assert shown_note("Booked online.") == "Reservada en línea."
        with speaking("en"):
            assert shown_note("Booked online.") == "Booked online."
        assert shown_note("Booked by staff.") == "Reservada por el personal."
        assert shown_note("Check the left tire.") == "Check the left tire."
        assert shown_note(None) == ""

"""A Spanish-speaking customer reads Spanish: the account pages, the login and registration
pages (Flask-Security's own words included), and every message sent about a visit (the email's
subject, text, HTML and calendar file, the text message) in the language they chose, through the
real worker, a real SMTP server (aiosmtpd) and a fake Twilio. English stays as it was.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from icalendar import Calendar

from autoshop.extensions import db
from autoshop.models import Appointment, Notification, User
from autoshop.notifications.worker import run_worker
from autoshop.services import outbox_planning
from tests.conftest import csrf_token_from
from tests.integration.test_accounts import outbox, register
from tests.integration.test_booking_web import (
    GOOD_VIN,
    TUE_9_LOCAL,
    appointments,
    link,
    submit,
    text_of,
)
from tests.integration.test_sms import TWILIO, twilio  # noqa: F401  (the fake Twilio fixture)

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York

#: English sentences of the confirmation: none may remain in the Spanish one.
ENGLISH_CONFIRMATION = [
    "Booked:",
    "Hi ",
    "Your visit",
    "is booked",
    "When:",
    "Reference",
    "Vehicle",
    "Where",
    "View, reschedule or cancel",
    "Appointment ",
    "See, change or cancel it",
    "Times are in UTC",
]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    return factories.booking_shop()


@pytest.fixture
def mail(app, smtp_server):
    app.config.update(smtp_server.mail_settings)
    return smtp_server


def deliver(app) -> int:
    return run_worker(app, once=True, clock=lambda: NOW)


def words(page: str) -> str:
    """The page's main text, tags dropped and entities decoded, on one line."""
    main = page[page.find("<main") : page.find("</main>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main))).strip()


def text_part(message) -> str:
    return str(message.get_body(("plain",)).get_content()).replace("\r\n", "\n")


def calendar_of(message) -> Calendar:
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "appointment.ics"
    return Calendar.from_ical(attachment.get_content())


def guest_books_on_the_web(client, shop) -> Appointment:
    """A guest goes through the booking pages (whatever language they speak) and confirms."""
    page = text_of(client.get(f"/book?services={shop['pads'].id}"))
    page = text_of(submit(client, page, year="2016", make="Toyota", model="Corolla", vin=GOOD_VIN))
    page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, "day-2026-12-01")))
    page = text_of(submit(client, page, start=TUE_9_LOCAL))
    page = text_of(
        submit(client, page, name="Gus Guest", email="gus@example.com", phone="(201) 555-0100")
    )
    assert submit(client, page, method="post").status_code == 303
    (appointment,) = appointments()
    return appointment


def test_a_guest_who_books_in_spanish_gets_the_confirmation_in_spanish(app, client, shop, mail):
    client.set_cookie("lang", "es")
    appointment = guest_books_on_the_web(client, shop)
    assert appointment.locale == "es"

    assert deliver(app) == 1  # the confirmation; the reminders are due later
    (received,) = mail.to("gus@example.com")
    message = received.message
    reference = appointment.reference

    subject = str(message["Subject"])
    assert subject.startswith("Cita reservada: ")
    assert subject.endswith(f"({reference})")
    assert "1 de dic" in subject  # the date as Spanish writes it

    text = text_part(message)
    assert text.startswith("Hola, Gus Guest:\n")
    assert "Su visita a Main Street Auto está reservada." in text
    assert f"Referencia: {reference}" in text
    assert "Vehículo:   2016 Toyota Corolla" in text
    assert "Dónde:      12 Main Street, Springfield" in text
    assert "martes, 1 de diciembre de 2026" in text
    assert "Ver, cambiar o cancelar: http" in text

    page = message.get_body(("html",)).get_content()
    assert '<html lang="es">' in page
    assert "Hola, Gus Guest:" in page
    assert "Su visita a Main Street Auto está reservada." in page
    assert ">Ver, cambiar o cancelar</a>" in page
    for english in ENGLISH_CONFIRMATION:
        assert english not in subject
        assert english not in text
        assert english not in html.unescape(re.sub(r"<[^>]+>", " ", page))

    event = calendar_of(message).walk("VEVENT")[0]
    assert str(event["summary"]) == "Main Street Auto: Brake pads"  # names only: data
    description = str(event["description"])
    assert description.startswith(f"Cita {reference} en Main Street Auto.\n")
    assert "Véala, cámbiela o cancélela: http" in description
    assert str(event["comment"]) == (
        "Las horas están en UTC; la zona horaria del taller es America/New_York."
    )
    for english in ENGLISH_CONFIRMATION:
        assert english not in description


def test_a_guest_who_books_in_english_still_reads_english(app, client, shop, mail):
    appointment = guest_books_on_the_web(client, shop)
    assert deliver(app) == 1
    (received,) = mail.to("gus@example.com")
    message = received.message
    assert str(message["Subject"]) == (f"Booked: Tue Dec 1 at 9:00 AM ({appointment.reference})")
    text = text_part(message)
    assert text.startswith("Hi Gus Guest,\n\nYour visit to Main Street Auto is booked.")
    assert '<html lang="en">' in message.get_body(("html",)).get_content()
    description = str(calendar_of(message).walk("VEVENT")[0]["description"])
    assert description.startswith(f"Appointment {appointment.reference} at Main Street Auto.")


@pytest.mark.settings(**TWILIO)
def test_a_customer_who_reads_spanish_gets_spanish_texts_and_emails(
    app,
    twilio,  # noqa: F811
    mail,
    factories,
    make_appointment,
):
    customer = factories.customer(
        first_name="Lucía", phone="+12015550147", sms_opt_in=True, locale="es"
    )
    appointment = make_appointment(customer=customer, starts_at=TUE_9)
    outbox_planning.plan_booking(appointment, now=NOW)
    db.session.commit()

    assert deliver(app) == 2  # the email and the text

    (sent,) = twilio.to("+12015550147")
    body = sent.form["Body"]
    assert body.startswith("AutoShop: cita reservada ")
    assert f", ref. {appointment.reference}." in body
    assert "booked" not in body and "ref " not in body
    assert len(body) < 160
    (received,) = mail.to(customer.email)
    assert str(received.message["Subject"]).startswith("Cita reservada: ")
    assert text_part(received.message).startswith("Hola, Lucía:")
    # The log keeps what was sent: the subject too, planned in the shop's language.
    db.session.expire_all()
    sent_row = db.session.scalar(
        sa.select(Notification).where(
            Notification.kind == "appointment_confirmation",
            Notification.recipient == customer.email,
        )
    )
    assert sent_row.subject == str(received.message["Subject"])


@pytest.mark.settings(**TWILIO)
def test_a_customer_who_switches_to_english_on_the_profile_hears_english(
    app,
    client,
    login,
    twilio,  # noqa: F811
    mail,
    factories,
    make_appointment,
):
    customer = factories.customer(
        first_name="Lucía",
        last_name="Pérez",
        phone="+12015550147",
        sms_opt_in=True,
        locale="es",
    )
    login(customer)
    page = text_of(client.get("/account/"))
    assert "<h1>Mi cuenta</h1>" in page
    chosen = re.search(r'<select[^>]*name="locale".*?</select>', page, re.S)
    assert chosen and re.search(r"<option[^>]*selected[^>]*>Español</option>", chosen.group(0))

    response = client.post(
        "/account/",
        data={
            "csrf_token": csrf_token_from(page),
            "first_name": "Lucía",
            "last_name": "Pérez",
            "phone": "+12015550147",
            "email_opt_in": "y",
            "sms_opt_in": "y",
            "locale": "en",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.locale).where(User.id == customer.id)) == "en"
    page = text_of(client.get("/account/"))
    assert "<h1>My account</h1>" in page
    assert "Your details were saved." in page  # said in the language just chosen

    # A visit booked in Spanish earlier still speaks the account's language now.
    appointment = make_appointment(customer=customer, starts_at=TUE_9, locale="es")
    outbox_planning.plan_booking(appointment, now=NOW)
    db.session.commit()
    assert deliver(app) == 2
    (sent,) = twilio.to("+12015550147")
    assert sent.form["Body"].startswith("AutoShop: booked ")
    (received,) = mail.to(customer.email)
    assert str(received.message["Subject"]).startswith("Booked: ")
    assert text_part(received.message).startswith("Hi Lucía,")


def test_a_bad_language_on_the_profile_is_refused_and_nothing_is_saved(client, login, factories):
    customer = factories.customer(first_name="Lucía", last_name="Pérez", locale="es")
    login(customer)
    page = text_of(client.get("/account/"))
    response = client.post(
        "/account/",
        data={
            "csrf_token": csrf_token_from(page),
            "first_name": "Luz",
            "last_name": "Pérez",
            "locale": "klingon",
        },
    )
    assert response.status_code == 200
    assert "Elija English o Español." in text_of(response)
    db.session.expire_all()
    saved = db.session.get(User, customer.id)
    assert (saved.first_name, saved.locale) == ("Lucía", "es")


def test_the_account_pages_speak_spanish(client, login, factories):
    customer = factories.customer(first_name="Lucía", last_name="Pérez", locale="es")
    factories.vehicle(owner=customer, year=2019, make="Honda", model="CR-V", plate="LUZ1")
    login(customer)

    overview = words(text_of(client.get("/account/")))
    for spanish in (
        "Mi cuenta",
        "Sus datos",
        "Cómo lo mantenemos informado",
        "Cambiar su contraseña",
        "Sus vehículos",
        "Placa LUZ1",
        "Historial de servicio",
        "Suscripción de calendario",
        "Obtener mi enlace de calendario",
    ):
        assert spanish in overview
    assert 'value="Guardar cambios"' in text_of(client.get("/account/"))
    for english in ("My account", "Your details", "Your cars", "Change your password", "Plate "):
        assert english not in overview

    form = words(text_of(client.get("/account/vehicles/new")))
    assert "Agregar un vehículo" in form and "Año del modelo" in form
    assert "Add a car" not in form and "Model year" not in form

    delete = words(text_of(client.get("/account/delete")))
    assert "Esto no se puede deshacer." in delete and "Conservar mi cuenta" in delete
    assert "This can't be undone" not in delete


def test_login_and_registration_speak_spanish_with_flask_securitys_own_words(client):
    client.set_cookie("lang", "es")
    login_page = words(text_of(client.get("/account/login")))
    assert "Iniciar sesión" in login_page
    assert "Correo electrónico" in login_page and "Contraseña" in login_page  # Flask-Security's
    assert "¿Olvidó su contraseña?" in login_page
    assert "Recordarme" in login_page  # Flask-Security's words, said with "usted" as ours are
    assert "¿Has olvidado tu contraseña?" not in login_page and "Recuérdame" not in login_page
    for english in ("Log in", "Email Address", "Password", "Remember Me", "Create an account"):
        assert english not in login_page

    register_page = words(text_of(client.get("/account/register")))
    assert "Cree su cuenta" in register_page
    assert "Nombre" in register_page and "Apellido" in register_page
    assert "Celular (opcional)" in register_page
    for english in ("Create your account", "First name", "Last name", "Mobile phone"):
        assert english not in register_page


def test_an_api_problem_speaks_the_callers_language(client):
    answer = client.get(
        "/api/v1/appointments/NOPE1234",
        headers={"Accept-Language": "es", "Accept": "application/json"},
    )
    assert answer.status_code in (401, 404)
    body = answer.get_json()
    assert body["type"].endswith(("/login-required", "/not-found"))  # the URI stays as it is
    assert body["detail"] in (
        "Inicie sesión (sesión) o envíe un encabezado Authentication-Token.",
        "No tiene ninguna cita con esa referencia que pueda ver.",
    )


def test_account_emails_of_a_spanish_registration_speak_spanish(client):
    client.set_cookie("lang", "es")
    response = register(client)
    assert response.status_code == 302
    # config.py's wording of Flask-Security's message and subject, from the app's catalog.
    home = words(text_of(client.get(response.headers["Location"])))
    assert "Gracias. Enviamos un correo a rosa@example.com" in home
    assert "We've sent an email" not in home
    (welcome,) = outbox("rosa@example.com")
    assert welcome.kind == "account_welcome"
    assert welcome.subject == "Le damos la bienvenida a AutoShop: confirme su correo electrónico"
    assert "/account/confirm/" in welcome.body_text

    # Registering again with the same address: our own email, in Spanish.
    assert register(client).status_code == 302
    again = outbox("rosa@example.com")[-1]
    assert again.kind == "account_welcome_existing"
    assert again.subject == "Usted ya tiene una cuenta de AutoShop"
    assert again.body_text.lstrip().startswith("Hola, Rosa:")
    assert "Esta dirección ya tiene una cuenta" in again.body_text
    assert "If it wasn't you" not in again.body_text

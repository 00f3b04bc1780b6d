"""Staff taking a phone or walk-in booking, on both engines: find the customer (name, email,
phone, plate), book one of their saved cars or add one (a VIN or plate already on the account is
that car), a new customer or walk-in, inside the online notice; the customer is told as usual."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.extensions import db
from autoshop.models import Appointment, Notification, Vehicle
from autoshop.services import booking
from autoshop.services.customers import search_customers
from tests.integration import test_booking_web as web
from tests.support.access import LOGIN, Route, make_personas, walk

NOW = web.NOW  # Monday 08:00 in New York; the shop's online notice is 2 hours
TUE_9_LOCAL = web.TUE_9_LOCAL
CRV_VIN = "2HKRW2H8XKH612384"
text_of, submit, link, plain = web.text_of, web.submit, web.link, web.plain


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    return factories.booking_shop()


@pytest.fixture
def maria(factories):
    person = factories.customer(
        email="maria.garcia@example.com", first_name="Maria", last_name="Garcia"
    )
    person.phone = "+12015550147"
    db.session.commit()
    factories.vehicle(
        owner=person, year=2019, make="Honda", model="CR-V", vin=CRV_VIN, plate="NJK4821"
    )
    return person


def vehicles_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle)) or 0


def only_appointment() -> Appointment:
    (appointment,) = web.appointments()
    return appointment


def search(client, query: str) -> str:
    response = client.get("/staff/customers/search", query_string={"q": query})
    assert response.status_code == 200
    return text_of(response)


# --- finding the customer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "maria",
        "GARCIA",
        "Maria Garcia",
        "maria.garcia@",
        "201-555-0147",
        "(201) 555 0147",
        "njk 4821",
        "NJK-4821",
    ],
)
def test_staff_find_a_customer_by_name_email_phone_or_plate(client, login, factories, maria, query):
    factories.customer(email="other@example.com", first_name="Oscar", last_name="Other")
    login(factories.admin())
    body = search(client, query)
    assert f'name="customer" value="{maria.id}"' in body
    assert "Maria Garcia" in body and "2019 Honda CR-V (NJK4821)" in body
    assert "Oscar" not in body


def test_the_search_never_offers_staff_and_says_when_nothing_matches(client, login, factories):
    admin = factories.admin(first_name="Maria", last_name="Admin")
    factories.mechanic(first_name="Maria", last_name="Mechanic")
    login(admin)
    assert "No customer matches" in plain(search(client, "maria"))
    assert "at least two characters" in search(client, "m")
    assert search_customers("100%_\\") == []  # LIKE wildcards are taken literally


def test_an_archived_cars_plate_doesnt_find_the_customer(client, login, factories, maria):
    car = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == maria.id))
    car.archived_at = NOW
    db.session.commit()
    login(factories.admin())
    assert "No customer matches" in plain(search(client, "NJK4821"))


def test_the_customer_step_searches_without_javascript(client, login, factories, shop, maria):
    login(factories.admin())
    page = text_of(client.get(f"/book?services={shop['oil'].id}"))
    assert "Find the customer" in page and "Log in to use your saved vehicles" not in page
    page = text_of(submit(client, page, q="garcia"))
    assert f'name="customer" value="{maria.id}"' in page
    page = text_of(submit(client, page, customer=str(maria.id)))
    assert "Book for Maria Garcia" in page
    assert "Maria Garcia&#39;s saved cars" in page or "Maria Garcia's saved cars" in page
    assert "The customer&#39;s visit so far" in page or "The customer's visit so far" in page


# --- booking ----------------------------------------------------------------------------------


def book_for(client, page: str, *, vehicle_changes: dict[str, str], start=TUE_9_LOCAL) -> str:
    """From the vehicle step to the review: the car, Tuesday (or `start`), drop-off."""
    page = text_of(submit(client, page, **vehicle_changes))
    day = start[:10]
    if day != "2026-11-30":
        page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, f"day-{day}")))
    assert "Will the customer drop the car off or wait?" in plain(page)  # asked with the time
    page = text_of(submit(client, page, start=start))
    assert "What the customer says about the car" in plain(page)
    return text_of(submit(client, page, concern="Squeal when braking, says the customer."))


def test_a_phone_booking_for_a_customer_with_their_saved_car(client, login, factories, shop, maria):
    admin = factories.admin(first_name="Alex")
    login(admin)
    saved = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == maria.id))
    page = text_of(client.get(f"/book?customer={maria.id}&services={shop['oil'].id}"))
    assert "Which of the customer" in plain(page)
    page = book_for(client, page, vehicle_changes={"vehicle": str(saved.id)})
    assert "Maria Garcia, maria.garcia@example.com, +12015550147" in page
    assert "The customer&#39;s words" in page or "The customer's words" in page
    response = submit(client, page, method="post")
    assert response.status_code == 303, text_of(response)[:2000]
    appointment = only_appointment()
    assert (appointment.customer_id, appointment.vehicle_id) == (maria.id, saved.id)
    assert appointment.booked_by_id == admin.id
    assert appointment.guest_email == ""
    assert appointment.status_changes[0].changed_by_id == admin.id
    assert vehicles_count() == 1  # no new car
    mail = db.session.scalar(
        sa.select(Notification).where(
            Notification.kind == "appointment_confirmation",
            Notification.appointment_id == appointment.id,
        )
    )
    assert mail is not None and mail.recipient == "maria.garcia@example.com"
    page = plain(text_of(client.get(response.headers["Location"])))
    assert "Booked for Maria Garcia" in page


@pytest.mark.parametrize(
    "typed", [{"vin": CRV_VIN.lower()}, {"plate": "njk-4821"}, {"vin": CRV_VIN, "plate": "NEW1"}]
)
def test_a_car_typed_again_with_a_vin_or_plate_on_the_account_is_that_car(
    client, login, factories, shop, maria, typed
):
    login(factories.admin())
    saved = db.session.scalar(sa.select(Vehicle).where(Vehicle.owner_id == maria.id))
    page = text_of(client.get(f"/book?customer={maria.id}&services={shop['oil'].id}"))
    changes = {"vehicle": "new", "year": "2019", "make": "Honda", "model": "CR-V", **typed}
    page = book_for(client, page, vehicle_changes=changes)
    assert submit(client, page, method="post").status_code == 303
    assert only_appointment().vehicle_id == saved.id
    assert vehicles_count() == 1


def test_a_new_car_is_added_to_the_customers_account(client, login, factories, shop, maria):
    login(factories.admin())
    page = text_of(client.get(f"/book?customer={maria.id}&services={shop['oil'].id}"))
    changes = {"vehicle": "new", "year": "2016", "make": "Ford", "model": "F-150", "plate": "x 1"}
    page = book_for(client, page, vehicle_changes=changes)
    assert submit(client, page, method="post").status_code == 303
    car = only_appointment().vehicle
    assert (car.owner_id, car.make, car.plate) == (maria.id, "Ford", "X1")
    assert vehicles_count() == 2


def test_a_customer_typing_their_saved_cars_vin_books_that_car(client, login, shop, maria):
    login(maria)
    page = text_of(client.get(f"/book?services={shop['oil'].id}"))
    changes = {"vehicle": "new", "year": "2019", "make": "Honda", "model": "CR-V", "vin": CRV_VIN}
    page = text_of(submit(client, page, **changes))
    page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, "day-2026-12-01")))
    page = text_of(submit(client, page, start=TUE_9_LOCAL))
    page = text_of(submit(client, page))
    assert submit(client, page, method="post").status_code == 303
    assert only_appointment().vehicle.vin == CRV_VIN and vehicles_count() == 1


def test_a_walk_in_guest_inside_the_online_notice(client, login, factories, shop):
    mechanic = factories.mechanic()
    login(mechanic)
    page = text_of(client.get(f"/book?services={shop['oil'].id}"))
    page = text_of(submit(client, page, customer="guest"))
    assert "Log in to use your saved vehicles" not in page
    page = text_of(submit(client, page, year="2012", make="Ford", model="Focus"))
    page = text_of(client.get(link(page, "day-2026-11-30")))
    assert "8:15 AM" in page  # inside the 2-hour notice: staff only
    page = text_of(submit(client, page, start="2026-11-30T08:15:00-05:00"))
    page = text_of(
        submit(client, page, name="Walt Walkin", email="walt@example.com", phone="2015550123")
    )
    assert submit(client, page, method="post").status_code == 303
    appointment = only_appointment()
    assert appointment.customer_id is None and appointment.guest_email == "walt@example.com"
    assert appointment.booked_by_id == mechanic.id
    assert appointment.starts_at == datetime(2026, 11, 30, 13, 15, tzinfo=UTC)
    assert appointment.vehicle.owner_id is None
    recipients = db.session.scalars(
        sa.select(Notification.recipient).where(Notification.kind == "appointment_confirmation")
    ).all()
    assert recipients == ["walt@example.com"]


def test_customers_cant_book_inside_the_notice_staff_can_nobody_in_the_past(shop, factories, maria):
    saved_id = db.session.scalar(sa.select(Vehicle.id).where(Vehicle.owner_id == maria.id))
    inside = NOW + timedelta(minutes=15)
    with pytest.raises(booking.BookingError) as refused:
        web.book_directly(shop, customer=maria, vehicle=None, vehicle_id=saved_id, starts_at=inside)
    assert refused.value.kind == "inside-notice"
    assert web.appointments() == []
    with pytest.raises(booking.BookingError) as refused:
        web.book_directly(
            shop,
            customer=maria,
            vehicle=None,
            vehicle_id=saved_id,
            starts_at=NOW - timedelta(minutes=45),
            by_staff=factories.admin(),
        )
    assert refused.value.kind == "start-in-past"
    assert web.appointments() == []
    admin = factories.admin()
    appointment = web.book_directly(
        shop, customer=maria, vehicle=None, vehicle_id=saved_id, starts_at=inside, by_staff=admin
    )
    assert appointment.booked_by_id == admin.id and appointment.starts_at == inside


def test_online_bookings_record_no_staff_member(shop, maria):
    saved_id = db.session.scalar(sa.select(Vehicle.id).where(Vehicle.owner_id == maria.id))
    appointment = web.book_directly(shop, customer=maria, vehicle=None, vehicle_id=saved_id)
    assert appointment.booked_by_id is None


def test_staff_cant_book_another_customers_car_for_the_chosen_customer(
    client, login, factories, shop, maria
):
    stranger = factories.customer()
    theirs = factories.vehicle(owner=stranger, make="Audi", model="A4")
    login(factories.admin())
    page = text_of(client.get(f"/book?customer={maria.id}&services={shop['oil'].id}"))
    page = text_of(submit(client, page, vehicle=str(theirs.id)))
    assert "Choose one of your own vehicles." in plain(page)
    with pytest.raises(booking.BookingError):
        web.book_directly(
            shop, customer=maria, vehicle=None, vehicle_id=theirs.id, by_staff=factories.admin()
        )
    assert web.appointments() == []


def test_a_staff_account_or_an_unknown_id_is_no_customer_to_book_for(
    client, login, factories, shop
):
    admin = factories.admin()
    login(admin)
    for chosen in (str(admin.id), "999999", "99999999999999999999999", "x"):
        page = text_of(client.get(f"/book?customer={chosen}&services={shop['oil'].id}"))
        assert "Find the customer" in page


def test_a_customer_cant_book_for_someone_else(client, login, factories, shop, maria):
    cara = factories.customer(email="cara@example.com", first_name="Cara")
    login(cara)
    page = text_of(client.get(f"/book?customer={maria.id}&services={shop['oil'].id}"))
    assert "Find the customer" not in page and "Maria" not in page
    changes = {"year": "2012", "make": "Ford", "model": "Focus"}
    page = text_of(submit(client, page, **changes))
    page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, "day-2026-12-01")))
    page = text_of(submit(client, page, start=TUE_9_LOCAL))
    page = text_of(submit(client, page))
    assert submit(client, page, method="post").status_code == 303
    appointment = only_appointment()
    assert appointment.customer_id == cara.id and appointment.booked_by_id is None


def test_the_staff_booking_routes_answer_each_role_as_designed(app, factories, shop):
    walk(
        app,
        make_personas(factories),
        [
            Route(
                "/staff/customers/search?q=customer",
                {
                    "anonymous": LOGIN,
                    "customer_a": 403,
                    "customer_b": 403,
                    "mechanic": 200,
                    "admin": 200,
                },
            ),
            # /book is everyone's; only staff get the customer step.
            Route(
                f"/book?services={shop['oil'].id}",
                {k: 200 for k in ("anonymous", "customer_a", "customer_b", "mechanic", "admin")},
            ),
        ],
    )

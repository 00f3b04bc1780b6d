"""Staff pages for a customer and a car (read-only look-ups from the visit page), the role x route
matrix of every staff visit route, and staff wording on the shared reschedule and cancel pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from tests.conftest import submit_form
from tests.support.access import LOGIN, Route, make_personas, walk

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York
PAST = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # Wednesday June 10, 10:00 EDT
NEXT = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)  # Wednesday December 9, 10:00 EST


def _staff(expect_staff: int | str) -> dict[str, int | str]:
    return {
        "anonymous": LOGIN,
        "customer_a": 403,
        "customer_b": 403,
        "mechanic": expect_staff,
        "admin": expect_staff,
    }


# POSTs are walked without CSRF tokens (the global check is off; forms still carry tokens):
# the role check is what this test is about. Staff posts a refusal (403/422) or a redirect.
@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_staff_visit_routes_answer_each_role_as_designed(app, factories):
    personas = make_personas(factories)
    other = factories.mechanic(first_name="Other")
    car = factories.vehicle(owner=personas.customer_a, make="Subaru", model="Outback")
    visit = factories.appointment(starts_at=NEXT, customer=personas.customer_a, vehicle=car)
    base = f"/staff/appointments/{visit.reference}"
    customer_id, vehicle_id = personas.customer_a.id, car.id
    routes = [
        Route(base, _staff(200)),
        Route(f"/staff/customers/{customer_id}", _staff(200)),
        Route(f"/staff/vehicles/{vehicle_id}", _staff(200)),
        Route(f"/staff/customers/{personas.mechanic.id}", _staff(404)),  # not a customer
        Route("/staff/customers/999999", _staff(404)),
        Route("/staff/vehicles/999999", _staff(404)),
        Route("/staff/appointments/NOSUCH", _staff(404)),
        # A note: anyone on the staff may add an internal one.
        Route(f"{base}/notes", _staff(303), "POST", {"body": "Called", "audience": "internal"}),
        # A promise and a customer note: admins, or the mechanic of an unassigned job.
        Route(f"{base}/promise", _staff(303), "POST", {"promised": "2026-12-09T15:00"}),
        Route(f"{base}/notes", _staff(303), "POST", {"body": "Hi", "audience": "customer"}),
        # Assigning someone else: admins only (a mechanic takes jobs for themself).
        Route(f"{base}/mechanic", {**_staff(303), "mechanic": 403}, "POST", {"mechanic": other.id}),
        Route(f"{base}/mechanic", _staff(422), "POST", {"mechanic": "999999"}),
        Route(f"{base}/status", _staff(302), "POST", {"target": "bogus"}),
    ]
    with time_machine.travel(NOW, tick=False):
        walk(app, personas, routes)


def test_the_customer_page_shows_contact_opt_ins_cars_and_every_visit(client, login, factories):
    dana = factories.customer(
        first_name="Dana",
        last_name="Reyes",
        email="dana@example.com",
        phone="+16175550100",
        email_opt_in=False,
        sms_opt_in=True,
    )
    outback = factories.vehicle(owner=dana, make="Subaru", model="Outback", plate="7ABC123")
    civic = factories.vehicle(owner=dana, make="Honda", model="Civic")
    location = factories.location()
    oil = factories.service("Oil change")
    old = factories.appointment(
        starts_at=PAST,
        customer=dana,
        vehicle=civic,
        location=location,
        services=[oil],
        status=S.COMPLETED,
    )
    soon = factories.appointment(
        starts_at=NEXT, customer=dana, vehicle=outback, location=location, services=[oil]
    )
    someone_else = factories.appointment(starts_at=NEXT, location=location, bay=location.bays[1])
    login(factories.mechanic())
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/staff/customers/{dana.id}").get_data(as_text=True)
    assert "Dana Reyes" in page and "mailto:dana@example.com" in page
    assert "tel:+16175550100" in page
    assert "No (turned off)" in page  # email off
    assert f"/staff/vehicles/{outback.id}" in page and f"/staff/vehicles/{civic.id}" in page
    upcoming, past = page.split("Past visits", 1)
    assert f"/staff/appointments/{soon.reference}" in upcoming
    assert "Wed Dec 9, 2026 10:00 AM" in upcoming  # the location's zone
    assert f"/staff/appointments/{old.reference}" in past
    assert "Wed Jun 10, 2026 10:00 AM" in past and "Completed" in past
    assert someone_else.reference not in page
    assert "Oil change" in page


def test_the_vehicle_page_shows_the_car_and_its_history(client, login, factories):
    dana = factories.customer(first_name="Dana", last_name="Reyes")
    car = factories.vehicle(
        owner=dana,
        make="Subaru",
        model="Outback",
        trim="Limited",
        vin="4S4BSANC5K3300001",
        plate="7ABC123",
        mileage=48210,
    )
    location = factories.location()
    brakes = factories.service("Brake pads")
    old = factories.appointment(
        starts_at=PAST,
        customer=dana,
        vehicle=car,
        location=location,
        services=[brakes],
        status=S.COMPLETED,
    )
    login(factories.admin())
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/staff/vehicles/{car.id}").get_data(as_text=True)
    assert "2018 Subaru Outback Limited" in page
    assert "4S4BSANC5K3300001" in page and "7ABC123" in page and "48,210 mi" in page
    assert f"/staff/customers/{dana.id}" in page
    assert "No upcoming visits." in page
    history = page.split("Visit history", 1)[1]
    assert old.reference in history and "Brake pads" in history and "Completed" in history


def test_a_guests_car_shows_the_guest_contact_without_a_customer_link(client, login, factories):
    car = factories.vehicle(make="Mazda", model="3")
    visit = factories.appointment(
        starts_at=PAST,
        vehicle=car,
        guest_name="Pat Guest",
        guest_email="pat@example.com",
        guest_phone="+16175550199",
    )
    login(factories.admin())
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/staff/vehicles/{car.id}").get_data(as_text=True)
    assert "Pat Guest" in page and "(guest)" in page and "mailto:pat@example.com" in page
    assert "/staff/customers/" not in page
    assert visit.reference in page


def test_the_visit_page_speaks_of_the_customer_and_links_their_records(client, login, factories):
    dana = factories.customer(first_name="Dana", last_name="Reyes")
    car = factories.vehicle(owner=dana, make="Subaru", model="Outback")
    visit = factories.appointment(
        starts_at=NEXT, customer=dana, vehicle=car, concern="Squeaks when braking"
    )
    login(factories.admin())
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert f'href="/staff/customers/{dana.id}"' in page
    assert f'href="/staff/vehicles/{car.id}"' in page
    assert "The customer says:" in page and "Squeaks when braking" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0].lower()
    assert " your " not in main and " you " not in main  # staff wording on the page


def test_staff_reschedule_and_cancel_speak_of_the_visit_and_come_back_to_it(
    client, login, factories
):
    location = factories.location()
    visit = factories.appointment(
        starts_at=NEXT, location=location, concern="Rattle", services=[factories.service()]
    )
    admin = factories.admin()
    login(admin)
    staff_page = f"/staff/appointments/{visit.reference}"
    with time_machine.travel(NOW, tick=False):
        move = client.get(f"/appointments/{visit.reference}/reschedule").get_data(as_text=True)
        assert "Move this visit" in move and "Move your visit" not in move
        assert f'href="{staff_page}"' in move
        cancel = client.get(f"/appointments/{visit.reference}/cancel").get_data(as_text=True)
        assert "Cancel this appointment?" in cancel
        assert "The customer's words" in cancel and "Your words" not in cancel
        assert "Message to the customer (optional)" in cancel
        response = submit_form(
            client,
            f"/appointments/{visit.reference}/cancel",
            {"reason": "The lift is broken", "version": visit.version},
        )
        assert response.status_code == 303 and response.location.endswith(staff_page)
        page = client.get(staff_page).get_data(as_text=True)
    assert "The visit was cancelled; the customer is told." in page
    assert "The lift is broken" in page  # in the timeline


def test_staff_move_a_visit_and_come_back_to_its_staff_page(client, login, factories):
    location = factories.location()
    visit = factories.appointment(starts_at=NEXT, location=location)
    login(factories.admin())
    staff_page = f"/staff/appointments/{visit.reference}"
    with time_machine.travel(NOW, tick=False):
        response = submit_form(
            client,
            f"/appointments/{visit.reference}/reschedule",
            {"start": "2026-12-10T11:00:00-05:00", "version": visit.version},
        )
        assert response.status_code == 303 and response.location.endswith(staff_page)
        page = client.get(staff_page).get_data(as_text=True)
    assert "The visit was moved to Thursday, December 10, 2026 at 11:00 AM" in page
    assert "the customer is told" in page
    assert "Visit updated" in page and "Moved from Wed Dec 9 10:00 AM." in page

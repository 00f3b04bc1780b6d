"""A signed-in customer's visits: upcoming soonest first, past newest first and paginated, each
car's service record, and "Book again" opening the flow with the car and services chosen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import StatusChange
from autoshop.services import manage_links
from tests.support.access import LOGIN, Route, make_personas, walk

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _completed(factories, *, customer, note: str = "", staff_notes: str = "", **kw):
    """A completed visit with its trail: booked, then completed with a note for the customer."""
    visit = factories.appointment(
        customer=customer, status=S.COMPLETED, staff_notes=staff_notes, **kw
    )
    db.session.add_all(
        [
            StatusChange(
                appointment=visit,
                from_status=None,
                to_status=S.SCHEDULED,
                changed_at=visit.starts_at - timedelta(days=3),
                note="Booked online.",
            ),
            StatusChange(
                appointment=visit,
                from_status=S.READY_FOR_PICKUP,
                to_status=S.COMPLETED,
                changed_at=visit.ends_at,
                note=note,
            ),
        ]
    )
    db.session.commit()
    return visit


def test_upcoming_visits_come_soonest_first(client, factories, login):
    customer = factories.customer()
    location = factories.location()
    car = factories.vehicle(owner=customer)
    later = factories.appointment(
        customer=customer, vehicle=car, location=location, starts_at=NOW + timedelta(days=20)
    )
    soonest = factories.appointment(
        customer=customer, vehicle=car, location=location, starts_at=NOW + timedelta(days=2)
    )
    middle = factories.appointment(
        customer=customer, vehicle=car, location=location, starts_at=NOW + timedelta(days=9)
    )
    login(customer)
    upcoming = _section(client.get("/appointments").get_data(as_text=True), "upcoming-heading")
    order = [upcoming.index(a.reference) for a in (soonest, middle, later)]
    assert order == sorted(order)


def test_past_visits_newest_first_in_pages_of_ten(client, factories, login):
    customer = factories.customer()
    location = factories.location()
    car = factories.vehicle(owner=customer)
    visits = [
        factories.appointment(
            customer=customer,
            vehicle=car,
            location=location,
            starts_at=NOW - timedelta(days=10 * (i + 1)),
            status=S.COMPLETED,
        )
        for i in range(12)
    ]  # visits[0] is the newest
    login(customer)
    first = _section(client.get("/appointments").get_data(as_text=True), "past-heading")
    shown = [v for v in visits if v.reference in first]
    assert shown == visits[:10]
    positions = [first.index(v.reference) for v in shown]
    assert positions == sorted(positions)
    assert "Page 1 of 2" in first
    second = client.get("/appointments?page=2").get_data(as_text=True)
    assert all(v.reference in second for v in visits[10:])
    assert not any(v.reference in second for v in visits[:10])
    # A hand-edited page number shows the nearest page, never an error.
    assert client.get("/appointments?page=99").status_code == 200
    assert client.get("/appointments?page=abc").status_code == 200


def test_a_past_visit_shows_services_car_price_and_shop_notes_never_internal_ones(
    client, factories, login
):
    customer = factories.customer()
    car = factories.vehicle(owner=customer, make="Subaru", model="Outback", mileage=61_200)
    service = factories.service("Brake pads", price_min_cents=18_900)
    visit = _completed(
        factories,
        customer=customer,
        vehicle=car,
        services=[service],
        starts_at=NOW - timedelta(days=30),
        mileage=58_000,
        note="Front pads replaced; rotors good for another 10,000 miles.",
        staff_notes="INTERNAL: customer disputed the last invoice",
    )
    login(customer)
    for path in ("/appointments", f"/account/vehicles/{car.id}/history"):
        html = client.get(path).get_data(as_text=True)
        assert visit.reference in html
        assert "Brake pads" in html and "$189" in html
        assert "2018 Subaru Outback" in html
        assert "58,000 mi" in html
        assert "Front pads replaced; rotors good for another 10,000 miles." in html
        assert "INTERNAL" not in html and "disputed" not in html


def test_a_cars_history_lists_the_work_done_on_it_only(client, factories, login):
    customer = factories.customer()
    location = factories.location()
    car = factories.vehicle(owner=customer, make="Mazda", model="CX-5")
    other_car = factories.vehicle(owner=customer, make="Kia", model="Soul")
    done = _completed(
        factories,
        customer=customer,
        vehicle=car,
        location=location,
        starts_at=NOW - timedelta(days=40),
        services=[factories.service("Tire rotation")],
    )
    cancelled = factories.appointment(
        customer=customer,
        vehicle=car,
        location=location,
        starts_at=NOW - timedelta(days=20),
        status=S.CANCELLED,
        services=[factories.service("Wheel alignment")],
    )
    elsewhere = _completed(
        factories,
        customer=customer,
        vehicle=other_car,
        location=location,
        starts_at=NOW - timedelta(days=10),
        services=[factories.service("Battery test")],
    )
    login(customer)
    html = client.get(f"/account/vehicles/{car.id}/history").get_data(as_text=True)
    assert done.reference in html and "Tire rotation" in html
    assert "Mileage not recorded" in html
    assert cancelled.reference not in html and "Wheel alignment" not in html
    assert elsewhere.reference not in html and "Battery test" not in html
    assert f"/book/again/{done.reference}" in html
    empty = factories.vehicle(owner=customer, make="Ford", model="Focus")
    assert "No completed work" in client.get(f"/account/vehicles/{empty.id}/history").get_data(
        as_text=True
    )
    assert client.get("/account/vehicles/999999/history").status_code == 404


def test_book_again_opens_the_flow_with_the_car_and_services_chosen(client, factories, login):
    shop = factories.booking_shop()
    customer = factories.customer()
    car = factories.vehicle(owner=customer, make="Honda", model="Fit")
    visit = _completed(
        factories,
        customer=customer,
        vehicle=car,
        location=shop["location"],
        services=[shop["oil"], shop["pads"]],
        starts_at=NOW - timedelta(days=60),
    )
    login(customer)
    response = client.get(f"/book/again/{visit.reference}")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/book?")
    assert re.findall(r"services=(\d+)", location) == [str(shop["oil"].id), str(shop["pads"].id)]
    assert f"vehicle={car.id}" in location
    page = client.get(location).get_data(as_text=True)
    assert "When suits you?" in page  # straight to choosing a time
    summary = page[page.index('id="summary-heading"') :]
    assert "Oil change" in summary and "Brake pads" in summary
    assert "Vehicle:</strong> 2018 Honda Fit" in summary


def test_book_again_leaves_out_services_no_longer_offered_and_says_so(client, factories, login):
    shop = factories.booking_shop()
    customer = factories.customer()
    visit = _completed(
        factories,
        customer=customer,
        location=shop["location"],
        services=[shop["oil"], shop["pads"]],
        starts_at=NOW - timedelta(days=60),
    )
    shop["pads"].active = False
    db.session.commit()
    login(customer)
    response = client.get(f"/book/again/{visit.reference}")
    assert re.findall(r"services=(\d+)", response.headers["Location"]) == [str(shop["oil"].id)]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No longer offered online, so left out: Brake pads." in page

    shop["oil"].active = False
    db.session.commit()
    response = client.get(f"/book/again/{visit.reference}")
    assert "services=" not in response.headers["Location"]
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "aren&#39;t offered online any more (Oil change, Brake pads)" in page


def test_a_guest_books_again_from_their_link_with_the_car_filled_in(client, factories):
    shop = factories.booking_shop()
    car = factories.vehicle(year=2016, make="Toyota", model="Corolla", plate="GST123")
    visit = factories.appointment(
        location=shop["location"],
        services=[shop["oil"]],
        vehicle=car,
        guest_name="Gail Guest",
        guest_email="gail@example.com",
        starts_at=NOW - timedelta(days=30),
        status=S.COMPLETED,
    )
    token = manage_links.make_token(visit)
    page = client.get(f"/appointments/manage/{token}").get_data(as_text=True)
    assert f"/appointments/manage/{token}/again" in page
    response = client.get(f"/appointments/manage/{token}/again")
    assert response.status_code == 303
    location = response.headers["Location"]
    for part in (f"services={shop['oil'].id}", "vehicle=new", "make=Toyota", "plate=GST123"):
        assert part in location
    assert "When suits you?" in client.get(location).get_data(as_text=True)
    assert client.get("/appointments/manage/garbage/again").status_code == 400


def test_history_routes_answer_each_role_as_designed(app, factories):
    people = make_personas(factories)
    location = factories.location()
    car_a = factories.vehicle(owner=people.customer_a)
    visit_a = factories.appointment(
        customer=people.customer_a,
        vehicle=car_a,
        location=location,
        starts_at=NOW - timedelta(days=5),
        status=S.COMPLETED,
    )
    mine = {"anonymous": LOGIN, "customer_a": 200, "customer_b": 200, "mechanic": 200}
    routes = [
        Route("/appointments", {**mine, "admin": 200}),
        Route(
            f"/account/vehicles/{car_a.id}/history",
            {**mine, "customer_b": 404, "mechanic": 404, "admin": 404},
        ),
        Route(
            f"/book/again/{visit_a.reference}",
            {
                "anonymous": LOGIN,
                "customer_a": 303,
                "customer_b": 404,
                "mechanic": 403,
                "admin": 403,
            },
        ),
        Route(
            f"/appointments/{visit_a.reference}/review",
            {
                "anonymous": LOGIN,
                "customer_a": 200,
                "customer_b": 404,
                "mechanic": 403,
                "admin": 403,
            },
        ),
    ]
    walk(app, people, routes)

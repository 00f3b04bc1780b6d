"""A customer's saved cars through the account pages, on both engines: add (the VIN read as it is
typed), edit, remove or archive, one car per VIN and plate, and nobody else's car."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.exc import IntegrityError

from autoshop.extensions import db
from autoshop.models import Vehicle
from tests.conftest import csrf_token_from, submit_form
from tests.support.access import LOGIN, Route, make_personas, walk

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
CRV_VIN = "2HKRW2H8XKH612384"  # a 2019, built in North America
GOOD = {
    "vin": "2hkrw2h8-xkh612384",
    "year": "2019",
    "make": "Honda",
    "model": "CR-V",
    "trim": "EX",
    "colour": "Blue",
    "plate": "njk 4821",
    "mileage": "48,200",
    "nickname": "Family car",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer(factories, login):
    person = factories.customer(email="cara@example.com", first_name="Cara")
    login(person)
    return person


def cars(owner_id: int | None = None) -> list[Vehicle]:
    db.session.expire_all()
    query = sa.select(Vehicle).order_by(Vehicle.id)
    if owner_id is not None:
        query = query.where(Vehicle.owner_id == owner_id)
    return list(db.session.scalars(query))


def add(client, **changes):
    return submit_form(client, "/account/vehicles/new", {**GOOD, **changes})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_customer_adds_a_car_and_sees_it_in_the_account(client, customer):
    response = add(client)
    assert response.status_code == 303 and response.headers["Location"] == "/account/"
    (car,) = cars()
    assert (car.owner_id, car.vin, car.plate, car.mileage, car.year) == (
        customer.id,
        CRV_VIN,
        "NJK4821",
        48200,
        2019,
    )
    assert (car.make, car.model, car.trim, car.colour, car.nickname) == (
        "Honda",
        "CR-V",
        "EX",
        "Blue",
        "Family car",
    )
    page = text(client.get("/account/"))
    assert "Family car · 2019 Honda CR-V EX" in page
    assert "Plate NJK4821" in page and "48,200 mi" in page and f"VIN {CRV_VIN}" in page


def test_the_vin_hint_says_year_and_region_and_fills_an_empty_year(client, customer):
    response = client.get(
        "/account/vehicles/vin", query_string={"vin": CRV_VIN.lower(), "year": ""}
    )
    body = text(response)
    assert response.status_code == 200
    assert "2019 · North America" in body
    assert 'hx-swap-oob="true"' in body and 'value="2019"' in body  # the year filled in
    body = text(client.get("/account/vehicles/vin", query_string={"vin": CRV_VIN, "year": "2018"}))
    assert "2019 · North America" in body and "hx-swap-oob" not in body  # a typed year stays
    body = text(client.get("/account/vehicles/vin", query_string={"vin": "2HKRW2H8"}))
    assert "8 of 17 characters" in body
    body = text(client.get("/account/vehicles/vin", query_string={"vin": "2HKRW2H80KH612384"}))
    assert "check digit" in body and "hx-swap-oob" not in body
    body = text(client.get("/account/vehicles/vin", query_string={"vin": "WDBEA30D4HA391172"}))
    assert "1987 · Europe" in body and "check digit doesn" in body  # a warning


def test_a_foreign_vin_with_a_wrong_check_digit_saves_with_a_warning(client, customer):
    response = add(client, vin="WDBEA30D4HA391172", year="1987", make="Mercedes-Benz")
    assert response.status_code == 303
    assert cars()[0].vin == "WDBEA30D4HA391172"
    page = text(client.get("/account/"))
    assert "check digit doesn" in page  # flashed as a warning


def test_a_missing_year_names_the_year_the_vin_gives(client, customer):
    response = add(client, year="")
    assert response.status_code == 422
    assert "Enter the model year (the VIN says 2019)." in text(response)
    assert cars() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vin": "2HKRW2H80KH612384"}, "check digit doesn"),
        ({"vin": "2HKRW2H8XKH61238"}, "17 characters"),
        ({"vin": "2HKRW2H8XKH61238O"}, "except I, O and Q"),
        ({"year": "2028"}, "from 1950 to 2027"),
        ({"year": "1800"}, "from 1950 to 2027"),
        ({"year": "soon"}, "from 1950 to 2027"),
        ({"make": ""}, "Enter the make"),
        ({"model": ""}, "Enter the model"),
        ({"model": "M" * 61}, "at most 60 characters"),
        ({"trim": "Sport\nLine"}, "one line"),
        ({"plate": "P" * 17}, "at most 16 characters"),
        ({"colour": "c" * 31}, "at most 30 characters"),
        ({"nickname": "n" * 41}, "at most 40 characters"),
        ({"mileage": "-1"}, "whole number"),
        ({"mileage": "2000001"}, "at most 2,000,000"),
        ({"mileage": "99999999999999999999"}, "whole number"),
    ],
)
def test_bad_input_is_named_and_nothing_is_saved(client, customer, changes, message):
    response = add(client, **changes)
    assert response.status_code == 422
    assert message in text(response).replace("&#39;", "'").replace("&#34;", '"')
    assert cars() == []


def test_a_form_without_its_csrf_token_saves_nothing(client, customer):
    response = client.post("/account/vehicles/new", data=GOOD)
    assert response.status_code in (400, 422)
    assert cars() == []


def test_the_same_vin_or_plate_twice_is_refused_naming_the_car(client, customer):
    assert add(client).status_code == 303
    response = add(client, plate="OTHER1", vin=CRV_VIN)
    assert response.status_code == 422
    assert "Your Family car · 2019 Honda CR-V EX already has this VIN" in text(response)
    response = add(client, vin="", plate="NJK-4821")  # the same plate typed another way
    assert response.status_code == 422
    assert "already has this plate" in text(response)
    assert len(cars()) == 1


def test_another_customer_may_save_the_same_car(client, customer, factories, login, app):
    factories.vehicle(owner=factories.customer(), vin=CRV_VIN, plate="NJK4821")
    assert add(client).status_code == 303
    assert len(cars()) == 2


def test_editing_a_car_keeps_the_rules(client, customer, factories):
    car = factories.vehicle(owner=customer, year=2012, make="Ford", model="Focus", plate="FOC1")
    other = factories.vehicle(owner=customer, year=2019, make="Honda", model="CR-V", vin=CRV_VIN)
    page = text(client.get(f"/account/vehicles/{car.id}/edit"))
    assert 'value="FOC1"' in page and 'value="2012"' in page
    data = {"year": "2012", "make": "Ford", "model": "Focus", "plate": "FOC-2", "mileage": "120000"}
    response = submit_form(client, f"/account/vehicles/{car.id}/edit", data)
    assert response.status_code == 303
    db.session.expire_all()
    assert (car.plate, car.mileage) == ("FOC2", 120000)
    response = submit_form(client, f"/account/vehicles/{car.id}/edit", {**data, "vin": CRV_VIN})
    assert response.status_code == 422 and "2019 Honda CR-V already has this VIN" in text(response)
    db.session.expire_all()
    assert car.vin is None and other.vin == CRV_VIN


def test_a_car_without_visits_is_deleted_one_with_visits_archived(client, customer, factories):
    spare = factories.vehicle(owner=customer, make="Kia", model="Rio", plate="RIO1")
    visited = factories.vehicle(owner=customer, make="Ford", model="Focus", vin=CRV_VIN)
    factories.appointment(customer=customer, vehicle=visited)
    page = text(client.get("/account/"))
    assert 'Remove<span class="visually-hidden"> 2018 Kia Rio' in page
    assert 'Archive<span class="visually-hidden"> 2018 Ford Focus' in page
    response = submit_form(client, "/account/", {}, action=f"/account/vehicles/{spare.id}/remove")
    assert response.status_code == 303
    response = submit_form(client, "/account/", {}, action=f"/account/vehicles/{visited.id}/remove")
    assert response.status_code == 303
    (left,) = cars()
    assert left.id == visited.id and left.archived_at == NOW
    page = text(client.get("/account/"))
    assert "was archived" in page and "Ford Focus" not in page.split("Your cars")[1]
    # The archived car's VIN is free for a new entry, and editing the archived one is refused.
    assert add(client).status_code == 303
    assert client.get(f"/account/vehicles/{visited.id}/edit").status_code == 404


def test_another_customers_car_cant_be_edited_or_removed(client, customer, factories):
    theirs = factories.vehicle(owner=factories.customer(), make="Audi", model="A4", plate="AUD1")
    assert client.get(f"/account/vehicles/{theirs.id}/edit").status_code == 404
    token = csrf_token_from(text(client.get("/account/vehicles/new")))
    response = client.post(
        f"/account/vehicles/{theirs.id}/edit", data={**GOOD, "csrf_token": token}
    )
    assert response.status_code == 404
    response = client.post(f"/account/vehicles/{theirs.id}/remove", data={"csrf_token": token})
    assert response.status_code == 404
    (car,) = cars()
    assert (car.make, car.plate, car.archived_at) == ("Audi", "AUD1", None)


def test_the_database_allows_one_active_car_per_vin_and_plate_in_an_account(factories):
    owner = factories.customer()
    first = factories.vehicle(owner=owner, vin=CRV_VIN, plate="ABC1")
    for fields in ({"vin": CRV_VIN}, {"plate": "ABC1"}):
        with pytest.raises(IntegrityError):
            factories.vehicle(owner=owner, **fields)
        db.session.rollback()
    first.archived_at = NOW
    db.session.commit()
    factories.vehicle(owner=owner, vin=CRV_VIN, plate="ABC1")  # the archived one doesn't count
    factories.vehicle(owner=None, vin=CRV_VIN, plate="ABC1")  # guests' cars aren't accounts
    factories.vehicle(owner=None, vin=CRV_VIN, plate="ABC1")
    assert len(cars()) == 4


# POSTs are walked without CSRF tokens (the check is off, as in the other matrices).
@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_every_car_route_answers_each_role_as_designed(app, factories):
    personas = make_personas(factories)
    car = factories.vehicle(owner=personas.customer_a, make="Audi", model="A4")
    theirs = factories.vehicle(owner=personas.customer_b, make="Kia", model="Rio")
    own_only = {
        "anonymous": LOGIN,
        "customer_a": 200,
        "customer_b": 404,
        "mechanic": 404,
        "admin": 404,
    }
    everyone = {
        "anonymous": LOGIN,
        "customer_a": 200,
        "customer_b": 200,
        "mechanic": 200,
        "admin": 200,
    }
    walk(
        app,
        personas,
        [
            Route("/account/vehicles/new", everyone),
            Route("/account/vehicles/vin?vin=2HKRW2H8XKH612384", everyone),
            Route("/book/vin-hint?vin=2HKRW2H8XKH612384", {**everyone, "anonymous": 200}),
            Route(f"/account/vehicles/{car.id}/edit", own_only),
            # Customer B's car: A (walked first) is refused; B removes it (it had no visits).
            Route(
                f"/account/vehicles/{theirs.id}/remove",
                {**own_only, "customer_a": 404, "customer_b": 303},
                method="POST",
            ),
            Route(
                "/account/vehicles/999999/edit",
                {k: (LOGIN if k == "anonymous" else 404) for k in own_only},
            ),
        ],
    )
    assert [v.id for v in cars()] == [car.id]


def test_the_demo_shops_saved_cars_have_vins_that_match_them(app):
    from autoshop.domain.vin import read_vin
    from autoshop.services import demo

    demo.seed(now=NOW)
    seeded = [car for car in cars() if car.vin]
    assert len(seeded) >= 5
    for car in seeded:
        info = read_vin(car.vin, latest_year=2027)
        assert (info.model_year, info.warning) == (car.year, None), car.label
    assert any(car.nickname for car in seeded)


def test_the_booking_flows_vin_hint_answers_anyone(client, factories):
    body = text(client.get("/book/vin-hint", query_string={"vin": "1g4ah59h45g118341"}))
    assert "2005 · North America" in body
    assert 'id="f-year"' in body and 'value="2005"' in body and 'hx-swap-oob="true"' in body
    body = text(
        client.get("/book/vin-hint", query_string={"vin": "1G4AH59H45G118341", "year": "9"})
    )
    assert "2005 · North America" in body and "hx-swap-oob" not in body
    assert "5 of 17" in text(client.get("/book/vin-hint", query_string={"vin": "1G4-AH"}))
    body = text(client.get("/book/vin-hint", query_string={"vin": "1G4AH59H45G11834Q"}))
    assert "except I, O and Q" in body
    body = text(client.get("/book/vin-hint", query_string={"vin": "x" * 5000}))
    assert "17 characters" in body  # cut to a bound, answered, not an error
    assert text(client.get("/book/vin-hint")).count("vin-hint") == 2  # empty: the bare region

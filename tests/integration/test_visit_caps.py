"""Waiting customers and drop-offs: the admin sets the caps, the API and the booking service
offer and accept only what fits the mode (both engines)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability, VisitMode
from autoshop.extensions import db
from autoshop.models import Location
from autoshop.services import booking
from autoshop.services.availability import busy_cache
from autoshop.services.booking import BookingRequest, GuestContact, VehicleDetails
from tests.conftest import submit_form
from tests.integration.test_admin_calendar import _location_form
from tests.integration.test_availability_api import count_statements

# Monday 2026-11-30, 08:00 in New York.
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_client(client, factories, login):
    login(factories.admin())
    return client


def _caps(location: Location) -> tuple[int | None, int | None, int | None]:
    db.session.refresh(location)
    return location.wait_cap, location.wait_cap_minutes, location.drop_off_cap


# --- the admin's booking rules -----------------------------------------------------------------


def test_admin_sets_and_clears_the_caps(admin_client, factories):
    location = factories.location(name="Main Street Auto")
    edit = f"/admin/calendar/{location.id}/details"
    page = admin_client.get(edit).get_data(as_text=True)
    assert "Waiting customers per interval" in page and "Drop-offs per morning" in page
    assert "8:00-9:00, 9:00-10:00" in page and "before noon" in page

    form = _location_form(wait_cap="3", wait_cap_minutes="60", drop_off_cap="8")
    assert submit_form(admin_client, edit, form).status_code == 302
    assert _caps(location) == (3, 60, 8)
    calendar = admin_client.get(f"/admin/calendar/{location.id}").get_data(as_text=True)
    assert "At most 3 starting every 1 h" in calendar
    assert "At most 8 before noon each day" in calendar

    form = _location_form(wait_cap="", wait_cap_minutes="", drop_off_cap="")
    assert submit_form(admin_client, edit, form).status_code == 302
    assert _caps(location) == (None, None, None)  # empty is no cap


@pytest.mark.parametrize(
    ("caps", "field", "message"),
    [
        ({"wait_cap": "0", "wait_cap_minutes": "60"}, "wait_cap", "must be at least 1"),
        ({"wait_cap": "-2", "wait_cap_minutes": "60"}, "wait_cap", "must be at least 1"),
        ({"wait_cap": "two", "wait_cap_minutes": "60"}, "wait_cap", "Not a valid integer"),
        ({"wait_cap": "2", "wait_cap_minutes": "0"}, "wait_cap_minutes", "at least 5 minutes"),
        ({"wait_cap": "2", "wait_cap_minutes": "-60"}, "wait_cap_minutes", "at least 5 minutes"),
        ({"wait_cap": "2", "wait_cap_minutes": "1500"}, "wait_cap_minutes", "at most 1440 minutes"),
        ({"wait_cap": "2"}, "wait_cap_minutes", "Give the interval the waiter cap is for."),
        ({"wait_cap_minutes": "60"}, "wait_cap", "Give how many waiting customers"),
        ({"drop_off_cap": "0"}, "drop_off_cap", "must be at least 1 drop-off"),
        ({"drop_off_cap": "-5"}, "drop_off_cap", "must be at least 1 drop-off"),
    ],
)
def test_bad_caps_show_an_error_and_save_nothing(admin_client, factories, caps, field, message):
    location = factories.location(name="Kept", wait_cap=4, wait_cap_minutes=30, drop_off_cap=6)
    edit = f"/admin/calendar/{location.id}/details"
    # A browser sends every field, an empty one as "".
    fields = {"wait_cap": "", "wait_cap_minutes": "", "drop_off_cap": "", **caps}
    response = submit_form(admin_client, edit, _location_form(name="Changed", **fields))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    db.session.refresh(location)
    assert location.name == "Kept"  # nothing saved, not even the valid fields
    assert _caps(location) == (4, 30, 6)


def test_the_database_refuses_a_zero_cap_that_skips_the_form(factories):
    location = factories.location()
    db.session.commit()
    for values in (
        {"wait_cap": 0, "wait_cap_minutes": 60},
        {"wait_cap": 2, "wait_cap_minutes": None},
        {"drop_off_cap": -1},
    ):
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(Location).where(Location.id == location.id).values(values))
            db.session.flush()
        db.session.rollback()


# --- the API ------------------------------------------------------------------------------------


@pytest.fixture
def shop(factories):
    location = factories.location(
        bays=[(f"Lift {i}", LIFT) for i in range(4)],
        wait_cap=1,
        wait_cap_minutes=60,
        drop_off_cap=1,
    )
    oil = factories.service("Oil change", duration_minutes=30, capability=Capability.LIFT)
    return {"location": location, "oil": oil}


def _book(shop, n: int, start: datetime, mode: VisitMode):
    return booking.book(
        BookingRequest(
            service_ids=[shop["oil"].id],
            starts_at=start,
            mode=mode,
            guest=GuestContact(name=f"Guest {n}", email=f"guest{n}@example.com"),
            vehicle=VehicleDetails(year=2020, make="Honda", model=f"Civic {n}"),
        ),
        now=NOW,
    )


def _starts(client, shop, **params) -> list[str]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(
        f"/api/v1/availability?services={shop['oil'].id}&start=2026-12-01&end=2026-12-01&{query}"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (day,) = response.get_json()["days"]
    return [slot["start"][11:16] for slot in day["slots"]]


def test_the_api_offers_what_fits_the_mode(client, shop):
    everything = _starts(client, shop)
    assert (
        everything == _starts(client, shop, mode="wait") == _starts(client, shop, mode="drop_off")
    )
    assert "09:00" in everything and "08:00" in everything

    _book(shop, 1, TUE_9 + timedelta(minutes=30), VisitMode.WAIT)  # 09:30: the 9-10 block is full
    _book(shop, 2, TUE_9 - timedelta(hours=1), VisitMode.DROP_OFF)  # 08:00: the morning is full

    waits = _starts(client, shop, mode="wait")
    assert not any(t.startswith("09:") for t in waits)
    assert "08:45" in waits and "10:00" in waits
    drop_offs = _starts(client, shop, mode="drop_off")
    assert drop_offs == [t for t in everything if t >= "12:00"]
    assert _starts(client, shop) == drop_offs  # drop_off is the default, as for booking


def test_the_api_refuses_an_unknown_mode(client, shop):
    response = client.get(
        f"/api/v1/availability?services={shop['oil'].id}&start=2026-12-01&end=2026-12-01"
        "&mode=teleport"
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "mode" in json.dumps(response.get_json())


def test_the_openapi_documents_the_mode(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/availability"]["get"]["parameters"]}
    assert params["mode"]["schema"]["enum"] == ["drop_off", "wait"]
    assert "waiting customers" in params["mode"]["description"]


def test_the_caps_cost_one_statement_whatever_the_range(client, shop):
    counts = {}
    oil = shop["oil"].id
    for end in ("2026-12-01", "2026-12-30"):
        for mode in ("wait", "drop_off"):
            busy_cache.clear()  # each as a process asking for the first time
            with count_statements() as statements:
                response = client.get(
                    f"/api/v1/availability?services={oil}&start=2026-12-01&end={end}&mode={mode}"
                )
            assert response.status_code == 200
            selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
            counts[end, mode] = len(selects)
    assert len(set(counts.values())) == 1, counts
    assert counts["2026-12-01", "wait"] <= 6


def test_booking_through_the_api_respects_the_cap(client, shop):
    _book(shop, 1, TUE_9, VisitMode.WAIT)
    body = {
        "services": [shop["oil"].id],
        "start": "2026-12-01T09:15:00-05:00",
        "mode": "wait",
        "vehicle": {"year": 2019, "make": "Honda", "model": "Civic"},
        "guest": {"name": "Gus", "email": "gus@example.com", "phone": "2015550100"},
    }
    response = client.post("/api/v1/appointments", json=body)
    assert response.status_code == 409, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["type"].endswith("waiting-room-full")
    assert "9:00 AM to 10:00 AM" in problem["detail"]
    assert problem["alternatives"]
    body["mode"] = "drop_off"
    assert client.post("/api/v1/appointments", json=body).status_code == 201

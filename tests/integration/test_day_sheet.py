"""The printable day sheet: a chosen day's visits per bay or per mechanic, in local time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

from autoshop.domain.status import AppointmentStatus as S

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # Tuesday 07:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def day(factories):
    """Wednesday Dec 2: two visits on Lift 1 (Mike's, and one nobody took), one on Lift 2 (Sam's),
    a cancelled one that no sheet shows."""
    location = factories.location(name="Main Street Auto")
    lift1, lift2 = location.bays
    mike = factories.mechanic(first_name="Mike", last_name="Diaz")
    sam = factories.mechanic(first_name="Sam", last_name="Lee")
    carla = factories.customer(first_name="Carla", last_name="Jones", phone="+15551234567")
    pads = factories.service("Brake pads", duration_minutes=90)
    oil = factories.service("Oil change", duration_minutes=30)
    subaru = factories.vehicle(
        carla,
        make="Subaru",
        model="Outback",
        plate="ABC123",
        vin="4S4BSANC5K3212345",
        mileage=61250,
    )
    factories.appointment(
        location=location,
        bay=lift1,
        starts_at=datetime(2026, 12, 2, 13, 30, tzinfo=UTC),  # 8:30 AM
        customer=carla,
        vehicle=subaru,
        services=[pads, oil],
        mechanic=mike,
        concern="Grinding from the front left",
        staff_notes="Customer declined rotors last time",
    )
    factories.appointment(
        location=location,
        bay=lift1,
        starts_at=datetime(2026, 12, 2, 19, 0, tzinfo=UTC),  # 2:00 PM
        guest_name="Gus Guest",
        guest_email="gus@example.com",
        guest_phone="+15559876543",
        vehicle=factories.vehicle(make="Ford", model="Focus"),
        services=[oil],
    )
    factories.appointment(
        location=location,
        bay=lift2,
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),  # 10:00 AM
        vehicle=factories.vehicle(make="Mazda", model="CX-5"),
        mechanic=sam,
    )
    factories.appointment(
        location=location,
        bay=lift2,
        starts_at=datetime(2026, 12, 2, 18, 0, tzinfo=UTC),
        vehicle=factories.vehicle(make="Kia", model="Rio"),
        status=S.CANCELLED,
    )
    factories.appointment(
        location=location,
        bay=lift2,
        starts_at=datetime(2026, 12, 3, 15, 0, tzinfo=UTC),  # Thursday
        vehicle=factories.vehicle(make="Volvo", model="XC60"),
    )
    return {"location": location, "mike": mike}


def _groups(page: str) -> dict[str, str]:
    """Each sheet's title and its HTML."""
    found = re.findall(
        r'<section class="sheet-group"[^>]*>\s*<h2[^>]*>(.*?) <span.*?</h2>(.*?)</section>',
        page,
        re.S,
    )
    return {title.strip(): body for title, body in found}


def test_the_sheet_by_bay_lists_each_bays_visits_in_time_order(client, day, login):
    login(day["mike"])
    response = client.get("/staff/day-sheet?date=2026-12-02&by=bay")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    groups = _groups(page)
    assert list(groups) == ["Lift 1", "Lift 2"]
    lift1 = groups["Lift 1"]
    assert lift1.index("8:30 AM–10:30 AM · 2018 Subaru Outback") < lift1.index("2:00 PM")
    for fact in (
        "ABC123",
        "4S4BSANC5K3212345",
        "61,250 mi",
        "Brake pads (1 h 30 min)",
        "Oil change (30 min)",
        "Carla Jones",
        "+15551234567",
        "Grinding from the front left",
        "Customer declined rotors last time",
        "Mike Diaz",
        "Gus Guest",
        "+15559876543",
        "Not assigned",
    ):
        assert fact in lift1, fact
    assert "Technician's notes" in lift1 and 'class="sheet-line"' in lift1
    lift2 = groups["Lift 2"]
    assert "10:00 AM–11:00 AM · 2018 Mazda CX-5" in lift2
    assert "Kia" not in page and "Volvo" not in page  # cancelled; another day
    assert "Wednesday, December 2, 2026" in page and "data-print" in page
    assert "js/staff.js" in page


def test_the_sheet_by_mechanic_gives_each_mechanic_their_visits(client, day, login):
    login(day["mike"])
    page = client.get("/staff/day-sheet?date=2026-12-02&by=mechanic").get_data(as_text=True)
    groups = _groups(page)
    assert list(groups) == ["Mike Diaz", "Sam Lee", "Not assigned yet"]
    assert "Subaru" in groups["Mike Diaz"] and "Lift 1" in groups["Mike Diaz"]
    assert "Mazda" in groups["Sam Lee"] and "Subaru" not in groups["Sam Lee"]
    assert "Ford Focus" in groups["Not assigned yet"]


def test_without_a_date_the_sheet_is_todays(client, factories, day, login):
    factories.appointment(
        location=day["location"],
        starts_at=datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
        vehicle=factories.vehicle(make="Tesla", model="Model 3"),
    )
    login(day["mike"])
    page = client.get("/staff/day-sheet").get_data(as_text=True)
    assert "Tuesday, December 1, 2026" in page and "11:00 AM–12:00 PM · 2018 Tesla" in page
    assert 'value="2026-12-01"' in page


def test_a_dst_day_shows_local_times(client, factories, login):
    """Sunday 2026-11-01, New York falls back at 2:00: the day has 25 hours."""
    location = factories.location(name="Main Street Auto")
    make = factories.vehicle
    for hour_utc, day_utc, name in (
        (4, 1, "Early"),  # 00:00 EDT: the first minute of Nov 1
        (14, 1, "Morning"),  # 09:00 EST (10:00 had the clocks not changed)
        (4, 2, "Late"),  # 23:00 EST, still Nov 1 in New York
        (5, 2, "Monday"),  # 00:00 EST Nov 2: the next day
    ):
        factories.appointment(
            location=location,
            bay=location.bays[0] if name != "Late" else location.bays[1],
            starts_at=datetime(2026, 11, day_utc, hour_utc, 0, tzinfo=UTC),
            vehicle=make(make="Acme", model=name),
            services=[factories.service(duration_minutes=30)],
        )
    login(factories.mechanic())
    page = client.get("/staff/day-sheet?date=2026-11-01").get_data(as_text=True)
    assert "12:00 AM–12:30 AM · 2018 Acme Early" in page
    assert "9:00 AM–9:30 AM · 2018 Acme Morning" in page
    assert "11:00 PM–11:30 PM · 2018 Acme Late" in page
    assert "Acme Monday" not in page
    assert "Sunday, November 1, 2026" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date=2026-13-01", "Give the date as YYYY-MM-DD"),
        ("date=yesterday", "Give the date as YYYY-MM-DD"),
        ("date=1999-12-31", "Give a date from January 1, 2000"),
        ("date=2026-12-02&by=colour", "Show the sheet by bay or by mechanic."),
        ("date=2026-12-02&location=77", "Choose one of the shop&#39;s locations."),
    ],
)
def test_bad_choices_get_a_400_with_a_message(client, day, login, query, message):
    login(day["mike"])
    response = client.get(f"/staff/day-sheet?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "sheet-visit" not in response.get_data(as_text=True)


def test_customers_get_403(client, day, factories, login):
    login(factories.customer())
    assert client.get("/staff/day-sheet?date=2026-12-02").status_code == 403

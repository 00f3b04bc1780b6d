"""The admin appointment list: dates in the shop's zone, filters, search, sorting, pages, CSV."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import BookingSource
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment
from autoshop.services import booking
from autoshop.services.booking import BookingRequest, GuestContact, VehicleDetails
from tests.support.access import LOGIN, Route, make_personas, walk

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
LIST = "/admin/appointments"


@pytest.fixture(autouse=True)
def frozen():
    """Every test runs at NOW (logins included, so sessions are never from the future)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    location = factories.location(name="Main Street Auto")
    return {
        "location": location,
        "lift1": location.bays[0],
        "lift2": location.bays[1],
        "oil": factories.service("Oil change", duration_minutes=30),
        "brakes": factories.service("Brake pads", duration_minutes=60),
    }


@pytest.fixture
def admin_client(client, factories, login):
    login(factories.admin(email="boss@example.com"))
    return client


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December `day`, `hour`:`minute` in New York (UTC-5 in December)."""
    return datetime(2026, 12, day, tzinfo=UTC) + timedelta(hours=hour + 5, minutes=minute)


def visit(factories, shop, when: datetime, **fields):
    fields.setdefault("services", [shop["oil"]])
    return factories.appointment(location=shop["location"], starts_at=when, **fields)


def shown(response) -> list[str]:
    """The references of the rows listed, in order."""
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    return [
        part.split('"', 1)[0]
        for part in html.split('href="/staff/appointments/')[1:]
        if "fw-semibold" in part.split(">", 1)[0]
    ]


def refs(*appointments) -> list[str]:
    return [a.reference for a in appointments]


def test_only_admins_see_the_list_and_the_export(app, factories):
    expect = {
        "anonymous": LOGIN,
        "customer_a": 403,
        "customer_b": 403,
        "mechanic": 403,
        "admin": 200,
    }
    walk(
        app,
        make_personas(factories),
        [Route(LIST, expect), Route(f"{LIST}.csv", expect), Route(f"{LIST}?q=x", expect)],
    )


def test_the_default_is_today_to_a_week_ahead_in_the_shop_zone(admin_client, factories, shop):
    yesterday = visit(factories, shop, datetime(2026, 11, 30, 4, 30, tzinfo=UTC))  # Nov 29 23:30
    today = visit(factories, shop, at(1, 9) - timedelta(days=1))  # Nov 30 09:00
    in_a_week = visit(factories, shop, at(7, 17))
    too_far = visit(factories, shop, at(8, 9))
    response = admin_client.get(LIST)
    assert shown(response) == refs(today, in_a_week)
    html = response.get_data(as_text=True)
    assert 'value="2026-11-30"' in html and 'value="2026-12-07"' in html
    assert yesterday.reference not in html and too_far.reference not in html
    assert "2 appointments from Nov 30, 2026 to Dec 7, 2026" in html
    assert "Mon Nov 30, 9:00 AM" in html  # shown in the shop's zone


def test_a_date_range_is_local_days_of_the_location(admin_client, factories, shop):
    late = visit(factories, shop, at(1, 23, 30))  # 04:30 UTC on Dec 2
    early = visit(factories, shop, at(2, 0, 15))
    assert shown(admin_client.get(f"{LIST}?start=2026-12-01&end=2026-12-01")) == refs(late)
    assert shown(admin_client.get(f"{LIST}?start=2026-12-02&end=2026-12-02")) == refs(early)
    # One date alone: a week from it (or up to it).
    assert shown(admin_client.get(f"{LIST}?start=2026-12-02")) == refs(early)
    assert shown(admin_client.get(f"{LIST}?end=2026-12-01")) == refs(late)


def test_a_range_over_a_dst_change_uses_each_days_offset(admin_client, factories, shop):
    before = visit(factories, shop, datetime(2026, 11, 1, 4, 30, tzinfo=UTC))  # Oct 31 00:30 EDT
    after = visit(factories, shop, datetime(2026, 11, 2, 4, 30, tzinfo=UTC))  # Nov 1 23:30 EST
    assert shown(admin_client.get(f"{LIST}?start=2026-10-31&end=2026-11-01")) == refs(before, after)
    assert shown(admin_client.get(f"{LIST}?start=2026-11-02&end=2026-11-02")) == []


def test_filters_by_status_bay_mechanic_service_and_who_booked(admin_client, factories, shop):
    mike = factories.mechanic(first_name="Mike", last_name="Chen")
    scheduled = visit(factories, shop, at(1, 9), bay=shop["lift1"], mechanic=mike)
    done = visit(
        factories,
        shop,
        at(1, 11),
        bay=shop["lift2"],
        status=AppointmentStatus.COMPLETED,
        services=[shop["brakes"]],
        source=BookingSource.STAFF,
    )
    waiting = visit(
        factories, shop, at(2, 9), status=AppointmentStatus.WAITING_ON_PARTS, mechanic=mike
    )
    page = f"{LIST}?start=2026-12-01&end=2026-12-02"
    assert shown(admin_client.get(f"{page}&status=completed")) == refs(done)
    assert shown(admin_client.get(f"{page}&status=scheduled&status=waiting_on_parts")) == refs(
        scheduled, waiting
    )
    assert shown(admin_client.get(f"{page}&bay={shop['lift2'].id}")) == refs(done)
    assert shown(admin_client.get(f"{page}&mechanic={mike.id}")) == refs(scheduled, waiting)
    assert shown(admin_client.get(f"{page}&mechanic=unassigned")) == refs(done)
    assert shown(admin_client.get(f"{page}&service={shop['brakes'].id}")) == refs(done)
    assert shown(admin_client.get(f"{page}&source=staff")) == refs(done)
    assert shown(admin_client.get(f"{page}&source=online")) == refs(scheduled, waiting)
    assert shown(admin_client.get(f"{page}&location={shop['location'].id}")) == refs(
        scheduled, done, waiting
    )


def test_a_second_location_is_filtered_apart(admin_client, factories, shop):
    here = visit(factories, shop, at(1, 9))
    other = factories.location(name="Airport Road", timezone="America/Los_Angeles")
    there = factories.appointment(
        location=other,
        starts_at=datetime(2026, 12, 2, 7, 30, tzinfo=UTC),  # Dec 1 23:30 PST
    )
    page = f"{LIST}?start=2026-12-01&end=2026-12-01"
    assert shown(admin_client.get(page)) == refs(here, there)
    assert shown(admin_client.get(f"{page}&location={other.id}")) == refs(there)
    html = admin_client.get(page).get_data(as_text=True)
    assert "Tue Dec 1, 11:30 PM" in html  # in its own location's zone
    assert "Airport Road: Lift 1" in html  # bays are told apart by location


#: How staff might type what they know about Maria Garcia and her car.
TYPED_FOR_MARIA = [
    "garcia",  # part of an account's name, any case
    "MARIA G",
    "maria.garcia@EX",  # part of the email
    "(201) 555-0147",  # the phone as people type it
    "555-0147",
    "njk 4821",  # the plate without its dash
    "NJK-48",
    "118341",  # the end of the VIN
]


def test_one_box_finds_a_customer_by_name_email_phone_plate_or_vin(admin_client, factories, shop):
    maria = factories.customer(
        first_name="Maria",
        last_name="Garcia",
        email="maria.garcia@example.com",
        phone="+12015550147",
    )
    car = factories.vehicle(owner=maria, plate="NJK-4821", vin="1G4AH59H45G118341")
    hers = visit(factories, shop, at(1, 9), customer=maria, vehicle=car)
    visit(factories, shop, at(1, 10))  # someone else
    for typed in TYPED_FOR_MARIA:
        assert shown(admin_client.get(LIST, query_string={"q": typed})) == refs(hers), typed


def test_a_name_search_spans_first_and_last_names_with_spaces_in_them(
    admin_client, factories, shop
):
    mary = factories.customer(first_name="Mary Ann", last_name="De La Cruz")
    hers = visit(factories, shop, at(1, 9), customer=mary)
    ann = factories.customer(first_name="Ann", last_name="Delacroix")
    other = visit(factories, shop, at(1, 10), customer=ann)
    for typed in ("mary ann de la", "ann de la cruz", "y ann d", "de la cruz", "Mary An"):
        assert shown(admin_client.get(LIST, query_string={"q": typed})) == refs(hers), typed
    assert shown(admin_client.get(LIST, query_string={"q": "ann de"})) == refs(hers, other)
    assert shown(admin_client.get(LIST, query_string={"q": "cruz mary"})) == []


def test_one_box_finds_a_guest_and_a_reference(admin_client, factories, shop):
    guest = visit(
        factories,
        shop,
        at(1, 9),
        customer=None,
        guest_name="Olu Bankole",
        guest_email="olu@example.net",
        guest_phone="+12015550199",
        reference="QX7PL2MA",
    )
    visit(factories, shop, at(1, 10))
    for typed in ("bankole", "OLU@example", "201 555 0199", "qx7pl", "QX7PL2MA"):
        assert shown(admin_client.get(LIST, query_string={"q": typed})) == refs(guest), typed
    # Wildcards are searched for as characters.
    assert shown(admin_client.get(LIST, query_string={"q": "%"})) == []
    assert shown(admin_client.get(LIST, query_string={"q": "_"})) == []


def test_sorting_by_start_customer_status_and_bay(admin_client, factories, shop):
    zed = factories.customer(first_name="Zed", last_name="Young")
    amy = factories.customer(first_name="amy", last_name="Brown")
    first = visit(factories, shop, at(1, 9), customer=zed, bay=shop["lift2"])
    second = visit(factories, shop, at(1, 11), customer=amy, status=AppointmentStatus.IN_PROGRESS)
    guest = visit(
        factories,
        shop,
        at(1, 13),
        customer=None,
        guest_name="Maya Ortiz",
        guest_email="m@example.com",
        status=AppointmentStatus.CANCELLED,
        bay=shop["lift2"],
    )
    page = f"{LIST}?start=2026-12-01&end=2026-12-01"
    assert shown(admin_client.get(page)) == refs(first, second, guest)
    assert shown(admin_client.get(f"{page}&order=desc")) == refs(guest, second, first)
    assert shown(admin_client.get(f"{page}&sort=customer")) == refs(second, guest, first)
    assert shown(admin_client.get(f"{page}&sort=customer&order=desc")) == refs(first, guest, second)
    assert shown(admin_client.get(f"{page}&sort=status")) == refs(first, second, guest)
    assert shown(admin_client.get(f"{page}&sort=bay")) == refs(second, first, guest)
    html = admin_client.get(f"{page}&sort=bay&order=desc").get_data(as_text=True)
    assert 'aria-sort="descending"' in html


def _many(factories, shop, count: int, day: int = 1) -> list[Appointment]:
    customer = factories.customer()
    made = []
    for n in range(count):
        bay = shop["lift1"] if n % 2 == 0 else shop["lift2"]
        made.append(
            visit(
                factories,
                shop,
                at(day, 7) + timedelta(minutes=40 * (n // 2)),
                bay=bay,
                customer=customer,
                vehicle=factories.vehicle(owner=customer),
            )
        )
    return made


def test_pages_of_25_50_or_100(admin_client, factories, shop):
    made = _many(factories, shop, 30)
    page = f"{LIST}?start=2026-12-01&end=2026-12-02"
    first = admin_client.get(page)
    assert shown(first) == refs(*made[:25])
    assert "showing 1–25" in first.get_data(as_text=True)
    second = admin_client.get(f"{page}&page=2")
    assert shown(second) == refs(*made[25:])
    assert "Page 2 of 2" in second.get_data(as_text=True)
    assert shown(admin_client.get(f"{page}&per_page=50")) == refs(*made)
    beyond = admin_client.get(f"{page}&page=9")
    assert shown(beyond) == []
    html = beyond.get_data(as_text=True)
    assert "Page 9 is past the end: 30 appointments fit on 2 pages." in html
    assert "Go to the last page" in html


BAD_FILTERS = [
    ("status=parked", "Choose statuses from the list."),
    ("start=2026-12-05&end=2026-12-01", "The end date is before the start date."),
    ("start=2026-01-01&end=2027-01-02", "Show at most 366 days at a time."),
    ("start=1066-10-14", "Choose dates in the years"),
    ("start=yesterday", "Not a valid date value."),
    ("bay=lift", "Choose a bay from the list."),
    ("bay=99999", "Choose a bay from the list."),
    ("location=7x", "Choose a location from the list."),
    ("location=424242", "Choose a location from the list."),
    ("mechanic=424242", "Choose a mechanic from the list."),
    ("service=-1", "Choose a service from the list."),
    ("source=phone", "Choose online or by staff."),
    ("sort=price", "Choose a sort order from the list."),
    ("per_page=1000", "Choose 25, 50 or 100 rows per page."),
    ("page=abc", "The page number is a whole number from 1."),
    ("page=0", "The page number is a whole number from 1."),
    ("q=" + "x" * 101, "Field cannot be longer than 100 characters."),
    ("q=a%0Ab", "line"),
]


def test_bad_filters_are_explained_never_a_server_error(admin_client, factories, shop):
    visit(factories, shop, at(1, 9))
    for query, message in BAD_FILTERS:
        response = admin_client.get(f"{LIST}?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert "be shown with these filters:" in html, query
        assert message in html, query
        assert shown(response) == [], query
        export = admin_client.get(f"{LIST}.csv?{query}")
        assert export.status_code == 400, query
        assert message in export.get_data(as_text=True), query


def test_a_range_of_366_days_is_allowed(admin_client, factories, shop):
    hit = visit(factories, shop, at(1, 9))
    assert shown(admin_client.get(f"{LIST}?start=2026-01-01&end=2026-12-31")) == refs(hit)


def test_the_csv_has_every_match_in_local_time_and_no_formulas(admin_client, factories, shop):
    made = _many(factories, shop, 30)
    risky = visit(
        factories,
        shop,
        at(2, 9),
        customer=None,
        guest_name='=HYPERLINK("http://evil.example","click")',
        guest_email="@evil.example",
        guest_phone="+12015550100",
        source=BookingSource.STAFF,
    )
    visit(factories, shop, at(9, 9))  # outside the range
    response = admin_client.get(f"{LIST}.csv?start=2026-12-01&end=2026-12-02&per_page=25")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Reference"] for r in rows] == refs(*made, risky)  # all of them, not one page
    first = rows[0]
    assert (first["Date"], first["Time"], first["Time zone"]) == (
        "2026-12-01",
        "07:00",
        "America/New_York",
    )
    last = rows[-1]
    assert last["Customer"] == '\'=HYPERLINK("http://evil.example","click")'
    assert last["Email"] == "'@evil.example"
    assert last["Phone"] == "'+12015550100"
    assert last["Booked"] == "By staff"


def test_the_csv_follows_the_filters_and_sort(admin_client, factories, shop):
    a = visit(factories, shop, at(1, 9), status=AppointmentStatus.COMPLETED)
    b = visit(factories, shop, at(1, 11), status=AppointmentStatus.COMPLETED)
    visit(factories, shop, at(1, 13))
    response = admin_client.get(
        f"{LIST}.csv?start=2026-12-01&end=2026-12-01&status=completed&order=desc"
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Reference"] for r in rows] == refs(b, a)


def test_htmx_gets_just_the_results(admin_client, factories, shop):
    hit = visit(factories, shop, at(1, 9))
    response = admin_client.get(
        LIST,
        query_string={"q": hit.reference},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<form" not in html
    assert shown(response) == refs(hit)
    assert "HX-Target" in response.headers["Vary"]
    # A boosted link (sorting, paging) gets the whole page; it swaps the main part.
    boosted = admin_client.get(LIST, headers={"HX-Request": "true", "HX-Target": "main"})
    assert "<form" in boosted.get_data(as_text=True)


def test_rows_link_to_the_staff_appointment_page(admin_client, factories, shop):
    hit = visit(factories, shop, at(1, 9))
    html = admin_client.get(LIST).get_data(as_text=True)
    assert f'href="/staff/appointments/{hit.reference}"' in html
    assert admin_client.get(f"/staff/appointments/{hit.reference}").status_code == 200


@contextmanager
def count_statements():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("size", [25, 100])
def test_a_page_costs_at_most_ten_statements_whatever_its_size(admin_client, factories, shop, size):
    mechanic = factories.mechanic()
    customers = [factories.customer() for _ in range(3)]
    for n in range(size):
        owner = customers[n % 3] if n % 4 else None
        visit(
            factories,
            shop,
            at(1 + n // 20, 7) + timedelta(minutes=100 * (n % 20 // 2)),
            bay=shop["lift1"] if n % 2 == 0 else shop["lift2"],
            customer=owner,
            guest_name="" if owner else f"Guest {n}",
            guest_email="" if owner else f"guest{n}@example.com",
            vehicle=factories.vehicle(owner=owner),
            mechanic=mechanic if n % 3 else None,
            services=[shop["oil"], shop["brakes"]] if n % 5 == 0 else [shop["oil"]],
        )
    page = f"{LIST}?start=2026-12-01&end=2026-12-31&per_page={size}"
    admin_client.get(page)  # the session's first request loads what every page loads
    # Sorted by a joined column, searched (the search box adds id lists, not statements).
    for query in ("", "&sort=customer&order=desc", "&sort=bay&q=example"):
        with count_statements() as statements:
            response = admin_client.get(page + query)
        assert len(shown(response)) == size, query
        assert len(statements) <= 10, "\n".join(statements)


def test_staff_and_online_bookings_are_recorded_as_such(factories, shop):
    admin = factories.admin()
    customer = factories.customer()
    car = VehicleDetails(year=2019, make="Honda", model="CR-V")
    starts = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    online = booking.book(
        BookingRequest(
            service_ids=[shop["oil"].id], starts_at=starts, customer=customer, vehicle=car
        ),
        now=NOW,
    )
    phoned = booking.book(
        BookingRequest(
            service_ids=[shop["oil"].id],
            starts_at=starts,
            guest=GuestContact(name="Walk In", email="walk.in@example.com"),
            vehicle=car,
            by_staff=admin,
        ),
        now=NOW,
    )
    db.session.expire_all()
    online, phoned = db.session.get(Appointment, online.id), db.session.get(Appointment, phoned.id)
    assert (online.source, online.booked_by_id) == (BookingSource.ONLINE, None)
    assert (phoned.source, phoned.booked_by_id) == (BookingSource.STAFF, admin.id)


def test_the_demo_shop_has_phone_bookings(app):
    from autoshop.services import demo

    demo.seed(now=NOW)
    sources = db.session.scalars(sa.select(Appointment.source)).all()
    assert BookingSource.STAFF in sources and BookingSource.ONLINE in sources

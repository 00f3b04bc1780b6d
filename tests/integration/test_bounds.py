"""Bounds at every edge: numbers out of range, NUL bytes, lone surrogates and line breaks get a
clear 4xx (a form error or problem+json), never a 500, and the database refuses them too."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability
from autoshop.extensions import db
from autoshop.models import Appointment, Closure, Location, Service, User, Vehicle
from tests.conftest import csrf_token_from, submit_form

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
START = "2026-12-01T09:00:00-05:00"
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]
CAR = {"year": 2019, "make": "Honda", "model": "CR-V"}
GUEST = {"name": "Gus Guest", "email": "gus@example.com", "phone": "(201) 555-0100"}
TOO_BIG = 2**63
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    location = factories.location(bays=[("Lift 1", LIFT)], address="12 Main St")
    return {"location": location, "oil": factories.service("Oil change", duration_minutes=30)}


@pytest.fixture
def admin_client(client, factories, login):
    login(factories.admin())
    return client


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _booking(shop, **changes):
    body = {"services": [shop["oil"].id], "start": START, "vehicle": CAR, "guest": GUEST}
    body.update(changes)
    return body


# --- the catalog: an absurd service can't be saved, so it can't break the booking pages --------


def _service_form(category_id: int, **overrides: object) -> dict[str, object]:
    return {
        "name": "Oil change",
        "category_id": category_id,
        "description": "",
        "duration_minutes": "45",
        "price_kind": "fixed",
        "price_min": "49.99",
        "price_max": "",
        "capability": "lift",
        "active": "y",
        "sort_order": "0",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"duration_minutes": str(10**12)}, "The duration can be at most 1440 minutes."),
        ({"duration_minutes": "1441"}, "The duration can be at most 1440 minutes."),
        ({"price_min": "30,000,000"}, "A price can be at most $100,000."),
        (
            {"price_kind": "range", "price_min": "50", "price_max": "100000.01"},
            "A price can be at most $100,000.",
        ),
        ({"sort_order": str(10**12)}, "The order can be at most 1,000,000."),
    ],
    ids=["duration-huge", "duration-over-a-day", "price-huge", "range-max-huge", "order-huge"],
)
def test_admin_cannot_save_a_service_out_of_range(admin_client, factories, shop, overrides, says):
    category = factories.category("Maintenance")
    response = submit_form(
        admin_client, "/admin/catalog/services/new", _service_form(category.id, **overrides)
    )
    assert response.status_code == 200
    assert says in response.get_data(as_text=True)
    assert _count(Service) == 1  # only the shop's oil change


def test_the_largest_allowed_service_still_books_and_lists(admin_client, client, factories, shop):
    category = factories.category("Engine")
    response = submit_form(
        admin_client,
        "/admin/catalog/services/new",
        _service_form(
            category.id,
            name="Engine rebuild",
            duration_minutes="1440",
            price_kind="range",
            price_min="99,999.99",
            price_max="100,000",
        ),
    )
    assert response.status_code == 302
    service = db.session.scalar(sa.select(Service).where(Service.name == "Engine rebuild"))
    assert (service.duration_minutes, service.price_max_cents) == (1440, 10_000_000)
    query = f"services={service.id}&start=2026-12-01&end=2026-12-31"
    assert client.get(f"/api/v1/availability?{query}").status_code == 200
    assert client.get(f"/book?services={service.id}").status_code == 200
    assert client.get("/services").status_code == 200


# --- the shop's booking rules -------------------------------------------------------------------


def _location_form(**overrides: object) -> dict[str, object]:
    return {
        "name": "Main Street Auto",
        "address": "12 Main St, Springfield",
        "phone": "(201) 555-0147",
        "email": "service@example.com",
        "timezone": "America/New_York",
        "slot_interval_minutes": "15",
        "minimum_notice_minutes": "120",
        "horizon_days": "60",
        "buffer_minutes": "10",
        "cancellation_cutoff_hours": "24",
        "reminder_leads": "1440, 120",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"slot_interval_minutes": str(10**12)}, "can be at most 240 minutes"),
        ({"slot_interval_minutes": "1"}, "must be at least 5 minutes"),
        ({"minimum_notice_minutes": str(10**12)}, "can be at most 43,200 minutes"),
        ({"horizon_days": str(10**12)}, "can be at most 730 days"),
        ({"buffer_minutes": str(10**12)}, "can be at most 240 minutes"),
        ({"cancellation_cutoff_hours": str(10**12)}, "can be at most 720 hours"),
        ({"reminder_leads": f"1440, {10**12}"}, "can be at most 20,160 minutes before"),
        ({"reminder_leads": "10, 20, 30, 40, 50"}, "At most 4 reminders"),
        ({"name": "Main\r\nStreet"}, "on one line"),
        ({"address": "12 Main St\nSpringfield"}, "on one line"),
    ],
    ids=[
        "interval-huge",
        "interval-tiny",
        "notice",
        "horizon",
        "buffer",
        "cutoff",
        "reminder-lead",
        "reminder-count",
        "name-crlf",
        "address-lf",
    ],
)
def test_admin_cannot_save_booking_rules_out_of_range(admin_client, shop, overrides, says):
    location = shop["location"]
    response = submit_form(
        admin_client, f"/admin/calendar/{location.id}/details", _location_form(**overrides)
    )
    assert response.status_code == 200
    assert says in response.get_data(as_text=True)
    db.session.refresh(location)
    assert location.slot_interval_minutes == 15 and "\n" not in location.name


# --- the booking API: numbers, ids and dates -----------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "9999-12-31T23:59:00-05:00"}, "start"),
        ({"start": "0001-01-01T00:00:00+05:00"}, "start"),
        ({"vehicle": {"id": TOO_BIG}}, "vehicle"),
        ({"services": [TOO_BIG]}, "services"),
        ({"location": TOO_BIG}, "location"),
        ({"vehicle": {**CAR, "year": 10**12}}, "vehicle"),
        ({"vehicle": {**CAR, "mileage": 10**12}}, "vehicle"),
    ],
    ids=["year-9999", "year-1", "vehicle-id", "service-id", "location-id", "year", "mileage"],
)
def test_api_refuses_numbers_out_of_range(client, shop, change, field):
    response = client.post("/api/v1/appointments", json=_booking(shop, **change))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]["json"]
    assert _count(Appointment) == 0


@pytest.mark.parametrize(
    "query",
    [
        "services={oil}&start=9999-12-01&end=9999-12-31",
        "services={oil}&start=0001-01-01&end=0001-01-02",
        "services={oil}&start=2026-12-01&end=2026-12-02&location=" + str(TOO_BIG),
        "services=" + str(TOO_BIG) + "&start=2026-12-01&end=2026-12-02",
    ],
    ids=["year-9999", "year-1", "location-id", "service-id"],
)
def test_availability_refuses_dates_and_ids_out_of_range(client, shop, query):
    response = client.get("/api/v1/availability?" + query.format(oil=shop["oil"].id))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "query",
    ["start=9999-12-31", "end=0001-01-01", "offset=" + str(TOO_BIG), "limit=" + str(TOO_BIG)],
)
def test_appointment_list_refuses_dates_out_of_range(client, factories, login, query):
    login(factories.admin())
    response = client.get("/api/v1/appointments?" + query)
    assert response.status_code == 422, response.get_data(as_text=True)


def test_reschedule_to_year_9999_is_a_422(client, shop, factories, login):
    customer = factories.customer()
    appointment = factories.appointment(customer=customer, location=shop["location"])
    login(customer)
    response = client.post(
        f"/api/v1/appointments/{appointment.reference}/reschedule",
        json={"start": "9999-12-31T23:59:00-05:00"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)


# --- ids in paths and query strings --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/catalog/services/{TOO_BIG}/edit",
        f"/admin/catalog/categories/{TOO_BIG}/edit",
        f"/admin/calendar/{TOO_BIG}",
        f"/admin/calendar/{TOO_BIG}/details",
        f"/admin/calendar/bays/{TOO_BIG}/edit",
        f"/admin/notifications/{TOO_BIG}",
        f"/admin/calendar/?location={TOO_BIG}",
    ],
)
def test_ids_beyond_64_bits_in_paths_are_not_found(admin_client, shop, path):
    response = admin_client.get(path, follow_redirects=True)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/catalog/services/new?category={TOO_BIG}",
        f"/book?services={TOO_BIG}",
        f"/book?services=1&vehicle={TOO_BIG}",
        "/book?services=²&vehicle=²&year=²&mileage=" + "9" * 5000,
        f"/admin/notifications?page={TOO_BIG}",
    ],
)
def test_ids_beyond_64_bits_in_query_strings_are_not_a_500(admin_client, shop, path):
    assert admin_client.get(path).status_code == 200


def test_book_page_with_a_huge_service_id_says_it_is_not_valid(client, shop):
    response = client.get(f"/book?services={TOO_BIG}&step=services")
    assert response.status_code == 200
    assert "One of the chosen services isn&#39;t valid" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "params",
    ["day=9999-12-31", "month=9999-12", "day=0001-01-01", "month=0001-01"],
)
def test_book_calendar_far_dates_are_not_a_500(client, shop, params):
    response = client.get(
        f"/book?services={shop['oil'].id}&vehicle=new&year=2019&make=Honda&model=Civic&{params}"
    )
    assert response.status_code == 200


# --- NUL bytes and lone surrogates ---------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"concern": "rattles \ud800"},
        {"concern": "rattles \x00"},
        {"vehicle": {**CAR, "make": "Ford\x00"}},
        {"guest": {**GUEST, "name": "Gus \udfff"}},
    ],
    ids=["surrogate-concern", "nul-concern", "nul-make", "surrogate-name"],
)
def test_api_refuses_nul_and_lone_surrogates(client, shop, change):
    response = client.post("/api/v1/appointments", json=_booking(shop, **change))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert _count(Appointment) == 0


def test_api_refuses_a_surrogate_escape_in_raw_json(client, shop):
    raw = json.dumps(_booking(shop, concern="SURROGATE")).replace("SURROGATE", "\\ud800")
    assert "\\ud800" in raw
    response = client.post(
        "/api/v1/appointments", data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert _count(Appointment) == 0


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/appointments/AB%00CD", 404),
        ("/api/v1/appointments/AB%00CD", 404),
        ("/book?make=Ford%00", 422),
        ("/api/v1/availability?services=1&start=2026-12-01%00&end=2026-12-02", 422),
        ("/services?q=%00", 422),
    ],
)
def test_nul_in_a_url_is_refused(client, shop, factories, login, path, status):
    login(factories.customer())
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_nul_in_an_html_form_is_an_error_page(client, factories, login):
    customer = factories.customer()
    login(customer)
    response = submit_form(
        client,
        "/account/",
        {"first_name": "Ann\x00", "last_name": "Lee", "phone": "", "email_opt_in": "y"},
    )
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert "can&#39;t be stored" in response.get_data(as_text=True)
    db.session.refresh(customer)
    assert "\x00" not in customer.first_name


def test_json_clients_get_problem_json_for_nul_in_a_form(client):
    response = client.get("/services?x=%00", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


# --- line breaks in single-line fields -----------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"vehicle": {**CAR, "make": "Ford\r\nBcc: x@example.org"}},
        {"vehicle": {**CAR, "model": "F-150\n"}},
        {"vehicle": {**CAR, "trim": "XL\rT"}},
        {"vehicle": {**CAR, "plate": "AB\n12"}},
        {"guest": {**GUEST, "name": "Gus\r\nBcc: x@example.org"}},
    ],
    ids=["make", "model", "trim", "plate", "guest-name"],
)
def test_api_refuses_line_breaks_in_single_line_fields(client, shop, change):
    response = client.post("/api/v1/appointments", json=_booking(shop, **change))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "one line" in response.get_data(as_text=True)
    assert _count(Appointment) == 0 and _count(Vehicle) == 0


def test_a_multi_line_concern_is_fine(client, shop):
    response = client.post(
        "/api/v1/appointments", json=_booking(shop, concern="Rattles.\r\nWorse when cold.")
    )
    assert response.status_code == 201, response.get_json()


# --- the database refuses what the edges refuse --------------------------------------------------


def _refused(statement) -> None:
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(statement)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("duration_minutes", 0),
        ("duration_minutes", 1441),
        ("price_min_cents", -1),
        ("price_max_cents", 10_000_001),
        ("sort_order", -1),
        ("sort_order", 1_000_001),
    ],
)
def test_database_refuses_services_out_of_range(shop, column, value):
    _refused(sa.update(Service).where(Service.id == shop["oil"].id).values({column: value}))


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("slot_interval_minutes", 4),
        ("slot_interval_minutes", 241),
        ("minimum_notice_minutes", 43_201),
        ("horizon_days", 0),
        ("horizon_days", 731),
        ("buffer_minutes", 241),
        ("buffer_minutes", -1),
        ("cancellation_cutoff_hours", 721),
        ("reminder_leads_minutes", [1440, 20_161]),
        ("reminder_leads_minutes", [0]),
        ("reminder_leads_minutes", [1, 2, 3, 4, 5]),
        ("reminder_leads_minutes", {"a": 1}),
        ("reminder_leads_minutes", ["60"]),
    ],
)
def test_database_refuses_booking_rules_out_of_range(shop, column, value):
    location = shop["location"]
    _refused(sa.update(Location).where(Location.id == location.id).values({column: value}))


@pytest.mark.parametrize(
    ("column", "value"),
    [("year", 1949), ("year", 2101), ("mileage", -1), ("mileage", 2_000_001)],
)
def test_database_refuses_vehicles_out_of_range(factories, column, value):
    vehicle = factories.vehicle()
    _refused(sa.update(Vehicle).where(Vehicle.id == vehicle.id).values({column: value}))


@pytest.mark.parametrize(
    "starts_at",
    [datetime(1999, 12, 31, 23, 0, tzinfo=UTC), datetime(2101, 1, 1, 0, 0, tzinfo=UTC)],
)
def test_database_refuses_appointments_outside_sane_years(shop, factories, starts_at):
    appointment = factories.appointment(location=shop["location"])
    _refused(
        sa.update(Appointment)
        .where(Appointment.id == appointment.id)
        .values(starts_at=starts_at, ends_at=starts_at + HOUR, block_ends_at=starts_at + HOUR)
    )


def test_database_accepts_the_bounds_themselves(shop, factories):
    location = shop["location"]
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(Location)
            .where(Location.id == location.id)
            .values(
                slot_interval_minutes=240,
                minimum_notice_minutes=43_200,
                horizon_days=730,
                buffer_minutes=240,
                cancellation_cutoff_hours=720,
                reminder_leads_minutes=[20_160, 10, 5, 1],
            )
        )
        conn.execute(
            sa.update(Service)
            .where(Service.id == shop["oil"].id)
            .values(duration_minutes=1440, price_min_cents=0, price_max_cents=10_000_000)
        )
    vehicle = factories.vehicle(year=2100, mileage=2_000_000)
    assert vehicle.id


# --- line breaks in the web forms ----------------------------------------------------------------


def _flow(shop, **params) -> dict[str, str]:
    return {
        "services": str(shop["oil"].id),
        "vehicle": "new",
        "year": "2019",
        "make": "Honda",
        "model": "Civic",
        "start": START,
        "mode": "drop_off",
        "name": "Gus",
        "email": "gus@example.com",
        "phone": "2015550100",
        **params,
    }


def _confirm(client, data: dict[str, str], shop):
    """POST the booking flow's confirmation as the review page would, with `data` changed."""
    review = client.get("/book?" + urlencode(_flow(shop)))
    token = csrf_token_from(review.get_data(as_text=True))
    return client.post("/book", data={**data, "csrf_token": token})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("make", "Ford\r\nBcc: x@example.org"),
        ("model", "F\n150"),
        ("plate", "AB\r12"),
        ("name", "Gus\r\nBcc: x@example.org"),
        ("make", "Ford\tF"),
    ],
)
def test_booking_form_refuses_line_breaks_in_single_line_fields(client, shop, field, value):
    response = _confirm(client, _flow(shop, **{field: value}), shop)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="err-{field}"' in page
    assert "one line" in page or "control characters" in page
    assert _count(Appointment) == 0 and _count(Vehicle) == 0


def test_booking_form_refuses_a_start_in_year_9999(client, shop):
    response = _confirm(client, _flow(shop, start="9999-12-31T23:59:00-05:00"), shop)
    assert response.status_code == 422
    assert "That time isn&#39;t valid" in response.get_data(as_text=True)
    assert _count(Appointment) == 0


def test_registration_and_profile_refuse_line_breaks_in_names(client, factories, login):
    data = {
        "first_name": "Rosa\r\nBcc: x@example.org",
        "last_name": "Parks",
        "email": "rosa@example.com",
        "phone": "",
        "password": "a-long-enough-password-42",
        "password_confirm": "a-long-enough-password-42",
    }
    response = submit_form(client, "/account/register", data)
    assert response.status_code == 200
    assert "Write this on one line" in response.get_data(as_text=True)
    assert _count(User) == 0

    customer = factories.customer(first_name="Ann")
    login(customer)
    response = submit_form(
        client, "/account/", {"first_name": "Ann", "last_name": "Lee\nBcc: x@example.org"}
    )
    assert response.status_code == 200
    assert "Write this on one line" in response.get_data(as_text=True)
    db.session.refresh(customer)
    assert customer.last_name != "Lee\nBcc: x@example.org"


def test_closure_form_refuses_year_9999(admin_client, shop):
    location = shop["location"]
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/closures/new",
        {"starts_local": "9999-12-31T23:59", "ends_local": "9999-12-31T23:59", "reason": "Far"},
    )
    assert response.status_code == 200
    assert "Give a date from January 1, 2000 to December 31, 2100." in response.get_data(
        as_text=True
    )
    assert _count(Closure) == 0


def test_booking_service_refuses_line_breaks_whoever_calls_it(shop):
    """The service's own guarantee, for callers that skip the forms and the API schema."""
    from autoshop.services import booking

    request = booking.BookingRequest(
        service_ids=[shop["oil"].id],
        starts_at=datetime.fromisoformat(START),
        guest=booking.GuestContact("Gus", "gus@example.com", "+12015550100"),
        vehicle=booking.VehicleDetails(year=2019, make="Ford\r\nBcc: x@example.org", model="F"),
    )
    with pytest.raises(booking.BookingError) as refused:
        booking.book(request, now=NOW)
    assert refused.value.field == "vehicle.make" and "one line" in refused.value.message
    request.vehicle = booking.VehicleDetails(year=2019, make="Ford", model="F", mileage=10**12)
    with pytest.raises(booking.BookingError, match="mileage can be at most 2,000,000 miles"):
        booking.book(request, now=NOW)
    request.vehicle = booking.VehicleDetails(year=2019, make="Ford", model="F")
    request.starts_at = datetime.fromisoformat("9999-12-31T23:59:00-05:00")
    with pytest.raises(booking.BookingError, match="Give a date from"):
        booking.book(request, now=NOW)
    assert _count(Appointment) == 0 and _count(Vehicle) == 0

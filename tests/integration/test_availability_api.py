"""GET /api/v1/availability, /services and /service-categories against a real database."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability
from autoshop.extensions import db
from autoshop.models import Closure
from autoshop.services.availability import busy_cache

# Monday 2026-11-30, 08:00 in New York: the week ahead is bookable, today from 10:00 on.
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]
HOUR = timedelta(hours=1)


@pytest.fixture
def shop(factories):
    location = factories.location(
        bays=[("Lift 1", LIFT), ("Lift 2", LIFT), ("Rack", ["alignment", *LIFT])]
    )
    oil = factories.service("Oil change", duration_minutes=30, capability=Capability.LIFT)
    brakes = factories.service("Brake pads", duration_minutes=90, capability=Capability.LIFT)
    align = factories.service("Alignment", duration_minutes=90, capability=Capability.ALIGNMENT)
    return {"location": location, "oil": oil, "brakes": brakes, "align": align}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


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


def get(client, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/availability?{query}")


def test_a_week_for_two_services(client, shop, frozen):
    ids = f"{shop['oil'].id},{shop['brakes'].id}"
    response = get(client, services=ids, start="2026-11-30", end="2026-12-06")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["duration_minutes"] == 120
    assert body["location"]["timezone"] == "America/New_York"
    days = {d["date"]: d for d in body["days"]}
    assert list(days) == [
        f"2026-{m}" for m in ("11-30", "12-01", "12-02", "12-03", "12-04", "12-05", "12-06")
    ]

    monday = days["2026-11-30"]["slots"]
    assert monday[0]["start"] == "2026-11-30T10:00:00-05:00"  # two hours' notice from 08:00
    assert monday[0]["end"] == "2026-11-30T12:00:00-05:00"
    assert monday[0]["free_bays"] == 3
    tuesday = [s["start"][11:16] for s in days["2026-12-01"]["slots"]]
    assert tuesday[0] == "07:30"
    assert "10:00" in tuesday and "10:15" not in tuesday  # 10:15+2h would cross the lunch break
    assert "12:30" in tuesday and tuesday[-1] == "16:00"  # the last start that ends by 18:00
    assert days["2026-12-05"]["slots"][-1]["start"].endswith("T12:00:00-05:00")  # Saturday to 14:00
    assert days["2026-12-06"] == {
        "date": "2026-12-06",
        "open": False,
        "closed_reason": None,
        "slots": [],
    }


def test_busy_bays_and_closures_shape_the_answer(client, shop, factories, frozen):
    location = shop["location"]
    rack = location.bays[2]
    tuesday_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 09:00 in New York
    factories.appointment(
        location=location, bay=rack, starts_at=tuesday_9, services=[shop["align"]]
    )
    db.session.add_all(
        [
            Closure(
                location_id=location.id,
                starts_at=datetime(2026, 12, 2, 5, tzinfo=UTC),
                ends_at=datetime(2026, 12, 3, 5, tzinfo=UTC),
                reason="Staff training day",
            ),
            Closure(
                location_id=location.id,
                starts_at=datetime(2026, 12, 3, 17, 30, tzinfo=UTC),
                ends_at=datetime(2026, 12, 3, 23, 0, tzinfo=UTC),
                reason="Closing early",
            ),
        ]
    )
    db.session.commit()

    align = get(client, services=shop["align"].id, start="2026-12-01", end="2026-12-03").get_json()
    days = {d["date"]: d for d in align["days"]}
    starts = [s["start"][11:16] for s in days["2026-12-01"]["slots"]]
    # The rack holds 09:00-10:40 (10:30 plus the buffer). 07:30 would hold it to 09:10 and 10:45
    # would run into the lunch break, so the first alignment that fits is after lunch.
    assert starts[0] == "12:30" and starts[-1] == "16:30"
    assert days["2026-12-02"]["open"] is False
    assert days["2026-12-02"]["closed_reason"] == "Staff training day"
    thursday = [s["start"][11:16] for s in days["2026-12-03"]["slots"]]
    assert thursday[-1] == "10:30"  # closed from 12:30 local: only the morning remains

    oil = get(client, services=shop["oil"].id, start="2026-12-01", end="2026-12-01").get_json()
    nine = next(s for s in oil["days"][0]["slots"] if s["start"].endswith("T09:00:00-05:00"))
    assert nine["free_bays"] == 2  # the rack is taken, the two lifts are free


@pytest.mark.parametrize(
    ("params", "status", "kind", "says"),
    [
        (
            {"services": "999", "start": "2026-12-01", "end": "2026-12-02"},
            422,
            "unknown-services",
            "999",
        ),
        (
            {"services": "INACTIVE", "start": "2026-12-01", "end": "2026-12-02"},
            422,
            "unknown-services",
            "can't be booked",
        ),
        (
            {"services": "OIL", "start": "2026-12-05", "end": "2026-12-01"},
            422,
            "bad-range",
            "before the start",
        ),
        (
            {"services": "OIL", "start": "2026-12-01", "end": "2027-02-15"},
            422,
            "range-too-long",
            "at most 62",
        ),
        (
            {"services": "OIL", "start": "2026-12-01", "end": "2026-12-01", "location": "77"},
            404,
            "unknown-location",
            "No such",
        ),
        (
            {"services": "OIL,OIL", "start": "2026-12-01", "end": "2026-12-02"},
            422,
            "duplicate-services",
            "twice",
        ),
        (
            {"services": "ALIGN,GENERAL_ONLY", "start": "2026-12-01", "end": "2026-12-02"},
            422,
            "no-capable-bay",
            "No bay",
        ),
        (
            {"services": "OIL", "start": "2026-13-01", "end": "2026-12-02"},
            422,
            "invalid-input",
            "errors",
        ),
        (
            {"services": "1;2", "start": "2026-12-01", "end": "2026-12-02"},
            422,
            "invalid-input",
            "errors",
        ),
        ({"start": "2026-12-01", "end": "2026-12-02"}, 422, "invalid-input", "errors"),
    ],
    ids=[
        "unknown",
        "inactive",
        "end-before-start",
        "too-long",
        "no-location",
        "duplicate",
        "no-capable-bay",
        "bad-date",
        "bad-list",
        "missing-services",
    ],
)
def test_bad_requests_get_problem_json(client, shop, factories, frozen, params, status, kind, says):
    inactive = factories.service("Retired", active=False)
    general_only = factories.service("Needs general only", capability=Capability.GENERAL)
    # The rack does alignments only, so no bay can do alignment and general work in one visit.
    location = shop["location"]
    for bay in location.bays:
        if "alignment" in bay.capabilities:
            bay.capabilities = ["alignment"]
    db.session.commit()
    names = {
        "OIL": shop["oil"].id,
        "INACTIVE": inactive.id,
        "ALIGN": shop["align"].id,
        "GENERAL_ONLY": general_only.id,
    }
    if "services" in params:
        for name, value in names.items():
            params["services"] = params["services"].replace(name, str(value))
    response = get(client, **params)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("/" + kind)
    assert says in (problem["detail"] + str(problem.get("errors", "")))


@pytest.mark.settings()
def test_range_beyond_the_horizon_is_refused(client, shop, frozen):
    shop["location"].horizon_days = 14
    db.session.commit()
    response = get(client, services=shop["oil"].id, start="2026-12-01", end="2026-12-31")
    assert response.status_code == 422
    assert response.get_json()["type"].endswith("/beyond-horizon")


def test_sql_statements_do_not_grow_with_the_range(client, shop, factories, frozen):
    for day in range(1, 20):
        factories.appointment(
            location=shop["location"],
            services=[shop["oil"]],
            starts_at=datetime(2026, 12, day, 15, 0, tzinfo=UTC),
            customer=None,
            guest_email="g@example.com",
            guest_name="Guest",
        )
    for day in range(1, 20, 3):  # bays out of service are read with the busy blocks
        start = datetime(2026, 12, day, 18, 0, tzinfo=UTC)
        factories.downtime(shop["location"].bays[1], starts_at=start, ends_at=start + HOUR)
    counts = {}
    oil_id = shop["oil"].id
    for end in ("2026-12-01", "2026-12-30"):
        with count_statements() as statements:
            response = get(client, services=oil_id, start="2026-12-01", end=end)
        assert response.status_code == 200
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        counts[end] = len(selects)
        assert len([s for s in selects if "bay_downtimes" in s]) == 1
    assert counts["2026-12-01"] == counts["2026-12-30"] <= 5


def test_a_saved_vehicle_is_not_offered_times_it_is_already_booked(
    client, login, shop, factories, frozen
):
    customer = factories.customer()
    car = factories.vehicle(owner=customer)
    factories.appointment(  # 09:00-10:30 on one of three lifts: the bays have room
        location=shop["location"],
        customer=customer,
        vehicle=car,
        services=[shop["brakes"]],
        starts_at=datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
    )
    for day in range(2, 30):  # more visits of the car do not mean more statements
        factories.appointment(
            location=shop["location"],
            customer=customer,
            vehicle=car,
            services=[shop["oil"]],
            starts_at=datetime(2026, 12, day, 20, 0, tzinfo=UTC),
        )
    oil = shop["oil"].id

    def starts(**params) -> list[str]:
        response = get(client, services=oil, start="2026-12-01", end="2026-12-01", **params)
        assert response.status_code == 200, response.get_json()
        return [slot["start"][11:16] for slot in response.get_json()["days"][0]["slots"]]

    assert "09:00" in starts()
    response = get(client, services=oil, start="2026-12-01", end="2026-12-01", vehicle=car.id)
    assert response.status_code == 401
    assert response.get_json()["type"].endswith("/login-required")

    login(customer)
    for end in ("2026-12-01", "2026-12-30"):
        busy_cache.clear()  # as a process asking for the first time
        with count_statements() as statements:
            response = get(client, services=oil, start="2026-12-01", end=end, vehicle=car.id)
        assert response.status_code == 200
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len([s for s in selects if "appointments" in s]) == 2  # bays' and car's visits
        with count_statements() as statements:  # again: the bays' busy time is remembered
            response = get(client, services=oil, start="2026-12-01", end=end, vehicle=car.id)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len([s for s in selects if "appointments" in s]) == 1  # the car's visits
    offered = starts(vehicle=car.id)
    assert "08:30" in offered and "10:30" in offered  # ends as the visit starts; starts as it ends
    assert [s for s in offered if "08:30" < s < "10:30"] == []
    assert "09:00" in starts()  # without the vehicle, as before

    someone_elses = factories.vehicle(owner=factories.customer())
    for vehicle in (someone_elses.id, 999_999):
        response = get(client, services=oil, start="2026-12-01", end="2026-12-01", vehicle=vehicle)
        assert response.status_code == 422
        assert response.get_json()["type"].endswith("/unknown-vehicle")
        assert response.get_json()["detail"] == "Choose one of your own vehicles."


def test_services_and_categories(client, shop, factories):
    factories.service("Retired", active=False)
    services = client.get("/api/v1/services").get_json()
    names = {s["name"]: s for s in services}
    assert "Retired" not in names
    assert names["Oil change"]["duration_minutes"] == 30
    assert names["Oil change"]["price_label"] == "$99"
    categories = client.get("/api/v1/service-categories").get_json()
    assert {s for c in categories for s in c["service_ids"]} == {s["id"] for s in services}


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/availability", "/services", "/service-categories"):
        assert any(p.endswith(path) for p in spec["paths"]), path
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/availability" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "index"),
    [("busy_query", "ix_appointments_bay_block"), ("downtime_query", "ix_bay_downtimes_bay_ends")],
)
def test_busy_query_uses_the_partial_index(app, shop, query, index):
    """Regression: with the status list as parameters SQLite scanned every appointment. The
    bays' downtimes, read in the same statement, use their (bay, end) index too."""
    from autoshop.services import availability

    stmt = getattr(availability, query)(shop["location"].id, NOW, NOW + timedelta(days=30))
    compiled = stmt.compile(db.engine)
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values())
            ).all()
            assert any(index in str(row) for row in plan), plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.execute(
                sa.text(
                    "EXPLAIN "
                    + str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
                )
            ).all()
            assert any(index in str(row) for row in plan), plan

"""A booking and a downtime racing for the same bay and time: never both.

The admin saw no visit in the period; meanwhile a customer books it. Whichever commits first
wins: the booking is refused once the downtime is in, or the downtime is not saved once the
booking is in (the admin is shown the visit). PostgreSQL: threads released together by a barrier,
several days at once; SQLite: processes against one database file.
"""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import Capability
from autoshop.extensions import db
from autoshop.models import Appointment, BayDowntime, Location
from autoshop.services import bay_downtime, booking
from autoshop.services.booking import BookingRequest, GuestContact, SlotTaken, VehicleDetails

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
#: Tuesday Dec 1, 09:00 in New York, and the same time on the following weekdays.
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
DAYS = [TUE_9 + timedelta(days=d) for d in (0, 1, 2, 3, 7, 8, 9, 10)]


def _book(service_id: int, starts_at: datetime, n: int) -> str:
    try:
        booking.book(
            BookingRequest(
                service_ids=[service_id],
                starts_at=starts_at,
                guest=GuestContact(name=f"Racer {n}", email=f"racer{n}@example.com"),
                vehicle=VehicleDetails(year=2020, make="Race", model=f"Car {n}"),
            ),
            now=NOW,
        )
    except SlotTaken:
        return "taken"
    return "booked"


def _window(location_id: int, starts_at: datetime) -> bay_downtime.DowntimeWindow:
    location = db.session.get(Location, location_id)
    assert location is not None
    local = starts_at.astimezone(ZoneInfo(location.timezone))
    return bay_downtime.downtime_window(
        location,
        bay_id=location.bays[0].id,
        start_date=local.date(),
        start_time=local.time(),
        end_date=local.date(),
        end_time=(local + timedelta(hours=3)).time(),
        reason="Lift repair",
        now=NOW,
    )


def _take_down(window: bay_downtime.DowntimeWindow) -> str:
    try:
        bay_downtime.add_downtime(window, actor=None, now=NOW, expected=[])
    except bay_downtime.VisitsChanged:
        return "visits changed"
    return "down"


def _shop(factories):
    location = factories.location(bays=[("Lift", [Capability.LIFT.value])])
    service = factories.service("Oil change", duration_minutes=30)
    return location, service


def _assert_never_both(outcomes: dict[datetime, list[str]]) -> None:
    db.session.commit()
    for start, results in outcomes.items():
        assert sorted(results) in (["booked", "visits changed"], ["down", "taken"]), results
        booked = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Appointment)
            .where(Appointment.starts_at == start)
        )
        down = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(BayDowntime)
            .where(BayDowntime.starts_at == start)
        )
        assert booked + down == 1, (start, booked, down)


@pytest.mark.engine("postgresql")
@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 2 * len(DAYS) + 5})
def test_bookings_race_downtimes_on_postgresql(app, factories, database_url):
    location, service = _shop(factories)
    location_id, service_id = location.id, service.id
    barrier = threading.Barrier(2 * len(DAYS))
    outcomes: dict[datetime, list[str]] = {start: [] for start in DAYS}
    lock = threading.Lock()

    def run(start: datetime, kind: str, n: int) -> None:
        with app.app_context():
            try:
                window = _window(location_id, start) if kind == "down" else None
                db.session.commit()  # what the admin saw is read; now the race
                barrier.wait(timeout=60)
                result = _take_down(window) if window is not None else _book(service_id, start, n)
            except Exception as exc:  # anything else is a failure the test reports
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
        with lock:
            outcomes[start].append(result)

    threads = [
        threading.Thread(target=run, args=(start, kind, n))
        for n, start in enumerate(DAYS)
        for kind in ("book", "down")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    _assert_never_both(outcomes)


def _process(url: str, location_id: int, service_id: int, kind: str, n: int, go, results) -> None:
    from autoshop import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    start = DAYS[n]
    with app.app_context():
        try:
            window = _window(location_id, start) if kind == "down" else None
            db.session.commit()
            go.wait(timeout=120)
            result = _take_down(window) if window is not None else _book(service_id, start, n)
        except Exception as exc:
            result = f"error: {exc!r}"
        results.put((n, result))


@pytest.mark.engine("sqlite")
def test_bookings_race_downtimes_on_sqlite(app, factories, database_url):
    location, service = _shop(factories)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    pairs = 1  # SQLite serialises writers: one pair shows the outcome; processes are slow
    go = context.Barrier(2 * pairs)
    processes = [
        context.Process(
            target=_process,
            args=(database_url, location.id, service.id, kind, n, go, results),
        )
        for n in range(pairs)
        for kind in ("book", "down")
    ]
    for p in processes:
        p.start()
    outcomes: dict[datetime, list[str]] = {DAYS[n]: [] for n in range(pairs)}
    for _ in processes:
        n, result = results.get(timeout=180)
        outcomes[DAYS[n]].append(result)
    for p in processes:
        p.join(timeout=60)
    _assert_never_both(outcomes)

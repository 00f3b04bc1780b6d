"""Real concurrency: many clients race for the last free bay; exactly one of them gets it.

PostgreSQL: 60 threads, each with its own connection, released together by a barrier.
SQLite: several processes against one database file.
"""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import Capability
from autoshop.extensions import db
from autoshop.models import Appointment
from autoshop.services import booking
from autoshop.services.booking import BookingRequest, GuestContact, VehicleDetails
from tests.support.races import outcome, race_processes, race_threads

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
THREADS = 60
PROCESSES = 6


def _request(service_id: int, n: int, start: datetime = TUE_9) -> BookingRequest:
    return BookingRequest(
        service_ids=[service_id],
        starts_at=start,
        guest=GuestContact(name=f"Racer {n}", email=f"racer{n}@example.com"),
        vehicle=VehicleDetails(year=2020, make="Race", model=f"Car {n}"),
    )


def _one_bay_shop(factories):
    location = factories.location(
        bays=[("Lift 1", [Capability.LIFT.value]), ("Lift 2", [Capability.LIFT.value])]
    )
    service = factories.service("Oil change", duration_minutes=30)
    # Lift 2 is taken at 09:00, so one bay is left for everyone.
    factories.appointment(
        location=location, bay=location.bays[1], starts_at=TUE_9, services=[service]
    )
    return location, service


def _holding_count(start: datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Appointment)
        .where(Appointment.starts_at == start, Appointment.status == "scheduled")
    )


@pytest.mark.engine("postgresql")
@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 5, "max_overflow": 0})
def test_threads_racing_for_the_last_bay_on_postgresql(app, factories, database_url):
    _location, service = _one_bay_shop(factories)
    jobs = [lambda n=n: booking.book(_request(service.id, n), now=NOW) for n in range(THREADS)]
    outcomes = race_threads(app, jobs)
    assert sorted(set(outcomes)) == ["booked", "taken"], outcomes
    assert outcomes.count("booked") == 1
    assert _holding_count(TUE_9) == 2  # the one booked + the appointment already there


@pytest.mark.engine("postgresql")
@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 5, "max_overflow": 0})
def test_reschedules_race_new_bookings_on_postgresql(app, factories, database_url):
    _location, service = _one_bay_shop(factories)
    movers = []
    for n in range(THREADS // 2):  # appointments elsewhere in the week, each to be moved to 09:00
        day = (1, 2, 3, 6)[n // 8]  # Wednesday to Friday, then Monday; 13:00 to 16:30
        start = TUE_9 + timedelta(days=day, hours=4, minutes=30 * (n % 8))
        movers.append(booking.book(_request(service.id, 1000 + n, start), now=NOW).id)
    admin = factories.admin()

    def move(appointment_id):
        appointment = db.session.get(Appointment, appointment_id)
        actor = db.session.get(type(admin), admin.id)
        booking.reschedule(appointment, TUE_9, now=NOW, actor=actor)

    jobs = [lambda i=i: move(i) for i in movers]
    jobs += [
        lambda n=n: booking.book(_request(service.id, n), now=NOW) for n in range(THREADS // 2)
    ]
    outcomes = race_threads(app, jobs)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == len(jobs) - 1, outcomes
    assert _holding_count(TUE_9) == 2


def _book_one(service_id: int, n: int) -> None:
    booking.book(_request(service_id, n), now=NOW)


@pytest.mark.engine("sqlite")
def test_processes_racing_for_the_last_bay_on_sqlite(app, factories, database_url):
    _location, service = _one_bay_shop(factories)
    outcomes = race_processes(database_url, _book_one, [(service.id, n) for n in range(PROCESSES)])
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == PROCESSES - 1, outcomes
    db.session.commit()
    assert _holding_count(TUE_9) == 2


# --- many bookings over a few starts, several processes (PostgreSQL) ----------------------------

STARTS = [TUE_9 + timedelta(hours=i) for i in range(2)]  # apart by more than visit + buffer
BAYS = 6
CLIENTS_PER_PROCESS = 16


def _process_book_many(url: str, service_id: int, first: int, start_line, results) -> None:
    """One process, several threads with their own connections: book round-robin over STARTS,
    all processes' threads released together once every process is up."""
    from autoshop import create_app
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    barrier = threading.Barrier(CLIENTS_PER_PROCESS, action=lambda: start_line.wait(timeout=120))

    def client(n: int) -> None:
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                results.put(
                    outcome(
                        lambda: booking.book(
                            _request(service_id, n, STARTS[n % len(STARTS)]), now=NOW
                        )
                    )
                )
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=client, args=(first + i,)) for i in range(CLIENTS_PER_PROCESS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


@pytest.mark.engine("postgresql")
def test_processes_booking_a_few_starts_fill_exactly_the_capacity(app, factories, database_url):
    """Without a lock order, concurrent inserts checking the exclusion constraint on the same
    bays deadlock (a 500 for the customer); with it every answer is booked or taken."""
    factories.location(bays=[(f"Lift {i}", [Capability.LIFT.value]) for i in range(BAYS)])
    service = factories.service("Oil change", duration_minutes=30)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_line = context.Barrier(PROCESSES // 2)
    processes = [
        context.Process(
            target=_process_book_many,
            args=(database_url, service.id, p * CLIENTS_PER_PROCESS, start_line, results),
        )
        for p in range(PROCESSES // 2)
    ]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=180) for _ in range(len(processes) * CLIENTS_PER_PROCESS)]
    for p in processes:
        p.join(timeout=60)
    assert [o for o in outcomes if o.startswith("error")] == []
    assert outcomes.count("booked") == BAYS * len(STARTS), outcomes
    db.session.commit()
    assert sum(_holding_count(s) for s in STARTS) == BAYS * len(STARTS)

"""Real concurrency for the waiter cap: many clients race for the last waiting-room place in an
interval, each on a free bay of its own; exactly one of them gets it (DESIGN.md §5: the caps are
part of the booking guarantee). PostgreSQL: threads with their own connections released together;
SQLite: several processes against one database file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import Capability, VisitMode
from autoshop.extensions import db
from autoshop.models import Appointment
from autoshop.services import booking
from autoshop.services.booking import BookingRequest, GuestContact, VehicleDetails
from tests.support.races import race_processes, race_threads, refused_by_kind

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
#: Starts inside Tuesday's 09:00-10:00 block, each racer on its own.
BLOCK = [TUE_9 + timedelta(minutes=15 * (n % 4)) for n in range(4)]
BAYS = 16
THREADS = 12
PROCESSES = 6


def _request(service_id: int, n: int, start: datetime, mode: VisitMode) -> BookingRequest:
    return BookingRequest(
        service_ids=[service_id],
        starts_at=start,
        mode=mode,
        guest=GuestContact(name=f"Racer {n}", email=f"racer{n}@example.com"),
        vehicle=VehicleDetails(year=2020, make="Race", model=f"Car {n}"),
    )


def _lounge_shop(factories):
    """Sixteen lifts (bays are never the limit) and two waiting customers an hour, one of them
    booked already at 09:00: one place is left in Tuesday's 09:00-10:00 block."""
    location = factories.location(
        bays=[(f"Lift {i}", [Capability.LIFT.value]) for i in range(BAYS)],
        wait_cap=2,
        wait_cap_minutes=60,
    )
    service = factories.service("Oil change", duration_minutes=30)
    factories.appointment(
        location=location,
        bay=location.bays[0],
        starts_at=TUE_9,
        services=[service],
        mode=VisitMode.WAIT,
    )
    return location, service


def _waiters_in_block() -> int:
    db.session.commit()  # a fresh snapshot
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Appointment)
        .where(
            Appointment.starts_at >= TUE_9,
            Appointment.starts_at < TUE_9 + timedelta(hours=1),
            Appointment.mode == VisitMode.WAIT,
            Appointment.status == "scheduled",
        )
    )


@pytest.mark.engine("postgresql")
@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 5, "max_overflow": 0})
def test_threads_racing_for_the_last_waiter_place_on_postgresql(app, factories, database_url):
    _location, service = _lounge_shop(factories)
    jobs = [
        lambda n=n: booking.book(_request(service.id, n, BLOCK[n % 4], VisitMode.WAIT), now=NOW)
        for n in range(THREADS)
    ]
    outcomes = race_threads(app, jobs, outcome_of=refused_by_kind)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("waiting-room-full") == THREADS - 1, outcomes
    assert _waiters_in_block() == 2


@pytest.mark.engine("postgresql")
@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 5, "max_overflow": 0})
def test_reschedules_into_the_block_race_new_waiters_on_postgresql(app, factories, database_url):
    """Moving a waiting customer's visit goes through the same check, under the same lock."""
    _location, service = _lounge_shop(factories)
    movers = [
        booking.book(
            _request(service.id, 100 + n, TUE_9 + timedelta(days=1, hours=hour), VisitMode.WAIT),
            now=NOW,
        ).id
        for n, hour in enumerate((0, 1, 2, 4, 5, 6))  # Wednesday 9:00 to 15:00, not at noon
    ]
    admin = factories.admin()

    def move(appointment_id: int, start: datetime) -> None:
        appointment = db.session.get(Appointment, appointment_id)
        actor = db.session.get(type(admin), admin.id)
        booking.reschedule(appointment, start, now=NOW, actor=actor)

    jobs = [lambda i=i, n=n: move(i, BLOCK[n % 4]) for n, i in enumerate(movers)]
    jobs += [
        lambda n=n: booking.book(_request(service.id, n, BLOCK[n % 4], VisitMode.WAIT), now=NOW)
        for n in range(THREADS // 2)
    ]
    outcomes = race_threads(app, jobs, outcome_of=refused_by_kind)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("waiting-room-full") == len(jobs) - 1, outcomes
    assert _waiters_in_block() == 2


def test_drop_offs_are_not_held_back_by_a_full_lounge(app, factories):
    _location, service = _lounge_shop(factories)
    booking.book(_request(service.id, 1, BLOCK[1], VisitMode.WAIT), now=NOW)
    with pytest.raises(booking.CapReached) as refused:
        booking.book(_request(service.id, 2, BLOCK[2], VisitMode.WAIT), now=NOW)
    assert "waiting room is full" in refused.value.message
    alternatives = refused.value.alternatives
    assert alternatives and not any(TUE_9 <= a < TUE_9 + timedelta(hours=1) for a in alternatives)
    booking.book(_request(service.id, 3, BLOCK[2], VisitMode.DROP_OFF), now=NOW)


def _wait_one(service_id: int, n: int) -> None:
    booking.book(_request(service_id, n, BLOCK[n % 4], VisitMode.WAIT), now=NOW)


@pytest.mark.engine("sqlite")
def test_processes_racing_for_the_last_waiter_place_on_sqlite(app, factories, database_url):
    _location, service = _lounge_shop(factories)
    outcomes = race_processes(
        database_url,
        _wait_one,
        [(service.id, n) for n in range(PROCESSES)],
        outcome_of=refused_by_kind,
    )
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("waiting-room-full") == PROCESSES - 1, outcomes
    assert _waiters_in_block() == 2

"""Real concurrency for technicians: two free bays but one skilled technician free; many clients
race for it and exactly one gets it (the choice runs under the schedule lock of the bay check).

PostgreSQL: threads with their own connections, released together by a barrier.
SQLite: several processes against one database file.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import Capability
from autoshop.domain.technicians import WorkingSpan
from autoshop.extensions import db
from autoshop.models import Appointment
from autoshop.services import booking, technicians
from tests.integration.test_booking_races import NOW, PROCESSES, TUE_9, _request
from tests.support.races import race_processes, race_threads

THREADS = 30
WEEK = [WorkingSpan(d, 8 * 60, 17 * 60) for d in range(5)]


def _one_technician_shop(factories):
    """Two free lifts; Ana does oil changes, Ben only brakes: Ana is the limit."""
    lift = [Capability.LIFT.value]
    location = factories.location(bays=[("Lift 1", lift), ("Lift 2", lift)])
    oil = factories.category("Oil")
    brakes = factories.category("Brakes")
    service = factories.service("Oil change", category=oil, duration_minutes=30)
    ana = factories.mechanic(first_name="Ana")
    ben = factories.mechanic(first_name="Ben")
    for mechanic, skills in ((ana, [oil.id]), (ben, [brakes.id])):
        technicians.save_schedule(
            mechanic.id, location_id=location.id, spans=WEEK, skill_ids=skills
        )
    return service, ana.id


def _booked() -> list[tuple[int | None, int]]:
    return [
        (r.mechanic_id, r.bay_id)
        for r in db.session.execute(
            sa.select(Appointment.mechanic_id, Appointment.bay_id).where(
                Appointment.starts_at == TUE_9, Appointment.status == "scheduled"
            )
        )
    ]


@pytest.mark.engine("postgresql")
@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 5, "max_overflow": 0})
def test_threads_racing_for_the_last_skilled_technician_on_postgresql(app, factories, database_url):
    service, ana = _one_technician_shop(factories)
    jobs = [lambda n=n: booking.book(_request(service.id, n), now=NOW) for n in range(THREADS)]
    outcomes = race_threads(app, jobs)
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == THREADS - 1, outcomes
    db.session.commit()
    (booked,) = _booked()
    assert booked[0] == ana  # a bay was left, the technician was not


def _book_one(service_id: int, n: int) -> None:
    booking.book(_request(service_id, n), now=NOW)


@pytest.mark.engine("sqlite")
def test_processes_racing_for_the_last_skilled_technician_on_sqlite(app, factories, database_url):
    service, ana = _one_technician_shop(factories)
    outcomes = race_processes(database_url, _book_one, [(service.id, n) for n in range(PROCESSES)])
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == PROCESSES - 1, outcomes
    db.session.commit()
    (booked,) = _booked()
    assert booked[0] == ana

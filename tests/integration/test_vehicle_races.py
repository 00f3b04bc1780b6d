"""Real concurrency on PostgreSQL: threads adding the same car to one account end with one car
and a clear "already has this VIN" for the others, never an error page."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from autoshop.domain.vehicles import CarFields
from autoshop.extensions import db
from autoshop.models import User, Vehicle
from autoshop.services import vehicles

THREADS = 8
CAR = CarFields(year=2019, make="Honda", model="CR-V", vin="2HKRW2H8XKH612384", plate="NJK4821")


@pytest.mark.engine("postgresql")
def test_the_same_car_added_at_once_is_saved_once(app, factories):
    owner_id = factories.customer().id
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def add() -> None:
        with app.app_context():
            owner = db.session.get(User, owner_id)
            barrier.wait()
            try:
                vehicles.add_vehicle(owner, CAR)
                outcome = "saved"
            except vehicles.DuplicateVehicle as exc:
                outcome = "duplicate" if "already has this" in exc.message else exc.message
            except Exception as exc:  # any other outcome fails the test below
                outcome = repr(exc)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=add) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["duplicate"] * (THREADS - 1) + ["saved"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vehicle)) == 1


@pytest.mark.engine("postgresql")
def test_two_bookings_typing_the_same_new_car_at_once_book_one_car(app, factories):
    from datetime import UTC, datetime, timedelta

    import time_machine

    from autoshop.services import booking

    shop = factories.booking_shop()
    owner_id = factories.customer().id
    service_id = shop["oil"].id
    now = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    starts = [datetime(2026, 12, 1, 14, 0, tzinfo=UTC) + timedelta(days=d) for d in range(2)]
    barrier = threading.Barrier(len(starts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(starts_at: datetime) -> None:
        with app.app_context():
            owner = db.session.get(User, owner_id)
            details = booking.VehicleDetails(
                year=2019, make="Honda", model="CR-V", vin=CAR.vin, plate="njk 4821"
            )
            request = booking.BookingRequest(
                service_ids=[service_id], starts_at=starts_at, customer=owner, vehicle=details
            )
            barrier.wait()
            try:
                booking.book(request, now=now)
                outcome = "booked"
            except Exception as exc:  # any other outcome fails the test below
                outcome = repr(exc)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    with time_machine.travel(now, tick=False):
        threads = [threading.Thread(target=book, args=(s,)) for s in starts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert outcomes == ["booked", "booked"]
    db.session.expire_all()
    (car,) = db.session.scalars(sa.select(Vehicle)).all()
    assert (car.owner_id, car.plate) == (owner_id, "NJK4821")

"""Real concurrency on a held waitlist offer: one booking, whoever comes first.

Each racer runs in its own thread and app context (its own session and connection), released
together by a barrier: PostgreSQL decides with the hold's row lock and the schedule lock, SQLite
by serialising writers (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from autoshop.domain.waitlist import EntryStatus, HoldStatus
from autoshop.extensions import db
from autoshop.models import Appointment, WaitlistEntry, WaitlistHold
from autoshop.services import booking, waitlist, waitlist_offers
from autoshop.services.booking import BookingRequest, GuestContact, VehicleDetails
from autoshop.services.waitlist_offers import OfferProblem
from tests.integration.test_waitlist import NOW, WED, WED_10, full_day  # noqa: F401
from tests.support.races import race_threads, refused_as_taken

RACERS = 8
ACCEPTED_AT = NOW + timedelta(minutes=3)


def _offer_or_slot(exc: Exception) -> str | None:
    if isinstance(exc, OfferProblem):
        return f"offer-{exc.status}"
    return refused_as_taken(exc)


def _race(app, jobs):
    return race_threads(app, jobs, outcome_of=_offer_or_slot, timeout=180)


def _held(shop):
    waitlist.join(
        waitlist.JoinRequest(
            service_ids=[shop["service"].id],
            day=WED,
            earliest=time(9),
            latest=time(10),
            customer=shop["customers"][0],
            vehicle_id=shop["vehicles"][0].id,
            location_id=shop["location"].id,
        ),
        now=NOW,
    )
    visit = db.session.get(Appointment, shop["visits"][("Lift 1", WED_10)].id)
    booking.cancel(visit, now=NOW, actor=shop["admin"])
    hold = db.session.scalars(sa.select(WaitlistHold)).one()
    db.session.commit()
    return hold.id


def _accept(hold_id):
    hold = db.session.get(WaitlistHold, hold_id)
    waitlist_offers.accept(hold, now=ACCEPTED_AT)


def _scheduled_at(start: datetime) -> int:
    db.session.commit()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Appointment)
        .where(Appointment.starts_at == start, Appointment.status == "scheduled")
    )


@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": RACERS + 5, "max_overflow": 0})
def test_the_same_offer_accepted_at_once_books_exactly_once(app, full_day):  # noqa: F811
    hold_id = _held(full_day)
    outcomes = _race(app, [lambda: _accept(hold_id) for _ in range(RACERS)])
    assert outcomes.count("booked") == 1, outcomes
    assert sorted(set(outcomes)) == ["booked", "offer-410"], outcomes
    assert _scheduled_at(WED_10) == 2  # the other lift's visit and the one accepted
    hold = db.session.get(WaitlistHold, hold_id)
    assert hold.status is HoldStatus.ACCEPTED
    assert db.session.get(WaitlistEntry, hold.entry_id).status is EntryStatus.BOOKED


@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": RACERS + 5, "max_overflow": 0})
def test_ordinary_bookings_racing_an_accept_never_double_book(app, full_day):  # noqa: F811
    hold_id = _held(full_day)
    service_id = full_day["service"].id

    def ordinary(n):
        booking.book(
            BookingRequest(
                service_ids=[service_id],
                starts_at=WED_10,
                guest=GuestContact(name=f"Racer {n}", email=f"racer{n}@example.com"),
                vehicle=VehicleDetails(year=2020, make="Race", model=f"Car {n}"),
            ),
            now=ACCEPTED_AT,
        )

    jobs = [lambda n=n: ordinary(n) for n in range(RACERS - 1)] + [lambda: _accept(hold_id)]
    outcomes = _race(app, jobs)
    # The time is held: the ordinary bookings can't have it, the holder gets it.
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("taken") == RACERS - 1, outcomes
    assert _scheduled_at(WED_10) == 2
    assert db.session.get(WaitlistHold, hold_id).status is HoldStatus.ACCEPTED

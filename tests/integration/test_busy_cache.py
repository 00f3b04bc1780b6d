"""Busy time reused between requests (services/availability.py `busy_cache`): a location's
schedule version changes with every write that can change its busy time, whoever writes it, so
a process that asked before answers the same as one asking for the first time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import Capability
from autoshop.extensions import db
from autoshop.models import Location
from autoshop.services import availability as queries
from autoshop.services import booking
from autoshop.services.booking import BookingRequest, GuestContact, SlotTaken, VehicleDetails

LIFT = [Capability.LIFT.value, Capability.GENERAL.value]
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
WED = date(2026, 12, 2)


def at(hh: int, mm: int = 0) -> datetime:
    """Wednesday 2026-12-02, New York wall time hh:mm, in UTC (EST is UTC-5)."""
    return datetime(2026, 12, 2, hh + 5, mm, tzinfo=UTC)


@pytest.fixture
def shop(factories) -> dict[str, Any]:
    """Two lifts open Wednesday 09:00-12:00 for one-hour jobs on the hour; Lift 1 busy 10-11,
    Lift 2 busy 09-10 (buffer 0); and another shop."""
    location = factories.location(
        hours={2: [(time(9), time(12))]},
        bays=[("Lift 1", LIFT), ("Lift 2", LIFT)],
        slot_interval_minutes=60,
        buffer_minutes=0,
    )
    lift1, lift2 = location.bays
    service = factories.service("Brake pads", duration_minutes=60)
    ten = factories.appointment(location=location, bay=lift1, starts_at=at(10), services=[service])
    nine = factories.appointment(location=location, bay=lift2, starts_at=at(9), services=[service])
    other = factories.location(bays=[("Other lift", LIFT)])
    return {
        "location": location,
        "lift1": lift1,
        "lift2": lift2,
        "service": service,
        "ten": ten,
        "nine": nine,
        "other": other,
    }


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    queries.busy_cache.clear()
    yield
    queries.busy_cache.clear()


def offered(shop: dict[str, Any], now: datetime = NOW) -> list[tuple[datetime, int]]:
    result = queries.find_availability(
        [shop["service"].id], WED, WED, now=now, location_id=shop["location"].id
    )
    return [(s.starts_at, s.free_bays) for d in result.days for s in d.slots]


def fresh(shop: dict[str, Any]) -> list[tuple[datetime, int]]:
    """What a process that never asked before answers."""
    queries.busy_cache.clear()
    return offered(shop)


def version(location: Location) -> int | None:
    return db.session.scalar(sa.select(Location.schedule_version).where(Location.id == location.id))


def run(sql: str, **params: Any) -> None:
    """A write that skips the services and the ORM, as a script or a bulk load would."""
    db.session.execute(sa.text(sql), params)
    db.session.commit()


def add_visit(shop):
    run(
        "INSERT INTO appointments (reference, vehicle_id, location_id, bay_id, starts_at, "
        "ends_at, block_ends_at, status, mode, concern, staff_notes, guest_name, guest_email, "
        "guest_phone, sequence, source) SELECT 'RAW00001', vehicle_id, location_id, :bay, "
        ":s, :e, :e, 'scheduled', 'drop_off', '', '', '', '', '', 0, 'online' "
        "FROM appointments WHERE id = :id",
        bay=shop["lift2"].id,
        s=at(11),
        e=at(12),
        id=shop["nine"].id,
    )


WRITES: dict[str, Callable[[dict[str, Any]], None]] = {
    "a visit inserted": add_visit,
    "a visit cancelled": lambda shop: run(
        "UPDATE appointments SET status = 'cancelled' WHERE id = :id", id=shop["ten"].id
    ),
    "a visit moved in time": lambda shop: run(
        "UPDATE appointments SET starts_at = :s, ends_at = :e, block_ends_at = :e WHERE id = :id",
        s=at(11),
        e=at(12),
        id=shop["ten"].id,
    ),
    "a visit moved to another shop's bay": lambda shop: run(
        "UPDATE appointments SET bay_id = :bay WHERE id = :id",
        bay=shop["other"].bays[0].id,
        id=shop["ten"].id,
    ),
    "a visit deleted": lambda shop: run(
        "DELETE FROM appointments WHERE id = :id", id=shop["ten"].id
    ),
    "a bay downtime added": lambda shop: run(
        "INSERT INTO bay_downtimes (bay_id, starts_at, ends_at, reason) "
        "VALUES (:bay, :s, :e, 'Inspection')",
        bay=shop["lift1"].id,
        s=at(9),
        e=at(10),
    ),
    "a bay moved to another shop": lambda shop: run(
        "UPDATE bays SET location_id = :other WHERE id = :bay",
        other=shop["other"].id,
        bay=shop["lift2"].id,
    ),
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_every_write_to_the_busy_time_is_seen_by_a_process_that_asked_before(shop, write):
    before = offered(shop)
    assert offered(shop) == before  # from the cache now
    old = version(shop["location"])
    WRITES[write](shop)
    assert version(shop["location"]) != old
    after = offered(shop)
    assert after != before
    assert after == fresh(shop)


def test_a_downtime_changed_or_removed_is_seen_too(shop, factories):
    downtime = factories.downtime(shop["lift1"], starts_at=at(9), ends_at=at(10))
    assert offered(shop) == [(at(10), 1), (at(11), 2)]
    run("UPDATE bay_downtimes SET ends_at = :e WHERE id = :id", e=at(9, 30), id=downtime.id)
    assert offered(shop) == fresh(shop) == [(at(10), 1), (at(11), 2)]
    run(
        "UPDATE bay_downtimes SET starts_at = :s, ends_at = :e WHERE id = :id",
        s=at(11),
        e=at(12),
        id=downtime.id,
    )
    assert offered(shop) == fresh(shop) == [(at(9), 1), (at(10), 1), (at(11), 1)]
    run("DELETE FROM bay_downtimes WHERE id = :id", id=downtime.id)
    assert offered(shop) == fresh(shop) == [(at(9), 1), (at(10), 1), (at(11), 2)]


def test_writes_that_leave_the_busy_time_alone_keep_the_version(shop, factories):
    old = version(shop["location"])
    assert old is not None
    run("UPDATE appointments SET staff_notes = 'Bring the key' WHERE id = :id", id=shop["ten"].id)
    run("UPDATE bays SET name = 'Lift One' WHERE id = :id", id=shop["lift1"].id)
    factories.appointment(location=shop["other"], starts_at=at(10))  # another shop's visit
    assert version(shop["location"]) == old


def test_a_repeated_request_reads_the_busy_time_once(shop):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        offered(shop)
        first = len(statements)
        statements.clear()
        offered(shop)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == first - 1
    assert not any("appointments" in s for s in statements)


def test_a_rolled_back_write_leaves_no_trace(shop, factories):
    before = offered(shop)
    lift1 = shop["lift1"]
    db.session.execute(
        sa.text("UPDATE appointments SET status = 'cancelled' WHERE id = :id"),
        {"id": shop["ten"].id},
    )
    inside = offered(shop)  # seen inside the transaction, and remembered under its version
    assert inside != before
    db.session.rollback()
    assert offered(shop) == before
    factories.downtime(lift1, starts_at=at(11), ends_at=at(12))
    assert offered(shop) == fresh(shop) == [(at(9), 1), (at(10), 1), (at(11), 1)]


def test_a_request_leaving_its_own_visit_out_reads_afresh(shop):
    offered(shop)
    result = queries.find_availability(
        [shop["service"].id],
        WED,
        WED,
        now=NOW,
        location_id=shop["location"].id,
        exclude_appointment_id=shop["ten"].id,
    )
    assert [(s.starts_at, s.free_bays) for d in result.days for s in d.slots] == [
        (at(9), 1),
        (at(10), 2),
        (at(11), 2),
    ]
    assert offered(shop) == [(at(9), 1), (at(10), 1), (at(11), 2)]


# --- a refused booking reads the day as the calendar does -------------------------------------


def booking_at(shop: dict[str, Any], starts_at: datetime, n: int) -> BookingRequest:
    db.session.refresh(shop["location"])  # as a new request finds it
    return BookingRequest(
        service_ids=[shop["service"].id],
        starts_at=starts_at,
        location_id=shop["location"].id,
        vehicle=VehicleDetails(year=2020, make="Honda", model=f"Civic {n}"),
        guest=GuestContact(name=f"Guest {n}", email=f"guest{n}@example.com", phone="+12015550100"),
    )


def refused_at(shop: dict[str, Any], starts_at: datetime, n: int) -> tuple[list[datetime], int]:
    """The alternatives a refused booking at `starts_at` offers, and the statements it ran."""
    request = booking_at(shop, starts_at, n)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        with pytest.raises(SlotTaken) as refused:
            booking.book(request, now=NOW)
        alternatives = refused.value.alternatives
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
    return alternatives, len(statements)


def test_a_refused_booking_reuses_the_day_s_busy_time_until_someone_books(shop):
    booking.book(booking_at(shop, at(9), 1), now=NOW)  # the last lift at 9:00
    alternatives, first = refused_at(shop, at(9), 2)
    assert alternatives == [at(10), at(11)]
    again, second = refused_at(shop, at(9), 3)
    assert again == alternatives
    assert second == first - 1  # the day's busy time came from the cache
    booking.book(booking_at(shop, at(10), 4), now=NOW)  # the last lift at 10:00, by anyone
    after, third = refused_at(shop, at(9), 5)
    assert after == [at(11)]
    assert third == first

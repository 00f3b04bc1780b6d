"""load_busy_islands: the busy time of a range merged per bay in SQL, as epoch microseconds, on
both engines; the engine gives the same answers with it as with load_busy's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain import availability as engine
from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus
from autoshop.services import availability as queries

NY = ZoneInfo("America/New_York")
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
FRIDAY = date(2026, 10, 30)  # New York falls back on Sunday 2026-11-01 at 02:00
NOW = datetime(2026, 10, 29, 12, tzinfo=UTC)


def z(day: int, hh: int, mm: int = 0, second: int = 0, micro: int = 0) -> datetime:
    """An instant in UTC, late October / early November 2026."""
    month, day = (10, day) if day > 15 else (11, day)
    return datetime(2026, month, day, hh, mm, second, micro, tzinfo=UTC)


def us(at: datetime) -> int:
    return (at - EPOCH) // US


@pytest.fixture
def busy_shop(factories):
    night = [(time(0), time(4))]  # Sunday night, across the fall-back hour
    weekday = [(time(7, 30), time(12)), (time(12, 30), time(18))]
    location = factories.location(
        bays=[("Lift 1", LIFT), ("Lift 2", LIFT), ("Rack", ["alignment", *LIFT])],
        hours={d: weekday for d in range(5)} | {6: night},
    )
    lift1, lift2, _ = location.bays
    hour = factories.service("Hour", duration_minutes=60)
    half = factories.service("Half", duration_minutes=30)
    a = factories.appointment(location=location, bay=lift1, starts_at=z(30, 13), services=[hour])
    # Starts where a's block (with the buffer) ends: touching, one island.
    b = factories.appointment(
        location=location, bay=lift1, starts_at=a.block_ends_at, services=[half]
    )
    factories.downtime(lift1, starts_at=z(30, 14, 20), ends_at=z(30, 14, 30))  # inside b
    c = factories.appointment(
        location=location,
        bay=lift1,
        starts_at=b.block_ends_at + timedelta(minutes=40),
        services=[half],
    )
    factories.downtime(lift1, starts_at=c.starts_at, ends_at=c.block_ends_at)  # c's twin
    factories.appointment(
        location=location,
        bay=lift1,
        starts_at=z(30, 17),
        services=[half],
        status=AppointmentStatus.CANCELLED,
    )
    factories.downtime(lift1, starts_at=z(30, 18, 0, 0, 1), ends_at=z(30, 18, 59, 59, 999_999))
    factories.downtime(lift1, starts_at=z(1, 5), ends_at=z(1, 7))  # 01:00 EDT to 02:00 EST
    d = factories.appointment(location=location, bay=lift2, starts_at=z(30, 13), services=[hour])
    factories.appointment(starts_at=z(30, 13), services=[hour])  # another shop's
    return {"location": location, "lift1": lift1, "lift2": lift2, "a": a, "b": b, "c": c, "d": d}


def islands_set(islands: engine.BusyIslands) -> set[tuple[int, int, int]]:
    assert len(islands.bay_ids) == len(islands.starts_us) == len(islands.ends_us)
    return set(zip(islands.bay_ids, islands.starts_us, islands.ends_us, strict=True))


def load(shop, gap: timedelta, **kw) -> engine.BusyIslands:
    start_at, end_at = queries.range_bounds(FRIDAY, FRIDAY + timedelta(days=3), NY)
    return queries.load_busy_islands(shop["location"], start_at, end_at, gap=gap, **kw)


def test_blocks_become_islands_per_bay(app, busy_shop):
    s = busy_shop
    lift1, lift2 = s["lift1"].id, s["lift2"].id
    first = (lift1, us(s["a"].starts_at), us(s["b"].block_ends_at))
    second = (lift1, us(s["c"].starts_at), us(s["c"].block_ends_at))
    rest = {
        (lift1, us(z(30, 18, 0, 0, 1)), us(z(30, 18, 59, 59, 999_999))),
        (lift1, us(z(1, 5)), us(z(1, 7))),
        (lift2, us(s["d"].starts_at), us(s["d"].block_ends_at)),
    }
    # With no gap only overlapping blocks join: a and b merely touch.
    a_only = (lift1, us(s["a"].starts_at), us(s["a"].block_ends_at))
    b_only = (lift1, us(s["b"].starts_at), us(s["b"].block_ends_at))
    assert islands_set(load(s, timedelta(0))) == {a_only, b_only, second, *rest}
    # c starts exactly 40 minutes after b's block: joined only when the gap is longer.
    assert islands_set(load(s, timedelta(minutes=40))) == {first, second, *rest}
    joined = (lift1, first[1], second[2])
    assert islands_set(load(s, timedelta(minutes=41))) == {joined, *rest}
    assert load(s, timedelta(minutes=41)).gap_us == 41 * 60_000_000


def test_an_excluded_appointment_leaves_its_twin_downtime(app, busy_shop):
    s = busy_shop
    islands = islands_set(load(s, timedelta(0), exclude=s["c"].id))
    assert (s["lift1"].id, us(s["c"].starts_at), us(s["c"].block_ends_at)) in islands
    islands = islands_set(load(s, timedelta(0), exclude=s["b"].id))
    assert (s["lift1"].id, us(s["a"].starts_at), us(s["a"].block_ends_at)) in islands
    assert (s["lift1"].id, us(z(30, 14, 20)), us(z(30, 14, 30))) in islands


def test_an_empty_range_gives_no_islands(app, busy_shop):
    start_at = datetime(2027, 6, 1, tzinfo=UTC)
    islands = queries.load_busy_islands(
        busy_shop["location"], start_at, start_at + timedelta(days=3), gap=timedelta(hours=1)
    )
    assert islands == engine.BusyIslands([], [], [], 3_600_000_000)


@pytest.mark.parametrize("minutes", [15, 60, 120])
@pytest.mark.parametrize("exclude", [None, "b"])
def test_the_engine_answers_alike_from_islands_and_from_rows(app, busy_shop, minutes, exclude):
    s = busy_shop
    location = s["location"]
    exclude_id = s[exclude].id if exclude else None
    start, end = FRIDAY, FRIDAY + timedelta(days=3)
    start_at, end_at = queries.range_bounds(start, end, NY)
    rules = queries.rules_of(location)
    duration = timedelta(minutes=minutes)
    common = {
        "opening_hours": [
            engine.OpeningInterval(h.weekday, h.opens, h.closes) for h in location.opening_hours
        ],
        "closures": [],
        "bays": queries.load_bays(location),
        "duration": duration,
        "capabilities": frozenset({"lift"}),
        "rules": rules,
        "zone": NY,
        "start": start,
        "end": end,
        "now": NOW,
    }
    rows = queries.load_busy(location, start_at, end_at, exclude=exclude_id, now=NOW)
    islands = queries.load_busy_islands(
        location, start_at, end_at, gap=duration + rules.buffer, exclude=exclude_id, now=NOW
    )
    from_rows = engine.free_slots(busy=rows, **common)
    from_islands = engine.free_slots(islands=islands, **common)
    assert from_islands == from_rows
    # Not vacuous: lift 1 is busy and Sunday night (the fall-back) is open.
    friday = {sl.starts_at: sl.free_bays for sl in from_rows[0].slots}
    assert friday[z(30, 13)] == 1
    assert any(sl.free_bays == 2 for sl in from_rows[2].slots)
    assert len(from_rows[2].slots) > 0


def test_the_islands_statement_reads_the_location_s_bays_by_index(app, busy_shop):
    """A chain's other locations cost nothing: bays by location, then each bay's blocks of the
    range on the partial (bay, block end) index."""
    import sqlalchemy as sa

    from autoshop.extensions import db

    start_at, end_at = queries.range_bounds(FRIDAY, FRIDAY + timedelta(days=30), NY)
    stmt = queries.busy_islands_query(
        busy_shop["location"].id,
        start_at,
        end_at,
        gap_us=3_600_000_000,
        dialect=db.engine.dialect.name,
        now=NOW,
    )
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "ix_bays_location_id" in plan, plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(r) for r in conn.execute(sa.text("EXPLAIN " + sql)))
    assert "ix_appointments_bay_block" in plan, plan
    assert "ix_bay_downtimes_bay_ends" in plan, plan

"""The query side of availability: load a range's data in five statements, then run the engine.

Statements per request, whatever the number of days: the location with its opening hours, the
services, the active bays, the closures in the range, and one indexed range query for the busy
blocks of the range (never one per day or per slot): the appointments' blocks, the bays'
downtimes and live waitlist holds, read together in one UNION ALL. For a chosen saved vehicle, a
sixth: one range query for the vehicle's own visits, which the new visit can't overlap.
Technicians (services/technicians.py): none more when the location keeps no schedules (the
location's statement says so), four when it does; a capped visit mode, one (services/visit_caps.py).

On PostgreSQL the month's busy time comes back in the shape the engine uses
(`load_busy_islands`): merged per bay in SQL (gaps and islands, with the visit's reach), as integer
epoch microseconds, in one row of three comma-separated lists, so no Python object is made per
block. On SQLite, where the conversion of its text instants costs more than it saves, the engine
merges `load_busy`'s rows itself (same answers: tests/integration/test_busy_islands.py).

Busy time is also kept per process (`busy_cache`) and used again, with no statement, while the
location's `schedule_version` (read with the location) is the one it was read under: triggers in
the database set a new one with every write that can change the location's busy time (migration
0022), so the answer is the same as a fresh read's, whichever process wrote.
"""

from __future__ import annotations

import functools
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload, with_expression
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from autoshop.domain import availability as engine
from autoshop.domain.choices import VisitMode
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import (
    Appointment,
    Bay,
    BayDowntime,
    Closure,
    Location,
    Service,
    User,
    Vehicle,
    WaitlistHold,
)
from autoshop.models.appointments import HOLDS_BAY
from autoshop.models.waitlist import HOLDING
from autoshop.services import technicians as people
from autoshop.services import visit_caps

MAX_RANGE_DAYS = 62


class AvailabilityError(ValueError):
    """A request the customer (or API client) can fix; `kind` names it for problem+json."""

    def __init__(self, message: str, *, kind: str, status: int = 422) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class Visit:
    services: list[Service]
    duration: timedelta
    capabilities: frozenset[str]


@dataclass(frozen=True)
class Availability:
    location: Location
    zone: ZoneInfo
    visit: Visit
    days: list[engine.DayAvailability]


def rules_of(location: Location) -> engine.BookingRules:
    return engine.BookingRules(
        slot_interval=timedelta(minutes=location.slot_interval_minutes),
        minimum_notice=timedelta(minutes=location.minimum_notice_minutes),
        horizon=timedelta(days=location.horizon_days),
        buffer=timedelta(minutes=location.buffer_minutes),
    )


def load_location(location_id: int | None) -> Location:
    # One statement: the opening hours come joined to the location, and whether it keeps
    # technician schedules with it.
    # Fresh from the row even if the session holds the location: its schedule version decides
    # whether cached busy time may be used.
    stmt = (
        sa.select(Location)
        .options(
            joinedload(Location.opening_hours),
            with_expression(Location.keeps_technicians, people.keeps_technicians_sql()),
        )
        .execution_options(populate_existing=True)
    )
    if location_id is None:
        stmt = stmt.where(Location.active.is_(True)).order_by(Location.id).limit(1)
    else:
        stmt = stmt.where(Location.id == location_id, Location.active.is_(True))
    location = db.session.execute(stmt).unique().scalar_one_or_none()
    if location is None:
        raise AvailabilityError(
            _("No such location.") if location_id else _("The shop has not been set up yet."),
            kind="unknown-location",
            status=404,
        )
    return location


def load_visit(service_ids: list[int]) -> Visit:
    """The services of a visit, in the order asked; every id must be an active service."""
    if not service_ids:
        raise AvailabilityError(_("Choose at least one service."), kind="no-services")
    if len(set(service_ids)) != len(service_ids):
        raise AvailabilityError(_("A service is listed twice."), kind="duplicate-services")
    found = {
        s.id: s
        for s in db.session.scalars(
            sa.select(Service).where(Service.id.in_(service_ids), Service.active.is_(True))
        )
    }
    missing = [i for i in service_ids if i not in found]
    if missing:
        listed = ", ".join(str(i) for i in missing)
        raise AvailabilityError(
            _(
                "These services don't exist or can't be booked: %(listed)s. "
                "GET /api/v1/services lists the bookable ones.",
                listed=listed,
            ),
            kind="unknown-services",
        )
    services = [found[i] for i in service_ids]
    return Visit(
        services=services,
        duration=timedelta(minutes=sum(s.duration_minutes for s in services)),
        capabilities=frozenset(s.capability.value for s in services),
    )


def check_range(start: date, end: date, location: Location) -> None:
    if end < start:
        raise AvailabilityError(_("The end date is before the start date."), kind="bad-range")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise AvailabilityError(
            _(
                "Ask for at most %(most)s days at a time (you asked for %(days)s).",
                most=MAX_RANGE_DAYS,
                days=days,
            ),
            kind="range-too-long",
        )
    if days > location.horizon_days + 1:
        raise AvailabilityError(
            _(
                "We book at most %(days)s days ahead; ask for a shorter range.",
                days=location.horizon_days,
            ),
            kind="beyond-horizon",
        )


def load_bays(location: Location) -> list[engine.BayInfo]:
    rows = db.session.execute(
        sa.select(Bay.id, Bay.capabilities).where(
            Bay.location_id == location.id, Bay.active.is_(True)
        )
    ).all()
    return [engine.BayInfo(id=r.id, capabilities=frozenset(r.capabilities)) for r in rows]


def load_closures(location: Location, start_at: datetime, end_at: datetime) -> list[engine.Closure]:
    rows = db.session.execute(
        sa.select(Closure.starts_at, Closure.ends_at, Closure.reason).where(
            Closure.location_id == location.id,
            Closure.ends_at > start_at,
            Closure.starts_at < end_at,
        )
    ).all()
    return [engine.Closure(starts_at=r.starts_at, ends_at=r.ends_at, reason=r.reason) for r in rows]


def busy_query(location_id: int, start_at: datetime, end_at: datetime) -> sa.Select[Any]:
    """Blocks of bay-holding appointments overlapping [start_at, end_at), on the partial index."""
    return (
        sa.select(Appointment.bay_id, Appointment.starts_at, Appointment.block_ends_at)
        .join(Bay, Bay.id == Appointment.bay_id)
        .where(
            Bay.location_id == location_id,
            HOLDS_BAY,
            Appointment.block_ends_at > start_at,
            Appointment.starts_at < end_at,
        )
    )


def holds_query(
    location_id: int, start_at: datetime, end_at: datetime, *, now: datetime | None
) -> sa.Select[Any]:
    """Bays held for a waitlist offer over [start_at, end_at): busy for everyone but the holder.
    Without `now`, every hold not yet released counts (the safe side)."""
    stmt = (
        sa.select(WaitlistHold.bay_id, WaitlistHold.starts_at, WaitlistHold.block_ends_at)
        .join(Bay, Bay.id == WaitlistHold.bay_id)
        .where(
            Bay.location_id == location_id,
            HOLDING,
            WaitlistHold.block_ends_at > start_at,
            WaitlistHold.starts_at < end_at,
        )
    )
    return stmt if now is None else stmt.where(WaitlistHold.expires_at > now)


def downtime_query(location_id: int, start_at: datetime, end_at: datetime) -> sa.Select[Any]:
    """The location's bay downtimes overlapping [start_at, end_at), on (bay_id, ends_at)."""
    return (
        sa.select(BayDowntime.bay_id, BayDowntime.starts_at, BayDowntime.ends_at)
        .join(Bay, Bay.id == BayDowntime.bay_id)
        .where(
            Bay.location_id == location_id,
            BayDowntime.ends_at > start_at,
            BayDowntime.starts_at < end_at,
        )
    )


def load_busy(
    location: Location,
    start_at: datetime,
    end_at: datetime,
    *,
    exclude: int | None = None,
    now: datetime | None = None,
    holder: int | None = None,
) -> list[engine.Busy]:
    """The busy blocks of the range, in one statement: bookings, a bay's downtime, and live
    waitlist holds; `exclude` leaves out one appointment (when moving it), `holder` the hold of
    the one booking it."""
    stmt, params = _busy_statement(
        "blocks", location.id, start_at, end_at, exclude=exclude, now=now, holder=holder
    )
    return [
        engine.Busy(bay_id=r[0], starts_at=r[1], ends_at=r[2])
        for r in db.session.execute(stmt, params)
    ]


def read_busy_rows(
    location: Location, start_at: datetime, end_at: datetime, *, now: datetime
) -> tuple[list[engine.Busy], datetime | None]:
    """`load_busy`'s rows (nothing left out), and when the first waitlist hold among them
    expires (None: no hold), from the same statement."""
    stmt, params = _busy_statement("expiring blocks", location.id, start_at, end_at, now=now)
    busy: list[engine.Busy] = []
    expiries: list[datetime] = []
    for r in db.session.execute(stmt, params):
        busy.append(engine.Busy(bay_id=r[0], starts_at=r[1], ends_at=r[2]))
        if r[3] is not None:
            expiries.append(r[3])
    return busy, min(expiries, default=None)


#: The busy-time statements' parameters. The statements are built once per shape and process
#: (`_busy_shape`) and run with these bound: building one anew for each request cost more
#: Python time than the database took to answer it.
_PARAMS = {
    name: sa.bindparam(name)
    for name in ("location_id", "start_at", "end_at", "exclude", "now", "holder")
}


def _blocks(
    location_id: Any,
    start_at: Any,
    end_at: Any,
    *,
    exclude: Any = None,
    now: Any = None,
    holder: Any = None,
    expiring: bool = False,
) -> tuple[sa.CompoundSelect, sa.Select[Any]]:
    """The range's busy blocks in one UNION ALL (bookings, downtime, live holds), and the holds'
    own SELECT. `expiring` adds a fourth column: when each hold expires (NULL for the others)."""
    bookings = busy_query(location_id, start_at, end_at)
    if exclude is not None:
        bookings = bookings.where(Appointment.id != exclude)
    holds = holds_query(location_id, start_at, end_at, now=now)
    if holder is not None:
        holds = holds.where(WaitlistHold.id != holder)
    downtime = downtime_query(location_id, start_at, end_at)
    if expiring:
        no_expiry = sa.cast(sa.null(), WaitlistHold.expires_at.type)
        bookings, downtime = bookings.add_columns(no_expiry), downtime.add_columns(no_expiry)
        holds = holds.add_columns(WaitlistHold.expires_at)
    return sa.union_all(bookings, downtime, holds), holds


@functools.cache
def _busy_shape(
    kind: str, dialect: str, exclude: bool, now: bool, holder: bool
) -> sa.Select[Any] | sa.CompoundSelect:
    """One busy-time statement with bound parameters: "blocks" (`load_busy`), "expiring blocks"
    (`read_busy_rows`) or "islands" (`busy_islands_query`, also bound: gap_us)."""
    p = _PARAMS
    optional = {
        "exclude": p["exclude"] if exclude else None,
        "now": p["now"] if now else None,
        "holder": p["holder"] if holder else None,
    }
    where = (p["location_id"], p["start_at"], p["end_at"])
    if kind == "islands":
        gap_us = sa.bindparam("gap_us", type_=sa.BigInteger())
        return _islands_statement(*where, gap_us=gap_us, dialect=dialect, **optional)
    return _blocks(*where, expiring=kind == "expiring blocks", **optional)[0]


def _busy_statement(
    kind: str,
    location_id: int,
    start_at: datetime,
    end_at: datetime,
    *,
    exclude: int | None = None,
    now: datetime | None = None,
    holder: int | None = None,
    gap_us: int | None = None,
    dialect: str | None = None,
) -> tuple[sa.Select[Any] | sa.CompoundSelect, dict[str, Any]]:
    """The statement of `kind` for these values, and the parameters to run it with (for the
    app's database unless `dialect` says another)."""
    params: dict[str, Any] = {"location_id": location_id, "start_at": start_at, "end_at": end_at}
    optional = {"exclude": exclude, "now": now, "holder": holder, "gap_us": gap_us}
    params.update({k: v for k, v in optional.items() if v is not None})
    shape = _busy_shape(
        kind,
        dialect or db.engine.dialect.name,
        exclude is not None,
        now is not None,
        holder is not None,
    )
    return shape, params


class epoch_us(FunctionElement[int]):
    """An instant column as integer microseconds since the Unix epoch (UTC), exactly."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "epoch_us"


@compiles(epoch_us, "postgresql")
def _epoch_us_postgresql(element: epoch_us, compiler: SQLCompiler, **kw: Any) -> str:
    # EXTRACT gives a numeric (exact) for timestamptz.
    return (
        f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"
    )


@compiles(epoch_us, "sqlite")
def _epoch_us_sqlite(element: epoch_us, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds from the first 19
    # characters (no rounding of the fraction), microseconds from the last six.
    value = compiler.process(element.clauses, **kw)
    return (
        f"(CAST(strftime('%s', substr({value}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({value}, 21, 6) AS INTEGER))"
    )


def _int_list(text: str | None) -> list[int]:
    return list(map(int, text.split(","))) if text else []


def busy_islands_query(
    location_id: int,
    start_at: datetime,
    end_at: datetime,
    *,
    gap_us: int,
    dialect: str,
    exclude: int | None = None,
    now: datetime | None = None,
    holder: int | None = None,
) -> sa.Select[Any]:
    """`load_busy_islands`' one statement with these values in it (to read or explain it;
    `read_busy_islands` runs the shape built once, with them bound)."""
    statement, params = _busy_statement(
        "islands",
        location_id,
        start_at,
        end_at,
        exclude=exclude,
        now=now,
        holder=holder,
        gap_us=int(gap_us),
        dialect=dialect,
    )
    return statement.params(params)  # type: ignore[return-value]


def _islands_statement(
    location_id: Any,
    start_at: Any,
    end_at: Any,
    *,
    gap_us: Any,
    dialect: str,
    exclude: Any = None,
    now: Any = None,
    holder: Any = None,
) -> sa.Select[Any]:
    """Gaps and islands per bay over load_busy's UNION ALL, in one window pass (one sort).
    PostgreSQL compares the instants as they are and converts only the islands' bounds to
    microseconds; SQLite (text instants) converts every block."""
    union, holds = _blocks(location_id, start_at, end_at, exclude=exclude, now=now, holder=holder)
    blocks = union.subquery()
    bay_col, start_col, end_col = list(blocks.c)
    native = dialect == "postgresql"

    def key(col: Any) -> Any:
        return col if native else epoch_us(col)

    def plus_gap(col: Any) -> Any:
        if native:
            return col + gap_us * sa.literal_column("INTERVAL '1 microsecond'")
        return col + gap_us

    # Per bay in (start, end) order: the latest end before each block and up to it, and the
    # next block's start. A block opens an island unless it starts less than `gap` after the
    # latest end before it; it closes one unless the next block starts less than `gap` after
    # the latest end so far (which is then the island's end).
    # One window definition (lead ignores the frame), so one sort and one pass.
    window: dict[str, Any] = {
        "partition_by": bay_col,
        "order_by": (start_col, end_col),
        "rows": (None, -1),
    }
    passed = sa.select(
        bay_col.label("bay"),
        key(start_col).label("s"),
        key(end_col).label("e"),
        sa.func.max(key(end_col)).over(**window).label("before"),
        sa.func.lead(key(start_col)).over(**window).label("next"),
    ).where(start_col < end_col)  # an empty block blocks nothing (and must not join islands)
    w = passed.subquery("w")
    upto = sa.case((w.c.before > w.c.e, w.c.before), else_=w.c.e)  # NULL before: e
    opens = sa.or_(w.c.before.is_(None), w.c.s >= plus_gap(w.c.before))
    closes = sa.or_(w.c.next.is_(None), w.c.next >= plus_gap(upto))
    bounds = (
        sa.select(
            w.c.bay,
            w.c.s,
            upto.label("e"),
            sa.case((opens, 1), else_=0).label("opens"),
            sa.case((closes, 1), else_=0).label("closes"),
        )
        .where(sa.or_(opens, closes))
        .subquery("bounds")
    )
    # Only opening and closing blocks are left, in turn per bay (one block may be both): a
    # closing block's island starts at its own start if it opens one, else at the block before.
    island_start = sa.case(
        (bounds.c.opens == 1, bounds.c.s),
        else_=sa.func.lag(bounds.c.s).over(
            partition_by=bounds.c.bay, order_by=(bounds.c.s, bounds.c.opens.desc())
        ),
    )
    islands = sa.select(
        bounds.c.bay, island_start.label("s"), bounds.c.e, bounds.c.closes
    ).subquery("islands")

    def to_us(col: Any) -> Any:
        return epoch_us(col) if native else col

    # One row of three lists, one entry per island, and when the first live hold counted expires
    # (NULL: none), after which this answer no longer holds.
    first_expiry = holds.with_only_columns(sa.func.min(WaitlistHold.expires_at)).scalar_subquery()
    return sa.select(
        sa.func.aggregate_strings(sa.cast(islands.c.bay, sa.String), ","),
        sa.func.aggregate_strings(sa.cast(to_us(islands.c.s), sa.String), ","),
        sa.func.aggregate_strings(sa.cast(to_us(islands.c.e), sa.String), ","),
        first_expiry,
    ).where(islands.c.closes == 1)


def load_busy_islands(
    location: Location,
    start_at: datetime,
    end_at: datetime,
    *,
    gap: timedelta,
    exclude: int | None = None,
    now: datetime | None = None,
    holder: int | None = None,
) -> engine.BusyIslands:
    """The same busy time as `load_busy`, in one statement, merged per bay in SQL: blocks of a
    bay that overlap or lie less than `gap` apart become one island (pass the visit's duration +
    buffer, so no island is joined across a gap the visit fits in), returned as three
    comma-separated lists of bay ids and epoch microseconds, parsed into `engine.BusyIslands`."""
    return read_busy_islands(
        location, start_at, end_at, gap=gap, exclude=exclude, now=now, holder=holder
    )[0]


def read_busy_islands(
    location: Location,
    start_at: datetime,
    end_at: datetime,
    *,
    gap: timedelta,
    exclude: int | None = None,
    now: datetime | None = None,
    holder: int | None = None,
) -> tuple[engine.BusyIslands, datetime | None]:
    """`load_busy_islands`, and when the first waitlist hold counted in them expires (None: no
    hold counted), from the same statement: until then the islands are the range's busy time."""
    gap_us = gap // timedelta(microseconds=1)
    stmt, params = _busy_statement(
        "islands",
        location.id,
        start_at,
        end_at,
        exclude=exclude,
        now=now,
        holder=holder,
        gap_us=gap_us,
    )
    row = db.session.execute(stmt, params).one()
    islands = engine.BusyIslands(
        bay_ids=_int_list(row[0]),
        starts_us=_int_list(row[1]),
        ends_us=_int_list(row[2]),
        gap_us=gap_us,
    )
    return islands, row[3]


@dataclass(frozen=True, slots=True)
class _Read:
    """Busy islands as read under a schedule version at `read_at`, good until `expires_at`."""

    version: int
    read_at: datetime
    expires_at: datetime | None
    islands: engine.BusyIslands


class BusyCache:
    """The busy islands this process read lately, per (database, location, range, gap).

    An entry answers again only for the same `Location.schedule_version` (triggers set a new
    random one on every write that can change the location's busy time, in the writer's own
    transaction: migration 0022), at a `now` not before it was read (a hold it left out as
    expired stays expired) and before the first hold it counted expires. The version is read
    before the islands (with the location), so an entry is never older than its version says.
    Least recently used entries go first beyond `size`. Shared by a process's threads.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Any, ...], _Read] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], version: int, now: datetime) -> engine.BusyIslands | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.version != version:
                return None
            if now < entry.read_at or (entry.expires_at is not None and now >= entry.expires_at):
                return None
            self._entries.move_to_end(key)
            return entry.islands

    def put(self, key: tuple[Any, ...], entry: _Read) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


busy_cache = BusyCache()


def check_vehicle(user: User, vehicle_id: int) -> None:
    """A customer may ask about their own saved vehicles, staff about any vehicle (as booking
    allows); anything else is refused like an unknown vehicle, revealing nothing."""
    owner = db.session.execute(
        sa.select(Vehicle.owner_id).where(Vehicle.id == vehicle_id)
    ).one_or_none()
    if owner is None or (not user.is_staff and owner[0] != user.id):
        raise AvailabilityError(_("Choose one of your own vehicles."), kind="unknown-vehicle")


def load_vehicle_visits(
    vehicle_id: int, start_at: datetime, end_at: datetime, *, exclude: int | None = None
) -> list[tuple[datetime, datetime]]:
    """The vehicle's active visits [starts_at, ends_at) overlapping the range, at any location:
    the database refuses a vehicle in two overlapping visits (no buffer between them)."""
    stmt = sa.select(Appointment.starts_at, Appointment.ends_at).where(
        Appointment.vehicle_id == vehicle_id,
        HOLDS_BAY,
        Appointment.ends_at > start_at,
        Appointment.starts_at < end_at,
    )
    if exclude is not None:
        stmt = stmt.where(Appointment.id != exclude)
    return [(r[0], r[1]) for r in db.session.execute(stmt)]


def range_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants that enclose local days start..end (a day of margin for long visits)."""
    return (
        datetime.combine(start, time(0), zone),
        datetime.combine(end + timedelta(days=2), time(0), zone),
    )


def visit_of(appointment: Appointment) -> Visit:
    """An existing appointment's visit as booked: its snapshot durations, and the capabilities
    of its services (still known even if a service was since deactivated)."""
    ids = [s.service_id for s in appointment.services if s.service_id is not None]
    services = (
        list(db.session.scalars(sa.select(Service).where(Service.id.in_(ids)))) if ids else []
    )
    return Visit(
        services=services,
        duration=timedelta(minutes=sum(s.duration_minutes for s in appointment.services)),
        capabilities=frozenset(s.capability.value for s in services),
    )


def staff_rules(rules: engine.BookingRules) -> engine.BookingRules:
    """Staff book phone and walk-in customers: the minimum notice doesn't apply to them."""
    return rules.for_booker(staff=True)


def busy_time(
    location: Location,
    start_at: datetime,
    end_at: datetime,
    visit: Visit,
    rules: engine.BookingRules,
    exclude: int | None,
    now: datetime,
    *,
    reuse: bool = False,
) -> dict[str, Any]:
    """The range's busy time for the engine, in one statement or none.

    With `reuse` (the caller read `location` just now: its schedule version is current) and no
    appointment left out, as islands kept in `busy_cache` and reused while the location's
    schedule version stays the same (no statement then). Otherwise, on PostgreSQL as islands
    merged in SQL; on SQLite as rows, which measured faster there (its text instants make the
    SQL conversion and window pass cost more than the rows it saves; docs/PERFORMANCE.md)."""
    version = location.schedule_version
    if reuse and exclude is None and version is not None:
        gap = visit.duration + rules.buffer
        key = (db.engine.url, location.id, start_at, end_at, gap)
        cached = busy_cache.get(key, version, now)
        if cached is None:
            if db.engine.dialect.name == "postgresql":
                read, expires_at = read_busy_islands(location, start_at, end_at, gap=gap, now=now)
            else:  # rows merged here: faster than SQLite's window pass over text instants
                rows, expires_at = read_busy_rows(location, start_at, end_at, now=now)
                read = engine.merge_busy(rows, gap)
            # Kept as machine integers: a 128-bay month is ~10,000 islands, 240 kB this way.
            cached = engine.BusyIslands(
                bay_ids=array("q", read.bay_ids),
                starts_us=array("q", read.starts_us),
                ends_us=array("q", read.ends_us),
                gap_us=read.gap_us,
            )
            busy_cache.put(key, _Read(version, now, expires_at, cached))
        return {"islands": cached}
    if db.engine.dialect.name == "postgresql":
        gap = visit.duration + rules.buffer
        islands = load_busy_islands(location, start_at, end_at, gap=gap, exclude=exclude, now=now)
        return {"islands": islands}
    return {"busy": load_busy(location, start_at, end_at, exclude=exclude, now=now)}


def find_availability(
    service_ids: list[int] | Visit,
    start: date,
    end: date,
    *,
    now: datetime,
    location_id: int | None = None,
    exclude_appointment_id: int | None = None,
    by_staff: bool = False,
    vehicle_id: int | None = None,
    mode: VisitMode | None = None,
) -> Availability:
    """Free starts per local day for a visit (service ids, or an existing appointment's visit).

    `exclude_appointment_id` leaves that appointment's own block out (rescheduling it);
    `by_staff` drops the minimum notice; `vehicle_id` (a saved vehicle already checked to be the
    caller's) leaves out the starts at which that vehicle is in another visit; `mode` (drop-off or
    wait) leaves out the starts at which the location's cap for that mode is reached (a seventh
    statement, only when the location caps that mode).
    """
    location = load_location(location_id)
    check_range(start, end, location)
    visit = service_ids if isinstance(service_ids, Visit) else load_visit(service_ids)
    bays = load_bays(location)
    if not any(visit.capabilities <= bay.capabilities for bay in bays):
        needs = " and ".join(sorted(visit.capabilities))
        raise AvailabilityError(
            _(
                "No bay at %(location)s can do this visit (it needs %(needs)s). "
                "Book these services separately, or call the shop.",
                location=location.name,
                needs=needs,
            ),
            kind="no-capable-bay",
        )
    zone = ZoneInfo(location.timezone)
    start_at, end_at = range_bounds(start, end, zone)
    rules = rules_of(location)
    days = engine.free_slots(
        opening_hours=[
            engine.OpeningInterval(weekday=h.weekday, opens=h.opens, closes=h.closes)
            for h in location.opening_hours
        ],
        closures=load_closures(location, start_at, end_at),
        bays=bays,
        **busy_time(
            location, start_at, end_at, visit, rules, exclude_appointment_id, now, reuse=True
        ),
        duration=visit.duration,
        capabilities=visit.capabilities,
        rules=staff_rules(rules) if by_staff else rules,
        zone=zone,
        start=start,
        end=end,
        now=now,
        blocked=(
            load_vehicle_visits(vehicle_id, start_at, end_at, exclude=exclude_appointment_id)
            if vehicle_id is not None
            else ()
        ),
        technicians=people.load_technicians(
            location,
            people.categories_of(visit.services),
            start_at,
            end_at,
            exclude=exclude_appointment_id,
            now=now,
        ),
        caps=visit_caps.index_for(location, mode, start_at, end_at, exclude=exclude_appointment_id),
    )
    return Availability(location=location, zone=zone, visit=visit, days=days)

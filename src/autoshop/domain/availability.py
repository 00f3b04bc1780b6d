"""Availability engine: the start times a visit can be booked at, day by day.

A pure function of its inputs (opening hours, closures, bays, busy blocks, the times the visit
itself can't overlap, the visit, the booking rules, the shop's zone and `now`); see DESIGN.md
section 4. Busy blocks (datetime `Busy` rows, or `BusyIslands` already merged per bay in SQL as
integer epoch microseconds) are filtered to the range, merged per bay into sorted "blocked start"
windows once, and each candidate start is then checked with a few `bisect` calls, so a month for a
busy shop takes a few milliseconds.

Local-time rules (the shop's zone, via `zoneinfo`):

* The grid is built in local wall-clock time: `opens`, `opens + slot_interval`, ... while the wall
  time is before `closes`. A wall time that does not exist (spring-forward gap) is never offered. A
  wall time that happens twice (fall-back fold) is offered once, at its first occurrence (fold=0).
* An opening interval's real (UTC) bounds are "the first instant the wall clock reads that time or
  later": an ordinary time maps to its instant, an ambiguous one to its first occurrence, and a
  time inside a gap to the transition instant. A visit `[t, t + duration)` must fit inside one
  interval's real bounds, so an interval that spans a transition is shorter or longer in real
  time by the shift (a 00:00-06:00 night shift lasts 5 h on spring-forward day, 7 h on fall-back).
* `is_open` is False when the weekday has no opening interval (`closed_reason` None) or when
  closures cover every interval (`closed_reason` joins the reasons of those closures, in time
  order, without repeats; usually there is just one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter, ge
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from autoshop.domain.technicians import Technicians
    from autoshop.domain.visit_caps import CapIndex

__all__ = [
    "BayInfo",
    "BookingRules",
    "Busy",
    "BusyIslands",
    "Closure",
    "DayAvailability",
    "Downtime",
    "OpeningInterval",
    "Slot",
    "free_slots",
    "is_offered",
    "merge_busy",
    "slot_at",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - local wall-clock arithmetic, no zone on purpose
_EPOCH_ORDINAL = _NAIVE_EPOCH.toordinal()
_ONE_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_LAST_US_OF_DAY = _DAY_US - 1


@dataclass(frozen=True, slots=True)
class OpeningInterval:
    """A local wall-clock interval [opens, closes) on a weekday (0 = Monday ... 6 = Sunday)."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class Closure:
    """A holiday or partial-day closure [starts_at, ends_at), aware datetimes in any zone."""

    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class BayInfo:
    """An active bay and the capabilities it offers (general, lift, alignment, ...)."""

    id: int
    capabilities: frozenset[str]


@dataclass(frozen=True, slots=True)
class Busy:
    """A bay taken over [starts_at, ends_at): an active appointment's block (ends_at includes
    its buffer) or the bay's downtime."""

    bay_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class BusyIslands:
    """Busy blocks in the shape a database hands over cheaply: three parallel arrays, one entry
    per island, instants as integer microseconds since the Unix epoch (UTC).

    An island is a bay's busy time [start, end) (start < end): within one bay, islands are
    disjoint and at least `gap_us` apart, because blocks that overlap or lie less than `gap_us`
    apart have been joined (services/availability.py `load_busy_islands` does it in SQL). Joining
    blocks less than a visit's reach (its duration + buffer) apart changes nothing for that visit,
    as no start fits between them, so the engine accepts islands with `gap_us` up to the reach;
    with `gap_us` equal to the reach it uses them as they are, without a pass per bay. The arrays
    may be in any order and may mention bays not in `bays` (they are ignored).
    """

    bay_ids: Sequence[int]
    starts_us: Sequence[int]
    ends_us: Sequence[int]
    gap_us: int = 0


@dataclass(frozen=True, slots=True)
class Downtime:
    """One bay out of service over [starts_at, ends_at) (lift inspection, repair): to the
    engine it is a busy block on that bay, so nothing starts on it that would overlap."""

    bay_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str

    def as_busy(self) -> Busy:
        return Busy(self.bay_id, self.starts_at, self.ends_at)


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The location's booking rules that shape the grid and the bookable window."""

    slot_interval: timedelta = timedelta(minutes=15)
    minimum_notice: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=60)
    buffer: timedelta = timedelta(minutes=10)

    def for_booker(self, *, staff: bool) -> BookingRules:
        """The rules for who books. Customers online need the minimum notice; staff taking a
        phone or walk-in booking may book inside it (the customer is on the line or at the
        counter). Nobody books a start that has passed: the window still opens at `now`."""
        if not staff:
            return self
        return BookingRules(
            slot_interval=self.slot_interval,
            minimum_notice=timedelta(0),
            horizon=self.horizon,
            buffer=self.buffer,
        )


@dataclass(frozen=True, slots=True)
class Slot:
    """A start: [starts_at, ends_at) in UTC (no buffer), and how many capable bays are free."""

    starts_at: datetime
    ends_at: datetime
    free_bays: int


@dataclass(frozen=True, slots=True)
class DayAvailability:
    """One local date: open or not, its offered slots, and the closure reason for a closed day.

    `closed_reason` is set only when closures cover every opening interval of the day; a day that
    is simply not an opening day has `is_open=False` and `closed_reason=None`.
    """

    date: date
    is_open: bool
    slots: tuple[Slot, ...]
    closed_reason: str | None


def merge_busy(busy: Sequence[Busy], gap: timedelta) -> BusyIslands:
    """Busy rows as `BusyIslands`: per bay, blocks that overlap or lie less than `gap` apart
    joined (what services/availability.py `load_busy_islands` does in SQL), in epoch
    microseconds. Empty blocks block nothing and are left out."""
    gap_us = gap // _ONE_US
    per_bay: dict[int, list[tuple[int, int]]] = {}
    try:
        for b in busy:
            s_us = (b.starts_at - _EPOCH) // _ONE_US
            e_us = (b.ends_at - _EPOCH) // _ONE_US
            if s_us < e_us:
                per_bay.setdefault(b.bay_id, []).append((s_us, e_us))
    except TypeError as exc:  # a naive datetime less the aware epoch
        raise ValueError("busy datetimes must be timezone-aware") from exc
    bay_ids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for bay_id, blocks in per_bay.items():
        blocks.sort()
        cur_s, cur_e = blocks[0]
        for s, e in blocks:
            if s < cur_e + gap_us:
                if e > cur_e:
                    cur_e = e
            else:
                bay_ids.append(bay_id)
                starts.append(cur_s)
                ends.append(cur_e)
                cur_s, cur_e = s, e
        bay_ids.append(bay_id)
        starts.append(cur_s)
        ends.append(cur_e)
    return BusyIslands(bay_ids=bay_ids, starts_us=starts, ends_us=ends, gap_us=gap_us)


def free_slots(
    *,
    opening_hours: Sequence[OpeningInterval],
    closures: Sequence[Closure],
    bays: Sequence[BayInfo],
    busy: Sequence[Busy] = (),
    duration: timedelta,
    capabilities: frozenset[str],
    rules: BookingRules,
    zone: ZoneInfo,
    start: date,
    end: date,
    now: datetime,
    blocked: Sequence[tuple[datetime, datetime]] = (),
    technicians: Technicians | None = None,
    caps: CapIndex | None = None,
    islands: BusyIslands | None = None,
) -> list[DayAvailability]:
    """Every local date in [start, end] with the starts a visit of `duration` can be booked at.

    `busy` may be unsorted and may mention bays not in `bays` (they are ignored). A slot is offered
    when it is on the grid, fits in one opening interval, avoids every closure, respects minimum
    notice and horizon, and at least one capable bay is free over [t, t + duration + buffer).

    `blocked` are times [starts_at, ends_at) the visit itself can't overlap, whatever the bays
    (e.g. the customer's vehicle is in another visit then): a start t is not offered when
    [t, t + duration) overlaps one of them. No buffer applies; an empty interval blocks nothing.

    `technicians` (domain/technicians.py), when given, adds people as capacity: a start is
    offered only if also at least one technician skilled in the visit's categories is free
    (working, not off, not on another visit) over [t, t + duration). None: bays only.
    `caps` (domain/visit_caps.py), when given, leaves out the starts at which one more visit of
    the mode being booked would exceed the location's waiter or drop-off cap.
    `islands` are more busy time, already merged per bay (see `BusyIslands`); `busy` and
    `islands` may both be given, and a bay is taken where either says so.
    """
    if end < start:
        raise ValueError("end must not be before start")
    engine = _Engine(
        opening_hours=opening_hours,
        closures=closures,
        bays=bays,
        busy=busy,
        duration=duration,
        capabilities=capabilities,
        rules=rules,
        zone=zone,
        start=start,
        end=end,
        now=now,
        blocked=blocked,
        technicians=technicians,
        caps=caps,
        islands=islands,
    )
    return [engine.day(start + timedelta(days=i)) for i in range((end - start).days + 1)]


def slot_at(
    start_at: datetime,
    *,
    opening_hours: Sequence[OpeningInterval],
    closures: Sequence[Closure],
    bays: Sequence[BayInfo],
    busy: Sequence[Busy] = (),
    duration: timedelta,
    capabilities: frozenset[str],
    rules: BookingRules,
    zone: ZoneInfo,
    now: datetime,
    blocked: Sequence[tuple[datetime, datetime]] = (),
    technicians: Technicians | None = None,
    caps: CapIndex | None = None,
    islands: BusyIslands | None = None,
) -> Slot | None:
    """The slot `free_slots` would offer at `start_at`, or None; used to re-check a booking.

    It runs the same engine over the local date of `start_at`, so it agrees with `free_slots`
    exactly (a second occurrence of an ambiguous wall time is never offered, for instance).
    """
    _require_aware(start_at, "start_at")
    day = start_at.astimezone(zone).date()
    (availability,) = free_slots(
        opening_hours=opening_hours,
        closures=closures,
        bays=bays,
        busy=busy,
        duration=duration,
        capabilities=capabilities,
        rules=rules,
        zone=zone,
        start=day,
        end=day,
        now=now,
        blocked=blocked,
        technicians=technicians,
        caps=caps,
        islands=islands,
    )
    for slot in availability.slots:
        if slot.starts_at == start_at:
            return slot
    return None


def is_offered(
    start_at: datetime,
    *,
    opening_hours: Sequence[OpeningInterval],
    closures: Sequence[Closure],
    bays: Sequence[BayInfo],
    busy: Sequence[Busy] = (),
    duration: timedelta,
    capabilities: frozenset[str],
    rules: BookingRules,
    zone: ZoneInfo,
    now: datetime,
    blocked: Sequence[tuple[datetime, datetime]] = (),
    technicians: Technicians | None = None,
    caps: CapIndex | None = None,
    islands: BusyIslands | None = None,
) -> bool:
    """Whether `free_slots` would offer a visit starting at `start_at` (see `slot_at`)."""
    return (
        slot_at(
            start_at,
            opening_hours=opening_hours,
            closures=closures,
            bays=bays,
            busy=busy,
            duration=duration,
            capabilities=capabilities,
            rules=rules,
            zone=zone,
            now=now,
            blocked=blocked,
            technicians=technicians,
            caps=caps,
            islands=islands,
        )
        is not None
    )


# --- internals -------------------------------------------------------------------------------


_BY_START = attrgetter("starts_at")


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")


def _utc(value: datetime) -> datetime:
    """The same instant with tzinfo=UTC, so comparisons take CPython's fast same-tzinfo path."""
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _check_islands(islands: BusyIslands, reach: int) -> None:
    """Refuse islands that could change an answer: joined across a gap this visit fits in, empty,
    or arrays of different lengths."""
    if islands.gap_us < 0 or islands.gap_us > reach:
        raise ValueError("busy islands joined across gaps longer than the visit's reach")
    if not len(islands.bay_ids) == len(islands.starts_us) == len(islands.ends_us):
        raise ValueError("busy islands: bay_ids, starts_us and ends_us differ in length")
    if any(map(ge, islands.starts_us, islands.ends_us)):
        raise ValueError("a busy island must end after it starts")


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _time_us(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


class _Engine:
    """Inputs normalised once (UTC datetimes, sorted merged lists), then queried day by day.

    Instants are aware UTC datetimes (all sharing the `UTC` tzinfo, which CPython compares as
    fast as integers); the local grid arithmetic and the busy windows are integer microseconds
    since the epoch, so busy time handed over as `BusyIslands` is never turned into objects.
    """

    __slots__ = (
        "_block_closes",
        "_block_opens",
        "_blocked_closes",
        "_blocked_opens",
        "_blocks_in_us",
        "_caps",
        "_closure_ends",
        "_closure_starts",
        "_closures",
        "_duration",
        "_duration_us",
        "_first",
        "_last",
        "_n_capable",
        "_step",
        "_step_us",
        "_techs",
        "_weekdays",
        "_zone",
    )

    def __init__(
        self,
        *,
        opening_hours: Sequence[OpeningInterval],
        closures: Sequence[Closure],
        bays: Sequence[BayInfo],
        busy: Sequence[Busy] = (),
        duration: timedelta,
        capabilities: frozenset[str],
        rules: BookingRules,
        zone: ZoneInfo,
        start: date,
        end: date,
        now: datetime,
        blocked: Sequence[tuple[datetime, datetime]] = (),
        technicians: Technicians | None = None,
        caps: CapIndex | None = None,
        islands: BusyIslands | None = None,
    ) -> None:
        _require_aware(now, "now")
        if duration <= timedelta(0):
            raise ValueError("duration must be positive")
        if rules.slot_interval <= timedelta(0):
            raise ValueError("slot_interval must be positive")
        self._zone = zone
        self._duration = duration
        self._duration_us = duration // _ONE_US
        self._step = rules.slot_interval
        self._step_us = rules.slot_interval // _ONE_US
        now = _utc(now)
        # Bookable window for a start t: first <= t <= last.
        self._first = now + rules.minimum_notice
        self._last = now + rules.horizon

        weekdays: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for interval in opening_hours:
            if not 0 <= interval.weekday <= 6:
                raise ValueError(f"weekday must be 0..6, got {interval.weekday}")
            if interval.closes <= interval.opens:
                raise ValueError("an opening interval must close after it opens")
            weekdays[interval.weekday].append((_time_us(interval.opens), _time_us(interval.closes)))
        for intervals in weekdays:
            intervals.sort()
        self._weekdays = weekdays

        raw: list[tuple[datetime, datetime, str]] = []
        for closure in closures:
            _require_aware(closure.starts_at, "Closure.starts_at")
            _require_aware(closure.ends_at, "Closure.ends_at")
            if closure.starts_at < closure.ends_at:
                raw.append((_utc(closure.starts_at), _utc(closure.ends_at), closure.reason))
        raw.sort(key=lambda c: (c[0], c[1]))
        self._closures = raw
        # Merged (overlapping or touching) closures: disjoint and sorted, so ends are sorted too.
        starts: list[datetime] = []
        ends: list[datetime] = []
        for c_start, c_end, _ in raw:
            if ends and c_start <= ends[-1]:
                ends[-1] = max(ends[-1], c_end)
            else:
                starts.append(c_start)
                ends.append(c_end)
        self._closure_starts = starts
        self._closure_ends = ends

        capable = {bay.id for bay in bays if capabilities <= bay.capabilities}
        self._n_capable = len(capable)
        # Busy windows: datetimes when only `busy` rows are given (no conversion per row),
        # epoch microseconds when islands are (no datetime per island).
        self._block_opens: list[Any] = []
        self._block_closes: list[Any] = []
        self._blocks_in_us = islands is not None
        reach = (duration + rules.buffer) // _ONE_US
        if islands is not None:
            _check_islands(islands, reach)
        # Starts that can possibly be offered lie in [lo, hi]; busy blocks far from it don't matter.
        lo = max(_from_us((start.toordinal() - _EPOCH_ORDINAL - 2) * _DAY_US), self._first)
        hi = min(_from_us((end.toordinal() - _EPOCH_ORDINAL + 3) * _DAY_US), self._last)
        if capable and islands is not None and lo <= hi:
            self._index_busy(busy, islands, capable, lo, hi, reach)
        elif capable and busy and lo <= hi:
            self._index_busy_rows(busy, capable, lo, hi, duration + rules.buffer)
        self._blocked_opens, self._blocked_closes = self._index_blocked(blocked, duration)
        # Technicians (domain/technicians.py): None when the shop keeps no schedules.
        self._techs = technicians.index(zone, start, end) if technicians is not None else None
        self._caps = caps

    @staticmethod
    def _index_blocked(
        blocked: Sequence[tuple[datetime, datetime]], duration: timedelta
    ) -> tuple[list[datetime], list[datetime]]:
        """Blocked intervals as disjoint sorted open windows of blocked starts.

        A visit [t, t + duration) overlaps [s, e) iff t lies in the open window (s - duration, e).
        Windows that overlap are merged (windows that only touch are not: their common point is
        in neither), so a start is blocked iff it lies before the close of the last window that
        opens before it: one bisect per candidate start.
        """
        windows: list[tuple[datetime, datetime]] = []
        for s, e in blocked:
            _require_aware(s, "blocked start")
            _require_aware(e, "blocked end")
            if s < e:
                windows.append((_utc(s) - duration, _utc(e)))
        windows.sort()
        opens: list[datetime] = []
        closes: list[datetime] = []
        for w_open, w_close in windows:
            if closes and w_open < closes[-1]:
                closes[-1] = max(closes[-1], w_close)
            else:
                opens.append(w_open)
                closes.append(w_close)
        return opens, closes

    def _index_busy(
        self,
        busy: Sequence[Busy],
        islands: BusyIslands | None,
        capable: set[int],
        lo: datetime,
        hi: datetime,
        reach: int,
    ) -> None:
        """Turn busy time into per-bay merged 'blocked start' windows in two sorted lists.

        A start t is blocked on a bay by a busy [s, e) iff s < t + reach and t < e (reach =
        duration + buffer, all in epoch microseconds), i.e. t lies in the open window
        (s - reach, e). With each bay's windows merged into disjoint ones, the number of blocked
        bays at t is #(window opens < t) - #(window closes <= t): two bisects per candidate start.
        """
        relevant = self._relevant_busy(busy, capable, lo, hi, reach) if busy else []
        opens = self._block_opens
        closes = self._block_closes
        if islands is not None and not relevant and islands.gap_us == reach:
            # Already merged for this reach: each island's window is disjoint from its bay's
            # others, so the windows are used as they are.
            ids, starts, ends = islands.bay_ids, islands.starts_us, islands.ends_us
            if capable.issuperset(ids):
                opens.extend([s - reach for s in starts])
                closes.extend(ends)
            else:
                for bay_id, s, e in zip(ids, starts, ends, strict=True):
                    if bay_id in capable:
                        opens.append(s - reach)
                        closes.append(e)
            opens.sort()
            closes.sort()
            return
        per_bay: dict[int, list[tuple[int, int]]] = {}
        for b in relevant:
            s_us = (b.starts_at - _EPOCH) // _ONE_US
            e_us = (b.ends_at - _EPOCH) // _ONE_US
            if s_us < e_us:  # an empty block blocks nothing
                per_bay.setdefault(b.bay_id, []).append((s_us, e_us))
        if islands is not None:
            for bay_id, s_us, e_us in zip(
                islands.bay_ids, islands.starts_us, islands.ends_us, strict=True
            ):
                if bay_id in capable:
                    per_bay.setdefault(bay_id, []).append((s_us, e_us))
        for blocks in per_bay.values():
            blocks.sort()
            cur_s, cur_e = blocks[0]
            for s, e in blocks:
                if s < cur_e + reach:  # windows (s - reach, e) overlap the current one: merge
                    if e > cur_e:
                        cur_e = e
                else:
                    opens.append(cur_s - reach)
                    closes.append(cur_e)
                    cur_s, cur_e = s, e
            opens.append(cur_s - reach)
            closes.append(cur_e)
        opens.sort()
        closes.sort()

    def _index_busy_rows(
        self, busy: Sequence[Busy], capable: set[int], lo: datetime, hi: datetime, reach: timedelta
    ) -> None:
        """`_index_busy` for `Busy` rows alone, in datetimes: the same windows, without
        converting each row to microseconds."""
        per_bay: dict[int, list[Busy]] = {}
        for b in self._relevant_busy(busy, capable, lo, hi, reach // _ONE_US):
            per_bay.setdefault(b.bay_id, []).append(b)
        opens = self._block_opens
        closes = self._block_closes
        for blocks in per_bay.values():
            blocks.sort(key=_BY_START)
            cur_s: datetime | None = None
            cur_e = limit = lo  # set with cur_s
            for b in blocks:
                s, e = b.starts_at, b.ends_at
                if s.tzinfo is not UTC:
                    s = s.astimezone(UTC)
                if e.tzinfo is not UTC:
                    e = e.astimezone(UTC)
                if s >= e:
                    continue  # an empty block blocks nothing
                if cur_s is None:
                    cur_s, cur_e, limit = s, e, e + reach
                elif s < limit:  # windows (s - reach, e) overlap the current one: merge
                    if e > cur_e:
                        cur_e = e
                        limit = e + reach
                else:
                    opens.append(cur_s - reach)
                    closes.append(cur_e)
                    cur_s, cur_e, limit = s, e, e + reach
            if cur_s is not None:
                opens.append(cur_s - reach)
                closes.append(cur_e)
        opens.sort()
        closes.sort()

    @staticmethod
    def _relevant_busy(
        busy: Sequence[Busy], capable: set[int], lo: datetime, hi: datetime, reach: int
    ) -> list[Busy]:
        """The busy blocks of capable bays near [lo, hi]."""
        # Cheap prefilter, with a day of slack either side, compared in the busy rows' own zone
        # (same tzinfo objects compare field by field, which is fast and close enough here).
        zone0 = busy[0].ends_at.tzinfo
        if zone0 is None:
            raise ValueError("busy datetimes must be timezone-aware")
        lo_x = (lo - timedelta(days=1)).astimezone(zone0)
        hi_x = (hi + timedelta(microseconds=reach, days=1)).astimezone(zone0)
        try:
            return [
                b for b in busy if b.ends_at > lo_x and b.starts_at < hi_x and b.bay_id in capable
            ]
        except TypeError as exc:  # a naive datetime compared with an aware one
            raise ValueError("busy datetimes must be timezone-aware") from exc

    # -- per day ----------------------------------------------------------------------------

    def day(self, day: date) -> DayAvailability:
        """Availability of one local date."""
        intervals = self._weekdays[day.weekday()]
        if not intervals:
            return DayAvailability(date=day, is_open=False, slots=(), closed_reason=None)
        bounds, starts = self._grid(day, intervals)
        if all(a >= b or self._covered(a, b) for a, b in bounds):
            return DayAvailability(
                date=day, is_open=False, slots=(), closed_reason=self._reason(bounds)
            )
        slots = self._slots(starts)
        return DayAvailability(date=day, is_open=True, slots=slots, closed_reason=None)

    def _slots(self, starts: list[datetime]) -> tuple[Slot, ...]:
        """The candidate starts that pass notice, horizon, closures and bays, as Slots."""
        n_capable = self._n_capable
        if not n_capable:
            return ()
        first, last, duration = self._first, self._last, self._duration
        c_starts, c_ends = self._closure_starts, self._closure_ends
        n_closures = len(c_ends)
        opens, closes, in_us = self._block_opens, self._block_closes, self._blocks_in_us
        v_opens, v_closes = self._blocked_opens, self._blocked_closes
        techs = self._techs
        caps = self._caps
        out: list[Slot] = []
        for t in starts:
            if t < first or t > last:
                continue
            t_end = t + duration
            if n_closures:
                i = bisect_right(c_ends, t)
                if i < n_closures and c_starts[i] < t_end:
                    continue
            if v_opens:
                j = bisect_left(v_opens, t)
                if j and t < v_closes[j - 1]:
                    continue
            if caps is not None and not caps.fits(t):
                continue
            tk = (t - _EPOCH) // _ONE_US if in_us else t
            free = n_capable - bisect_left(opens, tk) + bisect_right(closes, tk)
            if free > 0:
                if techs is not None and not techs.any_free(t, t_end):
                    continue  # no skilled technician free for the whole visit
                out.append(Slot(starts_at=t, ends_at=t_end, free_bays=free))
        return tuple(out)

    def _covered(self, a: datetime, b: datetime) -> bool:
        """Whether the merged closures cover [a, b) entirely."""
        ends = self._closure_ends
        i = bisect_right(ends, a)
        return i < len(ends) and self._closure_starts[i] <= a and ends[i] >= b

    def _reason(self, bounds: list[tuple[datetime, datetime]]) -> str | None:
        """Reasons of the closures that close the day, in time order, without repeats."""
        reasons: list[str] = []
        for c_start, c_end, reason in self._closures:
            if reason not in reasons and any(
                a < b and c_start < b and a < c_end for a, b in bounds
            ):
                reasons.append(reason)
        return "; ".join(reasons) if reasons else None

    def _grid(
        self, day: date, intervals: list[tuple[int, int]]
    ) -> tuple[list[tuple[datetime, datetime]], list[datetime]]:
        """Real (UTC) bounds of the day's opening intervals and the sorted candidate starts."""
        base = (day.toordinal() - _EPOCH_ORDINAL) * _DAY_US
        duration, step = self._duration_us, self._step_us
        bounds: list[tuple[datetime, datetime]] = []
        starts: list[datetime] = []
        offset = self._uniform_offset(base)
        for opens, closes in intervals:
            lo_local, hi_local = base + opens, base + closes
            if offset is None:
                a_off0, a_off1 = self._offsets(lo_local)
                b_off0, b_off1 = self._offsets(hi_local)
                if not a_off0 == a_off1 == b_off0 == b_off1:
                    # A DST transition touches this interval: convert each wall time on its own.
                    a = self._bound(lo_local, a_off0, a_off1)
                    b = self._bound(hi_local, b_off0, b_off1)
                    bounds.append((_from_us(a), _from_us(b)))
                    for wall in range(lo_local, hi_local, step):
                        off0, off1 = self._offsets(wall)
                        if off0 < off1:  # in the spring-forward gap: this wall time doesn't exist
                            continue
                        t = wall - off0  # fold=0: the first occurrence of an ambiguous time
                        if a <= t and t + duration <= b:
                            starts.append(_from_us(t))
                    continue
                interval_offset = a_off0
            else:
                interval_offset = offset
            a, b = lo_local - interval_offset, hi_local - interval_offset
            first = _from_us(a)
            bounds.append((first, _from_us(b)))
            count = (b - duration - a) // step + 1
            if count > 0:
                step_td = self._step
                starts.extend([first + step_td * k for k in range(count)])
        if len(intervals) > 1:
            starts = sorted(set(starts))
        return bounds, starts

    def _uniform_offset(self, base: int) -> int | None:
        """The day's UTC offset in us when it is the same all day (no DST transition), else None.

        Compares the offsets at the first and last microsecond of the day (and with fold=1), so a
        day with two transitions that cancel out would be missed; no real zone does that.
        """
        midnight = _NAIVE_EPOCH + timedelta(microseconds=base)
        off0, off1 = self._offsets_dt(midnight)
        end0, end1 = self._offsets_dt(midnight + timedelta(microseconds=_LAST_US_OF_DAY))
        return off0 if off0 == off1 == end0 == end1 else None

    def _offsets(self, local_us: int) -> tuple[int, int]:
        return self._offsets_dt(_NAIVE_EPOCH + timedelta(microseconds=local_us))

    def _offsets_dt(self, naive: datetime) -> tuple[int, int]:
        """UTC offsets (us) of a local wall time read with fold=0 and with fold=1.

        Equal: an ordinary time. fold=0 larger: ambiguous (fall back). fold=0 smaller: in a gap.
        """
        off0 = self._zone.utcoffset(naive)
        off1 = self._zone.utcoffset(naive.replace(fold=1))
        assert off0 is not None and off1 is not None  # a ZoneInfo always has an offset
        return off0 // _ONE_US, off1 // _ONE_US

    def _bound(self, local_us: int, off0: int, off1: int) -> int:
        """First instant (UTC us) at which the wall clock reads `local_us` or later."""
        if off0 >= off1:
            return local_us - off0
        # In a gap: find the transition instant T, local - off1 < T <= local - off0.
        lo, hi = local_us - off1, local_us - off0
        while hi - lo > 1:
            mid = (lo + hi) // 2
            offset = _from_us(mid).astimezone(self._zone).utcoffset()
            assert offset is not None
            if offset // _ONE_US == off0:
                lo = mid
            else:
                hi = mid
        return hi

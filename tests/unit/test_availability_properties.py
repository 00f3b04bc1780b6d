"""Property tests of the availability engine against a brute-force reference.

Random opening hours (night hours included, so DST gaps and folds are hit), closures, busy blocks
(overlapping, unsorted, in mixed zones, on unknown bays), blocked times (the vehicle's other
visits), technicians (weekly hours, night shifts across DST, time off, assigned visits, skills;
or none: bays only), caps on waiting customers and drop-offs (with the visits already started and
the mode being booked), durations, grids and `now`, around the DST transitions of New York and
Lord Howe Island (a 30 minute shift), and in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoshop.domain.availability import (
    BayInfo,
    BookingRules,
    Busy,
    BusyIslands,
    Closure,
    DayAvailability,
    OpeningInterval,
    Slot,
    free_slots,
    is_offered,
    merge_busy,
)
from autoshop.domain.choices import VisitMode
from autoshop.domain.technicians import Technician, Technicians, TimeOff, WorkingSpan
from autoshop.domain.visit_caps import Started, VisitCaps, cap_index

ZONES = {
    "America/New_York": (date(2026, 3, 7), date(2026, 10, 31), date(2026, 6, 10)),
    "Australia/Lord_Howe": (date(2026, 4, 4), date(2026, 10, 3), date(2026, 7, 1)),
    "UTC": (date(2026, 3, 7), date(2026, 6, 10)),
}
# (zone, local date of a DST transition): NY at 02:00 by an hour, Lord Howe at 02:00 by 30 min.
TRANSITIONS = (
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
    ("Australia/Lord_Howe", date(2026, 10, 4)),
)
CAPABILITIES = ("lift", "alignment")
CATEGORIES = (1, 2, 3)
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Scenario:
    kwargs: dict[str, Any]  # everything but start and end
    start: date
    end: date
    #: The location's caps, the mode being booked and the visits already started (the
    #: reference counts them by itself; the engine gets them as kwargs["caps"]).
    caps: VisitCaps | None = None
    mode: VisitMode = VisitMode.DROP_OFF
    started: tuple[Started, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        zone: ZoneInfo = self.kwargs["zone"]
        return zone

    def run(self, start: date | None = None, end: date | None = None) -> list[DayAvailability]:
        return free_slots(start=start or self.start, end=end or self.end, **self.kwargs)


@st.composite
def scenarios(draw: st.DrawFn, transition_day: bool = False) -> Scenario:
    """A random shop and request; with `transition_day`, one DST day open through the night."""
    if transition_day:
        zone_name, start = draw(st.sampled_from(TRANSITIONS))
        end = start
    else:
        zone_name = draw(st.sampled_from(sorted(ZONES)))
        start = draw(st.sampled_from(ZONES[zone_name])) + timedelta(days=draw(st.integers(0, 1)))
        end = start + timedelta(days=draw(st.integers(0, 2)))
    zone = ZoneInfo(zone_name)
    origin = datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)  # local midnight

    def minute_of_day(latest: int = 24 * 60) -> int:
        return draw(st.integers(0, latest // 5 - 1)) * 5

    hours = []
    for weekday in range(7):
        for _ in range(draw(st.integers(1 if transition_day else 0, 2))):
            latest = 8 * 60 if transition_day else 24 * 60
            a, b = sorted((minute_of_day(latest), minute_of_day(latest)))
            if a < b:
                hours.append(OpeningInterval(weekday, time(a // 60, a % 60), time(b // 60, b % 60)))

    def instant() -> datetime:
        if transition_day:
            return origin + timedelta(minutes=draw(st.integers(-12 * 12, 36 * 12)) * 5)
        return origin + timedelta(minutes=draw(st.integers(-24 * 12, 5 * 24 * 12)) * 5)

    closures = []
    for i in range(draw(st.integers(0, 3))):
        begin = instant()
        length = timedelta(minutes=draw(st.integers(1, 12 if transition_day else 60)) * 30)
        closures.append(Closure(begin, begin + length, f"closure {i}"))
    if draw(st.integers(0, 3)) == 0:  # a holiday: local midnight to local midnight
        holiday = start + timedelta(days=draw(st.integers(0, (end - start).days)))
        closures.append(
            Closure(
                datetime.combine(holiday, time(), tzinfo=zone),
                datetime.combine(holiday + timedelta(days=1), time(), tzinfo=zone),
                draw(st.sampled_from(["Holiday", "closure 0"])),
            )
        )

    bay_ids = range(1, draw(st.integers(1, 4)) + 1)
    bays = [
        BayInfo(bay_id, frozenset(draw(st.sets(st.sampled_from(CAPABILITIES)))) | {"general"})
        for bay_id in bay_ids
    ]
    busy = []
    for _ in range(draw(st.integers(0, 20))):
        begin = instant()
        length = timedelta(minutes=draw(st.integers(1, 60)) * 5)
        busy_zone = draw(st.sampled_from([UTC, zone]))
        bay_id = draw(st.integers(1, 5))  # 5 is never an active bay
        busy.append(
            Busy(bay_id, begin.astimezone(busy_zone), (begin + length).astimezone(busy_zone))
        )

    blocked = []
    for _ in range(draw(st.integers(0, 4))):
        begin = instant()
        length = timedelta(minutes=draw(st.integers(0, 48)) * 5)  # empty ones too
        blocked_zone = draw(st.sampled_from([UTC, zone]))
        blocked.append((begin.astimezone(blocked_zone), (begin + length).astimezone(blocked_zone)))

    now = origin + timedelta(
        minutes=draw(st.integers(-2 * 24 * 60, 0 if transition_day else 24 * 60)),
        microseconds=draw(st.sampled_from([0, 0, 1, 123_456, 59_999_999])),
    )
    rules = BookingRules(
        slot_interval=timedelta(minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60]))),
        minimum_notice=timedelta(minutes=draw(st.integers(0, 6 * 4)) * 15),
        horizon=draw(
            st.one_of(
                st.just(timedelta(days=60)), st.integers(0, 96).map(lambda n: timedelta(hours=n))
            )
        ),
        buffer=timedelta(minutes=draw(st.sampled_from([0, 5, 10, 30]))),
    )
    technicians = None
    if draw(st.integers(0, 2)):  # a third of the shops keep no schedules: bays only
        staff = []
        for tech_id in range(1, draw(st.integers(0, 3)) + 1):
            spans = []
            for weekday in range(7):
                for _ in range(draw(st.integers(0, 2))):
                    a = draw(st.integers(0, 24 * 12)) * 5
                    b = draw(st.integers(0, 24 * 12)) * 5
                    if a < b:
                        spans.append(WorkingSpan(weekday, a, b))
            time_off = []
            for i in range(draw(st.integers(0, 2))):
                begin = instant()
                length = timedelta(minutes=draw(st.integers(1, 12 if transition_day else 96)) * 15)
                time_off.append(TimeOff(begin, begin + length, f"off {i}"))
            visits = []
            for _ in range(draw(st.integers(0, 3))):
                begin = instant()
                visits.append((begin, begin + timedelta(minutes=draw(st.integers(0, 36)) * 5)))
            staff.append(
                Technician(
                    tech_id,
                    frozenset(draw(st.sets(st.sampled_from(CATEGORIES)))),
                    tuple(spans),
                    tuple(time_off),
                    tuple(visits),
                )
            )
        technicians = Technicians(
            tuple(staff), frozenset(draw(st.sets(st.sampled_from(CATEGORIES), max_size=2)))
        )
    caps = None
    if draw(st.integers(0, 3)):
        waiters = draw(st.one_of(st.none(), st.integers(1, 3)))
        caps = VisitCaps(
            waiters=waiters,
            wait_minutes=(
                draw(st.sampled_from([5, 15, 30, 45, 60, 90, 120, 1440])) if waiters else None
            ),
            drop_offs=draw(st.one_of(st.none(), st.integers(1, 2))),
        )
    mode = draw(st.sampled_from([VisitMode.WAIT, VisitMode.DROP_OFF]))
    span = ((end - start).days + 1) * 24 * 4  # quarter hours of the requested days

    def started_at() -> datetime:
        """Mostly inside the requested days, where the caps change what is offered."""
        if draw(st.integers(0, 4)):
            return origin + timedelta(minutes=15 * draw(st.integers(0, span - 1)))
        return instant()

    started = tuple(
        Started(
            started_at().astimezone(draw(st.sampled_from([UTC, zone]))),
            draw(st.sampled_from(VisitMode)),
        )
        for _ in range(draw(st.integers(0, 16)))
    )
    kwargs: dict[str, Any] = {
        "technicians": technicians,
        "opening_hours": hours,
        "closures": closures,
        "bays": bays,
        "busy": busy,
        "duration": timedelta(minutes=draw(st.integers(1, 48)) * 5),
        "capabilities": frozenset(draw(st.sets(st.sampled_from(CAPABILITIES)))),
        "rules": rules,
        "zone": zone,
        "now": now,
        "blocked": blocked,
        "caps": cap_index(caps, mode, zone, started) if caps is not None else None,
    }
    return Scenario(kwargs, start, end, caps, mode, started)


ANY_SCENARIO = st.one_of(scenarios(), scenarios(transition_day=True))


# --- brute-force reference -----------------------------------------------------------------------


def first_instant_at_or_after(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant whose wall clock reads `wall` on `day` or later, by scanning minutes."""
    target = datetime.combine(day, wall)
    candidates = [target.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)]
    instant, last = min(candidates), max(candidates)
    while instant < last and instant.astimezone(zone).replace(tzinfo=None) < target:
        instant += timedelta(minutes=1)
    return instant


def wall_exists(wall: datetime, zone: ZoneInfo) -> bool:
    aware = wall.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def overlaps(a: datetime, b: datetime, c: datetime, d: datetime) -> bool:
    """Whether [a, b) and [c, d) share an instant; an empty interval shares none (as
    PostgreSQL's ranges, which guard a vehicle's visits, see it)."""
    return a < b and c < d and a < d and c < b


def interval_bounds(s: Scenario, day: date) -> list[tuple[datetime, datetime]]:
    return [
        (
            first_instant_at_or_after(day, interval.opens, s.zone),
            first_instant_at_or_after(day, interval.closes, s.zone),
        )
        for interval in s.kwargs["opening_hours"]
        if interval.weekday == day.weekday()
    ]


def free_capable_bays(s: Scenario, t: datetime) -> int:
    k = s.kwargs
    block_end = t + k["duration"] + k["rules"].buffer
    return sum(
        1
        for bay in k["bays"]
        if k["capabilities"] <= bay.capabilities
        and not any(
            b.bay_id == bay.id
            and b.starts_at < b.ends_at
            and overlaps(t, block_end, b.starts_at, b.ends_at)
            for b in k["busy"]
        )
    )


def wall_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """`first_instant_at_or_after` for a time given in minutes after midnight (1440: 24:00)."""
    return first_instant_at_or_after(
        day + timedelta(days=minutes // 1440), time((minutes % 1440) // 60, minutes % 60), zone
    )


def technician_free(s: Scenario, tech: Technician, t: datetime, t_end: datetime) -> bool:
    """Working hours (as wall times scanned minute by minute) cover [t, t_end) and neither time
    off nor another visit overlaps it."""
    working = []
    for offset in range(-3, (s.end - s.start).days + 4):
        day = s.start + timedelta(days=offset)
        for span in tech.hours:
            if span.weekday == day.weekday():
                working.append(
                    (wall_instant(day, span.starts, s.zone), wall_instant(day, span.ends, s.zone))
                )
    point = t
    for a, b in sorted(working):
        if a <= point < b:
            point = b
    if point < t_end:
        return False
    away = [(o.starts_at, o.ends_at) for o in tech.time_off] + list(tech.busy)
    return not any(overlaps(t, t_end, a, b) for a, b in away)


def technician_for(s: Scenario, t: datetime, t_end: datetime) -> bool:
    techs: Technicians | None = s.kwargs["technicians"]
    if techs is None:
        return True
    return any(
        techs.categories <= tech.skills and technician_free(s, tech, t, t_end)
        for tech in techs.staff
    )


def cap_fits(s: Scenario, t: datetime) -> bool:
    """Whether one more visit of the scenario's mode may start at t, by counting on the wall
    clock: waiters in the block of `wait_minutes` from local midnight holding t, drop-offs in
    the morning (local midnight to noon) of t's day."""
    caps = s.caps
    if caps is None:
        return True
    zone = s.zone

    def wall(instant: datetime) -> datetime:
        return instant.astimezone(zone).replace(tzinfo=None)

    midnight = datetime.combine(wall(t).date(), time())
    if s.mode is VisitMode.WAIT:
        if caps.waiters is None or caps.wait_minutes is None:
            return True
        size = timedelta(minutes=caps.wait_minutes)
        block = midnight
        while block + size <= wall(t):
            block += size
        block_end = min(block + size, midnight + timedelta(days=1))
        lo, hi, cap = block, block_end, caps.waiters
    else:
        if caps.drop_offs is None or wall(t) >= midnight + timedelta(hours=12):
            return True
        lo, hi, cap = midnight, midnight + timedelta(hours=12), caps.drop_offs
    count = sum(1 for v in s.started if v.mode is s.mode and lo <= wall(v.starts_at) < hi)
    return count < cap


def reference_day(s: Scenario, day: date) -> DayAvailability:
    k = s.kwargs
    rules: BookingRules = k["rules"]
    zone = s.zone
    intervals = [i for i in k["opening_hours"] if i.weekday == day.weekday()]
    if not intervals:
        return DayAvailability(day, False, (), None)
    bounds = interval_bounds(s, day)
    live = [c for c in k["closures"] if c.starts_at < c.ends_at]

    def covered(a: datetime, b: datetime) -> bool:
        point = a
        for c in sorted(live, key=lambda c: c.starts_at):
            if c.starts_at <= point < c.ends_at:
                point = c.ends_at
        return point >= b

    if all(a >= b or covered(a, b) for a, b in bounds):
        reasons: list[str] = []
        for c in sorted(live, key=lambda c: (c.starts_at, c.ends_at)):
            touches = any(a < b and overlaps(a, b, c.starts_at, c.ends_at) for a, b in bounds)
            if touches and c.reason not in reasons:
                reasons.append(c.reason)
        return DayAvailability(day, False, (), "; ".join(reasons) or None)

    offered: dict[datetime, int] = {}
    for interval, (a, b) in zip(intervals, bounds, strict=True):
        wall = datetime.combine(day, interval.opens)
        while wall < datetime.combine(day, interval.closes):
            t = wall.replace(tzinfo=zone).astimezone(UTC)
            t_end = t + k["duration"]
            if (
                wall_exists(wall, zone)
                and a <= t
                and t_end <= b
                and k["now"] + rules.minimum_notice <= t <= k["now"] + rules.horizon
                and not any(overlaps(t, t_end, c.starts_at, c.ends_at) for c in live)
                and not any(overlaps(t, t_end, b, e) for b, e in k["blocked"])
                and cap_fits(s, t)
            ):
                free = free_capable_bays(s, t)
                if free and technician_for(s, t, t_end):
                    offered[t] = free
            wall += rules.slot_interval
    slots = tuple(Slot(t, t + k["duration"], free) for t, free in sorted(offered.items()))
    return DayAvailability(day, True, slots, None)


def dates(s: Scenario) -> list[date]:
    return [s.start + timedelta(days=i) for i in range((s.end - s.start).days + 1)]


# --- properties ------------------------------------------------------------------------------


@SETTINGS
@given(ANY_SCENARIO)
def test_engine_matches_brute_force_reference(s: Scenario) -> None:
    assert s.run() == [reference_day(s, day) for day in dates(s)]


@SETTINGS
@given(ANY_SCENARIO)
def test_offered_slots_have_a_free_capable_bay(s: Scenario) -> None:
    for day in s.run():
        for slot in day.slots:
            assert slot.free_bays >= 1
            assert slot.free_bays == free_capable_bays(s, slot.starts_at)


@SETTINGS
@given(ANY_SCENARIO)
def test_offered_slots_have_a_skilled_technician_free(s: Scenario) -> None:
    for day in s.run():
        for slot in day.slots:
            assert technician_for(s, slot.starts_at, slot.ends_at)


@SETTINGS
@given(ANY_SCENARIO)
def test_offered_slots_lie_in_opening_hours_and_outside_closures(s: Scenario) -> None:
    zone, step = s.zone, s.kwargs["rules"].slot_interval
    for day in s.run():
        assert day.is_open or not day.slots
        starts = [slot.starts_at for slot in day.slots]
        assert starts == sorted(set(starts))
        intervals = [i for i in s.kwargs["opening_hours"] if i.weekday == day.date.weekday()]
        bounds = interval_bounds(s, day.date)
        for slot in day.slots:
            wall = slot.starts_at.astimezone(zone)
            assert wall.date() == day.date
            assert wall.fold == 0  # a repeated wall time is offered at its first occurrence only
            naive = wall.replace(tzinfo=None)
            assert any(
                a <= slot.starts_at
                and slot.ends_at <= b
                and datetime.combine(day.date, i.opens) <= naive
                and (naive - datetime.combine(day.date, i.opens)) % step == timedelta(0)
                for i, (a, b) in zip(intervals, bounds, strict=True)
            )
            for c in s.kwargs["closures"]:
                assert not overlaps(slot.starts_at, slot.ends_at, c.starts_at, c.ends_at)


@SETTINGS
@given(ANY_SCENARIO)
def test_no_offered_slot_overlaps_a_blocked_time(s: Scenario) -> None:
    for day in s.run():
        for slot in day.slots:
            for begin, end in s.kwargs["blocked"]:
                assert not overlaps(slot.starts_at, slot.ends_at, begin, end)


@SETTINGS
@given(ANY_SCENARIO)
def test_offered_slots_respect_notice_and_horizon(s: Scenario) -> None:
    rules: BookingRules = s.kwargs["rules"]
    now: datetime = s.kwargs["now"]
    for day in s.run():
        for slot in day.slots:
            assert now + rules.minimum_notice <= slot.starts_at <= now + rules.horizon


@SETTINGS
@given(ANY_SCENARIO, st.data())
def test_offered_slots_are_stable_and_agree_with_is_offered(
    s: Scenario, data: st.DataObject
) -> None:
    days = s.run()
    for day in days:
        if day.slots:
            again = s.run(start=day.date, end=day.date)
            assert again == [day]
        for slot in (
            data.draw(st.lists(st.sampled_from(day.slots), max_size=4)) if day.slots else ()
        ):
            assert is_offered(slot.starts_at, **s.kwargs)
            # A minute later is never on a grid of whole 5-minute steps.
            assert not is_offered(slot.starts_at + timedelta(minutes=1), **s.kwargs)
    offered = {slot.starts_at for day in days for slot in day.slots}
    probe = datetime.combine(s.start, time(), tzinfo=s.zone).astimezone(UTC)
    probe += timedelta(minutes=5 * data.draw(st.integers(0, 12 * 24 * len(days) - 1)))
    local_date = probe.astimezone(s.zone).date()
    if s.start <= local_date <= s.end:
        assert is_offered(probe, **s.kwargs) is (probe in offered)


# --- busy time handed over as islands (the shape SQL returns) --------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


def islands_of(busy: list[Busy], gap_us: int) -> BusyIslands:
    """What load_busy_islands computes in SQL, written plainly: per bay, non-empty blocks sorted,
    a block joins the island before it when it starts less than `gap_us` after its end."""
    ids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for bay_id in sorted({b.bay_id for b in busy}):
        blocks = sorted(
            ((b.starts_at - EPOCH) // US, (b.ends_at - EPOCH) // US)
            for b in busy
            if b.bay_id == bay_id and b.starts_at < b.ends_at
        )
        for s_us, e_us in blocks:
            if ids and ids[-1] == bay_id and s_us < ends[-1] + gap_us:
                ends[-1] = max(ends[-1], e_us)
            else:
                ids.append(bay_id)
                starts.append(s_us)
                ends.append(e_us)
    # Any order will do: hand them over reversed, as a database may.
    return BusyIslands(ids[::-1], starts[::-1], ends[::-1], gap_us)


@SETTINGS
@given(ANY_SCENARIO, st.sampled_from(["none", "half", "reach", "split"]))
def test_busy_islands_give_the_same_answer_as_busy_blocks(s: Scenario, gap: str) -> None:
    """Islands joined with no gap, half the visit's reach, or exactly the reach (the engine's
    fast path), or the blocks split between `busy` and `islands`: the reference's answer."""
    k = s.kwargs
    reach = (k["duration"] + k["rules"].buffer) // US
    busy = list(k["busy"])
    if gap == "split":
        kwargs = {**k, "busy": busy[::2], "islands": islands_of(busy[1::2], reach)}
    else:
        gap_us = {"none": 0, "half": reach // 2, "reach": reach}[gap]
        kwargs = {**k, "busy": (), "islands": islands_of(busy, gap_us)}
    days = free_slots(start=s.start, end=s.end, **kwargs)
    assert days == [reference_day(s, day) for day in dates(s)]


@SETTINGS
@given(ANY_SCENARIO)
def test_busy_rows_merged_in_python_are_the_islands_sql_reads(s: Scenario) -> None:
    """`merge_busy` (SQLite's rows, merged before they are kept for reuse): the islands the plain
    merge above makes, and with them the reference's answer."""
    k = s.kwargs
    reach = k["duration"] + k["rules"].buffer
    merged = merge_busy(list(k["busy"]), reach)
    expected = islands_of(list(k["busy"]), reach // US)
    assert merged.gap_us == expected.gap_us
    assert sorted(zip(merged.bay_ids, merged.starts_us, merged.ends_us, strict=True)) == sorted(
        zip(expected.bay_ids, expected.starts_us, expected.ends_us, strict=True)
    )
    days = free_slots(start=s.start, end=s.end, **{**k, "busy": (), "islands": merged})
    assert days == [reference_day(s, day) for day in dates(s)]

"""The calendar-by-bay geometry: rows of a day (DST too), shading and cells per bay, conflicts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from autoshop.domain.availability import Closure, OpeningInterval
from autoshop.domain.bay_calendar import (
    Downtime,
    Placed,
    Shade,
    column_cells,
    day_intervals,
    day_rows,
    day_window,
    shade_of,
    visit_problems,
)
from autoshop.domain.schedule_conflicts import BookedVisit, Schedule

NY = ZoneInfo("America/New_York")
Q = timedelta(minutes=15)
WEEKDAY = [OpeningInterval(d, time(7, 30), time(12)) for d in range(5)] + [
    OpeningInterval(d, time(12, 30), time(18)) for d in range(5)
]
WED = date(2026, 12, 2)


def local(hour: int, minute: int = 0, day: date = WED) -> datetime:
    return datetime.combine(day, time(hour, minute), NY)


def test_the_day_runs_from_an_hour_before_opening_to_an_hour_after_closing_on_the_grid():
    start, end = day_window(WED, NY, WEEKDAY, Q)
    assert (start, end) == (local(6, 30), local(19))
    rows = day_rows(start, end, Q, NY)
    assert len(rows) == 50
    assert rows[2].label == "7:00 AM" and rows[2].on_the_hour
    assert not rows[1].on_the_hour


def test_a_visit_outside_the_usual_window_widens_it_without_leaving_the_day():
    start, end = day_window(WED, NY, WEEKDAY, Q, visits=[(local(5), local(5, 30))])
    assert start == local(5)
    start, end = day_window(WED, NY, WEEKDAY, Q, visits=[(local(23), local(23) + 2 * Q * 4)])
    assert end == local(0, day=WED + timedelta(days=1))


def test_a_closed_day_shows_the_weeks_widest_hours():
    sunday = date(2026, 12, 6)
    assert day_window(sunday, NY, WEEKDAY, Q) == (local(6, 30, sunday), local(19, day=sunday))


def test_dst_days_have_23_and_25_real_hours_of_rows_and_unique_labels():
    every_day = [OpeningInterval(d, time(0), time(23, 59)) for d in range(7)]
    for day, hours in ((date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 11, 8), 24)):
        start, end = day_window(day, NY, every_day, Q)
        rows = day_rows(start, end, Q, NY)
        assert len(rows) == hours * 4
        assert len({r.label for r in rows}) == len(rows)
    fall = day_rows(*day_window(date(2026, 11, 1), NY, every_day, Q), Q, NY)
    assert [r.label for r in fall if r.label.startswith("1:00 AM")] == [
        "1:00 AM EDT",
        "1:00 AM EST",
    ]
    assert sum(r.on_the_hour for r in fall) == 25


def test_shading_prefers_a_closure_then_the_bays_downtime_then_the_hours():
    intervals = day_intervals(WED, NY, WEEKDAY)
    closure = Closure(local(9), local(10), "Power cut")
    down = Downtime(1, local(8), local(11), "Lift inspection")
    kw = {"intervals": intervals, "closures": [closure], "downtimes": [down]}
    assert shade_of(local(9), local(9, 15), bay_id=1, **kw) == (Shade.CLOSURE, "Power cut")
    assert shade_of(local(8), local(8, 15), bay_id=1, **kw) == (Shade.DOWNTIME, "Lift inspection")
    assert shade_of(local(8), local(8, 15), bay_id=2, **kw) == (Shade.OPEN, "")
    assert shade_of(local(12), local(12, 15), bay_id=2, **kw) == (Shade.BREAK, "")
    assert shade_of(local(7), local(7, 15), bay_id=2, **kw) == (Shade.OUTSIDE, "")


@given(
    visits=st.lists(
        st.tuples(st.integers(min_value=-8, max_value=60), st.integers(min_value=1, max_value=12)),
        max_size=6,
    )
)
def test_every_row_of_a_bay_is_covered_exactly_once(visits):
    start, end = day_window(WED, NY, WEEKDAY, Q)
    rows = day_rows(start, end, Q, NY)
    placed = [
        Placed(i, start + first * Q, start + (first + length) * Q)
        for i, (first, length) in enumerate(visits)
    ]
    cells = column_cells(
        rows,
        bay_id=1,
        visits=placed,
        intervals=day_intervals(WED, NY, WEEKDAY),
        closures=[],
        downtimes=[Downtime(1, local(14), local(15), "Lift inspection")],
    )
    covered = [r for c in cells for r in range(c.row, c.row + c.span)]
    assert covered == list(range(len(rows)))
    shown = {k for c in cells for k in c.keys}
    inside = {p.key for p in placed if p.ends_at > rows[0].starts_at and p.starts_at < end}
    assert shown == inside


def test_a_visit_spans_its_rows_and_overlapping_visits_share_a_cell():
    start, end = day_window(WED, NY, WEEKDAY, Q)
    rows = day_rows(start, end, Q, NY)
    cells = column_cells(
        rows,
        bay_id=1,
        visits=[Placed(1, local(10), local(11)), Placed(2, local(10, 30), local(11, 30))],
        intervals=day_intervals(WED, NY, WEEKDAY),
        closures=[],
        downtimes=[],
    )
    visit = next(c for c in cells if c.is_visit)
    assert (rows[visit.row].starts_at, visit.span, visit.keys) == (local(10), 6, (1, 2))


def test_an_active_visit_in_a_closure_or_the_bays_downtime_is_a_conflict():
    schedule = Schedule(
        zone=NY, opening_hours=WEEKDAY, closures=(Closure(local(9), local(10), "Power cut"),)
    )
    visit = BookedVisit(local(9, 30), local(10, 30), 1)
    downtimes = [
        Downtime(1, local(10), local(12), "Lift inspection"),
        Downtime(2, local(8), local(18), "x"),
    ]
    assert visit_problems(visit, schedule, downtimes, "Lift 1") == [
        "Shop closed: Power cut",
        "Lift 1 out of service: Lift inspection",
    ]
    fits = BookedVisit(local(14), local(15), 1)
    assert visit_problems(fits, schedule, downtimes, "Lift 1") == []
    assert visit_problems(BookedVisit(local(6), local(7), 1), schedule, [], "Lift 1") == [
        "Outside opening hours"
    ]
    assert datetime(2026, 12, 2, 14, tzinfo=UTC) == local(9)

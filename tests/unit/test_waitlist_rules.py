"""The waitlist's pure rules: which joins are refused, which starts fall in a window (DST too)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.waitlist import in_window, refuse_join

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 10, 30, 13, 0, tzinfo=UTC)  # Friday 09:00 in New York
HORIZON = timedelta(days=60)


@pytest.mark.parametrize(
    ("day", "earliest", "latest", "field"),
    [
        (date(2026, 10, 29), time(9), time(10), "day"),  # yesterday
        (date(2027, 1, 1), time(9), time(10), "day"),  # beyond the horizon
        (date(2026, 11, 2), time(11), time(10), "latest"),  # inverted
        (date(2026, 10, 30), time(7), time(8, 30), "latest"),  # today, window already gone
    ],
)
def test_refused_joins_name_the_field(day, earliest, latest, field):
    problem = refuse_join(
        day=day, earliest=earliest, latest=latest, now=NOW, zone=NY, horizon=HORIZON
    )
    assert problem is not None and problem.field == field


@pytest.mark.parametrize(
    ("day", "earliest", "latest"),
    [
        (date(2026, 10, 30), time(9, 30), time(12)),  # today, later on
        (date(2026, 11, 2), time(10), time(10)),  # a single start
        (date(2026, 12, 29), time(8), time(17)),  # the horizon's last day
    ],
)
def test_accepted_joins(day, earliest, latest):
    assert (
        refuse_join(day=day, earliest=earliest, latest=latest, now=NOW, zone=NY, horizon=HORIZON)
        is None
    )


def test_the_window_is_local_time_on_a_dst_day():
    """2026-11-01: New York falls back at 02:00; 09:00 local is 14:00 UTC, not 13:00."""
    day = date(2026, 11, 1)
    window = {"day": day, "earliest": time(9), "latest": time(10), "zone": NY}
    assert in_window(datetime(2026, 11, 1, 14, 0, tzinfo=UTC), **window)
    assert in_window(datetime(2026, 11, 1, 15, 0, tzinfo=UTC), **window)
    assert not in_window(datetime(2026, 11, 1, 13, 0, tzinfo=UTC), **window)  # 08:00 local
    assert not in_window(datetime(2026, 11, 2, 14, 0, tzinfo=UTC), **window)  # another day

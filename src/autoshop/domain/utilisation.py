"""Bay utilisation: booked minutes over open minutes, per bay and overall, over local days.

A bay is open when the shop is (its weekly opening intervals of each local day, minus closures)
and the bay is not down. Booked minutes are the parts of its visits ([starts_at, ends_at), no
buffer) that fall in that open time. Opening intervals are read in the shop's wall-clock time and
converted to instants as the availability engine does: a wall time the clocks skip maps to the
moment they jump, a wall time that happens twice to its first occurrence; so on a 23-hour or
25-hour day an interval spanning the change is an hour shorter or longer. Pure, standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from autoshop.domain.availability import Busy, Closure, Downtime, OpeningInterval

__all__ = ["BayUse", "Utilisation", "open_intervals", "utilisation"]

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class BayUse:
    """One bay's booked and open minutes; `ratio` is None when the bay was never open."""

    bay_id: int
    booked_minutes: int
    open_minutes: int

    @property
    def ratio(self) -> float | None:
        return self.booked_minutes / self.open_minutes if self.open_minutes else None


@dataclass(frozen=True, slots=True)
class Utilisation:
    bays: tuple[BayUse, ...]

    @property
    def booked_minutes(self) -> int:
        return sum(b.booked_minutes for b in self.bays)

    @property
    def open_minutes(self) -> int:
        return sum(b.open_minutes for b in self.bays)

    @property
    def ratio(self) -> float | None:
        return self.booked_minutes / self.open_minutes if self.open_minutes else None


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first instant the wall clock in `zone` reads `wall` on `day`, or later."""
    local = datetime.combine(day, wall, zone)  # fold=0: the first of a repeated time
    # Clocks jump on whole minutes and by at most a few hours: the first wall time at or after
    # `wall` that exists is the moment of the jump.
    for _ in range(24 * 60):
        if _exists(local, zone):
            return local.astimezone(UTC)
        local += timedelta(minutes=1)
    raise ValueError(f"{wall} on {day} does not exist in {zone.key}")


def _subtract(intervals: list[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    out = intervals
    for cut_start, cut_end in cuts:
        next_out: list[Interval] = []
        for start, end in out:
            if cut_end <= start or end <= cut_start:
                next_out.append((start, end))
                continue
            if start < cut_start:
                next_out.append((start, cut_start))
            if cut_end < end:
                next_out.append((cut_end, end))
        out = next_out
    return out


def _minutes(intervals: Iterable[Interval]) -> int:
    return int(sum((end - start for start, end in intervals), timedelta()).total_seconds() // 60)


def _overlap(intervals: Sequence[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if s < end and start < e]


def open_intervals(
    days: Iterable[date],
    opening_hours: Sequence[OpeningInterval],
    closures: Sequence[Closure],
    zone: ZoneInfo,
) -> list[Interval]:
    """The shop's open time on these local days as UTC instants, closures taken out."""
    out: list[Interval] = []
    for day in days:
        for interval in opening_hours:
            if interval.weekday == day.weekday():
                opens = _instant(day, interval.opens, zone)
                closes = _instant(day, interval.closes, zone)
                if opens < closes:
                    out.append((opens, closes))
    return _subtract(sorted(out), ((c.starts_at, c.ends_at) for c in closures))


def utilisation(
    *,
    days: Iterable[date],
    opening_hours: Sequence[OpeningInterval],
    closures: Sequence[Closure],
    bay_ids: Sequence[int],
    downtimes: Sequence[Downtime],
    busy: Sequence[Busy],
    zone: ZoneInfo,
) -> Utilisation:
    """Booked minutes over open minutes for each bay (in the order given) and overall.

    `busy` holds the visits' blocks without their buffer; blocks on bays not listed are ignored,
    as are the parts of blocks outside the bay's open time (a visit kept on a closure doesn't
    make the shop more than fully booked).
    """
    shop_open = open_intervals(days, opening_hours, closures, zone)
    uses = []
    for bay_id in bay_ids:
        bay_open = _subtract(
            shop_open, ((d.starts_at, d.ends_at) for d in downtimes if d.bay_id == bay_id)
        )
        blocks = sorted((b.starts_at, b.ends_at) for b in busy if b.bay_id == bay_id)
        merged: list[Interval] = []
        for start, end in blocks:  # overlapping blocks count once
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        booked = [part for start, end in merged for part in _overlap(bay_open, start, end)]
        uses.append(BayUse(bay_id, _minutes(booked), _minutes(bay_open)))
    return Utilisation(tuple(uses))

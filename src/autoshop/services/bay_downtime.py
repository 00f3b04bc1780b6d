"""Taking one bay out of service for a period (lift inspection, repair), with a reason.

A downtime is a busy block on its bay for availability and booking (services/availability.py
reads it with the appointments' blocks). Creating one takes `lock_schedule` for the local days it
covers, as a booking does for its day, and checks again under that lock which booked visits it
hits: a visit booked into it while the admin was deciding is never silently overlapped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from autoshop.domain import availability as engine
from autoshop.domain import bounds
from autoshop.domain.schedule_rules import ValidationFailed, local_to_utc
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Bay, BayDowntime, Location, User
from autoshop.services import schedule_conflicts
from autoshop.services.transactions import lock_schedule, run_write, write_transaction

__all__ = [
    "DowntimeWindow",
    "VisitsChanged",
    "add_downtime",
    "delete_downtime",
    "downtime_window",
    "upcoming_downtimes",
]


@dataclass(frozen=True)
class DowntimeWindow:
    """A checked downtime, not saved yet: the bay, [starts_at, ends_at) in UTC, the reason."""

    bay: Bay
    starts_at: datetime
    ends_at: datetime
    reason: str

    def as_domain(self) -> engine.Downtime:
        return engine.Downtime(self.bay.id, self.starts_at, self.ends_at, self.reason)


class VisitsChanged(Exception):
    """Visits were booked into (or moved out of) the downtime after the admin saw the list."""


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local day (where midnight is skipped, the moment the clocks jump)."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def downtime_window(
    location: Location,
    *,
    bay_id: int | None,
    start_date: date | None,
    start_time: time | None,
    end_date: date | None,
    end_time: time | None,
    reason: str,
    now: datetime,
) -> DowntimeWindow:
    """A downtime typed in the location's wall-clock time, checked, or ValidationFailed.

    An empty start time means from the start of that day, an empty end time until the end of
    that day (whole days). A time the clocks skip is refused, as for closures; a time that
    happens twice is its first occurrence. Saves nothing.
    """
    reason = reason.strip()
    zone = ZoneInfo(location.timezone)
    errors: dict[str, list[str]] = {}
    bay = db.session.get(Bay, bay_id) if bay_id is not None else None
    if bay is None or bay.location_id != location.id:
        errors["bay_id"] = [_("Choose one of the bays at %(location)s.", location=location.name)]
    starts_at = ends_at = None
    for field, day, clock, whole_day in (
        ("start", start_date, start_time, 0),
        ("end", end_date, end_time, 1),
    ):
        if day is None:
            errors[f"{field}_date"] = [
                _("Enter the start date.") if field == "start" else _("Enter the end date.")
            ]
            continue
        if not bounds.day_in_range(day):
            errors[f"{field}_date"] = [bounds.date_range_message()]
            continue
        if clock is None:
            instant = _day_start(day + timedelta(days=whole_day), zone)
        else:
            try:
                instant = local_to_utc(datetime.combine(day, clock), zone)
            except ValidationFailed as exc:
                errors[f"{field}_time"] = [m for ms in exc.errors.values() for m in ms]
                continue
        if field == "start":
            starts_at = instant
        else:
            ends_at = instant
    if starts_at is not None and ends_at is not None:
        if ends_at <= starts_at:
            errors["end_date"] = [_("The bay must be back in service after the downtime starts.")]
        elif ends_at - starts_at > timedelta(days=bounds.MAX_DOWNTIME_DAYS):
            errors["end_date"] = [
                _(
                    "A downtime can last at most %(days)s days; for longer, deactivate the bay.",
                    days=bounds.MAX_DOWNTIME_DAYS,
                )
            ]
        elif ends_at <= now:
            errors["end_date"] = [_("That period is already over.")]
    if not reason:
        errors["reason"] = [_("Say why the bay is out of service.")]
    elif problem := bounds.text_problem(reason, single_line=True):
        errors["reason"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    assert bay is not None and starts_at is not None and ends_at is not None
    return DowntimeWindow(bay, starts_at, ends_at, reason)


def local_days(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> list[date]:
    """The local dates [starts_at, ends_at) touches."""
    first = starts_at.astimezone(zone).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def add_downtime(
    window: DowntimeWindow, *, actor: User | None, now: datetime, expected: Collection[int]
) -> BayDowntime:
    """Save the downtime; commits. `expected` are the ids of the booked visits the admin was
    shown (and decided on): if other visits fall in it by now, raise VisitsChanged instead."""
    location = window.bay.location
    zone = ZoneInfo(location.timezone)
    days = local_days(window.starts_at, window.ends_at, zone)
    bay_id, actor_id = window.bay.id, actor.id if actor is not None else None

    def work(session: Session) -> BayDowntime:
        lock_schedule(session, location.id, days)
        found = schedule_conflicts.affected_by_downtime(location, window.as_domain(), now=now)
        if {v.appointment.id for v in found} != set(expected):
            raise VisitsChanged
        downtime = BayDowntime(
            bay_id=bay_id,
            starts_at=window.starts_at,
            ends_at=window.ends_at,
            reason=window.reason,
            created_by_id=actor_id,
            created_at=now,
        )
        session.add(downtime)
        return downtime

    return run_write(work)


def upcoming_downtimes(location: Location, *, now: datetime) -> dict[int, list[BayDowntime]]:
    """The location's downtimes not yet over, by bay id, soonest first (one statement)."""
    rows = db.session.scalars(
        sa.select(BayDowntime)
        .join(Bay, Bay.id == BayDowntime.bay_id)
        .where(Bay.location_id == location.id, BayDowntime.ends_at > now)
        .order_by(BayDowntime.starts_at, BayDowntime.id)
    )
    out: dict[int, list[BayDowntime]] = defaultdict(list)
    for row in rows:
        out[row.bay_id].append(row)
    return dict(out)


def delete_downtime(downtime: BayDowntime) -> None:
    """Put the bay back in service for that period; commits."""
    with write_transaction() as session:
        session.delete(downtime)

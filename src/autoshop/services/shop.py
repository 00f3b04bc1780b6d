"""Reading the shop: its location and its week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import sqlalchemy as sa

from autoshop.extensions import db
from autoshop.models import Location, OpeningHours

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayHours:
    weekday: str
    intervals: tuple[tuple[time, time], ...]

    @property
    def closed(self) -> bool:
        return not self.intervals


def primary_location() -> Location | None:
    """The shop's (first active) location; a chain has several."""
    return db.session.scalar(
        sa.select(Location).where(Location.active.is_(True)).order_by(Location.id).limit(1)
    )


def weekly_hours(location: Location | None = None) -> list[DayHours]:
    location = location or primary_location()
    if location is None:
        return []
    rows = db.session.scalars(
        sa.select(OpeningHours)
        .where(OpeningHours.location_id == location.id)
        .order_by(OpeningHours.weekday, OpeningHours.opens)
    ).all()
    return [
        DayHours(name, tuple((r.opens, r.closes) for r in rows if r.weekday == index))
        for index, name in enumerate(WEEKDAYS)
    ]

"""Loading what the waiter and drop-off caps need: one statement for a range, none without caps.

The rule itself is pure (domain/visit_caps.py); this reads the location's caps and the starts
and modes of the visits that hold their place in the range, and builds the index the engine
consults (`free_slots(..., caps=...)`). Booking reads it after `lock_schedule`, inside its write
transaction, so two bookings for the last waiter place in a block queue and the second sees the
first (DESIGN.md §5).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from autoshop.domain.choices import VisitMode
from autoshop.domain.visit_caps import CapIndex, Started, VisitCaps, cap_index
from autoshop.extensions import db
from autoshop.models import Appointment, Location
from autoshop.models.appointments import HOLDS_BAY


def caps_of(location: Location) -> VisitCaps:
    return VisitCaps(
        waiters=location.wait_cap,
        wait_minutes=location.wait_cap_minutes if location.wait_cap is not None else None,
        drop_offs=location.drop_off_cap,
    )


def load_started(
    location: Location,
    mode: VisitMode,
    start_at: datetime,
    end_at: datetime,
    *,
    exclude: int | None = None,
) -> list[Started]:
    """The visits of `mode` starting in [start_at, end_at) at the location that hold their place
    (on ix_appointments_location_starts); `exclude` leaves one out (the visit being moved)."""
    stmt = sa.select(Appointment.starts_at).where(
        Appointment.location_id == location.id,
        Appointment.starts_at >= start_at,
        Appointment.starts_at < end_at,
        Appointment.mode == mode,
        HOLDS_BAY,
    )
    if exclude is not None:
        stmt = stmt.where(Appointment.id != exclude)
    return [Started(starts_at=r[0], mode=mode) for r in db.session.execute(stmt)]


def index_for(
    location: Location,
    mode: VisitMode | None,
    start_at: datetime,
    end_at: datetime,
    *,
    exclude: int | None = None,
) -> CapIndex | None:
    """The cap index for visits of `mode` starting in the range; None (and no query) when the
    location doesn't cap that mode or no mode is given."""
    if mode is None:
        return None
    caps = caps_of(location)
    if not caps.limits(mode):
        return None
    started = load_started(location, mode, start_at, end_at, exclude=exclude)
    return cap_index(caps, mode, ZoneInfo(location.timezone), started)

"""The printed day sheet: one location's visits on one local day, per bay or per mechanic, in
time order, with what the technician needs at the car."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from autoshop.domain.status import BAY_HOLDING_STATUSES
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, Bay, Location, User
from autoshop.services.job_board import local_day_bounds


class SheetGrouping(StrEnum):
    BAY = "bay"
    MECHANIC = "mechanic"

    @property
    def label(self) -> str:
        return {"bay": _("By bay"), "mechanic": _("By mechanic")}[self.value]


@dataclass(frozen=True)
class SheetGroup:
    """One page of the sheet: a bay or a mechanic (None: jobs nobody has taken)."""

    title: str
    visits: list[Appointment]


@dataclass(frozen=True)
class DaySheet:
    location: Location
    day: date
    zone: ZoneInfo
    grouping: SheetGrouping
    groups: list[SheetGroup]

    @property
    def visit_count(self) -> int:
        return sum(len(g.visits) for g in self.groups)


def day_sheet(location: Location, day: date, grouping: SheetGrouping) -> DaySheet:
    """The visits that still hold their bay on `day` (local), grouped: every active bay gets a
    page even when empty (the sheet hangs at the bay); mechanics only when they have work."""
    zone = ZoneInfo(location.timezone)
    start, end = local_day_bounds(day, zone)
    visits = list(
        db.session.scalars(
            sa.select(Appointment)
            .where(
                Appointment.location_id == location.id,
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status.in_(BAY_HOLDING_STATUSES),
            )
            .options(
                selectinload(Appointment.services),
                joinedload(Appointment.vehicle),
                joinedload(Appointment.bay),
                joinedload(Appointment.customer),
                joinedload(Appointment.mechanic),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )
    by_bay = grouping is SheetGrouping.BAY
    groups = _by_bay(location, visits) if by_bay else _by_mechanic(visits)
    return DaySheet(location, day, zone, grouping, groups)


def _by_bay(location: Location, visits: list[Appointment]) -> list[SheetGroup]:
    bays = db.session.scalars(
        sa.select(Bay).where(Bay.location_id == location.id).order_by(Bay.sort_order, Bay.id)
    ).all()
    groups = []
    for bay in bays:
        mine = [v for v in visits if v.bay_id == bay.id]
        if bay.active or mine:
            groups.append(SheetGroup(bay.name, mine))
    return groups


def _by_mechanic(visits: list[Appointment]) -> list[SheetGroup]:
    people: dict[int, User] = {}
    for visit in visits:
        if visit.mechanic is not None:
            people[visit.mechanic.id] = visit.mechanic
    ordered = sorted(people.values(), key=lambda u: (u.full_name.lower(), u.id))
    groups = [
        SheetGroup(m.full_name, [v for v in visits if v.mechanic_id == m.id]) for m in ordered
    ]
    nobody = [v for v in visits if v.mechanic_id is None]
    if nobody:
        groups.append(SheetGroup(_("Not assigned yet"), nobody))
    return groups

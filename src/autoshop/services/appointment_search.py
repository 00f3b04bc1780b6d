"""The staff appointment list: any date range, filters, one search box, sorting and pages.

A page costs a fixed number of statements whatever its size: one count, one query for the page
(customer, vehicle, bay, mechanic and location joined in) and one for the services of its rows.
Dates are local days of each appointment's location; the range is applied first (the
`location_id, starts_at` index), and the search box looks through the people and vehicles by
id lists, so a search never scans more appointments than the range holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload

from autoshop.domain import bounds
from autoshop.domain.choices import BookingSource
from autoshop.domain.choices import Role as RoleName
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import (
    Appointment,
    AppointmentService,
    Bay,
    Location,
    Role,
    Service,
    User,
    Vehicle,
)

PAGE_SIZES = (25, 50, 100)
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 7
MAX_QUERY_LENGTH = 100
#: Rows fetched at a time for the CSV export (every matching row, a batch at a time).
EXPORT_BATCH = 500


class SortKey(StrEnum):
    START = "start"
    CUSTOMER = "customer"
    STATUS = "status"
    BAY = "bay"

    @property
    def label(self) -> str:
        return {"start": "Start", "customer": "Customer", "status": "Status", "bay": "Bay"}[
            self.value
        ]


#: Statuses sorted in the order a visit goes through them, not alphabetically.
STATUS_ORDER = [
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.IN_PROGRESS,
    AppointmentStatus.WAITING_ON_PARTS,
    AppointmentStatus.READY_FOR_PICKUP,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.CANCELLED,
]


@dataclass(frozen=True)
class SearchFilters:
    """What the staff list shows, from a validated form. `end` is the last day shown."""

    start: date
    end: date
    statuses: frozenset[AppointmentStatus] = frozenset()
    location_id: int | None = None
    bay_id: int | None = None
    mechanic_id: int | None = None
    unassigned: bool = False
    service_id: int | None = None
    source: BookingSource | None = None
    text: str = ""
    sort: SortKey = SortKey.START
    descending: bool = False


def range_problem(start: date, end: date) -> str | None:
    """Why a date range can't be shown, or None."""
    if not (bounds.day_in_range(start) and bounds.day_in_range(end)):
        return f"Choose dates in the years {bounds.YEARS.low}–{bounds.YEARS.high}."
    if end < start:
        return "The end date is before the start date."
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        return f"Show at most {MAX_RANGE_DAYS} days at a time."
    return None


def default_range(today: date) -> tuple[date, date]:
    return today, today + timedelta(days=DEFAULT_RANGE_DAYS)


# --- the choices the filter form offers ---------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass
class FilterOptions:
    locations: list[Choice] = field(default_factory=list)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)
    bays: list[Choice] = field(default_factory=list)
    mechanics: list[Choice] = field(default_factory=list)
    services: list[Choice] = field(default_factory=list)


def filter_options() -> FilterOptions:
    """Locations (with their zones) and bays, mechanics and services: three statements."""
    options = FilterOptions()
    rows = db.session.execute(
        sa.select(Location.id, Location.name, Location.timezone, Bay.id, Bay.name)
        .outerjoin(Bay, Bay.location_id == Location.id)
        .order_by(Location.name, Location.id, Bay.sort_order, Bay.id)
    ).all()
    several = len({r[0] for r in rows}) > 1
    for location_id, location_name, zone, bay_id, bay_name in rows:
        if location_id not in options.zones:
            options.zones[location_id] = ZoneInfo(zone)
            options.locations.append(Choice(location_id, location_name))
        if bay_id is not None:
            label = f"{location_name}: {bay_name}" if several else bay_name
            options.bays.append(Choice(bay_id, label))
    mechanic_role = sa.select(Role.id).where(Role.name == RoleName.MECHANIC.value)
    for user_id, first, last, email, active in db.session.execute(
        sa.select(User.id, User.first_name, User.last_name, User.email, User.active)
        .where(User.roles.any(Role.id.in_(mechanic_role)))
        .order_by(User.first_name, User.last_name, User.id)
    ):
        name = f"{first} {last}".strip() or email
        options.mechanics.append(Choice(user_id, name if active else f"{name} (inactive)"))
    for service_id, name, active in db.session.execute(
        sa.select(Service.id, Service.name, Service.active).order_by(Service.name, Service.id)
    ):
        options.services.append(Choice(service_id, name if active else f"{name} (inactive)"))
    return options


# --- the query ------------------------------------------------------------------------------------


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(column).like(_like(text), escape="\\")


def _plate_key(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
    """A plate or VIN without case, spaces or dashes: 'njk 4821' finds 'NJK-4821'."""
    return sa.func.replace(sa.func.replace(sa.func.lower(column), " ", ""), "-", "")


def text_condition(raw: str) -> sa.ColumnElement[bool] | None:
    """Reference, customer or guest name, phone, email, plate or VIN containing the text."""
    text = " ".join(raw.split()).lower()[:MAX_QUERY_LENGTH]
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    compact = re.sub(r"[\s-]", "", text)
    full_name = User.first_name + " " + User.last_name
    people = [_contains(full_name, text), _contains(User.email, text)]
    guests = [
        _contains(Appointment.reference, text),
        _contains(Appointment.guest_name, text),
        _contains(Appointment.guest_email, text),
    ]
    if len(digits) >= 3 and len(digits) >= len(compact) - 3:  # it reads as a phone number
        people.append(User.phone.like(_like(digits), escape="\\"))
        guests.append(Appointment.guest_phone.like(_like(digits), escape="\\"))
    vehicles = sa.select(Vehicle.id).where(
        sa.or_(
            _plate_key(Vehicle.plate).like(_like(compact), escape="\\"),
            _plate_key(Vehicle.vin).like(_like(compact), escape="\\"),
        )
    )
    return sa.or_(
        *guests,
        Appointment.customer_id.in_(sa.select(User.id).where(sa.or_(*people))),
        Appointment.vehicle_id.in_(vehicles),
    )


def _day_bounds(filters: SearchFilters, zone: ZoneInfo) -> tuple[datetime, datetime]:
    first = datetime.combine(filters.start, time(), zone)
    after = datetime.combine(filters.end + timedelta(days=1), time(), zone)
    return first, after


def conditions(filters: SearchFilters, zones: dict[int, ZoneInfo]) -> list[sa.ColumnElement[bool]]:
    """The WHERE of the list: the range in each location's days, then the filters."""
    wanted = (
        {filters.location_id: zones[filters.location_id]} if filters.location_id in zones else zones
    )
    where: list[sa.ColumnElement[bool]] = []
    if filters.location_id is not None:
        where.append(Appointment.location_id == filters.location_id)
    if len({str(z) for z in wanted.values()}) <= 1:
        zone = next(iter(wanted.values()), ZoneInfo("UTC"))
        first, after = _day_bounds(filters, zone)
        where += [Appointment.starts_at >= first, Appointment.starts_at < after]
    else:  # a chain across zones: each location's own local days
        where.append(
            sa.or_(
                *(
                    sa.and_(
                        Appointment.location_id == location_id,
                        Appointment.starts_at >= _day_bounds(filters, zone)[0],
                        Appointment.starts_at < _day_bounds(filters, zone)[1],
                    )
                    for location_id, zone in wanted.items()
                )
            )
        )
    if filters.statuses:
        where.append(Appointment.status.in_(sorted(filters.statuses)))
    if filters.bay_id is not None:
        where.append(Appointment.bay_id == filters.bay_id)
    if filters.unassigned:
        where.append(Appointment.mechanic_id.is_(None))
    elif filters.mechanic_id is not None:
        where.append(Appointment.mechanic_id == filters.mechanic_id)
    if filters.service_id is not None:
        where.append(Appointment.services.any(AppointmentService.service_id == filters.service_id))
    if filters.source is not None:
        where.append(Appointment.source == filters.source)
    matching = text_condition(filters.text)
    if matching is not None:
        where.append(matching)
    return where


def _ordered(
    query: sa.Select[tuple[Appointment]], filters: SearchFilters
) -> sa.Select[tuple[Appointment]]:
    def direction(column: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
        return column.desc() if filters.descending else column.asc()

    keys: list[sa.ColumnElement[object]] = []
    if filters.sort is SortKey.CUSTOMER:
        person = aliased(User)
        query = query.outerjoin(person, person.id == Appointment.customer_id)
        name = sa.func.coalesce(
            sa.func.nullif(sa.func.trim(person.first_name + " " + person.last_name), ""),
            person.email,
            Appointment.guest_name,
        )
        keys.append(direction(sa.func.lower(name)))
    elif filters.sort is SortKey.STATUS:
        rank = sa.case({s.value: i for i, s in enumerate(STATUS_ORDER)}, value=Appointment.status)
        keys.append(direction(rank))
    elif filters.sort is SortKey.BAY:
        place = aliased(Bay)
        query = query.join(place, place.id == Appointment.bay_id)
        keys += [direction(place.sort_order), direction(place.name), direction(place.id)]
    keys += [direction(Appointment.starts_at), direction(Appointment.id)]
    return query.order_by(*keys)


def _loaded(query: sa.Select[tuple[Appointment]]) -> sa.Select[tuple[Appointment]]:
    """Everything a row shows, in this statement and one more for the services."""
    return query.options(
        joinedload(Appointment.customer).lazyload(User.roles),
        joinedload(Appointment.mechanic).lazyload(User.roles),
        joinedload(Appointment.vehicle),
        joinedload(Appointment.bay),
        joinedload(Appointment.location),
        selectinload(Appointment.services),
        lazyload(Appointment.booked_by),
    )


@dataclass(frozen=True)
class SearchPage:
    rows: list[Appointment]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def beyond_end(self) -> bool:
        """A page number past the last page (a stale or hand-edited link)."""
        return self.page > self.pages

    @property
    def has_previous(self) -> bool:
        return 1 < self.page <= self.pages

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


def search(
    filters: SearchFilters,
    *,
    page: int = 1,
    per_page: int = PAGE_SIZES[0],
    zones: dict[int, ZoneInfo] | None = None,
) -> SearchPage:
    """One page of the matching appointments; a page past the end comes back empty."""
    if per_page not in PAGE_SIZES:
        raise ValueError(f"per_page must be one of {PAGE_SIZES}")
    zones = zones if zones is not None else location_zones()
    where = conditions(filters, zones)
    total = db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(*where)) or 0
    page = max(page, 1)
    rows: list[Appointment] = []
    if (page - 1) * per_page < total:
        query = _loaded(_ordered(sa.select(Appointment).where(*where), filters))
        rows = list(
            db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique()
        )
    return SearchPage(rows=rows, total=total, page=page, per_page=per_page)


def every_match(
    filters: SearchFilters, *, zones: dict[int, ZoneInfo] | None = None
) -> Iterator[Appointment]:
    """Every matching appointment in the list's order, a batch at a time (the CSV export)."""
    zones = zones if zones is not None else location_zones()
    query = _loaded(_ordered(sa.select(Appointment).where(*conditions(filters, zones)), filters))
    offset = 0
    while True:
        batch = list(db.session.scalars(query.limit(EXPORT_BATCH).offset(offset)).unique())
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH  # rows already written are only weakly held by the session


def location_zones() -> dict[int, ZoneInfo]:
    return {
        location_id: ZoneInfo(zone)
        for location_id, zone in db.session.execute(sa.select(Location.id, Location.timezone))
    }

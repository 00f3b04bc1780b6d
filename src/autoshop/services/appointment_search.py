"""The staff appointment list: any date range, filters, one search box, sorting and pages.

A page costs a fixed number of statements whatever its size: one for the page's ids with the
number of matches, one for those rows (customer, vehicle, bay, mechanic and location joined in)
and one for the services of its rows.
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
from autoshop.i18n import _
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
from autoshop.services.pages import ResultPage

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
        return {
            "start": _("Start"),
            "customer": _("Customer"),
            "status": _("Status"),
            "bay": _("Bay"),
        }[self.value]


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
        return _(
            "Choose dates in the years %(low)d–%(high)d.",
            low=bounds.YEARS.low,
            high=bounds.YEARS.high,
        )
    if end < start:
        return _("The end date is before the start date.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        return _("Show at most %(days)d days at a time.", days=MAX_RANGE_DAYS)
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


def _contains(column: sa.ColumnElement[str], text: str, sqlite: bool) -> sa.ColumnElement[bool]:
    """Case-insensitive "contains". SQLite's LIKE already ignores case (ASCII), and a bare
    column lets it read the value from a covering index; PostgreSQL has ILIKE."""
    if sqlite:
        return column.like(_like(text), escape="\\")
    return column.ilike(_like(text), escape="\\")


def _full_name(text: str, sqlite: bool) -> sa.ColumnElement[bool]:
    """The name "first last" contains the text. Where the text has a space, the match may span
    both names, but either name then holds the text's last word: that term, which the trigram
    indexes answer on PostgreSQL, narrows the people first."""
    last_word = text.rsplit(" ", 1)[-1]
    if last_word == text:  # no space: in one name or the other, never across the two
        return sa.or_(
            _contains(User.first_name, text, sqlite), _contains(User.last_name, text, sqlite)
        )
    whole = _contains(User.first_name + " " + User.last_name, text, sqlite)
    narrowed = sa.or_(
        _contains(User.first_name, last_word, sqlite), _contains(User.last_name, last_word, sqlite)
    )
    return sa.and_(narrowed, whole)


#: Above this many matching people or vehicles, the query takes a subquery, not a list of ids.
MAX_LISTED_IDS = 500


@dataclass(frozen=True)
class TextSearch:
    """The search box's text, normalised, and what it matches outside the appointments table:
    accounts (name, email, phone) and vehicles (plate, VIN), found once per page."""

    text: str
    digits: str
    compact: str
    sqlite: bool
    people: list[int] | sa.Select[tuple[int]]
    vehicles: list[int] | sa.Select[tuple[int]]

    @classmethod
    def prepare(cls, raw: str) -> TextSearch | None:
        text = " ".join(raw.split()).lower()[:MAX_QUERY_LENGTH]
        if not text:
            return None
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        digits = re.sub(r"\D", "", text)
        compact = re.sub(r"[\s-]", "", text)
        phone = len(digits) >= 3 and len(digits) >= len(compact) - 3  # it reads as a number

        def has(column: sa.ColumnElement[str], what: str = text) -> sa.ColumnElement[bool]:
            return _contains(column, what, sqlite)

        # What the text can be decides where it is looked for: an email (with "@"), a phone
        # number (digits), a plate, VIN or reference (letters and digits), or a name.
        has_digit, has_letter = bool(digits), any(c.isalpha() for c in text)
        if "@" in text:
            person_terms = [has(User.email)]
        elif phone and not has_letter:
            person_terms = [has(User.phone, digits)]
        elif has_digit:
            person_terms = [has(User.email)]
        else:
            person_terms = [_full_name(text, sqlite), has(User.email)]
        person = sa.or_(*person_terms)
        plate = has(Vehicle.plate, compact)  # plates are stored without spaces or dashes
        if "@" in text:
            car: sa.ColumnElement[bool] = sa.false()
        elif has_digit:
            car = sa.or_(plate, has(Vehicle.vin, compact))  # a VIN always has digits
        else:
            car = plate  # a vanity plate
        people_query = sa.select(User.id).where(person)
        vehicles_query = sa.select(Vehicle.id).where(car)
        found = db.session.execute(
            sa.union_all(
                sa.select(sa.literal(0).label("kind"), User.id.label("id")).where(person),
                sa.select(sa.literal(1).label("kind"), Vehicle.id.label("id")).where(car),
            )
        ).all()
        people = [i for kind, i in found if kind == 0]
        vehicles = [i for kind, i in found if kind == 1]
        return cls(
            text=text,
            digits=digits if phone else "",
            compact=compact,
            sqlite=sqlite,
            people=people if len(people) <= MAX_LISTED_IDS else people_query,
            vehicles=vehicles if len(vehicles) <= MAX_LISTED_IDS else vehicles_query,
        )

    def condition(self) -> sa.ColumnElement[bool]:
        """Reference, guest name, email or phone containing the text, or a matching account or
        vehicle: every column it reads is in ix_appointments_search."""
        terms = [
            _contains(Appointment.reference, self.text, self.sqlite),
            _contains(Appointment.guest_name, self.text, self.sqlite),
            _contains(Appointment.guest_email, self.text, self.sqlite),
        ]
        if self.digits:
            terms.append(Appointment.guest_phone.like(_like(self.digits), escape="\\"))
        if not isinstance(self.people, list) or self.people:
            terms.append(Appointment.customer_id.in_(self.people))
        if not isinstance(self.vehicles, list) or self.vehicles:
            terms.append(Appointment.vehicle_id.in_(self.vehicles))
        return sa.or_(*terms)


def _day_bounds(filters: SearchFilters, zone: ZoneInfo) -> tuple[datetime, datetime]:
    first = datetime.combine(filters.start, time(), zone)
    after = datetime.combine(filters.end + timedelta(days=1), time(), zone)
    return first, after


def conditions(
    filters: SearchFilters, zones: dict[int, ZoneInfo], text: TextSearch | None = None
) -> list[sa.ColumnElement[bool]]:
    """The WHERE of the list: the range in each location's days, then the filters, then the
    search box (prepared by TextSearch.prepare from filters.text)."""
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
    if text is not None:
        where.append(text.condition())
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


SearchPage = ResultPage[Appointment]


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
    where = conditions(filters, zones, TextSearch.prepare(filters.text))
    page = max(page, 1)
    # The page's ids and the number of matches in one pass over the range (SQLite reads both
    # from ix_appointments_search alone); then those rows with everything they show.
    found = db.session.execute(
        _ordered(
            sa.select(Appointment.id, sa.func.count().over().label("total")).where(*where),
            filters,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    if not found:  # nothing matches, or a page past the end: count what there is
        total = 0
        if page > 1:
            total = db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(*where)) or 0
        return SearchPage(rows=[], total=total, page=page, per_page=per_page)
    ids = [appointment_id for appointment_id, _ in found]
    query = _loaded(_ordered(sa.select(Appointment).where(Appointment.id.in_(ids)), filters))
    rows = list(db.session.scalars(query).unique())
    return SearchPage(rows=rows, total=found[0].total, page=page, per_page=per_page)


def every_match(
    filters: SearchFilters, *, zones: dict[int, ZoneInfo] | None = None
) -> Iterator[Appointment]:
    """Every matching appointment in the list's order, a batch at a time (the CSV export)."""
    zones = zones if zones is not None else location_zones()
    where = conditions(filters, zones, TextSearch.prepare(filters.text))
    query = _loaded(_ordered(sa.select(Appointment).where(*where), filters))
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

"""The admin dashboard: today and this week at a glance, read in a fixed number of statements.

Whatever the number of visits, bays or reviews: the location (with its hours and bays), the
closures and the downtimes of the week, the week's bay blocks, the visits the lists show (with
their vehicle, customer, bay and services loaded in one statement each) and the recent reviews.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from autoshop.domain import availability as engine
from autoshop.domain.status import AppointmentStatus
from autoshop.domain.utilisation import Utilisation, utilisation
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, Bay, BayDowntime, Closure, Location, Review

__all__ = ["ARRIVALS_WINDOW", "IN_SHOP", "Dashboard", "dashboard"]

ARRIVALS_WINDOW = timedelta(hours=2)
RECENT_REVIEWS = 5
#: The statuses of a car that is in the shop, in the order the floor moves it.
IN_SHOP = (
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.IN_PROGRESS,
    AppointmentStatus.WAITING_ON_PARTS,
    AppointmentStatus.READY_FOR_PICKUP,
)
#: A visit that used (or will use) its bay: everything but cancelled and no-show.
_USES_BAY = [s for s in AppointmentStatus if s.holds_bay]


@dataclass(frozen=True)
class BayRow:
    """One line of the utilisation table: a bay (None: all bays), today and this week."""

    name: str
    today: tuple[int, int, float | None]
    week: tuple[int, int, float | None]


@dataclass(frozen=True)
class Dashboard:
    location: Location | None
    zone: ZoneInfo
    now: datetime
    today: date
    week_start: date
    #: Visits due from the start of today to two hours from now that haven't checked in: the
    #: late ones (due before `now`) first.
    arrivals: list[Appointment] = field(default_factory=list)
    in_shop: dict[AppointmentStatus, list[Appointment]] = field(default_factory=dict)
    no_shows: list[Appointment] = field(default_factory=list)
    bay_rows: list[BayRow] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)

    @property
    def in_shop_count(self) -> int:
        return sum(len(v) for v in self.in_shop.values())


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def _location() -> Location | None:
    """The first active location with its hours and bays (one statement each)."""
    return db.session.scalar(
        sa.select(Location)
        .where(Location.active.is_(True))
        .order_by(Location.id)
        .limit(1)
        .options(selectinload(Location.opening_hours), selectinload(Location.bays))
    )


def _utilisation_rows(
    location: Location, zone: ZoneInfo, today: date, week_start: date
) -> list[BayRow]:
    start_at = _day_start(week_start, zone)
    end_at = _day_start(week_start + timedelta(days=7), zone)
    closures = [
        engine.Closure(r.starts_at, r.ends_at, r.reason)
        for r in db.session.execute(
            sa.select(Closure.starts_at, Closure.ends_at, Closure.reason).where(
                Closure.location_id == location.id,
                Closure.ends_at > start_at,
                Closure.starts_at < end_at,
            )
        )
    ]
    downtimes = [
        engine.Downtime(r.bay_id, r.starts_at, r.ends_at, r.reason)
        for r in db.session.execute(
            sa.select(
                BayDowntime.bay_id, BayDowntime.starts_at, BayDowntime.ends_at, BayDowntime.reason
            )
            .join(Bay, Bay.id == BayDowntime.bay_id)
            .where(
                Bay.location_id == location.id,
                BayDowntime.ends_at > start_at,
                BayDowntime.starts_at < end_at,
            )
        )
    ]
    busy = [
        engine.Busy(r.bay_id, r.starts_at, r.ends_at)
        for r in db.session.execute(
            sa.select(Appointment.bay_id, Appointment.starts_at, Appointment.ends_at).where(
                Appointment.location_id == location.id,
                Appointment.status.in_(_USES_BAY),
                Appointment.ends_at > start_at,
                Appointment.starts_at < end_at,
            )
        )
    ]
    bays = [b for b in location.bays if b.active]
    hours = [engine.OpeningInterval(h.weekday, h.opens, h.closes) for h in location.opening_hours]

    def use(days: list[date]) -> Utilisation:
        return utilisation(
            days=days,
            opening_hours=hours,
            closures=closures,
            bay_ids=[b.id for b in bays],
            downtimes=downtimes,
            busy=busy,
            zone=zone,
        )

    day_use = use([today])
    week_use = use([week_start + timedelta(days=i) for i in range(7)])
    rows = [
        BayRow(
            bay.name,
            (d.booked_minutes, d.open_minutes, d.ratio),
            (w.booked_minutes, w.open_minutes, w.ratio),
        )
        for bay, d, w in zip(bays, day_use.bays, week_use.bays, strict=True)
    ]
    rows.append(
        BayRow(
            _("All bays"),
            (day_use.booked_minutes, day_use.open_minutes, day_use.ratio),
            (week_use.booked_minutes, week_use.open_minutes, week_use.ratio),
        )
    )
    return rows


def dashboard(*, now: datetime) -> Dashboard:
    """What the admin sees first: arrivals in the next two hours (and today's late ones), the
    cars in the shop by status,
    today's no-shows, bay utilisation today and this week (Monday to Sunday) and recent reviews."""
    location = _location()
    zone = ZoneInfo(location.timezone if location else "UTC")
    today = now.astimezone(zone).date()
    week_start = today - timedelta(days=today.weekday())
    if location is None:
        return Dashboard(None, zone, now, today, week_start)
    day_start, day_end = _day_start(today, zone), _day_start(today + timedelta(days=1), zone)
    visits = db.session.scalars(
        sa.select(Appointment)
        .where(
            Appointment.location_id == location.id,
            sa.or_(
                Appointment.status.in_(IN_SHOP),
                sa.and_(
                    Appointment.status == AppointmentStatus.SCHEDULED,
                    Appointment.starts_at >= day_start,
                    Appointment.starts_at < now + ARRIVALS_WINDOW,
                ),
                sa.and_(
                    Appointment.status == AppointmentStatus.NO_SHOW,
                    Appointment.starts_at >= day_start,
                    Appointment.starts_at < day_end,
                ),
            ),
        )
        .order_by(Appointment.starts_at, Appointment.id)
        .options(
            selectinload(Appointment.vehicle),
            selectinload(Appointment.customer),
            selectinload(Appointment.bay),
            selectinload(Appointment.services),
        )
    ).all()
    in_shop: dict[AppointmentStatus, list[Appointment]] = defaultdict(list)
    arrivals, no_shows = [], []
    for visit in visits:
        if visit.status is AppointmentStatus.SCHEDULED:
            arrivals.append(visit)
        elif visit.status is AppointmentStatus.NO_SHOW:
            no_shows.append(visit)
        else:
            in_shop[visit.status].append(visit)
    reviews = list(
        db.session.scalars(
            sa.select(Review)
            .join(Appointment, Appointment.id == Review.appointment_id)
            .where(Review.hidden.is_(False), Appointment.location_id == location.id)
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(RECENT_REVIEWS)
            .options(joinedload(Review.appointment).joinedload(Appointment.vehicle))
        )
    )
    return Dashboard(
        location=location,
        zone=zone,
        now=now,
        today=today,
        week_start=week_start,
        arrivals=arrivals,
        in_shop={s: in_shop.get(s, []) for s in IN_SHOP},
        no_shows=no_shows,
        bay_rows=_utilisation_rows(location, zone, today, week_start),
        reviews=reviews,
    )

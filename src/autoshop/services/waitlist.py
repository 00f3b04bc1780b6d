"""The waitlist for full days: join, leave, and offering freed starts one person at a time.

When a cancellation or a reschedule frees a bay (services/booking.py calls `capacity_freed` in
its own transaction), the entries waiting for that local day are read in join order; the first
whose window and services fit a free start gets it, held on one bay for HOLD_FOR. A live hold is
a busy block for everyone else: availability reads holds with the appointments' blocks in one
statement (services/availability.py), under the same per-day schedule lock every booking takes,
so nobody else is offered or can book the held bay, and a freed start goes to one entry at a
time. The appointments' own no-overlap constraints still guard every booking, the holder's too.
The worker's `expire_holds` step lapses holds not accepted in time and offers the next in line.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from autoshop.domain import availability as engine
from autoshop.domain.allocation import rank_bays
from autoshop.domain.choices import NotificationChannel
from autoshop.domain.technicians import Technicians, rank_technicians
from autoshop.domain.waitlist import (
    HOLD_FOR,
    EntryStatus,
    HoldStatus,
    in_window,
    refuse_join,
)
from autoshop.extensions import db
from autoshop.i18n import _, format_moment, message_language, speaking
from autoshop.models import Location, Notification, User, Vehicle, WaitlistEntry, WaitlistHold
from autoshop.models.waitlist import HOLDING
from autoshop.services import availability as queries
from autoshop.services import technicians
from autoshop.services.manage_links import public_url
from autoshop.services.transactions import lock_schedule, run_write

OFFER_SALT = "autoshop.waitlist-offer"
MANAGE_SALT = "autoshop.waitlist-manage"
OFFER_PATH = "/waitlist/offers/{token}"
MANAGE_PATH = "/waitlist/manage/{token}"
ACCOUNT_PATH = "/appointments"

JOINED = "waitlist_joined"
OFFERED = "waitlist_offer"


class WaitlistError(Exception):
    """A join or leave request the customer can fix; `field` is the form field."""

    status = 422

    def __init__(self, message: str, *, field: str = "form", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


@dataclass(frozen=True)
class GuestDetails:
    name: str
    email: str
    phone: str
    vehicle_year: int
    vehicle_make: str
    vehicle_model: str


@dataclass
class JoinRequest:
    service_ids: list[int]
    day: date
    earliest: time
    latest: time
    customer: User | None = None
    vehicle_id: int | None = None
    guest: GuestDetails | None = None
    location_id: int | None = None
    #: The language the customer joined in ('es'): a guest's offers speak it.
    language: str | None = None


# --- links ---------------------------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def offer_token(hold: WaitlistHold) -> str:
    return str(_serializer(OFFER_SALT).dumps({"h": hold.id, "n": hold.nonce}))


def read_offer_token(token: str) -> tuple[int, str] | None:
    """(hold id, nonce) from an offer link, or None if it was not made by us."""
    try:
        data = _serializer(OFFER_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("h"), int):
        return None
    return data["h"], str(data.get("n", ""))


def manage_token(entry: WaitlistEntry) -> str:
    return str(_serializer(MANAGE_SALT).dumps({"e": entry.id, "k": entry.dedupe_key}))


def entry_for_manage_token(token: str) -> WaitlistEntry | None:
    try:
        data = _serializer(MANAGE_SALT).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        return None
    entry = db.session.get(WaitlistEntry, data["e"])
    if entry is None or entry.dedupe_key != data.get("k"):
        return None
    return entry


def manage_url(entry: WaitlistEntry) -> str:
    if entry.customer_id is not None:
        return public_url(ACCOUNT_PATH)
    return public_url(MANAGE_PATH.format(token=manage_token(entry)))


# --- reading -------------------------------------------------------------------------------------


@dataclass
class _Day:
    """One local day of a location as the engine needs it: loaded once, busy kept up to date."""

    location: Location
    zone: ZoneInfo
    day: date
    rules: engine.BookingRules
    hours: list[engine.OpeningInterval]
    bays: list[engine.BayInfo]
    closures: list[engine.Closure]
    busy: list[engine.Busy]

    @classmethod
    def load(cls, location: Location, day: date, now: datetime) -> _Day:
        zone = ZoneInfo(location.timezone)
        start_at, end_at = queries.range_bounds(day - timedelta(days=1), day, zone)
        return cls(
            location=location,
            zone=zone,
            day=day,
            rules=queries.rules_of(location),
            hours=[
                engine.OpeningInterval(h.weekday, h.opens, h.closes) for h in location.opening_hours
            ],
            bays=queries.load_bays(location),
            closures=queries.load_closures(location, start_at, end_at),
            busy=queries.load_busy(location, start_at, end_at, now=now),
        )

    def technicians(self, visit: queries.Visit, now: datetime) -> Technicians | None:
        """The technicians who could do `visit` around this day (None: the shop keeps no
        schedules), busy with their visits and the live holds, this transaction's included."""
        return technicians.load_technicians(
            self.location,
            technicians.categories_of(visit.services),
            *queries.range_bounds(self.day - timedelta(days=1), self.day, self.zone),
            now=now,
        )

    def free_starts(
        self,
        visit: queries.Visit,
        *,
        earliest: time,
        latest: time,
        now: datetime,
        techs: Technicians | None,
        vehicle_id: int | None = None,
    ) -> list[datetime]:
        """The free starts for `visit` on this day inside the window, earliest first."""
        blocked: list[tuple[datetime, datetime]] = []
        if vehicle_id is not None:
            start_at, end_at = queries.range_bounds(self.day, self.day, self.zone)
            blocked = queries.load_vehicle_visits(vehicle_id, start_at, end_at)
        days = engine.free_slots(
            opening_hours=self.hours,
            closures=self.closures,
            bays=self.bays,
            busy=self.busy,
            duration=visit.duration,
            capabilities=visit.capabilities,
            rules=self.rules,
            zone=self.zone,
            start=self.day,
            end=self.day,
            now=now,
            blocked=blocked,
            technicians=techs,
        )
        return [
            s.starts_at
            for d in days
            for s in d.slots
            if in_window(
                s.starts_at, day=self.day, earliest=earliest, latest=latest, zone=self.zone
            )
        ]


def entries_of(user: User) -> list[WaitlistEntry]:
    """A customer's waitlist entries, the active ones and the last month's others."""
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.customer_id == user.id)
            .options(selectinload(WaitlistEntry.holds), joinedload(WaitlistEntry.vehicle))
            .order_by(WaitlistEntry.day.desc(), WaitlistEntry.joined_at)
        )
    )


def entries_for_day(location: Location, day: date) -> list[WaitlistEntry]:
    """Staff's view of one day's line, in join order."""
    return list(
        db.session.scalars(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.location_id == location.id, WaitlistEntry.day == day)
            .options(
                selectinload(WaitlistEntry.holds),
                joinedload(WaitlistEntry.vehicle),
                joinedload(WaitlistEntry.customer),
            )
            .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
        )
    )


def days_with_entries(location: Location, since: date) -> list[tuple[date, int]]:
    """(day, active entries) for the days from `since` on that have anyone waiting."""
    rows = db.session.execute(
        sa.select(WaitlistEntry.day, sa.func.count())
        .where(
            WaitlistEntry.location_id == location.id,
            WaitlistEntry.day >= since,
            WaitlistEntry.status.in_([EntryStatus.WAITING, EntryStatus.OFFERED]),
        )
        .group_by(WaitlistEntry.day)
        .order_by(WaitlistEntry.day)
    ).all()
    return [(r[0], int(r[1])) for r in rows]


def services_label(entry: WaitlistEntry) -> str:
    from autoshop.models import Service

    names = dict(
        db.session.execute(
            sa.select(Service.id, Service.name).where(Service.id.in_(entry.service_ids))
        ).all()
    )
    return ", ".join(names.get(i, _("A service no longer offered")) for i in entry.service_ids)


# --- joining and leaving -------------------------------------------------------------------------


def _dedupe_key(location_id: int, req: JoinRequest) -> str:
    if req.vehicle_id is not None:
        return f"{location_id}:{req.day.isoformat()}:vehicle:{req.vehicle_id}"
    assert req.guest is not None
    g = req.guest
    who = f"{g.email.lower()}:{g.vehicle_year}:{g.vehicle_make.lower()}:{g.vehicle_model.lower()}"
    return f"{location_id}:{req.day.isoformat()}:guest:{who}"[:200]


def _duplicate() -> str:
    return _("You're already on the waitlist for that day with this vehicle.")


def join(req: JoinRequest, *, now: datetime) -> WaitlistEntry:
    """Put someone on the waitlist for a full day; WaitlistError (nothing saved) if not."""
    try:
        location = queries.load_location(req.location_id)
        visit = queries.load_visit(req.service_ids)
    except queries.AvailabilityError as exc:
        raise WaitlistError(str(exc), field="services") from exc
    zone = ZoneInfo(location.timezone)
    problem = refuse_join(
        day=req.day,
        earliest=req.earliest,
        latest=req.latest,
        now=now,
        zone=zone,
        horizon=timedelta(days=location.horizon_days),
    )
    if problem is not None:
        raise WaitlistError(problem.message, field=problem.field)
    if req.customer is not None:
        vehicle = db.session.get(Vehicle, req.vehicle_id) if req.vehicle_id else None
        if vehicle is None or vehicle.owner_id != req.customer.id:
            raise WaitlistError(_("Choose one of your own vehicles."), field="vehicle")
    elif req.guest is None:
        raise WaitlistError(_("Give your name, email and phone, or log in."), field="email")
    else:
        req.vehicle_id = None
    key = _dedupe_key(location.id, req)

    def work(session: Session) -> WaitlistEntry:
        lock_schedule(session, location.id, [req.day])
        duplicate = session.scalar(
            sa.select(WaitlistEntry.id).where(
                WaitlistEntry.dedupe_key == key,
                WaitlistEntry.status.in_([EntryStatus.WAITING, EntryStatus.OFFERED]),
            )
        )
        if duplicate is not None:
            raise WaitlistError(_duplicate(), field="day", status=409)
        data = _Day.load(location, req.day, now)
        free = data.free_starts(
            visit,
            earliest=req.earliest,
            latest=req.latest,
            now=now,
            techs=data.technicians(visit, now),
            vehicle_id=req.vehicle_id,
        )
        if free:
            first = free[0].astimezone(zone)
            raise WaitlistError(
                _(
                    "There is a free time in your window (%(time)s): book it directly instead "
                    "of waiting.",
                    time=format_moment(first, "time"),
                ),
                field="day",
                status=409,
            )
        guest = req.guest
        entry = WaitlistEntry(
            location_id=location.id,
            day=req.day,
            earliest=req.earliest,
            latest=req.latest,
            service_ids=list(req.service_ids),
            customer=req.customer,
            vehicle_id=req.vehicle_id,
            guest_name=guest.name if guest else "",
            guest_email=guest.email if guest else "",
            guest_phone=guest.phone if guest else "",
            vehicle_year=guest.vehicle_year if guest else None,
            vehicle_make=guest.vehicle_make if guest else "",
            vehicle_model=guest.vehicle_model if guest else "",
            status=EntryStatus.WAITING,
            joined_at=now,
            updated_at=now,
            dedupe_key=key,
            locale=req.language,
        )
        session.add(entry)
        session.flush()
        _notify(entry, JOINED, now=now, dedupe=f"waitlist:{entry.id}:joined")
        return entry

    try:
        return run_write(work)
    except IntegrityError as exc:  # a twin request saved the same entry first
        raise WaitlistError(_duplicate(), field="day", status=409) from exc


def leave(entry: WaitlistEntry, *, now: datetime) -> WaitlistEntry:
    """Leave the waitlist; a time held for the entry is released to the next in line."""
    entry_id, location_id, day = entry.id, entry.location_id, entry.day

    def work(session: Session) -> WaitlistEntry:
        # The schedule first, as every writer that places or frees a visit on the day does.
        lock_schedule(session, location_id, [day])
        current = session.scalar(
            sa.select(WaitlistEntry)
            .where(WaitlistEntry.id == entry_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if current is None or not current.status.active:
            raise WaitlistError(_("This waitlist entry is no longer active."), status=409)
        hold = current.live_hold
        current.status, current.updated_at = EntryStatus.LEFT, now
        if hold is not None:
            hold.status = HoldStatus.RELEASED
            session.flush()
            offer_next(session, current.location, current.day, now=now)
        return current

    return run_write(work)


# --- offering ------------------------------------------------------------------------------------


def capacity_freed(
    session: Session, location: Location, starts: list[datetime], *, now: datetime
) -> list[WaitlistHold]:
    """Called by the booking service in the transaction that freed a bay at `starts`."""
    zone = ZoneInfo(location.timezone)
    offers: list[WaitlistHold] = []
    for day in sorted({s.astimezone(zone).date() for s in starts}):
        offers += offer_next(session, location, day, now=now)
    return offers


def offer_next(
    session: Session, location: Location, day: date, *, now: datetime
) -> list[WaitlistHold]:
    """Hold a free start for each waiting entry of the day that one fits, first come first."""
    lock_schedule(session, location.id, [day])
    waiting = list(
        session.scalars(
            sa.select(WaitlistEntry)
            .where(
                WaitlistEntry.location_id == location.id,
                WaitlistEntry.day == day,
                WaitlistEntry.status == EntryStatus.WAITING,
            )
            .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
        )
    )
    if not waiting:
        return []
    data = _Day.load(location, day, now)
    offers = []
    for entry in waiting:
        try:
            visit = queries.load_visit(entry.service_ids)
        except queries.AvailabilityError:
            continue  # a service no longer bookable: staff see the entry and call
        techs = data.technicians(visit, now)
        starts = data.free_starts(
            visit,
            earliest=entry.earliest,
            latest=entry.latest,
            now=now,
            techs=techs,
            vehicle_id=entry.vehicle_id,
        )
        if not starts:
            continue
        starts_at = starts[0]
        # The technician is kept with the bay: the best fit of those free for the visit.
        mechanic_id = None
        if techs is not None:
            ranked = rank_technicians(techs, data.zone, starts_at, starts_at + visit.duration)
            if not ranked:  # pragma: no cover - the engine offered the start for someone free
                continue
            mechanic_id = ranked[0]
        block_ends_at = starts_at + visit.duration + data.rules.buffer
        bay_ids = rank_bays(
            bays=data.bays,
            busy=data.busy,
            starts_at=starts_at,
            block_ends_at=block_ends_at,
            capabilities=visit.capabilities,
        )
        if not bay_ids:  # pragma: no cover - the engine offered the start for a free bay
            continue
        hold = WaitlistHold(
            entry=entry,
            bay_id=bay_ids[0],
            mechanic_id=mechanic_id,
            starts_at=starts_at,
            block_ends_at=block_ends_at,
            expires_at=now + HOLD_FOR,
            status=HoldStatus.HELD,
            nonce=secrets.token_urlsafe(16),
            created_at=now,
        )
        session.add(hold)
        entry.status, entry.updated_at = EntryStatus.OFFERED, now
        session.flush()
        data.busy.append(engine.Busy(bay_id=bay_ids[0], starts_at=starts_at, ends_at=block_ends_at))
        _notify(entry, OFFERED, now=now, hold=hold, dedupe=f"waitlist:{entry.id}:offer:{hold.id}")
        offers.append(hold)
    return offers


def expire_holds(*, now: datetime) -> int:
    """The worker's step: lapse the holds not accepted in time and offer their starts to the
    next in line. Returns how many holds lapsed."""
    # A read first: the worker asks every poll, and most polls find nothing, which then takes
    # no write lock (SQLite) and opens no transaction in the caller's session.
    with db.engine.connect() as connection:
        due = connection.scalar(
            sa.select(WaitlistHold.id).where(HOLDING, WaitlistHold.expires_at <= now).limit(1)
        )
    if due is None:
        return 0

    def work(session: Session) -> int:
        stmt = (
            sa.select(WaitlistHold)
            .where(HOLDING, WaitlistHold.expires_at <= now)
            .order_by(WaitlistHold.id)
            .with_for_update(skip_locked=True)
        )
        holds = list(session.scalars(stmt))
        days: set[tuple[int, date]] = set()
        for hold in holds:
            hold.status = HoldStatus.EXPIRED
            entry = hold.entry
            if entry.status is EntryStatus.OFFERED:
                entry.status, entry.updated_at = EntryStatus.LAPSED, now
            days.add((entry.location_id, entry.day))
        session.flush()
        for location_id, day in sorted(days):
            location = queries.load_location(location_id)
            offer_next(session, location, day, now=now)
        return len(holds)

    return run_write(work)


# --- messages ------------------------------------------------------------------------------------


def _recipients(entry: WaitlistEntry) -> list[tuple[NotificationChannel, str]]:
    customer = entry.customer
    if customer is None:
        return [(NotificationChannel.EMAIL, entry.guest_email)] if entry.guest_email else []
    out = []
    if customer.email_opt_in:
        out.append((NotificationChannel.EMAIL, customer.email))
    if customer.sms_opt_in and customer.phone:
        out.append((NotificationChannel.SMS, customer.phone))
    return out


def _context(entry: WaitlistEntry, kind: str, hold: WaitlistHold | None) -> dict[str, Any]:
    zone = ZoneInfo(entry.location.timezone)
    ctx: dict[str, Any] = {
        "kind": kind,
        "entry": entry,
        "shop_name": current_app.config["SHOP_NAME"],
        "location": entry.location,
        "name": (entry.customer.first_name if entry.customer else entry.guest_name) or _("there"),
        "day": format_moment(entry.day, "day"),
        "window": f"{_clock(entry.day, entry.earliest)} – {_clock(entry.day, entry.latest)}",
        "services": services_label(entry),
        "vehicle": entry.vehicle_label,
        "manage_url": manage_url(entry),
    }
    if hold is not None:
        local = hold.starts_at.astimezone(zone)
        ctx["when"] = format_moment(local, "day_at")
        ctx["expires"] = format_moment(hold.expires_at, "time", zone)
        ctx["offer_url"] = public_url(OFFER_PATH.format(token=offer_token(hold)))
    return ctx


def _notify(
    entry: WaitlistEntry,
    kind: str,
    *,
    now: datetime,
    dedupe: str,
    hold: WaitlistHold | None = None,
) -> None:
    # The customer's language: a signed-in customer's choice, else the one they joined in.
    with speaking(
        message_language(entry.customer.locale if entry.customer else None, entry.locale)
    ):
        _notify_in_language(entry, kind, now=now, dedupe=dedupe, hold=hold)


def _clock(day: date, moment: time) -> str:
    """A wall-clock time of `day`, in the language spoken: '9:30 AM'."""
    return format_moment(datetime.combine(day, moment), "time")


def _notify_in_language(
    entry: WaitlistEntry, kind: str, *, now: datetime, dedupe: str, hold: WaitlistHold | None
) -> None:
    ctx = _context(entry, kind, hold)
    subject = (
        _(
            "A time opened up: %(when)s (reply by %(expires)s)",
            when=ctx["when"],
            expires=ctx["expires"],
        )
        if kind == OFFERED
        else _("You're on the waitlist for %(day)s", day=ctx["day"])
    )
    for channel, recipient in _recipients(entry):
        if channel is NotificationChannel.SMS:
            if kind != OFFERED:
                continue  # the text message is for the offer, which can't wait
            body_text, body_html = render_template("notifications/waitlist_sms.txt", **ctx), ""
        else:
            body_text = render_template("notifications/waitlist.txt", **ctx)
            body_html = render_template("notifications/waitlist.html", **ctx)
        db.session.add(
            Notification(
                channel=channel,
                recipient=recipient,
                kind=kind,
                user_id=entry.customer_id,
                subject=subject,
                body_text=body_text.strip() if channel is NotificationChannel.SMS else body_text,
                body_html=body_html,
                due_at=now,
                dedupe_key=f"{dedupe}:{channel.value}",
                payload={"waitlist_entry": entry.id, "hold": hold.id if hold else None},
            )
        )

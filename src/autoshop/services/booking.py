"""Booking, rescheduling and cancelling, guarded by the database itself (DESIGN.md §5).

The service checks the requested start against the same engine that offers slots, ranks the
capable free bays best fit first and inserts into the first one inside a savepoint. PostgreSQL's
exclusion constraint (SQLSTATE 23P01) or SQLite's trigger refuses an overlap that slipped in
between the read and the write; the service then tries the next bay and answers "taken", with
the nearest free alternatives, only when none is left. On SQLite the transaction also takes the
write lock up front (BEGIN IMMEDIATE), so writers queue instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from autoshop.domain import availability as engine
from autoshop.domain.allocation import rank_bays
from autoshop.domain.choices import BookingSource, Role, VisitMode
from autoshop.domain.status import (
    BAY_HOLDING_STATUSES,
    Actor,
    AppointmentStatus,
    JobFacts,
    Refusal,
    refuse_move,
    refuse_reschedule,
)
from autoshop.domain.technicians import Technicians, rank_technicians
from autoshop.domain.vehicles import CarFields, normalize_plate
from autoshop.domain.visit_caps import CapIndex
from autoshop.extensions import db
from autoshop.i18n import N_, _, format_moment, ngettext, speaking
from autoshop.models import (
    Appointment,
    AppointmentService,
    Bay,
    BayDowntime,
    Location,
    StatusChange,
    User,
    Vehicle,
    WaitlistHold,
)
from autoshop.services import availability as queries
from autoshop.services import outbox_planning, vehicles, waitlist
from autoshop.services import technicians as people
from autoshop.services import visit_caps as cap_queries
from autoshop.services.booking_checks import check_request
from autoshop.services.references import new_reference
from autoshop.services.transactions import (
    Contended,
    lock_appointment,
    lock_schedule,
    run_write,
)

T = TypeVar("T")

MAX_CONCERN_LENGTH = 2000
ALTERNATIVES = 5


class BookingError(Exception):
    """A request the customer can fix; `kind` is the problem type, `field` the form field."""

    status = 422

    def __init__(self, message: str, *, kind: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.field = field


class NotAllowed(BookingError):
    status = 403


class SlotTaken(BookingError):
    """Every capable bay was taken for that start; `alternatives` are the nearest free starts.

    They are searched for when first read, not when the refusal is raised: the refusal ends
    the write transaction, so the search (a week of availability) holds no schedule lock and
    never keeps the next booking of the day waiting."""

    status = 409

    def __init__(self, message: str, *, nearest: Callable[[], list[datetime]]) -> None:
        super().__init__(message, kind="slot-taken", field="starts_at")
        self._nearest: Callable[[], list[datetime]] | None = nearest
        self._alternatives: list[datetime] = []

    @property
    def alternatives(self) -> list[datetime]:
        if self._nearest is not None:
            nearest, self._nearest = self._nearest, None
            self._alternatives = nearest()
        return self._alternatives


class CapReached(SlotTaken):
    """The bays are free but the location's cap on waiting customers (per block) or on
    drop-offs (per morning) is reached at that start; `alternatives` respect the cap."""

    def __init__(self, message: str, *, kind: str, nearest: Callable[[], list[datetime]]) -> None:
        super().__init__(message, nearest=nearest)
        self.kind = kind


@dataclass(frozen=True)
class VehicleDetails:
    year: int
    make: str
    model: str
    trim: str = ""
    plate: str = ""
    vin: str | None = None
    mileage: int | None = None


@dataclass(frozen=True)
class GuestContact:
    name: str
    email: str
    phone: str | None = None
    #: They agreed to texts about this visit at `phone`.
    sms_opt_in: bool = False


class OnceHook(Protocol):
    def claim(self) -> None:
        """First thing in the booking's transaction (a twin request waits here)."""

    def record(self, appointment: Appointment) -> None:
        """Once the appointment is written, in the same transaction."""


@dataclass
class BookingRequest:
    service_ids: list[int]
    starts_at: datetime
    mode: VisitMode = VisitMode.DROP_OFF
    concern: str = ""
    customer: User | None = None
    guest: GuestContact | None = None
    vehicle_id: int | None = None
    vehicle: VehicleDetails | None = None
    location_id: int | None = None
    #: Staff booking for a phone or walk-in customer: minimum notice doesn't apply.
    by_staff: User | None = None
    staff_notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: An idempotency key (services/idempotency.py), claimed and recorded inside the booking's
    #: transaction, so it commits or rolls back with the appointment.
    once: OnceHook | None = None
    #: A waitlist hold (services/waitlist.py) this booking consumes: its bay isn't busy for it.
    hold_id: int | None = None
    #: The language the customer booked in ('es'): a guest's messages speak it.
    language: str | None = None


# --- checking a start --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    location: Location
    zone: ZoneInfo
    visit: queries.Visit
    rules: engine.BookingRules
    hours: list[engine.OpeningInterval]
    bays: list[engine.BayInfo]
    #: The saved vehicle being booked, whose other visits the alternatives must avoid.
    vehicle_id: int | None = None
    #: Drop-off or wait: the location's cap for that mode applies (visit_caps).
    mode: VisitMode | None = None
    #: The service categories of the visit (the skills a technician needs), read with the
    #: services, so a search after the transaction has ended doesn't reload them.
    categories: frozenset[int] = frozenset()

    def engine_args(self) -> dict[str, Any]:
        """What every engine call for this visit at this location takes."""
        return {
            "opening_hours": self.hours,
            "bays": self.bays,
            "duration": self.visit.duration,
            "capabilities": self.visit.capabilities,
            "rules": self.rules,
            "zone": self.zone,
        }


def _context(
    location_id: int | None,
    visit: queries.Visit | list[int],
    *,
    staff: bool,
    vehicle_id: int | None = None,
    mode: VisitMode | None = None,
) -> _Context:
    """The location, its rules (staff: without the minimum notice) and the visit to place."""
    try:
        location = queries.load_location(location_id)
        if not isinstance(visit, queries.Visit):
            visit = queries.load_visit(visit)
    except queries.AvailabilityError as exc:
        raise BookingError(str(exc), kind=exc.kind, field="services") from exc
    rules = queries.rules_of(location)
    hours = [engine.OpeningInterval(h.weekday, h.opens, h.closes) for h in location.opening_hours]
    return _Context(
        location=location,
        zone=ZoneInfo(location.timezone),
        visit=visit,
        rules=queries.staff_rules(rules) if staff else rules,
        hours=hours,
        bays=queries.load_bays(location),
        vehicle_id=vehicle_id,
        mode=mode,
        categories=people.categories_of(visit.services),
    )


def _around(ctx: _Context, first: date, days: int = 1) -> tuple[datetime, datetime]:
    """The instants a check of `days` local days from `first` reads: from the day before (a
    visit begun then can reach into the first) to `range_bounds`' margin after the last."""
    return queries.range_bounds(first - timedelta(days=1), first + timedelta(days=days), ctx.zone)


def _day_data(
    ctx: _Context,
    day: date,
    days: int = 1,
    *,
    exclude: int | None = None,
    now: datetime | None = None,
    holder: int | None = None,
) -> tuple[list[engine.Closure], list[engine.Busy]]:
    start_at, end_at = _around(ctx, day, days)
    closures = queries.load_closures(ctx.location, start_at, end_at)
    busy = queries.load_busy(
        ctx.location, start_at, end_at, exclude=exclude, now=now, holder=holder
    )
    return closures, busy


def _caps(
    ctx: _Context, day: date, days: int = 1, *, exclude: int | None = None
) -> CapIndex | None:
    """The cap index for the visit's mode over the days of `_day_data` (no query without a cap).
    Read after lock_schedule, so it counts every visit committed before this writer's turn."""
    start_at, end_at = _around(ctx, day, days)
    return cap_queries.index_for(ctx.location, ctx.mode, start_at, end_at, exclude=exclude)


#: A range's busy time as the engine takes it: blocks, or islands merged per bay (the calendar's
#: shape, read merged in SQL on PostgreSQL or kept in `busy_cache`).
BusyTime = list[engine.Busy] | engine.BusyIslands


def _engine_busy(busy: BusyTime) -> dict[str, Any]:
    return {"islands": busy} if isinstance(busy, engine.BusyIslands) else {"busy": busy}


def _slot(
    ctx: _Context,
    starts_at: datetime,
    closures,
    busy: BusyTime,
    now: datetime,
    techs: Technicians | None = None,
    caps: CapIndex | None = None,
) -> engine.Slot | None:
    return engine.slot_at(
        starts_at,
        closures=closures,
        now=now,
        technicians=techs,
        caps=caps,
        **_engine_busy(busy),
        **ctx.engine_args(),
    )


# --- technicians (services/technicians.py; off when the location keeps no schedules) -----------


def _technicians(
    ctx: _Context,
    day: date,
    days: int = 1,
    *,
    now: datetime,
    exclude: int | None = None,
    holder: int | None = None,
) -> Technicians | None:
    """The location's technicians around `day` (as _day_data's range), or None; the technicians
    of waitlist holds live at `now` are busy then, but for `holder`'s own."""
    start_at, end_at = _around(ctx, day, days)
    return people.load_technicians(
        ctx.location, ctx.categories, start_at, end_at, exclude=exclude, now=now, holder=holder
    )


def _held_technician(hold_id: int) -> int | None:
    return db.session.scalar(sa.select(WaitlistHold.mechanic_id).where(WaitlistHold.id == hold_id))


def _choose_technician(
    ctx: _Context,
    techs: Technicians | None,
    starts_at: datetime,
    now: datetime,
    *,
    keep: int | None = None,
    exclude: int | None = None,
) -> int | None:
    """The technician a visit at `starts_at` gets, chosen under the schedule lock: `keep` (the
    one it has) if they are free and skilled then, else the best fit; `keep` unchanged when the
    location keeps no schedules. SlotTaken when nobody is free (the engine said someone is, on
    the same data, so only as a safety net)."""
    if techs is None:
        return keep
    ranked = rank_technicians(techs, ctx.zone, starts_at, starts_at + ctx.visit.duration)
    if keep in ranked:
        return keep
    if not ranked:
        raise _taken(ctx, starts_at, now, exclude=exclude)
    return ranked[0]


def _cap_reached(
    ctx: _Context,
    caps: CapIndex,
    starts_at: datetime,
    now: datetime,
    *,
    exclude: int | None,
    seen: _Seen | None = None,
) -> CapReached:
    """The refusal when only the mode's cap stands in the way, in the shop's words."""
    local = starts_at.astimezone(ctx.zone)

    def alternatives() -> list[datetime]:
        return alternatives_near(ctx, starts_at, now, exclude=exclude, seen=seen)

    location = ctx.location
    if ctx.mode is VisitMode.WAIT:
        minutes = location.wait_cap_minutes or 60
        first = local.hour * 60 + local.minute
        first -= first % minutes
        block = datetime.combine(local.date(), time(first // 60, first % 60))
        until = block + timedelta(minutes=minutes)
        return CapReached(
            ngettext(
                "The waiting room is full then: we take %(num)d waiting customer from "
                "%(start)s to %(end)s. Pick another time, or drop the car off.",
                "The waiting room is full then: we take %(num)d waiting customers from "
                "%(start)s to %(end)s. Pick another time, or drop the car off.",
                location.wait_cap,
                start=format_moment(block, "time"),
                end=format_moment(until, "time"),
            ),
            kind="waiting-room-full",
            nearest=alternatives,
        )
    morning = f"{format_moment(local, 'weekday')} {format_moment(local, 'day_month')}"
    return CapReached(
        ngettext(
            "We take %(num)d drop-off a morning and %(day)s morning is full. Pick another day, "
            "a time from noon, or wait at the shop.",
            "We take %(num)d drop-offs a morning and %(day)s morning is full. Pick another day, "
            "a time from noon, or wait at the shop.",
            location.drop_off_cap,
            day=morning,
        ),
        kind="drop-offs-full",
        nearest=alternatives,
    )


def _explain_refusal(ctx: _Context, starts_at: datetime, closures, now: datetime) -> BookingError:
    """Why a start isn't offered, in the words a customer needs to pick another."""
    local = starts_at.astimezone(ctx.zone)
    if starts_at <= now:
        return BookingError(
            _("That time has already passed; pick a time in the future."),
            kind="start-in-past",
            field="starts_at",
        )
    if starts_at < now + ctx.rules.minimum_notice:
        hours = ctx.rules.minimum_notice.total_seconds() / 3600
        notice = f"{hours:g}"
        return BookingError(
            _(
                "Online bookings need at least %(hours)s hours' notice; "
                "call the shop for anything sooner.",
                hours=notice,
            ),
            kind="inside-notice",
            field="starts_at",
        )
    if starts_at > now + ctx.rules.horizon:
        return BookingError(
            _("We take bookings up to %(days)d days ahead.", days=ctx.rules.horizon.days),
            kind="beyond-horizon",
            field="starts_at",
        )
    if _slot(ctx, starts_at, [], [], now) is None:
        when = f"{format_moment(local, 'weekday')} {format_moment(local, 'time')}"
        return BookingError(
            _(
                "%(when)s isn't one of the offered start times: starts are every %(minutes)d "
                "minutes within opening hours, and the whole visit must finish before the break "
                "or closing.",
                when=when,
                minutes=int(ctx.rules.slot_interval.total_seconds() // 60),
            ),
            kind="not-offered",
            field="starts_at",
        )
    reasons = [
        c.reason
        for c in closures
        if c.starts_at < starts_at + ctx.visit.duration and starts_at < c.ends_at
    ]
    return BookingError(
        _("The shop is closed then: %(reason)s.", reason=reasons[0] if reasons else _("closed")),
        kind="closed",
        field="starts_at",
    )


def _check_offset(starts_at: datetime, zone: ZoneInfo) -> None:
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise BookingError(
            _("Give the start with its UTC offset, e.g. 2026-12-01T09:00:00-05:00."),
            kind="naive-start",
            field="starts_at",
        )
    offset = starts_at.utcoffset()
    if offset and offset != starts_at.astimezone(zone).utcoffset():
        raise BookingError(
            _(
                "That local time doesn't exist in the shop's time zone (the clocks change then) "
                "or its UTC offset is wrong; pick one of the offered times."
            ),
            kind="offset-mismatch",
            field="starts_at",
        )


def _require_offered(
    ctx: _Context,
    starts_at: datetime,
    closures: list[engine.Closure],
    busy: BusyTime,
    now: datetime,
    *,
    exclude: int | None = None,
    techs: Technicians | None = None,
    caps: CapIndex | None = None,
    seen: _Seen | None = None,
) -> None:
    """Raise unless the start is offered: "taken" (with alternatives) when only the bays or the
    technicians are full, "full" when only the mode's cap is reached, otherwise the reason the
    time can't be booked at all. `seen`, the day's data the check read, is what the refusal's
    alternatives start from."""
    if _slot(ctx, starts_at, closures, busy, now, techs, caps) is not None:
        return
    if caps is not None and _slot(ctx, starts_at, closures, busy, now, techs) is not None:
        raise _cap_reached(ctx, caps, starts_at, now, exclude=exclude, seen=seen)
    if _slot(ctx, starts_at, closures, [], now) is not None:
        raise _taken(ctx, starts_at, now, exclude=exclude, seen=seen)
    raise _explain_refusal(ctx, starts_at, closures, now)


@dataclass(frozen=True)
class _Seen:
    """A local day's closures and busy blocks as a booking's check read them: the refusal's
    alternatives on that day are searched in them, without reading them again."""

    day: date
    closures: list[engine.Closure]
    busy: BusyTime


def alternatives_near(
    ctx: _Context,
    starts_at: datetime,
    now: datetime,
    *,
    exclude: int | None = None,
    seen: _Seen | None = None,
) -> list[datetime]:
    """The free starts offered instead of `starts_at`, the same local day first: the ALTERNATIVES
    nearest to it on that day; when the day has fewer, the earliest of the next six days make up
    the rest. The week is read only then (a busy day's refusals usually find theirs on the day,
    in the data the check already read: `seen`)."""
    day = starts_at.astimezone(ctx.zone).date()
    if seen is not None and seen.day == day:
        on_day = _free_starts(
            ctx, day, 1, now, exclude=exclude, closures=seen.closures, busy=seen.busy
        )
    else:
        on_day = _free_starts(ctx, day, 1, now, exclude=exclude)
    nearest = sorted(on_day, key=lambda s: abs(s - starts_at))[:ALTERNATIVES]
    if len(nearest) < ALTERNATIVES:
        later = _free_starts(ctx, day + timedelta(days=1), 6, now, exclude=exclude)
        nearest += later[: ALTERNATIVES - len(nearest)]
    return sorted(nearest)


def _free_starts(
    ctx: _Context,
    first: date,
    days: int,
    now: datetime,
    *,
    exclude: int | None,
    closures: list[engine.Closure] | None = None,
    busy: BusyTime | None = None,
) -> list[datetime]:
    """Every free start for the visit on `days` local days from `first`, in order. Busy time
    not given is read for the range (on PostgreSQL merged per bay in SQL, as the calendar reads
    it); the technicians, caps and the vehicle's other visits are read only where they apply."""
    start_at, end_at = _around(ctx, first, days)
    if closures is None:
        closures = queries.load_closures(ctx.location, start_at, end_at)
    busy_time: dict[str, Any]
    if busy is None:
        busy_time = queries.busy_time(
            ctx.location, start_at, end_at, ctx.visit, ctx.rules, exclude, now
        )
    else:
        busy_time = _engine_busy(busy)
    last = first + timedelta(days=days - 1)
    blocked: list[tuple[datetime, datetime]] = []
    if ctx.vehicle_id is not None:
        blocked = queries.load_vehicle_visits(
            ctx.vehicle_id, *queries.range_bounds(first, last, ctx.zone), exclude=exclude
        )
    found = engine.free_slots(
        closures=closures,
        blocked=blocked,
        caps=_caps(ctx, first, days=days, exclude=exclude),
        start=first,
        end=last,
        now=now,
        technicians=_technicians(ctx, first, days=days, now=now, exclude=exclude),
        **busy_time,
        **ctx.engine_args(),
    )
    return [s.starts_at for d in found for s in d.slots]


def _taken(
    ctx: _Context,
    starts_at: datetime,
    now: datetime,
    *,
    exclude: int | None = None,
    seen: _Seen | None = None,
) -> SlotTaken:
    return SlotTaken(
        _("This time was just taken. Please pick another; here are the nearest free times."),
        nearest=lambda: alternatives_near(ctx, starts_at, now, exclude=exclude, seen=seen),
    )


# --- writing --------------------------------------------------------------------------------


def _overlap_kind(error: IntegrityError) -> str | None:
    """'bay' or 'vehicle' when the database refused an overlap, else None."""
    orig = error.orig
    text = str(orig)
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None) or ""
    if getattr(orig, "sqlstate", None) == "23P01" or "overlap" in text:
        if "vehicle" in constraint or "vehicle" in text:
            return "vehicle"
        return "bay"
    return None


def _resolve_vehicle(req: BookingRequest) -> Vehicle:
    if req.vehicle_id is not None:
        vehicle = db.session.get(Vehicle, req.vehicle_id)
        owner_id = req.customer.id if req.customer else None
        if (
            vehicle is None
            or vehicle.archived
            or (owner_id is not None and vehicle.owner_id != owner_id)
            or (owner_id is None and not req.by_staff)
        ):
            raise BookingError(
                _("Choose one of your own vehicles."), kind="unknown-vehicle", field="vehicle"
            )
        return vehicle
    if req.vehicle is None:
        raise BookingError(_("Tell us which vehicle to book."), kind="no-vehicle", field="vehicle")
    details = req.vehicle
    car = CarFields(
        year=details.year,
        make=details.make.strip(),
        model=details.model.strip(),
        trim=details.trim.strip(),
        plate=normalize_plate(details.plate),
        vin=details.vin,
        mileage=details.mileage,
    )
    # A VIN or plate already in the account is that car, not a second one.
    return vehicles.match_or_add(db.session, req.customer, car)


def _validate_people(req: BookingRequest) -> None:
    check_request(req)
    if req.customer is None and req.guest is None:
        raise BookingError(
            _("Give your name, email and phone, or log in."), kind="no-contact", field="guest"
        )
    if len(req.concern) > MAX_CONCERN_LENGTH:
        raise BookingError(
            _("Describe the concern in at most %(limit)s characters.", limit=MAX_CONCERN_LENGTH),
            kind="concern-too-long",
            field="concern",
        )


def _customer_with_email(email: str) -> User | None:
    """The customer account behind an email staff typed in, if there is one."""
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.strip().lower())
    )


def book(req: BookingRequest, *, now: datetime) -> Appointment:
    """Book a visit; raise BookingError (or SlotTaken) with a message when it can't be.

    Without an idempotency key the start is first checked against the day as it is, before the
    write transaction: a refusal (on a busy day most often "taken") is answered from that read,
    holding no lock. A start that passes is checked again under the day's lock, on what is busy
    then. With a key the check runs only inside the transaction, after the key is claimed, so a
    retry of a request still being booked waits for it and replays its answer."""
    _validate_people(req)
    if req.by_staff is not None and req.customer is None and req.guest is not None:
        # A phone or walk-in booking for someone who has an account goes into that account.
        account = _customer_with_email(req.guest.email)
        if account is not None and not account.is_staff:
            req.customer, req.guest = account, None
    early = _check_before_writing(req, now) if req.once is None else None

    def work(session: Session, *, savepoints: bool) -> Appointment:
        if req.once is not None:
            req.once.claim()
        if early is None:
            ctx = _booking_context(req)
            _check_offset(req.starts_at, ctx.zone)
        else:
            ctx = early[0]
        starts_at = req.starts_at.astimezone(ctx.zone)
        day = starts_at.date()
        lock_schedule(session, ctx.location.id, [day])
        if early is None:
            closures, busy = _day_data(ctx, day, now=now, holder=req.hold_id)
        else:
            # Closures are the ones just read (the schedule lock never covered them); the busy
            # time is read again now that this writer has the day to itself.
            closures, busy = early[1], _day_busy(ctx, day, now=now, holder=req.hold_id)
        techs = _technicians(ctx, day, now=now, holder=req.hold_id)
        caps = _caps(ctx, day)
        seen = _Seen(day, closures, busy) if req.hold_id is None else None
        _require_offered(ctx, starts_at, closures, busy, now, techs=techs, caps=caps, seen=seen)
        # A waitlist hold's visit goes to the technician kept for it (free: the hold kept them).
        kept = None
        if req.hold_id is not None and techs is not None:
            kept = _held_technician(req.hold_id)
        mechanic_id = _choose_technician(ctx, techs, starts_at, now, keep=kept)
        vehicle = _resolve_vehicle(req)
        session.flush()  # the vehicle belongs to the transaction, not to a bay's savepoint

        def attempt(bay_id: int) -> Appointment:
            appointment = _new_appointment(req, ctx, vehicle, starts_at)
            appointment.bay_id = bay_id
            appointment.mechanic_id = mechanic_id
            appointment.created_at = appointment.updated_at = now  # not the database's clock
            return appointment

        ends_at = starts_at + ctx.visit.duration
        appointment = _place(
            attempt,
            ctx,
            busy,
            starts_at,
            ends_at + ctx.rules.buffer,
            now,
            savepoints=savepoints,
        )
        session.add(
            StatusChange(
                appointment=appointment,
                from_status=None,
                to_status=AppointmentStatus.SCHEDULED,
                changed_by=req.by_staff or req.customer,
                changed_at=now,
                note="Booked by staff." if req.by_staff else "Booked online.",
            )
        )
        session.flush()
        outbox_planning.plan_booking(appointment, now=now)
        if req.once is not None:
            req.once.record(appointment)
        return appointment

    try:
        try:
            # Under the day's lock the bay read free is free, so the first try writes without a
            # savepoint; should the database refuse the bay all the same (a writer outside the
            # lock), the whole transaction runs again, trying each bay in a savepoint.
            return run_write(lambda session: work(session, savepoints=False))
        except _PlaceAgain:
            return run_write(lambda session: work(session, savepoints=True))
    except Contended as exc:
        # Every attempt lost to concurrent bookings: as good as taken.
        db.session.rollback()
        ctx = early[0] if early is not None else _booking_context(req)
        raise _taken(ctx, req.starts_at.astimezone(ctx.zone), now) from exc


def _record(message: str, **values: Any) -> str:
    """A note for the visit's history, written in the shop's language whoever makes the change
    (values given as functions are formatted in that language too)."""
    with speaking(None):
        filled = {k: v() if callable(v) else v for k, v in values.items()}
        return _(message, **filled)


def _booking_context(req: BookingRequest) -> _Context:
    return _context(
        req.location_id,
        req.service_ids,
        staff=req.by_staff is not None,
        vehicle_id=req.vehicle_id,
        mode=req.mode,
    )


def _day_busy(ctx: _Context, day: date, *, now: datetime, holder: int | None) -> list[engine.Busy]:
    """The busy blocks of `_day_data`'s range (for a check that already has its closures)."""
    start_at, end_at = _around(ctx, day)
    return queries.load_busy(ctx.location, start_at, end_at, now=now, holder=holder)


def _check_before_writing(
    req: BookingRequest, now: datetime
) -> tuple[_Context, list[engine.Closure]]:
    """The booking's context and the day's closures, once the start is known to be bookable on
    the day as it is now (bays only: technicians and caps are decided under the lock). A start
    refused here gets what the check under the lock would say, read a moment earlier, without
    the lock ever being taken: neither the refusal nor its alternatives keep the day's other
    writers waiting."""
    ctx = _booking_context(req)
    _check_offset(req.starts_at, ctx.zone)
    starts_at = req.starts_at.astimezone(ctx.zone)
    day = starts_at.date()
    if req.hold_id is not None:  # the hold's own bay isn't busy for it: read as blocks
        closures, busy = _day_data(ctx, day, now=now, holder=req.hold_id)
        _require_offered(ctx, starts_at, closures, busy, now)
        return ctx, closures
    # The day's busy time as the calendar reads it: islands kept in `busy_cache` while the
    # location's schedule version (read with it just now) stands, else one statement, merged per
    # bay in SQL on PostgreSQL. A busy day's refusals follow each other between two bookings,
    # and each then costs no busy-time statement and no object per booked block.
    start_at, end_at = _around(ctx, day)
    closures = queries.load_closures(ctx.location, start_at, end_at)
    (busy,) = queries.busy_time(
        ctx.location, start_at, end_at, ctx.visit, ctx.rules, None, now, reuse=True
    ).values()
    _require_offered(ctx, starts_at, closures, busy, now, seen=_Seen(day, closures, busy))
    return ctx, closures


def _new_appointment(
    req: BookingRequest, ctx: _Context, vehicle: Vehicle, starts_at: datetime
) -> Appointment:
    ends_at = starts_at + ctx.visit.duration
    appointment = Appointment(
        reference=new_reference(),
        customer=req.customer,
        guest_name=req.guest.name.strip() if req.guest else "",
        guest_email=req.guest.email if req.guest else "",
        guest_phone=(req.guest.phone or "") if req.guest else "",
        guest_sms_opt_in=bool(req.guest and req.guest.sms_opt_in and req.guest.phone),
        vehicle=vehicle,
        location=ctx.location,
        starts_at=starts_at,
        ends_at=ends_at,
        block_ends_at=ends_at + ctx.rules.buffer,
        mode=req.mode,
        concern=req.concern.strip(),
        staff_notes=req.staff_notes.strip(),
        mileage=vehicle.mileage,
        status=AppointmentStatus.SCHEDULED,
        source=BookingSource.STAFF if req.by_staff else BookingSource.ONLINE,
        booked_by=req.by_staff,
        locale=req.language,
    )
    appointment.services = [
        AppointmentService.snapshot(s, i) for i, s in enumerate(ctx.visit.services)
    ]
    return appointment


def _place(
    attempt: Callable[[int], Appointment],
    ctx: _Context,
    busy: list[engine.Busy],
    starts_at: datetime,
    block_ends_at: datetime,
    now: datetime,
    *,
    exclude: int | None = None,
    savepoints: bool = True,
) -> Appointment:
    """Write the appointment into the best-fitting free bay the database accepts.

    `attempt(bay_id)` sets up the row for one bay; each try runs in its own savepoint, which a
    refused overlap rolls back (expiring what it wrote), so every try starts from scratch.
    Without `savepoints` only the best bay is tried, and a refused overlap on it raises
    `_PlaceAgain` (the transaction is lost: the caller starts it again, with savepoints).
    """
    ranked = rank_bays(
        bays=ctx.bays,
        busy=busy,
        starts_at=starts_at,
        block_ends_at=block_ends_at,
        capabilities=ctx.visit.capabilities,
    )
    if not savepoints and ranked:
        appointment = attempt(ranked[0])
        db.session.add(appointment)
        try:
            db.session.flush()  # the database checks the overlap rules here
        except IntegrityError as exc:
            _refuse_vehicle_overlap(exc)
            if _overlap_kind(exc) is None:
                raise
            raise _PlaceAgain from exc
        return appointment
    for bay_id in ranked:
        savepoint = db.session.begin_nested()
        try:
            appointment = attempt(bay_id)
            db.session.add(appointment)
            savepoint.commit()  # flushes: the database checks the overlap rules here
            return appointment
        except IntegrityError as exc:
            # A failed flush leaves the savepoint inactive but open: roll it back regardless,
            # or the whole session refuses to go on (PendingRollbackError).
            savepoint.rollback()
            _refuse_vehicle_overlap(exc)
            if _overlap_kind(exc) is None:
                raise
    raise _taken(ctx, starts_at, now, exclude=exclude)


class _PlaceAgain(Exception):
    """The database refused the bay a write without savepoints chose: start the write over."""


def _refuse_vehicle_overlap(error: IntegrityError) -> None:
    if _overlap_kind(error) == "vehicle":
        raise BookingError(
            _("This vehicle already has an appointment at that time."),
            kind="vehicle-busy",
            field="vehicle",
        ) from error


# --- changing ------------------------------------------------------------------------------------
#
# Every change to an existing appointment takes the same steps: open the write transaction
# (run_write), re-read the row under a lock (lock_appointment), refuse with 409 if it isn't the
# version the caller saw, ask domain.status whether this actor may do this to it now, write.


class ChangedMeanwhile(BookingError):
    """The visit changed after the caller looked at it; `current` is its status now."""

    status = 409

    def __init__(self, current: AppointmentStatus | None) -> None:
        message = (
            _(
                "This visit was changed by someone else meanwhile and is now %(status)s. "
                "Check it and try again.",
                status=current.label.lower(),
            )
            if current
            else _("This visit was changed by someone else meanwhile. Check it and try again.")
        )
        super().__init__(message, kind="changed-meanwhile")
        self.current = current


def role_of(user: User | None) -> Role:
    if user is None:
        return Role.CUSTOMER
    if user.has_role(Role.ADMIN.value):
        return Role.ADMIN
    if user.has_role(Role.MECHANIC.value):
        return Role.MECHANIC
    return Role.CUSTOMER


def actor_of(user: User | None, *, via_link: bool = False) -> Actor:
    """The domain's view of who asks. Without an account, only the signed link gets here."""
    return Actor(
        role=role_of(user),
        user_id=user.id if user is not None else None,
        holds_link=via_link or user is None,
    )


def facts_of(appointment: Appointment) -> JobFacts:
    return JobFacts(
        status=appointment.status,
        customer_id=appointment.customer_id,
        mechanic_id=appointment.mechanic_id,
        starts_at=appointment.starts_at,
        change_cutoff=timedelta(hours=appointment.location.cancellation_cutoff_hours),
    )


def enforce(refusal: Refusal | None) -> None:
    """Raise the refusal as the error a view maps to 403 or 422."""
    if refusal is None:
        return
    error = NotAllowed if refusal.forbidden else BookingError
    raise error(refusal.message, kind=refusal.kind)


def locked(session: Session, appointment_id: int, seen_version: int | None) -> Appointment:
    """The appointment re-read under the write lock, as the caller saw it or ChangedMeanwhile."""
    current = lock_appointment(session, appointment_id)
    if current is None:
        raise ChangedMeanwhile(None)
    if seen_version is not None and current.version != seen_version:
        raise ChangedMeanwhile(current.status)
    return current


def change_write(
    appointment: Appointment,
    expected_version: int | None,
    work: Callable[[Session, Appointment], T],
) -> T:
    """Run `work` on the appointment locked in a write transaction (the one write idiom of
    every appointment change). `expected_version` is the version a form was built from;
    without one, the version this request loaded is the one that must still be there."""
    seen = expected_version if expected_version is not None else appointment.version
    appointment_id = appointment.id
    try:
        return run_write(lambda session: work(session, locked(session, appointment_id, seen)))
    except Contended as exc:
        db.session.rollback()
        current = db.session.get(Appointment, appointment_id)
        raise ChangedMeanwhile(current.status if current else None) from exc


def change_refusal(
    appointment: Appointment,
    user: User | None,
    now: datetime,
    *,
    action: str = "reschedule",
    via_link: bool = False,
) -> str | None:
    """Why `user` can't reschedule (or cancel) this visit now, for showing it; None if they may.
    The write itself decides again on the row it locks."""
    facts, actor = facts_of(appointment), actor_of(user, via_link=via_link)
    if action == "cancel":
        refusal = refuse_move(facts, AppointmentStatus.CANCELLED, actor, now)
    else:
        refusal = refuse_reschedule(facts, actor, now)
    return refusal.message if refusal else None


def reschedule(
    appointment: Appointment,
    starts_at: datetime,
    *,
    now: datetime,
    actor: User | None,
    via_link: bool = False,
    expected_version: int | None = None,
    bay_id: int | None = None,
) -> Appointment:
    """Move an appointment through the same guarded path as a new booking. Staff may name the
    bay (`bay_id`): it must be one of the location's bays in use, able to do the visit, not out
    of service and free; otherwise the service picks the best-fitting free bay."""
    who = actor_of(actor, via_link=via_link)

    def work(session: Session, current: Appointment) -> Appointment:
        enforce(refuse_reschedule(facts_of(current), who, now))
        staff = who.role is not Role.CUSTOMER
        # The visit as booked (snapshot durations), even if the catalog changed since.
        ctx = _context(
            current.location_id,
            queries.visit_of(current),
            staff=staff,
            vehicle_id=current.vehicle_id,
            mode=current.mode,
        )
        if bay_id is not None:
            ctx = _only_bay(ctx, bay_id)
        _check_offset(starts_at, ctx.zone)
        target = starts_at.astimezone(ctx.zone)
        previous = current.starts_at
        lock_schedule(
            session, ctx.location.id, [previous.astimezone(ctx.zone).date(), target.date()]
        )
        closures, busy = _day_data(ctx, target.date(), exclude=current.id, now=now)
        techs = _technicians(ctx, target.date(), now=now, exclude=current.id)
        ends_at = target + ctx.visit.duration
        block_ends_at = ends_at + ctx.rules.buffer
        if bay_id is not None and _slot(ctx, target, closures, [], now) is not None:
            _refuse_downtime(bay_id, target, block_ends_at)
        caps = _caps(ctx, target.date(), exclude=current.id)
        _require_offered(
            ctx, target, closures, busy, now, exclude=current.id, techs=techs, caps=caps
        )
        mechanic_id = _choose_technician(
            ctx, techs, target, now, keep=current.mechanic_id, exclude=current.id
        )
        sequence = current.sequence + 1

        def attempt(bay_id: int) -> Appointment:
            current.starts_at, current.ends_at = target, ends_at
            current.block_ends_at, current.bay_id = block_ends_at, bay_id
            current.mechanic_id = mechanic_id
            current.sequence, current.updated_at = sequence, now
            return current

        _place(attempt, ctx, busy, target, block_ends_at, now, exclude=current.id)
        session.add(
            StatusChange(
                appointment=current,
                from_status=current.status,
                to_status=current.status,
                changed_by=actor,
                changed_at=now,
                note=_record(
                    N_("Moved from %(day)s %(time)s."),
                    day=lambda: format_moment(previous, "short_day", ctx.zone),
                    time=lambda: format_moment(previous, "time", ctx.zone),
                ),
            )
        )
        outbox_planning.plan_reschedule(current, now=now)
        waitlist.capacity_freed(session, ctx.location, [previous], now=now)
        return current

    return change_write(appointment, expected_version, work)


def _only_bay(ctx: _Context, bay_id: int) -> _Context:
    """The context with the staff-chosen bay as the only one to place the visit in."""
    bay = db.session.get(Bay, bay_id)
    if bay is None or bay.location_id != ctx.location.id:
        raise BookingError(
            _("Choose one of this location's bays."), kind="unknown-bay", field="bay"
        )
    if not bay.active:
        raise BookingError(
            _("%(bay)s is not in use.", bay=bay.name), kind="bay-inactive", field="bay"
        )
    missing = ctx.visit.capabilities - frozenset(bay.capabilities)
    if missing:
        raise BookingError(
            _(
                "%(bay)s can't take this visit (it needs %(needs)s).",
                bay=bay.name,
                needs=" and ".join(sorted(missing)),
            ),
            kind="bay-incapable",
            field="bay",
        )
    return replace(ctx, bays=[b for b in ctx.bays if b.id == bay_id])


def _refuse_downtime(bay_id: int, starts_at: datetime, block_ends_at: datetime) -> None:
    """Refuse a staff-chosen bay that is out of service during any part of the visit."""
    found = db.session.execute(
        sa.select(Bay.name, BayDowntime.reason)
        .join(Bay, Bay.id == BayDowntime.bay_id)
        .where(
            BayDowntime.bay_id == bay_id,
            BayDowntime.starts_at < block_ends_at,
            BayDowntime.ends_at > starts_at,
        )
        .order_by(BayDowntime.starts_at)
        .limit(1)
    ).first()
    if found is not None:
        raise BookingError(
            _("%(bay)s is out of service then: %(reason)s.", bay=found.name, reason=found.reason),
            kind="bay-down",
            field="bay",
        )


def cancel(
    appointment: Appointment,
    *,
    now: datetime,
    actor: User | None,
    reason: str = "",
    via_link: bool = False,
    expected_version: int | None = None,
) -> Appointment:
    """Cancel a visit: the customer before the cutoff, an admin also once it's checked in."""
    who = actor_of(actor, via_link=via_link)

    def work(session: Session, current: Appointment) -> Appointment:
        enforce(refuse_move(facts_of(current), AppointmentStatus.CANCELLED, who, now))
        previous = current.status
        current.status = AppointmentStatus.CANCELLED
        current.sequence += 1
        current.updated_at = now
        session.add(
            StatusChange(
                appointment=current,
                from_status=previous,
                to_status=AppointmentStatus.CANCELLED,
                changed_by=actor,
                changed_at=now,
                note=reason.strip()[:500],
            )
        )
        outbox_planning.plan_cancellation(current, now=now)
        if previous in BAY_HOLDING_STATUSES:
            waitlist.capacity_freed(session, current.location, [current.starts_at], now=now)
        return current

    return change_write(appointment, expected_version, work)


def appointments_of(user: User) -> list[Appointment]:
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(Appointment.customer_id == user.id)
            .order_by(Appointment.starts_at.desc())
        )
    )


def move_to_free_bay(appointment: Appointment, *, now: datetime, actor: User | None) -> Appointment:
    """Keep the visit's time and put it on the best-fitting capable bay that is free then (its
    own bay going out of service); SlotTaken when no bay is. The customer is not told: the time
    they booked stands."""
    who = actor_of(actor)

    def work(session: Session, current: Appointment) -> Appointment:
        enforce(refuse_reschedule(facts_of(current), who, now))
        ctx = _context(
            current.location_id,
            queries.visit_of(current),
            staff=True,
            vehicle_id=current.vehicle_id,
        )
        starts_at = current.starts_at
        lock_schedule(session, ctx.location.id, [starts_at.astimezone(ctx.zone).date()])
        _, busy = _day_data(ctx, starts_at.astimezone(ctx.zone).date(), exclude=current.id)
        previous = current.bay
        block_ends_at = current.block_ends_at

        def attempt(bay_id: int) -> Appointment:
            current.bay_id, current.updated_at = bay_id, now
            return current

        _place(attempt, ctx, busy, starts_at, block_ends_at, now, exclude=current.id)
        session.flush()
        session.refresh(current, ["bay"])
        session.add(
            StatusChange(
                appointment=current,
                from_status=current.status,
                to_status=current.status,
                changed_by=actor,
                changed_at=now,
                note=_record(
                    N_("Moved from %(bay)s to %(other)s."),
                    bay=previous.name,
                    other=current.bay.name,
                ),
            )
        )
        return current

    return change_write(appointment, None, work)

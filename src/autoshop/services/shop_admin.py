"""Setting up the shop: locations with their booking rules, bays, weekly hours and closures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from autoshop.domain import bounds, visit_caps
from autoshop.domain.choices import Capability
from autoshop.domain.schedule_rules import (
    ValidationFailed,
    check_intervals,
    is_known_zone,
    local_to_utc,
)
from autoshop.domain.status import BAY_HOLDING_STATUSES
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, Bay, Closure, Location, OpeningHours
from autoshop.services.transactions import unique_write, write_transaction

__all__ = [
    "ValidationFailed",
    "add_closure",
    "all_locations",
    "chosen_location",
    "closure_window",
    "day_intervals",
    "delete_closure",
    "save_bay",
    "save_location",
    "set_bay_active",
    "set_day_hours",
    "upcoming_closures",
]


def all_locations() -> list[Location]:
    return list(db.session.scalars(sa.select(Location).order_by(Location.id)))


def chosen_location(location_id: int | None = None) -> Location | None:
    """The location asked for, else the first active one, else the first of all."""
    if location_id is not None:
        return db.session.get(Location, location_id)
    return db.session.scalar(
        sa.select(Location).order_by(Location.active.desc(), Location.id).limit(1)
    )


def save_location(
    location: Location | None,
    *,
    name: str,
    address: str,
    phone: str,
    email: str,
    timezone: str,
    slot_interval_minutes: int,
    minimum_notice_minutes: int,
    horizon_days: int,
    buffer_minutes: int,
    cancellation_cutoff_hours: int,
    reminder_leads_minutes: Sequence[int],
    wait_cap: int | None = None,
    wait_cap_minutes: int | None = None,
    drop_off_cap: int | None = None,
) -> Location:
    """Create (location None) or update a location's details and booking rules; commits.
    The caps (domain/visit_caps.py) are optional: None is no cap."""
    errors: dict[str, list[str]] = {}
    name, timezone = name.strip(), timezone.strip()
    if not name:
        errors["name"] = [_("Enter the shop's name.")]
    if not is_known_zone(timezone):
        errors["timezone"] = [
            _(
                "%(zone)s is not a time zone we know. "
                "Use a name from the IANA list, like America/New_York.",
                zone=timezone,
            )
            if timezone
            else _(
                "That is not a time zone we know. "
                "Use a name from the IANA list, like America/New_York."
            )
        ]
    for field, value, range_ in (
        ("slot_interval_minutes", slot_interval_minutes, bounds.SLOT_INTERVAL_MINUTES),
        ("minimum_notice_minutes", minimum_notice_minutes, bounds.MINIMUM_NOTICE_MINUTES),
        ("horizon_days", horizon_days, bounds.HORIZON_DAYS),
        ("buffer_minutes", buffer_minutes, bounds.BUFFER_MINUTES),
        ("cancellation_cutoff_hours", cancellation_cutoff_hours, bounds.CANCELLATION_CUTOFF_HOURS),
    ):
        if problem := range_.problem(value, _("This")):
            errors[field] = [problem]
    leads = set(reminder_leads_minutes)
    if len(leads) > bounds.MAX_REMINDERS or any(
        lead not in bounds.REMINDER_LEAD_MINUTES for lead in leads
    ):
        errors["reminder_leads_minutes"] = [
            _(
                "Give at most %(count)s reminder times, each %(range)s before the visit.",
                count=bounds.MAX_REMINDERS,
                range=bounds.REMINDER_LEAD_MINUTES.describe(),
            )
        ]
    errors.update(_cap_problems(wait_cap, wait_cap_minutes, drop_off_cap))
    for field, text in (("name", name), ("address", address), ("phone", phone), ("email", email)):
        if problem := bounds.text_problem(text, single_line=True):
            errors[field] = [problem]
    if errors:
        raise ValidationFailed(errors)
    with write_transaction() as session:
        if location is None:
            location = Location()
            session.add(location)
        location.name = name
        location.address = address.strip()
        location.phone = phone.strip()
        location.email = email.strip()
        location.timezone = timezone
        location.slot_interval_minutes = slot_interval_minutes
        location.minimum_notice_minutes = minimum_notice_minutes
        location.horizon_days = horizon_days
        location.buffer_minutes = buffer_minutes
        location.cancellation_cutoff_hours = cancellation_cutoff_hours
        location.reminder_leads_minutes = sorted(set(reminder_leads_minutes), reverse=True)
        location.wait_cap = wait_cap
        location.wait_cap_minutes = wait_cap_minutes
        location.drop_off_cap = drop_off_cap
    return location


def _cap_problems(
    wait_cap: int | None, wait_cap_minutes: int | None, drop_off_cap: int | None
) -> dict[str, list[str]]:
    """The caps' mistakes by field: each empty or in its range, a waiter cap with its interval."""
    errors: dict[str, list[str]] = {}
    for field, value, range_, what in (
        ("wait_cap", wait_cap, visit_caps.WAITERS, _("The waiting-customer cap")),
        ("wait_cap_minutes", wait_cap_minutes, visit_caps.WAIT_MINUTES, _("The interval")),
        ("drop_off_cap", drop_off_cap, visit_caps.DROP_OFFS, _("The drop-off cap")),
    ):
        if value is not None and (problem := range_.problem(value, what)):
            errors[field] = [_("%(problem)s Leave it empty for no cap.", problem=problem)]
    if "wait_cap" not in errors and "wait_cap_minutes" not in errors:
        if wait_cap is not None and wait_cap_minutes is None:
            errors["wait_cap_minutes"] = [_("Give the interval the waiter cap is for.")]
        elif wait_cap is None and wait_cap_minutes is not None:
            errors["wait_cap"] = [_("Give how many waiting customers the interval takes.")]
    return errors


def save_bay(
    location: Location,
    bay: Bay | None,
    *,
    name: str,
    capabilities: Sequence[str],
    active: bool,
    sort_order: int,
) -> Bay:
    """Create (bay None) or update a bay: a name unique at its location, one capability or more."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    known = {c.value for c in Capability}
    chosen = [c.value for c in Capability if c.value in set(capabilities)]
    if not name:
        errors["name"] = [_("Enter a name.")]
    else:
        clash = sa.select(Bay.id).where(
            Bay.location_id == location.id, sa.func.lower(Bay.name) == name.lower()
        )
        if bay is not None:
            clash = clash.where(Bay.id != bay.id)
        if db.session.scalar(clash) is not None:
            errors["name"] = [
                _(
                    "%(location)s already has a bay called %(name)s.",
                    location=location.name,
                    name=name,
                )
            ]
    if not chosen or not set(capabilities) <= known:
        errors["capabilities"] = [_("Tick at least one thing the bay is equipped for.")]
    if sort_order < 0:
        errors["sort_order"] = [_("The order can't be negative.")]
    if errors:
        raise ValidationFailed(errors)
    clash_message = _(
        "%(location)s already has a bay called %(name)s.", location=location.name, name=name
    )
    with unique_write(clash_message, "name") as session:
        if bay is None:
            bay = Bay(location=location)
            session.add(bay)
        bay.name = name
        bay.capabilities = chosen
        bay.active = active
        bay.sort_order = sort_order
    return bay


def set_bay_active(bay: Bay, active: bool, *, now: datetime) -> int:
    """Deactivate or bring back a bay; returns how many coming appointments still hold it."""
    with write_transaction():
        bay.active = active
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Appointment)
            .where(
                Appointment.bay_id == bay.id,
                Appointment.block_ends_at > now,
                Appointment.status.in_(BAY_HOLDING_STATUSES),
            )
        )
        or 0
    )


def day_intervals(weekday: int, intervals: Sequence[tuple[time, time]]) -> list[tuple[time, time]]:
    """One weekday's opening intervals, checked and sorted, or ValidationFailed. Saves nothing."""
    if not 0 <= weekday <= 6:
        raise ValidationFailed(_("Choose a day of the week."))
    return check_intervals(intervals)


def set_day_hours(location: Location, weekday: int, intervals: Sequence[tuple[time, time]]) -> None:
    """Replace one weekday's opening intervals (none: closed that day); commits."""
    ordered = day_intervals(weekday, intervals)
    location_id = location.id
    with write_transaction() as session:
        session.execute(
            sa.delete(OpeningHours).where(
                OpeningHours.location_id == location_id, OpeningHours.weekday == weekday
            )
        )
        for opens, closes in ordered:
            session.add(
                OpeningHours(location_id=location_id, weekday=weekday, opens=opens, closes=closes)
            )
    db.session.expire(location, ["opening_hours"])


def closure_window(
    location: Location, *, starts_local: datetime, ends_local: datetime, reason: str
) -> tuple[datetime, datetime, str]:
    """A closure typed in the location's wall-clock time, checked: (starts_at, ends_at) as UTC
    instants and the trimmed reason, or ValidationFailed. Saves nothing."""
    reason = reason.strip()
    zone = ZoneInfo(location.timezone)
    errors: dict[str, list[str]] = {}
    starts_at = ends_at = None
    for field, local in (("starts_local", starts_local), ("ends_local", ends_local)):
        try:
            instant = local_to_utc(local, zone)
        except ValidationFailed as exc:
            errors[field] = [m for messages in exc.errors.values() for m in messages]
            continue
        if field == "starts_local":
            starts_at = instant
        else:
            ends_at = instant
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        errors["ends_local"] = [_("The closure must end after it starts.")]
    if not reason:
        errors["reason"] = [_("Tell customers why the shop is closed.")]
    if errors:
        raise ValidationFailed(errors)
    assert starts_at is not None and ends_at is not None
    return starts_at, ends_at, reason


def add_closure(
    location: Location, *, starts_local: datetime, ends_local: datetime, reason: str
) -> Closure:
    """A closure given in the location's wall-clock time, stored as UTC instants; commits."""
    starts_at, ends_at, reason = closure_window(
        location, starts_local=starts_local, ends_local=ends_local, reason=reason
    )
    closure = Closure(location_id=location.id, starts_at=starts_at, ends_at=ends_at, reason=reason)
    with write_transaction() as session:
        session.add(closure)
    return closure


def upcoming_closures(location: Location, *, now: datetime) -> list[Closure]:
    """Closures not yet over, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Closure)
            .where(Closure.location_id == location.id, Closure.ends_at > now)
            .order_by(Closure.starts_at)
        )
    )


def delete_closure(closure: Closure) -> None:
    with write_transaction() as session:
        session.delete(closure)

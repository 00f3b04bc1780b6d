"""Accepting a waitlist offer: book the held start through the booking service, consuming the
hold in the booking's own transaction (first thing: the hold row, locked), so two people with
the same link, or the link and an ordinary booking, can never both get the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from autoshop.domain.waitlist import EntryStatus, HoldStatus
from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, User, WaitlistHold
from autoshop.services import booking, waitlist


class OfferProblem(Exception):
    """An offer link that can't be used: 404 (not ours / not yours), 410 (over), 409 (taken)."""

    def __init__(self, message: str, *, status: int, appointment: Appointment | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.appointment = appointment


def _not_found() -> str:
    return _("We couldn't find this offer. Use the link from your email exactly as it is.")


def hold_for_token(token: str, user: User | None) -> WaitlistHold:
    """The hold an offer link names, if the link is genuine and meant for this visitor.

    An offer to a customer account is theirs only: another signed-in account gets 404, as if the
    offer didn't exist. (Signed out, the view asks them to sign in first.)"""
    parsed = waitlist.read_offer_token(token)
    hold = db.session.get(WaitlistHold, parsed[0]) if parsed else None
    if hold is None or parsed is None or hold.nonce != parsed[1]:
        raise OfferProblem(_not_found(), status=404)
    owner = hold.entry.customer_id
    if owner is not None and user is not None and user.id != owner and not user.has_role("admin"):
        raise OfferProblem(_not_found(), status=404)
    return hold


def refusal(hold: WaitlistHold, now: datetime) -> OfferProblem | None:
    """Why this offer can't be accepted now, or None."""
    if hold.status is HoldStatus.ACCEPTED:
        return OfferProblem(
            _("This offer has already been accepted: the visit is booked."),
            status=410,
            appointment=hold.entry.appointment,
        )
    if hold.status is HoldStatus.RELEASED:
        return OfferProblem(_("This offer was given up when you left the waitlist."), status=410)
    if hold.status is HoldStatus.EXPIRED or hold.expires_at <= now:
        return OfferProblem(
            _(
                "This offer has expired: we held the time for 15 minutes, then offered it to "
                "the next person waiting."
            ),
            status=410,
        )
    return None


@dataclass
class _ClaimHold:
    """The booking's OnceHook: lock the hold before anything else, consume it with the visit."""

    hold_id: int
    nonce: str
    now: datetime

    def claim(self) -> None:
        hold = db.session.scalar(
            sa.select(WaitlistHold)
            .where(WaitlistHold.id == self.hold_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if hold is None or hold.nonce != self.nonce:
            raise OfferProblem(_not_found(), status=404)
        db.session.refresh(hold.entry)
        problem = refusal(hold, self.now)
        if problem is not None:
            raise problem

    def record(self, appointment: Appointment) -> None:
        hold = db.session.get(WaitlistHold, self.hold_id)
        assert hold is not None
        hold.status = HoldStatus.ACCEPTED
        entry = hold.entry
        entry.status, entry.updated_at = EntryStatus.BOOKED, self.now
        entry.appointment = appointment


def accept(hold: WaitlistHold, *, now: datetime) -> Appointment:
    """Book the held start for the entry's customer (or guest) and vehicle."""
    entry = hold.entry
    problem = refusal(hold, now)
    if problem is not None:
        raise problem
    guest = None
    vehicle = None
    if entry.customer is None:
        guest = booking.GuestContact(
            name=entry.guest_name, email=entry.guest_email, phone=entry.guest_phone
        )
        vehicle = booking.VehicleDetails(
            year=entry.vehicle_year or 0, make=entry.vehicle_make, model=entry.vehicle_model
        )
    req = booking.BookingRequest(
        service_ids=list(entry.service_ids),
        starts_at=hold.starts_at,
        customer=entry.customer,
        guest=guest,
        vehicle_id=entry.vehicle_id,
        vehicle=vehicle,
        location_id=entry.location_id,
        staff_notes="Booked from the waitlist.",
        language=entry.locale,
        once=_ClaimHold(hold.id, hold.nonce, now),
        hold_id=hold.id,
    )
    try:
        return booking.book(req, now=now)
    except booking.BookingError as exc:
        db.session.rollback()
        raise OfferProblem(
            _("We couldn't book this time after all: %(reason)s", reason=exc.message),
            status=409,
        ) from exc

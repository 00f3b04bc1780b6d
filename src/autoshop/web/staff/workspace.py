"""What the staff workspace pages share: the location chosen (a chain has several), the visit a
form acts on, and the words for a visit someone else changed meanwhile."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, request
from flask_security import current_user

from autoshop.extensions import db
from autoshop.i18n import _
from autoshop.models import Appointment, Location, User
from autoshop.services import job_board


class BadChoice(Exception):
    """A query parameter the page can't use; the page answers 400 with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Places:
    """The locations staff can switch between and the one shown (None: no shop set up yet)."""

    all: list[Location]
    chosen: Location | None

    @property
    def several(self) -> bool:
        return len(self.all) > 1


def places() -> Places:
    """The location asked for in `?location=`, or the first; an unknown one is a BadChoice."""
    locations = job_board.active_locations()
    raw = request.args.get("location", "")
    if not raw:
        return Places(locations, locations[0] if locations else None)
    chosen = next((loc for loc in locations if str(loc.id) == raw), None)
    if chosen is None:
        raise BadChoice(_("Choose one of the shop's locations."))
    return Places(locations, chosen)


def appointment_or_404(reference: str) -> Appointment:
    appointment = db.session.scalar(
        sa.select(Appointment).where(Appointment.reference == reference[:12])
    )
    if appointment is None:
        abort(404)
    return appointment


def me() -> User:
    user: User = current_user._get_current_object()
    return user


def changed_meanwhile(appointment_id: int, seen_status: str) -> tuple[Appointment | None, str]:
    """The visit as it is now and what happened to it, in words for the person whose form was
    built before the change."""
    current = job_board.fresh(appointment_id)
    if current is None:
        return None, _("This visit no longer exists.")
    vehicle = current.vehicle.label
    status = current.status.label.lower()
    if current.status.value != seen_status:
        change = job_board.last_change(current)
        if change is not None and change.changed_by_id == me().id:
            return current, _(
                "You already moved the %(vehicle)s to %(status)s.", vehicle=vehicle, status=status
            )
        if change is not None and change.changed_by is not None:
            return current, _(
                "%(who)s already moved the %(vehicle)s to %(status)s.",
                who=change.changed_by.full_name,
                vehicle=vehicle,
                status=status,
            )
        return current, _(
            "Someone else already moved the %(vehicle)s to %(status)s.",
            vehicle=vehicle,
            status=status,
        )
    return current, _(
        "The %(vehicle)s was changed meanwhile (it is still %(status)s). "
        "Here it is as it is now; try again if it still needs doing.",
        vehicle=vehicle,
        status=status,
    )


def taken_meanwhile(appointment_id: int) -> tuple[Appointment | None, str]:
    """Why a "Take this job" came too late, with the visit as it is now."""
    current = job_board.fresh(appointment_id)
    if current is None:
        return None, _("This visit no longer exists.")
    vehicle = current.vehicle.label
    if current.mechanic is not None and current.mechanic_id != me().id:
        return current, _(
            "%(name)s has already taken the %(vehicle)s.",
            name=current.mechanic.full_name,
            vehicle=vehicle,
        )
    if current.mechanic_id == me().id:
        return current, _("The %(vehicle)s is already yours.", vehicle=vehicle)
    return current, _(
        "The %(vehicle)s was changed meanwhile (it is %(status)s now). Check it and try again.",
        vehicle=vehicle,
        status=current.status.label.lower(),
    )

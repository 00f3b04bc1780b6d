"""Waitlist rules: statuses, the join checks and which entry a freed start goes to. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from autoshop.i18n import _

#: How long an offered start is held for the customer it was offered to.
HOLD_FOR = timedelta(minutes=15)


class EntryStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    LAPSED = "lapsed"
    LEFT = "left"

    @property
    def label(self) -> str:
        labels: dict[str, str] = {
            "waiting": _("Waiting"),
            "offered": _("Time offered"),
            "booked": _("Booked"),
            "lapsed": _("Offer lapsed"),
            "left": _("Left the waitlist"),
        }
        return labels[self.value]

    @property
    def active(self) -> bool:
        return self in (EntryStatus.WAITING, EntryStatus.OFFERED)


class HoldStatus(StrEnum):
    HELD = "held"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    RELEASED = "released"


@dataclass(frozen=True)
class JoinProblem:
    message: str
    field: str


def refuse_join(
    *,
    day: date,
    earliest: time,
    latest: time,
    now: datetime,
    zone: ZoneInfo,
    horizon: timedelta,
) -> JoinProblem | None:
    """Why a waitlist entry for `day` with this window can't be saved, or None."""
    today = now.astimezone(zone).date()
    if day < today:
        return JoinProblem(_("That day has already passed; choose a day ahead."), "day")
    if day > (now + horizon).astimezone(zone).date():
        return JoinProblem(
            _(
                "We take bookings up to %(days)d days ahead; choose an earlier day.",
                days=horizon.days,
            ),
            "day",
        )
    if latest < earliest:
        return JoinProblem(_("The latest start must be at or after the earliest start."), "latest")
    if day == today and datetime.combine(day, latest, zone) <= now:
        return JoinProblem(
            _("That window has already passed today; choose a later window."), "latest"
        )
    return None


def in_window(
    starts_at: datetime, *, day: date, earliest: time, latest: time, zone: ZoneInfo
) -> bool:
    """Whether a start falls on the entry's local day, inside its window (both ends included)."""
    local = starts_at.astimezone(zone)
    return local.date() == day and earliest <= local.time().replace(tzinfo=None) <= latest

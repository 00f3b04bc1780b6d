"""Waitlist rules: statuses, the join checks and which entry a freed start goes to. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

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
        return {
            "waiting": "Waiting",
            "offered": "Time offered",
            "booked": "Booked",
            "lapsed": "Offer lapsed",
            "left": "Left the waitlist",
        }[self.value]

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
        return JoinProblem("That day has already passed; choose a day ahead.", "day")
    if day > (now + horizon).astimezone(zone).date():
        return JoinProblem(
            f"We take bookings up to {horizon.days} days ahead; choose an earlier day.", "day"
        )
    if latest < earliest:
        return JoinProblem("The latest start must be at or after the earliest start.", "latest")
    if day == today and datetime.combine(day, latest, zone) <= now:
        return JoinProblem("That window has already passed today; choose a later window.", "latest")
    return None


def in_window(
    starts_at: datetime, *, day: date, earliest: time, latest: time, zone: ZoneInfo
) -> bool:
    """Whether a start falls on the entry's local day, inside its window (both ends included)."""
    local = starts_at.astimezone(zone)
    return local.date() == day and earliest <= local.time().replace(tzinfo=None) <= latest

"""The appointment status machine (DESIGN.md §6): statuses, who may move them, and where."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from autoshop.domain.choices import Role


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    IN_PROGRESS = "in_progress"
    WAITING_ON_PARTS = "waiting_on_parts"
    READY_FOR_PICKUP = "ready_for_pickup"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return _LABELS[self][0]

    @property
    def action(self) -> str:
        """The button that moves a job into this status."""
        return _ACTIONS.get(self, self.label)

    @property
    def colour(self) -> str:
        """A Bootstrap contextual colour name for badges."""
        return _LABELS[self][1]

    @property
    def holds_bay(self) -> bool:
        """Whether an appointment in this status occupies its bay (blocks overlapping bookings)."""
        return self not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


_LABELS: dict[AppointmentStatus, tuple[str, str]] = {
    AppointmentStatus.SCHEDULED: ("Scheduled", "primary"),
    AppointmentStatus.CHECKED_IN: ("Checked in", "info"),
    AppointmentStatus.IN_PROGRESS: ("In progress", "warning"),
    AppointmentStatus.WAITING_ON_PARTS: ("Waiting on parts", "secondary"),
    AppointmentStatus.READY_FOR_PICKUP: ("Ready for pickup", "success"),
    AppointmentStatus.COMPLETED: ("Completed", "dark"),
    AppointmentStatus.CANCELLED: ("Cancelled", "danger"),
    AppointmentStatus.NO_SHOW: ("No-show", "danger"),
}

_ACTIONS: dict[AppointmentStatus, str] = {
    AppointmentStatus.CHECKED_IN: "Check in",
    AppointmentStatus.IN_PROGRESS: "Start work",
    AppointmentStatus.WAITING_ON_PARTS: "Wait for parts",
    AppointmentStatus.READY_FOR_PICKUP: "Ready for pickup",
    AppointmentStatus.COMPLETED: "Complete",
    AppointmentStatus.NO_SHOW: "Mark no-show",
    AppointmentStatus.CANCELLED: "Cancel",
}

#: Statuses whose appointments occupy a bay; the database guards overlaps among these only.
BAY_HOLDING_STATUSES: tuple[AppointmentStatus, ...] = tuple(
    s for s in AppointmentStatus if s.holds_bay
)


@dataclass(frozen=True, slots=True)
class Transition:
    source: AppointmentStatus
    target: AppointmentStatus
    roles: frozenset[Role]


_S = AppointmentStatus
_FLOOR = frozenset({Role.MECHANIC, Role.ADMIN})
_ADMIN = frozenset({Role.ADMIN})
_ANYONE = frozenset({Role.CUSTOMER, Role.ADMIN})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(_S.SCHEDULED, _S.CHECKED_IN, _FLOOR),
    Transition(_S.SCHEDULED, _S.CANCELLED, _ANYONE),
    Transition(_S.SCHEDULED, _S.NO_SHOW, _ADMIN),
    Transition(_S.CHECKED_IN, _S.IN_PROGRESS, _FLOOR),
    Transition(_S.CHECKED_IN, _S.CANCELLED, _ADMIN),
    Transition(_S.IN_PROGRESS, _S.WAITING_ON_PARTS, _FLOOR),
    Transition(_S.WAITING_ON_PARTS, _S.IN_PROGRESS, _FLOOR),
    Transition(_S.IN_PROGRESS, _S.READY_FOR_PICKUP, _FLOOR),
    Transition(_S.READY_FOR_PICKUP, _S.COMPLETED, _FLOOR),
)


def allowed_targets(source: AppointmentStatus, role: Role) -> list[AppointmentStatus]:
    """The statuses `role` may move an appointment to from `source`, in table order."""
    return [t.target for t in TRANSITIONS if t.source == source and role in t.roles]


def can_transition(source: AppointmentStatus, target: AppointmentStatus, role: Role) -> bool:
    return target in allowed_targets(source, role)

"""The appointment status machine (DESIGN.md §6): statuses, who may move them, and where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from autoshop.domain.choices import Role
from autoshop.i18n import _, _l


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
        return str(_LABELS[self][0])

    @property
    def action(self) -> str:
        """The button that moves a job into this status."""
        action = _ACTIONS.get(self)
        return str(action) if action is not None else self.label

    @property
    def colour(self) -> str:
        """A Bootstrap contextual colour name for badges."""
        return _LABELS[self][1]

    @property
    def holds_bay(self) -> bool:
        """Whether an appointment in this status occupies its bay (blocks overlapping bookings)."""
        return self not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


_LABELS: dict[AppointmentStatus, tuple[object, str]] = {
    AppointmentStatus.SCHEDULED: (_l("Scheduled"), "primary"),
    AppointmentStatus.CHECKED_IN: (_l("Checked in"), "info"),
    AppointmentStatus.IN_PROGRESS: (_l("In progress"), "warning"),
    AppointmentStatus.WAITING_ON_PARTS: (_l("Waiting on parts"), "secondary"),
    AppointmentStatus.READY_FOR_PICKUP: (_l("Ready for pickup"), "success"),
    AppointmentStatus.COMPLETED: (_l("Completed"), "dark"),
    AppointmentStatus.CANCELLED: (_l("Cancelled"), "danger"),
    AppointmentStatus.NO_SHOW: (_l("No-show"), "danger"),
}

_ACTIONS: dict[AppointmentStatus, object] = {
    AppointmentStatus.CHECKED_IN: _l("Check in"),
    AppointmentStatus.IN_PROGRESS: _l("Start work"),
    AppointmentStatus.WAITING_ON_PARTS: _l("Wait for parts"),
    AppointmentStatus.READY_FOR_PICKUP: _l("Ready for pickup"),
    AppointmentStatus.COMPLETED: _l("Complete"),
    AppointmentStatus.NO_SHOW: _l("Mark no-show"),
    AppointmentStatus.CANCELLED: _l("Cancel"),
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


# --- who may do what (the authority for every appointment change) ------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks. `user_id` is None for a guest holding the visit's signed link."""

    role: Role
    user_id: int | None = None
    #: A customer who reached the visit through its signed link (proof of ownership).
    holds_link: bool = False


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What a decision about one appointment needs, read under the write lock."""

    status: AppointmentStatus
    customer_id: int | None
    mechanic_id: int | None
    starts_at: datetime
    #: Customers can't change a visit online once it is this close.
    change_cutoff: timedelta


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why not, in words for the person asking. `forbidden`: it's who asks (403), not the
    visit's state (422)."""

    kind: str
    message: str
    forbidden: bool


def _owner(job: JobFacts, actor: Actor) -> bool:
    return actor.holds_link or (actor.user_id is not None and actor.user_id == job.customer_id)


def _customer_refusal(
    job: JobFacts, actor: Actor, now: datetime, state_kind: str
) -> Refusal | None:
    if not _owner(job, actor):
        return Refusal("not-yours", _("This appointment isn't yours."), forbidden=True)
    if job.status is not AppointmentStatus.SCHEDULED:
        return Refusal(
            state_kind,
            _(
                "This appointment is %(status)s; it can't be changed online.",
                status=job.status.label.lower(),
            ),
            forbidden=False,
        )
    if job.starts_at - now < job.change_cutoff:
        hours = f"{job.change_cutoff.total_seconds() / 3600:g}"
        return Refusal(
            "past-cutoff",
            _(
                "Changes online close %(hours)s hours before the visit; please call the shop.",
                hours=hours,
            ),
            forbidden=True,
        )
    return None


def refuse_move(
    job: JobFacts, target: AppointmentStatus, actor: Actor, now: datetime
) -> Refusal | None:
    """None when `actor` may move the job to `target` (cancel, no-show too), else why not."""
    rule = next((t for t in TRANSITIONS if t.source == job.status and t.target == target), None)
    if actor.role is Role.CUSTOMER and target is AppointmentStatus.CANCELLED:
        # Customers cancel scheduled visits only, and are told why in their own words.
        return _customer_refusal(job, actor, now, "not-cancellable")
    if rule is None:
        cancelling = target is AppointmentStatus.CANCELLED
        status = job.status.label.lower()
        message = (
            _("A %(status)s appointment can't be cancelled.", status=status)
            if cancelling
            else _(
                "A job that is %(status)s can't move to %(target)s.",
                status=status,
                target=target.label.lower(),
            )
        )
        if cancelling:
            return Refusal("not-cancellable", message, forbidden=False)
        return Refusal("bad-transition", message, forbidden=True)
    if actor.role is Role.CUSTOMER:  # customers only cancel, handled above
        return Refusal(
            "staff-only",
            _("Only the shop can mark a visit %(status)s.", status=target.label.lower()),
            True,
        )
    if actor.role not in rule.roles:
        return Refusal(
            "admin-only",
            _(
                "Only an admin can %(action)s a %(status)s visit.",
                action=target.action.lower(),
                status=job.status.label.lower(),
            ),
            forbidden=True,
        )
    if actor.role is Role.MECHANIC and job.mechanic_id not in (None, actor.user_id):
        return Refusal("not-your-job", _("This job is assigned to another mechanic."), True)
    return None


def refuse_reschedule(job: JobFacts, actor: Actor, now: datetime) -> Refusal | None:
    """Only scheduled visits move; the customer until the cutoff, an admin any time."""
    if actor.role is Role.CUSTOMER:
        return _customer_refusal(job, actor, now, "not-reschedulable")
    if job.status is not AppointmentStatus.SCHEDULED:
        return Refusal(
            "not-reschedulable",
            _("A %(status)s appointment can't be rescheduled.", status=job.status.label.lower()),
            forbidden=False,
        )
    if actor.role is Role.ADMIN:
        return None
    return Refusal("admin-only", _("Only an admin or the customer can move a visit."), True)


def refuse_assign(job: JobFacts, actor: Actor, mechanic_id: int | None) -> Refusal | None:
    """Admins assign anyone to an open job; a mechanic may take an unassigned job for themself."""
    if job.status in FINAL_STATUSES:
        return Refusal(
            "job-closed",
            _("A %(status)s job can't be reassigned.", status=job.status.label.lower()),
            False,
        )
    if actor.role is Role.ADMIN:
        return None
    if actor.role is Role.MECHANIC and job.mechanic_id is None and mechanic_id == actor.user_id:
        return None
    if actor.role is Role.MECHANIC and job.mechanic_id not in (None, actor.user_id):
        return Refusal("not-your-job", _("This job is assigned to another mechanic."), True)
    return Refusal("admin-only", _("Only an admin can assign jobs to others."), True)


#: Statuses after which nothing about a visit changes any more.
FINAL_STATUSES = frozenset(
    {AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW}
)

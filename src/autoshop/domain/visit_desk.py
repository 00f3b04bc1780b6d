"""Rules for running one visit from the staff desk: the promised-ready time and the notes kept on
it (internal notes for the shop, notes sent to the customer). Who may do what is decided here, on
the facts read under the write lock, like every other appointment change (domain.status)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from autoshop.domain.choices import Role
from autoshop.domain.status import FINAL_STATUSES, Actor, JobFacts, Refusal
from autoshop.i18n import _

#: The longest note staff can write (internal or for the customer).
MAX_NOTE_LENGTH = 1000


class NoteAudience(StrEnum):
    """Who reads a note: the shop only, or the customer too (sent and shown on their page)."""

    INTERNAL = "internal"
    CUSTOMER = "customer"

    @property
    def label(self) -> str:
        labels: dict[str, str] = {
            "internal": _("Internal note"),
            "customer": _("Note to the customer"),
        }
        return labels[self.value]


def _floor_refusal(job: JobFacts, actor: Actor, what: str) -> Refusal | None:
    """Admins always; a mechanic on their own job or one nobody has taken yet. `what`: the
    refusal for anyone else (a whole sentence)."""
    if actor.role is Role.ADMIN:
        return None
    if actor.role is Role.MECHANIC:
        if job.mechanic_id in (None, actor.user_id):
            return None
        return Refusal("not-your-job", _("This job is assigned to another mechanic."), True)
    return Refusal("staff-only", what, True)


def refuse_promise(job: JobFacts, actor: Actor, promised_at: datetime | None) -> Refusal | None:
    """None when `actor` may set (or, with None, clear) the time the car is promised ready by.
    The promise must lie after the visit starts (before its booked end is fine: a job can go
    faster than booked); a closed visit keeps what it had."""
    refusal = _floor_refusal(job, actor, _("Only the shop can promise a ready time."))
    if refusal is not None:
        return refusal
    if job.status in FINAL_STATUSES:
        return Refusal(
            "job-closed",
            _(
                "A %(status)s visit can't get a new ready-by time.",
                status=job.status.label.lower(),
            ),
            False,
        )
    if promised_at is not None and promised_at <= job.starts_at:
        return Refusal(
            "promise-before-start",
            _("The ready-by time must be after the visit starts."),
            False,
        )
    return None


def refuse_note(job: JobFacts, actor: Actor, audience: NoteAudience) -> Refusal | None:
    """Any staff member may add an internal note, at any time (it is the visit's record).
    A note to the customer comes from an admin or the job's mechanic, while the visit is open
    or just completed; a cancelled or missed visit gets no more messages from here."""
    if actor.role is Role.CUSTOMER:
        return Refusal("staff-only", _("Only the shop can add notes to a visit."), True)
    if audience is NoteAudience.INTERNAL:
        return None
    refusal = _floor_refusal(job, actor, _("Only the shop can write to the customer."))
    if refusal is not None:
        return refusal
    if job.status in FINAL_STATUSES and job.status.value != "completed":
        return Refusal(
            "job-closed",
            _(
                "A %(status)s visit gets no more notes to the customer.",
                status=job.status.label.lower(),
            ),
            False,
        )
    return None


def note_problem(body: str) -> str | None:
    """Why a note can't be saved as written, or None."""
    if not body.strip():
        return str(_("Write the note first."))
    if len(body.strip()) > MAX_NOTE_LENGTH:
        return str(_("Keep the note under %(max)d characters.", max=MAX_NOTE_LENGTH))
    return None

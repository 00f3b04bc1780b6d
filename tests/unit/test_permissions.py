"""The role × action matrix: domain.status decides who may do what to a visit in each status.

The expected table is written out here by hand, as the shop's rules read; the test compares it
with the domain's answers for every status, every role and every action.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autoshop.domain.choices import Role
from autoshop.domain.status import (
    Actor,
    AppointmentStatus,
    JobFacts,
    refuse_assign,
    refuse_move,
    refuse_reschedule,
)

S = AppointmentStatus
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
START = NOW + timedelta(days=2)
CUSTOMER_ID, MIKE, SAM, ADMIN_ID = 1, 2, 3, 4

OWNER = Actor(Role.CUSTOMER, CUSTOMER_ID)
GUEST_LINK = Actor(Role.CUSTOMER, None, holds_link=True)
OTHER_CUSTOMER = Actor(Role.CUSTOMER, 99)
MECHANIC_OWN = Actor(Role.MECHANIC, MIKE)  # the job is Mike's
MECHANIC_OTHER = Actor(Role.MECHANIC, SAM)
ADMIN = Actor(Role.ADMIN, ADMIN_ID)
ACTORS = {
    "owner": OWNER,
    "guest-link": GUEST_LINK,
    "other-customer": OTHER_CUSTOMER,
    "mechanic-own": MECHANIC_OWN,
    "mechanic-other": MECHANIC_OTHER,
    "admin": ADMIN,
}

# action -> status -> the actors allowed (everyone else is refused).
FLOOR = {"mechanic-own", "admin"}
EXPECTED: dict[str, dict[AppointmentStatus, set[str]]] = {
    "reschedule": {S.SCHEDULED: {"owner", "guest-link", "admin"}},
    "cancel": {S.SCHEDULED: {"owner", "guest-link", "admin"}, S.CHECKED_IN: {"admin"}},
    "no_show": {S.SCHEDULED: {"admin"}},
    "checked_in": {S.SCHEDULED: FLOOR},
    "in_progress": {S.CHECKED_IN: FLOOR, S.WAITING_ON_PARTS: FLOOR},
    "waiting_on_parts": {S.IN_PROGRESS: FLOOR},
    "ready_for_pickup": {S.IN_PROGRESS: FLOOR},
    "completed": {S.READY_FOR_PICKUP: FLOOR},
    # A mechanic assigns only themself to an open job: see test_assigning below.
}


def _job(status: AppointmentStatus, *, starts_at: datetime = START, mechanic: int | None = MIKE):
    return JobFacts(
        status=status,
        customer_id=CUSTOMER_ID,
        mechanic_id=mechanic,
        starts_at=starts_at,
        change_cutoff=timedelta(hours=24),
    )


def _decide(action: str, job: JobFacts, actor: Actor):
    if action == "reschedule":
        return refuse_reschedule(job, actor, NOW)
    target = S.CANCELLED if action == "cancel" else S(action)
    return refuse_move(job, target, actor, NOW)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("status", list(S))
def test_the_matrix(action, status):
    allowed = {
        name for name, actor in ACTORS.items() if _decide(action, _job(status), actor) is None
    }
    assert allowed == EXPECTED[action].get(status, set())


@pytest.mark.parametrize("action", ["reschedule", "cancel"])
def test_customers_are_refused_inside_the_cutoff_and_staff_are_not(action):
    job = _job(S.SCHEDULED, starts_at=NOW + timedelta(hours=20))
    refusal = _decide(action, job, OWNER)
    assert refusal is not None and refusal.kind == "past-cutoff" and refusal.forbidden
    assert "24 hours before the visit" in refusal.message
    assert _decide(action, job, ADMIN) is None


def test_an_unassigned_job_is_any_mechanics_to_move():
    job = _job(S.SCHEDULED, mechanic=None)
    assert refuse_move(job, S.CHECKED_IN, MECHANIC_OTHER, NOW) is None


def test_refusals_say_whether_it_is_who_asks_or_the_state():
    cancelled = _job(S.CANCELLED)
    refusal = refuse_move(cancelled, S.CANCELLED, ADMIN, NOW)
    assert refusal is not None and refusal.kind == "not-cancellable" and not refusal.forbidden
    refusal = refuse_move(_job(S.SCHEDULED), S.CANCELLED, MECHANIC_OWN, NOW)
    assert refusal is not None and refusal.kind == "admin-only" and refusal.forbidden
    refusal = refuse_move(_job(S.SCHEDULED), S.CHECKED_IN, MECHANIC_OTHER, NOW)
    assert refusal is not None and refusal.kind == "not-your-job"
    refusal = refuse_reschedule(_job(S.CHECKED_IN), OWNER, NOW)
    assert refusal is not None and "checked in; it can't be changed online" in refusal.message


@pytest.mark.parametrize(
    ("actor", "job_mechanic", "to", "allowed"),
    [
        (ADMIN, MIKE, SAM, True),
        (ADMIN, None, None, True),
        (MECHANIC_OTHER, None, SAM, True),  # takes an open job
        (MECHANIC_OTHER, None, MIKE, False),  # can't hand one to someone else
        (MECHANIC_OTHER, MIKE, SAM, False),  # can't take Mike's
        (OWNER, None, MIKE, False),
    ],
)
def test_assigning(actor, job_mechanic, to, allowed):
    assert (refuse_assign(_job(S.SCHEDULED, mechanic=job_mechanic), actor, to) is None) is allowed


@pytest.mark.parametrize("status", [S.COMPLETED, S.CANCELLED, S.NO_SHOW])
def test_closed_jobs_are_not_reassigned(status):
    assert refuse_assign(_job(status), ADMIN, SAM) is not None

"""The desk's rules: who may promise a ready time or write a note, and reading a local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from autoshop.domain.choices import Role
from autoshop.domain.status import Actor, JobFacts
from autoshop.domain.status import AppointmentStatus as S
from autoshop.domain.visit_desk import NoteAudience, note_problem, refuse_note, refuse_promise
from autoshop.web.staff.forms import LocalTimeProblem, local_input_value, parse_local_time

START = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
ADMIN = Actor(Role.ADMIN, user_id=1)
MIKE = Actor(Role.MECHANIC, user_id=2)
SAM = Actor(Role.MECHANIC, user_id=3)
CUSTOMER = Actor(Role.CUSTOMER, user_id=4)
NY = ZoneInfo("America/New_York")


def job(status: S = S.SCHEDULED, mechanic_id: int | None = 2) -> JobFacts:
    return JobFacts(status, 4, mechanic_id, START, timedelta(hours=24))


@pytest.mark.parametrize(
    ("facts", "actor", "promised", "kind"),
    [
        (job(), ADMIN, START + timedelta(hours=3), None),
        (job(), MIKE, START + timedelta(hours=3), None),
        (job(mechanic_id=None), SAM, START + timedelta(hours=3), None),
        (job(), SAM, START + timedelta(hours=3), "not-your-job"),
        (job(), CUSTOMER, START + timedelta(hours=3), "staff-only"),
        (job(), ADMIN, START, "promise-before-start"),
        (job(), ADMIN, START - timedelta(minutes=1), "promise-before-start"),
        (job(), ADMIN, None, None),  # clearing
        (job(S.IN_PROGRESS), MIKE, START + timedelta(minutes=30), None),  # before the booked end
        (job(S.COMPLETED), ADMIN, START + timedelta(hours=3), "job-closed"),
        (job(S.CANCELLED), ADMIN, None, "job-closed"),
        (job(S.NO_SHOW), ADMIN, START + timedelta(hours=3), "job-closed"),
    ],
)
def test_who_may_promise_what(facts, actor, promised, kind):
    refusal = refuse_promise(facts, actor, promised)
    assert (refusal.kind if refusal else None) == kind


@pytest.mark.parametrize(
    ("facts", "actor", "audience", "kind"),
    [
        (job(), SAM, NoteAudience.INTERNAL, None),  # any staff member, any job
        (job(S.CANCELLED), ADMIN, NoteAudience.INTERNAL, None),  # the record stays open
        (job(), CUSTOMER, NoteAudience.INTERNAL, "staff-only"),
        (job(), ADMIN, NoteAudience.CUSTOMER, None),
        (job(), MIKE, NoteAudience.CUSTOMER, None),
        (job(), SAM, NoteAudience.CUSTOMER, "not-your-job"),
        (job(S.COMPLETED), ADMIN, NoteAudience.CUSTOMER, None),  # a follow-up after pickup
        (job(S.CANCELLED), ADMIN, NoteAudience.CUSTOMER, "job-closed"),
        (job(S.NO_SHOW), MIKE, NoteAudience.CUSTOMER, "job-closed"),
    ],
)
def test_who_may_write_which_note(facts, actor, audience, kind):
    refusal = refuse_note(facts, actor, audience)
    assert (refusal.kind if refusal else None) == kind


def test_note_text_bounds():
    assert note_problem("  ") == "Write the note first."
    assert note_problem("x" * 1000) is None
    assert note_problem("x" * 1001) == "Keep the note under 1000 characters."


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2026-12-02T16:30", datetime(2026, 12, 2, 21, 30, tzinfo=UTC)),  # EST
        ("2026-07-01 09:15", datetime(2026, 7, 1, 13, 15, tzinfo=UTC)),  # EDT, a space is fine
        ("2026-03-08T03:00", datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),  # just after the gap
        ("2026-11-01T01:30", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # twice: the first
    ],
)
def test_local_times_become_utc_in_the_shops_zone(typed, utc):
    assert parse_local_time(typed, NY) == utc
    assert local_input_value(utc, NY) == typed.replace(" ", "T")


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("2026-03-08T02:30", "doesn't exist on March 8"),
        ("soon", "Give a date and time"),
        ("2026-12-02T16:30Z", "in the shop's time zone"),
        ("2101-01-01T10:00", "Give a date from"),
    ],
)
def test_times_the_shops_clock_never_shows_are_refused(typed, words):
    with pytest.raises(LocalTimeProblem, match=words):
        parse_local_time(typed, NY)

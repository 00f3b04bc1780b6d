"""Changes to one appointment decide on the row as it is under the write lock, never on what a
request loaded before: a change made meanwhile by someone else is answered "changed meanwhile"
(409), and races between two changes end in one consistent state with a truthful trail.

"Meanwhile" tests are deterministic: the caller loads the visit, another connection (a thread
with its own app context) changes and commits it, then the caller acts on what it loaded.
Race tests release real threads with their own connections together at a barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, StatusChange, User
from autoshop.services import booking
from autoshop.services.booking import BookingError, ChangedMeanwhile, SlotTaken
from autoshop.services.status import change_status

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
WED_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
THU_10 = WED_10 + timedelta(days=1)
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 0}}


def _elsewhere(app, work: Callable[[], Any]) -> Any:
    """Run `work` to completion in another thread, app context, session and connection."""
    result: dict[str, Any] = {}

    def run() -> None:
        with app.app_context():
            try:
                result["value"] = work()
            except Exception as exc:
                result["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _race(app, jobs: list[Callable[[], Any]]) -> list[str]:
    """Start every job at once (a barrier), each in its own app context; name each outcome."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = [""] * len(jobs)

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait(timeout=60)
            try:
                jobs[i]()
                outcomes[i] = "done"
            except SlotTaken:
                outcomes[i] = "taken"
            except ChangedMeanwhile:
                outcomes[i] = "changed"
            except BookingError as exc:
                outcomes[i] = f"refused:{exc.kind}"
            except Exception as exc:
                outcomes[i] = f"error: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def _get(model, id_):
    """The row as committed now (not as this session last saw it)."""
    db.session.expire_all()
    return db.session.get(model, id_)


def _trail(appointment_id: int) -> list[tuple[str | None, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(StatusChange)
        .where(StatusChange.appointment_id == appointment_id)
        .order_by(StatusChange.id)
    )
    return [(c.from_status.value if c.from_status else None, c.to_status.value) for c in rows]


def _pending_reminders(appointment_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(
            Notification.appointment_id == appointment_id,
            Notification.kind == "appointment_reminder",
            Notification.status == "pending",
        )
    )


@pytest.fixture
def visit(factories):
    """A scheduled Wednesday visit of a customer, its mechanic, an admin, two lifts."""
    location = factories.location(
        bays=[("Lift 1", [Capability.LIFT.value]), ("Lift 2", [Capability.LIFT.value])]
    )
    oil = factories.service("Oil change", duration_minutes=30)
    customer = factories.customer()
    mechanic = factories.mechanic()
    appointment = booking.book(
        booking.BookingRequest(
            service_ids=[oil.id],
            starts_at=WED_10,
            customer=customer,
            vehicle=booking.VehicleDetails(year=2019, make="Mazda", model="3"),
        ),
        now=NOW,
    )
    appointment.mechanic_id = mechanic.id
    db.session.commit()
    return {
        "appointment": appointment,
        "customer": customer,
        "mechanic": mechanic,
        "admin": factories.admin(),
        "location": location,
        "oil": oil,
    }


def test_cancel_after_a_check_in_made_meanwhile_is_refused(app, visit):
    appointment, customer = visit["appointment"], visit["customer"]
    seen = _get(Appointment, appointment.id)
    assert seen.status is S.SCHEDULED  # what the customer's request loaded
    mechanic_id, appointment_id = visit["mechanic"].id, appointment.id
    _elsewhere(
        app,
        lambda: change_status(
            _get(Appointment, appointment_id), S.CHECKED_IN, actor=_get(User, mechanic_id), now=NOW
        ),
    )
    with pytest.raises(ChangedMeanwhile, match="now checked in"):
        booking.cancel(seen, now=NOW, actor=customer)
    assert _get(Appointment, appointment_id).status is S.CHECKED_IN
    assert _trail(appointment_id) == [(None, "scheduled"), ("scheduled", "checked_in")]


def test_reschedule_after_a_cancel_made_meanwhile_plans_nothing(app, visit):
    appointment, customer = visit["appointment"], visit["customer"]
    seen = _get(Appointment, appointment.id)
    appointment_id, customer_id = appointment.id, customer.id
    _elsewhere(
        app,
        lambda: booking.cancel(
            _get(Appointment, appointment_id), now=NOW, actor=_get(User, customer_id)
        ),
    )
    with pytest.raises(ChangedMeanwhile, match="now cancelled"):
        booking.reschedule(seen, THU_10, now=NOW, actor=customer)
    current = _get(Appointment, appointment_id)
    assert current.status is S.CANCELLED and current.starts_at == WED_10
    assert _pending_reminders(appointment_id) == 0
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.appointment_id == appointment_id)
    ).all()
    assert "appointment_rescheduled" not in kinds


def test_a_form_built_from_an_older_version_changes_nothing(visit):
    appointment, admin = visit["appointment"], visit["admin"]
    version = appointment.version
    change_status(appointment, S.CHECKED_IN, actor=visit["mechanic"], now=NOW)
    with pytest.raises(ChangedMeanwhile):
        booking.cancel(appointment, now=NOW, actor=admin, expected_version=version)
    assert appointment.status is S.CHECKED_IN
    # Built from the current version, the same admin action goes through.
    booking.cancel(appointment, now=NOW, actor=admin, expected_version=appointment.version)
    assert appointment.status is S.CANCELLED
    assert _trail(appointment.id)[-1] == ("checked_in", "cancelled")


@pytest.mark.settings(**POOL)
def test_cancel_racing_check_in_ends_in_one_consistent_state(app, visit):
    appointment_id = visit["appointment"].id
    customer_id, mechanic_id = visit["customer"].id, visit["mechanic"].id

    def cancel():
        booking.cancel(_get(Appointment, appointment_id), now=NOW, actor=_get(User, customer_id))

    def check_in():
        change_status(
            _get(Appointment, appointment_id), S.CHECKED_IN, actor=_get(User, mechanic_id), now=NOW
        )

    outcomes = _race(app, [cancel, check_in])
    # One wins; the other either saw the winner's change happen under it (changed meanwhile) or
    # started after it and is refused on the status it finds (checked in: the customer can't
    # cancel; cancelled: the mechanic can't check in).
    lost = {"changed", "refused:not-cancellable", "refused:bad-transition"}
    assert outcomes.count("done") == 1 and set(outcomes) - {"done"} <= lost, outcomes
    final = _get(Appointment, appointment_id).status
    trail = _trail(appointment_id)
    assert trail[-1] == ("scheduled", final.value)  # the trail tells what really happened
    assert len(trail) == 2


@pytest.mark.settings(**POOL)
def test_reschedule_racing_cancel_never_reschedules_a_cancelled_visit(app, visit):
    appointment_id, customer_id = visit["appointment"].id, visit["customer"].id

    def move():
        appointment = _get(Appointment, appointment_id)
        booking.reschedule(appointment, THU_10, now=NOW, actor=_get(User, customer_id))

    def cancel():
        booking.cancel(_get(Appointment, appointment_id), now=NOW, actor=_get(User, customer_id))

    outcomes = _race(app, [move, cancel])
    assert "error" not in " ".join(outcomes), outcomes
    final = _get(Appointment, appointment_id)
    if final.status is S.CANCELLED:
        assert _pending_reminders(appointment_id) == 0
    else:
        assert outcomes[0] == "done" and outcomes[1] != "done", outcomes
        assert final.starts_at == THU_10


@pytest.mark.settings(**POOL)
def test_two_reschedules_into_the_last_bay_move_exactly_one(app, factories, visit):
    location, oil, admin = visit["location"], visit["oil"], visit["admin"]
    # Thursday 10:00: one of the two lifts is taken, so one bay is left.
    factories.appointment(location=location, bay=location.bays[1], starts_at=THU_10, services=[oil])
    movers = [
        booking.book(
            booking.BookingRequest(
                service_ids=[oil.id],
                starts_at=WED_10 + timedelta(hours=h),
                customer=visit["customer"],
                vehicle=booking.VehicleDetails(year=2020, make="Kia", model=f"Rio {h}"),
            ),
            now=NOW,
        ).id
        for h in (3, 4)
    ]
    admin_id = admin.id

    def move(appointment_id):
        booking.reschedule(
            _get(Appointment, appointment_id), THU_10, now=NOW, actor=_get(User, admin_id)
        )

    outcomes = _race(app, [lambda i=i: move(i) for i in movers])
    assert sorted(outcomes) == ["done", "taken"], outcomes
    held = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Appointment)
        .where(Appointment.starts_at == THU_10, Appointment.status == "scheduled")
    )
    assert held == 2

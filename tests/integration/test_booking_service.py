"""Booking, rescheduling and cancelling through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from autoshop.domain.choices import Capability, PriceKind
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Closure, Notification, StatusChange
from autoshop.services import booking, idempotency
from autoshop.services.booking import BookingError, BookingRequest, SlotTaken, VehicleDetails
from tests.support.messages import message_text

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
ZONE = ZoneInfo("America/New_York")
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]
CAR = VehicleDetails(year=2019, make="Honda", model="CR-V")


@pytest.fixture
def shop(factories):
    location = factories.location(
        bays=[("Lift 1", LIFT), ("Lift 2", LIFT), ("Rack", ["alignment", *LIFT])]
    )
    return {
        "location": location,
        "oil": factories.service(
            "Oil change",
            duration_minutes=30,
            price_kind=PriceKind.RANGE,
            price_min_cents=5000,
            price_max_cents=7500,
        ),
        "brakes": factories.service("Brake pads", duration_minutes=90),
        "align": factories.service(
            "Alignment", duration_minutes=90, capability=Capability.ALIGNMENT
        ),
        "customer": factories.customer(email="cara@example.com", first_name="Cara"),
    }


def request_for(shop, **overrides):
    values = {
        "service_ids": [shop["oil"].id, shop["brakes"].id],
        "starts_at": TUE_9,
        "customer": shop["customer"],
        "vehicle": CAR,
    }
    values.update(overrides)
    return BookingRequest(**values)


def test_booking_allocates_a_bay_snapshots_and_queues_messages(shop):
    appointment = booking.book(request_for(shop, concern="<b>Squeal</b> when braking"), now=NOW)
    db.session.expire_all()
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.status is AppointmentStatus.SCHEDULED
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=120)
    assert appointment.block_ends_at - appointment.ends_at == timedelta(minutes=10)
    assert appointment.bay.name in ("Lift 1", "Lift 2")  # best fit keeps the rack free
    assert [(s.name, s.price_min_cents) for s in appointment.services] == [
        ("Oil change", 5000),
        ("Brake pads", 9900),
    ]
    assert appointment.concern == "<b>Squeal</b> when braking"  # stored as text, escaped on output
    assert appointment.vehicle.owner_id == shop["customer"].id  # saved to the profile
    assert len(appointment.reference) == 8
    (change,) = db.session.scalars(sa.select(StatusChange)).all()
    assert change.to_status is AppointmentStatus.SCHEDULED

    rows = db.session.scalars(sa.select(Notification).order_by(Notification.due_at)).all()
    kinds = [(r.kind, r.due_at) for r in rows]
    assert kinds == [
        ("appointment_confirmation", NOW),
        ("appointment_reminder", TUE_9 - timedelta(hours=24)),
        ("appointment_reminder", TUE_9 - timedelta(hours=2)),
    ]
    confirmation = rows[0]
    assert confirmation.recipient == "cara@example.com"
    assert "Tue Dec 1 at 9:00 AM" in confirmation.subject
    assert "Oil change (30 min): $50–$75" in message_text(confirmation)
    assert f"/appointments/{appointment.reference}" in message_text(confirmation)


def test_guest_booking_gets_a_signed_manage_link(shop, app):
    from autoshop.services.manage_links import appointment_for

    guest = booking.GuestContact(name="Gus Guest", email="gus@example.com", phone="+12015550100")
    appointment = booking.book(request_for(shop, customer=None, guest=guest), now=NOW)
    mail = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "appointment_confirmation")
    )
    assert mail.recipient == "gus@example.com"
    token = message_text(mail).split("/appointments/manage/")[1].split()[0]
    assert appointment_for(token).id == appointment.id
    with pytest.raises(ValueError, match="isn't valid"):
        appointment_for(token[:-2] + "xx")


def test_sms_only_for_customers_who_opted_in(shop, factories):
    texter = factories.customer(phone="+12015550199", sms_opt_in=True, email_opt_in=False)
    booking.book(request_for(shop, customer=texter), now=NOW)
    channels = {(r.channel.value, r.recipient) for r in db.session.scalars(sa.select(Notification))}
    assert channels == {("sms", "+12015550199")}


@pytest.mark.parametrize(
    ("starts_at", "kind", "says"),
    [
        (datetime(2026, 11, 30, 12, 0, tzinfo=UTC), "start-in-past", "already passed"),
        (datetime(2026, 11, 30, 14, 0, tzinfo=UTC), "inside-notice", "2 hours' notice"),
        (datetime(2027, 3, 1, 14, 0, tzinfo=UTC), "beyond-horizon", "60 days ahead"),
        (datetime(2026, 12, 1, 14, 5, tzinfo=UTC), "not-offered", "every 15 minutes"),
        (datetime(2026, 12, 1, 16, 30, tzinfo=UTC), "not-offered", "before the break"),
        (datetime(2026, 12, 6, 15, 0, tzinfo=UTC), "not-offered", "Sunday"),
        (datetime(2026, 12, 2, 14, 0, tzinfo=UTC), "closed", "Staff training"),
        (
            datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=-3))),
            "offset-mismatch",
            "clocks change",
        ),
    ],
    ids=[
        "past",
        "notice",
        "horizon",
        "off-grid",
        "over-lunch",
        "closed-day",
        "closure",
        "bad-offset",
    ],
)
def test_refused_starts_say_why_and_save_nothing(shop, starts_at, kind, says):
    db.session.add(
        Closure(
            location_id=shop["location"].id,
            reason="Staff training",
            starts_at=datetime(2026, 12, 2, 5, tzinfo=UTC),
            ends_at=datetime(2026, 12, 3, 5, tzinfo=UTC),
        )
    )
    db.session.commit()
    with pytest.raises(BookingError) as caught:
        booking.book(request_for(shop, starts_at=starts_at), now=NOW)
    assert caught.value.kind == kind
    assert says in caught.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_dst_gap_local_time_is_refused(factories):
    location = factories.location(
        hours={
            6: [
                (
                    datetime.min.time(),
                    datetime.max.time().replace(microsecond=0, second=0, minute=0, hour=23),
                )
            ]
        }
    )
    service = factories.service(duration_minutes=30)
    customer = factories.customer()
    # 02:30 on 2026-03-08 doesn't exist in New York; written with the EST offset it's 03:30 EDT.
    gap = datetime(2026, 3, 8, 2, 30, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(BookingError) as caught:
        booking.book(
            BookingRequest(
                service_ids=[service.id],
                starts_at=gap,
                customer=customer,
                vehicle=CAR,
                location_id=location.id,
            ),
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )
    assert caught.value.kind == "offset-mismatch"


def test_unknown_inactive_and_foreign_things_are_refused(shop, factories):
    retired = factories.service("Retired", active=False)
    for ids in ([999], [retired.id]):
        with pytest.raises(BookingError, match="can't be booked"):
            booking.book(request_for(shop, service_ids=ids), now=NOW)
    someone_elses = factories.vehicle(owner=factories.customer())
    with pytest.raises(BookingError, match="your own vehicles"):
        booking.book(request_for(shop, vehicle=None, vehicle_id=someone_elses.id), now=NOW)
    with pytest.raises(BookingError, match="at most 2000"):
        booking.book(request_for(shop, concern="x" * 2001), now=NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == 0


def test_full_bays_answer_taken_with_nearest_alternatives(shop):
    for _ in range(3):  # two lifts and the rack all take the oil change at 09:00
        booking.book(
            request_for(
                shop,
                service_ids=[shop["oil"].id],
                customer=None,
                guest=booking.GuestContact("G", "g@example.com"),
            ),
            now=NOW,
        )
    with pytest.raises(SlotTaken) as caught:
        booking.book(request_for(shop, service_ids=[shop["oil"].id]), now=NOW)
    alternatives = caught.value.alternatives
    assert 1 <= len(alternatives) <= 5
    assert TUE_9 not in alternatives
    assert min(abs(a - TUE_9) for a in alternatives) <= timedelta(minutes=45)


@pytest.mark.parametrize(
    ("morning_closes", "expected"),
    [
        # Seven free starts on Tuesday morning: the five nearest to the evening, all Tuesday,
        # though Wednesday's first starts are closer in time.
        (
            time(8),
            [(1, time(6, 30)), (1, time(6, 45)), (1, time(7)), (1, time(7, 15)), (1, time(7, 30))],
        ),
        # Three on Tuesday: those, then the earliest of the following days.
        (
            time(7),
            [(1, time(6)), (1, time(6, 15)), (1, time(6, 30)), (2, time(6)), (2, time(6, 15))],
        ),
    ],
    ids=["day-has-five", "day-has-three"],
)
def test_alternatives_on_the_same_day_come_first(factories, morning_closes, expected):
    """A customer refused Tuesday evening is offered Tuesday's free times first (they chose the
    day), the nearest ones; the next days fill in only when Tuesday has fewer than five."""
    factories.location(
        hours={1: [(time(6), morning_closes), (time(20), time(23))], 2: [(time(6), time(23))]},
        bays=[("Lift 1", LIFT)],
    )
    oil = factories.service("Oil change", duration_minutes=30)
    evening = factories.service("Engine work", duration_minutes=170)  # 20:00-22:50, +10 buffer
    customer = factories.customer()
    tue_20 = datetime.combine(TUE_9.astimezone(ZONE).date(), time(20), ZONE)
    booking.book(
        BookingRequest(service_ids=[evening.id], starts_at=tue_20, customer=customer, vehicle=CAR),
        now=NOW,
    )
    with pytest.raises(SlotTaken) as caught:
        booking.book(
            BookingRequest(
                service_ids=[oil.id],
                starts_at=tue_20 + timedelta(hours=1),
                customer=factories.customer(),
                vehicle=CAR,
            ),
            now=NOW,
        )
    monday = TUE_9.astimezone(ZONE).date() - timedelta(days=1)
    assert caught.value.alternatives == [
        datetime.combine(monday + timedelta(days=d), t, ZONE) for d, t in expected
    ]


def _another_writer_can_take_the_day(location_id: int, day) -> bool:
    """Whether a second connection could start placing visits on that day right now: take the
    day's schedule lock (PostgreSQL) or the write lock (SQLite), without waiting."""
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "postgresql":
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", (location_id, day.toordinal())
            )
            free = cursor.fetchone()[0]
            raw.rollback()
            return free
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        cursor.execute("ROLLBACK")
        return True
    finally:
        raw.close()


@pytest.mark.parametrize("with_key", [False, True], ids=["plain", "idempotency-key"])
def test_the_alternatives_to_a_taken_time_are_searched_without_holding_the_day(
    shop, monkeypatch, with_key
):
    """Most refused bookings on a busy day are "taken": the search for their alternatives must
    not hold the day's schedule (other bookings would queue behind it). A plain request is
    refused before the write transaction; one with an idempotency key, once the refused write
    transaction has ended. Either way the search runs when the alternatives are read, once."""
    for _ in range(3):
        booking.book(
            request_for(
                shop,
                service_ids=[shop["oil"].id],
                customer=None,
                guest=booking.GuestContact("G", "g@example.com"),
            ),
            now=NOW,
        )
    day_free_during_search = []
    search = booking.alternatives_near

    def watched(*args, **kwargs):
        day_free_during_search.append(
            _another_writer_can_take_the_day(shop["location"].id, TUE_9.astimezone(ZONE).date())
        )
        return search(*args, **kwargs)

    monkeypatch.setattr(booking, "alternatives_near", watched)
    req = request_for(shop, service_ids=[shop["oil"].id])
    with pytest.raises(SlotTaken) as caught:
        if with_key:
            key = idempotency.Key("test", "k-1", "fingerprint")
            idempotency.book_once(req, now=NOW, key=key, respond=lambda a: (201, "{}"))
        else:
            booking.book(req, now=NOW)
    assert day_free_during_search == []  # not searched before it is read
    assert caught.value.alternatives
    assert day_free_during_search == [True]
    assert caught.value.alternatives and day_free_during_search == [True]  # searched once


def test_same_vehicle_cannot_be_in_two_places(shop):
    first = booking.book(request_for(shop, service_ids=[shop["oil"].id]), now=NOW)
    with pytest.raises(BookingError, match="already has an appointment"):
        booking.book(
            request_for(
                shop, service_ids=[shop["align"].id], vehicle=None, vehicle_id=first.vehicle_id
            ),
            now=NOW,
        )


def test_database_refuses_an_overlap_written_behind_the_service(shop, factories):
    first = factories.appointment(
        location=shop["location"], starts_at=TUE_9, services=[shop["brakes"]]
    )
    with pytest.raises(IntegrityError):
        factories.appointment(
            location=shop["location"], bay=first.bay, starts_at=TUE_9 + timedelta(minutes=95)
        )  # inside the buffer
    db.session.rollback()
    other = factories.appointment(
        location=shop["location"], bay=shop["location"].bays[1], starts_at=TUE_9
    )
    other.bay_id = first.bay_id  # moving it onto the taken bay is refused too
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # A cancelled appointment holds nothing.
    first.status = AppointmentStatus.CANCELLED
    db.session.commit()
    factories.appointment(location=shop["location"], bay=first.bay, starts_at=TUE_9)


def test_reschedule_moves_and_replans_reminders(shop, factories):
    appointment = booking.book(request_for(shop), now=NOW)
    later = NOW + timedelta(hours=1)
    new_start = TUE_9 + timedelta(days=1, hours=4)  # Wednesday 13:00
    booking.reschedule(appointment, new_start, now=later, actor=shop["customer"])
    db.session.expire_all()
    moved = db.session.get(Appointment, appointment.id)
    assert moved.starts_at == new_start and moved.sequence == 1
    rows = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    states = [(r.kind, r.status.value, r.due_at) for r in rows]
    assert ("appointment_reminder", "cancelled", TUE_9 - timedelta(hours=24)) in states
    assert ("appointment_rescheduled", "pending", later) in states
    assert ("appointment_reminder", "pending", new_start - timedelta(hours=2)) in states


def test_reschedule_and_cancel_rules(shop, factories):
    appointment = booking.book(request_for(shop), now=NOW)
    close = TUE_9 - timedelta(hours=10)  # inside the 24-hour cutoff
    with pytest.raises(booking.NotAllowed, match="24 hours"):
        booking.cancel(appointment, now=close, actor=shop["customer"])
    with pytest.raises(booking.NotAllowed, match="24 hours"):
        booking.reschedule(
            appointment, TUE_9 + timedelta(days=1), now=close, actor=shop["customer"]
        )
    admin = factories.admin()
    booking.cancel(appointment, now=close, actor=admin, reason="Customer called")
    assert appointment.status is AppointmentStatus.CANCELLED
    reminders = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "appointment_reminder")
    ).all()
    assert {r.status.value for r in reminders} == {"cancelled"}
    with pytest.raises(BookingError, match="can't be rescheduled"):
        booking.reschedule(appointment, TUE_9 + timedelta(days=1), now=NOW, actor=admin)
    with pytest.raises(BookingError, match="can't be cancelled"):
        booking.cancel(appointment, now=NOW, actor=admin)


def test_reschedule_keeps_the_visit_as_booked_when_the_catalog_changes(shop):
    appointment = booking.book(request_for(shop, service_ids=[shop["oil"].id]), now=NOW)
    shop["oil"].duration_minutes = 90  # the catalog changes after the booking
    shop["oil"].active = False
    db.session.commit()
    new_start = TUE_9 + timedelta(days=1)
    booking.reschedule(appointment, new_start, now=NOW, actor=shop["customer"])
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    assert appointment.starts_at == new_start


def test_the_reschedule_calendar_does_not_count_the_visit_against_itself(shop):
    from autoshop.services.availability import find_availability, visit_of

    lift_only = shop["location"]
    for bay in lift_only.bays[1:]:
        bay.active = False  # one bay left: the appointment's own
    db.session.commit()
    appointment = booking.book(request_for(shop, service_ids=[shop["oil"].id]), now=NOW)
    day = TUE_9.date()
    plain = find_availability([shop["oil"].id], day, day, now=NOW)
    assert TUE_9 not in [s.starts_at for s in plain.days[0].slots]
    own = find_availability(
        visit_of(appointment), day, day, now=NOW, exclude_appointment_id=appointment.id
    )
    assert TUE_9 in [s.starts_at for s in own.days[0].slots]

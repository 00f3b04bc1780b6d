"""The waitlist: joining, offers after a cancellation, holds, expiry, accepting; both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus
from autoshop.domain.technicians import WorkingSpan
from autoshop.domain.waitlist import EntryStatus, HoldStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, WaitlistEntry, WaitlistHold
from autoshop.services import booking, technicians, waitlist, waitlist_offers
from autoshop.services.availability import find_availability
from autoshop.services.booking import BookingRequest, GuestContact, SlotTaken, VehicleDetails
from autoshop.services.waitlist import GuestDetails, JoinRequest, WaitlistError
from autoshop.services.waitlist_offers import OfferProblem
from tests.conftest import csrf_token_from

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
WED = date(2026, 12, 2)
WED_9 = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 09:00 New York
WED_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 10:00 New York
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _two_lifts_on_wednesday(factories):
    """Two lifts open Wednesday 09:00-11:00 for one-hour jobs on the hour, no buffer."""
    return factories.location(
        hours={2: [(time(9), time(11))]},
        bays=[("Lift 1", LIFT), ("Lift 2", LIFT)],
        slot_interval_minutes=60,
        buffer_minutes=0,
    )


def _waiting(factories):
    """Three customers with a car each, who may join a waitlist, and an admin to cancel."""
    customers = [factories.customer(email=f"wait{n}@example.com") for n in range(3)]
    vehicles = [factories.vehicle(owner=c, model=f"Model {n}") for n, c in enumerate(customers)]
    return {"customers": customers, "vehicles": vehicles, "admin": factories.admin()}


@pytest.fixture
def full_day(factories):
    """Two lifts open Wednesday 09:00-11:00 for one-hour jobs, every start taken."""
    location = _two_lifts_on_wednesday(factories)
    service = factories.service("Brake pads", duration_minutes=60)
    visits = {}
    for bay in location.bays:
        for start in (WED_9, WED_10):
            visits[(bay.name, start)] = factories.appointment(
                location=location, bay=bay, starts_at=start, services=[service]
            )
    return {"location": location, "service": service, "visits": visits, **_waiting(factories)}


def join(shop, n, earliest=time(9), latest=time(10), day=WED, now=NOW):
    return waitlist.join(
        JoinRequest(
            service_ids=[shop["service"].id],
            day=day,
            earliest=earliest,
            latest=latest,
            customer=shop["customers"][n],
            vehicle_id=shop["vehicles"][n].id,
            location_id=shop["location"].id,
        ),
        now=now,
    )


def cancel(shop, bay_name="Lift 1", start=WED_10, now=NOW):
    visit = db.session.get(Appointment, shop["visits"][(bay_name, start)].id)
    return booking.cancel(visit, now=now, actor=shop["admin"], reason="Customer called")


def walk_in(shop, starts_at, now):
    """Someone not on the waitlist books `starts_at`."""
    return booking.book(
        BookingRequest(
            service_ids=[shop["service"].id],
            starts_at=starts_at,
            guest=GuestContact(name="Walk In", email="walkin@example.com"),
            vehicle=VehicleDetails(year=2020, make="Ford", model="Focus"),
            location_id=shop["location"].id,
        ),
        now=now,
    )


def free_starts(shop, now=NOW, **kw):
    result = find_availability(
        [shop["service"].id], WED, WED, now=now, location_id=shop["location"].id, **kw
    )
    return [s.starts_at for d in result.days for s in d.slots]


def holds():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WaitlistHold).order_by(WaitlistHold.id)))


def offers_to(email):
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.kind == waitlist.OFFERED, Notification.recipient == email
            )
        )
    )


def entry_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(WaitlistEntry))


# --- joining -------------------------------------------------------------------------------------


def test_joining_a_full_day_queues_a_message_with_the_manage_link(full_day):
    entry = join(full_day, 0)
    assert entry.status is EntryStatus.WAITING
    message = db.session.scalars(
        sa.select(Notification).where(Notification.kind == waitlist.JOINED)
    ).one()
    assert message.recipient == "wait0@example.com"
    assert "Wednesday, December 2" in message.subject
    assert "9:00 AM – 10:00 AM" in message.body_text


@pytest.mark.parametrize(
    ("day", "earliest", "latest", "field", "words"),
    [
        (date(2026, 11, 27), time(9), time(10), "day", "already passed"),
        (NOW.date() + timedelta(days=61), time(9), time(10), "day", "days ahead"),
        (WED, time(10), time(9), "latest", "at or after the earliest"),
    ],
    ids=["past-day", "beyond-horizon", "inverted-window"],
)
def test_bad_joins_are_refused_and_nothing_is_saved(full_day, day, earliest, latest, field, words):
    with pytest.raises(WaitlistError) as refused:
        join(full_day, 0, earliest=earliest, latest=latest, day=day)
    assert refused.value.field == field
    assert words in refused.value.message
    assert entry_count() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_joining_twice_for_the_same_day_and_vehicle_is_refused(full_day):
    join(full_day, 0)
    with pytest.raises(WaitlistError) as refused:
        join(full_day, 0, earliest=time(10), latest=time(10))
    assert refused.value.status == 409
    assert "already on the waitlist" in refused.value.message
    assert entry_count() == 1


def test_a_day_with_a_free_time_in_the_window_is_booked_not_waited_for(full_day):
    cancel(full_day)  # 10:00 is free again, nobody waiting yet
    with pytest.raises(WaitlistError) as refused:
        join(full_day, 0, earliest=time(10), latest=time(10))
    assert "book it directly" in refused.value.message
    # A window without a free time may still be joined.
    assert join(full_day, 0, earliest=time(9), latest=time(9)).status is EntryStatus.WAITING


def test_someone_elses_vehicle_is_refused(full_day):
    with pytest.raises(WaitlistError) as refused:
        waitlist.join(
            JoinRequest(
                service_ids=[full_day["service"].id],
                day=WED,
                earliest=time(9),
                latest=time(10),
                customer=full_day["customers"][0],
                vehicle_id=full_day["vehicles"][1].id,
            ),
            now=NOW,
        )
    assert refused.value.field == "vehicle"
    assert entry_count() == 0


# --- offers --------------------------------------------------------------------------------------


def test_a_cancellation_offers_the_time_to_the_first_whose_window_fits(full_day):
    nine_only = join(full_day, 0, earliest=time(9), latest=time(9), now=NOW)
    fits = join(full_day, 1, now=NOW + timedelta(minutes=1))
    later = join(full_day, 2, now=NOW + timedelta(minutes=2))
    cancel(full_day, now=NOW + timedelta(minutes=5))

    (hold,) = holds()
    assert hold.entry_id == fits.id
    assert hold.starts_at == WED_10
    assert hold.expires_at == NOW + timedelta(minutes=20)
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, nine_only.id).status is EntryStatus.WAITING
    assert db.session.get(WaitlistEntry, fits.id).status is EntryStatus.OFFERED
    assert db.session.get(WaitlistEntry, later.id).status is EntryStatus.WAITING
    (offer,) = offers_to("wait1@example.com")
    assert "/waitlist/offers/" in offer.body_text
    assert offers_to("wait0@example.com") == [] and offers_to("wait2@example.com") == []


def test_the_hold_hides_the_time_from_everyone_else(full_day, client, frozen):
    join(full_day, 0)
    cancel(full_day)
    assert free_starts(full_day) == []  # the freed 10:00 is held
    response = client.get(
        f"/api/v1/availability?services={full_day['service'].id}&start=2026-12-02&end=2026-12-02"
    )
    assert response.status_code == 200
    assert all(not d["slots"] for d in response.get_json()["days"])
    with pytest.raises(SlotTaken):
        walk_in(full_day, WED_10, now=NOW)
    # The holder's own view leaves their hold out, so the booking can go through.
    (hold,) = holds()
    appointment = waitlist_offers.accept(hold, now=NOW + timedelta(minutes=3))
    assert appointment.starts_at == WED_10
    assert appointment.customer_id == full_day["customers"][0].id
    assert appointment.vehicle_id == full_day["vehicles"][0].id


@pytest.fixture
def one_mechanic_day(factories):
    """Two lifts open Wednesday 09:00-11:00 but one mechanic, Mike, busy on Lift 1 at 9 and 10:
    Lift 2 is free all day and nothing can be offered."""
    location = _two_lifts_on_wednesday(factories)
    brakes = factories.category("Brakes")
    service = factories.service("Brake pads", category=brakes, duration_minutes=60)
    mike = factories.mechanic(first_name="Mike")
    technicians.save_schedule(
        mike.id,
        location_id=location.id,
        spans=[WorkingSpan(2, 9 * 60, 11 * 60)],
        skill_ids=[brakes.id],
    )
    lift1 = location.bays[0]
    visits = {
        (lift1.name, start): factories.appointment(
            location=location, bay=lift1, starts_at=start, services=[service], mechanic_id=mike.id
        )
        for start in (WED_9, WED_10)
    }
    return {
        "location": location,
        "service": service,
        "visits": visits,
        "mike": mike,
        **_waiting(factories),
    }


def test_a_hold_keeps_its_technician_from_everyone_else(one_mechanic_day, frozen):
    shop = one_mechanic_day
    first = join(shop, 0, earliest=time(10), latest=time(10))
    second = join(shop, 1, earliest=time(10), latest=time(10), now=NOW + timedelta(minutes=1))
    cancel(shop, now=NOW + timedelta(minutes=2))  # Mike's 10:00 on Lift 1

    # One offer: Mike is the only one who can do it, on whichever lift.
    (hold,) = holds()
    assert hold.entry_id == first.id and hold.starts_at == WED_10
    assert hold.mechanic_id == shop["mike"].id
    assert db.session.get(WaitlistEntry, second.id).status is EntryStatus.WAITING
    # Lift 2 is free at 10:00, but Mike is kept for the offer: nobody else is offered him.
    assert free_starts(shop) == []
    with pytest.raises(SlotTaken):
        walk_in(shop, WED_10, now=NOW + timedelta(minutes=3))
    appointment = waitlist_offers.accept(hold, now=NOW + timedelta(minutes=4))
    assert appointment.starts_at == WED_10
    assert appointment.mechanic_id == shop["mike"].id


def test_a_lapsed_hold_frees_its_technician(one_mechanic_day):
    shop = one_mechanic_day
    join(shop, 0, earliest=time(10), latest=time(10))
    cancel(shop, now=NOW + timedelta(minutes=2))
    assert free_starts(shop, now=NOW + timedelta(minutes=3)) == []
    assert free_starts(shop, now=NOW + timedelta(minutes=18)) == [WED_10]  # past its 15 minutes


def test_an_unanswered_offer_lapses_and_goes_to_the_next_in_line(full_day):
    first = join(full_day, 0)
    second = join(full_day, 1, now=NOW + timedelta(minutes=1))
    cancel(full_day, now=NOW + timedelta(minutes=2))
    assert waitlist.expire_holds(now=NOW + timedelta(minutes=16)) == 0  # still held
    assert waitlist.expire_holds(now=NOW + timedelta(minutes=17)) == 1
    first_hold, second_hold = holds()
    assert first_hold.status is HoldStatus.EXPIRED
    assert second_hold.status is HoldStatus.HELD and second_hold.entry_id == second.id
    assert second_hold.starts_at == WED_10
    assert db.session.get(WaitlistEntry, first.id).status is EntryStatus.LAPSED
    assert len(offers_to("wait1@example.com")) == 1
    with pytest.raises(OfferProblem) as over:
        waitlist_offers.accept(first_hold, now=NOW + timedelta(minutes=18))
    assert over.value.status == 410


def test_a_hold_past_its_time_is_free_for_everyone_even_before_the_worker_runs(full_day):
    join(full_day, 0)
    cancel(full_day)
    assert free_starts(full_day, now=NOW + timedelta(minutes=16)) == [WED_10]


def test_a_hold_hides_the_time_until_it_expires_also_from_a_process_that_asked_before(full_day):
    join(full_day, 0)
    cancel(full_day)
    assert free_starts(full_day, now=NOW + timedelta(minutes=14)) == []  # held, and remembered
    assert free_starts(full_day, now=NOW + timedelta(minutes=16)) == [WED_10]
    assert free_starts(full_day, now=NOW + timedelta(minutes=10)) == []  # asked as of earlier


def test_accepting_books_the_held_time_once(full_day):
    entry = join(full_day, 0)
    cancel(full_day)
    (hold,) = holds()
    appointment = waitlist_offers.accept(hold, now=NOW + timedelta(minutes=5))
    assert appointment.status is AppointmentStatus.SCHEDULED
    (hold,) = holds()
    assert hold.status is HoldStatus.ACCEPTED
    entry = db.session.get(WaitlistEntry, entry.id)
    assert entry.status is EntryStatus.BOOKED and entry.appointment_id == appointment.id
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.appointment_id == appointment.id)
    ).all()
    assert "appointment_confirmation" in kinds
    with pytest.raises(OfferProblem) as again:
        waitlist_offers.accept(hold, now=NOW + timedelta(minutes=6))
    assert again.value.status == 410
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Appointment)
        .where(Appointment.starts_at == WED_10, Appointment.status == "scheduled")
    )
    assert count == 2


def test_a_reschedule_frees_the_old_time_for_the_waitlist(full_day):
    join(full_day, 0, earliest=time(9), latest=time(9))
    visit = full_day["visits"][("Lift 2", WED_9)]
    # Thursday isn't open here: move it to a shop day with room, next Wednesday.
    booking.reschedule(visit, WED_9 + timedelta(days=7), now=NOW, actor=full_day["admin"])
    (hold,) = holds()
    assert hold.starts_at == WED_9


def test_leaving_releases_a_held_time_to_the_next_in_line(full_day):
    first = join(full_day, 0)
    second = join(full_day, 1, now=NOW + timedelta(minutes=1))
    cancel(full_day)
    waitlist.leave(db.session.get(WaitlistEntry, first.id), now=NOW + timedelta(minutes=3))
    first_hold, second_hold = holds()
    assert first_hold.status is HoldStatus.RELEASED
    assert second_hold.entry_id == second.id and second_hold.status is HoldStatus.HELD
    assert db.session.get(WaitlistEntry, first.id).status is EntryStatus.LEFT


def test_a_guest_joins_and_accepts(full_day):
    entry = waitlist.join(
        JoinRequest(
            service_ids=[full_day["service"].id],
            day=WED,
            earliest=time(9),
            latest=time(10),
            guest=GuestDetails("Gus Guest", "gus@example.com", "+16175550101", 2017, "Mazda", "3"),
        ),
        now=NOW,
    )
    cancel(full_day)
    (hold,) = holds()
    assert hold.entry_id == entry.id
    appointment = waitlist_offers.accept(hold, now=NOW + timedelta(minutes=1))
    assert appointment.customer_id is None
    assert appointment.guest_email == "gus@example.com"
    assert appointment.vehicle.label.startswith("2017 Mazda 3")


# --- the web -------------------------------------------------------------------------------------


def _offer_path(hold):
    return f"/waitlist/offers/{waitlist.offer_token(hold)}"


def test_the_when_step_of_a_full_day_links_to_the_waitlist(client, login, full_day, frozen):
    login(full_day["customers"][0])
    vehicle = full_day["vehicles"][0].id
    page = client.get(
        f"/book?services={full_day['service'].id}&vehicle={vehicle}&day=2026-12-02"
    ).get_data(as_text=True)
    assert "No free times on Wednesday, December 2" in page
    assert 'id="join-waitlist"' in page
    assert "/waitlist/join?" in page


def test_customer_joins_on_the_web_and_sees_the_entry(client, login, full_day, frozen):
    customer, vehicle = full_day["customers"][0], full_day["vehicles"][0]
    login(customer)
    form = f"/waitlist/join?services={full_day['service'].id}&vehicle={vehicle.id}&day=2026-12-02"
    page = client.get(form)
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    data = {
        "csrf_token": token,
        "services": str(full_day["service"].id),
        "day": "2026-12-02",
        "earliest": "09:00",
        "latest": "10:00",
        "vehicle": str(vehicle.id),
    }
    bad = client.post("/waitlist/join", data={**data, "earliest": "10:00", "latest": "09:00"})
    assert bad.status_code == 422
    assert "at or after the earliest" in bad.get_data(as_text=True)
    assert client.post("/waitlist/join", data={**data, "day": "2026-13-01"}).status_code == 422
    other = client.post("/waitlist/join", data={**data, "vehicle": str(full_day["vehicles"][1].id)})
    assert other.status_code == 422
    assert entry_count() == 0
    ok = client.post("/waitlist/join", data=data)
    assert ok.status_code == 303 and ok.headers["Location"].startswith("/appointments")
    twice = client.post("/waitlist/join", data=data)
    assert twice.status_code == 409
    assert entry_count() == 1
    listing = client.get("/appointments").get_data(as_text=True)
    assert "Wednesday, December 2, 2026" in listing and "Leave the waitlist" in listing

    entry = db.session.scalars(sa.select(WaitlistEntry)).one()
    stranger_client = client.application.test_client()
    login(full_day["customers"][1], test_client=stranger_client)
    page = stranger_client.get("/appointments").get_data(as_text=True)
    token = csrf_token_from(page)
    refused = stranger_client.post(
        f"/waitlist/entries/{entry.id}/leave", data={"csrf_token": token}
    )
    assert refused.status_code == 404
    token = csrf_token_from(client.get("/appointments").get_data(as_text=True))
    left = client.post(f"/waitlist/entries/{entry.id}/leave", data={"csrf_token": token})
    assert left.status_code == 303
    assert db.session.get(WaitlistEntry, entry.id).status is EntryStatus.LEFT


def test_guest_joins_on_the_web_and_leaves_with_the_signed_link(client, full_day, frozen):
    page = client.get(f"/waitlist/join?services={full_day['service'].id}&day=2026-12-02")
    data = {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "services": str(full_day["service"].id),
        "day": "2026-12-02",
        "earliest": "09:00",
        "latest": "10:00",
        "name": "Gus Guest",
        "email": "gus@example.com",
        "phone": "",
        "year": "2017",
        "make": "Mazda",
        "model": "3",
    }
    missing = client.post("/waitlist/join", data=data)
    assert missing.status_code == 422 and "phone number" in missing.get_data(as_text=True)
    assert entry_count() == 0
    ok = client.post("/waitlist/join", data={**data, "phone": "617-555-0101"})
    assert ok.status_code == 303
    manage = ok.headers["Location"]
    assert manage.startswith("/waitlist/manage/")
    message = db.session.scalars(sa.select(Notification)).one()
    assert manage in message.body_text
    page = client.get(manage).get_data(as_text=True)
    assert "Wednesday, December 2, 2026" in page
    assert client.get(manage + "x").status_code == 404
    token = csrf_token_from(page)
    assert client.post(manage + "/leave", data={"csrf_token": token}).status_code == 303
    assert db.session.scalars(sa.select(WaitlistEntry)).one().status is EntryStatus.LEFT


def test_offer_links_open_only_for_their_owner_and_only_once(client, login, full_day, frozen):
    join(full_day, 0)
    cancel(full_day)
    (hold,) = holds()
    path = _offer_path(hold)
    signed_out = client.get(path)
    assert signed_out.status_code == 302 and "/account/login" in signed_out.headers["Location"]
    assert client.get("/waitlist/offers/garbage").status_code == 404
    login(full_day["customers"][1])
    assert client.get(path).status_code == 404  # someone else's offer
    client.get("/account/logout")
    owner = client.application.test_client()
    login(full_day["customers"][0], test_client=owner)
    page = owner.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wednesday, December 2, 2026 at 10:00 AM" in html
    token = csrf_token_from(html)
    accepted = owner.post(path, data={"csrf_token": token})
    assert accepted.status_code == 303 and accepted.headers["Location"].startswith("/appointments/")
    again = owner.post(path, data={"csrf_token": token})
    assert again.status_code == 410
    assert "already been accepted" in again.get_data(as_text=True)
    scheduled = db.session.scalar(
        sa.select(sa.func.count()).select_from(Appointment).where(Appointment.status == "scheduled")
    )
    assert scheduled == 4


def test_an_expired_offer_link_says_so_and_books_nothing(client, login, full_day, frozen):
    join(full_day, 0)
    cancel(full_day)
    (hold,) = holds()
    login(full_day["customers"][0])
    page = client.get(_offer_path(hold))
    token = csrf_token_from(page.get_data(as_text=True))
    frozen.move_to(NOW + timedelta(minutes=16))
    assert client.get(_offer_path(hold)).status_code == 410
    late = client.post(_offer_path(hold), data={"csrf_token": token})
    assert late.status_code == 410
    assert "expired" in late.get_data(as_text=True)
    assert holds()[0].status is HoldStatus.HELD  # the worker lapses it; nothing written here
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Appointment)
            .where(Appointment.status == "scheduled")
        )
        == 3
    )


def test_declining_passes_the_time_on(client, login, full_day, frozen):
    join(full_day, 0)
    join(full_day, 1, now=NOW + timedelta(minutes=1))
    cancel(full_day)
    (first,) = holds()
    login(full_day["customers"][0])
    page = client.get(_offer_path(first))
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(_offer_path(first) + "/decline", data={"csrf_token": token})
    assert response.status_code == 303
    first, second = holds()
    assert first.status is HoldStatus.RELEASED and second.status is HoldStatus.HELD


def test_admin_sees_the_days_line(client, login, full_day, frozen):
    join(full_day, 0)
    join(full_day, 1, now=NOW + timedelta(minutes=1))
    cancel(full_day)
    login(full_day["admin"])
    page = client.get("/admin/waitlist?day=2026-12-02")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.index("wait0@example.com") < html.index("wait1@example.com")
    assert "held until" in html
    assert client.get("/admin/waitlist").status_code == 200  # the next day with anyone waiting
    assert client.get("/admin/waitlist?day=junk").status_code == 200


def test_an_entry_whose_day_went_by_says_so(client, login, full_day, frozen):
    join(full_day, 0)
    login(full_day["customers"][0])
    assert "Leave the waitlist" in client.get("/appointments").get_data(as_text=True)
    frozen.move_to(datetime(2026, 12, 3, 14, 0, tzinfo=UTC))
    page = client.get("/appointments").get_data(as_text=True)
    assert "Day passed" in page and "Leave the waitlist" not in page


def test_the_outbox_worker_lapses_holds_and_sends_the_next_offer(app, full_day, smtp_server):
    from autoshop.notifications.worker import run_worker

    app.config.update(smtp_server.mail_settings)
    join(full_day, 0)
    join(full_day, 1, now=NOW + timedelta(minutes=1))
    cancel(full_day, now=NOW + timedelta(minutes=2))
    db.session.commit()
    run_worker(app, once=True, clock=lambda: NOW + timedelta(minutes=3))
    assert [m.message["Subject"] for m in smtp_server.to("wait1@example.com")] == [
        "You're on the waitlist for Wednesday, December 2"
    ]
    run_worker(app, once=True, clock=lambda: NOW + timedelta(minutes=18))
    subjects = [m.message["Subject"] for m in smtp_server.to("wait1@example.com")]
    assert subjects[-1] == "A time opened up: Wed Dec 2 at 10:00 AM (reply by 8:33 AM)"
    first, second = holds()
    assert (first.status, second.status) == (HoldStatus.EXPIRED, HoldStatus.HELD)

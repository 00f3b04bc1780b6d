"""A bay out of service for a period: availability, booking and rescheduling avoid it; the admin
takes it out (seeing the visits it hits first) and puts it back; bad input is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import BayDowntime, Notification
from autoshop.services import bay_downtime, booking, outbox_planning
from autoshop.services.booking import BookingRequest, GuestContact, SlotTaken, VehicleDetails
from tests.conftest import submit_form
from tests.integration.test_schedule_changes import decide

#: Monday Nov 30, 2026, 08:00 in New York.
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
#: Tuesday Dec 1, 09:00 and 12:00 in New York.
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
TUE_12 = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
LIFT = [Capability.LIFT.value, Capability.GENERAL.value]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(factories):
    return factories.admin(first_name="Dana")


@pytest.fixture
def admin_client(client, admin, login):
    login(admin)
    return client


def _starts(client, service, day: str = "2026-12-01") -> dict[str, int]:
    response = client.get(f"/api/v1/availability?services={service.id}&start={day}&end={day}")
    assert response.status_code == 200, response.get_json()
    return {s["start"][11:16]: s["free_bays"] for s in response.get_json()["days"][0]["slots"]}


def _request(service_id: int, starts_at: datetime, n: int = 1) -> BookingRequest:
    return BookingRequest(
        service_ids=[service_id],
        starts_at=starts_at,
        guest=GuestContact(name=f"Guest {n}", email=f"guest{n}@example.com"),
        vehicle=VehicleDetails(year=2020, make="Honda", model=f"Fit {n}"),
    )


def _count(model) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- availability and booking -------------------------------------------------------------------


def test_a_one_bay_shop_offers_nothing_while_its_bay_is_down(client, factories):
    location = factories.location(bays=[("Lift", LIFT)])
    oil = factories.service("Oil change", duration_minutes=30)
    before = _starts(client, oil)
    assert "09:00" in before and "11:00" in before and "13:00" in before

    factories.downtime(location.bays[0], starts_at=TUE_9, ends_at=TUE_12)

    after = _starts(client, oil)
    assert [s for s in after if "08:30" < s < "12:00"] == []  # 08:30 + 30 min + 10 buffer overlaps
    assert "08:15" in after and "12:30" in after  # before it (with its buffer) and after it
    assert _starts(client, oil, "2026-12-02")["09:00"] == 1  # the next day is untouched


def test_with_two_bays_the_other_bay_stays_bookable(client, factories):
    location = factories.location()
    oil = factories.service("Oil change", duration_minutes=30)
    assert _starts(client, oil)["10:00"] == 2
    factories.downtime(location.bays[0], starts_at=TUE_9, ends_at=TUE_12)
    after = _starts(client, oil)
    assert after["10:00"] == 1 and after["13:00"] == 2
    appointment = booking.book(_request(oil.id, TUE_9 + timedelta(hours=1)), now=NOW)
    assert appointment.bay_id == location.bays[1].id  # placed on the bay still in service


def test_booking_a_bay_that_is_down_is_refused(factories):
    location = factories.location(bays=[("Lift", LIFT)])
    oil = factories.service("Oil change", duration_minutes=30)
    factories.downtime(location.bays[0], starts_at=TUE_9, ends_at=TUE_12)
    with pytest.raises(SlotTaken) as refused:
        booking.book(_request(oil.id, TUE_9 + timedelta(hours=1)), now=NOW)
    assert refused.value.alternatives  # the nearest free times, none inside the downtime
    assert all(not TUE_9 <= t < TUE_12 for t in refused.value.alternatives)
    assert _count(BayDowntime) == 1
    assert booking.book(_request(oil.id, TUE_12 + timedelta(minutes=30)), now=NOW).bay_id


def test_rescheduling_into_a_downtime_is_refused(factories, admin):
    location = factories.location(bays=[("Lift", LIFT)])
    oil = factories.service("Oil change", duration_minutes=30)
    visit = factories.appointment(
        location=location, services=[oil], starts_at=TUE_12 + timedelta(hours=2)
    )
    factories.downtime(location.bays[0], starts_at=TUE_9, ends_at=TUE_12)
    with pytest.raises(SlotTaken):
        booking.reschedule(visit, TUE_9 + timedelta(minutes=30), now=NOW, actor=admin)
    db.session.refresh(visit)
    assert visit.starts_at == TUE_12 + timedelta(hours=2)
    moved = booking.reschedule(visit, TUE_12 + timedelta(minutes=30), now=NOW, actor=admin)
    assert moved.starts_at == TUE_12 + timedelta(minutes=30)


def test_a_booking_made_meanwhile_stops_the_downtime_being_saved(factories):
    """What the lock decides in a race, in sequence: the downtime checks its visits again."""
    location = factories.location(bays=[("Lift", LIFT)])
    oil = factories.service("Oil change", duration_minutes=30)
    window = bay_downtime.downtime_window(
        location,
        bay_id=location.bays[0].id,
        start_date=TUE_9.date(),
        start_time=None,
        end_date=TUE_9.date(),
        end_time=None,
        reason="Lift inspection",
        now=NOW,
    )
    booked = booking.book(_request(oil.id, TUE_9), now=NOW)  # after the admin looked
    with pytest.raises(bay_downtime.VisitsChanged):
        bay_downtime.add_downtime(window, actor=None, now=NOW, expected=[])
    assert _count(BayDowntime) == 0
    saved = bay_downtime.add_downtime(window, actor=None, now=NOW, expected=[booked.id])
    assert saved.starts_at == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # local midnight
    assert saved.ends_at == datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


# --- the admin's form ---------------------------------------------------------------------------


def _form(bay, **overrides: str) -> dict[str, str]:
    return {
        "bay_id": str(bay.id),
        "start_date": "2026-12-01",
        "start_time": "09:00",
        "end_date": "2026-12-01",
        "end_time": "12:00",
        "reason": "Annual lift inspection",
    } | overrides


def _url(location) -> str:
    return f"/admin/calendar/{location.id}/downtimes/new"


def test_taking_a_bay_out_of_service_and_back(admin_client, factories, admin):
    location = factories.location()
    bay = location.bays[0]
    page = admin_client.get(f"/admin/calendar/{location.id}").get_data(as_text=True)
    assert "Every bay is in service" in page
    form_page = admin_client.get(_url(location) + f"?bay={bay.id}").get_data(as_text=True)
    assert f'<option selected value="{bay.id}">' in form_page

    response = submit_form(admin_client, _url(location), _form(bay))

    assert response.status_code == 302
    downtime = db.session.scalar(sa.select(BayDowntime))
    assert (downtime.bay_id, downtime.reason) == (bay.id, "Annual lift inspection")
    assert (downtime.starts_at, downtime.ends_at) == (TUE_9, TUE_12)
    assert downtime.created_by_id == admin.id
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lift 1 is out of service then: Annual lift inspection." in page
    section = page.split('id="downtimes-heading"')[1].split("</section>")[0]
    assert "Tue Dec 1, 2026 9:00 AM" in section and "Tue Dec 1, 2026 12:00 PM" in section
    assert "Annual lift inspection" in section

    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}",
        {},
        action=f"/admin/calendar/downtimes/{downtime.id}/delete",
    )
    assert response.status_code == 302
    assert _count(BayDowntime) == 0
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Lift 1 is back in service for that period" in page


def test_whole_days_when_the_times_are_left_empty(admin_client, factories):
    location = factories.location()
    form = _form(location.bays[1], start_time="", end_time="", end_date="2026-12-02")
    assert submit_form(admin_client, _url(location), form).status_code == 302
    downtime = db.session.scalar(sa.select(BayDowntime))
    assert downtime.starts_at == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert downtime.ends_at == datetime(2026, 12, 3, 5, 0, tzinfo=UTC)


def test_a_downtime_across_the_autumn_clock_change(admin_client, factories):
    """Sunday Nov 7, 2027 has 25 hours in New York: 01:30 happens twice (the first is meant)."""
    location = factories.location()
    form = _form(
        location.bays[0],
        start_date="2027-11-07",
        start_time="01:30",
        end_date="2027-11-07",
        end_time="",
    )
    assert submit_form(admin_client, _url(location), form).status_code == 302
    downtime = db.session.scalar(sa.select(BayDowntime))
    assert downtime.starts_at == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # EDT, the first 01:30
    assert downtime.ends_at == datetime(2027, 11, 8, 5, 0, tzinfo=UTC)  # midnight EST


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "08:00"}, "The bay must be back in service after the downtime starts."),
        ({"end_date": "2026-11-30", "end_time": ""}, "back in service after the downtime starts"),
        ({"reason": ""}, "Say why the bay is out of service."),
        ({"reason": "   "}, "Say why the bay is out of service."),
        ({"reason": "x" * 201}, "Field cannot be longer than 200 characters."),
        ({"start_date": ""}, "Enter the start date."),
        ({"start_date": "1999-12-31"}, "Give a date from January 1, 2000"),
        ({"end_date": "2027-06-01"}, "A downtime can last at most 92 days"),
        (
            {"start_date": "2026-11-29", "end_date": "2026-11-29", "end_time": "12:00"},
            "That period is already over.",
        ),
        ({"start_date": "2027-03-14", "start_time": "02:30", "end_date": "2027-03-14"}, "skip"),
        ({"bay_id": "999999"}, "Choose one of the bays at"),
        ({"bay_id": "abc"}, "Choose one of the bays at Main Street."),
        ({"bay_id": str(2**63)}, "Choose one of the bays at Main Street."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(admin_client, factories, overrides, message):
    location = factories.location(name="Main Street")
    response = submit_form(admin_client, _url(location), _form(location.bays[0], **overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'"), page[-3000:]
    assert _count(BayDowntime) == 0


def test_another_locations_bay_is_refused(admin_client, factories):
    here = factories.location(name="Main Street")
    elsewhere = factories.location(name="Elm Street")
    response = submit_form(admin_client, _url(here), _form(elsewhere.bays[0]))
    assert response.status_code == 200
    assert "Choose one of the bays at Main Street." in response.get_data(as_text=True)
    assert _count(BayDowntime) == 0


def test_unknown_location_and_downtime_are_404(admin_client):
    assert admin_client.get("/admin/calendar/999999/downtimes/new").status_code == 404
    response = submit_form(
        admin_client, "/admin/", {}, action="/admin/calendar/downtimes/999999/delete"
    )
    assert response.status_code == 404


# --- visits booked in a new downtime ------------------------------------------------------------


@pytest.fixture
def booked(factories):
    """Kim's visit on Lift 1 Tuesday 10:00-11:30 (reminders planned) and one on Lift 2."""
    shop = factories.booking_shop()
    location = shop["location"]
    customer = factories.customer(email="kim@example.com", first_name="Kim", last_name="Lee")
    vehicle = factories.vehicle(owner=customer, year=2020, make="Mazda", model="3")
    visit = factories.appointment(
        location=location,
        bay=location.bays[0],
        customer=customer,
        vehicle=vehicle,
        services=[shop["pads"]],
        starts_at=TUE_9 + timedelta(hours=1),
    )
    outbox_planning.plan_booking(visit, now=NOW)
    other = factories.appointment(
        location=location, bay=location.bays[1], services=[shop["oil"]], starts_at=TUE_9
    )
    db.session.commit()
    return {**shop, "visit": visit, "other": other}


def _propose(admin_client, booked):
    location = booked["location"]
    response = submit_form(admin_client, _url(location), _form(location.bays[0]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This change affects booked visits" in page
    assert "Take Lift 1 out of service from Tue Dec 1, 2026 9:00 AM" in page
    assert booked["visit"].reference in page and booked["other"].reference not in page
    assert "Lift 1 out of service: Annual lift inspection" in page
    assert "Kim Lee" in page and "2020 Mazda 3" in page
    assert _count(BayDowntime) == 0  # nothing saved while the admin decides
    return page


def test_keeping_the_visits_lists_them_as_conflicts(admin_client, booked):
    page = _propose(admin_client, booked)
    response = decide(admin_client, page, _url(booked["location"]), "keep")
    assert response.status_code == 302
    assert _count(BayDowntime) == 1
    db.session.refresh(booked["visit"])
    assert booked["visit"].status is AppointmentStatus.SCHEDULED
    calendar = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 visit kept. It is listed on the dashboard as a conflict" in calendar
    board = admin_client.get("/admin/").get_data(as_text=True)
    conflicts = board.split('id="conflicts-heading"')[1].split("</section>")[0]
    assert booked["visit"].reference in conflicts
    assert "Lift 1 out of service: Annual lift inspection" in conflicts
    assert booked["other"].reference not in conflicts


def test_cancelling_the_visits_tells_each_customer(admin_client, booked):
    page = _propose(admin_client, booked)
    message = "Our lift is being inspected; please pick another time."
    response = decide(
        admin_client, page, _url(booked["location"]), "cancel", **{"decision-message": message}
    )
    assert response.status_code == 302
    assert _count(BayDowntime) == 1
    db.session.refresh(booked["visit"])
    assert booked["visit"].status is AppointmentStatus.CANCELLED
    db.session.refresh(booked["other"])
    assert booked["other"].status is AppointmentStatus.SCHEDULED
    sent = db.session.scalars(
        sa.select(Notification).where(Notification.kind == outbox_planning.CANCELLED)
    ).all()
    assert [n.appointment_id for n in sent] == [booked["visit"].id]
    assert sent[0].recipient == "kim@example.com"
    assert booked["visit"].status_changes[-1].note == message
    board = admin_client.get("/admin/").get_data(as_text=True)
    assert 'id="conflicts-heading"' not in board


def test_a_visit_booked_while_deciding_is_shown_before_anything_is_saved(admin_client, booked):
    page = _propose(admin_client, booked)
    location = booked["location"]
    late = booking.book(_request(booked["oil"].id, TUE_9, n=7), now=NOW)  # onto Lift 1 at 9:00
    assert late.bay_id == location.bays[0].id
    response = decide(admin_client, page, _url(location), "cancel")
    assert response.status_code == 200
    again = response.get_data(as_text=True)
    assert "changed while you were deciding" in again
    assert late.reference in again and booked["visit"].reference in again
    assert _count(BayDowntime) == 0
    db.session.refresh(booked["visit"])
    assert booked["visit"].status is AppointmentStatus.SCHEDULED


def _notifications() -> list[tuple[int, str]]:
    db.session.commit()
    return [(n.appointment_id, n.kind) for n in db.session.scalars(sa.select(Notification))]


def test_moving_the_visits_to_a_free_bay_keeps_their_times(admin_client, booked):
    page = _propose(admin_client, booked)
    assert "Move them to another bay that is free at the same time." in page
    sent_before = _notifications()
    response = decide(admin_client, page, _url(booked["location"]), "move")
    assert response.status_code == 302
    assert _count(BayDowntime) == 1
    visit = booked["visit"]
    db.session.refresh(visit)
    assert visit.bay_id == booked["location"].bays[1].id
    assert (visit.status, visit.starts_at) == (
        AppointmentStatus.SCHEDULED,
        TUE_9 + timedelta(hours=1),
    )
    assert visit.status_changes[-1].note == "Moved from Lift 1 to Lift 2."
    assert _notifications() == sent_before  # the customer's time stands: nothing to tell
    calendar = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"1 visit moved at the same time: {visit.reference} to Lift 2." in calendar
    board = admin_client.get("/admin/").get_data(as_text=True)
    assert 'id="conflicts-heading"' not in board


def test_a_visit_with_no_free_bay_stays_where_it_is_as_a_conflict(admin_client, booked, factories):
    location = booked["location"]
    factories.appointment(  # Lift 2 is taken at 10:30
        location=location,
        bay=location.bays[1],
        services=[booked["oil"]],
        starts_at=TUE_9 + timedelta(minutes=90),
    )
    page = _propose(admin_client, booked)
    response = decide(admin_client, page, _url(location), "move")
    assert response.status_code == 302
    assert _count(BayDowntime) == 1
    visit = booked["visit"]
    db.session.refresh(visit)
    assert visit.bay_id == location.bays[0].id and visit.status is AppointmentStatus.SCHEDULED
    calendar = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Not moved: {visit.reference}: no other bay is free then." in calendar
    board = admin_client.get("/admin/").get_data(as_text=True)
    assert visit.reference in board.split('id="conflicts-heading"')[1].split("</section>")[0]


def test_deactivating_a_bay_can_move_its_visits_too(admin_client, booked):
    location, visit = booked["location"], booked["visit"]
    url = f"/admin/calendar/bays/{location.bays[0].id}/deactivate"
    response = submit_form(admin_client, f"/admin/calendar/{location.id}", {}, action=url)
    page = response.get_data(as_text=True)
    assert "Move them to another bay" in page
    assert decide(admin_client, page, url, "move").status_code == 302
    db.session.refresh(visit)
    assert visit.bay_id == location.bays[1].id

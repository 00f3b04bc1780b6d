"""Technicians end to end: the admin's schedule and skills page and its bad input, time off
that meets assigned visits (shown before saving; reassigned or kept as conflicts), and the
booking path choosing and guarding technicians. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability
from autoshop.extensions import db
from autoshop.models import Appointment, TechnicianHours, TechnicianTimeOff, technician_skills
from autoshop.services import booking, technicians
from autoshop.services.availability import find_availability
from autoshop.services.booking import BookingError, BookingRequest, GuestContact, VehicleDetails
from autoshop.services.status import assign_mechanic
from tests.conftest import csrf_token_from
from tests.integration.test_availability_api import count_statements, get

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUESDAY = date(2026, 12, 1)
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
TUE_14 = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    lift = [Capability.LIFT.value, Capability.GENERAL.value]
    location = factories.location(bays=[("Lift 1", lift), ("Lift 2", lift), ("Lift 3", lift)])
    oil = factories.category("Oil & filters")
    brakes = factories.category("Brakes")
    service = factories.service("Oil change", category=oil, duration_minutes=60)
    ana = factories.mechanic(first_name="Ana", last_name="Ortiz")
    ben = factories.mechanic(first_name="Ben", last_name="Park")
    admin = factories.admin(first_name="Dana")
    return {
        "location": location,
        "oil": oil,
        "brakes": brakes,
        "service": service,
        "ana": ana,
        "ben": ben,
        "admin": admin,
    }


@pytest.fixture
def admin_client(client, shop, login):
    login(shop["admin"])
    return client


def page(client, user_id):
    return client.get(f"/admin/staff/{user_id}/schedule")


def post_schedule(client, user_id, **overrides):
    token = csrf_token_from(page(client, user_id).get_data(as_text=True))
    data = {"csrf_token": token, **{f"hours_{d}": "" for d in range(7)}}
    data.update(overrides)
    return client.post(f"/admin/staff/{user_id}/schedule", data=data)


def post_time_off(client, user_id, **fields):
    token = csrf_token_from(page(client, user_id).get_data(as_text=True))
    return client.post(f"/admin/staff/{user_id}/time-off", data={"csrf_token": token, **fields})


def weekdays(spans: str) -> dict[str, str]:
    return {f"hours_{d}": spans for d in range(5)}


def starts_on_tuesday(shop) -> list[str]:
    result = find_availability([shop["service"].id], TUESDAY, TUESDAY, now=NOW)
    (day,) = result.days
    return [f"{s.starts_at.astimezone(result.zone):%H:%M}" for s in day.slots]


def save(shop, who, spans="08:00-17:00", skills=("oil",)):
    technicians.save_schedule(
        shop[who].id,
        location_id=shop["location"].id,
        spans=technicians.parse_hours({d: spans for d in range(5)}),
        skill_ids=[shop[s].id for s in skills],
    )


def hours_rows(user_id) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(TechnicianHours.user_id == user_id))


# --- the page ----------------------------------------------------------------------------------


def test_staff_list_links_a_mechanics_schedule(admin_client, shop):
    html = admin_client.get("/admin/staff").get_data(as_text=True)
    assert f"/admin/staff/{shop['ana'].id}/schedule" in html
    assert f"/admin/staff/{shop['admin'].id}/schedule" not in html
    assert page(admin_client, shop["admin"].id).status_code == 404


def test_saving_hours_and_skills_limits_the_offered_times(admin_client, shop):
    everything = starts_on_tuesday(shop)
    assert everything[0] == "07:30"
    response = post_schedule(
        admin_client,
        shop["ana"].id,
        location_id=str(shop["location"].id),
        skills=[str(shop["oil"].id)],
        **weekdays("09:00-12:00, 13:00-15:00"),
    )
    assert response.status_code == 302
    html = page(admin_client, shop["ana"].id).get_data(as_text=True)
    assert "09:00-12:00, 13:00-15:00" in html
    assert starts_on_tuesday(shop) == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
        "13:00", "13:15", "13:30", "13:45", "14:00",
    ]  # fmt: skip


def test_a_mechanic_without_the_skill_offers_nothing(admin_client, shop):
    post_schedule(
        admin_client,
        shop["ana"].id,
        location_id=str(shop["location"].id),
        skills=[str(shop["brakes"].id)],
        **weekdays("08:00-17:00"),
    )
    assert starts_on_tuesday(shop) == []


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("08:00-12:00, 11:00-17:00", "08:00-12:00 and 11:00-17:00 overlap."),
        ("08:00-25:00", "08:00-25:00 is outside 00:00-24:00."),
        ("17:00-08:00", "17:00-08:00 ends before it starts."),
        ("eight to five", "as a span like 08:00-12:00"),
    ],
)
def test_bad_hours_are_refused_and_nothing_is_saved(admin_client, shop, hours, message):
    save(shop, "ana", "07:00-11:00")
    response = post_schedule(
        admin_client,
        shop["ana"].id,
        location_id=str(shop["location"].id),
        skills=[str(shop["oil"].id)],
        hours_2=hours,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert hours_rows(shop["ana"].id) == 5  # as before: Monday to Friday 07:00-11:00
    assert starts_on_tuesday(shop)[0] == "07:30"


def test_a_skill_for_a_category_that_does_not_exist_is_refused(admin_client, shop):
    response = post_schedule(
        admin_client,
        shop["ana"].id,
        location_id=str(shop["location"].id),
        skills=[str(shop["oil"].id), "999999"],
        **weekdays("08:00-17:00"),
    )
    assert response.status_code == 400
    assert "These service categories don&#39;t exist" in response.get_data(as_text=True)
    assert hours_rows(shop["ana"].id) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(technician_skills)) == 0


def test_time_off_that_ends_before_it_starts_is_refused(admin_client, shop):
    save(shop, "ana")
    response = post_time_off(
        admin_client,
        shop["ana"].id,
        start_date="2026-12-03",
        start_time="10:00",
        end_date="2026-12-02",
        end_time="",
        reason="Leave",
    )
    assert response.status_code == 400
    assert "The time off must end after it starts." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TechnicianTimeOff)) == 0


def test_time_off_in_hours_takes_those_times_away(admin_client, shop):
    save(shop, "ana")
    before = starts_on_tuesday(shop)
    response = post_time_off(
        admin_client,
        shop["ana"].id,
        start_date="2026-12-01",
        start_time="08:00",
        end_date="2026-12-01",
        end_time="12:00",
        reason="Dentist",
    )
    assert response.status_code == 302
    after = starts_on_tuesday(shop)
    assert after == [t for t in before if t >= "12:00"]
    html = page(admin_client, shop["ana"].id).get_data(as_text=True)
    assert "Dentist" in html


# --- time off over assigned visits --------------------------------------------------------------


def _assigned_visit(factories, shop, mechanic, starts_at=TUE_9):
    return factories.appointment(
        location=shop["location"],
        starts_at=starts_at,
        services=[shop["service"]],
        mechanic_id=shop[mechanic].id,
    )


def test_time_off_over_visits_shows_them_before_saving_and_can_keep_them(
    admin_client, factories, shop
):
    save(shop, "ana")
    visit = _assigned_visit(factories, shop, "ana")
    fields = {
        "start_date": "2026-12-01",
        "start_time": "",
        "end_date": "2026-12-01",
        "end_time": "",
        "reason": "Sick",
    }
    response = post_time_off(admin_client, shop["ana"].id, **fields)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert visit.reference in html
    assert "Nothing is saved yet" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TechnicianTimeOff)) == 0

    shown = str(visit.id)
    response = post_time_off(
        admin_client,
        shop["ana"].id,
        **fields,
        **{"decision-shown": shown, "decision-choice": "keep"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Appointment, visit.id).mechanic_id == shop["ana"].id
    html = page(admin_client, shop["ana"].id).get_data(as_text=True)
    assert "Visits during their time off" in html
    assert f"Reassign {visit.reference}" in html


def test_time_off_over_visits_can_reassign_them(admin_client, factories, shop):
    save(shop, "ana")
    save(shop, "ben", "12:00-17:00")
    morning = _assigned_visit(factories, shop, "ana", TUE_9)
    afternoon = _assigned_visit(factories, shop, "ana", TUE_14)
    response = post_time_off(
        admin_client,
        shop["ana"].id,
        start_date="2026-12-01",
        end_date="2026-12-01",
        reason="Sick",
        **{"decision-shown": f"{morning.id},{afternoon.id}", "decision-choice": "reassign"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    # Ben works afternoons only: the morning visit stays with Ana, as a conflict.
    assert db.session.get(Appointment, afternoon.id).mechanic_id == shop["ben"].id
    assert db.session.get(Appointment, morning.id).mechanic_id == shop["ana"].id
    html = page(admin_client, shop["ana"].id).get_data(as_text=True)
    assert f"Reassign {morning.reference}" in html
    assert f"Reassign {afternoon.reference}" not in html


def test_a_stale_decision_is_asked_again(admin_client, factories, shop):
    save(shop, "ana")
    visit = _assigned_visit(factories, shop, "ana")
    response = post_time_off(
        admin_client,
        shop["ana"].id,
        start_date="2026-12-01",
        end_date="2026-12-01",
        reason="Sick",
        **{"decision-shown": "", "decision-choice": "keep"},
    )
    assert response.status_code == 409
    assert visit.reference in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TechnicianTimeOff)) == 0


# --- booking and staff assignment --------------------------------------------------------------


def _book(shop, n, start=TUE_9):
    return booking.book(
        BookingRequest(
            service_ids=[shop["service"].id],
            starts_at=start,
            guest=GuestContact(name=f"Guest {n}", email=f"guest{n}@example.com"),
            vehicle=VehicleDetails(year=2020, make="Make", model=f"Model {n}"),
        ),
        now=NOW,
    )


def test_booking_records_the_technician_and_then_takes_them_away(shop):
    save(shop, "ana")
    first = _book(shop, 1)
    assert first.mechanic_id == shop["ana"].id
    assert "09:00" not in starts_on_tuesday(shop)  # three bays, one technician
    with pytest.raises(booking.SlotTaken):
        _book(shop, 2)


def test_no_schedules_means_bays_only_and_no_technician(shop):
    appointment = _book(shop, 1)
    assert appointment.mechanic_id is None
    assert "09:00" in starts_on_tuesday(shop)


def test_staff_assignment_goes_through_the_technician_check(shop, factories):
    save(shop, "ana")
    save(shop, "ben", "12:00-17:00", skills=("oil", "brakes"))
    visit = _book(shop, 1)
    with pytest.raises(BookingError, match="Ben Park isn't free for the whole visit"):
        assign_mechanic(visit, shop["ben"], actor=shop["admin"], now=NOW)
    other = factories.mechanic(first_name="Cy", last_name="Lee")
    with pytest.raises(BookingError, match="Cy Lee has no working hours"):
        assign_mechanic(visit, other, actor=shop["admin"], now=NOW)
    later = _book(shop, 2, TUE_14)
    assert later.mechanic_id == shop["ben"].id  # the tightest free window: Ben's afternoon
    assign_mechanic(later, shop["ana"], actor=shop["admin"], now=NOW)
    db.session.expire_all()
    assert db.session.get(Appointment, later.id).mechanic_id == shop["ana"].id


def test_rescheduling_keeps_the_technician_when_free_else_picks_one(shop):
    save(shop, "ana", "08:00-12:00")
    save(shop, "ben", "12:00-17:00")
    visit = _book(shop, 1)
    assert visit.mechanic_id == shop["ana"].id
    moved = booking.reschedule(visit, TUE_14, now=NOW, actor=shop["admin"])
    assert moved.mechanic_id == shop["ben"].id


def test_technician_data_takes_a_constant_number_of_statements(client, shop, factories):
    save(shop, "ana")
    save(shop, "ben", "12:00-17:00")
    for day in range(1, 20):
        start = datetime(2026, 12, day, 15, 0, tzinfo=UTC)
        factories.appointment(
            location=shop["location"],
            starts_at=start,
            services=[shop["service"]],
            mechanic_id=shop["ana"].id,
        )
    db.session.add_all(
        TechnicianTimeOff(
            user_id=shop["ben"].id,
            starts_at=datetime(2026, 12, day, 17, 0, tzinfo=UTC),
            ends_at=datetime(2026, 12, day, 19, 0, tzinfo=UTC),
            reason="Course",
        )
        for day in range(2, 20, 2)
    )
    db.session.commit()
    counts = {}
    service_id = shop["service"].id
    for end in ("2026-12-01", "2026-12-30"):
        with count_statements() as statements:
            response = get(client, services=service_id, start="2026-12-01", end=end)
        assert response.status_code == 200
        counts[end] = len([s for s in statements if s.lstrip().upper().startswith("SELECT")])
        assert len([s for s in statements if "technician_time_off" in s]) == 1
    assert counts["2026-12-01"] == counts["2026-12-30"] <= 5 + 4

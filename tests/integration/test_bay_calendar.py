"""The staff calendar by bay: what the day and week show (visits, shading, conflicts, DST days)
and moving a visit on it (drag and drop and the "Move to…" form both post to one endpoint)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import Capability
from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, StatusChange
from tests.conftest import csrf_token_from

#: Monday Nov 30, 2026, 08:00 in New York.
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
#: Wednesday Dec 2, 10:00 in New York.
WED_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
PAGE = "/staff/calendar"
MOVE = "/staff/calendar/move"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(factories):
    """Two lifts and an alignment rack; Kim's brake job at 10:00 on Lift 1, Lee's oil change
    at 10:00 on Lift 2 (Wednesday)."""
    lift = [Capability.LIFT.value, Capability.GENERAL.value]
    location = factories.location(
        name="Main Street Auto",
        bays=[("Lift 1", lift), ("Lift 2", lift), ("Rack", [Capability.ALIGNMENT.value])],
    )
    lift1, lift2, rack = location.bays
    brakes = factories.service("Brake pads", duration_minutes=60)
    oil = factories.service("Oil change", duration_minutes=30)
    kim = factories.customer(email="kim@example.com", first_name="Kim", last_name="Lee")
    lee = factories.customer(email="lee@example.com", first_name="Lee", last_name="Park")
    mechanic = factories.mechanic(first_name="Sam", last_name="Ortiz")
    brake_job = factories.appointment(
        location=location,
        bay=lift1,
        starts_at=WED_10,
        services=[brakes],
        customer=kim,
        vehicle=factories.vehicle(owner=kim, year=2020, make="Mazda", model="3"),
        mechanic_id=mechanic.id,
    )
    oil_job = factories.appointment(
        location=location,
        bay=lift2,
        starts_at=WED_10,
        services=[oil],
        customer=lee,
        vehicle=factories.vehicle(owner=lee, year=2017, make="Ford", model="Focus"),
    )
    return {
        "location": location,
        "lift1": lift1,
        "lift2": lift2,
        "rack": rack,
        "brake_job": brake_job,
        "oil_job": oil_job,
        "brakes": brakes,
        "oil": oil,
        "mechanic": mechanic,
    }


@pytest.fixture
def admin_client(client, factories, login):
    login(factories.admin(first_name="Dana"))
    return client


def day_page(client, location, day="2026-12-02", **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"location": location.id, "date": day, **args}.items())
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def row_starts(page: str) -> list[str]:
    return re.findall(r'<tr data-start="([^"]+)"', page)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- what the calendar shows --------------------------------------------------------------------


def test_the_day_shows_each_bay_as_a_column_and_each_visit_as_a_block(admin_client, shop):
    page = day_page(admin_client, shop["location"])
    text = text_of(page)
    for bay in ("Lift 1", "Lift 2", "Rack"):
        assert f'<th scope="col">{bay}' in page
    brake_job = shop["brake_job"]
    assert brake_job.reference in text
    assert "2020 Mazda 3" in text and "Brake pads" in text and "Kim Lee" in text
    assert "Mechanic: Sam Ortiz" in text
    assert "10:00–11:00 AM" in text
    assert "Scheduled" in text  # the status in words, not only a colour
    # The brake job spans its 4 rows of 15 minutes, in Lift 1's column.
    block = re.search(
        rf'<td rowspan="(\d+)" class="cal-slot cal-has-visit[^"]*" data-bay="{shop["lift1"].id}">'
        rf'\s*<article[^>]*data-reference="{brake_job.reference}"',
        page,
    )
    assert block and block.group(1) == "4"
    # The rows run every 15 minutes from 6:30 (an hour before opening) to 7:00 PM.
    starts = row_starts(page)
    assert starts[0] == "2026-12-02T11:30:00+00:00" and starts[-1] == "2026-12-02T23:45:00+00:00"
    assert len(starts) == 50
    assert "Legend" in text and "Bay out of service" in text


def test_outside_hours_and_the_lunch_break_are_shaded_and_labelled(admin_client, shop):
    page = day_page(admin_client, shop["location"])
    # Before 7:30 and after 6:00 PM: closed; 12:00-12:30: the break, in every bay.
    assert page.count('class="cal-slot cal-shade-outside"') == 2 * 3
    assert page.count('rowspan="2" class="cal-slot cal-shade-break"') == 3
    assert "Break" in text_of(page)


def test_a_closure_and_a_bays_downtime_are_shaded_and_the_visits_in_them_flagged(
    admin_client, shop, factories
):
    location = shop["location"]
    factories.closure(
        location,
        starts_at=WED_10 + timedelta(minutes=15),
        ends_at=WED_10 + timedelta(hours=1),
        reason="Power cut",
    )
    factories.downtime(
        shop["lift2"],
        starts_at=WED_10 - timedelta(hours=2),
        ends_at=WED_10 + timedelta(minutes=15),
        reason="Lift inspection",
    )
    page = day_page(admin_client, location)
    text = text_of(page)
    assert "Shop closed: Power cut" in text
    assert "Out of service: Lift inspection" in text
    assert "Conflict: Shop closed: Power cut" in text
    assert "Conflict: Shop closed: Power cut; Lift 2 out of service: Lift inspection" in text
    assert "2 visits no longer fit the schedule" in text


def test_cancelled_visits_are_not_shown_and_finished_ones_are_not_flagged(
    admin_client, shop, factories
):
    location = shop["location"]
    cancelled = factories.appointment(
        location=location,
        bay=shop["lift1"],
        starts_at=WED_10 + timedelta(hours=2),
        status=S.CANCELLED,
    )
    done = factories.appointment(
        location=location,
        bay=shop["lift1"],
        starts_at=WED_10 - timedelta(hours=3),
        status=S.COMPLETED,
    )  # 7:00, before opening: finished work is history, not a conflict
    page = day_page(admin_client, location)
    assert cancelled.reference not in page
    assert done.reference in page and "Completed" in text_of(page)
    assert "no longer fit" not in page
    # A completed visit can't be dragged or moved.
    assert f'data-reference="{done.reference}"' not in page


@pytest.mark.parametrize(
    ("day", "rows", "repeated"),
    [("2026-03-08", 24, False), ("2026-11-01", 32, True), ("2026-11-08", 28, False)],
)
def test_a_dst_day_has_one_row_per_real_quarter_hour(admin_client, factories, day, rows, repeated):
    """A night shift 00:00-06:00 on Sundays: 5 real hours on spring-forward day, 7 on fall-back
    (plus the hour after closing shown as margin)."""
    location = factories.location(hours={6: [(time(0), time(6))]})
    page = day_page(admin_client, location, day=day)
    starts = [datetime.fromisoformat(s) for s in row_starts(page)]
    assert len(starts) == rows
    assert all(b - a == timedelta(minutes=15) for a, b in pairwise(starts))
    labels = re.findall(r'<th scope="row" class="cal-time"><span[^>]*>([^<]+)</span>', page)
    assert len(labels) == len(set(labels)) == rows  # no wall-clock label twice
    assert ("1:00 AM EDT" in labels and "1:00 AM EST" in labels) is repeated
    if day == "2026-03-08":
        assert not any(label.startswith("2:") for label in labels)  # 2:00-2:59 doesn't exist


def test_the_week_shows_seven_days_by_bay_with_closed_days_and_notes(admin_client, shop, factories):
    location = shop["location"]
    factories.downtime(
        shop["rack"],
        starts_at=datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 3, 17, 0, tzinfo=UTC),
        reason="Rack calibration",
    )
    factories.closure(
        location,
        starts_at=datetime(2026, 12, 4, 5, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 5, 5, 0, tzinfo=UTC),
        reason="Staff training",
    )
    page = day_page(admin_client, location, view="week")
    text = text_of(page)
    assert "Week of Nov 30–Dec 6, 2026" in text
    for day in ("Mon Nov 30", "Tue Dec 1", "Wed Dec 2", "Thu Dec 3", "Fri Dec 4", "Sat Dec 5"):
        assert day in text
    assert "Closed: Not an opening day" in text  # Sunday
    assert text.count("Shop closed: Staff training") == 3  # Friday, every bay
    assert "Out of service 9:00 AM–12:00 PM: Rack calibration" in text
    assert shop["brake_job"].reference in text and shop["oil_job"].reference in text


def test_bad_calendar_requests_get_a_clear_answer(admin_client, shop):
    assert admin_client.get(f"{PAGE}?date=2026-13-45").status_code == 400
    assert "like 2026-12-01" in admin_client.get(f"{PAGE}?date=soon").get_data(as_text=True)
    assert admin_client.get(f"{PAGE}?view=month").status_code == 400
    assert admin_client.get(f"{PAGE}?location=99999").status_code == 404
    assert admin_client.get(f"{PAGE}?location=abc").status_code == 400


def test_mechanics_see_the_calendar_without_move_controls(client, shop, login):
    login(shop["mechanic"])
    page = day_page(client, shop["location"])
    assert shop["brake_job"].reference in page
    assert "Move to…" not in page and "data-reference=" not in page
    assert 'id="calendar-drop"' not in page
    assert "View only" in page


def test_the_move_link_opens_the_move_form_with_the_visit_as_it_is(admin_client, shop):
    job = shop["brake_job"]
    page = day_page(admin_client, shop["location"], move=job.reference)
    assert f"Move {job.reference}" in page
    assert 'name="date" value="2026-12-02"' in page and 'name="time" value="10:00"' in page
    assert f'<option value="{shop["lift1"].id}" selected>Lift 1</option>' in page
    assert f'name="version" value="{job.version}"' in page


# --- moving ---------------------------------------------------------------------------------------


def post_move(client, location, appointment, **fields):
    page = day_page(client, location)
    data = {
        "csrf_token": csrf_token_from(page),
        "reference": appointment.reference,
        "version": str(appointment.version),
        "location": str(location.id),
        "view": "day",
        "shown": "2026-12-02",
        **fields,
    }
    return client.post(MOVE, data=data, headers=HTMX)


def snapshot(appointment_id: int) -> tuple:
    db.session.expire_all()
    a = db.session.get(Appointment, appointment_id)
    changes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(StatusChange)
        .where(StatusChange.appointment_id == appointment_id)
    )
    notes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.appointment_id == appointment_id)
    )
    return (a.starts_at, a.bay_id, a.version, a.sequence, changes, notes)


def assert_refused(response, status: int, message: str, before: tuple, appointment_id: int):
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:800]
    assert 'id="calendar-alert" hx-swap-oob="innerHTML"' in body
    assert 'role="alert"' in body and "Not moved." in body
    assert message in text_of(body), text_of(body)[:800]
    assert 'id="calendar-board"' in body  # the board as it is, so the block goes back
    assert snapshot(appointment_id) == before


def rescheduled_notices(appointment_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(
            Notification.appointment_id == appointment_id,
            Notification.kind == "appointment_rescheduled",
        )
    )


def test_a_drop_on_another_bay_moves_the_visit_there_and_tells_the_customer(admin_client, shop):
    job = shop["oil_job"]
    response = post_move(
        admin_client,
        shop["location"],
        job,
        starts_at="2026-12-02T15:00:00+00:00",
        bay=str(shop["lift1"].id),
    )
    # Lift 1 is busy with the brake job at 10:00 (and its 10-minute buffer): refused; at
    # 11:15 it is free.
    assert response.status_code == 409
    response = post_move(
        admin_client,
        shop["location"],
        job,
        starts_at="2026-12-02T16:15:00+00:00",
        bay=str(shop["lift1"].id),
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:800]
    assert "moved to Wed Dec 2, 11:15 AM in Lift 1" in text_of(body)
    assert 'class="alert alert-success' in body and 'role="alert"' in body
    db.session.expire_all()
    moved = db.session.get(Appointment, job.id)
    assert moved.bay_id == shop["lift1"].id
    assert moved.starts_at == datetime(2026, 12, 2, 16, 15, tzinfo=UTC)
    assert rescheduled_notices(job.id) == 1
    # The new board shows it in Lift 1's column.
    assert re.search(
        rf'data-bay="{shop["lift1"].id}">\s*<article[^>]*data-reference="{job.reference}"', body
    )


def test_the_move_form_moves_a_visit_to_another_day_and_time_in_the_same_bay(admin_client, shop):
    job = shop["brake_job"]
    response = post_move(
        admin_client,
        shop["location"],
        job,
        date="2026-12-03",
        time="14:30",
        bay=str(shop["lift1"].id),
        follow="1",
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:800]
    assert "moved to Thu Dec 3, 2:30 PM in Lift 1" in text_of(body)
    assert "Thursday, December 3, 2026" in body  # the board follows the visit to its new day
    db.session.expire_all()
    assert db.session.get(Appointment, job.id).starts_at == datetime(
        2026, 12, 3, 19, 30, tzinfo=UTC
    )


def test_without_javascript_a_move_redirects_back_to_the_calendar(admin_client, shop):
    job = shop["brake_job"]
    page = day_page(admin_client, shop["location"])
    response = admin_client.post(
        MOVE,
        data={
            "csrf_token": csrf_token_from(page),
            "reference": job.reference,
            "version": str(job.version),
            "date": "2026-12-02",
            "time": "14:00",
            "bay": str(shop["lift1"].id),
            "location": str(shop["location"].id),
            "view": "week",
            "shown": "2026-12-02",
        },
    )
    assert response.status_code == 302
    assert "view=week" in response.headers["Location"]


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        (
            {"starts_at": "2026-12-02T15:00:00+00:00", "bay": "lift2"},
            409,
            "Lift 2 is already booked",
        ),
        ({"date": "2026-12-02", "time": "06:45", "bay": "lift1"}, 422, "isn't one of the offered"),
        ({"date": "2026-12-02", "time": "12:00", "bay": "lift2"}, 422, "isn't one of the offered"),
        ({"date": "2026-12-02", "time": "10:00", "bay": "rack"}, 422, "Rack can't take this visit"),
        ({"date": "2026-11-27", "time": "10:00", "bay": "lift1"}, 422, "already passed"),
        ({"date": "2026-12-02", "time": "half past nine", "bay": "lift1"}, 400, "like 09:30"),
        ({"date": "tomorrow", "time": "10:00", "bay": "lift1"}, 400, "like 2026-12-01"),
        ({"starts_at": "2026-12-02T15:00:00", "bay": "lift1"}, 400, "couldn't be read"),
        ({"starts_at": "2026-12-02T15:00:00+00:00", "bay": ""}, 400, "Choose the bay"),
        ({"starts_at": "2026-12-02T15:00:00+00:00", "bay": "other"}, 400, "this location's bays"),
    ],
)
def test_a_refused_move_says_why_and_writes_nothing(
    admin_client, shop, factories, fields, status, message
):
    job = shop["brake_job"]
    other = factories.location(name="Elm Street Auto")
    bays = {"lift1": shop["lift1"].id, "lift2": shop["lift2"].id, "rack": shop["rack"].id}
    bays["other"] = other.bays[0].id
    fields = {**fields, "bay": str(bays.get(fields["bay"], fields["bay"]))}
    # The brake job moved onto the oil change (Lift 2, 10:00) collides with it.
    before = snapshot(job.id)
    response = post_move(admin_client, shop["location"], job, **fields)
    assert_refused(response, status, message, before, job.id)


def test_moves_into_a_closure_or_a_bays_downtime_are_refused(admin_client, shop, factories):
    job = shop["oil_job"]
    location = shop["location"]
    factories.closure(
        location,
        starts_at=datetime(2026, 12, 3, 5, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 4, 5, 0, tzinfo=UTC),
        reason="Staff training",
    )
    factories.downtime(
        shop["lift1"],
        starts_at=datetime(2026, 12, 2, 18, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 2, 20, 0, tzinfo=UTC),
        reason="Lift inspection",
    )
    before = snapshot(job.id)
    closed = post_move(
        admin_client, location, job, date="2026-12-03", time="10:00", bay=str(shop["lift2"].id)
    )
    assert_refused(closed, 422, "closed then: Staff training", before, job.id)
    down = post_move(
        admin_client, location, job, date="2026-12-02", time="13:45", bay=str(shop["lift1"].id)
    )
    assert_refused(down, 422, "out of service then: Lift inspection", before, job.id)
    # The other lift is free then: the same time works there.
    ok = post_move(
        admin_client, location, job, date="2026-12-02", time="13:45", bay=str(shop["lift2"].id)
    )
    assert ok.status_code == 200


def test_a_visit_that_is_no_longer_scheduled_cant_be_moved(admin_client, shop, factories):
    done = factories.appointment(
        location=shop["location"],
        bay=shop["lift2"],
        starts_at=datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
        status=S.COMPLETED,
    )
    before = snapshot(done.id)
    response = post_move(
        admin_client,
        shop["location"],
        done,
        date="2026-12-02",
        time="14:00",
        bay=str(shop["lift2"].id),
    )
    assert_refused(response, 422, "completed appointment can't be rescheduled", before, done.id)


def test_a_move_from_a_stale_calendar_is_changed_meanwhile(admin_client, shop):
    job = shop["brake_job"]
    stale = job.version
    job.staff_notes = "Customer called"
    job.version += 1
    db.session.commit()
    before = snapshot(job.id)
    response = post_move(
        admin_client,
        shop["location"],
        job,
        version=str(stale),
        date="2026-12-02",
        time="14:00",
        bay=str(shop["lift1"].id),
    )
    assert_refused(response, 409, "changed by someone else meanwhile", before, job.id)
    assert "The calendar below shows it as it is now" in text_of(response.get_data(as_text=True))


def test_a_drop_on_the_same_place_changes_nothing(admin_client, shop):
    job = shop["brake_job"]
    before = snapshot(job.id)
    response = post_move(
        admin_client,
        shop["location"],
        job,
        starts_at="2026-12-02T15:00:00+00:00",
        bay=str(shop["lift1"].id),
    )
    assert response.status_code == 200
    assert "nothing changed" in response.get_data(as_text=True)
    assert snapshot(job.id) == before


def test_only_admins_move_visits(client, shop, factories, login):
    job = shop["brake_job"]
    before = snapshot(job.id)
    for user in (shop["mechanic"], factories.customer()):
        login(user)
        page = client.get("/account/").get_data(as_text=True)
        response = client.post(
            MOVE,
            data={
                "csrf_token": csrf_token_from(page),
                "reference": job.reference,
                "version": str(job.version),
                "date": "2026-12-02",
                "time": "14:00",
                "bay": str(shop["lift1"].id),
            },
            headers=HTMX,
        )
        assert response.status_code == 403
        client.post("/account/logout", data={"csrf_token": csrf_token_from(page)})
    assert snapshot(job.id) == before


# --- two staff moving two visits into the same free slot at once ---------------------------------


@pytest.mark.settings(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 30, "max_overflow": 0})
def test_two_moves_into_the_same_free_slot_of_one_bay_one_wins(app, shop, factories):
    import threading

    from autoshop.models import User
    from autoshop.services import booking

    admin_ids = [factories.admin().id, factories.admin().id]
    jobs = [shop["brake_job"].id, shop["oil_job"].id]
    target = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)  # 2:00 PM, Lift 2 free
    bay_id = shop["lift2"].id
    barrier = threading.Barrier(2)
    outcomes: list[str] = ["", ""]

    def run(i: int) -> None:
        with app.app_context(), time_machine.travel(NOW, tick=False):
            appointment = db.session.get(Appointment, jobs[i])
            actor = db.session.get(User, admin_ids[i])
            version = appointment.version
            db.session.commit()  # end the read; the move decides under its own lock
            barrier.wait(timeout=60)
            try:
                booking.reschedule(
                    appointment,
                    target,
                    now=NOW,
                    actor=actor,
                    expected_version=version,
                    bay_id=bay_id,
                )
                outcomes[i] = "moved"
            except booking.SlotTaken:
                outcomes[i] = "taken"
            except booking.BookingError as exc:
                outcomes[i] = f"refused:{exc.kind}"
            except Exception as exc:
                outcomes[i] = f"error:{exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["moved", "taken"], outcomes
    db.session.expire_all()
    there = db.session.scalars(
        sa.select(Appointment).where(Appointment.bay_id == bay_id, Appointment.starts_at == target)
    ).all()
    assert len(there) == 1
    loser = jobs[outcomes.index("taken")]
    assert db.session.get(Appointment, loser).starts_at == WED_10  # the loser stays put


def test_the_demo_shop_shows_a_busy_day_and_its_lift_out_of_service(client, login):
    from autoshop.models import User
    from autoshop.services import demo

    logins = demo.seed(now=NOW)
    admin_email = next(email for role, email in logins if role == "admin")
    login(db.session.scalar(sa.select(User).where(User.email == admin_email)), demo.DEMO_PASSWORD)
    page = client.get(f"{PAGE}?date=2026-12-01").get_data(as_text=True)
    text = text_of(page)
    assert "Out of service: Hydraulic leak on the lift" in text
    assert text.count("Move to…") >= 2
    week = text_of(client.get(f"{PAGE}?date=2026-12-01&view=week").get_data(as_text=True))
    assert "Hydraulic leak on the lift" in week


def test_staff_may_move_a_visit_inside_the_online_notice_but_not_into_the_past(admin_client, shop):
    """Customers need two hours' notice online; the shop books and moves without it (as
    reschedule allows staff), but never to a time that has passed."""
    job = shop["oil_job"]
    location = shop["location"]
    soon = post_move(
        admin_client, location, job, date="2026-11-30", time="08:30", bay=str(shop["lift2"].id)
    )
    assert soon.status_code == 200, text_of(soon.get_data(as_text=True))[:300]
    db.session.expire_all()
    job = db.session.get(Appointment, job.id)
    assert job.starts_at == datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
    before = snapshot(job.id)
    past = post_move(
        admin_client, location, job, date="2026-11-30", time="07:45", bay=str(shop["lift2"].id)
    )
    assert_refused(past, 422, "already passed", before, job.id)

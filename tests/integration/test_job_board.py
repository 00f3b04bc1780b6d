"""The job board: today's cars by status, one tap to move a card, refusals that change nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment, StatusChange
from autoshop.services.status import change_status
from tests.conftest import csrf_token_from

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York
TEN = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def floor(factories):
    """A shop with two mechanics, an admin and a Subaru booked for 10:00 with Mike."""
    location = factories.location(name="Main Street Auto")
    mike = factories.mechanic(first_name="Mike", last_name="Diaz")
    sam = factories.mechanic(first_name="Sam", last_name="Lee")
    admin = factories.admin(first_name="Ada", last_name="Admin")
    customer = factories.customer(first_name="Carla", last_name="Jones")
    job = factories.appointment(
        location=location,
        starts_at=TEN,
        customer=customer,
        mechanic=mike,
        vehicle=factories.vehicle(customer, make="Subaru", model="Outback"),
        services=[factories.service("Brake pads", duration_minutes=90)],
        promised_at=datetime(2026, 12, 2, 21, 0, tzinfo=UTC),
    )
    return {"location": location, "mike": mike, "sam": sam, "admin": admin, "job": job}


def _column(page: str, status: str) -> str:
    """The HTML of one column of the board."""
    match = re.search(
        rf'<section class="board-column board-column-{status}".*?</section>', page, re.S
    )
    assert match, f"no {status} column"
    return match.group(0)


def _count(page: str, status: str) -> int:
    match = re.search(r'class="board-count"[^>]*>\((\d+)\)', _column(page, status))
    assert match
    return int(match.group(1))


def _move(client, job, target: str, *, version=None, htmx=True, **extra):
    page = client.get("/staff/board")
    data = {
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        "target": target,
        "version": version if version is not None else job.version,
        "seen_status": extra.pop("seen_status", job.status.value),
        **extra,
    }
    headers = {"HX-Request": "true", "HX-Target": "board-columns"} if htmx else {}
    return client.post(f"/staff/board/{job.reference}/move", data=data, headers=headers)


def _trail(appointment_id: int) -> list[str]:
    db.session.expire_all()
    return [
        c.to_status.value
        for c in db.session.scalars(
            sa.select(StatusChange)
            .where(StatusChange.appointment_id == appointment_id)
            .order_by(StatusChange.id)
        )
    ]


def _status(appointment_id: int) -> S:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id).status


def test_board_shows_a_column_per_status_with_cards_and_counts(client, factories, floor, login):
    location, mike = floor["location"], floor["mike"]
    working = factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=NOW - timedelta(hours=1),
        status=S.IN_PROGRESS,
        vehicle=factories.vehicle(make="Mazda", model="CX-5"),
    )
    # Waiting for parts since yesterday: still on the floor, so still on the board.
    factories.appointment(
        location=location,
        starts_at=NOW - timedelta(days=1),
        status=S.WAITING_ON_PARTS,
        vehicle=factories.vehicle(make="Ford", model="Focus"),
    )
    factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=TEN + timedelta(hours=3),
        status=S.CANCELLED,
        vehicle=factories.vehicle(make="Kia", model="Rio"),
    )
    # Tomorrow's visit and a visit at another location are not on today's board.
    factories.appointment(
        location=location,
        starts_at=TEN + timedelta(days=1),
        vehicle=factories.vehicle(make="Volkswagen", model="Jetta"),
    )
    login(mike)
    response = client.get("/staff/board")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for status in ("scheduled", "checked_in", "in_progress", "waiting_on_parts"):
        assert f"board-column-{status}" in page
    assert "Ready for pickup" in page and "Completed today" in page
    scheduled = _column(page, "scheduled")
    assert "2018 Subaru Outback" in scheduled
    assert "10:00 AM" in scheduled and "4:00 PM" in scheduled  # start and promised, local
    assert "Brake pads" in scheduled and "Carla Jones" in scheduled and "Mike Diaz" in scheduled
    assert floor["job"].reference in scheduled
    assert ">Check in<" in scheduled  # Mike's job: he may check it in
    assert "2018 Mazda CX-5" in _column(page, "in_progress")
    assert "Not assigned" in _column(page, "in_progress")
    waiting = _column(page, "waiting_on_parts")
    assert "Ford Focus" in waiting and "Tue Dec 1" in waiting  # carried over from yesterday
    assert [_count(page, s) for s in ("scheduled", "in_progress", "waiting_on_parts")] == [1, 1, 1]
    assert _count(page, "completed") == 0
    assert "No-show and cancelled today (1)" in page and "Kia Rio" in page
    # Mixed case: no random reference code (upper case and digits) can contain it.
    assert "Volkswagen" not in page and "Jetta" not in page
    assert working.reference in page


def test_board_fragment_for_polls_and_the_location_filter(client, factories, floor, login):
    other = factories.location(name="Elm Street Auto")
    factories.appointment(
        location=other, starts_at=TEN, vehicle=factories.vehicle(make="Volvo", model="XC60")
    )
    login(floor["admin"])
    page = client.get("/staff/board").get_data(as_text=True)
    assert 'id="location-choice"' in page and "Elm Street Auto" in page
    assert "Subaru" in page and "Volvo" not in page
    elm = client.get(f"/staff/board?location={other.id}").get_data(as_text=True)
    assert "Volvo XC60" in elm and "Subaru" not in elm
    poll = client.get("/staff/board", headers={"HX-Request": "true", "HX-Target": "board-columns"})
    fragment = poll.get_data(as_text=True)
    assert poll.status_code == 200 and "<html" not in fragment and "board-column" in fragment
    assert poll.headers["Cache-Control"] == "no-store"
    bad = client.get("/staff/board?location=999")
    assert bad.status_code == 400 and "Choose one of the shop&#39;s locations." in bad.text


def test_one_location_needs_no_filter(client, floor, login):
    login(floor["admin"])
    assert 'id="location-choice"' not in client.get("/staff/board").get_data(as_text=True)


STEPS = [
    ("checked_in", "checked_in"),
    ("in_progress", "in_progress"),
    ("waiting_on_parts", "waiting_on_parts"),
    ("in_progress", "in_progress"),
    ("ready_for_pickup", "ready_for_pickup"),
    ("completed", "completed"),
]


def test_mechanic_moves_a_card_through_every_allowed_status(client, floor, login):
    job, mike = floor["job"], floor["mike"]
    login(mike)
    for target, column in STEPS:
        db.session.refresh(job)
        response = _move(
            client, job, target, note="Pads arrive at 2 pm." if "wait" in target else ""
        )
        assert response.status_code == 200, (target, response.text[:500])
        fragment = response.get_data(as_text=True)
        assert "<html" not in fragment
        assert job.reference in _column(fragment, column)  # the card sits in its new column
        assert f"is now {S(target).label.lower()}" in fragment
        assert 'id="board-status" class="board-status" role="status"' in fragment
        assert 'hx-swap-oob="true"' in fragment
    assert _trail(job.id) == [t for t, _ in STEPS]
    notes = db.session.scalars(
        sa.select(StatusChange.note).where(StatusChange.appointment_id == job.id)
    ).all()
    assert "Pads arrive at 2 pm." in notes
    completed = client.get("/staff/board").get_data(as_text=True)
    assert job.reference in _column(completed, "completed")
    assert _count(completed, "completed") == 1


def test_a_plain_form_post_redirects_back_to_the_board(client, floor, login):
    job = floor["job"]
    login(floor["mike"])
    response = _move(client, job, "checked_in", htmx=False)
    assert response.status_code == 303 and response.headers["Location"].startswith("/staff/board")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is now checked in" in page
    assert _status(job.id) is S.CHECKED_IN


def test_admin_may_mark_a_no_show(client, floor, login):
    login(floor["admin"])
    page = client.get("/staff/board").get_data(as_text=True)
    assert ">Mark no-show<" in _column(page, "scheduled")
    response = _move(client, floor["job"], "no_show")
    assert response.status_code == 200
    assert "No-show and cancelled today (1)" in response.get_data(as_text=True)
    assert _status(floor["job"].id) is S.NO_SHOW


def _refused(response, status: int, message: str, job_id: int, trail: list[str]) -> None:
    assert response.status_code == status, response.text[:500]
    assert message in response.get_data(as_text=True)
    assert "board-column" in response.get_data(as_text=True)  # the board as it is
    assert _trail(job_id) == trail


def test_refused_moves_change_nothing(client, factories, floor, login):
    job, mike, sam = floor["job"], floor["mike"], floor["sam"]
    done = factories.appointment(
        location=floor["location"],
        bay=floor["location"].bays[1],
        starts_at=TEN - timedelta(hours=2),
        status=S.COMPLETED,
        mechanic=mike,
    )
    login(mike)
    _refused(
        _move(client, done, "in_progress"),
        403,
        "A job that is completed can&#39;t move to in progress.",
        done.id,
        [],
    )
    _refused(
        _move(client, job, "teleported"),
        400,
        "Choose one of the moves offered on the card.",
        job.id,
        [],
    )
    _refused(
        _move(client, job, "cancelled"),
        422,
        "Cancel through the appointment",
        job.id,
        [],
    )
    _refused(
        _move(client, job, "checked_in", note="x" * 1001),
        422,
        "Keep the note under 1000 characters.",
        job.id,
        [],
    )
    sam_client = client.application.test_client()
    login(sam, test_client=sam_client)
    page = sam_client.get("/staff/board").get_data(as_text=True)
    assert ">Check in<" not in _column(page, "scheduled")  # not Sam's job: no button
    _refused(
        _move(sam_client, job, "checked_in"),
        403,
        "This job is assigned to another mechanic.",
        job.id,
        [],
    )
    assert _status(job.id) is S.SCHEDULED and _status(done.id) is S.COMPLETED
    token = csrf_token_from(client.get("/staff/board").get_data(as_text=True))
    missing = client.post("/staff/board/NOSUCHREF/move", data={"csrf_token": token})
    assert missing.status_code == 404


def test_a_stale_card_is_answered_with_what_happened_meanwhile(app, client, floor, login):
    job, mike = floor["job"], floor["mike"]
    seen_version, seen_status = job.version, job.status.value
    change_status(job, S.CHECKED_IN, actor=floor["admin"], now=NOW)
    login(mike)
    response = _move(
        client,
        job,
        "checked_in",
        version=seen_version,
        seen_status=seen_status,
        note="Checked the brakes.",
    )
    _refused(
        response,
        409,
        "Ada Admin already moved the 2018 Subaru Outback to checked in.",
        job.id,
        ["checked_in"],
    )
    card = _column(response.get_data(as_text=True), "checked_in")
    assert job.reference in card
    # The note wasn't sent: it comes back in the open note field, to go with the right move.
    assert '<details class="board-note mt-1" open>' in card
    assert ">Checked the brakes.</textarea>" in card


def test_customers_may_not_open_or_use_the_board(client, floor, login):
    job = floor["job"]
    login(job.customer)
    assert client.get("/staff/board").status_code == 403
    page = client.get("/account/")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        f"/staff/board/{job.reference}/move",
        data={"csrf_token": token, "target": "checked_in", "version": job.version},
    )
    assert response.status_code == 403
    assert _trail(job.id) == [] and _status(job.id) is S.SCHEDULED


def test_a_card_changed_meanwhile_without_a_move_is_shown_as_it_is(client, floor, login):
    from autoshop.services.status import assign_mechanic

    job, mike = floor["job"], floor["mike"]
    seen_version = job.version
    assign_mechanic(job, floor["sam"], actor=floor["admin"], now=NOW)  # given to Sam meanwhile
    login(mike)
    response = _move(client, job, "checked_in", version=seen_version, seen_status="scheduled")
    _refused(response, 409, "was changed meanwhile (it is still scheduled)", job.id, [])
    card = _column(response.get_data(as_text=True), "scheduled")
    assert "Sam Lee" in card and ">Check in<" not in card  # now Sam's: no button for Mike


def test_the_usual_next_step_is_the_first_button(client, factories, floor, login):
    location = floor["location"]
    factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=NOW - timedelta(hours=1),
        status=S.IN_PROGRESS,
        mechanic=floor["mike"],
    )
    login(floor["mike"])
    column = _column(client.get("/staff/board").get_data(as_text=True), "in_progress")
    buttons = re.findall(r'class="btn ([^"]+)">([^<]+)</button>', column)
    assert buttons == [
        ("btn-primary", "Ready for pickup"),
        ("btn-outline-secondary btn-sm", "Wait for parts"),
    ]

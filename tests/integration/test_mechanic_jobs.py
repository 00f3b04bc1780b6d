"""A mechanic's pages: my jobs today and in the coming days, unassigned jobs, taking one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment
from autoshop.services.status import assign_mechanic
from tests.conftest import csrf_token_from

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # Wednesday 09:50 in New York
TEN = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    location = factories.location(name="Main Street Auto")
    mike = factories.mechanic(first_name="Mike", last_name="Diaz")
    sam = factories.mechanic(first_name="Sam", last_name="Lee")

    def job(make: str, starts_at: datetime, **fields):
        return factories.appointment(
            location=location,
            starts_at=starts_at,
            vehicle=factories.vehicle(make=make, model="Test"),
            **fields,
        )

    return {"location": location, "mike": mike, "sam": sam, "job": job}


def _section(page: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert match, heading_id
    return match.group(0)


def _mechanic_of(appointment_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(Appointment, appointment_id).mechanic_id


def test_my_jobs_lists_today_and_the_coming_days_by_local_day(client, shop, login):
    mike, sam, job = shop["mike"], shop["sam"], shop["job"]
    job("Subaru", TEN, mechanic=mike)
    job("Mazda", TEN + timedelta(days=1), mechanic=mike)
    # Friday 23:30 in New York is Saturday 04:30 UTC: it belongs to Friday.
    job("Toyota", datetime(2026, 12, 5, 4, 30, tzinfo=UTC), mechanic=mike)
    job("Lexus", TEN + timedelta(days=7), mechanic=mike)  # beyond the 7 days shown
    job("Honda", TEN - timedelta(days=1), mechanic=mike)  # yesterday
    job("Nissan", TEN + timedelta(hours=2), mechanic=mike, status=S.CANCELLED)
    job("Volvo", TEN, mechanic=sam, bay=shop["location"].bays[1])
    login(mike)
    response = client.get("/staff/my-jobs")
    assert response.status_code == 200
    mine = _section(response.get_data(as_text=True), "mine-heading")
    assert "Today, December 2" in mine and "Tomorrow, December 3" in mine
    assert "Friday, December 4" in mine and "11:30 PM · 2018 Toyota Test" in mine
    assert "10:00 AM · 2018 Subaru Test" in mine
    for absent in ("Lexus", "Honda", "Nissan", "Volvo"):
        assert absent not in mine
    assert mine.index("Subaru") < mine.index("Mazda") < mine.index("Toyota")
    bad = client.get("/staff/my-jobs?location=404")
    assert bad.status_code == 400 and "Choose one of the shop&#39;s locations." in bad.text


def test_unassigned_jobs_can_be_taken(client, shop, login):
    mike = shop["mike"]
    open_job = shop["job"]("Kia", TEN + timedelta(days=2))
    shop["job"]("Ford", TEN, mechanic=shop["sam"])
    login(mike)
    page = client.get("/staff/my-jobs").get_data(as_text=True)
    unassigned = _section(page, "open-heading")
    assert "Friday, December 4" in unassigned and "2018 Kia Test" in unassigned
    assert "Ford" not in unassigned and "Take this job" in unassigned
    response = client.post(
        f"/staff/jobs/{open_job.reference}/take",
        data={"csrf_token": csrf_token_from(page), "version": open_job.version},
    )
    assert response.status_code == 303
    assert _mechanic_of(open_job.id) == mike.id
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is yours now" in after
    assert "Kia" in _section(after, "mine-heading")
    assert "Kia" not in _section(after, "open-heading")


def test_taking_a_job_someone_else_just_took_is_refused_clearly(client, shop, login):
    mike, sam = shop["mike"], shop["sam"]
    open_job = shop["job"]("Kia", TEN)
    login(mike)
    page = client.get("/staff/my-jobs").get_data(as_text=True)
    seen = open_job.version
    assign_mechanic(open_job, sam, actor=sam, now=NOW)  # Sam is quicker
    response = client.post(
        f"/staff/jobs/{open_job.reference}/take",
        data={"csrf_token": csrf_token_from(page), "version": seen},
    )
    assert response.status_code == 409
    assert "Sam Lee has already taken the 2018 Kia Test." in response.get_data(as_text=True)
    assert _mechanic_of(open_job.id) == sam.id
    # Without the page's version, the rules still refuse: the job is Sam's.
    response = client.post(
        f"/staff/jobs/{open_job.reference}/take", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 409 and "Sam Lee has already taken" in response.text
    assert _mechanic_of(open_job.id) == sam.id


def test_a_closed_job_cant_be_taken_and_admins_dont_take_jobs(app, client, factories, shop, login):
    done = shop["job"]("Kia", TEN - timedelta(hours=3), status=S.COMPLETED)
    login(shop["mike"])
    token = csrf_token_from(client.get("/staff/my-jobs").get_data(as_text=True))
    response = client.post(f"/staff/jobs/{done.reference}/take", data={"csrf_token": token})
    assert response.status_code == 422 and "can&#39;t be reassigned" in response.text
    assert _mechanic_of(done.id) is None

    open_job = shop["job"]("Ford", TEN)
    admin_client = app.test_client()
    login(factories.admin(), test_client=admin_client)
    page = admin_client.get("/staff/my-jobs").get_data(as_text=True)
    assert "Ford" in page and "Take this job" not in page
    response = admin_client.post(
        f"/staff/jobs/{open_job.reference}/take", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 403 and _mechanic_of(open_job.id) is None


def test_customers_cannot_see_or_take_jobs(client, shop, login):
    open_job = shop["job"]("Kia", TEN)
    login(open_job.customer)
    assert client.get("/staff/my-jobs").status_code == 403
    token = csrf_token_from(client.get("/account/").get_data(as_text=True))
    response = client.post(f"/staff/jobs/{open_job.reference}/take", data={"csrf_token": token})
    assert response.status_code == 403 and _mechanic_of(open_job.id) is None
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment))
    assert count == 1


def test_the_today_page_opens_note_fields_on_demand(client, shop, login):
    mike = shop["mike"]
    for hour in range(3):
        shop["job"](f"Make{hour}", TEN + timedelta(hours=2 * hour), mechanic=mike)
    login(mike)
    page = client.get("/staff/today").get_data(as_text=True)
    assert page.count("<textarea") == 3
    assert page.count("<details") == 3  # each note is folded away until asked for
    assert "Add a note for the customer" in page

"""Mechanics move their jobs through the statuses; customers hear about the ones they care about."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, StatusChange
from autoshop.services.booking import NotAllowed
from autoshop.services.status import change_status, next_statuses
from tests.conftest import submit_form
from tests.support.messages import message_text

DAY = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)


def test_a_job_through_the_day_notifies_what_the_customer_cares_about(factories):
    mike = factories.mechanic()
    job = factories.appointment(starts_at=DAY, mechanic=mike)
    steps = [
        (S.CHECKED_IN, ""),
        (S.IN_PROGRESS, ""),
        (S.WAITING_ON_PARTS, "Pads arrive at 2 pm."),
        (S.IN_PROGRESS, ""),
        (S.READY_FOR_PICKUP, "Keys at the front desk."),
        (S.COMPLETED, ""),
    ]
    for target, note in steps:
        change_status(job, target, actor=mike, now=NOW, note=note)
    assert job.status is S.COMPLETED
    trail = [
        c.to_status for c in db.session.scalars(sa.select(StatusChange).order_by(StatusChange.id))
    ]
    assert trail == [t for t, _ in steps]
    mails = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert [m.subject.split(":")[0] for m in mails] == [
        "Checked in",
        "Waiting on parts",
        "Ready for pickup",
        "Completed",
        "How did we do? Your visit Wed Dec 2 at 10",  # the review request, due after pickup
    ]
    assert "Pads arrive at 2 pm." in message_text(mails[1])
    assert "Your vehicle is ready for pickup." in message_text(mails[2])


def test_rules_for_who_moves_what(factories):
    mike, sam = factories.mechanic(), factories.mechanic()
    admin = factories.admin()
    job = factories.appointment(starts_at=DAY, mechanic=mike)
    with pytest.raises(NotAllowed, match="another mechanic"):
        change_status(job, S.CHECKED_IN, actor=sam, now=NOW)
    with pytest.raises(NotAllowed, match="can't move to completed"):
        change_status(job, S.COMPLETED, actor=mike, now=NOW)
    assert next_statuses(job, mike, NOW) == [S.CHECKED_IN]
    assert S.NO_SHOW in next_statuses(job, admin, NOW)
    assert next_statuses(job, sam, NOW) == []
    assert job.status is S.SCHEDULED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0

    unassigned = factories.appointment(starts_at=DAY, bay=job.location.bays[1])
    change_status(unassigned, S.CHECKED_IN, actor=sam, now=NOW)
    assert unassigned.mechanic_id == sam.id  # taking an unassigned job makes it yours


def test_mechanic_moves_a_job_from_the_today_page(client, factories, login):
    mike = factories.mechanic()
    job = factories.appointment(
        starts_at=DAY, mechanic=mike, vehicle=factories.vehicle(make="Subaru", model="Outback")
    )
    with time_machine.travel(NOW, tick=False):
        login(mike)
        page = client.get("/staff/today").get_data(as_text=True)
        assert "Subaru Outback" in page and 'value="checked_in"' in page
        response = submit_form(
            client,
            "/staff/today",
            {"target": "checked_in", "note": "<b>Hi</b>"},
            action=f"/staff/appointments/{job.reference}/status",
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Appointment, job.id).status is S.CHECKED_IN
        detail = client.get(f"/staff/appointments/{job.reference}").get_data(as_text=True)
        assert "&lt;b&gt;Hi&lt;/b&gt;" in detail  # the note is shown as text
        bad = submit_form(
            client,
            "/staff/today",
            {"target": "completed"},
            action=f"/staff/appointments/{job.reference}/status",
            follow_redirects=True,
        )
        assert "can&#39;t move to completed" in bad.get_data(as_text=True)
        assert db.session.get(Appointment, job.id).status is S.CHECKED_IN
        assert client.get("/staff/appointments/NOSUCHREF").status_code == 404


def test_customers_cannot_open_staff_job_pages(client, factories, login):
    job = factories.appointment(starts_at=DAY)
    login(job.customer)
    assert client.get(f"/staff/appointments/{job.reference}").status_code == 403

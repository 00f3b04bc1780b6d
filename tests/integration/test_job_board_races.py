"""Two staff moving the same card at once: exactly one move is recorded, the other is shown the
card as it is now with who moved it, and nobody gets a 500. Real threads, each with its own
client, app context and database connection, released together at a barrier."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment, StatusChange
from tests.conftest import csrf_token_from

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 0}}
HTMX = {"HX-Request": "true", "HX-Target": "board-columns"}


def _post_together(app, posts):
    """Send every (client, url, data) at once; return the responses in order."""
    barrier = threading.Barrier(len(posts))
    results: list = [None] * len(posts)

    def run(i: int) -> None:
        client, url, data = posts[i]
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                results[i] = client.post(url, data=data, headers=HTMX)
            except Exception as exc:  # reported, never swallowed
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(posts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.settings(**POOL)
@pytest.mark.parametrize("targets", [("checked_in", "checked_in"), ("checked_in", "no_show")])
def test_two_staff_moving_one_card_record_exactly_one_move(app, factories, login, targets):
    location = factories.location()
    mike, admin = factories.mechanic(first_name="Mike"), factories.admin(first_name="Ada")
    job = factories.appointment(
        location=location,
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        mechanic=mike,
        vehicle=factories.vehicle(make="Subaru", model="Outback"),
    )
    with time_machine.travel(NOW, tick=False):
        posts = []
        for user, target in zip((mike, admin), targets, strict=True):
            client = app.test_client()
            login(user, test_client=client)
            token = csrf_token_from(client.get("/staff/board").get_data(as_text=True))
            data = {
                "csrf_token": token,
                "target": target,
                "version": job.version,
                "seen_status": "scheduled",
            }
            posts.append((client, f"/staff/board/{job.reference}/move", data))
        responses = _post_together(app, posts)
    assert all(not isinstance(r, Exception) for r in responses), responses
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], codes
    winner = next(r for r in responses if r.status_code == 200)
    loser = next(r for r in responses if r.status_code == 409)
    db.session.rollback()  # read what is committed now, not this session's snapshot
    final = db.session.get(Appointment, job.id).status
    assert final in (S.CHECKED_IN, S.NO_SHOW)
    moves = db.session.scalars(
        sa.select(StatusChange.to_status).where(StatusChange.appointment_id == job.id)
    ).all()
    assert moves == [final]
    page = loser.get_data(as_text=True)
    assert f"already moved the 2018 Subaru Outback to {final.label.lower()}" in page
    assert f"is now {final.label.lower()}" in winner.get_data(as_text=True)

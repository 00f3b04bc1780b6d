"""After completion the customer is asked for a review and leaves one through the link."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Notification, Review
from autoshop.services import reviews as reviews_service
from autoshop.services.status import change_status
from tests.conftest import csrf_token_from
from tests.support.messages import message_text

DAY = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _complete(factories):
    admin = factories.admin()
    job = factories.appointment(starts_at=DAY)
    # The review link in the request is signed (and so starts expiring) when it is written: on
    # the day of the visit, not on the day the test runs.
    with time_machine.travel(DAY, tick=False):
        for target in (S.CHECKED_IN, S.IN_PROGRESS, S.READY_FOR_PICKUP, S.COMPLETED):
            change_status(job, target, actor=admin, now=DAY)
    return job


def _review_path(job) -> str:
    mail = db.session.scalar(
        sa.select(Notification).where(
            Notification.kind == "appointment_review_request", Notification.appointment_id == job.id
        )
    )
    assert mail.due_at == DAY + timedelta(hours=2)  # asked after pickup, not at the counter
    return re.search(r"https?://[^/\s]+(/reviews/\S+)", message_text(mail)).group(1)


def test_review_request_and_review(client, factories):
    job = _complete(factories)
    path = _review_path(job)
    with time_machine.travel(DAY + timedelta(hours=3), tick=False):
        page = client.get(path)
        assert page.status_code == 200 and "How did we do?" in page.get_data(as_text=True)
        from tests.conftest import submit_form

        missing = submit_form(client, path, {"comment": "no stars"})
        assert "Choose a rating." in missing.get_data(as_text=True)
        done = submit_form(client, path, {"rating": "5", "comment": "<i>Great</i> service"})
        assert "Thank you for your review" in done.get_data(as_text=True)
        again = client.get(path)  # the link now shows the review given, not a second form
        assert "You gave your visit 5 stars" in again.get_data(as_text=True)
        assert 'name="rating"' not in again.get_data(as_text=True)
    (review,) = db.session.scalars(sa.select(Review)).all()
    assert (review.rating, review.comment) == (5, "<i>Great</i> service")


def test_bad_review_links_and_unfinished_visits(client, factories):
    assert client.get("/reviews/not-a-token").status_code == 404
    job = factories.appointment(starts_at=DAY)
    from autoshop.services.reviews import review_url

    path = review_url(job).split("://", 1)[1].split("/", 1)[1]
    from tests.conftest import submit_form

    response = submit_form(client, "/" + path, {"rating": "4"})
    assert response.status_code == 409
    assert "once the work is complete" in response.get_data(as_text=True)
    assert job.status is S.SCHEDULED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0


@contextmanager
def _both_past_the_check(engine: str):
    """Hold two review posts until both have found no review for the visit.

    PostgreSQL: at the INSERT, so both inserts race on the unique index. SQLite serialises
    writers (BEGIN IMMEDIATE), so there both wait at the door of the write transaction."""
    barrier = threading.Barrier(2)
    if engine == "postgresql":

        def meet(*_args: object) -> None:
            barrier.wait(timeout=30)

        sa.event.listen(Review, "before_insert", meet)
        try:
            yield
        finally:
            sa.event.remove(Review, "before_insert", meet)
        return
    real = reviews_service.write_transaction

    @contextmanager
    def gated(*args, **kwargs):
        barrier.wait(timeout=30)
        with real(*args, **kwargs) as session:
            yield session

    reviews_service.write_transaction = gated
    try:
        yield
    finally:
        reviews_service.write_transaction = real


def test_two_review_posts_at_once_are_one_review(app, factories):
    """A double click (or two tabs) on "Send review": both answers show the saved review."""
    job = _complete(factories)
    path = _review_path(job)
    pages: list = [None, None]

    def post(i: int, rating: str, form: dict) -> None:
        with app.app_context():
            try:
                pages[i] = form["client"].post(
                    path, data={"rating": rating, "comment": "", "csrf_token": form["csrf"]}
                )
            finally:
                db.session.remove()

    with time_machine.travel(DAY + timedelta(hours=3), tick=False):
        forms = []
        for _ in range(2):
            c = app.test_client()
            forms.append({"client": c, "csrf": csrf_token_from(c.get(path).get_data(as_text=True))})
        with _both_past_the_check(db.engine.dialect.name):
            threads = [
                threading.Thread(target=post, args=(i, rating, forms[i]))
                for i, rating in enumerate(("5", "4"))
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)

    (review,) = db.session.scalars(sa.select(Review)).all()
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200, text[:2000]
        assert "Thank you for your review" in text
        assert f"You gave your visit {review.rating} stars" in text

"""Calendar subscription feeds: secret per person, hashed at rest, same UIDs as the emails."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from icalendar import Calendar

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import FeedToken
from autoshop.services import feeds
from autoshop.services.ics import appointment_ics
from tests.conftest import csrf_token_from

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
URL = re.compile(r'id="feed-url"[^>]*value="[^"]*(/feeds/[A-Za-z0-9_-]+\.ics)"')


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def visits(factories):
    location = factories.location()
    oil = factories.service("Oil change", duration_minutes=30)
    cara, dan = factories.customer(first_name="Cara"), factories.customer(first_name="Dan")
    mechanic = factories.mechanic()
    day = timedelta(days=1)
    made = {
        "upcoming": factories.appointment(
            location=location, customer=cara, services=[oil], starts_at=NOW + day, sequence=2
        ),
        "recent": factories.appointment(
            location=location,
            customer=cara,
            services=[oil],
            starts_at=NOW - 10 * day,
            status=AppointmentStatus.COMPLETED,
        ),
        "old": factories.appointment(
            location=location,
            customer=cara,
            services=[oil],
            starts_at=NOW - 40 * day,
            status=AppointmentStatus.COMPLETED,
        ),
        "cancelled": factories.appointment(
            location=location,
            customer=cara,
            services=[oil],
            starts_at=NOW + 2 * day,
            status=AppointmentStatus.CANCELLED,
        ),
        "dans": factories.appointment(
            location=location, customer=dan, services=[oil], starts_at=NOW + 3 * day
        ),
        "job": factories.appointment(
            location=location,
            customer=dan,
            services=[oil],
            starts_at=NOW + 4 * day,
            mechanic_id=mechanic.id,
        ),
    }
    return {"cara": cara, "dan": dan, "mechanic": mechanic, **made}


def make_link(client):
    page = client.get("/account/").get_data(as_text=True)
    response = client.post("/account/calendar-feed", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = URL.search(response.get_data(as_text=True))
    assert match, "the page shows the new link"
    return match.group(1)


def uids(response):
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.get_data())
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def emailed_uid(appointment):
    (event,) = Calendar.from_ical(appointment_ics(appointment)).walk("VEVENT")
    return str(event["uid"])


def test_a_customers_feed_lists_their_visits_with_the_emailed_uids(client, login, visits, frozen):
    login(visits["cara"])
    path = make_link(client)
    events = uids(client.application.test_client().get(path))  # calendar apps: no session
    expected = {emailed_uid(visits[name]) for name in ("upcoming", "recent")}
    assert set(events) == expected
    upcoming = events[emailed_uid(visits["upcoming"])]
    assert int(upcoming["sequence"]) == 2
    assert upcoming.decoded("dtstart") == visits["upcoming"].starts_at
    assert upcoming.decoded("dtstart").utcoffset() == timedelta(0)  # UTC values


def test_the_token_is_stored_only_as_a_hash(client, login, visits, frozen):
    login(visits["cara"])
    path = make_link(client)
    token = path.removeprefix("/feeds/").removesuffix(".ics")
    stored = db.session.scalars(sa.select(FeedToken.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_resetting_revokes_the_old_link_and_turning_off_revokes_all(client, login, visits, frozen):
    login(visits["cara"])
    first = make_link(client)
    page = client.get("/account/").get_data(as_text=True)
    assert "Reset link" in page
    second = make_link(client)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    token = csrf_token_from(client.get("/account/").get_data(as_text=True))
    assert (
        client.post("/account/calendar-feed/revoke", data={"csrf_token": token}).status_code == 303
    )
    assert client.get(second).status_code == 404
    assert client.get("/feeds/not-a-real-token.ics").status_code == 404


def test_each_persons_link_shows_only_their_own(client, login, visits, frozen):
    login(visits["dan"])
    dans = uids(client.get(make_link(client)))
    assert set(dans) == {emailed_uid(visits["dans"]), emailed_uid(visits["job"])}
    mechanic = client.application.test_client()
    login(visits["mechanic"], test_client=mechanic)
    jobs = uids(mechanic.get(make_link(mechanic)))
    assert set(jobs) == {emailed_uid(visits["job"])}
    (job,) = jobs.values()
    assert f"/appointments/{visits['job'].reference}" in str(job["description"])


def test_the_feed_takes_the_same_statements_for_one_visit_or_many(app, factories, frozen):
    location = factories.location()
    oil = factories.service(duration_minutes=30)
    few, many = factories.customer(), factories.customer()
    factories.appointment(
        location=location, customer=few, services=[oil], starts_at=NOW + timedelta(days=9)
    )
    for n in range(6):
        factories.appointment(
            location=location, customer=many, services=[oil], starts_at=NOW + timedelta(days=n + 1)
        )
    tokens = {user.id: feeds.reset(user, now=NOW) for user in (few, many)}
    counts = {}
    seen: list[list[str]] = []
    for user_id, token in tokens.items():
        db.session.commit()
        db.session.expunge_all()
        statements: list[str] = []

        def record(*args, statements=statements):
            if args[2].lstrip().upper().startswith("SELECT"):
                statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            feed = feeds.feed_for(token, now=NOW)
            assert feed is not None
            feeds.feed_ics(feed)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        counts[user_id] = len(statements)
        seen.append(statements)
        assert len(feed.appointments) == (1 if user_id == few.id else 6)
    # The token with its person (and their roles), the visits, their services.
    assert counts[few.id] == counts[many.id] <= 4, seen

"""The calendar by bay: staff see it (mechanics read-only), only admins move visits on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests.support.access import LOGIN, Route, make_personas, walk

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


# POSTs are walked without CSRF tokens (the global check is off): the role check is the subject.
@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_calendar_routes_answer_each_role_as_designed(app, factories):
    location = factories.location()
    visit = factories.appointment(
        location=location, starts_at=datetime(2026, 12, 2, 15, tzinfo=UTC)
    )
    staff_view = {
        "anonymous": LOGIN,
        "customer_a": 403,
        "customer_b": 403,
        "mechanic": 200,
        "admin": 200,
    }
    admin_only = {**staff_view, "mechanic": 403}
    page = f"/staff/calendar?location={location.id}&date=2026-12-02"
    move = {
        "reference": visit.reference,
        "date": "2026-12-02",
        "time": "10:00",
        "bay": str(location.bays[0].id),
    }
    routes = [
        Route("/staff/calendar", staff_view),
        Route(page, staff_view),
        Route(page + "&view=week", staff_view),
        Route(page + f"&move={visit.reference}", staff_view),
        # The same place: answered "nothing changed" without a write (a redirect without htmx).
        Route("/staff/calendar/move", {**admin_only, "admin": 302}, method="POST", data=move),
    ]
    walk(app, make_personas(factories), routes)

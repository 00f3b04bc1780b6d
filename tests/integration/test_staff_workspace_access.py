"""The staff workspace's routes walked as anonymous, two customers, a mechanic and an admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from tests.support.access import LOGIN, Route, make_personas, walk

NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)


def _staff(path: str, *, method: str = "GET", mechanic: int = 200, admin: int = 200) -> Route:
    expect: dict[str, int | str] = {
        "anonymous": LOGIN,
        "customer_a": 403,
        "customer_b": 403,
        "mechanic": mechanic,
        "admin": admin,
    }
    return Route(path, expect, method=method)


# POSTs are walked without CSRF tokens (the global check is off; forms still carry tokens):
# the role check is what this test is about.
@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_workspace_routes_answer_each_role_as_designed(app, factories):
    location = factories.location()
    personas = make_personas(factories)
    job = factories.appointment(
        location=location, starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    )
    taken = factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
        mechanic=personas.mechanic,
    )
    routes = [
        _staff("/staff/board"),
        _staff(f"/staff/board?location={location.id}"),
        _staff("/staff/my-jobs"),
        _staff("/staff/day-sheet"),
        _staff("/staff/day-sheet?date=2026-12-02&by=mechanic"),
        # An unknown status: refused before anything is read from the form's other fields.
        Route(
            f"/staff/board/{job.reference}/move",
            {
                "anonymous": LOGIN,
                "customer_a": 403,
                "customer_b": 403,
                "mechanic": 400,
                "admin": 400,
            },
            method="POST",
            data={"target": "nowhere"},
        ),
        # The mechanic's own job: mechanic checks it in (303), then the admin finds it moved:
        # without a version the request's own read decides, and "checked in" can't be checked in.
        Route(
            f"/staff/board/{taken.reference}/move",
            {
                "anonymous": LOGIN,
                "customer_a": 403,
                "customer_b": 403,
                "mechanic": 303,
                "admin": 403,
            },
            method="POST",
            data={"target": "checked_in"},
        ),
        # Taking the open job: the mechanic takes it (303); an admin doesn't take jobs (403).
        _staff(f"/staff/jobs/{job.reference}/take", method="POST", mechanic=303, admin=403),
    ]
    with time_machine.travel(NOW, tick=False):
        walk(app, personas, routes)

"""Admin catalog and shop-calendar pages: anonymous -> login, customers and mechanics -> 403."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.access import LOGIN, Route, make_personas, walk


def _admin_only(path: str, *, method: str = "GET", admin: int = 200) -> Route:
    expect: dict[str, int | str] = {
        "anonymous": LOGIN,
        "customer_a": 403,
        "customer_b": 403,
        "mechanic": 403,
        "admin": admin,
    }
    return Route(path, expect, method=method)


def test_the_calendar_setup_page_is_for_admins_only(app, factories):
    """With no location yet, the calendar is the page that creates one."""
    walk(app, make_personas(factories), [_admin_only("/admin/calendar/")])


# POSTs are walked without CSRF tokens (the global check is off; forms still carry tokens):
# the role check is what this test is about.
@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_catalog_and_calendar_pages_answer_each_role_as_designed(app, factories):
    location = factories.location()
    bay = location.bays[0]
    service = factories.service()
    closure = factories.closure(
        location,
        starts_at=datetime(2027, 1, 1, 5, tzinfo=UTC),
        ends_at=datetime(2027, 1, 2, 5, tzinfo=UTC),
    )
    downtime = factories.downtime(
        bay,
        starts_at=datetime(2027, 1, 4, 14, tzinfo=UTC),
        ends_at=datetime(2027, 1, 4, 17, tzinfo=UTC),
    )
    routes = [
        _admin_only("/admin/catalog/"),
        _admin_only("/admin/catalog/categories/new"),
        _admin_only(f"/admin/catalog/categories/{service.category_id}/edit"),
        _admin_only("/admin/catalog/services/new"),
        _admin_only(f"/admin/catalog/services/{service.id}/edit"),
        _admin_only(f"/admin/catalog/services/{service.id}/deactivate", method="POST", admin=302),
        _admin_only(f"/admin/catalog/services/{service.id}/reactivate", method="POST", admin=302),
        _admin_only("/admin/calendar/", admin=302),  # straight to the only location
        _admin_only(f"/admin/calendar/{location.id}"),
        _admin_only(f"/admin/calendar/{location.id}/details"),
        _admin_only(f"/admin/calendar/{location.id}/bays/new"),
        _admin_only(f"/admin/calendar/bays/{bay.id}/edit"),
        _admin_only(f"/admin/calendar/bays/{bay.id}/deactivate", method="POST", admin=302),
        _admin_only(f"/admin/calendar/bays/{bay.id}/reactivate", method="POST", admin=302),
        _admin_only(f"/admin/calendar/{location.id}/hours"),
        _admin_only(f"/admin/calendar/{location.id}/hours/6", method="POST", admin=302),
        _admin_only(f"/admin/calendar/{location.id}/closures/new"),
        _admin_only(f"/admin/calendar/closures/{closure.id}/delete", method="POST", admin=302),
        _admin_only(f"/admin/calendar/{location.id}/downtimes/new"),
        _admin_only(f"/admin/calendar/{location.id}/downtimes/new", method="POST"),  # the form
        _admin_only(f"/admin/calendar/downtimes/{downtime.id}/delete", method="POST", admin=302),
    ]
    walk(app, make_personas(factories), routes)

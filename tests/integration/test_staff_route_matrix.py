"""Every staff and admin route, found in the app's URL map (so a new one can't be forgotten):
anonymous visitors are sent to log in, customers get 403, mechanics get 403 on admin routes.
The per-feature tests walk the same routes with real ids and check what staff get."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from tests.support.access import ANY, LOGIN, Route, make_personas, walk


def _staff_routes(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/admin", "/staff")):
            continue
        # Placeholder values: the role check comes before any lookup.
        values = {
            name: 999999 if isinstance(conv, IntegerConverter) else "NOPE1234"
            for name, conv in rule._converters.items()
        }
        path = rule.build(values, append_unknown=False)[1]
        admin_only = rule.rule.startswith("/admin")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            expect: dict[str, int | str] = {
                "anonymous": LOGIN,
                "customer_a": 403,
                "customer_b": 403,
                # Mechanics' answers on staff routes (200, 403 for admin-only actions, 404 for
                # the placeholder) are the feature tests' business; here only admin routes.
                "mechanic": 403 if admin_only else ANY,
                "admin": ANY,
            }
            routes.append(Route(path, expect, method=method))
    return routes


@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_every_staff_route_refuses_customers_and_admin_routes_refuse_mechanics(app, factories):
    factories.location()
    routes = _staff_routes(app)
    assert len(routes) > 40  # the URL map was read
    walk(app, make_personas(factories), routes)

"""Who may open what: every page walked as anonymous, two customers, a mechanic and an admin."""

from __future__ import annotations

from tests.support.access import LOGIN, Route, make_personas, walk

ROUTES = [
    Route(
        "/", {"anonymous": 200, "customer_a": 200, "customer_b": 200, "mechanic": 200, "admin": 200}
    ),
    Route(
        "/services",
        {"anonymous": 200, "customer_a": 200, "customer_b": 200, "mechanic": 200, "admin": 200},
    ),
    Route(
        "/account/",
        {"anonymous": LOGIN, "customer_a": 200, "customer_b": 200, "mechanic": 200, "admin": 200},
    ),
    Route(
        "/account/change",
        {"anonymous": LOGIN, "customer_a": 200, "customer_b": 200, "mechanic": 200, "admin": 200},
    ),
    Route(
        "/account/change-email",
        {"anonymous": LOGIN, "customer_a": 200, "customer_b": 200, "mechanic": 200, "admin": 200},
    ),
    Route(
        "/account/delete",
        {"anonymous": LOGIN, "customer_a": 200, "customer_b": 200, "mechanic": 403, "admin": 403},
    ),
    Route(
        "/staff/today",
        {"anonymous": LOGIN, "customer_a": 403, "customer_b": 403, "mechanic": 200, "admin": 200},
    ),
    Route(
        "/admin/",
        {"anonymous": LOGIN, "customer_a": 403, "customer_b": 403, "mechanic": 403, "admin": 200},
    ),
    Route(
        "/admin/staff",
        {"anonymous": LOGIN, "customer_a": 403, "customer_b": 403, "mechanic": 403, "admin": 200},
    ),
    Route(
        "/nowhere",
        {"anonymous": 404, "customer_a": 404, "customer_b": 404, "mechanic": 404, "admin": 404},
    ),
]


def test_every_route_answers_each_role_as_designed(app, factories):
    factories.location()
    walk(app, make_personas(factories), ROUTES)


def test_staff_pages_refuse_customers_with_a_403_page(client, make_user, login):
    login(make_user())
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "open this page" in response.get_data(as_text=True)


def test_mechanic_sees_only_their_jobs_admin_sees_all(app, client, factories, login):
    from datetime import UTC, datetime

    import time_machine

    location = factories.location()
    mike = factories.mechanic(first_name="Mike")
    sam = factories.mechanic(first_name="Sam")
    day = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday, 10:00 in New York
    factories.appointment(
        location=location,
        starts_at=day,
        mechanic=mike,
        vehicle=factories.vehicle(make="Subaru", model="Outback"),
    )
    factories.appointment(
        location=location,
        bay=location.bays[1],
        starts_at=day,
        mechanic=sam,
        vehicle=factories.vehicle(make="Mazda", model="CX-5"),
    )
    with time_machine.travel(datetime(2026, 12, 2, 13, 0, tzinfo=UTC), tick=False):
        login(mike)
        page = client.get("/staff/today").get_data(as_text=True)
        assert "Subaru Outback" in page and "Mazda" not in page
        assert "10:00 AM" in page  # shown in the shop's zone

        admin_client = app.test_client()
        login(factories.admin(), test_client=admin_client)
        page = admin_client.get("/staff/today").get_data(as_text=True)
        assert "Subaru Outback" in page and "Mazda CX-5" in page
        dashboard = admin_client.get("/admin/").get_data(as_text=True)
        assert "Today at a glance" in dashboard
        assert "Subaru Outback" in dashboard and "Mazda CX-5" in dashboard

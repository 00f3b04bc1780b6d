"""Public pages: the home page says what the shop offers and how to book; services show prices."""

from __future__ import annotations

from autoshop.domain.choices import PriceKind


def test_home_page_without_a_shop_still_works(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "How booking works" in response.get_data(as_text=True)


def test_home_page_shows_hours_and_what_we_do(client, factories):
    factories.location(name="Main Street Auto", address="12 Main St")
    factories.service(category=factories.category("Brakes"), name="Brake pads")
    page = client.get("/").get_data(as_text=True)
    assert "Main Street Auto" in page and "12 Main St" in page
    assert "Monday" in page and "7:30 AM–12:00 PM, 12:30 PM–6:00 PM" in page
    assert "Sunday</dt>\n                <dd>Closed" in page
    assert "Brakes · 1 service" in page


def test_services_page_groups_active_services_with_price_and_duration(client, factories):
    brakes = factories.category("Brakes", sort_order=1)
    maint = factories.category("Maintenance", sort_order=0)
    factories.service(
        "Oil change",
        category=maint,
        duration_minutes=30,
        price_kind=PriceKind.RANGE,
        price_min_cents=5000,
        price_max_cents=7500,
    )
    factories.service("Brake pads", category=brakes, duration_minutes=90, price_min_cents=15000)
    factories.service(
        "Diagnostic",
        category=brakes,
        duration_minutes=60,
        price_kind=PriceKind.DIAGNOSIS,
        price_min_cents=8500,
    )
    factories.service("Retired job", category=brakes, active=False)
    page = client.get("/services").get_data(as_text=True)
    assert page.index("Maintenance") < page.index("Brakes")
    assert "$50–$75" in page and "About 30 min" in page
    assert "$150" in page and "About 1 h 30 min" in page
    assert "From $85, priced after diagnosis" in page
    assert "Retired job" not in page

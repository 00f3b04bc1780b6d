"""The public services page on a phone and a desktop: grouped, priced, timed and accessible."""

from __future__ import annotations

from playwright.sync_api import expect

from autoshop.domain.choices import PriceKind
from tests.support.browser import assert_accessible


def test_services_page(page, factories):
    factories.location()
    maint = factories.category("Maintenance", sort_order=0)
    diag = factories.category("Diagnostics", sort_order=1)
    factories.service(
        "Oil change (full synthetic)",
        category=maint,
        duration_minutes=45,
        price_kind=PriceKind.RANGE,
        price_min_cents=9000,
        price_max_cents=13500,
        description="Drain and refill with full synthetic oil, new filter",
    )
    factories.service(
        "Check-engine light diagnostic",
        category=diag,
        duration_minutes=60,
        price_kind=PriceKind.DIAGNOSIS,
        price_min_cents=8500,
    )

    page.goto("/services")
    expect(page.get_by_role("heading", name="Services and prices", level=1)).to_be_visible()
    maintenance = page.get_by_role("region", name="Maintenance")
    expect(maintenance.get_by_role("heading", name="Oil change (full synthetic)")).to_be_visible()
    expect(maintenance.get_by_text("$90–$135")).to_be_visible()
    expect(maintenance.get_by_text("About 45 min")).to_be_visible()
    diagnostics = page.get_by_role("region", name="Diagnostics")
    expect(diagnostics.get_by_text("From $85, priced after diagnosis")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]  # nothing sideways-scrolls on a phone
    assert_accessible(page, "services")

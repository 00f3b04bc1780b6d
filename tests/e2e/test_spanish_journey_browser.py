"""A Spanish-speaking guest, on a phone: picks Español in the footer, books in Spanish, and the
confirmation email (through the outbox worker and a real SMTP server) is in Spanish too.

What the pages and the email should say is looked up in the Spanish catalog (`spanish()`), and
each lookup must differ from the English: a string left untranslated fails here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from autoshop.extensions import db
from autoshop.i18n import format_moment, speaking
from autoshop.models import Appointment
from autoshop.notifications.worker import run_worker
from tests.support.browser import VIEWPORTS, assert_accessible, htmx_settled, screenshot

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
ZONE = ZoneInfo("America/New_York")
START = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)  # Wednesday 1:30 PM in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def spanish(app, text: str, **values: object) -> str:
    """`text` as the Spanish catalog has it (it must have it)."""
    from flask_babel import gettext

    with app.test_request_context(), speaking("es"):
        translated = gettext(text, **values)
    with app.test_request_context(), speaking("en"):
        english = gettext(text, **values)
    assert translated != english, f"not translated: {text!r}"
    return translated


def in_spanish(app, moment: datetime, style: str) -> str:
    with app.test_request_context(), speaking("es"):
        return format_moment(moment, style, ZONE)


def test_a_guest_books_in_spanish_and_is_emailed_in_spanish(
    app, browser, live_server, factories, smtp_server
):
    app.config.update(smtp_server.mail_settings, PUBLIC_BASE_URL=live_server.url)
    shop = factories.booking_shop()
    context = browser.new_context(viewport=VIEWPORTS["phone"], base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_name = "phone-es"
    try:
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.locator("#language-choice").select_option("es")
        page.locator("#language-form button[type=submit]").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("link", name=spanish(app, "Book a visit")).first).to_be_visible()
        assert_accessible(page, "es-home")

        page.goto("/book")
        page.wait_for_load_state("load")
        page.locator(f"#service-{shop['pads'].id}").check()
        page.locator("main form button[type=submit]").first.click()

        page.locator("#f-year").fill("2016")
        page.locator("#f-make").fill("Toyota")
        page.locator("#f-model").fill("Corolla")
        page.locator("main form button[type=submit]").first.click()

        page.get_by_role("heading", name=spanish(app, "When suits you?")).wait_for()
        page.wait_for_load_state("load")
        page.locator("#month-next").click()
        page.get_by_role("heading", name=in_spanish(app, START, "month"), exact=False).wait_for()
        htmx_settled(page)
        page.locator("#day-2026-12-02").click()
        page.get_by_text(in_spanish(app, START, "day"), exact=False).first.wait_for()
        htmx_settled(page)
        time_label = in_spanish(app, START, "time")
        page.locator("label", has_text=re.compile(rf"^\s*{re.escape(time_label)}\s*$")).click()
        assert_accessible(page, "es-book-times")
        page.locator(".time-form button[type=submit]").click()

        page.locator("#f-name").fill("Gustavo Guzmán")
        page.locator("#f-email").fill("gustavo@example.com")
        page.locator("#f-phone").fill("201 555 0100")
        page.locator("main form button[type=submit]").first.click()
        page.get_by_role("heading", name=spanish(app, "Check and confirm")).wait_for()
        assert_accessible(page, "es-book-review")
        page.locator("main form button[type=submit]").first.click()

        page.get_by_role("heading", name=spanish(app, "Your appointment")).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert_accessible(page, "es-appointment")
        screenshot(page, "es-appointment")
    finally:
        context.close()

    db.session.expire_all()
    (appointment,) = db.session.scalars(sa.select(Appointment)).all()
    assert appointment.locale == "es"
    assert appointment.starts_at == START

    run_worker(app, once=True, clock=lambda: NOW)
    (received,) = smtp_server.to("gustavo@example.com")
    message = received.message
    when = in_spanish(app, START, "day_at")
    assert when in str(message["Subject"])
    assert appointment.reference in str(message["Subject"])
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for body in (text, html):
        assert in_spanish(app, START, "long_moment") in body
        assert "Your visit" not in body and "is booked" not in body
    calendar = next(
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    )
    event = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")[0]
    assert str(event["summary"]) == "Main Street Auto: Brake pads"  # names as the shop typed them
    assert str(event["description"]).startswith(
        spanish(
            app,
            "Appointment %(reference)s at %(location)s.",
            reference=appointment.reference,
            location="Main Street Auto",
        )
    )

"""Schedule changes that hit bookings are never silent (issue 8, item 6).

Before a closure, a bay deactivation or narrower hours is saved, the admin sees the visits it
affects and keeps them (listed as conflicts on the dashboard until resolved) or cancels them
(each customer is told why, with a link to book again). Nothing is saved until they choose.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.choices import NotificationStatus
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Bay, Closure, Notification, OpeningHours
from autoshop.services import booking, outbox_planning, schedule_conflicts
from tests.conftest import submit_form
from tests.support.messages import message_html, message_text

#: Tuesday Nov 10, 2026, 09:00 in New York.
NOW = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
#: Tuesday Nov 17, 10:00-12:00 in New York: the visit the changes hit.
VISIT = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(factories):
    return factories.admin(first_name="Dana")


@pytest.fixture
def admin_client(client, admin, login):
    login(admin)
    return client


@pytest.fixture
def shop(factories):
    """The booking shop with a customer's visit on Tuesday Nov 17 (reminders planned) and one
    on Wednesday Nov 18 on the other bay, which none of the changes below touches."""
    shop = factories.booking_shop()
    location = shop["location"]
    customer = factories.customer(email="kim@example.com", first_name="Kim", last_name="Lee")
    vehicle = factories.vehicle(owner=customer, year=2020, make="Mazda", model="3")
    visit = factories.appointment(
        location=location,
        bay=location.bays[0],
        customer=customer,
        vehicle=vehicle,
        services=[shop["oil"], shop["pads"]],
        starts_at=VISIT,
    )
    outbox_planning.plan_booking(visit, now=NOW)
    other = factories.appointment(
        location=location,
        bay=location.bays[1],
        services=[shop["oil"]],
        starts_at=datetime(2026, 11, 18, 15, 0, tzinfo=UTC),
    )
    db.session.commit()
    return {**shop, "visit": visit, "other": other, "customer": customer}


_HIDDEN_RE = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_ATTR_RE = re.compile(r'(name|value)="([^"]*)"')
_TEXTAREA_RE = re.compile(r'<textarea[^>]*name="decision-message"[^>]*>(.*?)</textarea>', re.S)


def confirmation_fields(page: str) -> list[tuple[str, str]]:
    """The hidden inputs and the message of the confirmation form, as a browser would post them."""
    fields = []
    for tag in _HIDDEN_RE.findall(page):
        attrs = dict(_ATTR_RE.findall(tag))
        fields.append((attrs["name"], html.unescape(attrs.get("value", ""))))
    message = _TEXTAREA_RE.search(page)
    assert message, "the confirmation has no message field"
    fields.append(("decision-message", html.unescape(message.group(1)).strip()))
    return fields


def decide(client, page: str, action: str, choice: str | None, **overrides: str):
    fields = [(k, v) for k, v in confirmation_fields(page) if k not in overrides]
    fields += list(overrides.items())
    if choice is not None:
        fields.append(("decision-choice", choice))
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return client.post(action, data=data)


def refreshed(row):
    db.session.commit()
    db.session.refresh(row)
    return row


def cancellations() -> list[Notification]:
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.kind == outbox_planning.CANCELLED)
        )
    )


def pending_reminders(appointment: Appointment) -> int:
    db.session.commit()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(
            Notification.appointment_id == appointment.id,
            Notification.kind == outbox_planning.REMINDER,
            Notification.status == NotificationStatus.PENDING,
        )
    )


def assert_lists_the_visit(page: str, shop) -> None:
    visit = shop["visit"]
    assert "This change affects booked visits" in page
    assert visit.reference in page
    assert "Tue Nov 17, 2026, 10:00 AM–12:00 PM" in page
    assert "Kim Lee" in page and "kim@example.com" in page
    assert "2020 Mazda 3" in page
    assert "Oil change, Brake pads" in page
    assert shop["other"].reference not in page


def _count(model) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def dashboard(client) -> str:
    return client.get("/admin/").get_data(as_text=True)


# --- closures -------------------------------------------------------------------------------


def _closure_form(location, **overrides: str):
    data = {
        "starts_local": "2026-11-17T00:00",
        "ends_local": "2026-11-18T00:00",
        "reason": "Staff training",
    }
    return data | overrides


def _propose_closure(admin_client, shop):
    location = shop["location"]
    url = f"/admin/calendar/{location.id}/closures/new"
    response = submit_form(admin_client, url, _closure_form(location))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_lists_the_visit(page, shop)
    assert "Shop closed: Staff training" in page
    # Nothing is saved while the admin decides: abandoning the page changes nothing.
    assert _count(Closure) == 0
    assert refreshed(shop["visit"]).status is AppointmentStatus.SCHEDULED
    return url, page


def test_closing_a_booked_day_and_keeping_the_visit_lists_it_as_a_conflict(admin_client, shop):
    url, page = _propose_closure(admin_client, shop)

    response = decide(admin_client, page, url, "keep")

    assert response.status_code == 302
    closure = db.session.scalar(sa.select(Closure))
    assert closure.reason == "Staff training"
    assert closure.starts_at == datetime(2026, 11, 17, 5, 0, tzinfo=UTC)
    visit = refreshed(shop["visit"])
    assert visit.status is AppointmentStatus.SCHEDULED
    assert cancellations() == []
    assert pending_reminders(visit) == 2
    calendar = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The closure was added." in calendar
    assert "1 visit kept. It is listed on the dashboard as a conflict" in calendar

    board = dashboard(admin_client)
    assert "Booked visits that don't fit the schedule" in board
    assert visit.reference in board and "Shop closed: Staff training" in board
    assert shop["other"].reference not in board.split("Set up the shop")[0]

    # Changing the schedule back resolves the conflict by itself.
    submit_form(
        admin_client,
        f"/admin/calendar/{shop['location'].id}",
        {},
        action=f"/admin/calendar/closures/{closure.id}/delete",
    )
    assert visit.reference not in dashboard(admin_client)


def test_closing_a_booked_day_and_cancelling_tells_the_customer_with_a_rebooking_link(
    admin_client, shop, admin
):
    url, page = _propose_closure(admin_client, shop)
    assert "We&#39;re closed at the time of your visit: Staff training." in page  # the default

    response = decide(
        admin_client,
        page,
        url,
        "cancel",
        **{"decision-message": "Our team is away at a training day. Sorry!"},
    )

    assert response.status_code == 302
    assert _count(Closure) == 1
    visit = refreshed(shop["visit"])
    assert visit.status is AppointmentStatus.CANCELLED
    change = visit.status_changes[-1]
    assert (change.to_status, change.changed_by_id) == (AppointmentStatus.CANCELLED, admin.id)
    assert change.note == "Our team is away at a training day. Sorry!"
    assert pending_reminders(visit) == 0
    assert refreshed(shop["other"]).status is AppointmentStatus.SCHEDULED

    (message,) = cancellations()
    assert message.recipient == "kim@example.com"
    rebook = f"http://127.0.0.1:5000/book?services={shop['oil'].id}&services={shop['pads'].id}"
    for body in (message_text(message), message_html(message)):
        assert "Main Street Auto has had to cancel your visit" in body
        assert "Our team is away at a training day. Sorry!" in body
        assert html.unescape(body).count(rebook) == 1
    assert "Book another time: " + rebook in message_text(message)

    calendar = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 visit cancelled; each customer is being told" in calendar
    assert visit.reference not in dashboard(admin_client)


def test_a_customer_who_wants_texts_gets_the_shops_reason_and_the_link_by_sms(admin_client, shop):
    customer = shop["customer"]
    customer.sms_opt_in, customer.phone = True, "+12015550147"
    db.session.commit()
    url, page = _propose_closure(admin_client, shop)
    decide(admin_client, page, url, "cancel", **{"decision-message": "Flooded workshop"})
    (sms,) = [m for m in cancellations() if m.channel.value == "sms"]
    assert sms.recipient == "+12015550147"
    assert "sorry, we had to cancel your visit" in message_text(sms)
    assert "(Flooded workshop)" in message_text(sms)
    assert f"Book again: http://127.0.0.1:5000/book?services={shop['oil'].id}" in message_text(sms)


def test_the_rebooking_link_is_plain_book_when_a_service_is_no_longer_offered(admin_client, shop):
    shop["pads"].active = False
    db.session.commit()
    url, page = _propose_closure(admin_client, shop)
    decide(admin_client, page, url, "cancel")
    (message,) = cancellations()
    assert "Book another time: http://127.0.0.1:5000/book\n" in message_text(message)
    assert "services=" not in message_text(message)


def test_the_admin_must_choose_and_give_a_reason_to_cancel_and_nothing_is_saved_meanwhile(
    admin_client, shop
):
    url, page = _propose_closure(admin_client, shop)

    response = decide(admin_client, page, url, None)
    assert response.status_code == 200
    assert "Choose whether to keep these visits or cancel them." in response.get_data(as_text=True)

    response = decide(admin_client, page, url, "cancel", **{"decision-message": "  "})
    assert "Tell the customers why their visit is cancelled." in response.get_data(as_text=True)

    assert _count(Closure) == 0
    assert refreshed(shop["visit"]).status is AppointmentStatus.SCHEDULED
    assert cancellations() == []


def test_a_visit_booked_while_the_admin_decides_is_shown_before_anything_is_saved(
    admin_client, shop, factories
):
    url, page = _propose_closure(admin_client, shop)
    late = factories.appointment(
        location=shop["location"],
        bay=shop["location"].bays[1],
        starts_at=datetime(2026, 11, 17, 19, 0, tzinfo=UTC),
    )

    response = decide(admin_client, page, url, "cancel")

    assert response.status_code == 200
    again = response.get_data(as_text=True)
    assert "changed while you were deciding" in again
    assert late.reference in again and shop["visit"].reference in again
    assert _count(Closure) == 0 and cancellations() == []

    response = decide(admin_client, again, url, "cancel")
    assert response.status_code == 302
    assert refreshed(late).status is AppointmentStatus.CANCELLED
    assert refreshed(shop["visit"]).status is AppointmentStatus.CANCELLED
    assert len(cancellations()) == 2


def test_a_visit_cancelled_meanwhile_leaves_nothing_to_decide(admin_client, shop):
    url, page = _propose_closure(admin_client, shop)
    booking.cancel(refreshed(shop["visit"]), now=NOW, actor=shop["customer"])

    response = decide(admin_client, page, url, "cancel")

    assert response.status_code == 302
    assert _count(Closure) == 1
    assert len(cancellations()) == 1  # the customer's own, not a second one


def test_cancelling_reports_a_visit_that_can_no_longer_be_cancelled(shop, admin):
    visit = shop["visit"]
    visit.status = AppointmentStatus.COMPLETED
    db.session.commit()
    outcome = schedule_conflicts.cancel_visits(
        [visit.id, shop["other"].id], now=NOW, actor=admin, reason="Flooded"
    )
    assert [a.id for a in outcome.cancelled] == [shop["other"].id]
    assert outcome.refused == [(visit.reference, "A completed appointment can't be cancelled.")]
    assert refreshed(visit).status is AppointmentStatus.COMPLETED


def test_a_closure_over_no_booking_is_saved_at_once(admin_client, shop):
    location = shop["location"]
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/closures/new",
        _closure_form(location, starts_local="2026-11-19T00:00", ends_local="2026-11-20T00:00"),
    )
    assert response.status_code == 302
    assert _count(Closure) == 1


# --- bays -----------------------------------------------------------------------------------


def _propose_deactivation(admin_client, shop):
    bay = shop["location"].bays[0]
    url = f"/admin/calendar/bays/{bay.id}/deactivate"
    response = submit_form(admin_client, f"/admin/calendar/{shop['location'].id}", {}, action=url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_lists_the_visit(page, shop)
    assert "Lift 1 is not in use" in page
    assert refreshed(bay).active is True
    return bay, url, page


def test_deactivating_a_booked_bay_and_keeping_the_visit_lists_it_as_a_conflict(admin_client, shop):
    bay, url, page = _propose_deactivation(admin_client, shop)

    response = decide(admin_client, page, url, "keep")

    assert response.status_code == 302
    assert refreshed(bay).active is False
    assert refreshed(shop["visit"]).status is AppointmentStatus.SCHEDULED
    assert cancellations() == []
    board = dashboard(admin_client)
    assert shop["visit"].reference in board and "Lift 1 is not in use" in board

    # Moving the visit to a time on the other bay resolves it.
    booking.reschedule(
        refreshed(shop["visit"]),
        datetime(2026, 11, 19, 15, 0, tzinfo=UTC),
        now=NOW,
        actor=shop["customer"],
    )
    assert refreshed(shop["visit"]).bay_id != bay.id
    assert shop["visit"].reference not in dashboard(admin_client)


def test_deactivating_a_booked_bay_and_cancelling_tells_the_customer(admin_client, shop):
    bay, url, page = _propose_deactivation(admin_client, shop)

    response = decide(admin_client, page, url, "cancel")

    assert response.status_code == 302
    assert refreshed(bay).active is False
    assert refreshed(shop["visit"]).status is AppointmentStatus.CANCELLED
    (message,) = cancellations()
    assert "The bay set aside for your visit is out of service" in message_text(message)
    assert "Book another time: http://127.0.0.1:5000/book?services=" in message_text(message)


def test_unticking_in_use_on_the_bay_form_asks_first_too(admin_client, shop):
    bay = shop["location"].bays[0]
    url = f"/admin/calendar/bays/{bay.id}/edit"
    response = submit_form(
        admin_client,
        url,
        {"name": "Lift 1", "capabilities": ["lift", "general"], "sort_order": "0"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_lists_the_visit(page, shop)
    assert refreshed(bay).active is True

    response = decide(admin_client, page, url, "keep")
    assert response.status_code == 302
    assert refreshed(bay).active is False
    assert refreshed(shop["visit"]).status is AppointmentStatus.SCHEDULED


# --- opening hours --------------------------------------------------------------------------


def _propose_short_tuesday(admin_client, shop):
    location = shop["location"]
    url = f"/admin/calendar/{location.id}/hours/1"
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/hours",
        {"day1-intervals-0-opens": "07:30", "day1-intervals-0-closes": "09:30"},
        action=url,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert_lists_the_visit(page, shop)
    assert "Outside opening hours" in page
    assert "Change Tuesday opening hours at Main Street Auto to 7:30 AM–9:30 AM" in page
    return url, page


def _tuesday() -> list[tuple[time, time]]:
    db.session.commit()
    rows = db.session.scalars(
        sa.select(OpeningHours).where(OpeningHours.weekday == 1).order_by(OpeningHours.opens)
    )
    return [(r.opens, r.closes) for r in rows]


def test_narrowing_hours_and_keeping_the_visit_lists_it_as_a_conflict(admin_client, shop):
    url, page = _propose_short_tuesday(admin_client, shop)
    assert _tuesday() == [(time(7, 30), time(12)), (time(12, 30), time(18))]

    response = decide(admin_client, page, url, "keep")

    assert response.status_code == 302
    assert _tuesday() == [(time(7, 30), time(9, 30))]
    assert refreshed(shop["visit"]).status is AppointmentStatus.SCHEDULED
    board = dashboard(admin_client)
    assert shop["visit"].reference in board and "Outside opening hours" in board


def test_narrowing_hours_and_cancelling_tells_the_customer(admin_client, shop):
    url, page = _propose_short_tuesday(admin_client, shop)

    response = decide(admin_client, page, url, "cancel")

    assert response.status_code == 302
    assert _tuesday() == [(time(7, 30), time(9, 30))]
    assert refreshed(shop["visit"]).status is AppointmentStatus.CANCELLED
    (message,) = cancellations()
    assert "We've changed our opening hours" in message_text(message)


def test_hours_that_still_fit_every_visit_are_saved_at_once(admin_client, shop):
    location = shop["location"]
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/hours",
        {"day1-intervals-0-opens": "08:00", "day1-intervals-0-closes": "17:00"},
        action=f"/admin/calendar/{location.id}/hours/1",
    )
    assert response.status_code == 302
    assert _tuesday() == [(time(8), time(17))]


# --- the dashboard --------------------------------------------------------------------------


def test_the_dashboard_lists_only_scheduled_visits_that_dont_fit(admin_client, shop, factories):
    location = shop["location"]
    inactive = factories.bay(location, "Old lift")
    inactive.active = False
    db.session.commit()
    on_inactive_bay = factories.appointment(
        location=location, bay=inactive, starts_at=datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    )
    sunday = factories.appointment(
        location=location, starts_at=datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    )
    factories.appointment(  # cancelled: not a conflict
        location=location,
        starts_at=datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
        status=AppointmentStatus.CANCELLED,
    )
    factories.appointment(  # already over: not a conflict
        location=location, starts_at=datetime(2026, 11, 8, 15, 0, tzinfo=UTC)
    )
    factories.closure(
        location,
        starts_at=datetime(2026, 11, 17, 5, 0, tzinfo=UTC),
        ends_at=datetime(2026, 11, 18, 5, 0, tzinfo=UTC),
        reason="Flooded",
    )

    board = dashboard(admin_client)
    section = board.split('id="conflicts-heading"')[1].split("Set up the shop")[0]
    found = re.findall(r">([A-Z0-9]{6,12})</a>", section)
    assert found == [shop["visit"].reference, on_inactive_bay.reference, sunday.reference]
    assert "Shop closed: Flooded" in section
    assert "Old lift is not in use" in section
    assert "Outside opening hours" in section
    assert f"/appointments/{sunday.reference}/reschedule" in section
    assert f"/appointments/{sunday.reference}/cancel" in section


def test_the_dashboard_has_no_conflicts_section_when_everything_fits(admin_client, shop):
    assert "conflicts-heading" not in dashboard(admin_client)


def test_only_admins_reach_the_confirmation(client, shop, factories, login):
    login(factories.mechanic())
    bay = shop["location"].bays[0]
    response = submit_form(client, "/", {}, action=f"/admin/calendar/bays/{bay.id}/deactivate")
    assert response.status_code in (403, 404)
    assert db.session.get(Bay, bay.id).active is True


def test_a_customers_own_cancellation_is_worded_as_theirs_and_also_offers_to_book_again(shop):
    booking.cancel(refreshed(shop["visit"]), now=NOW, actor=shop["customer"], reason="Car sold")
    (message,) = cancellations()
    assert "is cancelled. We hope to see you another time." in message_text(message)
    assert "has had to cancel" not in message_text(message)
    assert "Car sold" not in message_text(message)  # a customer's own note is not read back to them
    assert "Book another time: http://127.0.0.1:5000/book?services=" in message_text(message)

"""Every change to an appointment, through the web, the guest link and the API: moving a visit
back to a time it had, reminders that follow the truth, and who may change what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Appointment, Notification
from autoshop.services import booking
from autoshop.services.manage_links import make_token
from autoshop.services.status import change_status
from tests.conftest import submit_form
from tests.integration.test_booking_web import plain, submit, text_of
from tests.support.messages import message_text

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
WED_930 = datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
TUE_9_LOCAL = "2026-12-01T09:00:00-05:00"
WED_930_LOCAL = "2026-12-02T09:30:00-05:00"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    return factories.booking_shop()


def _book(shop, **overrides) -> Appointment:
    values = {
        "service_ids": [shop["oil"].id],
        "starts_at": TUE_9,
        "vehicle": booking.VehicleDetails(year=2019, make="Honda", model="CR-V"),
    }
    values.update(overrides)
    return booking.book(booking.BookingRequest(**values), now=NOW)


def _messages(appointment_id: int, kind: str | None = None, status: str | None = None):
    db.session.expire_all()
    stmt = sa.select(Notification).where(Notification.appointment_id == appointment_id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    if status:
        stmt = stmt.where(Notification.status == status)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def _pending_reminders(appointment_id: int) -> list[Notification]:
    return _messages(appointment_id, "appointment_reminder", "pending")


def _api_post(client, url: str, body: dict) -> object:
    return client.post(url, json=body)


# --- moving a visit back ------------------------------------------------------------------------


def test_customer_moves_a_visit_away_and_back_on_the_web(client, login, shop, factories):
    customer = factories.customer()
    appointment = _book(shop, customer=customer)
    login(customer)
    base = f"/appointments/{appointment.reference}/reschedule"
    for start, day in ((WED_930_LOCAL, "2026-12-02"), (TUE_9_LOCAL, "2026-12-01")):
        page = text_of(client.get(f"{base}?day={day}"))
        response = submit(client, page, action=base, start=start)
        assert response.status_code == 303, text_of(response)[:3000]
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).starts_at == TUE_9
    # The reminders for Tuesday 09:00 are planned again: one of each lead, live.
    reminders = _pending_reminders(appointment.id)
    assert sorted(r.due_at for r in reminders) == [
        TUE_9 - timedelta(hours=24),
        TUE_9 - timedelta(hours=2),
    ]
    assert all(r.dedupe_key.endswith("20261201T1400Z:email") for r in reminders)  # UTC, not 0900


def test_guest_moves_a_visit_to_its_own_time_and_back_by_link(client, shop):
    appointment = _book(shop, guest=booking.GuestContact(name="Gus", email="gus@example.com"))
    base = f"/appointments/manage/{make_token(appointment)}/reschedule"
    for start, day in (
        (TUE_9_LOCAL, "2026-12-01"),  # its own time
        (WED_930_LOCAL, "2026-12-02"),
        (TUE_9_LOCAL, "2026-12-01"),
    ):
        page = text_of(client.get(f"{base}?day={day}"))
        response = submit(client, page, action=base, start=start)
        assert response.status_code == 303, text_of(response)[:3000]
    assert len(_pending_reminders(appointment.id)) == 2


def test_moving_back_through_the_api(client, login, shop, factories):
    customer = factories.customer()
    appointment = _book(shop, customer=customer)
    login(customer)
    url = f"/api/v1/appointments/{appointment.reference}/reschedule"
    for start in (WED_930_LOCAL, TUE_9_LOCAL, TUE_9_LOCAL):
        response = _api_post(client, url, {"start": start})
        assert response.status_code == 200, response.get_json()
    assert response.get_json()["start"] == TUE_9_LOCAL
    assert len(_pending_reminders(appointment.id)) == 2


def test_a_reminder_already_sent_for_the_same_moment_is_not_sent_again(shop, factories):
    customer = factories.customer()
    appointment = _book(shop, customer=customer)
    day_before = _pending_reminders(appointment.id)[0]
    day_before.status, day_before.sent_at = "sent", NOW
    db.session.commit()
    booking.reschedule(appointment, WED_930, now=NOW, actor=customer)
    booking.reschedule(appointment, TUE_9, now=NOW, actor=customer)
    assert [r.due_at for r in _pending_reminders(appointment.id)] == [TUE_9 - timedelta(hours=2)]


# --- reminders follow the truth ---------------------------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [
        [S.CHECKED_IN],
        [S.NO_SHOW],
        [S.CHECKED_IN, S.IN_PROGRESS, S.READY_FOR_PICKUP, S.COMPLETED],
    ],
    ids=["check-in", "no-show", "completed"],
)
def test_reminders_are_withdrawn_once_the_car_is_in_or_the_visit_is_over(shop, factories, steps):
    appointment = _book(shop, customer=factories.customer())
    admin = factories.admin()
    assert len(_pending_reminders(appointment.id)) == 2
    for target in steps:
        change_status(appointment, target, actor=admin, now=NOW)
    assert _pending_reminders(appointment.id) == []


def test_turning_a_channel_off_withdraws_its_reminders_and_on_plans_them(
    client, login, shop, factories
):
    customer = factories.customer(phone="+16175550123", sms_opt_in=True)
    appointment = _book(shop, customer=customer)
    channels = lambda: sorted(r.channel.value for r in _pending_reminders(appointment.id))  # noqa: E731
    assert channels() == ["email", "email", "sms", "sms"]
    login(customer)
    profile = {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": "+16175550123",
        "email_opt_in": "y",
    }
    response = submit_form(client, "/account/", profile)  # texts unticked
    assert response.status_code == 302
    assert channels() == ["email", "email"]
    response = submit_form(client, "/account/", {**profile, "sms_opt_in": "y"})
    assert response.status_code == 302
    assert channels() == ["email", "email", "sms", "sms"]
    submit_form(client, "/account/", {**profile, "email_opt_in": "", "sms_opt_in": "y"})
    assert channels() == ["sms", "sms"]


def test_a_note_for_the_customer_reaches_them_whatever_the_status(shop, factories):
    appointment = _book(shop, customer=factories.customer())
    mechanic = factories.mechanic()
    change_status(appointment, S.CHECKED_IN, actor=mechanic, now=NOW)
    change_status(
        appointment, S.IN_PROGRESS, actor=mechanic, now=NOW, note="Found a nail in the tyre."
    )
    (latest,) = [m for m in _messages(appointment.id, "appointment_status")][-1:]
    assert "Found a nail in the tyre." in message_text(latest)
    change_status(appointment, S.WAITING_ON_PARTS, actor=mechanic, now=NOW)
    change_status(appointment, S.IN_PROGRESS, actor=mechanic, now=NOW)  # no note: no message
    assert len(_messages(appointment.id, "appointment_status")) == 3


# --- who may change what, on the web and the API -----------------------------------------------


def test_mechanics_can_neither_cancel_nor_reschedule_through_the_api(
    client, login, shop, factories
):
    appointment = _book(shop, customer=factories.customer())
    login(factories.mechanic())
    base = f"/api/v1/appointments/{appointment.reference}"
    moved = _api_post(client, base + "/reschedule", {"start": WED_930_LOCAL})
    assert moved.status_code == 403, moved.get_json()
    cancelled = _api_post(client, base + "/cancel", {})
    assert cancelled.status_code == 403
    assert cancelled.get_json()["type"].endswith("/admin-only")
    db.session.expire_all()
    unchanged = db.session.get(Appointment, appointment.id)
    assert unchanged.status is S.SCHEDULED and unchanged.starts_at == TUE_9


def test_mechanics_can_neither_cancel_nor_reschedule_on_the_web(client, login, shop, factories):
    appointment = _book(shop, customer=factories.customer())
    mechanic = factories.mechanic()
    change_status(appointment, S.CHECKED_IN, actor=mechanic, now=NOW)
    login(mechanic)
    page = text_of(client.get(f"/staff/appointments/{appointment.reference}"))
    assert "Cancel visit" not in page and "Reschedule" not in page
    base = f"/appointments/{appointment.reference}"
    page = text_of(client.get(base + "/cancel"))
    assert "Only an admin can cancel a checked in visit." in plain(page)
    response = client.post(base + "/cancel", data={"csrf_token": _csrf(page)})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is S.CHECKED_IN


def test_an_admin_cancels_a_checked_in_visit_on_the_web(client, login, shop, factories):
    appointment = _book(shop, customer=factories.customer())
    admin = factories.admin()
    change_status(appointment, S.CHECKED_IN, actor=admin, now=NOW)
    login(admin)
    page = text_of(client.get(f"/staff/appointments/{appointment.reference}"))
    assert "Cancel visit" in page and "Reschedule" not in page
    base = f"/appointments/{appointment.reference}"
    page = text_of(client.get(base + "/cancel"))
    response = submit(client, page, action=base + "/cancel", reason="Our lift broke down.")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is S.CANCELLED
    (message,) = _messages(appointment.id, "appointment_cancelled")
    assert "Our lift broke down." in message_text(message)


def test_a_page_left_open_while_the_visit_changed_gets_changed_meanwhile(
    client, login, shop, factories
):
    customer = factories.customer()
    appointment = _book(shop, customer=customer)
    login(customer)
    base = f"/appointments/{appointment.reference}"
    page = text_of(client.get(base + "/cancel"))
    change_status(appointment, S.CHECKED_IN, actor=factories.mechanic(), now=NOW)  # meanwhile
    response = submit(client, page, action=base + "/cancel")
    assert response.status_code == 409
    assert "changed by someone else meanwhile and is now checked in" in plain(text_of(response))
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).status is S.CHECKED_IN


def test_a_stale_job_card_doesnt_overwrite_the_current_state(client, login, shop, factories):
    appointment = _book(shop, customer=factories.customer())
    mike, sam = factories.mechanic(), factories.mechanic()
    with time_machine.travel(TUE_9 - timedelta(minutes=10), tick=False):
        login(mike)
        page = text_of(client.get("/staff/today"))
        change_status(appointment, S.CHECKED_IN, actor=sam, now=NOW)  # meanwhile, by Sam
        response = submit(
            client,
            page,
            action=f"/staff/appointments/{appointment.reference}/status",
            target="checked_in",
        )
        assert response.status_code == 302
        page = text_of(client.get(response.headers["Location"]))
    assert "changed by someone else meanwhile and is now checked in" in plain(page)
    assert [c.to_status for c in appointment.status_changes] == [S.SCHEDULED, S.CHECKED_IN]


def _csrf(page: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(page)


def test_a_taken_time_offers_no_alternative_at_which_the_vehicle_is_busy(shop, factories):
    customer = factories.customer()
    car = factories.vehicle(owner=customer, make="Subaru", model="Forester")
    # The car's other visit, Tuesday 09:30 to 10:00, on the second lift.
    _book(
        shop,
        customer=customer,
        vehicle=None,
        vehicle_id=car.id,
        starts_at=TUE_9 + timedelta(minutes=30),
    )
    for bay in shop["location"].bays:  # Tuesday 09:00 is full
        factories.appointment(
            location=shop["location"],
            bay=bay,
            starts_at=TUE_9 - timedelta(hours=1, minutes=30),
            services=[shop["pads"]],
        )
    with pytest.raises(booking.SlotTaken) as taken:
        _book(shop, customer=customer, vehicle=None, vehicle_id=car.id, starts_at=TUE_9)
    alternatives = taken.value.alternatives
    assert alternatives
    busy_from, busy_to = TUE_9 + timedelta(minutes=30), TUE_9 + timedelta(minutes=60)
    assert all(not (a < busy_to and busy_from < a + timedelta(minutes=30)) for a in alternatives)


def test_assigning_a_mechanic_goes_through_the_guarded_path(shop, factories):
    from autoshop.services.booking import NotAllowed
    from autoshop.services.status import assign_mechanic

    appointment = _book(shop, customer=factories.customer())
    admin, mike, sam = factories.admin(), factories.mechanic(), factories.mechanic()
    assign_mechanic(appointment, sam, actor=sam, now=NOW)  # Sam takes the open job
    with pytest.raises(NotAllowed, match="another mechanic"):
        assign_mechanic(appointment, mike, actor=mike, now=NOW)
    assign_mechanic(appointment, mike, actor=admin, now=NOW)  # the admin hands it over
    with pytest.raises(booking.BookingError, match="one of the shop's active mechanics"):
        assign_mechanic(appointment, factories.customer(), actor=admin, now=NOW)
    db.session.expire_all()
    assert db.session.get(Appointment, appointment.id).mechanic_id == mike.id

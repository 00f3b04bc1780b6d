"""The booking flow and the appointment pages through the web, JavaScript off, on both engines.

Pages are driven like a browser without JavaScript: read the step's form, fill it, submit it.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from icalendar import Calendar
from werkzeug.datastructures import MultiDict

from autoshop.domain.choices import NotificationChannel, VisitMode
from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, Notification, Vehicle
from autoshop.services import booking
from autoshop.services.manage_links import make_token
from tests.conftest import csrf_token_from
from tests.support.access import LOGIN, Route, make_personas, walk
from tests.support.messages import message_text

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Monday 08:00 in New York
TUE_9 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday 09:00 in New York
TUE_9_LOCAL = "2026-12-01T09:00:00-05:00"
GOOD_VIN = "1HGCM82633A004352"


# --- a browser without JavaScript ---------------------------------------------------------------


class _Forms(HTMLParser):
    """Every form on a page: method, action and the values a browser would submit as they are."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "method": a.get("method", "get").lower(),
                    "action": a.get("action", ""),
                    "class": a.get("class", ""),
                    "fields": [],
                    "options": {},
                }
            )
        elif tag == "input" and self.forms and a.get("name"):
            form, kind = self.forms[-1], a.get("type", "text")
            if kind in ("radio", "checkbox"):
                form["options"].setdefault(a["name"], []).append(a.get("value", "on"))
                if "checked" in a:
                    form["fields"].append([a["name"], a.get("value", "on")])
            elif kind != "submit":
                form["fields"].append([a["name"], a.get("value", "")])
        elif tag == "textarea" and self.forms:
            self._textarea = [a["name"], ""]
            self.forms[-1]["fields"].append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def form_on(
    page: str, action: str = "/book", method: str | None = None, *, mode_form: bool = False
) -> dict[str, Any]:
    """The first form to `action`; the "when" step's drop-off-or-wait form only if asked."""
    parser = _Forms()
    parser.feed(page)
    for form in parser.forms:
        if (
            form["action"].split("?")[0] == action
            and method in (None, form["method"])
            and ("mode-form" in form["class"].split()) is mode_form
        ):
            return form
    raise AssertionError(f"no form to {action} on the page")


def submit(
    client,
    page: str,
    action: str = "/book",
    method: str | None = None,
    *,
    mode_form: bool = False,
    **changes,
):
    """Submit the page's form to `action` with `changes` (a list value sends several)."""
    form = form_on(page, action, method, mode_form=mode_form)
    data: MultiDict[str, str] = MultiDict()
    for name, value in form["fields"]:
        if name not in changes:
            data.add(name, value.lstrip("\n") if name == "concern" else value)
    for name, value in changes.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, str(item))
    if form["method"] == "post":
        return client.post(form["action"], data=data)
    return client.get(form["action"], query_string=data)


def link(page: str, element_id: str) -> str:
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*href="([^"]+)"', page)
    assert match, f"no link #{element_id} on the page"
    return html.unescape(match.group(1))


def text_of(response) -> str:
    return response.get_data(as_text=True)


def plain(page: str) -> str:
    """The page's text with entities decoded, to look for messages with apostrophes."""
    return html.unescape(page)


def appointments() -> list[Appointment]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Appointment)))


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(factories):
    return factories.booking_shop()


@pytest.fixture
def customer(factories):
    person = factories.customer(email="cara@example.com", first_name="Cara")
    factories.vehicle(owner=person, year=2019, make="Honda", model="CR-V", plate="CARA1")
    return person


def book_directly(shop, **overrides) -> Appointment:
    values: dict[str, Any] = {
        "service_ids": [shop["oil"].id, shop["pads"].id],
        "starts_at": TUE_9,
        "vehicle": booking.VehicleDetails(year=2019, make="Honda", model="CR-V"),
    }
    values.update(overrides)
    return booking.book(booking.BookingRequest(**values), now=NOW)


# --- the whole flow ------------------------------------------------------------------------------


def test_customer_books_two_services_with_a_saved_vehicle(client, login, shop, customer):
    login(customer)
    page = text_of(client.get("/book"))
    assert "Which services do you need?" in page
    assert "Priced after diagnosis" in page
    assert "No services chosen yet." in page

    response = submit(client, page, services=[shop["oil"].id, shop["pads"].id])
    page = text_of(response)
    assert "Total:</strong> about 2 h, $149–$174" in page  # the running total, server-rendered
    assert "Which vehicle are we seeing?" in page
    assert "2019 Honda CR-V" in page
    (saved,) = db.session.scalars(sa.select(Vehicle)).all()

    page = text_of(submit(client, page, vehicle=saved.id))
    assert "When suits you?" in page
    assert "November 2026" in page
    assert "Monday, November 30: 16 times free" in page  # after two hours' notice
    assert "Sunday, November 29: past" in page

    page = text_of(client.get(link(page, "month-next")))
    assert "December 2026" in page
    assert "Sunday, December 6: closed" in page
    assert "Tuesday, December 1: 26 times free" in page

    page = text_of(client.get(link(page, "day-2026-12-01")))
    assert 'aria-current="date"' in page
    assert "Free times on Tuesday, December 1" in page
    assert "Morning" in page and "Afternoon" in page
    assert f'value="{TUE_9_LOCAL}"' in page

    page = text_of(submit(client, page, start=TUE_9_LOCAL))
    assert "A few details" in page
    assert "Your name" not in page  # a customer's contact details are on file

    page = text_of(submit(client, page, mode="wait", concern="Squeal when braking."))
    assert "Check and confirm" in page
    assert "Tuesday, December 1, 2026 at 9:00 AM" in page
    assert "Wait at the shop" in page
    assert not appointments()  # nothing saved before confirming

    response = submit(client, page, method="post")
    assert response.status_code == 303, text_of(response)[:3000]
    (appointment,) = appointments()
    assert response.headers["Location"] == f"/appointments/{appointment.reference}"
    assert appointment.customer_id == customer.id
    assert appointment.vehicle_id == saved.id
    assert appointment.starts_at == TUE_9
    assert appointment.mode is VisitMode.WAIT
    assert appointment.concern == "Squeal when braking."
    assert [s.name for s in appointment.services] == ["Oil change", "Brake pads"]

    page = text_of(client.get(response.headers["Location"]))
    assert appointment.reference in page
    assert "Tuesday, December 1, 2026 at 9:00 AM" in page
    assert "(EST)" in page
    assert "$50–$75" in page and "$99" in page and "$149–$174" in page
    assert "12 Main Street, Springfield" in page
    assert "Scheduled" in page
    assert "Your visit is booked" in page

    ics = client.get(f"/appointments/{appointment.reference}/calendar.ics")
    assert ics.status_code == 200
    assert ics.mimetype == "text/calendar"
    event = _event(ics.data)
    assert str(event["uid"]) == f"appointment-{appointment.reference}@autoshop"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == TUE_9
    assert event.decoded("dtend") == TUE_9 + timedelta(hours=2)
    assert str(event["summary"]) == "Main Street Auto: Oil change, Brake pads"
    assert str(event["location"]) == "12 Main Street, Springfield"
    assert f"/appointments/{appointment.reference}" in str(event["description"])


def _calendar(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def _event(data: bytes) -> Any:
    (event,) = _calendar(data).walk("VEVENT")
    return event


def test_guest_books_a_new_vehicle_and_gets_a_manage_link(client, shop):
    page = text_of(client.get(f"/book?services={shop['pads'].id}"))
    assert "Which vehicle are we seeing?" in page
    assert "Log in" in page
    page = text_of(
        submit(
            client,
            page,
            year="2016",
            make="Toyota",
            model="Corolla",
            plate="abc 123",
            vin=GOOD_VIN.lower(),
            mileage="88,000",
        )
    )
    assert "When suits you?" in page
    page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, "day-2026-12-01")))
    page = text_of(submit(client, page, start=TUE_9_LOCAL))
    assert "How we reach you" in page
    page = text_of(
        submit(client, page, name="Gus Guest", email="gus@example.com", phone="(201) 555-0100")
    )
    assert "Check and confirm" in page
    assert "Gus Guest, gus@example.com, +12015550100" in page

    response = submit(client, page, method="post")
    assert response.status_code == 303
    (appointment,) = appointments()
    location = response.headers["Location"]
    assert location.startswith("/appointments/manage/")
    assert appointment.customer_id is None
    assert (appointment.guest_name, appointment.guest_email, appointment.guest_phone) == (
        "Gus Guest",
        "gus@example.com",
        "+12015550100",
    )
    vehicle = appointment.vehicle
    assert (vehicle.owner_id, vehicle.vin, vehicle.plate, vehicle.mileage) == (
        None,
        GOOD_VIN,
        "ABC123",  # stored normalized: one plate typed two ways is one car
        88000,
    )
    mail = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "appointment_confirmation")
    )
    assert mail.recipient == "gus@example.com"

    page = text_of(client.get(location))
    assert appointment.reference in page
    assert "Tuesday, December 1, 2026 at 9:00 AM" in page
    assert "Create an account" in page
    assert "/account/register?email=gus@example.com" in page
    ics = client.get(location + "/calendar.ics")
    event = _event(ics.data)
    assert str(event["uid"]) == f"appointment-{appointment.reference}@autoshop"
    assert "/appointments/manage/" in str(event["description"])
    assert str(_calendar(ics.data)["method"]) == "PUBLISH"


@pytest.mark.parametrize("agrees", [True, False])
def test_a_guest_may_agree_to_texts_about_the_visit(client, shop, agrees):
    page = text_of(
        client.get(f"/book?services={shop['pads'].id}&year=2016&make=Toyota&model=Corolla")
    )
    page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, "day-2026-12-01")))
    page = text_of(submit(client, page, start=TUE_9_LOCAL))
    assert "Text me about this visit" in page
    extra = {"sms": "1"} if agrees else {}
    page = text_of(
        submit(
            client, page, name="Gus Guest", email="gus@example.com", phone="(201) 555-0100", **extra
        )
    )
    assert ("(texts about this visit)" in page) is agrees
    assert submit(client, page, method="post").status_code == 303
    (appointment,) = appointments()
    assert appointment.guest_sms_opt_in is agrees
    texts = db.session.scalars(
        sa.select(Notification.kind).where(
            Notification.appointment_id == appointment.id,
            Notification.channel == NotificationChannel.SMS,
        )
    ).all()
    assert ("appointment_confirmation" in texts) is agrees


# --- bad input -----------------------------------------------------------------------------------


def _url(shop, **params) -> str:
    base: dict[str, Any] = {
        "services": [shop["oil"].id],
        "vehicle": "new",
        "year": "2019",
        "make": "Honda",
        "model": "Civic",
        "start": TUE_9_LOCAL,
        "mode": "drop_off",
        "name": "Gus",
        "email": "gus@example.com",
        "phone": "2015550100",
    }
    base.update(params)
    return "/book?" + "&".join(
        f"{k}={v}"
        for k, values in base.items()
        if values is not None
        for v in (values if isinstance(values, list) else [values])
    )


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"services": None, "step": "services"}, "Choose at least one service."),
        ({"services": [99999]}, "isn't offered online any more"),
        ({"services": ["oil", "x"]}, "One of the chosen services isn't valid"),
        ({"vin": "1HGCM82633A004353"}, "check digit doesn't match"),
        ({"vin": "SHORT"}, "A VIN has 17 characters"),
        ({"year": "1900"}, "Enter a model year from 1950 to 2027."),
        ({"year": "2028"}, "Enter a model year from 1950 to 2027."),
        ({"mileage": "-5"}, "Enter the mileage as a whole number"),
        ({"make": None, "step": "vehicle"}, "Enter the make"),
        ({"start": "2026-12-01T09:05:00-05:00"}, "That time isn't free for this visit"),
        ({"start": "2026-12-06T09:00:00-05:00"}, "That time isn't free for this visit"),
        ({"start": "tomorrow"}, "That time isn't valid"),
        ({"email": None, "step": "details"}, "Enter your email address"),
        ({"email": "gus@", "step": "details"}, "Enter an email address like"),
        ({"phone": None, "step": "details"}, "Enter a phone number"),
        ({"phone": "12", "step": "details"}, "phone number"),
        ({"concern": "x" * 2001}, "at most 2000 characters"),
    ],
    ids=[
        "no-services",
        "unknown-service",
        "garbled-service",
        "bad-vin",
        "short-vin",
        "old-year",
        "future-year",
        "negative-mileage",
        "no-make",
        "off-grid-time",
        "closed-day-time",
        "garbled-time",
        "no-email",
        "bad-email",
        "no-phone",
        "bad-phone",
        "long-concern",
    ],
)
def test_bad_input_is_explained_at_its_step_and_nothing_is_saved(client, shop, params, says):
    url = _url(shop, **params)
    page = text_of(client.get(url))
    assert says in plain(page)
    assert "Please check" in page  # the error summary
    assert 'aria-invalid="true"' in page or "err-" in page

    # Posting the same answers straight to the confirm URL refuses them too.
    query = MultiDict(list(MultiDict(_parse_query(url)).items(multi=True)))
    token = csrf_token_from(text_of(client.get("/account/login")))
    response = client.post("/book", data={**query.to_dict(flat=False), "csrf_token": token})
    assert response.status_code == 422
    assert "Please check" in text_of(response)
    if "start" not in params:  # a start is judged by the booking service itself, in its words
        assert says in plain(text_of(response))
    assert not appointments()


def _parse_query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_html_in_the_concern_is_shown_escaped(client, shop):
    concern = '<script>alert("x")</script> & <b>squeal</b>'
    page = text_of(client.get(_url(shop, concern=concern.replace("&", "%26"))))
    assert "Check and confirm" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;squeal&lt;/b&gt;" in page
    response = submit(client, page, method="post")
    assert response.status_code == 303
    (appointment,) = appointments()
    assert appointment.concern == concern  # stored as the customer wrote it
    page = text_of(client.get(response.headers["Location"]))
    assert "<script>alert" not in page and "&lt;b&gt;squeal&lt;/b&gt;" in page


def test_a_time_taken_meanwhile_offers_the_nearest_free_ones(client, shop, factories):
    page = text_of(client.get(_url(shop)))
    assert "Check and confirm" in page
    for bay in shop["location"].bays:  # someone else takes both bays at 9:00
        factories.appointment(location=shop["location"], bay=bay, starts_at=TUE_9)
    before = len(appointments())

    response = submit(client, page, method="post")
    assert response.status_code == 409
    page = text_of(response)
    assert "This time was just taken." in page
    assert "Nearest free times" in page
    assert len(appointments()) == before  # nothing half-saved
    form = form_on(page, method="post")
    offered = form["options"]["start"]
    assert offered and TUE_9_LOCAL not in offered

    response = submit(client, page, method="post", start=offered[0])
    assert response.status_code == 303
    assert len(appointments()) == before + 1


def offered_starts(page: str, action: str = "/book") -> list[str]:
    """The local start times a page's time form offers, as "HH:MM"."""
    return [value[11:16] for value in form_on(page, action)["options"].get("start", [])]


def test_the_calendar_leaves_out_times_at_which_the_saved_vehicle_is_busy(
    client, login, shop, customer, factories
):
    # Cara's car is in for 9:00-11:00 on Tuesday (one bay); the other bay is free all day.
    car = customer_vehicle_id(customer)
    book_directly(shop, customer=customer, vehicle=None, vehicle_id=car)
    login(customer)
    url = _url(shop, vehicle=car, start=None, mode=None, name=None, email=None, phone=None)
    page = text_of(client.get(url + "&day=2026-12-01"))
    assert "Free times on Tuesday, December 1" in page
    starts = offered_starts(page)
    # A 30-minute oil change can end at 9:00 or start at 11:00, nothing in between.
    assert "08:30" in starts and "11:00" in starts
    assert [s for s in starts if "08:30" < s < "11:00"] == []

    # Another of her cars (or a guest's) can have those times: the bays aren't the reason.
    other = factories.vehicle(owner=customer, year=2015, make="Ford", model="Focus")
    page = text_of(
        client.get(url.replace(f"vehicle={car}", f"vehicle={other.id}") + "&day=2026-12-01")
    )
    assert {"09:00", "10:00", "10:45"} <= set(offered_starts(page))
    page = text_of(client.get(_url(shop, start=None) + "&day=2026-12-01"))
    assert "09:00" in offered_starts(page)

    # A start typed into the address (or kept from before) at a busy time is refused at its step.
    page = text_of(client.get(_url(shop, vehicle=car, start="2026-12-01T09:30:00-05:00")))
    assert "That time isn&#39;t free for this visit" in page
    assert "Check and confirm" not in page


def test_a_vehicle_booked_meanwhile_sends_the_customer_back_to_the_times(
    client, login, shop, customer
):
    # The car gets booked elsewhere (by phone, say) while Cara is on the review page: the time
    # is what she has to change, so she is shown the times again, with the reason.
    car = customer_vehicle_id(customer)
    login(customer)
    page = text_of(client.get(_url(shop, vehicle=car, start="2026-12-01T09:15:00-05:00")))
    assert "Check and confirm" in page
    book_directly(shop, customer=customer, vehicle=None, vehicle_id=car)
    response = submit(client, page, method="post")
    assert response.status_code == 422
    page = text_of(response)
    assert "This vehicle already has an appointment at that time." in page
    assert "When suits you?" in page
    assert "Which vehicle are we seeing?" not in page
    assert "09:15" not in offered_starts(page)
    assert len(appointments()) == 1


def test_rescheduling_leaves_out_times_at_which_the_vehicle_is_in_another_visit(
    client, login, shop, customer
):
    car = customer_vehicle_id(customer)
    book_directly(shop, customer=customer, vehicle=None, vehicle_id=car)  # Tue 9:00-11:00
    moving = book_directly(
        shop,
        customer=customer,
        vehicle=None,
        vehicle_id=car,
        service_ids=[shop["oil"].id],
        starts_at=TUE_9 + timedelta(hours=5),  # Tue 14:00-14:30
    )
    login(customer)
    action = f"/appointments/{moving.reference}/reschedule"
    page = text_of(client.get(action + "?day=2026-12-01"))
    starts = offered_starts(page, action)
    assert "08:30" in starts and "11:00" in starts
    assert [s for s in starts if "08:30" < s < "11:00"] == []
    assert "14:00" in starts  # its own time is free for it


# --- the appointment pages -----------------------------------------------------------------------


def test_only_the_owner_and_staff_see_an_appointment(client, login, shop, customer, factories):
    appointment = book_directly(shop, customer=customer)
    other = factories.customer()
    login(other)
    assert client.get(f"/appointments/{appointment.reference}").status_code == 404
    assert client.get(f"/appointments/{appointment.reference}/calendar.ics").status_code == 404
    assert client.get("/appointments/NOSUCHREF").status_code == 404
    page = text_of(client.get("/appointments"))
    assert appointment.reference not in page


@pytest.mark.parametrize(
    "mangle",
    [lambda t: t[:-3] + "abc", lambda t: "not-a-token", lambda t: t[5:]],
    ids=["tampered-signature", "garbage", "truncated"],
)
def test_a_broken_guest_link_gets_a_clear_page(client, shop, mangle):
    appointment = book_directly(
        shop, guest=booking.GuestContact(name="Gus", email="gus@example.com", phone="")
    )
    token = mangle(make_token(appointment))
    for suffix in ("", "/calendar.ics", "/reschedule", "/cancel"):
        response = client.get(f"/appointments/manage/{token}{suffix}")
        assert response.status_code == 400
        assert "This link doesn't work" in plain(text_of(response))
        assert "isn't valid" in plain(text_of(response))
    response = client.post(f"/appointments/manage/{token}/cancel", data={})
    assert response.status_code in (400,)  # CSRF or link: either way a clear 400, nothing done
    assert appointments()[0].status is AppointmentStatus.SCHEDULED


def test_customer_reschedules_and_cancels_on_the_web(client, login, shop, customer, frozen):
    appointment = book_directly(shop, customer=customer)
    login(customer)
    page = text_of(client.get(f"/appointments/{appointment.reference}"))
    assert "Reschedule" in page and "Cancel appointment" in page

    page = text_of(client.get(f"/appointments/{appointment.reference}/reschedule"))
    assert "Move your visit" in page
    page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, "day-2026-12-03")))
    assert "Free times on Thursday, December 3" in page
    new_start = "2026-12-03T13:00:00-05:00"
    response = submit(
        client, page, action=f"/appointments/{appointment.reference}/reschedule", start=new_start
    )
    assert response.status_code == 303
    (moved,) = appointments()
    assert moved.starts_at == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert moved.sequence == 1
    page = text_of(client.get(response.headers["Location"]))
    assert "Your visit was moved to Thursday, December 3, 2026 at 1:00 PM" in page
    event = _event(client.get(f"/appointments/{appointment.reference}/calendar.ics").data)
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)

    page = text_of(client.get(f"/appointments/{appointment.reference}/cancel"))
    assert "Cancel your appointment?" in page
    response = submit(client, page, action=f"/appointments/{appointment.reference}/cancel")
    assert response.status_code == 303
    (cancelled,) = appointments()
    assert cancelled.status is AppointmentStatus.CANCELLED
    page = text_of(client.get(response.headers["Location"]))
    assert "Your appointment was cancelled." in page
    assert "This appointment is cancelled; it can't be changed online." in plain(page)
    ics = client.get(f"/appointments/{appointment.reference}/calendar.ics").data
    assert str(_calendar(ics)["method"]) == "CANCEL"
    assert str(_event(ics)["status"]) == "CANCELLED"
    assert int(_event(ics)["sequence"]) == 2


def test_the_calendar_file_is_stamped_when_the_visit_was_booked(client, login, shop, customer):
    # DTSTAMP: when the booking was made (`now`), not whatever the database's clock said.
    appointment = book_directly(shop, customer=customer)
    login(customer)
    event = _event(client.get(f"/appointments/{appointment.reference}/calendar.ics").data)
    assert event.decoded("dtstamp") == NOW


def test_guest_reschedules_and_cancels_by_link(client, shop):
    appointment = book_directly(
        shop, guest=booking.GuestContact(name="Gus", email="gus@example.com", phone="")
    )
    base = f"/appointments/manage/{make_token(appointment)}"
    page = text_of(client.get(base + "/reschedule?day=2026-12-02"))
    assert "Free times on Wednesday, December 2" in page
    response = submit(client, page, action=base + "/reschedule", start="2026-12-02T09:30:00-05:00")
    assert response.status_code == 303
    assert response.headers["Location"] == base
    assert appointments()[0].starts_at == datetime(2026, 12, 2, 14, 30, tzinfo=UTC)

    page = text_of(client.get(base + "/cancel"))
    response = submit(client, page, action=base + "/cancel")
    assert response.status_code == 303
    assert appointments()[0].status is AppointmentStatus.CANCELLED


def test_a_taken_time_when_rescheduling_offers_alternatives(client, shop, factories):
    appointment = book_directly(
        shop, guest=booking.GuestContact(name="Gus", email="gus@example.com", phone="")
    )
    base = f"/appointments/manage/{make_token(appointment)}"
    page = text_of(client.get(base + "/reschedule?day=2026-12-02"))
    wed_10 = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    for bay in shop["location"].bays:
        factories.appointment(location=shop["location"], bay=bay, starts_at=wed_10)
    response = submit(client, page, action=base + "/reschedule", start="2026-12-02T10:00:00-05:00")
    assert response.status_code == 409
    page = text_of(response)
    assert "This time was just taken." in page
    assert form_on(page, base + "/reschedule")["options"]["start"]
    assert appointments()[0].starts_at == TUE_9


def test_changes_are_refused_after_the_cutoff_with_the_reason(
    client, login, shop, customer, frozen
):
    appointment = book_directly(shop, customer=customer)
    login(customer)
    page_url = f"/appointments/{appointment.reference}"
    cancel_page = text_of(client.get(page_url + "/cancel"))
    frozen.move_to(TUE_9 - timedelta(hours=20))  # inside the 24-hour cutoff
    reason = "Changes online close 24 hours before the visit; please call the shop."
    page = text_of(client.get(page_url))
    assert reason in page
    assert "Cancel appointment" not in page
    assert reason in text_of(client.get(page_url + "/reschedule"))
    response = submit(client, cancel_page, action=page_url + "/cancel")
    assert response.status_code == 403
    assert reason in text_of(response)
    response = client.post(
        page_url + "/reschedule",
        data={"start": "2026-12-03T13:00:00-05:00", "csrf_token": csrf_token_from(cancel_page)},
    )
    assert response.status_code == 403
    assert reason in text_of(response)
    (unchanged,) = appointments()
    assert unchanged.status is AppointmentStatus.SCHEDULED and unchanged.starts_at == TUE_9


def test_my_appointments_lists_upcoming_and_past(client, login, shop, customer, factories):
    upcoming = book_directly(shop, customer=customer)
    past = factories.appointment(
        customer=customer,
        location=shop["location"],
        starts_at=datetime(2026, 10, 5, 14, 0, tzinfo=UTC),
        status=AppointmentStatus.COMPLETED,
    )
    login(customer)
    page = text_of(client.get("/appointments"))
    assert page.index(upcoming.reference) < page.index("Past") < page.index(past.reference)
    assert f'href="/appointments/{upcoming.reference}"' in page


# --- htmx fragments ------------------------------------------------------------------------------


def test_htmx_gets_fragments_of_the_same_urls(client, shop):
    headers = {"HX-Request": "true", "HX-Target": "totals"}
    response = client.get(
        f"/book?step=services&services={shop['oil'].id}&services={shop['diag'].id}",
        headers=headers,
    )
    body = text_of(response)
    assert "<html" not in body
    assert "2 services, about 1 h 30 min, $50–$75 plus work priced after diagnosis" in body
    assert "HX-Request" in response.headers["Vary"]

    url = _url(shop, start=None, mode=None, name=None, email=None, phone=None)
    headers["HX-Target"] = "when"
    body = text_of(client.get(url + "&day=2026-12-03", headers=headers))
    assert "<html" not in body
    assert 'id="when"' in body
    assert re.search(
        r'id="booking-live" hx-swap-oob="innerHTML">December 3: \d+ times available<', body
    )
    body = text_of(client.get(url + "&month=2026-12", headers=headers))
    assert ">December 2026: 27 days have free times<" in body  # every day but the Sundays

    # A history restore asks for the whole page again.
    headers["HX-History-Restore-Request"] = "true"
    assert "<html" in text_of(client.get(url + "&day=2026-12-03", headers=headers))


# --- who may open what ---------------------------------------------------------------------------


def test_access_walk(app, factories, shop):
    personas = make_personas(factories)
    mine = book_directly(shop, customer=personas.customer_a)
    ref = mine.reference
    owner_or_staff = {
        "anonymous": LOGIN,
        "customer_a": 200,
        "customer_b": 404,
        "mechanic": 200,
        "admin": 200,
    }
    everyone = dict.fromkeys(("anonymous", "customer_a", "customer_b", "mechanic", "admin"), 200)
    walk(
        app,
        personas,
        [
            Route("/book", everyone),
            Route(f"/book?services={shop['oil'].id}", everyone),
            Route("/appointments", {**everyone, "anonymous": LOGIN}),
            Route(f"/appointments/{ref}", owner_or_staff),
            Route(f"/appointments/{ref}/calendar.ics", owner_or_staff),
            Route(f"/appointments/{ref}/reschedule", owner_or_staff),
            Route(f"/appointments/{ref}/cancel", owner_or_staff),
            Route(f"/appointments/manage/{make_token(mine)}", everyone),
            Route("/appointments/manage/forged", dict.fromkeys(everyone, 400)),
        ],
    )


# --- staff: phone and walk-in bookings ------------------------------------------------------------


def test_staff_book_a_walk_in_into_the_customers_account(client, login, shop, customer, factories):
    """A walk-in at 08:15 (inside the 2-hour online notice) goes into the customer's account."""
    login(factories.admin())
    page = text_of(client.get(f"/book?services={shop['oil'].id}"))
    assert "Book for a customer" in page and "Find the customer" in page
    page = text_of(submit(client, page, customer="guest"))
    page = text_of(submit(client, page, year="2012", make="Ford", model="Focus"))
    page = text_of(client.get(link(page, "day-2026-11-30")))
    assert "8:15 AM" in page  # staff see times inside the notice
    page = text_of(submit(client, page, start="2026-11-30T08:15:00-05:00"))
    assert "The customer" in page
    page = text_of(
        submit(
            client, page, mode="wait", name="Cara", email="CARA@example.com", phone="201 555 0147"
        )
    )
    response = submit(client, page, method="post")
    assert response.status_code == 303, text_of(response)[:3000]
    (appointment,) = appointments()
    assert response.headers["Location"] == f"/appointments/{appointment.reference}"
    assert appointment.customer_id == customer.id and appointment.guest_email == ""
    assert appointment.vehicle.owner_id == customer.id
    assert appointment.starts_at == datetime(2026, 11, 30, 13, 15, tzinfo=UTC)
    assert appointment.status_changes[0].note == "Booked by staff."
    page = plain(text_of(client.get(response.headers["Location"])))
    assert "Booked for Cara" in page


def test_staff_book_a_phone_customer_without_an_account_as_a_guest(client, login, shop, factories):
    login(factories.admin())
    page = text_of(client.get(f"/book?services={shop['oil'].id}"))
    page = text_of(submit(client, page, customer="guest"))
    page = text_of(submit(client, page, year="2012", make="Ford", model="Focus"))
    page = text_of(client.get(link(page, "month-next")))
    page = text_of(client.get(link(page, "day-2026-12-01")))
    page = text_of(submit(client, page, start=TUE_9_LOCAL))
    page = text_of(
        submit(client, page, name="Pat Phone", email="pat@example.com", phone="201 555 0111")
    )
    assert submit(client, page, method="post").status_code == 303
    (appointment,) = appointments()
    assert appointment.customer_id is None and appointment.guest_email == "pat@example.com"
    mail = db.session.scalar(
        sa.select(Notification).where(Notification.kind == "appointment_confirmation")
    )
    assert mail.recipient == "pat@example.com"
    assert "/appointments/manage/" in message_text(mail)


# --- following the car's progress -----------------------------------------------------------------


def test_customer_follows_the_cars_progress_live(client, login, shop, customer, factories, frozen):
    from autoshop.services.status import change_status

    appointment = book_directly(
        shop, customer=customer, vehicle=None, vehicle_id=customer_vehicle_id(customer)
    )
    login(customer)
    page = text_of(client.get(f"/appointments/{appointment.reference}"))
    assert "Your car's progress" in page and "hx-trigger" not in page  # not today yet
    frozen.move_to(TUE_9 + timedelta(minutes=5))
    mike = factories.mechanic()
    change_status(
        appointment,
        AppointmentStatus.CHECKED_IN,
        actor=mike,
        now=TUE_9,
        note="Keys received, <b>thanks</b>!",
    )
    page = text_of(client.get(f"/appointments/{appointment.reference}"))
    assert 'hx-trigger="every 30s"' in page
    fragment = client.get(
        f"/appointments/{appointment.reference}/progress", headers={"HX-Request": "true"}
    )
    body = text_of(fragment)
    assert body.lstrip().startswith("<section") and "Checked in" in body
    assert "Keys received, &lt;b&gt;thanks&lt;/b&gt;!" in body
    token = make_token(appointment)
    assert "Checked in" in text_of(client.get(f"/appointments/manage/{token}/progress"))
    other = factories.customer()
    client.post("/account/logout", data={"csrf_token": csrf_token_from(page)})
    login(other)
    assert client.get(f"/appointments/{appointment.reference}/progress").status_code == 404


def customer_vehicle_id(customer) -> int:
    return db.session.scalar(sa.select(Vehicle.id).where(Vehicle.owner_id == customer.id))


def test_an_expired_guest_link_says_so(client, shop, frozen):
    appointment = book_directly(
        shop, guest=booking.GuestContact(name="Gus", email="gus@example.com", phone="")
    )
    token = make_token(appointment)
    assert client.get(f"/appointments/manage/{token}").status_code == 200
    frozen.move_to(NOW + timedelta(days=121))  # links last 120 days
    response = client.get(f"/appointments/manage/{token}")
    assert response.status_code == 400
    assert "expired" in plain(text_of(response))

"""Admin shop calendar: the location and its rules, bays, weekly hours and closures."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
import time_machine

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Bay, Closure, Location, OpeningHours
from tests.conftest import submit_form

#: A Tuesday morning in New York; every clock-dependent test runs at this instant.
NOW = datetime(2026, 11, 10, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    """Every test here runs at NOW: the login, the pages and the rules that read the clock."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_client(clock, client, factories, login):
    login(factories.admin())
    return client


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _location_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Main Street Auto",
        "address": "12 Main St, Springfield",
        "phone": "(201) 555-0147",
        "email": "service@example.com",
        "timezone": "America/New_York",
        "slot_interval_minutes": "15",
        "minimum_notice_minutes": "120",
        "horizon_days": "60",
        "buffer_minutes": "10",
        "cancellation_cutoff_hours": "24",
        "reminder_leads": "1440, 120",
    }
    data.update(overrides)
    return data


# --- the location -----------------------------------------------------------------------------


def test_without_a_location_the_calendar_offers_to_create_one_with_defaults(admin_client):
    page = admin_client.get("/admin/calendar/").get_data(as_text=True)
    assert "Set up your shop" in page
    for value in ('value="15"', 'value="120"', 'value="60"', 'value="10"', 'value="24"'):
        assert value in page
    assert 'value="1440, 120"' in page and 'value="America/New_York"' in page

    response = submit_form(admin_client, "/admin/calendar/", _location_form())
    assert response.status_code == 302
    location = db.session.scalar(sa.select(Location))
    assert response.headers["Location"].endswith(f"/admin/calendar/{location.id}")
    assert location.name == "Main Street Auto"
    assert location.phone == "+12015550147"
    assert location.timezone == "America/New_York"
    assert (
        location.slot_interval_minutes,
        location.minimum_notice_minutes,
        location.horizon_days,
        location.buffer_minutes,
        location.cancellation_cutoff_hours,
        location.reminder_leads_minutes,
    ) == (15, 120, 60, 10, 24, [1440, 120])
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Main Street Auto was created." in page
    assert "No bays yet" in page and "Monday" in page


def test_with_a_location_the_calendar_opens_it(admin_client, factories):
    location = factories.location(name="Main Street Auto")
    response = admin_client.get("/admin/calendar/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/calendar/{location.id}")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Main Street Auto" in page and "Lift 1" in page
    assert "7:30 AM–12:00 PM, 12:30 PM–6:00 PM" in page
    assert 'id="location-select"' not in page  # one location: no selector


def test_several_locations_get_a_selector(admin_client, factories):
    first = factories.location(name="Downtown")
    second = factories.location(name="Uptown")
    page = admin_client.get(f"/admin/calendar/{first.id}").get_data(as_text=True)
    assert 'id="location-select"' in page
    assert f'<option value="{second.id}">Uptown</option>' in page
    response = admin_client.get(f"/admin/calendar/?location={second.id}")
    assert response.headers["Location"].endswith(f"/admin/calendar/{second.id}")
    assert admin_client.get("/admin/calendar/999").status_code == 404


def test_admin_edits_details_and_booking_rules(admin_client, factories):
    location = factories.location(name="Main Street Auto")
    edit = f"/admin/calendar/{location.id}/details"
    page = admin_client.get(edit).get_data(as_text=True)
    assert 'value="Main Street Auto"' in page and 'value="1440, 120"' in page
    response = submit_form(
        admin_client,
        edit,
        _location_form(
            name="Main St Auto Care",
            timezone="America/Chicago",
            slot_interval_minutes="30",
            minimum_notice_minutes="0",
            buffer_minutes="0",
            horizon_days="90",
            cancellation_cutoff_hours="0",
            reminder_leads="60, 1440, 60",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(location)
    assert (location.name, location.timezone) == ("Main St Auto Care", "America/Chicago")
    assert (location.slot_interval_minutes, location.minimum_notice_minutes) == (30, 0)
    assert (location.buffer_minutes, location.horizon_days) == (0, 90)
    assert location.cancellation_cutoff_hours == 0
    assert location.reminder_leads_minutes == [1440, 60]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "is not a time zone we know"),
        ({"timezone": "../../etc/passwd"}, "timezone", "is not a time zone we know"),
        ({"timezone": ""}, "timezone", "Enter the shop&#39;s time zone."),
        ({"name": ""}, "name", "Enter the shop&#39;s name."),
        ({"slot_interval_minutes": "0"}, "slot_interval_minutes", "at least 5 minutes"),
        ({"minimum_notice_minutes": "-1"}, "minimum_notice_minutes", "can&#39;t be negative"),
        ({"horizon_days": "0"}, "horizon_days", "at least 1 day"),
        ({"buffer_minutes": "-10"}, "buffer_minutes", "can&#39;t be negative"),
        (
            {"cancellation_cutoff_hours": "-24"},
            "cancellation_cutoff_hours",
            "can&#39;t be negative",
        ),
        ({"buffer_minutes": "ten"}, "buffer_minutes", "Not a valid integer value."),
        ({"reminder_leads": "1440, -120"}, "reminder_leads", "is not a number of minutes"),
        ({"reminder_leads": "1440, 0"}, "reminder_leads", "is not a number of minutes"),
        ({"reminder_leads": "a day"}, "reminder_leads", "is not a number of minutes"),
        ({"phone": "12"}, "phone", "phone number"),
        ({"email": "not-an-email"}, "email", "Enter an email address"),
    ],
)
def test_bad_location_input_shows_an_error_and_saves_nothing(
    admin_client, factories, overrides, field, message
):
    response = submit_form(admin_client, "/admin/calendar/", _location_form(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    assert _count(Location) == 0

    location = factories.location(name="Kept", timezone="America/Denver", buffer_minutes=10)
    response = submit_form(
        admin_client, f"/admin/calendar/{location.id}/details", _location_form(**overrides)
    )
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.refresh(location)
    assert (location.name, location.timezone, location.buffer_minutes) == (
        "Kept",
        "America/Denver",
        10,
    )


# --- bays -------------------------------------------------------------------------------------


def test_admin_adds_edits_deactivates_and_reactivates_a_bay(admin_client, factories):
    location = factories.location(bays=[("Lift 1", ["lift", "general"])])
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/bays/new",
        {
            "name": "Alignment rack",
            "capabilities": ["alignment", "lift"],
            "active": "y",
            "sort_order": "3",
        },
    )
    assert response.status_code == 302
    bay = db.session.scalar(sa.select(Bay).where(Bay.name == "Alignment rack"))
    assert bay.location_id == location.id
    assert bay.capabilities == ["lift", "alignment"]
    assert (bay.active, bay.sort_order) == (True, 3)
    page = admin_client.get(f"/admin/calendar/{location.id}").get_data(as_text=True)
    assert "Lift, Alignment rack" in page

    edit = f"/admin/calendar/bays/{bay.id}/edit"
    form = admin_client.get(edit).get_data(as_text=True)
    assert '<input checked class="form-check-input" id="capabilities-2"' in form  # alignment
    assert '<input class="form-check-input" id="capabilities-0"' in form  # general: not ticked
    response = submit_form(
        admin_client,
        edit,
        {"name": "Rack", "capabilities": ["general"], "active": "y", "sort_order": "0"},
    )
    assert response.status_code == 302
    db.session.refresh(bay)
    assert (bay.name, bay.capabilities) == ("Rack", ["general"])

    calendar = f"/admin/calendar/{location.id}"
    with time_machine.travel(NOW, tick=False):
        response = submit_form(
            admin_client, calendar, {}, action=f"/admin/calendar/bays/{bay.id}/deactivate"
        )
    assert response.status_code == 302
    db.session.refresh(bay)
    assert bay.active is False
    assert "Rack was deactivated" in admin_client.get(calendar).get_data(as_text=True)
    submit_form(admin_client, calendar, {}, action=f"/admin/calendar/bays/{bay.id}/reactivate")
    db.session.refresh(bay)
    assert bay.active is True


def test_deactivating_a_bay_with_a_car_on_it_says_so(admin_client, factories):
    """A job already under way is not a booking to keep or cancel: the bay is deactivated at once
    with a warning (scheduled visits ask first: tests/integration/test_schedule_changes.py)."""
    location = factories.location()
    bay = location.bays[0]
    factories.appointment(
        location=location,
        bay=bay,
        starts_at=datetime(2026, 11, 10, 13, 30, tzinfo=UTC),
        status=AppointmentStatus.CHECKED_IN,
    )
    factories.appointment(
        location=location, bay=bay, starts_at=datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    )
    calendar = f"/admin/calendar/{location.id}"
    with time_machine.travel(NOW, tick=False):
        response = submit_form(
            admin_client, calendar, {}, action=f"/admin/calendar/bays/{bay.id}/deactivate"
        )
        assert response.status_code == 302
        page = admin_client.get(calendar).get_data(as_text=True)
    assert "It still holds 1 appointment already under way." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"name": "Lift 3", "capabilities": []},
            "Tick at least one thing the bay is equipped for.",
        ),
        ({"name": "Lift 3", "capabilities": ["teleporter"]}, "Tick at least one thing"),
        ({"name": "lift 1", "capabilities": ["lift"]}, "already has a bay called lift 1."),
        ({"name": "", "capabilities": ["lift"]}, "Enter a name."),
        ({"name": "Lift 3", "capabilities": ["lift"], "sort_order": "-2"}, "can&#39;t be negative"),
    ],
)
def test_bad_bay_input_shows_an_error_and_saves_nothing(admin_client, factories, data, message):
    location = factories.location(bays=[("Lift 1", ["lift"])])
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/bays/new",
        {"active": "y", "sort_order": "0", **data},
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(Bay) == 1


def test_a_bay_name_may_repeat_at_another_location(admin_client, factories):
    factories.location(bays=[("Lift 1", ["lift"])])
    other = factories.location(bays=[("Rack", ["alignment"])])
    response = submit_form(
        admin_client,
        f"/admin/calendar/{other.id}/bays/new",
        {"name": "Lift 1", "capabilities": ["lift"], "active": "y", "sort_order": "0"},
    )
    assert response.status_code == 302
    assert _count(Bay) == 3


def test_renaming_a_bay_onto_another_is_refused(admin_client, factories):
    location = factories.location(bays=[("Lift 1", ["lift"]), ("Lift 2", ["lift"])])
    second = location.bays[1]
    response = submit_form(
        admin_client,
        f"/admin/calendar/bays/{second.id}/edit",
        {"name": "Lift 1", "capabilities": ["lift"], "active": "y", "sort_order": "0"},
    )
    assert "already has a bay called Lift 1." in response.get_data(as_text=True)
    db.session.refresh(second)
    assert second.name == "Lift 2"


# --- opening hours ----------------------------------------------------------------------------


def _hours(location: Location, weekday: int) -> list[tuple[time, time]]:
    return [
        (row.opens, row.closes)
        for row in db.session.scalars(
            sa.select(OpeningHours)
            .where(OpeningHours.location_id == location.id, OpeningHours.weekday == weekday)
            .order_by(OpeningHours.opens)
        )
    ]


def _rows(weekday: int, *rows: tuple[str, str]) -> dict[str, str]:
    data = {}
    for i in range(3):
        opens, closes = rows[i] if i < len(rows) else ("", "")
        data[f"day{weekday}-intervals-{i}-opens"] = opens
        data[f"day{weekday}-intervals-{i}-closes"] = closes
    return data


def test_hours_page_shows_a_form_per_weekday_with_saved_times(admin_client, factories):
    location = factories.location()
    page = admin_client.get(f"/admin/calendar/{location.id}/hours").get_data(as_text=True)
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert f'<legend class="h5">{day}</legend>' in page
        assert f'value="Save {day}"' in page
    assert 'id="day0-intervals-0-opens"' in page and 'value="07:30"' in page
    assert 'id="day6-intervals-2-closes"' in page


def test_admin_sets_a_days_hours_and_empty_rows_are_ignored(admin_client, factories):
    location = factories.location()
    page = f"/admin/calendar/{location.id}/hours"
    response = submit_form(
        admin_client,
        page,
        _rows(0, ("13:00", "17:00"), ("", ""), ("08:00", "12:00")),
        action=f"{page[: -len('/hours')]}/hours/0",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/hours#day0")
    assert _hours(location, 0) == [(time(8), time(12)), (time(13), time(17))]
    assert _hours(location, 1) == [(time(7, 30), time(12)), (time(12, 30), time(18))]

    submit_form(admin_client, page, _rows(0), action=f"/admin/calendar/{location.id}/hours/0")
    assert _hours(location, 0) == []
    assert "Monday hours were saved." in admin_client.get(page).get_data(as_text=True)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((("08:00", "12:00"), ("11:30", "17:00")), "overlap"),
        ((("08:00", "12:00"), ("08:00", "12:00")), "overlap"),
        ((("12:00", "08:00"),), "the closing time must be later than the opening time"),
        ((("09:00", "09:00"),), "the closing time must be later than the opening time"),
        ((("09:00", ""),), "Enter both times, or leave both empty."),
        ((("9 am", "17:00"),), "Not a valid time value."),
    ],
)
def test_bad_hours_show_an_error_and_change_nothing(admin_client, factories, rows, message):
    location = factories.location()
    page = f"/admin/calendar/{location.id}/hours"
    response = submit_form(
        admin_client, page, _rows(2, *rows), action=f"/admin/calendar/{location.id}/hours/2"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert '<legend class="h5">Sunday</legend>' in html  # the whole week is still there
    assert _hours(location, 2) == [(time(7, 30), time(12)), (time(12, 30), time(18))]


def test_unknown_weekday_is_a_404(admin_client, factories):
    location = factories.location()
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/hours",
        {},
        action=f"/admin/calendar/{location.id}/hours/7",
    )
    assert response.status_code == 404


# --- closures ---------------------------------------------------------------------------------


def test_admin_adds_a_closure_in_local_time_stored_as_utc(admin_client, factories):
    location = factories.location(timezone="America/New_York")
    response = submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/closures/new",
        {
            "starts_local": "2026-12-24T12:00",
            "ends_local": "2026-12-26T08:00",
            "reason": "Christmas",
        },
    )
    assert response.status_code == 302
    closure = db.session.scalar(sa.select(Closure))
    assert closure.starts_at == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    assert closure.ends_at == datetime(2026, 12, 26, 13, 0, tzinfo=UTC)
    assert closure.reason == "Christmas"
    with time_machine.travel(NOW, tick=False):
        page = admin_client.get(f"/admin/calendar/{location.id}").get_data(as_text=True)
    assert "Thu Dec 24, 2026 12:00 PM" in page and "Sat Dec 26, 2026 8:00 AM" in page


def test_closure_times_use_the_locations_zone(admin_client, factories):
    location = factories.location(timezone="America/Los_Angeles")
    submit_form(
        admin_client,
        f"/admin/calendar/{location.id}/closures/new",
        {
            "starts_local": "2026-07-03T13:00",
            "ends_local": "2026-07-03T18:00",
            "reason": "Early close",
        },
    )
    closure = db.session.scalar(sa.select(Closure))
    assert closure.starts_at == datetime(2026, 7, 3, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"starts_local": "2026-12-26T08:00", "ends_local": "2026-12-24T12:00"},
            "The closure must end after it starts.",
        ),
        (
            {"starts_local": "2026-12-24T12:00", "ends_local": "2026-12-24T12:00"},
            "The closure must end after it starts.",
        ),
        (
            {"starts_local": "2026-03-08T02:30", "ends_local": "2026-03-08T09:00"},
            "the clocks skip that hour",
        ),
        ({"starts_local": "", "ends_local": "2026-12-24T12:00"}, "Enter when the closure starts."),
        ({"starts_local": "tomorrow", "ends_local": "2026-12-24T12:00"}, "Not a valid datetime"),
        (
            {"starts_local": "2026-12-24T08:00", "ends_local": "2026-12-24T12:00", "reason": " "},
            "Tell customers why the shop is closed.",
        ),
    ],
)
def test_bad_closure_input_shows_an_error_and_saves_nothing(admin_client, factories, data, message):
    location = factories.location(timezone="America/New_York")
    response = submit_form(
        admin_client, f"/admin/calendar/{location.id}/closures/new", {"reason": "Holiday", **data}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(Closure) == 0


def test_only_upcoming_closures_are_listed_and_one_can_be_deleted(admin_client, factories):
    location = factories.location()
    factories.closure(
        location,
        starts_at=datetime(2026, 10, 1, 12, tzinfo=UTC),
        ends_at=datetime(2026, 10, 2, 12, tzinfo=UTC),
        reason="Long gone",
    )
    coming = factories.closure(
        location,
        starts_at=datetime(2026, 11, 26, 5, tzinfo=UTC),
        ends_at=datetime(2026, 11, 27, 5, tzinfo=UTC),
        reason="Thanksgiving",
    )
    calendar = f"/admin/calendar/{location.id}"
    with time_machine.travel(NOW, tick=False):
        page = admin_client.get(calendar).get_data(as_text=True)
        assert "Thanksgiving" in page and "Long gone" not in page
        response = submit_form(
            admin_client, calendar, {}, action=f"/admin/calendar/closures/{coming.id}/delete"
        )
        assert response.status_code == 302
        page = admin_client.get(calendar).get_data(as_text=True)
    assert "The closure “Thanksgiving” was deleted." in page
    assert "No closures planned." in page
    assert _count(Closure) == 1

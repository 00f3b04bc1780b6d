"""Staff run one visit from its page: assign the mechanic, promise a ready-by time, keep internal
notes and write to the customer, mark a no-show. Every refusal writes nothing; internal notes
never reach the customer (pages, email, SMS, API)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from markupsafe import escape

from autoshop.domain.status import AppointmentStatus as S
from autoshop.domain.visit_desk import NoteAudience
from autoshop.extensions import db
from autoshop.models import Appointment, AppointmentNote, Notification, StatusChange
from autoshop.services import visit_desk
from autoshop.services.booking import BookingError, ChangedMeanwhile, NotAllowed
from autoshop.services.manage_links import manage_url
from autoshop.services.status import assign_mechanic, change_status
from tests.conftest import csrf_token_from
from tests.support.messages import message_html, message_text

DAY = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # Wednesday 10:00 in New York
NOW = datetime(2026, 12, 2, 14, 50, tzinfo=UTC)
POOL = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 30, "max_overflow": 0}}
_VERSION_RE = re.compile(r'name="version" value="(\d+)"')


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(factories):
    """A Wednesday visit of a customer who takes email and texts, two mechanics, an admin."""
    location = factories.location()
    customer = factories.customer(
        first_name="Dana", last_name="Reyes", phone="+16175550100", sms_opt_in=True
    )
    car = factories.vehicle(owner=customer, make="Subaru", model="Outback", plate="7ABC123")
    visit = factories.appointment(starts_at=DAY, customer=customer, vehicle=car, location=location)
    return {
        "visit": visit,
        "customer": customer,
        "mike": factories.mechanic(first_name="Mike", last_name="Lee"),
        "sam": factories.mechanic(first_name="Sam", last_name="Ortiz"),
        "admin": factories.admin(first_name="Alex", last_name="Admin"),
        "location": location,
    }


def act(client, visit: Appointment, action: str, data: dict[str, Any], version: int | None = None):
    """Open the visit's staff page as a person would, then post one of its forms."""
    page = client.get(f"/staff/appointments/{visit.reference}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    seen = version if version is not None else int(_VERSION_RE.search(html).group(1))
    return client.post(
        f"/staff/appointments/{visit.reference}/{action}",
        data={"csrf_token": csrf_token_from(html), "version": seen, **data},
    )


def fresh(visit: Appointment) -> Appointment:
    """The visit as committed now (ends this session's read so other writers' rows show)."""
    db.session.rollback()
    return db.session.get(Appointment, visit.id)


def counts(visit: Appointment) -> tuple[int, int, int, int]:
    """(version, notes, status changes, notifications): what a refused action must not change."""
    db.session.rollback()

    def count(model: Any) -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.appointment_id == visit.id)
        )

    current = db.session.get(Appointment, visit.id)
    return (current.version, count(AppointmentNote), count(StatusChange), count(Notification))


def outbox(visit: Appointment) -> list[Notification]:
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.appointment_id == visit.id)
            .order_by(Notification.id)
        )
    )


# --- the mechanic ---------------------------------------------------------------------------


def test_admin_assigns_changes_and_unassigns_the_mechanic(client, login, desk, frozen):
    visit, mike, sam = desk["visit"], desk["mike"], desk["sam"]
    login(desk["admin"])
    page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert "Mike Lee</option>" in page and "Sam Ortiz</option>" in page
    assert "Unassigned</option>" in page

    response = act(client, visit, "mechanic", {"mechanic": mike.id})
    assert response.status_code == 303
    assert fresh(visit).mechanic_id == mike.id
    page = client.get(response.location).get_data(as_text=True)
    assert "Assigned to Mike Lee." in page  # the flash, and the internal note in the timeline

    assert act(client, visit, "mechanic", {"mechanic": sam.id}).status_code == 303
    assert fresh(visit).mechanic_id == sam.id
    assert act(client, visit, "mechanic", {"mechanic": ""}).status_code == 303
    assert fresh(visit).mechanic_id is None
    notes = visit_desk.notes_of(fresh(visit))
    assert [n.body for n in notes] == [
        "Assigned to Mike Lee.",
        "Assigned to Sam Ortiz.",
        "Unassigned.",
    ]
    assert {n.audience for n in notes} == {NoteAudience.INTERNAL}
    assert outbox(visit) == []  # the customer isn't told who works on the car


def test_a_mechanic_takes_an_unassigned_job_but_assigns_nobody_else(client, login, desk, frozen):
    visit, mike, sam = desk["visit"], desk["mike"], desk["sam"]
    login(mike)
    page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert "Take this job" in page and "Assign to" not in page

    before = counts(visit)
    refused = act(client, visit, "mechanic", {"mechanic": sam.id})
    assert refused.status_code == 403
    assert "Only an admin can assign jobs to others." in refused.get_data(as_text=True)
    assert counts(visit) == before and fresh(visit).mechanic_id is None

    assert act(client, visit, "mechanic", {"mechanic": mike.id}).status_code == 303
    assert fresh(visit).mechanic_id == mike.id
    page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert "Take this job" not in page

    other = client.application.test_client()
    login(sam, test_client=other)
    before = counts(visit)
    taken = act(other, visit, "mechanic", {"mechanic": sam.id})
    assert taken.status_code == 403
    assert "assigned to another mechanic" in taken.get_data(as_text=True)
    assert counts(visit) == before and fresh(visit).mechanic_id == mike.id


@pytest.mark.parametrize("who", ["customer", "nobody", "garbled", "huge", "deactivated", "admin"])
def test_only_an_active_mechanic_can_be_assigned(client, login, desk, factories, frozen, who):
    visit = desk["visit"]
    ids = {
        "customer": desk["customer"].id,
        "nobody": 987654,
        "garbled": "mike",
        "huge": "9" * 30,
        "deactivated": factories.mechanic(first_name="Gone", active=False).id,
        "admin": desk["admin"].id,
    }
    login(desk["admin"])
    page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert "Gone" not in page  # deactivated mechanics aren't offered
    before = counts(visit)
    response = act(client, visit, "mechanic", {"mechanic": ids[who]})
    assert response.status_code == 422
    assert "Choose one of the shop&#39;s active mechanics." in response.get_data(as_text=True)
    assert counts(visit) == before and fresh(visit).mechanic_id is None


def test_the_service_refuses_a_deactivated_mechanic_too(desk, factories):
    gone = factories.mechanic(active=False)
    with pytest.raises(BookingError, match="active mechanics"):
        assign_mechanic(desk["visit"], gone, actor=desk["admin"], now=NOW)
    assert fresh(desk["visit"]).mechanic_id is None


# --- the promised ready time ----------------------------------------------------------------


def test_promised_time_is_set_told_to_the_customer_and_cleared(client, login, desk, frozen):
    visit = desk["visit"]
    login(desk["admin"])
    response = act(client, visit, "promise", {"promised": "2026-12-02T16:30"})
    assert response.status_code == 303
    assert fresh(visit).promised_at == datetime(2026, 12, 2, 21, 30, tzinfo=UTC)  # EST is UTC-5
    page = client.get(response.location).get_data(as_text=True)
    assert "Ready by Wed Dec 2, 4:30 PM. The customer is told." in page
    assert 'value="2026-12-02T16:30"' in page

    sent = outbox(visit)
    assert {(n.kind, n.channel.value) for n in sent} == {
        ("appointment_promised", "email"),
        ("appointment_promised", "sms"),
    }
    email = next(n for n in sent if n.channel.value == "email")
    assert email.subject.startswith("Ready by Wed Dec 2, 4:30 PM: your 2018 Subaru Outback")
    assert "ready by Wednesday, December 2 at 4:30 PM" in message_text(email)
    assert "ready by Wednesday, December 2 at 4:30 PM" in message_html(email)
    sms = next(n for n in sent if n.channel.value == "sms")
    assert "should be ready by Wed Dec 2, 4:30 PM" in message_text(sms)

    # The customer sees the promise on their status page, and the change in its timeline.
    customer = client.application.test_client()
    login(desk["customer"], test_client=customer)
    mine = customer.get(f"/appointments/{visit.reference}").get_data(as_text=True)
    assert "Ready by:</strong> Wednesday, December 2 at 4:30 PM" in mine

    # A corrected time replaces the message not yet sent; clearing tells nobody.
    assert act(client, visit, "promise", {"promised": "2026-12-02 17:00"}).status_code == 303
    live = [n for n in outbox(visit) if n.status.value == "pending"]
    assert len(live) == 2 and all("5:00 PM" in message_text(n) for n in live)
    assert act(client, visit, "promise", {"promised": "", "clear": "1"}).status_code == 303
    assert fresh(visit).promised_at is None
    assert len(outbox(visit)) == 4
    trail = [c.note for c in fresh(visit).status_changes]
    assert trail == [
        "Ready by Wed Dec 2, 4:30 PM.",
        "Ready by Wed Dec 2, 5:00 PM.",
        "Ready-by time withdrawn.",
    ]
    mine = customer.get(f"/appointments/{visit.reference}").get_data(as_text=True)
    assert "Ready by:" not in mine


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-12-02T09:00", "must be after the visit starts"),
        ("2026-12-02T10:00", "must be after the visit starts"),  # the start itself
        ("tomorrow at 4", "Give a date and time such as"),
        ("2026-12-02T16:30+00:00", "in the shop&#39;s time zone"),
        ("", "Give the date and time the car should be ready."),
        ("1999-12-31T10:00", "Give a date from"),
        ("2027-03-14T02:30", "doesn&#39;t exist on March 14"),  # clocks spring forward
    ],
)
def test_a_bad_promised_time_writes_nothing(client, login, desk, frozen, typed, message):
    visit = desk["visit"]
    login(desk["admin"])
    before = counts(visit)
    response = act(client, visit, "promise", {"promised": typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="promise-error"' in html and "<details open>" in html  # the form stays open
    assert counts(visit) == before and fresh(visit).promised_at is None


def test_promise_on_the_ambiguous_hour_takes_the_first_one(desk):
    from zoneinfo import ZoneInfo

    from autoshop.web.staff.forms import parse_local_time

    first = parse_local_time("2026-11-01T01:30", ZoneInfo("America/New_York"))
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT, before the clocks go back


# --- notes ----------------------------------------------------------------------------------

SECRET = "Customer was rude on the phone; check the warranty claim"


def test_internal_notes_never_reach_the_customer(app, client, login, desk, factories, frozen):
    visit, mike = desk["visit"], desk["mike"]
    login(desk["admin"])
    assert act(client, visit, "mechanic", {"mechanic": mike.id}).status_code == 303
    response = act(client, visit, "notes", {"body": SECRET, "audience": "internal"})
    assert response.status_code == 303
    assert "Internal note added." in client.get(response.location).get_data(as_text=True)
    assert (
        act(client, visit, "notes", {"body": "Pads are in.", "audience": "customer"}).status_code
        == 303
    )
    assert act(client, visit, "promise", {"promised": "2026-12-02T15:00"}).status_code == 303
    change_status(fresh(visit), S.CHECKED_IN, actor=mike, now=NOW, note="Keys received.")

    staff_page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert SECRET.replace("'", "&#39;") in staff_page and "Staff only" in staff_page

    # Every message the customer gets (email text, email HTML, SMS): none carries the note.
    sent = outbox(visit)
    assert {n.channel.value for n in sent} == {"email", "sms"}
    assert len(sent) >= 6
    for message in sent:
        for text in (message.subject, message_text(message), message_html(message)):
            assert "rude" not in text and "Assigned to" not in text

    customer = app.test_client()
    login(desk["customer"], test_client=customer)
    for path in (f"/appointments/{visit.reference}", f"/appointments/{visit.reference}/progress"):
        html = customer.get(path).get_data(as_text=True)
        assert "Pads are in." in html and "Keys received." in html
        assert "rude" not in html and "Assigned to" not in html and "Mike" not in html
    api = customer.get(f"/api/v1/appointments/{visit.reference}")
    assert api.status_code == 200 and "rude" not in api.get_data(as_text=True)
    listing = customer.get("/api/v1/appointments").get_data(as_text=True)
    assert visit.reference in listing and "rude" not in listing


def test_a_guest_visit_shows_contact_details_and_hides_internal_notes(
    app, client, login, desk, factories, frozen
):
    car = factories.vehicle(make="Mazda", model="3")
    guest = factories.appointment(
        starts_at=DAY,
        location=desk["location"],
        bay=desk["location"].bays[1],
        vehicle=car,
        guest_name="Pat Guest",
        guest_email="pat@example.com",
        guest_phone="+16175550199",
    )
    login(desk["admin"])
    page = client.get(f"/staff/appointments/{guest.reference}").get_data(as_text=True)
    assert "Pat Guest" in page and "guest, no account" in page
    assert "mailto:pat@example.com" in page and "tel:+16175550199" in page
    assert "/staff/customers/" not in page and f"/staff/vehicles/{car.id}" in page
    assert act(client, guest, "notes", {"body": SECRET, "audience": "internal"}).status_code == 303
    assert (
        act(client, guest, "notes", {"body": "See you soon.", "audience": "customer"}).status_code
        == 303
    )
    [mail] = outbox(guest)
    assert mail.recipient == "pat@example.com" and "See you soon." in message_text(mail)
    html = app.test_client().get(manage_url(guest)).get_data(as_text=True)
    assert "See you soon." in html and "rude" not in html


def test_a_customer_note_is_sent_through_the_outbox_and_shown(client, login, desk, frozen):
    visit = desk["visit"]
    login(desk["admin"])
    before = counts(visit)
    response = act(
        client,
        visit,
        "notes",
        {"body": "We found a nail in the tyre.\nPatched it.", "audience": "customer"},
    )
    assert response.status_code == 303
    assert "Note sent to the customer." in client.get(response.location).get_data(as_text=True)
    [note] = visit_desk.notes_of(fresh(visit))
    assert note.audience is NoteAudience.CUSTOMER and note.author_id == desk["admin"].id
    assert note.created_at == NOW
    sent = outbox(visit)
    assert len(sent) == before[3] + 2
    assert {(n.kind, n.channel.value, n.recipient) for n in sent} == {
        ("appointment_note", "email", desk["customer"].email),
        ("appointment_note", "sms", "+16175550100"),
    }
    email = next(n for n in sent if n.channel.value == "email")
    assert "We found a nail in the tyre." in message_text(email)
    assert email.subject == f"A note about your 2018 Subaru Outback ({visit.reference})"
    assert all(n.due_at == NOW and n.dedupe_key.startswith(f"appt:{visit.id}:note:") for n in sent)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": "x" * 1001, "audience": "internal"}, "Keep the note under 1000 characters."),
        ({"body": "x" * 1001, "audience": "customer"}, "Keep the note under 1000 characters."),
        ({"body": "   \n ", "audience": "internal"}, "Write the note first."),
        ({"body": "Hello", "audience": "everyone"}, "Choose who the note is for."),
    ],
)
def test_a_bad_note_writes_nothing(client, login, desk, frozen, data, message):
    visit = desk["visit"]
    login(desk["admin"])
    before = counts(visit)
    response = act(client, visit, "notes", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if data["body"].strip():
        assert data["body"][:50] in html  # what was typed is kept
    assert counts(visit) == before


def test_a_mechanic_writes_to_the_customer_only_on_their_own_job(client, login, desk, frozen):
    visit, mike, sam = desk["visit"], desk["mike"], desk["sam"]
    assign_mechanic(visit, mike, actor=desk["admin"], now=NOW)
    login(sam)
    page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert 'value="customer"' not in page
    before = counts(visit)
    response = act(client, visit, "notes", {"body": "Hi", "audience": "customer"})
    assert response.status_code == 403 and counts(visit) == before
    # Anyone on the staff may leave an internal note.
    assert (
        act(client, visit, "notes", {"body": "Lift 2 is free", "audience": "internal"}).status_code
        == 303
    )


# --- no-show, closed visits and stale forms -----------------------------------------------------


def test_admin_marks_a_no_show_which_a_mechanic_is_not_offered(client, login, desk, frozen):
    visit, mike = desk["visit"], desk["mike"]
    assign_mechanic(visit, mike, actor=desk["admin"], now=NOW)
    login(mike)
    page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert "Mark no-show" not in page
    before = counts(visit)
    refused = act(client, visit, "status", {"target": "no_show", "back": "appointment"})
    assert refused.status_code == 403 and counts(visit) == before

    admin = client.application.test_client()
    login(desk["admin"], test_client=admin)
    assert "Mark no-show" in admin.get(f"/staff/appointments/{visit.reference}").get_data(
        as_text=True
    )
    response = act(admin, visit, "status", {"target": "no_show", "back": "appointment"})
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/appointments/{visit.reference}")
    assert fresh(visit).status is S.NO_SHOW
    page = admin.get(response.location).get_data(as_text=True)
    assert "is now no-show" in page and "Mark no-show" not in page


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("mechanic", {"mechanic": "MIKE"}),
        ("promise", {"promised": "2026-12-02T16:00"}),
        ("promise", {"promised": "", "clear": "1"}),
        ("notes", {"body": "Sorry to miss you", "audience": "customer"}),
        ("status", {"target": "checked_in", "back": "appointment"}),
        ("status", {"target": "no_show", "back": "appointment"}),
    ],
)
def test_a_closed_visit_refuses_every_change(client, login, desk, frozen, action, data):
    visit = desk["visit"]
    data = {k: (desk["mike"].id if v == "MIKE" else v) for k, v in data.items()}
    visit.promised_at = datetime(2026, 12, 2, 20, tzinfo=UTC)
    visit.status = S.CANCELLED
    db.session.commit()
    login(desk["admin"])
    page = client.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
    assert (
        "Assign to" not in page and 'name="promised"' not in page and 'value="customer"' not in page
    )
    before = counts(visit)
    response = act(client, visit, action, data)
    assert response.status_code in (403, 422)
    assert counts(visit) == before
    current = fresh(visit)
    assert current.mechanic_id is None and current.status is S.CANCELLED
    assert current.promised_at == datetime(2026, 12, 2, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("mechanic", {"mechanic": "SAM"}),
        ("promise", {"promised": "2026-12-02T16:00"}),
        ("notes", {"body": "We'll start soon", "audience": "customer"}),
        ("status", {"target": "checked_in", "back": "appointment"}),
    ],
)
def test_a_stale_form_is_answered_changed_meanwhile(client, login, desk, frozen, action, data):
    visit = desk["visit"]
    data = {k: (desk["sam"].id if v == "SAM" else v) for k, v in data.items()}
    login(desk["admin"])
    seen = fresh(visit).version
    assign_mechanic(visit, desk["mike"], actor=desk["admin"], now=NOW)  # someone else, meanwhile
    before = counts(visit)
    response = act(client, visit, action, data, version=seen)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed by someone else meanwhile and is now scheduled" in html
    assert 'id="mechanic-now">Mike Lee<' in html  # the visit as it is now
    assert f'name="version" value="{before[0]}"' in html  # ready for another try
    if action in ("promise", "notes"):
        typed = str(escape(next(iter(data.values()))))
        assert "<details open>" in html and typed in html  # what was typed, kept
    assert counts(visit) == before and fresh(visit).mechanic_id == desk["mike"].id


def test_the_service_refuses_a_stale_version_and_a_closed_visit(desk):
    visit, admin = desk["visit"], desk["admin"]
    seen = visit.version
    visit_desk.add_note(visit, "first", NoteAudience.INTERNAL, actor=admin, now=NOW)
    assert fresh(visit).version == seen  # a note adds to the visit, it doesn't change it
    assign_mechanic(visit, desk["mike"], actor=admin, now=NOW)
    with pytest.raises(ChangedMeanwhile):
        visit_desk.set_promised_time(
            fresh(visit), DAY.replace(hour=20), actor=admin, now=NOW, expected_version=seen
        )
    change_status(fresh(visit), S.NO_SHOW, actor=admin, now=NOW)
    with pytest.raises(BookingError, match="no-show visit can't get a new ready-by time"):
        visit_desk.set_promised_time(fresh(visit), DAY.replace(hour=20), actor=admin, now=NOW)
    with pytest.raises(NotAllowed):
        visit_desk.add_note(
            fresh(visit), "hi", NoteAudience.CUSTOMER, actor=desk["customer"], now=NOW
        )
    assert fresh(visit).promised_at is None


# --- the race ---------------------------------------------------------------------------------


@pytest.mark.settings(**POOL)
def test_two_admins_assigning_at_once_one_wins_the_other_sees_it(app, login, desk, factories):
    visit, mike, sam = desk["visit"], desk["mike"], desk["sam"]
    other_admin = factories.admin(first_name="Bo")
    clients = [app.test_client(), app.test_client()]
    forms = []
    for c, admin in zip(clients, (desk["admin"], other_admin), strict=True):
        login(admin, test_client=c)
        html = c.get(f"/staff/appointments/{visit.reference}").get_data(as_text=True)
        forms.append((csrf_token_from(html), int(_VERSION_RE.search(html).group(1))))
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    path = f"/staff/appointments/{visit.reference}/mechanic"
    mechanic_ids = [mike.id, sam.id]

    def run(i: int) -> None:
        with app.app_context():  # assigning doesn't depend on the clock
            token, version = forms[i]
            barrier.wait(timeout=60)
            try:
                answers[i] = clients[i].post(
                    path,
                    data={"csrf_token": token, "version": version, "mechanic": mechanic_ids[i]},
                )
            except Exception as exc:  # a crash is a failed race, reported below
                answers[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    codes = sorted(a.status_code for a in answers)
    assert codes == [303, 409], answers
    winner = (mike, sam)[[a.status_code for a in answers].index(303)]
    loser_page = next(a for a in answers if a.status_code == 409).get_data(as_text=True)
    assert "changed by someone else meanwhile" in loser_page
    assert f'id="mechanic-now">{winner.full_name}<' in loser_page
    assert fresh(visit).mechanic_id == winner.id
    assert [n.body for n in visit_desk.notes_of(fresh(visit))] == [
        f"Assigned to {winner.full_name}."
    ]


def test_the_visit_page_reads_a_long_timeline_in_the_same_number_of_queries(
    app, client, login, desk, factories, frozen
):
    """The timeline's authors are loaded with it, not one query per line."""
    visit = desk["visit"]
    login(desk["admin"])

    def queries_for_page() -> int:
        seen: list[str] = []

        def count(*_args: Any) -> None:
            seen.append("q")

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/staff/appointments/{visit.reference}").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    writers = [desk["mike"], desk["sam"], desk["admin"]]
    change_status(visit, S.CHECKED_IN, actor=desk["admin"], now=NOW)
    for i in range(3):
        visit_desk.add_note(fresh(visit), f"n{i}", NoteAudience.INTERNAL, actor=writers[i], now=NOW)
    short = queries_for_page()
    for i in range(30):
        author = factories.mechanic() if i % 3 == 0 else writers[i % 3]
        visit_desk.add_note(fresh(visit), f"m{i}", NoteAudience.INTERNAL, actor=author, now=NOW)
        visit_desk.add_note(fresh(visit), f"c{i}", NoteAudience.CUSTOMER, actor=author, now=NOW)
    assert queries_for_page() == short, short

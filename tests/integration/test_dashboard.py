"""The admin dashboard: arrivals, cars in the shop, no-shows, bay utilisation, conflicts and
reviews at a glance, read in a number of statements that doesn't grow with the data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from autoshop.domain.status import AppointmentStatus as S
from autoshop.extensions import db
from autoshop.models import Review
from tests.integration.test_availability_api import count_statements

#: Tuesday Dec 1, 2026, 09:00 in New York.
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def ny(hour: int, minute: int = 0, day: int = 1) -> datetime:
    """A time on Dec `day`, 2026 in New York (EST, UTC-5)."""
    return datetime(2026, 12, day, hour + 5, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin_client(client, factories, login):
    login(factories.admin())
    return client


@pytest.fixture
def shop(factories):
    shop = factories.booking_shop()
    location = shop["location"]
    lift1, lift2 = location.bays

    def visit(starts_at, status=S.SCHEDULED, bay=lift1, services=None, **kw):
        return factories.appointment(
            location=location,
            bay=bay,
            services=services or [shop["oil"]],
            starts_at=starts_at,
            status=status,
            **kw,
        )

    made = {
        "arriving": visit(ny(10), bay=lift2, services=[shop["pads"]]),  # 10:00-11:30
        "arriving_soon": visit(ny(9, 30)),
        "later": visit(ny(11, 30)),  # outside the two hours
        "late": visit(ny(8, 45)),  # due before now, not checked in
        "checked_in": visit(ny(7, 30), S.CHECKED_IN, services=[shop["diag"]]),  # 07:30-08:30
        "in_progress": visit(ny(8, 30), S.IN_PROGRESS, bay=lift2),  # 08:30-09:00
        "ready": visit(ny(15) - 24 * HOUR, S.READY_FOR_PICKUP),  # since yesterday
        "no_show": visit(ny(8, 45), S.NO_SHOW),
        "cancelled": visit(ny(13), S.CANCELLED),
        "yesterday_no_show": visit(ny(10) - timedelta(days=1), S.NO_SHOW),
        "in_downtime": visit(ny(14), bay=lift2),  # kept in the downtime below: a conflict
    }
    factories.downtime(lift2, starts_at=ny(13), ends_at=ny(15), reason="Lift inspection")
    return {**shop, **made, "lift1": lift1, "lift2": lift2}


def _review(appointment, rating, comment, *, hidden=False, minutes_ago=0):
    appointment.status = S.COMPLETED
    review = Review(
        appointment_id=appointment.id,
        rating=rating,
        comment=comment,
        hidden=hidden,
        created_at=NOW - timedelta(minutes=minutes_ago),
    )
    db.session.add(review)
    db.session.commit()
    return review


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_the_day_at_a_glance(admin_client, shop, factories):
    done = factories.appointment(
        location=shop["location"], services=[shop["oil"]], starts_at=ny(10, day=24) - 7 * 24 * HOUR
    )
    hidden = factories.appointment(
        location=shop["location"], services=[shop["oil"]], starts_at=ny(11, day=24) - 7 * 24 * HOUR
    )
    _review(done, 4, "Quick oil change, friendly staff. " * 10, minutes_ago=5)
    _review(hidden, 1, "Rude words here", hidden=True)

    page = admin_client.get("/admin/").get_data(as_text=True)

    figures = page.split("Key figures")[1].split("</ul>")[0]
    numbers = re.findall(r'h2 mb-0">([^<]+)<', figures)
    assert numbers[:4] == ["3", "3", "1", "1"]  # arriving, in the shop, ready, no-shows
    assert "due in the next 2 hours (1 late)" in figures

    arrivals = _section(page, "arrivals-heading")
    assert shop["arriving_soon"].reference in arrivals and shop["arriving"].reference in arrivals
    assert arrivals.index(shop["arriving_soon"].reference) < arrivals.index(
        shop["arriving"].reference
    )
    assert shop["later"].reference not in arrivals
    rows = re.findall(r"<tr>.*?</tr>", arrivals, re.S)
    (late,) = [r for r in rows if shop["late"].reference in r]
    (soon,) = [r for r in rows if shop["arriving_soon"].reference in r]
    assert "8:45 AM" in late and ">Late<" in late
    assert "9:30 AM" in soon and ">Late<" not in soon

    in_shop = _section(page, "in-shop-heading")
    assert (
        'href="#status-checked_in">Checked in <span class="badge text-bg-info">1</span>' in in_shop
    )
    assert 'href="#status-waiting_on_parts">Waiting on parts' in in_shop
    ready = in_shop.split('id="status-ready_for_pickup"')[1]
    assert shop["ready"].reference in ready and shop["checked_in"].reference not in ready

    no_shows = _section(page, "no-shows-heading")
    assert shop["no_show"].reference in no_shows
    assert shop["yesterday_no_show"].reference not in no_shows
    assert shop["cancelled"].reference not in page.split('id="setup-heading"')[0]

    conflicts = _section(page, "conflicts-heading")
    assert shop["in_downtime"].reference in conflicts
    assert "Lift 2 out of service: Lift inspection" in conflicts

    use = _section(page, "utilisation-heading")
    # Lift 1 today: checked in 07:30-08:30, 08:45-09:15, 09:30-10:00, 11:30-12:00 (the no-show
    # and the cancelled visit don't count) = 2 h 30 min of 10 h. Lift 2: 08:30-09:00,
    # 10:00-11:30 = 2 h of 8 h (out of service 13:00-15:00; the visit kept in it doesn't count).
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td data-label="Today">(.*?)</td>', use)
    today = {name: re.sub(r"<[^>]+>", "", cell) for name, cell in rows}
    assert today["Lift 1"] == "25% (2 h 30 min of 10 h)"
    assert today["Lift 2"] == "25% (2 h of 8 h)"
    assert today["All bays"] == "25% (4 h 30 min of 18 h)"

    reviews = _section(page, "reviews-heading")
    assert "4 out of 5" in reviews and done.reference in reviews
    assert "Quick oil change, friendly staff." in reviews and "…" in reviews
    assert "Rude words" not in reviews and hidden.reference not in reviews


def test_an_empty_shop(admin_client, factories):
    factories.location()
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "Nobody is due in the next two hours." in page
    assert "No no-shows today." in page and "No reviews yet." in page
    assert "0% (0 min of 10 h)" in re.sub(r"<[^>]+>", "", _section(page, "utilisation-heading"))


def test_no_location_yet(admin_client):
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    assert "Nobody is due in the next two hours." in page.get_data(as_text=True)


def test_statements_do_not_grow_with_the_data(admin_client, shop, factories):
    def selects() -> int:
        with count_statements() as statements:
            response = admin_client.get("/admin/")
        assert response.status_code == 200
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    before = selects()
    for i in range(6):
        bay = factories.bay(shop["location"], f"Extra {i}")
        for status, start in (
            (S.SCHEDULED, ny(9, 15 + 5 * i)),
            (S.IN_PROGRESS, ny(7, 30) - (i + 2) * 24 * HOUR),
            (S.READY_FOR_PICKUP, ny(11) - (i + 2) * 24 * HOUR),
            (S.NO_SHOW, ny(7, 30)),
        ):
            factories.appointment(
                location=shop["location"],
                bay=bay,
                services=[shop["oil"]],
                starts_at=start,
                status=status,
                customer=None,
                guest_email=f"g{i}@example.com",
                guest_name=f"Guest {i}",
            )
        past = factories.appointment(
            location=shop["location"], bay=bay, services=[shop["oil"]], starts_at=ny(10, day=20)
        )
        _review(past, 5, f"Great {i}", minutes_ago=i)
        factories.downtime(bay, starts_at=ny(8, day=2), ends_at=ny(9, day=2))
    after = selects()
    assert before == after <= 40, (before, after)  # 37 today, whatever the data

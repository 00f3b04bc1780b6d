"""Waitlist and calendar-feed routes walked as anonymous, customer A, customer B, mechanic and
admin: the role × route matrix."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa

from autoshop.extensions import db
from autoshop.models import Appointment, WaitlistHold
from autoshop.services import booking, waitlist
from tests.integration.test_waitlist import NOW, WED, WED_9, WED_10
from tests.support.access import LOGIN, Route, make_personas, walk


@pytest.mark.settings(WTF_CSRF_CHECK_DEFAULT=False, SECURITY_CSRF_PROTECT_MECHANISMS=[])
def test_waitlist_and_feed_routes_answer_each_role_as_designed(app, factories):
    import time_machine

    people = make_personas(factories)
    location = factories.location(
        hours={2: [(time(9), time(11))]}, slot_interval_minutes=60, buffer_minutes=0
    )
    service = factories.service(duration_minutes=60)
    for bay in location.bays:
        for start in (WED_9, WED_10):
            factories.appointment(location=location, bay=bay, starts_at=start, services=[service])
    vehicle = factories.vehicle(owner=people.customer_a)
    waitlist.join(
        waitlist.JoinRequest(
            service_ids=[service.id],
            day=WED,
            earliest=time(9),
            latest=time(10),
            customer=people.customer_a,
            vehicle_id=vehicle.id,
        ),
        now=NOW,
    )
    other_car = factories.vehicle(owner=people.customer_a, model="Fit")
    to_leave = waitlist.join(
        waitlist.JoinRequest(
            service_ids=[service.id],
            day=WED,
            earliest=time(9),
            latest=time(9),
            customer=people.customer_a,
            vehicle_id=other_car.id,
        ),
        now=NOW,
    )
    visit = db.session.scalars(
        sa.select(Appointment).where(Appointment.starts_at == WED_10).limit(1)
    ).one()
    booking.cancel(visit, now=NOW, actor=people.admin)
    hold = db.session.scalars(sa.select(WaitlistHold)).one()
    offer = f"/waitlist/offers/{waitlist.offer_token(hold)}"
    everyone = dict.fromkeys(("anonymous", "customer_a", "customer_b", "mechanic", "admin"), 200)
    signed_in = {**dict.fromkeys(everyone, 200), "anonymous": LOGIN}
    routes = [
        Route(f"/waitlist/join?services={service.id}&day=2026-12-02", everyone),
        Route("/waitlist/manage/forged-token", dict.fromkeys(everyone, 404)),
        Route("/waitlist/offers/forged-token", dict.fromkeys(everyone, 404)),
        # The offer is customer A's: B and the mechanic are told it doesn't exist; the admin
        # may open it (to accept for a customer on the phone).
        Route(
            offer,
            {
                "anonymous": LOGIN,
                "customer_a": 200,
                "customer_b": 404,
                "mechanic": 404,
                "admin": 200,
            },
        ),
        Route(
            "/admin/waitlist?day=2026-12-02",
            {
                "anonymous": LOGIN,
                "customer_a": 403,
                "customer_b": 403,
                "mechanic": 403,
                "admin": 200,
            },
        ),
        Route("/feeds/forged-token.ics", dict.fromkeys(everyone, 404)),
        Route("/account/calendar-feed", signed_in, method="POST"),
        Route(
            "/account/calendar-feed/revoke",
            {**dict.fromkeys(everyone, 303), "anonymous": LOGIN},
            method="POST",
        ),
        # Leaving is for the entry's owner; anyone else is told there is no such entry.
        Route(
            f"/waitlist/entries/{to_leave.id}/leave",
            {
                "anonymous": LOGIN,
                "customer_a": 303,
                "customer_b": 404,
                "mechanic": 404,
                "admin": 404,
            },
            method="POST",
        ),
    ]
    with time_machine.travel(NOW, tick=False):
        walk(app, people, routes)

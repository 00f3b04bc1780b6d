"""Calendar subscription feeds: a secret URL per person listing their visits (customers) and
their assigned jobs (mechanics), for Google Calendar, Apple Calendar or Outlook to poll.

The token is random (secrets.token_urlsafe) and only its SHA-256 is stored, so a copy of the
database exposes no feed; the URL is therefore shown once, when it is made, and a lost or leaked
link is replaced by resetting it, which revokes the old one. Events carry the same UID and
SEQUENCE as the emailed .ics (services/ics.py), so a calendar holding both never shows a visit
twice. Cancelled and no-show visits are left out of the feed rather than sent as
STATUS:CANCELLED: every calendar app removes an event that disappears from a subscription, while
some show a cancelled event from a feed as if it were still on.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar
from sqlalchemy.orm import Session, joinedload, selectinload

from autoshop.domain.status import AppointmentStatus
from autoshop.extensions import db
from autoshop.models import Appointment, FeedToken, User
from autoshop.services.ics import PRODID, event_of
from autoshop.services.manage_links import DETAIL_PATH, public_url
from autoshop.services.transactions import run_write

FEED_PATH = "/feeds/{token}.ics"
#: Recent visits stay in the feed this long, so last week's service is still in the calendar.
RECENT = timedelta(days=30)
#: Not in a feed: the visit isn't happening (see the module docstring).
LEFT_OUT = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    return public_url(FEED_PATH.format(token=token))


def active_token(user: User) -> FeedToken | None:
    return db.session.scalar(
        sa.select(FeedToken).where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
    )


def reset(user: User, *, now: datetime) -> str:
    """A new secret for `user`'s feed, revoking any earlier one; returns the token (shown once)."""
    token = secrets.token_urlsafe(32)
    user_id = user.id

    def work(session: Session) -> None:
        # The person's row first: two resets at once queue here instead of both inserting.
        session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
        _revoke(session, user_id, now)
        session.add(FeedToken(user_id=user_id, token_hash=_hash(token), created_at=now))

    run_write(work)
    return token


def revoke(user: User, *, now: datetime) -> None:
    user_id = user.id
    run_write(lambda session: _revoke(session, user_id, now))


def _revoke(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        sa.update(FeedToken)
        .where(FeedToken.user_id == user_id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()


@dataclass(frozen=True)
class Feed:
    user: User
    appointments: list[Appointment]


def feed_for(token: str, *, now: datetime) -> Feed | None:
    """The visits a live token's owner should see, or None for an unknown or revoked token.
    The same statements whatever the number of visits: the token with its user (and roles), the
    visits with their locations, and their services."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(
        sa.select(User)
        .join(FeedToken, FeedToken.user_id == User.id)
        .where(FeedToken.token_hash == _hash(token), FeedToken.revoked_at.is_(None))
    )
    if user is None or not user.active:
        return None
    appointments = list(
        db.session.scalars(
            sa.select(Appointment)
            .where(
                sa.or_(Appointment.customer_id == user.id, Appointment.mechanic_id == user.id),
                Appointment.starts_at >= now - RECENT,
                Appointment.status.not_in(LEFT_OUT),
            )
            .options(joinedload(Appointment.location), selectinload(Appointment.services))
            .order_by(Appointment.starts_at)
        ).unique()
    )
    return Feed(user=user, appointments=appointments)


def feed_ics(feed: Feed) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{current_app.config['SHOP_NAME']}: {feed.user.full_name}")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for appointment in feed.appointments:
        own = appointment.customer_id == feed.user.id
        # A mechanic's job links to the staff page, never to a guest's private manage link.
        link = None if own else public_url(DETAIL_PATH.format(reference=appointment.reference))
        calendar.add_component(event_of(appointment, link=link))
    return calendar.to_ical()

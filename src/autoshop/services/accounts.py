"""Account use cases beyond what Flask-Security-Too does for us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from autoshop.domain.choices import NotificationChannel
from autoshop.domain.choices import Role as RoleName
from autoshop.extensions import db, security
from autoshop.models import User, Vehicle
from autoshop.services import outbox_planning
from autoshop.services.transactions import write_transaction


def update_profile(
    user: User,
    *,
    first_name: str,
    last_name: str,
    phone: str | None,
    email_opt_in: bool,
    sms_opt_in: bool,
    now: datetime,
) -> None:
    """Save the customer's details. Turning a channel off withdraws the reminders waiting on it;
    turning it on (or changing the number texts go to) plans them for the visits ahead."""
    user_id = user.id
    with write_transaction() as session:
        user = session.get(User, user_id) or user
        before = {
            NotificationChannel.EMAIL: (user.email_opt_in, user.email),
            NotificationChannel.SMS: (user.sms_opt_in, user.phone),
        }
        user.first_name = first_name.strip()
        user.last_name = last_name.strip()
        user.phone = phone
        user.email_opt_in = email_opt_in
        user.sms_opt_in = sms_opt_in and bool(phone)
        after = {
            NotificationChannel.EMAIL: (user.email_opt_in, user.email),
            NotificationChannel.SMS: (user.sms_opt_in, user.phone),
        }
        session.flush()
        for channel, (was_on, was_to) in before.items():
            is_on, is_to = after[channel]
            if was_on and (not is_on or was_to != is_to):
                outbox_planning.withdraw_reminders(user, channel)
            if is_on and (not was_on or was_to != is_to):
                outbox_planning.replan_reminders(user, channel, now=now)


def vehicles_of(user: User) -> list[Vehicle]:
    return list(
        db.session.scalars(
            sa.select(Vehicle).where(Vehicle.owner_id == user.id).order_by(Vehicle.year.desc())
        )
    )


def create_user(email: str, password: str, **details: Any) -> User:
    """Create an account from a trusted place (the CLI, staff tools) in its own transaction;
    `details` as add_user() takes them."""
    with write_transaction():
        return add_user(email, password, **details)


def add_user(
    email: str,
    password: str,
    *,
    roles: list[RoleName],
    first_name: str = "",
    last_name: str = "",
    phone: str | None = None,
    confirmed: bool = True,
) -> User:
    """Add an account to the transaction in progress (ValueError if the email has one)."""
    from flask_security import hash_password

    from autoshop.timeutil import utcnow

    datastore = security.datastore
    email = security._mail_util.normalize(email)  # same normalisation as registration
    if datastore.find_user(email=email) is not None:
        raise ValueError(f"An account for {email} already exists.")
    user: User = datastore.create_user(
        email=email,
        password=hash_password(password),
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        confirmed_at=utcnow() if confirmed else None,
        roles=[datastore.find_or_create_role(r.value) for r in roles],
    )
    return user

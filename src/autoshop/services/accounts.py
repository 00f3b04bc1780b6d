"""Account use cases beyond what Flask-Security-Too does for us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from autoshop.domain.choices import NotificationChannel
from autoshop.domain.choices import Role as RoleName
from autoshop.extensions import db, security
from autoshop.models import Appointment, Notification, Role, User, Vehicle
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


def staff_members() -> list[User]:
    staff_roles = (RoleName.ADMIN.value, RoleName.MECHANIC.value)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.roles.any(Role.name.in_(staff_roles)))
            .order_by(User.last_name, User.first_name)
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


def claim_guest_visits(user: User) -> int:
    """Bring the visits booked as a guest with the account's email into the account, with their
    cars and messages: the customer proved the address is theirs by confirming it.

    Runs inside the caller's transaction (Flask-Security's confirm view commits it), so the
    account and its visits appear together or not at all. The account's text preference rules
    from now on: texts a guest visit had planned stop unless the account takes texts.
    """
    visits = db.session.scalars(
        sa.select(Appointment).where(
            Appointment.customer_id.is_(None),
            sa.func.lower(Appointment.guest_email) == user.email.casefold(),
        )
    ).all()
    if not visits:
        return 0
    for visit in visits:
        visit.customer = user
        if visit.vehicle.owner_id is None:
            visit.vehicle.owner = user
    db.session.flush()
    db.session.execute(
        sa.update(Notification)
        .where(
            Notification.appointment_id.in_([v.id for v in visits]),
            Notification.user_id.is_(None),
        )
        .values(user_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if not user.sms_opt_in:
        outbox_planning.withdraw_reminders(user, NotificationChannel.SMS)
    if not user.email_opt_in:
        outbox_planning.withdraw_reminders(user, NotificationChannel.EMAIL)
    return len(visits)


def follow_new_email(user: User, *, now: datetime) -> None:
    """The customer confirmed a new email address: reminders still waiting go to the new one.
    Part of the caller's transaction (Flask-Security's change-email confirmation commits it)."""
    outbox_planning.withdraw_reminders(user, NotificationChannel.EMAIL)
    if user.email_opt_in:
        outbox_planning.replan_reminders(user, NotificationChannel.EMAIL, now=now)

"""Account use cases beyond what Flask-Security-Too does for us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from autoshop.domain.choices import NotificationChannel, NotificationStatus
from autoshop.domain.choices import Role as RoleName
from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.domain.status import FINAL_STATUSES
from autoshop.extensions import db, security
from autoshop.i18n import _
from autoshop.models import (
    Appointment,
    IdempotencyKey,
    Notification,
    User,
    Vehicle,
)
from autoshop.services import outbox_planning, vehicles
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


def choose_language(user: User, language: str) -> None:
    """Remember the language `user` reads pages and receives messages in ('en', 'es')."""
    user_id = user.id
    with write_transaction() as session:
        (session.get(User, user_id) or user).locale = language


def vehicles_of(user: User) -> list[Vehicle]:
    return list(
        db.session.scalars(
            sa.select(Vehicle)
            .where(Vehicle.owner_id == user.id, Vehicle.archived_at.is_(None))
            .order_by(Vehicle.year.desc())
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
        raise ValueError(_("An account for %(email)s already exists.", email=email))
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
        db.session.flush()
        car = visit.vehicle
        if car.owner_id is not None:
            continue
        # One car per VIN and per plate in an account: a guest who came twice with the same car
        # (or whose car is already saved) gets that one car, with both visits on it.
        same = vehicles.find_same(user.id, vin=car.vin, plate=car.plate)
        if same is None:
            car.owner = user
            db.session.flush()
            continue
        savepoint = db.session.begin_nested()
        try:
            visit.vehicle = same[0]
            db.session.flush()
            savepoint.commit()
        except IntegrityError:
            # The two visits overlap, and one car can't be in both (the database refuses it):
            # this visit keeps the car it was booked with, outside the account's list.
            savepoint.rollback()
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


#: What a deleted customer's visits say instead of their name.
FORMER_CUSTOMER = "Former customer"


def open_visits(user: User) -> list[Appointment]:
    """Visits not yet over: an account can't be deleted while the shop still expects the car."""
    return list(
        db.session.scalars(
            sa.select(Appointment)
            .where(
                Appointment.customer_id == user.id,
                Appointment.status.not_in(FINAL_STATUSES),
            )
            .order_by(Appointment.starts_at)
        )
    )


def delete_account(user: User) -> None:
    """Remove the customer and their personal data; the shop keeps its records of the work.

    Visits stay (what was done to which car, when, for how much, reviews included) under
    "Former customer", with no email, phone or account. Cars with visits stay without owner or
    plate; cars never brought in go. Messages waiting to be sent are withdrawn; the log of those
    sent keeps when and what kind, not the address or the text. Refused (ValidationFailed) while a
    visit is still open, and for staff accounts, which an admin deactivates instead.
    """
    user_id = user.id
    with write_transaction() as session:
        user = session.get(User, user_id, with_for_update=True) or user
        if user.is_staff:
            raise ValidationFailed(
                _("Staff accounts aren't deleted: an admin deactivates them."), field="account"
            )
        if visits := open_visits(user):
            refs = ", ".join(v.reference for v in visits)
            raise ValidationFailed(
                _(
                    "Cancel your upcoming visits first, or wait until they are done (%(refs)s).",
                    refs=refs,
                ),
                field="account",
            )
        visit_ids = sa.select(Appointment.id).where(Appointment.customer_id == user_id)
        session.execute(
            sa.update(Notification)
            .where(
                sa.or_(
                    Notification.user_id == user_id,
                    Notification.appointment_id.in_(visit_ids),
                ),
                Notification.status == NotificationStatus.PENDING,
            )
            .values(status=NotificationStatus.CANCELLED, last_error="account deleted")
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(Notification)
            .where(
                sa.or_(
                    Notification.user_id == user_id,
                    Notification.appointment_id.in_(visit_ids),
                )
            )
            .values(recipient="", body_text="", body_html="", payload={}, user_id=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.delete(IdempotencyKey)
            .where(IdempotencyKey.appointment_id.in_(visit_ids))
            .execution_options(synchronize_session=False)
        )
        kept_cars = sa.select(Appointment.vehicle_id).where(Appointment.vehicle_id.is_not(None))
        session.execute(
            sa.delete(Vehicle)
            .where(Vehicle.owner_id == user_id, Vehicle.id.not_in(kept_cars))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(Vehicle)
            .where(Vehicle.owner_id == user_id)
            .values(owner_id=None, plate="", nickname="")
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(Appointment)
            .where(Appointment.customer_id == user_id)
            .values(
                customer_id=None,
                guest_name=FORMER_CUSTOMER,
                guest_email="",
                guest_phone="",
                guest_sms_opt_in=False,
                version=Appointment.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.delete(user)

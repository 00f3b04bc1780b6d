"""Staff accounts, managed by admins: invite, change role, deactivate, reactivate, reset.

An invited person gets an account without a password and an email (through the outbox) with a
signed link that expires; opening it, they choose their own password under the registration
rules. The link works once: it names the account and holds only while the account has no
password and keeps its uniquifier (deactivating rotates it, which also ends every session).

The shop always keeps one active admin: demoting or deactivating the last one is refused, in
the same transaction that would write it (PostgreSQL: the admins' rows are locked first, so two
admins demoting each other at once can't both succeed; SQLite serialises writers anyway).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_security import hash_password
from flask_security.recoverable import send_reset_password_instructions
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from autoshop.domain.choices import NotificationChannel
from autoshop.domain.choices import Role as RoleName
from autoshop.domain.schedule_rules import ValidationFailed
from autoshop.extensions import db, security
from autoshop.i18n import _, message_language, speaking
from autoshop.models import Notification, Role, User
from autoshop.services.manage_links import public_url
from autoshop.services.transactions import write_transaction

STAFF_ROLES = (RoleName.MECHANIC, RoleName.ADMIN)
INVITE_SALT = "autoshop.staff-invite"
#: How long an invitation link works.
INVITE_VALID_FOR = timedelta(days=7)
INVITE_PATH = "/account/invite/{token}"
INVITE_KIND = "staff_invite"


class StaffChangeRefused(ValueError):
    """A change that would leave the shop without an admin, or that the page showed stale."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.stale = stale


class InviteInvalid(ValueError):
    """An invitation link that can't be used; `gone` for a used or expired one (410)."""

    def __init__(self, message: str, *, gone: bool) -> None:
        super().__init__(message)
        self.message = message
        self.gone = gone


def staff_role_of(user: User) -> RoleName | None:
    if user.has_role(RoleName.ADMIN.value):
        return RoleName.ADMIN
    if user.has_role(RoleName.MECHANIC.value):
        return RoleName.MECHANIC
    return None


def is_invited(user: User) -> bool:
    """Invited and not yet joined: no password chosen."""
    return user.password is None


# --- the invitation ------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def invite_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": user.fs_uniquifier})


def invite_url(user: User) -> str:
    return public_url(INVITE_PATH.format(token=invite_token(user)))


def invite(
    *, email: str, first_name: str, last_name: str, role: RoleName, invited_by: User, now: datetime
) -> User:
    """Create the staff account (no password yet) and queue the invitation email."""
    if role not in STAFF_ROLES:
        raise ValidationFailed(_("Choose mechanic or admin."), "role")
    normalized = security._mail_util.normalize(email)
    with write_transaction() as session:
        taken = session.scalar(
            sa.select(User.id).where(sa.func.lower(User.email) == normalized.lower())
        )
        if taken is not None:
            raise ValidationFailed(_("An account with this email already exists."), "email")
        datastore = security.datastore
        user: User = datastore.create_user(
            email=normalized,
            password=None,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            confirmed_at=None,
            roles=[datastore.find_or_create_role(role.value)],
        )
        session.flush()
        _queue_invitation(session, user, invited_by=invited_by, now=now)
    return user


def _queue_invitation(session: Session, user: User, *, invited_by: User, now: datetime) -> None:
    """The invitation email, in the invited person's language if their account has one, else
    the shop's (they haven't chosen one yet: the admin's own language is not theirs)."""
    role = staff_role_of(user)
    shop_name = current_app.config["SHOP_NAME"]
    with speaking(message_language(user.locale)):
        context = {
            "user": user,
            "role": role.label.lower() if role else _("staff member"),
            "invited_by": invited_by.full_name,
            "shop_name": shop_name,
            "link": invite_url(user),
            "valid_days": INVITE_VALID_FOR.days,
        }
        subject = _("You're invited to %(shop)s: choose your password", shop=shop_name)
        body_text = render_template("admin/email/staff_invite.txt", **context)
        body_html = render_template("admin/email/staff_invite.html", **context)
    session.add(
        Notification(
            channel=NotificationChannel.EMAIL,
            recipient=user.email,
            kind=INVITE_KIND,
            user_id=user.id,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            due_at=now,
        )
    )


def invited_user(token: str) -> User:
    """The account an invitation link is for, while it can still be used."""
    try:
        data = _serializer().loads(token, max_age=int(INVITE_VALID_FOR.total_seconds()))
    except SignatureExpired as exc:
        raise InviteInvalid(
            _("This invitation has expired. Ask an admin at the shop to invite you again."),
            gone=True,
        ) from exc
    except BadSignature as exc:
        raise InviteInvalid(
            _("This invitation link isn't valid. Open the link from the email exactly as it is."),
            gone=False,
        ) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or user.fs_uniquifier != data.get("f") or not user.active:
        raise InviteInvalid(
            _("This invitation is no longer valid. Ask an admin at the shop for a new one."),
            gone=True,
        )
    if not is_invited(user):
        raise InviteInvalid(
            _("This invitation was already used. Log in with the password you chose, or reset it."),
            gone=True,
        )
    return user


def password_problems(user: User, password: str) -> tuple[list[str], str]:
    """The registration rules (length, breach list, strength) applied to a chosen password."""
    problems, normalized = security._password_util.validate(
        password,
        True,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
    )
    return [str(p) for p in problems or []], normalized


def accept_invite(token: str, password: str, *, now: datetime) -> User:
    """Set the invited person's password; the link is used up with it."""
    user = invited_user(token)
    problems, normalized = password_problems(user, password)
    if problems:
        raise ValidationFailed({"password": problems})
    with write_transaction() as session:
        user = _locked_user(session, user.id)
        if not is_invited(user) or not user.active:  # a twin request got there first
            raise InviteInvalid(
                _("This invitation was already used. Log in with the password you chose."),
                gone=True,
            )
        user.password = hash_password(normalized)
        user.confirmed_at = now  # the link proved the address
    return user


# --- changes to an account -----------------------------------------------------------------------


def _locked_user(session: Session, user_id: int) -> User:
    user = session.scalar(
        sa.select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise LookupError(user_id)
    return user


def _lock_staff(session: Session, user_id: int) -> User:
    """The account to change, a staff account, with every active admin's row locked first
    (in id order, so two of these never wait on each other in a cycle)."""
    admins = (
        sa.select(User.id)
        .where(User.active.is_(True), User.roles.any(Role.name == RoleName.ADMIN.value))
        .order_by(User.id)
        .with_for_update()
    )
    session.execute(admins).all()
    user = _locked_user(session, user_id)
    if staff_role_of(user) is None:
        raise LookupError(user_id)
    return user


def _other_active_admins(session: Session, user: User) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(User.id)).where(
                User.id != user.id,
                User.active.is_(True),
                User.roles.any(Role.name == RoleName.ADMIN.value),
            )
        )
        or 0
    )


def change_role(user_id: int, role: RoleName, *, expected: RoleName) -> User:
    """Make a staff member a mechanic or an admin (`expected`: the role the page showed)."""
    if role not in STAFF_ROLES:
        raise ValidationFailed(_("Choose mechanic or admin."), "role")
    with write_transaction() as session:
        user = _lock_staff(session, user_id)
        current = staff_role_of(user)
        if current is not expected:
            raise StaffChangeRefused(
                _(
                    "%(name)s's role changed meanwhile; it is now %(role)s.",
                    name=user.full_name,
                    role=_label(current),
                ),
                stale=True,
            )
        if current is role:
            return user
        if current is RoleName.ADMIN and user.active and not _other_active_admins(session, user):
            raise StaffChangeRefused(
                _(
                    "%(name)s is the only active admin: the shop would have nobody to run it. "
                    "Make someone else an admin first.",
                    name=user.full_name,
                )
            )
        datastore = security.datastore
        datastore.remove_role_from_user(user, current.value)  # type: ignore[union-attr]
        datastore.add_role_to_user(user, datastore.find_or_create_role(role.value))
    return user


def _label(role: RoleName | None) -> str:
    return role.label.lower() if role else _("no staff role")


def deactivate(user_id: int) -> User:
    """The person can no longer log in (their sessions end); their history stays."""
    with write_transaction() as session:
        user = _lock_staff(session, user_id)
        if not user.active:
            raise StaffChangeRefused(
                _("%(name)s was already deactivated.", name=user.full_name), stale=True
            )
        if staff_role_of(user) is RoleName.ADMIN and not _other_active_admins(session, user):
            raise StaffChangeRefused(
                _(
                    "%(name)s is the only active admin: the shop would have nobody to run it. "
                    "Make someone else an admin before deactivating.",
                    name=user.full_name,
                )
            )
        user.active = False
        user.fs_uniquifier = uuid.uuid4().hex  # ends every session and voids open links
    return user


def reactivate(user_id: int) -> User:
    with write_transaction() as session:
        user = _lock_staff(session, user_id)
        if user.active:
            raise StaffChangeRefused(
                _("%(name)s is already active.", name=user.full_name), stale=True
            )
        user.active = True
    return user


def send_password_reset(user_id: int) -> User:
    """Flask-Security's reset email, through the outbox like every account email."""
    with write_transaction() as session:
        user = _lock_staff(session, user_id)
        if not user.active:
            raise StaffChangeRefused(
                _("%(name)s is deactivated: reactivate the account first.", name=user.full_name)
            )
        if is_invited(user):
            raise StaffChangeRefused(
                _(
                    "%(name)s hasn't chosen a password yet: they can use the invitation.",
                    name=user.full_name,
                )
            )
        send_reset_password_instructions(user)
    return user


@dataclass(frozen=True)
class StaffRow:
    user: User
    role: RoleName | None
    invited: bool


def staff_list() -> list[StaffRow]:
    staff_roles = [r.value for r in STAFF_ROLES]
    people = db.session.scalars(
        sa.select(User)
        .where(User.roles.any(Role.name.in_(staff_roles)))
        .order_by(User.active.desc(), User.first_name, User.last_name, User.id)
    )
    return [StaffRow(user=u, role=staff_role_of(u), invited=is_invited(u)) for u in people]

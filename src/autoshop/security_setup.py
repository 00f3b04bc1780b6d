"""Accounts with Flask-Security-Too: the datastore, the customer role and login throttling.

Failed logins are throttled per account (the email typed) and per client address; a login that
succeeds never counts, so a whole shop behind one address can log in all day. Flask-Limiter checks
both limits before the login view runs and deducts only after a response that logged nobody in
(`deduct_when`). Anonymous account pages answer alike whether an email has an account or not
(SECURITY_RETURN_GENERIC_RESPONSES in config.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from babel import support
from flask import Flask, Response, current_app, request
from flask_babel import get_locale
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_security import (
    SQLAlchemyUserDatastore,
    change_email_confirmed,
    user_confirmed,
    user_registered,
)
from flask_security.babel import FsDomain
from flask_security.utils import send_mail
from flask_security.views import login as _security_login

from autoshop.domain.choices import Role
from autoshop.extensions import db, limiter, security
from autoshop.i18n import _, _l
from autoshop.models import Role as RoleModel
from autoshop.models import User
from autoshop.timeutil import utcnow


def login_failed(response: Response) -> bool:
    """Whether a login attempt counts against the limits: it logged nobody in (and was not itself
    refused by a limit)."""
    return response.status_code != 429 and not current_user.is_authenticated


def login_address_key() -> str:
    return f"login-address:{get_remote_address()}"


def login_account_key() -> str:
    """The account a login attempt is for: the email typed, normalised and hashed (the limiter's
    storage never holds addresses). Unknown emails are keyed alike, so a 429 reveals nothing."""
    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    normalized = str(email or "").strip().casefold()
    return "login-account:" + hashlib.sha256(normalized.encode("utf-8", "replace")).hexdigest()


#: Flask-Security's login view behind both limits on POSTs. Wrapped once, at import:
#: Flask-Limiter keys limits by the view function, so wrapping per app would stack them.
throttled_login = limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=login_address_key,
    methods=["POST"],
    deduct_when=login_failed,
    error_message=lambda: _(
        "Too many failed logins from your network. Wait a few minutes and try again."
    ),
)(
    limiter.limit(
        lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"],
        key_func=login_account_key,
        methods=["POST"],
        deduct_when=login_failed,
        error_message=lambda: _(
            "Too many failed logins for this email address. Wait a few minutes and try again, "
            "or reset your password."
        ),
    )(_security_login)
)


def _give_customer_role(_app: Flask, user: User, **_extra: Any) -> None:
    datastore = security.datastore
    datastore.add_role_to_user(user, datastore.find_or_create_role(Role.CUSTOMER.value))


def _claim_guest_visits(_app: Flask, user: User, **_extra: Any) -> None:
    from autoshop.services.accounts import claim_guest_visits

    claim_guest_visits(user)


def _follow_new_email(_app: Flask, user: User, old_email: str, **_extra: Any) -> None:
    from autoshop.services.accounts import follow_new_email

    follow_new_email(user, now=utcnow())
    # The old address hears of it too, in case the change wasn't its owner's doing.
    send_mail(
        _("Your %(shop)s email address was changed", shop=current_app.config["SHOP_NAME"]),
        old_email,
        "security/email/email_changed_notice",
        user=user,
        old_email=old_email,
    )


#: What config.py has Flask-Security say in the shop's words instead of its own (the account
#: emails' subjects, the messages flashed): listed here to be extracted into the app's catalog,
#: where RegionalFsDomain finds them. Each must read exactly as in config.py.
SHOP_WORDING = (
    _l("Welcome to AutoShop: confirm your email"),
    _l("Confirm your email address"),
    _l("Reset your AutoShop password"),
    _l("Your AutoShop password was reset"),
    _l("Your AutoShop password was changed"),
    _l("Confirm your new email address"),
    _l("Please log in to see this page."),
    _l("That email and password don't match. Check both and try again."),
    _l("If %(email)s has an account with us, we've sent it a link to choose a new password."),
    _l("If %(email)s has an account waiting for confirmation, we've sent it a new link."),
    _l("Thank you. We've sent an email to %(email)s: follow it to finish."),
)


#: Flask-Security's own words that customers read, said here as the rest of the app says them
#: (its Spanish catalog speaks "tú"; the shop says "usted"): the app's catalog is read first.
SAID_OUR_WAY = (
    _l("Forgot password?"),
    _l("Remember Me"),
    _l("Please confirm your email"),
    _l("You have successfully logged in."),
    _l("You successfully reset your password and you have been logged in automatically."),
    _l("You successfully reset your password. Please authenticate using your new password."),
    _l("You successfully changed your password."),
    _l("Instructions to confirm your new email address have been sent to %(email)s."),
    _l("You can only access this endpoint when not logged in."),
    _l('Use <a href="%(confirmation_link)s">this link</a> to confirm your email address.'),
    _l("Use %(confirmation_link)s to confirm your email address."),
    _l('Use <a href="%(reset_link)s">this link</a> to reset your password.'),
    _l("Use %(reset_link)s to reset your password."),
    _l('Use <a href="%(link)s">this link</a> to confirm your new email address.'),
    _l("Use %(link)s to confirm your new email address."),
    _l("If you did not change your password,"),
    _l("If you did not change your password, click the link below to reset it."),
    _l('You can use <a href="%(reset_link)s">this link</a> to reset your password.'),
    _l("You can use this link %(reset_link)s to reset your password."),
    _l(
        "You have not confirmed your email address yet - use "
        '<a href="%(confirmation_link)s">this link</a> to do so now.'
    ),
    _l(
        "You have not confirmed your email address yet - use this link: "
        "%(confirmation_link)s to do so now."
    ),
)


class RegionalFsDomain(FsDomain):  # type: ignore[misc, valid-type]
    """Flask-Security's messages, read from its own catalog of the page's language; the shop's
    own wording of them (SHOP_WORDING, SAID_OUR_WAY) from the app's catalog first.

    It ships Spanish as `es_ES` only, and gettext looks for the page's locale (`es_US`: Spanish
    with the shop's region) and then its language (`es`): neither is there. So when neither is,
    the catalog of another region of the same language is read (`es_ES`).
    """

    def gettext(self, string: str, **variables: Any) -> str:
        said = _(string)  # the shop's wording (config.py) or its way of saying it (SAID_OUR_WAY)
        if said == string:
            said = super().gettext(string)
        return said % variables if variables else said

    def get_translations(self) -> support.NullTranslations:
        locale = get_locale()
        if locale is None or not current_app:
            return support.NullTranslations()
        cache = self.get_translations_cache(current_app)
        key = (str(locale), self.domain[0])
        if key not in cache:
            translations = support.Translations()
            for directory in self.translation_directories:
                regions = sorted(
                    path.name
                    for path in Path(directory).glob(f"{locale.language}_*")
                    if path.is_dir()
                )
                catalog = support.Translations.load(
                    directory, [str(locale), locale.language, *regions], self.domain[0]
                )
                translations.merge(catalog)
                if hasattr(catalog, "plural"):
                    translations.plural = catalog.plural
            cache[key] = translations
        return cache[key]


def init_app(app: Flask) -> None:
    datastore = SQLAlchemyUserDatastore(db, User, RoleModel)
    # Our UTC column type refuses naive datetimes, so Flask-Security must make aware ones; and
    # it reads the app's one clock (autoshop.timeutil), like everything else.
    security.init_app(app, datastore, datetime_factory=utcnow)
    security.i18n_domain = RegionalFsDomain(app)
    app.jinja_env.globals["_fsdomain"] = security.i18n_domain.gettext
    user_registered.connect(_give_customer_role, app)
    user_confirmed.connect(_claim_guest_visits, app)
    change_email_confirmed.connect(_follow_new_email, app)
    app.view_functions["security.login"] = throttled_login

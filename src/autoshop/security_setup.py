"""Accounts with Flask-Security-Too: the datastore, the customer role and login throttling."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_security import SQLAlchemyUserDatastore, user_registered
from flask_security.views import login as _security_login

from autoshop.domain.choices import Role
from autoshop.extensions import db, limiter, security
from autoshop.models import Role as RoleModel
from autoshop.models import User
from autoshop.timeutil import utcnow

#: Flask-Security's login view behind a per-address limit on POSTs. Wrapped once, at import:
#: Flask-Limiter keys limits by the view function, so wrapping per app would stack them.
throttled_login = limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    error_message="Too many login attempts from your network. Wait a few minutes and try again.",
)(_security_login)


def _give_customer_role(_app: Flask, user: User, **_extra: Any) -> None:
    datastore = security.datastore
    datastore.add_role_to_user(user, datastore.find_or_create_role(Role.CUSTOMER.value))


def init_app(app: Flask) -> None:
    datastore = SQLAlchemyUserDatastore(db, User, RoleModel)
    # Our UTC column type refuses naive datetimes, so Flask-Security must make aware ones; and
    # it reads the app's one clock (autoshop.timeutil), like everything else.
    security.init_app(app, datastore, datetime_factory=utcnow)
    user_registered.connect(_give_customer_role, app)
    app.view_functions["security.login"] = throttled_login

"""Settings read from environment variables (and an optional `.env` file).

Every setting has a safe development default except the ones production must state:
`SECRET_KEY` (and `SECURITY_PASSWORD_SALT`). `load_config()` refuses to build a production
configuration without them.

`.env` is read in one place, `load_dotenv()`, which every entry point calls before anything
reads a setting: `wsgi.py` (gunicorn) and the `autoshop` command (before its configuration check).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

#: The file of settings an operator may keep beside the app, read from the working directory.
DOTENV_NAME = ".env"


def load_dotenv(path: str | os.PathLike[str] | None = None) -> Path | None:
    """Put the settings from `.env` in the working directory (or `path`) into `os.environ`.

    A variable already set in the process environment wins over the file. Returns the file that
    was read, or None when there is none. Called once by each entry point before the settings are
    read (`load_config()` itself only looks at the environment it is given).
    """
    from dotenv import dotenv_values

    file = Path(path) if path is not None else Path.cwd() / DOTENV_NAME
    if not file.is_file():
        return None
    for key, value in dotenv_values(file, encoding="utf-8").items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return file


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message is one line an operator can act on."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from exc


def _choice(
    env: Mapping[str, str],
    name: str,
    allowed: tuple[str, ...],
    default: str,
    *,
    upper: bool = False,
) -> str:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().upper() if upper else raw.strip().lower()
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ConfigError(f"{name} must be one of {shown}, got {raw!r}.")
    return value


def load_config(
    env: Mapping[str, str] | None = None, instance_path: str | None = None
) -> dict[str, Any]:
    """Build the Flask configuration from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    environment = env.get("AUTOSHOP_ENV", "development").strip().lower()
    if environment not in {"development", "production", "testing"}:
        raise ConfigError(
            f"AUTOSHOP_ENV must be development, production or testing, got {environment!r}."
        )
    production = environment == "production"

    secret_key = env.get("SECRET_KEY", "")
    if production and len(secret_key) < 16:
        raise ConfigError(
            "SECRET_KEY is not set (or shorter than 16 characters): production refuses to start "
            "without it; set SECRET_KEY to a long random string."
        )
    password_salt = env.get("SECURITY_PASSWORD_SALT", "")
    if production and not password_salt:
        raise ConfigError(
            "SECURITY_PASSWORD_SALT is not set: production refuses to start without it; "
            "set it to a long random string and never change it."
        )

    instance = Path(instance_path or env.get("AUTOSHOP_INSTANCE_PATH", "instance")).resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'autoshop.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    sender = env.get("MAIL_DEFAULT_SENDER", "AutoShop <appointments@autoshop.localhost>")

    config: dict[str, Any] = {
        "AUTOSHOP_ENV": environment,
        "DEBUG": False,
        "TESTING": environment == "testing",
        "SECRET_KEY": secret_key or "development-only-not-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Seconds to wait for PostgreSQL to accept a connection (see db_setup).
        "DATABASE_CONNECT_TIMEOUT": _int(env, "DATABASE_CONNECT_TIMEOUT", 10),
        "SQLALCHEMY_RECORD_QUERIES": False,
        # Logs: "json" (JSON lines, production's default), "text" (development's), or "" to
        # leave logging as the host process set it up (the test suite's default).
        "LOG_FORMAT": _choice(
            env,
            "LOG_FORMAT",
            ("json", "text", ""),
            {"production": "json", "development": "text"}.get(environment, ""),
        ),
        "LOG_LEVEL": _choice(
            env, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO", upper=True
        ),
        "SHOP_NAME": env.get("SHOP_NAME", "AutoShop"),
        "SHOP_TIMEZONE": env.get("SHOP_TIMEZONE", "America/New_York"),
        # The shop's language and region (formats of dates, times and money): en_US, es_US...
        "SHOP_LOCALE": env.get("SHOP_LOCALE", "en_US"),
        "SHOP_CURRENCY": env.get("SHOP_CURRENCY", "USD"),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Reverse proxies in front that set X-Forwarded-For/-Proto/-Host (0: the app faces clients).
        "TRUSTED_PROXY_COUNT": _int(env, "TRUSTED_PROXY_COUNT", 0),
        # Mail (delivered by the worker from the outbox)
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int(env, "MAIL_PORT", 8025),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL"), False),
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", 10),
        "MAIL_DEFAULT_SENDER": sender,
        # SMS
        "SMS_PROVIDER": env.get("SMS_PROVIDER", "console"),
        "SMS_FROM": env.get("SMS_FROM", ""),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_BASE_URL": env.get("TWILIO_BASE_URL", "https://api.twilio.com"),
        "SMS_TIMEOUT": _int(env, "SMS_TIMEOUT", 10),
        "DEFAULT_PHONE_REGION": env.get("DEFAULT_PHONE_REGION", "US"),
        # Development mail: `autoshop dev-smtp` saves messages here; /dev/inbox shows them.
        "DEV_MAIL_FOLDER": env.get("DEV_MAIL_FOLDER", ""),
        # Static files: hashed names from `autoshop assets` and a year of caching for them;
        # STATIC_MAX_AGE seconds for the rest (0: revalidate every time, for development).
        "STATIC_FINGERPRINTS": _bool(env.get("STATIC_FINGERPRINTS"), production),
        "STATIC_MAX_AGE": _int(env, "STATIC_MAX_AGE", 300 if production else 0),
        # Rate limits
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed logins only (a login that succeeds never counts): per client address, and per
        # account (the email typed). The address limit is the higher: one shop's network is shared.
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "20 per 5 minutes"),
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("LOGIN_ACCOUNT_RATE_LIMIT", "5 per 5 minutes"),
        "BOOKING_RATE_LIMIT": env.get("BOOKING_RATE_LIMIT", "20 per minute"),
        # Cookies
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # Forms
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Flask-Security-Too
        "SECURITY_PASSWORD_SALT": password_salt or "development-only-salt",
        "SECURITY_PASSWORD_HASH": "argon2",
        "SECURITY_PASSWORD_LENGTH_MIN": 10,
        "SECURITY_PASSWORD_COMPLEXITY_CHECKER": "zxcvbn",
        "SECURITY_ZXCVBN_MINIMUM_SCORE": 2,
        "SECURITY_REGISTERABLE": True,
        "SECURITY_CONFIRMABLE": True,
        "SECURITY_RECOVERABLE": True,
        "SECURITY_CHANGEABLE": True,
        "SECURITY_TRACKABLE": False,
        "SECURITY_SEND_REGISTER_EMAIL": True,
        "SECURITY_EMAIL_SENDER": sender,
        "SECURITY_EMAIL_VALIDATOR_ARGS": {"check_deliverability": False},
        # Admins land on the dashboard, mechanics on their jobs, customers on the home page.
        "SECURITY_POST_LOGIN_VIEW": "account.landing",
        "SECURITY_POST_LOGOUT_VIEW": "/",
        "SECURITY_POST_REGISTER_VIEW": "/",
        "SECURITY_CONFIRM_EMAIL_WITHIN": timedelta(days=3),
        "SECURITY_RESET_PASSWORD_WITHIN": timedelta(hours=2),
        "SECURITY_LOGIN_WITHIN": timedelta(days=1),
        "SECURITY_CHANGE_EMAIL": True,
        "SECURITY_CHANGE_EMAIL_WITHIN": timedelta(hours=2),
        "SECURITY_CHANGE_EMAIL_SUBJECT": "Confirm your new email address",
        "SECURITY_POST_CHANGE_EMAIL_VIEW": "/account/",
        # Changing the email or the password asks for the password again after 15 minutes.
        "SECURITY_FRESHNESS": timedelta(minutes=15),
        "SECURITY_FRESHNESS_GRACE_PERIOD": timedelta(minutes=5),
        "SECURITY_TWO_FACTOR_SETUP_WITHIN": timedelta(minutes=30),
        "SECURITY_US_SETUP_WITHIN": timedelta(minutes=30),
        "SECURITY_WAN_REGISTER_WITHIN": timedelta(minutes=30),
        "SECURITY_WAN_SIGNIN_WITHIN": timedelta(minutes=5),
        "SECURITY_TWO_FACTOR_LOGIN_VALIDITY": timedelta(days=30),
        "SECURITY_LOGOUT_METHODS": ["POST"],
        "SECURITY_FLASH_MESSAGES": True,
        "SECURITY_EMAIL_SUBJECT_REGISTER": "Welcome to AutoShop: confirm your email",
        "SECURITY_EMAIL_SUBJECT_CONFIRM": "Confirm your email address",
        "SECURITY_EMAIL_SUBJECT_PASSWORD_RESET": "Reset your AutoShop password",
        "SECURITY_EMAIL_SUBJECT_PASSWORD_NOTICE": "Your AutoShop password was reset",
        "SECURITY_EMAIL_SUBJECT_PASSWORD_CHANGE_NOTICE": "Your AutoShop password was changed",
        "SECURITY_MSG_LOGIN": ("Please log in to see this page.", "info"),
        # Anonymous pages never tell whether an email has an account: login, reset, registration
        # and confirmation answer alike (an existing email gets a mail saying it has an account).
        "SECURITY_RETURN_GENERIC_RESPONSES": True,
        "SECURITY_MSG_GENERIC_AUTHN_FAILED": (
            "That email and password don't match. Check both and try again.",
            "error",
        ),
        "SECURITY_MSG_PASSWORD_RESET_REQUEST": (
            "If %(email)s has an account with us, we've sent it a link to choose a new password.",
            "info",
        ),
        "SECURITY_MSG_CONFIRMATION_REQUEST": (
            "If %(email)s has an account waiting for confirmation, we've sent it a new link.",
            "info",
        ),
        "SECURITY_MSG_CONFIRM_REGISTRATION": (
            "Thank you. We've sent an email to %(email)s: follow it to finish.",
            "success",
        ),
        "SECURITY_USE_VERIFY_PASSWORD_CACHE": False,
        "SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS": False,
        "SECURITY_URL_PREFIX": "/account",
        "SECURITY_REDIRECT_BEHAVIOR": None,
        "SECURITY_DEFAULT_REMEMBER_ME": False,
        # argon2 cost: production-grade by default; tests lower it (see tests/conftest.py).
        "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": {
            "argon2__memory_cost": _int(env, "ARGON2_MEMORY_KIB", 65536),
            "argon2__rounds": _int(env, "ARGON2_TIME_COST", 3),
            "argon2__parallelism": 2,
        },
        # OpenAPI (flask-smorest)
        "API_TITLE": "AutoShop API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    if environment == "development":
        config["DEBUG"] = _bool(env.get("FLASK_DEBUG"), False)
    return config

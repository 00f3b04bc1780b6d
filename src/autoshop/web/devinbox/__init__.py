"""Development inbox: staff read the mail the dev SMTP server kept, in the browser.

Registered only in development (or when a test sets DEV_INBOX=True), never in production.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask

bp = Blueprint("devinbox", __name__)


def inbox_enabled(app: Flask) -> bool:
    environment = app.config["AUTOSHOP_ENV"]
    if environment == "production":
        return False
    return bool(app.config.get("DEV_INBOX", environment == "development"))


def mail_folder(app: Flask) -> Path:
    """Where `autoshop dev-smtp` stores messages: instance/dev-mail (DEV_MAIL_FOLDER overrides)."""
    return Path(app.config.get("DEV_MAIL_FOLDER") or Path(app.instance_path) / "dev-mail")


def register_dev_inbox(app: Flask) -> None:
    if inbox_enabled(app):
        app.register_blueprint(bp, url_prefix="/dev/inbox")


from autoshop.web.devinbox import views  # noqa: E402, F401

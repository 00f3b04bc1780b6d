from flask import Blueprint

bp = Blueprint("admin", __name__)

from autoshop.web.admin import calendar, catalog, notifications, views, waitlist  # noqa: E402, F401

from flask import Blueprint

bp = Blueprint("admin", __name__)

from autoshop.web.admin import calendar, catalog, downtime, notifications, views  # noqa: E402, F401

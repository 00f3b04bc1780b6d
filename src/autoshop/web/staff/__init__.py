from flask import Blueprint

bp = Blueprint("staff", __name__)

from autoshop.web.staff import calendar, views  # noqa: E402, F401

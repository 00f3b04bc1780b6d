from flask import Blueprint

bp = Blueprint("staff", __name__)

from autoshop.web.staff import board, calendar, day_sheet, jobs, views  # noqa: E402, F401

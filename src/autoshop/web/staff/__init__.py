from flask import Blueprint

bp = Blueprint("staff", __name__)

from autoshop.web.staff import (  # noqa: E402, F401
    board,
    calendar,
    day_sheet,
    jobs,
    people,
    views,
    visit,
)

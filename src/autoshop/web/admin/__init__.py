from flask import Blueprint

bp = Blueprint("admin", __name__)

from autoshop.web.admin import (  # noqa: E402, F401
    appointments,
    calendar,
    catalog,
    downtime,
    notifications,
    reviews,
    staff,
    technicians,
    views,
    waitlist,
)

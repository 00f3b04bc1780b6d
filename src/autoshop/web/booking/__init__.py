from flask import Blueprint

bp = Blueprint("booking", __name__)

#: How often one visitor may book, reschedule or cancel.
CHANGE_LIMIT = "30 per 10 minutes"

from autoshop.web.booking import flow, history, manage, vin_hint  # noqa: E402, F401

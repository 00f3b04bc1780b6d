from flask import Blueprint

bp = Blueprint("waitlist", __name__)

#: How often one visitor may join, leave or accept.
WAITLIST_LIMIT = "30 per 10 minutes"

from autoshop.web.waitlist import views  # noqa: E402, F401

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from autoshop.web.feeds import views  # noqa: E402, F401

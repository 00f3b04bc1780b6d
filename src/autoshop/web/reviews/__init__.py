from flask import Blueprint

bp = Blueprint("reviews", __name__)

from autoshop.web.reviews import views  # noqa: E402, F401

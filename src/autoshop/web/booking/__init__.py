from flask import Blueprint

bp = Blueprint("booking", __name__)

from autoshop.web.booking import views  # noqa: E402, F401

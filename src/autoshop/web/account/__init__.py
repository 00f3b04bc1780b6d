from flask import Blueprint

bp = Blueprint("account", __name__)

from autoshop.web.account import vehicles, views  # noqa: E402, F401

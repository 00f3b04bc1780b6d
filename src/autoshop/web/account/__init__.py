from flask import Blueprint

bp = Blueprint("account", __name__)

from autoshop.web.account import invite, vehicles, views  # noqa: E402, F401

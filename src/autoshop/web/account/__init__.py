from flask import Blueprint

bp = Blueprint("account", __name__)

from autoshop.web.account import (
    vehicles,  # noqa: F401
    views,  # noqa: F401
)

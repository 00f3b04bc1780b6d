from flask import Blueprint

bp = Blueprint("staff", __name__)

from autoshop.web.staff import people, views, visit  # noqa: E402, F401

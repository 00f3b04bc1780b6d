"""Webhooks: requests from providers, not people. Signed by the provider instead of CSRF tokens."""

from flask import Blueprint

from autoshop.extensions import csrf

bp = Blueprint("webhooks", __name__)
csrf.exempt(bp)  # Twilio can't send our token; each view checks the provider's signature

from autoshop.web.webhooks import views  # noqa: E402, F401

"""Twilio's inbound-SMS webhook: STOP/START replies switch a number's texts off and on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from flask import Response, current_app, request

from autoshop.errors import problem
from autoshop.services import sms_preferences
from autoshop.web.webhooks import bp

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
_DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL + each sorted key and value.

    As Twilio's own libraries do, a repeated key contributes each distinct value once, in order.
    """
    payload = url + "".join(key + value for key, value in sorted(set(params)))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> set[str]:
    """The URL with and without its default port: Twilio may have signed either form."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit(parts._replace(netloc=host))
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{parts.port or default}"))
    if parts.port not in (None, default):
        return {url}
    return {url, bare, with_port}


def signature_is_valid(
    auth_token: str, url: str, params: list[tuple[str, str]], given: str
) -> bool:
    if not auth_token or not given:
        return False
    return any(
        hmac.compare_digest(twilio_signature(auth_token, candidate, params), given)
        for candidate in _url_variants(url)
    )


def _url_as_twilio_saw_it() -> str:
    """Behind a proxy the request URL isn't the public one: PUBLIC_BASE_URL + path + query."""
    url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


@bp.post("/sms/twilio")
def twilio_inbound_sms() -> Response:
    params = list(request.form.items(multi=True))
    if not signature_is_valid(
        current_app.config.get("TWILIO_AUTH_TOKEN", ""),
        _url_as_twilio_saw_it(),
        params,
        request.headers.get("X-Twilio-Signature", ""),
    ):
        log.warning("Twilio webhook: missing or invalid signature from %s", request.remote_addr)
        return problem(
            403,
            "The request's X-Twilio-Signature is missing or doesn't match.",
            type_="invalid-signature",
            title="Invalid signature",
        )
    phone = request.form.get("From", "").strip()
    outcome = sms_preferences.handle_inbound_sms(phone, request.form.get("Body", ""))
    if outcome.consent is not sms_preferences.SmsConsent.UNCHANGED:
        log.info(
            "SMS from %s: %s (%d account(s), %d pending text(s) cancelled)",
            phone,
            outcome.consent.value,
            outcome.users,
            outcome.cancelled,
        )
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")

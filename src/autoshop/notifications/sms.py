"""Text messages: a provider interface, the console provider used in development and Twilio.

A provider sends one message and returns the provider's id for it, or raises a DeliveryError
(permanent for a number that can never receive it, temporary otherwise). Production providers
register themselves in PROVIDERS under the name SMS_PROVIDER selects.
"""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from autoshop.notifications.errors import (
    PermanentDeliveryError,
    RecipientOptedOut,
    TemporaryDeliveryError,
)

#: Twilio's error for a number that replied STOP to it: the customer has opted out.
UNSUBSCRIBED = 21610

log = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, to: str, body: str) -> str:
        """Send `body` to the E.164 number `to`; return the provider's message id."""
        ...


class ConsoleSmsProvider:
    """Development: the message goes to the log instead of a phone."""

    _ids = itertools.count(1)

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.sender = config.get("SMS_FROM", "") or "AutoShop"

    def send(self, to: str, body: str) -> str:
        provider_id = f"console-{next(self._ids)}"
        # The text itself only at DEBUG: logs at INFO carry no message bodies.
        log.info("SMS %s from %s to %s (console: not sent)", provider_id, self.sender, to)
        log.debug("SMS %s text:\n%s", provider_id, body)
        return provider_id


class TwilioSmsProvider:
    """Production: Twilio's REST Messages API over HTTPS, with the standard library only.

    A 2xx answer returns the message's `sid`. A 4xx is about this message (invalid number 21211,
    unsubscribed recipient 21610, ...) and permanent, except 401 (the shop's credentials are wrong)
    and 429 (too many requests), which later tries can get past. 5xx, timeouts and connection
    errors are temporary.
    """

    API_VERSION = "2010-04-01"
    #: HTTP answers in the 4xx range that say nothing about the recipient.
    RETRYABLE_CLIENT_ERRORS = frozenset({401, 429})

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.account_sid: str = config.get("TWILIO_ACCOUNT_SID", "")
        self.auth_token: str = config.get("TWILIO_AUTH_TOKEN", "")
        self.base_url: str = str(config.get("TWILIO_BASE_URL", "https://api.twilio.com"))
        self.sender: str = config.get("SMS_FROM", "")
        self.timeout: float = float(config.get("SMS_TIMEOUT", 10))

    @property
    def messages_url(self) -> str:
        sid = urllib.parse.quote(self.account_sid, safe="")
        return f"{self.base_url.rstrip('/')}/{self.API_VERSION}/Accounts/{sid}/Messages.json"

    def send(self, to: str, body: str) -> str:
        if not (self.account_sid and self.auth_token and self.sender):
            raise TemporaryDeliveryError(
                "Twilio is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SMS_FROM."
            )
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            self.messages_url,
            data=urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = _json(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                answer = _json(exc.read())
            reason = _twilio_reason(exc.code, answer)
            if answer.get("code") == UNSUBSCRIBED:
                raise RecipientOptedOut(reason) from exc
            if 400 <= exc.code < 500 and exc.code not in self.RETRYABLE_CLIENT_ERRORS:
                raise PermanentDeliveryError(reason) from exc
            raise TemporaryDeliveryError(reason) from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            detail = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise TemporaryDeliveryError(
                f"Twilio unavailable ({self.base_url}): {exc.__class__.__name__}: {detail}"
            ) from exc
        sid = str(answer.get("sid") or "")
        log.info("SMS %s to %s accepted by Twilio", sid, to)
        return sid


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _twilio_reason(status: int, answer: Mapping[str, Any]) -> str:
    """e.g. "Twilio 400 (error 21211): The 'To' number +1555 is not a valid phone number."."""
    code = f" (error {answer['code']})" if answer.get("code") else ""
    message = answer.get("message") or http.client.responses.get(status, "")
    return f"Twilio {status}{code}: {message}".strip()


PROVIDERS: dict[str, Callable[[Mapping[str, Any]], SmsProvider]] = {
    "console": ConsoleSmsProvider,
    "twilio": TwilioSmsProvider,
}


def sms_provider(config: Mapping[str, Any]) -> SmsProvider:
    """The provider SMS_PROVIDER names; an unknown name fails the message (retried later)."""
    name = str(config.get("SMS_PROVIDER", "console")).strip().lower()
    factory = PROVIDERS.get(name)
    if factory is None:
        raise TemporaryDeliveryError(
            f"SMS_PROVIDER {name!r} is not available (known: {', '.join(sorted(PROVIDERS))})."
        )
    return factory(config)

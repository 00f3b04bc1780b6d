"""Text messages: a provider interface, and the console provider used in development.

A provider sends one message and returns the provider's id for it, or raises a DeliveryError
(permanent for a number that can never receive it, temporary otherwise). Production providers
register themselves in PROVIDERS under the name SMS_PROVIDER selects.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from autoshop.notifications.errors import TemporaryDeliveryError

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
        log.info("SMS %s from %s to %s:\n%s", provider_id, self.sender, to, body)
        return provider_id


PROVIDERS: dict[str, Callable[[Mapping[str, Any]], SmsProvider]] = {
    "console": ConsoleSmsProvider,
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

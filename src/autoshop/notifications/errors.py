"""What a channel raises when a message could not be delivered."""

from __future__ import annotations


class DeliveryError(Exception):
    """Delivery failed; `permanent` says whether trying again could help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class PermanentDeliveryError(DeliveryError):
    """The recipient can never get this message (refused address, malformed address)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class TemporaryDeliveryError(DeliveryError):
    """The provider can't take it now (down, slow, 4xx): retry with backoff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=False)


class RecipientOptedOut(PermanentDeliveryError):
    """The recipient told the provider to stop (e.g. replied STOP to the provider directly)."""


class RenderFailed(TemporaryDeliveryError):
    """A message planned to be rendered at send time couldn't be (a template or data error).

    Retried with backoff like any temporary failure (a fixed template sends it), then failed and
    visible to staff, who can retry it; the row is never dropped.
    """

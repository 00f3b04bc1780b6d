"""What an outbox row says: as sent, or rendered now as the worker would send it."""

from __future__ import annotations

from autoshop.models import Notification
from autoshop.services.notification_rendering import content_of


def message_text(row: Notification) -> str:
    return content_of(row).text


def message_html(row: Notification) -> str:
    return content_of(row).html

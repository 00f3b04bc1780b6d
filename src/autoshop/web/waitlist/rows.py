"""What the waitlist entry lists show, on the customer's appointments page and the guest page."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for

from autoshop.i18n import format_moment
from autoshop.models import WaitlistEntry
from autoshop.services import waitlist
from autoshop.web.booking.rendering import time_label, when_label


def entry_rows(entries: list[WaitlistEntry], now: datetime) -> list[dict[str, Any]]:
    """What the entry lists show: labels in the shop's time, and the live offer's link."""
    rows = []
    for entry in entries:
        zone = ZoneInfo(entry.location.timezone)
        passed = entry.status.active and entry.day < now.astimezone(zone).date()
        hold = entry.live_hold
        rows.append(
            {
                "entry": entry,
                "day": format_moment(entry.day, "long_date"),
                "window": f"{_clock(entry, entry.earliest)} – {_clock(entry, entry.latest)}",
                "services": waitlist.services_label(entry),
                "hold": hold,
                # The day went by without a time freeing up: nothing left to wait for.
                "passed": passed,
                "offer_url": (
                    url_for("waitlist.offer", token=waitlist.offer_token(hold)) if hold else ""
                ),
                "offer_when": when_label(hold.starts_at, zone) if hold else "",
                "offer_until": time_label(hold.expires_at, zone) if hold else "",
            }
        )
    return rows


def _clock(entry: WaitlistEntry, moment: time) -> str:
    """A start of the entry's window, a wall-clock time on its day, in the page's language."""
    return format_moment(datetime.combine(entry.day, moment), "time")

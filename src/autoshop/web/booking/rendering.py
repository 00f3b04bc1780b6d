"""What the booking pages share: totals, time labels, full pages and htmx fragments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from werkzeug.wrappers import Response

from autoshop.domain.durations import format_minutes
from autoshop.domain.money import describe_total
from autoshop.i18n import _, format_moment, ngettext


@dataclass(frozen=True)
class Totals:
    count: int
    minutes: int
    price: str

    @property
    def text(self) -> str:
        if not self.count:
            return _("No services chosen yet.")
        return ngettext(
            "%(num)d service, about %(duration)s, %(price)s",
            "%(num)d services, about %(duration)s, %(price)s",
            self.count,
            duration=format_minutes(self.minutes),
            price=self.price,
        )


def totals_of(items: Iterable[Any]) -> Totals:
    """Count, duration and price of Services or AppointmentService snapshots."""
    items = list(items)
    price = describe_total((i.price_kind, i.price_min_cents, i.price_max_cents) for i in items)
    return Totals(len(items), sum(i.duration_minutes for i in items), price)


def day_label(day: date) -> str:
    return format_moment(day, "day")


def time_label(moment: datetime, zone: ZoneInfo) -> str:
    return format_moment(moment, "time", zone)


def when_label(moment: datetime, zone: ZoneInfo) -> str:
    return format_moment(moment, "long_moment", zone)


def zone_name(zone: ZoneInfo, moment: datetime) -> str:
    return moment.astimezone(zone).tzname() or str(zone)


def is_htmx(target: str) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == target
    )


def fragment(template: str, **context: Any) -> Response:
    response = current_app.make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def page(html: str, status: int = 200) -> Response:
    response = current_app.make_response((html, status))
    response.vary.add("HX-Request")
    return response

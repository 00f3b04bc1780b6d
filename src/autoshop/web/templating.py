"""What every template can use: navigation by role, money and local-time formatting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask import Flask, current_app, request, url_for
from flask_security import current_user

from autoshop.domain.bounds import one_line
from autoshop.domain.durations import format_minutes
from autoshop.domain.money import describe_price
from autoshop.i18n import (
    _,
    format_clock,
    format_moment,
    format_money,
    formats_locale,
    shown_note,
)
from autoshop.services.health import app_version


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation; an item with `children` is a menu of links."""

    label: str
    endpoint: str = ""
    children: tuple[NavItem, ...] = ()

    @property
    def url(self) -> str:
        return url_for(self.endpoint) if self.endpoint else ""

    @property
    def current(self) -> bool:
        if self.children:
            return any(child.current for child in self.children)
        return request.endpoint == self.endpoint


def navigation() -> list[NavItem]:
    """Links for the signed-in person's roles; staff see the tools of their job first."""
    items = [NavItem(_("Services"), "public.services"), NavItem(_("Book"), "booking.book")]
    if current_user.is_authenticated:
        if current_user.has_role("customer"):
            items.append(NavItem(_("My appointments"), "booking.my_appointments"))
        if current_user.has_role("admin"):
            items.append(NavItem(_("Dashboard"), "admin.dashboard"))
        if current_user.has_role("mechanic"):
            items.append(NavItem(_("My jobs"), "staff.my_jobs"))
        if current_user.has_role("mechanic") or current_user.has_role("admin"):
            floor_menu = (
                NavItem(_("Today's jobs"), "staff.today"),
                NavItem(_("Job board"), "staff.board"),
                NavItem(_("Calendar by bay"), "staff.calendar"),
                NavItem(_("Day sheet"), "staff.day_sheet_page"),
            )
            items.append(NavItem(_("Floor"), children=floor_menu))
        if current_user.has_role("admin"):
            shop_menu = (
                NavItem(_("Appointments"), "admin.appointments"),
                NavItem(_("Catalog"), "admin.catalog"),
                NavItem(_("Shop calendar"), "admin.calendar"),
                NavItem(_("Waitlist"), "admin.waitlist_day"),
                NavItem(_("Staff"), "admin.staff"),
                NavItem(_("Notifications"), "admin.notifications"),
                NavItem(_("Reviews"), "admin.reviews_page"),
            )
            items.append(NavItem(_("Shop"), children=shop_menu))
        items.append(NavItem(_("My account"), "account.overview"))
    return items


def local_time(value: datetime | None, style: str = "moment") -> str:
    """An instant shown in the shop's zone, e.g. 'Tue, Nov 24, 2026, 9:30 AM' (styles: see
    `i18n.format_moment`)."""
    return format_moment(value, style, ZoneInfo(current_app.config["SHOP_TIMEZONE"]))


def when(value: datetime | date | None, style: str = "moment", zone: tzinfo | None = None) -> str:
    """`{{ visit.starts_at|when('time', zone) }}`: a moment or a date in the page's language."""
    return format_moment(value, style, zone)


def weekday_name(index: int) -> str:
    """The name of weekday `index` (0 is Monday) in the page's language, as a heading shows it:
    'Monday', 'Lunes'."""
    name = str(get_day_names("wide", locale=formats_locale())[index])
    return name[:1].upper() + name[1:]


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["status_note"] = shown_note
    app.jinja_env.filters["clock"] = format_clock
    app.jinja_env.filters["duration"] = format_minutes
    app.jinja_env.filters["one_line"] = one_line

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "navigation": navigation,
            "weekday_name": weekday_name,
            "shop_name": current_app.config["SHOP_NAME"],
            "app_version": app_version(),
            "describe_price": _describe_service_price,
        }


def _describe_service_price(item: Any) -> str:
    """The price line of a Service or an AppointmentService snapshot."""
    return describe_price(item.price_kind, item.price_min_cents, item.price_max_cents)

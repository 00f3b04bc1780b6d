"""The accessible month calendar of the booking flow and the reschedule page: days with free
times as links, the chosen day's times as radio buttons."""

from __future__ import annotations

import calendar as monthcal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from autoshop.domain.choices import VisitMode
from autoshop.i18n import _, format_moment, ngettext
from autoshop.models import Location
from autoshop.services.availability import AvailabilityError, Visit, find_availability
from autoshop.web.booking import forms
from autoshop.web.booking.rendering import day_label, time_label


@dataclass(frozen=True)
class CalendarDay:
    date: date
    state: str  # free, full, closed, past, later
    free: int
    label: str
    note: str
    url: str | None
    selected: bool


@dataclass(frozen=True)
class TimeOption:
    value: str
    label: str
    checked: bool


@dataclass
class Calendar:
    month: date
    weeks: list[list[CalendarDay | None]]
    prev_url: str | None
    next_url: str | None
    closures: list[tuple[date, str]]
    selected: date | None
    times: dict[str, list[TimeOption]] = field(default_factory=dict)
    error: str | None = None
    #: The selected day is open but has no free time left (a waitlist can be joined).
    selected_full: bool = False

    @property
    def title(self) -> str:
        return format_moment(self.month, "month")

    @property
    def weekdays(self) -> list[tuple[str, str]]:
        """The calendar's column heads, Monday first: (full name, short name)."""
        monday = self.month - timedelta(days=self.month.weekday())
        days = [monday + timedelta(days=n) for n in range(7)]
        return [(format_moment(d, "weekday"), format_moment(d, "weekday_short")) for d in days]

    @property
    def periods(self) -> list[tuple[str, str, list[TimeOption]]]:
        """The selected day's times by part of the day: (key for ids, label, options)."""
        labels = {"morning": _("Morning"), "afternoon": _("Afternoon")}
        return [(key, labels[key], options) for key, options in self.times.items()]

    @property
    def announcement(self) -> str:
        if self.error:
            return self.error
        if self.selected is not None:
            count = sum(len(v) for v in self.times.values())
            day = format_moment(self.selected, "long_day_month")
            if not count:
                return _("%(day)s: no times available", day=day)
            return ngettext(
                "%(day)s: %(num)d time available",
                "%(day)s: %(num)d times available",
                count,
                day=day,
            )
        free_days = sum(1 for week in self.weeks for d in week if d and d.state == "free")
        return ngettext(
            "%(month)s: %(num)d day has free times",
            "%(month)s: %(num)d days have free times",
            free_days,
            month=self.title,
        )


def month_calendar(
    service_ids: list[int] | Visit,
    *,
    location: Location,
    month: date,
    selected: date | None,
    chosen: datetime | None,
    now: datetime,
    day_url: Callable[[date], str],
    month_url: Callable[[date], str],
    exclude_appointment_id: int | None = None,
    by_staff: bool = False,
    vehicle_id: int | None = None,
    full_days_open: bool = False,
    mode: VisitMode | None = None,
) -> Calendar:
    """A month of days with their free times: one availability query for the whole month.

    With `vehicle_id` (a saved vehicle), times at which that vehicle is in another visit are not
    offered: booking them would fail. With `full_days_open`, fully booked days are links too
    (the booking flow offers their waitlist)."""
    zone = ZoneInfo(location.timezone)
    today = now.astimezone(zone).date()
    last_bookable = (now + timedelta(days=location.horizon_days)).astimezone(zone).date()
    first = month.replace(day=1)
    month_end = first.replace(day=monthcal.monthrange(first.year, first.month)[1])
    low, high = max(first, today), min(month_end, last_bookable)
    found: dict[date, Any] = {}
    error = None
    if low <= high:
        try:
            result = find_availability(
                service_ids,
                low,
                high,
                now=now,
                location_id=location.id,
                exclude_appointment_id=exclude_appointment_id,
                by_staff=by_staff,
                vehicle_id=vehicle_id,
                mode=mode,
            )
            found = {d.date: d for d in result.days}
        except AvailabilityError as exc:
            error = str(exc)

    closures: list[tuple[date, str]] = []
    weeks: list[list[CalendarDay | None]] = []
    for week in monthcal.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row: list[CalendarDay | None] = []
        for day in week:
            if day.month != first.month:
                row.append(None)
                continue
            info = found.get(day)
            free, url, note = 0, None, ""
            if day < today:
                state, says = "past", _("past")
            elif info is None:
                state = "later"
                says = _("not open for booking yet") if day > today else _("no times")
            elif not info.is_open:
                state, note = "closed", _("Closed")
                says = (
                    _("closed (%(reason)s)", reason=info.closed_reason)
                    if info.closed_reason
                    else _("closed")
                )
                if info.closed_reason:
                    closures.append((day, info.closed_reason))
            elif not info.slots:
                state, note = "full", _("Full")
                says = _("no times left today") if day == today else _("fully booked")
                if full_days_open:
                    url = day_url(day)
                    says = (
                        _("no times left today, waitlist open")
                        if day == today
                        else _("fully booked, waitlist open")
                    )
            else:
                free = len(info.slots)
                state, url = "free", day_url(day)
                note = _("%(num)d free", num=free)
                says = ngettext("%(num)d time free", "%(num)d times free", free)
            row.append(
                CalendarDay(
                    date=day,
                    state=state,
                    free=free,
                    label=f"{day_label(day)}: {says}",
                    note=note,
                    url=url,
                    selected=day == selected,
                )
            )
        weeks.append(row)

    prev_first = (first - timedelta(days=1)).replace(day=1)
    next_first = month_end + timedelta(days=1)
    cal = Calendar(
        month=first,
        weeks=weeks,
        prev_url=month_url(prev_first) if first > today.replace(day=1) else None,
        next_url=month_url(next_first) if next_first <= last_bookable else None,
        closures=closures,
        selected=selected,
        error=error,
    )
    cal.selected_full = bool(selected and selected in found and found[selected].is_open)
    day_info = found.get(selected) if selected else None
    if day_info is not None:
        chosen_value = chosen.astimezone(zone).isoformat() if chosen else ""
        for slot in day_info.slots:
            local = slot.starts_at.astimezone(zone)
            value = local.isoformat()
            period = "morning" if local.hour < 12 else "afternoon"
            cal.times.setdefault(period, []).append(
                TimeOption(value, time_label(local, zone), value == chosen_value)
            )
    return cal


def month_in_view(raw_month: str, selected: date | None, now: datetime, zone: ZoneInfo) -> date:
    month = forms.parse_month(raw_month)
    if month is None:
        month = (selected or now.astimezone(zone).date()).replace(day=1)
    return month

"""Reading the staff desk's forms: a local date and time typed in the location's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from autoshop.domain import bounds
from autoshop.i18n import _, format_moment


class LocalTimeProblem(ValueError):
    """The text isn't a time the shop's clock ever shows; the message says why."""


def parse_local_time(raw: str, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time in `zone` names. A time skipped when the clocks go forward
    is refused (it never happens); a time that happens twice when they go back is the first."""
    text = raw.strip().replace(" ", "T", 1)
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        # What a browser's datetime-local field sends, e.g. "2026-12-02T16:30".
        raise LocalTimeProblem(_("Give a date and time such as 2026-12-02 16:30.")) from None
    if naive.tzinfo is not None:
        raise LocalTimeProblem(
            _("Give a date and time such as 2026-12-02 16:30, in the shop's time zone.")
        )
    if not bounds.day_in_range(naive.date()):
        raise LocalTimeProblem(bounds.date_range_message())
    local = naive.replace(tzinfo=zone, fold=0)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise LocalTimeProblem(
            _(
                "%(time)s doesn't exist on %(day)s (the clocks go forward); choose a later time.",
                time=format_moment(naive, "time"),
                day=format_moment(naive.date(), "long_day_month"),
            )
        )
    return local.astimezone(UTC)


def local_input_value(moment: datetime | None, zone: ZoneInfo) -> str:
    """`moment` as a datetime-local field shows it in `zone`."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""

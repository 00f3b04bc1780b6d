"""Reading the staff desk's forms: a local date and time typed in the location's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from autoshop.domain import bounds

#: What a browser's datetime-local field sends, e.g. "2026-12-02T16:30".
LOCAL_FORMAT_HINT = "a date and time such as 2026-12-02 16:30"


class LocalTimeProblem(ValueError):
    """The text isn't a time the shop's clock ever shows; the message says why."""


def parse_local_time(raw: str, zone: ZoneInfo) -> datetime:
    """The instant a wall-clock time in `zone` names. A time skipped when the clocks go forward
    is refused (it never happens); a time that happens twice when they go back is the first."""
    text = raw.strip().replace(" ", "T", 1)
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise LocalTimeProblem(f"Give {LOCAL_FORMAT_HINT}.") from None
    if naive.tzinfo is not None:
        raise LocalTimeProblem(f"Give {LOCAL_FORMAT_HINT}, in the shop's time zone.")
    if not bounds.day_in_range(naive.date()):
        raise LocalTimeProblem(bounds.DATE_RANGE_MESSAGE)
    local = naive.replace(tzinfo=zone, fold=0)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise LocalTimeProblem(
            f"{naive:%-I:%M %p} doesn't exist on {naive:%B %-d} (the clocks go forward); "
            "choose a later time."
        )
    return local.astimezone(UTC)


def local_input_value(moment: datetime | None, zone: ZoneInfo) -> str:
    """`moment` as a datetime-local field shows it in `zone`."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if moment else ""

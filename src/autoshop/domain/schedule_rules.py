"""Rules for setting up a shop: prices typed in dollars, opening intervals, zones, local times.

Pure functions, standard library only. Each rule breaks with `ValidationFailed`, whose messages are
written for the person filling in the form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from autoshop.domain import bounds
from autoshop.domain.choices import PriceKind
from autoshop.domain.money import format_cents
from autoshop.i18n import _, format_clock, format_moment

#: The key of errors that belong to the whole form rather than one field.
FORM = ""


class ValidationFailed(ValueError):
    """Input a person can fix: messages by field name (`FORM` for the whole form)."""

    def __init__(self, message: str | Mapping[str, Sequence[str]], field: str = FORM) -> None:
        if isinstance(message, str):
            self.errors: dict[str, list[str]] = {field: [message]}
        else:
            self.errors = {name: list(messages) for name, messages in message.items() if messages}
        super().__init__(" ".join(m for messages in self.errors.values() for m in messages))


_MONEY_RE = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.(\d{1,2}))?$")


def parse_dollars(text: str) -> int | None:
    """'49.99' -> 4999, '$1,200' -> 120000, '' -> None; anything else raises ValueError."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if cleaned.startswith("-"):
        raise ValueError(_("A price can't be negative."))
    match = _MONEY_RE.match(cleaned)
    if match is None:
        raise ValueError(_("Enter an amount in dollars, like 49.99."))
    dollars = int(match.group(1).replace(",", ""))
    cents = int((match.group(4) or "0").ljust(2, "0"))
    return dollars * 100 + cents


def format_dollars(cents: int | None) -> str:
    """The inverse of `parse_dollars` for a form field: 4999 -> '49.99', 5000 -> '50'."""
    if cents is None:
        return ""
    dollars, rest = divmod(cents, 100)
    return f"{dollars}.{rest:02d}" if rest else str(dollars)


def check_price(
    kind: PriceKind, min_cents: int | None, max_cents: int | None
) -> tuple[int | None, int | None]:
    """The (min, max) to store for a price of `kind`, or ValidationFailed naming the field."""
    errors: dict[str, list[str]] = {"price_min": [], "price_max": []}
    for name, value in (("price_min", min_cents), ("price_max", max_cents)):
        if value is not None and value < bounds.PRICE_CENTS.low:
            errors[name].append(_("A price can't be negative."))
        elif value is not None and value > bounds.PRICE_CENTS.high:
            errors[name].append(
                _(
                    "A price can be at most %(amount)s.",
                    amount=format_cents(bounds.PRICE_CENTS.high),
                )
            )
    if kind is PriceKind.FIXED:
        if min_cents is None:
            errors["price_min"].append(_("Enter the price."))
        max_cents = min_cents
    elif kind is PriceKind.RANGE:
        if min_cents is None:
            errors["price_min"].append(_("Enter the lowest price of the range."))
        if max_cents is None:
            errors["price_max"].append(_("Enter the highest price of the range."))
        if min_cents is not None and max_cents is not None and min_cents > max_cents:
            errors["price_max"].append(_("The highest price must be at least the lowest price."))
    else:  # priced after diagnosis: an optional "from" amount only
        max_cents = None
    if any(errors.values()):
        raise ValidationFailed(errors)
    return min_cents, max_cents


def check_intervals(intervals: Iterable[tuple[time, time]]) -> list[tuple[time, time]]:
    """Opening intervals of one day, sorted; ValidationFailed if one is empty or two overlap."""
    ordered = sorted(intervals)
    for opens, closes in ordered:
        if opens >= closes:
            raise ValidationFailed(
                _(
                    "Opening at %(opens)s and closing at %(closes)s is not a time span: "
                    "the closing time must be later than the opening time.",
                    opens=_clock(opens),
                    closes=_clock(closes),
                )
            )
    for (opens_a, closes_a), (opens_b, closes_b) in pairwise(ordered):
        if opens_b < closes_a:
            raise ValidationFailed(
                _(
                    "%(first)s and %(second)s overlap. "
                    "Make each time span end before the next one starts.",
                    first=_span(opens_a, closes_a),
                    second=_span(opens_b, closes_b),
                )
            )
    return ordered


def _clock(value: time) -> str:
    return format_clock(value)


def _span(opens: time, closes: time) -> str:
    return f"{_clock(opens)}–{_clock(closes)}"


def is_known_zone(name: str) -> bool:
    """True for an IANA time zone name such as 'America/New_York'."""
    return name in available_timezones()


def parse_minutes_list(text: str) -> list[int]:
    """'1440, 120' -> [1440, 120]: largest first, no repeats, each a whole number of minutes in
    REMINDER_LEAD_MINUTES, at most MAX_REMINDERS of them."""
    values: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdecimal() or int(part) <= 0:
            raise ValueError(
                _(
                    "'%(part)s' is not a number of minutes. "
                    "Use whole numbers above zero separated by commas, like 1440, 120.",
                    part=part,
                )
            )
        if int(part) > bounds.REMINDER_LEAD_MINUTES.high:
            raise ValueError(
                _(
                    "A reminder can be at most %(minutes)s minutes before the visit.",
                    minutes=format(bounds.REMINDER_LEAD_MINUTES.high, ","),
                )
            )
        values.add(int(part))
    if len(values) > bounds.MAX_REMINDERS:
        raise ValueError(
            _("At most %(count)s reminders are sent; remove some.", count=bounds.MAX_REMINDERS)
        )
    return sorted(values, reverse=True)


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as an aware UTC instant; a time the clocks skip is refused."""
    if local.tzinfo is not None:
        raise ValueError("expected a wall-clock (naive) datetime")
    if not bounds.day_in_range(local.date()):
        raise ValidationFailed(bounds.date_range_message())
    aware = local.replace(tzinfo=zone)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:
        raise ValidationFailed(
            _(
                "%(moment)s doesn't exist in %(zone)s: "
                "the clocks skip that hour. Choose another time.",
                moment=format_moment(local, "date_time"),
                zone=zone.key,
            )
        )
    return instant

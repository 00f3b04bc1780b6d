"""The documented range of every number a person can enter, and what text may contain.

One place for the forms, the API schemas (and so the OpenAPI document) and the database's CHECK
constraints (models and migration 0004). The ranges are wide enough for any real shop and narrow
enough that every computation on them (a visit's end, a reminder's due time, the booking horizon)
stays far inside what Python's datetime and a 32-bit integer column can hold.

| value                         | range                   | why the limit                        |
|-------------------------------|-------------------------|--------------------------------------|
| service duration              | 1–1,440 minutes         | a visit must fit in one opening day  |
| price (each bound)            | $0–$100,000 (in cents)  | far above any repair; int4-safe sums |
| display order                 | 0–1,000,000             |                                      |
| slot interval                 | 5–240 minutes           | a usable grid                        |
| minimum notice                | 0–43,200 minutes        | 30 days                              |
| booking horizon               | 1–730 days              | two years                            |
| buffer between jobs           | 0–240 minutes           |                                      |
| cancellation cutoff           | 0–720 hours             | 30 days                              |
| reminder lead                 | 1–20,160 minutes, ≤ 4   | 14 days before the visit             |
| mileage                       | 0–2,000,000 miles       |                                      |
| model year                    | 1950–2100               | older cars are booked by phone       |
| ids (paths, queries, JSON)    | 1–2⁶³−1                 | a signed 64-bit integer              |
| dates and instants            | years 2000–2100         | no overflow converting time zones    |
| a bay's downtime              | at most 92 days         | longer: deactivate the bay           |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from autoshop.i18n import N_, _, format_moment, ngettext


def _number(value: int) -> str:
    return f"{value:,}" if abs(value) >= 10_000 else str(value)


#: '1 minute', '5 minutes'... in the reader's language, by a Range's unit.
_UNIT_AMOUNTS: dict[str, Callable[[int, str], str]] = {
    "minutes": lambda n, c: ngettext("%(count)s minute", "%(count)s minutes", n, count=c),
    "hours": lambda n, c: ngettext("%(count)s hour", "%(count)s hours", n, count=c),
    "days": lambda n, c: ngettext("%(count)s day", "%(count)s days", n, count=c),
    "miles": lambda n, c: ngettext("%(count)s mile", "%(count)s miles", n, count=c),
    "cents": lambda n, c: ngettext("%(count)s cent", "%(count)s cents", n, count=c),
    "waiting customers": lambda n, c: ngettext(
        "%(count)s waiting customer", "%(count)s waiting customers", n, count=c
    ),
    "drop-offs": lambda n, c: ngettext("%(count)s drop-off", "%(count)s drop-offs", n, count=c),
}


@dataclass(frozen=True)
class Range:
    """Whole numbers from `low` to `high`, both included; `unit` is how a person reads them."""

    low: int
    high: int
    unit: str = ""

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high

    def describe(self) -> str:
        """'from 1 to 1,440 minutes'."""
        return _("from %(low)s to %(high)s", low=_number(self.low), high=self._amount(self.high))

    def below_message(self, what: str) -> str:
        """'The duration must be at least 1 minute.', 'The buffer can't be negative.'"""
        if self.low == 0:
            return _("%(what)s can't be negative.", what=what)
        return _("%(what)s must be at least %(amount)s.", what=what, amount=self._amount(self.low))

    def above_message(self, what: str) -> str:
        """'The duration can be at most 1440 minutes.'"""
        return _("%(what)s can be at most %(amount)s.", what=what, amount=self._amount(self.high))

    def problem(self, value: int, what: str) -> str | None:
        """The message for a value out of range, else None."""
        if value < self.low:
            return self.below_message(what)
        if value > self.high:
            return self.above_message(what)
        return None

    def _amount(self, value: int) -> str:
        number = _number(value)
        words = _UNIT_AMOUNTS.get(self.unit)
        if words is not None:
            return words(value, number)
        unit = self.unit[:-1] if value == 1 and self.unit.endswith("s") else self.unit
        return f"{number} {unit}".strip()

    def sql(self, column: str) -> str:
        """The CHECK constraint's condition for a column holding this range."""
        return f"{column} BETWEEN {self.low} AND {self.high}"


SERVICE_DURATION_MINUTES = Range(1, 1_440, "minutes")
PRICE_CENTS = Range(0, 10_000_000, "cents")
SORT_ORDER = Range(0, 1_000_000)
SLOT_INTERVAL_MINUTES = Range(5, 240, "minutes")
MINIMUM_NOTICE_MINUTES = Range(0, 43_200, "minutes")
HORIZON_DAYS = Range(1, 730, "days")
BUFFER_MINUTES = Range(0, 240, "minutes")
CANCELLATION_CUTOFF_HOURS = Range(0, 720, "hours")
REMINDER_LEAD_MINUTES = Range(1, 20_160, "minutes")
MAX_REMINDERS = 4
MAX_DOWNTIME_DAYS = 92
MILEAGE = Range(0, 2_000_000, "miles")
MODEL_YEAR = Range(1950, 2100)
ID = Range(1, 2**63 - 1)
YEARS = Range(2000, 2100)
FIRST_DAY = date(YEARS.low, 1, 1)
LAST_DAY = date(YEARS.high, 12, 31)

#: Instants in the database lie in these years: SQL literals valid on SQLite and PostgreSQL.
FIRST_INSTANT_SQL = f"'{YEARS.low:04d}-01-01 00:00:00+00'"
END_INSTANT_SQL = f"'{YEARS.high + 1:04d}-01-01 00:00:00+00'"


def day_in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def instant_in_range(moment: datetime) -> bool:
    """Judged on the date as written (its own offset), so no conversion can overflow first."""
    return day_in_range(moment.date())


#: For OpenAPI `pattern`s: an ISO date or date-time text starting with a year in YEARS.
YEARS_PATTERN = r"^(20[0-9]{2}|2100)-"


def date_range_message() -> str:
    """'Give a date from January 1, 2000 to December 31, 2100.', in the reader's language."""
    return _(
        "Give a date from %(first)s to %(last)s.",
        first=format_moment(FIRST_DAY, "full_date"),
        last=format_moment(LAST_DAY, "full_date"),
    )


# --- text --------------------------------------------------------------------------------------

#: Characters that end a line for str.splitlines() (and for mail headers and most screens).
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK_RE = re.compile(f"[{re.escape(LINE_BREAKS)}]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: For OpenAPI `pattern`s: a single line has no control characters or line separators.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
#: Free text (several lines allowed) has no NUL.
TEXT_PATTERN = r"^[^\x00]*$"

UNSTORABLE_MESSAGE = N_(
    "This can't contain a NUL character or an unpaired surrogate; remove it and try again."
)
ONE_LINE_MESSAGE = N_("Write this on one line, without line breaks.")
CONTROL_MESSAGE = N_("This can't contain control characters such as tabs; remove them.")


def is_storable(text: str) -> bool:
    """False for text no database column takes: a NUL or a lone surrogate (not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def text_problem(text: str, *, single_line: bool = False) -> str | None:
    """Why `text` can't be stored as typed, in words for the person who typed it; else None."""
    if not is_storable(text):
        return _(UNSTORABLE_MESSAGE)
    if single_line:
        if _LINE_BREAK_RE.search(text):
            return _(ONE_LINE_MESSAGE)
        if _CONTROL_RE.search(text):
            return _(CONTROL_MESSAGE)
    return None


def one_line(text: str) -> str:
    """`text` made safe for a single line (a mail header, a greeting): every line break and
    control character becomes a space, runs of spaces one, lone surrogates '?'."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL_RE.sub(" ", _LINE_BREAK_RE.sub(" ", text))
    return re.sub(" {2,}", " ", text).strip()

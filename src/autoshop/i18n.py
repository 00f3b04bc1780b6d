"""Languages: which one a page or a message speaks, the catalogs, and dates, times and money
formatted by Babel for the shop's region.

* **Which language.** A signed-in person's saved choice, else the choice this browser made (the
  `lang` cookie, set by the footer's language form), else the browser's Accept-Language, else
  the shop's own (`SHOP_LOCALE`). A message the worker sends speaks the language its customer
  chose (`message_language()`), not the worker's.
* **Which formats.** The language chosen with the shop's region: a Spanish page of a US shop
  (`SHOP_LOCALE=en_US`) formats as `es_US` ("mar, 24 de nov", "9:30 a.m.", "$50").
* **Catalogs.** `translations/<lang>/LC_MESSAGES/messages.po` is read and compiled in memory
  the first time a process needs it: no compile step, no generated file to go stale.
  `make messages` extracts the marked strings and updates the catalogs.

Mark strings with `_()` (now) or `_l()` (lazy: form labels, module-level constants);
`ngettext()` where a number decides the form. Outside an app context they return the English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, tzinfo
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import flask_babel
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, LazyString, force_locale, get_locale
from markupsafe import escape

__all__ = [
    "LANGUAGES",
    "N_",
    "LazyText",
    "_",
    "_l",
    "format_moment",
    "format_money",
    "formats_locale",
    "lazy_label",
    "message_language",
    "ngettext",
    "shown_note",
    "speaking",
]

#: The languages shipped, by code, each named in itself (as the language picker shows them).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LOCALE = "en_US"
LANGUAGE_COOKIE = "lang"
TRANSLATIONS = Path(__file__).parent / "translations"


def _(string: str, **variables: Any) -> str:
    """`string` in the reader's language, `%(name)s` filled in from `variables`."""
    return str(flask_babel.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The form of `singular`/`plural` that `num` takes in the reader's language (`%(num)d`)."""
    return str(flask_babel.ngettext(singular, plural, num, **variables))


class LazyText(LazyString):  # type: ignore[misc]
    """Text translated when it is shown, and HTML-escaped then like any other text (Flask-Babel's
    own lazy strings mark themselves safe: "shop's" would reach a page unescaped)."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def _l(string: str, **variables: Any) -> LazyText:
    """`_l("Enter a name.")`: a form label, a validator's message or a constant, translated into
    the reader's language when shown."""
    return LazyText(_, string, **variables)


def N_(string: str) -> str:
    """Marks a constant for the catalog without translating it: `_()` translates it where it is
    shown (`_(ONE_LINE_MESSAGE)`), and the constant stays the English for comparisons."""
    return string


#: Notes the app itself writes on a visit's history, stored in English and shown in the
#: reader's language (a note staff type is shown as typed).
AUTOMATIC_NOTES = frozenset({N_("Booked online."), N_("Booked by staff.")})


def shown_note(note: str | None) -> str:
    """A status change's note as a reader sees it (see AUTOMATIC_NOTES)."""
    if not note:
        return ""
    return _(note) if note in AUTOMATIC_NOTES else note


def lazy_label(member: Any) -> LazyText:
    """A choice's label (an enum's `.label`), read in the reader's language when shown."""
    return LazyText(lambda: member.label)


# --- catalogs --------------------------------------------------------------------------------


class CatalogDomain(Domain):
    """The app's messages, read from the .po catalogs and compiled in memory once per process."""

    def get_translations(self) -> NullTranslations:
        locale = get_locale()
        if locale is None:
            return NullTranslations()
        language = locale.language
        cached = self.cache.get(language)
        if cached is None:
            cached = self.cache[language] = load_catalog(language)
        return cached


def load_catalog(language: str) -> NullTranslations:
    """The compiled catalog of `language`; English (the source language) has none."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain="messages")


class ShopBabel(Babel):
    """Flask-Babel with the app's catalogs read straight from their .po files."""

    @property
    def domain_instance(self) -> Domain:  # type: ignore[override]
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        domain = app.extensions.get("autoshop_domain")
        if domain is None:
            domain = app.extensions["autoshop_domain"] = CatalogDomain()
        return domain


babel = ShopBabel()


# --- which language --------------------------------------------------------------------------


def shop_locale() -> Locale:
    """The shop's own locale (`SHOP_LOCALE`): its default language and its region's formats."""
    setting = current_app.config.get("SHOP_LOCALE", DEFAULT_LOCALE) if has_app_context() else None
    return Locale.parse(setting or DEFAULT_LOCALE)


def supported(language: str | None) -> str | None:
    """`language` ('es', 'es-MX', 'ES') as one of the shipped codes, or None."""
    if not language:
        return None
    code = language.replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def request_language() -> str:
    """The language this request speaks (see the module's docstring for the order)."""
    from flask_security import current_user

    chosen = None
    if current_user and current_user.is_authenticated:
        chosen = supported(getattr(current_user, "locale", None))
    chosen = chosen or supported(request.cookies.get(LANGUAGE_COOKIE))
    chosen = chosen or supported(request.accept_languages.best_match(list(LANGUAGES)))
    return chosen or shop_locale().language


def regional(language: str) -> str:
    """`language` with the shop's region, where Babel knows that pair ('es' -> 'es_US')."""
    territory = shop_locale().territory
    if territory:
        try:
            return str(Locale(language, territory))
        except UnknownLocaleError:
            pass
    return language


def select_locale() -> str:
    if has_request_context():
        return regional(request_language())
    return regional(shop_locale().language)


def message_language(*choices: str | None) -> str:
    """The language a message goes out in: the first shipped one of `choices` (the customer's
    account, then the language they booked in), else the shop's."""
    for choice in choices:
        code = supported(choice)
        if code:
            return code
    return shop_locale().language


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Render in `language` (with the shop's region) for the duration of the block."""
    with force_locale(regional(supported(language) or shop_locale().language)):
        yield


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else shop_locale().language


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config.get("SHOP_LOCALE", DEFAULT_LOCALE))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=current_language)


# --- formats ---------------------------------------------------------------------------------


def formats_locale() -> Locale:
    return get_locale() or shop_locale()


def format_money(cents: int | None, currency: str | None = None) -> str:
    """12345 -> '$123.45' (en_US); whole amounts drop the cents: 5000 -> '$50'."""
    if cents is None:
        return ""
    if currency is None:
        currency = current_app.config.get("SHOP_CURRENCY", "USD") if has_app_context() else "USD"
    locale = formats_locale()
    amount = Decimal(cents) / 100
    if cents % 100:
        return babel_numbers.format_currency(amount, currency, locale=locale)
    pattern = babel_numbers.parse_pattern(locale.currency_formats["standard"].pattern)
    pattern.frac_prec = (0, 0)
    return pattern.apply(amount, locale, currency=currency, currency_digits=False)


#: How a moment may be shown, in US English: the CLDR patterns the shop's pages have always
#: printed ('Tue Nov 24, 2026 9:30 AM'). Every other locale gets Babel's own patterns for the
#: same fields (`_GENERIC`), so each orders and names them its own way.
US_PATTERNS = {
    "time": "h:mm a",  # 9:30 AM
    "date": "MMM d, y",  # Nov 24, 2026
    "full_date": "MMMM d, y",  # November 24, 2026
    "long_date": "EEEE, MMMM d, y",  # Tuesday, November 24, 2026
    "day": "EEEE, MMMM d",  # Tuesday, November 24
    "short_day": "EEE MMM d",  # Tue Nov 24
    "day_month": "MMM d",  # Nov 24
    "long_day_month": "MMMM d",  # November 24
    "month": "MMMM y",  # November 2026
    "weekday": "EEEE",  # Tuesday
    "weekday_short": "EEE",  # Tue
    "moment": "EEE MMM d, y h:mm a",  # Tue Nov 24, 2026 9:30 AM
    "date_time": "MMM d, y h:mm a",  # Nov 24, 2026 9:30 AM
    "short_moment": "MMM d, h:mm a",  # Nov 24, 9:30 AM
    "day_moment": "EEE MMM d, h:mm a",  # Tue Nov 24, 9:30 AM
    "day_at": "EEE MMM d 'at' h:mm a",  # Tue Nov 24 at 9:30 AM
    "day_time": "EEEE, MMMM d 'at' h:mm a",  # Tuesday, November 24 at 9:30 AM
    "long_moment": "EEEE, MMMM d, y 'at' h:mm a",  # Tuesday, November 24, 2026 at 9:30 AM
    "weekday_time": "EEE h:mm a",  # Tue 9:30 AM
}

#: The same styles elsewhere: a skeleton (Babel picks the locale's pattern for those fields), a
#: full-width pattern of a single field, or (date style, True) for that date with the time after.
_GENERIC: dict[str, str | tuple[str, bool]] = {
    "date": "yMMMd",
    "full_date": "yMMMMd",
    "short_day": "MMMEd",
    "day_month": "MMMd",
    "long_day_month": "MMMMd",
    "month": "yMMMM",
    "weekday_short": "E",
    "moment": ("short_date", True),
    "date_time": ("date", True),
    "short_moment": ("day_month", True),
    "day_moment": ("short_day", True),
    "day_at": ("short_day", True),
    "day_time": ("day", True),
    "long_moment": ("long_date", True),
    "weekday_time": ("weekday_short", True),
    "short_date": "yMMMEd",
}


def format_moment(
    value: datetime | date | None, style: str = "moment", zone: tzinfo | None = None
) -> str:
    """`value` (an aware instant, shown in `zone`; or a date) in the current locale.

    Styles (US English shown): time '9:30 AM', date 'Nov 24, 2026', full_date 'November 24,
    2026', long_date 'Tuesday, November 24, 2026', day 'Tuesday, November 24', short_day 'Tue
    Nov 24', day_month 'Nov 24', long_day_month 'November 24', month 'November 2026', weekday
    'Tuesday', weekday_short 'Tue'; with the time: moment 'Tue Nov 24, 2026 9:30 AM', date_time
    'Nov 24, 2026 9:30 AM', short_moment 'Nov 24, 9:30 AM', day_moment 'Tue Nov 24, 9:30 AM',
    day_at 'Tue Nov 24 at 9:30 AM', day_time 'Tuesday, November 24 at 9:30 AM', long_moment
    'Tuesday, November 24, 2026 at 9:30 AM', weekday_time 'Tue 9:30 AM'.
    """
    if value is None:
        return ""
    if style not in US_PATTERNS:
        raise ValueError(f"unknown style {style!r}")
    if isinstance(value, datetime) and zone is not None:
        value = value.astimezone(zone)
    locale = formats_locale()
    if str(locale) == "en_US":
        pattern = US_PATTERNS[style]
        if isinstance(value, datetime):
            return babel_dates.format_datetime(value, pattern, locale=locale)
        return babel_dates.format_date(value, pattern, locale=locale)
    return _generic(value, style, locale)


def _generic(value: datetime | date, style: str, locale: Locale) -> str:
    if style == "time":
        return babel_dates.format_time(value, "short", locale=locale)
    if style == "weekday":
        return babel_dates.format_date(value, "EEEE", locale=locale)
    if style == "long_date":
        return babel_dates.format_date(value, "full", locale=locale)
    if style == "day":
        weekday = babel_dates.format_date(value, "EEEE", locale=locale)
        return f"{weekday}, {_generic(value, 'long_day_month', locale)}"
    recipe = _GENERIC[style]
    if isinstance(recipe, str):
        return babel_dates.format_skeleton(recipe, value, locale=locale)
    day_style, _with_time = recipe
    if not isinstance(value, datetime):
        raise TypeError(f"style {style!r} needs a datetime")
    day = _generic(value, day_style, locale)
    clock = _generic(value, "time", locale)
    joined = str(locale.datetime_formats["medium"])
    return joined.replace("{1}", day).replace("{0}", clock)


def format_clock(value: Any) -> str:
    """A wall-clock time (a `datetime.time`) in the current locale: '9:30 AM', '9:30 a.m.'."""
    return babel_dates.format_time(value, "short", locale=formats_locale())

"""Lazy translated text for the admin forms that HTML-escapes like a plain string.

Flask-Babel's lazy strings mark themselves safe (`__html__` returns the text as it is), so a
form label or an error message made with `autoshop.i18n._l` would reach the page unescaped
("shop's" instead of "shop&#39;s"). These are read in the page's language when shown, and
escaped then like any other text.
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
from markupsafe import escape

from autoshop.i18n import _


class LazyText(LazyString):  # type: ignore[misc]
    def __html__(self) -> str:
        return str(escape(str(self)))


def _l(string: str, **variables: Any) -> LazyText:
    """`_l("Enter a name.")`: translated when shown; extracted like `autoshop.i18n._l`."""
    return LazyText(_, string, **variables)


def lazy_label(member: Any) -> LazyText:
    """A choice's label (an enum's `.label`), read when the form is shown."""
    return LazyText(lambda: member.label)

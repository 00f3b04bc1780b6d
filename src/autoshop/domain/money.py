"""Money in whole cents, formatted the way a US shop writes prices."""

from __future__ import annotations

from collections.abc import Iterable

from autoshop.domain.choices import PriceKind
from autoshop.i18n import _, format_money


def format_cents(cents: int | None) -> str:
    """12345 -> '$123.45'; whole dollars drop the cents: 5000 -> '$50' (in the page's locale
    and the shop's currency, see `i18n.format_money`)."""
    return format_money(cents)


def describe_price(kind: PriceKind, min_cents: int | None, max_cents: int | None) -> str:
    """How a price reads to a customer: '$50', '$50–$75' or 'Priced after diagnosis'."""
    if kind is PriceKind.DIAGNOSIS:
        if min_cents:
            return str(_("From %(price)s, priced after diagnosis", price=format_cents(min_cents)))
        return str(_("Priced after diagnosis"))
    if kind is PriceKind.RANGE and max_cents is not None and max_cents != min_cents:
        return f"{format_cents(min_cents)}–{format_cents(max_cents)}"
    return format_cents(min_cents)


def describe_total(prices: Iterable[tuple[PriceKind, int | None, int | None]]) -> str:
    """What several services cost together: '$140', '$140–$210', or with diagnosis work in it
    ('$50 plus work priced after diagnosis'); `prices` are (kind, min cents, max cents)."""
    low = high = 0
    diagnosis = False
    for kind, min_cents, max_cents in prices:
        low += min_cents or 0
        if kind is PriceKind.DIAGNOSIS:
            diagnosis = True
            high += min_cents or 0
        else:
            high += max_cents if max_cents is not None else (min_cents or 0)
    price = format_cents(low) if low == high else f"{format_cents(low)}–{format_cents(high)}"
    if diagnosis:
        if high == 0:
            return str(_("priced after diagnosis"))
        return str(_("%(price)s plus work priced after diagnosis", price=price))
    return price

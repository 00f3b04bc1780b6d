"""Money in whole cents, formatted the way a US shop writes prices."""

from __future__ import annotations

from autoshop.domain.choices import PriceKind


def format_cents(cents: int | None) -> str:
    """12345 -> '$123.45'; whole dollars drop the cents: 5000 -> '$50'."""
    if cents is None:
        return ""
    dollars, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}${dollars:,}" if rest == 0 else f"{sign}${dollars:,}.{rest:02d}"


def describe_price(kind: PriceKind, min_cents: int | None, max_cents: int | None) -> str:
    """How a price reads to a customer: '$50', '$50–$75' or 'Priced after diagnosis'."""
    if kind is PriceKind.DIAGNOSIS:
        if min_cents:
            return f"From {format_cents(min_cents)}, priced after diagnosis"
        return "Priced after diagnosis"
    if kind is PriceKind.RANGE and max_cents is not None and max_cents != min_cents:
        return f"{format_cents(min_cents)}–{format_cents(max_cents)}"
    return format_cents(min_cents)

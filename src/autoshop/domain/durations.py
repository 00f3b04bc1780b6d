"""Durations as customers read them."""

from __future__ import annotations


def format_minutes(minutes: int) -> str:
    """90 -> '1 h 30 min', 60 -> '1 h', 45 -> '45 min'."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"

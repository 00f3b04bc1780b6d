"""Public appointment reference codes: short, unambiguous, easy to read over the phone."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: a customer reading the code aloud can't confuse them.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(length: int = 8) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))

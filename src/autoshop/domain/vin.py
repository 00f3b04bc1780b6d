"""Vehicle identification numbers (49 CFR 565): 17 characters with a check digit in position 9."""

from __future__ import annotations

_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_vin(raw: str) -> str:
    """Upper-case, without spaces or dashes; raises ValueError with a message for the customer."""
    vin = "".join(raw.split()).replace("-", "").upper()
    if len(vin) != 17:
        raise ValueError("A VIN has 17 characters; check the one on your registration.")
    if any(ch not in _VALUES for ch in vin):
        raise ValueError("A VIN uses digits and letters except I, O and Q.")
    total = sum(_VALUES[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True))
    check = "X" if total % 11 == 10 else str(total % 11)
    if vin[8] != check:
        raise ValueError("That VIN's check digit doesn't match; a character may be mistyped.")
    return vin

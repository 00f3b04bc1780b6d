"""Vehicle identification numbers (49 CFR 565, ISO 3779): 17 characters, a check digit in
position 9, the model year in position 10 and the region of manufacture in position 1.

The check digit is mandatory for vehicles built for North America (a VIN starting with 1–5), so a
mismatch there is an error; elsewhere it is optional, so a mismatch is only a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoshop.i18n import _

_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
#: Every character a VIN may hold (no I, O or Q: they read like 1 and 0).
ALLOWED = frozenset(_VALUES)
LENGTH = 17

#: Position 10's code for the years 1980–2009; the same codes repeat for 2010–2039.
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_CYCLE = 30

#: The region of manufacture by the first character (ISO 3780).
_REGIONS = (
    ("ABCDEFGH", "Africa"),
    ("JKLMNPR", "Asia"),
    ("STUVWXYZ", "Europe"),
    ("12345", "North America"),
    ("67", "Oceania"),
    ("89", "South America"),
)


@dataclass(frozen=True)
class VinInfo:
    """What a VIN tells about the car: the VIN itself (normalized), the model year (None when
    position 10 holds no year code), the region, and a warning that doesn't block saving."""

    vin: str
    model_year: int | None
    region: str | None
    warning: str | None = None

    @property
    def hint(self) -> str:
        """'2019 · North America', for showing beside the VIN field."""
        return " · ".join(str(p) for p in (self.model_year, self.region) if p)


def clean(raw: str) -> str:
    """Upper-case, without spaces or dashes (how people copy a VIN from papers)."""
    return "".join(raw.split()).replace("-", "").upper()


def character_value(ch: str) -> int:
    """The number a character stands for in the check-digit sum (A, J and 1 are all 1)."""
    return _VALUES[ch]


def check_digit(vin: str) -> str:
    """The check digit (position 9) the other 16 characters call for: '0'–'9' or 'X'."""
    total = sum(_VALUES[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def is_north_american(vin: str) -> bool:
    return vin[:1] in "12345" and vin[:1] != ""


def region_of(vin: str) -> str | None:
    first = vin[:1]
    return next((name for chars, name in _REGIONS if first and first in chars), None)


def model_year(vin: str, *, latest: int) -> int | None:
    """Position 10's model year. The code repeats every 30 years: a letter in position 7 means
    2010–2039, a digit 1980–2009 (49 CFR 565.15, for cars and light trucks); a year after
    `latest` (next year) is taken from the cycle before, a year a cycle older stays when it
    would still be after `latest`."""
    code = vin[9:10]
    if not code or code not in _YEAR_CODES:
        return None
    year = 1980 + _YEAR_CODES.index(code)
    if vin[6:7].isalpha():
        year += _CYCLE
    while year > latest and year - _CYCLE >= 1980:
        year -= _CYCLE
    return year


def read_vin(raw: str, *, latest_year: int) -> VinInfo:
    """Check a VIN and decode it; raise ValueError with a message for the person typing it.
    `latest_year` is the newest model year there can be (next year, from `now`)."""
    vin = clean(raw)
    if len(vin) != LENGTH:
        raise ValueError(
            _(
                "A VIN has 17 characters (this has %(count)s); "
                "check the one on the registration or the dashboard.",
                count=len(vin),
            )
        )
    if any(ch not in _VALUES for ch in vin):
        raise ValueError(_("A VIN uses digits and letters except I, O and Q."))
    warning = None
    if vin[8] != check_digit(vin):
        if is_north_american(vin):
            raise ValueError(
                _("That VIN's check digit doesn't match; a character may be mistyped.")
            )
        warning = _(
            "This VIN's check digit doesn't match. Cars built outside North America may not "
            "use one, so it was kept; compare it with the registration."
        )
    return VinInfo(
        vin=vin,
        model_year=model_year(vin, latest=latest_year),
        region=region_of(vin),
        warning=warning,
    )


def normalize_vin(raw: str, *, latest_year: int = 9999) -> str:
    """The VIN upper-case without spaces or dashes; raises ValueError with a message."""
    return read_vin(raw, latest_year=latest_year).vin

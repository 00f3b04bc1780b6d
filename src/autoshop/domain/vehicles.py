"""What a customer's car must be to be saved: every field's bounds, one message per problem.

The account's car form, the booking flow and the booking service check a car with the same rules:
a model year from 1950 to next year (from `now`), mileage within bounds, a VIN that reads (see
vin.py), texts on one line and within their column's length. Plates and VINs are compared in their
normalized form (upper-case, no spaces or dashes), so one car typed two ways is one car.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from autoshop.domain import bounds
from autoshop.domain.vin import read_vin
from autoshop.i18n import _

#: Each text field: its label in messages, its column length, and an example.
TEXT_FIELDS = {
    "make": ("the make", 40, "Honda"),
    "model": ("the model", 60, "Civic"),
    "trim": ("the trim", 60, "EX"),
    "colour": ("the colour", 30, "Blue"),
    "nickname": ("the nickname", 40, "Work truck"),
    "plate": ("the plate", 16, "7ABC123"),
}
REQUIRED = ("year", "make", "model")


def normalize_plate(raw: str) -> str:
    """'7abc 123' and '7ABC-123' are both '7ABC123'."""
    return "".join(raw.split()).replace("-", "").upper()


def latest_model_year(now: datetime) -> int:
    """Next year's models are on sale from the summer before; nothing newer exists."""
    return now.year + 1


@dataclass(frozen=True)
class CarFields:
    """A car as checked: texts stripped, the plate and VIN normalized."""

    year: int
    make: str
    model: str
    trim: str = ""
    colour: str = ""
    nickname: str = ""
    plate: str = ""
    vin: str | None = None
    mileage: int | None = None


@dataclass(frozen=True)
class CarCheck:
    """The checked car (None when a field has a problem), the problems by field, and what the
    VIN told: its model year and region (`vin_hint`) and a warning that doesn't block saving."""

    car: CarFields | None
    errors: dict[str, str]
    vin_hint: str = ""
    vin_warning: str | None = None
    vin_year: int | None = None


def _whole_number(raw: str) -> int | None:
    text = raw.strip().replace(",", "")
    if not text or len(text) > 12 or not text.isdecimal():
        return None
    return int(text)


def check_car(raw: dict[str, str], *, now: datetime) -> CarCheck:
    """Check a car's fields as typed (strings; missing ones are blank)."""
    errors: dict[str, str] = {}
    values = {name: (raw.get(name) or "").strip() for name in (*TEXT_FIELDS, "year", "vin")}
    latest = latest_model_year(now)

    year = _whole_number(values["year"]) if values["year"] else None
    if not values["year"]:
        errors["year"] = "Enter the model year."
    elif year is None or not bounds.MODEL_YEAR.low <= year <= latest:
        errors["year"] = f"Enter a model year from {bounds.MODEL_YEAR.low} to {latest}."

    for name, (label, length, example) in TEXT_FIELDS.items():
        text = values[name]
        if name in REQUIRED and not text:
            errors[name] = f"Enter {label}, e.g. {example}."
        elif problem := bounds.text_problem(text, single_line=True):
            errors[name] = problem
        elif len(normalize_plate(text) if name == "plate" else text) > length:
            errors[name] = f"Enter {label} in at most {length} characters."

    mileage: int | None = None
    raw_mileage = (raw.get("mileage") or "").strip()
    if raw_mileage:
        mileage = _whole_number(raw_mileage)
        if mileage is None:
            errors["mileage"] = "Enter the mileage as a whole number of miles, e.g. 42000."
        elif problem := bounds.MILEAGE.problem(mileage, _("The mileage")):
            errors["mileage"] = problem

    vin, hint, warning, vin_year = None, "", None, None
    if values["vin"]:
        if problem := bounds.text_problem(values["vin"], single_line=True):
            errors["vin"] = problem
        else:
            try:
                info = read_vin(values["vin"], latest_year=latest)
            except ValueError as exc:
                errors["vin"] = str(exc)
            else:
                vin, hint, warning, vin_year = info.vin, info.hint, info.warning, info.model_year

    if errors or year is None:
        return CarCheck(None, errors, hint, warning, vin_year)
    car = CarFields(
        year=year,
        make=values["make"],
        model=values["model"],
        trim=values["trim"],
        colour=values["colour"],
        nickname=values["nickname"],
        plate=normalize_plate(values["plate"]),
        vin=vin,
        mileage=mileage,
    )
    return CarCheck(car, {}, hint, warning, vin_year)

"""VINs: the check digit (an error for North-American VINs, a warning elsewhere), the model year
with its 30-year cycle, the region, and the car rules that use them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autoshop.domain.vehicles import check_car, normalize_plate
from autoshop.domain.vin import ALLOWED, character_value, check_digit, model_year, read_vin

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
LATEST = 2027  # next year
#: Valid under the check digit (from the shared test data), and what they decode to.
VALID = {
    "1G4AH59H45G118341": (2005, "North America"),
    "1M8GDM9AXKP042788": (1989, "North America"),
    "WDBEA30D3HA391172": (1987, "Europe"),
    "LJCPCBLCX11000237": (2001, "Asia"),
}
NORTH_AMERICAN = [vin for vin in VALID if vin[0] in "12345"]


@pytest.mark.parametrize(("vin", "decoded"), VALID.items())
def test_valid_vins_read_with_their_year_and_region(vin, decoded):
    info = read_vin(vin, latest_year=LATEST)
    assert (info.vin, info.model_year, info.region, info.warning) == (vin, *decoded, None)
    assert info.hint == f"{decoded[0]} · {decoded[1]}"


def test_a_vin_is_read_as_people_copy_it():
    assert read_vin(" 1g4ah59h4-5g118341 ", latest_year=LATEST).vin == "1G4AH59H45G118341"
    assert read_vin("1G4A H59H 45G1 18341", latest_year=LATEST).vin == "1G4AH59H45G118341"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1G4AH59H45G11834", "17 characters (this has 16)"),
        ("1G4AH59H45G1183411", "17 characters (this has 18)"),
        ("", "17 characters (this has 0)"),
        ("1G4AH59H45G11834I", "except I, O and Q"),
        ("1G4AH59H45G11834O", "except I, O and Q"),
        ("QG4AH59H45G118341", "except I, O and Q"),
        ("1G4AH59H45G11834!", "except I, O and Q"),
        ("1G4AH59H55G118341", "check digit doesn't match"),  # position 9 changed
        ("1G4AH59H45G118342", "check digit doesn't match"),  # the last character changed
        ("5G4AH59H45G118341", "check digit doesn't match"),  # built for North America too
    ],
)
def test_invalid_vins_are_refused_with_a_message(raw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        read_vin(raw, latest_year=LATEST)


@pytest.mark.parametrize("vin", ["WDBEA30D4HA391172", "LJCPCBLC011000237", "JM3KFBDM1M0412786"])
def test_a_wrong_check_digit_outside_north_america_is_only_a_warning(vin):
    info = read_vin(vin, latest_year=LATEST)
    assert info.vin == vin and "check digit doesn't match" in (info.warning or "")


@pytest.mark.parametrize(
    ("vin", "latest", "year"),
    [
        ("2HKRW2H8XKH612384", 2027, 2019),  # position 7 a letter: 2010-2039
        ("1G4AH59H45G118341", 2027, 2005),  # position 7 a digit: 1980-2009
        ("LJCPCBLCX11000237", 2027, 2001),  # 2031 would be after next year: the cycle before
        ("LJCPCBLCX11000237", 2031, 2031),  # ...until 2031's models can exist
        ("1M8GDM9AXKP042788", 2027, 1989),
    ],
)
def test_the_model_year_follows_the_30_year_cycle_and_is_never_after_next_year(vin, latest, year):
    assert model_year(vin, latest=latest) == year


def test_a_position_10_without_a_year_code_gives_no_year():
    assert model_year("1G4AH59H4UG118341", latest=LATEST) is None  # U is no year code
    assert model_year("1G4AH59H40G118341", latest=LATEST) is None  # nor is 0


@given(
    vin=st.sampled_from([*NORTH_AMERICAN, "1HGCM82633A004352", "2HKRW2H8XKH612384"]),
    index=st.integers(min_value=0, max_value=16),
    replacement=st.sampled_from(sorted(ALLOWED)),
)
def test_changing_one_character_of_a_north_american_vin_breaks_the_check(vin, index, replacement):
    """Every weight is 1-10 and 11 is prime, so a change to a character that reads as another
    number always changes the sum mod 11; the check digit (index 8) changed is wrong by itself.
    (Letters that read as the same number, e.g. A, J and 1, can't be told apart by any check
    digit: the standard's known blind spot, left out here.)"""
    assume(replacement != vin[index])
    assume(index == 8 or character_value(replacement) != character_value(vin[index]))
    changed = vin[:index] + replacement + vin[index + 1 :]
    assert check_digit(changed) != changed[8]
    if changed[0] in "12345":
        with pytest.raises(ValueError, match="check digit"):
            read_vin(changed, latest_year=LATEST)
    else:  # the first character moved it out of North America: a warning only
        assert read_vin(changed, latest_year=LATEST).warning


# --- a car's fields ---------------------------------------------------------------------------


def car(**changes: str) -> dict[str, str]:
    base = {"year": "2019", "make": "Honda", "model": "CR-V", "plate": "njk-4821"}
    return {**base, **changes}


def test_a_car_is_checked_and_normalized():
    check = check_car(car(vin="2hkrw2h8xkh612384", mileage="48,200", trim=" EX "), now=NOW)
    assert check.errors == {}
    assert check.car is not None
    assert (check.car.plate, check.car.vin, check.car.mileage, check.car.trim) == (
        "NJK4821",
        "2HKRW2H8XKH612384",
        48200,
        "EX",
    )
    assert check.vin_hint == "2019 · North America"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"year": ""}, "year", "Enter the model year"),
        ({"year": "2028"}, "year", "from 1950 to 2027"),  # not after next year
        ({"year": "1949"}, "year", "from 1950 to 2027"),
        ({"year": "20x9"}, "year", "from 1950 to 2027"),
        ({"make": ""}, "make", "Enter the make"),
        ({"model": "x" * 61}, "model", "at most 60"),
        ({"make": "Hon\nda"}, "make", "one line"),
        ({"plate": "A" * 17}, "plate", "at most 16"),
        ({"colour": "b" * 31}, "colour", "at most 30"),
        ({"nickname": "n" * 41}, "nickname", "at most 40"),
        ({"mileage": "-5"}, "mileage", "whole number"),
        ({"mileage": "2000001"}, "mileage", "at most 2,000,000"),
        ({"mileage": "lots"}, "mileage", "whole number"),
        ({"vin": "1G4AH59H55G118341"}, "vin", "check digit"),
        ({"vin": "1G4AH59H45G11834"}, "vin", "17 characters"),
    ],
)
def test_each_bad_field_is_named(changes, field, message):
    check = check_car(car(**changes), now=NOW)
    assert check.car is None
    assert message in check.errors[field]


def test_next_years_model_is_accepted():
    assert check_car(car(year="2027"), now=NOW).car is not None
    assert check_car(car(year="2027"), now=datetime(2025, 6, 1, tzinfo=UTC)).car is None


def test_plates_compare_without_spaces_dashes_or_case():
    assert normalize_plate(" 7abc 123 ") == normalize_plate("7ABC-123") == "7ABC123"

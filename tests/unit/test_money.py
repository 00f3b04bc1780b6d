"""Prices as customers read them, alone and added up for a visit."""

from __future__ import annotations

import pytest

from autoshop.domain.choices import PriceKind as K
from autoshop.domain.money import describe_price, describe_total, format_cents


@pytest.mark.parametrize(
    ("cents", "text"),
    [(5000, "$50"), (12345, "$123.45"), (120000, "$1,200"), (5, "$0.05"), (-250, "-$2.50")],
)
def test_format_cents(cents, text):
    assert format_cents(cents) == text


@pytest.mark.parametrize(
    ("price", "text"),
    [
        ((K.FIXED, 9900, 9900), "$99"),
        ((K.RANGE, 5000, 7500), "$50–$75"),
        ((K.RANGE, 5000, 5000), "$50"),
        ((K.DIAGNOSIS, 8500, 18000), "From $85, priced after diagnosis"),
        ((K.DIAGNOSIS, None, None), "Priced after diagnosis"),
    ],
)
def test_describe_price(price, text):
    assert describe_price(*price) == text


@pytest.mark.parametrize(
    ("prices", "text"),
    [
        ([(K.FIXED, 9900, 9900), (K.RANGE, 5000, 7500)], "$149–$174"),
        ([(K.FIXED, 9900, 9900), (K.FIXED, 100, None)], "$100"),
        ([(K.DIAGNOSIS, None, None)], "priced after diagnosis"),
        (
            [(K.DIAGNOSIS, 8500, 18000), (K.FIXED, 5000, 5000)],
            "$135 plus work priced after diagnosis",
        ),
        ([], "$0"),
    ],
    ids=["fixed+range", "max-missing", "diagnosis-only", "diagnosis+fixed", "nothing"],
)
def test_describe_total(prices, text):
    assert describe_total(prices) == text

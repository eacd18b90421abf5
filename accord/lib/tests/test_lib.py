import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accord.lib.dates import validate_range, validate_timezone, week_bounds
from accord.lib.money import format_money, quantize, validate_currency
from accord.lib.text import render_markdown, safe_cell


@pytest.mark.parametrize("code", ["CNY", "EUR", "USD", "JPY", "XOF"])
def test_real_currencies_are_accepted(code):
    validate_currency(code)


@pytest.mark.parametrize("code", ["XXX", "XAU", "EURO", "eur", "", "ABC"])
def test_non_currencies_are_refused(code):
    with pytest.raises(ValidationError):
        validate_currency(code)


def test_amounts_round_to_the_currency_minor_unit():
    assert quantize("10.005", "EUR") == Decimal("10.01")
    assert quantize("1234.5", "JPY") == Decimal("1235")
    with pytest.raises(ValidationError):
        quantize("ten", "EUR")


def test_money_is_formatted_in_the_active_language():
    with translation.override("zh-hans"):
        assert format_money(Decimal("1234.5"), "CNY").startswith("¥")
    with translation.override("en"):
        assert format_money(Decimal("1234.5"), "EUR") == "€1,234.50"


def test_time_zones_and_ranges():
    validate_timezone("Asia/Shanghai")
    with pytest.raises(ValidationError):
        validate_timezone("Asia/Atlantis")
    with pytest.raises(ValidationError) as exc:
        validate_range(dt.date(2026, 5, 2), dt.date(2026, 5, 1), end_field="end_date")
    assert "end_date" in exc.value.message_dict
    assert week_bounds(dt.date(2026, 11, 26)) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))


def test_markdown_is_sanitised():
    html = render_markdown(
        "Hello **世界** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    assert "<strong>世界</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


@pytest.mark.parametrize("value", ["=1+1", "+49 30 1234", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value):
    assert safe_cell(value) == "'" + value


def test_plain_cells_are_kept():
    assert safe_cell("王伟") == "王伟" and safe_cell(3) == 3

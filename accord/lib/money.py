"""Money: decimals with an ISO 4217 currency code, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

# ISO 4217 codes that are not money one budgets in: metals, fund units, testing and "no currency".
_NOT_MONEY = {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"}
CURRENCIES: frozenset[str] = frozenset(
    code for code in list_currencies() if len(code) == 3 and code.isupper() and code not in _NOT_MONEY
)
COMMON_CURRENCIES = ["CNY", "EUR", "USD", "GBP", "JPY", "HKD", "SGD", "CHF", "AUD", "CAD"]


def validate_currency(code: str) -> None:
    if code not in CURRENCIES:
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code (for example CNY, EUR or USD)."),
            code="currency",
            params={"code": code},
        )


def currency_choices() -> list[tuple[str, str]]:
    rest = sorted(CURRENCIES - set(COMMON_CURRENCIES))
    return [(c, c) for c in COMMON_CURRENCIES + rest]


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """Round ``amount`` to the currency's minor unit (2 for EUR, 0 for JPY)."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError):
        raise ValidationError(_("“%(value)s” is not a number."), params={"value": amount}) from None
    exp = Decimal(1).scaleb(-get_currency_precision(currency))
    return value.quantize(exp, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | None, currency: str, language: str | None = None) -> str:
    if amount is None:
        return ""
    locale = to_locale(language or get_language() or "en")
    if locale.lower().startswith("zh"):
        locale = "zh_Hans_CN"
    return format_currency(amount, currency, locale=locale)

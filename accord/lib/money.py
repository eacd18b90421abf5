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


def currency_for_locale(tag: str) -> str:
    """The currency of the region a language tag names (en-GB → GBP, de-DE → EUR, zh-CN → CNY);
    "" when the tag names no region we can place (plain "en")."""
    from babel.numbers import get_territory_currencies

    tag = (tag or "").replace("_", "-").strip()
    parts = [p for p in tag.split("-") if p]
    territory = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    if not territory and parts and parts[0].lower() == "zh":
        territory = "TW" if "hant" in tag.lower() else "CN"  # zh-Hans is mainland China's script
    if not territory:
        return ""
    try:
        found = get_territory_currencies(territory)
    except Exception:  # noqa: BLE001 — an unknown region names no currency
        return ""
    return next((code for code in found if code in CURRENCIES), "")


def currency_from_accept_language(header: str) -> str:
    """The currency of the first language in an Accept-Language header that names a region."""
    for part in (header or "").split(","):
        found = currency_for_locale(part.split(";")[0])
        if found:
            return found
    return ""

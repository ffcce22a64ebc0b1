"""French number, money and date formatting (babel): '600 000 000 FCFA', '12,5 %', '22/11/2026'."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"
NBSP = "\u00a0"


def amount(value: float | None, unit: str = "FCFA", decimals: int = 0) -> str:
    if value is None:
        return "-"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f"{format_decimal(round(float(value), decimals), format=pattern, locale=LOCALE)}{NBSP}{unit}"


def fcfa(value: float | None) -> str:
    return amount(value, "FCFA")


def eur(value: float | None) -> str:
    return amount(value, "€")


def usd(value: float | None) -> str:
    return amount(value, "$ US")


def percent(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "-"
    return format_percent(
        value, format="#,##0" + ("." + "0" * decimals if decimals else "") + NBSP + "%", locale=LOCALE
    )


def decimal(value: float | None) -> str:
    """655.957 -> '655,957'."""
    return "-" if value is None else format_decimal(value, locale=LOCALE)


def ratio(value: float | None) -> str:
    """1.3576 -> '×1,36'."""
    return "-" if value is None else "×" + format_decimal(value, format="0.00", locale=LOCALE)


def date(value: dt.date | None) -> str:
    return "-" if value is None else format_date(value, format="dd/MM/yyyy", locale=LOCALE)


def long_date(value: dt.date) -> str:
    return format_date(value, format="d MMMM y", locale=LOCALE)

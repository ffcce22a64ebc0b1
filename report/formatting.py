"""Numbers, money and dates by language (babel): '600 000 000 FCFA' / 'XOF 600,000,000', '31 décembre 2024' /
'31 December 2024'. French first: every function takes `lang`, French when it is not given."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
NBSP = "\u00a0"
# How each language writes a currency beside a figure: French after it, by its local name; English before it, by
# its ISO code (what a donor's analyst reads in FTS and IATI).
UNITS = {
    "fr": {"XOF": "FCFA", "EUR": "€", "USD": "$ US"},
    "en": {"XOF": "XOF", "EUR": "EUR", "USD": "USD"},
}


def amount(value: float | None, unit: str = "XOF", decimals: int = 0, lang: str = "fr") -> str:
    """A sum with its currency (an ISO code, written the language's way); '-' when there is none."""
    if value is None:
        return "-"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    number = format_decimal(round(float(value), decimals), format=pattern, locale=LOCALES[lang])
    written = UNITS[lang].get(unit, unit)
    return f"{number}{NBSP}{written}" if lang == "fr" else f"{written}{NBSP}{number}"


def fcfa(value: float | None, lang: str = "fr") -> str:
    return amount(value, "XOF", lang=lang)


def eur(value: float | None, lang: str = "fr") -> str:
    return amount(value, "EUR", lang=lang)


def usd(value: float | None, lang: str = "fr") -> str:
    return amount(value, "USD", lang=lang)


def percent(value: float | None, decimals: int = 1, lang: str = "fr") -> str:
    if value is None:
        return "-"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + (NBSP if lang == "fr" else "") + "%"
    return format_percent(value, format=pattern, locale=LOCALES[lang])


def decimal(value: float | None, lang: str = "fr") -> str:
    """655.957 -> '655,957' / '655.957'."""
    return "-" if value is None else format_decimal(value, locale=LOCALES[lang])


def ratio(value: float | None, lang: str = "fr") -> str:
    """1.3576 -> '×1,36' / '×1.36'."""
    return "-" if value is None else "×" + format_decimal(value, format="0.00", locale=LOCALES[lang])


def date(value: dt.date | None, lang: str = "fr") -> str:
    """22/11/2026 in French; '22 Nov 2026' in English, never a day and month a reader could swap."""
    if value is None:
        return "-"
    return format_date(value, format="dd/MM/yyyy" if lang == "fr" else "d MMM y", locale=LOCALES[lang])


def long_date(value: dt.date, lang: str = "fr") -> str:
    return format_date(value, format="d MMMM y", locale=LOCALES[lang])


FILTERS = {
    f.__name__: f for f in (amount, fcfa, eur, usd, percent, decimal, ratio, date, long_date)
}  # the Jinja filters of the report's pages, bound to a language by report/i18n.py

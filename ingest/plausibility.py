"""What a source may write and still be believed: one rule per kind of value (dates, currencies, percentages), its
bounds in config/plausibility.yml, applied by the readers to the smallest unit holding the value.

A rule gives the value to keep and, when there is one, the problem: `impossible` (a typo such as the year 1010, a
30 February, a currency code no one issues: the caller clears the cell or rejects the unit whose own value it is)
or only unusual (kept, flagged with its reason).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache

import pycountry
import yaml

from config import REPO_ROOT
from ingest import countries

RULES_PATH = REPO_ROOT / "config" / "plausibility.yml"


@dataclass(frozen=True)
class Problem:
    reason_fr: str
    reason_en: str
    impossible: bool = True


@cache
def _rules() -> dict:
    return yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))


@cache
def currency_codes() -> frozenset[str]:
    """The ISO 4217 codes, the two CFA francs and the ambiguous "FCFA" a reader resolves later."""
    return frozenset({c.alpha_3 for c in pycountry.currencies} | {"XOF", "XAF", countries.AMBIGUOUS_CFA})


def date_bounds() -> tuple[dt.date, dt.date]:
    """The earliest and latest dates a source can mean."""
    bounds = _rules()["dates"]
    return bounds["earliest"], bounds["latest"]


def amount_bounds() -> tuple[int, int]:
    """How many times the median of its peers an amount may be, and how many peers make a median."""
    rule = _rules()["amounts"]
    return rule["times_the_median"], rule["fewest_amounts"]


def iso_date(text: str | None) -> tuple[str | None, Problem | None]:
    """An ISO 8601 date as IATI and FTS write it (a time after it ignored): the date to keep, and its problem."""
    written = (text or "").strip()
    if not written:
        return None, None
    try:
        date = dt.date.fromisoformat(written[:10])
    except ValueError:
        return None, Problem(f"date impossible « {written[:40]} »", f"impossible date '{written[:40]}'")
    bounds = _rules()["dates"]
    if not bounds["earliest"] <= date <= bounds["latest"]:
        return None, Problem(
            f"date hors de {bounds['earliest']:%Y}-{bounds['latest']:%Y}, sans doute une faute de frappe : {date}",
            f"date outside {bounds['earliest']:%Y}-{bounds['latest']:%Y}, likely a typo: {date}",
        )
    if date < bounds["unusual_before"]:
        return date.isoformat(), Problem(f"date ancienne, gardée : {date}", f"old date, kept: {date}", impossible=False)
    return date.isoformat(), None


def currency(code: str | None) -> tuple[str | None, Problem | None]:
    """A currency code as written: kept when ISO 4217 (or a CFA franc), else the problem."""
    written = (code or "").strip()
    if not written:
        return None, None
    if written.upper() in currency_codes():
        return written.upper(), None
    return None, Problem(
        f"devise inconnue « {written[:20]} » (code ISO attendu)",
        f"unknown currency '{written[:20]}' (ISO code expected)",
    )


def percentage(text: str | None) -> tuple[float | None, Problem | None]:
    """A percentage as written (IATI sectors, countries): a finite number within the stated bounds, else the
    problem."""
    written = (text or "").strip()
    if not written:
        return None, None
    bounds = _rules()["percentages"]
    try:
        number = float(written.replace(",", "."))
    except ValueError:
        number = math.nan
    if math.isfinite(number) and bounds["lowest"] <= number <= bounds["highest"]:
        return number, None
    return None, Problem(
        f"pourcentage impossible « {written[:20]} » (de {bounds['lowest']} à {bounds['highest']})",
        f"impossible percentage '{written[:20]}' (from {bounds['lowest']} to {bounds['highest']})",
    )

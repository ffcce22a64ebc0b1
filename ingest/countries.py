"""Countries as files name them, and what "FCFA" means in each.

"FCFA" / "F CFA" / "CFA" is the franc of two monetary unions with one name: XOF (BCEAO: West Africa) and XAF (BEAC:
Central Africa). Which one a file means is decided by the country of its rows or of the file, never assumed.
"""

from __future__ import annotations

import csv
import gettext
import unicodedata
from functools import lru_cache
from pathlib import Path

import pycountry

# The dbt seed the marts decide it with too: one table for both.
CFA_FRANC_ZONES = Path(__file__).parents[1] / "dbt_project" / "seeds" / "cfa_franc_zones.csv"
with open(CFA_FRANC_ZONES, encoding="utf-8", newline="") as _zones:
    CFA_FRANC = {row["iso2"]: row["currency"] for row in csv.DictReader(_zones)}
# What a file writes for an amount in CFA francs without saying which union's.
AMBIGUOUS_CFA = "FCFA"


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().split())


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """English and French names, official and common, and the codes, plain (no accents, lower case) -> alpha-2."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"]).gettext
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for name in (
            country.name,
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
            french(country.name),
            country.alpha_2,
            country.alpha_3,
        ):
            if name:
                names.setdefault(_plain(name), country.alpha_2)
    names.update({"cameroun": "CM", "tchad": "TD", "cote d'ivoire": "CI", "cote divoire": "CI", "benin": "BJ"})
    return names


def alpha2_from_name(text: str | None) -> str | None:
    """'ML', 'MLI', 'Mali', 'Cameroun', 'Côte d'Ivoire' -> alpha-2; None when the text names no country."""
    if text is None or not str(text).strip():
        return None
    return _names().get(_plain(str(text)))


def cfa_franc(country: str | None) -> str | None:
    """The CFA franc of a country (alpha-2), or None outside the two unions."""
    return CFA_FRANC.get(country or "")

"""Write a large synthetic partner-report CSV the way French Excel does (';', FCFA in cells, spaces as
thousands separators, decimal commas, dd/mm/yyyy dates, a title row and an HXL row).

    python -m benchmarks.synthetic_partner_reports OUT.csv --rows 2000000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

PLACES = [
    ("Kayes", "Kita"),
    ("Koulikoro", "Kati"),
    ("Sikasso", "Koutiala"),
    ("Ségou", "San"),
    ("Mopti", "Ténenkou"),
    ("Tombouctou", "Goundam"),
    ("Gao", "Ansongo"),
    ("Kidal", "Tessalit"),
    ("Bamako", "Bamako"),
    ("Ménaka", "Ménaka"),
]
PARTNERS = [
    "Action Contre la Faim",
    "HKI",
    "World Vision",
    "OMAES",
    "Croix-Rouge malienne",
    "PAM",
    "UNICEF",
    "PNUD",
    "OIM",
    "CARE Mali",
    "Save the Children",
    "ASDAP",
    "GAD",
    "AMSS",
    "Plan Mali",
]
DONORS = ["ECHO", "USAID", "Union européenne", "Fonds commun SUN", "BMZ", "Canada", "Suède"]
SECTORS = [
    "Nutrition",
    "Santé",
    "Sécurité alimentaire",
    "WASH",
    "Protection sociale",
    "Relèvement précoce",
    "Éducation",
]
ACTIVITIES = [
    "Dépistage de la malnutrition aiguë",
    "Prise en charge de la MAS",
    "Transferts monétaires",
    "Réhabilitation de forages",
    "Cantines scolaires",
    "Formation des ASC",
    "Jardins maraîchers",
]
STATUSES = ["En cours", "Achevé", "Planifié"]
HEADER = (
    "Partenaire;Bailleur;Région;Cercle;Commune;Secteur;Activité;Date de début;Date de fin;Budget prévu;"
    "Montant dépensé;Bénéficiaires ciblés;Bénéficiaires atteints;Statut"
)
HXL = (
    "#org+impl;#org+funder;#adm1+name;#adm2+name;#adm3+name;#sector;#activity;#date+start;#date+end;"
    "#value+budget;#value+spent;#targeted;#reached;#status"
)


def _french(amounts: np.ndarray, suffix: str = "") -> pd.Series:
    """1234567.5 -> '1 234 567,50 FCFA' (thin spaces, decimal comma)."""
    text = pd.Series(np.char.mod("%.2f", amounts))
    whole, cents = text.str[:-3], text.str[-2:]
    grouped = whole.str[::-1].str.replace(r"(\d{3})(?=\d)", "\\1\u202f", regex=True).str[::-1]
    return grouped + "," + cents + suffix


def write(path: Path, rows: int, seed: int = 7, chunk: int = 250_000) -> None:
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("Matrice 3W - rapports des partenaires (données synthétiques)\r\n\r\n")
        out.write(HEADER + "\r\n" + HXL + "\r\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            place = rng.integers(0, len(PLACES), n)
            planned = rng.integers(1_000_000, 500_000_000, n).astype(float)
            spent = np.round(planned * rng.uniform(0, 1, n), 2)
            month = rng.integers(1, 13, n)
            frame = pd.DataFrame(
                {
                    "partner": np.array(PARTNERS)[rng.integers(0, len(PARTNERS), n)],
                    "donor": np.array(DONORS)[rng.integers(0, len(DONORS), n)],
                    "region": np.array([p[0] for p in PLACES])[place],
                    "cercle": np.array([p[1] for p in PLACES])[place],
                    "commune": np.array([p[1] for p in PLACES])[place],
                    "sector": np.array(SECTORS)[rng.integers(0, len(SECTORS), n)],
                    "activity": np.array(ACTIVITIES)[rng.integers(0, len(ACTIVITIES), n)],
                    "start": pd.Series(np.char.mod("01/%02d/2024", month)),
                    "end": pd.Series(np.char.mod("28/%02d/2024", month)),
                    "planned": _french(planned, " FCFA"),
                    "spent": _french(spent),
                    "targeted": rng.integers(100, 20_000, n),
                    "reached": rng.integers(0, 20_000, n),
                    "status": np.array(STATUSES)[rng.integers(0, len(STATUSES), n)],
                }
            )
            frame.to_csv(out, sep=";", header=False, index=False, lineterminator="\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    write(args.out, args.rows)
    print(f"{args.out}: {args.rows} lignes, {args.out.stat().st_size / 1e6:.0f} Mo")


if __name__ == "__main__":
    main()

"""`python -m warehouse`: say where the published warehouse and report are, and what they hold."""

from __future__ import annotations

import sys

import duckdb

from config import paths
from report.formatting import fcfa, percent


def main() -> int:
    p = paths()
    page = p.reports / "latest" / "fr" / "index.html"
    if not p.warehouse.exists() or not page.exists():
        print(f"Rien de publié / nothing published yet (entrepôt {p.warehouse}, rapport {page})", file=sys.stderr)
        return 1
    con = duckdb.connect(str(p.warehouse), read_only=True)
    files = con.execute("SELECT status, count(*) FROM ops.files GROUP BY 1 ORDER BY 1").fetchall()
    years = con.execute(
        "SELECT fiscal_year, weighted_nutrition_dotation_xof, nutrition_share_of_budget "
        "FROM marts.rpt_nutrition_budget_by_year ORDER BY fiscal_year DESC LIMIT 1"
    ).fetchall()
    con.close()
    print(f"Entrepôt / warehouse : {p.warehouse}")
    print(f"Rapport / report     : {page.resolve()}")
    print("Fichiers / files     : " + ", ".join(f"{status} {n}" for status, n in files))
    for year, weighted, share in years:
        print(f"Nutrition {year}       : {fcfa(weighted)} ({percent(share, 2)} du budget national)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

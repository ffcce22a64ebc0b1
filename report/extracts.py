"""Extracts of every mart, published with the report (`extraits/`): XLSX for Excel, CSV, and HXL-tagged CSV for the
marts humanitarian tools read.

- `<mart>.xlsx`: the rows (header frozen, autofilter, amounts and dates in formats Excel shows the French way) and a
  `LISEZMOI` sheet with the mart's description and columns (from the model's YAML, its dbt docs), the run date and
  the rules versions. A mart of more rows than a sheet holds gets its CSV only.
- `<mart>.csv`: UTF-8 with a BOM, `;` between fields and decimal commas, so French Excel opens it as columns.
- `<mart>.hxl.csv` (who funds what where, funding flows): `,` and decimal points, HXL hashtags on row 2.

A text beginning with `=`, `+`, `-` or `@` is written as text, never as a formula: XLSX strings are never turned into
formulas, and CSV cells get a leading apostrophe. The files depend only on the warehouse and the run date, so a
re-run writes the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
from pathlib import Path

import duckdb
import xlsxwriter
import yaml

from config import DBT_PROJECT_DIR

XLSX_MAX_ROWS = 1_000_000
FORMULA_STARTS = ("=", "+", "-", "@")
# HXL hashtags of the columns humanitarian tools read (HXL 1.1 core schema).
HXL_TAGS = {
    "rpt_who_funds_what_where": {
        "donor_org_name": "#org+funder",
        "partner_org_name": "#org+impl",
        "region_pcode": "#adm1+code",
        "region_name": "#adm1+name",
        "cercle_pcode": "#adm2+code",
        "cercle_name": "#adm2+name",
        "sector_name": "#sector",
        "reporting_year": "#date+year",
        "planned_xof": "#value+planned+xof",
        "spent_xof": "#value+spent+xof",
        "planned_usd": "#value+planned+usd",
        "spent_usd": "#value+spent+usd",
    },
    "fct_funding_flows": {
        "source_system": "#meta+source",
        "source_record_id": "#meta+id",
        "flow_stage": "#status+stage",
        "amount_original": "#value",
        "currency_original": "#currency",
        "value_date": "#date",
        "amount_xof": "#value+xof",
        "amount_usd": "#value+usd",
        "donor_org_name": "#org+funder",
        "recipient_org_name": "#org+impl",
        "recipient_country_code": "#country+code",
        "region_pcode": "#adm1+code",
        "cercle_pcode": "#adm2+code",
        "sector_name": "#sector",
    },
}


def _text_safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        text = format(value, "f") if isinstance(value, decimal.Decimal) else str(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text_safe(str(value))


def _documentation(mart: str) -> tuple[str, dict[str, str]]:
    """The mart's description and its columns' descriptions, from its YAML beside the model."""
    for path in (DBT_PROJECT_DIR / "models").rglob(f"{mart}.yml"):
        model = next(m for m in yaml.safe_load(path.read_text(encoding="utf-8"))["models"] if m["name"] == mart)
        columns = {c["name"]: (c.get("description") or "").strip() for c in model.get("columns", [])}
        return (model.get("description") or "").strip(), columns
    return "", {}


def _write_xlsx(path: Path, mart: str, names: list[str], types: list[str], rows: list[tuple], about: list[tuple]):
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    created = dt.datetime.combine(dt.date.fromisoformat(dict(about)["Données au / data as of"]), dt.time())
    workbook.set_properties({"title": mart, "created": created, "author": "Entrepôt budget Mali"})
    bold = workbook.add_format({"bold": True, "bg_color": "#DCEFE7"})
    formats = {
        "amount": workbook.add_format({"num_format": "#,##0"}),
        "rate": workbook.add_format({"num_format": "0.0%"}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
    }
    sheet = workbook.add_worksheet("données")
    sheet.write_row(0, 0, names, bold)
    for c, sql_type in enumerate(types):
        kind = (
            "amount"
            if sql_type.startswith("DECIMAL")
            else "rate"
            if "rate" in names[c] or "share" in names[c]
            else None
        )
        kind = "date" if sql_type == "DATE" else kind
        sheet.set_column(c, c, 18, formats.get(kind))
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, decimal.Decimal):
                sheet.write_number(r, c, float(value))
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), formats["date"])
            elif isinstance(value, list):
                sheet.write_string(r, c, " ; ".join(map(str, value)))
            else:
                sheet.write(r, c, value)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(names) - 1)
    readme = workbook.add_worksheet("LISEZMOI")
    readme.set_column(0, 0, 34)
    readme.set_column(1, 1, 110)
    for r, (key, value) in enumerate(about):
        readme.write_string(r, 0, key, bold if r == 0 or not value else None)
        readme.write_string(r, 1, value)
    workbook.close()


def write_extracts(warehouse: Path, out_dir: Path, run_date: dt.date) -> list[dict]:
    """Every mart's extracts into out_dir; returns, per mart, its row count and the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        marts = [
            m
            for (m,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        versions = con.execute(
            "SELECT max(tagging_rules_version), max(nutrition_weights_version) FROM marts.fct_budget_allocations"
        ).fetchone()
        for mart in marts:
            cursor = con.execute(f"SELECT * FROM marts.{mart} ORDER BY ALL")
            names = [d[0] for d in cursor.description]
            types = [str(d[1]) for d in cursor.description]
            rows = cursor.fetchall()
            description, columns = _documentation(mart)
            about = [
                ("Extrait / extract", f"marts.{mart}"),
                ("Description", description),
                ("Données au / data as of", run_date.isoformat()),
                ("Lignes / rows", str(len(rows))),
                ("Règles de marquage / tagging rules", str(versions[0] or "")),
                ("Pondérations / weights", str(versions[1] or "")),
                ("Colonnes / columns", ""),
                *[(name, columns.get(name, "")) for name in names],
            ]
            files = []
            if len(rows) <= XLSX_MAX_ROWS:
                _write_xlsx(out_dir / f"{mart}.xlsx", mart, names, types, rows, about)
                files.append(f"{mart}.xlsx")
            with open(out_dir / f"{mart}.csv", "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, delimiter=";")
                writer.writerow(names)
                writer.writerows([_csv_cell(v, decimal_comma=True) for v in row] for row in rows)
            files.append(f"{mart}.csv")
            if mart in HXL_TAGS:
                with open(out_dir / f"{mart}.hxl.csv", "w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(names)
                    writer.writerow([HXL_TAGS[mart].get(n, "") for n in names])
                    writer.writerows([_csv_cell(v, decimal_comma=False) for v in row] for row in rows)
                files.append(f"{mart}.hxl.csv")
            written.append({"mart": mart, "rows": len(rows), "files": files, "description": description})
    finally:
        con.close()
    return written

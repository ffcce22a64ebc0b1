"""Extracts of every mart, published with the report (`extraits/`): XLSX for Excel, CSV, and HXL-tagged CSV for the
marts humanitarian tools read.

- `<mart>.xlsx`: the rows (header frozen, autofilter, amounts and dates in formats Excel shows the French way; beside
  each code of a vocabulary its French and English labels, from the seeds) and a `LISEZMOI` sheet with the mart's
  description and columns (from the model's YAML, its dbt docs), the run date and the rules versions. A mart of more
  than XLSX_MAX_ROWS rows, and the calendar (CSV_ONLY), get their CSV only.
- `<mart>.csv`: UTF-8 with a BOM, `;` between fields and decimal commas, so French Excel opens it as columns.
- `<mart>.hxl.csv` (who funds what where, funding flows): `,` and decimal points, HXL hashtags on row 2.

A text beginning with `=`, `+`, `-`, `@`, a tab or a carriage return is written as text, never as a formula: XLSX
strings are never turned into formulas, and the CSVs are written by report/csv_files.py, which quotes them. The files
depend only on the warehouse and the run date, so a re-run writes the same bytes.
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import duckdb
import xlsxwriter
import yaml

from config import DBT_PROJECT_DIR
from report.csv_files import write_csv

XLSX_MAX_ROWS = 200_000  # beyond, Excel is the wrong tool: the CSV only (streamed)
# The calendar is generated from the project's settings, not reported by anyone: a CSV for joins, no workbook (its
# 18 628 days were most of the cells the report wrote each night).
CSV_ONLY = {"dim_dates"}
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
# Coded columns and the seed (schema reference) holding their labels: (seed, key column, field filter or None).
LABEL_SEEDS = {
    "computed_status": ("commitment_statuses", "computed_status", None),
    "trajectory_status": ("commitment_statuses", "computed_status", None),
    "status_reported": ("reported_statuses", "status_reported", None),
    "sector_id": ("sectors", "sector_id", None),
    **{
        field: ("code_labels", "code", field)
        for field in (
            "nutrition_category",
            "budget_version",
            "budget_level",
            "budget_side",
            "economic_nature",
            "funding_origin",
            "commitment_kind",
            "flow_stage",
        )
    },
}


def _labelled_select(mart: str, columns: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
    """The mart's rows with `<code>_libelle` and `<code>_label` after each coded column, and the columns so made."""
    cells, joins, out = [], [], []
    for name, sql_type in columns:
        cells.append(f'rows."{name}"')
        out.append((name, sql_type))
        if name in LABEL_SEEDS:
            seed, key, field = LABEL_SEEDS[name]
            alias = f"labels_{len(joins)}"
            only = f" AND {alias}.field = '{field}'" if field else ""
            joins.append(f'LEFT JOIN reference.{seed} AS {alias} ON {alias}."{key}" = rows."{name}"{only}')
            cells += [f'{alias}.label_fr AS "{name}_libelle"', f'{alias}.label_en AS "{name}_label"']
            out += [(f"{name}_libelle", "VARCHAR"), (f"{name}_label", "VARCHAR")]
    order = ", ".join(f'rows."{name}"' for name, _ in columns)
    select = f"SELECT {', '.join(cells)} FROM marts.{mart} AS rows {' '.join(joins)} ORDER BY {order}"
    return select, out


def _rows(cursor, batch: int = 10_000):
    """The cursor's rows, fetched in batches: a mart of any size streams through the CSV writer."""
    while rows := cursor.fetchmany(batch):
        yield from rows


def model_documentation(mart: str) -> tuple[str, dict[str, str]]:
    """The mart's description and its columns' descriptions, from its YAML beside the model."""
    for path in (DBT_PROJECT_DIR / "models").rglob(f"{mart}.yml"):
        # libyaml's safe loader: the pure-Python one took a third of the extracts' time on the sample.
        documented = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        model = next(m for m in documented["models"] if m["name"] == mart)
        columns = {c["name"]: (c.get("description") or "").strip() for c in model.get("columns", [])}
        return (model.get("description") or "").strip(), columns
    return "", {}


# An Excel date is a day number from this epoch, for dates after Excel's phantom 29 February 1900.
EXCEL_EPOCH, EXCEL_SERIALS_EXACT_FROM = dt.date(1899, 12, 30), dt.date(1900, 3, 1)


def _write_row(sheet, r: int, row: tuple, formats: dict) -> None:
    for c, value in enumerate(row):
        if value is None:
            continue
        if isinstance(value, decimal.Decimal):
            sheet.write_number(r, c, float(value))
        elif isinstance(value, dt.datetime):
            sheet.write_datetime(r, c, value)
        elif isinstance(value, dt.date) and value >= EXCEL_SERIALS_EXACT_FROM:
            sheet.write_number(r, c, (value - EXCEL_EPOCH).days, formats["date"])  # what write_datetime writes
        elif isinstance(value, dt.date):
            sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), formats["date"])
        elif isinstance(value, list):
            sheet.write_string(r, c, " ; ".join(map(str, value)))
        else:
            sheet.write(r, c, value)


def _write_xlsx(path: Path, mart: str, cursor, columns: list[tuple[str, str]], about: list[tuple], day: dt.date):
    """The rows of `cursor`, fetched in batches and written row by row (XlsxWriter's constant-memory mode)."""
    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(str(path), options | {"constant_memory": True})
    workbook.set_properties(
        {"title": mart, "created": dt.datetime.combine(day, dt.time()), "author": "Entrepôt budget Mali"}
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#DCEFE7"})
    formats = {
        "amount": workbook.add_format({"num_format": "#,##0"}),
        "rate": workbook.add_format({"num_format": "0.0%"}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
    }
    sheet = workbook.add_worksheet("données")
    for c, (name, sql_type) in enumerate(columns):
        kind = "rate" if sql_type == "DOUBLE" and ("rate" in name or "share" in name) else None
        kind = "amount" if sql_type.startswith("DECIMAL") else "date" if sql_type == "DATE" else kind
        sheet.set_column(c, c, 18, formats.get(kind))
    sheet.write_row(0, 0, [name for name, _ in columns], bold)
    sheet.freeze_panes(1, 0)
    r = 0
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            r += 1
            _write_row(sheet, r, row, formats)
    sheet.autofilter(0, 0, max(r, 1), len(columns) - 1)
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
        listed = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1")
        marts = [m for (m,) in listed.fetchall()]
        versions = con.execute(
            "SELECT max(tagging_rules_version), max(nutrition_weights_version) FROM marts.fct_budget_allocations"
        ).fetchone()
        for mart in marts:
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ? "
                "ORDER BY column_index",
                [mart],
            ).fetchall()
            names = [name for name, _ in columns]
            [(rows,)] = con.execute(f"SELECT count(*) FROM marts.{mart}").fetchall()
            description, documented = model_documentation(mart)
            about = [
                ("Extrait / extract", f"marts.{mart}"),
                ("Description", description),
                ("Données au / data as of", run_date.isoformat()),
                ("Lignes / rows", str(rows)),
                ("Règles de marquage / tagging rules", str(versions[0] or "")),
                ("Pondérations / weights", str(versions[1] or "")),
                ("Colonnes / columns", ""),
                *[(name, documented.get(name, "")) for name in names],
            ]
            files = []
            if rows <= XLSX_MAX_ROWS and mart not in CSV_ONLY:
                select, labelled = _labelled_select(mart, columns)
                labels = [(n, "Libellé de / label of " + n.rsplit("_", 1)[0]) for n, _ in labelled if n not in names]
                _write_xlsx(out_dir / f"{mart}.xlsx", mart, con.execute(select), labelled, about + labels, run_date)
                files.append(f"{mart}.xlsx")
            select = f"SELECT * FROM marts.{mart} ORDER BY ALL"
            write_csv(out_dir / f"{mart}.csv", [names], _rows(con.execute(select)), ";")
            files.append(f"{mart}.csv")
            if mart in HXL_TAGS:
                tags = [HXL_TAGS[mart].get(n, "") for n in names]
                write_csv(out_dir / f"{mart}.hxl.csv", [names, tags], _rows(con.execute(select)), ",")
                files.append(f"{mart}.hxl.csv")
            written.append({"mart": mart, "rows": rows, "files": files, "description": description})
    finally:
        con.close()
    return written

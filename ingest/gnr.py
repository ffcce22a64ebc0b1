"""The Global Nutrition Report's Nutrition Accountability Framework export (Nutrition for Growth commitments).

Four CSV files published together, recognised by their headers, whatever their names:
`commitments` (one row per commitment: id2, userId, title, fullcommitment, cost_curr, cost_amount, usd_equiv ...)
-> raw.gnr_commitments; `goals` (1:n per commitment: goal_id, id2, type, start_date, end_date, ind_* ...)
-> raw.gnr_goals; `organisations` (userId, organisation, country, org_type ...) -> raw.gnr_organisations; the
`codebook` documents the variables and is not data (rejected with that reason). The files are cp1252 with line
breaks inside quoted fields; ids start with the apostrophe Excel writes before a number kept as text.

Every row keeps its record number as the line Excel shows it (the header is line 1). Free text is redacted like the
other sources; the organisations' websites, cities and any e-mail or phone number are not kept. A row missing one of
its identifiers (a commitment's id2 or userId, a goal's goal_id or id2) is rejected alone; a date no source can mean
(config/plausibility.yml) is cleared, its row loaded, each with its reason in ops.rejects.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from ingest import plausibility, tabular
from ingest.errors import InputError
from ingest.records import insert_rejects
from ingest.schemas import MONEY
from ingest.values import REASONS, redacted_sql

LINEAGE = "file_id BIGINT NOT NULL, line_number BIGINT NOT NULL, load_batch VARCHAR NOT NULL"

# table -> (headers that recognise the file, {column: (SQL type, SQL expression over the file's columns)})
TABLES = {
    "raw.gnr_commitments": (
        {"id2", "userId", "fullcommitment", "cost_curr"},
        {
            "commitment_id": ("VARCHAR", "id2"),
            "user_id": ("VARCHAR", "userId"),
            "made_on": ("DATE", "parse_date(date_time)"),
            "title": ("VARCHAR", "title"),
            "description": ("VARCHAR", "fullcommitment"),
            "currency_text": ("VARCHAR", "cost_curr"),
            "currency": ("VARCHAR", "parse_currency(cost_curr)"),
            "cost_amount": (MONEY, "parse_amount(cost_amount)"),
            "usd_equiv": (MONEY, "parse_amount(usd_equiv)"),
            "funder": ("VARCHAR", "funder"),
            "goal_count": ("INTEGER", "TRY_CAST(n_goals AS INTEGER)"),
            "approval_status": ("VARCHAR", "approval_status"),
            "language": ("VARCHAR", "language"),
        },
    ),
    "raw.gnr_goals": (
        {"goal_id", "id2", "ind_target"},
        {
            "goal_id": ("VARCHAR", "goal_id"),
            "commitment_id": ("VARCHAR", "id2"),
            "goal": ("VARCHAR", "goal"),
            "goal_type": ("VARCHAR", "type"),
            "geographic_area": ("VARCHAR", "geoarea"),
            "country": ("VARCHAR", "action_area"),
            "start_date": ("DATE", "parse_date(start_date)"),
            "end_date": ("DATE", "parse_date(end_date)"),
            "indicator": ("VARCHAR", "ind_nameunit"),
            "baseline": ("VARCHAR", "ind_bas"),
            "baseline_year": ("INTEGER", "TRY_CAST(ind_bas_year AS INTEGER)"),
            "target": ("VARCHAR", "ind_target"),
            "nutrition_action_category": ("VARCHAR", '"Nutrition action category"'),
        },
    ),
    "raw.gnr_organisations": (
        {"userId", "organisation", "org_type"},
        {
            "user_id": ("VARCHAR", "userId"),
            "organisation": ("VARCHAR", "organisation"),
            "country": ("VARCHAR", "country"),
            "organisation_type": ("VARCHAR", "org_type"),
        },
    ),
}
CODEBOOK = {"Document", "Variable name", "Description"}
# Text columns whose cells are free text (redacted); ids lose Excel's leading apostrophe.
ID_COLUMNS = {"commitment_id", "goal_id", "user_id"}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, (_, columns) in TABLES.items():
        cols = ", ".join(f"{c} {t}" for c, (t, _) in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({LINEAGE}, {cols})")


def _header(text: tabular.CsvText) -> list[str]:
    with open(text.path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh, delimiter=text.delimiter), [])


def export_table(path: Path) -> str | None:
    """The raw table a GNR export file lands in, 'codebook', or None when the file is not one of them (read from
    the first line only: every CSV of the inbox is asked)."""
    if path.suffix.lower() != ".csv":
        return None
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    text = head.decode(tabular.decide_encoding(head, whole=len(head) < 1 << 16), errors="replace").lstrip("\ufeff")
    # The first physical line, whatever the line ends (old Mac files end lines with CR alone).
    header = {h.strip() for h in next(csv.reader(text.splitlines()[:1]), [])}
    if CODEBOOK <= header:
        return "codebook"
    return next((table for table, (signature, _) in TABLES.items() if signature <= header), None)


def load(con: duckdb.DuckDBPyConnection, path: Path, table: str, file_id: int, file_name: str, load_batch: str):
    """Land one export file; returns (tables, rows read, loaded, rejected, extra)."""
    if table == "codebook":
        raise InputError(
            "dictionnaire des variables de l'export GNR : de la documentation, pas des données / "
            "the GNR export's codebook: documentation, not data"
        )
    _, columns = TABLES[table]
    text = tabular.prepare_csv(path)
    try:
        header = [h.strip() for h in _header(text)]
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE gnr_cells AS SELECT * FROM read_csv('{text.path}', header = true, "
            f"delim = '{text.delimiter}', quote = '\"', escape = '\"', all_varchar = true, parallel = false, "
            f"strict_mode = false, null_padding = true, names = {header!r})"
        )
    except duckdb.InvalidInputException as exc:
        raise InputError(f"CSV illisible / unreadable CSV: {exc}") from exc
    finally:
        text.cleanup()
    [(first_rowid,)] = con.execute("SELECT coalesce(min(rowid), 0) FROM gnr_cells").fetchall()
    selects = []
    for column, (sql_type, expression) in columns.items():
        if column in ID_COLUMNS:
            value = f"nullif(ltrim(trim({expression}), ''''), '')"
        elif sql_type == "VARCHAR" and (expression.isidentifier() or expression.startswith('"')):
            value = f"nullif({redacted_sql(expression)}, '')"
        else:
            value = expression
        selects.append(f"CAST({value} AS {sql_type}) AS {column}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE gnr_rows AS
        SELECT rowid - {first_rowid} + 2 AS line_number, {", ".join(selects)} FROM gnr_cells""")
    # The first identifier the row lacks, in the export's own header words.
    ids = [c for c in columns if c in ID_COLUMNS]
    missing = " ".join(f"WHEN {c} IS NULL THEN '{columns[c][1]}'" for c in ids)
    rejects = con.execute(
        f"SELECT line_number, CASE {missing} END AS id_column, NULL, 'identifiant manquant', 'identifier missing' "
        "FROM gnr_rows WHERE id_column IS NOT NULL ORDER BY line_number"
    ).fetchall()
    rejected = {line for line, *_ in rejects}
    earliest, latest = plausibility.date_bounds()
    fr, en = REASONS["implausible_date"]
    cleared = []
    for column in (c for c, (sql_type, _) in columns.items() if sql_type == "DATE"):
        outside = f"{column} NOT BETWEEN DATE '{earliest}' AND DATE '{latest}'"
        cleared += [
            (
                line,
                columns[column][1].removeprefix("parse_date(").removesuffix(")"),
                written,
                f"{fr} : cellule laissée vide, ligne chargée",
                f"{en}: cell left empty, row loaded",
            )
            for line, written in con.execute(
                f"SELECT line_number, CAST({column} AS VARCHAR) FROM gnr_rows WHERE {outside}"
            ).fetchall()
            if line not in rejected
        ]
        con.execute(f"UPDATE gnr_rows SET {column} = NULL WHERE {outside}")
    names = ", ".join(columns)
    con.execute(
        f"INSERT INTO {table} (file_id, line_number, load_batch, {names}) "
        f"SELECT ?, line_number, ?, {names} FROM gnr_rows WHERE {' AND '.join(f'{c} IS NOT NULL' for c in ids)}",
        [file_id, load_batch],
    )
    [(read,)] = con.execute("SELECT count(*) FROM gnr_rows").fetchall()
    insert_rejects(con, file_id, file_name, rejects, load_batch)
    insert_rejects(con, file_id, file_name, cleared, load_batch, action="cleared")
    con.execute("DROP TABLE gnr_rows")
    con.execute("DROP TABLE gnr_cells")
    notes = [f"export GNR (Nutrition Accountability Framework) : {table} / GNR export: {table}"]
    return [table], read, read - len(rejects), len(rejects), {"encoding": text.encoding, "notes": notes}

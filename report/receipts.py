"""One receipt per file ("accusé de réception"), in French and in English, published with the report.

It tells the sender what became of their file: rows read, loaded, held back, skipped and rejected; each problem
with its sheet, line, column and raw value; the failed expectations of a held-back file; the rules that decided
its encoding, currency and shares. A CSV beside it lists every problem, for a spreadsheet.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from report.query import rows

LINES_SHOWN = 500  # on the page; the CSV has them all

WORDS = {
    "fr": {
        "title": "Accusé de réception",
        "other": "English",
        "file": "Fichier",
        "received": "Reçu le",
        "status": "Statut",
        "kind": "Type",
        "read": "Lignes lues",
        "loaded": "Chargées",
        "held_back": "Retenues",
        "skipped": "Écartées",
        "rejected": "Rejetées",
        "reason": "Motif",
        "profiles": "Profils d'import appliqués",
        "suggested": "Profil d'import suggéré : vérifiez-le, enregistrez-le dans inbox/_profils/ et relancez la nuit",
        "decisions": "Règles appliquées",
        "problems": "Lignes et cellules à corriger",
        "sheet": "Feuille",
        "line": "Ligne",
        "column": "Colonne",
        "value": "Valeur lue",
        "what": "Suite donnée",
        "none": "Aucune.",
        "currencies": "Devises des lignes chargées",
        "shares": "Répartition des montants (parts)",
        "assumed": "supposée",
        "more": "lignes de plus dans le fichier CSV",
        "csv": "Toutes les lignes (CSV)",
        "statuses": {
            "loaded": "chargé",
            "held_back": "retenu : la version précédente reste en vigueur",
            "rejected": "rejeté",
            "duplicate": "doublon d'un fichier déjà reçu",
        },
        "actions": {
            "rejected": "ligne rejetée",
            "skipped": "ligne écartée (pas une ligne de données)",
            "cleared": "cellule laissée vide, ligne chargée",
            "part_rejected": "partie rejetée, le reste chargé",
            "held_back": "ligne en défaut, fichier retenu",
        },
        "send_back": "Corrigez les lignes ci-dessous dans votre fichier et renvoyez-le : il remplacera celui-ci.",
    },
    "en": {
        "title": "Receipt",
        "other": "Français",
        "file": "File",
        "received": "Received on",
        "status": "Status",
        "kind": "Kind",
        "read": "Rows read",
        "loaded": "Loaded",
        "held_back": "Held back",
        "skipped": "Skipped",
        "rejected": "Rejected",
        "reason": "Reason",
        "profiles": "Import profiles applied",
        "suggested": "Suggested import profile: check it, save it under inbox/_profils/ and rerun the night",
        "decisions": "Rules applied",
        "problems": "Lines and cells to correct",
        "sheet": "Sheet",
        "line": "Line",
        "column": "Column",
        "value": "Value read",
        "what": "What was done",
        "none": "None.",
        "currencies": "Currencies of the rows loaded",
        "shares": "How amounts were shared",
        "assumed": "assumed",
        "more": "more lines in the CSV file",
        "csv": "Every line (CSV)",
        "statuses": {
            "loaded": "loaded",
            "held_back": "held back: the previous version stays in force",
            "rejected": "rejected",
            "duplicate": "duplicate of a file already received",
        },
        "actions": {
            "rejected": "row rejected",
            "skipped": "row skipped (not a data row)",
            "cleared": "cell left empty, row loaded",
            "part_rejected": "part rejected, the rest loaded",
            "held_back": "failing line, file held back",
        },
        "send_back": "Correct the lines below in your file and send it again: it will replace this one.",
    },
}


def receipt_name(file_id: int) -> str:
    return f"fichier-{file_id}.html"


def _currencies(con, file_id: int) -> list[dict]:
    from ingest.schemas import TABULAR_SCHEMAS

    tabular = " UNION ALL ".join(
        f"SELECT currency, currency_assumed FROM {s.table} WHERE file_id = {file_id}" for s in TABULAR_SCHEMAS
    )
    return rows(
        con,
        f"""
        SELECT currency, count(*) AS rows, count(*) FILTER (currency_assumed) AS assumed FROM (
            {tabular}
            UNION ALL SELECT currency_original, false FROM marts.fct_funding_flows
            WHERE source_file_id = {file_id} AND source_system <> 'partner_report')
        GROUP BY ALL ORDER BY rows DESC, currency NULLS LAST""",
    )


def write_receipts(warehouse: Path, out_dir: Path) -> dict[int, str]:
    """out_dir/fr/ and out_dir/en/ receipts of every file; returns file_id -> page name."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True, undefined=StrictUndefined
    )
    template = env.get_template("receipt.html.j2")
    pages = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for f in rows(con, "SELECT * FROM ops.files ORDER BY file_id"):
            page = receipt_name(f["file_id"])
            problems = rows(
                con,
                """
                SELECT sheet, line_number, column_name, raw_value, reason_fr, reason_en, action FROM ops.rejects
                WHERE file_id = ? ORDER BY sheet NULLS FIRST, line_number, column_name""",
                [f["file_id"]],
            )
            shares = rows(
                con,
                """
                SELECT a.dimension, a.share_rule, count(*) AS n FROM marts.fct_funding_allocations a
                JOIN marts.fct_funding_flows fl USING (funding_flow_id)
                WHERE fl.source_file_id = ? GROUP BY ALL ORDER BY ALL""",
                [f["file_id"]],
            )
            currencies = _currencies(con, f["file_id"])
            csv_name = page.replace(".html", ".csv")
            profile_name = page.replace(".html", "-profil-suggere.yml") if f["suggested_profile"] else None
            for lang, other in (("fr", "en"), ("en", "fr")):
                folder = out_dir / lang
                folder.mkdir(parents=True, exist_ok=True)
                (folder / page).write_text(
                    template.render(
                        lang=lang,
                        other=other,
                        page=page,
                        w=WORDS[lang],
                        f=f,
                        problems=problems,
                        shown=LINES_SHOWN,
                        shares=shares,
                        currencies=currencies,
                        csv_name=csv_name,
                        profile_name=profile_name,
                    ),
                    encoding="utf-8",
                )
                if profile_name:
                    (folder / profile_name).write_text(f["suggested_profile"], encoding="utf-8")
                if problems:
                    _write_csv(folder / csv_name, problems, lang)
            pages[f["file_id"]] = page
    finally:
        con.close()
    return pages


def _write_csv(path: Path, problems: list[dict], lang: str) -> None:
    """UTF-8 with a BOM and ';' so that Excel opens it as columns; a value Excel would run as a formula is quoted."""
    w = WORDS[lang]
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow([w["sheet"], w["line"], w["column"], w["value"], w["reason"], w["what"]])
        for p in problems:
            raw = p["raw_value"] or ""
            writer.writerow(
                [
                    p["sheet"] or "",
                    p["line_number"],
                    p["column_name"] or "",
                    "'" + raw if raw[:1] in ("=", "+", "-", "@") else raw,
                    p[f"reason_{lang}"],
                    w["actions"].get(p["action"], p["action"]),
                ]
            )

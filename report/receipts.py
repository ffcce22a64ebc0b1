"""One receipt per file ("accusé de réception"), in French and in English, published with the report.

It tells the sender what became of their file: rows read, loaded, held back, skipped and rejected; each problem
with its sheet, line, column and raw value; the failed expectations of a held-back file; the rules that decided
its encoding, currency and shares. A CSV beside it lists every problem, for a spreadsheet.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from report import i18n
from report.csv_files import write_csv
from report.query import rows

LINES_SHOWN = 500  # on the page; the CSV has them all
# The load batch of a file checked now (warehouse/check.py): its receipt says what the night will do, nothing loaded.
CHECK_BATCH = "verification"


def _(message: str) -> str:
    """Marks a string for the catalog (report/i18n.py); it is translated where it is shown."""
    return message


STATUSES = {
    "loaded": _("chargé"),
    "held_back": _("retenu : la version précédente reste en vigueur"),
    "rejected": _("rejeté"),
    "duplicate": _("doublon d'un fichier déjà reçu"),
    "internal_error": _("non lu : erreur de notre part, pas de votre fichier ; il sera relu à chaque nuit"),
}
ACTIONS = {
    "rejected": _("ligne rejetée"),
    "skipped": _("ligne écartée (pas une ligne de données)"),
    "cleared": _("cellule laissée vide, ligne chargée"),
    "part_rejected": _("partie rejetée, le reste chargé"),
    "held_back": _("ligne en défaut, fichier retenu"),
}
CSV_HEADER = [_("Feuille"), _("Ligne"), _("Colonne"), _("Valeur lue"), _("Motif"), _("Suite donnée")]


def receipt_name(file_id: int) -> str:
    return f"fichier-{file_id}.html"


def _currencies(con, file_id: int, modelled: bool) -> list[dict]:
    from ingest.schemas import TABULAR_SCHEMAS

    tabular = " UNION ALL ".join(
        f"SELECT currency, currency_assumed FROM {s.table} WHERE file_id = {file_id}" for s in TABULAR_SCHEMAS
    )
    flows = f"""
            UNION ALL SELECT currency_original, false FROM marts.fct_funding_flows
            WHERE source_file_id = {file_id} AND source_system <> 'partner_report'"""
    return rows(
        con,
        f"""
        SELECT currency, count(*) AS rows, count(*) FILTER (currency_assumed) AS assumed FROM (
            {tabular}{flows if modelled else ""})
        GROUP BY ALL ORDER BY rows DESC, currency NULLS LAST""",
    )


def write_receipts(warehouse: Path, out_dir: Path, file_ids: list[int] | None = None) -> dict[int, str]:
    """out_dir/fr/ and out_dir/en/ receipts of every file (or of `file_ids`); returns file_id -> page name.

    A warehouse whose models were not built on the file (a file checked now, warehouse/check.py) gives a receipt
    without what only the models decide (the shares, the currencies of IATI and FTS flows)."""
    templates = {lang: i18n.environment(lang).get_template("receipt.html.j2") for lang in i18n.LANGUAGES}
    pages = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        [(modelled,)] = con.execute(
            "SELECT count(*) = 2 FROM duckdb_tables() WHERE schema_name = 'marts' "
            "AND table_name IN ('fct_funding_flows', 'fct_funding_allocations')"
        ).fetchall()
        chosen = rows(
            con, "SELECT * FROM ops.files WHERE ? IS NULL OR list_contains(?, file_id) ORDER BY file_id", [file_ids] * 2
        )
        for f in chosen:
            page = receipt_name(f["file_id"])
            problems = rows(
                con,
                """
                SELECT sheet, line_number, column_name, raw_value, reason_fr, reason_en, action FROM ops.rejects
                WHERE file_id = ? ORDER BY sheet NULLS FIRST, line_number, column_name""",
                [f["file_id"]],
            )
            shares = (
                rows(
                    con,
                    """
                SELECT a.dimension, a.share_rule, count(*) AS n FROM marts.fct_funding_allocations a
                JOIN marts.fct_funding_flows fl USING (funding_flow_id)
                WHERE fl.source_file_id = ? GROUP BY ALL ORDER BY ALL""",
                    [f["file_id"]],
                )
                if modelled
                else []
            )
            currencies = _currencies(con, f["file_id"], modelled)
            csv_name = page.replace(".html", ".csv")
            profile_name = page.replace(".html", "-profil-suggere.yml") if f["suggested_profile"] else None
            for lang, other in (("fr", "en"), ("en", "fr")):
                folder = out_dir / lang
                folder.mkdir(parents=True, exist_ok=True)
                (folder / page).write_text(
                    templates[lang].render(
                        other=other,
                        page=page,
                        statuses=STATUSES,
                        actions=ACTIONS,
                        f=f,
                        problems=problems,
                        shown=LINES_SHOWN,
                        shares=shares,
                        currencies=currencies,
                        csv_name=csv_name,
                        profile_name=profile_name,
                        checked_now=f["load_batch"] == CHECK_BATCH,
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
    """Every problem of the file, for a spreadsheet (report/csv_files.py: nothing in it runs as a formula)."""
    translate = i18n.translations(lang).gettext
    write_csv(
        path,
        [[translate(word) for word in CSV_HEADER]],
        (
            [
                p["sheet"],
                p["line_number"],
                p["column_name"],
                p["raw_value"],
                p[f"reason_{lang}"],
                translate(ACTIONS.get(p["action"], p["action"])),
            ]
            for p in problems
        ),
    )

"""The canonical template of each tabular input: an XLSX with the accepted headers, an HXL row, and drop-down
lists for regions, cercles, sectors and statuses built from the reference data.

    python -m ingest.templates OUT_DIR
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from config import DBT_PROJECT_DIR
from ingest.schemas import TABULAR_SCHEMAS, Schema

PCODES = DBT_PROJECT_DIR / "seeds" / "mali_pcodes_adm1_adm2_2021.csv"
# The sector list the models map names to (dbt_project/seeds/sectors.csv): a template offers all of it.
SECTORS = DBT_PROJECT_DIR / "seeds" / "sectors.csv"
# The statuses a tracker's drop-down list offers, as the models read them (dbt_project/seeds/reported_statuses.csv).
REPORTED_STATUSES = DBT_PROJECT_DIR / "seeds" / "reported_statuses.csv"
LISTS = {
    "status": ["Planifié", "En cours", "Achevé", "Suspendu", "Annulé"],
    "budget_version": ["Loi de finances initiale", "Loi de finances rectificative"],
    "level": ["National", "Région", "Cercle", "Commune"],
    "commitment_kind": ["Financier", "Politique", "Programme"],
    "currency": ["XOF", "EUR", "USD"],
}
# The date a template says it was made and its zip entries' dates: fixed, so a night that changes nothing publishes
# the same bytes (a template is made of the schemas and the seeds alone, never of the night).
MADE_ON = dt.datetime(2026, 1, 1)


def _places() -> tuple[list[str], list[str], list[str], list[str]]:
    with open(PCODES, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    regions = [r for r in rows if r["Admin Level"] == "1"]
    cercles = [r for r in rows if r["Admin Level"] == "2"]
    return (
        [r["Name"] for r in regions],
        [r["P-Code"] for r in regions],
        [r["Name"] for r in cercles],
        [r["P-Code"] for r in cercles],
    )


def _sectors() -> list[str]:
    with open(SECTORS, encoding="utf-8") as fh:
        return [r["label_fr"] for r in csv.DictReader(fh)]


def _reported_statuses() -> list[str]:
    with open(REPORTED_STATUSES, encoding="utf-8") as fh:
        offered = [r for r in csv.DictReader(fh) if r["template_order"]]
    return [r["label_fr"] for r in sorted(offered, key=lambda r: int(r["template_order"]))]


def _list_for(schema: Schema, field_name: str) -> str | None:
    if field_name == "status":
        return "commitment_status" if schema.kind == "commitment" else "status"
    return {
        "region": "region",
        "region_pcode": "region_pcode",
        "cercle": "cercle",
        "cercle_pcode": "cercle_pcode",
        "sector": "sector",
        "budget_version": "budget_version",
        "level": "level",
        "commitment_kind": "commitment_kind",
        "currency": "currency",
    }.get(field_name)


def write_template(schema: Schema, out_dir: Path) -> Path:
    region_names, region_codes, cercle_names, cercle_codes = _places()
    values = LISTS | {
        "region": region_names,
        "region_pcode": region_codes,
        "cercle": cercle_names,
        "cercle_pcode": cercle_codes,
        "sector": _sectors(),
        "commitment_status": _reported_statuses(),
    }
    wb = Workbook()
    sheet = wb.active
    sheet.title = schema.label_fr[:31]
    lists = wb.create_sheet("Listes")
    sheet.append([f.label_fr for f in schema.fields])
    sheet.append([f.hxl[0] if f.hxl else "" for f in schema.fields])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCEFE7")
    for index, f in enumerate(schema.fields, 1):
        column = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[column].width = max(14, len(f.label_fr) + 2)
        name = _list_for(schema, f.name)
        if name is None:
            continue
        list_column = lists.cell(row=1, column=index).column_letter
        lists.cell(row=1, column=index, value=name)
        for row, value in enumerate(values[name], 2):
            lists.cell(row=row, column=index, value=value)
        rule = DataValidation(
            type="list",
            formula1=f"=Listes!${list_column}$2:${list_column}${len(values[name]) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Valeur non prévue",
            error="Choisissez une valeur de la liste (onglet Listes).",
        )
        sheet.add_data_validation(rule)
        rule.add(f"{column}3:{column}5000")
    lists.sheet_state = "hidden"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"modele_{schema.folder}.xlsx"
    _save_dated(wb, path)
    return path


def _save_dated(wb: Workbook, path: Path) -> None:
    """As openpyxl's save, but dated MADE_ON: its workbook properties (openpyxl's save sets `modified` to now) and
    every zip entry (zipfile dates them now)."""
    wb.properties.created = wb.properties.modified = MADE_ON
    made = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(made, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(made) as written, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in written.infolist():
            dated = zipfile.ZipInfo(entry.filename, MADE_ON.timetuple()[:6])
            dated.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(dated, written.read(entry))


def write_templates(out_dir: Path) -> list[Path]:
    return [write_template(schema, out_dir) for schema in TABULAR_SCHEMAS]


if __name__ == "__main__":
    for written in write_templates(Path(sys.argv[1] if len(sys.argv) > 1 else "modeles")):
        print(written)

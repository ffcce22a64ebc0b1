"""One messy partner report per trap of French Excel, written as CSV and as XLSX, read back to the same values."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook

from ingest.inbox import ingest_inbox
from tests.conftest import query, with_inbox_settings

HEADER = ["Partenaire", "Secteur", "Région", "Montant dépensé", "Date de début"]
# trap -> (header, data row, expected (partner, sector, region, amount_spent, currency, period_start))
TRAPS = {
    "espaces insécables et FCFA": (
        HEADER,
        ["ACF", "Nutrition", "Mopti", "1\u00a0200\u00a0000 FCFA", "22/11/2016"],
        ("ACF", "Nutrition", "Mopti", 1_200_000, "XOF", dt.date(2016, 11, 22)),
    ),
    "points de milliers et F CFA": (
        HEADER,
        ["ACF", "Nutrition", "Mopti", "1.200.000 F CFA", "2016-11-22"],
        ("ACF", "Nutrition", "Mopti", 1_200_000, "XOF", dt.date(2016, 11, 22)),
    ),
    "virgule décimale": (
        HEADER,
        ["ACF", "Nutrition", "Mopti", "1 200 000,50", "22 novembre 2016"],
        # No currency anywhere: unknown, never assumed.
        ("ACF", "Nutrition", "Mopti", 1_200_000.5, None, dt.date(2016, 11, 22)),
    ),
    "dollars dans la cellule": (
        HEADER,
        ["ACF", "Nutrition", "Mopti", "$2,000,000.00", "42696"],
        ("ACF", "Nutrition", "Mopti", 2_000_000, "USD", dt.date(2016, 11, 22)),
    ),
    "XOF dans la cellule": (
        HEADER,
        ["ACF", "Nutrition", "Mopti", "35 000 XOF", "1er décembre 2014"],
        ("ACF", "Nutrition", "Mopti", 35_000, "XOF", dt.date(2014, 12, 1)),
    ),
    "millions dans l'en-tête": (
        ["Partenaire", "Secteur", "Région", "Montant dépensé (millions de FCFA)", "Date de début"],
        ["ACF", "Nutrition", "Mopti", "1,5", "22/11/2016"],
        ("ACF", "Nutrition", "Mopti", 1_500_000, "XOF", dt.date(2016, 11, 22)),
    ),
    "en-têtes anglais en capitales": (
        ["ORGANIZATION", "SECTOR", "REGION", "AMOUNT SPENT (USD)", "START DATE"],
        ["ACF", "Nutrition", "Mopti", "2500", "22/11/2016"],
        ("ACF", "Nutrition", "Mopti", 2_500, "USD", dt.date(2016, 11, 22)),
    ),
    "en-têtes sans accents": (
        ["partenaire", "secteur", "region", "montant depense", "date de debut"],
        ["ACF", "Nutrition", "Segou", "10 000", "22/11/2016"],
        ("ACF", "Nutrition", "Segou", 10_000, None, dt.date(2016, 11, 22)),
    ),
}


def _write_csv(path, header, row, encoding="utf-8", sep=";", hxl=False, title=True):
    lines = (["Rapport trimestriel - Cluster Nutrition", ""] if title else []) + [sep.join(header)]
    if hxl:
        lines.append(sep.join(["#org", "#sector", "#adm1+name", "#value+spent", "#date+start"]))
    quoted = [f'"{v}"' if sep in v else v for v in row]
    lines += [sep.join(quoted), "", sep.join(quoted).replace("ACF", "HKI")]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def _write_xlsx(path, header, row, extra_sheet=True):
    wb = Workbook()
    ws = wb.active
    ws.title = "T1"
    ws.append(["Rapport trimestriel - Cluster Nutrition"])
    ws.append([])
    ws.append(header)
    ws.append(row)
    ws.append([])
    ws.append([v.replace("ACF", "HKI") for v in row])
    if extra_sheet:
        wb.create_sheet("Notes").append(["Sources : rapports mensuels"])
    wb.save(path)


def _loaded(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    summary = ingest_inbox(with_inbox_settings(tmp_path / "inbox"), warehouse, "b").as_dict()
    assert summary["rows_rejected"] == 0 and summary["files_rejected"] == 0, summary
    return query(
        warehouse,
        """SELECT partner, sector, region, amount_spent, currency, period_start, line_number
                               FROM raw.partner_reports ORDER BY line_number""",
    )


@pytest.mark.parametrize("trap", TRAPS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_trap_reads_the_same_in_csv_and_xlsx(tmp_path, trap, fmt):
    header, row, expected = TRAPS[trap]
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    if fmt == "csv":
        _write_csv(folder / "rapport.csv", header, row)
    else:
        _write_xlsx(folder / "rapport.xlsx", header, row)
    rows = _loaded(tmp_path)
    assert [r[:6] for r in rows] == [expected, ("HKI",) + expected[1:]]
    assert [r[6] for r in rows] == [4, 6]  # title, blank, header: data on line 4; a blank line; then line 6


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_encodings_separators_and_hxl_rows(tmp_path, encoding, sep):
    header, row, expected = TRAPS["virgule décimale"]
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    _write_csv(folder / "rapport.csv", header, [row[0], row[1], "Ségou", row[3], row[4]], encoding, sep, hxl=True)
    rows = _loaded(tmp_path)
    assert rows[0][:6] == ("ACF", "Nutrition", "Ségou") + expected[3:]
    assert [r[6] for r in rows] == [5, 7]


def test_native_excel_numbers_and_dates(tmp_path):
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    wb = Workbook()
    wb.active.append(HEADER)
    wb.active.append(["ACF", "Nutrition", "Mopti", 1200000.5, dt.datetime(2016, 11, 22)])
    wb.save(folder / "natif.xlsx")
    assert [r[:6] for r in _loaded(tmp_path)] == [
        ("ACF", "Nutrition", "Mopti", 1_200_000.5, None, dt.date(2016, 11, 22))
    ]


def test_filled_templates_read_back(tmp_path):
    from openpyxl import load_workbook

    from ingest.templates import write_templates

    inbox = tmp_path / "inbox"
    written = {p.stem: p for p in write_templates(tmp_path / "modeles")}
    fill = {
        "modele_partner_reports": {
            "Partenaire": "ACF",
            "Secteur": "Nutrition",
            "Région": "Mopti",
            "Montant dépensé": 1000,
            "Début de période": "01/01/2024",
        },
        "modele_budget_lines": {
            "Exercice": 2024,
            "Institution": "Ministère de la Santé",
            "Libellé de la ligne": "Achat d'ATPE",
            "Dotation": 600000000,
            "Devise": "XOF",
        },
        "modele_commitments": {
            "Identifiant": "T-1",
            "Responsable (organisation ou rôle)": "CCN",
            "Description": "Organiser le forum",
            "Échéance": "31/12/2026",
        },
    }
    for stem, values in fill.items():
        wb = load_workbook(written[stem])
        ws = wb.worksheets[0]
        headers = [c.value for c in ws[1]]
        assert ws.data_validations.dataValidation, stem  # drop-down lists are there
        ws.append([values.get(h) for h in headers])
        folder = inbox / stem.removeprefix("modele_")
        folder.mkdir(parents=True)
        wb.save(folder / f"{stem}.xlsx")
    warehouse = tmp_path / "w.duckdb"
    summary = ingest_inbox(with_inbox_settings(inbox), warehouse, "b").as_dict()
    assert (summary["files_loaded"], summary["rows_loaded"], summary["rows_rejected"]) == (3, 3, 0)
    assert query(warehouse, "SELECT dotation FROM raw.budget_lines") == [(600_000_000,)]
    assert query(warehouse, "SELECT line_number FROM raw.commitments") == [(3,)]  # header, HXL row, data


def test_the_templates_offer_the_seeds_lists_and_every_status_offered_is_read_as_itself(tmp_path):
    """The drop-down lists come from the seeds the models read: every sector, and the trackers' statuses, each of
    which the status vocabulary reads back as the status it names."""
    import csv
    import unicodedata

    from openpyxl import load_workbook

    from ingest.templates import write_templates
    from tests.conftest import REPO

    def seed(name):
        with open(REPO / "dbt_project" / "seeds" / f"{name}.csv", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    def offered(stem):
        lists = load_workbook(written[stem])["Listes"]
        return {cell.value for column in lists.iter_cols() for cell in column if cell.value}

    written = {p.stem: p for p in write_templates(tmp_path / "modeles")}
    statuses = {r["label_fr"]: r["status_reported"] for r in seed("reported_statuses") if r["template_order"]}
    assert set(statuses) <= offered("modele_commitments")
    assert {r["label_fr"] for r in seed("sectors")} <= offered("modele_partner_reports")
    vocabulary = {r["status_reported_key"]: r["status_reported"] for r in seed("commitment_status_vocabulary")}
    for label, status in statuses.items():
        key = " ".join(unicodedata.normalize("NFKD", label.lower()).encode("ascii", "ignore").decode().split())
        assert vocabulary.get(key) == status, label

"""Nothing leaks (issue 36): each way a person's data, the machine's files or a formula got into what we publish, as
one small file of its own beside the sample inbox, through a whole night (ingest, dbt, gate, report, extracts).

The people and numbers are invented here, drawn by a seeded generator (never the seeds' people)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from config import Paths
from ingest.inbox import ingest_inbox
from ingest.personal_data import personal_data_in
from report.csv_files import FORMULA_STARTS, write_csv
from tests.conftest import SAMPLE_INBOX, ingest_in_bounded_memory, publish_a_night, query

NIGHT = dt.date(2026, 11, 22)
RNG = random.Random(36)
GIVEN = ["Kadiatou", "Sidiki", "Assétou", "Moctar", "Rokia", "Hamadoun", "Oumou", "Adama"]
FAMILY = ["Sangaré", "Dembélé", "Konaté", "Guindo", "Tangara", "Kanouté", "Doumbia", "Maïga"]


def _person() -> tuple[str, str]:
    return RNG.choice(GIVEN), RNG.choice(FAMILY)


def _mobile() -> str:
    """A Malian mobile number (8 digits, first 6 or 7), invented."""
    return RNG.choice("67") + "".join(RNG.choice("0123456789") for _ in range(7))


def _pairs(number: str, separator: str) -> str:
    return separator.join(number[i : i + 2] for i in range(0, len(number), 2))


PEOPLE = [_person() for _ in range(8)]
PHONES = [_mobile() for _ in range(6)]
EMAIL_LOCAL = f"{PEOPLE[0][0].lower()}.{PEOPLE[0][1].lower().replace('é', 'e')}"
# As people write them: obfuscated e-mails, numbers with +, 00, spaces, dashes or nothing, names after civilities
# in any case and punctuation, and after the words forms put before them.
FREE_TEXTS = [
    f"Sensibilisation, écrire à {EMAIL_LOCAL} [at] ong-sahel.org",
    f"Dépistage, appeler le +223 {_pairs(PHONES[0], '-')}",
    f"Distribution ATPE, 00223 {PHONES[1]}",
    f"Suivi des CSCOM ({PHONES[2]})",
    f"Visite avec Mme. {PEOPLE[1][1]}",
    f"Réunion MME {PEOPLE[2][1].upper()} et partenaires",
    f"Formation, voir Mme {PEOPLE[3][1].lower()} demain",
    f"Madame {PEOPLE[4][0]} {PEOPLE[5][0]} Walet Ag {PEOPLE[4][1]} coordonne",
    f"point focal : {PEOPLE[6][0]} {PEOPLE[6][1].upper()}, tél. {_pairs(PHONES[3], ' ')}",
]
RECEIVER, PARTICIPANT = f"Mr {PEOPLE[7][1]} {PEOPLE[7][0]}", f"Dr {PEOPLE[0][0]} {PEOPLE[5][1]}"
LOCATION = f"Chez Mme {PEOPLE[1][1]}, {_pairs(PHONES[4], ' ')}"
FILE_NAME = f"3W Mme {PEOPLE[2][0]} {PEOPLE[2][1]} +223 {_pairs(PHONES[5], ' ')}.csv"
# What none of the tables and published files may hold, in any case.
MARKERS = (
    [EMAIL_LOCAL]
    + [_pairs(p, s) for p in PHONES for s in (" ", "-", ".")]
    + PHONES
    + [f"{given} {family}" for given, family in PEOPLE]
    + [family for _, family in PEOPLE[1:5]]
)
OUTSIDE_SECRET = "postgres:x:101:104:administrateur-hors-boite"


def _partner_report(path: Path, activities: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        f"ONG Sahel Santé;ECHO;Mopti;Mopti;Nutrition;{activity};01/01/2024;31/12/2024;1 000 000;500 000;XOF"
        for activity in activities
    ]
    path.write_text(
        "Partenaire;Bailleur;Région;Cercle;Secteur;Activité;Date de début;Date de fin;Budget prévu;"
        "Montant dépensé;Devise\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )


def _tracker(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "Identifiant;Cadre;Date de l'engagement;Responsable;Type;Description;Échéance;Statut;Date du statut"
    rows = [
        f"FUITE-{i};Forum nutrition 2024;2024-03-01;Primature;Financier;{text};31/12/2025;En cours;2024-06-30"
        for i, text in enumerate(FREE_TEXTS)
    ]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _iati(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="XOF" humanitarian="1">
  <iati-identifier>XM-FUITES-ML-2024-01</iati-identifier>
  <reporting-org ref="XM-FUITES" type="21"><narrative>ONG Fuites exemple</narrative></reporting-org>
  <title><narrative xml:lang="fr">{FREE_TEXTS[1]}</narrative></title>
  <description><narrative xml:lang="fr">{FREE_TEXTS[8]}</narrative></description>
  <participating-org ref="XM-FUITES" role="1" type="21"><narrative>ONG Fuites exemple</narrative></participating-org>
  <participating-org role="4"><narrative>{PARTICIPANT}</narrative></participating-org>
  <activity-status code="2"/>
  <recipient-country code="ML" percentage="100"/>
  <location><name><narrative>{LOCATION}</narrative></name></location>
  <sector vocabulary="1" code="12240"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-03-15"/>
   <value value-date="2024-03-15">2500000</value>
   <description><narrative>{FREE_TEXTS[0]}</narrative></description>
   <receiver-org><narrative>{RECEIVER}</narrative></receiver-org></transaction>
 </iati-activity>
</iati-activities>
""",
        encoding="utf-8",
    )


def _formulas_workbook(path: Path) -> None:
    """A sheet named as a formula, a column headed as one, texts starting with a tab, a CR, '+', '-', '@', and a row
    whose amount cannot be read (so that the receipt quotes the sheet and the column)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = '=HYPERLINK("evil.example")'
    sheet.append(["Partenaire", "Région", "Secteur", "Activité", "=Budget prévu", "Devise"])
    sheet.append(["ONG Sahel Santé", "Ségou", "Nutrition", '\t=HYPERLINK("evil.example","clic")', 1000, "XOF"])
    sheet.append(["ONG Sahel Santé", "Ségou", "Nutrition", "\r=1+1", 2000, "XOF"])
    sheet.append(["ONG Sahel Santé", "Ségou", "Nutrition", "+cmd|' /C calc'!A0", 3000, "XOF"])
    sheet.append(["@SUM(A1)", "Ségou", "Nutrition", "-2+3", 4000, "XOF"])
    sheet.append(["ONG Sahel Santé", "Ségou", "Nutrition", "Dépistage", "=1+1 FCFA", "XOF"])
    for cell in (sheet["E1"], sheet["E6"]):
        cell.data_type = "s"  # written as text, the way a pasted value is: openpyxl would make them formulas
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    root = tmp_path_factory.mktemp("leaks")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    _partner_report(inbox / "partner_reports" / "contacts_ecrits_librement.csv", FREE_TEXTS)
    _partner_report(inbox / "partner_reports" / FILE_NAME, ["Dépistage communautaire"])
    _tracker(inbox / "commitments" / "suivi_avec_contacts.csv")
    _iati(inbox / "iati" / "personnes.xml")
    _formulas_workbook(inbox / "partner_reports" / "formules.xlsx")
    outside = root / "ailleurs"
    outside.mkdir()
    (outside / "secret.csv").write_text(f"{OUTSIDE_SECRET}\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (inbox / "partner_reports" / "passwd.csv").symlink_to(outside / "secret.csv")
    (inbox / "partner_reports" / "dossier_lie").symlink_to(outside, target_is_directory=True)
    os.mkfifo(inbox / "partner_reports" / "tube.csv")  # a read would wait for ever: it must not be read
    paths = Paths(inbox, root / "warehouse" / "budget.duckdb", root / "reports")
    publish_a_night(paths, "night-leaks", NIGHT)
    return paths


class _VisibleText(HTMLParser):
    """The text a reader sees of a page and its attributes' values (not its scripts, styles nor drawings)."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in {"script", "style", "svg"}
        self.parts += [v for k, v in attrs if v and k in {"title", "alt", "aria-label"}]

    def handle_endtag(self, tag):
        self.hidden -= tag in {"script", "style", "svg"}

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def published(paths, visible: bool = False) -> dict[Path, str]:
    """Every page, receipt, suggested profile, CSV and extract of the published report as text; the PDFs through
    pdftotext; the workbooks' cells. With `visible`, a page is what a reader sees of it (no markup, scripts nor
    drawings, whose coordinates look like anything) and a CSV or workbook is its text cells (never its numbers)."""
    from openpyxl import load_workbook

    texts = {}
    for path in (paths.reports / "latest").resolve().rglob("*"):
        if path.suffix == ".html" and visible:
            page = _VisibleText()
            page.feed(path.read_text(encoding="utf-8"))
            texts[path] = "\n".join(page.parts)
        elif path.suffix == ".csv" and visible:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                delimiter = "," if path.name.endswith(".hxl.csv") else ";"
                texts[path] = "\n".join(c for row in csv.reader(fh, delimiter=delimiter) for c in row if not _number(c))
        elif path.suffix in {".html", ".csv", ".yml", ".json", ".txt"}:
            texts[path] = path.read_text(encoding="utf-8-sig", errors="replace")
        elif path.suffix == ".pdf":
            texts[path] = subprocess.run(
                ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
        elif path.suffix == ".xlsx":
            workbook = load_workbook(path, read_only=True)
            # Its texts; with `visible`, its numbers (amounts, counts) are numbers, not written digits.
            texts[path] = "\n".join(
                ("\n" if visible else "\t").join(
                    str(c) for c in row if c is not None and (isinstance(c, str) or not visible)
                )
                for s in workbook
                for row in s.iter_rows(values_only=True)
            )
    return texts


def _strings(value):
    """The strings of a JSON value (its numbers are numbers)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for v in value.values() if isinstance(value, dict) else value:
            yield from _strings(v)


def text_cells(warehouse: Path):
    """(table.column, value) of every text cell of every table of the warehouse; of a JSON cell, its strings."""
    import json

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE data_type IN ('VARCHAR', 'VARCHAR[]', 'JSON') AND NOT internal"
        ).fetchall()
        for schema, table, column, data_type in columns:
            sql = f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
            for (value,) in con.execute(sql).fetchall():
                for text in _strings(json.loads(value)) if data_type == "JSON" else (value,):
                    yield f"{schema}.{table}.{column}", text
    finally:
        con.close()


def personal_data_left(warehouse: Path, paths) -> list[tuple[str, str, str]]:
    """(where, kind, piece) of what the rules find in every text cell of the warehouse and every line, cell or text
    of the published files; a text that is only digits is an identifier or a number, not a phone written down."""
    texts = list(text_cells(warehouse))
    texts += [(p.name, line) for p, text in published(paths, visible=True).items() for line in text.splitlines()]
    return [
        (where, kind, piece)
        for where, text in texts
        if not text.strip().isdigit()
        for kind, piece in personal_data_in(text)
    ]


def test_the_night_publishes_and_every_leaking_file_is_accounted_for(night):
    files = dict(query(night.warehouse, "SELECT path, status FROM ops.files"))
    assert files["partner_reports/contacts_ecrits_librement.csv"] == "loaded"
    assert files["commitments/suivi_avec_contacts.csv"] == "loaded"
    assert files["iati/personnes.xml"] == "loaded"
    assert (night.reports / "latest" / "index.html").exists()


def test_no_e_mail_phone_or_name_reaches_a_table(night):
    found = [(column, value) for column, value in text_cells(night.warehouse) if _holds_a_marker(value)]
    assert found == []


def test_no_e_mail_phone_or_name_reaches_a_page_receipt_pdf_or_extract(night):
    pages = published(night)
    assert any(p.suffix == ".pdf" for p in pages) and any(p.suffix == ".xlsx" for p in pages)
    assert [p for p, text in pages.items() if _holds_a_marker(text)] == []


def test_the_rules_find_nothing_left_in_any_table_or_published_file(night):
    assert personal_data_left(night.warehouse, night) == []


def _holds_a_marker(text: str) -> bool:
    lowered = text.lower()
    return any(marker.lower() in lowered for marker in MARKERS)


def test_free_text_is_redacted_where_it_lands_in_the_marts(night):
    activities = {
        a
        for (a,) in query(
            night.warehouse,
            "SELECT activity FROM marts.fct_operational_presence WHERE activity LIKE '%retiré%'",
        )
    }
    assert "Visite avec Mme. [nom retiré]" in activities
    assert "Réunion MME [nom retiré] et partenaires" in activities
    assert "Formation, voir Mme [nom retiré] demain" in activities
    assert "Madame [nom retiré] coordonne" in activities  # a five-word name goes whole
    assert "point focal : [nom retiré], tél. [téléphone retiré]" in activities
    assert "Sensibilisation, écrire à [courriel retiré]" in activities
    descriptions = {d for (d,) in query(night.warehouse, "SELECT description FROM marts.fct_commitments")}
    assert "Distribution ATPE, [téléphone retiré]" in descriptions
    assert "Suivi des CSCOM ([téléphone retiré])" in descriptions


def test_an_iati_organisation_that_is_a_person_is_recorded_and_shown_as_such(night):
    assert query(
        night.warehouse,
        "SELECT DISTINCT recipient_org_name FROM marts.fct_funding_flows WHERE source_record_id LIKE 'XM-FUITES%'",
    ) == [("[personne]",)]
    orgs = {o for (o,) in query(night.warehouse, "SELECT org_name FROM raw.iati_participating_orgs")}
    assert "[personne]" in orgs and PARTICIPANT not in orgs
    [(location,)] = query(
        night.warehouse, "SELECT location_name FROM raw.iati_locations WHERE iati_identifier = 'XM-FUITES-ML-2024-01'"
    )
    assert location == "Chez Mme [nom retiré], [téléphone retiré]"


def test_a_file_name_is_published_redacted_with_its_number_and_kind(night):
    [(file_id, path, name, kind, status)] = query(
        night.warehouse,
        "SELECT file_id, path, file_name, source_kind, status FROM ops.files WHERE path LIKE 'partner_reports/3W Mme%'",
    )
    assert path == "partner_reports/3W Mme [nom retiré] [téléphone retiré].csv" and name == Path(path).name
    assert (kind, status) == ("partner_report", "loaded")
    for lang in ("fr", "en"):
        receipt = (night.reports / "latest" / "accuses" / lang / f"fichier-{file_id}.html").read_text(encoding="utf-8")
        assert "3W Mme [nom retiré] [téléphone retiré].csv" in receipt and f"(n° {file_id}," in receipt
        sources = (night.reports / "latest" / lang / "index.html").read_text(encoding="utf-8")
        assert "3W Mme [nom retiré] [téléphone retiré].csv" in sources and PEOPLE[2][1] not in sources


def test_links_and_pipes_in_the_inbox_are_refused_unread_and_nothing_of_their_target_is_published(night):
    refused = dict(
        query(
            night.warehouse,
            "SELECT path, error FROM ops.files WHERE path IN "
            "('partner_reports/passwd.csv', 'partner_reports/dossier_lie', 'partner_reports/tube.csv')",
        )
    )
    assert refused["partner_reports/passwd.csv"].startswith("lien symbolique refusé")
    assert refused["partner_reports/dossier_lie"].startswith("lien symbolique refusé")
    assert refused["partner_reports/tube.csv"].startswith("pas un fichier ordinaire")
    assert query(night.warehouse, "SELECT count(*) FROM ops.files WHERE path LIKE '%secret%'") == [(0,)]
    secrets = (OUTSIDE_SECRET, "postgres:x", "root:x:0", "ailleurs", "secret.csv")
    assert [c for c, v in text_cells(night.warehouse) if any(s in v for s in secrets)] == []
    assert [p for p, text in published(night).items() if any(s in text for s in secrets)] == []


def _published_csvs(paths) -> list[Path]:
    return [p for p in (paths.reports / "latest").resolve().rglob("*.csv")]


def test_no_published_csv_cell_runs_as_a_formula(night):
    [(file_id,)] = query(night.warehouse, "SELECT file_id FROM ops.files WHERE path = 'partner_reports/formules.xlsx'")
    receipt = night.reports / "latest" / "accuses" / "fr" / f"fichier-{file_id}.csv"
    with open(receipt, encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh, delimiter=";") for c in row]
    assert '\'=HYPERLINK("evil.example")' in cells and "'=Budget prévu" in cells  # the sheet, the column
    checked = 0
    for path in _published_csvs(night):
        delimiter = "," if path.name.endswith(".hxl.csv") else ";"
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh, delimiter=delimiter):
                for cell in row:
                    checked += 1
                    assert not (cell.startswith(FORMULA_STARTS) and not _number(cell)), (path.name, cell)
    assert checked > 1000
    extract = (night.reports / "latest" / "extraits" / "fct_operational_presence.csv").read_text(encoding="utf-8-sig")
    for written in ("'\t=HYPERLINK", "'+cmd|", "'-2+3"):
        assert written in extract, written


def _number(cell: str) -> bool:
    """A negative amount ('-12,5', '-3.0E-4') is a number: no spreadsheet runs it."""
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def test_the_csv_writer_quotes_every_formula_start_in_any_column_and_the_header(tmp_path):
    import decimal

    starts = ["=A1", "+1", "-x", "@SUM(A1)", "\t=1", "\r=1"]
    write_csv(tmp_path / "a.csv", [["=entête", "ok"]], [[s, decimal.Decimal("-12.5")] for s in starts])
    with open(tmp_path / "a.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == ["'=entête", "ok"]
    assert rows[1:] == [["'" + s, "-12,5"] for s in starts]


# The workbook guard: the far cell written as writers write it; the reader (calamine) would ask for 17 billion cells.
FAR_CELLS = {
    "style_first": '<row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>',
    "type_first": '<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
    "single_quotes_and_spaces": "<row r='1048576'><c t = 'n'  r = 'XFD1048576' ><v>1</v></c></row>",
    "inline_string": '<row r="1048576"><c t="inlineStr" s="1" r="XFD1048576"><is><t>x</t></is></c></row>',
    "row_placed_cell_beside_a_far_column": (
        '<row r="2"><c r="XFD2"><v>1</v></c></row><row r="1048576"><c><v>1</v></c></row>'
    ),
}


def _workbook_with(path: Path, cells_xml: str, dimension: str | None = None) -> None:
    """A small workbook (header and one row) whose first sheet gets `cells_xml` at its end; `dimension` replaces
    the sheet's own."""
    import re

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Partenaire", "Région", "Secteur", "Montant dépensé", "Devise"])
    sheet.append(["ONG Sahel Santé", "Mopti", "Nutrition", 1000, "XOF"])
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_name(".plain.xlsx")
    workbook.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode().replace("</sheetData>", cells_xml + "</sheetData>")
                if dimension:
                    text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', text)
                data = text.encode()
            out.writestr(item, data)
    plain.unlink()


def _ingest_in_bounded_memory(tmp_path: Path) -> str:
    return ingest_in_bounded_memory(tmp_path / "inbox", tmp_path / "w.duckdb")


@pytest.mark.parametrize("written", sorted(FAR_CELLS))
def test_a_far_cell_is_refused_whatever_its_other_attributes(tmp_path, written):
    _workbook_with(tmp_path / "inbox" / "partner_reports" / "loin.xlsx", FAR_CELLS[written], dimension="A1:E2")
    said = _ingest_in_bounded_memory(tmp_path)
    assert "'rejected'" in said and "feuille démesurée" in said and "ligne 1048576, colonne 16384" in said


def test_a_dimension_the_reader_ignores_neither_refuses_nor_hides(tmp_path):
    """A sheet claiming A1:XFD1048576 with two rows of values is read (the reader does not size by it)."""
    _workbook_with(tmp_path / "inbox" / "partner_reports" / "grand.xlsx", "", dimension="A1:XFD1048576")
    _workbook_with(
        tmp_path / "inbox" / "partner_reports" / "vides.xlsx",
        '<row r="1048576"><c r="XFD1048576" s="1"/><c r="XFC1048576"><v></v></c></row>',
    )
    assert _ingest_in_bounded_memory(tmp_path).count("'loaded'") == 2
    warehouse = tmp_path / "w.duckdb"
    assert query(warehouse, "SELECT count(*) FROM raw.partner_reports") == [(2,)]


def test_an_inbox_entry_outside_the_inbox_is_refused_whatever_its_name(tmp_path):
    """A link named like a data file, at the top or in a folder, to a file that reads as a 3W."""
    inbox, outside = tmp_path / "inbox", tmp_path / "ailleurs"
    _partner_report(outside / "vrai_3w.csv", ["Dépistage"])
    (inbox / "partner_reports").mkdir(parents=True)
    (inbox / "lien.csv").symlink_to(outside / "vrai_3w.csv")
    (inbox / "partner_reports" / "lien_relatif.csv").symlink_to(Path("../../ailleurs/vrai_3w.csv"))
    summary = ingest_inbox(inbox, tmp_path / "w.duckdb", "b")
    assert [(f.path, f.status) for f in summary.files] == [
        ("lien.csv", "rejected"),
        ("partner_reports/lien_relatif.csv", "rejected"),
    ]
    assert all("ailleurs" not in f.error and "vrai_3w" not in f.error for f in summary.files)
    assert query(tmp_path / "w.duckdb", "SELECT count(*) FROM raw.partner_reports") == [(0,)]
    # Known the next night: not recorded twice.
    again = ingest_inbox(inbox, tmp_path / "w.duckdb", "c")
    assert {f.status for f in again.files} == {"known"}
    assert personal_data_in("lien.csv") == []


def test_a_sheet_named_after_a_person_is_recorded_redacted(tmp_path):
    """The sheet's name is in the raw rows, ops.files, ops.rejects and the notes a receipt shows."""
    from openpyxl import Workbook

    given, family = PEOPLE[3]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Mme {given} {family} {_pairs(PHONES[1], '.')}"
    sheet.append(["Partenaire", "Région", "Secteur", "Activité", "Montant dépensé", "Devise"])
    sheet.append(["ONG Sahel Santé", "Mopti", "Nutrition", "Dépistage", 1000, "XOF"])
    sheet.append(["ONG Sahel Santé", "Mopti", "Nutrition", "Dépistage", "beaucoup", "XOF"])
    workbook.create_sheet("Notes").append(["Rien"])
    path = tmp_path / "inbox" / "partner_reports" / "classeur.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    ingest_inbox(tmp_path / "inbox", tmp_path / "w.duckdb", "b")
    said = [
        str(v)
        for sql in (
            "SELECT sheets, notes FROM ops.files",
            "SELECT sheet, column_name FROM ops.rejects",
            "SELECT DISTINCT sheet FROM raw.partner_reports",
        )
        for row in query(tmp_path / "w.duckdb", sql)
        for v in row
    ]
    assert "Mme [nom retiré] [téléphone retiré]" in said
    assert not [v for v in said if family in v or PHONES[1][:4] in v.replace(".", "")]

"""Formats partners and ministries really send, on files of ours made the way the real ones are."""

from __future__ import annotations

import pytest

from ingest.inbox import ingest_inbox
from tests.conftest import query, shared_path

ROWS = [
    ("ACF", "Nutrition", "Ségou", "1 000 000"),
    ("Médecins du Monde", "Santé", "Mopti", "2 500 000"),
    ("Société civile", "Éducation", "Kayes", "750 000"),
]


def _csv(rows, delimiter=";", newline="\n"):
    lines = [delimiter.join(["Partenaire", "Secteur", "Région", "Montant dépensé (FCFA)"])]
    lines += [delimiter.join(r) for r in rows]
    return newline.join(lines) + newline


def _landed(tmp_path, name, data: bytes, folder="partner_reports"):
    inbox = tmp_path / "inbox"
    (inbox / folder).mkdir(parents=True)
    (inbox / folder / name).write_bytes(data)
    warehouse = tmp_path / "w.duckdb"
    summary = ingest_inbox(inbox, warehouse, "b")
    return summary.files[0], warehouse


@pytest.mark.parametrize(
    "encoding, newline, bom",
    [
        ("mac_roman", "\r", b""),  # old Mac files: CR line ends, é is 0x8E
        ("cp850", "\r\n", b""),  # DOS: É is 0x90, undefined in cp1252
        ("utf-16-le", "\r\n", "\ufeff".encode("utf-16-le")),
        ("utf-16-le", "\n", b""),  # UTF-16 without its BOM
        ("cp1252", "\r\n", b""),
        ("utf-8", "\n", b"\xef\xbb\xbf"),
    ],
)
def test_a_csv_is_decoded_whatever_its_encoding_and_line_ends(tmp_path, encoding, newline, bom):
    result, warehouse = _landed(tmp_path, "3w.csv", bom + _csv(ROWS, newline=newline).encode(encoding))
    assert result.status == "loaded", result.error
    assert query(
        warehouse, "SELECT partner, sector, region, amount_spent FROM raw.partner_reports ORDER BY line_number"
    ) == [(p, s, r, float(a.replace(" ", ""))) for p, s, r, a in ROWS]
    assert query(warehouse, "SELECT line_number FROM raw.partner_reports ORDER BY 1") == [(2,), (3,), (4,)]


def test_a_cp1252_byte_left_undefined_is_kept_and_said(tmp_path):
    data = _csv(ROWS).encode("cp1252").replace(b"Mopti", b"Mop\x8dti")
    result, warehouse = _landed(tmp_path, "3w.csv", data)
    assert result.status == "loaded", result.error
    assert query(warehouse, "SELECT count(*) FROM raw.partner_reports WHERE partner = 'Médecins du Monde'") == [(1,)]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert any("1 octet(s) non définis en cp1252" in n for n in notes)


def test_a_reader_error_rejects_the_file_with_its_reason_and_the_night_goes_on(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "budget_lines").mkdir(parents=True)
    (inbox / "budget_lines" / "corrompu.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a zip that is not one
    (inbox / "partner_reports").mkdir()
    (inbox / "partner_reports" / "3w.csv").write_text(_csv(ROWS), encoding="utf-8")
    summary = ingest_inbox(inbox, tmp_path / "w.duckdb", "b")
    status = {f.path: (f.status, f.error) for f in summary.files}
    assert status["partner_reports/3w.csv"] == ("loaded", None)
    assert status["budget_lines/corrompu.xlsx"][0] == "rejected"
    assert "illisible" in status["budget_lines/corrompu.xlsx"][1]


def test_a_quoted_header_with_a_line_break_and_qualified_headers_are_read(tmp_path):
    """As France's finance-law execution files: 'Année RAP', 'EXEC CP 2017<newline>RAP 2017', 'Ministère au 1er
    janvier 2017', the paid stage only, amounts with spaces as thousands separators."""
    text = (
        'Année RAP;Code Programme;Programme;Action;"EXEC CP 2017\nRAP 2017";Ministère au 1er janvier 2017;Devise\n'
        "2017;105;Action de la France;Coordination;44 553 801;Affaires étrangères;EUR\n"
        "2017;105;Action de la France;Coordination;18 788 691;Affaires étrangères;EUR\n"
        "2017;151;Français à l'étranger;Accès des élèves;-1 080 933;Affaires étrangères;EUR\n"
    )
    result, warehouse = _landed(tmp_path, "plr.csv", text.encode("cp1252"), folder="budget_lines")
    assert result.status == "loaded", result.error
    assert query(
        warehouse,
        """SELECT line_number, fiscal_year, institution, programme_code, action_label, paiement,
                                      dotation, currency FROM raw.budget_lines ORDER BY 1""",
    ) == [
        (3, 2017, "Affaires étrangères", "105", "Coordination", 44553801.0, None, "EUR"),
        (4, 2017, "Affaires étrangères", "105", "Coordination", 18788691.0, None, "EUR"),
        (5, 2017, "Affaires étrangères", "151", "Accès des élèves", -1080933.0, None, "EUR"),
    ]


def test_a_budget_file_stating_no_currency_is_loaded_with_its_currency_unknown_never_taken_for_fcfa(tmp_path):
    text = "Exercice;Institution;Libellé;Paiement\n2017;Ministère;Ligne;1 000\n"
    result, warehouse = _landed(tmp_path, "sans_devise.csv", text.encode("utf-8"), folder="budget_lines")
    assert result.status == "loaded", result.error
    assert query(warehouse, "SELECT paiement, currency, currency_assumed FROM raw.budget_lines") == [(1000, None, True)]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert any("devise inconnue sur 1 ligne(s)" in n and "currency unknown" in n for n in notes)


def test_rows_without_a_currency_take_the_only_one_the_file_writes(tmp_path):
    text = "Partenaire;Secteur;Montant dépensé;Devise\nACF;Nutrition;1 000;USD\nHKI;Nutrition;2 000;\n"
    _, warehouse = _landed(tmp_path, "3w.csv", text.encode("utf-8"))
    assert query(warehouse, "SELECT partner, currency, currency_assumed FROM raw.partner_reports ORDER BY 1") == [
        ("ACF", "USD", False),
        ("HKI", "USD", True),
    ]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert any("la seule écrite dans le fichier" in n for n in notes)


def test_a_pcode_column_is_recognised_by_its_values_and_pre_1_0_hxl_tags_are_read(tmp_path):
    text = (
        "Title,Organization,Acronyme,Cluster,Admin1,Admin2,MONTH,AnnualTarget\n"
        ",#org,#org+acronym,#sector,#adm1,#adm2,#period_date,\n"
        "ML04,Action contre la faim,ACF,Nutrition,Ségou,Niono,June,12 t\n"
        "ML04,Action contre la faim,ACF,Santé,Ségou,Niono,juillet,3 mois\n"
        "ML05,Plan International,PLAN,Protection,Mopti,Bandiagara,13,40\n"
    )
    result, warehouse = _landed(tmp_path, "3w.csv", text.encode("utf-8"))
    assert result.status == "loaded" and result.rows_loaded == 3, result.error
    assert query(
        warehouse,
        """SELECT region_pcode, partner, partner_acronym, sector, region, cercle, month
                               FROM raw.partner_reports ORDER BY line_number""",
    ) == [
        ("ML04", "Action contre la faim", "ACF", "Nutrition", "Ségou", "Niono", 6),
        ("ML04", "Action contre la faim", "ACF", "Santé", "Ségou", "Niono", 7),
        ("ML05", "Plan International", "PLAN", "Protection", "Mopti", "Bandiagara", None),
    ]
    # A month that is no month leaves its cell empty and its row loaded, said in ops.rejects.
    assert query(warehouse, "SELECT line_number, column_name, raw_value, action FROM ops.rejects") == [
        (5, "MONTH", "13", "cleared")
    ]


@pytest.mark.parametrize("seed", range(3))
def test_an_excel_error_or_a_formula_never_computed_is_cleared_with_its_name_and_a_logical_cell_shown_as_written(
    tmp_path, seed
):
    """The reader gives such cells as empty: they are read from the sheet's XML, so that each has its reason."""
    import io
    import random

    import openpyxl

    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Partenaire", "Secteur", "Région", "Bénéficiaires atteints", "Montant dépensé (FCFA)"])
    expected = {}
    for line in range(2, 12):
        sheet.append([f"ONG {line}", "Nutrition", "Mopti", rng.randint(10, 900), rng.randint(1, 9) * 100_000])
        cell = sheet.cell(row=line, column=4)
        draw = rng.random()
        if draw < 0.4:
            error = rng.choice(["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?"])
            cell.value, cell.data_type = error, "e"
            expected[line] = (error, "cleared")
        elif draw < 0.6:
            cell.value = f"=SUM(A{line}:C{line})"  # saved by a program: no computed value
            expected[line] = ("#NON_CALCULÉ", "cleared")
    # A logical cell where an amount belongs: rejected, its raw value as Excel names it.
    truth = rng.choice([True, False])
    sheet.append([None, "Nutrition", "Mopti", 5, truth])
    expected[12] = ("TRUE" if truth else "FALSE", "rejected")
    data = io.BytesIO()
    book.save(data)

    result, warehouse = _landed(tmp_path, "3w.xlsx", data.getvalue())
    assert result.status == "loaded", result.error
    found = {
        line: (raw, action)
        for line, raw, action in query(warehouse, "SELECT line_number, raw_value, action FROM ops.rejects")
        if not (line == 12 and raw is None)  # the row's missing partner
    }
    assert found == expected
    assert query(warehouse, "SELECT count(*) FROM raw.partner_reports WHERE beneficiaries_reached IS NULL") == [
        (sum(1 for line, (_, action) in expected.items() if action == "cleared"),)
    ]


def _sheet_xml(rng, prefix: str) -> bytes:
    """A worksheet's XML written as the many programs that write xlsx do: a namespace prefix or none, attributes in
    any order with either quote, spaces and line breaks inside tags, shared formulas, empty and self-closing cells,
    cells without a place, and texts that look like the markers the scan looks for."""
    import html

    p = prefix
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xmlns = f'xmlns:{p[:-1]}="{ns}"' if p else f'xmlns="{ns}"'

    def tag(name, attributes, inner):
        rng.shuffle(attributes)
        quote = rng.choice(['"', "'"])
        written = "".join(f"{rng.choice([' ', '  ', chr(10)])}{k}={quote}{v}{quote}" for k, v in attributes)
        if inner is None:
            return f"<{p}{name}{written}/>"
        return f"<{p}{name}{written}>{inner}</{p}{name}>"

    rows = []
    for r in range(1, rng.randint(5, 60)):
        cells = []
        for c in range(rng.randint(1, 12)):
            ref = [("r", f"{'ABCDEFGHIJKL'[c]}{r}")] if rng.random() < 0.95 else []
            style = [("s", str(rng.randint(0, 9)))] if rng.random() < 0.5 else []
            kind = rng.choice(["number", "shared", "inline", "error", "formula", "computed", "empty", "bare"])
            value = rng.choice([f"<{p}v>{rng.randint(0, 99)}</{p}v>", f"<{p}v></{p}v>", f"<{p}v/>", ""])
            formula = rng.choice(
                [
                    f"<{p}f>SUM(A1:A{r})</{p}f>",
                    f'<{p}f t="shared" si="0"/>',
                    f"<{p}f t='shared' ref='A1:A9' si='1'>A1*2</{p}f>",
                ]
            )
            if kind == "number":
                cells.append(tag("c", ref + style, f"<{p}v>{rng.random()}</{p}v>"))
            elif kind == "shared":
                cells.append(tag("c", ref + style + [("t", "s")], f"<{p}v>{rng.randint(0, 9)}</{p}v>"))
            elif kind == "inline":  # texts holding what the scan looks for
                text = html.escape(rng.choice(['"e"', "'e'", "<f>", 't="e"', "<c r='Z9' t='e'>"]), quote=False)
                cells.append(tag("c", ref + [("t", "inlineStr")], f"<{p}is><{p}t>{text}</{p}t></{p}is>"))
            elif kind == "error":
                name = rng.choice(["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?"])
                inner = rng.choice(["", formula]) + rng.choice([f"<{p}v>{name}</{p}v>", f"<{p}v/>"])
                cells.append(tag("c", ref + style + [("t", "e")], inner))
            elif kind == "formula":  # maybe never computed
                cells.append(tag("c", ref + style, rng.choice(["", "\n "]) + formula + value))
            elif kind == "computed":
                cells.append(tag("c", ref + [("t", "str")], formula + f"<{p}v>Mopti</{p}v>"))
            elif kind == "empty":
                cells.append(tag("c", ref + style, None))
            else:
                cells.append(tag("c", ref, ""))
        rows.append(tag("row", [("r", str(r)), ("spans", f"1:{len(cells)}")], "".join(cells)))
    cols = f'<{p}cols><{p}col min="1" max="3" width="9"/></{p}cols>'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}><{p}sheetData>'
        f"{''.join(rows)}</{p}sheetData>{cols}</{p}worksheet>"
    ).encode()


@pytest.mark.parametrize("seed", range(40))
def test_error_and_never_computed_cells_are_found_by_the_scan_as_an_xml_parser_finds_them(seed):
    """The scan parses only the cells around a formula or an error type (the OCHA Mali 5W: 6 848 formulas among a
    million cells, 10 s parsed whole, under one scanned): what it finds is what parsing every cell finds, however the
    XML is written and wherever its chunks are cut."""
    import io
    import random
    import re

    from lxml import etree

    from ingest.tabular import NEVER_COMPUTED, _hiding_cells

    rng = random.Random(seed)
    xml = _sheet_xml(rng, rng.choice(["", "x:", "main:"]))
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    expected = {}
    for _, cell in etree.iterparse(io.BytesIO(xml), tag=f"{ns}c"):
        value, formula = cell.find(f"{ns}v"), cell.find(f"{ns}f")
        written = value.text if value is not None else None
        text = written if cell.get("t") == "e" else NEVER_COMPUTED if formula is not None and not written else None
        ref = re.fullmatch(r"([A-Z]{1,3})([0-9]{1,7})", cell.get("r") or "")
        if text and ref:
            expected[(int(ref[2]) - 1, ord(ref[1]) - 65)] = text
    assert expected  # the sheet holds some, else nothing is compared
    for chunk_size in (len(xml), 400, rng.randint(401, 4000)):
        assert dict(_hiding_cells(io.BytesIO(xml), chunk_size)) == expected, chunk_size


@pytest.mark.real_data
def test_the_mali_5w_counts_as_repeats_only_rows_equal_in_every_cell_its_error_cells_included(tmp_path):
    """OCHA Mali 5W (issue 34): the reader gives its 6 848 `#N/A` cells as empty; a row differing from another only
    where one holds `#N/A` and the other nothing is no repeat of it. The rule: rows are compared cell for cell as
    the file holds them, an error cell by its name (read from the sheet's XML). The figures are computed here from
    the file with openpyxl, which keeps error cells: rows read, repeats, distinct rows, partners, regions, clusters."""
    import shutil

    import openpyxl

    source = shared_path("real-data", "partner_reports", "mli_ocha_5w_dec2023.xlsx")
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        grid = [tuple(row) for row in book["ML_5W"].iter_rows(values_only=True)]
    finally:
        book.close()
    body = grid[2:]  # under the French header and the HXL row
    while body and all(v is None for v in body[-1]):
        body.pop()
    distinct = list(dict.fromkeys(body))
    errors = sum(1 for row in body for v in row if v == "#N/A")
    # The reader's view, each error cell lost: some rows would become repeats of others that they are not.
    as_if_lost = {tuple(None if v == "#N/A" else v for v in row) for row in distinct}
    assert errors and len(as_if_lost) < len(distinct)

    inbox = tmp_path / "inbox"
    (inbox / "partner_reports").mkdir(parents=True)
    shutil.copy(source, inbox / "partner_reports" / source.name)
    warehouse = tmp_path / "w.duckdb"
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded", result.error
    assert query(warehouse, "SELECT rows_read, rows_loaded, rows_skipped, rows_rejected FROM ops.files") == [
        (len(body), len(distinct), len(body) - len(distinct), 0)
    ]
    assert query(
        warehouse, "SELECT count(*) FROM ops.rejects WHERE action = 'skipped' AND reason_en LIKE 'row identical%'"
    ) == [(len(body) - len(distinct),)]
    assert query(
        warehouse,
        "SELECT count(DISTINCT partner_acronym), count(DISTINCT region_pcode), count(DISTINCT sector) "
        "FROM raw.partner_reports",
    ) == [tuple(len({row[i] for row in distinct} - {None}) for i in (0, 5, 12))]


@pytest.mark.parametrize("seed", range(4))
def test_a_csv_cut_half_way_has_its_last_row_rejected_as_cut_and_the_others_loaded(tmp_path, seed):
    """A transfer stopped inside the last row: no line end, and that row shorter than the others (cut inside its
    amount, inside a text cell, or inside a quoted cell). The same rows with their line end all load."""
    import random

    rng = random.Random(seed)
    rows = [
        [
            f"Organisation {rng.choice('ABCDEFGH')}{n}",
            "Nutrition",
            rng.choice(["Mopti", "Kayes", "Gao"]),
            f"{n} 600 000",
        ]
        for n in range(1, rng.randint(4, 12))
    ]
    whole = _csv(rows).encode("utf-8")
    last = whole.rstrip(b"\n").rsplit(b"\n", 1)[1]
    cut_at = rng.choice(
        [
            len(whole) - 1 - rng.randint(3, 6),  # inside the amount: "1 60" for "1 600 000"
            len(whole) - 1 - len(last) + rng.randint(3, 8),  # inside the organisation's name
        ]
    )
    cut = whole[:cut_at]
    result, warehouse = _landed(tmp_path / "cut", "3w.csv", cut)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (len(rows), len(rows) - 1, 1)
    [(line, raw)] = query(warehouse, "SELECT line_number, raw_value FROM ops.rejects WHERE reason_en LIKE 'row cut%'")
    assert line == len(rows) + 1 and raw
    assert query(warehouse, "SELECT DISTINCT line_number FROM ops.rejects") == [(line,)]
    quoted = whole.replace(f";{rows[-1][3]}\n".encode(), f';"{rows[-1][3]}\n'.encode())[:-1]
    result, _ = _landed(tmp_path / "quote", "3w.csv", quoted)
    assert (result.rows_loaded, result.rows_rejected) == (len(rows) - 1, 1)
    # The file whole, with or without its last line end, loads every row.
    for name, data in {"whole": whole, "no_last_line_end": whole[:-1]}.items():
        result, _ = _landed(tmp_path / name, "3w.csv", data)
        assert (result.rows_loaded, result.rows_rejected) == (len(rows), 0), name


def test_an_excel_error_where_an_hxl_tag_could_be_is_not_taken_for_a_tag(tmp_path):
    # Found by the fuzzer (seed 3, budget_lines): libhxl parses "#N/A" or "#REF!" as False, not as an error.
    from ingest.mapping import is_hxl_row

    assert is_hxl_row(["#org", "#sector", "#N/A"]) and not is_hxl_row(["#N/A", "#REF!", "x"])
    data = _csv([["#org", "#sector", "#N/A", "#REF!"], ["ACF", "Nutrition", "Mopti", "1 000"]]).encode()
    result, _ = _landed(tmp_path, "3w.csv", data)
    assert result.status == "loaded" and result.rows_loaded == 1, result.error


@pytest.mark.parametrize("number_format", ["[h]:mm:ss", "dd/mm/yyyy", "hh:mm"])
def test_a_sheet_the_reader_cannot_hold_is_not_read_with_why_and_the_other_sheets_load(tmp_path, number_format):
    # Found by the fuzzer (seeds 1000-1059, a mutated workbook): a cell the reader cannot hold made it panic, which
    # stopped the night.
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Partenaire", "Secteur", "Date de début", "Montant dépensé (FCFA)"])
    book.active.append(["ACF", "Nutrition", 1e18, 100])
    book.active["C2"].number_format = number_format
    other = book.create_sheet("Gao")
    other.append(["Partenaire", "Secteur", "Montant dépensé (FCFA)"])
    other.append(["IMC", "Santé", 5_000])
    data = io.BytesIO()
    book.save(data)
    result, warehouse = _landed(tmp_path, "3w.xlsx", data.getvalue())
    assert result.status == "loaded", result.error
    assert ("Gao", "IMC") in query(warehouse, "SELECT sheet, partner FROM raw.partner_reports")
    # The first sheet is read (its impossible date said) or not read with the reader's reason.
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    read = query(warehouse, "SELECT count(*) FROM ops.rejects WHERE sheet = 'Sheet' AND column_name = 'Date de début'")
    assert read == [(1,)] or any("feuille « Sheet » non lue : feuille illisible" in n for n in notes), notes

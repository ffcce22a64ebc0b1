"""A bad file never blocks the night: the smallest unit holding the bad value is held back or rejected, with a
receipt the sender can read, and the previous version of a held-back source stays in force."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.inbox import ingest_inbox
from tests import bad_files
from tests.conftest import ingest_in_bounded_memory, publish_a_night, query, shared_path

NIGHT_1, NIGHT_2, NIGHT_3 = dt.date(2026, 11, 22), dt.date(2026, 11, 23), dt.date(2026, 11, 24)


def _night(paths, run_date: dt.date) -> dict:
    return publish_a_night(paths, f"night-{run_date}", run_date)


def _execution(paths):
    return query(paths.warehouse, "SELECT * EXCLUDE (build_number) FROM marts.fct_budget_execution ORDER BY ALL")


def test_a_budget_line_breaking_the_chain_is_rejected_alone_and_its_previous_version_stays_in_force(paths):
    _night(paths, NIGHT_1)
    night_1 = {
        (code, year): paid
        for code, year, paid in query(
            paths.warehouse, "SELECT line_code, fiscal_year, paiement_xof FROM marts.fct_budget_execution"
        )
    }

    correction = paths.inbox / "budget_lines" / "execution_budget_etat_2019_2024_corrige.csv"
    touched = bad_files.write_budget_correction(correction, dotation_change=10_000_000, break_chain=True)
    ingested = _night(paths, NIGHT_2)

    # The night published; the corrected file loads but the line that breaks the chain, named with the rule.
    assert ingested["held_back"] == []
    [(status, read, loaded, rejected, held)] = query(
        paths.warehouse,
        "SELECT status, rows_read, rows_loaded, rows_rejected, rows_held_back FROM ops.files WHERE path = ?",
        ["budget_lines/execution_budget_etat_2019_2024_corrige.csv"],
    )
    expected_rows = len(bad_files.budget_rows()[0]) - bad_files.budget_rows()[1] - 1
    assert (status, read, loaded, rejected, held) == ("loaded", expected_rows, expected_rows - 1, 1, 0)
    assert query(
        paths.warehouse,
        """SELECT line_number, column_name, raw_value, action, reason_fr FROM ops.rejects
                                     WHERE file_name LIKE '%corrige%'""",
    ) == [
        (
            touched["broken_line_number"],
            "paiement > ordonnancement",
            f"paiement={touched['broken_paiement']} ; ordonnancement={touched['broken_ordonnancement']}",
            "rejected",
            "paiement supérieur à ordonnancement",
        )
    ]
    # The rejected line's previous version is in force; the file's other correction applies.
    broken = (touched["broken_line_code"], touched["broken_fiscal_year"])
    assert query(
        paths.warehouse,
        "SELECT paiement_xof FROM marts.fct_budget_execution WHERE line_code = ? AND fiscal_year = ?",
        list(broken),
    ) == [(night_1[broken],)]
    assert query(
        paths.warehouse,
        "SELECT dotation_xof FROM marts.fct_budget_execution WHERE line_code = ? AND fiscal_year = ?",
        [touched["changed_line_code"], touched["fiscal_year"]],
    ) == [(touched["new_dotation"],)]

    # The receipt, in French and in English, tells the sender which line to fix; the report links to it.
    [(file_id,)] = query(paths.warehouse, "SELECT file_id FROM ops.files WHERE path LIKE '%corrige%'")
    latest = paths.reports / "latest"
    french = (latest / "accuses" / "fr" / f"fichier-{file_id}.html").read_text(encoding="utf-8")
    english = (latest / "accuses" / "en" / f"fichier-{file_id}.html").read_text(encoding="utf-8")
    assert "paiement supérieur à ordonnancement" in french
    assert "paiement greater than ordonnancement" in english
    assert f">{touched['broken_line_number']}<" in french and f">{touched['broken_line_number']}<" in english
    assert f'href="../accuses/fr/fichier-{file_id}.html"' in (latest / "fr" / "index.html").read_text(encoding="utf-8")
    assert f'href="../accuses/en/fichier-{file_id}.html"' in (latest / "en" / "index.html").read_text(encoding="utf-8")
    csv_text = (latest / "accuses" / "fr" / f"fichier-{file_id}.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[1].startswith(f";{touched['broken_line_number']};paiement > ordonnancement;")

    # Sending the line again, right, puts it in force.
    fixed = paths.inbox / "budget_lines" / "execution_budget_etat_2019_2024_corrige_v2.csv"
    bad_files.write_budget_correction(fixed, dotation_change=10_000_000, break_chain=False)
    _night(paths, NIGHT_3)
    assert query(paths.warehouse, "SELECT status, rows_rejected FROM ops.files WHERE path LIKE '%corrige_v2%'") == [
        ("loaded", 0)
    ]
    assert query(
        paths.warehouse,
        "SELECT paiement_xof FROM marts.fct_budget_execution WHERE line_code = ? AND fiscal_year = ?",
        list(broken),
    ) == [(night_1[broken],)]


def _ingest_one(tmp_path, relative: str, write) -> tuple:
    import functools

    from expectations.files import check_file

    inbox = tmp_path / "inbox"
    outcome = write(inbox / relative)
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(inbox, warehouse, "b", functools.partial(check_file, today=NIGHT_1))
    return warehouse, outcome


def _ingest_text(tmp_path, relative: str, text: str):
    """_ingest_one of a file holding `text`; returns the warehouse."""

    def write(path):
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")

    return _ingest_one(tmp_path, relative, write)[0]


@pytest.mark.parametrize("style", ["signs", "base64"])
def test_a_file_of_garbage_under_a_valid_header_is_held_back_whole_with_a_sample_of_its_lines(tmp_path, style):
    warehouse, body = _ingest_one(
        tmp_path, "partner_reports/export.csv", lambda p: bad_files.write_garbage_partner_report(p, style=style)
    )
    [(status, read, loaded, held, rejected, error)] = query(
        warehouse, "SELECT status, rows_read, rows_loaded, rows_held_back, rows_rejected, error FROM ops.files"
    )
    assert (status, read, loaded) == ("held_back", len(body), 0)
    assert held + rejected == read and rejected > read / 2
    assert error.startswith("fichier retenu") and "pas un fichier de ce type" in error
    assert query(warehouse, "SELECT count(*) FROM raw.partner_reports") == [(0,)]
    sample = query(warehouse, "SELECT line_number, raw_value FROM ops.rejects WHERE action = 'held_back' ORDER BY 1")
    assert 0 < len(sample) <= 10
    first_line, first_values = sample[0]
    assert body[first_line - 2].split(";")[0] in first_values


def test_a_place_or_sector_that_is_not_a_name_is_left_empty_and_its_row_loaded(tmp_path):
    text = (
        "Partenaire;Région;Secteur;Montant dépensé;Devise\nACF;12345;Nutrition;1 000;XOF\n"
        "ONG 3AG;Ségou;#!%;2 000;XOF\n4!1=@;Mopti;Santé;3 000;XOF\n"
    )
    warehouse = _ingest_text(tmp_path, "partner_reports/3w.csv", text)
    assert query(warehouse, "SELECT status, rows_loaded, rows_rejected FROM ops.files") == [("loaded", 2, 1)]
    assert query(warehouse, "SELECT partner, region, sector FROM raw.partner_reports ORDER BY line_number") == [
        ("ACF", None, "Nutrition"),
        ("ONG 3AG", "Ségou", None),
    ]
    assert query(warehouse, "SELECT line_number, column_name, raw_value, action FROM ops.rejects ORDER BY 1") == [
        (2, "Région", "12345", "cleared"),
        (3, "Secteur", "#!%", "cleared"),
        (4, "Partenaire", "4!1=@", "rejected"),
    ]


def test_a_partner_report_row_ending_before_it_starts_is_rejected_alone(tmp_path):
    warehouse, line = _ingest_one(
        tmp_path, "partner_reports/3w.csv", bad_files.write_partner_report_ending_before_it_starts
    )
    assert query(warehouse, "SELECT status, rows_read, rows_loaded, rows_rejected FROM ops.files") == [
        ("loaded", 2, 1, 1)
    ]
    assert query(warehouse, "SELECT line_number, column_name, reason_en, action FROM ops.rejects") == [
        (line, "period_start > period_end", "period ends before it starts", "rejected")
    ]
    assert query(warehouse, "SELECT line_number FROM raw.partner_reports") == [(2,)]


def test_each_row_breaking_a_rule_is_rejected_with_the_rule_checked_inside_duckdb(tmp_path):
    """GX's SQL data source reads the file's uncommitted rows on the ingestion's connection; every failing line is
    named with its rule, even when all of a small file's rows fail."""
    from expectations import files

    assert files._context().data_sources.get("incoming_files").type == "sql"
    text = (
        "Partenaire;Région;Secteur;Date de début;Date de fin;Montant dépensé;Devise\n"
        "ACF;Mopti;Nutrition;01/04/2024;31/01/2024;5 000;XOF\n"
        "ACF;Kayes;Nutrition;01/01/2024;31/03/2024;-3;XOF\n"
        "ACF;Ségou;Nutrition;01/05/2024;31/01/2024;5 000;XOF\n"
    )
    warehouse = _ingest_text(tmp_path, "partner_reports/3w.csv", text)
    assert query(
        warehouse, "SELECT column_name, list(line_number ORDER BY line_number) FROM ops.rejects GROUP BY ALL ORDER BY 1"
    ) == [("amount_spent", [3]), ("period_start > period_end", [2, 4])]
    assert query(warehouse, "SELECT status, rows_read, rows_loaded, rows_rejected, error FROM ops.files") == [
        ("loaded", 3, 0, 3, None)
    ]
    assert query(warehouse, "SELECT raw_value FROM ops.rejects WHERE column_name = 'amount_spent'") == [
        ("amount_spent=-3",)
    ]


def test_a_file_whose_rows_mostly_break_a_rule_is_held_back_naming_its_first_lines_in_file_order(tmp_path, monkeypatch):
    from ingest import inbox

    monkeypatch.setattr(inbox, "LINES_NAMED", 2)
    rows = inbox.NOT_OF_THIS_KIND_MIN_ROWS * 2
    good = [f"ACF;Mopti;Nutrition;01/01/2024;31/03/2024;{n} 000;XOF" for n in range(1, rows // 2)]
    inverted = [f"ACF;Ségou;Nutrition;01/05/2024;31/01/2024;{n} 000;XOF" for n in range(1, rows // 2 + 2)]
    text = "Partenaire;Région;Secteur;Date de début;Date de fin;Montant dépensé;Devise\n" + "\n".join(good + inverted)
    warehouse = _ingest_text(tmp_path, "partner_reports/3w.csv", text)
    [(status, read, held, error)] = query(warehouse, "SELECT status, rows_read, rows_held_back, error FROM ops.files")
    assert (status, read, held) == ("held_back", rows, rows)
    assert f"fin de période avant son début ({len(inverted)} ligne(s)" in error
    first = len(good) + 2
    assert query(warehouse, "SELECT list(line_number ORDER BY line_number), min(action) FROM ops.rejects") == [
        ([first, first + 1], "held_back")
    ]


def test_a_row_in_a_currency_the_product_cannot_convert_is_rejected_alone(tmp_path):
    text = (
        "Partenaire;Région;Secteur;Montant dépensé;Devise\nACF;Mopti;Nutrition;1 000;XDR\n"
        "ACF;Ségou;Nutrition;2 000;EUR\n"
    )
    warehouse = _ingest_text(tmp_path, "partner_reports/droits.csv", text)
    assert query(warehouse, "SELECT status, rows_loaded, rows_rejected FROM ops.files") == [("loaded", 1, 1)]
    assert query(warehouse, "SELECT line_number, raw_value, reason_fr FROM ops.rejects") == [
        (2, "currency=XDR", "devise sans taux de change connu")
    ]
    assert query(warehouse, "SELECT currency, amount_spent FROM raw.partner_reports") == [("EUR", 2000)]


def test_a_workbook_with_a_value_at_XFD1048576_is_rejected_in_bounded_memory(tmp_path):
    """In a child process limited to 3 GB: the reader would ask for 549 GB and abort the interpreter."""
    path = tmp_path / "inbox" / "partner_reports" / "loin.xlsx"
    bad_files.write_far_cell_workbook(path)
    assert path.stat().st_size < 10_000
    said = ingest_in_bounded_memory(tmp_path / "inbox", tmp_path / "w.duckdb")
    assert "feuille démesurée" in said and "ligne 1048576, colonne 16384" in said


def test_a_far_cell_in_a_hidden_sheet_is_neither_read_nor_scanned_and_the_visible_sheet_loads(tmp_path):
    """A hidden sheet is never given a grid, so its far cell neither refuses the file nor costs a scan (a check in
    seconds reads only the sheets the night reads); the visible sheet loads, the hidden one is said not read."""
    from openpyxl import load_workbook

    path = tmp_path / "inbox" / "partner_reports" / "cachee.xlsx"
    bad_files.write_far_cell_workbook(path)
    book = load_workbook(path)
    far = book.active
    far.title, far.sheet_state = "Brouillon", "hidden"
    data = book.create_sheet("3W")
    data.append(["Partenaire", "Région", "Secteur", "Montant dépensé", "Devise"])
    data.append(["ONG Sahel Santé", "Mopti", "Nutrition", 1000, "XOF"])
    book.active = 1
    book.save(path)
    said = ingest_in_bounded_memory(tmp_path / "inbox", tmp_path / "w.duckdb")
    assert "'loaded'" in said and "démesurée" not in said, said
    warehouse = tmp_path / "w.duckdb"
    assert query(warehouse, "SELECT partner, amount_spent FROM raw.partner_reports") == [("ONG Sahel Santé", 1000)]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert any("Brouillon" in note and "hidden sheet" in note for note in notes), notes


def test_an_xml_file_declaring_entities_is_refused_for_that_reason(tmp_path):
    warehouse, _ = _ingest_one(tmp_path, "iati/bombe.xml", bad_files.write_entity_expansion_xml)
    [(status, error)] = query(warehouse, "SELECT status, error FROM ops.files")
    assert status == "rejected"
    assert error.startswith("entités XML refusées") and "XML entities refused" in error


@pytest.mark.real_data
def test_people_named_after_a_civility_or_by_their_e_mail_never_land(tmp_path):
    """Names and e-mails are read from the source documents here, written into a partner's free text, and looked
    for in every text column of every table."""
    names, emails = bad_files.seed_people(shared_path("seeds"))
    assert names and emails
    warehouse, _ = _ingest_one(
        tmp_path, "partner_reports/3w.csv", lambda p: bad_files.write_partner_report_naming_people(p, names, emails)
    )
    assert query(warehouse, "SELECT status, rows_loaded FROM ops.files") == [("loaded", min(len(names), len(emails)))]
    activities = [a for (a,) in query(warehouse, "SELECT activity FROM raw.partner_reports")]
    assert all(a == "Dépistage, voir Mme [nom retiré] au [téléphone retiré] ou [courriel retiré]" for a in activities)
    assert leaks(warehouse, names + emails) == []


def leaks(warehouse, people: list[str]) -> list[tuple]:
    """(table, column, a cell) for every text column of the warehouse holding one of the people."""
    import re

    pattern = "|".join(re.escape(person.lower()) for person in people)
    columns = query(
        warehouse,
        """SELECT table_schema, table_name, column_name FROM information_schema.columns
                                  WHERE data_type = 'VARCHAR' OR data_type = 'VARCHAR[]'""",
    )
    found = []
    for schema, table, column in columns:
        cells = query(
            warehouse,
            f'SELECT CAST("{column}" AS VARCHAR) FROM "{schema}"."{table}" '
            f'WHERE regexp_matches(lower(CAST("{column}" AS VARCHAR)), ?) LIMIT 1',
            [pattern],
        )
        found += [(f"{schema}.{table}", column, cell) for (cell,) in cells]
    return found


@pytest.mark.parametrize("seed", range(4))
def test_a_date_no_one_can_mean_costs_its_row_or_its_cell_never_the_file(tmp_path, seed):
    """A partner's period or a tracker's deadline in a year no source means (1010, 1850, 2150): the partner row is
    rejected (its money would be counted at that date), the tracker's deadline cleared and its row loaded."""
    import random

    rng = random.Random(seed)

    def far() -> str:
        year = rng.choice([rng.randint(1000, 1959), rng.randint(2100, 2999)])
        return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"

    partners = ["ACF", "IMC", "Plan", "Islamic Relief", "AMPRODE", "Tassaght", "GARDL", "SOS Sahel"]
    rows, far_lines = [], []
    for line, partner in enumerate(rng.sample(partners, len(partners)), start=2):
        start, end = ("01/01/2024", "31/03/2024") if rng.random() < 0.5 else (far(), "31/12/2024")
        far_lines += [line] if start != "01/01/2024" else []
        rows.append(f"{partner};Mopti;Nutrition;{start};{end};{rng.randint(1, 900)} 000;XOF")
    header = "Partenaire;Région;Secteur;Date de début;Date de fin;Montant dépensé;Devise\n"
    warehouse = _ingest_text(tmp_path / "p", "partner_reports/3w.csv", header + "\n".join(rows) + "\n")
    assert query(warehouse, "SELECT status, rows_read, rows_rejected FROM ops.files") == [
        ("loaded", len(rows), len(far_lines))
    ]
    assert sorted(ln for (ln,) in query(warehouse, "SELECT line_number FROM raw.partner_reports")) == [
        ln for ln in range(2, len(rows) + 2) if ln not in far_lines
    ]
    assert query(warehouse, "SELECT DISTINCT action, column_name FROM ops.rejects WHERE action = 'rejected'") == (
        [("rejected", "Date de début")] if far_lines else []
    )

    deadlines = [far() if rng.random() < 0.5 else "30/06/2025" for _ in range(6)]
    tracker = "N°;Action;Responsable;Échéance;Statut\n" + "\n".join(
        f"{n};Point d'action {n};Cellule {n};{deadline};En cours" for n, deadline in enumerate(deadlines, start=1)
    )
    warehouse = _ingest_text(tmp_path / "t", "commitments/suivi.csv", tracker + "\n")
    assert query(warehouse, "SELECT status, rows_loaded FROM ops.files") == [("loaded", len(deadlines))]
    assert query(warehouse, "SELECT line_number, CAST(deadline AS VARCHAR) FROM raw.commitments ORDER BY 1") == [
        (n + 1, None if d != "30/06/2025" else "2025-06-30") for n, d in enumerate(deadlines, start=1)
    ]
    assert sorted(ln for (ln,) in query(warehouse, "SELECT line_number FROM ops.rejects WHERE action = 'cleared'")) == [
        n + 1 for n, d in enumerate(deadlines, start=1) if d != "30/06/2025"
    ]


def test_a_small_file_whose_rows_are_all_unreadable_is_loaded_with_each_row_rejected_with_its_reason(tmp_path):
    # Once recorded as "fichier illisible (NoAvailableBatchesError)", rows read 0: GX had no row to check.
    text = "Partenaire;Région;Secteur;Montant dépensé;Devise\nACF;Mopti;Nutrition;beaucoup;XOF\nIMC;Gao;Santé;?!;XOF\n"
    warehouse = _ingest_text(tmp_path, "partner_reports/illisible.csv", text)
    assert query(warehouse, "SELECT status, rows_read, rows_loaded, rows_rejected, error FROM ops.files") == [
        ("loaded", 2, 0, 2, None)
    ]
    assert query(warehouse, "SELECT line_number, raw_value FROM ops.rejects ORDER BY 1") == [(2, "beaucoup"), (3, "?!")]


def test_one_budget_line_of_an_impossible_fiscal_year_is_rejected_alone(tmp_path):
    lines, header, cells = bad_files.budget_rows()
    year = cells.index("Exercice")
    row = lines[header + 3].split(";")
    row[year] = "1024"
    lines[header + 3] = ";".join(row)
    warehouse = _ingest_text(tmp_path, "budget_lines/execution.csv", "\n".join(lines[header:]) + "\n")
    [(status, read, loaded, rejected)] = query(
        warehouse, "SELECT status, rows_read, rows_loaded, rows_rejected FROM ops.files"
    )
    assert (status, loaded, rejected) == ("loaded", read - 1, 1)
    assert query(
        warehouse, "SELECT line_number, column_name, raw_value FROM ops.rejects WHERE action = 'rejected'"
    ) == [(4, "fiscal_year", "fiscal_year=1024")]


def test_a_file_our_code_fails_on_is_set_aside_as_our_error_and_read_again_next_night(tmp_path, monkeypatch, caplog):
    """Never "unreadable file" for our own TypeError: the receipt says the fault is ours, the log has the traceback,
    the other files load, and the next night (the bug fixed) reads it."""
    from ingest import inbox

    inbox_dir = tmp_path / "inbox"
    (inbox_dir / "partner_reports").mkdir(parents=True)
    for name in ("a.csv", "b.csv"):
        (inbox_dir / "partner_reports" / name).write_text(
            f"Partenaire;Secteur;Montant dépensé;Devise\nONG {name};Nutrition;1 000;XOF\n", encoding="utf-8"
        )
    real = inbox._type_and_insert_landed

    def failing_on_a(con, layout, sheet, reading):
        if reading.file_name == "a.csv":
            raise TypeError("unsupported operand type(s) for +: 'int' and 'NoneType'")
        return real(con, layout, sheet, reading)

    monkeypatch.setattr(inbox, "_type_and_insert_landed", failing_on_a)
    warehouse = tmp_path / "w.duckdb"
    first = {f.path: f for f in ingest_inbox(inbox_dir, warehouse, "night-1").files}
    assert first["partner_reports/a.csv"].status == "internal_error"
    assert "pas la faute du fichier" in first["partner_reports/a.csv"].error
    assert first["partner_reports/b.csv"].status == "loaded"
    assert "Traceback" in caplog.text and "TypeError" in caplog.text
    assert query(warehouse, "SELECT status FROM ops.files WHERE path LIKE '%a.csv'") == [("internal_error",)]

    monkeypatch.setattr(inbox, "_type_and_insert_landed", real)  # the fix
    again = {f.path: f.status for f in ingest_inbox(inbox_dir, warehouse, "night-2").files}
    assert again == {"partner_reports/a.csv": "loaded", "partner_reports/b.csv": "known"}
    assert query(warehouse, "SELECT status, count(*) FROM ops.files GROUP BY 1 ORDER BY 1") == [("loaded", 2)]

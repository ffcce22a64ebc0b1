"""Ingestion of the inbox: what lands, what is rejected and why, and that nothing is lost."""

from __future__ import annotations

import hashlib
import re
import shutil
from decimal import Decimal

import duckdb
import pytest

from ingest.inbox import ingest_inbox
from tests.conftest import SAMPLE_INBOX, query

SAMPLE_FILES = {
    "budget_lines/execution_budget_etat_2019_2024.csv": 82,
    "budget_lines/transferts_collectivites_2022_2024.xlsx": 30,
    "commitments/suivi_engagements.xlsx": 19,
    "partner_reports/3W_nutrition_T1_2024.csv": 5,
    "partner_reports/3W_relevement_precoce_T2_2024.xlsx": 3,
    "iati/activites_mali_exemple.xml": 2,
    "fts/fts_mali_2024_page_1.json": 3,
    "fts/fts_mali_2024_page_2.json": 3,
}


@pytest.fixture
def inbox(tmp_path):
    target = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, target)
    return target


def _ingest(inbox, tmp_path, batch="b1"):
    warehouse = tmp_path / "w.duckdb"
    return ingest_inbox(inbox, warehouse, batch), warehouse


def test_sample_inbox_lands_every_row(inbox, tmp_path):
    summary, warehouse = _ingest(inbox, tmp_path)
    rows = dict(query(warehouse, "SELECT path, rows_loaded FROM ops.files WHERE status = 'loaded'"))
    assert rows == SAMPLE_FILES
    assert summary.as_dict()["rows_rejected"] == 0


def test_rutf_line_of_2020_keeps_its_amount_and_source_line(inbox, tmp_path):
    _, warehouse = _ingest(inbox, tmp_path)
    rows = query(
        warehouse,
        """
        SELECT budget_version, dotation, line_number, currency FROM raw.budget_lines
        WHERE fiscal_year = 2020 AND line_code = '2.071.09' ORDER BY line_number""",
    )
    # Title row, blank row and header above the data: the first data row is line 4 of the cp1252 CSV.
    assert rows == [
        ("Loi de finances initiale", 600_000_000, 24, "XOF"),
        ("Loi de finances rectificative", 600_000_000, 35, "XOF"),
    ]


def test_amounts_in_millions_usd_headers_and_hxl(inbox, tmp_path):
    _, warehouse = _ingest(inbox, tmp_path)
    # "Dotation (millions FCFA)" with 472 000 x 12 % = 56 640 million for Ségou in 2022.
    assert query(
        warehouse,
        """SELECT dotation FROM raw.budget_lines
                                WHERE fiscal_year = 2022 AND region = 'Ségou'""",
    ) == [(56_640_000_000,)]
    # English headers, "Planned budget (USD)", Excel dates and decimals.
    assert query(
        warehouse,
        """SELECT planned_budget, amount_spent, currency, period_end FROM raw.partner_reports
                                WHERE region = 'Tombouctou'""",
    )[0][:3] == (350_000, 212_500.75, "USD")
    # HXL row under French headers, "97 250 000 F CFA" with non-breaking spaces, cp1252 accents.
    assert query(
        warehouse,
        """SELECT amount_spent, currency, cercle, line_number FROM raw.partner_reports
                                WHERE partner = 'Action Contre la Faim'""",
    ) == [(97_250_000, "XOF", "Ténenkou", 6)]


def test_commitment_deadlines_dates_french_months_and_undated(inbox, tmp_path):
    _, warehouse = _ingest(inbox, tmp_path)
    rows = dict(query(warehouse, "SELECT commitment_id, deadline FROM raw.commitments"))
    assert str(rows["SUN-2014-03"]) == "2014-12-04"  # "4 décembre 2014"
    assert rows["CRP-2016-03"] is None
    assert query(warehouse, "SELECT deadline_text FROM raw.commitments WHERE commitment_id = 'CRP-2016-03'") == [
        ("La date limite sera communiquée ultérieurement",)
    ]


def test_malformed_files_are_rejected_with_a_reason_and_the_others_load(inbox, tmp_path):
    (inbox / "budget_lines" / "corrompu.xlsx").write_bytes(b"PK\x03\x04 ceci n'est pas un classeur")
    (inbox / "partner_reports" / "vide.csv").write_bytes(b"")
    (inbox / "partner_reports" / "sans_entetes.csv").write_text("Bonjour;Merci\n1;2\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}

    summary, warehouse = _ingest(inbox, tmp_path)

    rejected = dict(query(warehouse, "SELECT path, error FROM ops.files WHERE status = 'rejected'"))
    assert "classeur Excel illisible" in rejected["budget_lines/corrompu.xlsx"]
    assert rejected["partner_reports/vide.csv"] == "fichier vide / empty file"
    assert "colonnes manquantes Partenaire" in rejected["partner_reports/sans_entetes.csv"]
    assert summary.count("loaded") == len(SAMPLE_FILES)
    # A rejected file stays where it was, unchanged.
    assert {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()} == before


def test_rejected_rows_keep_file_line_column_raw_value_and_reason(inbox, tmp_path):
    (inbox / "partner_reports" / "erreurs.csv").write_text(
        "Partenaire;Secteur;Région;Montant dépensé;Date de début\n"
        "ACF;Nutrition;Kayes;1 000 000;01/01/2024\n"
        ";Nutrition;Kayes;2 000 000;01/01/2024\n"
        "HKI;Nutrition;Kayes;douze mille;01/01/2024\n"
        "\n"
        "PAM;Nutrition;Gao;500 USD;31/02/2024\n"
        "TOTAL;;;3 500 000;\n",
        encoding="utf-8",
    )
    _, warehouse = _ingest(inbox, tmp_path)
    rejects = query(
        warehouse,
        """SELECT line_number, column_name, raw_value, reason_fr FROM ops.rejects
                                   WHERE file_name = 'erreurs.csv' ORDER BY line_number, column_name""",
    )
    assert rejects == [
        (3, "Partenaire", None, "valeur obligatoire manquante"),
        (4, "Montant dépensé", "douze mille", "montant illisible"),
        (6, "Date de début", "31/02/2024", "date illisible (attendu jj/mm/aaaa)"),
        (7, "Partenaire", "TOTAL", "ligne de total ignorée (les totaux sont recalculés)"),
    ]
    # The total row is skipped, not rejected: rows read = loaded + skipped + rejected.
    assert query(
        warehouse,
        """SELECT rows_read, rows_loaded, rows_skipped, rows_rejected FROM ops.files
                                WHERE file_name = 'erreurs.csv'""",
    ) == [(5, 1, 1, 3)]
    assert query(
        warehouse,
        """SELECT DISTINCT line_number, action FROM ops.rejects WHERE file_name = 'erreurs.csv'
                                ORDER BY 1""",
    ) == [(3, "rejected"), (4, "rejected"), (6, "rejected"), (7, "skipped")]


def test_rows_read_equal_rows_loaded_plus_skipped_plus_rejected_for_every_file(inbox, tmp_path):
    (inbox / "partner_reports" / "erreurs.csv").write_text(
        "Partenaire;Secteur;Montant dépensé\nACF;Nutrition;x\nHKI;Nutrition;10\n", encoding="utf-8"
    )
    (inbox / "iati" / "mauvais.xml").write_text(
        "<iati-activities><iati-activity><iati-identifier>A</iati-identifier><transaction><value>x</value>"
        "</transaction></iati-activity><iati-activity><iati-identifier>B</iati-identifier></iati-activity>"
        "</iati-activities>",
        encoding="utf-8",
    )
    _, warehouse = _ingest(inbox, tmp_path)
    units = " UNION ALL ".join(
        f"SELECT file_id FROM {t}"
        for t in ("raw.partner_reports", "raw.budget_lines", "raw.commitments", "raw.iati_activities", "raw.fts_flows")
    )
    # The activity whose one transaction is unreadable lands; the transaction alone is rejected.
    assert query(
        warehouse, "SELECT rows_read, rows_loaded, rows_rejected FROM ops.files WHERE file_name = 'mauvais.xml'"
    ) == [(2, 2, 0)]
    assert query(warehouse, "SELECT action, raw_value FROM ops.rejects WHERE file_name = 'mauvais.xml'") == [
        ("part_rejected", "x")
    ]
    for path, read, loaded, skipped, rejected, raw_rows, skipped_lines, rejected_lines in query(
        warehouse,
        f"""
            SELECT f.path, f.rows_read, f.rows_loaded, f.rows_skipped, f.rows_rejected,
                   (SELECT count(*) FROM ({units}) r WHERE r.file_id = f.file_id),
                   (SELECT count(DISTINCT (sheet, line_number)) FROM ops.rejects j WHERE j.file_id = f.file_id
                    AND j.action = 'skipped'),
                   (SELECT count(DISTINCT (sheet, line_number)) FROM ops.rejects j WHERE j.file_id = f.file_id
                    AND j.action = 'rejected')
            FROM ops.files f WHERE f.status = 'loaded'""",
    ):
        assert read == loaded + skipped + rejected, path
        assert (loaded, skipped, rejected) == (raw_rows, skipped_lines, rejected_lines), path


def test_running_again_changes_nothing_and_a_copy_is_a_recorded_duplicate(inbox, tmp_path):
    _, warehouse = _ingest(inbox, tmp_path, "night-1")

    def snapshot():
        return query(
            warehouse,
            """SELECT (SELECT count(*) FROM ops.files), (SELECT count(*) FROM raw.budget_lines),
                                          (SELECT count(*) FROM raw.partner_reports), (SELECT count(*) FROM raw.commitments)""",
        )

    first = snapshot()
    ingest_inbox(inbox, warehouse, "night-2")
    assert snapshot() == first

    shutil.copy(inbox / "commitments" / "suivi_engagements.xlsx", inbox / "commitments" / "copie.xlsx")
    ingest_inbox(inbox, warehouse, "night-3")
    assert query(
        warehouse, "SELECT status, duplicate_of IS NOT NULL FROM ops.files WHERE file_name = 'copie.xlsx'"
    ) == [("duplicate", True)]
    assert query(warehouse, "SELECT count(*) FROM raw.commitments") == [(first[0][3],)]


def test_personal_data_never_reaches_a_table(inbox, tmp_path):
    (inbox / "partner_reports" / "avec_contacts.csv").write_text(
        "Partenaire;Nom du point focal;Secteur;Activité;Email;Téléphone;Montant dépensé\n"
        "GAD;Awa Traoré;Nutrition;Sensibilisation, contact awa.traore@example.org ou 76 12 43 40;"
        "awa.traore@example.org;+223 66 79 36 13;100 000\n",
        encoding="utf-8",
    )
    _, warehouse = _ingest(inbox, tmp_path)
    assert query(warehouse, "SELECT columns_dropped_personal FROM ops.files WHERE file_name = 'avec_contacts.csv'") == [
        (["Email", "Nom du point focal", "Téléphone"],)
    ]
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    phone = re.compile(r"(\+?223[ .]?)?\b\d{2}([ .]?\d{2}){3}\b")
    con = duckdb.connect(str(warehouse), read_only=True)
    columns = con.execute("""SELECT table_schema, table_name, column_name FROM information_schema.columns
                             WHERE data_type = 'VARCHAR' AND table_schema IN ('raw', 'ops')""").fetchall()
    for schema, table, column in columns:
        for (value,) in con.execute(
            f'SELECT DISTINCT "{column}" FROM {schema}.{table} WHERE "{column}" IS NOT NULL'
        ).fetchall():
            assert not email.search(value) and not phone.search(value), (table, column, value)
    con.close()
    assert query(warehouse, "SELECT activity FROM raw.partner_reports WHERE partner = 'GAD'") == [
        ("Sensibilisation, contact [courriel retiré] ou [téléphone retiré]",)
    ]


def test_sample_inbox_holds_no_personal_data():
    """The seeds name real people: their e-mails and phone numbers must never enter the sample data."""
    phone = re.compile(rb"\b\d{2} \d{2} \d{2} \d{2}\b")
    for path in SAMPLE_INBOX.rglob("*.csv"):
        data = path.read_bytes()
        assert b"@" not in data and not phone.search(data), path
    from ingest.inbox import inbox_files

    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox_files(SAMPLE_INBOX)}
    assert len(sha) == len(SAMPLE_FILES)


def test_the_data_officers_page_documents_the_accepted_headers_of_the_code():
    from ingest.schemas import DATA_OFFICER_PAGE, HEADERS_BEGIN, HEADERS_END, accepted_headers_markdown

    page = DATA_OFFICER_PAGE.read_text(encoding="utf-8")
    assert f"{HEADERS_BEGIN}\n{accepted_headers_markdown()}\n{HEADERS_END}" in page


@pytest.mark.parametrize("blank_line", [None, 500_001])
def test_line_numbers_hold_on_a_file_read_in_parallel(tmp_path, blank_line):
    """A million rows (about 50 MB) are read by several threads: each row must still get its own physical line."""
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    lines = ["Partenaire;Secteur;Activité;Montant dépensé"]
    while len(lines) < 1_000_001:
        line = len(lines) + 1
        lines.append("" if line == blank_line else f"ONG {line % 97};Nutrition;ligne {line};{line} 000,50 FCFA")
    (folder / "grand.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary, warehouse = _ingest(tmp_path / "inbox", tmp_path)
    expected = 1_000_000 - (blank_line is not None)
    assert summary.as_dict()["rows_loaded"] == expected
    assert query(
        warehouse,
        """SELECT count(*), count(*) FILTER (activity = 'ligne ' || line_number
                                                             AND amount_spent = line_number * 1000 + 0.5)
                               FROM raw.partner_reports""",
    ) == [(expected, expected)]


def test_cp1252_file_whose_first_accent_comes_after_the_first_megabyte(tmp_path):
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    rows = ["Partenaire;Secteur;Region;Montant depense"] + [f"ONG {i};Nutrition;Kayes;{i} 000" for i in range(60_000)]
    rows.append("Société malienne;Santé;Ségou;1 500 000 FCFA")
    data = ("\r\n".join(rows) + "\r\n").encode("cp1252")
    assert data.index("é".encode("cp1252")) > 1 << 20
    (folder / "long.csv").write_bytes(data)
    summary, warehouse = _ingest(tmp_path / "inbox", tmp_path)
    assert summary.as_dict()["rows_loaded"] == 60_001
    assert query(
        warehouse, "SELECT partner, sector, region, amount_spent FROM raw.partner_reports WHERE line_number = 60002"
    ) == [("Société malienne", "Santé", "Ségou", 1_500_000)]


def test_a_file_utf8_at_its_head_and_cp1252_further_down_is_rejected_saying_so_and_the_night_goes_on(tmp_path):
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    head = "Partenaire;Secteur;Région;Montant dépensé\n".encode()
    rows = "".join(f"ONG {i};Nutrition;Kayes;{i} 000\n" for i in range(60_000)).encode()
    (folder / "melange.csv").write_bytes(head + rows + "Société;Santé;Ségou;1 500\n".encode("cp1252"))
    (folder / "propre.csv").write_bytes(head + b"ACF;Nutrition;Kayes;1 000\n")
    summary, warehouse = _ingest(tmp_path / "inbox", tmp_path)
    status = {f.path: (f.status, f.error) for f in summary.files}
    assert status["partner_reports/propre.csv"] == ("loaded", None)
    assert status["partner_reports/melange.csv"][0] == "rejected"
    assert "encodages mélangés" in status["partner_reports/melange.csv"][1]
    assert "mixed encodings" in status["partner_reports/melange.csv"][1]
    assert query(warehouse, "SELECT count(*) FROM raw.partner_reports") == [(1,)]


def test_rejected_rows_of_a_workbook_keep_their_sheet(tmp_path):
    from openpyxl import Workbook

    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Rapport d'avril"
    ws.append(["Partenaire", "Secteur", "Montant dépensé"])
    ws.append(["ACF", "Nutrition", "1 000 000"])
    ws.append(["HKI", "Nutrition", "beaucoup"])
    wb.save(folder / "avril.xlsx")
    _, warehouse = _ingest(tmp_path / "inbox", tmp_path)
    assert query(warehouse, "SELECT sheet, line_number, partner FROM raw.partner_reports") == [
        ("Rapport d'avril", 2, "ACF")
    ]
    assert query(warehouse, "SELECT sheet, line_number, column_name, raw_value FROM ops.rejects") == [
        ("Rapport d'avril", 3, "Montant dépensé", "beaucoup")
    ]


def test_a_warehouse_landed_before_the_money_type_has_its_amounts_converted_in_place(tmp_path):
    """Amounts landed as DECIMAL(20, 2) or DOUBLE by an earlier release become DECIMAL(38, 4), values kept."""
    from ingest import ledger

    warehouse = tmp_path / "old.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.partner_reports (file_id BIGINT, planned_budget DECIMAL(20, 2))")
    con.execute("INSERT INTO raw.partner_reports VALUES (1, 38500000.50)")
    con.execute("CREATE TABLE raw.iati_transactions (file_id BIGINT, activity_index INTEGER, value DOUBLE)")
    con.execute("INSERT INTO raw.iati_transactions VALUES (1, 0, 1250.25)")
    ledger.ensure_tables(con)
    types = dict(
        con.execute(
            """SELECT table_name || '.' || column_name, data_type FROM duckdb_columns()
               WHERE schema_name = 'raw' AND column_name IN ('planned_budget', 'value', 'amount_spent', 'amount_usd')"""
        ).fetchall()
    )
    assert set(types.values()) == {"DECIMAL(38,4)"} and "iati_transactions.value" in types
    assert con.execute("SELECT planned_budget FROM raw.partner_reports").fetchall() == [(Decimal("38500000.5"),)]
    assert con.execute("SELECT value FROM raw.iati_transactions").fetchall() == [(Decimal("1250.25"),)]
    con.close()


@pytest.mark.parametrize("seed", range(3))
def test_a_gnr_row_missing_an_identifier_is_rejected_alone_and_an_impossible_date_cleared(tmp_path, seed):
    """GNR exports in seeded random forms: a commitment without its id2 or userId, a goal without its goal_id or id2
    is rejected alone with its reason (the dbt tests on those ids then hold whatever the export); a goal's date
    outside config/plausibility.yml's years is cleared, its row loaded; the rest lands as written."""
    import random

    from ingest import plausibility

    rng = random.Random(seed)
    earliest, latest = plausibility.date_bounds()
    folder = tmp_path / "inbox" / "commitments"
    folder.mkdir(parents=True)
    commitments = [
        (f"'{100 + i}" if rng.random() > 0.2 else "", f"'{i}" if rng.random() > 0.2 else "") for i in range(40)
    ]
    head = "id2,userId,fullcommitment,cost_curr,date_time,title,cost_amount,usd_equiv,funder,n_goals,approval_status,language"
    rows = [
        f"{c},{u},Engagement {i},USD,2021-12-07,T{i},1000,1000,F,1,pending,en" for i, (c, u) in enumerate(commitments)
    ]
    (folder / f"engagements_{seed}.csv").write_text("\n".join([head, *rows]) + "\n", encoding="cp1252")
    years = [
        rng.choice([earliest.year - rng.randint(1, 900), latest.year + rng.randint(1, 90), rng.randint(2020, 2030)])
        for _ in range(30)
    ]
    goals = [
        (f"'{i}" if rng.random() > 0.2 else "", f"'{100 + i}" if rng.random() > 0.2 else "", y)
        for i, y in enumerate(years)
    ]
    head = "goal_id,id2,ind_target,end_date,start_date,goal,type,geoarea,action_area,ind_nameunit,ind_bas,ind_bas_year,Nutrition action category"
    rows = [f"{g},{c},10,{y:04d}-12-31,2021-01-01,But,t,a,Mali,i,1,2020,c" for g, c, y in goals]
    (folder / f"objectifs_{seed}.csv").write_text("\n".join([head, *rows]) + "\n", encoding="cp1252")

    summary, warehouse = _ingest(tmp_path / "inbox", tmp_path)
    kept_commitments = sum(1 for c, u in commitments if c and u)
    kept_goals = [(g, c, y) for g, c, y in goals if g and c]
    by_file = {
        f.path.split("/")[-1].split("_")[0]: (f.rows_read, f.rows_loaded, f.rows_rejected) for f in summary.files
    }
    assert by_file["engagements"] == (40, kept_commitments, 40 - kept_commitments)
    assert by_file["objectifs"] == (30, len(kept_goals), 30 - len(kept_goals))
    assert query(
        warehouse, "SELECT count(*) FROM raw.gnr_commitments WHERE commitment_id IS NULL OR user_id IS NULL"
    ) == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM raw.gnr_goals WHERE goal_id IS NULL OR commitment_id IS NULL") == [
        (0,)
    ]
    rejected = query(
        warehouse, "SELECT count(*) FROM ops.rejects WHERE action = 'rejected' AND reason_en = 'identifier missing'"
    )
    assert rejected == [(40 - kept_commitments + 30 - len(kept_goals),)]
    impossible = sorted(int(g.strip("'")) for g, _, y in kept_goals if not earliest.year <= y <= latest.year)
    cleared = query(
        warehouse,
        "SELECT CAST(trim(g.goal_id) AS INTEGER) FROM raw.gnr_goals g WHERE end_date IS NULL ORDER BY 1",
    )
    assert [g for (g,) in cleared] == impossible
    assert query(
        warehouse, "SELECT count(*) FROM ops.rejects WHERE action = 'cleared' AND column_name = 'end_date'"
    ) == [(len(impossible),)]
    assert query(
        warehouse, "SELECT min(end_date) >= DATE '2020-12-31', max(end_date) <= DATE '2030-12-31' FROM raw.gnr_goals"
    ) in (
        [(True, True)],
        [(None, None)],
    )

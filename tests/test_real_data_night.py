"""The nightly DAG through Airflow on the sample inbox plus every real file of ../shared/real-data/, plus a bad
file of each kind (tests/bad_files.py).

The night must publish; every file is loaded (rows read = loaded + skipped + rejected, counted in the tables), held
back or rejected with its reason, left where it was, with a receipt in French and in English; the figures of each
file that lands are computed here from the file itself and compared with the marts; no person named in the source
documents reaches a table or the report.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import hashlib
import re
import shutil
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pytest
from python_calamine import CalamineWorkbook

from ingest.ledger import LOADED_ROWS
from tests import bad_files
from tests.conftest import SHARED, query

NIGHT = dt.datetime(2026, 11, 22, 2, 30, tzinfo=dt.UTC)
REAL = SHARED / "real-data"
pytestmark = [pytest.mark.airflow, pytest.mark.real_data]


# What each bad file must become.
BAD_FILES = {
    "budget_lines/execution_corrigee_paiement_trop_eleve.csv": lambda p: bad_files.write_budget_correction(
        p, dotation_change=1_000_000, break_chain=True
    ),
    "partner_reports/export_corrompu.csv": bad_files.write_garbage_partner_report,
    "partner_reports/export_base64.csv": lambda p: bad_files.write_garbage_partner_report(p, style="base64"),
    "partner_reports/periode_inversee.csv": bad_files.write_partner_report_ending_before_it_starts,
    "partner_reports/cellule_lointaine.xlsx": bad_files.write_far_cell_workbook,
    "iati/entites.xml": bad_files.write_entity_expansion_xml,
}
EXPECTED_STATUS = {
    "budget_lines/execution_corrigee_paiement_trop_eleve.csv": "loaded",
    "partner_reports/export_corrompu.csv": "held_back",
    "partner_reports/export_base64.csv": "held_back",
    "partner_reports/periode_inversee.csv": "loaded",
    "partner_reports/cellule_lointaine.xlsx": "rejected",
    "iati/entites.xml": "rejected",
}
# What the real files themselves lack, written as a data officer would (ingest/profiles.py); detection does the rest.
PROFILES = {
    # The council of Tignere (Cameroon) states neither its currency nor its country, and its columns K to M (side,
    # nature, council) have no header.
    "tignere.yml": 'fichiers: "budget_lines/cmr_tignere_*"\ncolonnes:\n  K: budget_side\n  L: economic_nature\n'
    "  M: institution\ndevise: XAF\npays: CM\n",
    # France's execution file is in euros and says so nowhere.
    "plr.yml": 'fichiers: "budget_lines/fra_plr*"\ndevise: EUR\npays: FR\n',
    # Cameroon's BIP 2011 states neither its currency (XAF) nor its country.
    "bip2011.yml": 'fichiers: "budget_lines/cmr_bip_regional_*"\ndevise: XAF\npays: CM\n',
}
NAMING_PEOPLE = "partner_reports/observations_avec_noms.csv"
PEOPLE = bad_files.seed_people(SHARED / "seeds") if (SHARED / "seeds").exists() else ([], [])


@pytest.fixture(scope="module")
def night(airflow_db, tmp_path_factory):
    if not REAL.exists():
        pytest.skip(f"{REAL} absent: the shared real data is not beside this checkout")
    import os

    from airflow.dag_processing.dagbag import DagBag

    from config import Paths
    from tests.conftest import REPO, SAMPLE_INBOX

    root = tmp_path_factory.mktemp("real-night")
    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    shutil.copytree(REAL, inbox, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    for relative, write in BAD_FILES.items():
        write(inbox / relative)
    (inbox / "_profils").mkdir(exist_ok=True)
    for name, text in PROFILES.items():
        (inbox / "_profils" / name).write_text(text, encoding="utf-8")
    if PEOPLE[0]:
        bad_files.write_partner_report_naming_people(inbox / NAMING_PEOPLE, *PEOPLE)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.rglob("*") if p.is_file()}
    paths = Paths(inbox, root / "warehouse" / "budget.duckdb", root / "reports")
    env = {"INBOX_DIR": str(paths.inbox), "WAREHOUSE_PATH": str(paths.warehouse), "REPORTS_DIR": str(paths.reports)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("budget_nightly")
        run = dag.test(logical_date=NIGHT)
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return run, paths, before


def _file_id(paths, relative: str) -> int:
    [(file_id,)] = query(
        paths.warehouse, "SELECT file_id FROM ops.files WHERE path = ? AND status = 'loaded'", [relative]
    )
    return file_id


def test_the_night_publishes_and_no_file_is_moved_or_changed(night):
    run, paths, before = night
    assert run.state == "success"
    assert (paths.reports / "latest" / "index.html").exists()
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths.inbox.rglob("*") if p.is_file()}
    assert after == before


def test_every_file_is_loaded_with_its_rows_accounted_for_or_rejected_with_its_reason(night):
    _, paths, before = night
    records = {
        p: (status, error) for p, status, error in query(paths.warehouse, "SELECT path, status, error FROM ops.files")
    }
    assert set(records) == {str(p.relative_to(paths.inbox)) for p in before if p.parent.name != "_profils"}
    for path, (status, error) in records.items():
        assert status == EXPECTED_STATUS.get(path, status), path
        assert status in {"loaded", "held_back", "rejected"}, path
        assert (status != "loaded") == bool(error), path
    # The real files themselves are loaded or rejected; only the bad files of ours are held back.
    assert {p for p, (status, _) in records.items() if status == "held_back"} == {
        p for p, s in EXPECTED_STATUS.items() if s == "held_back"
    }
    # The empty and the malformed file are rejected, each with its own reason.
    assert "vide" in records["iati/dportal_1.xml"][1]
    assert "mal formé" in records["iati/dportal_140.xml"][1]
    units = " UNION ALL ".join(f"SELECT file_id FROM {t}" for t in LOADED_ROWS)
    for path, read, loaded, skipped, rejected, in_tables, skipped_lines, rejected_lines in query(
        paths.warehouse,
        f"""
            SELECT f.path, f.rows_read, f.rows_loaded, f.rows_skipped, f.rows_rejected,
                   (SELECT count(*) FROM ({units}) r WHERE r.file_id = f.file_id),
                   (SELECT count(DISTINCT (sheet, line_number)) FROM ops.rejects j
                    WHERE j.file_id = f.file_id AND j.action = 'skipped'),
                   (SELECT count(DISTINCT (sheet, line_number)) FROM ops.rejects j
                    WHERE j.file_id = f.file_id AND j.action = 'rejected')
            FROM ops.files f WHERE f.status = 'loaded'""",
    ):
        assert read == loaded + skipped + rejected, path
        assert (loaded, skipped, rejected) == (in_tables, skipped_lines, rejected_lines), path


def _number(text):
    """A value as the file writes it, at the money type's four decimals (rounded as DuckDB casts: half away from
    zero); None when it is not a finite number."""
    try:
        number = Decimal(text.strip().replace(",", "")) if text and text.strip() else None
    except InvalidOperation:
        return None
    return number.quantize(Decimal("0.0001"), ROUND_HALF_UP) if number is not None and number.is_finite() else None


def test_each_real_file_checked_before_the_night_gets_the_verdict_the_night_then_gives(night, tmp_path):
    """`python -m warehouse.check` on each real file, against the warehouse as it was before the night (none) and
    the night's profiles: its exit status is what the night then did with the file. Each check's seconds are printed
    (`pytest -s`), not asserted: the machine is shared."""
    import os
    import subprocess
    import sys
    import time

    from warehouse.check import EXIT_CODES

    _, paths, _ = night
    statuses = dict(query(paths.warehouse, "SELECT path, status FROM ops.files"))
    env = os.environ | {
        "INBOX_DIR": str(paths.inbox),
        "WAREHOUSE_PATH": str(tmp_path / "before-the-night" / "budget.duckdb"),
        "REPORTS_DIR": str(tmp_path / "reports"),
    }
    seconds, verdicts = {}, {}
    for file in sorted(p for p in REAL.rglob("*") if p.is_file() and p.name != "README.md"):
        relative = str(file.relative_to(REAL))
        out = tmp_path / "accuses" / relative
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "warehouse.check", str(paths.inbox / relative), "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds[relative] = time.perf_counter() - started
        verdicts[relative] = {code: status for status, code in EXIT_CODES.items()}.get(proc.returncode, proc.stderr)
        assert list((out / "fr").glob("fichier-*.html")) and list((out / "en").glob("fichier-*.html")), relative
    assert verdicts == {relative: statuses[relative] for relative in verdicts}
    assert not (tmp_path / "before-the-night").exists()
    for relative, took in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"{took:5.1f} s  {verdicts[relative]:9}  {relative}")


def test_every_iati_transaction_with_a_value_lands_once_unsplit(night):
    """Per currency, the count and sum of transactions of each activity's latest file, read here with ElementTree."""
    _, paths, _ = night
    loaded = dict(
        query(paths.warehouse, "SELECT path, file_id FROM ops.files WHERE status = 'loaded' AND source_kind = 'iati'")
    )
    latest: dict[str, tuple[int, list]] = {}
    for path, file_id in loaded.items():
        for activity in ET.parse(paths.inbox / path).getroot().iter("iati-activity"):
            ident = (activity.findtext("iati-identifier") or "").strip()
            if not ident:
                continue
            default = activity.get("default-currency")
            values = []
            for t in activity.findall("transaction"):
                value = t.find("value")
                amount = _number(value.text if value is not None else None)
                if amount is not None:
                    values.append((value.get("currency") or default, amount))
            if ident not in latest or latest[ident][0] < file_id:
                latest[ident] = (file_id, values)
    expected = collections.defaultdict(lambda: [0, Decimal(0)])
    for _, values in latest.values():
        for currency, amount in values:
            expected[currency][0] += 1
            expected[currency][1] += amount
    marts = {
        c: (n, s)
        for c, n, s in query(
            paths.warehouse,
            """
        SELECT currency_original, count(*), sum(amount_original) FROM marts.fct_funding_flows
        WHERE source_system = 'iati' GROUP BY 1""",
        )
    }
    assert set(marts) == set(expected)
    for currency, (count, total) in expected.items():
        assert marts[currency][0] == count, currency
        assert marts[currency][1] == total, currency  # exact: one money type from the file to the mart
    [(duplicates,)] = query(
        paths.warehouse,
        """SELECT count(*) - count(DISTINCT source_record_id)
                                                FROM marts.fct_funding_flows WHERE source_system = 'iati'""",
    )
    assert duplicates == 0
    # The publishers' percentages are normalised by a stated rule: every flow's shares add up to 1.
    assert query(
        paths.warehouse,
        """SELECT count(*) FROM (SELECT funding_flow_id, dimension FROM
                                     marts.fct_funding_allocations GROUP BY ALL HAVING abs(sum(share) - 1) > 1e-9)""",
    ) == [(0,)]


def test_fts_flows_land_once_across_pages(night):
    import json

    _, paths, _ = night
    pages = [
        json.loads((paths.inbox / "fts" / name).read_text(encoding="utf-8"))
        for name in (
            "custom-search-locationid-171-year-2020.json",
            "custom-search-locationid-171-year-2020-page-2.json",
            "custom-search-locationid-171-year-2020-page-3.json",
        )
    ]
    ids = {str(f["id"]) for page in pages for f in page["data"]["flows"]}
    assert len(ids) == pages[0]["meta"]["count"]
    [(in_marts,)] = query(
        paths.warehouse,
        f"""SELECT count(*) FROM marts.fct_funding_flows WHERE source_system = 'fts'
                                             AND source_record_id IN ({", ".join(repr(i) for i in ids)})""",
    )
    assert in_marts == len(ids)


def test_the_2014_rowca_3w_lands_as_presence_by_country(night):
    _, paths, _ = night
    with open(paths.inbox / "partner_reports" / "rowca_3w_2014_hxl.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[1:]  # row 2 holds the HXL tags
    file_id = _file_id(paths, "partner_reports/rowca_3w_2014_hxl.csv")
    countries = collections.Counter({"Mali": "ML", "Senegal": "SN"}[r["Country"]] for r in rows)
    assert (
        dict(
            query(
                paths.warehouse,
                """SELECT country_code, count(*) FROM marts.fct_operational_presence
                                          WHERE source_file_id = ? GROUP BY 1""",
                [file_id],
            )
        )
        == countries
    )
    assert query(
        paths.warehouse,
        """SELECT count(DISTINCT partner_name), count(DISTINCT sector_name),
                                            count(*) FILTER (reports_money)
                                     FROM marts.fct_operational_presence WHERE source_file_id = ?""",
        [file_id],
    ) == [(len({r["Organization"] for r in rows}), len({r["Cluster"] for r in rows}), 0)]
    # Targets in tonnes or months are no beneficiary counts and no money: nothing of this file is a funding flow.
    assert query(
        paths.warehouse, "SELECT count(*) FROM marts.fct_funding_flows WHERE source_file_id = ?", [file_id]
    ) == [(0,)]


def test_the_chad_3w_workbook_lands_both_sheets_as_presence(night):
    _, paths, _ = night
    workbook = CalamineWorkbook.from_path(str(paths.inbox / "partner_reports" / "tcd_ocha_3w_avr2025.xlsx"))
    file_id = _file_id(paths, "partner_reports/tcd_ocha_3w_avr2025.xlsx")
    for sheet, organisation, province, sector, skip in (
        ("3W Opérationnelle", "Acronyme", "Province", "Cluster", 2),
        ("3W Physique", "Organisation", "Provinces", None, 1),
    ):
        grid = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        header = grid[0]
        rows = [tuple(r) for r in grid[skip:] if any(str(c).strip() for c in r)]
        # A row repeated cell for cell is one presence: skipped, naming the line it repeats.
        body = [dict(zip(header, r, strict=False)) for r in dict.fromkeys(rows)]
        [(repeated,)] = query(
            paths.warehouse,
            "SELECT count(*) FROM ops.rejects WHERE file_id = ? AND sheet = ? AND action = 'skipped' "
            "AND reason_en LIKE 'row identical%'",
            [file_id, sheet],
        )
        assert repeated == len(rows) - len(body), sheet
        column = "partner_acronym" if organisation == "Acronyme" else "partner_name"
        figures = query(
            paths.warehouse,
            f"""
            SELECT count(*), count(DISTINCT {column}), count(DISTINCT region_pcode), count(DISTINCT sector_name),
                   list(DISTINCT country_code), count(*) FILTER (reports_money)
            FROM marts.fct_operational_presence WHERE source_file_id = ? AND source_sheet = ?""",
            [file_id, sheet],
        )
        assert figures == [
            (
                len(body),
                len({r[organisation] for r in body}),
                len({r["Title"] for r in body}),
                len({r[sector] for r in body}) if sector else 0,
                ["TD"],
                0,
            )
        ], sheet
        assert len({r[province] for r in body}) == len({r["Title"] for r in body}), sheet


def test_every_file_has_a_receipt_in_french_and_english_linked_from_the_report(night):
    _, paths, _ = night
    latest = paths.reports / "latest"
    page = (latest / "fr" / "index.html").read_text(encoding="utf-8")
    english_page = (latest / "en" / "index.html").read_text(encoding="utf-8")
    for file_id, _status, error, rejects in query(
        paths.warehouse,
        """
            SELECT f.file_id, f.status, f.error, (SELECT count(*) FROM ops.rejects r WHERE r.file_id = f.file_id)
            FROM ops.files f""",
    ):
        french = (latest / "accuses" / "fr" / f"fichier-{file_id}.html").read_text(encoding="utf-8")
        english = (latest / "accuses" / "en" / f"fichier-{file_id}.html").read_text(encoding="utf-8")
        assert f'href="../accuses/fr/fichier-{file_id}.html"' in page
        assert f'href="../accuses/en/fichier-{file_id}.html"' in english_page
        assert ("Accusé de réception" in french) and ("Receipt" in english)
        if error:
            assert error.split(" / ")[0].replace("'", "&#39;")[:40] in french.replace("&#34;", '"')
        if error and "en-têtes non reconnus" in error:
            # The profile to start from, beside the receipt, readable as a profile.
            from ingest.profiles import _read

            suggested = latest / "accuses" / "fr" / f"fichier-{file_id}-profil-suggere.yml"
            assert suggested.name in french and _read(suggested)["fichiers"]
        if rejects:
            lines = (latest / "accuses" / "en" / f"fichier-{file_id}.csv").read_text(encoding="utf-8-sig").splitlines()
            assert len(lines) == rejects + 1, file_id


def test_no_person_named_in_the_source_documents_reaches_a_table_or_the_report(night):
    from tests.test_held_back import leaks

    _, paths, _ = night
    names, emails = PEOPLE
    if not names:
        pytest.skip(f"{SHARED / 'seeds'} absent: no source documents to read people's names from")
    # The real files' own e-mail addresses (the GNR organisations file holds some) must not land either.
    from ingest.personal_data import personal_data_in

    emails = emails + sorted(
        {
            piece
            for f in REAL.rglob("*")
            if f.is_file() and f.suffix in {".csv", ".json", ".xml"}
            for kind, piece in personal_data_in(f.read_text(encoding="utf-8", errors="replace"))
            if kind == "email"
        }
    )
    assert query(paths.warehouse, "SELECT status FROM ops.files WHERE path = ?", [NAMING_PEOPLE]) == [("loaded",)]
    assert leaks(paths.warehouse, names + emails) == []
    published = [p for p in (paths.reports / "latest").rglob("*") if p.suffix in {".html", ".csv"}]
    for page in published:
        text = page.read_text(encoding="utf-8-sig").lower()
        assert not [person for person in names + emails if person.lower() in text], page


def test_no_e_mail_phone_or_civility_name_is_found_in_any_table_page_receipt_pdf_or_extract(night):
    """The personal-data rules themselves swept over every text cell of the warehouse and everything published: a
    field or a page the redaction missed would hold what they find."""
    from tests.test_leaks import personal_data_left

    _, paths, _ = night
    assert personal_data_left(paths.warehouse, paths) == []


def _amount(cell: str) -> int | None:
    """The council's amounts: '" 2,000,000 "', '-' for zero, blank for none."""
    text = cell.strip().replace(",", "")
    return 0 if text == "-" else int(text) if text else None


def test_the_tignere_council_budget_lands_by_year_side_and_stage_in_xaf_outside_malis_figures(night):
    _, paths, _ = night
    with open(REAL / "budget_lines" / "cmr_tignere_council_budget_2008_2009.csv", encoding="utf-8", newline="") as fh:
        header, *body = list(csv.reader(fh))
    columns = {int(h.split()[0]): {} for h in header if re.fullmatch(r"\s*[0-9]{4} (Budget|Actual)\s*", h)}
    for i, h in enumerate(header):
        if re.fullmatch(r"\s*[0-9]{4} (Budget|Actual)\s*", h):
            columns[int(h.split()[0])][h.split()[1]] = i
    expected = collections.Counter()
    for row in body:
        if row[5].strip().lower().startswith("total"):
            continue
        side = {"REVENUE": "recette", "EXPENDITURE": "depense"}.get(row[10].strip())
        for year, stage in columns.items():
            budget, actual = _amount(row[stage["Budget"]]), _amount(row[stage["Actual"]])
            if budget is None and actual is None:
                continue
            expected[(year, side, "lines")] += 1
            expected[(year, side, "budget")] += budget or 0
            expected[(year, side, "actual")] += actual or 0
    file_id = _file_id(paths, "budget_lines/cmr_tignere_council_budget_2008_2009.csv")
    got = collections.Counter()
    for year, side, lines, budget, actual, currencies, countries, in_scope in query(
        paths.warehouse,
        """SELECT fiscal_year, budget_side, count(*), sum(dotation_xof), sum(paiement_xof), list(DISTINCT currency_code),
                  list(DISTINCT country_code), bool_or(in_platform_scope)
           FROM marts.fct_budget_execution WHERE source_file_id = ? GROUP BY ALL""",
        [file_id],
    ):
        got[(year, side, "lines")], got[(year, side, "budget")], got[(year, side, "actual")] = lines, budget, actual
        # XAF converts at par with XOF (both pegged to the euro); a council of Cameroon is not in Mali's figures.
        assert (currencies, countries, in_scope) == (["XAF"], ["CM"], False)
    assert got == expected
    # What the publisher's README says, as a second opinion on the figures computed above.
    assert expected[(2008, "recette", "budget")] == expected[(2008, "depense", "budget")] == 110_000_000
    assert (expected[(2009, "depense", "budget")], expected[(2009, "depense", "actual")]) == (118_536_734, 54_875_569)


def test_the_french_execution_file_lands_every_line_in_euros(night):
    _, paths, _ = night
    with open(REAL / "budget_lines" / "fra_plr2017_exec_cp_budget_general.csv", encoding="cp1252", newline="") as fh:
        header, *body = list(csv.reader(fh, delimiter=";"))
    paid = header.index(next(h for h in header if h.startswith("EXEC CP")))
    amounts = [int(re.sub(r"\s", "", r[paid])) for r in body if r]
    file_id = _file_id(paths, "budget_lines/fra_plr2017_exec_cp_budget_general.csv")
    [(lines, paid_xof, negative, currencies, countries, in_scope)] = query(
        paths.warehouse,
        """SELECT count(*), sum(paiement_xof), count(*) FILTER (paiement_xof < 0), list(DISTINCT currency_code),
                  list(DISTINCT country_code), bool_or(in_platform_scope)
           FROM marts.fct_budget_execution WHERE source_file_id = ?""",
        [file_id],
    )
    assert lines == len(amounts) and negative == sum(a < 0 for a in amounts)
    # Euros to FCFA at the peg, each line rounded to the centime.
    assert abs(float(paid_xof) - sum(amounts) * 655.957) <= 0.005 * len(amounts)
    assert (currencies, countries, in_scope) == (["EUR"], ["FR"], False)


def _one_figure(cell: str) -> tuple[float | None, str | None]:
    """A GNR goal cell as a number and what it counts, when it is one figure (English thousands commas)."""
    cell = (cell or "").strip()
    if not re.fullmatch(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)? *%?", cell):
        return None, None
    return float(cell.rstrip("% ").replace(",", "")), "percent" if cell.endswith("%") else "indicator_unit"


def _gnr(name: str) -> list[dict]:
    """A GNR export file as its publisher wrote it (cp1252, one byte cp1252 leaves undefined)."""
    data = (REAL / "commitments" / f"gnr2022_naf_{name}.csv").read_bytes().decode("cp1252", errors="replace")
    return list(csv.DictReader(data.splitlines(keepends=True)))


def test_the_gnr_nutrition_for_growth_export_lands_as_commitments_with_their_goals(night):
    _, paths, _ = night
    commitments, goals, organisations = _gnr("commitments"), _gnr("goals"), _gnr("organisations")
    ids = {c["id2"].lstrip("'") for c in commitments}
    known_users = {o["userId"] for o in organisations}
    [(landed, unresolved, holders)] = query(
        paths.warehouse,
        """SELECT count(*), count(*) FILTER (holder_unresolved), count(DISTINCT holder) FILTER (NOT holder_unresolved)
           FROM marts.fct_commitments WHERE source_system = 'gnr'""",
    )
    # Organisations the organisations file does not hold are kept, as 'GNR userId <id>', and counted.
    assert landed == len(ids) and unresolved == sum(c["userId"] not in known_users for c in commitments)
    names = {o["userId"]: o["organisation"].strip() for o in organisations}
    assert holders == len({names[c["userId"]] for c in commitments if c["userId"] in names})
    [(stated_usd,)] = query(paths.warehouse, "SELECT sum(usd_equiv) FROM raw.gnr_commitments")
    assert stated_usd == sum(_number(c["usd_equiv"]) for c in commitments if c["usd_equiv"])
    [(goal_rows, linked, mali_goals, mali_commitments)] = query(
        paths.warehouse,
        """SELECT count(*), count(c.commitment_id), count(*) FILTER (g.country_code = 'ML'),
                  count(DISTINCT g.commitment_id) FILTER (g.country_code = 'ML')
           FROM marts.fct_commitment_goals g LEFT JOIN marts.fct_commitments c USING (commitment_id)""",
    )
    assert goal_rows == linked == len(goals)
    # Baselines and targets are figures only where the cell is one ("31.80%", "1,000,000"); the rest stays as written.
    figures = query(
        paths.warehouse,
        "SELECT baseline_value, baseline_unit, target_value, target_unit FROM marts.fct_commitment_goals",
    )
    expected = [(*_one_figure(g["ind_bas"]), *_one_figure(g["ind_target"])) for g in goals]
    assert collections.Counter(figures) == collections.Counter(expected)
    assert 0 < sum(t is not None for *_, t, _ in expected) < len(goals)
    mali = [g for g in goals if g["action_area"] == "Mali"]
    assert (mali_goals, mali_commitments) == (len(mali), len({g["id2"] for g in mali}))
    # Mali's commitments are the report's; the others stay in the facts.
    listed = query(
        paths.warehouse,
        "SELECT commitment_id FROM marts.fct_commitments WHERE source_system = 'gnr' AND concerns_inbox_country",
    )
    assert {c for (c,) in listed} >= {g["id2"].lstrip("'").upper() for g in mali}
    page = (paths.reports / "latest" / "fr" / "index.html").read_text(encoding="utf-8")
    assert all(c in page for (c,) in listed)
    # "CFA" is the franc of the organisation's country: XOF in Benin or Niger, XAF in Cameroon.
    by_country = {o["userId"]: o["country"] for o in organisations}
    expected = {
        c["id2"].lstrip("'").upper(): {"Cameroon": "XAF"}.get(by_country.get(c["userId"]), "XOF")
        for c in commitments
        if c["cost_curr"].strip() in {"CFA", "FCFA"}
    }
    got = dict(
        query(
            paths.warehouse,
            f"SELECT commitment_id, currency_code FROM marts.fct_commitments "
            f"WHERE commitment_id IN ({', '.join(repr(i) for i in expected)})",
        )
    )
    assert got == expected and set(expected.values()) == {"XOF", "XAF"}

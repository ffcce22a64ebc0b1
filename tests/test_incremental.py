"""Incremental nights: a night rebuilds only the groups of rows its new files touch, and the warehouse it leaves is
the one a full rebuild of the same files gives, including the rules that reach back to earlier nights' rows
(a corrected partner file, a corrected budget line, FTS child flows after their parent, an IATI provider activity
after the activity it funds)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_INBOX, query

RUN_DATE = dt.date(2026, 11, 22)

PROVIDER_ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity default-currency="USD">
  <iati-identifier>XM-DAC-41140-ML-2024</iati-identifier>
  <reporting-org ref="XM-DAC-41140" type="40"><narrative>PAM</narrative></reporting-org>
  <title><narrative>Filets sociaux adaptatifs - Ségou</narrative></title>
  <recipient-country code="ML"/>
  <sector vocabulary="1" code="16010"/>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2024-02-05"/>
   <value value-date="2024-02-05">400000</value>
   <receiver-org ref="XM-EXEMPLE-ONG"><narrative>ONG internationale exemple</narrative></receiver-org></transaction>
 </iati-activity>
</iati-activities>
"""


def _night_1_inbox(inbox: Path) -> None:
    """The sample inbox, but FTS page 1 holds only the parked parent flow 900001 (its children come later)."""
    shutil.copytree(SAMPLE_INBOX, inbox)
    page = json.loads((inbox / "fts" / "fts_mali_2024_page_1.json").read_text(encoding="utf-8"))
    page["data"]["flows"] = [f for f in page["data"]["flows"] if str(f["id"]) == "900001"]
    (inbox / "fts" / "fts_mali_2024_page_1.json").write_text(json.dumps(page), encoding="utf-8")


def _file_with_rows(source: Path, header_lines: int, keep: bytes, replace: tuple[str, str] | None = None) -> bytes:
    """`source`'s title and header lines and its rows containing `keep`, with `replace` applied (cp1252 files)."""
    lines = source.read_bytes().splitlines(keepends=True)
    data = b"".join(lines[:header_lines] + [line for line in lines[header_lines:] if keep in line])
    return data.replace(*(text.encode("cp1252") for text in replace)) if replace else data


def _night_2_files(inbox: Path) -> None:
    """Corrections and late arrivals, dropped next to the files already loaded. The corrected 3W file and budget file
    send again only the rows they correct, so the rows in force from night 1 must be kept beside them."""
    page = json.loads((SAMPLE_INBOX / "fts" / "fts_mali_2024_page_1.json").read_text(encoding="utf-8"))
    page["data"]["flows"] = [f for f in page["data"]["flows"] if str(f["id"]) != "900001"]
    (inbox / "fts" / "fts_mali_2024_enfants.json").write_text(json.dumps(page), encoding="utf-8")
    (inbox / "iati" / "activites_pam_2024.xml").write_text(PROVIDER_ACTIVITY, encoding="utf-8")
    report = SAMPLE_INBOX / "partner_reports" / "3W_nutrition_T1_2024.csv"
    (inbox / "partner_reports" / "3W_nutrition_T1_2024_corrige.csv").write_bytes(
        _file_with_rows(report, 4, b"HKI;", ("45\u00a0000\u00a0000 FCFA", "47\u00a0000\u00a0000 FCFA"))
    )
    # OMAES reports its second quarter: its first-quarter rows (night 1) stay in force.
    (inbox / "partner_reports" / "3W_nutrition_T2_2024.csv").write_bytes(
        _file_with_rows(
            report, 4, b"OMAES;", ("01/01/2024;31/03/2024;15 000 000", "01/04/2024;30/06/2024;16 000 000 FCFA")
        )
    )
    budget = SAMPLE_INBOX / "budget_lines" / "execution_budget_etat_2019_2024.csv"
    (inbox / "budget_lines" / "execution_budget_etat_2019_2024_corrige.csv").write_bytes(
        _file_with_rows(
            budget,
            3,
            b"2019;Loi de finances initiale;National;;Minist\xe8re de la Sant\xe9 et du D\xe9veloppement social;2.071.01;",
            (";250\u00a0000\u00a0000;230", ";260\u00a0000\u00a0000;230"),
        )
    )


def _night(warehouse: Path, inbox: Path, run_id: str, build: bool = True) -> None:
    from ingest.inbox import ingest_inbox
    from warehouse import nightly

    ingest_inbox(inbox, warehouse, run_id)
    if build:
        nightly.build(str(warehouse), RUN_DATE, run_id)


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory) -> tuple[Path, Path]:
    """(night 1 built in full then night 2 built incrementally, the same files built in full in one go)."""
    root = tmp_path_factory.mktemp("incremental")
    incremental, full = root / "incremental.duckdb", root / "full.duckdb"
    for warehouse, inbox in ((incremental, root / "inbox_incremental"), (full, root / "inbox_full")):
        _night_1_inbox(inbox)
        _night(warehouse, inbox, "night-1", build=warehouse == incremental)
        _night_2_files(inbox)
        _night(warehouse, inbox, "night-2")
    return incremental, full


def test_night_two_is_incremental_and_rebuilds_only_the_groups_its_files_touch(two_nights):
    incremental, full = two_nights
    # dbt's process leaves without closing DuckDB once it has checkpointed: nothing of the night is left in a WAL.
    assert not Path(f"{incremental}.wal").exists() and not Path(f"{full}.wal").exists()
    assert query(incremental, "SELECT build_number, run_id, build_mode FROM ops.model_builds ORDER BY built_at") == [
        (1, "night-1", "full"),
        (2, "night-2", "incremental"),
    ]
    assert query(full, "SELECT build_mode FROM ops.model_builds") == [("full",)]
    groups = {g for (g,) in query(incremental, "SELECT flow_group_key FROM scratch.int_funding_flow_groups_to_rebuild")}
    # The corrected 3W file's partners, the new PAM activity and the ONG activity whose incoming funds it provides,
    # the FTS children and their parent; not the other IATI activity nor the FTS flows of page 2.
    assert {
        "partner_report:hki",
        "iati:XM-DAC-41140-ML-2024",
        "iati:XM-EXEMPLE-ONG-ML-PS-2024-02",
        "fts:900001",
        "fts:900002",
        "fts:900003",
    } <= groups
    assert not groups & {"iati:XM-EXEMPLE-DON-ML-NUT-2023-01", "fts:900004", "partner_report:ong tagne"}
    assert {g for g in groups if g.startswith("partner_report:")} == {"partner_report:hki", "partner_report:omaes"}
    [(lines,)] = query(incremental, "SELECT count(*) FROM scratch.int_budget_lines_to_rebuild")
    [(in_file,)] = query(
        incremental,
        """SELECT count(DISTINCT budget_line_id) FROM staging.stg_inbox__budget_lines
                                          WHERE source_file_id = (SELECT max(file_id) FROM ops.files
                                                                  WHERE path LIKE '%execution_budget_etat_2019_2024_corrige.csv')""",
    )
    assert lines == in_file > 0
    # What night 2 wrote is what it rebuilt: the rows of those groups, and no other.
    for mart in ("fct_funding_flows", "fct_operational_presence"):
        [(written, rebuilt, total)] = query(
            incremental,
            f"""
            SELECT count(*) FILTER (build_number = 2),
                   count(*) FILTER (flow_group_key IN (SELECT flow_group_key
                                                       FROM scratch.int_funding_flow_groups_to_rebuild)),
                   count(*)
            FROM marts.{mart}""",
        )
        assert 0 < written == rebuilt < total, mart


def test_rules_reaching_back_to_earlier_nights_apply(two_nights):
    incremental, _ = two_nights
    rules = dict(
        query(
            incremental,
            """SELECT source_record_id, double_count_rule FROM marts.fct_funding_flows
                                        WHERE source_record_id IN ('900001', 'XM-EXEMPLE-ONG-ML-PS-2024-02#0')""",
        )
    )
    assert rules == {
        "900001": "fts_parent_with_children",
        "XM-EXEMPLE-ONG-ML-PS-2024-02#0": "iati_incoming_reported_by_provider",
    }
    # The corrected 3W file replaced the first: HKI's plan is 47 million, once.
    assert query(
        incremental,
        """SELECT amount_xof FROM marts.fct_funding_flows
                                  WHERE recipient_org_name = 'HKI' AND flow_stage = 'planned'""",
    ) == [(47_000_000,)]
    # OMAES's second quarter came beside its first, which stays in force.
    assert query(
        incremental,
        """SELECT value_date, amount_xof FROM marts.fct_funding_flows
                                  WHERE recipient_org_name = 'OMAES' AND flow_stage = 'planned' ORDER BY 1""",
    ) == [(dt.date(2024, 3, 31), 15_000_000), (dt.date(2024, 6, 30), 16_000_000)]
    # The corrected 2019 dotation of the CCN line; its other years and versions, sent on night 1 only, stay.
    assert query(
        incremental,
        """SELECT fiscal_year, budget_version, dotation_xof FROM marts.fct_budget_allocations
                                  WHERE line_label = 'Cellule de Coordination de la Nutrition - fonctionnement'
                                  AND fiscal_year IN (2019, 2023) ORDER BY 1, 2""",
    ) == [(2019, "initiale", 260_000_000), (2023, "initiale", 304_000_000), (2023, "rectificative", 289_000_000)]
    [(ccn_rows,)] = query(
        incremental,
        """SELECT count(*) FROM marts.fct_budget_allocations
                                           WHERE line_label = 'Cellule de Coordination de la Nutrition - fonctionnement'""",
    )
    assert ccn_rows == 8


MARTS_REBUILT_EACH_NIGHT = {"fct_commitment_status_history"}  # from the snapshot: the times of each night differ


def test_incremental_nights_leave_the_marts_a_full_rebuild_gives(two_nights):
    incremental, full = two_nights
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        con.execute(f"ATTACH '{full}' AS full_build (READ_ONLY)")
        tables = [
            t
            for (t,) in con.execute("""SELECT table_name FROM duckdb_tables()
                                                WHERE database_name = current_database() AND schema_name = 'marts'
                                                ORDER BY 1""").fetchall()
        ]
        differences, compared = {}, {}
        for table in set(tables) - MARTS_REBUILT_EACH_NIGHT:
            [(rows,)] = con.execute(f"SELECT count(*) FROM marts.{table}").fetchall()
            # Every column but the number of the build that wrote the row (1 or 2 here, 1 there).
            columns = ", ".join(
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                    "AND schema_name = 'marts' AND table_name = ? AND column_name <> 'build_number' ORDER BY column_index",
                    [table],
                ).fetchall()
            )
            [(only_here,)] = con.execute(f"""SELECT count(*) FROM (SELECT {columns} FROM marts.{table}
                                              EXCEPT ALL SELECT {columns} FROM full_build.marts.{table})""").fetchall()
            [(only_there,)] = con.execute(f"""SELECT count(*) FROM (SELECT {columns} FROM full_build.marts.{table}
                                               EXCEPT ALL SELECT {columns} FROM marts.{table})""").fetchall()
            if only_here or only_there:
                differences[table] = (only_here, only_there)
            compared[table] = rows
        assert differences == {}
        assert (
            min(
                compared[t]
                for t in (
                    "fct_funding_flows",
                    "fct_funding_allocations",
                    "fct_budget_allocations",
                    "rpt_who_funds_what_where",
                    "dq_unmatched_organisations",
                )
            )
            > 0
        )
    finally:
        con.close()


def test_after_an_incremental_night_the_gate_checks_the_rows_rebuilt(two_nights):
    from expectations.gate import validate_marts
    from warehouse.builds import incremental_build_number

    incremental, _ = two_nights
    result = validate_marts(incremental, incremental_build_number(incremental))
    assert result.ok, result.summary()
    [(rebuilt, total)] = query(
        incremental,
        """
        SELECT count(*) FILTER (flow_group_key IN (SELECT flow_group_key
                                                   FROM scratch.int_funding_flow_groups_to_rebuild)),
               count(*)
        FROM marts.fct_funding_flows""",
    )
    assert result.rows_checked["fct_funding_flows"] == rebuilt < total
    [(lines,)] = query(
        incremental,
        """SELECT count(*) FROM marts.fct_budget_allocations WHERE budget_line_id IN
                                        (SELECT budget_line_id FROM scratch.int_budget_lines_to_rebuild)""",
    )
    assert result.rows_checked["fct_budget_allocations"] == lines
    [(commitments,)] = query(incremental, "SELECT count(*) FROM marts.fct_commitments")
    assert result.rows_checked["fct_commitments"] == commitments == 18


def test_a_change_of_models_seeds_or_exchange_rates_or_a_request_rebuilds_everything(two_nights, tmp_path, monkeypatch):
    from warehouse import builds, dbt

    warehouse = tmp_path / "copy.duckdb"
    shutil.copyfile(two_nights[0], warehouse)
    assert builds.plan(warehouse).mode == "incremental"
    assert builds.plan(warehouse, full_refresh=True).full_refresh_reason == "demandée / asked for"

    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE ops.reference_files SET sha256 = 'new rates' WHERE name = 'ecb_euro_rates'")
    con.close()
    assert builds.plan(warehouse).mode == "full"

    project = tmp_path / "dbt_project"
    shutil.copytree(dbt.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(dbt, "DBT_PROJECT_DIR", project)  # where project_fingerprint reads it
    before = builds.project_fingerprint()
    weights = project / "seeds" / "nutrition_weights.csv"
    weights.write_text(weights.read_text(encoding="utf-8") + "2027.1,sensitive,0.3\n", encoding="utf-8")
    assert builds.project_fingerprint() != before


def test_a_build_that_fails_is_not_recorded_and_the_next_night_rebuilds_the_same_groups(two_nights, tmp_path):
    """The build is recorded by dbt's own process once it succeeded (warehouse/dbt_session.py): a failed build leaves
    no record, so the next night still sees the failed night's files as new."""
    from warehouse import builds

    warehouse = tmp_path / "failing.duckdb"
    shutil.copy(two_nights[0], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        [(file_id,)] = con.execute("SELECT max(file_id) + 1 FROM ops.files").fetchall()
        con.execute(
            "INSERT INTO ops.files (file_id, path, file_name, sha256, size_bytes, received_at, loaded_at, load_batch, "
            "status) VALUES (?, 'partner_reports/sans_nom.csv', 'sans_nom.csv', 'x', 1, now()::TIMESTAMP, "
            "now()::TIMESTAMP, 'night-3', 'loaded')",
            [file_id],
        )
        # A row naming no partner, as no ingestion lets through: the staging test on the night's rows fails.
        con.execute(
            "INSERT INTO raw.partner_reports (file_id, line_number, load_batch, currency_assumed) "
            "VALUES (?, 5, 'night-3', true)",
            [file_id],
        )
    before = query(warehouse, "SELECT * FROM ops.model_builds ORDER BY build_number")
    build_plan, result = builds.build(warehouse, (RUN_DATE + dt.timedelta(days=2)).isoformat(), "night-3")
    assert build_plan.mode == "incremental" and not result.ok
    assert any("not_null_stg_inbox__partner_reports_partner_name" in f for f in result.failures), result.failures
    assert query(warehouse, "SELECT * FROM ops.model_builds ORDER BY build_number") == before
    assert builds.plan(warehouse).built_through_file_id < file_id

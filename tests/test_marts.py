"""The dbt project built on the sample inbox: the facts and the figures analysts will quote."""

from __future__ import annotations

import datetime

import pytest

from tests.conftest import REPO, query, with_inbox_settings


def test_rutf_line_of_2020_in_fcfa_euro_and_dollars(built_sample):
    rows = query(
        built_sample,
        """
        SELECT budget_version, dotation_xof, dotation_eur, dotation_usd, nutrition_category, tagging_rule_id
        FROM marts.fct_budget_allocations WHERE fiscal_year = 2020 AND line_code = '2.071.09' ORDER BY 1""",
    )
    usd_per_eur_2020 = query(
        built_sample,
        """SELECT avg(units_per_eur) FROM raw.ecb_euro_rates
                                               WHERE currency = 'USD' AND year(rate_date) = 2020""",
    )[0][0]
    expected_usd = round(600_000_000 / 655.957 * usd_per_eur_2020, 2)
    assert [r[:2] for r in rows] == [("initiale", 600_000_000), ("rectificative", 600_000_000)]
    assert float(rows[0][2]) == pytest.approx(914_694.10, abs=0.01)  # fixed peg
    assert float(rows[0][3]) == pytest.approx(expected_usd, abs=0.01)
    assert 1_000_000 < float(rows[0][3]) < 1_100_000  # "environ 1 million USD" (seed 001)
    assert rows[0][4:] == ("specific", "NUT-S01")


def test_allocation_grain_is_line_year_version(built_sample):
    [(rows, keys, triples)] = query(
        built_sample,
        """
        SELECT count(*), count(DISTINCT budget_allocation_id),
               count(DISTINCT (budget_line_id, fiscal_year, budget_version))
        FROM marts.fct_budget_allocations""",
    )
    # 82 national rows (60 initial + 22 revised) and 30 regional transfers of the XLSX.
    assert rows == keys == triples == 112


def test_execution_uses_the_revised_law_and_keeps_the_stage_order(built_sample):
    rows = query(
        built_sample,
        """
        SELECT budget_version, dotation_xof, engagement_xof, paiement_xof, paiement_rate
        FROM marts.fct_budget_execution WHERE fiscal_year = 2020 AND line_code = '2.071.09'""",
    )
    assert rows == [("rectificative", 600_000_000, 540_000_000, 468_000_000, pytest.approx(0.78))]
    assert query(
        built_sample,
        """SELECT count(*) FROM marts.fct_budget_execution
                                   WHERE engagement_xof > dotation_xof OR liquidation_xof > engagement_xof
                                      OR ordonnancement_xof > liquidation_xof OR paiement_xof > ordonnancement_xof""",
    ) == [(0,)]


def test_nutrition_budget_by_year_against_the_2019_baseline(built_sample):
    rows = {
        r[0]: r[1:]
        for r in query(
            built_sample,
            """
        SELECT fiscal_year, specific_dotation_xof, weighted_nutrition_dotation_xof, ratio_to_pledge_baseline
        FROM marts.rpt_nutrition_budget_by_year""",
        )
    }
    assert sorted(rows) == [2019, 2020, 2021, 2022, 2023, 2024]
    # 2019: malnutrition 1.4 bn specific; weighted = 1.4 bn + 0.25 bn enabling + 25 % of 12.1 bn sensitive.
    assert rows[2019][0] == 1_400_000_000
    assert rows[2019][1] == 1_400_000_000 + 250_000_000 + 0.25 * (
        2_000_000_000 + 900_000_000 + 5_200_000_000 + 4_000_000_000
    )
    assert rows[2019][2] == 1.0
    # 2020, revised law (x 0.97): malnutrition 1.512 bn -> 1.467 bn, plus the 600 million RUTF line kept as voted.
    assert rows[2020][0] == 1_467_000_000 + 600_000_000


def test_commitments_status_as_of_the_run_date(built_sample):
    rows = {
        r[0]: r[1:]
        for r in query(
            built_sample,
            """
        SELECT commitment_id, status_reported, computed_status, is_overdue, days_overdue, update_count
        FROM marts.fct_commitments""",
        )
    }
    assert len(rows) == 18
    # The 2019 pledge: latest of two updates says off track, and its 31/12/2023 deadline has passed.
    assert rows["ENG-2019-01"] == ("off_track", "overdue", True, 1057, 2)
    assert rows["ENG-2018-30PCT"][:3] == ("not_achieved", "overdue", True)
    assert rows["STAB-2024-03"][:3] == ("achieved", "achieved", False)
    # No date to be late against, and no news for over six months.
    assert rows["CRP-2016-03"][:4] == ("in_progress", "no_news", False, None)
    counts = dict(query(built_sample, "SELECT computed_status, count(*) FROM marts.fct_commitments GROUP BY 1"))
    assert counts == {"achieved": 8, "overdue": 8, "no_news": 2}


def test_a_corrected_partner_file_replaces_the_earlier_one_in_the_models(tmp_path):
    import shutil

    from ingest.inbox import ingest_inbox
    from tests.conftest import SAMPLE_INBOX
    from warehouse.dbt import dbt_build

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(inbox, warehouse, "night-1")
    original = (inbox / "partner_reports" / "3W_nutrition_T1_2024.csv").read_bytes().decode("cp1252")
    corrected = original.replace("38\u00a0500\u00a0000 FCFA", "39\u00a0000\u00a0000 FCFA")
    assert corrected != original
    (inbox / "partner_reports" / "3W_nutrition_T1_2024_corrige.csv").write_bytes(corrected.encode("cp1252"))
    ingest_inbox(inbox, warehouse, "night-2")

    assert dbt_build(warehouse, "2026-11-22", select="+int_partner_reports_placed").ok
    assert query(warehouse, "SELECT count(*) FROM raw.partner_reports WHERE partner = 'HKI'") == [(2,)]
    assert query(
        warehouse,
        """SELECT amount_spent FROM intermediate.int_partner_reports_placed
                                WHERE partner_name = 'HKI'""",
    ) == [(39_000_000,)]
    # Other partners of the same file: only the corrected file's rows, once each.
    assert query(warehouse, "SELECT count(*) FROM intermediate.int_partner_reports_placed") == [(8,)]


def test_a_partner_is_one_partner_however_its_name_is_typed(tmp_path):
    """'ONG Tagne' in April, 'ONG-Tagné ' correcting it in May: one partner (the name_key of every other match), so
    the later file replaces the earlier one for the period."""
    from ingest.inbox import ingest_inbox
    from warehouse.dbt import dbt_build

    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    header = "Partenaire;Secteur;Région;Montant dépensé;Date de début;Date de fin\n"
    (folder / "avril.csv").write_text(header + "ONG Tagne;Nutrition;Kayes;100;01/01/2024;31/03/2024\n", "utf-8")
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(with_inbox_settings(tmp_path / "inbox"), warehouse, "night-1")
    (folder / "mai.csv").write_text(header + "ONG-Tagné ;Nutrition;Kayes;150;01/01/2024;31/03/2024\n", "utf-8")
    ingest_inbox(tmp_path / "inbox", warehouse, "night-2")
    assert dbt_build(warehouse, "2026-11-22", select="+int_partner_reports_placed").ok
    assert query(warehouse, "SELECT count(DISTINCT partner) FROM raw.partner_reports") == [(2,)]
    assert query(warehouse, "SELECT partner_key, amount_spent FROM intermediate.int_partner_reports_placed") == [
        ("ongtagne", 150)
    ]


def test_places_match_whatever_the_spelling_and_unmatched_ones_are_reported(tmp_path):
    from ingest.inbox import ingest_inbox
    from warehouse.dbt import dbt_build

    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    (folder / "lieux.csv").write_text(
        "Partenaire;Secteur;Région;Cercle;Montant dépensé;Date de fin\n"
        "ACF;Nutrition;SEGOU;san;100;31/03/2024\n"
        "HKI;Nutrition;Timbuktu;Goundam;100;31/03/2024\n"
        "PAM;Nutrition;ségou;Ségou;100;31/03/2024\n"
        "OIM;Nutrition;Atlantide;Nulle-part;100;31/03/2024\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(tmp_path / "inbox", warehouse, "b")
    assert dbt_build(
        warehouse, "2026-11-22", select="+fct_funding_allocations +dq_unmatched_places +rpt_who_funds_what_where"
    ).ok
    assert query(
        warehouse,
        """SELECT recipient_org_name, region_pcode, cercle_pcode FROM marts.fct_funding_flows
                                ORDER BY 1""",
    ) == [("ACF", "ML04", "ML0405"), ("HKI", "ML06", "ML0602"), ("OIM", None, None), ("PAM", "ML04", "ML0406")]
    # A matched place is shown by its P-code's name, whatever the spelling; an unmatched one as written.
    import csv

    with open(REPO / "dbt_project" / "seeds" / "mali_pcodes_adm1_adm2_2021.csv", encoding="utf-8") as seed:
        names = {row["P-Code"]: row["Name"] for row in csv.DictReader(seed)}
    assert query(
        warehouse,
        """SELECT recipient_org_name, region_name, cercle_name FROM marts.fct_funding_flows
                                ORDER BY 1""",
    ) == [
        ("ACF", names["ML04"], names["ML0405"]),
        ("HKI", names["ML06"], names["ML0602"]),
        ("OIM", "Atlantide", "Nulle-part"),
        ("PAM", names["ML04"], names["ML0406"]),
    ]
    # Only money spent is known: the gap to the planned budget is unknown, not minus what was spent.
    assert query(warehouse, "SELECT DISTINCT planned_xof, unspent_xof FROM marts.rpt_who_funds_what_where") == [
        (None, None)
    ]
    assert query(
        warehouse, "SELECT place_level, place_name_as_written, rows_affected FROM marts.dq_unmatched_places ORDER BY 1"
    ) == [("cercle", "Nulle-part", 1), ("region", "Atlantide", 1)]


def test_partner_scorecard_counts_what_each_partner_sent_and_what_could_not_be_read(tmp_path):
    from ingest.inbox import ingest_inbox
    from warehouse.dbt import dbt_build

    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    header = "Partenaire;Secteur;Région;Montant dépensé;Date de début;Date de fin\n"
    (folder / "t1.csv").write_text(
        header + "ACF;Nutrition;Mopti;100;01/01/2024;31/03/2024\n"
        "ONG Inconnue du registre;Nutrition;Atlantide;100;01/01/2024;31/03/2024\n"
        "ACF;Nutrition;Mopti;pas un montant;01/01/2024;31/03/2024\n",
        encoding="utf-8",
    )
    (folder / "t2.csv").write_text(header + "ACF;Nutrition;Gao;100;01/04/2024;30/06/2024\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(tmp_path / "inbox", warehouse, "b")
    assert dbt_build(warehouse, "2026-11-22", select="+rpt_partner_data_quality").ok
    read, rejected = query(
        warehouse, "SELECT sum(rows_read), sum(rows_rejected) FROM ops.files WHERE path LIKE '%t1.csv'"
    )[0]
    assert rejected >= 1  # the row whose amount cannot be read
    card = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            """SELECT partner_name, files_in_force, periods_covered, rows_read_in_its_files, rows_rejected_in_its_files,
                      rows_place_not_recognised, organisation_not_recognised FROM marts.rpt_partner_data_quality""",
        )
    }
    # ACF: two files, two quarters, the rejected row of t1 counted against the files it sent; all its places known.
    assert card["ACF"] == (2, 2, read + 1, rejected, 0, False)
    assert card["ONG Inconnue du registre"] == (1, 1, read, rejected, 1, True)


def _pledge(pledge_id: str) -> dict:
    import csv

    with open(REPO / "dbt_project" / "seeds" / "pledges.csv", encoding="utf-8") as seed:
        return next(row for row in csv.DictReader(seed) if row["pledge_id"] == pledge_id)


def test_transfers_to_local_governments_against_the_30_percent_pledge(built_sample):
    rows = {
        r[0]: r[1:]
        for r in query(
            built_sample,
            """
        SELECT fiscal_year, transfer_dotation_xof, share_of_national_budget, pledged_share
        FROM marts.rpt_transfers_to_local_governments WHERE scope = 'national'""",
        )
    }
    assert rows[2019][0] == 420_000_000_000
    assert rows[2019][1] == pytest.approx(420_000_000_000 / 2_147_250_000_000)
    # The pledged share is the seed's (dbt_project/seeds/pledges.csv), never written in SQL.
    assert {pledged for _, _, pledged in rows.values()} == {
        float(_pledge("transfers_to_local_governments")["target_share"])
    }
    assert all(share < pledged for _, share, pledged in rows.values())  # the pledge is never met in the sample
    regions = query(
        built_sample,
        """SELECT count(DISTINCT region_name) FROM marts.rpt_transfers_to_local_governments
                                      WHERE scope = 'region' AND fiscal_year = 2022""",
    )
    assert regions == [(10,)]


def test_status_history_survives_a_reload_of_the_trackers(tmp_path):
    import duckdb

    from ingest.inbox import ingest_inbox
    from warehouse.dbt import dbt_build

    folder = tmp_path / "inbox" / "commitments"
    folder.mkdir(parents=True)
    header = "Identifiant;Responsable;Description;Échéance;Statut;Date du statut\n"
    (folder / "suivi.csv").write_text(
        header + "X-1;CCN;Tenir le forum;31/12/2027;En cours;01/01/2025\n", encoding="utf-8"
    )
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(tmp_path / "inbox", warehouse, "night-1")
    assert dbt_build(warehouse, "2025-02-01", select="+fct_commitment_status_history +fct_commitments").ok

    # The tracker is overwritten and the raw table reloaded: the January status is gone from the sources...
    (folder / "suivi.csv").write_text(
        header + "X-1;CCN;Tenir le forum;31/12/2027;Réalisé;01/06/2025\n", encoding="utf-8"
    )
    con = duckdb.connect(str(warehouse))
    con.execute("DELETE FROM raw.commitments; DELETE FROM ops.files")  # raw rebuilt from scratch, snapshot kept
    con.close()
    ingest_inbox(tmp_path / "inbox", warehouse, "night-2")
    assert dbt_build(warehouse, "2025-07-01", select="+fct_commitment_status_history +fct_commitments").ok

    # ... but not from the history.
    assert query(
        warehouse,
        """SELECT status_date, status_reported, only_in_snapshot
                                FROM marts.fct_commitment_status_history ORDER BY status_date""",
    ) == [(datetime.date(2025, 1, 1), "in_progress", True), (datetime.date(2025, 6, 1), "achieved", False)]
    assert query(warehouse, "SELECT computed_status FROM marts.fct_commitments") == [("achieved",)]


# Statuses as trackers write them, grouped by what a commitment reporting them before its deadline is.
STATUS_WORDINGS = {
    "no_news": [
        "Pas de nouvelles",
        "Aucune nouvelle",
        "Sans nouvelles",
        "Pas de retour",
        "aucun retour",
        "Pas de réponse",
        "Sans réponse",
        "Non renseigné",
        "No news",
        "No update",
        "no reply",
    ],
    "on_track": ["En cours", "En bonne voie", "In progress", "Réalisé à 40 %", "en continu"],
    "off_track": ["En retard", "Hors trajectoire", "Off track", "Non réalisé", "abandonné"],
}


@pytest.mark.parametrize("seed", range(2))
def test_a_status_saying_there_is_no_news_is_no_news_before_the_deadline_however_written(tmp_path, seed):
    """Issue 34: "Pas de nouvelles" dated last week, its deadline next year, came out on track. Each status is written
    as people write it (case, accents, punctuation, spaces), dated within the last months, due in the years ahead."""
    import random
    import unicodedata

    from ingest.inbox import ingest_inbox
    from warehouse.dbt import dbt_build

    rng = random.Random(seed)

    def as_written(status: str) -> str:
        if rng.random() < 0.3:  # typed without accents
            status = "".join(c for c in unicodedata.normalize("NFD", status) if unicodedata.category(c) != "Mn")
        status = rng.choice([str.upper, str.lower, str.capitalize, lambda s: s])(status)
        return (
            rng.choice(["", " ", "  "])
            + status.replace(" ", rng.choice([" ", "  "]))
            + rng.choice(["", " !", ".", " ...", " :("])
        )

    expected, lines = {}, []
    for number, (computed, wording) in enumerate(
        rng.sample([(c, w) for c, wordings in STATUS_WORDINGS.items() for w in wordings], 14), start=1
    ):
        commitment = f"PT-{seed}-{number:02d}"
        deadline = datetime.date(2026 + rng.randint(0, 2), rng.randint(1, 12), 28)
        dated = datetime.date(2025, rng.randint(2, 6), rng.randint(1, 28))
        lines.append(f"{commitment};CCN;Point {number};{deadline:%d/%m/%Y};{as_written(wording)};{dated:%d/%m/%Y}")
        expected[commitment] = computed
    assert set(expected.values()) == set(STATUS_WORDINGS)
    folder = tmp_path / "inbox" / "commitments"
    folder.mkdir(parents=True)
    header = "Identifiant;Responsable;Description;Échéance;Statut;Date du statut"
    (folder / "points.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(tmp_path / "inbox", warehouse, "night-1")
    assert dbt_build(warehouse, "2025-07-01", select="+fct_commitments").ok
    assert dict(query(warehouse, "SELECT commitment_id, computed_status FROM marts.fct_commitments")) == expected


def test_doubling_pledge_trajectory(built_sample):
    rows = {
        r[0]: r[1:]
        for r in query(
            built_sample,
            """
        SELECT fiscal_year, expected_xof, actual_xof, trajectory_status FROM marts.rpt_nutrition_pledge_trajectory""",
        )
    }
    pledge = _pledge("nutrition_funding_doubled")
    start, ratio = int(pledge["baseline_year"]), float(pledge["target_ratio"])
    [(deadline,)] = query(
        built_sample,
        "SELECT year(commitment_deadline) FROM marts.fct_commitments WHERE commitment_id = ?",
        [pledge["deadline_commitment_id"]],
    )
    assert min(rows) == start and (start, ratio, deadline) == (2019, 2.0, 2023)
    baseline = float(rows[start][1])
    for year, (expected, _, _) in rows.items():
        share_of_the_way = min(1.0, (year - start) / (deadline - start))
        assert float(expected) == pytest.approx(baseline * (1 + (ratio - 1) * share_of_the_way))
    assert rows[2019][2] == "on_track" and rows[2024][2] == "off_track"


def test_calendar_with_fiscal_year(built_sample):
    from ingest import plausibility

    [(days, first, last)] = query(built_sample, "SELECT count(*), min(date_day), max(date_day) FROM marts.dim_dates")
    # The calendar covers every date ingestion keeps (config/plausibility.yml): no source date falls outside it.
    assert (first, last) == plausibility.date_bounds()
    assert days == (last - first).days + 1
    assert query(
        built_sample,
        """SELECT fiscal_year, fiscal_quarter, month_name_fr FROM marts.dim_dates
                                   WHERE date_day = DATE '2024-08-15'""",
    ) == [(2024, 3, "août")]
    # Every dated funding flow finds its day in the calendar.
    assert query(
        built_sample,
        """SELECT count(*) FROM marts.fct_funding_flows f
                                   LEFT JOIN marts.dim_dates d ON d.date_day = f.value_date
                                   WHERE f.value_date IS NOT NULL AND d.date_day IS NULL""",
    ) == [(0,)]


def test_every_mart_column_is_documented_and_published(built_sample, tmp_path):
    import shutil

    import yaml

    from config import DBT_PROJECT_DIR
    from warehouse.dbt import write_model_docs

    described = {}
    for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            described[model["name"]] = {c["name"] for c in model.get("columns", []) if c.get("description")}
    columns = query(
        built_sample,
        """SELECT table_name, column_name FROM information_schema.columns
                                      WHERE table_schema = 'marts'""",
    )
    assert {t for t, _ in columns} == set(described) >= {"fct_budget_execution", "fct_commitments", "dim_places"}
    assert [(t, c) for t, c in columns if c not in described.get(t, set())] == []

    warehouse = tmp_path / "copy.duckdb"
    shutil.copy(built_sample, warehouse)
    page = write_model_docs(warehouse, tmp_path / "documentation")
    html = page.read_text(encoding="utf-8")
    assert "rpt_who_funds_what_where" in html and "the gap still to spend" in html


def test_the_docs_page_is_generated_again_only_when_the_models_or_the_columns_change(
    built_sample, tmp_path, monkeypatch
):
    import shutil

    import duckdb

    from warehouse import dbt

    warehouse = tmp_path / "copy.duckdb"
    shutil.copy(built_sample, warehouse)
    cache = tmp_path / "cache"
    generated = []
    run_dbt = dbt._dbt
    monkeypatch.setattr(dbt, "_dbt", lambda *a, **k: generated.append(a[0]) or run_dbt(*a, **k))
    first = dbt.write_model_docs(warehouse, tmp_path / "night-1", cache).read_bytes()
    again = dbt.write_model_docs(warehouse, tmp_path / "night-2", cache).read_bytes()
    assert len(generated) == 1 and again == first and len(list((cache / "dbt-docs").iterdir())) == 1
    with duckdb.connect(str(warehouse)) as con:
        con.execute("ALTER TABLE marts.dim_sectors ADD COLUMN sector_colour VARCHAR")
    changed = dbt.write_model_docs(warehouse, tmp_path / "night-3", cache).read_text(encoding="utf-8")
    assert len(generated) == 2 and "sector_colour" in changed


def test_source_freshness_warns_after_40_days_without_a_file(built_sample, tmp_path):
    import shutil

    import duckdb

    from warehouse.dbt import source_freshness

    warehouse = tmp_path / "copy.duckdb"
    shutil.copy(built_sample, warehouse)
    [fresh] = source_freshness(warehouse)
    assert (fresh.source, fresh.status) == ("ops.files", "pass")
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE ops.files SET loaded_at = loaded_at - INTERVAL 50 DAY")
    con.close()
    [stale] = source_freshness(warehouse)
    assert stale.status == "warn" and 49.9 <= stale.age_days <= 50.1


def test_dbt_writes_its_statement_log_only_when_asked(built_sample, tmp_path, monkeypatch):
    import shutil

    from warehouse.dbt import source_freshness

    warehouse, logs = tmp_path / "copy.duckdb", tmp_path / "logs"
    shutil.copy(built_sample, warehouse)
    monkeypatch.setenv("DBT_LOG_PATH", str(logs))
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    source_freshness(warehouse)
    log = logs / "dbt.log"
    assert not log.exists() or log.stat().st_size == 0
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    source_freshness(warehouse)
    assert "max(loaded_at)" in log.read_text(encoding="utf-8").lower()


def test_communes_named_by_partner_reports_join_the_places_dimension(built_sample):
    communes = query(
        built_sample,
        """SELECT place_id, place_name, parent_pcode, admin_level FROM marts.dim_places
                                       WHERE place_level = 'commune' ORDER BY place_id""",
    )
    assert len(communes) == 8
    assert ("ML0406/pelengana@2021", "Pelengana", "ML0406", 3) in communes  # a commune of the cercle of Ségou
    assert ("ML0901/communeiv@2021", "Commune IV", "ML0901", 3) in communes  # Bamako's Commune IV
    # 63 regions and cercles of the 2021 list stay as they were.
    assert query(built_sample, "SELECT count(*) FROM marts.dim_places WHERE place_level <> 'commune'") == [(63,)]
    assert query(
        built_sample,
        """SELECT count(*), count(p.place_id) FROM marts.fct_funding_flows f
                                   LEFT JOIN marts.dim_places p ON p.place_id = f.commune_place_id
                                   WHERE f.commune_name IS NOT NULL""",
    ) == [(16, 16)]


def test_coded_fields_are_read_by_the_vocabulary_seed(built_sample):
    """Each word the sample's files write for a coded field is staged as the seed's first matching pattern says."""
    import csv
    import re
    import unicodedata

    with open(REPO / "dbt_project" / "seeds" / "value_vocabularies.csv", encoding="utf-8") as seed:
        rules = sorted(csv.DictReader(seed), key=lambda r: int(r["priority"]))

    def expected(field, text, otherwise):
        if text is None:
            return None
        plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
        return next((r["value"] for r in rules if r["field"] == field and re.search(r["pattern"], plain)), otherwise)

    pairs = query(
        built_sample,
        """SELECT DISTINCT raw.economic_nature, raw.funding_origin, stg.economic_nature, stg.funding_origin
           FROM raw.budget_lines AS raw
           JOIN staging.stg_inbox__budget_lines AS stg
             ON stg.source_file_id = raw.file_id AND stg.source_line_number = raw.line_number""",
    )
    assert len(pairs) > 3
    for nature, origin, staged_nature, staged_origin in pairs:
        assert staged_nature == expected("economic_nature", nature, "autre"), nature
        assert staged_origin == expected("funding_origin", origin, None), origin

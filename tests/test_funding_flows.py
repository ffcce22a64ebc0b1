"""fct_funding_flows and fct_funding_allocations on the shared real IATI and FTS files and on the sample."""

from __future__ import annotations

import shutil

import pytest

from ingest.inbox import ingest_inbox
from tests.conftest import query, shared_path, with_inbox_settings
from warehouse.dbt import dbt_build


@pytest.fixture(scope="module")
def real_flows(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("real") / "inbox"
    (inbox / "iati").mkdir(parents=True)
    (inbox / "fts").mkdir()
    for name in ("dportal_7.xml", "dportal_76.xml", "dportal_dflat_activities.xml"):
        shutil.copy(shared_path("real-data", "iati", name), inbox / "iati" / name)
    for name in (
        "custom-search-locationid-171-year-2020.json",
        "custom-search-locationid-171-year-2020-page-2.json",
        "custom-search-locationid-171-year-2020-page-3.json",
    ):
        shutil.copy(shared_path("real-data", "fts", name), inbox / "fts" / name)
    warehouse = inbox.parent / "w.duckdb"
    ingest_inbox(inbox, warehouse, "b")
    result = dbt_build(warehouse, "2026-11-22", select="+fct_funding_allocations")
    assert result.ok, result.summary()
    return warehouse


def test_every_source_transaction_is_one_flow(real_flows):
    counts = dict(query(real_flows, "SELECT source_system, count(*) FROM marts.fct_funding_flows GROUP BY 1"))
    distinct_activities_tx = query(
        real_flows,
        """
        SELECT count(*) FROM raw.iati_transactions t
        WHERE (file_id, activity_index) IN (SELECT (file_id, activity_index) FROM raw.iati_activities
                                            QUALIFY file_id = max(file_id) OVER (PARTITION BY iati_identifier)
                                                AND activity_index = max(activity_index) OVER (PARTITION BY iati_identifier, file_id))""",
    )[0][0]
    assert counts == {"iati": distinct_activities_tx, "fts": 424}


def test_fts_keeps_the_sources_usd_and_excludes_parents_and_pass_through(real_flows):
    assert query(
        real_flows,
        """SELECT amount_original, currency_original, amount_usd_source, amount_usd_reported
                                 FROM marts.fct_funding_flows WHERE source_system = 'fts' AND source_record_id = '227704'""",
    ) == [(1_250_000, "CAD", 909_091, 909_091)]
    rules = dict(
        query(
            real_flows,
            """SELECT coalesce(double_count_rule, 'counted'), count(*) FROM marts.fct_funding_flows
                                       WHERE source_system = 'fts' GROUP BY 1""",
        )
    )
    assert rules["fts_pass_through"] > 0 and rules["fts_parent_with_children"] > 0
    # A parent is excluded only when one of its children is really in the data.
    assert query(
        real_flows,
        """
        SELECT count(*) FROM marts.fct_funding_flows p
        JOIN raw.fts_flows r ON r.flow_id = p.source_record_id
        WHERE p.double_count_rule = 'fts_parent_with_children'
          AND NOT list_has_any(r.child_flow_ids, (SELECT list(flow_id) FROM raw.fts_flows))""",
    ) == [(0,)]


def test_amounts_without_a_rate_are_flagged_not_zeroed(real_flows):
    [(xdr, missing, converted)] = query(
        real_flows,
        """
        SELECT count(*), count(*) FILTER (fx_rate_missing), count(amount_usd)
        FROM marts.fct_funding_flows WHERE currency_original = 'XDR'""",
    )
    assert xdr > 0 and missing == xdr and converted == 0
    # Negative IATI disbursements (de-obligations) are kept with their sign.
    assert (
        query(
            real_flows,
            """SELECT count(*) FROM marts.fct_funding_flows
                                 WHERE source_system = 'iati' AND amount_original < 0 AND amount_usd < 0""",
        )[0][0]
        > 0
    )


def test_allocations_split_by_declared_percentages_and_sum_to_one(real_flows):
    assert query(
        real_flows,
        """SELECT count(*) FROM (SELECT funding_flow_id, dimension FROM marts.fct_funding_allocations
                                 GROUP BY ALL HAVING abs(sum(share) - 1) > 1e-9)""",
    ) == [(0,)]
    # CA-3-D001692001 names Mali at 28.1 % among other countries.
    shares = query(
        real_flows,
        """
        SELECT DISTINCT a.share, a.share_rule FROM marts.fct_funding_allocations a
        JOIN marts.fct_funding_flows f USING (funding_flow_id)
        WHERE f.iati_identifier = 'CA-3-D001692001' AND a.dimension = 'country' AND a.dimension_value = 'ML'""",
    )
    assert len(shares) == 1 and shares[0][0] == pytest.approx(0.281, abs=0.01)
    rules = {r for (r,) in query(real_flows, "SELECT DISTINCT share_rule FROM marts.fct_funding_allocations")}
    assert {"single", "declared", "equal_split"} <= rules


def test_sample_flows_convert_xof_at_the_peg_and_apply_the_rules(built_sample):
    rows = {
        r[0]: r[1:]
        for r in query(
            built_sample,
            """
        SELECT source_record_id, amount_xof, currency_original, double_count_rule, counted_in_totals
        FROM marts.fct_funding_flows WHERE source_system IN ('fts', 'iati')""",
        )
    }
    assert rows["900001"][2:] == ("fts_parent_with_children", False)
    assert rows["900006"][2:] == ("fts_pass_through", False)
    assert rows["900004"][:2] == (250_000_000, "XOF")  # 250 million FCFA stays 250 million FCFA
    assert rows["XM-EXEMPLE-ONG-ML-PS-2024-02#1"][:2] == (98_500_000, "XOF")
    [(partner_rows,)] = query(
        built_sample, "SELECT count(*) FROM marts.fct_funding_flows WHERE source_system = 'partner_report'"
    )
    assert partner_rows == 16  # 8 rows x (planned, expenditure)


def test_organisations_resolve_through_acronyms_aliases_and_iati_refs(built_sample, tmp_path):
    ids = dict(
        query(
            built_sample,
            """SELECT DISTINCT recipient_org_name, recipient_org_id FROM marts.fct_funding_flows
                                       WHERE recipient_org_name IN ('HKI', 'Action Contre la Faim', 'OIM', 'PNUD')""",
        )
    )
    assert ids == {"HKI": "HKI", "Action Contre la Faim": "ACF", "OIM": "OIM", "PNUD": "PNUD"}
    # The IATI provider 'XM-DAC-41140' (no name needed) is the PAM of the registry, also known as WFP.
    assert query(
        built_sample,
        """SELECT DISTINCT donor_org_id FROM marts.fct_funding_flows
                                   WHERE donor_org_ref = 'XM-DAC-41140'""",
    ) == [("PAM",)]
    assert "WFP" in query(built_sample, "SELECT aliases FROM marts.dim_organisations WHERE org_id = 'PAM'")[0][0]
    unmatched = dict(
        query(
            built_sample,
            """SELECT org_name_as_written, sum(flows) FROM marts.dq_unmatched_organisations
                                             GROUP BY 1""",
        )
    )
    assert unmatched == {"Bailleur exemple": 8, "ONG internationale exemple": 2}


def test_sectors_from_every_source_map_to_one_list_with_a_nutrition_category(built_sample, real_flows):
    mapped = dict(
        query(
            built_sample,
            """SELECT DISTINCT dimension_value, sector_id FROM marts.fct_funding_allocations
                                          WHERE dimension = 'sector'""",
        )
    )
    # A partner's French sector, a DAC 5-digit code and an FTS global cluster meet in one sector list.
    assert mapped["Nutrition"] == mapped["12240"] == "nutrition"
    assert mapped["Food Security"] == mapped["Sécurité alimentaire"] == mapped["72040"] == "securite_alimentaire"
    assert query(built_sample, "SELECT nutrition_category FROM marts.dim_sectors WHERE dac_code = '12240'") == [
        ("specific",)
    ]
    # Real FTS clusters are recognised too.
    assert query(
        real_flows,
        """SELECT DISTINCT sector_id FROM marts.fct_funding_allocations
                                 WHERE dimension = 'sector' AND dimension_value = 'Water Sanitation Hygiene'""",
    ) == [("wash",)]


def test_an_amount_and_its_stated_usd_equivalent_that_disagree_are_flagged_and_counted(tmp_path):
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    # Seed 001: "une contribution de 1,2 million de francs CFA (plus de 2 millions USD) en 2021".
    (folder / "contributions.csv").write_text(
        "Partenaire;Secteur;Montant dépensé;Équivalent USD;Date de fin\n"
        "Alliance SUN Mali;Nutrition;1,2 million de francs CFA;2 000 000;31/12/2021\n"
        "OMAES;Nutrition;600 000 000 FCFA;1 070 000;31/12/2020\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(with_inbox_settings(tmp_path / "inbox"), warehouse, "b")
    assert dbt_build(warehouse, "2026-11-22", select="+dq_stated_amount_mismatches").ok
    flags = dict(
        query(
            warehouse,
            """SELECT recipient_org_name, stated_amount_mismatch FROM marts.fct_funding_flows
                                      WHERE flow_stage = 'expenditure'""",
        )
    )
    assert flags == {"Alliance SUN Mali": True, "OMAES": False}  # 600 million FCFA is about 1.07 million USD in 2020
    [(name, ratio)] = query(
        warehouse, "SELECT recipient_org_name, stated_to_converted_ratio FROM marts.dq_stated_amount_mismatches"
    )
    assert name == "Alliance SUN Mali" and ratio > 900


def test_many_small_amounts_sum_without_drift_from_the_file_to_the_marts(tmp_path):
    """One money type, DECIMAL(38, 4), from the raw table to the mart: 20 000 amounts of a few centimes or a few
    million FCFA sum to the exact total of the file, where floats drift."""
    import random
    from decimal import Decimal

    rng = random.Random(7)
    amounts = [Decimal(rng.randrange(1, 10**10)) / 100 for _ in range(20_000)]  # 0,01 to 99 999 999,99
    folder = tmp_path / "inbox" / "partner_reports"
    folder.mkdir(parents=True)
    lines = [
        f"ONG {i % 50};Nutrition;{format(a, 'f').replace('.', ',')} FCFA;31/12/2024;Activité {i}"
        for i, a in enumerate(amounts)
    ]
    (folder / "centimes.csv").write_text(
        "Partenaire;Secteur;Montant dépensé;Date de fin;Activité\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(with_inbox_settings(tmp_path / "inbox"), warehouse, "b")
    assert dbt_build(warehouse, "2026-11-22", select="+fct_funding_flows").ok
    exact = sum(amounts)
    [(raw_total,)] = query(warehouse, "SELECT sum(amount_spent) FROM raw.partner_reports")
    [(original, xof, type_)] = query(
        warehouse,
        """SELECT sum(amount_original), sum(amount_xof), any_value(typeof(amount_xof))
           FROM marts.fct_funding_flows WHERE flow_stage = 'expenditure'""",
    )
    assert raw_total == original == xof == exact
    assert type_ == "DECIMAL(38,4)"

"""Build the budget-monitoring report from a warehouse's marts: a page in French and one in English (`fr/`, `en/`),
their charts inline, the brief of each as a PDF, and the extracts they link to.

The report depends only on the warehouse and the run date, so re-running a night gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ingest import plausibility
from report import i18n
from report.brief import brief_html, start_briefs
from report.charts import charts
from report.extracts import write_extracts
from report.query import rows
from report.receipts import STATUSES, receipt_name

NAMES_PER_FILE = 20
# The kinds of file (ops.files.source_kind) each section of the report reads: its banner says how fresh they are.
SECTION_SOURCES = {
    "budget": ["budget_line"],
    "partners": ["partner_report"],
    "flows": ["fts", "iati"],
    "commitments": ["commitment", "gnr_commitments"],
}
# The fact whose build_number says which build last wrote a section's figures (commitments are rebuilt whole).
SECTION_FACTS = {"budget": "fct_budget_execution", "partners": "fct_funding_flows", "flows": "fct_funding_flows"}
TOP_ROWS = 15  # rows of a long table shown in the page; its extract has them all


def report_data(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "nutrition_by_year": rows(con, "SELECT * FROM marts.rpt_nutrition_budget_by_year ORDER BY fiscal_year"),
            # The largest lines of each year; the extract has them all.
            "nutrition_lines": rows(
                con,
                f"""
                SELECT lines.fiscal_year, lines.institution, lines.line_label, lines.nutrition_category,
                       labels.label_fr AS category_fr, labels.label_en AS category_en, lines.dotation_xof,
                       lines.paiement_xof, lines.paiement_rate, lines.budget_version,
                       count(*) OVER () AS lines_in_all_years
                FROM marts.fct_budget_execution AS lines
                LEFT JOIN reference.code_labels AS labels
                    ON labels.field = 'nutrition_category' AND labels.code = lines.nutrition_category
                WHERE lines.nutrition_category <> 'none' AND lines.budget_level = 'national' AND lines.counted_in_totals
                QUALIFY row_number() OVER (PARTITION BY fiscal_year
                                           ORDER BY dotation_xof DESC, institution, line_label, budget_version)
                        <= {TOP_ROWS}
                ORDER BY fiscal_year DESC, dotation_xof DESC, institution, line_label, budget_version""",
            ),
            # The nutrition-specific lines of each year (the largest first), voted and paid: what advocacy quotes.
            "specific_lines": rows(
                con,
                f"""
                SELECT lines.fiscal_year, lines.institution, lines.line_label, lines.budget_version,
                       lines.dotation_xof, lines.paiement_xof, lines.paiement_rate,
                       lines.dotation_xof / peg.units_per_eur AS dotation_eur,
                       count(*) OVER (PARTITION BY lines.fiscal_year) AS lines_in_year
                FROM marts.fct_budget_execution AS lines
                CROSS JOIN (SELECT units_per_eur FROM intermediate.int_fx_rates_daily WHERE currency = 'XOF' LIMIT 1)
                    AS peg
                WHERE lines.nutrition_category = 'specific' AND lines.budget_level = 'national'
                      AND lines.counted_in_totals
                QUALIFY row_number() OVER (PARTITION BY lines.fiscal_year
                                           ORDER BY lines.dotation_xof DESC, lines.institution, lines.line_label)
                        <= {TOP_ROWS}
                ORDER BY lines.fiscal_year DESC, lines.dotation_xof DESC, lines.institution, lines.line_label""",
            ),
            "commitments": rows(
                con,
                """
                SELECT commitments.* FROM marts.fct_commitments AS commitments
                LEFT JOIN reference.commitment_statuses AS statuses USING (computed_status)
                WHERE commitments.concerns_inbox_country
                ORDER BY statuses.sort_order, commitments.commitment_deadline NULLS LAST, commitments.commitment_id""",
            ),
            # The words and figures of the seeds (dbt_project/seeds): the pledges, the status labels, the peg.
            "pledges": {p["pledge_id"]: p for p in rows(con, "SELECT * FROM reference.pledges")},
            "status_labels": {
                s["computed_status"]: {"fr": s["label_fr"], "en": s["label_en"]}
                for s in rows(con, "SELECT computed_status, label_fr, label_en FROM reference.commitment_statuses")
            },
            "commitments_by_status": rows(
                con,
                """
                SELECT statuses.computed_status, statuses.label_fr, statuses.label_en, count(*) AS commitments
                FROM marts.fct_commitments AS commitments
                INNER JOIN reference.commitment_statuses AS statuses USING (computed_status)
                WHERE commitments.concerns_inbox_country
                GROUP BY ALL ORDER BY any_value(statuses.sort_order)""",
            ),
            "pledge_trajectory": rows(con, "SELECT * FROM marts.rpt_nutrition_pledge_trajectory ORDER BY fiscal_year"),
            "xof_per_eur": rows(
                con, "SELECT units_per_eur FROM intermediate.int_fx_rates_daily WHERE currency = 'XOF' LIMIT 1"
            )[0]["units_per_eur"],
            "transfers": rows(
                con,
                """
                SELECT * FROM marts.rpt_transfers_to_local_governments WHERE scope = 'national'
                ORDER BY fiscal_year""",
            ),
            "transfers_by_region": rows(
                con,
                """
                SELECT * FROM marts.rpt_transfers_to_local_governments
                WHERE scope = 'region' AND fiscal_year = (
                    SELECT max(fiscal_year) FROM marts.rpt_transfers_to_local_governments WHERE scope = 'region')
                ORDER BY share_of_national_budget DESC, region_name""",
            ),
            # The tile of every region, with what partners planned there (none: an empty tile, not a zero).
            "region_tiles": rows(
                con,
                """
                WITH regions AS (
                    SELECT pcode, place_name FROM marts.dim_places WHERE place_level = 'region'
                    QUALIFY row_number() OVER (PARTITION BY pcode ORDER BY valid_from DESC) = 1),
                planned AS (
                    SELECT region_pcode, sum(planned_xof) AS planned_xof, count(DISTINCT partner_org_name) AS partners
                    FROM marts.rpt_who_funds_what_where GROUP BY region_pcode)
                SELECT tiles.*, regions.place_name AS region_name, planned.planned_xof, planned.partners
                FROM reference.region_tiles AS tiles
                LEFT JOIN regions ON regions.pcode = tiles.region_pcode
                LEFT JOIN planned USING (region_pcode)
                ORDER BY tiles.tile_row, tiles.tile_column""",
            ),
            # Disbursements reported to FTS and IATI, double counts left out, for the largest donors.
            "humanitarian_flows": rows(
                con,
                f"""
                WITH flows AS (
                    SELECT donor_org_name AS donor, sector_name AS sector, sum(amount_xof) AS amount_xof
                    FROM marts.fct_funding_flows
                    WHERE source_system IN ('fts', 'iati') AND counted_in_totals AND flow_stage = 'disbursement'
                          AND amount_xof IS NOT NULL
                    GROUP BY ALL),
                largest AS (
                    SELECT donor FROM flows GROUP BY donor
                    ORDER BY sum(amount_xof) DESC, donor NULLS LAST LIMIT {TOP_ROWS})
                SELECT flows.* FROM flows SEMI JOIN largest ON flows.donor IS NOT DISTINCT FROM largest.donor
                ORDER BY donor NULLS LAST, sector NULLS LAST""",
            ),
            # Per donor, the money paid held by one source, two or three, and the matches awaiting a decision.
            "sources_reconciled": rows(
                con,
                f"""
                SELECT *, count(*) OVER () AS donors_in_all FROM marts.rpt_sources_reconciled
                ORDER BY usd_in_two_sources + usd_in_three_sources DESC, matches_awaiting DESC,
                         usd_in_one_source DESC, donor_name NULLS LAST
                LIMIT {TOP_ROWS}""",
            ),
            "execution": rows(
                con,
                """
                SELECT * FROM marts.rpt_execution_by_institution
                WHERE fiscal_year = (SELECT max(fiscal_year) FROM marts.rpt_execution_by_institution)
                ORDER BY dotation_xof DESC, institution""",
            ),
            "presence": rows(
                con,
                f"""
                SELECT *, count(*) OVER () AS rows_in_all FROM marts.rpt_operational_presence_by_region
                ORDER BY partners DESC, presence_rows DESC, region_name NULLS LAST, sector_name LIMIT {TOP_ROWS}""",
            ),
            "who_funds": rows(
                con,
                f"""
                SELECT * FROM marts.rpt_who_funds_what_where
                ORDER BY reporting_year DESC, planned_xof DESC NULLS LAST, donor_org_name, partner_org_name,
                         region_name, cercle_name, sector_name
                LIMIT {TOP_ROWS}""",
            ),
            "who_funds_total": rows(
                con,
                """
                SELECT count(*) AS rows, sum(planned_xof) AS planned_xof, sum(spent_xof) AS spent_xof,
                       sum(spent_usd) AS spent_usd
                FROM marts.rpt_who_funds_what_where""",
            )[0],
            "execution_total": rows(
                con,
                """
                SELECT count(*) AS rows, sum(dotation_xof) AS dotation_xof, sum(engagement_xof) AS engagement_xof,
                       sum(liquidation_xof) AS liquidation_xof, sum(ordonnancement_xof) AS ordonnancement_xof,
                       sum(paiement_xof) AS paiement_xof
                FROM marts.rpt_execution_by_institution
                WHERE fiscal_year = (SELECT max(fiscal_year) FROM marts.rpt_execution_by_institution)""",
            )[0],
            # The partners whose reports need the most follow-up first.
            "partner_scorecard": rows(
                con,
                f"""
                SELECT *, count(*) OVER () AS partners_in_all FROM marts.rpt_partner_data_quality
                ORDER BY rejected_share DESC NULLS LAST, rows_place_not_recognised DESC,
                         organisation_not_recognised DESC, partner_name LIMIT {TOP_ROWS}""",
            ),
            "stated_mismatches": rows(
                con,
                """
                SELECT m.*, f.path FROM marts.dq_stated_amount_mismatches m
                LEFT JOIN ops.files f ON f.file_id = m.source_file_id
                ORDER BY f.path, m.source_position, m.funding_flow_id""",
            ),
            # Implausible amounts awaiting a person: listed, and what they leave out of the totals per currency.
            "amounts_to_confirm": rows(
                con,
                f"""
                SELECT *, count(*) OVER () AS amounts_in_all FROM marts.dq_amounts_to_confirm
                WHERE NOT confirmed_by_a_person
                ORDER BY source_path, source_sheet, source_line_number, source_part_index, amount_field
                LIMIT {TOP_ROWS}""",
            ),
            "amount_times_the_median": plausibility.amount_bounds()[0],
            "amounts_left_out": rows(
                con,
                """
                SELECT currency, count(*) AS amounts, sum(amount) AS total FROM marts.dq_amounts_to_confirm
                WHERE NOT confirmed_by_a_person GROUP BY currency ORDER BY currency NULLS LAST""",
            ),
            # A summary per file, never a list of every unknown name (a file of garbage would fill the page).
            "unmatched_places": rows(
                con,
                f"""
                SELECT p.*, f.path, count(*) OVER (PARTITION BY p.source_file_id) AS names_in_file
                FROM marts.dq_unmatched_places p LEFT JOIN ops.files f ON f.file_id = p.source_file_id
                QUALIFY row_number() OVER (PARTITION BY p.source_file_id
                                           ORDER BY p.rows_affected DESC, p.place_name_as_written) <= {NAMES_PER_FILE}
                ORDER BY f.path, p.source_file_id, p.place_level, p.place_name_as_written""",
            ),
            "unmatched_organisations": rows(
                con,
                f"""
                SELECT *, count(*) OVER (PARTITION BY source_system) AS names_in_source FROM (
                    SELECT source_system, org_role, org_name_as_written, sum(flows) AS flows
                    FROM marts.dq_unmatched_organisations GROUP BY ALL)
                QUALIFY row_number() OVER (PARTITION BY source_system ORDER BY flows DESC, org_name_as_written,
                                                                               org_role) <= {NAMES_PER_FILE}
                ORDER BY flows DESC, org_name_as_written, source_system, org_role""",
            ),
            "freshness": {section: _freshness(con, section) for section in SECTION_SOURCES},
            # The files the headline figures (the last year's nutrition budget) come from.
            "headline_files": rows(
                con,
                """
                SELECT DISTINCT files.file_id, files.path
                FROM marts.fct_budget_execution AS lines
                INNER JOIN ops.files AS files ON files.file_id = lines.source_file_id
                WHERE lines.nutrition_category <> 'none'
                      AND lines.fiscal_year = (SELECT max(fiscal_year) FROM marts.rpt_nutrition_budget_by_year)
                ORDER BY files.path""",
            ),
            "sources": rows(
                con,
                """
                SELECT file_id, path, source_kind, status, rows_read, rows_loaded, rows_held_back, rows_rejected, error
                FROM ops.files ORDER BY path, file_id""",
            ),
            "versions": rows(
                con,
                """
                SELECT max(tagging_rules_version) AS rules, max(nutrition_weights_version) AS weights
                FROM marts.fct_budget_allocations""",
            )[0],
        }
    finally:
        con.close()


def _freshness(con: duckdb.DuckDBPyConnection, section: str) -> dict:
    """The newest file a section reads, its files held back or rejected, and the build that last wrote its facts
    (not the night's own build number: a night that changes nothing must publish the same page)."""
    [freshness] = rows(
        con,
        """
        SELECT arg_max(path, received_at) FILTER (status = 'loaded') AS newest_path,
               max(received_at) FILTER (status = 'loaded') AS newest_received,
               count(*) FILTER (status = 'loaded') AS loaded,
               count(*) FILTER (status = 'held_back') AS held_back,
               count(*) FILTER (status = 'rejected') AS rejected
        FROM ops.files WHERE list_has_any(string_split(source_kind, '+'), ?)""",
        [SECTION_SOURCES[section]],
    )
    build = None
    if section in SECTION_FACTS:
        [(build,)] = con.execute(f"SELECT max(build_number) FROM marts.{SECTION_FACTS[section]}").fetchall()
    return freshness | {"build_number": build}


def build_report(warehouse: Path, out_dir: Path, run_date: dt.date, kept_in: Path | None = None) -> Path:
    """Write the report into out_dir: `fr/` and `en/` (page and PDF brief), the extracts, and an `index.html` that
    opens the French page; charts and briefs already drawn are taken from the cache folder `kept_in`, the others
    drawn while the extracts and pages are written (each brief in its own process). Returns the French page's path."""
    data = report_data(warehouse)
    languages = {}
    for lang in i18n.LANGUAGES:
        env = i18n.environment(
            lang, receipt_name=receipt_name, file_statuses=STATUSES, names_per_file=NAMES_PER_FILE, top_rows=TOP_ROWS
        )
        context = data | {"run_date": run_date, "charts": charts(data, lang, i18n.translations(lang).gettext, kept_in)}
        languages[lang] = (env, context)
    briefs = {out_dir / lang / i18n.BRIEF_NAMES[lang]: brief_html(*languages[lang]) for lang in languages}
    write_briefs = start_briefs(briefs, kept_in)
    # While the briefs are drawn: the extracts, then the pages that link to them.
    extracts = write_extracts(warehouse, out_dir / "extraits", run_date)
    listed = {"extracts": extracts, "extract_files": {e["mart"]: e["files"] for e in extracts}}
    for lang, (env, context) in languages.items():
        folder = out_dir / lang
        folder.mkdir(parents=True, exist_ok=True)
        page = env.get_template("index.html.j2").render(**(context | listed))
        (folder / "index.html").write_text(page, encoding="utf-8")
    write_briefs()
    env = i18n.environment("fr")
    (out_dir / "index.html").write_text(env.get_template("languages.html.j2").render(), encoding="utf-8")
    return out_dir / "fr" / "index.html"

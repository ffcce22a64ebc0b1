"""Build the budget-monitoring report (one French HTML page) from a warehouse's marts.

The page depends only on the warehouse and the run date, so re-running a night gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from report import formatting
from report.extracts import write_extracts
from report.query import rows
from report.receipts import receipt_name

TEMPLATES = Path(__file__).with_name("templates")
NAMES_PER_FILE = 20


def report_data(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "nutrition_by_year": rows(con, "SELECT * FROM marts.rpt_nutrition_budget_by_year ORDER BY fiscal_year"),
            "nutrition_lines": rows(
                con,
                """
                SELECT fiscal_year, institution, line_label, nutrition_category, dotation_xof, paiement_xof,
                       paiement_rate, budget_version
                FROM marts.fct_budget_execution
                WHERE nutrition_category <> 'none' AND budget_level = 'national' AND in_platform_scope
                ORDER BY fiscal_year DESC, dotation_xof DESC, institution, line_label, budget_version""",
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
                s["computed_status"]: s["label_fr"]
                for s in rows(con, "SELECT computed_status, label_fr FROM reference.commitment_statuses")
            },
            "xof_per_eur": rows(
                con, "SELECT units_per_eur FROM intermediate.int_fx_rates_daily WHERE currency = 'XOF' LIMIT 1"
            )[0]["units_per_eur"],
            "transfers": rows(
                con,
                """
                SELECT * FROM marts.rpt_transfers_to_local_governments WHERE scope = 'national'
                ORDER BY fiscal_year""",
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
                """
                SELECT * FROM marts.rpt_operational_presence_by_region
                ORDER BY region_name NULLS LAST, partners DESC, sector_name""",
            ),
            "who_funds": rows(
                con,
                """
                SELECT * FROM marts.rpt_who_funds_what_where
                ORDER BY reporting_year DESC, planned_xof DESC NULLS LAST, donor_org_name, partner_org_name,
                         region_name, cercle_name, sector_name""",
            ),
            "stated_mismatches": rows(
                con,
                """
                SELECT m.*, f.path FROM marts.dq_stated_amount_mismatches m
                LEFT JOIN ops.files f ON f.file_id = m.source_file_id
                ORDER BY f.path, m.source_position, m.funding_flow_id""",
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


def build_report(warehouse: Path, out_dir: Path, run_date: dt.date) -> Path:
    """Write out_dir/index.html and return its path."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
    env.globals.update(receipt_name=receipt_name, names_per_file=NAMES_PER_FILE)
    env.filters.update(
        amount=formatting.amount,
        fcfa=formatting.fcfa,
        eur=formatting.eur,
        usd=formatting.usd,
        percent=formatting.percent,
        ratio=formatting.ratio,
        decimal=formatting.decimal,
        date=formatting.date,
    )
    data = report_data(warehouse) | {"extracts": write_extracts(warehouse, out_dir / "extraits", run_date)}
    html = env.get_template("index.html.j2").render(
        run_date=run_date, run_date_long=formatting.long_date(run_date), **data
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    page.write_text(html, encoding="utf-8")
    return page

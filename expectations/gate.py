"""The quality gate: run the stored GX checkpoints on the marts before anything is reported.

GX validates inside DuckDB: its SQL data source (`warehouse_marts`, great_expectations.yml) reads the night's
warehouse opened read-only through the adapter in expectations/duckdb_sql.py, so each expectation is a query over
the table and no row is read into Python. After an incremental build, the marts rebuilt by group are checked on the
rows that build wrote (batch definition `rebuilt_tonight`, by build_number), as dbt's tests are.
"""

from __future__ import annotations

import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from config import EXPECTATIONS_DIR

log = logging.getLogger(__name__)

# great_expectations.yml reads the warehouse's address from this variable (GX's own config substitution).
WAREHOUSE_URL_VARIABLE = "GATE_WAREHOUSE_URL"
RESULTS_KEPT_DAYS = 30
# Each gated mart, as in the stored suites (expectations/gx/expectations/<mart>.json).
GATED_MARTS = ("fct_budget_allocations", "fct_budget_execution", "fct_commitments", "fct_funding_flows")


@dataclass
class GateResult:
    rows_checked: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    expectations_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        checked = ", ".join(f"{m}: {n} lignes" for m, n in self.rows_checked.items())
        if self.ok:
            return f"Contrôle qualité réussi / quality gate passed ({checked})"
        return (
            "Contrôle qualité échoué / quality gate failed - rien n'est publié / nothing is published:\n- "
            + "\n- ".join(self.failures)
        )


def _prune_results(uncommitted: Path) -> None:
    """Results, and their Data Docs pages, older than RESULTS_KEPT_DAYS removed."""
    cutoff = time.time() - RESULTS_KEPT_DAYS * 86400
    kept = [
        (uncommitted / "validations", "*.json"),
        (uncommitted / "data_docs" / "local_site" / "validations", "*.html"),
    ]
    for folder, pattern in kept:
        for result in folder.rglob(pattern):
            if result.stat().st_mtime < cutoff:
                result.unlink()


def _describe(mart: str, result) -> str:
    cfg = result.expectation_config
    column = cfg.kwargs.get("column") or ", ".join(
        str(cfg.kwargs[k]) for k in ("column_A", "column_B") if k in cfg.kwargs
    )
    if result.exception_info and result.exception_info.get("raised_exception"):
        detail = f"erreur / error: {result.exception_info.get('exception_message')}"
    else:
        res = result.result or {}
        detail = f"{res.get('unexpected_count', res.get('observed_value'))} valeurs en défaut / unexpected"
        if res.get("partial_unexpected_list"):
            detail += f", ex. {[str(v) for v in res['partial_unexpected_list'][:5]]}"
    return f"{mart}.{cfg.type}({column}): {detail}"


def _has_mart(con: duckdb.DuckDBPyConnection, mart: str) -> bool:
    return bool(
        con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = ?", [mart]).fetchall()
    )


@contextmanager
def _warehouse_url(url: str):
    previous = os.environ.get(WAREHOUSE_URL_VARIABLE)
    os.environ[WAREHOUSE_URL_VARIABLE] = url
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(WAREHOUSE_URL_VARIABLE, None)
        else:
            os.environ[WAREHOUSE_URL_VARIABLE] = previous


def _rebuilt_rows(con: duckdb.DuckDBPyConnection, rebuilt_build: int | None) -> dict[str, str]:
    """After an incremental build (`rebuilt_build`, its number), the condition that selects the rows it rebuilt in
    each mart rebuilt by group (those carry build_number); the other rows passed this gate when they were built."""
    if rebuilt_build is None:
        return {}
    return {
        mart: f"build_number = {int(rebuilt_build)}"
        for mart in GATED_MARTS
        if con.execute(
            """SELECT 1 FROM duckdb_columns()
               WHERE schema_name = 'marts' AND table_name = ? AND column_name = 'build_number'""",
            [mart],
        ).fetchall()
    }


def _rows_to_check(warehouse: Path, rebuilt_build: int | None, outcome: GateResult) -> dict[str, tuple[int, bool]]:
    """The marts GX must check, each with its rows in scope and whether only tonight's rebuilt rows are; a mart
    missing is a failure in `outcome` already."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rebuilt = _rebuilt_rows(con, rebuilt_build)
        to_check = {}
        for mart in GATED_MARTS:
            if not _has_mart(con, mart):
                outcome.failures.append(f"marts.{mart} est absent du entrepôt / is missing from the warehouse")
                continue
            [(rows,)] = con.execute(f"SELECT count(*) FROM marts.{mart} WHERE {rebuilt.get(mart, 'true')}").fetchall()
            if rows == 0:
                # Nothing to check: no file of its kind received yet (any subset of kinds publishes), or nothing
                # rebuilt tonight (the rows left passed the gate when they were built).
                outcome.rows_checked[mart] = 0
                log.info("%s: aucune ligne à contrôler / no row to check", mart)
                continue
            to_check[mart] = (rows, mart in rebuilt)
    return to_check


def _run_checkpoints(context, to_check: dict[str, tuple[int, bool]], rebuilt_build: int | None, outcome) -> list:
    """Each mart's checkpoint run, failures added to `outcome`; the identifiers of the results and suites."""
    identifiers = []
    for mart, (rows, rebuilt) in to_check.items():
        if rebuilt:
            checkpoint = context.checkpoints.get(f"gate_{mart}_rebuilt_tonight")
            result = checkpoint.run(batch_parameters={"build_number": int(rebuilt_build)})
        else:
            result = context.checkpoints.get(f"gate_{mart}").run()
        for result_id, run_result in result.run_results.items():
            outcome.failures += [_describe(mart, r) for r in run_result.results if not r.success]
            outcome.expectations_checked += len(run_result.results)
            identifiers += [result_id, result_id.expectation_suite_identifier]
        outcome.rows_checked[mart] = rows
        log.info(
            "%s: %s lignes contrôlées dans DuckDB / rows checked in DuckDB%s",
            mart,
            rows,
            " (reconstruites cette nuit / rebuilt tonight)" if rebuilt else "",
        )
    return identifiers


def validate_marts(warehouse: Path, rebuilt_build: int | None = None) -> GateResult:
    """Every gated mart through its checkpoint; after an incremental build (`rebuilt_build`, the number
    warehouse/builds.py gave it), the rows rebuilt by group only."""
    import great_expectations as gx  # slow import, kept out of DAG parsing

    from expectations.duckdb_sql import close_connections, warehouse_url  # registers the data source's dialect

    outcome = GateResult()
    to_check = _rows_to_check(warehouse, rebuilt_build, outcome)
    with _warehouse_url(warehouse_url(warehouse)):
        context = gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))
        try:
            identifiers = _run_checkpoints(context, to_check, rebuilt_build, outcome)
        finally:
            close_connections()
    # Data Docs, the human-readable result: tonight's pages added, the index over the last RESULTS_KEPT_DAYS.
    _prune_results(EXPECTATIONS_DIR / "gx" / "uncommitted")
    context.build_data_docs(resource_identifiers=identifiers)
    return outcome

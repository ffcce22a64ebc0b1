"""The quality gate: run the stored GX checkpoints on the marts before anything is reported.

GX's SQL data source is broken on DuckDB (see STACK-NOTES), so each mart is read from the warehouse
opened read-only and validated through GX's pandas data source. Large tables are validated in chunks
split by a hash of the key, so that duplicates of a key always fall in the same chunk. After an incremental
build, the marts rebuilt by group are checked on the groups rebuilt, as dbt's tests are.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from config import EXPECTATIONS_DIR
from expectations.batches import iso_select_list

log = logging.getLogger(__name__)

CHUNK_ROWS = int(os.environ.get("GATE_CHUNK_ROWS", 1_000_000))
RESULTS_KEPT_DAYS = 30
# Each gated mart and its key, as in the stored suites (expectations/gx/expectations/<mart>.json).
GATED_MARTS = {
    "fct_budget_allocations": "budget_allocation_id",
    "fct_budget_execution": "budget_execution_id",
    "fct_commitments": "commitment_id",
    "fct_funding_flows": "funding_flow_id",
}


@dataclass
class GateResult:
    rows_checked: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

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


def _prune_results(folder: Path) -> None:
    cutoff = time.time() - RESULTS_KEPT_DAYS * 86400
    for result in folder.rglob("*.json"):
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
            detail += f", ex. {res['partial_unexpected_list'][:5]}"
    return f"{mart}.{cfg.type}({column}): {detail}"


def _mart_select(con: duckdb.DuckDBPyConnection, mart: str) -> str:
    exprs = iso_select_list(con, f"marts.{mart}")
    if not exprs:
        raise LookupError(f"marts.{mart} est absent du entrepôt / is missing from the warehouse")
    return f"SELECT {', '.join(exprs)} FROM marts.{mart}"


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


def validate_marts(warehouse: Path, rebuilt_build: int | None = None) -> GateResult:
    """Every gated mart through its checkpoint; after an incremental build (`rebuilt_build`, the number
    warehouse/builds.py gave it), the rows rebuilt by group only."""
    import great_expectations as gx  # slow import, kept out of DAG parsing

    context = gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_DIR))
    outcome = GateResult()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rebuilt = _rebuilt_rows(con, rebuilt_build)
        for mart, key in GATED_MARTS.items():
            checkpoint = context.checkpoints.get(f"gate_{mart}")
            try:
                select = _mart_select(con, mart)
            except LookupError as exc:
                outcome.failures.append(str(exc))
                continue
            scope = rebuilt.get(mart, "true")
            [(rows,)] = con.execute(f"SELECT count(*) FROM marts.{mart} WHERE {scope}").fetchall()
            if rows == 0 and mart in rebuilt:
                # Nothing rebuilt: the rows left passed the gate when they were built (deleting rows cannot make the
                # others wrong), only an emptied table can be.
                [(kept,)] = con.execute(f"SELECT count(*) FROM marts.{mart}").fetchall()
                if not kept:
                    outcome.failures.append(f"marts.{mart} est vide / is empty")
                outcome.rows_checked[mart] = 0
                log.info("%s: rien de reconstruit cette nuit / nothing rebuilt tonight (%s lignes)", mart, kept)
                continue
            chunks = max(1, math.ceil(rows / CHUNK_ROWS))
            for i in range(chunks):
                frame = con.execute(f"{select} WHERE {scope} AND hash({key}) % {chunks} = {i}").df()
                result = checkpoint.run(batch_parameters={"dataframe": frame})
                for run_result in result.run_results.values():
                    outcome.failures += [_describe(mart, r) for r in run_result.results if not r.success]
            outcome.rows_checked[mart] = rows
            log.info(
                "%s: %s lignes contrôlées en %s lot(s)%s",
                mart,
                rows,
                chunks,
                " (reconstruites cette nuit / rebuilt tonight)" if mart in rebuilt else "",
            )
    finally:
        con.close()
    # Data Docs, the human-readable result, once per gate rather than after every checkpoint, over the last
    # RESULTS_KEPT_DAYS of results (the site is rebuilt from all results kept, so they must not pile up).
    _prune_results(EXPECTATIONS_DIR / "gx" / "uncommitted" / "validations")
    context.build_data_docs()
    return outcome

"""Which dbt build a night needs, and the record of every build (ops.model_builds).

A night rebuilds only the groups of rows that its new files touch (dbt_project/macros/rebuild_groups.sql). That is
right only while the models, seeds and exchange rates are those the warehouse was built with; when their fingerprint
changes (a new release, a corrected seed, new ECB rates), on the first build, or when asked, everything is rebuilt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.dbt import DbtResult, dbt_build, project_fingerprint

CREATE_TABLE = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.model_builds (
    build_number INTEGER,          -- 1, 2, ...: the rows a build writes carry it (see macros/rebuild_groups.sql)
    run_id VARCHAR,
    built_at TIMESTAMP,
    build_mode VARCHAR,            -- full | incremental
    full_refresh_reason VARCHAR,
    fingerprint VARCHAR,           -- models, seeds, dbt version and exchange rates it was built with
    built_through_file_id BIGINT   -- the newest ops.files row it saw: later files are the next night's news
)"""


@dataclass(frozen=True)
class BuildPlan:
    build_number: int
    fingerprint: str
    full_refresh_reason: str | None  # None: rebuild only what new files touch
    built_through_file_id: int | None  # the newest file the last build saw: later files are this night's news

    @property
    def mode(self) -> str:
        return "incremental" if self.full_refresh_reason is None else "full"


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = 'ops' AND table_name = ?", [table]).fetchall()
    )


def latest(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The last build recorded in the warehouse (build_number, build_mode, fingerprint, built_through_file_id),
    None before the first."""
    if not _has_table(con, "model_builds"):
        return None
    columns = ("build_number", "build_mode", "fingerprint", "built_through_file_id")
    rows = con.execute(f"""SELECT {", ".join(columns)} FROM ops.model_builds
                           ORDER BY build_number DESC LIMIT 1""").fetchall()
    return dict(zip(columns, rows[0], strict=True)) if rows else None


def _reference_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The reference data ingestion loads whole (the ECB rates), by the hash it was loaded with."""
    if not _has_table(con, "reference_files"):
        return ""
    return ";".join(
        f"{name}={sha}"
        for name, sha in con.execute("SELECT name, sha256 FROM ops.reference_files ORDER BY name").fetchall()
    )


def incremental_build_number(warehouse: Path) -> int | None:
    """The number of the last build of `warehouse` when it rebuilt only some groups (its rows carry it), else None."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        last = latest(con)
    finally:
        con.close()
    return last["build_number"] if last and last["build_mode"] == "incremental" else None


def plan(warehouse: Path, full_refresh: bool = False) -> BuildPlan:
    """Full or incremental build for `warehouse`, and why."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        fingerprint = hashlib.sha256((project_fingerprint() + _reference_fingerprint(con)).encode()).hexdigest()
        last = latest(con)
    finally:
        con.close()
    if full_refresh:
        reason = "demandée / asked for"
    elif last is None:
        reason = "premier build / first build"
    elif last["fingerprint"] != fingerprint:
        reason = "modèles, graines ou taux de change modifiés / models, seeds or exchange rates changed"
    else:
        reason = None
    return BuildPlan(
        build_number=(last["build_number"] if last else 0) + 1,
        fingerprint=fingerprint,
        full_refresh_reason=reason,
        built_through_file_id=None if reason else last["built_through_file_id"],
    )


def record_step(run_id: str, build: BuildPlan) -> dict:
    """The SQL that notes a successful build (the next night rebuilds what files received after it touch), run by
    dbt's own process right after the build: a connection of ours would check the whole file again when it closes."""
    return {
        "sql": [
            CREATE_TABLE,
            """INSERT INTO ops.model_builds
               SELECT ?, ?, now()::TIMESTAMP, ?, ?, ?, (SELECT coalesce(max(file_id), -1) FROM ops.files)""",
        ],
        "params": [build.build_number, run_id, build.mode, build.full_refresh_reason, build.fingerprint],
    }


def build(
    warehouse: Path,
    run_date: str,
    run_id: str,
    full_refresh: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[BuildPlan, DbtResult]:
    """Plan, run and (when it succeeds) record the dbt build of `warehouse` for the night of `run_date`, then say how
    fresh each source is (in the same dbt process); `progress(nodes done, nodes)` as dbt goes."""
    build_plan = plan(warehouse, full_refresh)
    result = dbt_build(
        warehouse,
        run_date,
        build_plan.build_number,
        build_plan.built_through_file_id,
        with_freshness=True,
        on_success=record_step(run_id, build_plan),
        progress=progress,
    )
    return build_plan, result

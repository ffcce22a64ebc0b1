"""Run the dbt project on a warehouse file, one dbt command at a time (DuckDB allows one writer).

`dbt build` makes the models, `dbt source freshness` says when files last arrived, `dbt docs generate`
writes the analysts' documentation; each is read back from the artifacts dbt writes, not from its output.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from warehouse.settings import DBT_PROJECT_DIR

TARGET = DBT_PROJECT_DIR / "target"


@dataclass
class DbtResult:
    ok: bool
    counts: dict[str, int]
    failures: list[str]

    def summary(self) -> str:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items()))
        return parts + ("" if self.ok else "\n" + "\n".join(self.failures))


@dataclass
class Freshness:
    source: str
    status: str  # pass | warn | error | runtime error
    age_days: float | None


def _dbt(command: list[str], warehouse: Path, artifact: str, target: Path = TARGET,
         run_date: str | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `dbt <command>` on `warehouse` and return the process and the JSON artifact it wrote."""
    args = [str(Path(sys.executable).with_name("dbt")), *command,
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)]
    # The run date goes in an environment variable, not --vars: a new var re-parses the whole project, a new
    # environment value only the model that reads it (fct_commitments).
    env = os.environ | {"DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if run_date:
        env["DBT_RUN_DATE"] = run_date
    artifact_file = target / artifact
    artifact_file.unlink(missing_ok=True)
    proc = subprocess.run(args, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    if not artifact_file.exists():
        raise RuntimeError(f"dbt {command[0]} n'a pas abouti / did not run:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc, json.loads(artifact_file.read_text())


def dbt_build(warehouse: Path, run_date: str, select: str | None = None, full_refresh: bool = True) -> DbtResult:
    """`dbt build` against `warehouse`, with the run date as the 'as of' date of computed statuses.

    full_refresh=False rebuilds only the groups of rows new files touch (see warehouse/builds.py), and leaves out
    the seeds, the unit tests and what is tagged full_build_only (see dbt_project.yml): the last full build made and
    passed them with the same fingerprint.
    """
    # buildable: a test runs when its model is built, even if another of its parents is not (a fact -> dim test).
    command = ["build", "--indirect-selection", "buildable"] + (["--select", select] if select else [])
    command += ["--full-refresh"] if full_refresh else [
        "--exclude-resource-type", "seed", "unit_test", "--exclude", "tag:full_build_only"]
    proc, artifact = _dbt(command, warehouse, "run_results.json", run_date=run_date)
    counts: dict[str, int] = {}
    failures = []
    for r in artifact["results"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        if r["status"] in {"error", "fail"}:
            failures.append(f"{r['unique_id']}: {r['status']} - {(r.get('message') or '').strip()[:500]}")
    ok = proc.returncode == 0 and not failures
    if proc.returncode != 0 and not failures:
        failures.append(proc.stdout[-4000:])
    return DbtResult(ok, counts, failures)


def source_freshness(warehouse: Path) -> list[Freshness]:
    """How long since each source with a freshness rule last received data (sources.json)."""
    _, artifact = _dbt(["source", "freshness"], warehouse, "sources.json")
    return [
        Freshness(
            source=r["unique_id"].removeprefix("source.mali_budget."),
            status=r["status"],
            age_days=round(r["max_loaded_at_time_ago_in_s"] / 86400, 1) if r.get("max_loaded_at_time_ago_in_s") is not None else None,
        )
        for r in artifact["results"]
    ]


def write_model_docs(warehouse: Path, out_dir: Path) -> Path:
    """The dbt documentation of `warehouse` as one self-contained page, out_dir/index.html (opens from disk)."""
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as target:
        proc, _ = _dbt(["docs", "generate", "--static"], warehouse, "catalog.json", target=Path(target))
        page = Path(target) / "static_index.html"
        if proc.returncode != 0 or not page.exists():
            raise RuntimeError(f"dbt docs generate a échoué / failed:\n{proc.stdout[-4000:]}")
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copyfile(page, out_dir / "index.html"))

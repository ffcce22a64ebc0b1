"""Run the dbt project on a warehouse file: one `dbt build` invocation, so one writer at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from warehouse.settings import DBT_PROJECT_DIR


@dataclass
class DbtResult:
    ok: bool
    counts: dict[str, int]
    failures: list[str]

    def summary(self) -> str:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items()))
        return parts + ("" if self.ok else "\n" + "\n".join(self.failures))


def dbt_build(warehouse: Path, run_date: str, select: str | None = None) -> DbtResult:
    """`dbt build` against `warehouse`, with the run date as the 'as of' date of computed statuses."""
    target = DBT_PROJECT_DIR / "target"
    args = [
        str(Path(sys.executable).with_name("dbt")), "build",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target), "--vars", json.dumps({"run_date": run_date}),
    ] + (["--select", select, "--indirect-selection", "buildable"] if select else [])
    env = os.environ | {"DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    proc = subprocess.run(args, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    if not results_file.exists():
        raise RuntimeError(f"dbt n'a pas démarré / dbt did not start:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    results = json.loads(results_file.read_text())["results"]
    counts: dict[str, int] = {}
    failures = []
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        if r["status"] in {"error", "fail"}:
            failures.append(f"{r['unique_id']}: {r['status']} - {(r.get('message') or '').strip()[:500]}")
    ok = proc.returncode == 0 and not failures
    if proc.returncode != 0 and not failures:
        failures.append(proc.stdout[-4000:])
    return DbtResult(ok, counts, failures)

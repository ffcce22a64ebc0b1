"""Run the dbt project on a warehouse file, one dbt command at a time (DuckDB allows one writer).

`dbt build` makes the models, `dbt source freshness` says when files last arrived, `dbt docs generate`
writes the analysts' documentation; each is read back from the artifacts dbt writes, not from its output.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import duckdb

from config import DBT_PROJECT_DIR, cache
from warehouse import lock

TARGET = DBT_PROJECT_DIR / "target"

# What the models are made of: a change in any of these is a new warehouse, not an increment of the last one.
PROJECT_PARTS = ("dbt_project.yml", "macros", "models", "seeds", "snapshots", "tests")
DOCS_KEPT = 3  # pages of the documentation kept in the cache, newest first
# dbt's line for a node done, whatever its outcome (OK, PASS, WARN, ERROR, FAIL, SKIP, NO-OP ...), not the line it
# starts with: "12:01:05  12 of 271 OK created sql table model marts.fct_... [OK in 0.31s]".
NODE_DONE = re.compile(r"\b\d+ of (\d+) (?!START\b)[A-Z][A-Z-]*\b")


def project_fingerprint() -> str:
    digest = hashlib.sha256(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')}".encode())
    for part in PROJECT_PARTS:
        root = DBT_PROJECT_DIR / part
        for file in sorted([root] if root.is_file() else root.rglob("*")):
            if file.is_file():
                digest.update(str(file.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


@dataclass
class Freshness:
    source: str
    status: str  # pass | warn | error | runtime error
    age_days: float | None


@dataclass
class DbtResult:
    ok: bool
    counts: dict[str, int]
    failures: list[str]
    freshness: list[Freshness] | None = None  # when asked for, after a build that succeeded
    built: dict[str, int] | None = None  # nodes that succeeded or passed, by kind (model, test, seed, snapshot ...)

    def summary(self) -> str:
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items()))
        return parts + ("" if self.ok else "\n" + "\n".join(self.failures))


def _printed(proc: subprocess.CompletedProcess) -> str:
    """The end of what a dbt process printed, for the message of a failure."""
    return f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"


def _dbt(
    commands: list[list[str] | dict],
    warehouse: Path,
    artifacts: list[str],
    target: Path = TARGET,
    env: dict[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[subprocess.CompletedProcess, list[dict | None]]:
    """Run the dbt `commands` (and SQL steps) on `warehouse` in one dbt process (warehouse/dbt_session.py: the project
    parsed once) and return the process and the JSON artifact each dbt command wrote (None for one that did not run);
    `progress(nodes done, nodes)` as dbt says each node is done."""
    args = [
        sys.executable,
        "-m",
        "warehouse.dbt_session",
        json.dumps(commands),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
    ]
    # dbt's debug log file names every statement of every node: writing it costs a night about 0.5 s of the GIL
    # (3 % of an incremental night). What failed is in run_results.json and the captured output; to get the file
    # (dbt_project/logs/dbt.log), set DBT_LOG_LEVEL_FILE=debug.
    env = (
        {"DBT_LOG_LEVEL_FILE": "none"}
        | os.environ
        | (env or {})
        | {"DBT_DUCKDB_PATH": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    )
    files = [target / artifact for artifact in artifacts]
    for file in files:
        file.unlink(missing_ok=True)
    # dbt dies with the step that runs it (warehouse/lock.py).
    with subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=DBT_PROJECT_DIR,
        preexec_fn=lock.die_with_parent,
    ) as running:
        printed, done = [], 0
        for line in running.stdout:
            printed.append(line)
            said = NODE_DONE.search(line)
            if said and progress:
                done += 1
                progress(done, int(said[1]))
    proc = subprocess.CompletedProcess(args, running.returncode, "".join(printed), "")
    if not files[0].exists():
        raise RuntimeError(f"dbt {commands[0][0]} n'a pas abouti / did not run:\n{_printed(proc)}")
    return proc, [json.loads(file.read_text()) if file.exists() else None for file in files]


FRESHNESS = ["source", "freshness"]


def dbt_build(
    warehouse: Path,
    run_date: str,
    build_number: int = 1,
    built_through_file_id: int | None = None,
    select: str | None = None,
    with_freshness: bool = False,
    on_success: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DbtResult:
    """`dbt build` number `build_number` of `warehouse`, with the run date as the 'as of' date of computed statuses.

    With `built_through_file_id` (the newest file the last build saw), only the groups of rows later files touch are
    rebuilt (see warehouse/builds.py), and the seeds, the unit tests and what is tagged full_build_only (see
    dbt_project.yml) are left out: the last full build made and passed them with the same fingerprint. Without it,
    everything is rebuilt (--full-refresh). `on_success`: a SQL step ({"sql": statements, "params": ...}) run on the
    warehouse by the same process once the build succeeded (warehouse/dbt_session.py). `with_freshness`: then `dbt
    source freshness` in the same dbt process.
    """
    # buildable: a test runs when its model is built, even if another of its parents is not (a fact -> dim test).
    command = ["build", "--indirect-selection", "buildable"] + (["--select", select] if select else [])
    command += (
        ["--full-refresh"]
        if built_through_file_id is None
        else ["--exclude-resource-type", "seed", "unit_test", "--exclude", "tag:full_build_only"]
    )
    # Environment variables, not --vars: a new var re-parses the whole project, a new environment value only the
    # model that reads it while parsing (fct_commitments; the build's figures are read when executing only).
    env = {
        "DBT_RUN_DATE": run_date,
        "DBT_BUILD_NUMBER": str(build_number),
        "DBT_BUILT_THROUGH_FILE_ID": str(-1 if built_through_file_id is None else built_through_file_id),
    }
    commands, artifacts = [command, *([on_success] if on_success else [])], ["run_results.json"]
    if with_freshness:
        commands.append(FRESHNESS)
        artifacts.append("sources.json")
    proc, [run_results, *freshness_artifact] = _dbt(commands, warehouse, artifacts, env=env, progress=progress)
    sources = freshness_artifact[0] if freshness_artifact else None
    counts: dict[str, int] = {}
    built_kinds: dict[str, int] = {}
    failures = []
    for r in run_results["results"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
        if r["status"] in {"success", "pass"}:
            kind = r["unique_id"].split(".")[0]
            built_kinds[kind] = built_kinds.get(kind, 0) + 1
        if r["status"] in {"error", "fail"}:
            failures.append(f"{r['unique_id']}: {r['status']} - {(r.get('message') or '').strip()[:500]}")
    # The session stops at the first step that fails: a freshness artifact means the build and its SQL step succeeded.
    built = proc.returncode == 0 or sources is not None
    if not built and not failures:
        failures.append(_printed(proc))
    return DbtResult(built and not failures, counts, failures, _freshness(sources) if sources else None, built_kinds)


def source_freshness(warehouse: Path) -> list[Freshness]:
    """How long since each source with a freshness rule last received data (sources.json)."""
    _, [artifact] = _dbt([FRESHNESS], warehouse, ["sources.json"])
    return _freshness(artifact)


def _freshness(artifact: dict) -> list[Freshness]:
    return [
        Freshness(
            source=r["unique_id"].removeprefix("source.mali_budget."),
            status=r["status"],
            age_days=round(r["max_loaded_at_time_ago_in_s"] / 86400, 1)
            if r.get("max_loaded_at_time_ago_in_s") is not None
            else None,
        )
        for r in artifact["results"]
    ]


def _docs_made_of(warehouse: Path) -> str:
    """What the documentation page is made of: the project and the tables and columns of the warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns ORDER BY ALL"
        ).fetchall()
    return cache.key(project_fingerprint(), repr(columns))


def _generate_docs(warehouse: Path) -> bytes:
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as target:
        proc, _ = _dbt([["docs", "generate", "--static"]], warehouse, ["catalog.json"], target=Path(target))
        page = Path(target) / "static_index.html"
        if proc.returncode != 0 or not page.exists():
            raise RuntimeError(f"dbt docs generate a échoué / failed:\n{_printed(proc)}")
        return page.read_bytes()


def write_model_docs(warehouse: Path, out_dir: Path, kept_in: Path | None = None) -> Path:
    """The dbt documentation of `warehouse` as one self-contained page, out_dir/index.html (opens from disk).

    With a cache folder `kept_in`, the page is generated only when the models or the warehouse's columns changed
    (the page shows nothing else: the same project and tables give the same page)."""
    page = cache.kept(kept_in, "dbt-docs", _docs_made_of(warehouse), lambda: _generate_docs(warehouse), DOCS_KEPT)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "index.html").write_bytes(page)
    return out_dir / "index.html"

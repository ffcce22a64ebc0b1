"""Several dbt commands in one process that parses the project once (dbt's programmatic runner, dbtRunner).

    python -m warehouse.dbt_session '[["build", ...], {"sql": [...], "params": [...]}, ["source", "freshness"]]' \
        --project-dir ... (dbt's own flags)

Each dbt process spends seconds starting and parsing before it runs anything: a night's build and its freshness check
share one. The steps run in order and stop at the first that fails; each dbt command writes its own artifact, which
warehouse/dbt.py reads. A step {"sql": statements, "params": parameters of the last} runs on the warehouse
(DBT_DUCKDB_PATH) through the DuckDB instance dbt still holds: the file is written back once, when the session ends
(a separate connection would check the whole 2 GB file again, 2.6 s). Started by warehouse/dbt.py, never imported by
it (dbt stays out of the worker's memory).
"""

from __future__ import annotations

import json
import os
import sys


def _run_sql(step: dict) -> None:
    import duckdb

    with duckdb.connect(os.environ["DBT_DUCKDB_PATH"]) as con:
        *statements, last = step["sql"]
        for statement in statements:
            con.execute(statement)
        con.execute(last, step.get("params", []))


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    steps, flags = json.loads(argv[0]), argv[1:]
    # The manifest is written by the command that follows (with what it ran); parse's own copy would be overwritten.
    parsed = dbtRunner().invoke(["parse", "--no-write-json", *flags])
    if not parsed.success:
        return 2
    runner = dbtRunner(manifest=parsed.result)
    for step in steps:
        if isinstance(step, dict):
            _run_sql(step)
        elif not runner.invoke([*step, *flags]).success:
            return 1
    return 0


def _leave_once_written() -> None:
    """End a session that succeeded as soon as the warehouse is in its file: CHECKPOINT writes the WAL into it (what
    DuckDB does when its last connection closes), the exit handlers run (logs flushed, dbt's worker resources
    released) and the interpreter's teardown of dbt and of DuckDB's buffers, 0.45 s of a night, is skipped. Should
    the checkpoint fail, the process exits the usual way, which closes DuckDB."""
    import atexit

    import duckdb

    try:
        _run_sql({"sql": ["CHECKPOINT"]})
    except duckdb.Error:
        return
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    code = main(sys.argv[1:])
    if code == 0:
        _leave_once_written()
    sys.exit(code)

"""Several dbt commands in one process that parses the project once (dbt's programmatic runner, dbtRunner).

    python -m warehouse.dbt_session '[["build", ...], {"sql": [...], "params": [...]}, ["source", "freshness"]]' \
        --project-dir ... (dbt's own flags)

Each dbt process spends seconds starting and parsing before it runs anything: a night's build and its freshness check
share one. The steps run in order and stop at the first that fails; each dbt command writes its own artifact, which
warehouse/dbt.py reads. A step {"sql": statements, "params": parameters of the last} runs on the warehouse
(DBT_DUCKDB_PATH) through the DuckDB instance dbt still holds: the file is written back once when the process ends
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

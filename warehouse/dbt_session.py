"""Several dbt commands in one process that parses the project once (dbt's programmatic runner, dbtRunner).

    python -m warehouse.dbt_session '[["build", ...], ["source", "freshness"]]' --project-dir ... (dbt's own flags)

Each dbt process spends seconds starting and parsing before it runs anything: a night's build and its freshness check
share one. The commands run in order and stop at the first that fails; each writes its own artifact, which
warehouse/dbt.py reads. Started by warehouse/dbt.py, never imported by it (dbt stays out of the worker's memory).
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    commands, flags = json.loads(argv[0]), argv[1:]
    parsed = dbtRunner().invoke(["parse", *flags])
    if not parsed.success:
        return 2
    runner = dbtRunner(manifest=parsed.result)
    for command in commands:
        if not runner.invoke([*command, *flags]).success:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

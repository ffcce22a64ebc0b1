"""Night benchmark: the nightly DAG on the bundled sample through real Airflow (`python dags/budget_nightly.py
<date>`, as `make run` does: `dag.test()`, what `airflow dags test` calls), on consecutive days: the first night of a
checkout draws the charts and the dbt documentation, the next night (the day after, as in production) finds them made
but draws again what shows the date: the two briefs.
Prints each task's time as Airflow's metadata database recorded it, and the night's, beside the goals.

    make benchmark            (or, with the Makefile's environment: python -m benchmarks.night [--nights 2])

Before its first task the night has Airflow's in-process execution API answer a first request (Cadwyn builds the
routes of every API version then), as the deployment's API server healthcheck does before the workers start
(docker-compose.yml, tests/test_production.py): the night prints that start, and it counts in the night's time.
Measured alone, each in a fresh interpreter, and printed under the nights: `fetch_feeds`'s own work with no feed
configured, and that first request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

DAG_ID = "budget_nightly"
DAG_FILE = Path(__file__).resolve().parent.parent / "dags" / f"{DAG_ID}.py"
TASK_GOALS = {"fetch_feeds": 1.0, "build_report": 3.0}  # seconds
NIGHT_GOAL = 40.0


def _task_times(airflow_db: Path) -> list[tuple[str, float]]:
    """(task, seconds) of the latest run of the DAG, in the order the tasks started."""
    con = sqlite3.connect(airflow_db)
    try:
        [(run_id,)] = con.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", [DAG_ID]
        ).fetchall()
        return con.execute(
            "SELECT task_id, duration FROM task_instance WHERE dag_id = ? AND run_id = ? ORDER BY start_date",
            [DAG_ID, run_id],
        ).fetchall()
    finally:
        con.close()


# Each timed in a fresh interpreter, its imports included; prints the seconds.
ALONE = {
    "la tâche seule, sans flux configuré / the task's own work, no feed configured": """
import datetime as dt, time
started = time.perf_counter()
from config import paths
from warehouse import nightly
nightly.fetch_feeds(paths(), dt.date.today(), None)
print(time.perf_counter() - started)""",
    "première requête à l'API d'exécution d'Airflow en processus / first request to Airflow's in-process execution "
    "API (Cadwyn builds its versioned routes)": """
import time, httpx
from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI
client = httpx.Client(transport=InProcessExecutionAPI().transport, base_url="http://in-process.invalid./")
started = time.perf_counter()
client.get("/health/ping").raise_for_status()
print(time.perf_counter() - started)""",
}


def _alone(code: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FTS_", "IATI_"))}  # no feed configured
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nights", type=int, default=2)
    parser.add_argument("--run-date", default=dt.date.today().isoformat())
    args = parser.parse_args()
    from dags.budget_nightly import API_READY

    airflow_db = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
    for night in range(1, args.nights + 1):
        started = time.perf_counter()
        day = dt.date.fromisoformat(args.run_date) + dt.timedelta(days=night - 1)
        out = subprocess.run(
            [sys.executable, str(DAG_FILE), day.isoformat()], check=True, capture_output=True, text=True
        ).stdout
        seconds = time.perf_counter() - started
        label = "première nuit / first night" if night == 1 else f"nuit {night} / night {night}"
        print(f"Nuit sur l'échantillon, {label}, {day} : {seconds:.1f} s (objectif < {NIGHT_GOAL:.0f} s)")
        print(f"  {next(line for line in out.splitlines() if API_READY in line).strip()}")
        for task, duration in _task_times(airflow_db):
            goal = f" (objectif < {TASK_GOALS[task]:.0f} s)" if task in TASK_GOALS else ""
            print(f"  {task:<16} {duration:6.2f} s{goal}")
    print("fetch_feeds, où va le temps / where the time goes (mesuré seul / measured alone):")
    for label, code in ALONE.items():
        print(f"  {_alone(code):6.2f} s  {label}")


if __name__ == "__main__":
    main()

"""Night benchmark: the nightly DAG on the bundled sample through real Airflow (`airflow dags test`, as `make run`
does), on consecutive days: the first night of a checkout draws the charts and the dbt documentation, the next night
(the day after, as in production) finds them made but draws again what shows the date: the two briefs.
Prints each task's time as Airflow's metadata database recorded it, and the night's, beside the goals.

    make benchmark            (or, with the Makefile's environment: python -m benchmarks.night [--nights 2])

`fetch_feeds` with no feed configured does nothing; under `airflow dags test` its time includes the first request to
Airflow's in-process execution API: `dags test` builds that API before the first task starts, but Cadwyn builds the
routes of every API version on the first request, which the first task's start makes. In the deployment the API
server's healthcheck makes that request before the workers start (docker-compose.yml, tests/test_production.py).
Measured alone, each in a fresh interpreter, and printed under the nights: the step's own work, the task run by
Airflow once its execution API has answered a first request (what a worker finds), and that first request.
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
    "la tâche par Airflow, son API d'exécution démarrée (comme la trouvent les workers) / the task run by Airflow, its "
    f"execution API started (as the workers find it) (objectif < {TASK_GOALS['fetch_feeds']:.0f} s)": """
import datetime as dt, os, shutil, subprocess, sys, tempfile
from pathlib import Path
os.environ["AIRFLOW_HOME"] = home = tempfile.mkdtemp(prefix="airflow-home-")  # leaves the checkout's runs alone
subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], check=True, capture_output=True)
import httpx
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.execution_time.supervisor import in_process_api_server
# The first request, as the API server's healthcheck makes it before the workers start (docker-compose.yml).
client = httpx.Client(transport=in_process_api_server().transport, base_url="http://in-process.invalid./")
client.get("/health").raise_for_status()
dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).get_dag("budget_nightly")
task = dag.partial_subset(task_ids=["fetch_feeds"], include_upstream=False, include_downstream=False)
[ti] = task.test(logical_date=dt.datetime.now(dt.UTC)).get_task_instances()
shutil.rmtree(home)
print(ti.duration)""",
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
    airflow_db = Path(os.environ["AIRFLOW_HOME"]) / "airflow.db"
    airflow = Path(sys.executable).with_name("airflow")
    for night in range(1, args.nights + 1):
        started = time.perf_counter()
        day = dt.date.fromisoformat(args.run_date) + dt.timedelta(days=night - 1)
        subprocess.run([str(airflow), "dags", "test", DAG_ID, day.isoformat()], check=True, capture_output=True)
        seconds = time.perf_counter() - started
        label = "première nuit / first night" if night == 1 else f"nuit {night} / night {night}"
        print(f"Nuit sur l'échantillon, {label}, {day} : {seconds:.1f} s (objectif < {NIGHT_GOAL:.0f} s)")
        for task, duration in _task_times(airflow_db):
            goal = f" (objectif < {TASK_GOALS[task]:.0f} s)" if task in TASK_GOALS else ""
            print(f"  {task:<16} {duration:6.2f} s{goal}")
    print("fetch_feeds, où va le temps / where the time goes (mesuré seul / measured alone):")
    for label, code in ALONE.items():
        print(f"  {_alone(code):6.2f} s  {label}")


if __name__ == "__main__":
    main()

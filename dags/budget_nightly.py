"""Nightly load: inbox -> warehouse -> quality gate -> published report -> marts served to analysts
(see warehouse/nightly.py)."""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, TriggerRule, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from config import paths
from warehouse import nightly

BAMAKO = pendulum.timezone("Africa/Bamako")
INBOX_FEEDS = Asset("file://inbox/feeds", group="budget_warehouse")
RAW_LAYER = Asset("duckdb://warehouse/raw", group="budget_warehouse")
PUBLISHED = Asset("duckdb://warehouse/marts", group="budget_warehouse")
# Each step's limit, sized to its work with room (a full build of 12 M fact rows takes about 5 minutes): a step
# stopped by its limit is retried like any infrastructure failure, and a hung night never holds the next one.
LIMITS = {
    "fetch_feeds": dt.timedelta(minutes=45),  # each feed has its own time budget (ingest/feeds.py)
    "ingest_inbox": dt.timedelta(hours=1),
    "dbt_build": dt.timedelta(hours=1, minutes=30),
    "quality_gate": dt.timedelta(hours=1),
    "build_report": dt.timedelta(minutes=30),
    "publish": dt.timedelta(minutes=10),
    "serve_analysts": dt.timedelta(minutes=30),
}
NIGHT_DEADLINE = dt.timedelta(hours=6)
# Printed when the night runs as a script (`make run`), before its first task; the night benchmark reads it.
API_READY = "API d'exécution d'Airflow prête / Airflow's execution API ready"
# DuckDB has one writer: the steps that touch the warehouse run on the Celery queue `warehouse`, served by the one
# worker that holds the warehouse volume; fetching feeds only writes the inbox and runs on any worker.
WAREHOUSE_QUEUE = "warehouse"
ANY_WORKER_QUEUE = "default"
RETRY_DELAY = dt.timedelta(seconds=int(os.environ.get("NIGHTLY_RETRY_DELAY_SECONDS", 300)))


def _iati_api_key() -> str | None:
    """From the Airflow connection `iati_datastore` (password), else IATI_API_KEY; never logged."""
    from airflow.sdk import Connection

    try:
        return Connection.get("iati_datastore").password
    except Exception:  # no such connection: the environment may hold the key
        return os.environ.get("IATI_API_KEY")


def _run() -> tuple[str, dt.date]:
    """This run's id and its date in Bamako (the 'as of' date of statuses and of the report), once this step holds
    the warehouse: another night holding it fails this one at once, without retries (they would only queue)."""
    context = get_current_context()
    moment = context.get("logical_date") or context["dag_run"].run_after
    try:
        nightly.hold(paths(), context["run_id"])
    except nightly.NightAlreadyRunning as exc:
        raise AirflowFailException(str(exc)) from exc
    return context["run_id"], pendulum.instance(moment).in_timezone(BAMAKO).date()


@dag(
    dag_id="budget_nightly",
    schedule=CronTriggerTimetable("30 2 * * *", timezone=BAMAKO),
    # Early enough that a night as of any past date runs (`make run RUN_DATE=2024-09-15`); catchup stays off.
    start_date=pendulum.datetime(2000, 1, 1, tz=BAMAKO),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=NIGHT_DEADLINE,
    default_args={
        "queue": WAREHOUSE_QUEUE,
        "retries": 2,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": True,
    },
    tags=["budget", "nutrition", "nightly"],
    doc_md=__doc__,
    # A night rebuilds what its new files touch; the models rebuild everything by themselves when they change.
    params={
        "full_refresh": Param(
            False, type="boolean", description="Tout reconstruire / rebuild every model from all the raw rows"
        )
    },
)
def budget_nightly():
    @task(outlets=[INBOX_FEEDS], execution_timeout=LIMITS["fetch_feeds"], queue=ANY_WORKER_QUEUE)
    def fetch_feeds() -> dict:
        _, run_date = _run()
        return nightly.fetch_feeds(paths(), run_date, _iati_api_key())

    # A feed down after its last try fails fetch_feeds, but the files already in the inbox still go in.
    @task(outlets=[RAW_LAYER], trigger_rule=TriggerRule.ALL_DONE, execution_timeout=LIMITS["ingest_inbox"])
    def ingest_inbox() -> dict:
        run_id, run_date = _run()
        return nightly.ingest(paths(), run_id, run_date)

    @task(execution_timeout=LIMITS["dbt_build"])
    def dbt_build(ingested: dict) -> str:
        run_id, run_date = _run()
        try:
            nightly.build(ingested["candidate"], run_date, run_id, get_current_context()["params"]["full_refresh"])
        except nightly.QualityGateFailed as exc:
            raise AirflowFailException(str(exc)) from exc
        return ingested["candidate"]

    @task(execution_timeout=LIMITS["quality_gate"])
    def quality_gate(candidate: str) -> str:
        _run()
        try:
            nightly.gate(candidate)
        except nightly.QualityGateFailed as exc:
            raise AirflowFailException(str(exc)) from exc
        return candidate

    @task(execution_timeout=LIMITS["build_report"])
    def build_report(candidate: str) -> dict:
        run_id, run_date = _run()
        return {"candidate": candidate, "report": nightly.build_report(candidate, paths(), run_id, run_date)}

    @task(outlets=[PUBLISHED], execution_timeout=LIMITS["publish"])
    def publish(built: dict) -> dict:
        run_id, run_date = _run()
        return nightly.publish(built["candidate"], built["report"], paths(), run_date, run_id)

    @task(execution_timeout=LIMITS["serve_analysts"])
    def serve_analysts(published: dict) -> dict:
        return nightly.serve_analysts(published)

    fetched = fetch_feeds()
    ingested = ingest_inbox()
    fetched >> ingested
    serve_analysts(publish(build_report(quality_gate(dbt_build(ingested)))))


night = budget_nightly()


def _run_in_this_process(run_date: str | None) -> int:
    """`make run`: the night as `airflow dags test` runs it, its steps' lines (warehouse/progress.py) on the terminal,
    Airflow's own log in a file, and the steps' end lines as the run's note in the Airflow UI."""
    import time
    from pathlib import Path

    import httpx
    from airflow.models.dagrun import DagRun
    from airflow.sdk.execution_time.supervisor import in_process_api_server
    from airflow.utils.session import create_session

    from warehouse import progress

    terminal = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    log_file = Path(os.environ.get("AIRFLOW_HOME", "."), "logs", f"nuit-{run_date or 'du-jour'}.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "w", encoding="utf-8") as airflow_log:  # what Airflow prints, through any handler, goes there
        os.dup2(airflow_log.fileno(), 1)
        os.dup2(airflow_log.fileno(), 2)
    print(f"Journal d'Airflow / Airflow's log: {log_file}", file=terminal)
    ended = []

    def show(line: str) -> None:
        print(line, file=terminal)
        if line.startswith(("✔", "✘")):  # a step's end: the run's note
            ended.append(line)

    progress.print_to(show)
    # The night runs once Airflow's in-process execution API has answered a first request (it builds its routes
    # then): the deployment's healthcheck makes that request before the workers start, so here too Airflow's start
    # is not counted in the first task's time.
    started = time.perf_counter()
    with httpx.Client(transport=in_process_api_server().transport, base_url="http://in-process.invalid./") as api:
        api.get("/health").raise_for_status()
    print(f"{API_READY}: {time.perf_counter() - started:.1f} s", file=terminal)
    run = night.test(logical_date=pendulum.parse(run_date) if run_date else None)
    with create_session() as session:
        session.get(DagRun, run.id).note = "\n".join(ended)
    if run.state != "success":
        print(f"La nuit a échoué / the night failed: {run.run_id} ({run.state}), voir / see {log_file}", file=terminal)
        return 1
    return 0


if __name__ == "__main__":  # `make run`: python dags/budget_nightly.py 2026-12-06; Ctrl-C stops it
    import sys

    from warehouse.interrupt import run_stoppable

    run_stoppable(lambda: sys.exit(_run_in_this_process(sys.argv[1] if len(sys.argv) > 1 else None)))

"""Nightly load: inbox -> warehouse -> quality gate -> published report -> marts served to analysts
(see warehouse/nightly.py)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
from pathlib import Path

import httpx
import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, TriggerRule, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from config import paths
from warehouse import nightly, progress

log = logging.getLogger(__name__)

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
    "note_the_night": dt.timedelta(minutes=2),
}
STEPS = ["fetch_feeds", "ingest_inbox", "dbt_build", "quality_gate", "build_report", "publish", "serve_analysts"]
NOTE = "note"  # the XCom each step's task leaves its end lines in, for the run's note
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


def _noted(work):
    """A step's task whose end lines (warehouse/progress.py) are kept in its XCom `note`, failed or not."""

    @functools.wraps(work)
    def run(*args, **kwargs):
        with progress.ends_said() as ended:
            try:
                return work(*args, **kwargs)
            finally:
                get_current_context()["ti"].xcom_push(key=NOTE, value=ended)

    return run


def _write_note(dag_id: str, run_id: str, note: str) -> None:
    """The run's note through Airflow's REST API (a task has no access to the metadata database), at the API server
    the workers call, as the first of the API's users (the deployment's secret passwords file)."""
    from airflow.configuration import conf

    base = conf.get("core", "execution_api_server_url", fallback="").rstrip("/").removesuffix("/execution")
    if not base:
        raise ValueError("pas d'API Airflow configurée / no Airflow API configured (core.execution_api_server_url)")
    user = conf.get("core", "simple_auth_manager_users", fallback="admin:admin").split(",")[0].split(":")[0]
    password = json.loads(Path(conf.get("core", "simple_auth_manager_passwords_file")).read_text())[user]
    with httpx.Client(base_url=base, timeout=30) as api:
        token = api.post("/auth/token", json={"username": user, "password": password})
        token.raise_for_status()
        api.patch(
            f"/api/v2/dags/{dag_id}/dagRuns/{run_id}",
            json={"note": note},
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        ).raise_for_status()


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
    @_noted
    def fetch_feeds() -> dict:
        _, run_date = _run()
        return nightly.fetch_feeds(paths(), run_date, _iati_api_key())

    # A feed down after its last try fails fetch_feeds, but the files already in the inbox still go in.
    @task(outlets=[RAW_LAYER], trigger_rule=TriggerRule.ALL_DONE, execution_timeout=LIMITS["ingest_inbox"])
    @_noted
    def ingest_inbox() -> dict:
        run_id, run_date = _run()
        return nightly.ingest(paths(), run_id, run_date)

    @task(execution_timeout=LIMITS["dbt_build"])
    @_noted
    def dbt_build(ingested: dict) -> str:
        run_id, run_date = _run()
        try:
            nightly.build(ingested["candidate"], run_date, run_id, get_current_context()["params"]["full_refresh"])
        except nightly.QualityGateFailed as exc:
            raise AirflowFailException(str(exc)) from exc
        return ingested["candidate"]

    @task(execution_timeout=LIMITS["quality_gate"])
    @_noted
    def quality_gate(candidate: str) -> str:
        _run()
        try:
            nightly.gate(candidate)
        except nightly.QualityGateFailed as exc:
            raise AirflowFailException(str(exc)) from exc
        return candidate

    @task(execution_timeout=LIMITS["build_report"])
    @_noted
    def build_report(candidate: str) -> dict:
        run_id, run_date = _run()
        return {"candidate": candidate, "report": nightly.build_report(candidate, paths(), run_id, run_date)}

    @task(outlets=[PUBLISHED], execution_timeout=LIMITS["publish"])
    @_noted
    def publish(built: dict) -> dict:
        run_id, run_date = _run()
        return nightly.publish(built["candidate"], built["report"], paths(), run_date, run_id)

    @task(execution_timeout=LIMITS["serve_analysts"])
    @_noted
    def serve_analysts(published: dict) -> dict:
        return nightly.serve_analysts(published)

    # The night's summary as the run's note in the Airflow UI, whatever became of the steps; a teardown, so that the
    # run's state stays the steps' own. Run in this process (`make run`, tests), no API server answers: the note is
    # returned, and `make run` writes it.
    @task(execution_timeout=LIMITS["note_the_night"])
    def note_the_night() -> str:
        context = get_current_context()
        ended = [line for step in STEPS for line in context["ti"].xcom_pull(task_ids=step, key=NOTE) or []]
        note = progress.as_note(ended)
        try:
            _write_note(context["dag_run"].dag_id, context["run_id"], note)
        except Exception as exc:  # noqa: BLE001 - a note not written never holds nor fails the night
            log.warning("Note de la nuit non écrite / the night's note not written: %s: %s", type(exc).__name__, exc)
        return note

    fetched = fetch_feeds()
    ingested = ingest_inbox()
    fetched >> ingested
    served = serve_analysts(publish(build_report(quality_gate(dbt_build(ingested)))))
    served >> note_the_night().as_teardown()


night = budget_nightly()


def _run_in_this_process(run_date: str | None) -> int:
    """`make run`: the night as `airflow dags test` runs it, its steps' lines (warehouse/progress.py) on the terminal,
    Airflow's own log in a file, and the note its last task made (the steps' end lines) as the run's note in the
    Airflow UI, written here: no API server runs."""
    import time

    from airflow.models.dagrun import DagRun
    from airflow.sdk.execution_time.supervisor import in_process_api_server
    from airflow.utils.session import create_session

    terminal = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    log_file = Path(os.environ.get("AIRFLOW_HOME", "."), "logs", f"nuit-{run_date or 'du-jour'}.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "w", encoding="utf-8") as airflow_log:  # what Airflow prints, through any handler, goes there
        os.dup2(airflow_log.fileno(), 1)
        os.dup2(airflow_log.fileno(), 2)
    print(f"Journal d'Airflow / Airflow's log: {log_file}", file=terminal)
    progress.print_to(lambda line: print(line, file=terminal))
    # The night runs once Airflow's in-process execution API has answered a first request (it builds its routes
    # then): the deployment's healthcheck makes that request before the workers start, so here too Airflow's start
    # is not counted in the first task's time.
    started = time.perf_counter()
    with httpx.Client(transport=in_process_api_server().transport, base_url="http://in-process.invalid./") as api:
        api.get("/health").raise_for_status()
    print(f"{API_READY}: {time.perf_counter() - started:.1f} s", file=terminal)
    run = night.test(logical_date=pendulum.parse(run_date) if run_date else None)
    with create_session() as session:
        written = session.get(DagRun, run.id)
        noted = written.get_task_instance("note_the_night", session=session)
        written.note = noted.xcom_pull(task_ids="note_the_night", session=session)
    if run.state != "success":
        print(f"La nuit a échoué / the night failed: {run.run_id} ({run.state}), voir / see {log_file}", file=terminal)
        return 1
    return 0


if __name__ == "__main__":  # `make run`: python dags/budget_nightly.py 2026-12-06; Ctrl-C stops it
    import sys

    from warehouse.interrupt import run_stoppable

    run_stoppable(lambda: sys.exit(_run_in_this_process(sys.argv[1] if len(sys.argv) > 1 else None)))

"""Nightly load: inbox -> warehouse -> quality gate -> published report (see warehouse/nightly.py)."""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from warehouse import nightly
from warehouse.settings import paths

BAMAKO = pendulum.timezone("Africa/Bamako")
RAW_LAYER = Asset("duckdb://warehouse/raw", group="budget_warehouse")
PUBLISHED = Asset("duckdb://warehouse/marts", group="budget_warehouse")


def _run() -> tuple[str, dt.date]:
    """This run's id and its date in Bamako (the 'as of' date of statuses and of the report)."""
    context = get_current_context()
    moment = context.get("logical_date") or context["dag_run"].run_after
    return context["run_id"], pendulum.instance(moment).in_timezone(BAMAKO).date()


@dag(
    dag_id="budget_nightly",
    schedule=CronTriggerTimetable("30 2 * * *", timezone=BAMAKO),
    start_date=pendulum.datetime(2026, 1, 1, tz=BAMAKO),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=5), "retry_exponential_backoff": True},
    tags=["budget", "nutrition", "nightly"],
    doc_md=__doc__,
)
def budget_nightly():
    @task(outlets=[RAW_LAYER])
    def ingest_inbox() -> dict:
        run_id, _ = _run()
        return nightly.ingest(paths(), run_id)

    @task
    def dbt_build(ingested: dict) -> str:
        _, run_date = _run()
        try:
            nightly.build(ingested["candidate"], run_date)
        except nightly.QualityGateFailed as exc:
            raise AirflowFailException(str(exc)) from exc
        return ingested["candidate"]

    @task
    def quality_gate(candidate: str) -> str:
        try:
            nightly.gate(candidate)
        except nightly.QualityGateFailed as exc:
            raise AirflowFailException(str(exc)) from exc
        return candidate

    @task
    def build_report(candidate: str) -> dict:
        run_id, run_date = _run()
        return {"candidate": candidate, "report": nightly.build_report(candidate, paths(), run_id, run_date)}

    @task(outlets=[PUBLISHED])
    def publish(built: dict) -> dict:
        _, run_date = _run()
        return nightly.publish(built["candidate"], built["report"], paths(), run_date)

    publish(build_report(quality_gate(dbt_build(ingest_inbox()))))


budget_nightly()

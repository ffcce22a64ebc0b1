"""The nightly as production runs it (docker-compose.yml, started as processes by tests/production.py): a scheduler
that starts runs on its own, Celery workers on two queues, PostgreSQL and Redis, the REST API as a user drives it,
and the marts served to analysts in PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time

import duckdb
import psycopg2
import pytest
import yaml

from config import file_safe
from dags.budget_nightly import STEPS
from tests.conftest import REPO, SAMPLE_INBOX, marts_rows, query, sha256
from tests.production import ANALYST, Deployment

pytestmark = pytest.mark.production
# What the scenarios showed (run ids, pids, hosts, tries, times), for the operator and the closing notes.
RECORD = REPO / "var" / "test-artifacts" / "production-run.json"

DAG = "/dags/budget_nightly"
WORKERS = ("airflow-worker", "airflow-worker-warehouse")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, compose):
    root = tmp_path_factory.mktemp("production")
    deployment = Deployment(root=root, data=root / "data")
    started = time.monotonic()
    try:
        deployment.start_postgres()
        deployment.configure(compose, deployment.start_redis())
        shutil.copytree(SAMPLE_INBOX, deployment.data / "inbox", dirs_exist_ok=True)
        deployment.migrate()
        deployment.start_airflow(compose)
        for name in WORKERS:
            deployment.start_worker(name, compose["services"][name]["command"])
        deployment.wait_for(lambda: deployment.api("GET", "/dags")["total_entries"] >= 1, "the DAG parsed", 120)
        deployment.record["started_in_s"] = round(time.monotonic() - started, 1)
        yield deployment
    except BaseException:
        print(deployment.tails())
        raise
    finally:
        deployment.record["processes"] = {p.name: p.pid for p in deployment.processes}
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(json.dumps(deployment.record, indent=1, default=str))
        deployment.stop()


def _run(deployment, run_id: str) -> dict:
    return deployment.api("GET", f"{DAG}/dagRuns/{run_id}")


def _wait_run(deployment, run_id: str, timeout: float = 240) -> dict:
    def ended():
        run = _run(deployment, run_id)
        return run if run["state"] in ("success", "failed") else None

    return deployment.wait_for(ended, f"run {run_id}", timeout, every=1)


def _task_instances(deployment, run_id: str) -> dict[str, dict]:
    found = deployment.api("GET", f"{DAG}/dagRuns/{run_id}/taskInstances")["task_instances"]
    return {ti["task_id"]: ti for ti in found}


def _record(deployment, scenario: str, run: dict) -> None:
    tis = _task_instances(deployment, run["dag_run_id"])
    deployment.record.setdefault("runs", {})[scenario] = {
        "run_id": run["dag_run_id"],
        "state": run["state"],
        "start": run["start_date"],
        "end": run["end_date"],
        "tasks": {
            t: [ti["hostname"], ti["pid"], ti["try_number"], ti["state"], ti["duration"]] for t, ti in tis.items()
        },
    }


def _trigger(deployment, conf: dict | None = None) -> str:
    return deployment.api("POST", f"{DAG}/dagRuns", json={"logical_date": None, "conf": conf or {}})["dag_run_id"]


def _published_night(deployment) -> str:
    return (deployment.data / "warehouse" / "budget.duckdb").resolve().parent.name


@pytest.fixture(scope="module")
def first_nights(deployment):
    """Unpaused through the API, the scheduler starts the night it owes on its own; a night triggered at once
    through the API waits for it (one night at a time on the warehouse)."""
    deployment.api("PATCH", DAG, json={"is_paused": False})
    scheduled = deployment.wait_for(
        lambda: deployment.api("GET", f"{DAG}/dagRuns")["dag_runs"], "the scheduler's own run", 60
    )[0]["dag_run_id"]
    triggered = _trigger(deployment)
    states = []

    def triggered_ended():
        run = _run(deployment, triggered)
        states.append((_run(deployment, scheduled)["state"], run["state"]))
        return run if run["state"] in ("success", "failed") else None

    run = deployment.wait_for(triggered_ended, f"run {triggered}", 480, every=1)
    nights = {"scheduled": _wait_run(deployment, scheduled), "triggered": run, "states_seen": states}
    for scenario in ("scheduled", "triggered"):
        _record(deployment, scenario, nights[scenario])
    return nights


def test_the_scheduler_s_night_and_a_triggered_one_run_one_after_the_other_on_the_celery_workers(
    deployment, first_nights
):
    scheduled, triggered = first_nights["scheduled"], first_nights["triggered"]
    assert scheduled["run_type"] == "scheduled" and triggered["run_type"] == "manual"
    assert scheduled["state"] == triggered["state"] == "success"
    # max_active_runs=1: while the scheduler's night ran, the triggered one waited in the queue.
    assert ("running", "queued") in first_nights["states_seen"]
    assert ("running", "running") not in first_nights["states_seen"]
    assert triggered["start_date"] >= scheduled["end_date"]

    components = {p.pid for p in deployment.processes if p.name not in WORKERS}  # scheduler, API, ...
    for run in (scheduled, triggered):
        tis = _task_instances(deployment, run["dag_run_id"])
        assert all(ti["state"] == "success" for ti in tis.values()), tis
        for task, ti in tis.items():
            # Each task in its own process on the worker of its queue: feeds anywhere, the warehouse on its host.
            expected = (
                ("airflow-worker", "default") if task == "fetch_feeds" else ("airflow-worker-warehouse", "warehouse")
            )
            assert (ti["hostname"], ti["queue"]) == expected, task
            assert ti["pid"] not in components, task
            # XComs carry paths and counts, never data.
            xcom = deployment.api(
                "GET", f"{DAG}/dagRuns/{run['dag_run_id']}/taskInstances/{task}/xcomEntries/return_value"
            )
            assert len(json.dumps(xcom["value"])) < 16_000, task
        assert len({ti["pid"] for ti in tis.values()}) == len(tis)
        # The night's summary is the run's note in the Airflow UI, written by its last task through Airflow's API.
        note = _run(deployment, run["dag_run_id"])["note"] or ""
        assert [line.split()[1] for line in note.splitlines()] == STEPS, note
        assert all(re.match(r"✔ \w+ \d+\.\d s : \S", line) for line in note.splitlines()), note

    # The task logs are read through the API, as a user of the UI would.
    log = deployment.api(
        "GET",
        f"{DAG}/dagRuns/{triggered['dag_run_id']}/taskInstances/dbt_build/logs/1",
        headers={"Accept": "application/json"},
    )
    text = json.dumps(log["content"])
    assert "dbt build" in text and "pass" in text.lower()

    # Published: the warehouse readers open is the triggered night's, with its report.
    night = _published_night(deployment)
    assert night.endswith(file_safe(triggered["dag_run_id"]))
    assert (deployment.data / "reports" / "latest" / "fr" / "index.html").exists()


def test_the_marts_are_served_to_analysts_in_postgresql_equal_to_the_warehouse(deployment, first_nights):
    warehouse = deployment.data / "warehouse" / "budget.duckdb"
    tables = [r[0] for r in query(warehouse, "select table_name from duckdb_tables() where schema_name = 'marts'")]
    counts = {t: query(warehouse, f"select count(*) from marts.{t}")[0][0] for t in tables}
    headline = query(
        warehouse,
        "select fiscal_year, weighted_nutrition_dotation_xof from marts.rpt_nutrition_budget_by_year order by 1",
    )
    analyst = psycopg2.connect(deployment.database_url("analytics", ANALYST))
    analyst.autocommit = True
    with analyst.cursor() as cur:
        cur.execute("select obj_description('budget'::regnamespace)")
        assert _published_night(deployment) in cur.fetchone()[0]
        for table, count in counts.items():
            cur.execute(f"select count(*) from budget.{table}")
            assert cur.fetchone()[0] == count, table
        cur.execute(
            "select fiscal_year, weighted_nutrition_dotation_xof from budget.rpt_nutrition_budget_by_year order by 1"
        )
        assert cur.fetchall() == headline
        # The dbt docs' descriptions travel with the columns.
        cur.execute("select col_description('budget.fct_funding_flows'::regclass, 1)")
        assert cur.fetchone()[0]
        # The analysts' role reads and cannot write.
        for statement in ("delete from budget.fct_funding_flows", "create table budget.mine (x int)"):
            with pytest.raises(psycopg2.Error, match="permission denied|read-only"):
                cur.execute(statement)
    analyst.close()


def test_a_worker_killed_during_dbt_build_is_replaced_and_the_night_retried_publishes_once(
    deployment, first_nights, compose
):
    before = marts_rows(deployment.data / "warehouse" / "budget.duckdb", leave_out=("build_number",))
    # The workers keep what a night may reuse beside the warehouse, as compose's do: the first nights' dbt docs page.
    docs = deployment.data / "warehouse" / "cache" / "dbt-docs"
    kept = {page.name: page.stat().st_ino for page in docs.iterdir()}
    assert kept
    run_id = _trigger(deployment, {"full_refresh": True})  # a full build: long enough to be killed in the middle
    deployment.wait_for(
        lambda: _task_instances(deployment, run_id).get("dbt_build", {}).get("state") == "running", "dbt_build", 120
    )
    time.sleep(3)
    worker = next(p for p in deployment.processes if p.name == "airflow-worker-warehouse" and not p.killed)
    killed_pid = _task_instances(deployment, run_id)["dbt_build"]["pid"]
    worker.kill()
    replacement = deployment.start_worker(worker.name, compose["services"][worker.name]["command"])

    # The lock on the warehouse says who holds it: another night is refused at once, in both languages.
    from warehouse import lock

    def refused():
        try:
            lock.hold(deployment.data / "warehouse" / "budget.duckdb", "another-night")
        except lock.NightAlreadyRunning as exc:
            return str(exc)
        lock.release(deployment.data / "warehouse" / "budget.duckdb", "another-night")
        return None

    message = deployment.wait_for(refused, "the lock of the retried night", 120)
    assert run_id in message and "another night is working on this warehouse" in message

    run = _wait_run(deployment, run_id, timeout=300)
    _record(deployment, "worker_killed", run)
    deployment.record["killed"] = {"worker_pid": worker.pid, "task_pid": killed_pid, "replacement_pid": replacement.pid}
    assert run["state"] == "success"
    tis = _task_instances(deployment, run_id)
    assert tis["dbt_build"]["try_number"] == 2 and tis["dbt_build"]["pid"] != killed_pid
    assert tis["publish"]["try_number"] == 1
    assert replacement.popen.poll() is None
    nights = [p for p in (deployment.data / "warehouse" / "nights").iterdir() if run_id.split("T")[0] in p.name]
    assert sum(1 for p in nights if p.name == _published_night(deployment)) == 1
    assert not list((deployment.data / "warehouse" / "nights").glob(".*building"))
    # A full rebuild after a crash gives the marts of the uninterrupted nights.
    assert marts_rows(deployment.data / "warehouse" / "budget.duckdb", leave_out=("build_number",)) == before
    # Same models, same columns: the replacement worker took the docs page from the cache, it did not make it again.
    assert {page.name: page.stat().st_ino for page in docs.iterdir()} == kept


def test_a_night_that_breaks_a_product_promise_fails_at_the_gate_and_changes_nothing_published(
    deployment, first_nights
):
    from tests import bad_files

    warehouse = deployment.data / "warehouse" / "budget.duckdb"
    page = deployment.data / "reports" / "latest" / "fr" / "index.html"
    # No file can break a promise (ingestion rejects what would): a row an earlier version let into the raw layer.
    bad_files.let_in_a_row_without_holder(warehouse)
    published = (sha256(warehouse), page.read_bytes(), _published_night(deployment))
    served = deployment.psql("select obj_description('budget'::regnamespace)", database="analytics")

    run_id = _trigger(deployment)
    run = _wait_run(deployment, run_id)
    _record(deployment, "promise_broken", run)
    assert run["state"] == "failed"
    states = {task: ti["state"] for task, ti in _task_instances(deployment, run_id).items()}
    assert states["dbt_build"] == "failed" and _task_instances(deployment, run_id)["dbt_build"]["try_number"] == 1
    assert states["publish"] == states["serve_analysts"] == "upstream_failed"
    assert (sha256(warehouse), page.read_bytes(), _published_night(deployment)) == published
    assert deployment.psql("select obj_description('budget'::regnamespace)", database="analytics") == served
    bad_files.take_out_the_row_without_holder(warehouse)  # the nights of the next tests start from a sound warehouse


def test_a_reader_during_a_publish_to_postgresql_sees_one_night_or_the_other(deployment, first_nights, tmp_path):
    from warehouse.analytics import serve_marts

    url = deployment.database_url("analytics", "budget")
    night = deployment.data / "warehouse" / "budget.duckdb"
    smaller = tmp_path / "smaller.duckdb"
    shutil.copy(night.resolve(), smaller)
    counted = "select (select count(*) from marts.fct_funding_flows), (select count(*) from marts.dim_organisations)"
    with duckdb.connect(str(smaller)) as con:
        con.execute("delete from marts.fct_funding_flows where source_system = 'fts'")
        con.execute(
            "delete from marts.dim_organisations where org_id in (select org_id from marts.dim_organisations limit 3)"
        )
    expected = {"smaller": query(smaller, counted)[0], "night": query(night, counted)[0]}
    assert expected["smaller"] != expected["night"]

    seen, errors, stop = [], [], threading.Event()

    def read():
        con = psycopg2.connect(deployment.database_url("analytics", ANALYST))
        con.autocommit = True
        with con.cursor() as cur:
            while not stop.is_set():
                try:
                    cur.execute(counted.replace("marts.", "budget."))
                    seen.append(cur.fetchone())
                except psycopg2.Error as exc:
                    errors.append(str(exc))
        con.close()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(2):
            serve_marts(smaller, url, "smaller", role=ANALYST)
            serve_marts(night.resolve(), url, "night", role=ANALYST)
    finally:
        stop.set()
        reader.join(30)
    deployment.record["reader_during_publish"] = {"queries": len(seen), "errors": len(errors), "expected": expected}
    assert not errors
    assert set(seen) <= set(expected.values()) and len(seen) > 10
    assert set(seen) == set(expected.values())  # both nights were seen, and nothing else


def test_every_service_of_the_compose_file_ran_as_a_process_with_its_settings(deployment, compose):
    """What this test ran is the compose file: its environment (less addresses and secrets) and its services."""
    from tests.production import TEST_ONLY

    common = compose["x-airflow-common"]["environment"]
    assert not TEST_ONLY & set(common)  # the test adds its few settings, it changes none of the file's
    assert set(deployment.env) - TEST_ONLY == set(common)
    for name, value in common.items():
        if not re.search(r"\$\{|@postgres:|//redis:|//airflow-apiserver:|^/", str(value)):
            assert deployment.env[name] == str(value), name
    # Every service of the file ran, PostgreSQL and the migration step aside (started by hand above).
    started = {p.name for p in deployment.processes}
    assert set(compose["services"]) - {"postgres", "airflow-init"} == started

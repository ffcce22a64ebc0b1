"""Shared fixtures. Airflow's home and metadata DB live in a per-session temporary folder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_INBOX = REPO / "sample_data" / "inbox"
SHARED = REPO.parent / "shared"

# Must be set before anything imports airflow.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.update(
    AIRFLOW_HOME=str(_AIRFLOW_HOME),
    AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    GX_ANALYTICS_ENABLED="False",
    DBT_SEND_ANONYMOUS_USAGE_STATS="False",
    # One cache for the session's nights: what it holds is keyed by what it is made of (warehouse/dbt.py).
    BUILD_CACHE_DIR=tempfile.mkdtemp(prefix="build-cache-"),
)


def pytest_sessionfinish(session, exitstatus):
    """The session's Airflow home and build cache go with it (its fixtures have stopped what used them)."""
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)
    shutil.rmtree(os.environ["BUILD_CACHE_DIR"], ignore_errors=True)


def shared_path(*parts: str) -> Path:
    """A file of ../shared, or skip the test saying why."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} absent: the shared real data is not beside this checkout")
    return path


def migrated_airflow_home(home: Path) -> Path:
    """`home` with Airflow's metadata database created or brought up to date (`airflow db migrate`)."""
    airflow = Path(sys.executable).with_name("airflow")
    env = os.environ | {"AIRFLOW_HOME": str(home)}
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=env)
    return home


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    return migrated_airflow_home(_AIRFLOW_HOME)


@pytest.fixture(scope="session")
def dag(airflow_db):
    """The nightly DAG as Airflow parses it."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.get_dag("budget_nightly")


@pytest.fixture
def paths(tmp_path, monkeypatch):
    """Fresh INBOX_DIR / WAREHOUSE_PATH / REPORTS_DIR holding a copy of the sample inbox."""
    from config import paths as read_paths

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    monkeypatch.setenv("INBOX_DIR", str(inbox))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "warehouse" / "budget.duckdb"))
    monkeypatch.setenv("REPORTS_DIR", str(tmp_path / "reports"))
    return read_paths()


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory) -> Path:
    """The sample inbox ingested and built by dbt once, as of 2026-11-22; tests only read it."""
    import datetime as dt

    from ingest.inbox import ingest_inbox
    from warehouse import nightly

    warehouse = tmp_path_factory.mktemp("built") / "budget.duckdb"
    ingest_inbox(SAMPLE_INBOX, warehouse, "test-batch")
    nightly.build(str(warehouse), dt.date(2026, 11, 22), "test-night")
    return warehouse


@pytest.fixture(scope="session")
def built_report(built_sample, tmp_path_factory) -> Path:
    """The report of the sample warehouse (both languages, briefs, extracts), built once; tests only read it."""
    import datetime as dt

    from report.build import build_report

    out = tmp_path_factory.mktemp("report") / "report"
    build_report(built_sample, out, dt.date(2026, 11, 22))
    return out


def with_inbox_settings(inbox: Path) -> Path:
    """The bundled inbox's settings (its `_profils/boite.yml`: Mali, so "FCFA" is XOF) in a test's own inbox."""
    (inbox / "_profils").mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE_INBOX / "_profils" / "boite.yml", inbox / "_profils" / "boite.yml")
    return inbox


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


COMPARED_MARTS = ("fct_budget_allocations", "fct_budget_execution", "fct_commitments", "rpt_nutrition_budget_by_year")


def marts_rows(warehouse: Path, leave_out: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """The rows of the marts two nights are compared on, without the columns `leave_out`."""
    columns = (
        "select string_agg(column_name, ', ' order by column_index) from duckdb_columns()"
        " where schema_name = 'marts' and table_name = ? and not list_contains(?, column_name)"
    )
    return {
        t: query(
            warehouse, f"select {query(warehouse, columns, [t, list(leave_out)])[0][0]} from marts.{t} order by all"
        )
        for t in COMPARED_MARTS
    }


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def publish_a_night(paths, run_id: str, run_date) -> dict:
    """A night's steps as the DAG runs them, in this process: ingest, dbt build, gate, report, publish; returns what
    ingestion said."""
    from warehouse import nightly

    ingested = nightly.ingest(paths, run_id, run_date)
    nightly.build(ingested["candidate"], run_date, run_id)
    nightly.gate(ingested["candidate"])
    report = nightly.build_report(ingested["candidate"], paths, run_id, run_date)
    nightly.publish(ingested["candidate"], report, paths, run_date, run_id)
    return ingested


def ingest_in_bounded_memory(inbox: Path, warehouse: Path) -> str:
    """The inbox ingested in a child process limited to 3 GB (a reader asking for a grid it cannot hold would abort
    the interpreter); returns what it printed of the files' fates, (status, error) each."""
    import resource
    import subprocess
    import sys

    script = (
        "import sys; from pathlib import Path; from ingest.inbox import ingest_inbox; "
        "s = ingest_inbox(Path(sys.argv[1]), Path(sys.argv[2]), 'b'); "
        "print([(f.status, f.error) for f in s.files])"
    )
    limit = 3 << 30

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-c", script, str(inbox), str(warehouse)],
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout

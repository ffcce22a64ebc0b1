"""The budget_nightly DAG, run for real by Airflow (dag.test, in the test or as `make run` runs it) on the sample
inbox."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import bad_files
from tests.conftest import REPO, marts_rows, migrated_airflow_home, query, sha256

NIGHT = dt.datetime(2026, 11, 22, 2, 30, tzinfo=dt.UTC)
STEPS = ["fetch_feeds", "ingest_inbox", "dbt_build", "quality_gate", "build_report", "publish", "serve_analysts"]


def test_dag_declares_the_nightly_flow(dag):
    order = STEPS
    assert sorted(dag.task_ids) == sorted([*order, "note_the_night"])
    for upstream, downstream in itertools.pairwise(order):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    # The run's note is written last, whatever became of the steps, and leaves the run's state to them.
    note = dag.get_task("note_the_night")
    assert note.is_teardown and note.upstream_task_ids == {order[-1]}
    assert dag.max_active_runs == 1
    assert str(dag.timetable.timezone) == "Africa/Bamako"
    assert dag.timetable.expression == "30 2 * * *"
    assert all(t.retries == 2 for t in dag.tasks)
    # Every step has a time limit and the night a deadline: a hung feed or step never holds the next night.
    from dags.budget_nightly import LIMITS, NIGHT_DEADLINE

    assert {t.task_id: t.execution_timeout for t in dag.tasks} == LIMITS
    assert dag.dagrun_timeout == NIGHT_DEADLINE and sum(LIMITS.values(), dt.timedelta()) <= NIGHT_DEADLINE
    assert [o.uri for o in dag.get_task("ingest_inbox").outlets] == ["duckdb://warehouse/raw"]
    assert dag.get_task("ingest_inbox").trigger_rule == "all_done"
    # One writer: every step that opens the warehouse on the worker that holds it; feeds on any worker.
    assert {t.task_id: t.queue for t in dag.tasks} == {
        t: "default" if t == "fetch_feeds" else "warehouse" for t in [*order, "note_the_night"]
    }
    assert dag.params["full_refresh"] is False  # a night is incremental unless asked (or the models changed)


@pytest.mark.airflow
def test_night_publishes_warehouse_and_report_and_running_it_again_changes_nothing(dag, paths, airflow_db, monkeypatch):
    secret = "cle-iati-de-test-5f0c1d"  # read by fetch_feeds, which has nothing to fetch with it tonight
    monkeypatch.setenv("IATI_API_KEY", secret)
    run = dag.test(logical_date=NIGHT)
    assert run.state == "success"
    # Secrets stay home: not in Airflow's metadata (XComs, rendered templates, task instances), the warehouse or the
    # report, read as bytes.
    report = sorted(p for p in (paths.reports / "latest").resolve().rglob("*") if p.is_file())
    for stored in (airflow_db / "airflow.db", paths.warehouse.resolve(), *report):
        assert secret.encode() not in stored.read_bytes(), stored
    page = paths.reports / "latest" / "fr" / "index.html"
    html = page.read_text(encoding="utf-8").replace("\u202f", " ").replace("\u00a0", " ")
    assert "600 000 000 FCFA" in html
    assert "Données au 22 novembre 2026" in html
    assert (paths.reports / "latest").resolve() == paths.reports / "2026-11-22"
    assert 'href="../documentation/index.html"' in html
    assert "fct_budget_execution" in (paths.reports / "latest" / "documentation" / "index.html").read_text(
        encoding="utf-8"
    )
    assert query(paths.warehouse, "SELECT count(*) FROM ops.files WHERE status = 'loaded'") == [(8,)]
    assert not list(paths.candidates.glob("*.duckdb"))  # the candidate became the published warehouse

    first_page, first_marts = page.read_bytes(), marts_rows(paths.warehouse)
    first_files = query(paths.warehouse, "SELECT file_id, path, sha256, rows_loaded FROM ops.files ORDER BY ALL")
    again = dag.test(logical_date=NIGHT)
    assert again.state == "success"
    assert page.read_bytes() == first_page
    assert marts_rows(paths.warehouse) == first_marts
    assert (
        query(paths.warehouse, "SELECT file_id, path, sha256, rows_loaded FROM ops.files ORDER BY ALL") == first_files
    )
    assert [m for (m,) in query(paths.warehouse, "SELECT build_mode FROM ops.model_builds ORDER BY built_at")] == [
        "full",
        "incremental",
    ]


def _night_as_make_runs_it(day: dt.date, airflow_home: Path) -> subprocess.CompletedProcess:
    """`python dags/budget_nightly.py <date>`, with the test's inbox, warehouse and reports, and an Airflow home of
    its own (the session's SQLite metadata stays this process's alone)."""
    dag_file = REPO / "dags" / "budget_nightly.py"
    return subprocess.run(
        [sys.executable, str(dag_file), day.isoformat()],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"AIRFLOW_HOME": str(airflow_home)},
    )


def _first_line(out: str, text: str) -> int:
    return next(n for n, line in enumerate(out.splitlines()) if text in line)


@pytest.mark.airflow
def test_a_night_breaking_a_product_promise_fails_and_publishes_nothing(paths, tmp_path):
    """Both nights as `make run` runs them: the DAG file's own `dag.test()`, once the execution API has answered. No
    file can break a promise (ingestion rejects what would): a row an earlier version let into the raw layer does."""
    from dags.budget_nightly import API_READY

    airflow_home = migrated_airflow_home(tmp_path / "airflow")
    night = _night_as_make_runs_it(NIGHT.date(), airflow_home)
    assert night.returncode == 0, night.stdout[-3000:]
    # The terminal shows one line per step as it starts and one as it ends, with its duration and what it did;
    # Airflow's own log is in the file named first.
    lines = night.stdout.splitlines()
    log_file = Path(lines[0].split(": ", 1)[1])
    assert "[DAG TEST] starting task_id=fetch_feeds" in log_file.read_text(encoding="utf-8")
    assert _first_line(night.stdout, API_READY) < _first_line(night.stdout, "▶ fetch_feeds")
    ends = [line for line in lines if line.startswith("✔")]
    assert [line.split()[1] for line in ends] == STEPS
    assert all(re.match(r"✔ \w+ \d+\.\d s : \S", line) for line in ends), ends
    assert [line.split()[1] for line in lines if line.startswith("▶")] == STEPS
    assert re.search(r"✔ ingest_inbox .*: 8 fichiers vus / files seen: 8 chargés", night.stdout)
    assert re.search(
        r"✔ dbt_build .*: [1-9]\d* modèles construits / models built \(full\), [1-9]\d* tests", night.stdout
    )
    assert re.search(r"✔ quality_gate .*: [1-9]\d* attentes vérifiées / expectations checked", night.stdout)
    said = subprocess.run(
        [sys.executable, "-m", "warehouse"], capture_output=True, text=True, env=os.environ, check=True
    ).stdout
    assert len(lines) + len(said.splitlines()) <= 25  # what `make run` prints after its set-up
    # The same end lines are the run's note in the Airflow UI: made by the DAG's last task from each step's task
    # (on the deployment, written by it through Airflow's API), written here by `make run`.
    con = sqlite3.connect(airflow_home / "airflow.db")
    [(note,)] = con.execute("SELECT content FROM dag_run_note").fetchall()
    con.close()
    assert note == "\n".join(ends)
    page = paths.reports / "latest" / "fr" / "index.html"
    assert "Données au 22 novembre 2026" in page.read_text(encoding="utf-8")

    bad_files.let_in_a_row_without_holder(paths.warehouse)
    published = (sha256(paths.warehouse), page.read_bytes())
    failed = _night_as_make_runs_it(NIGHT.date() + dt.timedelta(days=1), airflow_home)
    assert failed.returncode != 0  # `make run` stops there
    assert "La nuit a échoué / the night failed" in failed.stdout
    assert re.search(r"^✘ dbt_build \d+\.\d s", failed.stdout, flags=re.M)
    con = sqlite3.connect(airflow_home / "airflow.db")
    [(run_id, state)] = con.execute("SELECT run_id, state FROM dag_run ORDER BY id DESC LIMIT 1").fetchall()
    states = dict(con.execute("SELECT task_id, state FROM task_instance WHERE run_id = ?", [run_id]).fetchall())
    tries = dict(con.execute("SELECT task_id, try_number FROM task_instance WHERE run_id = ?", [run_id]).fetchall())
    con.close()
    assert state == "failed"
    assert states["dbt_build"] == "failed" and tries["dbt_build"] == 1  # a broken promise is not retried
    assert states["publish"] == "upstream_failed"
    assert (sha256(paths.warehouse), page.read_bytes()) == published
    assert not (paths.reports / "2026-11-23").exists()


def _interrupted_as_make_runs_it(day: dt.date, airflow_home: Path, step: str, signum: int) -> tuple[int, str, float]:
    """`make run`'s night, sent `signum` once `step` has started; its exit status, output and seconds to end."""
    import time

    night = subprocess.Popen(
        [sys.executable, str(REPO / "dags" / "budget_nightly.py"), day.isoformat()],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"AIRFLOW_HOME": str(airflow_home)},
    )
    out = []
    for line in night.stdout:
        out.append(line)
        if line.startswith(f"▶ {step}"):
            time.sleep(1)
            night.send_signal(signum)
            sent = time.monotonic()
            break
    else:
        pytest.fail("".join(out[-50:]))
    rest, _ = night.communicate(timeout=120)
    return night.returncode, "".join(out) + rest, time.monotonic() - sent


@pytest.mark.airflow
def test_a_night_interrupted_stops_within_seconds_publishes_nothing_and_the_next_night_runs(paths, tmp_path):
    import signal

    from warehouse.interrupt import STOPPED

    airflow_home = migrated_airflow_home(tmp_path / "airflow")
    for step, signum in [("dbt_build", signal.SIGTERM), ("build_report", signal.SIGINT)]:
        status, out, seconds = _interrupted_as_make_runs_it(NIGHT.date(), airflow_home, step, signum)
        assert (status, STOPPED in out) == (128 + signum, True), out[-3000:]
        assert seconds < 20, (step, seconds)
        assert out.count(f"▶ {step}") == 1  # the stopped step is not tried again
        assert not (paths.reports / "latest").exists() and not paths.warehouse.exists()
    night = _night_as_make_runs_it(NIGHT.date(), airflow_home)
    assert night.returncode == 0, night.stdout[-3000:]
    assert (paths.reports / "latest" / "fr" / "index.html").exists()

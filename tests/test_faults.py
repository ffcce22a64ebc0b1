"""Faults an operator meets, injected on 127.0.0.1: two nights on one warehouse, a WAL left by a dead session."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import signal
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import REPO, query
from warehouse import candidate as candidates
from warehouse import lock


def _dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


def test_a_second_night_is_refused_at_once_and_a_dead_holder_s_lock_is_broken(tmp_path, caplog):
    warehouse = tmp_path / "budget.duckdb"
    lock.hold(warehouse, "night-A")
    lock.hold(warehouse, "night-A")  # the same night's next step takes over
    with pytest.raises(lock.NightAlreadyRunning) as refused:
        lock.hold(warehouse, "night-B")
    message = str(refused.value)
    assert "Une autre nuit travaille sur cet entrepôt (night-A" in message and "another night is working" in message
    lock.release(warehouse, "night-B")  # only the holder releases
    assert json.loads(lock.lock_path(warehouse).read_text())["run_id"] == "night-A"

    # The holder died (its pid is gone on this host): the next night breaks the lock, saying so.
    holder = json.loads(lock.lock_path(warehouse).read_text()) | {"pid": _dead_pid()}
    lock.lock_path(warehouse).write_text(json.dumps(holder))
    with caplog.at_level(logging.WARNING, logger="warehouse.lock"):
        lock.hold(warehouse, "night-B")
    assert "stale lock broken" in caplog.text and "night-A" in caplog.text
    assert json.loads(lock.lock_path(warehouse).read_text())["run_id"] == "night-B"
    lock.release(warehouse, "night-B")
    assert not lock.lock_path(warehouse).exists()


def test_a_wal_left_by_a_dead_read_write_session_never_locks_readers_out(paths, built_sample):
    paths.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_sample, paths.warehouse)
    # An analyst's read-write session writes, then dies without closing: its WAL stays beside the published file.
    script = (
        "import duckdb, os, signal, sys; con = duckdb.connect(sys.argv[1]); "
        "con.execute('CREATE TABLE main.scratch AS SELECT 42 AS x'); os.kill(os.getpid(), signal.SIGKILL)"
    )
    died = subprocess.run([sys.executable, "-c", script, str(paths.warehouse)], capture_output=True)
    assert died.returncode == -signal.SIGKILL
    wal = paths.warehouse.with_name(paths.warehouse.name + ".wal")
    assert wal.exists()

    # The next night publishes its candidate: everyone can open the warehouse, and it is the new one.
    candidate = candidates.open_candidate(paths)
    with duckdb.connect(str(candidate)) as con:
        con.execute("CREATE TABLE ops.published_tonight AS SELECT 1 AS night")
    candidates.publish_candidate(paths, candidate)
    assert not wal.exists() and list(paths.candidates.glob("stale-*.wal"))
    assert query(paths.warehouse, "SELECT night FROM ops.published_tonight") == [(1,)]
    assert query(paths.warehouse, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'scratch'") == [
        (0,)
    ]
    # And in another process, as an analyst opens it.
    reader = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(con.execute('SELECT count(*) FROM marts.fct_budget_execution').fetchone()[0])"
    )
    opened = subprocess.run([sys.executable, "-c", reader, str(paths.warehouse)], capture_output=True, text=True)
    assert opened.returncode == 0, opened.stderr
    assert int(opened.stdout) == query(built_sample, "SELECT count(*) FROM marts.fct_budget_execution")[0][0]


@pytest.mark.airflow
def test_a_night_started_while_another_holds_the_warehouse_stops_at_once_without_retries(airflow_db, paths):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO / "dags")).get_dag("budget_nightly")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        lock.lock_path(paths.warehouse).parent.mkdir(parents=True, exist_ok=True)
        lock.lock_path(paths.warehouse).write_text(
            json.dumps(
                {
                    "run_id": "manual__other-night",
                    "pid": holder.pid,
                    "host": __import__("socket").gethostname(),
                    "taken_at": dt.datetime.now(dt.UTC).isoformat(),
                }
            )
        )
        night = dt.datetime(2026, 11, 22, 2, 30, tzinfo=dt.UTC)
        run = dag.test(logical_date=night)
        assert run.state == "failed"
        tries = {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}
        assert tries["fetch_feeds"] == ("failed", 1)  # refused at once: no retry, no 25 minutes of backoff
        assert not paths.warehouse.exists() and not (paths.reports / "latest").exists()
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: the next night breaks its lock and publishes; a night as of a past date runs too.
    again = dag.test(logical_date=dt.datetime(2024, 9, 15, 2, 30, tzinfo=dt.UTC))
    assert again.state == "success"
    assert {ti.state for ti in again.get_task_instances()} == {"success"}
    assert not lock.lock_path(paths.warehouse).exists()
    assert "Données au 15 septembre 2024" in (paths.reports / "latest" / "index.html").read_text(encoding="utf-8")

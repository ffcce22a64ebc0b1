"""Faults an operator meets, injected on 127.0.0.1: two nights on one warehouse, a WAL left by a dead session, a
publish that fails half-way, a night killed during its gate."""

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
from warehouse import lock, published


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
    published.publish_night(paths, candidate, _built_report(paths, "night-2", "rapport 2"), "2026-11-23", "night-2")
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
    assert "Données au 15 septembre 2024" in (paths.reports / "latest" / "fr" / "index.html").read_text(
        encoding="utf-8"
    )


def _built_report(paths, run_id: str, text: str):
    folder = paths.candidates / f"report-{run_id}"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(text, encoding="utf-8")
    return folder


def _night(paths, run_id: str, date: str, night: int):
    """A candidate whose ops.night says which night it is, and its report, published."""
    candidate = candidates.open_candidate(paths)
    with duckdb.connect(str(candidate)) as con:
        con.execute(f"CREATE OR REPLACE TABLE main.night AS SELECT {night} AS night")
    return published.publish_night(paths, candidate, _built_report(paths, run_id, f"nuit {night}"), date, run_id)


def _pair(paths) -> tuple:
    """What a reader sees: the warehouse's night and the report's text."""
    return query(paths.warehouse, "SELECT night FROM main.night"), (paths.reports / "latest" / "index.html").read_text(
        encoding="utf-8"
    )


def test_the_pair_is_published_in_one_act_a_failed_publish_changes_nothing_and_can_be_run_again(paths, monkeypatch):
    import errno

    _night(paths, "night-1", "2026-11-22", 1)
    assert _pair(paths) == ([(1,)], "nuit 1")
    assert paths.warehouse.is_symlink() and (published.pointer(paths) / "report" / "index.html").exists()

    # Night 2: the disk fills while the report is copied for people. Nothing is switched: the old pair stays.
    candidate = candidates.open_candidate(paths)
    with duckdb.connect(str(candidate)) as con:
        con.execute("CREATE OR REPLACE TABLE main.night AS SELECT 2 AS night")
    report = _built_report(paths, "night-2", "nuit 2")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(published.shutil, "copytree", disk_full)
    with pytest.raises(OSError, match="No space"):
        published.publish_night(paths, candidate, report, "2026-11-23", "night-2")
    assert _pair(paths) == ([(1,)], "nuit 1")
    monkeypatch.undo()

    # Run again (Airflow's retry): the same night is published, once, with its own report.
    published.publish_night(paths, candidate, report, "2026-11-23", "night-2")
    assert _pair(paths) == ([(2,)], "nuit 2")
    assert sorted(p.name for p in published.nights_dir(paths).iterdir()) == [
        "2026-11-22_night-1",
        "2026-11-23_night-2",
    ]
    # As-of reading: the previous night's pair is still there, whole.
    previous = published.nights_dir(paths) / "2026-11-22_night-1"
    assert query(previous / paths.warehouse.name, "SELECT night FROM main.night") == [(1,)]
    assert (previous / "report" / "index.html").read_text(encoding="utf-8") == "nuit 1"


def test_the_last_nights_are_kept_and_older_ones_cleaned_up(paths, monkeypatch):
    monkeypatch.setattr(published, "NIGHTS_KEPT", 2)
    for night in (1, 2, 3):
        _night(paths, f"night-{night}", f"2026-11-2{night}", night)
    assert sorted(p.name for p in published.nights_dir(paths).iterdir()) == ["2026-11-22_night-2", "2026-11-23_night-3"]
    assert _pair(paths) == ([(3,)], "nuit 3")


# Each step of a night, killed (SIGKILL to its process group, as the OOM killer or an operator would) at a point
# inside its work: the hook below replaces a function the step calls (ingest: as the new file's record is written,
# inside its transaction; dbt: 5 s into `dbt build`; the gate: at its second mart; publish: before the switch).
KILLED_AT = {
    "ingest_inbox": (
        "import ingest.inbox as m\n"
        "def hooked(*a, **k):\n    die()\n"  # the new file's rows inserted, its record and commit not yet
        "m._record = hooked\nnightly.ingest(paths(), 'night-2', day)"
    ),
    "dbt_build": (
        "import threading, warehouse.dbt as m\npopen = m.subprocess.Popen\n"
        "def hooked(*a, **k):\n    threading.Timer(5, die).start()\n    return popen(*a, **k)\n"
        "m.subprocess.Popen = hooked\nnightly.build(sys.argv[1], day, 'night-2')"
    ),
    "quality_gate": (
        "from great_expectations import Checkpoint as m; run = m.run; seen = []\n"  # in GX, on the second mart
        "def hooked(*a, **k):\n    seen.append(1)\n    if len(seen) == 2: die()\n    return run(*a, **k)\n"
        "m.run = hooked\nnightly.gate(sys.argv[1])"
    ),
    "publish": (
        "import warehouse.published as m; symlink = m._symlink\n"
        "def hooked(link, target):\n    if link.name == 'current': die()\n    return symlink(link, target)\n"
        "m._symlink = hooked\nnightly.publish(sys.argv[1], sys.argv[2], paths(), day, 'night-2')"
    ),
}


@pytest.fixture(scope="module")
def sample_report(built_sample, tmp_path_factory):
    from report.build import build_report

    return build_report(built_sample, tmp_path_factory.mktemp("report") / "report", dt.date(2026, 11, 22)).parents[1]


def _handed_to_publish(paths, built_sample, sample_report, run_id: str) -> list[str]:
    """What the steps before publish hand it: a built candidate (the built sample) and its report."""
    candidate = candidates.candidate_path(paths)
    candidate.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(built_sample, candidate)
    report = paths.candidates / f"report-{run_id}"
    shutil.copytree(sample_report, report)
    return [str(candidate), str(report)]


@pytest.mark.parametrize("step", list(KILLED_AT))
def test_a_night_killed_during_any_step_leaves_the_published_pair_byte_identical_and_the_next_night_recovers(
    paths, built_sample, sample_report, step
):
    import hashlib
    import os

    from warehouse import nightly

    first, day = dt.date(2026, 11, 22), dt.date(2026, 11, 23)
    nightly.publish(*_handed_to_publish(paths, built_sample, sample_report, "night-1"), paths, first, "night-1")

    def fingerprint():
        return (
            hashlib.sha256(paths.warehouse.read_bytes()).hexdigest(),
            (paths.reports / "latest" / "fr" / "index.html").read_bytes(),
            os.readlink(published.pointer(paths)),
        )

    before = fingerprint()
    (paths.inbox / "partner_reports" / "nouveau.csv").write_text(
        "Partenaire;Secteur;Montant dépensé\nGAD;Nutrition;1 000 000\n", encoding="utf-8"
    )
    args = []
    if step == "dbt_build":
        args = [nightly.ingest(paths, "night-2", day)["candidate"]]
    elif step in {"quality_gate", "publish"}:
        args = _handed_to_publish(paths, built_sample, sample_report, "night-2")[: 1 if step == "quality_gate" else 2]
    script = (
        "import datetime as dt, os, signal, sys\nfrom config import paths\nfrom warehouse import nightly\n"
        "day = dt.date(2026, 11, 23)\ndef die(): os.killpg(0, signal.SIGKILL)\n" + KILLED_AT[step]
    )
    killed = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, start_new_session=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert fingerprint() == before
    # The next night starts again from the published warehouse (the new file read once more) and its publish breaks
    # a dead night's lock and switches the pair.
    candidate = nightly.ingest(paths, "night-3", day)["candidate"]
    report = paths.candidates / "report-night-3"
    shutil.copytree(sample_report, report)
    nightly.publish(candidate, str(report), paths, day, "night-3")
    assert fingerprint() != before
    assert query(paths.warehouse, "SELECT count(*) FROM raw.partner_reports WHERE partner = 'GAD'") == [(1,)]

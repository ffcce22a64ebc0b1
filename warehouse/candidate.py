"""A night never writes to the published warehouse: it works on a copy and swaps it in at the end.

A crash or a failed gate leaves the last published warehouse (and report) as they were; the candidate stays in
`candidates/` for whoever investigates, and the next night starts again from the published one. The candidate has
the same path every night (one night runs at a time): dbt's profile then stays the same from night to night, and
dbt re-parses only what changed instead of the whole project.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

from config import Paths

log = logging.getLogger(__name__)


def candidate_path(paths: Paths) -> Path:
    return paths.candidates / "nightly.duckdb"


def open_candidate(paths: Paths) -> Path:
    """Copy the published warehouse (if any) to a fresh candidate file for this run."""
    candidate = candidate_path(paths)
    candidate.parent.mkdir(parents=True, exist_ok=True)
    for stale in (candidate, candidate.with_name(candidate.name + ".wal")):
        stale.unlink(missing_ok=True)
    if paths.warehouse.exists():
        tmp = candidate.with_suffix(".copying")
        shutil.copyfile(paths.warehouse, tmp)
        os.replace(tmp, candidate)
    return candidate


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def publish_candidate(paths: Paths, candidate: Path) -> Path:
    """Atomically make the candidate the published warehouse (same filesystem, one rename).

    A WAL beside the candidate is folded into it first. A WAL beside the published file belongs to a read-write
    session on it that died: DuckDB would replay it into the new file and nobody could open it, so it is set aside in
    candidates/ (readers are read-only; nothing of the product writes the published file).
    """
    import duckdb

    if _wal(candidate).exists():
        duckdb.connect(str(candidate)).close()  # opening replays the WAL, closing checkpoints it
    paths.warehouse.parent.mkdir(parents=True, exist_ok=True)
    stale = _wal(paths.warehouse)
    if stale.exists():
        aside = paths.candidates / f"stale-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.wal"
        log.warning(
            "WAL abandonné par une session morte mis de côté / WAL left by a dead session set aside: %s -> %s",
            stale,
            aside,
        )
        os.replace(stale, aside)
    os.replace(candidate, paths.warehouse)
    return paths.warehouse

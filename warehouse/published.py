"""The published pair: a night's warehouse and its report, published together in one rename.

    <warehouse folder>/nights/<date>_<run>/budget.duckdb     each published night, the last NIGHTS_KEPT kept
                                          /report/           (as-of reading: open an older night's file)
    <warehouse folder>/current -> nights/<date>_<run>        the pointer: switched in one rename
    <warehouse folder>/budget.duckdb -> current/budget.duckdb   what readers open (WAREHOUSE_PATH)

Readers resolve WAREHOUSE_PATH when they open it, so they see the old pair or the new one, never half. A publish
that fails at any step leaves the pointer on the last good night and can be run again: each step is done once
(the candidate and the built report are moved into the night's folder, the folder is renamed into `nights/`, the
report copied to REPORTS_DIR's staging, the pointer switched), then people's report is renamed into REPORTS_DIR
(`report/publish.py`; renames only, after the switch). A stale WAL beside the published file (a read-write session on
it that died) is set aside, or nobody could open the new file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path

from config import Paths, file_safe
from report.publish import publish_report

log = logging.getLogger(__name__)

NIGHTS_KEPT = int(os.environ.get("PUBLISHED_NIGHTS_KEPT", 7))


def nights_dir(paths: Paths) -> Path:
    return paths.warehouse.parent / "nights"


def pointer(paths: Paths) -> Path:
    return paths.warehouse.parent / "current"


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _symlink(link: Path, target: str) -> None:
    """`link` -> `target` (relative), replaced in one rename."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    tmp = link.with_name(f".{link.name}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _set_stale_wals_aside(paths: Paths) -> None:
    for stale in (_wal(paths.warehouse), _wal(pointer(paths) / paths.warehouse.name)):
        if stale.exists():
            aside = paths.candidates / f"stale-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}.wal"
            log.warning(
                "WAL abandonné par une session morte mis de côté / WAL left by a dead session set aside: %s -> %s",
                stale,
                aside,
            )
            os.replace(stale, aside)


def publish_night(paths: Paths, candidate: Path, built_report: Path, run_date: str, run_id: str) -> tuple[Path, Path]:
    """Publish the candidate warehouse and the report built from it as one pair; returns the warehouse readers open
    and the report page people open. Safe to run again after a failure at any step."""
    import duckdb

    night = f"{run_date}_{file_safe(run_id)}"
    folder = nights_dir(paths) / night
    building = nights_dir(paths) / f".{night}.building"
    if not folder.exists():
        building.mkdir(parents=True, exist_ok=True)
        if candidate.exists():
            if _wal(candidate).exists():
                duckdb.connect(str(candidate)).close()  # opening replays the WAL, closing checkpoints it
            os.replace(candidate, building / paths.warehouse.name)
        if built_report.exists():
            shutil.rmtree(building / "report", ignore_errors=True)
            os.replace(built_report, building / "report")
        missing = [p for p in (building / paths.warehouse.name, building / "report") if not p.exists()]
        if missing:
            raise FileNotFoundError(f"rien à publier / nothing to publish: {', '.join(map(str, missing))}")
        os.replace(building, folder)
    # People's copy of the report first: what can fail for want of space fails before anything is switched.
    copy = paths.reports / ".staging" / f"copy-{night}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder / "report", copy)
    _set_stale_wals_aside(paths)
    _symlink(pointer(paths), f"nights/{night}")  # the one act readers see
    # Made once; a warehouse published by an earlier release as a plain file is replaced by it, in one rename.
    _symlink(paths.warehouse, f"current/{paths.warehouse.name}")
    page = publish_report(copy, paths.reports, run_date)
    _prune(paths, keep=night)
    return paths.warehouse, page


def _prune(paths: Paths, keep: str) -> None:
    """The last NIGHTS_KEPT published nights stay (the current one always); older ones go."""
    nights = sorted(p for p in nights_dir(paths).iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in [p for p in nights[:-NIGHTS_KEPT] if p.name != keep]:
        shutil.rmtree(old, ignore_errors=True)
        log.info("Nuit publiée ancienne supprimée / old published night removed: %s", old.name)

"""One night at a time on a warehouse, whoever starts it: a lock file beside the warehouse.

Every step of a night that touches the warehouse holds the lock under its run id. The file is created atomically
(O_EXCL) and says who holds it (run id, pid, host, when); the steps of the same night take it over in turn, the
night's publish releases it. Another night finding it refuses at once, unless the holder is gone: a dead pid on this
host, or a lock older than the night's deadline from another host; such a stale lock is broken with a log line.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(hours=6)  # the night's deadline (dags/budget_nightly.py)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """This process is killed when the one that started it dies (Linux). A step holding the warehouse must not outlive
    its worker: Airflow runs a task in a process group of its own, so a worker killed with its group would leave the
    task, and the dbt it runs, holding the lock and the DuckDB file its retry needs."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class NightAlreadyRunning(Exception):
    """Another night holds the warehouse: retrying would only queue behind it."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        return {}  # half written by a holder that died while writing it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(holder: dict) -> bool:
    if not holder:
        return True
    if holder.get("host") == socket.gethostname():
        return not _alive(int(holder.get("pid", 0)))
    taken = dt.datetime.fromisoformat(holder["taken_at"])
    return dt.datetime.now(dt.UTC) - taken > STALE_AFTER


def _write(path: Path, run_id: str, exclusive: bool) -> None:
    record = json.dumps(
        {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "taken_at": dt.datetime.now(dt.UTC).isoformat(),
        }
    )
    if exclusive:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(record)
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    tmp.write_text(record, encoding="utf-8")
    os.replace(tmp, path)


def hold(warehouse: Path, run_id: str) -> None:
    """Take the lock for this night's step, or refuse at once when another night holds it."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(3):  # a holder may release or break the lock between our look and our take
        holder = _holder(path)
        if holder is None:
            try:
                _write(path, run_id, exclusive=True)
                return
            except FileExistsError:
                continue
        if holder.get("run_id") == run_id:
            _write(path, run_id, exclusive=False)  # this night's next step takes over
            return
        if not _stale(holder):
            raise NightAlreadyRunning(
                f"Une autre nuit travaille sur cet entrepôt ({holder.get('run_id')}, pid {holder.get('pid')} sur "
                f"{holder.get('host')} depuis {holder.get('taken_at')}) : cette nuit s'arrête sans rien changer / "
                f"another night is working on this warehouse ({holder.get('run_id')}): this night stops, "
                f"changing nothing ({path})"
            )
        log.warning("Verrou abandonné cassé / stale lock broken: %s (%s)", holder, path)
        path.unlink(missing_ok=True)
    raise NightAlreadyRunning(f"verrou disputé / lock contended: {path}")


def release(warehouse: Path, run_id: str) -> None:
    path = lock_path(warehouse)
    holder = _holder(path)
    if holder is not None and holder.get("run_id") == run_id:
        path.unlink(missing_ok=True)

"""Stop means stop: a night run as a script (`make run`) and interrupted (Ctrl-C, SIGTERM) ends within seconds.

Airflow's `dag.test()` takes a step killed by the signal for a failure and retries it minutes later (and its task
runner sets signal handlers of its own), so the night runs in a child process of its own session, and this process
answers the signal: the child and everything it started (the step, its dbt, its browser) are killed, nothing is
published (publishing is one act: warehouse/published.py), and the next night breaks the lock a dead step left
(warehouse/lock.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable

import psutil

STOPPED = (
    "Nuit arrêtée à la demande : rien n'est publié, l'entrepôt et le rapport publiés restent ceux d'avant / "
    "night stopped on request: nothing is published, the published warehouse and report stay as they were"
)
_CHILD = "NIGHT_STOPPABLE_CHILD"


def run_stoppable(night: Callable[[], None]) -> None:
    """Run `night` in a child process; SIGINT or SIGTERM to this one ends the child's whole session and exits with
    128 + the signal. The child's own exit status is this process's."""
    if os.environ.get(_CHILD):
        from warehouse.lock import die_with_parent

        die_with_parent()  # a night whose launcher was killed does not go on alone
        night()
        return
    child = subprocess.Popen([sys.executable, *sys.argv], env=os.environ | {_CHILD: "1"}, start_new_session=True)

    def stop(signum, _frame) -> None:
        for each in (signal.SIGINT, signal.SIGTERM):
            signal.signal(each, signal.SIG_IGN)  # a second Ctrl-C while ending changes nothing
        print(f"\n{STOPPED}", file=sys.stderr, flush=True)
        _end_session(child)
        sys.exit(128 + signum)

    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, stop)
    sys.exit(child.wait())


def _end_session(child: subprocess.Popen) -> None:
    """Killed at once, with every process it started (Airflow runs a step in a session of its own): a step given time
    to end on its own could go on to publish (a report and its publication take a few seconds)."""
    try:
        processes = [psutil.Process(child.pid), *psutil.Process(child.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        processes = []
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue
    try:
        os.killpg(child.pid, signal.SIGKILL)  # what was started while the list was read
    except ProcessLookupError:
        pass
    psutil.wait_procs(processes, timeout=10)

"""The night's progress: one line per step as it starts and one as it ends (its duration and what it did), and, while
a long step works, how far it is (at most one line every PROGRESS_EVERY seconds: files done of files seen, dbt nodes
done of nodes).

Every line is logged (a worker's task log holds them); `make run` also prints them on the terminal, Airflow's own log
going to a file (dags/budget_nightly.py). The end lines are the run's note in the Airflow UI (`as_note`): gathered by
`make run` as they are said, and on the deployment by the DAG's last task from each step's task (`ends_said`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)
PROGRESS_EVERY = 30.0  # seconds: none on a quick step, a line every half minute on a long one
ENDS = ("✔", "✘")  # a step's end line starts with one of them
NOTE_LIMIT = 1000  # characters: the longest note Airflow's API takes for a run

_printers: list[Callable[[str], None]] = []


def print_to(printer: Callable[[str], None]) -> None:
    """Send every line to `printer` too (the terminal of `make run`)."""
    _printers.append(printer)


@contextlib.contextmanager
def ends_said() -> Iterator[list[str]]:
    """The end lines of the steps run inside the block (one Airflow task's part of the run's note)."""
    ended: list[str] = []

    def keep(line: str) -> None:
        if line.startswith(ENDS):
            ended.append(line)

    _printers.append(keep)
    try:
        yield ended
    finally:
        _printers.remove(keep)


def as_note(ended: list[str]) -> str:
    """The run's note: the steps' end lines, each cut short when together they would pass NOTE_LIMIT."""
    note = "\n".join(ended)
    if len(note) <= NOTE_LIMIT:
        return note
    width = NOTE_LIMIT // len(ended) - 1
    return "\n".join(line if len(line) <= width else line[: width - 1] + "…" for line in ended)


def say(line: str) -> None:
    log.info(line)
    for printer in _printers:
        printer(line)


def step(name: str, said: Callable[..., str]) -> Callable:
    """A night's step, its start and its end said: `said(result)` says what it did."""

    def decorate(work: Callable) -> Callable:
        @functools.wraps(work)
        def run(*args, **kwargs):
            say(f"▶ {name}")
            started = time.perf_counter()
            try:
                result = work(*args, **kwargs)
            except BaseException as exc:
                say(f"✘ {name} {time.perf_counter() - started:.1f} s : échec / failed ({type(exc).__name__})")
                raise
            say(f"✔ {name} {time.perf_counter() - started:.1f} s : {said(result)}")
            return result

        return run

    return decorate


class Counter:
    """How far a long step is, said at most every PROGRESS_EVERY seconds: `Counter(name, 'fichiers / files')(3, 40)`."""

    def __init__(self, name: str, unit: str) -> None:
        self.name, self.unit = name, unit
        self.last = time.perf_counter()

    def __call__(self, done: int, seen: int) -> None:
        now = time.perf_counter()
        if now - self.last >= PROGRESS_EVERY and done < seen:
            self.last = now
            say(f"  {self.name} : {done} / {seen} {self.unit}")

"""A night never writes to the published warehouse: it works on a copy, published with its report at the end
(warehouse/published.py).

A crash or a failed gate leaves the last published warehouse (and report) as they were; the candidate stays in
`candidates/` for whoever investigates, and the next night starts again from the published one. The candidate has
the same path every night (one night runs at a time): dbt's profile then stays the same from night to night, and
dbt re-parses only what changed instead of the whole project.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from config import Paths


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

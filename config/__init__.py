"""Configuration, the lowest layer: paths from the environment, with defaults inside the git-ignored folder var/.

Every other package imports it; it imports none of them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"


@dataclass(frozen=True)
class Paths:
    inbox: Path
    warehouse: Path
    reports: Path

    @property
    def candidates(self) -> Path:
        """Where a night builds its warehouse before the gate lets it replace the published one."""
        return self.warehouse.parent / "candidates"

    @property
    def cache(self) -> Path:
        """What a night can reuse from an earlier one when what it is made of has not changed (the dbt docs page,
        the charts)."""
        return Path(os.environ.get("BUILD_CACHE_DIR", self.warehouse.parent / "cache"))


def paths() -> Paths:
    var = REPO_ROOT / "var"
    return Paths(
        inbox=Path(os.environ.get("INBOX_DIR", var / "inbox")),
        warehouse=Path(os.environ.get("WAREHOUSE_PATH", var / "warehouse" / "budget.duckdb")),
        reports=Path(os.environ.get("REPORTS_DIR", var / "reports")),
    )


def file_safe(run_id: str) -> str:
    """An Airflow run id ('manual__2026-11-22T02:30:00+00:00') as a file or folder name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in run_id)

"""The report for people: REPORTS_DIR/<run date>/ and REPORTS_DIR/latest -> it, each swapped in one rename.

Readers of `latest` never see a half-written report; a failed night publishes nothing. The night's own pair
(warehouse and report together) is published first, by warehouse/published.py, which then calls this with a copy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def publish_report(built: Path, reports: Path, run_date: str) -> Path:
    reports.mkdir(parents=True, exist_ok=True)
    target = reports / run_date
    if target.exists():
        retired = reports / ".staging" / f"retired-{run_date}"
        retired.parent.mkdir(exist_ok=True)
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(target, retired)
        os.replace(built, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(built, target)
    link = reports / ".latest.tmp"
    link.unlink(missing_ok=True)
    link.symlink_to(run_date, target_is_directory=True)
    os.replace(link, reports / "latest")
    return reports / "latest" / "index.html"  # opens the French page; en/index.html beside it

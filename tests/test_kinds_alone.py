"""Any subset of kinds publishes: a platform's first nights may hold only the feeds, only budget lines, only
trackers, only partner reports, or nothing at all. The report says which sections have no data yet."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.conftest import SAMPLE_INBOX, publish_a_night, query

NIGHT = dt.date(2026, 11, 22)
KINDS = {
    "feeds": ("iati", "fts"),
    "budget_lines": ("budget_lines",),
    "commitments": ("commitments",),
    "partner_reports": ("partner_reports",),
    "nothing": (),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_night_with_one_kind_alone_publishes_and_says_what_is_not_received_yet(paths, kind):
    for folder in paths.inbox.iterdir():
        if folder.name not in KINDS[kind] and folder.name != "_profils":
            shutil.rmtree(folder)
    publish_a_night(paths, f"night-{kind}", NIGHT)

    latest = paths.reports / "latest"
    french = (latest / "fr" / "index.html").read_text(encoding="utf-8")
    english = (latest / "en" / "index.html").read_text(encoding="utf-8")
    files = query(paths.warehouse, "SELECT count(*) FROM ops.files WHERE status = 'loaded'")
    sent = sum(1 for p in SAMPLE_INBOX.rglob("*") if p.is_file() and p.parent.name in KINDS[kind])
    assert files == [(sent,)]
    # Each section whose kind was not received says so in both languages (the budget's four sections, partners',
    # flows', commitments'), never a zero.
    sections = {"budget_lines": 4, "partner_reports": 1, "feeds": 1, "commitments": 1}
    awaited = sum(n for k, n in sections.items() if k != kind)
    assert french.count("Aucune donnée reçue pour l'instant") == awaited
    assert english.count("No data received yet") == awaited

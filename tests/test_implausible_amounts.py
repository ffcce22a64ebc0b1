"""An implausible amount (far beyond its peers: config/plausibility.yml `amounts`) is loaded, flagged on its unit,
kept in the facts and out of every total until a person confirms it; the report says how much it left out.

The amounts are made implausible by a seeded generator over the sample's CSV files: any column whose cells are
mostly numbers, any row, made 16 to 18 digits long; the generator knows no header of ours.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_INBOX, publish_a_night, query

NIGHT = dt.date(2026, 11, 22)
SAMPLE_CSVS = sorted(p.relative_to(SAMPLE_INBOX) for p in SAMPLE_INBOX.glob("*/*.csv"))


@dataclass
class Enlarged:
    relative: Path
    line_number: int  # 1-based line of the file
    written: str  # the cell as the file wrote it
    enlarged: str  # what the generator wrote instead


_AMOUNT = re.compile(r"^\s*([0-9][0-9 .,'\u202f\xa0]*)(.*)$")


def _number(cell: str) -> int | None:
    """The whole part of an amount however it is written ("64.000.000", "45 000 000 FCFA", "231 400 000,50");
    None when the cell is no amount."""
    found = _AMOUNT.match(cell)
    if not found:
        return None
    written = re.sub(r"[.,][0-9]{1,2}\s*$", "", found.group(1).strip())  # decimals dropped
    digits = re.sub(r"[^0-9]", "", written)
    return int(digits) if digits else None


def enlarge_one_amount(inbox: Path, relative: Path, rng: random.Random, leftmost: bool = False) -> Enlarged:
    """One cell of a column of large numbers, on a row picked at random, made 16 to 18 digits long, written back in
    the file's own encoding and delimiter. `leftmost`: in the row's first amount column (a budget's voted amount,
    which the later stages may not exceed: a later stage made larger breaks the stage order, and its row is
    rejected by that rule instead)."""
    path = inbox / relative
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding, text = "cp1252", raw.decode("cp1252")
    # The delimiter the last lines use most (title lines above the table say nothing of it).
    tail = "\n".join(text.splitlines()[-10:])
    delimiter = max(";,\t", key=tail.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max(len(r) for r in rows)
    # Columns whose cells are mostly numbers of at least 100 000: amounts of money (counts of people are smaller),
    # whatever their header says.
    table = [i for i, r in enumerate(rows) if len([c for c in r if c.strip()]) >= width // 2]
    columns = [
        k
        for k in range(width)
        if sum(1 for i in table if k < len(rows[i]) and (_number(rows[i][k]) or 0) >= 100_000) >= 0.5 * len(table)
    ]
    candidates = [(i, k) for i in table for k in columns if k < len(rows[i]) and (_number(rows[i][k]) or 0) >= 100_000]
    if leftmost:
        candidates = [(i, k) for i, k in candidates if k == min(columns)]
    line, column = rng.choice(candidates)
    written = rows[line][column]
    # 16 to 18 digits: beyond any believable budget line or grant, within what the readers take as a number.
    digits = len(str(_number(written)))
    enlarged = str(_number(written) * 10 ** rng.randint(16 - digits, 18 - digits))
    rows[line][column] = enlarged + _AMOUNT.match(written).group(2)  # its unit kept ("FCFA")
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return Enlarged(relative, line + 1, written, enlarged)


@pytest.mark.parametrize("seed", range(6))
def test_an_enlarged_amount_is_flagged_alone_on_its_line(tmp_path, seed):
    from ingest.inbox import ingest_inbox

    rng = random.Random(seed)
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    relative = rng.choice(SAMPLE_CSVS)
    for other in SAMPLE_INBOX.rglob("*"):
        if other.is_file() and other.parent.name != "_profils" and other.relative_to(SAMPLE_INBOX) != relative:
            (inbox / other.relative_to(SAMPLE_INBOX)).unlink()
    enlarged = enlarge_one_amount(inbox, relative, rng)
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(inbox, warehouse, "b")
    flagged = query(
        warehouse,
        "SELECT r.line_number, r.raw_value, r.reason_en FROM ops.rejects r WHERE r.action = 'flagged' "
        "AND r.reason_en LIKE 'implausible amount%'",
    )
    assert [line for line, _, _ in flagged] == [enlarged.line_number], enlarged
    assert flagged[0][1].startswith(str(_number(enlarged.written))), enlarged
    assert "left out of totals until confirmed" in flagged[0][2]
    assert query(warehouse, "SELECT count(*) FROM ops.amounts_to_confirm") == [(1,)]


def test_a_night_leaves_an_implausible_budget_amount_out_of_every_total_and_says_so(paths, built_sample):
    """The sample's budget file with one amount made implausible, against the sample built as it is: every
    institution's and year's figures are the same but the line's own, which is left out whole."""
    budget = next(r for r in SAMPLE_CSVS if r.parts[0] == "budget_lines")
    enlarged = enlarge_one_amount(paths.inbox, budget, random.Random(7), leftmost=True)
    publish_a_night(paths, "implausible", NIGHT)

    [(year, institution, dotation_xof)] = query(
        built_sample,
        "SELECT e.fiscal_year, e.institution, e.dotation_xof FROM marts.fct_budget_execution e "
        "JOIN ops.files f ON f.file_id = e.source_file_id WHERE f.path = ? AND e.source_line_number = ?",
        [str(budget), enlarged.line_number],
    )
    [(to_confirm, counted)] = query(
        paths.warehouse,
        "SELECT e.amount_to_confirm, e.counted_in_totals FROM marts.fct_budget_execution e "
        "JOIN ops.files f ON f.file_id = e.source_file_id WHERE f.path = ? AND e.source_line_number = ?",
        [str(budget), enlarged.line_number],
    )
    assert (to_confirm, counted) == (True, False)
    figures = "SELECT fiscal_year, institution, dotation_xof FROM marts.rpt_execution_by_institution"
    before = {(y, i): d for y, i, d in query(built_sample, figures)}
    after = {(y, i): d for y, i, d in query(paths.warehouse, figures)}
    expected = before | {(year, institution): before[(year, institution)] - dotation_xof}
    assert {k: v for k, v in after.items() if v} == {k: v for k, v in expected.items() if v}
    page = (paths.reports / "latest" / "fr" / "index.html").read_text(encoding="utf-8")
    assert "Montants implausibles laissés hors des totaux" in page
    assert str(enlarged.line_number) in page.split("Montants implausibles laissés hors des totaux")[1][:4000]
    english = (paths.reports / "latest" / "en" / "index.html").read_text(encoding="utf-8")
    assert "Implausible amounts left out of the totals" in english

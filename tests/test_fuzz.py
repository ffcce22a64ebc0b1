"""No input stops the night: seeded mutations of the sample's and the shared real files (tests/mutations.py) go
through the real ingestion with its GX row rules, and a night of them through dbt, the gate and the report.

The suite runs a seeded sample; `make fuzz` runs FUZZ_FILES_PER_KIND mutated files of each kind and FUZZ_NIGHTS
nights, from FUZZ_SEED. A failure names its seed, the file it mutated and the mutation, so that it can be replayed
and kept as a regression case.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_INBOX, SHARED, publish_a_night, query
from tests.mutations import MUTATORS, mutate

KINDS = ("budget_lines", "commitments", "fts", "iati", "partner_reports")
FILES_PER_KIND = int(os.environ.get("FUZZ_FILES_PER_KIND", "4"))
NIGHTS = int(os.environ.get("FUZZ_NIGHTS", "1"))
FIRST_SEED = int(os.environ.get("FUZZ_SEED", "0"))
# The suite mutates small files only (openpyxl rewrites a 4 MB workbook in seconds); `make fuzz` takes them all.
LARGEST_FILE = int(os.environ.get("FUZZ_LARGEST_FILE", str(1 << 20)))
NIGHT = dt.date(2026, 11, 22)
# A reader's own error on a file's content is the file's; these are ours (a bug), never the partner's fault.
OUR_ERRORS = re.compile(
    r"\((TypeError|KeyError|AttributeError|IndexError|NameError|AssertionError|ZeroDivisionError|RuntimeError|"
    r"UnboundLocalError|RecursionError|NotImplementedError)\)"
)


def _corpus(kind: str) -> list[Path]:
    folders = [SAMPLE_INBOX / kind, SHARED / "real-data" / kind]
    return sorted(
        p
        for folder in folders
        if folder.exists()
        for p in folder.iterdir()
        if p.suffix.lower() in MUTATORS and 0 < p.stat().st_size <= LARGEST_FILE
    )


def _write_mutants(inbox: Path, seeds: range, per_kind: int) -> dict[str, str]:
    """Mutated files laid in the inbox folders of their kinds; each one's path -> how to replay it."""
    made = {}
    for kind in KINDS:
        corpus = _corpus(kind)
        for seed in seeds[:per_kind]:
            rng = random.Random(f"{kind}-{seed}")
            source = rng.choice(corpus)
            mutant = mutate(source, rng)
            relative = f"{kind}/fuzz_{seed:05d}_{source.name}"
            (inbox / relative).parent.mkdir(parents=True, exist_ok=True)
            (inbox / relative).write_bytes(mutant.data)
            made[relative] = f"seed {seed} ({kind}), file {source.name}, mutation: {mutant.what}"
    return made


def test_mutated_files_never_stop_ingestion_and_every_row_is_accounted_for(tmp_path):
    from expectations.files import check_file
    from ingest import ledger, reference
    from ingest.inbox import ingest_file
    from ingest.values import connect

    inbox = tmp_path / "inbox"
    seeds = range(FIRST_SEED, FIRST_SEED + FILES_PER_KIND)
    made = _write_mutants(inbox, seeds, FILES_PER_KIND)
    con = connect(tmp_path / "w.duckdb")
    ledger.ensure_tables(con)
    reference.load_ecb_rates(con)
    check = functools.partial(check_file, today=NIGHT)
    outcomes = {}
    try:
        for relative, replay in made.items():
            try:
                result = ingest_file(con, inbox / relative, inbox, "fuzz", check)
            except BaseException as exc:  # a library's panic is a BaseException: the failure names the mutation
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                pytest.fail(f"{replay}: the night would stop: {type(exc).__name__}: {exc}")
            outcomes[relative] = result
            assert result.status in {"loaded", "held_back", "rejected", "duplicate"}, replay
            assert not OUR_ERRORS.search(result.error or ""), (
                f"{replay}: our bug called the file's fault: {result.error}"
            )
            assert not ledger.accounting_mismatches(con), replay
    finally:
        con.close()
    print(
        f"\n{len(made)} fichiers mutés / mutated files (graines / seeds {seeds.start}-{seeds.stop - 1}): "
        + ", ".join(
            f"{s} {sum(1 for r in outcomes.values() if r.status == s)}"
            for s in ("loaded", "held_back", "rejected", "duplicate")
        )
    )


@pytest.mark.parametrize("night", range(NIGHTS))
def test_a_night_over_the_sample_and_mutated_files_publishes_with_plausible_marts(paths, night):
    from ingest import plausibility

    per_night = 2
    seeds = range(FIRST_SEED + 100_000 + night * per_night, FIRST_SEED + 100_000 + (night + 1) * per_night)
    made = _write_mutants(paths.inbox, seeds, per_night)
    try:
        publish_a_night(paths, f"fuzz-{night}", NIGHT)
    except Exception as exc:  # noqa: BLE001 - the failure names the mutations of the night
        pytest.fail(f"night {night} failed ({type(exc).__name__}: {exc}) with: " + "; ".join(made.values()))
    assert (paths.reports / "latest" / "fr" / "index.html").exists(), made
    # No impossible date reached a fact, whatever the mutations wrote.
    earliest, latest = plausibility.date_bounds()
    for mart, column in [
        ("fct_funding_flows", "value_date"),
        ("fct_commitments", "commitment_deadline"),
    ]:
        outside = query(
            paths.warehouse,
            f"SELECT count(*) FROM marts.{mart} WHERE {column} NOT BETWEEN ? AND ?",
            [earliest, latest],
        )
        assert outside == [(0,)], (mart, made)
    shutil.rmtree(paths.inbox)

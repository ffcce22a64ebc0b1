"""The same money counted once across sources, measured on ../shared/real-data: `python -m benchmarks.reconciliation`.

Builds a warehouse from the sample inbox plus every real FTS and IATI file, then prints, against the identifier pairs
computed from the files themselves (tests/source_pairs.py): recall (the pairs the matches hold), precision (the
applied FTS-IATI matches that are such a pair, then those whose evidence the files confirm), and per pair of sources
the records and the money no longer counted twice.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
from pathlib import Path

import duckdb

from tests.source_pairs import fts_references, iati_references, identifier_pairs

REPO = Path(__file__).resolve().parent.parent
SAMPLE_INBOX = REPO / "sample_data" / "inbox"
REAL_DATA = REPO.parent / "shared" / "real-data"


def build_real_warehouse(real_data: Path, root: Path) -> Path:
    """The sample inbox with every real FTS and IATI file beside it, ingested and built; returns the warehouse."""
    from ingest.inbox import ingest_inbox
    from warehouse import nightly

    inbox = root / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    for kind in ("fts", "iati"):
        for path in sorted((real_data / kind).iterdir()):
            shutil.copy(path, inbox / kind / path.name)
    warehouse = root / "budget.duckdb"
    ingest_inbox(inbox, warehouse, "reconciliation")
    nightly.build(str(warehouse), dt.date(2026, 11, 22), "reconciliation")
    return warehouse


def applied_fts_iati_pairs(warehouse: Path) -> dict[tuple[str, str], str]:
    """(FTS flow id, IATI identifier) -> evidence, for the applied or confirmed FTS-IATI activity matches."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            (flow, activity): evidence
            for flow, activity, evidence in con.execute("""
                SELECT record_key_a, record_key_b, evidence FROM marts.fct_source_matches
                WHERE source_system_a = 'fts' AND source_system_b = 'iati' AND record_level_b = 'activity'
                  AND decision IN ('applied', 'confirmed')""").fetchall()
        }


def matches_by_tier(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("""
            SELECT source_system_a, source_system_b, tier, decision, count(*) FROM marts.fct_source_matches
            GROUP BY ALL ORDER BY ALL""").fetchall()


def money_counted_once(warehouse: Path) -> list[tuple]:
    """Per (excluded source, counting source): records excluded and their USD, by stage."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("""
            SELECT source_system, substr(double_count_rule, length('same_money_in_') + 1) AS counted_in, flow_stage,
                   count(*) AS records, sum(amount_usd_reported) AS usd
            FROM marts.fct_funding_flows WHERE double_count_rule LIKE 'same_money_in_%'
            GROUP BY ALL ORDER BY ALL""").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-data", type=Path, default=REAL_DATA)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reconciliation-") as tmp:
        warehouse = build_real_warehouse(args.real_data, Path(tmp))
        truth = identifier_pairs(args.real_data)
        found = applied_fts_iati_pairs(warehouse)
        flows, activities = fts_references(args.real_data / "fts"), iati_references(args.real_data / "iati")
        # Evidence the files confirm: the reference the match names is one the flow and the activity both quote, as
        # read here, or an FTS project code / other-identifier the files hold (printed apart).
        confirmed = {pair for pair in found if flows.get(pair[0], set()) & activities.get(pair[1], set())}
        recall = len(truth & found.keys()) / len(truth)
        print(
            f"Paires d'identifiants / identifier pairs in the files: {len(truth)} ({len({f for f, _ in truth})} "
            f"FTS flows, {len({a for _, a in truth})} IATI activities)"
        )
        print(f"Rappel / recall: {recall:.1%} ({len(truth & found.keys())} of {len(truth)})")
        print(
            f"Précision / precision: {len(truth & found.keys()) / max(len(found), 1):.1%} of {len(found)} applied "
            f"FTS-IATI matches are such pairs ({len(confirmed)} share a reference both files quote)"
        )
        for pair in sorted(found.keys() - truth):
            print(f"  applied but not such a pair / appliquée hors paires: {pair[0]} ~ {pair[1]}: {found[pair]}")
        print("Correspondances / matches (sources, tier, decision, pairs):")
        for source_a, source_b, tier, decision, pairs in matches_by_tier(warehouse):
            print(f"  {source_a}-{source_b} tier {tier} {decision}: {pairs}")
        print(
            "Argent compté une fois / money counted once (excluded source -> source that counts, stage, records, USD):"
        )
        for source, counted_in, stage, records, usd in money_counted_once(warehouse):
            print(f"  {source} -> {counted_in} {stage}: {records} records, {usd:,.2f} USD")


if __name__ == "__main__":
    main()

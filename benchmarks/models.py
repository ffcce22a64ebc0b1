"""Model benchmark: a full `dbt build` on 10 million funding transactions and 1 million budget lines, then
the incremental build of a night that brings 1 % new rows. Prints both times, their ratio, dbt's peak memory, the CPU
time the full build used (how many of the machine's cores it kept busy), the slowest nodes, and how long the GX
quality gate takes after each build.

    python -m benchmarks.models [--transactions 10000000] [--budget-lines 1000000] [--nights 3]

The next night is timed --nights times, each from the warehouse the full build left and with its own date (as
successive nights run): the median is compared with the full build, since a run of 15 s varies by a few seconds
on a shared machine.

The warehouse is the sample inbox ingested for real, whose raw rows are then copied (new files, new partners,
new identifiers) up to the sizes asked: dbt sees what ingestion lands, only more of it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

SAMPLE_INBOX = Path(__file__).resolve().parents[1] / "sample_data" / "inbox"
# The full build's night, then the next nights' dates, as the DAG runs them (the run date changes, the candidate
# path does not).
FIRST_NIGHT = dt.date(2026, 11, 22)

# Share of the funding transactions each source gives (a partner-report row gives two: planned and spent).
PARTNER_SHARE, IATI_SHARE, FTS_SHARE = 0.80, 0.15, 0.05
ROWS_PER_FILE = 10_000


def _sample_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    [(n,)] = con.execute(f"SELECT count(*) FROM {table} WHERE load_batch = 'sample'").fetchall()
    return n


def add_rows(
    con: duckdb.DuckDBPyConnection,
    batch: str,
    partner_rows: int,
    iati_transactions: int,
    fts_flows: int,
    budget_lines: int,
) -> None:
    """Copy the sample's raw rows into new files of `batch`, each copy with its own partners and identifiers.

    Tables that join (IATI activities and their transactions, FTS flows and their objects) are copied the same
    number of times, copy k of each going to the same file.
    """
    suffix = f"'{batch}-' || k"

    def copy(tables: dict[str, str], copies: int, per_file: int) -> None:
        [(first_file,)] = con.execute("SELECT max(file_id) + 1 FROM ops.files").fetchall()
        for table, replace in tables.items():
            con.execute(f"""
                INSERT INTO {table}
                SELECT sample.* REPLACE ({first_file} + k // {per_file} AS file_id, '{batch}' AS load_batch, {replace})
                FROM (SELECT * FROM {table} WHERE load_batch = 'sample') AS sample, range({copies}) AS copies (k)""")
        con.execute(f"""
            INSERT INTO ops.files (file_id, path, file_name, sha256, source_kind, size_bytes, received_at, loaded_at,
                                   load_batch, status)
            SELECT {first_file} + i, 'synthetic/{batch}/' || ({first_file} + i), 'synthetic.csv', md5('{batch}' || i),
                   'synthetic', 0, now()::TIMESTAMP, now()::TIMESTAMP, '{batch}', 'loaded'
            FROM range({-(-copies // per_file)}) AS f (i)""")

    def times(rows: int, table: str) -> tuple[int, int]:
        """(copies of the sample of `table` giving about `rows` rows, copies per file of ROWS_PER_FILE rows)."""
        sample = _sample_rows(con, table)
        return max(1, round(rows / sample)), max(1, ROWS_PER_FILE // sample)

    # Positions in a file (line, activity, flow) stay unique: copy k is the (k % per_file)-th block of its file.
    copies, per_file = times(budget_lines, "raw.budget_lines")
    copy(
        {
            "raw.budget_lines": f"coalesce(line_code, 'ligne') || '-' || {suffix} AS line_code, "
            f"line_number + k % {per_file} * 1000 AS line_number"
        },
        copies,
        per_file,
    )
    # A partner sends files, not rows: each file's partners are its own (about 2 800 partners for 4 million rows,
    # the order of a platform's 3W), so that no file supersedes another and a night's files are new partners.
    copies, per_file = times(partner_rows, "raw.partner_reports")
    copy(
        {
            "raw.partner_reports": f"partner || ' ' || '{batch}-' || k // {per_file} AS partner, "
            f"line_number + k % {per_file} * 1000 AS line_number"
        },
        copies,
        per_file,
    )
    copies, per_file = times(iati_transactions, "raw.iati_transactions")
    iati = (
        f"iati_identifier || '-' || {suffix} AS iati_identifier, "
        f"activity_index + k % {per_file} * 1000 AS activity_index"
    )
    copy(
        {
            t: iati
            for t in (
                "raw.iati_activities",
                "raw.iati_transactions",
                "raw.iati_sectors",
                "raw.iati_recipient_countries",
                "raw.iati_participating_orgs",
            )
        },
        copies,
        per_file,
    )
    copies, per_file = times(fts_flows, "raw.fts_flows")
    flow = f"flow_id || '-' || {suffix} AS flow_id, flow_index + k % {per_file} * 1000 AS flow_index"
    copy(
        {
            "raw.fts_flows": f"{flow}, parent_flow_id || '-' || {suffix} AS parent_flow_id, "
            f"list_transform(child_flow_ids, lambda c: c || '-' || {suffix}) AS child_flow_ids",
            "raw.fts_flow_objects": flow,
        },
        copies,
        per_file,
    )


def build(warehouse: Path, run_date: str) -> tuple[float, list[dict]]:
    """Seconds of one `dbt build`, planned and recorded as the night does (full the first time, then incremental),
    and dbt's run results; prints the slowest nodes."""
    from warehouse import builds
    from warehouse.dbt import TARGET

    started = time.perf_counter()
    build_plan, result = builds.build(warehouse, run_date, f"night-{run_date}")
    if not result.ok:
        raise SystemExit("dbt build failed:\n" + result.summary())
    seconds = time.perf_counter() - started
    print(f"  build {build_plan.mode} : {result.summary()}")
    nodes = json.loads((TARGET / "run_results.json").read_text())["results"]
    slowest = sorted(nodes, key=lambda n: -n["execution_time"])[:5]
    print(
        "  les plus lents : "
        + ", ".join(f"{n['unique_id'].split('.')[-1][:40]} {n['execution_time']:.1f} s" for n in slowest)
    )
    return seconds, nodes


def output_floor(warehouse: Path, nodes: list[dict], slowest: int = 5) -> None:
    """Each of the slowest models against the floor of writing its output: a DuckDB CREATE TABLE AS SELECT of the
    table it built, in the same file and the same run (goal: a model within 3x of it)."""
    models = sorted(
        (n for n in nodes if n["unique_id"].startswith("model.") and n.get("relation_name")),
        key=lambda n: -n["execution_time"],
    )[:slowest]
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA IF NOT EXISTS bench")
    print("  modèles les plus lents / CREATE TABLE AS SELECT de leur sortie (objectif <= 3x) :")
    for node in models:
        relation = ".".join(node["relation_name"].split(".")[-2:])
        started = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TABLE bench.output_copy AS SELECT * FROM {relation}")
        floor = time.perf_counter() - started
        [(rows,)] = con.execute("SELECT count(*) FROM bench.output_copy").fetchall()
        print(
            f"    {relation:<50} {node['execution_time']:6.1f} s / {floor:5.1f} s = "
            f"{node['execution_time'] / floor:4.1f}x ({rows:,} lignes)",
            flush=True,
        )
    con.execute("DROP SCHEMA bench CASCADE")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--budget-lines", type=int, default=1_000_000)
    parser.add_argument("--nights", type=int, default=3, help="times the next night is built (median reported)")
    args = parser.parse_args()

    from ingest.inbox import ingest_inbox

    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmp:
        warehouse = Path(tmp) / "nightly.duckdb"
        ingest_inbox(SAMPLE_INBOX, warehouse, "sample")
        sizes = {
            "partner_rows": int(args.transactions * PARTNER_SHARE / 2),
            "iati_transactions": int(args.transactions * IATI_SHARE),
            "fts_flows": int(args.transactions * FTS_SHARE),
            "budget_lines": args.budget_lines,
        }
        print(f"Génération : {sizes}", flush=True)
        con = duckdb.connect(str(warehouse))
        add_rows(con, "night-1", **sizes)
        con.close()

        cpu_before = _children_cpu()
        full, nodes = build(warehouse, FIRST_NIGHT.isoformat())
        cpu = _children_cpu() - cpu_before
        # How busy the build keeps the machine: near every core, it is bound by its work, not by its scheduling.
        print(
            f"  CPU de dbt / dbt's CPU : {cpu:.0f} s en {full:.0f} s, {cpu / full:.1f} cœurs sur {os.cpu_count()} "
            f"/ {cpu / full:.1f} of {os.cpu_count()} cores",
            flush=True,
        )
        output_floor(warehouse, nodes)
        con = duckdb.connect(str(warehouse), read_only=True)
        [(flows, lines)] = con.execute(
            "SELECT (SELECT count(*) FROM marts.fct_funding_flows), (SELECT count(*) FROM marts.fct_budget_allocations)"
        ).fetchall()
        con.close()
        print(
            f"dbt build complet      : {full:.1f} s ({flows:,} transactions, {lines:,} lignes budgétaires)", flush=True
        )
        gate(warehouse, full)

        after_full = shutil.copyfile(warehouse, Path(tmp) / "after_full.duckdb")
        nights = []
        for night in range(1, args.nights + 1):
            shutil.copyfile(after_full, warehouse)
            con = duckdb.connect(str(warehouse))
            add_rows(con, "night-2", **{k: v // 100 for k, v in sizes.items()})
            con.close()
            nights.append(build(warehouse, (FIRST_NIGHT + dt.timedelta(days=night)).isoformat())[0])
            print(
                f"nuit suivante (+1 %) {night}: {nights[-1]:.1f} s ({nights[-1] / full:.1%} du build complet)",
                flush=True,
            )
        nightly = statistics.median(nights)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        # A child's ru_maxrss starts from its parent's memory at fork: this process's is said beside it.
        own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"nuit suivante, médiane : {nightly:.1f} s, soit {nightly / full:.1%} du build complet (objectif < 15 %)")
        print(
            f"mémoire max de dbt     : {peak_mb:.0f} Mo (dont au plus {own_mb:.0f} Mo du benchmark qui le lance / "
            "of which at most the benchmark's own)",
            flush=True,
        )
        gate(warehouse, nights[-1])


def _children_cpu() -> float:
    """CPU seconds (user and system) of the child processes that ended: dbt runs in one."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def gate(warehouse: Path, build_seconds: float) -> None:
    """Time the GX quality gate as the night runs it after the build just made (every row, or the rows rebuilt),
    and its ratio to that build."""
    from expectations.gate import validate_marts
    from warehouse.builds import incremental_build_number

    # GX's import is left out, as in benchmarks/ingest.py: the first gate of a process pays it whatever the rows.
    started = time.perf_counter()
    import great_expectations  # noqa: F401

    imported = time.perf_counter() - started
    if imported > 0.1:
        print(f"  hors mesure / left out: import de GX {imported:.2f} s", flush=True)
    started = time.perf_counter()
    result = validate_marts(warehouse, incremental_build_number(warehouse))
    seconds = time.perf_counter() - started
    checked = sum(result.rows_checked.values())
    print(
        f"contrôle GX des faits  : {seconds:.1f} s, {checked:,} lignes ({'réussi' if result.ok else 'échoué'}), "
        f"{seconds / build_seconds:.1%} du build qu'il suit (objectif <= 10 %)",
        flush=True,
    )


if __name__ == "__main__":
    main()

"""Ingestion benchmark: prints rows/s, peak memory and the ratio to DuckDB's own read_csv.

    python -m benchmarks.ingest [--rows 2000000] [--repeat 5] [--iati-dir ../shared/real-data/iati]

Each measurement runs in a fresh process (peak RSS is that process's); files are written to a temporary
folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(kind: str, target: str, workdir: str) -> dict:
    """Run inside a fresh interpreter: one measurement."""
    import duckdb

    if kind != "duckdb_read_csv":
        # Module loading is left out of both timings, as duckdb's is; the night's per-file check is in ours.
        import datetime as dt
        import functools

        from expectations.files import check_file
        from ingest.inbox import ingest_inbox

        check = functools.partial(check_file, today=dt.date.today())

    started = time.perf_counter()
    if kind == "duckdb_read_csv":
        con = duckdb.connect(str(Path(workdir) / "baseline.duckdb"))
        con.execute(
            "CREATE TABLE t AS SELECT * FROM read_csv(?, skip = 4, header = false, delim = ';', all_varchar = true)",
            [target],
        )
        [(rows,)] = con.execute("SELECT count(*) FROM t").fetchall()
    else:
        summary = ingest_inbox(Path(target), Path(workdir) / f"{kind}.duckdb", "benchmark", check).as_dict()
        rows = summary["rows_loaded"]
        # Real folders hold empty and malformed files: they are reported, not a reason to stop. The synthetic
        # file is ours: a rejected row there is a bug.
        if kind == "partner_reports" and (summary["rows_rejected"] or summary["files_rejected"]):
            raise SystemExit(f"unexpected rejects: {summary}")
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    not_loaded = (
        []
        if kind == "duckdb_read_csv"
        else [f"{f['path']}: {f['error']}" for f in summary["rejected"] + summary["held_back"]]
    )
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_mb, "not_loaded": not_loaded}


def measure(kind: str, target: Path, workdir: Path) -> dict:
    for db in workdir.glob("*.duckdb*"):  # each run starts from an empty warehouse
        db.unlink()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest", "--child", kind, str(target), str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, alternated; the median is printed")
    parser.add_argument(
        "--iati-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "real-data" / "iati"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return

    from benchmarks.synthetic_partner_reports import write

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        inbox = tmp / "inbox" / "partner_reports"
        inbox.mkdir(parents=True)
        csv = inbox / "rapports_synthetiques.csv"
        print(f"Génération de {args.rows} lignes…", flush=True)
        write(csv, args.rows)
        size_mb = csv.stat().st_size / 1e6
        # Alternate the two, several times: the machine's speed drifts, and one pair of runs can mislead.
        runs = sorted(
            (
                (b, o, o["seconds"] / b["seconds"])
                for b, o in (
                    (measure("duckdb_read_csv", csv, tmp), measure("partner_reports", tmp / "inbox", tmp))
                    for _ in range(args.repeat)
                )
            ),
            key=lambda run: run[2],
        )
        ratios = [ratio for _, _, ratio in runs]
        baseline, ours, _ = runs[len(runs) // 2]
        print(f"Rapports de partenaires : {ours['rows']} lignes, {size_mb:.0f} Mo (run médian sur {len(runs)})")
        print(
            f"  ingestion             : {ours['seconds']:.1f} s, {ours['rows'] / ours['seconds']:,.0f} lignes/s, "
            f"mémoire max {ours['peak_mb']:.0f} Mo"
        )
        print(f"  DuckDB read_csv seul  : {baseline['seconds']:.1f} s, mémoire max {baseline['peak_mb']:.0f} Mo")
        print(
            f"  rapport au read_csv   : {statistics.median(ratios):.2f}x médian "
            f"({ratios[0]:.2f}x à {ratios[-1]:.2f}x) (objectif <= 3x)"
        )

        if args.iati_dir.exists():
            iati_inbox = tmp / "iati_inbox" / "iati"
            iati_inbox.mkdir(parents=True)
            for xml in sorted(args.iati_dir.glob("*.xml")):
                shutil.copy(xml, iati_inbox / xml.name)
            result = measure("iati", iati_inbox.parent, tmp)
            size = sum(p.stat().st_size for p in iati_inbox.iterdir()) / 1e6
            print(
                f"IATI ({len(list(iati_inbox.iterdir()))} fichiers, {size:.1f} Mo) : {result['rows']} activités en "
                f"{result['seconds']:.2f} s ({result['rows'] / result['seconds']:,.0f} activités/s, "
                f"{size / result['seconds']:.1f} Mo/s), mémoire max {result['peak_mb']:.0f} Mo"
            )
            for reason in result["not_loaded"]:
                print(f"  non chargé / not loaded: {reason[:160]}")
        else:
            print(f"IATI : {args.iati_dir} absent, mesure sautée")


if __name__ == "__main__":
    main()

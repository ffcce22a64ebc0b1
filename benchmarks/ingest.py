"""Ingestion benchmark: prints rows/s, peak memory and the ratio to DuckDB's own read_csv.

    python -m benchmarks.ingest [--rows 2000000] [--repeat 5] [--iati-dir ../shared/real-data/iati]

Each measurement runs in a fresh process (peak RSS is that process's); files are written to a temporary
folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    """This program's peak resident memory: VmHWM, which starts again at exec. ru_maxrss does not: a child started by
    a parent holding 450 MB (the generated CSV's writer) reports at least 450 MB, whatever it uses itself."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lxml_floor(folder: Path) -> tuple[int, int]:
    """The floor for IATI: a bare lxml pass reading every activity and transaction value (activities, values)."""
    from lxml import etree

    activities = values = 0
    for xml in sorted(folder.glob("*.xml")):
        try:
            for _, el in etree.iterparse(str(xml), tag="iati-activity"):
                activities += 1
                values += sum(1 for v in el.iterfind("transaction/value") if v.text is not None)
                el.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
        except etree.XMLSyntaxError:
            pass  # an empty or malformed file: nothing to read, as for the product
    return activities, values


def _iatikit(folder: Path) -> tuple[int, int]:
    """The peer: iatikit reading every activity and transaction value."""
    import iatikit

    activities = values = 0
    for xml in sorted(folder.glob("*.xml")):
        try:
            for activity in iatikit.Dataset(str(xml)).activities:
                activities += 1
                values += sum(1 for v in activity.etree.iterfind("transaction/value") if v.text is not None)
        except Exception:  # noqa: BLE001 - an empty or malformed file, skipped as the floor skips it
            pass
    return activities, values


def _child(kind: str, target: str, workdir: str) -> dict:
    """Run inside a fresh interpreter: one measurement."""
    if kind == "imports_only":
        # What any program landing parsed XML into DuckDB holds before its first byte: the two libraries, loaded.
        import duckdb  # noqa: F401
        from lxml import etree  # noqa: F401

        return {"peak_mb": _rss_mb()}
    if kind in {"lxml_floor", "iatikit"}:
        before = _rss_mb()
        started = time.perf_counter()
        rows, values = (_lxml_floor if kind == "lxml_floor" else _iatikit)(Path(target) / "iati")
        seconds = time.perf_counter() - started
        return {"rows": rows, "values": values, "seconds": seconds, "peak_mb": _rss_mb(), "work_mb": _rss_mb() - before}

    import duckdb

    db = Path(workdir) / f"{kind}.duckdb"
    setup_seconds = import_seconds = 0.0
    if kind != "duckdb_read_csv":
        # Module loading is left out of both timings, as duckdb's is (GX's too, which the per-file check imports
        # lazily); so is the warehouse's set-up (ledger tables, ECB rates), which only a first night pays: every
        # other night ingests into a copy of the last warehouse. Both are timed and printed on their own.
        import datetime as dt
        import functools

        from expectations.files import check_file
        from ingest.inbox import ingest_inbox

        check = functools.partial(check_file, today=dt.date.today())
        started = time.perf_counter()
        import great_expectations  # noqa: F401

        import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as empty_inbox:
            ingest_inbox(Path(empty_inbox), db, "set-up", check)
        setup_seconds = time.perf_counter() - started

    before = _rss_mb()
    started = time.perf_counter()
    if kind == "duckdb_read_csv":
        con = duckdb.connect(str(db))
        con.execute(
            "CREATE TABLE t AS SELECT * FROM read_csv(?, skip = 4, header = false, delim = ';', all_varchar = true)",
            [target],
        )
        [(rows,)] = con.execute("SELECT count(*) FROM t").fetchall()
    else:
        summary = ingest_inbox(Path(target), db, "benchmark", check).as_dict()
        rows = summary["rows_loaded"]
        # Real folders hold empty and malformed files: they are reported, not a reason to stop. The synthetic
        # file is ours: a rejected row there is a bug.
        if kind == "partner_reports" and (summary["rows_rejected"] or summary["files_rejected"]):
            raise SystemExit(f"unexpected rejects: {summary}")
    seconds = time.perf_counter() - started
    peak_mb = _rss_mb()
    not_loaded = (
        []
        if kind == "duckdb_read_csv"
        else [f"{f['path']}: {f['error']}" for f in summary["rejected"] + summary["held_back"]]
    )
    return {
        "rows": rows,
        "seconds": seconds,
        "peak_mb": peak_mb,
        "work_mb": peak_mb - before,
        "not_loaded": not_loaded,
        "setup_seconds": setup_seconds,
        "import_seconds": import_seconds,
    }


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
    parser.add_argument("--only", choices=("partner_reports", "iati"), help="one of the two measurements")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if args.only != "iati":
            _partner_reports(args, Path(tmp))
        if args.only != "partner_reports":
            _iati(args, Path(tmp))


def _partner_reports(args, tmp: Path) -> None:
    from benchmarks.synthetic_partner_reports import write

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
    _print_left_out(ours)
    before = ours["peak_mb"] - ours["work_mb"]
    print(
        f"  avant le travail / before the work: {before:.0f} Mo (modules, GX compris, et entrepôt ouvert / modules, GX "
        f"included, and the warehouse open), {before / baseline['peak_mb']:.2f}x la mémoire max du read_csv / "
        f"read_csv's peak; le travail / the work {ours['work_mb']:.0f} Mo"
    )
    print(
        f"  rapport au read_csv   : {statistics.median(ratios):.2f}x médian "
        f"({ratios[0]:.2f}x à {ratios[-1]:.2f}x) (objectif <= 2.5x), mémoire "
        f"{ours['peak_mb'] / baseline['peak_mb']:.2f}x (objectif <= 1.2x)"
    )


def _print_left_out(ours: dict) -> None:
    print(
        f"  hors mesure / left out: import de GX {ours['import_seconds']:.2f} s, mise en place d'un nouvel entrepôt "
        f"(première nuit) / a new warehouse's set-up (first night) {ours['setup_seconds']:.2f} s"
    )


def _iati(args, tmp: Path) -> None:
    if not args.iati_dir.exists():
        print(f"IATI : {args.iati_dir} absent, mesure sautée / measurement skipped")
        return
    iati_inbox = tmp / "iati_inbox" / "iati"
    iati_inbox.mkdir(parents=True)
    for xml in sorted(args.iati_dir.glob("*.xml")):
        shutil.copy(xml, iati_inbox / xml.name)
    size = sum(p.stat().st_size for p in iati_inbox.iterdir()) / 1e6
    kinds = ["lxml_floor", "iati"] + (["iatikit"] if importlib.util.find_spec("iatikit") else [])
    runs = {kind: [] for kind in kinds}
    for _ in range(args.repeat):  # alternated, as above
        for kind in kinds:
            runs[kind].append(measure(kind, iati_inbox.parent, tmp))
    median = {kind: sorted(r, key=lambda m: m["seconds"])[len(r) // 2] for kind, r in runs.items()}
    imports_only = measure("imports_only", iati_inbox.parent, tmp)["peak_mb"]
    floor, ours = median["lxml_floor"], median["iati"]
    ratios = sorted(o["seconds"] / f["seconds"] for o, f in zip(runs["iati"], runs["lxml_floor"], strict=True))
    print(f"IATI : {len(list(iati_inbox.iterdir()))} fichiers, {size:.1f} Mo (run médian sur {args.repeat})")
    print(
        f"  ingestion             : {ours['rows']} activités en {ours['seconds']:.2f} s "
        f"({ours['rows'] / ours['seconds']:,.0f} activités/s), mémoire max {ours['peak_mb']:.0f} Mo "
        f"(dont {ours['work_mb']:.0f} Mo pour le travail / of which the work)"
    )
    print(
        f"  lxml seul (plancher)  : {floor['rows']} activités, {floor['values']} valeurs de transaction en "
        f"{floor['seconds']:.2f} s, mémoire max {floor['peak_mb']:.0f} Mo (travail {floor['work_mb']:.0f} Mo)"
    )
    _print_left_out(ours)
    if "iatikit" in median:
        peer = median["iatikit"]
        print(f"  iatikit (pair)        : {peer['rows']} act. en {peer['seconds']:.2f} s, {peer['peak_mb']:.0f} Mo")
    else:
        print("  iatikit (pair)        : non installé / not installed")
    print(
        f"  rapport au plancher   : {statistics.median(ratios):.2f}x médian ({ratios[0]:.2f}x à {ratios[-1]:.2f}x) "
        f"(objectif <= 1.5x), mémoire max {ours['peak_mb'] / floor['peak_mb']:.2f}x (objectif < 2x; modules "
        f"chargés compris / modules loaded included), mémoire du travail / the work's memory "
        f"{ours['work_mb'] / max(floor['work_mb'], 1):.2f}x"
    )
    print(
        f"  duckdb + lxml importés, sans travail / imported, no work: {imports_only:.0f} Mo, "
        f"{imports_only / floor['peak_mb']:.2f}x la mémoire max du plancher / the floor's peak"
    )
    for reason in ours["not_loaded"]:
        print(f"  non chargé / not loaded: {reason[:160]}")


if __name__ == "__main__":
    main()

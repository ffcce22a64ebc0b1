"""The steps of a night, as plain functions: the DAG declares their order, tests call them directly.

ingest (into a candidate copy of the warehouse) -> dbt build -> quality gate -> build report -> publish -> serve
analysts (the published marts into PostgreSQL, when configured).
Only `publish` touches what readers see, and only after the gate passed. Each step holds the warehouse's lock
(`hold`, warehouse/lock.py) so that two nights never work on one warehouse; `publish` releases it.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

from config import Paths, file_safe
from warehouse import candidate as candidates
from warehouse import lock, progress

NightAlreadyRunning = lock.NightAlreadyRunning


def hold(paths: Paths, run_id: str) -> None:
    """This night's step holds the warehouse, or NightAlreadyRunning says which night does; the step dies with its
    worker."""
    lock.die_with_parent()
    lock.hold(paths.warehouse, run_id)


log = logging.getLogger(__name__)


def _fetched(fetched: dict) -> str:
    return ("flux récupérés / feeds fetched: " + ", ".join(fetched)) if fetched else "aucun flux configuré / no feed"


def _ingested(s: dict) -> str:
    return (
        f"{s['files_seen']} fichiers vus / files seen: {s['files_loaded']} chargés / loaded, "
        f"{s['files_held_back']} retenus / held back, {s['files_rejected']} rejetés / rejected, "
        f"{s['files_duplicate'] + s['files_already_known']} déjà reçus / already in; "
        f"{s['rows_read']} lignes lues / rows read, {s['rows_loaded']} chargées / landed"
    )


def _built(b: dict) -> str:
    return (
        f"{b['models']} modèles construits / models built ({b['build_mode']}), {b['tests']} tests passés / passed"
        + (f", sources anciennes / stale: {', '.join(b['stale_sources'])}" if b["stale_sources"] else "")
    )


def _report_written(out: str) -> str:
    written = [p for p in Path(out).rglob("*") if p.is_file()]
    pages = sum(p.suffix in (".html", ".pdf") for p in written)
    return f"{len(written)} fichiers écrits / files written, dont {pages} pages HTML et PDF / of them pages"


@progress.step("fetch_feeds", _fetched)
def fetch_feeds(paths: Paths, run_date: dt.date, iati_api_key: str | None) -> dict:
    """Fetch the configured feeds into the inbox; a feed that is not configured is skipped.

    FTS_FLOW_QUERY   e.g. "locationid=137&year=2024" (FTS location 137 is Mali)
    IATI_DATASTORE_QUERY  e.g. "recipient_country_code:ML", with the key in the Airflow connection
                     `iati_datastore` (password) or IATI_API_KEY
    """
    import os
    from urllib.parse import parse_qsl

    from ingest import feeds

    fetched, failures = {}, []
    fts_query = os.environ.get("FTS_FLOW_QUERY")
    if fts_query:
        try:
            fetched["fts"] = str(
                feeds.fetch_fts_flows(
                    paths.inbox,
                    dict(parse_qsl(fts_query)),
                    os.environ.get("FTS_API_URL", feeds.FTS_URL),
                    today=run_date,
                )
            )
        except feeds.FeedError as exc:
            failures.append(str(exc))
    iati_query = os.environ.get("IATI_DATASTORE_QUERY")
    if iati_query:
        if not iati_api_key:
            failures.append(
                "Datastore IATI : clé d'API absente (connexion iati_datastore ou IATI_API_KEY) / no API key"
            )
        else:
            try:
                fetched["iati"] = str(
                    feeds.fetch_iati_activities(
                        paths.inbox,
                        iati_query,
                        iati_api_key,
                        os.environ.get("IATI_DATASTORE_URL", feeds.IATI_DATASTORE_URL),
                        today=run_date,
                    )
                )
            except feeds.FeedError as exc:
                failures.append(str(exc))
    if failures:
        raise feeds.FeedError("\n".join(failures))
    return fetched


class QualityGateFailed(Exception):
    """The data broke an expectation: a person must look at it, retrying will not help."""


@progress.step("ingest_inbox", _ingested)
def ingest(paths: Paths, run_id: str, run_date: dt.date) -> dict:
    """The inbox into a candidate warehouse, each file checked by its kind's suite before its rows are kept."""
    import functools

    from expectations.files import check_file
    from ingest.inbox import ingest_inbox

    warehouse = candidates.open_candidate(paths)
    check = functools.partial(check_file, today=run_date)
    counter = progress.Counter("ingest_inbox", "fichiers / files")
    summary = ingest_inbox(paths.inbox, warehouse, load_batch=run_id, check=check, progress=counter).as_dict()
    for rejected in summary["rejected"]:
        log.warning("Fichier rejeté / rejected file %s: %s", rejected["path"], rejected["error"])
    for held in summary["held_back"]:
        log.warning("Fichier retenu / held-back file %s: %s", held["path"], held["error"])
    return {"candidate": str(warehouse), **summary}


@progress.step("dbt_build", _built)
def build(candidate: str, run_date: dt.date, run_id: str, full_refresh: bool = False) -> dict:
    """dbt build of the candidate: the groups of rows new files touch, or everything when builds.plan says so."""
    from warehouse import builds

    counter = progress.Counter("dbt_build", "nœuds dbt / dbt nodes")
    build_plan, result = builds.build(Path(candidate), run_date.isoformat(), run_id, full_refresh, counter)
    log.info(
        "dbt build %s%s: %s",
        build_plan.mode,
        f" ({build_plan.full_refresh_reason})" if build_plan.full_refresh_reason else "",
        result.summary(),
    )
    if not result.ok:
        raise QualityGateFailed("dbt build a échoué / failed:\n" + result.summary())
    # A source nobody has sent anything to for weeks is worth a warning, not a failed night.
    stale = [f for f in result.freshness if f.status != "pass"]
    for f in stale:
        log.warning(
            "Source %s : dernier chargement il y a %s jours / last loaded %s days ago (%s)",
            f.source,
            f.age_days,
            f.age_days,
            f.status,
        )
    built = result.built or {}
    return result.counts | {
        "build_mode": build_plan.mode,
        "stale_sources": [f.source for f in stale],
        "models": built.get("model", 0),
        "tests": built.get("test", 0) + built.get("unit_test", 0),
    }


@progress.step(
    "quality_gate",
    lambda g: f"{g['expectations']} attentes vérifiées / expectations checked, {sum(g['rows'].values())} lignes / rows",
)
def gate(candidate: str) -> dict:
    from expectations.gate import validate_marts
    from warehouse.builds import incremental_build_number

    result = validate_marts(Path(candidate), incremental_build_number(Path(candidate)))
    log.info(result.summary())
    if not result.ok:
        raise QualityGateFailed(result.summary())
    return {"rows": result.rows_checked, "expectations": result.expectations_checked}


@progress.step("build_report", _report_written)
def build_report(candidate: str, paths: Paths, run_id: str, run_date: dt.date) -> str:
    from ingest.templates import write_templates
    from report.build import build_report as render
    from report.receipts import write_receipts
    from warehouse.dbt import write_model_docs

    out = paths.candidates / f"report-{file_safe(run_id)}"  # beside the candidate: published with it in one rename
    shutil.rmtree(out, ignore_errors=True)  # a retried task starts from an empty folder
    write_templates(out / "modeles")
    write_model_docs(Path(candidate), out / "documentation", paths.cache)
    write_receipts(Path(candidate), out / "accuses")
    render(Path(candidate), out, run_date, paths.cache)
    return str(out)


@progress.step("publish", lambda p: f"nuit publiée / night published: {p['night']}")
def publish(candidate: str, built_report: str, paths: Paths, run_date: dt.date, run_id: str) -> dict:
    """The candidate and its report published together (warehouse/published.py); a failed publish can be rerun."""
    from warehouse.published import publish_night

    hold(paths, run_id)
    warehouse, page = publish_night(paths, Path(candidate), Path(built_report), run_date.isoformat(), run_id)
    lock.release(paths.warehouse, run_id)
    log.info("Entrepôt publié / warehouse published: %s", warehouse)
    log.info("Rapport publié / report published: %s", page)
    night = warehouse.resolve()  # the night's own file: what serve_analysts copies, whatever is published after
    return {"warehouse": str(night), "report": str(page), "night": night.parent.name}


@progress.step(
    "serve_analysts",
    lambda s: f"{s['tables']} tables, {s['rows']} lignes / rows" if s["served"] else "sans PostgreSQL / no PostgreSQL",
)
def serve_analysts(published: dict) -> dict:
    """The published night's marts into the analysts' PostgreSQL, when ANALYTICS_DATABASE_URL says where."""
    from warehouse import analytics

    url = analytics.configured()
    if not url:
        log.info("ANALYTICS_DATABASE_URL absent : marts servis par le seul fichier DuckDB / DuckDB file only")
        return {"served": False}
    rows = analytics.serve_marts(Path(published["warehouse"]), url, published["night"])
    return {"served": True, "schema": analytics.SCHEMA, "tables": len(rows), "rows": sum(rows.values())}

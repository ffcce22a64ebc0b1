"""OCHA FTS flow pages (`/v1/public/fts/flow` responses) -> raw.fts_flows and raw.fts_flow_objects.

Every field of a flow is kept: the main ones as columns, and the whole flow as JSON (e-mails and phone
numbers redacted) so that nothing the source said is lost. Source and destination objects (organisations,
locations, plans, projects, clusters, usage years) get one row each, in full.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import duckdb
import pycountry

from ingest import plausibility
from ingest.errors import InputError
from ingest.personal_data import redact, redact_organisation
from ingest.records import insert_records, insert_rejects, money_text
from ingest.schemas import MONEY

FLOW_COLUMNS = {
    "flow_id": "VARCHAR",
    "version_id": "INTEGER",
    "status": "VARCHAR",
    "flow_type": "VARCHAR",
    "contribution_type": "VARCHAR",
    "method": "VARCHAR",
    "boundary": "VARCHAR",
    "on_boundary": "VARCHAR",
    "amount_usd": MONEY,
    "original_amount": MONEY,
    "original_currency": "VARCHAR",
    "exchange_rate": "DOUBLE",
    "flow_date": "DATE",
    "decision_date": "DATE",
    "first_reported_date": "DATE",
    "budget_year": "VARCHAR",
    "new_money": "BOOLEAN",
    "parent_flow_id": "VARCHAR",
    "child_flow_ids": "VARCHAR[]",
    "description": "VARCHAR",
    "keywords": "VARCHAR[]",
    "ref_code": "VARCHAR",
    "report_ref_codes": "VARCHAR[]",
    "created_at": "TIMESTAMP",
    "updated_at": "TIMESTAMP",
    "flow_json": "JSON",
}
OBJECT_COLUMNS = {
    "flow_id": "VARCHAR",
    "version_id": "INTEGER",
    "direction": "VARCHAR",
    "object_type": "VARCHAR",
    "object_id": "VARCHAR",
    "object_name": "VARCHAR",
    "behavior": "VARCHAR",
    "organization_types": "VARCHAR[]",
    "organization_subtypes": "VARCHAR[]",
    "object_code": "VARCHAR",
    "country_code": "VARCHAR",
    "object_json": "JSON",
}
LINEAGE = "file_id BIGINT NOT NULL, flow_index INTEGER NOT NULL, load_batch VARCHAR NOT NULL"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, columns in (("raw.fts_flows", FLOW_COLUMNS), ("raw.fts_flow_objects", OBJECT_COLUMNS)):
        cols = ", ".join(f"{c} {t}" for c, t in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({LINEAGE}, {cols})")
    # Added after the first warehouses were made.
    con.execute("ALTER TABLE raw.fts_flows ADD COLUMN IF NOT EXISTS report_ref_codes VARCHAR[]")


def _scrub(value):
    """E-mail addresses, phone numbers and names after a civility in text values (never in numbers) are replaced."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


# FTS names that ISO's lists spell otherwise.
FTS_COUNTRY_NAMES = {
    "occupied palestinian territory": "PS",
    "democratic republic of the congo": "CD",
    "syrian arab republic": "SY",
    "türkiye": "TR",
    "turkey": "TR",
}


@lru_cache(maxsize=1024)
def country_code(name: str | None) -> str | None:
    """ISO 3166 alpha-2 code of an FTS Location name ('Mali' -> 'ML'); None when it is not a country."""
    if not name:
        return None
    if name.lower() in FTS_COUNTRY_NAMES:
        return FTS_COUNTRY_NAMES[name.lower()]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        try:
            return pycountry.countries.search_fuzzy(name)[0].alpha_2
        except LookupError:
            return None


def _redacted(value) -> str:
    return json.dumps(_scrub(value), ensure_ascii=False)


def _ts(text):
    return str(text).replace("T", " ").rstrip("Z")[:26] if text else None


def _ids(value):
    return [str(v) for v in value] if value else None


# The key under which a reportDetails entry would quote the reporter's own reference: refCode, as the flow itself
# does. The real FTS pages (../shared/real-data/fts, 451 reports) write only who reported, how and when (sourceType,
# organization, reportChannel, date: REPORT_DETAIL_KEYS_WITHOUT_REFERENCE); no other key is read as a reference.
REPORT_REF_KEY = "refCode"
REPORT_DETAIL_KEYS_WITHOUT_REFERENCE = ("sourceType", "organization", "reportChannel", "date")


def _report_refs(details) -> list[str] | None:
    """The references the flow's reports quote (a donor's decision number, an agency's grant code), once each."""
    refs = []
    for detail in details if isinstance(details, list) else []:
        value = detail.get(REPORT_REF_KEY) if isinstance(detail, dict) else None
        if isinstance(value, (str, int)) and str(value).strip() and str(value).strip() not in refs:
            refs.append(str(value).strip())
    return refs or None


def read_page(path: Path) -> dict:
    if path.stat().st_size == 0:
        raise InputError("fichier vide / empty file")
    try:
        page = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"JSON tronqué ou mal formé / truncated or malformed JSON: {exc}") from exc
    data = page.get("data") if isinstance(page, dict) else None
    if not isinstance(data, dict):
        raise InputError("pas une réponse de l'API FTS (clé 'data' absente) / not an FTS API response")
    if "flows" not in data:
        kind = "plans" if "plans" in data else "report3" if "report3" in data else "inconnu"
        raise InputError(
            f"réponse FTS de type « {kind} » non chargée : seules les pages de flux (/fts/flow) le sont / "
            f"FTS '{kind}' response not loaded: only flow pages (/fts/flow) are"
        )
    return page


def load(
    con: duckdb.DuckDBPyConnection, path: Path, file_id: int, file_name: str, load_batch: str
) -> tuple[int, int, int]:
    """Insert one page of flows; returns (flows read, loaded, rejected)."""
    flows = read_page(path)["data"]["flows"]
    flow_rows, object_rows, rejects, cleared = [], [], [], []

    def date(index: int, f: dict, key: str) -> str | None:
        """A flow's date when possible; an impossible one (a typo, a 30 February) cleared with its reason."""
        value, problem = plausibility.iso_date(str(f[key]) if f.get(key) else None)
        if problem is not None and problem.impossible:
            cleared.append((index, key, str(f[key])[:40], problem.reason_fr, problem.reason_en))
        return value

    def original(index: int, f: dict) -> tuple[str | None, str | None]:
        """The amount in the currency the donor gave, when that currency is known; else both cleared and the flow
        counts at the USD amount FTS states."""
        amount, written = money_text(f.get("originalAmount")), f.get("originalCurrency")
        code, problem = plausibility.currency(str(written) if written is not None else None)
        if amount is not None and code is None:
            problem = problem or plausibility.Problem("devise d'origine absente", "original currency missing")
            cleared.append(
                (
                    index,
                    "originalAmount/originalCurrency",
                    f"{f.get('originalAmount')} {written}"[:60],
                    f"{problem.reason_fr} : montant USD de FTS gardé",
                    f"{problem.reason_en}: FTS's USD amount kept",
                )
            )
            return None, None
        return amount, code

    for index, f in enumerate(flows):
        if not isinstance(f, dict) or f.get("id") in (None, "") or money_text(f.get("amountUSD")) is None:
            raw = f.get("amountUSD") if isinstance(f, dict) else f
            rejects.append(
                (
                    index,
                    "id/amountUSD",
                    str(raw)[:200],
                    "flux sans identifiant ou montant USD",
                    "flow without id or USD amount",
                )
            )
            continue
        flow_id, version = str(f["id"]), f.get("versionId")
        original_amount, original_currency = original(index, f)
        flow_rows.append(
            {
                "flow_index": index,
                "flow_id": flow_id,
                "version_id": version,
                "status": f.get("status"),
                "flow_type": f.get("flowType"),
                "contribution_type": f.get("contributionType"),
                "method": f.get("method"),
                "boundary": f.get("boundary"),
                "on_boundary": f.get("onBoundary"),
                "amount_usd": money_text(f.get("amountUSD")),
                "original_amount": original_amount,
                "original_currency": original_currency,
                "exchange_rate": f.get("exchangeRate"),
                "flow_date": date(index, f, "date"),
                "decision_date": date(index, f, "decisionDate"),
                "first_reported_date": date(index, f, "firstReportedDate"),
                "budget_year": f.get("budgetYear"),
                "new_money": f.get("newMoney"),
                "parent_flow_id": str(f["parentFlowId"]) if f.get("parentFlowId") is not None else None,
                "child_flow_ids": _ids(f.get("childFlowIds")),
                "description": redact(f.get("description")),
                "keywords": _ids(f.get("keywords")),
                "ref_code": f.get("refCode"),
                "report_ref_codes": _report_refs(f.get("reportDetails")),
                "created_at": _ts(f.get("createdAt")),
                "updated_at": _ts(f.get("updatedAt")),
                "flow_json": _redacted(f),
            }
        )
        for direction, key in (("source", "sourceObjects"), ("destination", "destinationObjects")):
            for obj in f.get(key) or []:
                object_rows.append(
                    {
                        "flow_index": index,
                        "flow_id": flow_id,
                        "version_id": version,
                        "direction": direction,
                        "object_type": obj.get("type"),
                        "object_id": str(obj.get("id")),
                        "object_name": (redact_organisation if obj.get("type") == "Organization" else redact)(
                            obj.get("name")
                        ),
                        "behavior": obj.get("behavior"),
                        "organization_types": _ids(obj.get("organizationTypes")),
                        "organization_subtypes": _ids(obj.get("organizationSubTypes")),
                        "object_code": obj.get("code"),
                        "country_code": country_code(obj.get("name")) if obj.get("type") == "Location" else None,
                        "object_json": _redacted(obj),
                    }
                )
    insert_records(con, "raw.fts_flows", {"flow_index": "INTEGER", **FLOW_COLUMNS}, flow_rows, file_id, load_batch)
    insert_records(
        con, "raw.fts_flow_objects", {"flow_index": "INTEGER", **OBJECT_COLUMNS}, object_rows, file_id, load_batch
    )
    insert_rejects(con, file_id, file_name, rejects, load_batch)
    insert_rejects(con, file_id, file_name, cleared, load_batch, action="cleared")
    return len(flows), len(flow_rows), len(rejects)

"""IATI activity XML (standard 2.01-2.03) -> raw.iati_* tables.

Streams `iati-activity` elements, keeps every budget and transaction (negative values too: de-obligations
are real), participating organisations with their roles, recipient countries and regions, sectors with
their vocabularies and percentages, and locations. `contact-info` (people's names, e-mails and phones)
is never read. A file that is truncated or not well-formed is rejected whole: no half file is loaded.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest.errors import InputError
from ingest.records import insert_records, insert_rejects, money_text
from ingest.schemas import MONEY, redact

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFERRED_LANGS = ("fr", "en")

# Table -> columns (after file_id, activity_index, iati_identifier, load_batch), all text but values and shares.
TABLES: dict[str, dict[str, str]] = {
    "raw.iati_activities": {
        "standard_version": "VARCHAR",
        "default_currency": "VARCHAR",
        "reporting_org_ref": "VARCHAR",
        "reporting_org_name": "VARCHAR",
        "reporting_org_type": "VARCHAR",
        "title": "VARCHAR",
        "description": "VARCHAR",
        "activity_status": "VARCHAR",
        "humanitarian": "BOOLEAN",
        "hierarchy": "VARCHAR",
        "planned_start": "DATE",
        "actual_start": "DATE",
        "planned_end": "DATE",
        "actual_end": "DATE",
        "last_updated": "VARCHAR",
    },
    "raw.iati_participating_orgs": {
        "org_ref": "VARCHAR",
        "org_name": "VARCHAR",
        "org_role": "VARCHAR",
        "org_type": "VARCHAR",
        "org_activity_id": "VARCHAR",
    },
    "raw.iati_budgets": {
        "budget_type": "VARCHAR",
        "budget_status": "VARCHAR",
        "period_start": "DATE",
        "period_end": "DATE",
        "value": MONEY,
        "currency": "VARCHAR",
        "value_date": "DATE",
    },
    "raw.iati_transactions": {
        "transaction_index": "INTEGER",
        "transaction_ref": "VARCHAR",
        "transaction_type": "VARCHAR",
        "transaction_date": "DATE",
        "value": MONEY,
        "currency": "VARCHAR",
        "value_date": "DATE",
        "description": "VARCHAR",
        "provider_org_ref": "VARCHAR",
        "provider_org_name": "VARCHAR",
        "provider_activity_id": "VARCHAR",
        "receiver_org_ref": "VARCHAR",
        "receiver_org_name": "VARCHAR",
        "receiver_activity_id": "VARCHAR",
        "sector_code": "VARCHAR",
        "sector_vocabulary": "VARCHAR",
        "recipient_country_code": "VARCHAR",
        "recipient_region_code": "VARCHAR",
        "humanitarian": "BOOLEAN",
    },
    "raw.iati_recipient_countries": {"country_code": "VARCHAR", "percentage": "DOUBLE"},
    "raw.iati_recipient_regions": {"region_code": "VARCHAR", "region_vocabulary": "VARCHAR", "percentage": "DOUBLE"},
    "raw.iati_sectors": {
        "sector_code": "VARCHAR",
        "sector_vocabulary": "VARCHAR",
        "percentage": "DOUBLE",
        "sector_name": "VARCHAR",
    },
    "raw.iati_locations": {
        "location_ref": "VARCHAR",
        "location_name": "VARCHAR",
        "point_pos": "VARCHAR",
        "admin_codes": "VARCHAR",
        "location_reach": "VARCHAR",
    },
}
LINEAGE = (
    "file_id BIGINT NOT NULL, activity_index INTEGER NOT NULL, iati_identifier VARCHAR, load_batch VARCHAR NOT NULL"
)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, columns in TABLES.items():
        cols = ", ".join(f"{c} {t}" for c, t in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({LINEAGE}, {cols})")


def _narrative(el: ET.Element | None) -> str | None:
    if el is None:
        return None
    texts = {(n.get(XML_LANG) or "").lower(): (n.text or "").strip() for n in el.findall("narrative")}
    texts = {k: v for k, v in texts.items() if v}
    for lang in PREFERRED_LANGS:
        if texts.get(lang):
            return texts[lang]
    return next(iter(texts.values()), (el.text or "").strip() or None)


def _number(text: str | None) -> float | None:
    try:
        return float(str(text).strip().replace(",", "")) if text not in (None, "") else None
    except ValueError:
        return None


def _date(text: str | None) -> str | None:
    text = (text or "").strip()[:10]
    return text if len(text) == 10 and text[4] == "-" and text[7] == "-" else None


def _flag(text: str | None) -> bool | None:
    return None if text is None else text.strip().lower() in {"1", "true"}


@dataclass
class _Rows:
    tables: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in TABLES})  # rows by column
    rejects: list[tuple] = field(default_factory=list)  # (activity_index, column, raw value, reason fr, reason en)
    transaction_rejects: list[tuple] = field(default_factory=list)  # the same, for one transaction of a loaded activity
    activities: int = 0


def _activity(el: ET.Element, index: int, version: str | None, out: _Rows) -> None:
    ident = (el.findtext("iati-identifier") or "").strip() or None
    if ident is None:
        out.rejects.append((index, "iati-identifier", None, "identifiant IATI manquant", "missing IATI identifier"))
        return
    currency = el.get("default-currency")
    dates = {d.get("type"): _date(d.get("iso-date")) for d in el.findall("activity-date")}
    rep = el.find("reporting-org")
    key = {"activity_index": index, "iati_identifier": ident}
    status = el.find("activity-status")
    out.tables["raw.iati_activities"].append(
        key
        | {
            "standard_version": el.get("version") or version,
            "default_currency": currency,
            "reporting_org_ref": rep.get("ref") if rep is not None else None,
            "reporting_org_name": _narrative(rep),
            "reporting_org_type": rep.get("type") if rep is not None else None,
            "title": redact(_narrative(el.find("title"))),
            "description": redact(_narrative(el.find("description"))),
            "activity_status": status.get("code") if status is not None else None,
            "humanitarian": _flag(el.get("humanitarian")),
            "hierarchy": el.get("hierarchy"),
            "planned_start": dates.get("1"),
            "actual_start": dates.get("2"),
            "planned_end": dates.get("3"),
            "actual_end": dates.get("4"),
            "last_updated": el.get("last-updated-datetime"),
        }
    )
    for org in el.findall("participating-org"):
        out.tables["raw.iati_participating_orgs"].append(
            key
            | {
                "org_ref": org.get("ref"),
                "org_name": _narrative(org),
                "org_role": org.get("role"),
                "org_type": org.get("type"),
                "org_activity_id": org.get("activity-id"),
            }
        )
    for b in el.findall("budget"):
        value, start, end = b.find("value"), b.find("period-start"), b.find("period-end")
        out.tables["raw.iati_budgets"].append(
            key
            | {
                "budget_type": b.get("type"),
                "budget_status": b.get("status"),
                "period_start": _date(start.get("iso-date") if start is not None else None),
                "period_end": _date(end.get("iso-date") if end is not None else None),
                "value": money_text(value.text if value is not None else None),
                "currency": (value.get("currency") if value is not None else None) or currency,
                "value_date": _date(value.get("value-date") if value is not None else None),
            }
        )
    for t_index, t in enumerate(el.findall("transaction")):
        value = t.find("value")
        raw_value = value.text if value is not None else None
        if money_text(raw_value) is None:
            # The smallest unit holding the bad value is the transaction: the activity and its other ones land.
            out.transaction_rejects.append(
                (
                    index,
                    f"transaction[{t_index + 1}]/value",
                    raw_value,
                    "montant de transaction vide ou illisible : transaction rejetée, l'activité est chargée",
                    "transaction value empty or not a number: transaction rejected, the activity is loaded",
                )
            )
            continue
        provider, receiver = t.find("provider-org"), t.find("receiver-org")
        sector, country, region = t.find("sector"), t.find("recipient-country"), t.find("recipient-region")
        kind, day = t.find("transaction-type"), t.find("transaction-date")
        out.tables["raw.iati_transactions"].append(
            key
            | {
                "transaction_index": t_index,
                "transaction_ref": t.get("ref"),
                "transaction_type": kind.get("code") if kind is not None else None,
                "transaction_date": _date(day.get("iso-date") if day is not None else None),
                "value": money_text(raw_value),
                "currency": value.get("currency") or currency,
                "value_date": _date(value.get("value-date")),
                "description": redact(_narrative(t.find("description"))),
                "provider_org_ref": provider.get("ref") if provider is not None else None,
                "provider_org_name": _narrative(provider),
                "provider_activity_id": provider.get("provider-activity-id") if provider is not None else None,
                "receiver_org_ref": receiver.get("ref") if receiver is not None else None,
                "receiver_org_name": _narrative(receiver),
                "receiver_activity_id": receiver.get("receiver-activity-id") if receiver is not None else None,
                "sector_code": sector.get("code") if sector is not None else None,
                "sector_vocabulary": (sector.get("vocabulary") or "1") if sector is not None else None,
                "recipient_country_code": country.get("code") if country is not None else None,
                "recipient_region_code": region.get("code") if region is not None else None,
                "humanitarian": _flag(t.get("humanitarian")),
            }
        )
    for c in el.findall("recipient-country"):
        out.tables["raw.iati_recipient_countries"].append(
            key | {"country_code": c.get("code"), "percentage": _number(c.get("percentage"))}
        )
    for r in el.findall("recipient-region"):
        out.tables["raw.iati_recipient_regions"].append(
            key
            | {
                "region_code": r.get("code"),
                "region_vocabulary": r.get("vocabulary") or "1",
                "percentage": _number(r.get("percentage")),
            }
        )
    for s in el.findall("sector"):
        out.tables["raw.iati_sectors"].append(
            key
            | {
                "sector_code": s.get("code"),
                "sector_vocabulary": s.get("vocabulary") or "1",
                "percentage": _number(s.get("percentage")),
                "sector_name": _narrative(s),
            }
        )
    for loc in el.findall("location"):
        admins = ";".join(
            f"{a.get('vocabulary')}:{a.get('level')}:{a.get('code')}" for a in loc.findall("administrative")
        )
        reach = loc.find("location-reach")
        out.tables["raw.iati_locations"].append(
            key
            | {
                "location_ref": loc.get("ref"),
                "location_name": _narrative(loc.find("name")),
                "point_pos": loc.findtext("point/pos"),
                "admin_codes": admins or None,
                "location_reach": reach.get("code") if reach is not None else None,
            }
        )
    out.activities += 1


_ENTITY_DECLARATION = re.compile(rb"<!ENTITY\s+%?\s*([^\s>]+)")
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _refuse_entities(path: Path) -> None:
    """IATI XML declares no entities: a file whose prolog does (entity expansion, external entities) is refused."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    root = _ROOT_ELEMENT.search(head)
    declared = _ENTITY_DECLARATION.search(head[: root.start()] if root else head)
    if declared:
        name = declared.group(1).decode("utf-8", "replace")
        raise InputError(
            f"entités XML refusées (déclaration de « {name} ») ; aucune activité chargée / XML entities "
            f"refused (declaration of '{name}'); nothing loaded"
        )


def parse(path: Path) -> _Rows:
    if path.stat().st_size == 0:
        raise InputError("fichier vide / empty file")
    _refuse_entities(path)
    out = _Rows()
    version = None
    index = 0
    root = None
    try:
        for event, el in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = el.tag
                    if root not in {"iati-activities", "iati-activity"}:
                        raise InputError(f"pas un fichier d'activités IATI (racine <{root}>) / not IATI activity XML")
                    version = el.get("version")
                continue
            if el.tag == "iati-activity":
                _activity(el, index, version, out)
                index += 1
                el.clear()
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputError(
            f"XML tronqué ou mal formé ligne {line}, colonne {column} ; aucune activité chargée / "
            f"truncated or malformed XML at line {line}, column {column}; nothing loaded"
        ) from exc
    if index == 0:
        raise InputError("aucune activité IATI dans le fichier / no IATI activity in the file")
    return out


def load(
    con: duckdb.DuckDBPyConnection, path: Path, file_id: int, file_name: str, load_batch: str
) -> tuple[int, int, int]:
    """Insert a parsed file; returns (activities read, loaded, rejected)."""
    rows = parse(path)
    for table, records in rows.tables.items():
        insert_records(
            con,
            table,
            {"activity_index": "INTEGER", "iati_identifier": "VARCHAR", **TABLES[table]},
            records,
            file_id,
            load_batch,
        )
    insert_rejects(con, file_id, file_name, rows.rejects, load_batch)
    insert_rejects(con, file_id, file_name, rows.transaction_rejects, load_batch, action="part_rejected")
    rejected = len({r[0] for r in rows.rejects})
    return rows.activities + rejected, rows.activities, rejected

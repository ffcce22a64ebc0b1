"""IATI activity XML (standard 2.01-2.03) -> raw.iati_* tables.

Streams `iati-activity` elements with lxml (each cleared once read; rows land in batches through Arrow), keeps
every budget and transaction (negative values too: de-obligations are real), participating organisations with their
roles, other identifiers, recipient countries and regions, sectors with their vocabularies and percentages, and
locations. `contact-info` (people's names, e-mails and phones) is never read; every text and name read goes through
ingest/personal_data.py (an organisation that is a person is recorded as '[personne]'). A file that is truncated or
not well-formed is rejected whole: no half file is loaded; a value no source can mean (config/plausibility.yml) costs
its transaction or its cell, never the activity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from lxml import etree

from ingest import plausibility
from ingest.errors import InputError
from ingest.personal_data import redact, redact_organisation
from ingest.records import insert_rejects, insert_rows, money_text
from ingest.schemas import MONEY

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

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
    # Other identifiers of the activity (a CBPF/HRP project code, a publisher's former identifier): what other sources
    # (FTS refCode, a 3W's project code) quote for the same money.
    "raw.iati_other_identifiers": {"other_ref": "VARCHAR", "other_type": "VARCHAR", "owner_org_ref": "VARCHAR"},
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


def _narrative(el) -> str | None:
    """The element's first French narrative, else its first English one, else its first in any language, else its
    own text."""
    if el is None:
        return None
    english = first = None
    for n in el.iterchildren("narrative"):
        text = (n.text or "").strip()
        if text:
            lang = (n.get(XML_LANG) or "").lower()
            if lang == "fr":
                return text
            if lang == "en" and english is None:
                english = text
            if first is None:
                first = text
    return english or first or (el.text or "").strip() or None


def _flag(text: str | None) -> bool | None:
    return None if text is None else text.strip().lower() in {"1", "true"}


def _firsts(el) -> dict:
    """The first child element of each tag (one pass over the children, not one search per tag)."""
    firsts: dict = {}
    for child in el:
        firsts.setdefault(child.tag, child)
    return firsts


def _get(el, attribute: str) -> str | None:
    return el.get(attribute) if el is not None else None


ACTION_SAYS = {
    "part_rejected": (
        "cet élément est rejeté, l'activité est chargée",
        "this element is rejected, the activity is loaded",
    ),
    "cleared": ("valeur effacée, l'activité est chargée", "value cleared, the activity is loaded"),
    "flagged": ("à vérifier", "to be checked"),
}

# Rows are tuples in TABLES' column order, after (activity_index, iati_identifier).
_COLUMNS = {table: ("activity_index", "iati_identifier", *columns) for table, columns in TABLES.items()}
BATCH_ACTIVITIES = 2000  # rows flushed to DuckDB this often, inside the file's transaction: memory stays flat


@dataclass
class _File:
    """One file's rows on their way to DuckDB, table by table."""

    con: duckdb.DuckDBPyConnection
    file_id: int
    load_batch: str
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in TABLES})
    rejects: list[tuple] = field(default_factory=list)  # (activity_index, column, raw value, reason fr, reason en)
    # What a loaded activity lost or was flagged for, by action: "part_rejected" (one transaction or budget),
    # "cleared" (one value), "flagged" (kept), each as rejects are.
    problems: dict[str, list[tuple]] = field(
        default_factory=lambda: {"part_rejected": [], "cleared": [], "flagged": []}
    )
    activities: int = 0

    def checked(self, index: int, column: str, raw: str | None, checked: tuple, unit: str = "cleared"):
        """The value a plausibility rule kept; its problem noted: flagged when only unusual, else `unit` (the cell
        cleared, or the unit holding it rejected)."""
        value, problem = checked
        if problem is not None:
            action = unit if problem.impossible else "flagged"
            fr, en = ACTION_SAYS[action]
            self.problems[action].append(
                (index, column, raw, f"{problem.reason_fr} : {fr}", f"{problem.reason_en}: {en}")
            )
        return value

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                insert_rows(
                    self.con,
                    table,
                    {"activity_index": "INTEGER", "iati_identifier": "VARCHAR", **TABLES[table]},
                    rows,
                    self.file_id,
                    self.load_batch,
                )
                rows.clear()


def _transaction(t, t_index: int, index: int, ident: str, currency: str | None, out: _File) -> None:
    first = _firsts(t)
    value = first.get("value")
    raw_value = value.text if value is not None else None
    amount = money_text(raw_value)
    where = f"transaction[{t_index + 1}]"
    # The smallest unit holding a bad amount, date or currency of its own is the transaction: the activity and its
    # other transactions land.
    if amount is None:
        problem = plausibility.Problem(
            "montant de transaction vide ou illisible", "transaction value empty or not a number"
        )
        out.checked(index, f"{where}/value", raw_value, (None, problem), unit="part_rejected")
        return
    raw_date = _get(first.get("transaction-date"), "iso-date")
    raw_currency = value.get("currency") or currency
    rejected = len(out.problems["part_rejected"])
    date = out.checked(index, f"{where}/transaction-date", raw_date, plausibility.iso_date(raw_date), "part_rejected")
    code = out.checked(
        index, f"{where}/value/@currency", raw_currency, plausibility.currency(raw_currency), "part_rejected"
    )
    if len(out.problems["part_rejected"]) > rejected:
        return
    raw_value_date = value.get("value-date")
    value_date = out.checked(index, f"{where}/value/@value-date", raw_value_date, plausibility.iso_date(raw_value_date))
    provider, receiver, sector = first.get("provider-org"), first.get("receiver-org"), first.get("sector")
    description = first.get("description")
    out.rows["raw.iati_transactions"].append(
        (
            index,
            ident,
            t_index,
            t.get("ref"),
            _get(first.get("transaction-type"), "code"),
            date,
            amount,
            code,
            value_date,
            redact(_narrative(description)) if description is not None else None,
            _get(provider, "ref"),
            redact_organisation(_narrative(provider)),
            _get(provider, "provider-activity-id"),
            _get(receiver, "ref"),
            redact_organisation(_narrative(receiver)),
            _get(receiver, "receiver-activity-id"),
            _get(sector, "code"),
            (sector.get("vocabulary") or "1") if sector is not None else None,
            _get(first.get("recipient-country"), "code"),
            _get(first.get("recipient-region"), "code"),
            _flag(t.get("humanitarian")),
        )
    )


def _activity(el, index: int, version: str | None, out: _File) -> None:
    children: dict[str, list] = {}
    for child in el:
        children.setdefault(child.tag, []).append(child)

    def first(tag: str):
        found = children.get(tag)
        return found[0] if found else None

    ident_el = first("iati-identifier")
    ident = ((ident_el.text or "").strip() or None) if ident_el is not None else None
    if ident is None:
        out.rejects.append((index, "iati-identifier", None, "identifiant IATI manquant", "missing IATI identifier"))
        return
    currency = el.get("default-currency")
    dates = {
        d.get("type"): out.checked(
            index, f"activity-date[@type={d.get('type')}]", d.get("iso-date"), plausibility.iso_date(d.get("iso-date"))
        )
        for d in children.get("activity-date", ())
    }
    rep = first("reporting-org")
    rows = out.rows
    rows["raw.iati_activities"].append(
        (
            index,
            ident,
            el.get("version") or version,
            currency,
            _get(rep, "ref"),
            redact_organisation(_narrative(rep)),
            _get(rep, "type"),
            redact(_narrative(first("title"))),
            redact(_narrative(first("description"))),
            _get(first("activity-status"), "code"),
            _flag(el.get("humanitarian")),
            el.get("hierarchy"),
            dates.get("1"),
            dates.get("2"),
            dates.get("3"),
            dates.get("4"),
            el.get("last-updated-datetime"),
        )
    )
    orgs = rows["raw.iati_participating_orgs"]
    for org in children.get("participating-org", ()):
        orgs.append(
            (
                index,
                ident,
                org.get("ref"),
                redact_organisation(_narrative(org)),
                org.get("role"),
                org.get("type"),
                org.get("activity-id"),
            )
        )
    budgets = rows["raw.iati_budgets"]
    for b_index, b in enumerate(children.get("budget", ())):
        parts = _firsts(b)
        value = parts.get("value")
        where = f"budget[{b_index + 1}]"
        raw_currency = _get(value, "currency") or currency
        rejected = len(out.problems["part_rejected"])
        code = out.checked(
            index, f"{where}/value/@currency", raw_currency, plausibility.currency(raw_currency), "part_rejected"
        )
        if len(out.problems["part_rejected"]) > rejected:
            continue
        dates = [
            out.checked(index, f"{where}/{part}", raw, plausibility.iso_date(raw))
            for part, raw in (
                ("period-start", _get(parts.get("period-start"), "iso-date")),
                ("period-end", _get(parts.get("period-end"), "iso-date")),
                ("value/@value-date", _get(value, "value-date")),
            )
        ]
        budgets.append(
            (
                index,
                ident,
                b.get("type"),
                b.get("status"),
                dates[0],
                dates[1],
                money_text(value.text if value is not None else None),
                code,
                dates[2],
            )
        )
    for t_index, t in enumerate(children.get("transaction", ())):
        _transaction(t, t_index, index, ident, currency, out)
    others = rows["raw.iati_other_identifiers"]
    for other in children.get("other-identifier", ()):
        others.append((index, ident, other.get("ref"), other.get("type"), _get(other.find("owner-org"), "ref")))

    def share(el, tag: str, position: int) -> float | None:
        raw = el.get("percentage")
        return out.checked(index, f"{tag}[{position + 1}]/@percentage", raw, plausibility.percentage(raw))

    countries = rows["raw.iati_recipient_countries"]
    for i, c in enumerate(children.get("recipient-country", ())):
        countries.append((index, ident, c.get("code"), share(c, "recipient-country", i)))
    regions = rows["raw.iati_recipient_regions"]
    for i, r in enumerate(children.get("recipient-region", ())):
        regions.append((index, ident, r.get("code"), r.get("vocabulary") or "1", share(r, "recipient-region", i)))
    sectors = rows["raw.iati_sectors"]
    for i, sec in enumerate(children.get("sector", ())):
        sectors.append(
            (index, ident, sec.get("code"), sec.get("vocabulary") or "1", share(sec, "sector", i))
            + (redact(_narrative(sec)),)
        )
    locations = rows["raw.iati_locations"]
    for loc in children.get("location", ()):
        admins = ";".join(
            f"{a.get('vocabulary')}:{a.get('level')}:{a.get('code')}" for a in loc.iterchildren("administrative")
        )
        parts = _firsts(loc)
        point = parts.get("point")
        pos = point.find("pos") if point is not None else None
        locations.append(
            (
                index,
                ident,
                loc.get("ref"),
                redact(_narrative(parts.get("name"))),
                pos.text if pos is not None else None,
                admins or None,
                _get(parts.get("location-reach"), "code"),
            )
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


def _root_version(root) -> str | None:
    if root.tag not in {"iati-activities", "iati-activity"}:
        raise InputError(f"pas un fichier d'activités IATI (racine <{root.tag}>) / not IATI activity XML")
    return root.get("version")


def _parse(path: Path, out: _File) -> None:
    """Stream the file's activities into `out` (lxml's iterparse, each activity cleared once read)."""
    if path.stat().st_size == 0:
        raise InputError("fichier vide / empty file")
    _refuse_entities(path)
    index = 0
    version = None
    activities = etree.iterparse(
        str(path), tag="iati-activity", resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    try:
        for _, el in activities:
            if index == 0:
                version = _root_version(el.getroottree().getroot())
            _activity(el, index, version, out)
            index += 1
            el.clear()
            while el.getprevious() is not None:  # the activities already read, left as empty siblings
                del el.getparent()[0]
            if index % BATCH_ACTIVITIES == 0:
                out.flush()
        if index == 0 and activities.root is not None:
            _root_version(activities.root)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise InputError(
            f"XML tronqué ou mal formé ligne {line}, colonne {column} ; aucune activité chargée / "
            f"truncated or malformed XML at line {line}, column {column}; nothing loaded"
        ) from exc
    if index == 0:
        raise InputError("aucune activité IATI dans le fichier / no IATI activity in the file")
    out.flush()


def load(
    con: duckdb.DuckDBPyConnection, path: Path, file_id: int, file_name: str, load_batch: str
) -> tuple[int, int, int]:
    """Insert a file's activities inside the caller's transaction (a file that fails half-way is rolled back by
    it: no half file is loaded); returns (activities read, loaded, rejected)."""
    out = _File(con, file_id, load_batch)
    _parse(path, out)
    insert_rejects(con, file_id, file_name, out.rejects, load_batch)
    for action, problems in out.problems.items():
        insert_rejects(con, file_id, file_name, problems, load_batch, action=action)
    rejected = len({r[0] for r in out.rejects})
    return out.activities + rejected, out.activities, rejected

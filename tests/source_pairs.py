"""The identifier pairs between FTS flow pages and IATI activity files, read from the files themselves (json and
ElementTree, nothing of ingest/): what the matching must find (tests/test_source_matching.py, benchmarks).

A pair is an FTS flow and an IATI activity whose references agree: the flow's refCode equals the activity's
identifier, one of its other-identifier refs, or the identifier's tail after the reporting organisation's prefix.
References under 6 characters are left out; comparison ignores case and repeated spaces.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

MIN_LENGTH = 6


def _key(text: str | None) -> str | None:
    key = " ".join((text or "").split()).upper()
    return key if len(key) >= MIN_LENGTH else None


def fts_references(folder: Path) -> dict[str, set[str]]:
    """Flow id -> its refCode, over every flow page of `folder`."""
    flows: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig")).get("data") or {}
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            continue
        for flow in data.get("flows") or []:
            refs = flows.setdefault(str(flow["id"]), set())
            refs.update(k for k in [_key(flow.get("refCode"))] if k)
    return flows


def iati_references(folder: Path) -> dict[str, set[str]]:
    """IATI identifier -> the identifier, its tail after the reporting organisation's prefix, its other-identifiers;
    files that are not well-formed are left out (as the warehouse rejects them)."""
    activities: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.xml")):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        for activity in root.iter("iati-activity"):
            identifier = (activity.findtext("iati-identifier") or "").strip()
            if not identifier:
                continue
            refs = activities.setdefault(identifier, set())
            reporting = (
                (activity.find("reporting-org").get("ref") or "") if activity.find("reporting-org") is not None else ""
            )
            candidates = [identifier] + [o.get("ref") for o in activity.findall("other-identifier")]
            if reporting and identifier.upper().startswith(reporting.upper() + "-"):
                candidates.append(identifier[len(reporting) + 1 :])
            refs.update(k for k in map(_key, candidates) if k)
    return activities


def identifier_pairs(real_data: Path) -> set[tuple[str, str]]:
    """(FTS flow id, IATI identifier) of every pair whose references agree."""
    by_reference: dict[str, set[str]] = {}
    for identifier, refs in iati_references(real_data / "iati").items():
        for ref in refs:
            by_reference.setdefault(ref, set()).add(identifier)
    return {
        (flow_id, identifier)
        for flow_id, refs in fts_references(real_data / "fts").items()
        for ref in refs
        for identifier in by_reference.get(ref, ())
    }

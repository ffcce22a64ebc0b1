"""Import profiles: what no detection can know about a source, written once by a data officer.

A profile is a small YAML file in `inbox/_profils/` (versioned with the inbox, never read as data):

    # inbox/_profils/tignere.yml - the council's budget states neither its currency nor its country
    fichiers: "budget_lines/cmr_tignere_*.csv"   # pattern on the path under the inbox (fnmatch)
    type: budget_line                           # partner_report | budget_line | commitment
    feuille: Budget                             # the sheet to read (the others recorded as skipped)
    ligne_en_tete: 1                            # physical row of the header (1 = first line)
    colonnes:                                   # header as written, or column letter -> field (or "-": ignore)
      M: institution
    devise: XAF                                 # currency of amounts that write none
    pays: CM                                    # country (ISO code or name): decides what "FCFA" means
    echelle: 1000000                            # amounts written in millions
    valeurs:                                    # field -> what every row is and no cell says
      budget_version: compte administratif

Every profile whose pattern matches a file applies; where two say the same thing the more specific pattern (more
characters that are not wildcards) wins, so a profile `fichiers: "*"` holds the inbox's settings (its country) and a
source's own profile refines them. The profiles applied, with their sha256, are named in the file's record.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.countries import alpha2_from_name
from ingest.errors import InputError
from ingest.schemas import TABULAR_SCHEMAS, Schema, normalise_header

PROFILES_DIR = "_profils"
KEYS = {"fichiers", "type", "feuille", "ligne_en_tete", "colonnes", "devise", "pays", "echelle", "valeurs"}


@dataclass(frozen=True)
class Profile:
    """What the profiles matching one file say, merged; empty when none matches."""

    names: tuple[str, ...] = ()  # "tignere.yml@<sha256 prefix>", most general first
    kind: str | None = None
    sheet: str | None = None
    header_line: int | None = None  # 1-based physical line
    columns: dict[str, str] = field(default_factory=dict)  # normalised header or column letter -> field name
    currency: str | None = None
    country: str | None = None  # ISO 3166 alpha-2
    scale: float | None = None
    values: dict[str, str] = field(default_factory=dict)  # field name -> the value of every row

    def schemas(self, detected: tuple[Schema, ...]) -> tuple[Schema, ...]:
        return tuple(s for s in TABULAR_SCHEMAS if s.kind == self.kind) if self.kind else detected

    def column_field(self, index: int, header: str) -> str | None:
        return self.columns.get(column_letter(index)) or self.columns.get("~" + normalise_header(header))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def country_code(text: str) -> str:
    """'ML', 'MLI', 'Mali', 'Cameroun' -> ISO alpha-2; InputError when no country is named."""
    code = alpha2_from_name(str(text))
    if code is None:
        raise InputError(f"pays inconnu « {text} » / unknown country '{text}'")
    return code


def _specificity(pattern: str) -> int:
    return len(re.sub(r"[*?\[\]]", "", pattern))


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"profil {path.name} illisible / unreadable profile: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("fichiers"), str):
        raise InputError(f"profil {path.name} : clé « fichiers » absente / profile lacks 'fichiers'")
    unknown = set(data) - KEYS
    if unknown:
        raise InputError(
            f"profil {path.name} : clés inconnues {sorted(unknown)} (connues : {sorted(KEYS)}) / "
            f"unknown keys in profile"
        )
    for key in ("colonnes", "valeurs"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise InputError(
                f"profil {path.name} : « {key} » doit être une liste clé: valeur / '{key}' must be a mapping"
            )
    return data


def profile_for(inbox: Path, relative: Path) -> Profile:
    """The merged profile for the file at `relative` (a path under the inbox)."""
    folder = inbox / PROFILES_DIR
    if not folder.is_dir():
        return Profile()
    matching = []
    for path in sorted(folder.glob("*.y*ml")):
        data = _read(path)
        if fnmatch.fnmatch(relative.as_posix(), data["fichiers"]):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            matching.append((_specificity(data["fichiers"]), path.name, f"{path.name}@{digest}", data))
    merged: dict = {"columns": {}, "values": {}}
    names = []
    for _, _, name, data in sorted(matching):
        names.append(name)
        for header, target in (data.get("colonnes") or {}).items():
            header = str(header).strip()
            key = header if re.fullmatch(r"[A-Z]{1,3}", header) else "~" + normalise_header(header)
            merged["columns"][key] = str(target).strip()
        for name, value in (data.get("valeurs") or {}).items():
            merged["values"][str(name).strip()] = str(value).strip()
        for key, attribute in (
            ("type", "kind"),
            ("feuille", "sheet"),
            ("ligne_en_tete", "header_line"),
            ("devise", "currency"),
            ("pays", "country"),
            ("echelle", "scale"),
        ):
            if data.get(key) is not None:
                merged[attribute] = data[key]
    if not names:
        return Profile()
    profile = Profile(
        names=tuple(names),
        kind=merged.get("kind"),
        sheet=str(merged["sheet"]) if merged.get("sheet") is not None else None,
        header_line=int(merged["header_line"]) if merged.get("header_line") is not None else None,
        columns=merged["columns"],
        currency=str(merged["currency"]).strip().upper() if merged.get("currency") else None,
        country=country_code(merged["country"]) if merged.get("country") else None,
        scale=float(merged["scale"]) if merged.get("scale") else None,
        values=merged["values"],
    )
    _validate(profile)
    return profile


def _validate(profile: Profile) -> None:
    kinds = {s.kind: s for s in TABULAR_SCHEMAS}
    if profile.kind and profile.kind not in kinds:
        raise InputError(f"profil {profile.names[-1]} : type inconnu « {profile.kind} » / unknown kind")
    fields = {f.name for s in profile.schemas(TABULAR_SCHEMAS) for f in s.fields} | {"-"}
    wrong = sorted((set(profile.columns.values()) | set(profile.values)) - fields)
    if wrong:
        raise InputError(
            f"profil {profile.names[-1]} : champs inconnus {wrong} / unknown fields "
            "(voir / see docs/data-officer.md, en-têtes acceptés)"
        )
    if profile.currency and not re.fullmatch(r"[A-Z]{3}", profile.currency):
        raise InputError(f"profil {profile.names[-1]} : devise « {profile.currency} » n'est pas un code ISO 4217")

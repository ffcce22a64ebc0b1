"""The import profile the product suggests for a file whose headers it did not recognise.

Written beside the file's rejection (ops.files.suggested_profile, and the receipt's `profil-suggere-<id>.yml`): the
header row that names the most fields, each column with the field it is mapped to or, when the mapping's evidence
(header words and values, ingest/mapping.py) was too weak to apply it, the field it most likely is (to check), what
is still missing. Fixing the file is then an edit of that text saved under inbox/_profils/.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.mapping import is_hxl_row, map_columns
from ingest.personal_data import redact, redact_file_name
from ingest.profiles import column_letter
from ingest.schemas import Schema
from ingest.tabular import PREVIEW_ROWS


def _header_row(grid: list[list], schemas: tuple[Schema, ...]) -> tuple[Schema, int]:
    """The (schema, row) that looks like a header (two cells at least, all short text, no number) and matches the
    most fields; the first such row on a tie."""

    def header_like(row: list) -> bool:
        cells = [str(c).strip() for c in row if str(c or "").strip()]
        return len(cells) >= 2 and all(len(c) <= 60 and not any(ch.isdigit() for ch in c[:1]) for c in cells)

    candidates = []
    for i, row in enumerate(grid[:PREVIEW_ROWS]):
        if not row or is_hxl_row(row):
            continue
        hxl_row = grid[i + 1] if i + 1 < len(grid) and is_hxl_row(grid[i + 1]) else None
        for schema in schemas:
            matched = len(map_columns(schema, row, hxl_row, i).columns)
            candidates.append((header_like(row), matched, -i, schema, i))
    if not candidates:
        return schemas[0], 0
    _, _, _, schema, i = max(candidates, key=lambda c: c[:3])
    return schema, i


def suggest_profile(grid: list[list], schemas: tuple[Schema, ...], relative: Path) -> str:
    schema, i = _header_row(grid, schemas)
    row = grid[i] if i < len(grid) else []
    hxl_row = grid[i + 1] if i + 1 < len(grid) and is_hxl_row(grid[i + 1]) else None
    body = grid[i + 1 : i + 1 + PREVIEW_ROWS]
    layout = map_columns(schema, row, hxl_row, i, body)
    mapped = {c.index: (c.field, "") for c in layout.columns}
    for year, columns in layout.years.items():
        mapped |= {c.index: (c.field, f", exercice / year {year}") for c in columns}
    taken = {f.name for f, _ in mapped.values()} | ({"fiscal_year"} if layout.years else set())
    width = max([len(row), *(len(r) for r in body)], default=0)
    lines = [
        f"# Profil suggéré pour / suggested profile for {redact_file_name(relative.as_posix())}",
        "# Vérifiez chaque ligne, complétez les « ? », puis enregistrez ce fichier dans inbox/_profils/.",
        "# Check every line, fill in the '?', then save this file under inbox/_profils/.",
        f'fichiers: "{redact_file_name(relative.as_posix(), glob=True)}"',
        f"type: {schema.kind}",
        f"ligne_en_tete: {i + 1}",
        "colonnes:",
    ]
    headers = [str(row[index] or "").strip() if index < len(row) else "" for index in range(width)]
    if not mapped and not layout.uncertain:
        # Nothing in it reads as a table of this kind (a text, a system file): none of its lines is shown.
        lines[-1] = "colonnes: {}"
        lines.append(
            f"# aucune colonne reconnue sur {width} : le contenu du fichier n'est pas montré / no column recognised "
            f"of {width}: nothing of the file's content is shown"
        )
        return "\n".join(lines) + "\n"
    for index in range(width):
        header = redact(headers[index])
        # A JSON string is a YAML double-quoted scalar: line breaks, quotes and colons in a header stay valid YAML.
        key = json.dumps(header, ensure_ascii=False) if header else column_letter(index)
        values = [
            redact(" ".join(str(r[index]).split()))[:40] for r in body if index < len(r) and str(r[index] or "").strip()
        ][:3]
        if not header and not values:
            continue
        example = f" (ex. : {', '.join(values)})" if values else ""
        if index in mapped:
            f, year = mapped[index]
            lines.append(f"  {key}: {f.name}   # reconnu / recognised{year}")
            continue
        if index in layout.uncertain and layout.uncertain[index][0].name not in taken:
            f, score = layout.uncertain[index]
            taken.add(f.name)
            lines.append(f"  {key}: {f.name}   # probable ({score:.2f}) : à vérifier / likely, to check{example}")
        else:
            lines.append(f"  # {key}: ?   # non reconnu / not recognised{example}")
    missing = schema.lacks(taken)
    if missing:
        lines.append(f"# manquent encore / still missing: {', '.join(missing)}")
        # What no column gives may be the same for every row (the ministry of a ministry's budget).
        lines.append(
            "# valeurs:   # la valeur de chaque ligne si aucune colonne ne la donne / every row's, if no column"
        )
        lines += [f"#   {f.name}: ?" for f in schema.required if f.name not in taken]
    if not any(f.kind == "currency" for f in (schema.field(n) for n in taken)):
        lines.append("# devise: ?   # si les montants n'en écrivent pas / if the amounts state none (XOF, XAF, EUR...)")
    return "\n".join(lines) + "\n"

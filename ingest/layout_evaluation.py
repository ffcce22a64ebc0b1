"""How well layouts are read: clean tables rendered in many seeded layouts, each read back by the real ingestion and
compared with the same rows rendered plain. `layout_score(variants, seed)` returns the counts.

The clean tables are the sample inbox's budget lines, partner reports and commitments. A variant draws traits at
random (title block, multi-row header with merged groups, header spellings, HXL row, column order, extra columns,
chapter headings instead of an institution column, subtotal and total rows, unit in the title or the header, extra
sheets, CSV delimiter and encoding, amounts as text); the words are listed in `layout_variants.yml`.
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import io
import random
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INBOX = ROOT / "sample_data" / "inbox"
WORDS = yaml.safe_load((Path(__file__).with_name("layout_variants.yml")).read_text(encoding="utf-8"))
CLEAN_FILES = (
    "budget_lines/execution_budget_etat_2019_2024.csv",
    "partner_reports/3W_nutrition_T1_2024.csv",
    "partner_reports/3W_relevement_precoce_T2_2024.xlsx",
    "commitments/suivi_engagements.xlsx",
)
_CURRENCY = re.compile(r"F\s?CFA|\bUSD\b|\bXOF\b|\$")
_NUMBER = re.compile(r"^-?[0-9][0-9\s\u00a0\u202f.]*(?:,[0-9]+)?$")


@dataclass
class CleanTable:
    """A sample file's rows as text under its header, with the field each column maps to."""

    folder: str
    header: list[str]
    hxl: list[str] | None
    rows: list[list[str]]
    fields: dict[int, str]  # column index -> field name
    vocabulary: dict[int, tuple[str, ...]]  # column index -> the headers its field's vocabulary accepts
    amounts: set[int]  # columns of money
    currency: str | None  # written in the amount cells or headers ('FCFA')


@dataclass
class Variant:
    name: str
    folder: str
    traits: list[str]
    suffix: str
    content: bytes
    plain: bytes  # the same rows, one header row, no title: what the variant must read as


@dataclass
class Score:
    variants: int = 0
    exact: int = 0
    failures_by_trait: collections.Counter = field(default_factory=collections.Counter)
    variants_by_trait: collections.Counter = field(default_factory=collections.Counter)
    examples: dict[str, str] = field(default_factory=dict)  # trait -> a failing variant's name and why
    causes: collections.Counter = field(default_factory=collections.Counter)  # what differed -> failed variants

    @property
    def share(self) -> float:
        return self.exact / self.variants if self.variants else 0.0

    def summary(self) -> str:
        lines = [f"layouts read exactly: {self.exact} / {self.variants} ({self.share:.1%})"]
        lines += [f"  what differed: {cause} ({n})" for cause, n in self.causes.most_common()]
        lines.append("failures by trait (a failed variant counts under each of its traits):")
        for trait, n in self.failures_by_trait.most_common():
            lines.append(f"  {trait}: {n} failed of {self.variants_by_trait[trait]} ({self.examples.get(trait, '')})")
        return "\n".join(lines)


def clean_tables() -> list[CleanTable]:
    from ingest import layout, mapping, tabular
    from ingest.inbox import _schemas_for

    tables = []
    for relative in CLEAN_FILES:
        path = SAMPLE_INBOX / relative
        source = tabular.open_source(path)
        try:
            for grid in source.grids.values():
                found = layout.detect_layout(grid, _schemas_for(Path(relative)))
                if found is None:
                    continue
                hxl = grid[found.header_row] if mapping.is_hxl_row(grid[found.header_row]) else None
                header_at = found.header_row - (1 if hxl else 0)
                width = found.header_width
                header = [str(c or "").strip() for c in grid[header_at][:width]]
                rows = [
                    [str(c or "").strip() for c in (r + [None] * width)[:width]]
                    for r in grid[found.header_row + 1 :]
                    if any(str(c or "").strip() for c in r)
                ]
                fields = {c.index: c.field.name for c in found.columns if not c.constant}
                vocabulary = {c.index: (c.field.label_fr, *c.field.synonyms) for c in found.columns if not c.constant}
                amounts = {c.index for c in found.columns if c.field.kind == "amount"}
                cells = " ".join(r[i] for r in rows for i in amounts) + " ".join(header[i] for i in amounts)
                currency = "FCFA" if "FCFA" in cells else "USD" if "USD" in cells else None
                tables.append(
                    CleanTable(
                        relative.split("/")[0],
                        header,
                        [str(c or "") for c in hxl[:width]] if hxl else None,
                        rows,
                        fields,
                        vocabulary,
                        amounts,
                        currency,
                    )
                )
        finally:
            source.close()
    return tables


def _plain_words(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _amount(text: str) -> Decimal | None:
    bare = _CURRENCY.sub("", text).strip()
    if not bare or not _NUMBER.match(bare):
        return None
    return Decimal(re.sub(r"[\s\u00a0\u202f.]", "", bare).replace(",", "."))


def _render_amount(value: Decimal, scale: int, style: str, currency_in_cell: str | None) -> object:
    scaled = value / scale
    if style == "number":
        return float(scaled) if scaled != scaled.to_integral() else int(scaled)
    whole, _, decimals = f"{scaled:f}".partition(".")
    decimals = decimals.rstrip("0")
    sep = {"space": " ", "nbsp": "\u00a0", "dot": "."}[style]
    digits = whole.lstrip("-")
    grouped = f"{int(digits):,}".replace(",", sep)
    text = ("-" if whole.startswith("-") else "") + grouped + ("," + decimals if decimals else "")
    return f"{text} {currency_in_cell}" if currency_in_cell else text


class _Draw:
    """Seeded choices, each trait drawn recorded by name."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.traits: list[str] = []

    def chance(self, trait: str, p: float) -> bool:
        if self.rng.random() < p:
            self.traits.append(trait)
            return True
        return False

    def pick(self, trait: str, options: list):
        choice = self.rng.choice(options)
        self.traits.append(f"{trait}={choice}" if isinstance(choice, str) and len(choice) < 20 else trait)
        return choice


def _header_word(d: _Draw, table: CleanTable, index: int, invented: bool) -> str:
    """The column's own header, or another the field's vocabulary accepts, spelled as people spell it; `invented`:
    a word of ours for the field, which the vocabulary may not know."""
    header = table.header[index]
    name = table.fields.get(index)
    if invented:
        header = d.rng.choice(WORDS["headers"][name])
        d.traits.append("synonyme inventé")
    elif name and d.chance("synonyme du vocabulaire", 0.3):
        # A synonym with words in brackets is left out: the brackets are read as an instruction and dropped.
        header = d.rng.choice([w for w in table.vocabulary[index] if w and "(" not in w] or [header])
    if d.chance("majuscules", 0.15):
        header = header.upper()
    elif d.chance("sans accents", 0.15):
        header = _plain_words(header)
    if d.chance("retour à la ligne", 0.1) and " " in header:
        header = header.replace(" ", "\n", 1)
    if d.chance("consigne entre parenthèses", 0.1):
        header = f"{header} ({d.rng.choice(WORDS['instructions'])})"
    if d.chance("espaces autour", 0.1):
        header = f" {header}  "
    return header


def render(table: CleanTable, seed: int) -> Variant:
    """One variant of a sample of the table's rows."""
    rng = random.Random(seed)
    d = _Draw(rng)
    rows = [list(r) for r in rng.sample(table.rows, k=min(len(table.rows), rng.randint(3, 12)))]
    columns = list(range(len(table.header)))
    by_field = {v: k for k, v in table.fields.items()}
    title: list[str] = []
    constants_in_title = {}
    # Facts moved from a column to the title block when every row shares them.
    for name, words in (("fiscal_year", "year_titles"), ("institution", "institution_titles")):
        k = by_field.get(name)
        if k is not None and len({r[k] for r in rows}) == 1 and rows[0][k] and d.chance(f"{name} dans le titre", 0.3):
            constants_in_title[name] = k
            columns.remove(k)
            title.append(rng.choice(WORDS[words]).format(value=rows[0][k]))
    chapters = False
    k = by_field.get("institution")
    if k is not None and k in columns and table.folder == "budget_lines" and d.chance("chapitres", 0.3):
        chapters = True
        columns.remove(k)
        rows.sort(key=lambda r: r[k])
    if d.chance("titre", 0.6):
        title = [rng.choice(WORDS["titles"]).format(year=rng.randint(2019, 2025)), *title]
        k = by_field.get("fiscal_year")
        years = {r[k] for r in rows} if k is not None else set()
        # The date of the situation is in the year of the lines (when they have one).
        if len(years) <= 1 and d.chance("date de situation", 0.4):
            title.append(rng.choice(WORDS["as_of"]).format(year=years.pop() if years else rng.randint(2019, 2025)))
    if title and d.chance("lignes vides dans le titre", 0.4):
        title = [t for line in title for t in (line, "")]
    # Money: its scale and where its currency is said.
    amounts = [k for k in columns if k in table.amounts]
    values = {(i, k): _amount(r[k]) for i, r in enumerate(rows) for k in amounts}
    # A column's currency is the one some of its cells name: said once for the column or the sheet only when each
    # amount column of these rows names it.
    said = {(i, k): bool(_CURRENCY.search(rows[i][k])) for (i, k) in values}
    in_header = {k for k in amounts if _CURRENCY.search(table.header[k])}
    everywhere = all(k in in_header or any(said[(i, c)] for (i, c) in said if c == k) for k in amounts)
    places = ["titre", "en-tête", "cellule"] if everywhere else ["cellule"]
    unit_place = d.pick("unité", places) if amounts and table.currency else None
    scale = 1
    thousands = all(v is None or v % 1000 == 0 for v in values.values())
    if amounts and thousands and unit_place != "cellule" and d.chance("en milliers", 0.2):
        scale = 1000
    # A currency written in the cells makes them text.
    styles = ["space", "nbsp", "dot"] + ([] if unit_place == "cellule" else ["number"])
    style = d.pick("montants", styles) if amounts else "number"
    unit_words = WORDS["units"][str(scale)].format(currency=table.currency or "")
    if unit_place == "titre" or (scale != 1 and unit_place is None):
        title.append(rng.choice(WORDS["unit_titles"]).format(unit=unit_words.strip()))
    # Columns: order, extras, headers.
    if d.chance("colonnes mélangées", 0.4):
        rng.shuffle(columns)
    extras = []
    if d.chance("colonnes en plus", 0.3):
        extras = rng.sample(WORDS["extra_columns"], k=rng.randint(1, 2))
    inventable = [k for k in columns if table.fields.get(k) in WORDS["headers"]]
    invented = rng.choice(inventable) if inventable and rng.random() < 0.2 else None
    names = {k: _header_word(d, table, k, k == invented) for k in columns}
    for k in amounts:
        names[k] = re.sub(r"\s*\((?:f\s?cfa|usd|xof)\)", "", names[k], flags=re.IGNORECASE)
        if unit_place == "en-tête" or (scale != 1 and unit_place is None):
            names[k] = f"{names[k]} ({unit_words.strip()})"
    groups = {}
    if amounts and d.chance("en-tête sur deux lignes", 0.35):
        groups = {k: rng.choice(WORDS["groups"]) for k in amounts}
        if len(amounts) > 1 and rng.random() < 0.7:  # one group over several columns, kept together
            group = rng.choice(WORDS["groups"])
            columns = [k for k in columns if k not in amounts] + amounts
            groups = dict.fromkeys(amounts, group)
    third = groups and d.chance("en-tête sur trois lignes", 0.3)
    hxl = table.hxl is not None and d.chance("ligne HXL", 0.6)
    # Rows of the body.
    body: list[list[object]] = []
    plain_rows: list[list[str]] = []
    label_at = 0
    previous = None
    block: list[list[str]] = []

    def cell(i: int, k: int):
        v = values.get((i, k))
        if k in amounts and v is not None:
            in_cell = unit_place == "cellule" and (said[(i, k)] or k in in_header)
            return _render_amount(v, scale, style, table.currency if in_cell else None)
        return rows[i][k]

    def subtotal(label: str, block_rows: list[int]) -> list[object]:
        line: list[object] = [""] * (len(columns) + len(extras))
        for pos, k in enumerate(columns):
            if k in amounts:
                total = sum((values[(i, k)] or 0) for i in block_rows)
                line[pos] = _render_amount(total, scale, style, None)
        line[label_at] = label
        return line

    totals = table.folder == "budget_lines" and d.chance("sous-totaux", 0.3)
    labelled = totals and d.chance("sous-totaux nommés", 0.6)
    block = []
    for i, r in enumerate(rows):
        if chapters and r[by_field["institution"]] != previous:
            if totals and block:
                body.append(subtotal(rng.choice(WORDS["subtotals"]) if labelled else "", block))
            block = []
            previous = r[by_field["institution"]]
            heading = rng.choice(WORDS["chapters"]).format(number=rng.randint(10, 60), name=previous)
            body.append([heading] + [""] * (len(columns) + len(extras) - 1))
        block.append(i)
        body.append([cell(i, k) for k in columns] + [rng.choice(["", "RAS", "1"]) for _ in extras])
        plain_rows.append(r)
    if totals and block and chapters:
        body.append(subtotal(rng.choice(WORDS["subtotals"]) if labelled else "", block))
    if totals:
        body.append(subtotal(rng.choice(WORDS["totals"]), list(range(len(rows)))))
    if d.chance("note de bas de page", 0.2):
        body += [[], [rng.choice(WORDS["notes"])]]
    header_rows = []
    if third:
        top = rng.choice(WORDS["top_groups"])
        header_rows.append([top if k in amounts else names[k] for k in columns] + extras)
    if groups:
        header_rows.append([groups[k] if k in amounts else names[k] for k in columns] + extras)
    header_rows.append([names[k] for k in columns] + extras)
    hxl_row = [table.hxl[k] for k in columns] + [""] * len(extras) if hxl else None
    header = [table.header[k] for k in range(len(table.header))]
    plain = _csv([header, *plain_rows], ";", "utf-8")
    xlsx = d.chance("xlsx", 0.5)
    name = f"v{seed}"
    if xlsx:
        content = _xlsx(d, title, header_rows, hxl_row, body, columns, amounts)
        return Variant(name, table.folder, d.traits, ".xlsx", content, plain)
    delimiter = d.pick("séparateur", [";", ",", "\t", "|"])
    encoding = d.pick("encodage", ["utf-8", "utf-8-sig", "cp1252"])
    lines = [[t] if t else [] for t in title] + ([[]] if title else [])
    # A header over several rows saved as CSV: each merged cell written once, in its first row and column.
    for n, hr in enumerate(header_rows):
        lines.append(
            [
                c if (pos == 0 or c != hr[pos - 1]) and (n == 0 or c != header_rows[n - 1][pos]) else ""
                for pos, c in enumerate(hr)
            ]
        )
    if hxl_row:
        lines.append(hxl_row)
    lines += [[str(c) for c in r] for r in body]
    return Variant(name, table.folder, d.traits, ".csv", _csv(lines, delimiter, encoding), plain)


def _csv(lines: list[list], delimiter: str, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for line in lines:
        writer.writerow(line)
    return out.getvalue().encode(encoding, errors="replace")


def _xlsx(d: _Draw, title, header_rows, hxl_row, body, columns, amounts) -> bytes:
    from openpyxl import Workbook

    rng = d.rng
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = rng.choice(WORDS["sheet_names"])
    for t in title:
        sheet.append([t])
    if title:
        sheet.append([])
    first = sheet.max_row + 1 if title else 1
    for r in header_rows:
        sheet.append(r)
    # Merge each group across its columns and each single-word column down over the header's rows.
    for offset, r in enumerate(header_rows[:-1]):
        row = first + offset
        start = 0
        for pos in range(1, len(r) + 1):
            if pos == len(r) or r[pos] != r[start]:
                if pos - start > 1 and r[start]:
                    sheet.merge_cells(start_row=row, start_column=start + 1, end_row=row, end_column=pos)
                start = pos
    if len(header_rows) > 1:
        last = first + len(header_rows) - 1
        for pos in range(len(header_rows[-1])):
            if all(h[pos] == header_rows[-1][pos] for h in header_rows):
                sheet.merge_cells(start_row=first, start_column=pos + 1, end_row=last, end_column=pos + 1)
    if hxl_row:
        sheet.append(hxl_row)
    for r in body:
        sheet.append(r)
    if d.chance("feuille masquée", 0.2):
        hidden = workbook.create_sheet(rng.choice(WORDS["hidden_sheets"]))
        hidden.append(header_rows[-1])
        for r in body[:3]:
            hidden.append(r)
        hidden.sheet_state = "hidden"
    if d.chance("feuille de listes", 0.3):
        lists = workbook.create_sheet(rng.choice(WORDS["list_sheets"]))
        for value in rng.sample(WORDS["list_values"], k=4):
            lists.append([value])
    if d.chance("feuille copiée", 0.15):
        copy = workbook.copy_worksheet(sheet)
        copy.title = f"{sheet.title} (2)"
    if d.chance("feuille de notes", 0.2):
        workbook.create_sheet("Notes").append([rng.choice(WORDS["notes"])])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def ministry_workbook(seed: int) -> Variant:
    """A ministry's execution workbook: the ministry, the date of the situation and the unit in the title block, and
    a two-row header whose first row merges "Crédits" over the allocations and "Exécution" over the stages, its other
    cells merged down over both rows. The revised allocation equals the initial one (no revision in the sample)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    table = next(t for t in clean_tables() if t.folder == "budget_lines")
    by_field = {v: k for k, v in table.fields.items()}
    year_at, institution_at = by_field["fiscal_year"], by_field["institution"]
    groups = collections.defaultdict(list)
    for r in table.rows:
        if r[institution_at].startswith("Ministère"):
            groups[(r[year_at], r[institution_at])].append(r)
    (year, ministry), rows = rng.choice(sorted((k, v) for k, v in groups.items() if len(v) > 1))
    stages = [by_field[n] for n in ("dotation", "engagement", "liquidation", "ordonnancement", "paiement")]
    kept = [k for k in range(len(table.header)) if k not in (year_at, institution_at, *stages)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = rng.choice(WORDS["sheet_names"])
    for line in (
        "RÉPUBLIQUE DU MALI",
        ministry,
        rng.choice(WORDS["directorates"]),
        "",
        f"SITUATION D'EXÉCUTION DU BUDGET {rng.choice(WORDS['budget_parts'])} AU 31/12/{year}",
        "(Montants en millions de FCFA)",
        "",
    ):
        sheet.append([line])
    top = [table.header[k] for k in kept] + ["Crédits", "", "Exécution", "", "", "", "Observations"]
    below = [""] * len(kept) + [
        "Dotation initiale",
        "Dotation révisée (LFR)",
        "Engagé",
        "Liquidé",
        "Ordonnancé",
        "Payé",
        "",
    ]
    sheet.append(top)
    sheet.append(below)
    first = sheet.max_row - 1
    for pos, name in enumerate(top, start=1):
        if name and not below[pos - 1]:
            sheet.merge_cells(start_row=first, start_column=pos, end_row=first + 1, end_column=pos)
    sheet.merge_cells(start_row=first, start_column=len(kept) + 1, end_row=first, end_column=len(kept) + 2)
    sheet.merge_cells(start_row=first, start_column=len(kept) + 3, end_row=first, end_column=len(kept) + 6)
    for r in rows:
        money = [_amount(r[k]) for k in stages]
        millions = [float(v / 1_000_000) if v is not None else None for v in money]
        sheet.append([r[k] for k in kept] + millions[:1] + millions + [rng.choice(["", "RAS"])])
    out = io.BytesIO()
    workbook.save(out)
    header = list(table.header)
    return Variant(
        f"ministere_{seed}",
        "budget_lines",
        ["classeur d'exécution d'un ministère"],
        ".xlsx",
        out.getvalue(),
        _csv([header, *rows], ";", "utf-8"),
    )


def variants(count: int, seed: int) -> list[Variant]:
    tables = clean_tables()
    rng = random.Random(seed)
    return [render(tables[n % len(tables)], rng.randrange(1 << 30)) for n in range(count)]


def _compared_rows(con, folder: str, path: str) -> tuple[list[str], list[tuple]] | None:
    """The field columns and the rows a loaded file gave, in one order; None when the file did not load."""
    from ingest.inbox import _schemas_for
    from ingest.values import output_columns

    [(file_id, status)] = con.execute(
        "SELECT file_id, status FROM ops.files WHERE path = ? ORDER BY file_id DESC LIMIT 1", [path]
    ).fetchall() or [(None, None)]
    if file_id is None or status != "loaded":
        return None
    names, found = [], []
    for schema in _schemas_for(Path(folder)):
        names = [n for n, _ in output_columns(schema)]
        found += con.execute(
            f"SELECT {', '.join(names)} FROM {schema.table} WHERE file_id = ? ORDER BY ALL", [file_id]
        ).fetchall()
    return names, sorted(found, key=repr)


def _why(read: tuple[list[str], list[tuple]] | None, expected: tuple[list[str], list[tuple]] | None) -> str:
    if read is None:
        return "not loaded"
    if expected is None:
        return "its plain twin not loaded"
    names, rows = read
    if len(rows) != len(expected[1]):
        return f"{len(rows)} rows instead of {len(expected[1])}"
    pairs = zip(rows, expected[1], strict=True)
    differing = {n for a, b in pairs for n, x, y in zip(names, a, b, strict=False) if x != y}
    return "fields " + ", ".join(sorted(differing))


def _plain_name(v: Variant) -> str:
    """Variants of the same rows share one plain file (two identical files would be one file received twice)."""
    return f"plain_{hashlib.sha256(v.plain).hexdigest()[:16]}.csv"


def layout_score(variants_count: int, seed: int) -> Score:
    """Render `variants_count` seeded variants, read each back with its plain twin, and count the exact ones."""
    return read_back(variants(variants_count, seed))


def read_back(made: list[Variant], batch: int = 200) -> Score:
    """Each variant read by the real ingestion beside its plain twin, in inboxes of `batch` variants."""
    import duckdb

    from ingest.inbox import ingest_inbox

    score = Score()
    for start in range(0, len(made), batch):
        with tempfile.TemporaryDirectory(prefix="layouts-") as tmp:
            inbox = Path(tmp) / "inbox"
            (inbox / "_profils").mkdir(parents=True)
            shutil.copy(SAMPLE_INBOX / "_profils" / "boite.yml", inbox / "_profils" / "boite.yml")
            for v in made[start : start + batch]:
                (inbox / v.folder).mkdir(exist_ok=True)
                (inbox / v.folder / f"{v.name}{v.suffix}").write_bytes(v.content)
                (inbox / v.folder / _plain_name(v)).write_bytes(v.plain)
            warehouse = Path(tmp) / "w.duckdb"
            ingest_inbox(inbox, warehouse, "layouts")
            con = duckdb.connect(str(warehouse), read_only=True)
            try:
                for v in made[start : start + batch]:
                    read = _compared_rows(con, v.folder, f"{v.folder}/{v.name}{v.suffix}")
                    expected = _compared_rows(con, v.folder, f"{v.folder}/{_plain_name(v)}")
                    score.variants += 1
                    for trait in set(v.traits):
                        score.variants_by_trait[trait] += 1
                    if read is not None and read == expected:
                        score.exact += 1
                        continue
                    why = _why(read, expected)
                    score.causes[why] += 1
                    for trait in set(v.traits):
                        score.failures_by_trait[trait] += 1
                        score.examples.setdefault(trait, f"{v.name}: {why}")
            finally:
                con.close()
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description="Read generated layouts back and print the share read exactly.")
    parser.add_argument("--variants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=34)
    args = parser.parse_args()
    print(layout_score(args.variants, args.seed).summary())


if __name__ == "__main__":
    main()

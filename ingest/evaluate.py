"""How well the reading core reads tables nobody wrote for it: scores over the labelled corpus (tests/corpus).

`python -m ingest.evaluate` prints each score. A score is a function of the corpus returning a `Score` (its figures
and its lines to print); the mapping's is `mapping_score`, another (the generated layouts') is added to SCORES.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from config import REPO_ROOT
from ingest.layout import detect_layout
from ingest.mapping import NO_PROFILE, is_hxl_row, map_columns
from ingest.profiles import column_letter
from ingest.schemas import TABULAR_SCHEMAS, Schema
from ingest.tabular import PREVIEW_ROWS, open_source

CORPUS = REPO_ROOT / "tests" / "corpus"
# The corpus's folders and where the files they describe are.
ROOTS = {"real-data": REPO_ROOT.parent / "shared" / "real-data", "sample_data": REPO_ROOT / "sample_data" / "inbox"}


@dataclass(frozen=True)
class LabelledSheet:
    name: str | None  # None: a CSV's one grid
    header_line: int  # 1-based, the last header row (the HXL row when there is one)
    columns: dict[int, str]  # column index -> field


@dataclass(frozen=True)
class LabelledFile:
    """What a careful person reads in one file: its data sheets, header rows and column -> field."""

    root: str
    relative: str
    schema: Schema
    sheets: tuple[LabelledSheet, ...]
    other_sheets: tuple[str, ...] = ()
    reader: str | None = None  # a reader of its own, outside column mapping (the GNR export's)
    lacks: str | None = None  # a fact the file does not state

    @property
    def path(self) -> Path:
        return ROOTS[self.root] / self.relative


def _column_index(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def corpus(folder: Path = CORPUS) -> list[LabelledFile]:
    """The labelled files whose file is here (the shared real data may be absent)."""
    files = []
    for label in sorted(folder.rglob("*.yml")):
        root, *rest = label.relative_to(folder).parts
        relative = "/".join(rest).removesuffix(".yml")
        data = yaml.safe_load(label.read_text(encoding="utf-8"))
        schema = next(s for s in TABULAR_SCHEMAS if s.kind == data["type"])
        sheets = tuple(
            LabelledSheet(name, s["ligne_en_tete"], {_column_index(k): v for k, v in s["colonnes"].items()})
            for name, s in (data.get("feuilles") or {}).items()
        )
        item = LabelledFile(
            root,
            relative,
            schema,
            sheets,
            tuple(data.get("autres_feuilles") or ()),
            data.get("lu_par"),
            data.get("manque"),
        )
        if item.path.exists():
            files.append(item)
    return files


@dataclass
class Score:
    name: str
    lines: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)


@dataclass
class _Tally:
    right: int = 0
    wrong: int = 0
    missed: int = 0
    errors: list[str] = field(default_factory=list)


def _map_sheet(grid: list[list], schema: Schema, header_line: int) -> dict[int, str]:
    """The mapping stage alone, given the header row a careful person reads: column index -> field."""
    last = header_line - 1
    hxl_row = grid[last] if is_hxl_row(grid[last]) else None
    row = grid[last - 1] if hxl_row is not None else grid[last]
    layout = map_columns(schema, row, hxl_row, last, grid[last + 1 : last + 1 + PREVIEW_ROWS], NO_PROFILE)
    return {c.index: c.field.name for c in layout.all_columns}


def _compare(mapped: dict[int, str], labels: dict[int, str], where: str, tally: _Tally) -> None:
    for index in sorted(set(mapped) | set(labels)):
        got, want = mapped.get(index), labels.get(index)
        if got == want:
            tally.right += 1
        elif got is None:
            tally.missed += 1
            tally.errors.append(f"{where} {column_letter(index)}: manquée / missed {want}")
        else:
            tally.wrong += 1
            tally.errors.append(f"{where} {column_letter(index)}: {got} au lieu de / instead of {want or '-'}")


def mapping_score(files: list[LabelledFile]) -> Score:
    """Columns mapped right, wrong and missed over the corpus, the header row given (the mapping stage alone); and
    the files read right with no profile (layout found on every data sheet, no other sheet taken for data, every
    column right)."""
    tally, read, mapped_files, layout_found = _Tally(), [], [], []
    for item in files:
        if item.reader:
            continue
        mapped_files.append(item)
        source = open_source(item.path)
        try:
            file_tally, found = _Tally(), True
            for sheet in item.sheets:
                grid = source.grids.get(sheet.name)
                where = f"{item.relative}{f' [{sheet.name}]' if sheet.name else ''}"
                if grid is None:
                    file_tally.missed += len(sheet.columns)
                    file_tally.errors.append(f"{where}: feuille non lue / sheet not read")
                    found = False
                    continue
                _compare(_map_sheet(grid, item.schema, sheet.header_line), sheet.columns, where, file_tally)
                layout = detect_layout(grid, (item.schema,))
                found &= layout is not None and layout.header_row == sheet.header_line - 1
            others = [n for n in source.grids if n not in {s.name for s in item.sheets}]
            found &= not any(detect_layout(source.grids[n], (item.schema,)) for n in others)
        finally:
            source.close()
        tally.right += file_tally.right
        tally.wrong += file_tally.wrong
        tally.missed += file_tally.missed
        tally.errors += file_tally.errors
        layout_found += [item] if found else []
        read += [item] if found and not file_tally.wrong and not file_tally.missed else []
    precision = tally.right / max(1, tally.right + tally.wrong)
    recall = tally.right / max(1, tally.right + tally.wrong + tally.missed)
    no_profile = len(read) / max(1, len(mapped_files))
    lines = [
        f"colonnes / columns: {tally.right} justes / right, {tally.wrong} fausses / wrong, "
        f"{tally.missed} manquées / missed",
        f"précision / precision {precision:.3f}, rappel / recall {recall:.3f}",
        f"fichiers lus justes sans profil / files read right with no profile: {len(read)} / {len(mapped_files)} "
        f"({no_profile:.0%}); mise en page trouvée / layout found: {len(layout_found)}",
        *(f"  sans profil, pas lu juste / not read right with no profile: {i.relative}" for i in mapped_files
          if i not in read),
        *(f"  {e}" for e in tally.errors),
        *(f"  hors score, lu par / outside the score, read by {i.reader}: {i.relative}" for i in files if i.reader),
    ]  # fmt: skip
    figures = {
        "right": tally.right,
        "wrong": tally.wrong,
        "missed": tally.missed,
        "precision": precision,
        "recall": recall,
        "files": len(mapped_files),
        "read_with_no_profile": no_profile,
    }
    return Score("correspondance des colonnes / column mapping", lines, figures)


SCORES: tuple[Callable[[list[LabelledFile]], Score], ...] = (mapping_score,)


def main() -> None:
    files = corpus()
    absent = [name for name, root in ROOTS.items() if not root.exists()]
    print(f"corpus : {len(files)} fichiers / files" + (f" ({', '.join(absent)} absent)" if absent else ""))
    for score in SCORES:
        result = score(files)
        print(f"\n== {result.name}")
        print("\n".join(result.lines))


if __name__ == "__main__":
    sys.exit(main())

"""Columns to fields: which field of a schema each column of a sheet's header gives.

An HXL hashtag wins; else the header's words name a field; else the column's values show it (a column of P-codes).
Reading the file and finding its header row is tabular.py's; typing the cells is values.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import hxl.model

from ingest.profiles import Profile, column_letter
from ingest.schemas import (
    PERSONAL_DATA_HXL,
    Field,
    Schema,
    header_currency,
    header_scale,
    is_personal_header,
    normalise_header,
)

NO_PROFILE = Profile()


@dataclass
class MappedColumn:
    index: int
    header: str
    field: Field
    scale: float = 1.0
    currency: str | None = None
    # ',' or '.' when the column's cells show it separates thousands ("2,000,000"): then "175,000" is 175 000 too.
    thousands: str | None = None
    constant: bool = False  # not a cell of the file: a value the title block or a profile gives every row


@dataclass
class SheetLayout:
    schema: Schema
    header_row: int  # 0-based index in the grid of the last header row (the HXL row when there is one)
    columns: list[MappedColumn]
    dropped_personal: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    # A wide layout ("2008 Budget", "2008 Actual", "2009 Budget", ...): the amount columns of each year, read in one
    # pass per year with the year as the fiscal year (inbox.py).
    years: dict[int, list[MappedColumn]] = field(default_factory=dict)
    header_width: int = 0  # cells in the header row: every column is landed, so a repeated row is seen whole
    # Fields no column gives, with the value every row takes: the title block's ministry, a profile's `valeurs`.
    constants: dict[str, str] = field(default_factory=dict)

    def passes(self) -> list[tuple[int | None, dict[str, str]]]:
        """Each reading of the landed sheet (one per year of a wide layout, else one) with the values it adds."""
        if not self.years:
            return [(None, self.constants)]
        return [(year, self.constants | {"fiscal_year": str(year)}) for year in self.years]

    def for_pass(self, year: int | None, values: dict[str, str]) -> SheetLayout:
        """This layout with the year's amount columns and each added value landed in a column after the sheet's."""
        by_name = {f.name: f for f in self.schema.fields}
        added = [
            MappedColumn(self.width + k, v, by_name[name], constant=True) for k, (name, v) in enumerate(values.items())
        ]
        columns = [*self.columns, *(self.years[year] if year is not None else []), *added]
        return SheetLayout(
            self.schema, self.header_row, columns, self.dropped_personal, self.ignored, header_width=self.width
        )

    @property
    def fields_given(self) -> set[str]:
        """The fields every row gets: by a column, a value of the title block or a profile, a wide layout's years."""
        return (
            {c.field.name for c in self.all_columns} | set(self.constants) | ({"fiscal_year"} if self.years else set())
        )

    @property
    def all_columns(self) -> list[MappedColumn]:
        """The mapped columns and every year's amount columns of a wide layout."""
        return [*self.columns, *(c for columns in self.years.values() for c in columns)]

    @property
    def width(self) -> int:
        return max(max(c.index for c in self.all_columns) + 1, self.header_width)


def _hxl_column(cell: str) -> hxl.model.Column | None:
    text = str(cell or "").strip()
    if not text.startswith("#"):
        return None
    try:
        column = hxl.model.Column.parse(text)
    except Exception:  # libhxl raises its own errors on malformed tags
        return None
    return column if isinstance(column, hxl.model.Column) else None  # it returns False for some ("#N/A", "#REF!")


def is_hxl_row(row: list[str]) -> bool:
    cells = [str(c).strip() for c in row if str(c or "").strip()]
    return bool(cells) and sum(_hxl_column(c) is not None for c in cells) >= max(1, len(cells) // 2)


def _field_for(schema: Schema, header: str, hxl_tag: hxl.model.Column | None) -> Field | None:
    if hxl_tag is not None:
        # '#org+funder' matches both '#org' (partner) and '#org+funder' (donor): the most specific pattern wins.
        matches = [
            (len(pattern.split("+")), f)
            for f in schema.fields
            for pattern in f.hxl
            if hxl.model.TagPattern.parse(pattern).match(hxl_tag)
        ]
        if matches:
            return max(matches, key=lambda m: m[0])[1]
    norm = normalise_header(header)
    if not norm:
        return None
    return next((f for f in schema.fields if f.matches(norm)), None) or next(
        (f for f in schema.fields if f.matches_qualified(norm)), None
    )


def _is_personal(header: str, hxl_tag: hxl.model.Column | None) -> bool:
    if hxl_tag is not None and any(hxl.model.TagPattern.parse(p).match(hxl_tag) for p in PERSONAL_DATA_HXL):
        return True
    return is_personal_header(header)


# A column of P-codes whatever its header ("Title" in a SharePoint export): ML01 (admin 1), ML0101 (admin 2), ...
PCODE_VALUE = re.compile(r"[A-Z]{2}[0-9]{2}(?:[0-9]{2}){0,2}")
PCODE_FIELDS = {4: "region_pcode", 6: "cercle_pcode", 8: "commune_pcode"}


def _pcode_field(schema: Schema, body: list[list[str]], index: int) -> Field | None:
    values = [str(r[index]).strip() for r in body if index < len(r) and str(r[index] or "").strip()]
    if len(values) < 3 or sum(bool(PCODE_VALUE.fullmatch(v)) for v in values) < 0.9 * len(values):
        return None
    lengths = {len(v) for v in values if PCODE_VALUE.fullmatch(v)}
    name = PCODE_FIELDS.get(lengths.pop()) if len(lengths) == 1 else None
    return next((f for f in schema.fields if f.name == name), None)


def map_columns(
    schema: Schema,
    row: list[str],
    hxl_row: list[str] | None,
    header_row: int,
    body: list[list[str]] = (),
    profile: Profile = NO_PROFILE,
) -> SheetLayout:
    layout = SheetLayout(schema=schema, header_row=header_row, columns=[], header_width=len(row))
    taken: set[str] = set()
    dated: dict[int, list[MappedColumn]] = {}
    width = max(len(row), max((len(r) for r in body), default=0)) if profile.columns else len(row)
    for index in range(width):
        header = str(row[index] or "").strip() if index < len(row) else ""
        tag = _hxl_column(hxl_row[index]) if hxl_row and index < len(hxl_row) else None
        chosen = profile.column_field(index, header)
        if chosen == "-":
            layout.ignored.append(header or column_letter(index))
            continue
        if not header and tag is None and chosen is None:
            continue
        if _is_personal(header, tag):
            layout.dropped_personal.append(header or str(tag))
            continue
        f = (
            next((f for f in schema.fields if f.name == chosen), None)
            if chosen
            else _field_for(schema, header, tag) or _pcode_field(schema, body, index)
        )
        year, of_year = _year_amount(schema, header) if chosen is None and tag is None else (None, None)
        if of_year is not None:
            dated.setdefault(year, []).append(
                MappedColumn(index, header, of_year, profile.scale or header_scale(header), header_currency(header))
            )
            continue
        if f is None or f.name in taken:
            layout.ignored.append(header or str(tag))
            continue
        taken.add(f.name)
        layout.columns.append(
            MappedColumn(
                index=index,
                header=header or (str(tag) if tag is not None else column_letter(index)),
                field=f,
                scale=profile.scale or header_scale(header),
                currency=header_currency(header),
            )
        )
    if len(dated) > 1 and "fiscal_year" not in taken:
        layout.years = dict(sorted(dated.items()))
    else:  # one year only: the amounts of the year the file is about ('EXEC CP 2017 RAP 2017')
        for columns in dated.values():
            for c in columns:
                if c.field.name not in taken:
                    taken.add(c.field.name)
                    layout.columns.append(c)
    return layout


_YEAR = re.compile(r"\b(19[89][0-9]|20[0-9]{2})\b")


def _year_amount(schema: Schema, header: str) -> tuple[int | None, Field | None]:
    """'2008 Budget' -> (2008, dotation): a header naming an amount field and one year, in either order."""
    years = set(_YEAR.findall(header))
    if len(years) != 1 or "fiscal_year" not in {f.name for f in schema.fields}:
        return None, None
    norm = normalise_header(_YEAR.sub(" ", header))
    f = next((f for f in schema.fields if f.kind == "amount" and f.matches(norm)), None)
    return (int(years.pop()), f) if f else (None, None)

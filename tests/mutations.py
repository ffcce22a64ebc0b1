"""Seeded mutations of real files, for the fuzzer (tests/test_fuzz.py, `make fuzz`).

Each mutation takes a file's bytes and a random generator and returns the mutated bytes and what it did, so that a
failure can be replayed from its seed. Values are replaced the ways sources go wrong: extreme, odd, typed wrong,
empty, negative, enormous, far past and far future, codes no one issues, percentages over 100; rows are duplicated,
shuffled, cut; files are cut half-way, re-encoded, given another delimiter; sheets are hidden or added.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ODD_VALUES = [
    "",
    " ",
    "-",
    "0",
    "-1",
    "-999999999",
    "1e18",
    "9" * 30,
    "1,5,6",
    "12.345.678,9",
    "NaN",
    "inf",
    "#N/A",
    "#REF!",
    "TRUE",
    "?",
    "néant",
    "n'importe quoi",
    "0000-00-00",
    "1010-12-09",
    "31/12/2150",
    "30/02/2024",
    "2024-13-45",
    "1899-12-31",
    "XYZ",
    "ZZZ",
    "250 %",
    "-40 %",
    "=1+1",
    "<b>gras</b>",
    "'; DROP TABLE raw.budget_lines; --",
    "\u00a0\u00a0",
    "ligne\navec retour",
    "é" * 300,
]
ODD_DATES = ["1010-01-01", "1899-12-31", "2150-12-31", "2024-02-30", "2023-00-10", "demain", "", "1976-12-31"]
ODD_CODES = ["XYZ", "", "usd", "€", "99999", "ML99", "NaN"]
ODD_SHARES = ["NaN", "inf", "-5", "250", "100.0001", "", "cent"]


@dataclass(frozen=True)
class Mutant:
    data: bytes
    what: str  # the mutation, for the failure message and the replay


def _csv_dialect(text: str) -> str:
    head = text[:4000]
    return max([";", ",", "\t", "|"], key=head.count)


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _mutate_csv(data: bytes, rng: random.Random) -> Mutant:
    text, encoding = _decode(data)
    delimiter = _csv_dialect(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:  # a stray carriage return the csv module refuses: the file is cut instead
        return Mutant(data[: max(1, len(data) // 2)], "cut half-way (csv module refused it)")
    if len(rows) < 3:
        return Mutant(data[: max(1, len(data) // 2)], "cut half-way (tiny file)")
    body = range(1, len(rows))
    kind = rng.choice(["values", "values", "values", "rows", "cut", "encoding", "delimiter"])
    what = kind
    if kind == "values":
        changes = []
        for _ in range(rng.randint(1, 8)):
            r = rng.choice(body)
            if rows[r]:
                c = rng.randrange(len(rows[r]))
                rows[r][c] = rng.choice(ODD_VALUES)
                changes.append(f"L{r + 1}C{c + 1}={rows[r][c]!r}")
        what = "values " + ", ".join(changes)
    elif kind == "rows":
        op = rng.choice(["duplicate", "shuffle", "drop", "blank"])
        data_rows = rows[1:]
        if op == "duplicate":
            data_rows += rng.sample(data_rows, min(len(data_rows), rng.randint(1, 5)))
        elif op == "shuffle":
            rng.shuffle(data_rows)
        elif op == "drop":
            data_rows = [r for r in data_rows if rng.random() > 0.3] or data_rows[:1]
        else:
            data_rows.insert(rng.randrange(len(data_rows)), [])
        rows = rows[:1] + data_rows
        what = f"rows {op}"
    out = io.StringIO()
    if kind == "delimiter":
        delimiter = rng.choice([d for d in [";", ",", "\t", "|"] if d != delimiter])
        what = f"delimiter {delimiter!r}"
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n" if rng.random() < 0.3 else "\n").writerows(rows)
    if kind == "encoding":
        encoding = rng.choice(["utf-8", "utf-8-sig", "cp1252", "utf-16", "mac_roman"])
        what = f"re-encoded {encoding}"
    mutated = out.getvalue().encode(encoding, errors="replace")
    if kind == "cut":
        at = rng.randint(len(mutated) // 3, max(len(mutated) // 3 + 1, len(mutated) - 1))
        return Mutant(mutated[:at], f"cut at byte {at} of {len(mutated)}")
    return Mutant(mutated, what)


def _mutate_xlsx(data: bytes, rng: random.Random) -> Mutant:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - a workbook openpyxl cannot open is cut instead
        return Mutant(data[: len(data) // 2], "cut half-way")
    kind = rng.choice(["values", "values", "values", "hide", "add_sheet", "rows", "cut"])
    if kind == "cut":
        return Mutant(data[: rng.randint(len(data) // 4, len(data) - 1)], "cut")
    sheet = rng.choice(book.worksheets)
    what = f"{kind} in {sheet.title!r}"
    if kind == "values" and sheet.max_row > 1:
        changes = []
        for _ in range(rng.randint(1, 8)):
            r, c = rng.randint(2, sheet.max_row), rng.randint(1, max(1, sheet.max_column))
            value = rng.choice([*ODD_VALUES, -1e12, 1e18, 0, -5, True, 3.5e-9])
            cell = sheet.cell(row=r, column=c)
            if type(cell).__name__ != "MergedCell":  # the cells a merge covers hold nothing of their own
                cell.value = value
                changes.append(f"R{r}C{c}={value!r}")
        what += " " + ", ".join(changes)
    elif kind == "hide" and len(book.worksheets) > 1:
        sheet.sheet_state = "hidden"
    elif kind == "add_sheet":
        extra = book.create_sheet(rng.choice(["Liste", "Feuil2", "Notes", "Copie"]))
        for row in sheet.iter_rows(max_row=min(sheet.max_row, 30), values_only=True):
            extra.append(list(row))
    elif kind == "rows" and sheet.max_row > 2:
        sheet.delete_rows(rng.randint(2, sheet.max_row), rng.randint(1, 3))
    out = io.BytesIO()
    book.save(out)
    return Mutant(out.getvalue(), what)


def _mutate_xml(data: bytes, rng: random.Random) -> Mutant:
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError:
        return Mutant(data[: len(data) // 2], "cut half-way")
    kind = rng.choice(["values", "values", "values", "cut", "duplicate"])
    if kind == "cut":
        return Mutant(data[: rng.randint(len(data) // 3, len(data) - 1)], "cut")
    if kind == "duplicate":
        activities = root.findall("iati-activity")
        if activities:
            root.append(etree.fromstring(etree.tostring(rng.choice(activities))))
        return Mutant(etree.tostring(root, encoding="utf-8"), "activity duplicated")
    changes = []
    targets = {
        "value": lambda el: el.tag == "value",
        "date": lambda el: el.get("iso-date") is not None or el.get("value-date") is not None,
        "currency": lambda el: el.get("currency") is not None or el.get("default-currency") is not None,
        "percentage": lambda el: el.get("percentage") is not None,
    }
    elements = list(root.iter())
    for _ in range(rng.randint(1, 10)):
        name, test = rng.choice(list(targets.items()))
        found = [el for el in elements if isinstance(el.tag, str) and test(el)]
        if not found:
            continue
        el = rng.choice(found)
        if name == "value":
            el.text = rng.choice(ODD_VALUES)
        elif name == "date":
            key = "iso-date" if el.get("iso-date") is not None else "value-date"
            el.set(key, rng.choice(ODD_DATES))
        elif name == "currency":
            key = "currency" if el.get("currency") is not None else "default-currency"
            el.set(key, rng.choice(ODD_CODES))
        else:
            el.set("percentage", rng.choice(ODD_SHARES))
        changes.append(name)
    return Mutant(etree.tostring(root, encoding="utf-8"), "values " + ",".join(changes))


def _mutate_json(data: bytes, rng: random.Random) -> Mutant:
    try:
        page = json.loads(data.decode("utf-8-sig"))
        flows = page["data"]["flows"]
    except (ValueError, KeyError, TypeError):
        return Mutant(data[: len(data) // 2], "cut half-way")
    kind = rng.choice(["values", "values", "values", "cut"])
    if kind == "cut" or not flows:
        return Mutant(data[: rng.randint(len(data) // 3, max(len(data) // 3 + 1, len(data) - 1))], "cut")
    changes = []
    for _ in range(rng.randint(1, 6)):
        flow = rng.choice(flows)
        key = rng.choice(
            ["amountUSD", "originalAmount", "originalCurrency", "date", "decisionDate", "budgetYear", "id"]
        )
        flow[key] = rng.choice([*ODD_VALUES, None, -5, 1e18, [], {}])
        changes.append(f"{key}={flow[key]!r}")
    return Mutant(json.dumps(page).encode("utf-8"), "values " + ", ".join(changes))


MUTATORS: dict[str, Callable[[bytes, random.Random], Mutant]] = {
    ".csv": _mutate_csv,
    ".xlsx": _mutate_xlsx,
    ".xml": _mutate_xml,
    ".json": _mutate_json,
}


def mutate(path: Path, rng: random.Random) -> Mutant:
    data = path.read_bytes()
    try:
        return MUTATORS[path.suffix.lower()](data, rng)
    except Exception as exc:  # noqa: BLE001 - the mutator's own limits are not the product's: the file is cut
        at = rng.randint(1, max(1, len(data) - 1))
        return Mutant(data[:at], f"cut at byte {at} (mutator: {type(exc).__name__})")

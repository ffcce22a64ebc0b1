"""Bad files of each kind, made the way real ones go wrong, for the tests that show what a night does with them.

Each writer returns what the test needs to check the outcome, computed from the file it wrote.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.conftest import SAMPLE_INBOX

SAMPLE_BUDGET = SAMPLE_INBOX / "budget_lines" / "execution_budget_etat_2019_2024.csv"
STAGES = ["Dotation (FCFA)", "Engagement", "Liquidation", "Ordonnancement", "Paiement"]


def _number(cell: str) -> int:
    return int(cell.replace(" ", "").replace("\u00a0", ""))


def _written(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def budget_rows() -> tuple[list[str], int, list[str]]:
    """The sample budget file's lines (cp1252), the index of its header line and its header cells."""
    lines = SAMPLE_BUDGET.read_text(encoding="cp1252").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Exercice;"))
    return lines, header, lines[header].split(";")


def write_budget_correction(path: Path, dotation_change: int, break_chain: bool) -> dict:
    """A corrected copy of the sample budget file: the first line's dotation changed; with break_chain, the second
    line pays more than it ordered. Returns the lines touched (1-based line numbers, codes and amounts)."""
    lines, header, cells = budget_rows()
    col = {name: cells.index(name) for name in STAGES + ["Imputation", "Exercice"]}
    first, second = header + 1, header + 2
    row = lines[first].split(";")
    old_dotation = _number(row[col["Dotation (FCFA)"]])
    row[col["Dotation (FCFA)"]] = _written(old_dotation + dotation_change)
    lines[first] = ";".join(row)
    broken = lines[second].split(";")
    ordonnancement = _number(broken[col["Ordonnancement"]])
    if break_chain:
        broken[col["Paiement"]] = _written(ordonnancement + 5_000_000)
        lines[second] = ";".join(broken)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    return {
        "changed_line_code": row[col["Imputation"]],
        "fiscal_year": int(row[col["Exercice"]]),
        "old_dotation": old_dotation,
        "new_dotation": old_dotation + dotation_change,
        "broken_line_number": second + 1,
        "broken_line_code": broken[col["Imputation"]],
        "broken_fiscal_year": int(broken[col["Exercice"]]),
        "broken_ordonnancement": ordonnancement,
        "broken_paiement": _number(broken[col["Paiement"]]),
    }


def write_garbage_partner_report(path: Path, lines: int = 400, seed: int = 7, style: str = "signs") -> list[str]:
    """Random lines under a valid partner-report header, as a corrupted export or a wrong template looks: a soup of
    digits and signs across the columns ("signs"), or one random base64 word per line and no separator ("base64")."""
    import base64

    rng = random.Random(seed)
    alphabet = "0123456789#@!%&*+=?/\\|~^$"
    if style == "base64":
        body = [base64.b64encode(rng.randbytes(rng.randint(9, 30))).decode() for _ in range(lines)]
    else:
        body = [
            ";".join("".join(rng.choice(alphabet) for _ in range(rng.randint(3, 12))) for _ in range(5))
            for _ in range(lines)
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Partenaire;Région;Secteur;Montant dépensé;Devise\n" + "\n".join(body) + "\n", encoding="utf-8")
    return body


def write_partner_report_ending_before_it_starts(path: Path) -> int:
    """Returns the line number of the row whose period ends before it starts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "Partenaire;Région;Secteur;Date de début;Date de fin;Montant dépensé;Devise\n"
        "ACF;Mopti;Nutrition;01/01/2024;31/03/2024;10 000 000;XOF\n"
        "ACF;Ségou;Nutrition;01/04/2024;31/01/2024;5 000 000;XOF\n",
        encoding="utf-8",
    )
    return 3


def write_far_cell_workbook(path: Path) -> None:
    """A 5 KB workbook whose only other value is at XFD1048576 (a stray keystroke at the sheet's very end)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"], sheet["A2"], sheet["B2"] = "Partenaire", "Secteur", "ACF", "Nutrition"
    sheet["XFD1048576"] = "x"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_entity_expansion_xml(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    levels = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 9)]
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE iati-activities [' + "".join(levels) + "]>\n"
        '<iati-activities version="2.03"><iati-activity><iati-identifier>&lol8;</iati-identifier>'
        "</iati-activity></iati-activities>\n",
        encoding="utf-8",
    )


def seed_people(seeds: Path) -> tuple[list[str], list[str]]:
    """People named in the source documents, read where the tests run (they never enter the repository): names
    written after a civility, and e-mail addresses."""
    from ingest.personal_data import personal_data_in

    names, emails = set(), set()
    for document in sorted(seeds.glob("*.txt")):
        for kind, piece in personal_data_in(document.read_text(encoding="utf-8", errors="replace")):
            if kind == "name" and len(piece) >= 5:
                names.add(piece)
            elif kind == "email" and "@" in piece:
                emails.add(piece)
    return sorted(names), sorted(emails)


def write_partner_report_naming_people(path: Path, names: list[str], emails: list[str]) -> None:
    """A partner report whose free text names people the way coordination teams write it."""
    rows = [
        f"ACF;Mopti;Nutrition;Dépistage, voir Mme {name} au 76 00 00 00 ou {email};1 000 000;XOF"
        for name, email in zip(names, emails, strict=False)  # as many rows as the shorter list
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "Partenaire;Région;Secteur;Activité;Montant dépensé;Devise\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )


def let_in_a_row_without_holder(warehouse: Path) -> None:
    """What a bug of an earlier version could have left in a warehouse's raw layer: a tracker row with no holder
    (ingestion rejects those), its file's counts kept true. No file can do this: only the product breaks its promise."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "INSERT INTO raw.commitments SELECT * REPLACE (NULL AS holder, line_number + 100000 AS line_number, "
            "commitment_id || '-bogue' AS commitment_id) FROM raw.commitments ORDER BY file_id, line_number LIMIT 1"
        )
        con.execute(
            "UPDATE ops.files SET rows_read = rows_read + 1, rows_loaded = rows_loaded + 1 "
            "WHERE file_id = (SELECT file_id FROM raw.commitments WHERE holder IS NULL)"
        )


def take_out_the_row_without_holder(warehouse: Path) -> None:
    """The repair of let_in_a_row_without_holder, as a fix of that earlier version would make it."""
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "UPDATE ops.files SET rows_read = rows_read - 1, rows_loaded = rows_loaded - 1 "
            "WHERE file_id IN (SELECT file_id FROM raw.commitments WHERE holder IS NULL)"
        )
        con.execute("DELETE FROM raw.commitments WHERE holder IS NULL")

"""Check a file now, as the night will read it: `python -m warehouse.check FILE [--kind budget_lines] [--out DIR]`.

A data officer on the phone with a partner gets the file's receipt (French and English, HTML and a CSV of its
lines) and, when its headers are not recognised, the suggested profile, in seconds. The file is read by the night's
own ingestion (ingest_inbox, each file checked by its kind's suite) from a temporary inbox holding the file and the
real inbox's profiles (`_profils/`), into a temporary copy of the published warehouse: the warehouse, the inbox and
the file are never changed. The exit status says what the night will do: 0 loaded, 3 held back, 4 rejected,
5 a copy of a file already received (1 and 2 stay Python's and argparse's).

The same check runs in Airflow, triggered with the file's path (dags/check_file.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from config import Paths, paths

EXIT_CODES = {"loaded": 0, "held_back": 3, "rejected": 4, "duplicate": 5}
VERDICTS = {
    "loaded": "sera chargé / will be loaded",
    "held_back": "sera retenu, la version précédente reste en vigueur / will be held back, the previous one stays",
    "rejected": "sera rejeté / will be rejected",
    "duplicate": "déjà reçu sous un autre nom, ne sera pas relu / already received under another name",
}
# The inbox's folders a file can be dropped in (the folder decides which kinds a table is read as).
KINDS = ("partner_reports", "budget_lines", "commitments", "iati", "fts")


@dataclass(frozen=True)
class Checked:
    status: str  # loaded | held_back | rejected | duplicate
    path: str  # as the night will see it, under the inbox
    rows_read: int
    rows_loaded: int
    rows_held_back: int
    rows_skipped: int
    rows_rejected: int
    error: str | None
    receipts: dict[str, str]  # language -> HTML page
    lines: dict[str, str]  # language -> CSV of the lines to correct (when there are any)
    suggested_profile: str | None
    already_here: bool = False  # the warehouse holds this file at this place: the night leaves it as it was

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]


def inbox_path(file: Path, inbox: Path, kind: str | None) -> Path:
    """Where the night will see the file (profiles match that path): its own place when it is in the inbox, else in
    the folder of `kind`, else of the folder it is in when that is named as one of the inbox's, else at the top
    (recognised by its headers, as a file dropped there is)."""
    file = file.resolve()
    if kind is None and file.is_relative_to(inbox.resolve()):
        return file.relative_to(inbox.resolve())
    kind = kind or (file.parent.name if file.parent.name in KINDS else None)
    return Path(kind, file.name) if kind else Path(file.name)


def check_file(file: Path, out_dir: Path, kind: str | None = None, at: Paths | None = None) -> Checked:
    """Read `file` as the night will, against the published warehouse and the inbox's profiles; write its receipt
    into out_dir/fr/ and out_dir/en/."""
    from expectations.files import check_file as check_by_kind
    from ingest.inbox import ingest_inbox
    from ingest.profiles import PROFILES_DIR
    from report.i18n import LANGUAGES
    from report.receipts import CHECK_BATCH, write_receipts

    at = at or paths()
    relative = inbox_path(file, at.inbox, kind)
    with tempfile.TemporaryDirectory(prefix="verification-") as tmp:
        inbox, warehouse = Path(tmp, "inbox"), Path(tmp, "budget.duckdb")
        (inbox / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, inbox / relative)  # its modification date too: a tracker without dates is as of it
        if (at.inbox / PROFILES_DIR).is_dir():
            shutil.copytree(at.inbox / PROFILES_DIR, inbox / PROFILES_DIR)
        if at.warehouse.exists():
            shutil.copyfile(at.warehouse, warehouse)
        check = functools.partial(check_by_kind, today=dt.date.today())
        [result] = ingest_inbox(inbox, warehouse, load_batch=CHECK_BATCH, check=check).files
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            # A file the warehouse already holds at this place ("known") is what the night made of it then.
            [(file_id, status, suggested, *counts, error)] = con.execute(
                "SELECT file_id, status, suggested_profile, rows_read, rows_loaded, rows_held_back, rows_skipped, "
                "rows_rejected, error FROM ops.files WHERE path = ? ORDER BY file_id DESC LIMIT 1",
                [str(relative)],
            ).fetchall()
        finally:
            con.close()
        [page] = write_receipts(warehouse, out_dir, [file_id]).values()
    lines = {lang: out_dir / lang / page.replace(".html", ".csv") for lang in LANGUAGES}
    profile = out_dir / "fr" / page.replace(".html", "-profil-suggere.yml")
    return Checked(
        status,
        str(relative),
        *(count or 0 for count in counts),
        error=error,
        receipts={lang: str(out_dir / lang / page) for lang in LANGUAGES},
        lines={lang: str(p) for lang, p in lines.items() if p.exists()},
        suggested_profile=str(profile) if suggested else None,
        already_here=result.status == "known",
    )


def summary(checked: Checked) -> list[str]:
    """What the command prints: the verdict, the rows, where the receipt is."""
    verdict = VERDICTS[checked.status]
    if checked.already_here:
        verdict = f"déjà reçu ici ({checked.status}), laissé tel quel / already received here, left as it is"
    lines = [
        f"{checked.path} : {verdict}",
        f"lignes / rows : {checked.rows_read} lues / read, {checked.rows_loaded} chargées / loaded, "
        f"{checked.rows_held_back} retenues / held back, {checked.rows_skipped} écartées / skipped, "
        f"{checked.rows_rejected} rejetées / rejected",
    ]
    if checked.error:
        lines.append(f"motif / reason : {checked.error}")
    lines += [f"accusé / receipt ({lang}) : {page}" for lang, page in checked.receipts.items()]
    lines += [f"lignes à corriger / lines to correct ({lang}) : {csv}" for lang, csv in checked.lines.items()]
    if checked.suggested_profile:
        lines.append(f"profil suggéré / suggested profile : {checked.suggested_profile}")
    return lines


def default_out_dir(file: Path, at: Paths) -> Path:
    """Beside the published reports, where people already look: reports/verifications/<file>/."""
    return at.reports / "verifications" / file.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.check",
        description="Vérifier un fichier maintenant, comme la nuit le lira / check a file now, as the night will",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--kind", choices=KINDS, help="le dossier de la boîte où il sera déposé / its inbox folder")
    parser.add_argument("--out", type=Path, help="où écrire l'accusé / where the receipt goes")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file} : fichier introuvable / no such file")
    at = paths()
    checked = check_file(args.file, args.out or default_out_dir(args.file, at), args.kind, at)
    print("\n".join(summary(checked)))
    return checked.exit_code


def as_dict(checked: Checked) -> dict:
    return asdict(checked) | {"exit_code": checked.exit_code}


if __name__ == "__main__":
    sys.exit(main())

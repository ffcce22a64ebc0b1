"""Ingest every file of the inbox into the warehouse, one transaction per file.

Files are never moved or changed: a file already known (same path, same sha256) is left alone, the same
content under another name is recorded as a duplicate, a file that cannot be read is recorded as rejected
with its reason and the others go on. A file that reads but breaks what a file of its kind must hold (the check
given by the caller, expectations/files.py) or whose rows are mostly not of its kind is held back: its rows are not
loaded, so the previous file of the same source stays in force, and every failing line is named in ops.rejects.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import hashlib
import logging
import os
import re
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import duckdb

from config import REPO_ROOT
from ingest import amounts, countries, fts, gnr, iati, ledger, profiles, reference, suggest, tabular
from ingest import layout as ingest_layout
from ingest.errors import HeadersNotRecognised, InputError
from ingest.personal_data import redact, redact_file_name
from ingest.schemas import TABULAR_SCHEMAS, Schema
from ingest.values import connect, output_columns, sql_string, typed_rows

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    path: str
    status: str  # loaded | held_back | rejected | duplicate | known | internal_error
    kind: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    error: str | None = None
    rows_skipped: int = 0


@dataclass
class IngestSummary:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)

    def as_dict(self) -> dict:
        return {
            "files_seen": len(self.files),
            "files_loaded": self.count("loaded"),
            "files_rejected": self.count("rejected"),
            "files_held_back": self.count("held_back"),
            "files_duplicate": self.count("duplicate"),
            "files_already_known": self.count("known"),
            "files_internal_error": self.count("internal_error"),
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_skipped": sum(f.rows_skipped for f in self.files),
            "rows_rejected": sum(f.rows_rejected for f in self.files),
            "rejected": [asdict(f) for f in self.files if f.status == "rejected"],
            "held_back": [asdict(f) for f in self.files if f.status == "held_back"],
            "internal_error": [asdict(f) for f in self.files if f.status == "internal_error"],
        }


@dataclass(frozen=True)
class FailedCheck:
    """An expectation a file breaks, with (sheet, line, values) of the lines that break it."""

    expectation: str
    column: str
    reason_fr: str
    reason_en: str
    unexpected: int
    lines: list[tuple[str | None, int, str]]


# (connection, file_id, raw tables the file's rows went to) -> the expectations the file breaks
FileCheck = Callable[[duckdb.DuckDBPyConnection, int, list[str]], list[FailedCheck]]

# A file whose rows are mostly rejected is not a file of this kind (random lines under a valid header, a report
# exported with the wrong template), and one whose rows mostly break its kind's rules contradicts itself: held back
# whole, with a sample of its lines, rather than loaded in crumbs. Below that share, each row goes alone.
NOT_OF_THIS_KIND_SHARE = 0.5
NOT_OF_THIS_KIND_MIN_ROWS = 20
CUT_ROW = (
    "ligne coupée : le fichier s'arrête au milieu (pas de fin de ligne, valeur ou cellules manquantes) ; renvoyez-le",
    "row cut: the file stops in the middle of it (no line end, a value or cells missing); send it again",
)
LINES_NAMED = 50  # per expectation of a held-back file in ops.rejects; the count says how many more


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@functools.cache
def reading_core() -> str:
    """The fingerprint of what decides how a file is read: the ingest package's code and data, the rules it reads in
    config/ and the CFA franc zones seed. Recorded per file (ops.files.reading_core): a file not read whole under
    another core is read again once it changes, as it is under other profiles."""
    parts = sorted(p for p in Path(__file__).parent.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    parts += sorted((REPO_ROOT / "config").rglob("*.yml")) + [countries.CFA_FRANC_ZONES]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + part.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _schemas_for(relative: Path) -> tuple[Schema, ...]:
    """A file dropped in inbox/budget_lines/ can only be budget lines; one at the top may be any kind."""
    folder = relative.parts[0] if len(relative.parts) > 1 else ""
    matching = tuple(s for s in TABULAR_SCHEMAS if s.folder == folder)
    return matching or TABULAR_SCHEMAS


def inbox_files(inbox: Path) -> list[Path]:
    """What the inbox holds, but its folders, its profiles (inbox/_profils/), hidden files, Excel's lock files and
    notes: files, and anything else left there (links, devices, pipes), which `ingest_file` refuses. Links to folders
    are not followed."""
    found = []
    for folder, folders, names in os.walk(inbox):
        here = Path(folder)
        if here == inbox:
            folders[:] = [f for f in folders if f != profiles.PROFILES_DIR]
        found += [here / f for f in folders if (here / f).is_symlink()]
        found += [here / n for n in names]
    return sorted(p for p in found if not p.name.startswith((".", "~$")) and p.suffix.lower() != ".md")


def _not_a_file_of_the_inbox(path: Path, inbox: Path) -> str | None:
    """Why the inbox refuses this entry, if it does: the inbox is a folder of files. The reason says nothing of
    what a link points at (a link to /etc/passwd must not publish the machine's files, nor even their names)."""
    if path.is_symlink():
        return "lien symbolique refusé : déposez le fichier lui-même / symbolic link refused: drop the file itself"
    mode = path.lstat().st_mode
    if not stat.S_ISREG(mode):
        return (
            "pas un fichier ordinaire (périphérique, tube ou autre) : refusé / not a regular file (device, pipe or "
            "other): refused"
        )
    if not path.resolve().is_relative_to(inbox.resolve()):
        return "hors de la boîte de réception : refusé / outside the inbox: refused"
    return None


def ingest_inbox(
    inbox: Path,
    warehouse: Path,
    load_batch: str,
    check: FileCheck | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestSummary:
    """Every file of the inbox into the warehouse; `progress(files done, files seen)` after each file."""
    summary = IngestSummary()
    con = connect(warehouse)
    try:
        ledger.ensure_tables(con)
        reference.load_ecb_rates(con)
        files = inbox_files(inbox)
        for path in files:
            result = ingest_file(con, path, inbox, load_batch, check)
            log.info(
                "%s: %s (%s lus, %s chargés, %s rejetés)%s",
                result.path,
                result.status,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
                f" - {result.error}" if result.error else "",
            )
            summary.files.append(result)
            if progress:
                progress(len(summary.files), len(files))
        mismatches = ledger.accounting_mismatches(con)
        if mismatches:
            raise RuntimeError(f"lignes lues != chargées + rejetées / rows read != loaded + rejected: {mismatches}")
    finally:
        con.close()
    return summary


def ingest_file(
    con: duckdb.DuckDBPyConnection, path: Path, inbox: Path, load_batch: str, check: FileCheck | None = None
) -> FileResult:
    relative = path.relative_to(inbox)
    # What is recorded and published of the file's path and name: people's names and numbers taken out.
    published = redact_file_name(relative.as_posix())
    name = PurePosixPath(published).name
    refused = _not_a_file_of_the_inbox(path, inbox)
    if refused:
        return _refuse(con, path, published, name, refused, load_batch)
    sha = sha256_of(path)
    # A file our code failed on is tried again on every night: its earlier attempt's record gives way to this one.
    con.execute(
        "DELETE FROM ops.files WHERE sha256 = ? AND path = ? AND status = 'internal_error'", [sha, str(relative)]
    )
    try:
        profile, profile_error = profiles.profile_for(inbox, relative), None
    except InputError as exc:
        profile, profile_error = profiles.Profile(), str(exc)
    # A file not read whole (rejected, held back, rows rejected) under other profiles or another reading core than
    # today's is read again: fixing a profile is an edit and a rerun, fixing the reader an upgrade and a rerun.
    core = reading_core()
    known = con.execute(
        "SELECT file_id, path FROM ops.files WHERE sha256 = ? AND status <> 'internal_error' "
        "AND NOT ((status IN ('rejected', 'held_back') OR rows_rejected > 0) "
        "         AND (coalesce(profiles, []) <> ? OR coalesce(reading_core, '') <> ?)) ORDER BY file_id",
        [sha, list(profile.names), core],
    ).fetchall()
    if any(p == published for _, p in known):
        return FileResult(published, "known")
    stat = path.stat()
    record = {
        "path": published,
        "file_name": name,
        "sha256": sha,
        "size_bytes": stat.st_size,
        "received_at": dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC).replace(tzinfo=None),
        "loaded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
        "load_batch": load_batch,
        "profiles": list(profile.names) or None,
        "reading_core": core,
    }
    if profile_error:
        _record(con, record | {"status": "rejected", "error": profile_error})
        return FileResult(published, "rejected", error=profile_error)
    if known:
        _record(
            con,
            record
            | {
                "status": "duplicate",
                "duplicate_of": known[0][0],
                "error": "fichier déjà reçu sous un autre nom / same file already received",
            },
        )
        return FileResult(published, "duplicate")

    con.execute("BEGIN TRANSACTION")
    try:
        file_id = _next_file_id(con)
        result = _load(con, path, relative, name, file_id, load_batch, profile)
        failed = _not_of_its_kind(con, result, file_id)
        if not failed and check and result.rows_loaded:
            broken = check(con, file_id, result.tables)
            failed = _reject_rows_breaking_rules(con, result, broken, file_id, name, load_batch)
        status, error = "loaded", None
        if failed:
            status, error = "held_back", _hold_back(con, result, failed, file_id, name, load_batch)
        else:
            amounts.flag_implausible(con, file_id, name, load_batch)
        _record(
            con,
            record
            | {
                "file_id": file_id,
                "status": status,
                "source_kind": result.kind,
                "rows_read": result.rows_read,
                "rows_loaded": result.rows_loaded,
                "rows_held_back": result.rows_held_back,
                "rows_skipped": result.rows_skipped,
                "rows_rejected": result.rows_rejected,
                "error": error,
                **result.extra,
            },
        )
        con.execute("COMMIT")
        return FileResult(
            published,
            status,
            result.kind,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            error=error,
            rows_skipped=result.rows_skipped,
        )
    except INFRASTRUCTURE_ERRORS as exc:
        con.execute("ROLLBACK")
        _machine_failure(published, exc)
        raise
    except Exception as exc:  # noqa: BLE001 - one file never stops the night: its reader's error, or ours, set aside
        con.execute("ROLLBACK")
        if isinstance(exc, OSError) and exc.errno in MACHINE_ERRNOS:
            _machine_failure(published, exc)
            raise
        if isinstance(exc, OUR_ERRORS):
            log.error("%s non lu : erreur interne / not read: internal error", relative, exc_info=True)
            error = INTERNAL_ERROR.format(name=type(exc).__name__)
            _record(con, record | {"status": "internal_error", "error": error})
            return FileResult(str(relative), "internal_error", error=error)
        reason = str(exc) if isinstance(exc, InputError) else _unreadable(exc)
        log.warning("%s rejeté / rejected: %s", published, reason, exc_info=not isinstance(exc, InputError))
        suggestion = exc.suggested_profile if isinstance(exc, HeadersNotRecognised) else None
        _record(con, record | {"status": "rejected", "error": reason, "suggested_profile": suggestion})
        return FileResult(published, "rejected", error=reason)
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _refuse(con, path: Path, published: str, name: str, reason: str, load_batch: str) -> FileResult:
    """An entry of the inbox that is not a file of it, recorded as rejected without reading it: its content hash
    stands for its path, its size and time are the entry's own (os.lstat), never its target's."""
    digest = hashlib.sha256(f"{reason}\n{published}".encode()).hexdigest()
    if con.execute("SELECT 1 FROM ops.files WHERE path = ? AND sha256 = ?", [published, digest]).fetchall():
        return FileResult(published, "known")
    entry = path.lstat()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    _record(
        con,
        {
            "path": published,
            "file_name": name,
            "sha256": digest,
            "size_bytes": 0,
            "received_at": dt.datetime.fromtimestamp(entry.st_mtime, dt.UTC).replace(tzinfo=None),
            "loaded_at": now,
            "load_batch": load_batch,
            "status": "rejected",
            "error": reason,
        },
    )
    return FileResult(published, "rejected", error=reason)


# What is the machine's fault (or our SQL's), not the file's: these fail the task.
INFRASTRUCTURE_ERRORS = (
    MemoryError,
    duckdb.IOException,
    duckdb.OutOfMemoryException,
    duckdb.TransactionException,
    duckdb.BinderException,
    duckdb.CatalogException,
    duckdb.ParserException,
)
MACHINE_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.ENOMEM}
# What only our code raises, whatever a file holds (a reader's error on a file's bytes is the file's): such a file is
# set aside as not read, never rejected as unreadable, and read again on every night until a fix reads it.
OUR_ERRORS = (
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    NameError,
    AssertionError,
    ZeroDivisionError,
    RecursionError,
    NotImplementedError,
    duckdb.ConversionException,
    duckdb.InternalException,
)
INTERNAL_ERROR = (
    "non lu : erreur interne du produit ({name}), pas la faute du fichier ; il sera relu à chaque nuit / "
    "not read: the product's internal error ({name}), not the file's fault; it is read again every night"
)


def _machine_failure(relative: str, exc: BaseException) -> None:
    """Said in the task's log so that whoever reads a failed night knows it is not the file's fault."""
    log.error(
        "Panne de la machine (disque, mémoire, verrou), pas du fichier : la tâche sera relancée / machine "
        "failure (disk, memory, lock), not the file's: the task will be retried - %s: %s: %s",
        relative,
        type(exc).__name__,
        exc,
    )


def _unreadable(exc: Exception) -> str:
    """The reason for a data officer when a reader's own error stops on a file (decoding, parsing, a corrupt zip)."""
    if isinstance(exc, UnicodeError):
        return f"encodage illisible / unreadable text encoding: {exc}"
    if isinstance(exc, OSError):
        return f"fichier illisible / unreadable file: {exc}"
    return f"fichier illisible ({type(exc).__name__}) / unreadable file: {exc}"


@dataclass
class _Reading:
    """What every sheet of one file is typed with: who it is, the profile, and the notes said about it."""

    file_id: int
    file_name: str
    load_batch: str
    profile: profiles.Profile
    file_date: dt.date  # the date in the file's name, else its modification date
    notes: list[str] = field(default_factory=list)
    cut_row: tuple[int, str] | None = None  # the row the file ends inside of (line, text), rejected as cut


@dataclass
class _Loaded:
    kind: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    extra: dict = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    rows_held_back: int = 0


def _not_of_its_kind(con, result: _Loaded, file_id: int) -> list[FailedCheck]:
    """Most rows rejected: the file is not of the kind its headers say, and a sample of its lines tells the sender."""
    if (
        not result.tables
        or result.rows_read < NOT_OF_THIS_KIND_MIN_ROWS
        or result.rows_rejected <= NOT_OF_THIS_KIND_SHARE * result.rows_read
    ):
        return []
    sample = con.execute(
        "SELECT sheet, line_number, string_agg(column_name || '=' || coalesce(raw_value, ''), ' ; ') "
        "FROM ops.rejects WHERE file_id = ? AND action = 'rejected' GROUP BY ALL ORDER BY sheet, line_number LIMIT 10",
        [file_id],
    ).fetchall()
    share = f"{result.rows_rejected} / {result.rows_read}"
    return [
        FailedCheck(
            "rows_mostly_rejected",
            "",
            f"pas un fichier de ce type : {share} lignes illisibles",
            f"not a file of this kind: {share} lines unreadable",
            result.rows_rejected,
            sample,
        )
    ]


def _reject_rows_breaking_rules(
    con, result: _Loaded, broken: list[FailedCheck], file_id: int, file_name: str, load_batch: str
) -> list[FailedCheck]:
    """The rows breaking a rule of their kind's suite rejected one by one, each with the rule it breaks; the rest of
    the file loads. When they are most of the file's rows, the file contradicts itself: returned, to hold it back."""
    lines = {(sheet, line) for f in broken for sheet, line, _ in f.lines}
    if not lines:
        return []
    if result.rows_read >= NOT_OF_THIS_KIND_MIN_ROWS and len(lines) > NOT_OF_THIS_KIND_SHARE * result.rows_read:
        return broken
    con.executemany(
        "INSERT INTO ops.rejects (file_id, file_name, sheet, line_number, column_name, raw_value, reason_fr, "
        "reason_en, load_batch, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'rejected')",
        [
            [file_id, file_name, sheet, line, f.column or None, values, f.reason_fr, f.reason_en, load_batch]
            for f in broken
            for sheet, line, values in f.lines
        ],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE rows_breaking_rules (sheet VARCHAR, line_number BIGINT)")
    con.executemany("INSERT INTO rows_breaking_rules VALUES (?, ?)", [list(line) for line in sorted(lines, key=str)])
    for table in result.tables:
        [(deleted,)] = con.execute(
            f"""DELETE FROM {table} t WHERE file_id = ? AND EXISTS (SELECT 1 FROM rows_breaking_rules b
                WHERE b.sheet IS NOT DISTINCT FROM t.sheet AND b.line_number = t.line_number)""",
            [file_id],
        ).fetchall()
        result.rows_loaded -= deleted
    result.rows_rejected += len(lines)
    return []


def _hold_back(con, result: _Loaded, failed: list[FailedCheck], file_id: int, file_name: str, load_batch: str) -> str:
    """Take the file's rows out again, name every failing line in ops.rejects; returns the file's reason."""
    for table in result.tables:
        con.execute(f"DELETE FROM {table} WHERE file_id = ?", [file_id])
    result.rows_held_back, result.rows_loaded = result.rows_loaded, 0
    con.executemany(
        "INSERT INTO ops.rejects (file_id, file_name, sheet, line_number, column_name, raw_value, reason_fr, "
        "reason_en, load_batch, action) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'held_back')",
        [
            [file_id, file_name, sheet, line, f.column or None, values, f.reason_fr, f.reason_en, load_batch]
            for f in failed
            for sheet, line, values in f.lines[:LINES_NAMED]
        ],
    )
    reasons = [
        (
            f"{f.reason_fr} ({f.unexpected} ligne(s), ex. ligne(s) {', '.join(str(ln) for _, ln, _ in f.lines[:5])})",
            f"{f.reason_en} ({f.unexpected} line(s))",
        )
        for f in failed
    ]
    return (
        "fichier retenu, la version précédente reste en vigueur : "
        + " ; ".join(fr for fr, _ in reasons)
        + " / file held back, the previous version stays in force: "
        + "; ".join(en for _, en in reasons)
    )


def _load(
    con, path: Path, relative: Path, name: str, file_id: int, load_batch: str, profile: profiles.Profile
) -> _Loaded:
    """The file's rows into the raw tables; `name` is the file's name as recorded (ingest/personal_data.py)."""
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return _Loaded("iati", *iati.load(con, path, file_id, name, load_batch))
    if suffix == ".json":
        return _Loaded("fts", *fts.load(con, path, file_id, name, load_batch))
    gnr_table = gnr.export_table(path)
    if gnr_table:
        tables, read, loaded, rejected, extra = gnr.load(con, path, gnr_table, file_id, name, load_batch)
        return _Loaded(
            "gnr_commitments", rows_read=read, rows_loaded=loaded, rows_rejected=rejected, extra=extra, tables=tables
        )
    if suffix not in tabular.TABULAR_SUFFIXES:
        raise InputError(f"format non pris en charge ({suffix or 'sans extension'}) / unsupported format")
    return _load_tabular(con, path, relative, _Reading(file_id, name, load_batch, profile, _file_date(path)))


def _load_tabular(con, path: Path, relative: Path, reading: _Reading) -> _Loaded:
    profile = reading.profile
    schemas = profile.schemas(_schemas_for(relative))
    source = tabular.open_source(path, profile.sheet)
    try:
        layouts = _layouts(source.grids, schemas, profile, reading.notes, relative)
        for sheet in _sheets_repeating_others(source.grids, layouts):
            layouts.pop(sheet)
            reading.notes.append(
                f"feuille « {sheet} » non lue : elle répète des lignes d'autres feuilles, comptées une fois / "
                f"sheet '{sheet}' not read: it repeats lines of other sheets, counted once"
            )
        counts = []
        for sheet, layout in layouts.items():
            source.land(con, sheet, layout, "landed")
            ingest_layout.fill_chapters(con, "landed", layout)
            reading.cut_row = source.cut_row
            counts += _type_and_insert_landed(con, layout, redact(sheet), reading)
    finally:
        source.close()
    kinds = sorted({layout.schema.kind for layout in layouts.values()})
    return _Loaded(
        kind="+".join(kinds),
        tables=sorted({layout.schema.table for layout in layouts.values()}),
        rows_read=sum(c[0] for c in counts),
        rows_loaded=sum(c[1] for c in counts),
        rows_skipped=sum(c[2] for c in counts),
        rows_rejected=sum(c[3] for c in counts),
        extra={
            "sheets": [s for s in layouts if s is not None] or None,
            # The source's notes first (encoding, sheets not read), then the reading's, each once.
            "notes": list(dict.fromkeys(source.notes + reading.notes)) or None,
            "columns_dropped_personal": sorted({h for lay in layouts.values() for h in lay.dropped_personal}) or None,
            "columns_ignored": sorted({h for lay in layouts.values() for h in lay.ignored}) or None,
            "encoding": source.encoding,
        },
    )


def _layouts(
    grids: dict, schemas: tuple[Schema, ...], profile: profiles.Profile, notes: list[str], relative: Path
) -> dict:
    layouts = {}
    for sheet, grid in grids.items():
        found = ingest_layout.detect_layout(grid, schemas, profile)
        if found is not None:
            layouts[sheet] = found
            notes += [redact(note) for note in found.evidence_notes()]
        elif sheet is not None and any(any(c for c in row) for row in grid):
            notes.append(
                f"feuille « {sheet} » non lue : en-têtes non reconnus / "
                f"sheet '{sheet}' not read: headers not recognised"
            )
    if not layouts:
        if not any(any(c for c in row) for grid in grids.values() for row in grid):
            raise InputError("fichier vide / empty file")
        hints = "; ".join(
            f"{s.label_fr}: colonnes manquantes {', '.join(ingest_layout.missing_required(g, s))}"
            for s in schemas
            for g in list(grids.values())[:1]
        )
        sheet, grid = next((s, g) for s, g in grids.items() if any(any(c for c in row) for row in g))
        raise HeadersNotRecognised(
            "en-têtes non reconnus / headers not recognised - "
            + hints
            + " ; un profil est suggéré dans l'accusé de réception / a profile is suggested in the receipt",
            suggest.suggest_profile(grid, schemas, relative),
        )
    return layouts


def _sheets_repeating_others(grids: dict, layouts: dict) -> list[str]:
    """Sheets of one kind whose every row (its values by field) is a row of the other sheets kept: a summary sheet
    that repeats the regions' sheets, a copy of a sheet. The largest sheets are looked at first, so the summary goes
    and the regions stay; of two identical sheets, the first goes."""

    def rows(sheet: str) -> set[frozenset]:
        layout = layouts[sheet]
        signatures = set()
        for row in grids[sheet][layout.header_row + 1 :]:
            cells = {c.field.name: str(row[c.index] or "").strip() for c in layout.columns if c.index < len(row)}
            signature = frozenset((k, v) for k, v in cells.items() if v)
            if signature:
                signatures.add(signature)
        return signatures

    signatures = {sheet: rows(sheet) for sheet in layouts}
    dropped: list[str] = []
    for sheet in sorted(layouts, key=lambda s: -len(signatures[s])):
        kept = [s for s in layouts if s != sheet and s not in dropped and layouts[s].schema is layouts[sheet].schema]
        others = set().union(*(signatures[s] for s in kept)) if kept else set()
        if signatures[sheet] and signatures[sheet] <= others:
            dropped.append(sheet)
    return dropped


def _type_and_insert_landed(con, layout: tabular.SheetLayout, sheet: str | None, reading: _Reading) -> list[tuple]:
    """The landed sheet typed and inserted with the values no cell gives (title block, profile); a wide layout once
    per year, each pass named '<sheet> [2008]'."""
    for name, value in layout.constants.items():
        reading.notes.append(
            f"{name} de chaque ligne : « {value} » ({_constant_origin(name, reading.profile)}) / "
            f"{name} of every row: '{value}'"
        )
    if len(layout.years) == 1:
        year = next(iter(layout.years))
        reading.notes.append(
            f"exercice {year} lu dans le titre du fichier / fiscal year {year} read from the file's title"
        )
    elif layout.years:
        reading.notes.append(
            f"disposition large : exercices {', '.join(map(str, layout.years))} lus un par un, chaque ligne comptée "
            f"une fois par exercice / wide layout: years read one by one, each line counted once per year"
        )
    counts = []
    for year, values in layout.passes():
        added = "".join(f", {sql_string(v)} AS c{layout.width + k}" for k, v in enumerate(values.values()))
        con.execute(f"CREATE OR REPLACE TEMP VIEW landed_pass AS SELECT *{added} FROM landed")
        pass_name = sheet if len(layout.years) <= 1 else f"{sheet} [{year}]" if sheet else f"[{year}]"
        counts.append(_type_and_insert(con, layout.for_pass(year, values), "landed_pass", pass_name, reading))
    tabular.drop_landed(con, "landed")
    return counts


def _constant_origin(name: str, profile: profiles.Profile) -> str:
    return "profil, valeurs / profile" if name in profile.values else "titre du fichier / file's title"


_NAME_DATE = re.compile(
    r"(20[0-9]{2})[-_.]?([01][0-9])[-_.]?([0-3][0-9])|([0-3][0-9])[-_.]([01][0-9])[-_.](20[0-9]{2})"
)


def _file_date(path: Path) -> dt.date:
    """The date a file is as of: written in its name (2024-06-12, 20240612, 12-06-2024), else its modification date."""
    match = _NAME_DATE.search(path.stem)
    if match:
        y, m, d = match.group(1, 2, 3) if match.group(1) else match.group(6, 5, 4)
        try:
            return dt.date(int(y), int(m), int(d))
        except ValueError:
            pass
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()


def _skip_repeated_rows(con, layout: tabular.SheetLayout, cells: str, notes: list[str]) -> None:
    """A loaded row identical in every cell to an earlier one of its sheet is skipped, naming the line it repeats."""
    every_cell = ", ".join(f"c{i}" for i in range(layout.header_width or layout.width))
    [(repeated,)] = con.execute(f"""
        UPDATE typed_rows SET fate = 'skipped', problems = list_append(problems, {{
            'column_name': '(ligne)', 'raw_value': 'ligne ' || d.first_line || ' / line ' || d.first_line,
            'reason_fr': 'ligne identique à une ligne précédente, comptée une fois',
            'reason_en': 'row identical to an earlier one, counted once', 'action': 'skipped'}})
        FROM (SELECT line_number, first_value(line_number) OVER (PARTITION BY {every_cell} ORDER BY line_number)
                  AS first_line
              FROM {cells}
              -- Rows sharing their hash with another, found by one grouping on a number: the window sorts those only.
              WHERE hash({every_cell}) IN (SELECT hash({every_cell}) FROM {cells} GROUP BY 1 HAVING count(*) > 1)
             ) AS d
        WHERE d.line_number = typed_rows.line_number AND d.first_line <> d.line_number
          AND typed_rows.fate = 'loaded'""").fetchall()
    if repeated:
        notes.append(
            f"{repeated} ligne(s) identiques à une ligne précédente, comptées une fois / "
            f"{repeated} row(s) identical to an earlier one, counted once"
        )


@dataclass
class _LinesAbove:
    """Budget lines as they are read: their codes and a running total of each amount (not a sum again per row)."""

    width: int
    codes: list = field(default_factory=list)
    totals: list = field(default_factory=list)

    def add(self, code, values: list) -> None:
        self.codes.append(code)
        self.totals = [t + (v or 0) for t, v in zip(self.totals or [0] * self.width, values, strict=True)]

    def summed_by(self, code, values: list) -> bool:
        """Every amount the row writes is the total of these lines (two at least, not all zero), and its code, if
        any, begins theirs."""
        written = [k for k, v in enumerate(values) if v is not None]
        return (
            len(self.codes) >= 2
            and bool(written)
            and any(values[k] for k in written)
            and all(values[k] == self.totals[k] for k in written)
            and (code is None or all((c or "").startswith(str(code)) for c in self.codes))
        )


def _skip_rows_summing_the_lines_above(con, layout: tabular.SheetLayout, notes: list[str]) -> None:
    """A budget row whose every amount is the sum of the lines above it is a subtotal written without a label: skipped,
    never a line. The lines summed are those since the last subtotal (a chapter's) or since the top (a grand total),
    two at least, on the same side of the budget; the row must carry no line code, or one that begins the codes of
    the lines it sums ("6.12" over "6.12.1" and "6.12.2")."""
    fields = {f.name for f in layout.schema.fields}
    amounts = list(dict.fromkeys(c.field.name for c in layout.all_columns if c.field.kind == "amount"))
    if not amounts:
        return
    code = "line_code" if "line_code" in fields else "NULL"
    side = "budget_side" if "budget_side" in fields else "NULL"
    rows = con.execute(
        f"SELECT line_number, fate, {code}, {side}, {', '.join(amounts)} FROM typed_rows ORDER BY line_number"
    ).fetchall()
    subtotals: list[tuple[int, int]] = []  # (line, lines summed)
    chapter = _LinesAbove(len(amounts))  # the lines since the last subtotal
    everything = _LinesAbove(len(amounts))  # the lines since the top, of this side
    current_side = None
    for line, fate, line_code, row_side, *values in rows:
        if row_side != current_side:
            chapter, everything, current_side = _LinesAbove(len(amounts)), _LinesAbove(len(amounts)), row_side
        if fate != "loaded":
            if fate == "skipped":  # a total or chapter row said so by its label: the next lines start a chapter
                chapter = _LinesAbove(len(amounts))
            continue
        summed = next((lines for lines in (chapter, everything) if lines.summed_by(line_code, values)), None)
        if summed is not None:
            subtotals.append((line, len(summed.codes)))
            chapter = _LinesAbove(len(amounts))
            continue
        chapter.add(line_code, values)
        everything.add(line_code, values)
    if not subtotals:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE subtotal_rows (line_number BIGINT, lines_summed BIGINT)")
    con.executemany("INSERT INTO subtotal_rows VALUES (?, ?)", subtotals)
    con.execute("""
        UPDATE typed_rows SET fate = 'skipped', problems = list_append(problems, {
            'column_name': '(ligne)', 'raw_value': s.lines_summed || ' lignes / lines',
            'reason_fr': 'sous-total : chaque montant est la somme des lignes au-dessus, compté une fois',
            'reason_en': 'subtotal: every amount is the sum of the lines above, counted once', 'action': 'skipped'})
        FROM subtotal_rows s WHERE s.line_number = typed_rows.line_number""")
    con.execute("DROP TABLE subtotal_rows")
    notes.append(
        f"{len(subtotals)} ligne(s) de sous-total sans libellé (somme des lignes au-dessus) ignorées / "
        f"{len(subtotals)} unlabelled subtotal row(s) (the sum of the lines above) skipped"
    )


PROJECT_BUDGET_RULE = "project_budget_split_over_places"


def _split_project_budgets_repeated_per_place(con, notes: list[str]) -> None:
    """A 3W writing its project's budget on every place row of the project (one activity of one partner, the same
    amount on each of its rows, two places at least) holds one amount for the project, not one per row: split equally
    over its rows, the rule on each row (amount_rule) and in the notes."""
    place = "coalesce(commune_pcode, commune, cercle_pcode, cercle, region_pcode, region)"
    amounts = ("planned_budget", "amount_spent")
    # Both amounts' projects found by one grouping of the rows; one value and two places said by min and max, which
    # (unlike count(DISTINCT ...)) keep no set of values per project.
    repeats = ", ".join(
        f"""count(*) >= 2 AND count({amount}) = count(*) AND min({amount}) = max({amount})
            AND min({place}) < max({place}) AND max({amount}) <> 0 AS {amount}_repeated"""
        for amount in amounts
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE repeated_budgets AS
        SELECT * FROM (SELECT lower(partner) AS p, lower(activity) AS a, count(*) AS n, {repeats}
                       FROM typed_rows WHERE fate = 'loaded' AND activity IS NOT NULL GROUP BY 1, 2)
        WHERE {" OR ".join(f"{amount}_repeated" for amount in amounts)}""")
    for amount in amounts:
        [(split,)] = con.execute(f"""
            UPDATE typed_rows SET {amount} = {amount} / r.n, amount_rule = '{PROJECT_BUDGET_RULE}:' || r.n
            FROM repeated_budgets r
            WHERE lower(typed_rows.partner) = r.p AND lower(typed_rows.activity) = r.a AND typed_rows.fate = 'loaded'
              AND r.{amount}_repeated
        """).fetchall()
        [(projects,)] = con.execute(f"SELECT count(*) FROM repeated_budgets WHERE {amount}_repeated").fetchall()
        if split:
            notes.append(
                f"{amount} : montant identique sur chaque lieu de {projects} projet(s) ({split} lignes) : le budget du "
                f"projet, réparti également entre ses lieux / the same amount on every place of {projects} "
                f"project(s) ({split} rows): the project's budget, split equally over its places"
            )
    con.execute("DROP TABLE repeated_budgets")


def _decide_tracker_rules(con, reading: _Reading, sheet: str | None) -> None:
    """A tracker's statuses without a date are as of the file's date ("En cours" is news, not silence); points
    numbered 1..N in each meeting's tracker are that tracker's points (two meetings' point 3 never merge)."""
    [(dated,)] = con.execute(
        "UPDATE typed_rows SET status_date = ? WHERE status IS NOT NULL AND status_date IS NULL AND fate = 'loaded'",
        [reading.file_date],
    ).fetchall()
    if dated:
        reading.notes.append(
            f"statuts sans date datés du fichier : {reading.file_date.isoformat()} / "
            f"statuses with no date dated as of the file: {reading.file_date.isoformat()}"
        )
    tracker = Path(reading.file_name).stem + (f" [{sheet}]" if sheet else "")
    [(numbered,)] = con.execute(
        "UPDATE typed_rows SET commitment_id = ? || ' #' || trim(commitment_id) "
        "WHERE regexp_full_match(trim(commitment_id), '[0-9]{1,4}') AND fate = 'loaded'",
        [tracker],
    ).fetchall()
    if numbered:
        reading.notes.append(
            f"points numérotés 1..N identifiés par le suivi : « {tracker} #3 » / "
            f"points numbered 1..N keyed by their tracker: '{tracker} #3'"
        )


def _decide_currencies(con, layout: tabular.SheetLayout, profile: profiles.Profile, notes: list[str]) -> None:
    """The country and currency of the typed rows that write none, by stated rules written in the file's notes.

    Country: the row's own, else the profile's. "FCFA": XOF or XAF by the row's country (named, or its P-code's),
    else the profile's; unknown otherwise. A row writing no currency: the profile's, else the one currency the sheet
    writes elsewhere; else, when the sheet holds amounts, unknown: the amounts are kept unconverted and flagged.
    """
    fields = {f.name for f in layout.schema.fields}
    pcodes = _pcode_fields(fields)
    if "country" in fields and profile.country:
        # A row placed by a P-code has its country in it (TD01 is Chad): the profile's is for the others.
        [(filled,)] = con.execute(
            "UPDATE typed_rows SET country = ? WHERE country IS NULL AND fate = 'loaded'"
            + "".join(f" AND {p} IS NULL" for p in pcodes),
            [profile.country],
        ).fetchall()
        if filled:
            notes.append(
                f"pays des lignes qui n'en écrivent pas : {profile.country} (profil) / "
                f"country of rows writing none: {profile.country} (profile)"
            )
    _decide_cfa_franc(con, fields, profile, notes)
    if profile.currency:
        [(filled,)] = con.execute(
            "UPDATE typed_rows SET currency = ? WHERE currency IS NULL AND currency_assumed", [profile.currency]
        ).fetchall()
        if filled:
            notes.append(
                f"devise des lignes qui n'en écrivent pas : {profile.currency} (profil) / "
                f"currency of rows writing none: {profile.currency} (profile)"
            )
        return
    currencies = [
        c for (c,) in con.execute("SELECT DISTINCT currency FROM typed_rows WHERE currency IS NOT NULL").fetchall()
    ]
    if len(currencies) == 1:
        con.execute("UPDATE typed_rows SET currency = ? WHERE currency IS NULL AND currency_assumed", currencies)
        notes.append(
            f"devise des lignes qui n'en écrivent pas : {currencies[0]}, la seule écrite dans le fichier / "
            f"currency of rows writing none: {currencies[0]}, the only one the file writes"
        )
        return
    amounts = [c.field.name for c in layout.columns if c.field.kind == "amount"]
    [(unknown,)] = con.execute(
        "SELECT count(*) FROM typed_rows WHERE currency IS NULL AND currency_assumed AND ("
        + (" OR ".join(f"coalesce({a} <> 0, false)" for a in amounts) or "false")
        + ")"
    ).fetchall()
    if unknown:
        notes.append(
            f"devise inconnue sur {unknown} ligne(s) avec montants : rien ne dit la monnaie, montants gardés non "
            f"convertis (un profil peut la donner : devise) / currency unknown on {unknown} row(s) with amounts: "
            f"nothing states it, amounts kept unconverted (a profile can state it: devise)"
        )


def _pcode_fields(fields: set[str]) -> list[str]:
    return [n for n in ("region_pcode", "cercle_pcode", "commune_pcode") if n in fields]


def _decide_cfa_franc(con, fields: set[str], profile: profiles.Profile, notes: list[str]) -> None:
    pcodes = [f"typed_rows.{n}" for n in _pcode_fields(fields)]
    country = "typed_rows.country" if "country" in fields else "CAST(NULL AS VARCHAR)"
    prefix = f"left(coalesce({', '.join(pcodes)}), 2)" if pcodes else "CAST(NULL AS VARCHAR)"
    keys = con.execute(
        f"SELECT DISTINCT {country} AS country, {prefix} AS prefix FROM typed_rows WHERE currency = ?",
        [countries.AMBIGUOUS_CFA],
    ).fetchall()
    if not keys:
        return
    decided = []
    for named, pcode_prefix in keys:
        code, how = countries.alpha2_from_name(named), "pays de la ligne / row's country"
        if code is None and pcode_prefix in countries.CFA_FRANC:
            code, how = pcode_prefix, "P-code de la ligne / row's P-code"
        if code is None and profile.country:
            code, how = profile.country, "profil / profile"
        franc = countries.cfa_franc(code)
        decided.append((named, pcode_prefix, franc))
        notes.append(
            f"FCFA lu {franc} : {code} ({how})"
            if franc
            else f"FCFA sans pays connu de la zone franc ({named or code or '?'}) : XOF ou XAF, devise inconnue, "
            f"montants non convertis / FCFA with no CFA-zone country: XOF or XAF unknown, amounts unconverted"
        )
    con.execute("CREATE OR REPLACE TEMP TABLE cfa_francs (country VARCHAR, prefix VARCHAR, currency VARCHAR)")
    con.executemany("INSERT INTO cfa_francs VALUES (?, ?, ?)", decided)
    con.execute(f"""
        UPDATE typed_rows SET currency = f.currency FROM cfa_francs f
        WHERE typed_rows.currency = '{countries.AMBIGUOUS_CFA}'
          AND {country} IS NOT DISTINCT FROM f.country AND {prefix} IS NOT DISTINCT FROM f.prefix""")
    con.execute("DROP TABLE cfa_francs")


def _type_and_insert(
    con, layout: tabular.SheetLayout, cells: str, sheet: str | None, reading: _Reading
) -> tuple[int, int, int, int]:
    """Type the landed rows once; loaded rows go into the raw table, every problem into ops.rejects with what
    became of it. Returns rows read, loaded, skipped and rejected."""
    schema = layout.schema
    names = ", ".join(name for name, _ in output_columns(schema))
    con.execute(f"CREATE OR REPLACE TEMP TABLE typed_rows AS {typed_rows(layout, cells)}")
    _decide_currencies(con, layout, reading.profile, reading.notes)
    if schema.repeated_rows_skipped:
        _skip_repeated_rows(con, layout, cells, reading.notes)
    if schema.kind == "partner_report":
        _split_project_budgets_repeated_per_place(con, reading.notes)
    if schema.kind == "commitment":
        _decide_tracker_rules(con, reading, sheet)
    if schema.kind == "budget_line":
        _skip_rows_summing_the_lines_above(con, layout, reading.notes)
    if reading.cut_row is not None:
        line, read = reading.cut_row
        con.execute(
            """UPDATE typed_rows SET fate = 'rejected', problems = list_append(problems, {'column_name': '(ligne)',
               'raw_value': ?, 'reason_fr': ?, 'reason_en': ?, 'action': 'rejected'}) WHERE line_number = ?""",
            [redact(read), *CUT_ROW, line],
        )
    con.execute(
        f"""INSERT INTO {schema.table} (file_id, sheet, line_number, load_batch, {names}, currency_assumed, amount_rule)
            SELECT ?, ?, line_number, ?, {names}, currency_assumed, amount_rule FROM typed_rows
            WHERE fate = 'loaded'""",
        [reading.file_id, sheet, reading.load_batch],
    )
    con.execute(
        """INSERT INTO ops.rejects (file_id, file_name, sheet, line_number, column_name, raw_value, reason_fr,
                                    reason_en, load_batch, action)
           SELECT ?, ?, ?, line_number, p.column_name, p.raw_value, p.reason_fr, p.reason_en, ?,
                  CASE WHEN fate = 'loaded' THEN p.action ELSE fate END
           FROM (SELECT line_number, fate, unnest(problems) AS p FROM typed_rows WHERE len(problems) > 0)""",
        [reading.file_id, reading.file_name, sheet, reading.load_batch],
    )
    [(read, loaded, skipped, rejected)] = con.execute(
        "SELECT count(*), count(*) FILTER (fate = 'loaded'), count(*) FILTER (fate = 'skipped'), "
        "count(*) FILTER (fate = 'rejected') FROM typed_rows"
    ).fetchall()
    con.execute("DROP TABLE typed_rows")
    tabular.drop_landed(con, cells)
    return read, loaded, skipped, rejected


def _next_file_id(con) -> int:
    [(file_id,)] = con.execute("SELECT nextval('ops.file_id_seq')").fetchall()
    return file_id


# What ops.files says of a file in the file's own words (sheet names, headers, notes, reasons quoting them): published
# in the receipts, so people's names and numbers in them are taken out.
_WORDS_OF_THE_FILE = ("error", "notes", "sheets", "columns_dropped_personal", "columns_ignored")


def _record(con, record: dict) -> None:
    if "file_id" not in record:
        record = {"file_id": _next_file_id(con)} | record
    record = record | {
        key: [redact(v) for v in value] if isinstance(value, list) else redact(value)
        for key, value in record.items()
        if key in _WORDS_OF_THE_FILE
    }
    columns = ", ".join(record)
    con.execute(f"INSERT INTO ops.files ({columns}) VALUES ({', '.join('?' * len(record))})", list(record.values()))

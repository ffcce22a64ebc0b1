"""The published night's marts served to analysts in PostgreSQL (optional: ANALYTICS_DATABASE_URL).

Several analysts, Excel through ODBC, a BI tool or QGIS can read a PostgreSQL database at once, where a DuckDB file
has one writer and local readers. After the night is published, every table of the warehouse's `marts` schema
(facts, dims, report marts, data-quality marts) is copied into a schema of its own (`budget_next`), with the dbt
docs' descriptions as COMMENTs and SELECT granted to the read-only role; then, in one transaction, that schema
becomes `budget` (the last night's tables locked, two renames, one commit: `_swap`) and the previous night's schema
is dropped once the queries still reading it are done. A reader's query sees the old night or the new one, never a
mix.

    ANALYTICS_DATABASE_URL   postgresql://budget:...@host:5432/analytics (the loader: owns the schemas)
    ANALYTICS_READER_ROLE    the analysts' read-only role, made by the database's administrator (default: analyst)
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

SCHEMA = "budget"
NEXT = "budget_next"
PREVIOUS = "budget_previous"
MARTS = "marts"
# DuckDB types as PostgreSQL stores them; a list goes as JSON (Excel and BI tools read text, not arrays).
TYPES = {
    "VARCHAR": "text",
    "DATE": "date",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
}


def configured() -> str | None:
    return os.environ.get("ANALYTICS_DATABASE_URL") or None


def reader_role() -> str:
    return os.environ.get("ANALYTICS_READER_ROLE", "analyst")


def _pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return "numeric" + duckdb_type.removeprefix("DECIMAL")
    if duckdb_type.endswith("[]"):
        return "jsonb"
    return TYPES[duckdb_type]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


SWAP_LOCK_WAIT = "200ms"  # well under PostgreSQL's deadlock_timeout (1 s): the swap gives way, never a reader
SWAP_ATTEMPTS = 100


def _swap(pg, cur) -> None:
    """`budget_next` becomes `budget` in one commit. A query finds its tables one by one, so renaming alone could
    let it read one table of each night: the swap first locks every table of the last night, so a query that has
    started on them finishes on them, and one that starts during the swap finds this night's. A query that holds one
    of those tables and waits for another the swap has locked would deadlock with it: the swap waits briefly,
    gives way (rolled back, nothing changed) and tries again."""
    import psycopg2.errors

    for attempt in range(SWAP_ATTEMPTS):
        cur.execute(f"set local lock_timeout = {_literal(SWAP_LOCK_WAIT)}")
        cur.execute("select tablename from pg_tables where schemaname = %s order by 1", [SCHEMA])
        tables = [f"{SCHEMA}.{_ident(t)}" for (t,) in cur.fetchall()]
        try:
            if tables:
                cur.execute(f"lock table {', '.join(tables)} in access exclusive mode")
                cur.execute(f"alter schema {SCHEMA} rename to {PREVIOUS}")
            cur.execute(f"alter schema {NEXT} rename to {SCHEMA}")
            pg.commit()
            return
        except psycopg2.errors.LockNotAvailable:
            pg.rollback()
            time.sleep(0.01 * (attempt + 1))
    raise RuntimeError(
        f"les marts n'ont pas pu remplacer ceux de la veille : lectures continues ({SWAP_ATTEMPTS} essais) / "
        f"the marts could not replace the last night's: reads never paused ({SWAP_ATTEMPTS} attempts)"
    )


def serve_marts(warehouse: Path, url: str, night: str, role: str | None = None) -> dict[str, int]:
    """Copy the warehouse's marts into PostgreSQL and swap them in; returns the rows copied per table."""
    import psycopg2

    from report.extracts import model_documentation

    role = role or reader_role()
    rows: dict[str, int] = {}
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        tempfile.TemporaryDirectory() as scratch,
        contextlib.closing(psycopg2.connect(url)) as pg,  # closed, not only committed, at the end
        pg.cursor() as cur,
    ):
        tables = source.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [MARTS]
        ).fetchall()
        cur.execute(f"drop schema if exists {NEXT} cascade; create schema {NEXT}")
        cur.execute(f"comment on schema {NEXT} is {_literal(f'nuit publiée / published night {night}')}")
        cur.execute(f"grant usage on schema {NEXT} to {_ident(role)}")
        for (table,) in tables:
            columns = source.execute(
                "select column_name, data_type from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [MARTS, table],
            ).fetchall()
            target = f"{NEXT}.{_ident(table)}"
            cur.execute(f"create table {target} ({', '.join(f'{_ident(c)} {_pg_type(t)}' for c, t in columns)})")
            select = ", ".join(f"to_json({_ident(c)})" if t.endswith("[]") else _ident(c) for c, t in columns)
            csv = Path(scratch) / f"{table}.csv"
            source.sql(f"select {select} from {MARTS}.{_ident(table)}").write_csv(str(csv), header=False)
            with csv.open("rb") as body:
                cur.copy_expert(f"copy {target} from stdin with (format csv)", body)
            rows[table] = cur.rowcount
            description, documented = model_documentation(table)
            if description:
                cur.execute(f"comment on table {target} is {_literal(description)}")
            for column, _ in columns:
                if documented.get(column):
                    cur.execute(f"comment on column {target}.{_ident(column)} is {_literal(documented[column])}")
            cur.execute(f"grant select on {target} to {_ident(role)}")
        pg.commit()
        cur.execute(f"drop schema if exists {PREVIOUS} cascade")
        pg.commit()
        _swap(pg, cur)
        cur.execute(f"drop schema if exists {PREVIOUS} cascade")  # once the queries still reading it are done
        pg.commit()
    log.info("Marts servis aux analystes / marts served to analysts: %s tables, schema %s", len(rows), SCHEMA)
    return rows

"""GX's SQL data source on DuckDB: the small adapter that makes each expectation a query inside the warehouse.

Two data sources use it (great_expectations.yml): `warehouse_marts`, the gate on a night's warehouse opened read-only
(`duckdb+gate:///<file>`), and `incoming_files`, the check of each incoming file's rows on the ingestion's own
connection, inside the file's transaction, before it commits (`duckdb+ingest:///`, while `sharing(con)`).

Five things break GX 1.24 on duckdb_engine 0.17 with SQLAlchemy 2.1 (GX issues #10738, #11579), each fixed here, and
two of its SQL metrics are slow on DuckDB, each written another way:
- duckdb_engine opens a DuckDB transaction on SQLAlchemy's implicit begin, and GX closes the connection before it
  reads a metric's rows; the rollback on close discards DuckDB's pending result, so every bundled metric comes back
  empty (`IndexError` in `resolve_metric_bundle`). The gate only reads a file opened read-only: no transaction.
- SQLAlchemy 2.1's PostgreSQL column reflection reads `pg_collation`, which DuckDB lacks; GX then falls back to
  `SELECT * FROM <table>` without the schema. Columns are read from `information_schema` instead.
- Its key reflection casts to `REGCLASS`, which DuckDB lacks: the failed query aborts the transaction it runs in (the
  ingestion's). The tables checked have no keys GX needs: none are reported.
- GX's engines keep their connections open past the validation: the gate closes them (`close_connections`).
- GX knows no DuckDB regex nor a SQL `strftime` check: both given as DuckDB functions over the value as text (a
  DATE is written ISO `YYYY-MM-DD`, as the pandas path saw it), so the stored suites stay as they are.

- GX writes a value set as `IN (v1, ..., vn)`, which DuckDB evaluates as n comparisons per row when it is not a
  filter (the ISO 4217 list: 2 s over 10 million flows). Written `IN (SELECT unnest(<list>))`, it is one hash lookup.
- GX counts the rows sharing each value of a unique column with a window, which sorts the column; here the count is
  a grouping that keeps the repeated values only, joined back to the rows (2.5 s -> 1.3 s for a fact's key over
  10 million flows, twice per gate: the count, then the examples).

`warehouse_url(path)` names the dialect; importing this module registers it and the four metrics below.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import duckdb
import duckdb_engine
import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.metrics.column_map_metrics.column_values_in_set import ColumnValuesInSet
from great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex import (
    ColumnValuesMatchRegex,
)
from great_expectations.expectations.metrics.column_map_metrics.column_values_match_strftime_format import (
    ColumnValuesMatchStrftimeFormat,
)
from great_expectations.expectations.metrics.column_map_metrics.column_values_unique import (
    _DUP_KEY_SUBQUERY_ALIAS,
    _DUPLICATE_THRESHOLD,
    ColumnValuesUnique,
    _count_label,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    column_condition_partial,
    column_function_partial,
)
from great_expectations.expectations.metrics.util import get_dialect_regex_expression
from sqlalchemy.dialects import registry

DIALECT = "duckdb.gate"
INGEST_DIALECT = "duckdb.ingest"
INGEST_URL = "duckdb+ingest:///"
_COLUMN_TYPES = {
    "BIGINT": sa.BigInteger,
    "BOOLEAN": sa.Boolean,
    "DATE": sa.Date,
    "DECIMAL": sa.Numeric,
    "DOUBLE": sa.Float,
    "FLOAT": sa.Float,
    "HUGEINT": sa.BigInteger,
    "INTEGER": sa.Integer,
    "SMALLINT": sa.SmallInteger,
    "TIMESTAMP": sa.DateTime,
    "VARCHAR": sa.String,
}


_engines: list[sa.Engine] = []


class GateDialect(duckdb_engine.Dialect):
    """duckdb_engine for a read-only warehouse: autocommit reads, columns from information_schema, and connections
    opened with no settings of its own, so that other read-only connections of the process can share the file."""

    supports_statement_cache = True

    def connect(self, *cargs, **cparams):
        cparams.pop("url_config", None)
        return duckdb_engine.ConnectionWrapper(duckdb.connect(*cargs, **cparams))

    def initialize(self, connection) -> None:
        super().initialize(connection)
        _engines.append(connection.engine)

    def do_begin(self, dbapi_connection) -> None:
        pass

    def do_rollback(self, dbapi_connection) -> None:
        pass

    def get_columns(self, connection, table_name, schema=None, **kw):
        rows = connection.execute(
            sa.text(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = coalesce(:schema, current_schema()) AND table_name = :table "
                "ORDER BY ordinal_position"
            ),
            {"schema": schema, "table": table_name},
        ).fetchall()
        return [
            {
                "name": name,
                "type": _COLUMN_TYPES.get(data_type.split("(")[0], sa.types.NullType)(),
                "nullable": nullable == "YES",
                "default": None,
            }
            for name, data_type, nullable in rows
        ]

    def get_pk_constraint(self, connection, table_name, schema=None, **kw):
        return {"constrained_columns": [], "name": None}

    def get_foreign_keys(self, connection, table_name, schema=None, **kw):
        return []

    def get_indexes(self, connection, table_name, schema=None, **kw):
        return []

    def get_unique_constraints(self, connection, table_name, schema=None, **kw):
        return []


_shared: duckdb.DuckDBPyConnection | None = None


class _SharedConnection(duckdb_engine.ConnectionWrapper):
    """The ingestion's connection lent to SQLAlchemy: closing it is the ingestion's business."""

    def close(self) -> None:
        pass


class IngestDialect(GateDialect):
    """The ingestion's own connection (`sharing`), inside its open transaction: GX neither commits nor closes it,
    and holds it only while it runs (no pool: the next check may lend another connection)."""

    @classmethod
    def get_pool_class(cls, url):
        return sa.pool.NullPool

    def connect(self, *cargs, **cparams):
        if _shared is None:
            raise RuntimeError(f"{INGEST_URL}: aucune connexion prêtée / no connection lent (expectations.duckdb_sql)")
        return _SharedConnection(_shared)

    def initialize(self, connection) -> None:
        duckdb_engine.Dialect.initialize(self, connection)

    def do_commit(self, dbapi_connection) -> None:
        pass


@contextmanager
def sharing(con: duckdb.DuckDBPyConnection):
    """While inside, `INGEST_URL` is `con` (its uncommitted rows included)."""
    global _shared
    _shared = con
    try:
        yield
    finally:
        _shared = None


def _on_duckdb(dialect) -> bool:
    return getattr(getattr(dialect, "dialect", dialect), "name", None) == "duckdb"


def _as_text(column):
    return sa.cast(column, sa.String)


def close_connections() -> None:
    """Close every connection GX opened through this dialect: the file is free again for a writer."""
    while _engines:
        _engines.pop().dispose()


def warehouse_url(warehouse: Path) -> str:
    """The SQLAlchemy URL of a warehouse file through this dialect."""
    return f"duckdb+gate:///{warehouse.resolve()}"


# Defining the two providers below replaces GX's SQL ones for these metrics, which GX would log as a warning.
_registry_log = logging.getLogger("great_expectations.expectations.registry")
_registry_level = _registry_log.level
_registry_log.setLevel(logging.ERROR)


class DuckDBMatchRegex(ColumnValuesMatchRegex):
    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, regex, _dialect, **kwargs):
        if _on_duckdb(_dialect):
            return sa.func.regexp_matches(_as_text(column), sa.literal(regex))
        return get_dialect_regex_expression(column, regex, _dialect)


class DuckDBMatchStrftimeFormat(ColumnValuesMatchStrftimeFormat):
    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, strftime_format, _dialect, **kwargs):
        if not _on_duckdb(_dialect):
            raise NotImplementedError(f"strftime check in SQL on DuckDB only, not {_dialect}")
        return sa.func.try_strptime(_as_text(column), sa.literal(strftime_format)).is_not(None)


class DuckDBValuesInSet(ColumnValuesInSet):
    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column, value_set, _dialect, **kwargs):
        values = [value for value in value_set or () if value is not None]
        if not _on_duckdb(_dialect) or not values:
            return ColumnValuesInSet._sqlalchemy_impl(column, value_set, _dialect=_dialect, **kwargs)
        return column.in_(sa.select(sa.func.unnest(sa.func.list_value(*map(sa.literal, values)))))


class DuckDBValuesUnique(ColumnValuesUnique):
    """Each row's value with the number of rows holding it (GX's `count_per_value`, which its condition compares
    with 2): 1 unless the value is one of the repeated ones. Those are found by grouping the values' hashes (a number,
    quicker to group than text), then the values of the hashes seen twice."""

    @column_function_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy_function(cls, column, _table, **kwargs):
        # Standard SQL but for hash() (GX gives no dialect to a function partial): both data sources are DuckDB.
        count_label = _count_label(kwargs["_metrics"]["table.columns"])
        value_label = f"{count_label}_value"
        if isinstance(_table, sa.Select):
            rows, grouped, hashed = (_table.subquery(name) for name in ("rows_checked", "rows_grouped", "rows_hashed"))
        else:
            rows, grouped, hashed = _table.alias("rows_checked"), _table.alias("rows_grouped"), _table
        value = sa.column(column.name)
        repeated_hashes = (
            sa.select(sa.func.hash(value))
            .select_from(hashed)
            .group_by(sa.func.hash(value))
            .having(sa.func.count() >= _DUPLICATE_THRESHOLD)
        )
        repeated = (
            sa.select(value.label(value_label), sa.func.count().label(count_label))
            .select_from(grouped)
            .where(sa.func.hash(value).in_(repeated_hashes))
            .group_by(value)
            .having(sa.func.count() >= _DUPLICATE_THRESHOLD)
            .subquery("repeated_values")
        )
        return (
            sa.select(value, sa.func.coalesce(repeated.c[count_label], 1).label(count_label))
            .select_from(rows.outerjoin(repeated, value == repeated.c[value_label]))
            .alias(_DUP_KEY_SUBQUERY_ALIAS)
        )


_registry_log.setLevel(_registry_level)
registry.register(DIALECT, __name__, "GateDialect")
registry.register(INGEST_DIALECT, __name__, "IngestDialect")

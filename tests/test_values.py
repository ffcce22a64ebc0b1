"""The French value parsers (ingest/sql/parsers.sql), cell by cell."""

import datetime as dt

import pytest

from ingest.values import connect


@pytest.fixture(scope="module")
def con():
    return connect()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 200 000 FCFA", 1_200_000),
        ("1\u00a0200\u00a0000", 1_200_000),
        ("1\u202f200\u202f000 F CFA", 1_200_000),
        ("1.200.000", 1_200_000),
        ("1 200 000,50", 1_200_000.5),
        ("231 400 000,50", 231_400_000.5),
        ("(1 500)", -1500),
        ("-35 000 F CFA", -35_000),
        ("$2,000,000.00", 2_000_000),
        ("2,000,000", 2_000_000),
        ("1,5", 1.5),
        ("600000000", 600_000_000),
        ("3,5 millions", 3_500_000),
        ("1,2 million de francs CFA", 1_200_000),
        ("2 milliards", 2_000_000_000),
        ("1 500,5 €", 1500.5),
        ("abc", None),
        ("12 ans", None),
    ],
)
def test_parse_amount(con, text, expected):
    assert con.execute("SELECT parse_amount(?)", [text]).fetchall()[0][0] == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # A CFA franc of either union until the file's country says which (ingest/countries.py).
        ("1 200 000 FCFA", "FCFA"),
        ("500 F CFA", "FCFA"),
        ("500 XOF", "XOF"),
        ("500 XAF", "XAF"),
        ("500 francs CFA BEAC", "XAF"),
        ("$ 20", "USD"),
        ("20 USD", "USD"),
        ("20 €", "EUR"),
        ("1 200", None),
        ("1200XOF", None),  # no word boundary between a digit and a letter: not a code
        ("1 500 EUR (983 935 FCFA)", "FCFA"),  # a CFA franc first, wherever it stands
    ],
)
def test_currency_written_in_cell(con, text, expected):
    """Read from the cell, and the same from its shape (every digit a 0), as the ingestion reads it once per shape."""
    assert con.execute("SELECT cell_currency(?), cell_currency(currency_shape(?))", [text, text]).fetchall()[0] == (
        expected,
        expected,
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("22/11/2016", dt.date(2016, 11, 22)),
        ("2016-11-22", dt.date(2016, 11, 22)),
        ("2016-11-22 00:00:00", dt.date(2016, 11, 22)),
        ("22-11-2016", dt.date(2016, 11, 22)),
        ("42696", dt.date(2016, 11, 22)),  # Excel serial number
        ("22 novembre 2016", dt.date(2016, 11, 22)),
        ("1er décembre 2014", dt.date(2014, 12, 1)),
        ("5 Décembre 2014", dt.date(2014, 12, 5)),
        ("15 August 2020", dt.date(2020, 8, 15)),
        ("31/02/2020", None),
        ("22 novembre", None),  # no year: never guessed
        ("bientôt", None),
    ],
)
def test_parse_date(con, text, expected):
    assert con.execute("SELECT parse_date(?)", [text]).fetchall()[0][0] == expected


@pytest.mark.parametrize("text, expected", [("30%", 0.3), ("30 %", 0.3), ("0,3", 0.3), ("25", 0.25)])
def test_parse_share(con, text, expected):
    assert con.execute("SELECT parse_share(?)", [text]).fetchall()[0][0] == pytest.approx(expected)


@pytest.mark.parametrize(
    "cell, blank",
    [
        (None, True),
        ("", True),
        ("   ", True),
        ("\u00a0", True),
        (" - ", True),
        ("\u202fn/a\u00a0", True),
        ("NÉANT", True),
        ("N.D.", True),
        ("0", False),
        ("Kayes", False),
        ("nda", False),
        ("néant de néant", False),
    ],
)
def test_blank_cells(con, cell, blank):
    from ingest.values import NULL_TOKENS, ZERO_TOKENS, _blank

    assert set(ZERO_TOKENS) <= set(NULL_TOKENS)  # amounts look for accounting zeros among blank cells only
    assert con.execute(f"SELECT {_blank('cell')} FROM (SELECT ?::VARCHAR AS cell)", [cell]).fetchall() == [(blank,)]


@pytest.mark.parametrize(
    "cell, total",
    [
        ("TOTAL", True),
        ("\u00a0Total général ", True),
        ("Sous-total", True),
        ("Totaux", True),
        ("Total Nutrition", False),
        ("Le total", False),
    ],
)
def test_total_rows(con, cell, total):
    from ingest.values import TOTAL_PATTERN

    assert con.execute("SELECT regexp_full_match(?, ?, 'i')", [cell, TOTAL_PATTERN]).fetchall() == [(total,)]

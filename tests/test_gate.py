"""The Great Expectations gate really fails on bad rows, and says which."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from expectations.gate import GATED_MARTS, validate_marts


@pytest.fixture
def tampered(built_sample, tmp_path):
    """A copy of the built sample warehouse whose marts a test may break."""
    copy = tmp_path / "tampered.duckdb"
    shutil.copy(built_sample, copy)

    def run(sql: str):
        con = duckdb.connect(str(copy))
        con.execute(sql)
        con.close()
        return validate_marts(copy)

    return run


def test_gate_passes_on_the_sample_and_checks_every_mart(built_sample):
    result = validate_marts(built_sample)
    assert result.ok, result.summary()
    assert result.rows_checked == {
        "fct_budget_allocations": 112,
        "fct_budget_execution": 91,
        "fct_commitments": 18,
        "fct_funding_flows": 27,
    }


@pytest.mark.parametrize(
    "sql, expected",
    [
        (
            "UPDATE marts.fct_budget_execution SET paiement_xof = ordonnancement_xof + 1 WHERE line_code = '2.071.09'",
            "fct_budget_execution.expect_column_pair_values_a_to_be_greater_than_b(ordonnancement_xof, paiement_xof): 1",
        ),
        (
            "UPDATE marts.fct_budget_allocations SET dotation_xof = -5 WHERE line_code = '2.071.09' AND budget_version = 'initiale'",
            "fct_budget_allocations.expect_column_values_to_be_between(dotation_xof): 1",
        ),
        (
            "UPDATE marts.fct_commitments SET commitment_deadline = DATE '1900-01-01' WHERE commitment_id = 'SUN-2014-01'",
            "fct_commitments.expect_column_values_to_match_regex(commitment_deadline): 1",
        ),
        (
            "UPDATE marts.fct_commitments SET currency_code = 'FCFA' WHERE commitment_id = 'SUN-2014-01'",
            "fct_commitments.expect_column_values_to_be_in_set(currency_code): 1",
        ),
        (
            "INSERT INTO marts.fct_commitments SELECT * FROM marts.fct_commitments WHERE commitment_id = 'SUN-2014-01'",
            "fct_commitments.expect_column_values_to_be_unique(commitment_id): 2",
        ),
        (
            "UPDATE marts.fct_funding_flows SET currency_original = 'FCFA' WHERE source_record_id = '900004'",
            "fct_funding_flows.expect_column_values_to_be_in_set(currency_original): 1",
        ),
        (
            "UPDATE marts.fct_commitments SET holder = NULL WHERE commitment_id = 'SUN-2014-01'",
            "fct_commitments.expect_column_values_to_not_be_null(holder): 1",
        ),
    ],
)
def test_gate_fails_on_a_bad_row_and_names_it(tampered, sql, expected):
    result = tampered(sql)
    assert not result.ok
    assert any(f.startswith(expected) for f in result.failures), result.failures


def test_gate_fails_when_a_mart_is_empty_or_missing(tampered):
    assert any(
        "expect_table_row_count_to_be_between" in f for f in tampered("DELETE FROM marts.fct_commitments").failures
    )
    assert "marts.fct_commitments est absent" in tampered("DROP TABLE marts.fct_commitments").summary()


def test_chunked_validation_still_sees_duplicates_across_the_table(tampered, monkeypatch):
    import expectations.gate as gate

    monkeypatch.setattr(gate, "CHUNK_ROWS", 10)  # 18 commitments -> 2 chunks split by key hash
    result = tampered(
        "INSERT INTO marts.fct_commitments SELECT * FROM marts.fct_commitments WHERE commitment_id = 'CRP-2016-07'"
    )
    assert any(
        f.startswith("fct_commitments.expect_column_values_to_be_unique(commitment_id): 2") for f in result.failures
    )


def test_stored_suites_cover_the_gated_marts_and_the_incoming_files():
    from config import EXPECTATIONS_DIR
    from expectations.files import FILE_SUITES

    stored = {p.stem for p in (EXPECTATIONS_DIR / "gx" / "expectations").glob("*.json")}
    definitions = {p.stem for p in (EXPECTATIONS_DIR / "gx" / "validation_definitions").glob("*.json")}
    checkpoints = {p.stem for p in (EXPECTATIONS_DIR / "gx" / "checkpoints").glob("*.json")}
    assert stored == definitions == set(GATED_MARTS) | set(FILE_SUITES.values())
    assert checkpoints == {f"gate_{m}" for m in GATED_MARTS}

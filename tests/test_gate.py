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
            "UPDATE marts.fct_commitments SET computed_status = 'maybe' WHERE commitment_id = 'SUN-2014-01'",
            "fct_commitments.expect_column_values_to_be_in_set(computed_status): 1",
        ),
        (
            "UPDATE marts.fct_budget_allocations SET nutrition_weight = 2 WHERE line_code = '2.071.09'",
            "fct_budget_allocations.expect_column_values_to_be_between(nutrition_weight): ",
        ),
        (
            "INSERT INTO marts.fct_commitments SELECT * FROM marts.fct_commitments WHERE commitment_id = 'SUN-2014-01'",
            "fct_commitments.expect_column_values_to_be_unique(commitment_id): 2",
        ),
        (
            "UPDATE marts.fct_funding_flows SET flow_stage = 'promised' WHERE source_record_id = '900004'",
            "fct_funding_flows.expect_column_values_to_be_in_set(flow_stage): 1",
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


def test_gate_passes_a_mart_with_no_row_yet_and_fails_a_missing_one(tampered):
    # A platform whose first nights hold only feeds, or only budget lines, publishes.
    emptied = tampered("DELETE FROM marts.fct_commitments; DELETE FROM marts.fct_funding_flows")
    assert emptied.ok, emptied.summary()
    assert emptied.rows_checked["fct_commitments"] == emptied.rows_checked["fct_funding_flows"] == 0
    assert "marts.fct_commitments est absent" in tampered("DROP TABLE marts.fct_commitments").summary()


# Expectations whose failure a value written by a source could cause on its own: the same rule belongs to ingestion,
# on the smallest unit holding the value (config/plausibility.yml, the file suites), never to the gate.
SOURCE_VALUE_CHECKS = {
    "expect_table_row_count_to_be_between",  # which kinds of files a platform has received
    "expect_column_values_to_match_regex",  # a date's or a code's text
    "expect_column_values_to_match_like_pattern",
}
SOURCE_VALUE_COLUMNS = {
    "fiscal_year",
    "currency_code",
    "currency_original",
    "year",
    "value_date",
    "commitment_deadline",
}


def test_the_gate_keeps_only_promises_the_product_controls_each_with_why():
    import json

    from config import EXPECTATIONS_DIR

    for mart in GATED_MARTS:
        suite = json.loads((EXPECTATIONS_DIR / "gx" / "expectations" / f"{mart}.json").read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            kind, column = expectation["type"], expectation["kwargs"].get("column", "")
            assert kind not in SOURCE_VALUE_CHECKS, (mart, kind)
            assert not (kind != "expect_column_values_to_match_strftime_format" and column in SOURCE_VALUE_COLUMNS), (
                mart,
                kind,
                column,
            )
            assert expectation["meta"]["promesse"] and expectation["meta"]["promise"], (mart, kind, column)


def test_gx_runs_the_expectations_as_duckdb_sql(tmp_path):
    """The adapter's metrics, on text as the marts never hold it: a date that is not a day of the calendar fails
    the strftime check and a year outside the pattern fails the regex, each counted by the query GX sends; a value
    written twice fails uniqueness on both its rows, the missing ones do not."""
    import great_expectations as gx

    from expectations.duckdb_sql import close_connections, warehouse_url

    warehouse = tmp_path / "dates.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "CREATE TABLE written AS SELECT * FROM (VALUES ('2024-06-30'), ('2024-02-30'), ('1900-01-01')) t(d)"
        )
        con.execute("CREATE TABLE keyed AS SELECT * FROM (VALUES ('a'), ('b'), ('a'), (NULL), (NULL), ('c')) t(k)")
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_sql("written", connection_string=warehouse_url(warehouse))
        .add_table_asset("written", table_name="written")
        .add_batch_definition_whole_table("all")
        .get_batch()
    )
    try:
        by_format = batch.validate(
            gx.expectations.ExpectColumnValuesToMatchStrftimeFormat(column="d", strftime_format="%Y-%m-%d")
        )
        by_regex = batch.validate(gx.expectations.ExpectColumnValuesToMatchRegex(column="d", regex="^20[0-9]{2}-"))
        keys = (
            context.data_sources.get("written")
            .add_table_asset("keyed", table_name="keyed")
            .add_batch_definition_whole_table("all")
            .get_batch()
        )
        by_key = keys.validate(gx.expectations.ExpectColumnValuesToBeUnique(column="k"))
    finally:
        close_connections()
    assert by_format.result["partial_unexpected_list"] == ["2024-02-30"]
    assert by_regex.result["partial_unexpected_list"] == ["1900-01-01"]
    assert not by_key.success
    assert (by_key.result["unexpected_count"], by_key.result["partial_unexpected_list"]) == (2, ["a", "a"])
    assert "sqlalchemy" in type(batch.data.execution_engine).__name__.lower()
    with duckdb.connect(str(warehouse)) as con:  # the connections GX opened are closed: a writer may open the file
        con.execute("DROP TABLE written; DROP TABLE keyed")


def test_stored_suites_cover_the_gated_marts_and_the_incoming_files():
    from config import EXPECTATIONS_DIR
    from expectations.files import FILE_SUITES

    stored = {p.stem for p in (EXPECTATIONS_DIR / "gx" / "expectations").glob("*.json")}
    definitions = {p.stem for p in (EXPECTATIONS_DIR / "gx" / "validation_definitions").glob("*.json")}
    checkpoints = {p.stem for p in (EXPECTATIONS_DIR / "gx" / "checkpoints").glob("*.json")}
    assert stored == set(GATED_MARTS) | set(FILE_SUITES.values())
    rebuilt_by_group = {m for m in GATED_MARTS if m != "fct_commitments"}  # the marts carrying build_number
    assert stored <= definitions
    assert definitions - stored == {f"{m}_rebuilt_tonight" for m in rebuilt_by_group}
    assert checkpoints == {f"gate_{m}" for m in GATED_MARTS} | {f"gate_{m}_rebuilt_tonight" for m in rebuilt_by_group}


def test_the_operators_page_lists_every_expectation_of_the_gate_and_every_dbt_test_with_why():
    """Both tables of `python -m expectations.promises` are on the page as the command prints them, and a dbt test on
    a model with no `promesse` or `promise` in its config meta fails here (tests/test_model_conventions.py checks
    the same against dbt's manifest)."""
    from config import REPO_ROOT
    from expectations.promises import dbt_markdown, dbt_test_promises, markdown

    page = (REPO_ROOT / "docs" / "operator.md").read_text(encoding="utf-8")
    assert markdown() in page
    assert dbt_markdown() in page
    tests = dbt_test_promises()
    assert len(tests) > 200
    assert [(t.relation, t.check, t.column) for t in tests if not (t.promesse and t.promise)] == []

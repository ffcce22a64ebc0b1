"""The extracts published with the report: every mart as XLSX, CSV and (two of them) HXL CSV."""

from __future__ import annotations

import csv
import datetime as dt
import shutil

import duckdb
import pytest

from report.extracts import CSV_ONLY, HXL_TAGS, write_extracts
from tests.conftest import query

DAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def extracts(built_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("extraits")
    return built_sample, out, write_extracts(built_sample, out, DAY)


def test_every_mart_has_its_xlsx_and_csv_with_all_its_rows(extracts):
    from openpyxl import load_workbook

    warehouse, out, written = extracts
    marts = {m for (m,) in query(warehouse, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'")}
    assert {w["mart"] for w in written} == marts
    for w in written:
        [(rows,)] = query(warehouse, f"SELECT count(*) FROM marts.{w['mart']}")
        assert w["rows"] == rows
        with open(out / f"{w['mart']}.csv", encoding="utf-8-sig", newline="") as fh:
            assert len(list(csv.reader(fh, delimiter=";"))) == rows + 1
        if w["mart"] in CSV_ONLY:
            assert w["files"] == [f"{w['mart']}.csv"] and not (out / f"{w['mart']}.xlsx").exists()
            continue
        sheet = load_workbook(out / f"{w['mart']}.xlsx", read_only=True)["données"]
        assert sum(1 for _ in sheet.iter_rows()) == rows + 1
    # A figure of the page, in the workbook: the weighted nutrition dotation of each year.
    book = load_workbook(out / "rpt_nutrition_budget_by_year.xlsx")
    data = list(book["données"].iter_rows(values_only=True))
    year, weighted = data[0].index("fiscal_year"), data[0].index("weighted_nutrition_dotation_xof")
    assert {r[year]: r[weighted] for r in data[1:]} == {
        y: pytest.approx(float(v))
        for y, v in query(
            warehouse, "SELECT fiscal_year, weighted_nutrition_dotation_xof FROM marts.rpt_nutrition_budget_by_year"
        )
    }
    about = dict(book["LISEZMOI"].iter_rows(values_only=True))
    assert about["Données au / data as of"] == DAY.isoformat()
    import yaml

    from tests.conftest import REPO

    documented = yaml.safe_load(
        (REPO / "dbt_project/models/marts/reporting/rpt_nutrition_budget_by_year.yml").read_text(encoding="utf-8")
    )["models"][0]
    assert about["Description"] == documented["description"].strip()
    assert all(about[c["name"]] == c["description"].strip() for c in documented["columns"])


def test_the_hxl_extracts_carry_their_hashtags_on_row_two(extracts):
    import hxl

    _, out, _ = extracts
    for mart, tags in HXL_TAGS.items():
        dataset = hxl.data(str(out / f"{mart}.hxl.csv"), hxl.InputOptions(allow_local=True))
        assert {c.display_tag for c in dataset.columns if c.display_tag} == set(tags.values())
        assert "#org+funder" in [c.display_tag for c in dataset.columns]


def test_a_text_excel_would_run_as_a_formula_is_written_as_text(built_sample, tmp_path):
    from openpyxl import load_workbook

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(built_sample, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute(
        """UPDATE marts.rpt_who_funds_what_where SET partner_org_name = '=HYPERLINK("http://x","clic")'
           WHERE partner_org_name = (SELECT min(partner_org_name) FROM marts.rpt_who_funds_what_where)"""
    )
    con.close()
    out = tmp_path / "extraits"
    write_extracts(warehouse, out, DAY)
    sheet = load_workbook(out / "rpt_who_funds_what_where.xlsx")["données"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)  # a string, never a formula
    text = (out / "rpt_who_funds_what_where.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text


def test_a_rerun_writes_the_same_bytes(built_sample, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_extracts(built_sample, first, DAY)
    write_extracts(built_sample, second, DAY)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and any(n.endswith(".xlsx") for n in names)
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_each_code_has_its_french_and_english_labels_beside_it_in_the_workbooks(extracts):
    from openpyxl import load_workbook

    from report.extracts import LABEL_SEEDS
    from tests.conftest import REPO

    warehouse, out, written = extracts
    with open(REPO / "dbt_project/seeds/code_labels.csv", encoding="utf-8") as fh:
        seeded = {(r["field"], r["code"]): (r["label_fr"], r["label_en"]) for r in csv.DictReader(fh)}
    coded = 0
    for w in written:
        if not any(f.endswith(".xlsx") for f in w["files"]):
            continue
        data = list(load_workbook(out / f"{w['mart']}.xlsx", read_only=True)["données"].iter_rows(values_only=True))
        header = list(data[0])
        for i, name in enumerate(header):
            if name not in LABEL_SEEDS:
                continue
            assert header[i + 1 : i + 3] == [f"{name}_libelle", f"{name}_label"], (w["mart"], name)
            for row in data[1:]:
                if row[i] is None:
                    continue
                coded += 1
                # Every code the marts hold has both labels: a new code without its labels fails here.
                assert row[i + 1] and row[i + 2], (w["mart"], name, row[i])
                if LABEL_SEEDS[name][0] == "code_labels":
                    assert (row[i + 1], row[i + 2]) == seeded[(name, row[i])]
    assert coded > 0

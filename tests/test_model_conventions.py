"""The rules that keep incremental nights right, read from dbt's manifest (dbt parse; no warehouse needed).

A group-rebuilt model (meta.rebuilt_by_group, see macros/rebuild_groups.sql) deletes the groups tonight's files touch
and appends its query's rows. A model reading it is right only if it is one of:
- group-rebuilt itself, reading its group-rebuilt parents through a group filter (else it appends every untouched
  group again: duplicates that tonight's checks, which read tonight's rows only, do not see);
- `meta.holds: tonights_groups`: tonight's groups only, rebuilt each build, in the `scratch` schema analysts are not pointed at;
- `meta.holds: every_row`: rebuilt whole from every row of its parents on every build;
- tagged full_build_only.

And every model reads its relations in import CTEs at its top (jaffle-shop's style): one ref or source each, no join.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import DBT_PROJECT_DIR

PROJECT = "mali_budget"
# The macros that keep the rows of the groups to rebuild, or of this build (macros/rebuild_groups.sql).
GROUP_FILTERS = {
    f"macro.{PROJECT}.{name}"
    for name in (
        "in_groups_to_rebuild",
        "rebuilt_by_this_build",
        "rows_in_force_and_new",
        "in_iati_groups_to_rebuild",
        "in_fts_groups_to_rebuild",
        "built_through_file_id",
    )
}
SCRATCH = "scratch"


def parse(project_dir: Path, target: Path) -> dict:
    """dbt's manifest of the project in `project_dir`."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    args = [dbt, "parse", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    env = {"DBT_DUCKDB_PATH": str(target / "parse.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(
        [*args, "--target-path", str(target)],
        capture_output=True,
        text=True,
        cwd=project_dir,
        env=os.environ | env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((target / "manifest.json").read_text())


def violations(manifest: dict) -> list[str]:
    """Each broken rule as '<model>: <rule>'."""
    models = {n["unique_id"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}

    def group_rebuilt(node: dict) -> bool:
        return bool(node["config"]["meta"].get("rebuilt_by_group"))

    found = []
    for node in models.values():
        name, config, meta = node["name"], node["config"], node["config"]["meta"]
        holds = meta.get("holds")
        filters = set(node["depends_on"]["macros"]) & GROUP_FILTERS
        rebuilt_parents = [
            models[p]["name"] for p in node["depends_on"]["nodes"] if p in models and group_rebuilt(models[p])
        ]
        full_build_only = "full_build_only" in node["tags"]
        partial_parents = [
            models[p]["name"]
            for p in node["depends_on"]["nodes"]
            if p in models and models[p]["config"]["meta"].get("holds") == "tonights_groups"
        ]
        if group_rebuilt(node):
            if config["materialized"] != "incremental" or config.get("incremental_strategy") != "group_rebuild":
                found.append(f"{name}: a group-rebuilt model is materialized incremental with strategy group_rebuild")
            key = config.get("unique_key")
            if not key or key not in node["columns"]:
                found.append(f"{name}: a group-rebuilt model has its group key as unique_key, a documented column")
            if "build_number" not in node["columns"]:
                found.append(f"{name}: a group-rebuilt model writes and documents build_number")
            if f"model.{PROJECT}.{meta['rebuilt_by_group']}" not in models:
                found.append(f"{name}: meta.rebuilt_by_group names the model listing the groups to rebuild")
            if not filters and not partial_parents:
                found.append(f"{name}: appends every group: it reads neither a group filter nor tonight's groups")
            unfiltered = [] if filters else [p for p in rebuilt_parents if p not in meta.get("looks_up", [])]
            if unfiltered:
                found.append(
                    f"{name}: reads group-rebuilt {unfiltered} without a group filter of macros/rebuild_groups.sql "
                    "(or lists them in meta.looks_up when it only looks rows up in them)"
                )
        elif holds == "tonights_groups":
            if node["schema"] != SCRATCH or config["materialized"] == "incremental":
                found.append(
                    f"{name}: a model holding tonight's groups only is rebuilt each build in the {SCRATCH} schema"
                )
        elif holds == "every_row":
            if config["materialized"] == "incremental" or filters:
                found.append(f"{name}: a model holding every row is rebuilt whole, without a group filter")
        elif holds is not None:
            found.append(f"{name}: meta.holds is tonights_groups or every_row, not {holds!r}")
        elif rebuilt_parents and not full_build_only:
            found.append(
                f"{name}: reads group-rebuilt {rebuilt_parents}: it is group-rebuilt, full_build_only or says what it "
                "holds (meta.holds: tonights_groups | every_row)"
            )
        if filters and not group_rebuilt(node) and holds != "tonights_groups":
            found.append(f"{name}: filters on tonight's groups, so it holds tonight's groups only (meta.holds)")
        if partial_parents and not group_rebuilt(node) and holds != "tonights_groups":
            found.append(f"{name}: reads {partial_parents}, tonight's groups only, so it holds tonight's groups only")
        found += [f"{name}: {v}" for v in import_violations(node["raw_code"])]
        if node["schema"] == SCRATCH and holds != "tonights_groups":
            found.append(f"{name}: the {SCRATCH} schema is for models holding tonight's groups only")
    return sorted(found)


# A relation read: {{ ref(...) }}, {{ source(...) }}, or a macro reading one ({{ rows_in_force_and_new(ref(...)) }}).
RELATION = re.compile(r"\{\{\s*(?:ref|source|\w+\(\s*ref)\(")


def _blank(sql: str) -> str:
    """Comments, Jinja comments and string literals blanked out (same length), so parentheses and words count."""

    def spaces(m):
        return re.sub(r"[^\n]", " ", m.group(0))

    sql = re.sub(r"\{#.*?#\}", spaces, sql, flags=re.S)
    sql = re.sub(r"--[^\n]*", spaces, sql)
    return re.sub(r"'(?:[^']|'')*'", spaces, sql)


def ctes(sql: str) -> list[tuple[str, int, int]]:
    """(name, start, end) of each CTE of the model's top-level `with`, in order."""
    text = _blank(sql)
    found, depth, i = [], 0, 0
    # A CTE may say whether it is materialized: "name as [not] materialized (".
    header = re.compile(r"(?:\bwith\b|,)\s*(\w+)\s+as\s*(?:(?:not\s+)?materialized\s*)?\(", re.I)
    while i < len(text):
        if depth == 0:
            m = header.match(text, i)
            if m and (m.group(0).lower().startswith("with") or found):
                start = m.end()
                d, j = 1, start
                while d and j < len(text):
                    d += {"(": 1, ")": -1}.get(text[j], 0)
                    j += 1
                found.append((m.group(1), start, j - 1))
                i = j
                continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return found


def import_violations(sql: str) -> list[str]:
    """Refs only in the import CTEs at the top of a model (jaffle-shop's style): one relation each, no join."""
    text = _blank(sql)
    relations = [m.start() for m in RELATION.finditer(text)]
    blocks = ctes(sql)
    found = []
    seen_logic = False
    for name, start, end in blocks:
        body = text[start:end]
        refs = [r for r in relations if start <= r < end]
        is_import = len(refs) == 1 and not re.search(r"\b(join|group\s+by|union)\b", body, re.I)
        if refs and not is_import:
            found.append(f"CTE {name} reads a relation but is not an import CTE (one ref, no join, no group by)")
        if is_import and seen_logic:
            found.append(f"import CTE {name} comes after a CTE that is not an import")
        seen_logic |= not is_import
    outside = [r for r in relations if not any(s <= r < e for _, s, e in blocks)]
    if outside and (blocks or len(relations) > 1 or re.search(r"\bjoin\b", text, re.I)):
        found.append("a ref or source outside the import CTEs")
    return found


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    return parse(DBT_PROJECT_DIR, tmp_path_factory.mktemp("dbt-parse"))


def test_the_models_keep_the_incremental_rules(manifest):
    assert violations(manifest) == []


def test_the_partial_intermediates_are_in_the_scratch_schema_and_the_marts_hold_every_row(manifest):
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    scratch = {n["name"] for n in models if n["schema"] == SCRATCH}
    assert {"int_funding_flows_unioned", "int_funding_flows_converted"} <= scratch
    assert not {
        n["name"] for n in models if n["schema"] == "marts" and n["config"]["meta"].get("holds") == "tonights_groups"
    }


BROKEN = {
    # Reads a group-rebuilt fact without the group filter: every untouched group appended again.
    "fct_flows_copy.sql": "select * from {{ ref('fct_funding_flows') }}",
    "fct_flows_copy.yml": """version: 2
models:
  - name: fct_flows_copy
    config:
      materialized: incremental
      unique_key: flow_group_key
      meta: {rebuilt_by_group: int_funding_flow_groups_to_rebuild}
    columns:
      - name: flow_group_key
""",
    # A new report reading a fact, saying nothing of what it holds.
    "rpt_flows_by_donor.sql": "select donor_org_name, count(*) as flows from {{ ref('fct_funding_flows') }} group by 1",
    # A ref in a join instead of an import CTE.
    "rpt_flows_by_sector.sql": """with flows as (
    select * from {{ ref('fct_funding_flows') }}
)

select sectors.label_fr, count(*) as flows
from flows
inner join {{ ref('sectors') }} as sectors on sectors.label_fr = flows.sector_name
group by all
""",
    # Tonight's rows, left where analysts look.
    "int_flows_tonight.sql": "select * from {{ ref('fct_funding_flows') }} where {{ rebuilt_by_this_build() }}",
}


def test_a_broken_model_is_named_with_the_rule_it_breaks(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    for name, text in BROKEN.items():
        (project / "models" / "marts" / name).write_text(text)
    found = violations(parse(project, tmp_path / "target"))
    assert any(
        v.startswith("fct_flows_copy: reads group-rebuilt ['fct_funding_flows'] without a group filter") for v in found
    )
    assert any(v.startswith("fct_flows_copy: a group-rebuilt model writes and documents build_number") for v in found)
    assert any(v.startswith("rpt_flows_by_donor: reads group-rebuilt ['fct_funding_flows']") for v in found)
    assert any(v.startswith("int_flows_tonight: filters on tonight's groups") for v in found)
    assert "rpt_flows_by_sector: a ref or source outside the import CTEs" in found
    # Nothing else: the real models still keep the rules.
    assert {v.split(":")[0] for v in found} == {
        "fct_flows_copy",
        "rpt_flows_by_donor",
        "rpt_flows_by_sector",
        "int_flows_tonight",
    }


def test_every_dbt_test_on_a_model_is_a_promise_with_why_and_the_operators_table_reads_them_as_dbt_does(manifest):
    """Each data test on a model says, in its config meta, why no value a source writes can fail it alone (French and
    English), and none is a mere warning (a check a source could trip is made at ingestion, per unit). The table of
    docs/operator.md (expectations/promises.py reads the YAML) lists the very tests dbt runs, with dbt's meta."""
    from collections import Counter

    from expectations.promises import dbt_test_promises

    on_models = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and (n.get("attached_node") or "").startswith("model.")
    ]
    assert len(on_models) > 200
    unstated = [
        (n["attached_node"], n["test_metadata"]["name"], n.get("column_name"))
        for n in on_models
        if not (n["config"]["meta"].get("promesse") and n["config"]["meta"].get("promise"))
    ]
    assert unstated == []
    assert [n["unique_id"] for n in on_models if n["config"]["severity"].lower() != "error"] == []
    by_dbt = Counter(
        (n["attached_node"].split(".")[-1], n.get("column_name") or "", n["config"]["meta"]["promise"])
        for n in on_models
    )
    listed = dbt_test_promises()
    by_table = Counter((t.relation, t.column, t.promise) for t in listed)
    assert by_table == by_dbt

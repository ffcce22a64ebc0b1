"""The product's promises, each with why no value a source writes can fail it alone, as the Markdown tables of
docs/operator.md: `python -m expectations.promises`.

Two kinds: the quality gate's expectations (their `promesse` and `promise`, stored in the suites) and the dbt data
tests on the models (theirs in the test's `config.meta`, in the models' YAML, read here as dbt reads it). The seeds'
own tests keep data we write, never a received file: they are counted, not listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from config import DBT_PROJECT_DIR, EXPECTATIONS_DIR
from expectations.gate import GATED_MARTS

WHY_HEADER = "pourquoi aucune valeur d'une source ne peut l'échouer / why no source value alone can fail it"


@dataclass(frozen=True)
class Promise:
    relation: str  # the mart or model the check reads
    check: str  # the expectation or the dbt test (with its arguments where they say what it checks)
    column: str  # "" for a test on the whole model
    promesse: str | None  # why, in French (None: not stated, which tests/test_gate.py refuses)
    promise: str | None  # why, in English


def gate_promises() -> list[Promise]:
    """Every expectation of the gate, with its why."""
    rows = []
    for mart in GATED_MARTS:
        suite = json.loads((EXPECTATIONS_DIR / "gx" / "expectations" / f"{mart}.json").read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            kwargs = expectation["kwargs"]
            column = kwargs.get("column") or " >= ".join(kwargs[k] for k in ("column_A", "column_B") if k in kwargs)
            meta = expectation["meta"]
            rows.append(Promise(mart, expectation["type"], column, meta.get("promesse"), meta.get("promise")))
    return rows


def _tests(entries: list | None) -> list[tuple[str, dict]]:
    """(test name, its body: arguments and config) of a `data_tests` list, as written: a name, or a name with a
    body (arguments under `arguments:`, or beside `config:` in the older style)."""
    tests = []
    for entry in entries or []:
        if isinstance(entry, str):
            tests.append((entry, {}))
        else:
            [(name, body)] = entry.items()
            tests.append((name, body or {}))
    return tests


def _check(name: str, body: dict) -> str:
    """The test as the table shows it: its name, what it points to or compares with, the rows it reads."""
    arguments = body.get("arguments") or {k: v for k, v in body.items() if k != "config"}
    shown = {
        "relationships": lambda a: f"{a['to']}.{a['field']}",
        "accepted_values": lambda a: ", ".join(str(v) for v in a["values"]),
        "at_most": lambda a: f"<= {a['other_column']}",
        "unique_combination": lambda a: ", ".join(a["columns"]),
    }
    check = f"{name} ({shown[name](arguments)})" if name in shown else name
    where = (body.get("config") or {}).get("where")
    return f"{check} where {where}" if where else check


def _model_files() -> list[Path]:
    return sorted((DBT_PROJECT_DIR / "models").rglob("*.yml"))


def dbt_test_promises() -> list[Promise]:
    """Every dbt data test on a model (model-level, then by column, in the order of the YAML files), with its why."""
    rows = []
    for path in _model_files():
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            on_columns = [(None, model.get("data_tests"))]
            on_columns += [(c["name"], c.get("data_tests")) for c in model.get("columns") or []]
            for column, entries in on_columns:
                for name, body in _tests(entries):
                    meta = (body.get("config") or {}).get("meta") or {}
                    why = meta.get("promesse"), meta.get("promise")
                    rows.append(Promise(model["name"], _check(name, body), column or "", *why))
    return rows


def seed_test_count() -> int:
    seeds = yaml.safe_load((DBT_PROJECT_DIR / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))["seeds"]
    on_seeds = [s.get("data_tests") for s in seeds] + [
        c.get("data_tests") for s in seeds for c in s.get("columns") or []
    ]
    return sum(len(_tests(entries)) for entries in on_seeds)


def _table(first_header: str, check_header: str, rows: list[Promise]) -> list[str]:
    lines = [f"| {first_header} | {check_header} | colonne / column | {WHY_HEADER} |", "|---|---|---|---|"]
    for p in rows:
        column = f"`{p.column}`" if p.column else "—"
        lines.append(f"| {p.relation} | `{p.check}` | {column} | {p.promesse} / {p.promise} |")
    return lines


def markdown() -> str:
    """The gate's table."""
    return "\n".join(_table("mart", "expectation", gate_promises())) + "\n"


def dbt_markdown() -> str:
    """The dbt tests' table, and the seeds' tests counted."""
    tests, on_seeds = dbt_test_promises(), seed_test_count()
    lines = [
        f"{len(tests)} tests dbt sur les modèles ; les {on_seeds} tests des seeds (`dbt_project/seeds/_seeds.yml`) "
        f"gardent nos propres données, jamais un fichier reçu / {len(tests)} dbt tests on the models; the "
        f"{on_seeds} tests of the seeds keep our own data, never a received file.",
        "",
        *_table("modèle / model", "test", tests),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown() + "\n" + dbt_markdown(), end="")

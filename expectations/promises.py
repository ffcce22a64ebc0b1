"""The quality gate's expectations, each with why no value a source writes can fail it (their `promesse` and
`promise`, stored in the suites), as the Markdown table of docs/operator.md: `python -m expectations.promises`."""

from __future__ import annotations

import json

from config import EXPECTATIONS_DIR
from expectations.gate import GATED_MARTS


def promises() -> list[tuple[str, str, str, str, str]]:
    """(mart, expectation, column, why in French, why in English) for every expectation of the gate."""
    rows = []
    for mart in GATED_MARTS:
        suite = json.loads((EXPECTATIONS_DIR / "gx" / "expectations" / f"{mart}.json").read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            kwargs = expectation["kwargs"]
            column = kwargs.get("column") or " >= ".join(kwargs[k] for k in ("column_A", "column_B") if k in kwargs)
            meta = expectation["meta"]
            rows.append((mart, expectation["type"], column, meta["promesse"], meta["promise"]))
    return rows


def markdown() -> str:
    lines = [
        "| mart | expectation | colonne / column | pourquoi aucune valeur d'une source ne peut l'échouer "
        "/ why no source value alone can fail it |",
        "|---|---|---|---|",
    ]
    lines += [f"| {m} | `{e}` | `{c}` | {fr} / {en} |" for m, e, c, fr, en in promises()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")

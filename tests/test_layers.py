"""Imports point one way: dags -> warehouse (orchestration) -> report, expectations -> ingest -> config."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from config import REPO_ROOT

# Each package and the packages below it may import; nothing imports a package above it.
LAYERS = {
    "config": set(),
    "ingest": {"config"},
    "expectations": {"config", "ingest"},
    "report": {"config", "ingest"},
    "warehouse": {"config", "ingest", "expectations", "report"},
}
PROJECT_PACKAGES = set(LAYERS) | {"dags", "benchmarks"}


def _project_packages_imported_by(package: str) -> dict[str, set[str]]:
    """Each module of `package` and the project packages it imports, at its top or inside a function."""
    found = {}
    for module in sorted((REPO_ROOT / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(module.relative_to(REPO_ROOT))] = (names & PROJECT_PACKAGES) - {package}
    return found


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_a_package_imports_only_the_layers_below_it(package):
    wrong = {
        module: sorted(imported - LAYERS[package])
        for module, imported in _project_packages_imported_by(package).items()
        if imported - LAYERS[package]
    }
    assert not wrong, f"imports of a layer above {package}: {wrong}"


def test_ingest_report_and_expectations_import_nothing_of_the_warehouse_package():
    code = "import ingest, report, expectations, sys; print('warehouse' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"

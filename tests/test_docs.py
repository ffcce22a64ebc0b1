"""The README and the pages of docs/ stay working: every command of their shell blocks names a make target that
exists, a Python module or script of ours that is there (and imports), or a tool of the deployment; every file of the
repository they name exists; the README stays within 150 lines."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
# Tools of the deployment and of the shell a page's commands may use besides ours (not installed on every machine).
OTHER_TOOLS = {"docker", "curl", "psql", "mkdir", "echo", "export", "openssl"}
SHELL_BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
# A path of the repository named in a page: a top folder of ours, then a file with an extension.
REPO_PATH = re.compile(
    r"`((?:dags|warehouse|report|ingest|expectations|config|dbt_project|deploy|tests|benchmarks"
    r"|docs|sample_data)/[\w./-]+\.\w+)`"
)


def _commands(page) -> list[str]:
    """Each command of the page's bash blocks, continuation lines joined and comments dropped."""
    commands = []
    for block in SHELL_BLOCK.findall(page.read_text(encoding="utf-8")):
        for command in block.replace("\\\n", " ").splitlines():
            command = command.split("  #")[0].split(" # ")[0].strip()
            if command:
                commands.append(command)
    return commands


def _make_targets() -> set[str]:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([\w-]+):", makefile, flags=re.M))


def test_the_readme_fits_on_a_few_screens_and_each_reader_has_a_page():
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 150
    assert {p.name for p in PAGES} >= {"README.md", "data-officer.md", "analyst.md", "operator.md"}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert all(f"(docs/{page})" in readme for page in ("data-officer.md", "analyst.md", "operator.md"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_of_the_page_resolves(page):
    targets, commands = _make_targets(), _commands(page)
    assert commands, page
    for command in commands:
        words = shlex.split(command)
        while "=" in words[0]:  # VARIABLE=value before the command
            words = words[1:]
        tool = Path(words[0]).name
        if tool == "make":
            assert {w for w in words[1:] if "=" not in w} <= targets, command
        elif tool.endswith("python"):
            if words[1] == "-m":
                assert importlib.util.find_spec(words[2]) is not None, command
                subprocess.run([sys.executable, "-c", f"import {words[2]}"], check=True, cwd=REPO)
            elif words[1] != "-c":
                assert (REPO / words[1]).is_file(), command
            else:
                assert "import duckdb" in words[2], command  # the one inline snippet: a read-only query, run below
        else:
            assert tool in OTHER_TOOLS, command


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_file_the_page_names_exists(page):
    named = REPO_PATH.findall(page.read_text(encoding="utf-8"))
    missing = sorted({p for p in named if "<" not in p and "*" not in p and not (REPO / p).exists()})
    # What a run writes (dbt's log, GX's results) is git-ignored, not missing.
    ignored = subprocess.run(["git", "check-ignore", *missing], capture_output=True, text=True, cwd=REPO).stdout
    assert [p for p in missing if p not in ignored.splitlines()] == []


def test_the_analysts_query_runs_on_a_built_warehouse(built_sample):
    [snippet] = [c for c in _commands(REPO / "docs" / "analyst.md") if "python -c " in c]
    code = shlex.split(snippet)[2].replace("var/warehouse/budget.duckdb", str(built_sample))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert "fiscal_year" in out and "2020" in out

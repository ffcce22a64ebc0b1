"""Check a file now (warehouse/check.py, dags/check_file.py): the verdict and the receipt the night then gives, in
seconds, with the warehouse, the inbox and the file left as they were."""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import bad_files
from tests.conftest import SAMPLE_INBOX, sha256, with_inbox_settings

# Typos are read from the headers' words and values; a header with too many words of its own is only suggested.
UNCERTAIN = (
    "Exercice;Institution gestionnaire des crédits votés;Libellé;Dotation;Devise\n2024;Santé;Vaccins;1 000;XOF\n"
)


def _files_to_check(folder):
    """Files a partner could send, each with what the night must make of it."""
    bad_files.write_budget_correction(folder / "budget_lines" / "execution_corrigee.csv", 2_000_000, break_chain=False)
    bad_files.write_budget_correction(folder / "budget_lines" / "paiement_trop_eleve.csv", 0, break_chain=True)
    bad_files.write_garbage_partner_report(folder / "partner_reports" / "export_abime.csv")
    (folder / "budget_lines" / "entetes_incertains.csv").write_text(UNCERTAIN, encoding="utf-8")
    shutil.copy(SAMPLE_INBOX / "partner_reports" / "3W_nutrition_T1_2024.csv", folder / "partner_reports" / "copie.csv")
    return {
        "budget_lines/execution_corrigee.csv": "loaded",
        "budget_lines/paiement_trop_eleve.csv": "loaded",  # its one line breaking the chain rejected alone
        "partner_reports/export_abime.csv": "held_back",
        "budget_lines/entetes_incertains.csv": "rejected",
        "partner_reports/copie.csv": "duplicate",
    }


def test_the_command_gives_each_file_the_verdict_and_receipt_the_night_then_gives(built_sample, tmp_path):
    from expectations.files import check_file as check_by_kind
    from ingest.inbox import ingest_inbox
    from warehouse.check import EXIT_CODES

    sent = tmp_path / "envoyes"  # where the officer saved the partner's files, outside the inbox
    expected = _files_to_check(sent)
    inbox = with_inbox_settings(tmp_path / "inbox")
    published = sha256(built_sample)
    env = os.environ | {
        "INBOX_DIR": str(inbox),
        "WAREHOUSE_PATH": str(built_sample),
        "REPORTS_DIR": str(tmp_path / "reports"),
    }
    verdicts = {}
    for relative in expected:
        out = tmp_path / "accuses" / relative
        proc = subprocess.run(
            [sys.executable, "-m", "warehouse.check", str(sent / relative), "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
        )
        verdicts[relative] = {code: status for status, code in EXIT_CODES.items()}.get(proc.returncode, proc.stderr)
        pages = {lang: next((out / lang).glob("fichier-*.html")) for lang in ("fr", "en")}
        assert relative in pages["fr"].read_text(encoding="utf-8") and relative in proc.stdout, relative
        assert "Vérification : rien n'a été chargé" in pages["fr"].read_text(encoding="utf-8")
        assert "Check: nothing was loaded" in pages["en"].read_text(encoding="utf-8")
        if relative == "budget_lines/paiement_trop_eleve.csv":  # its lines to correct
            assert list((out / "fr").glob("fichier-*.csv")) and list((out / "en").glob("fichier-*.csv")), relative
    assert verdicts == expected
    profile = next((tmp_path / "accuses" / "budget_lines/entetes_incertains.csv" / "fr").glob("*-profil-suggere.yml"))
    assert '"Institution gestionnaire des crédits votés": institution   # probable' in profile.read_text(
        encoding="utf-8"
    )
    # Nothing changed: the published warehouse, the inbox (its profiles only), the files sent.
    assert sha256(built_sample) == published
    assert [p.name for p in inbox.rglob("*") if p.is_file()] == ["boite.yml"]

    # What the night then does with the same files, dropped in the inbox, on a copy of the published warehouse.
    shutil.copytree(sent, inbox, dirs_exist_ok=True)
    night = tmp_path / "night.duckdb"
    shutil.copyfile(built_sample, night)
    check = functools.partial(check_by_kind, today=dt.date.today())
    done = {f.path: f.status for f in ingest_inbox(inbox, night, "night", check).files if f.status != "known"}
    assert done == verdicts


@pytest.mark.airflow
def test_the_check_runs_in_airflow_triggered_with_the_files_path(airflow_db, built_sample, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import REPO

    inbox = with_inbox_settings(tmp_path / "inbox")
    sent = tmp_path / "paiement_trop_eleve.csv"
    bad_files.write_budget_correction(sent, 0, break_chain=True)
    monkeypatch.setenv("INBOX_DIR", str(inbox))
    monkeypatch.setenv("WAREHOUSE_PATH", str(built_sample))
    monkeypatch.setenv("REPORTS_DIR", str(tmp_path / "reports"))
    published = sha256(built_sample)
    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    dag = bag.get_dag("check_file")
    assert dag.schedule is None and {t.queue for t in dag.tasks} == {"warehouse"}
    run = dag.test(run_conf={"path": str(sent), "kind": "budget_lines"})
    assert run.state == "success"
    receipt = tmp_path / "reports" / "verifications" / sent.name
    [page] = (receipt / "fr").glob("fichier-*.html")
    html = page.read_text(encoding="utf-8")
    assert "budget_lines/paiement_trop_eleve.csv" in html and "paiement supérieur à ordonnancement" in html
    assert list((receipt / "en").glob("fichier-*.csv"))
    assert sha256(built_sample) == published


def test_a_file_the_warehouse_already_holds_at_its_place_is_said_so_with_what_the_night_made_of_it(
    built_sample, tmp_path
):
    from config import Paths
    from warehouse.check import check_file, summary

    at = Paths(SAMPLE_INBOX, built_sample, tmp_path / "reports")
    checked = check_file(SAMPLE_INBOX / "budget_lines" / "execution_budget_etat_2019_2024.csv", tmp_path / "out", at=at)
    assert checked.already_here and checked.status == "loaded" and checked.exit_code == 0
    assert checked.rows_loaded == checked.rows_read > 0
    assert "déjà reçu ici (loaded)" in summary(checked)[0]
    assert "rien n'a été chargé" not in Path(checked.receipts["fr"]).read_text(encoding="utf-8")  # the night's own
    assert "budget_lines/execution_budget_etat_2019_2024.csv" in (
        tmp_path / "out" / "en" / Path(checked.receipts["en"]).name
    ).read_text(encoding="utf-8")

"""Import profiles (inbox/_profils/*.yml) and the rules that decide a file's country, currency and numbers."""

from __future__ import annotations

import collections
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ingest.inbox import ingest_inbox
from ingest.personal_data import redact
from ingest.profiles import Profile
from ingest.schemas import TABULAR_SCHEMAS, normalise_header
from ingest.suggest import suggest_profile
from tests.conftest import query


def _inbox(tmp_path, files: dict[str, str | bytes], profiles: dict[str, str] = ()) -> tuple:
    inbox = tmp_path / "inbox"
    for relative, content in {**files, **{f"_profils/{n}": t for n, t in dict(profiles).items()}}.items():
        (inbox / relative).parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        (inbox / relative).write_bytes(data)
    return inbox, tmp_path / "w.duckdb"


ODD_BUDGET = "Année;Ministère;Intitulé de la dépense;Crédits votés;Décaissé\n2024;Santé;Vaccins;1 000 000;400 000\n"


def test_a_profile_maps_what_detection_cannot_and_a_rejected_file_is_read_again_once_it_exists(tmp_path):
    inbox, warehouse = _inbox(tmp_path, {"budget_lines/sante_2024.csv": ODD_BUDGET})
    [first] = ingest_inbox(inbox, warehouse, "night-1").files
    assert first.status == "rejected" and "en-têtes non reconnus" in first.error
    # Nothing changed: the file is not read again.
    assert [f.status for f in ingest_inbox(inbox, warehouse, "night-2").files] == ["known"]

    (inbox / "_profils").mkdir()
    (inbox / "_profils" / "sante.yml").write_text(
        'fichiers: "budget_lines/sante_*.csv"\n'
        "colonnes:\n  Année: fiscal_year\n  Intitulé de la dépense: line_label\n  Décaissé: paiement\n"
        "  Crédits votés: dotation\ndevise: XOF\n",
        encoding="utf-8",
    )
    [second] = ingest_inbox(inbox, warehouse, "night-3").files
    assert second.status == "loaded" and second.rows_loaded == 1, second.error
    assert query(
        warehouse, "SELECT fiscal_year, institution, line_label, dotation, paiement, currency FROM raw.budget_lines"
    ) == [(2024, "Santé", "Vaccins", 1_000_000, 400_000, "XOF")]
    [(profiles,)] = query(warehouse, "SELECT profiles FROM ops.files WHERE status = 'loaded'")
    assert len(profiles) == 1 and profiles[0].startswith("sante.yml@")
    # The same profile, the same file: the next night changes nothing.
    assert [f.status for f in ingest_inbox(inbox, warehouse, "night-4").files] == ["known"]


def test_an_upgrade_of_the_reading_core_reads_again_what_it_could_not_read_and_only_that(tmp_path, monkeypatch):
    """Issue 34 item 6: a file rejected (or held back, or read in part) under an earlier reading core is read again
    once the core changes (its fingerprint in ops.files), as under changed profiles; a file loaded whole is not."""
    import duckdb

    from ingest import inbox as inbox_module
    from ingest.ledger import ensure_tables

    header = "Exercice;Ministère;Libellé;Dotation;Paiement;Devise\n"
    line = "2024;Santé;Vaccins;1 000 000;400 000;XOF\n"
    files = {
        "budget_lines/ok.csv": header + line,
        "budget_lines/partiel.csv": header + line.replace("Vaccins", "Forages") + "deux mille;Santé;Puits;1;1;XOF\n",
        "budget_lines/sante_2024.csv": ODD_BUDGET,
    }
    inbox, warehouse = _inbox(tmp_path, files)
    monkeypatch.setattr(inbox_module, "reading_core", lambda: "core-1")
    first = {f.path: (f.status, f.rows_rejected) for f in ingest_inbox(inbox, warehouse, "night-1").files}
    assert first == {
        "budget_lines/ok.csv": ("loaded", 0),
        "budget_lines/partiel.csv": ("loaded", 1),  # read in part
        "budget_lines/sante_2024.csv": ("rejected", 0),
    }
    assert {f.status for f in ingest_inbox(inbox, warehouse, "night-2").files} == {"known"}

    monkeypatch.setattr(inbox_module, "reading_core", lambda: "core-2")  # an upgrade
    again = {f.path: f.status for f in ingest_inbox(inbox, warehouse, "night-3").files}
    assert again == {
        "budget_lines/ok.csv": "known",
        "budget_lines/partiel.csv": "loaded",
        "budget_lines/sante_2024.csv": "rejected",
    }
    assert query(warehouse, "SELECT path, load_batch, reading_core FROM ops.files ORDER BY file_id") == [
        ("budget_lines/ok.csv", "night-1", "core-1"),
        ("budget_lines/partiel.csv", "night-1", "core-1"),
        ("budget_lines/sante_2024.csv", "night-1", "core-1"),
        ("budget_lines/partiel.csv", "night-3", "core-2"),
        ("budget_lines/sante_2024.csv", "night-3", "core-2"),
    ]
    assert {f.status for f in ingest_inbox(inbox, warehouse, "night-4").files} == {"known"}

    # A warehouse made before the fingerprint was recorded gains its column, empty: every file not read whole is
    # read again by the first night of the upgrade.
    con = duckdb.connect(str(warehouse))
    con.execute("ALTER TABLE ops.files DROP COLUMN reading_core")
    ensure_tables(con)
    con.close()
    upgraded = {f.path: f.status for f in ingest_inbox(inbox, warehouse, "night-5").files}
    assert upgraded == {
        "budget_lines/ok.csv": "known",
        "budget_lines/partiel.csv": "loaded",
        "budget_lines/sante_2024.csv": "rejected",
    }


def test_the_reading_core_fingerprint_changes_with_the_ingest_code_and_the_rules_it_reads(
    tmp_path, monkeypatch, request
):
    from ingest import inbox as inbox_module

    repo = tmp_path / "repo"
    for relative, text in {
        "ingest/tabular.py": "x = 1\n",
        "ingest/kinds/budget_lines.yml": "fields: []\n",
        "config/plausibility.yml": "a: 1\n",
        "dbt_project/seeds/cfa_franc_zones.csv": "country_code,currency\n",
    }.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text, encoding="utf-8")
    monkeypatch.setattr(inbox_module, "REPO_ROOT", repo)
    monkeypatch.setattr(inbox_module, "__file__", str(repo / "ingest" / "inbox.py"))
    monkeypatch.setattr(inbox_module.countries, "CFA_FRANC_ZONES", repo / "dbt_project/seeds/cfa_franc_zones.csv")

    def fingerprint() -> str:
        inbox_module.reading_core.cache_clear()
        return inbox_module.reading_core()

    request.addfinalizer(inbox_module.reading_core.cache_clear)  # the real fingerprint for the tests after this one

    seen = {fingerprint()}
    for relative in [
        "ingest/tabular.py",
        "ingest/kinds/budget_lines.yml",
        "config/plausibility.yml",
        "dbt_project/seeds/cfa_franc_zones.csv",
    ]:
        (repo / relative).write_text((repo / relative).read_text() + "# changed\n", encoding="utf-8")
        seen.add(fingerprint())
    assert len(seen) == 5
    (repo / "ingest" / "__pycache__").mkdir()
    (repo / "ingest" / "__pycache__" / "tabular.cpython-311.pyc").write_bytes(b"compiled")
    assert fingerprint() in seen


@pytest.mark.parametrize(
    ("mapping", "wrong"),
    [("colonnes:\n  Décaissé: decaisse\n", "decaisse"), ("valeurs:\n  ministre: Santé\n", "ministre")],
    ids=["colonnes", "valeurs"],
)
def test_a_profile_naming_a_field_that_does_not_exist_rejects_its_files_with_why(tmp_path, mapping, wrong):
    inbox, warehouse = _inbox(
        tmp_path,
        {"budget_lines/sante_2024.csv": ODD_BUDGET},
        {"sante.yml": 'fichiers: "budget_lines/*"\n' + mapping},
    )
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "rejected" and f"champs inconnus ['{wrong}']" in result.error


PARTNERS_FCFA = (
    "Partenaire;Pays;Secteur;Montant dépensé (FCFA)\n"
    "ACF;Mali;Nutrition;1 000 000\n"
    "IRC;Tchad;Nutrition;2 000 000\n"
    "MSF;;Santé;3 000 000\n"
)


def test_fcfa_is_xof_or_xaf_by_the_rows_country_else_the_profiles_else_unknown(tmp_path):
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/3w.csv": PARTNERS_FCFA})
    ingest_inbox(inbox, warehouse, "b")
    # Mali is West Africa (XOF), Chad Central Africa (XAF); a row naming no country has no CFA franc decided.
    assert query(warehouse, "SELECT partner, currency FROM raw.partner_reports ORDER BY line_number") == [
        ("ACF", "XOF"),
        ("IRC", "XAF"),
        ("MSF", None),
    ]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert any(n.startswith("FCFA sans pays connu") for n in notes)

    inbox, warehouse = _inbox(
        tmp_path / "with-profile", {"partner_reports/3w.csv": PARTNERS_FCFA}, {"boite.yml": 'fichiers: "*"\npays: ML\n'}
    )
    ingest_inbox(inbox, warehouse, "b")
    assert query(warehouse, "SELECT partner, country, currency FROM raw.partner_reports ORDER BY line_number") == [
        ("ACF", "Mali", "XOF"),
        ("IRC", "Tchad", "XAF"),
        ("MSF", "ML", "XOF"),
    ]


def test_free_text_currency_labels_become_iso_codes(tmp_path):
    text = (
        "Partenaire;Secteur;Montant dépensé;Devise\n"
        "ACF;Nutrition;10;(EUR) - Euro\nHKI;Nutrition;20;(XOF) - West African CFA franc\n"
        "IRC;Nutrition;30;Franc CFA BEAC\nMSF;Nutrition;40;dollars US\nPAM;Nutrition;50;gbp\n"
    )
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/3w.csv": text})
    ingest_inbox(inbox, warehouse, "b")
    assert [c for (c,) in query(warehouse, "SELECT currency FROM raw.partner_reports ORDER BY line_number")] == [
        "EUR",
        "XOF",
        "XAF",
        "USD",
        "GBP",
    ]


def test_thousands_separators_are_decided_per_column_from_all_its_cells(tmp_path):
    # In a column holding 2,000,000, 175,000 is 175 000 (read alone it could be 175).
    text = 'Exercice;Institution;Libellé;Dotation;Devise\n2024;Santé;A;"2,000,000";XOF\n2024;Santé;B;" 175,000 ";XOF\n'
    inbox, warehouse = _inbox(tmp_path, {"budget_lines/b.csv": text})
    ingest_inbox(inbox, warehouse, "b")
    assert query(warehouse, "SELECT line_label, dotation FROM raw.budget_lines ORDER BY 1") == [
        ("A", 2_000_000),
        ("B", 175_000),
    ]
    # Dots likewise ("2.000.000"), and a comma before a decimal point ("1,250.50") says commas, whatever the spaces.
    text = (
        "Exercice;Institution;Libellé;Dotation;Paiement;Devise\n"
        '2024;Santé;C;"2.000.000";"1,250.50";XOF\n2024;Santé;D;"175.000";"3\u00a0400,000";XOF\n'
    )
    inbox, warehouse = _inbox(tmp_path / "dots", {"budget_lines/b.csv": text})
    ingest_inbox(inbox, warehouse, "b")
    assert query(warehouse, "SELECT line_label, dotation, paiement FROM raw.budget_lines ORDER BY 1") == [
        ("C", 2_000_000, Decimal("1250.50")),
        ("D", 175_000, 3_400_000),
    ]


def test_a_wide_budget_by_year_is_read_once_per_year_and_chapter_and_total_rows_are_skipped(tmp_path):
    # A commune's "prévisions / réalisations" by year: two stages (dotation, paiement) for each year.
    text = (
        "Collectivité;Compte;Libellé;Prévisions 2023;Réalisations 2023;Prévisions 2024;Réalisations 2024;Devise\n"
        "Commune de Niono;60;Achats;;;;;XOF\n"
        "Commune de Niono;601;Fournitures;1 000;800;1 200;-;XOF\n"
        "Commune de Niono;602;Carburant;500;;600;650;XOF\n"
        "Commune de Niono;;Total chapitre 60;1 500;800;1 800;650;XOF\n"
    )
    inbox, warehouse = _inbox(tmp_path, {"budget_lines/commune_niono.csv": text})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded", result.error
    assert query(
        warehouse, "SELECT sheet, line_code, fiscal_year, dotation, paiement FROM raw.budget_lines ORDER BY 3, 2"
    ) == [
        ("[2023]", "601", 2023, 1000, 800),
        ("[2023]", "602", 2023, 500, None),
        ("[2024]", "601", 2024, 1200, 0),
        ("[2024]", "602", 2024, 600, 650),
    ]
    skipped = query(
        warehouse, "SELECT sheet, line_number, reason_en FROM ops.rejects WHERE action = 'skipped' ORDER BY 1, 2"
    )
    assert [(s, n) for s, n, _ in skipped] == [("[2023]", 2), ("[2023]", 5), ("[2024]", 2), ("[2024]", 5)]
    assert "chapter row" in skipped[0][2] and "total row" in skipped[1][2]
    assert result.rows_read == result.rows_loaded + result.rows_skipped + result.rows_rejected == 8


def test_hidden_sheets_and_sheets_of_no_kind_are_recorded_as_not_read(tmp_path):
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "Données"
    data.append(["Partenaire", "Secteur", "Région"])
    data.append(["ACF", "Nutrition", "Ségou"])
    hidden = workbook.create_sheet("Ancienne version")
    hidden.append(["Partenaire", "Secteur", "Région"])
    hidden.append(["ACF", "Nutrition", "Mopti"])
    hidden.sheet_state = "hidden"
    workbook.create_sheet("Lisez-moi").append(["Ce classeur est rempli par les partenaires."])
    path = tmp_path / "3w.xlsx"
    workbook.save(path)
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/3w.xlsx": path.read_bytes()})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded" and result.rows_loaded == 1
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert (
        "feuille « Ancienne version » non lue : feuille masquée / sheet 'Ancienne version' not read: hidden sheet"
        in notes
    )
    assert any(n.startswith("feuille « Lisez-moi » non lue : en-têtes non reconnus") for n in notes)


def _add_pivot_table(sheet, source: str, ref: str, fields: list[str], row_field: int, data_field: int) -> None:
    """A pivot table as Excel stores one (table definition, cache definition, records), written by openpyxl."""
    from openpyxl.pivot.cache import CacheDefinition, CacheField, CacheSource, SharedItems, WorksheetSource
    from openpyxl.pivot.record import RecordList
    from openpyxl.pivot.table import DataField, Location, PivotField, RowColField, TableDefinition

    cache = CacheDefinition(
        cacheSource=CacheSource(type="worksheet", worksheetSource=WorksheetSource(ref=ref, sheet=source)),
        cacheFields=[CacheField(name=name, sharedItems=SharedItems()) for name in fields],
        recordCount=0,
    )
    cache.records = RecordList()
    table = TableDefinition(
        name="TCD1",
        cacheId=1,
        dataCaption="Valeurs",
        location=Location(ref=f"A1:B{sheet.max_row}", firstHeaderRow=1, firstDataRow=1, firstDataCol=1),
        pivotFields=[
            PivotField(axis="axisRow" if k == row_field else None, dataField=k == data_field or None, showAll=False)
            for k in range(len(fields))
        ],
        rowFields=[RowColField(x=row_field)],
        dataFields=[DataField(name=f"Somme de {fields[data_field]}", fld=data_field)],
    )
    table.cache = cache
    sheet._pivots.append(table)


def test_a_pivot_table_sheet_is_recorded_as_a_summary_and_not_read(tmp_path):
    # A 5W workbook: the partners' rows, and a pivot table summing them by partner under headers that read as a 3W's.
    rows = [("ACF", "Nutrition", "Ségou", 1_000), ("IRC", "Santé", "Mopti", 2_000), ("ACF", "Nutrition", "Kayes", 500)]
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "5W"
    data.append(["Partenaire", "Secteur", "Région", "Montant dépensé (XOF)"])
    for row in rows:
        data.append(list(row))
    pivot = workbook.create_sheet("TCD")
    pivot.append(["Partenaire", "Secteur", "Montant dépensé (XOF)"])
    by_partner = collections.Counter()
    for partner, _, _, amount in rows:
        by_partner[partner] += amount
    for partner, amount in sorted(by_partner.items()):
        pivot.append([partner, "Nutrition", amount])
    _add_pivot_table(pivot, "5W", f"A1:D{len(rows) + 1}", ["Partenaire", "Secteur", "Région", "Montant"], 0, 3)
    path = tmp_path / "5w.xlsx"
    workbook.save(path)
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/5w.xlsx": path.read_bytes()})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded" and result.rows_loaded == len(rows), result
    assert query(warehouse, "SELECT DISTINCT sheet, sum(amount_spent) FROM raw.partner_reports GROUP BY 1") == [
        ("5W", sum(r[3] for r in rows))
    ]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert (
        "feuille « TCD » non lue : tableau croisé dynamique (un résumé) / sheet 'TCD' not read: pivot table (a summary)"
        in notes
    )


def test_headers_with_typos_are_read_from_their_words_and_values_and_the_record_says_so(tmp_path):
    # Typos nobody anticipated: each header's words are near a field's and its values fit it.
    text = "Exercise;Institution;Libelé;Dotaton;Devise\n2024;Santé;Vaccins;1 000 000;XOF\n"
    inbox, warehouse = _inbox(tmp_path, {"budget_lines/typos.csv": text})
    [result] = ingest_inbox(inbox, warehouse, "night-1").files
    assert result.status == "loaded", result.error
    assert query(warehouse, "SELECT fiscal_year, line_label, dotation, currency FROM raw.budget_lines") == [
        (2024, "Vaccins", 1_000_000, "XOF")
    ]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    read = [n for n in notes if n.startswith("colonne « ")]
    assert [n.split(" »")[0].removeprefix("colonne « ") for n in read] == ["Exercise", "Libelé", "Dotaton"]
    assert "lue comme dotation d'après les mots de son en-tête" in read[2] and "confidence" in read[2]


def test_a_file_rejected_for_its_headers_gets_a_suggested_profile_that_loads_it_once_saved(tmp_path):
    # The institution's header has too many words of its own to be applied: the suggestion proposes it, to check.
    text = "Exercice;Institution gestionnaire des crédits votés;Libellé;Dotation;Devise\n2024;Santé;Vaccins;1 000 000;XOF\n"
    inbox, warehouse = _inbox(tmp_path, {"budget_lines/incertain.csv": text})
    [result] = ingest_inbox(inbox, warehouse, "night-1").files
    assert result.status == "rejected" and "un profil est suggéré" in result.error
    [(suggested,)] = query(warehouse, "SELECT suggested_profile FROM ops.files")
    assert '"Institution gestionnaire des crédits votés": institution   # probable' in suggested
    assert '"Dotation": dotation   # reconnu' in suggested

    (inbox / "_profils").mkdir()
    (inbox / "_profils" / "incertain.yml").write_text(suggested, encoding="utf-8")
    [again] = ingest_inbox(inbox, warehouse, "night-2").files
    assert again.status == "loaded", again.error
    assert query(warehouse, "SELECT fiscal_year, institution, dotation, currency FROM raw.budget_lines") == [
        (2024, "Santé", 1_000_000, "XOF")
    ]


ACTION_POINTS = (
    "N°;Recommandation / action;Responsable;Échéance;Statut;Observations\n"
    "1;Finaliser le plan de plaidoyer;Cellule de coordination;fin juin 2024;En cours;\n"
    "2;Partager la cartographie des partenaires;Cluster Nutrition;T3 2024;Pas de nouvelles;\n"
    "3;Organiser l'atelier budgétaire;Ministère de la Santé;30/06/2024;réalisé à 50 %;\n"
    "4;Diffuser le compte rendu;Secrétariat;Immédiat;Réalisé;\n"
    "5;Suivre les décaissements;Point focal SUN;En continu;En cours;\n"
)


def test_meeting_action_points_land_with_the_deadline_meant_and_their_statuses_as_of_the_meeting(tmp_path):
    from warehouse.dbt import dbt_build

    inbox, warehouse = _inbox(
        tmp_path,
        {
            "commitments/points_action_reunion_2024-05-14.csv": ACTION_POINTS,
            "commitments/points_action_reunion_2024-07-09.csv": ACTION_POINTS.replace("réalisé à 50 %", "Réalisé"),
        },
    )
    assert [f.status for f in ingest_inbox(inbox, warehouse, "b").files] == ["loaded", "loaded"]
    rows = query(
        warehouse,
        """SELECT commitment_id, deadline, deadline_text, status_date FROM raw.commitments
           WHERE commitment_id LIKE '%05-14 #%' ORDER BY line_number""",
    )
    may = dt.date(2024, 5, 14)
    assert rows == [
        ("points_action_reunion_2024-05-14 #1", dt.date(2024, 6, 30), "fin juin 2024", may),
        ("points_action_reunion_2024-05-14 #2", dt.date(2024, 9, 30), "T3 2024", may),
        ("points_action_reunion_2024-05-14 #3", dt.date(2024, 6, 30), "30/06/2024", may),
        # "Immédiat" and "En continu" are no date: none is invented, the text is kept.
        ("points_action_reunion_2024-05-14 #4", None, "Immédiat", may),
        ("points_action_reunion_2024-05-14 #5", None, "En continu", may),
    ]
    assert dbt_build(warehouse, "2026-11-22", select="+fct_commitments").ok
    statuses = dict(query(warehouse, "SELECT lower(commitment_id), status_reported FROM marts.fct_commitments"))
    # Two meetings' point 3 are two points; each status is in the vocabulary.
    assert statuses["points_action_reunion_2024-05-14 #3"] == "in_progress"
    assert statuses["points_action_reunion_2024-07-09 #3"] == "achieved"
    assert statuses["points_action_reunion_2024-05-14 #2"] == "no_response"
    assert len(statuses) == 10 and "unrecognised" not in statuses.values()


def test_a_row_repeated_cell_for_cell_counts_once_and_scientific_notation_is_read_and_flagged(tmp_path):
    text = (
        "Partenaire;Secteur;Région;Montant dépensé;Devise\n"
        "ACF;Nutrition;Ségou;1,5E+06;XOF\n"
        "ACF;Nutrition;Ségou;1,5E+06;XOF\n"
        "ACF;Nutrition;Mopti;1,5E+06;XOF\n"
    )
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/3w.csv": text})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert (result.rows_read, result.rows_loaded, result.rows_skipped) == (3, 2, 1)
    assert query(warehouse, "SELECT region, amount_spent FROM raw.partner_reports ORDER BY line_number") == [
        ("Ségou", 1_500_000),
        ("Mopti", 1_500_000),
    ]
    assert query(
        warehouse, "SELECT line_number, raw_value, action FROM ops.rejects WHERE reason_en LIKE 'row identical%'"
    ) == [(3, "ligne 2 / line 2", "skipped")]
    flagged = query(warehouse, "SELECT line_number, reason_en FROM ops.rejects WHERE action = 'flagged' ORDER BY 1")
    assert [n for n, _ in flagged] == [2, 4] and "possibly rounded" in flagged[0][1]


def test_text_encoded_twice_is_repaired_and_the_rest_left_alone(tmp_path):
    text = "Partenaire;Secteur;Région;Activité\nMinistÃ¨re de la SantÃ©;Nutrition;SÃ©gou;maÃ®tre dâ€™Å“uvre\n"
    text += "Société civile;Santé;Mopti;Cash+ 100%\n"
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/3w.csv": text})
    ingest_inbox(inbox, warehouse, "b")
    assert query(warehouse, "SELECT partner, region, activity FROM raw.partner_reports ORDER BY line_number") == [
        ("Ministère de la Santé", "Ségou", "maître d’œuvre"),
        ("Société civile", "Mopti", "Cash+ 100%"),
    ]


def test_a_budget_titled_with_its_year_and_unit_gets_both_never_an_amount_a_million_times_too_small(tmp_path):
    text = (
        "Ministère de la Santé - Loi de finances 2024\n"
        "(montants en millions de FCFA)\n"
        "\n"
        "Institution;Libellé;Dotation;Paiement\n"
        "Santé;Vaccins;1,5;0,5\n"
    )
    # A title's count of people is no unit.
    other = "Budget 2025 du plan de réponse : 12 millions de personnes\nInstitution;Libellé;Dotation\nPAM;Vivres;1 000 FCFA\n"
    inbox, warehouse = _inbox(
        tmp_path,
        {"budget_lines/lf_2024.csv": text, "budget_lines/plan_2025.csv": other},
        {"boite.yml": 'fichiers: "*"\npays: ML\n'},
    )
    assert [f.status for f in ingest_inbox(inbox, warehouse, "b").files] == ["loaded", "loaded"]
    assert query(
        warehouse, "SELECT sheet, fiscal_year, dotation, paiement, currency FROM raw.budget_lines ORDER BY 2"
    ) == [(None, 2024, 1_500_000, 500_000, "XOF"), (None, 2025, 1_000, None, "XOF")]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files WHERE path LIKE '%lf_2024%'")
    assert any(n.startswith("exercice 2024 lu dans le titre") for n in notes)


def test_subtotal_rows_without_a_label_are_recognised_as_the_sum_of_the_lines_above_and_skipped(tmp_path):
    lines = {  # line in the file -> (code, label, dotation, paiement): the budget's own lines
        3: ("1.1", "Vaccins", 1_000_000, 400_000),
        4: ("1.2", "Intrants", 500_000, 100_000),
        6: ("2.1", "Formation", 300_000, 300_000),
        7: ("2.2", "Supervision", 200_000, 200_000),
        # The sum of 2.1 and 2.2, but a line of its own: its code does not begin theirs.
        8: ("2.3", "Équipement", 500_000, 500_000),
    }
    chapter_1 = [v for k, v in lines.items() if k in (3, 4)]
    rows = {
        2: ("1", "Programme 1 : santé de la reproduction", None, None),  # a chapter row: no amount
        **{k: v for k, v in lines.items() if k < 5},
        5: ("1", "Programme 1", sum(v[2] for v in chapter_1), sum(v[3] for v in chapter_1)),
        **{k: v for k, v in lines.items() if k > 5},
        9: ("", "", sum(v[2] for v in lines.values()), sum(v[3] for v in lines.values())),  # the grand total
    }

    def cell(amount):
        return "" if amount is None else f"{amount:,}".replace(",", " ")

    text = "Exercice;Institution;Code;Libellé;Dotation;Paiement\n" + "".join(
        f"2024;Santé;{c};{label};{cell(d)};{cell(p)}\n" for _, (c, label, d, p) in sorted(rows.items())
    )
    inbox, warehouse = _inbox(
        tmp_path, {"budget_lines/sante_2024.csv": text}, {"boite.yml": 'fichiers: "*"\npays: ML\ndevise: XOF\n'}
    )
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded" and result.rows_loaded == len(lines), result
    assert query(warehouse, "SELECT line_number, line_code, dotation, paiement FROM raw.budget_lines ORDER BY 1") == [
        (k, c, d, p) for k, (c, _, d, p) in sorted(lines.items())
    ]
    skipped = query(
        warehouse, "SELECT line_number, raw_value FROM ops.rejects WHERE reason_en LIKE 'subtotal:%' ORDER BY 1"
    )
    assert skipped == [(5, "2 lignes / lines"), (9, f"{len(lines)} lignes / lines")]
    assert result.rows_read == result.rows_loaded + result.rows_skipped == len(rows)


def test_a_budget_titled_with_its_ministry_has_it_on_every_line_and_a_profile_gives_what_no_cell_says(tmp_path):
    ministry = "MINISTÈRE DE LA SANTÉ ET DU DÉVELOPPEMENT SOCIAL"
    lines = [("Vaccins", 1_000, 500), ("Intrants nutritionnels", 2_000, 1_000)]
    body = "Libellé;Dotation;Paiement\n" + "".join(f"{label};{d:,};{p:,}\n".replace(",", " ") for label, d, p in lines)
    # Two ministries in a title (a joint order) name no single institution: no column gives it, so the file waits.
    joint = "Ministère de la Santé / Ministère de l'Agriculture\nBudget 2024 (en FCFA)\n\n" + body
    inbox, warehouse = _inbox(
        tmp_path,
        {
            "budget_lines/mssds_2024.csv": f"{ministry}\nBudget 2024 (en FCFA)\n\n{body}",
            "budget_lines/joint.csv": joint,
        },
        {
            "boite.yml": 'fichiers: "*"\npays: ML\n',
            "mssds.yml": 'fichiers: "*/mssds_*"\nvaleurs:\n  budget_version: LFI\n',
        },
    )
    by_name = {Path(f.path).name: f for f in ingest_inbox(inbox, warehouse, "b").files}
    assert by_name["mssds_2024.csv"].status == "loaded", by_name["mssds_2024.csv"].error
    assert by_name["joint.csv"].status == "rejected"
    assert "colonnes manquantes Institution ;" in by_name["joint.csv"].error  # the title gives the year
    assert query(
        warehouse,
        "SELECT fiscal_year, institution, budget_version, line_label, dotation, paiement, currency "
        "FROM raw.budget_lines ORDER BY line_number",
    ) == [(2024, ministry, "LFI", label, d, p, "XOF") for label, d, p in lines]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files WHERE path LIKE '%mssds%'")
    assert f"institution de chaque ligne : « {ministry} » (titre du fichier / file's title) / " in " ".join(notes)
    assert any(n.startswith("budget_version de chaque ligne : « LFI » (profil") for n in notes)

    # The suggested profile offers `valeurs` for what is missing; filled in, it gives the joint order its institution:
    # an edit and a rerun, the file untouched.
    [(suggested,)] = query(warehouse, "SELECT suggested_profile FROM ops.files WHERE path LIKE '%joint%'")
    assert "\n# valeurs:" in suggested and "\n#   institution: ?\n" in suggested
    edited = suggested.replace("\n# valeurs:", "\nvaleurs:").replace("\n#   institution: ?", "\n  institution: MSHP")
    (inbox / "_profils" / "joint.yml").write_text(edited, encoding="utf-8")
    [again] = [f for f in ingest_inbox(inbox, warehouse, "c").files if Path(f.path).name == "joint.csv"]
    assert again.status == "loaded" and again.rows_loaded == len(lines), again.error
    assert query(
        warehouse,
        "SELECT f.path LIKE '%joint%', b.institution, count(*) FROM raw.budget_lines b "
        "JOIN ops.files f USING (file_id) GROUP BY ALL ORDER BY 1",
    ) == [(False, ministry, len(lines)), (True, "MSHP", len(lines))]


def test_a_project_budget_repeated_on_every_place_row_is_one_amount_split_over_its_places(tmp_path):
    # A 3W export with budgets: French headers with line breaks and form instructions, no currency stated.
    text = (
        '"Partenaire\n(nom complet)";"Secteur";"Région";"Cercle";"Projet\n(intitulé)";"Budget du projet\n(montant total)"\n'
        "ACF;Nutrition;Ségou;Niono;PCIMA Ségou;90 000 000\n"
        "ACF;Nutrition;Ségou;Macina;PCIMA Ségou;90 000 000\n"
        "ACF;Nutrition;Ségou;San;PCIMA Ségou;90 000 000\n"
        "IRC;Santé;Mopti;Djenné;Cliniques mobiles;10 000 000\n"
        "IRC;Santé;Mopti;Mopti;Cliniques mobiles;12 000 000\n"
        "MSF;Santé;Kayes;Kita;Soins Kita;5 000 000\n"
        "MSF;Nutrition;Kayes;Kita;Soins Kita;5 000 000\n"
    )
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/3w_budgets.csv": text})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded" and result.rows_loaded == 7, result.error
    rows = query(
        warehouse, "SELECT partner, cercle, planned_budget, amount_rule FROM raw.partner_reports ORDER BY 1, 2"
    )
    assert rows == [
        ("ACF", "Macina", 30_000_000, "project_budget_split_over_places:3"),
        ("ACF", "Niono", 30_000_000, "project_budget_split_over_places:3"),
        ("ACF", "San", 30_000_000, "project_budget_split_over_places:3"),
        # Two different amounts are two places' own budgets: left as written.
        ("IRC", "Djenné", 10_000_000, None),
        ("IRC", "Mopti", 12_000_000, None),
        # One amount on two rows of one place (two sectors): not a project spread over places, left as written.
        ("MSF", "Kita", 5_000_000, None),
        ("MSF", "Kita", 5_000_000, None),
    ]
    assert sum(r[2] for r in rows) == 90_000_000 + 22_000_000 + 2 * 5_000_000
    from warehouse.dbt import dbt_build

    assert dbt_build(warehouse, "2026-11-22", select="+fct_funding_flows").ok
    assert query(
        warehouse,
        """SELECT recipient_org_name, sum(amount_original), list(DISTINCT amount_rule) FROM marts.fct_funding_flows
           WHERE flow_stage = 'planned' GROUP BY 1 ORDER BY 1""",
    ) == [
        ("ACF", 90_000_000, ["project_budget_split_over_places:3"]),
        ("IRC", 22_000_000, [None]),
        ("MSF", 10_000_000, [None]),
    ]


def test_a_sheet_repeating_the_lines_of_other_sheets_is_not_counted_twice(tmp_path):
    workbook = openpyxl.Workbook()
    header = ["Exercice", "Institution", "Région", "Libellé", "Dotation", "Devise"]
    lines = {
        "Kayes": [[2024, "Conseil régional", "Kayes", "Centres de santé", 100, "XOF"]],
        "Ségou": [
            [2024, "Conseil régional", "Ségou", "Forages", 200, "XOF"],
            [2024, "Conseil régional", "Ségou", "Écoles", 50, "XOF"],
        ],
    }
    workbook.active.title = "Kayes"
    for name, rows in lines.items():
        sheet = workbook["Kayes"] if name == "Kayes" else workbook.create_sheet(name)
        for row in [header, *rows]:
            sheet.append(row)
    summary = workbook.create_sheet("Toutes les régions")
    for row in [header, *lines["Kayes"], *lines["Ségou"]]:
        summary.append(row)
    path = tmp_path / "budgets.xlsx"
    workbook.save(path)
    inbox, warehouse = _inbox(tmp_path, {"budget_lines/budgets_regions.xlsx": path.read_bytes()})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded" and result.rows_loaded == 3, result.error
    assert query(warehouse, "SELECT sum(dotation) FROM raw.budget_lines") == [(350,)]
    [(notes,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert any(n.startswith("feuille « Toutes les régions » non lue : elle répète") for n in notes)


def test_excel_error_cells_are_missing_with_their_reason(tmp_path):
    text = (
        "Exercice;Institution;Code programme;Libellé;Paiement;Devise\n"
        "2017;Santé;#N/A;Vaccins;1 000;XOF\n"
        "2017;Santé;105;Écoles;#REF!;XOF\n"
        "2017;#N/A;106;Forages;500;XOF\n"
    )
    inbox, warehouse = _inbox(tmp_path, {"budget_lines/exec.csv": text})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert query(
        warehouse, "SELECT programme_code, line_label, paiement FROM raw.budget_lines ORDER BY line_number"
    ) == [
        (None, "Vaccins", 1000),
        ("105", "Écoles", None),
    ]
    assert query(warehouse, "SELECT line_number, raw_value, action, reason_en FROM ops.rejects ORDER BY 1") == [
        (2, "#N/A", "cleared", "Excel formula error or formula never computed: cell left empty, row loaded"),
        (3, "#REF!", "cleared", "Excel formula error or formula never computed: cell left empty, row loaded"),
        (4, "#N/A", "rejected", "required value is missing"),
    ]


def test_a_header_on_two_rows_with_merged_cells_is_read_as_one(tmp_path):
    # "Dotation" merged over its years, like the regional investment-budget workbooks (Excel writes the merged
    # cell's value in its first cell only).
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Budget d'investissement - FCFA"])
    sheet.append(["Institution", "Libellé de la ligne", "Dotation", None, "Paiement", None])
    sheet.append([None, None, "2023", "2024", "2023", "2024"])
    sheet.append(["Conseil régional", "Forages", 100, 120, 80, 90])
    sheet.merge_cells("C2:D2")
    sheet.merge_cells("E2:F2")
    path = tmp_path / "investissements.xlsx"
    workbook.save(path)
    inbox, warehouse = _inbox(
        tmp_path, {"budget_lines/investissements.xlsx": path.read_bytes()}, {"boite.yml": 'fichiers: "*"\npays: ML\n'}
    )
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded", result.error
    assert query(
        warehouse, "SELECT fiscal_year, line_label, dotation, paiement, currency FROM raw.budget_lines ORDER BY 1"
    ) == [(2023, "Forages", 100, 80, "XOF"), (2024, "Forages", 120, 90, "XOF")]


def test_a_profile_names_the_sheet_the_header_line_and_the_unit(tmp_path):
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Partenaire", "Secteur", "Région"])  # a sheet of the same kind the profile says not to read
    notes.append(["ACF", "Nutrition", "Kayes"])
    data = workbook.create_sheet("Données")
    data.append(["Rapport trimestriel"])
    data.append(["Partenaire", "Secteur", "Région", "Montant dépensé"])  # not the header: the profile says line 3
    data.append(["Org", "Domaine", "Zone", "Dépenses (milliers)"])
    data.append(["HKI", "Nutrition", "Mopti", 250])
    path = tmp_path / "hki.xlsx"
    workbook.save(path)
    profile = (
        'fichiers: "partner_reports/hki*"\nfeuille: Données\nligne_en_tete: 3\n'
        "colonnes:\n  Org: partner\n  Domaine: sector\n  Zone: region\n  Dépenses (milliers): amount_spent\n"
        "devise: XOF\nechelle: 1000\n"
    )
    inbox, warehouse = _inbox(tmp_path, {"partner_reports/hki.xlsx": path.read_bytes()}, {"hki.yml": profile})
    [result] = ingest_inbox(inbox, warehouse, "b").files
    assert result.status == "loaded", result.error
    assert query(
        warehouse, "SELECT sheet, line_number, partner, region, amount_spent, currency FROM raw.partner_reports"
    ) == [("Données", 4, "HKI", "Mopti", 250_000, "XOF")]
    [(notes_said,)] = query(warehouse, "SELECT notes FROM ops.files")
    assert (
        "feuille « Notes » non lue : autre feuille que celle du profil / sheet 'Notes' not read: not the profile's sheet"
        in notes_said
    )


def test_a_suggested_profile_is_valid_yaml_whatever_the_headers_hold(tmp_path):
    # Headers as forms write them: line breaks, instructions, colons, quotes, hashes, a leading dash or brace.
    import random

    import yaml

    pieces = ["Budget", "TYPE PROJET", "Montant: USD", 'dit "prévu"', "réf #2", "- note", "{clé}", "a\tb", "x'y", "é:à"]
    rng = random.Random(34)
    for case in range(20):
        headers = list(dict.fromkeys("\n".join(rng.sample(pieces, rng.randint(1, 3))) for _ in range(6)))
        grid = [headers, [str(rng.randint(1, 9)) for _ in headers]]
        text = suggest_profile(grid, TABULAR_SCHEMAS, Path(f"partner_reports/cas_{case}.csv"))
        data = yaml.safe_load(text)
        assert data["fichiers"] == f"partner_reports/cas_{case}.csv", text
        written = {k for k in (data.get("colonnes") or {})}
        commented = {h for h in headers if f"# {json.dumps(h, ensure_ascii=False)}: ?" in text}
        if "aucune colonne reconnue" in text:  # not a table: none of its cells is shown
            assert not written and not commented, text
            continue
        assert written | commented == {redact(h.strip()) for h in headers}, text
        for header in written:
            assert Profile(columns={"~" + normalise_header(header): "x"}).column_field(0, header) == "x"

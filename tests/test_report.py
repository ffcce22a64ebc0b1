"""The report: French formatting, its content, and publishing that never leaves a half-written page."""

from __future__ import annotations

import datetime as dt
import hashlib

from markupsafe import escape

from report import formatting
from report.build import NAMES_PER_FILE, TOP_ROWS, build_report
from report.publish import publish_report
from report.receipts import receipt_name, write_receipts
from tests.conftest import query
from warehouse import nightly


def test_formatting_by_language():
    assert formatting.fcfa(600_000_000) == "600\u202f000\u202f000\u00a0FCFA"
    assert formatting.fcfa(600_000_000, lang="en") == "XOF\u00a0600,000,000"
    assert formatting.usd(1_044_760.05) == "1\u202f044\u202f760\u00a0$ US"
    assert formatting.eur(914_694.1, lang="en") == "EUR\u00a0914,694"
    assert formatting.percent(0.0024, 2) == "0,24\u00a0%"
    assert formatting.percent(0.0024, 2, lang="en") == "0.24%"
    assert formatting.ratio(1.3576) == "×1,36"
    assert formatting.date(dt.date(2026, 11, 22)) == "22/11/2026"
    assert formatting.date(dt.date(2026, 11, 22), lang="en") == "22 Nov 2026"
    assert formatting.long_date(dt.date(2024, 12, 31)) == "31 décembre 2024"
    assert formatting.long_date(dt.date(2024, 12, 31), lang="en") == "31 December 2024"
    assert formatting.fcfa(None) == "-"


def test_report_shows_nutrition_by_year_and_commitments(built_sample, tmp_path):
    html = build_report(built_sample, tmp_path / "r", dt.date(2026, 11, 22)).read_text(encoding="utf-8")
    text = html.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Achat d&#39;aliments thérapeutiques prêts à l&#39;emploi (ATPE)" in html
    assert '<td class="num">600 000 000 FCFA</td><td class="num">468 000 000 FCFA</td>' in text
    assert text.count('class="status-overdue">En retard</td>') == 8
    assert "Doubler les fonds alloués à la nutrition dans le budget national" in text
    assert "<td>2019</td>" in text and "<td>2024</td>" in text


def test_publishing_replaces_the_report_in_one_rename(tmp_path):
    reports = tmp_path / "reports"
    for day, content in (("2026-11-21", "ancien"), ("2026-11-22", "nouveau"), ("2026-11-22", "corrigé")):
        built = tmp_path / f"built-{content}"
        built.mkdir()
        (built / "index.html").write_text(content, encoding="utf-8")
        page = publish_report(built, reports, day)
        assert page.read_text(encoding="utf-8") == content
    assert sorted(p.name for p in reports.iterdir() if not p.name.startswith(".")) == [
        "2026-11-21",
        "2026-11-22",
        "latest",
    ]
    assert (reports / "2026-11-21" / "index.html").read_text(encoding="utf-8") == "ancien"


def test_a_night_that_stops_before_publishing_leaves_the_published_warehouse_and_report(paths, built_sample):
    """Ingest and dbt build on a candidate, then a crash: readers still see the last good night."""
    import shutil

    paths.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_sample, paths.warehouse)
    built = build_report(paths.warehouse, paths.reports / ".staging" / "n1", dt.date(2026, 11, 22)).parents[1]
    publish_report(built, paths.reports, "2026-11-22")
    before = (
        hashlib.sha256(paths.warehouse.read_bytes()).hexdigest(),
        (paths.reports / "latest" / "fr" / "index.html").read_bytes(),
    )

    (paths.inbox / "partner_reports" / "nouveau.csv").write_text(
        "Partenaire;Secteur;Montant dépensé\nGAD;Nutrition;1 000 000\n", encoding="utf-8"
    )
    ingested = nightly.ingest(paths, "night-2", dt.date(2026, 11, 23))
    nightly.build(ingested["candidate"], dt.date(2026, 11, 23), "test-night")
    # ... the process dies here, before nightly.publish.

    assert (
        hashlib.sha256(paths.warehouse.read_bytes()).hexdigest(),
        (paths.reports / "latest" / "fr" / "index.html").read_bytes(),
    ) == before
    assert ingested["files_loaded"] == 1  # the candidate had the new file; the published warehouse does not


def test_report_lists_what_data_quality_checks_flagged(tmp_path):
    import re
    import shutil

    from ingest.inbox import ingest_inbox
    from tests.conftest import SAMPLE_INBOX

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_INBOX, inbox)
    # Seed 001: "une contribution de 1,2 million de francs CFA (plus de 2 millions USD) en 2021".
    (inbox / "partner_reports" / "contributions.csv").write_text(
        "Partenaire;Secteur;Région;Montant dépensé;Équivalent USD;Date de fin\n"
        "Alliance SUN Mali;Nutrition;Tombouctou;1,2 million de francs CFA;2 000 000;31/12/2021\n"
        "OMAES;Nutrition;Tomboctou;600 000 000 FCFA;1 070 000;31/12/2020\n",
        encoding="utf-8",
    )
    # More unknown places in one file than the report lists: a summary, the rest counted.
    unknown = [f"Lieu inconnu {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(NAMES_PER_FILE + 7)]
    (inbox / "partner_reports" / "lieux.csv").write_text(
        "Partenaire;Secteur;Région;Montant dépensé;Devise\n"
        + "".join(f"ACF;Nutrition;{place};1 000;XOF\n" for place in unknown),
        encoding="utf-8",
    )
    warehouse = tmp_path / "w.duckdb"
    ingest_inbox(inbox, warehouse, "b")
    nightly.build(str(warehouse), dt.date(2026, 11, 22), "test-night")
    html = build_report(warehouse, tmp_path / "r", dt.date(2026, 11, 22)).read_text(encoding="utf-8")
    quality = (
        html[html.index("7. Qualité des données") : html.index("8. Sources")]
        .replace("\u202f", " ")
        .replace("\u00a0", " ")
    )
    quality = re.sub(r">\s+<", "><", quality)
    # The inconsistent contribution, with its file and line; the consistent one (600 million FCFA ~ 1.07 million USD) is not.
    start = quality.index("ne correspond pas")
    mismatches = quality[start : quality.index("non reconnus", start)]
    assert '<td>partner_reports/contributions.csv</td><td class="num">2</td><td>Alliance SUN Mali</td>' in mismatches
    assert '<td class="num">1 200 000 FCFA</td><td class="num">2 000 000 $ US</td>' in mismatches
    assert "OMAES" not in mismatches
    # A misspelt region and the sample's unknown donor are listed, not dropped.
    assert (
        '<td>Tomboctou</td><td>région</td><td>partner_reports/contributions.csv</td><td class="num">1</td>' in quality
    )
    assert '<td>Bailleur exemple</td><td>bailleur</td><td>fts</td><td class="num">5</td>' in quality
    listed = [place for place in unknown if f"<td>{place}</td>" in quality]
    assert len(listed) == NAMES_PER_FILE
    assert (
        f"… et {len(unknown) - NAMES_PER_FILE} autres noms de lieux non reconnus dans partner_reports/lieux.csv"
        in quality
    )


def test_report_shows_who_does_what_where_with_or_without_money(built_sample, tmp_path):
    html = build_report(built_sample, tmp_path / "r", dt.date(2026, 11, 22)).read_text(encoding="utf-8")
    presence = query(
        built_sample,
        """SELECT region_name, sector_name, count(DISTINCT coalesce(partner_org_id, partner_name, partner_acronym))
           FROM marts.fct_operational_presence WHERE country_code = 'ML' GROUP BY ALL""",
    )
    assert presence
    for region, sector, partners in presence:
        row = f'<tr><td>{escape(region or "-")}</td><td>{escape(sector or "-")}</td><td class="num">{partners}</td>'
        assert row in html, row


def test_a_column_the_report_reads_missing_from_a_mart_fails_the_report_instead_of_an_empty_cell(
    built_sample, tmp_path
):
    import shutil

    import duckdb
    import pytest
    from jinja2 import UndefinedError

    broken = tmp_path / "w.duckdb"
    shutil.copy(built_sample, broken)
    con = duckdb.connect(str(broken))
    con.execute("ALTER TABLE marts.rpt_nutrition_budget_by_year DROP COLUMN weighted_nutrition_dotation_eur")
    con.close()
    with pytest.raises(UndefinedError, match="weighted_nutrition_dotation_eur"):
        build_report(broken, tmp_path / "out", dt.date(2026, 11, 22))
    assert build_report(built_sample, tmp_path / "ok", dt.date(2026, 11, 22)).exists()


def test_each_section_says_how_fresh_its_figures_are_and_headlines_name_their_files(
    built_sample, built_report, tmp_path
):
    html = (built_report / "fr" / "index.html").read_text(encoding="utf-8")
    text = html.replace("\u202f", " ").replace("\u00a0", " ")
    budget = query(
        built_sample,
        """SELECT arg_max(path, received_at), max(received_at)::date, count(*) FILTER (status = 'loaded'),
                  count(*) FILTER (status = 'held_back'), count(*) FILTER (status = 'rejected')
           FROM ops.files WHERE source_kind = 'budget_line'""",
    )[0]
    [(build,)] = query(built_sample, "SELECT max(build_number) FROM marts.fct_budget_execution")
    banner = (
        f"Dernier fichier reçu le {formatting.date(budget[1])} : {budget[0]}.\nChiffres de la construction n° {build}."
        f"\nFichiers chargés : {budget[2]}, retenus : {budget[3]}, rejetés : {budget[4]}."
    )
    # Sections 1 to 4 read the budget files: each opens with their banner and a link to the data-quality section.
    assert text.count(f'<p class="freshness">\n{banner}\n<a href="#qualite">') == 4
    assert '<h2 id="qualite">' in html
    assert text.count('<p class="freshness">') == 7
    # The headline figures name the extract and the receipt of every file behind the last year's nutrition lines.
    files = query(
        built_sample,
        """SELECT DISTINCT files.file_id, files.path FROM marts.fct_budget_execution AS lines
           JOIN ops.files AS files ON files.file_id = lines.source_file_id
           WHERE lines.nutrition_category <> 'none'
             AND lines.fiscal_year = (SELECT max(fiscal_year) FROM marts.rpt_nutrition_budget_by_year)""",
    )
    assert files
    receipts = write_receipts(built_sample, tmp_path / "accuses")  # the night writes them beside the report
    headline = html[html.index("Ces chiffres viennent de la table") : html.index("1. Budget de la nutrition")]
    assert '<a href="../extraits/rpt_nutrition_budget_by_year.xlsx">XLSX</a>' in headline
    for file_id, path in files:
        assert f'<a href="../accuses/fr/{receipt_name(file_id)}">{path}</a>' in headline
        assert (tmp_path / "accuses" / "fr" / receipts[file_id]).exists()


def test_the_partner_scorecard_is_in_the_page_and_in_the_extracts(built_sample, built_report):
    html = (built_report / "fr" / "index.html").read_text(encoding="utf-8")
    section = html[html.index("Qualité des rapports, partenaire par partenaire") : html.index("ne correspond pas")]
    partners = [name for (name,) in query(built_sample, "SELECT partner_name FROM marts.rpt_partner_data_quality")]
    shown = [name for name in partners if f"<td>{escape(name)}</td>" in section]
    assert partners and len(shown) == min(len(partners), TOP_ROWS)
    assert "rpt_partner_data_quality.xlsx" in section
    # Every table of the page has its extract; the sources say each file's status in the page's language.
    for mart in ("dq_unmatched_places", "dq_unmatched_organisations", "dq_stated_amount_mismatches"):
        assert f'<a href="../extraits/{mart}.xlsx">XLSX</a>' in html
    [(loaded,)] = query(built_sample, "SELECT count(*) FROM ops.files WHERE status = 'loaded'")
    assert html.count("<td>chargé</td>") == loaded > 0
    english = (built_report / "en" / "index.html").read_text(encoding="utf-8")
    assert english.count("<td>loaded</td>") == loaded
    assert (built_report / "extraits" / "rpt_partner_data_quality.xlsx").exists()
    assert (built_report / "extraits" / "rpt_partner_data_quality.csv").exists()

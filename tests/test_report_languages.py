"""The report in French and English: every string translated, figures written the way of each language, the charts
inline as SVG, the PDF brief, and the same bytes when the night runs again."""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
from pathlib import Path

from babel.messages.pofile import read_po
from markupsafe import escape

from report import formatting, i18n
from report.build import build_report
from tests.conftest import REPO, query

CHARTS = [
    "nutrition_budget",
    "nutrition_paiement",
    "pledge_trajectory",
    "transfers",
    "transfers_by_region",
    "execution_stages",
    "regions_tile_grid",
    "humanitarian_funding",
    "commitments_by_status",
]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog():
    with i18n.CATALOG.open("rb") as po:
        return read_po(po, locale="en")


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_every_string_of_the_report_has_its_english_translation():
    catalog = _catalog()
    extracted = [m.id for m in i18n.extracted() if m.id]
    assert len(extracted) > 100  # the templates and the charts' labels
    untranslated = [i for i in extracted if not (catalog.get(i) and catalog.get(i).string and not catalog.get(i).fuzzy)]
    assert untranslated == []
    for message in catalog:
        if message.id:
            assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id


def test_the_pages_stand_side_by_side_each_in_its_language(built_report, built_sample):
    fr = (built_report / "fr" / "index.html").read_text(encoding="utf-8")
    en = (built_report / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in fr and '<html lang="en">' in en
    assert 'href="../en/index.html"' in fr and 'href="../fr/index.html"' in en
    assert 'url=fr/index.html"' in (built_report / "index.html").read_text(encoding="utf-8")
    for year, weighted, share in query(
        built_sample,
        "SELECT fiscal_year, weighted_nutrition_dotation_xof, nutrition_share_of_budget "
        "FROM marts.rpt_nutrition_budget_by_year",
    ):
        assert formatting.fcfa(weighted) in fr and formatting.fcfa(weighted, lang="en") in en, year
        assert formatting.percent(share, 2) in fr and formatting.percent(share, 2, lang="en") in en, year
    assert re.search(r"XOF\u00a0\d{1,3}(,\d{3})+<", en) and re.search(r"\d{1,3}(\u202f\d{3})+\u00a0FCFA<", fr)
    assert "Données au 22 novembre 2026" in fr and "Data as of 22 November 2026" in en
    assert "Ordonnancement (payment order)" in en  # a domain word keeps its French name, with a gloss
    # Codes are shown by their label in each language (seed code_labels), never as the code.
    with open(REPO / "dbt_project/seeds/code_labels.csv", encoding="utf-8") as fh:
        categories = [r for r in csv.DictReader(fh) if r["field"] == "nutrition_category"]
    shown = query(built_sample, "SELECT DISTINCT nutrition_category FROM marts.fct_budget_execution")
    for category in categories:
        if (category["code"],) in shown and category["code"] != "none":
            assert f"<td>{escape(category['label_fr'])}</td>" in fr and f"<td>{category['label_en']}</td>" in en
        assert f"<td>{category['code']}</td>" not in fr + en
    # No French sentence of the catalog is left in the English page.
    left = [
        m.id
        for m in _catalog()
        if m.id and not PLACEHOLDER.search(m.id) and len(m.id) > 12 and m.id not in m.string and m.id in en
    ]
    assert left == []


def test_every_chart_is_inline_svg_with_labels_and_numbers_of_its_language(built_report):
    for lang, axis, decimal_mark in (("fr", "Exercice", ","), ("en", "Fiscal year", ".")):
        page = (built_report / lang / "index.html").read_text(encoding="utf-8")
        for name in CHARTS:
            found = re.search(rf'<figure id="graphique-{name}"><svg.*?</svg>', page, flags=re.S)
            assert found and "<path" in found.group(0), (lang, name)
        budget = re.search(r'<figure id="graphique-nutrition_budget">(.*?)</svg>', page, flags=re.S).group(1)
        assert f">{axis}</text>" in budget
        ticks = re.findall(r">(\d+)([.,])(\d)</text>", budget)
        assert ticks and {mark for _, mark, _ in ticks} == {decimal_mark}, (lang, ticks)


def test_the_brief_is_an_a4_pdf_of_four_to_eight_pages_with_the_headline_figures(built_report, built_sample):
    by_year = query(
        built_sample, "SELECT fiscal_year, weighted_nutrition_dotation_xof FROM marts.rpt_nutrition_budget_by_year"
    )
    for lang, title in (("fr", "Note de synthèse"), ("en", "Brief: the nutrition budget in Mali")):
        pdf = built_report / lang / i18n.BRIEF_NAMES[lang]
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert 4 <= int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 8, info
        assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
        text = _plain(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
        assert title in text
        # The charts are drawn as vectors, their labels text (the page's budget chart's amount ticks), no raster image.
        page = (built_report / lang / "index.html").read_text(encoding="utf-8")
        budget = re.search(r'<figure id="graphique-nutrition_budget">(.*?)</svg>', page, flags=re.S).group(1)
        ticks = re.findall(r">(\d+[.,]\d)</text>", budget)
        assert ticks and set(ticks) <= set(text.splitlines()), (lang, ticks)
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert len(images.splitlines()) == 2, images  # the header of the list only
        for year, weighted in by_year:
            assert _plain(formatting.fcfa(weighted, lang=lang)) in text, (lang, year)


def _sample_line_in_force(year: int, words: str) -> dict[str, str]:
    """A line of the sample budget file as it is in force for `year` (its last version: the amended law when there is
    one), found by words of its label."""
    from tests import bad_files

    lines, header, cells = bad_files.budget_rows()
    found = [dict(zip(cells, line.split(";"), strict=False)) for line in lines[header + 1 :]]
    [*_, in_force] = [r for r in found if r["Exercice"] == str(year) and words in r["Libellé"]]
    return in_force


def test_both_briefs_and_pages_name_each_years_nutrition_specific_lines_voted_and_paid(built_report):
    rutf = _sample_line_in_force(2020, "thérapeutiques prêts à l'emploi")
    voted, paid = (int(rutf[c].replace("\u00a0", "").replace(" ", "")) for c in ("Dotation (FCFA)", "Paiement"))
    assert voted > 0 and paid > 0
    for lang, heading in (
        ("fr", "Lignes spécifiques à la nutrition, votées et payées, par exercice"),
        ("en", "Nutrition-specific lines, voted and paid, by fiscal year"),
    ):
        pdf = built_report / lang / i18n.BRIEF_NAMES[lang]
        text = " ".join(
            _plain(
                subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
            ).split()
        )
        page = _plain((built_report / lang / "index.html").read_text(encoding="utf-8"))
        for shown in (text, page):
            assert heading in shown, lang
            assert (
                _plain(formatting.fcfa(voted, lang=lang)) in shown and _plain(formatting.fcfa(paid, lang=lang)) in shown
            )
        assert "(ATPE)" in text and "(ATPE)" in page  # the line itself, by the acronym its label ends with


def test_briefs_are_drawn_each_in_its_own_process_and_only_when_no_earlier_night_drew_them(
    built_sample, tmp_path, monkeypatch
):
    from report import brief

    drawn = []
    apart = brief._drawn_apart
    monkeypatch.setattr(brief, "_drawn_apart", lambda html: drawn.append(html) or apart(html))
    cache = tmp_path / "cache"
    night = dt.date(2026, 11, 22)

    def pdfs(folder):
        return [(folder / lang / i18n.BRIEF_NAMES[lang]).read_bytes() for lang in i18n.LANGUAGES]

    build_report(built_sample, tmp_path / "first", night, cache)
    assert len(drawn) == len(i18n.LANGUAGES)
    # What a process of its own draws is what WeasyPrint draws here.
    assert pdfs(tmp_path / "first")[0] == brief._pdf(drawn[0])
    build_report(built_sample, tmp_path / "again", night, cache)  # a night that brought nothing new
    assert len(drawn) == len(i18n.LANGUAGES) and pdfs(tmp_path / "again") == pdfs(tmp_path / "first")
    build_report(built_sample, tmp_path / "next", night + dt.timedelta(days=1), cache)  # the briefs show the date
    assert len(drawn) == 2 * len(i18n.LANGUAGES)
    assert all(new != old for new, old in zip(pdfs(tmp_path / "next"), pdfs(tmp_path / "first"), strict=True))


def test_everything_published_is_the_same_bytes_when_the_night_builds_its_report_again(built_sample, tmp_path):
    """The pages, briefs, extracts, receipts, dbt docs and fill-in templates of a night that brought nothing new."""
    import time

    from config import Paths
    from warehouse import nightly

    paths = Paths(tmp_path / "inbox", tmp_path / "warehouse" / "budget.duckdb", tmp_path / "reports")
    night = dt.date(2026, 11, 22)
    started = time.monotonic()
    first = Path(nightly.build_report(str(built_sample), paths, "first-run", night))
    # Zip entries are dated to two seconds: a rebuild within them would hide a date written into a workbook.
    time.sleep(max(0.0, 2.5 - (time.monotonic() - started)))
    again = Path(nightly.build_report(str(built_sample), paths, "second-run", night))

    def files(folder):
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    first_files, again_files = files(first), files(again)
    assert sorted(first_files) == sorted(again_files)
    assert [name for name in first_files if first_files[name] != again_files[name]] == []
    assert set(first_files) >= {
        "fr/index.html",
        "en/index.html",
        "fr/note-budgetaire.pdf",
        "en/budget-brief.pdf",
        "modeles/modele_budget_lines.xlsx",
        "documentation/index.html",
        "accuses/fr/fichier-1.html",
    }


def test_a_chart_already_drawn_comes_from_the_cache_and_new_data_draws_a_new_one(tmp_path, monkeypatch):
    import altair as alt
    import pandas as pd
    import vl_convert

    from report import charts

    drawn = []
    draw = vl_convert.vegalite_to_svg
    monkeypatch.setattr(vl_convert, "vegalite_to_svg", lambda *a, **k: drawn.append(1) or draw(*a, **k))

    def bars(amount):
        return alt.Chart(pd.DataFrame({"year": ["2024"], "amount": [amount]})).mark_bar().encode(x="year", y="amount")

    first = charts.render(bars(5), "bars", "fr", tmp_path)
    assert charts.render(bars(5), "bars", "fr", tmp_path) == first and len(drawn) == 1
    assert charts.render(bars(5), "bars", "fr") == first and len(drawn) == 2  # no cache: drawn, the same bytes
    assert charts.render(bars(7), "bars", "fr", tmp_path) != first and len(drawn) == 3
    assert charts.render(bars(5), "bars", "en", tmp_path) and len(drawn) == 4  # the language is part of the key

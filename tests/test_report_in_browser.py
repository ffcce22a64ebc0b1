"""The report checked in a real browser: Debian's Chromium driven by Playwright, the pages served on 127.0.0.1.

French and English pages, at desktop and phone widths: no console error, every chart drawn, no horizontal overflow
at 390 px, the language switch and the download links work (the workbook holds the page's figures). Screenshots are
kept in var/test-artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from openpyxl import load_workbook

from report import formatting
from tests.conftest import query

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
# As root in a closed network: no sandbox, and none of the background calls Chromium makes to Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def served(built_report):
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built_report)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} absent: `make test` installs it (debian-packages.txt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,  # Playwright gives each launch a new, empty profile
        )
        yield launched
        launched.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_each_page_renders_every_chart_with_no_error_nor_overflow(browser, served, lang, width):
    viewport_width, height = WIDTHS[width]
    page = browser.new_page(viewport={"width": viewport_width, "height": height})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{served}/{lang}/index.html", wait_until="load")
    assert page.evaluate("document.documentElement.lang") == lang
    charts = page.locator("figure svg")
    assert charts.count() == 9
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50, i
        assert charts.nth(i).locator("path, rect").count() > 0, i
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px of horizontal overflow at {viewport_width}px"
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-{width}.png"), full_page=False)
    page.close()


def test_the_language_switch_and_the_downloads_work(browser, served, built_sample, tmp_path):
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{served}/index.html")  # the root page opens the French one
    page.wait_for_url(f"{served}/fr/index.html")
    page.locator("nav.languages a", has_text="English").click()
    page.wait_for_url(f"{served}/en/index.html")
    assert page.locator("h1").inner_text() == "Nutrition budget tracking in Mali"
    page.locator("nav.languages a", has_text="Français").click()
    page.wait_for_url(f"{served}/fr/index.html")

    # The workbook under the table of section 1 holds the figures the page shows.
    with page.expect_download() as download:
        page.locator('a[href="../extraits/rpt_nutrition_budget_by_year.xlsx"]').first.click()
    saved = tmp_path / "nutrition.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved, read_only=True).worksheets[0]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    column = header.index("weighted_nutrition_dotation_xof")
    shown = page.locator("table").first.inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    expected = query(built_sample, "SELECT count(*) FROM marts.rpt_nutrition_budget_by_year")[0][0]
    assert len(rows) == expected
    for row in rows:
        assert formatting.fcfa(row[column]).replace("\u202f", " ").replace("\u00a0", " ") in shown

    # The brief's link serves the PDF.
    href = page.locator("nav.languages a", has_text="PDF").get_attribute("href")
    answer = page.request.get(f"{served}/fr/{href}")
    assert answer.ok and answer.body().startswith(b"%PDF")
    page.close()


@pytest.mark.parametrize("lang, heading", [("fr", "Rapprochement des sources"), ("en", "Sources reconciled")])
def test_the_sources_reconciled_section_and_its_matches_extract(browser, served, built_sample, tmp_path, lang, heading):
    page = browser.new_page(accept_downloads=True)
    page.goto(f"{served}/{lang}/index.html")
    section = page.locator("h3#sources-reconciled")
    assert section.inner_text() == heading
    donors = query(built_sample, "SELECT count(*) FROM marts.rpt_sources_reconciled")[0][0]
    table = page.locator("h3#sources-reconciled ~ div.table-wrap").first
    assert table.locator("tbody tr").count() == min(donors, 15)
    # The matches' workbook: every pair of the mart, with its evidence and decision.
    with page.expect_download() as download:
        page.locator('a[href="../extraits/fct_source_matches.xlsx"]').first.click()
    saved = tmp_path / "matches.xlsx"
    download.value.save_as(saved)
    header, *rows = [list(r) for r in load_workbook(saved, read_only=True).worksheets[0].iter_rows(values_only=True)]
    assert {"evidence", "tier", "decision", "record_key_a", "record_key_b"} <= set(header)
    assert len(rows) == query(built_sample, "SELECT count(*) FROM marts.fct_source_matches")[0][0]
    page.close()

"""The brief people take into a meeting: an A4 PDF per language (key messages, the charts, the method, the sources
and their limits), rendered by WeasyPrint from HTML and the same SVG charts as the page."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

from jinja2 import Environment

from config import cache

BRIEFS_KEPT = 4  # PDFs kept in the cache: both languages of the last two different nights


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported only when a brief must be drawn (most of the step's start-up)

    # The identifier is the content's own hash and the dates are the run date's (in the HTML): same night, same bytes.
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    # No base URL: the brief reads no file (charts and styles are inline), so its HTML is all the PDF is made of.
    return HTML(string=html).write_pdf(pdf_identifier=identifier)


def _as_images(charts: dict[str, str]) -> dict[str, str]:
    """Each SVG chart as an image rather than inline: WeasyPrint reads it with its XML parser instead of tokenising it
    as HTML (a third of a brief's time), and draws the same vectors."""
    return {
        name: f'<img alt="" src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
        for name, svg in charts.items()
    }


def brief_html(env: Environment, context: dict) -> str:
    """The brief's HTML: all its PDF is made of."""
    return env.get_template("brief.html.j2").render(**(context | {"charts": _as_images(context["charts"])}))


def _drawn_apart(html: str) -> bytes:
    """The PDF of `html`, drawn by a process of its own."""
    proc = subprocess.run([sys.executable, "-m", "report.brief"], input=html.encode("utf-8"), capture_output=True)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace")[-2000:]
        raise RuntimeError(f"La note n'a pas pu être dessinée / the brief could not be drawn:\n{tail}")
    return proc.stdout


def start_briefs(briefs: dict[Path, str], kept_in: Path | None = None) -> Callable[[], None]:
    """Start drawing the briefs (target -> HTML) that the cache folder `kept_in` does not hold (a night that brought
    nothing new finds them there), each in its own process: WeasyPrint is pure Python, so the briefs and the rest of
    the report share the cores. Returns the function that waits for them and writes every target."""
    made_of = {target: cache.key(f"weasyprint {version('weasyprint')}", html) for target, html in briefs.items()}
    pool = ThreadPoolExecutor(max_workers=max(1, len(briefs)))
    drawing = {
        target: pool.submit(_drawn_apart, html)
        for target, html in briefs.items()
        if not cache.holds(kept_in, "briefs", made_of[target])
    }
    pool.shutdown(wait=False)

    def write() -> None:
        for target, html in briefs.items():
            # A kept brief gone since (another night's cache trimming) is drawn now, apart as the others.
            make = drawing[target].result if target in drawing else lambda html=html: _drawn_apart(html)
            target.write_bytes(cache.kept(kept_in, "briefs", made_of[target], make, BRIEFS_KEPT))

    return write


if __name__ == "__main__":  # a brief drawn apart (_drawn_apart): its HTML on stdin, the PDF on stdout
    sys.stdout.buffer.write(_pdf(sys.stdin.buffer.read().decode("utf-8")))

"""The brief people take into a meeting: an A4 PDF per language (key messages, the charts, the method, the sources
and their limits), rendered by WeasyPrint from HTML and the same SVG charts as the page."""

from __future__ import annotations

import hashlib
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


def write_brief(env: Environment, context: dict, target: Path, kept_in: Path | None = None) -> Path:
    """The brief rendered into `target`; with a cache folder `kept_in`, a brief whose HTML was already drawn (a night
    that brought nothing new) is taken from it: the PDF depends on nothing else."""
    html = env.get_template("brief.html.j2").render(**context)
    made_of = cache.key(f"weasyprint {version('weasyprint')}", html)
    target.write_bytes(cache.kept(kept_in, "briefs", made_of, lambda: _pdf(html), BRIEFS_KEPT))
    return target

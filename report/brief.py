"""The brief people take into a meeting: an A4 PDF per language (key messages, the charts, the method, the sources
and their limits), rendered by WeasyPrint from HTML and the same SVG charts as the page."""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment
from weasyprint import HTML


def write_brief(env: Environment, context: dict, target: Path) -> Path:
    html = env.get_template("brief.html.j2").render(**context)
    # The identifier is the content's own hash and the dates are the run date's (in the HTML): same night, same bytes.
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    HTML(string=html, base_url=str(target.parent)).write_pdf(target, pdf_identifier=identifier)
    return target

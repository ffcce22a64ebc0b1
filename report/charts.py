"""The report's charts: Vega-Lite built with Altair, rendered to SVG by vl-convert (no browser, no network).

The SVG goes inline in the page and the brief, so both open from disk, offline, and print. One chart gives the
same bytes on a re-run; labels come through gettext and numbers follow the language's locale.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from config import cache

VEGA_LOCALES = {"fr": "fr-FR", "en": "en-GB"}
GRADIENT_ID = re.compile(r"\bgradient_\d+\b")
WIDTH = 620
GREEN, ORANGE, RED, GREY, BLUE, SAND = "#0b6e4f", "#b54708", "#b42318", "#9aa5b1", "#1f5f8b", "#d9a441"
STATUS_COLOURS = {"overdue": RED, "off_track": ORANGE, "no_news": GREY, "on_track": BLUE, "achieved": GREEN}
INSTITUTIONS_SHOWN = 8
DONORS_SHOWN = 10
CHARTS_KEPT = 200  # charts of both languages over several nights


def _svg(spec: str, name: str, lang: str) -> bytes:
    svg = vl_convert.vegalite_to_svg(spec, format_locale=VEGA_LOCALES[lang], time_format_locale=VEGA_LOCALES[lang])
    # vl-convert numbers gradients with a counter that runs across the process: name them after the chart instead,
    # so a chart is the same bytes whatever was drawn before it, and ids stay unique within a page.
    renamed: dict[str, str] = {}
    return GRADIENT_ID.sub(lambda m: renamed.setdefault(m.group(0), f"{name}-gradient-{len(renamed)}"), svg).encode()


def render(chart: alt.TopLevelMixin, name: str, lang: str, kept_in: Path | None = None) -> str:
    """The chart as SVG; with a cache folder, drawn only when its spec (data included) was not drawn before. The spec
    is checked against the Vega-Lite schema when drawn: one taken from the cache passed that check."""
    configured = chart.configure(font="Arial").configure_view(stroke=None)
    made_of = cache.key(configured.to_json(validate=False), name, lang, version("vl-convert-python"))
    return cache.kept(kept_in, "charts", made_of, lambda: _svg(configured.to_json(), name, lang), CHARTS_KEPT).decode()


def money_scale(values: list, _: Callable[[str], str]) -> tuple[float, str]:
    """Axis amounts in billions when the largest is, else in millions: '6,3 Md FCFA' reads better than 10 digits."""
    largest = max((abs(float(v)) for v in values if v is not None), default=0)
    return (1e9, _("milliards de FCFA")) if largest >= 1e9 else (1e6, _("millions de FCFA"))


def nutrition_budget(by_year: list[dict], _) -> alt.Chart | None:
    """Nutrition dotation by year and SUN category, with the weighted total beside them."""
    measures = [
        ("specific_dotation_xof", _("Spécifique")),
        ("sensitive_dotation_xof", _("Sensible")),
        ("enabling_dotation_xof", _("Environnement favorable")),
        ("weighted_nutrition_dotation_xof", _("Nutrition pondérée")),
    ]
    return _grouped_bars(by_year, measures, [BLUE, SAND, GREY, GREEN], _)


def nutrition_paiement(by_year: list[dict], _) -> alt.Chart | None:
    """The weighted nutrition dotation beside what was paid of it, by year."""
    measures = [
        ("weighted_nutrition_dotation_xof", _("Dotation (pondérée)")),
        ("weighted_nutrition_paiement_xof", _("Paiement (pondéré)")),
    ]
    return _grouped_bars(by_year, measures, [GREEN, ORANGE], _)


def _grouped_bars(by_year: list[dict], measures: list[tuple[str, str]], colours: list[str], _) -> alt.Chart | None:
    if not by_year:
        return None
    scale, unit = money_scale([y[m] for y in by_year for m, _label in measures], _)
    records = [
        {"year": str(y["fiscal_year"]), "measure": label, "order": i, "value": float(y[m] or 0) / scale}
        for y in by_year
        for i, (m, label) in enumerate(measures)
    ]
    labels = [label for _m, label in measures]
    return (
        alt.Chart(pd.DataFrame(records), width=WIDTH, height=260)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=_("Exercice"), axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("measure:N", sort=labels),
            y=alt.Y("value:Q", title=unit, axis=alt.Axis(format=",.1f")),
            color=alt.Color(
                "measure:N",
                sort=labels,
                scale=alt.Scale(domain=labels, range=colours),
                title=None,
                legend=alt.Legend(orient="bottom", columns=4, labelLimit=300),
            ),
        )
    )


def pledge_trajectory(trajectory: list[dict], _) -> alt.Chart | None:
    """The pledge to double nutrition funding: the dotation voted against the linear path to the target."""
    if not trajectory:
        return None
    series = [("actual_xof", _("Dotation votée (pondérée)")), ("expected_xof", _("Trajectoire de l'engagement"))]
    scale, unit = money_scale([t[m] for t in trajectory for m, _label in series] + [trajectory[0]["target_xof"]], _)
    records = [
        {"year": str(t["fiscal_year"]), "series": label, "value": None if t[m] is None else float(t[m]) / scale}
        for t in trajectory
        for m, label in series
    ]
    labels = [label for _m, label in series]
    lines = (
        alt.Chart(pd.DataFrame(records))
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=_("Exercice"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("value:Q", title=unit, axis=alt.Axis(format=",.1f"), scale=alt.Scale(zero=True)),
            color=alt.Color(
                "series:N",
                sort=labels,
                scale=alt.Scale(domain=labels, range=[GREEN, GREY]),
                title=None,
                legend=alt.Legend(orient="bottom", labelLimit=300),
            ),
            strokeDash=alt.StrokeDash("series:N", sort=labels, legend=None),
        )
    )
    target = float(trajectory[0]["target_xof"]) / scale
    rule = alt.Chart(pd.DataFrame([{"target": target, "label": _("Cible")}]))
    layers = rule.mark_rule(color=RED, strokeDash=[2, 2]).encode(y="target:Q") + rule.mark_text(
        align="left", dx=4, dy=-6, color=RED
    ).encode(y="target:Q", text="label:N", x=alt.value(0))
    return alt.layer(lines, layers, width=WIDTH, height=260)


def transfers(national: list[dict], pledged_share: float | None, _) -> alt.Chart | None:
    """Transfers to local governments as a share of the state budget, by year, against the pledged share."""
    if not national:
        return None
    records = [{"year": str(t["fiscal_year"]), "share": float(t["share_of_national_budget"] or 0)} for t in national]
    bars = (
        alt.Chart(pd.DataFrame(records))
        .mark_bar(color=BLUE)
        .encode(
            x=alt.X("year:O", title=_("Exercice"), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("share:Q", title=_("Part du budget de l'État"), axis=alt.Axis(format=".0%")),
        )
    )
    if pledged_share is None:
        return alt.layer(bars, width=WIDTH, height=240)
    goal = alt.Chart(pd.DataFrame([{"share": float(pledged_share), "label": _("Cible de l'engagement")}]))
    return alt.layer(
        bars,
        goal.mark_rule(color=RED, strokeDash=[4, 3]).encode(y="share:Q"),
        goal.mark_text(align="left", dx=4, dy=-6, color=RED).encode(y="share:Q", text="label:N", x=alt.value(0)),
        width=WIDTH,
        height=240,
    )


def transfers_by_region(by_region: list[dict], _) -> alt.Chart | None:
    """The latest year's transfers by region, as a share of the state budget."""
    if not by_region:
        return None
    records = [{"region": r["region_name"], "share": float(r["share_of_national_budget"] or 0)} for r in by_region]
    return (
        alt.Chart(pd.DataFrame(records), width=WIDTH, height=22 * len(records))
        .mark_bar(color=BLUE)
        .encode(
            y=alt.Y("region:N", sort="-x", title=None),
            x=alt.X("share:Q", title=_("Part du budget de l'État"), axis=alt.Axis(format=".1%")),
        )
    )


def execution_stages(execution: list[dict], _) -> alt.Chart | None:
    """How far each institution's dotation went along the stages of the expenditure chain (the largest shown)."""
    if not execution:
        return None
    stages = [
        ("engagement_rate", _("Engagement")),
        ("liquidation_rate", _("Liquidation")),
        ("ordonnancement_rate", _("Ordonnancement")),
        ("paiement_rate", _("Paiement")),
    ]
    labels = [label for _m, label in stages]
    records = [
        {"institution": e["institution"], "stage": label, "rate": None if e[m] is None else float(e[m])}
        for e in execution[:INSTITUTIONS_SHOWN]
        for m, label in stages
    ]
    return (
        alt.Chart(pd.DataFrame(records), width=WIDTH, height=280)
        .mark_line(point=True)
        .encode(
            x=alt.X("stage:N", sort=labels, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("rate:Q", title=_("Part de la dotation"), axis=alt.Axis(format=".0%")),
            color=alt.Color("institution:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=300)),
        )
    )


def regions_tile_grid(tiles: list[dict], _) -> alt.Chart | None:
    """Who funds where: one tile per region of Mali, placed roughly as on a map (seed region_tiles), shaded by the
    amount partners planned there."""
    if not tiles:
        return None
    scale, unit = money_scale([t["planned_xof"] for t in tiles], _)
    records = [
        {
            "column": t["tile_column"],
            "row": t["tile_row"],
            "region": t["region_name"],
            "planned": None if t["planned_xof"] is None else float(t["planned_xof"]) / scale,
            "partners": t["partners"],
        }
        for t in tiles
    ]
    base = alt.Chart(pd.DataFrame(records)).encode(x=alt.X("column:O", axis=None), y=alt.Y("row:O", axis=None))
    empty = base.mark_rect(color="#eef2f6", stroke="white", strokeWidth=3)
    funded = (
        base.transform_filter("datum.planned != null")
        .mark_rect(stroke="white", strokeWidth=3)
        .encode(
            color=alt.Color("planned:Q", title=unit, scale=alt.Scale(scheme="greens"), legend=alt.Legend(format=",.0f"))
        )
    )
    name = base.mark_text(dy=-8, fontWeight="bold").encode(text="region:N")
    figure = (
        base.transform_filter("datum.planned != null").mark_text(dy=8).encode(text=alt.Text("planned:Q", format=",.0f"))
    )
    return alt.layer(empty, funded, name, figure, width=WIDTH, height=320)


def humanitarian_funding(flows: list[dict], _) -> alt.Chart | None:
    """Disbursements reported to FTS and IATI by donor (the largest shown) and sector, double counts left out."""
    if not flows:
        return None
    scale, unit = money_scale([sum(float(f["amount_xof"]) for f in flows)], _)
    records = [
        {
            "donor": f["donor"] or _("Bailleur non précisé"),
            "sector": f["sector"] or _("Secteur non précisé"),
            "amount": float(f["amount_xof"]) / scale,
        }
        for f in flows
    ]
    return (
        alt.Chart(pd.DataFrame(records), width=WIDTH, height=28 * len({r["donor"] for r in records}) + 20)
        .mark_bar()
        .encode(
            y=alt.Y("donor:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("sum(amount):Q", title=unit, axis=alt.Axis(format=",.1f")),
            color=alt.Color("sector:N", title=None, legend=alt.Legend(orient="bottom", columns=3)),
            order=alt.Order("sector:N"),
        )
    )


def commitments_by_status(counts: list[dict], _) -> alt.Chart | None:
    """How many commitments stand at each status, as of the run date."""
    if not counts:
        return None
    labels = [c["label"] for c in counts]
    return (
        alt.Chart(pd.DataFrame(counts), width=WIDTH, height=32 * len(counts))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=labels, title=None),
            x=alt.X("commitments:Q", title=_("Engagements"), axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color(
                "label:N",
                sort=labels,
                scale=alt.Scale(domain=labels, range=[STATUS_COLOURS[c["computed_status"]] for c in counts]),
                legend=None,
            ),
        )
    )


def charts(data: dict, lang: str, _, kept_in: Path | None = None) -> dict[str, str]:
    """Every chart of the report as SVG text, by name; a chart with no data is left out (the page says so)."""
    built = {
        "nutrition_budget": nutrition_budget(data["nutrition_by_year"], _),
        "nutrition_paiement": nutrition_paiement(data["nutrition_by_year"], _),
        "pledge_trajectory": pledge_trajectory(data["pledge_trajectory"], _),
        "transfers": transfers(data["transfers"], data["pledges"]["transfers_to_local_governments"]["target_share"], _),
        "transfers_by_region": transfers_by_region(data["transfers_by_region"], _),
        "execution_stages": execution_stages(data["execution"], _),
        "regions_tile_grid": regions_tile_grid(data["region_tiles"], _),
        "humanitarian_funding": humanitarian_funding(data["humanitarian_flows"], _),
        "commitments_by_status": commitments_by_status(
            [c | {"label": c[f"label_{lang}"]} for c in data["commitments_by_status"]], _
        ),
    }
    return {name: render(chart, name, lang, kept_in) for name, chart in built.items() if chart is not None}

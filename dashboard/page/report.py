"""The printable report of one territory: what the dashboard says of it, on A4 sheets.

Addressed as ``/report?region=53`` or ``/report?department=29`` (with the dashboard's other
parameters: month, job filter, language). It reuses the dashboard's views so a figure in the
report is the figure on the page, and draws charts at a fixed width that fits the printed page.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dash import dcc, html

from dashboard.core.i18n import fmt_day, fmt_decimal, fmt_index, fmt_int, month_label, t
from dashboard.core.service import Service
from dashboard.core.state import ViewState
from dashboard.page import views
from dashboard.shaping import figures, transforms
from dashboard.shaping.figures import MapGeometry
from dashboard.shaping.theme import GRAPH_CONFIG

PRINT_WIDTH = 700  # px: the width of an A4 page's text block at 96 dpi, 12 mm margins
TOP_N = 10


def _static_graph(figure: dict[str, Any], height: int, map_config: dcc.Graph.Config) -> dcc.Graph:
    figure["layout"] = {**figure.get("layout", {}), "width": PRINT_WIDTH, "height": height}
    figure["layout"].pop("autosize", None)
    config: dcc.Graph.Config = {
        **map_config,
        "staticPlot": True,
        "responsive": False,
        "displayModeBar": False,
    }
    return dcc.Graph(figure=figure, config=config, className="report-graph")


def map_extract(
    service: Service, geometry: MapGeometry, state: ViewState, map_config: dcc.Graph.Config
) -> dcc.Graph:
    """The tension map zoomed on the territory's region (all of France for the national one)."""
    focus = state.region
    if state.department:
        focus = service.catalog().region_of_department(state.department)
    view_state = replace(state, metric="tension", region=focus, change=None)
    rows = views.map_rows(service, view_state)
    view = views.map_view(view_state, service.settings.fragile_threshold)
    return _static_graph(figures.build_map_figure(rows, geometry, view), 520, map_config)


def top_postes_table(service: Service, state: ViewState) -> tuple[str, html.Table | html.P]:
    """The territory's postes with most offers over the quarter, as a printable table."""
    lang = state.lang
    catalog = service.catalog()
    months = service.status().months
    year, quarter = transforms.quarter_of(state.month)
    quarter_months = transforms.quarter_months(year, quarter, months)
    level, code = state.territory
    postes = transforms.scope_postes(state, catalog)
    current = service.breakdown_figures(quarter_months, level, code, "poste", postes)
    threshold = service.settings.fragile_threshold
    ranked = transforms.top_postes(
        current, None, n=TOP_N, threshold=threshold, exclude_fragile=state.fragile == "exclude"
    )
    title = t("report_top_title", lang, quarter=t("quarter", lang, q=quarter, year=year))
    if not ranked:
        return title, html.P(t("report_no_top", lang))
    header = html.Tr(
        [
            html.Th(t("col_rank", lang), scope="col"),
            html.Th(t("col_poste", lang), scope="col"),
            html.Th(t("col_offers_quarter", lang), scope="col"),
            html.Th(t("col_trainings_quarter", lang), scope="col"),
            html.Th(t("col_index", lang), scope="col"),
        ]
    )
    body = []
    labels = catalog.scope_labels("poste", tuple(r.code for r in ranked))
    for row, label in zip(ranked, labels, strict=True):
        index = fmt_index(row.tension_index, row.tension_status, lang)
        if row.fragile:
            index += f" ({t('fragile_label', lang).lower()})"
        body.append(
            html.Tr(
                [
                    html.Td(str(row.rank)),
                    html.Td(label),
                    html.Td(fmt_int(row.job_offers, lang), className="num"),
                    html.Td(fmt_int(row.trainings, lang), className="num"),
                    html.Td(index, className="num"),
                ]
            )
        )
    return title, html.Table([html.Thead(header), html.Tbody(body)], className="report-table")


def vintage_line(service: Service, lang: str, vintage_id: str | None = None) -> str:
    """Which figures are shown, so that a note citing them can be checked later (the vintage
    is in the address of the same view): those of ``vintage_id`` (as a view names it, in text),
    by default those ``service`` shows. Empty for a vintage ``service`` does not list.

    The report's sources and the dashboard's banner both say it, so it is worded here once."""
    wanted = str(service.data_version()) if vintage_id is None else vintage_id
    vintage = next((v for v in service.vintages() if str(v.id) == wanted), None)
    if vintage is None:
        return ""
    return t("vintage_shown", lang, date=fmt_day(vintage.created_at, lang), id=vintage.id)


def render_report(
    service: Service, geometry: MapGeometry, state: ViewState, map_config: dcc.Graph.Config
) -> list[Any]:
    """The report's content for the territory and filters of ``state``."""
    lang = state.lang
    catalog = service.catalog()
    status = service.status()
    territory = transforms.territory_name(state, catalog, t("national", lang))
    scope = transforms.scope_label(state, catalog) or t("sum_all_jobs", lang)
    top_title, top_table = top_postes_table(service, state)
    trend = views.render_trend(service, state)
    reference = status.reference
    generated = (
        t(
            "report_generated",
            lang,
            month=month_label(state.month, lang),
            reference=month_label(reference.month, lang),
            i0=fmt_decimal(reference.i0, lang, 4),
        )
        if reference is not None
        else ""
    )
    sources = [html.P(t("method_sources", lang)), html.P(t("method_geo", lang))]
    if status.is_demo:
        sources.append(html.P(t("demo_note", lang), className="report-demo"))
    sources.append(html.P(generated, className="report-generated"))
    sources.append(html.P(vintage_line(service, lang), className="report-vintage"))
    return [
        html.Header(
            [
                html.Div(
                    [
                        html.P("GEN_SCAN", className="report-brand"),
                        html.H1(f"{t('report_title', lang)} — {territory}"),
                        html.P(
                            t(
                                "report_subtitle",
                                lang,
                                territory=territory,
                                scope=scope,
                                month=month_label(state.month, lang),
                            ),
                            className="report-subtitle",
                        ),
                    ]
                ),
            ],
            className="report-header",
        ),
        html.Section(
            [
                html.H2(t("key_figures_title", lang)),
                html.Div(views.render_key_figures(service, state), className="key-figures"),
            ],
            className="report-block",
        ),
        html.Section(
            [
                html.H2(t("report_summary_title", lang)),
                *[html.P(s) for s in views.render_changes(service, state, 12)],
            ],
            className="report-block report-summary",
        ),
        html.Section(
            [
                html.H2(t("report_map_title", lang)),
                map_extract(service, geometry, state, map_config),
            ],
            className="report-block report-map",
        ),
        html.Section(
            [html.H2(top_title), top_table],
            className="report-block report-top",
        ),
        html.Section(
            [html.H2(t("trend_title", lang)), _static_graph(trend, 460, GRAPH_CONFIG)],
            className="report-block report-trend",
        ),
        html.Section(
            [html.H2(t("report_sources_title", lang)), *sources],
            className="report-block report-sources",
        ),
    ]

"""Page structure: every component of the page with its id, in French, with nothing drawn.

``first_screen`` fills this skeleton with the figures of the URL's view before it is sent;
callbacks update the same components afterwards."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from dashboard.core import ids
from dashboard.core.i18n import DEFAULT_LANG, t
from dashboard.core.service import Service
from dashboard.core.state import DEFAULT_METRIC
from dashboard.page.panels import change_options, fragile_options, metric_options
from dashboard.page.tables import html_attrs
from dashboard.shaping.figures import MapGeometry
from dashboard.shaping.theme import GRAPH_CONFIG
from dashboard.shaping.transforms import map_geometry
from geodata import GEOJSON_PATH, load_departements_geojson, load_insets

GEOJSON_ROUTE = "/geodata/departements.{digest}.geojson"


@dataclass(frozen=True)
class StaticDeps:
    """What the page needs beyond the database: the service and the map geometry index."""

    service: Service
    geometry: MapGeometry
    geojson_bytes: bytes
    geojson_route: str
    map_config: dcc.Graph.Config
    report_path: str = "/report"


def load_static(service: Service, url_prefix: str, topojson_url: str) -> StaticDeps:
    """Read the committed geometry once per process, at app creation.

    The GeoJSON is served under a content-hashed URL so browsers may cache it for good;
    ``topojson_url`` points Plotly's geo maps at a local (empty) world layer instead of its CDN.
    """
    geojson_bytes = GEOJSON_PATH.read_bytes()
    digest = hashlib.sha256(geojson_bytes).hexdigest()[:12]
    route = GEOJSON_ROUTE.format(digest=digest)
    geometry = map_geometry(load_departements_geojson(), load_insets(), url_prefix + route)
    map_config: dcc.Graph.Config = {
        **GRAPH_CONFIG,
        "topojsonURL": topojson_url,
        "scrollZoom": False,
    }
    return StaticDeps(service, geometry, geojson_bytes, route, map_config, url_prefix + "/report")


def _text(key: str, tag: Any = html.Span, **props: Any) -> Any:
    return tag(t(key, DEFAULT_LANG), id=ids.text_id(key), **props)


def _field(label_key: str, control: Any, control_id: str) -> html.Div:
    return html.Div(
        [
            html.Label(t(label_key, DEFAULT_LANG), id=ids.text_id(label_key), htmlFor=control_id),
            # Holds the control's height while its script loads: nothing below moves.
            html.Div(control, className="control-slot"),
        ],
        className="field",
    )


def _dropdown(component_id: str, placeholder_key: str, clearable: bool = True) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=component_id,
        options=[],
        value=None,
        placeholder=t(placeholder_key, DEFAULT_LANG),
        clearable=clearable,
        searchable=True,
        optionHeight=44,
    )


def _switch(key: str, control: Any) -> html.Div:
    return html.Div(
        [
            html.Span(t(key, DEFAULT_LANG), id=ids.text_id(key), className="field-label"),
            control,
        ],
        className="field field-metric",
        role="radiogroup",
        **html_attrs({"aria-labelledby": ids.text_id(key)}),
    )


def _filters() -> html.Section:
    return html.Section(
        [
            _text("filters", html.H2, className="visually-hidden"),
            html.Div(
                [
                    _field("month", _dropdown(ids.MONTH, "month", clearable=False), ids.MONTH),
                    html.Div(
                        [
                            html.Span(
                                t("metric", DEFAULT_LANG),
                                id=ids.text_id("metric"),
                                className="field-label",
                            ),
                            dcc.RadioItems(
                                id=ids.METRIC,
                                options=metric_options(DEFAULT_LANG),
                                value=DEFAULT_METRIC,
                                className="metric-switch",
                                inputClassName="metric-input",
                                labelClassName="metric-label",
                            ),
                        ],
                        className="field field-metric",
                        role="radiogroup",
                        **html_attrs({"aria-labelledby": ids.text_id("metric")}),
                    ),
                    _switch(
                        "view_mode",
                        dcc.RadioItems(
                            id=ids.CHANGE,
                            options=change_options(DEFAULT_LANG),
                            value="level",
                            className="metric-switch",
                            inputClassName="metric-input",
                            labelClassName="metric-label",
                        ),
                    ),
                    _field("region", _dropdown(ids.REGION, "all_regions"), ids.REGION),
                    _field(
                        "department", _dropdown(ids.DEPARTMENT, "all_departments"), ids.DEPARTMENT
                    ),
                    _field("family", _dropdown(ids.FAMILY, "all_families"), ids.FAMILY),
                    _field("metier", _dropdown(ids.METIER, "all_metiers"), ids.METIER),
                    _field("poste", _dropdown(ids.POSTE, "all_postes"), ids.POSTE),
                ],
                className="filters-grid",
            ),
            html.Div(
                [
                    html.Button(
                        t("reset", DEFAULT_LANG),
                        id=ids.RESET,
                        className="button secondary",
                        n_clicks=0,
                        type="button",
                    ),
                    html.Button(
                        t("download_csv", DEFAULT_LANG),
                        id=ids.DOWNLOAD_CSV_BUTTON,
                        className="button",
                        n_clicks=0,
                        type="button",
                    ),
                    html.A(
                        t("report_link", DEFAULT_LANG),
                        id=ids.REPORT_LINK,
                        href="/report",
                        className="button secondary report-link",
                        target="_blank",
                        rel="noopener",
                    ),
                    dcc.Checklist(
                        id=ids.FRAGILE,
                        options=fragile_options(DEFAULT_LANG),
                        value=[],
                        className="fragile-switch",
                        inputClassName="metric-input",
                    ),
                    _text("share_hint", html.Span, className="hint"),
                ],
                className="filters-actions",
            ),
        ],
        className="filters card area-filters",
        **html_attrs({"aria-labelledby": ids.text_id("filters")}),
    )


def _card(title_key: str, *children: Any, extra_class: str = "") -> html.Section:
    return html.Section(
        [_text(title_key, html.H2), *children],
        className=f"card {extra_class}".strip(),
        **html_attrs({"aria-labelledby": ids.text_id(title_key)}),
    )


def _graph(component_id: str, height: int, config: dcc.Graph.Config | None = None) -> html.Div:
    """A chart in a slot of its height, so that nothing moves while its script loads."""
    return html.Div(
        dcc.Graph(
            id=component_id,
            config=config or GRAPH_CONFIG,
            style={"minHeight": f"{height}px"},
            figure={"data": [], "layout": {"height": height}},
        ),
        className="graph-slot",
        style={"minHeight": f"{height}px"},
        **html_attrs({"data-graph": component_id}),
    )


def _table(component_id: str) -> html.Div:
    """Where a server-rendered data table goes (``tables.render_table``)."""
    return html.Div(id=component_id, className="table-wrap")


def _changes_card() -> html.Section:
    return _card(
        "changes_title",
        html.Div(id=ids.CHANGES, className="changes", **html_attrs({"aria-live": "polite"})),
        html.P(id=ids.CHANGES_NOTE, className="hint"),
        extra_class="area-changes",
    )


def _simulator_card() -> html.Section:
    return _card(
        "sim_title",
        _text("sim_intro", html.P, className="hint"),
        html.Div(
            [
                html.Label(
                    t("sim_planned", DEFAULT_LANG),
                    id=ids.text_id("sim_planned"),
                    htmlFor=ids.SIM_PLAN,
                ),
                # No min, max or step: the browser would send an out-of-range entry as empty,
                # indistinguishable from a cleared box. The server checks the number and says
                # what is wrong.
                dcc.Input(
                    id=ids.SIM_PLAN,
                    type="number",
                    value=None,
                    debounce=0.4,
                    inputMode="numeric",
                    className="sim-input",
                ),
            ],
            className="field sim-field",
        ),
        html.Div(id=ids.SIM_RESULT, className="sim-result", **html_attrs({"aria-live": "polite"})),
        html.Div(id=ids.SIM_CHART, className="tool-chart"),
        extra_class="area-sim",
    )


def _compare_card() -> html.Section:
    return _card(
        "compare_title",
        _text("compare_intro", html.P, className="hint"),
        html.Div(
            [
                _text(
                    "compare_label", html.Label, htmlFor=ids.COMPARE, className="visually-hidden"
                ),
                dcc.Dropdown(
                    id=ids.COMPARE,
                    options=[],
                    value=[],
                    multi=True,
                    searchable=True,
                    placeholder=t("compare_placeholder", DEFAULT_LANG),
                    className="compare-select",
                ),
                html.Button(
                    t("compare_add_current", DEFAULT_LANG),
                    id=ids.COMPARE_ADD,
                    className="button secondary",
                    n_clicks=0,
                    type="button",
                ),
            ],
            className="compare-controls",
        ),
        html.Div(id=ids.COMPARE_CHART, className="tool-chart"),
        extra_class="area-compare",
    )


def build_report_page() -> html.Div:
    """The printable report's frame: its content is drawn for the territory in the URL."""
    return html.Div(
        [
            dcc.Store(id=ids.REPORT_PRINTED),
            html.Div(
                [
                    html.Button(
                        t("report_print", DEFAULT_LANG),
                        id=ids.REPORT_PRINT,
                        className="button",
                        type="button",
                        n_clicks=0,
                    ),
                    html.A(
                        t("report_back", DEFAULT_LANG),
                        id=ids.REPORT_BACK,
                        href="./",
                        className="button secondary",
                    ),
                ],
                className="report-actions no-print",
            ),
            html.Article(id=ids.REPORT_CONTENT, className="report-sheet"),
        ],
        id=ids.REPORT_PAGE,
        className="report-page",
        hidden=True,
    )


def build_layout(deps: StaticDeps) -> html.Div:
    """The page, in French until the state says otherwise (the URL may ask for English).

    One layout serves two pages: the dashboard at ``/`` and the printable report at
    ``/report``; a clientside callback shows the one the address asks for.
    """
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.PAGE_SWITCH),
            build_report_page(),
            html.Div(_dashboard_page(deps), id=ids.DASHBOARD_PAGE),
        ],
        className="app",
    )


def _dashboard_page(deps: StaticDeps) -> list[Any]:
    return [
        dcc.Store(id=ids.STATE),
        dcc.Store(id=ids.TOOLS),
        dcc.Store(id=ids.LANG_STORE, data=DEFAULT_LANG),
        dcc.Store(id=ids.DATA_VERSION),
        dcc.Store(id=ids.DB_ERROR),
        dcc.Store(id=ids.LANG_APPLIED),
        dcc.Store(id=ids.MAP_SIGNATURE),
        dcc.Store(id=ids.PANEL_KEYS),
        dcc.Store(id=ids.DEFERRED_FIGURES),
        dcc.Store(id=ids.MAP_TABLE_SORT),
        dcc.Store(id=ids.TOP_JOBS_SORT),
        dcc.Interval(id=ids.RETRY, interval=5000, disabled=True),
        dcc.Download(id=ids.DOWNLOAD_CSV),
        html.A(
            t("skip_to_content", DEFAULT_LANG),
            id=ids.text_id("skip_to_content"),
            href="#main",
            className="skip-link",
        ),
        html.Header(
            [
                html.Div(
                    [
                        html.H1("GEN_SCAN"),
                        _text("tagline", html.P, className="tagline"),
                    ],
                    className="brand",
                ),
                html.Div(
                    [
                        html.Span(
                            t("demo_badge", DEFAULT_LANG),
                            id=ids.DEMO_BADGE,
                            className="badge demo",
                            hidden=True,
                        ),
                        html.Div(
                            [
                                _text("lang_switch", html.Span, className="visually-hidden"),
                                # The visible text is the button's name (a voice-control user
                                # says what they see); the title gives the language in full.
                                html.Button(
                                    "FR",
                                    id=ids.LANG_FR,
                                    n_clicks=0,
                                    type="button",
                                    className="lang active",
                                    lang="fr",
                                    title="Français",
                                ),
                                html.Button(
                                    "EN",
                                    id=ids.LANG_EN,
                                    n_clicks=0,
                                    type="button",
                                    className="lang",
                                    lang="en",
                                    title="English",
                                ),
                            ],
                            className="lang-switch",
                            role="group",
                            **html_attrs({"aria-labelledby": ids.text_id("lang_switch")}),
                        ),
                    ],
                    className="header-side",
                ),
            ],
            className="app-header",
        ),
        html.Div(id=ids.DB_ALERT, role="alert", className="alert", hidden=True),
        html.Div(id=ids.NOTICE, role="status", className="notice", hidden=True),
        html.Div(id=ids.VINTAGE_BANNER, role="note", className="notice vintage", hidden=True),
        html.Main(
            [
                html.Div(
                    [
                        _filters(),
                        html.Div(
                            id=ids.SELECTION_SUMMARY,
                            className="selection area-selection",
                            role="status",
                        ),
                        _card(
                            "map_title",
                            html.Div(
                                dcc.Graph(
                                    id=ids.MAP,
                                    config=deps.map_config,
                                    className="map-graph",
                                    responsive=True,
                                    style={"height": "640px"},
                                    figure={"data": [], "layout": {}},
                                ),
                                className="graph-slot map-slot",
                            ),
                            html.P(
                                [_text("map_help"), " ", _text("insets_note")],
                                className="hint",
                            ),
                            html.Details(
                                [
                                    html.Summary(
                                        t("map_table_title", DEFAULT_LANG),
                                        id=ids.text_id("map_table_title"),
                                    ),
                                    _table(ids.MAP_TABLE),
                                ],
                                className="table-details",
                            ),
                            extra_class="area-map",
                        ),
                        _card(
                            "key_figures_title",
                            html.Div(id=ids.KEY_FIGURES, className="key-figures"),
                            extra_class="area-kf",
                        ),
                        _card("trend_title", _graph(ids.TREND, 520), extra_class="area-trend"),
                        _card(
                            "breakdown_title",
                            _graph(ids.BREAKDOWN, 300),
                            extra_class="area-breakdown",
                        ),
                        _card(
                            "breakdown_region_title",
                            _graph(ids.BREAKDOWN_REGION, 300),
                            extra_class="area-regions",
                        ),
                        _changes_card(),
                        _simulator_card(),
                        _compare_card(),
                        _card(
                            "top_jobs_title",
                            _table(ids.TOP_JOBS),
                            extra_class="area-top",
                        ),
                        _card(
                            "methodology_title",
                            html.Div(id=ids.METHODOLOGY, className="methodology"),
                            extra_class="area-method",
                        ),
                    ],
                    className="dashboard-grid",
                ),
            ],
            id="main",
            tabIndex="-1",
        ),
        html.Footer(
            [
                _text("method_geo", html.P),
                html.P(html.A("API /api/v1 (OpenAPI)", href="/api/v1/openapi.json")),
            ],
            className="app-footer",
        ),
    ]

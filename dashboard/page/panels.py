"""What each part of the page sets, for a view state: one function per panel.

Every panel returns ``{(component id, property): value}``. The same dict fills the first
screen (``first_screen.initial_layout`` applies it to the layout before it is sent) and answers
the panel's callback (``callbacks`` turns it into the callback's outputs), so a view drawn by the
server and a view reached by clicking can never differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dash import Input, State, dcc, html
from sqlalchemy.exc import DBAPIError, OperationalError

from dashboard.core import ids
from dashboard.core.i18n import fmt_int, month_label, normalise_lang, t
from dashboard.core.state import (
    MAX_PLAN,
    ViewState,
    compare_options,
    department_options,
    family_options,
    metier_options,
    poste_options,
    region_options,
    requested_vintage,
)
from dashboard.page import report, tables, views
from dashboard.shaping import figures
from dashboard.shaping.theme import GRAPH_CONFIG
from dashboard.shaping.transforms import quarter_of
from data_access.queries import InvalidParameter
from data_access.tension import InvalidReferenceError

if TYPE_CHECKING:
    from dashboard.page.layout import StaticDeps
    from data_access.queries import Catalog

Props = dict[tuple[str, str], Any]
DATABASE_ERRORS = (OperationalError, DBAPIError)

# Static texts whose content follows the language: element id suffix → label key.
TEXT_KEYS = (
    "tagline",
    "skip_to_content",
    "filters",
    "month",
    "metric",
    "region",
    "department",
    "family",
    "metier",
    "poste",
    "share_hint",
    "map_title",
    "map_help",
    "map_table_title",
    "insets_note",
    "key_figures_title",
    "trend_title",
    "breakdown_title",
    "breakdown_region_title",
    "top_jobs_title",
    "methodology_title",
    "method_geo",
    "view_mode",
    "changes_title",
    "sim_title",
    "sim_intro",
    "sim_planned",
    "compare_title",
    "compare_intro",
    "compare_label",
    "lang_switch",
)
# The filter controls, each with the view field it shows.
CONTROLS = {
    ids.MONTH: "month",
    ids.METRIC: "metric",
    ids.REGION: "region",
    ids.DEPARTMENT: "department",
    ids.FAMILY: "family",
    ids.METIER: "metier",
    ids.POSTE: "poste",
    ids.CHANGE: "change",
    ids.FRAGILE: "fragile",
    ids.SIM_PLAN: "plan",
    ids.COMPARE: "compare",
}


OPTION_IDS = (ids.MONTH, ids.REGION, ids.DEPARTMENT, ids.FAMILY, ids.METIER, ids.POSTE, ids.COMPARE)
# What a new view sets besides its panels, in the callback's output order.
STATE_OUTPUTS = [
    (ids.STATE, "data"),
    (ids.TOOLS, "data"),
    (ids.URL, "search"),
    (ids.LANG_STORE, "data"),
    *[(c, "value") for c in CONTROLS],
    *[(c, "options") for c in OPTION_IDS],
    (ids.REPORT_LINK, "href"),
    (ids.NOTICE, "children"),
    (ids.NOTICE, "hidden"),
    (ids.VINTAGE_BANNER, "children"),
    (ids.VINTAGE_BANNER, "hidden"),
]
# The sortable tables: panel name → the store holding its order, and its element id.
SORT_STORES = {"map_table": ids.MAP_TABLE_SORT, "top_jobs": ids.TOP_JOBS_SORT}
SORT_TABLES = {"map_table": ids.MAP_TABLE, "top_jobs": ids.TOP_JOBS}


def metric_options(lang: str) -> list[dict[str, str]]:
    keys = ("job_offers", "trainings", "tension")
    return [{"label": t(f"metric_{m}", lang), "value": m} for m in keys]


def change_options(lang: str) -> list[dict[str, str]]:
    return [
        {"label": t("mode_level", lang), "value": "level"},
        {"label": t("mode_change_1", lang), "value": "1"},
        {"label": t("mode_change_12", lang), "value": "12"},
    ]


def fragile_options(lang: str) -> list[dict[str, str]]:
    return [{"label": t("fragile_exclude", lang), "value": "exclude"}]


def guarded(
    render: Callable[[], Props], fallback: Callable[[str], Props], lang: str
) -> tuple[Props, bool]:
    """A panel's props, or its fallback with a message; and whether the database failed."""
    try:
        return render(), False
    except DATABASE_ERRORS:
        return fallback(t("db_down", lang)), True
    except (InvalidParameter, InvalidReferenceError):
        return fallback(t("no_figures", lang)), False


# -- language and controls ---------------------------------------------------------------------
def language_props(lang_value: Any) -> Props:
    """Every static text, label and placeholder of the page in the language."""
    lang = normalise_lang(lang_value)
    props: Props = {(ids.text_id(k), "children"): t(k, lang) for k in TEXT_KEYS}
    placeholders = {
        ids.REGION: "all_regions",
        ids.DEPARTMENT: "all_departments",
        ids.FAMILY: "all_families",
        ids.METIER: "all_metiers",
        ids.POSTE: "all_postes",
        ids.COMPARE: "compare_placeholder",
    }
    props.update({(c, "placeholder"): t(k, lang) for c, k in placeholders.items()})
    props.update(
        {
            (ids.METRIC, "options"): metric_options(lang),
            (ids.CHANGE, "options"): change_options(lang),
            (ids.FRAGILE, "options"): fragile_options(lang),
            (ids.RESET, "children"): t("reset", lang),
            (ids.DOWNLOAD_CSV_BUTTON, "children"): t("download_csv", lang),
            (ids.LANG_FR, "className"): "lang active" if lang == "fr" else "lang",
            (ids.LANG_EN, "className"): "lang active" if lang == "en" else "lang",
            (ids.DEMO_BADGE, "children"): t("demo_badge", lang),
            (ids.COMPARE_ADD, "children"): t("compare_add_current", lang),
            (ids.REPORT_LINK, "children"): t("report_link", lang),
            (ids.REPORT_PRINT, "children"): t("report_print", lang),
            (ids.REPORT_BACK, "children"): t("report_back", lang),
        }
    )
    return props


def control_values(state: ViewState) -> dict[str, Any]:
    """What each filter control shows for ``state``."""
    shown = {
        "change": state.change or "level",
        "fragile": ["exclude"] if state.fragile else [],
        "plan": state.planned or None,
        "compare": list(state.compared),
    }
    return {c: shown.get(field, getattr(state, field)) for c, field in CONTROLS.items()}


def control_options(catalog: Catalog, state: ViewState) -> Props:
    """The choices of each dropdown: some follow the language, some the region or family.

    They depend on the catalog and four fields of the state only, so they are computed once
    per data version and combination, not per click."""
    key = ("control_options", state.lang, state.region, state.family, state.metier)
    return catalog.derived(key, lambda: _control_options(catalog, state))


def _control_options(catalog: Catalog, state: ViewState) -> Props:
    lang = state.lang
    months = [{"label": month_label(m, lang), "value": m} for m in reversed(catalog.months)]
    return {
        (ids.MONTH, "options"): months,
        (ids.REGION, "options"): region_options(catalog),
        (ids.DEPARTMENT, "options"): department_options(catalog, state.region),
        (ids.FAMILY, "options"): family_options(catalog),
        (ids.METIER, "options"): metier_options(catalog, state.family),
        (ids.POSTE, "options"): poste_options(catalog, state.family, state.metier),
        (ids.COMPARE, "options"): compare_options(
            catalog, t("national", lang), t("compare_region_prefix", lang)
        ),
    }


def state_props(deps: StaticDeps, catalog: Catalog, state: ViewState, notice: str) -> Props:
    """The stores, URL, controls and notice for ``state``."""
    props: Props = {
        (ids.STATE, "data"): state.to_store(),
        (ids.TOOLS, "data"): state.tools_store(),
        (ids.URL, "search"): state.to_query(),
        (ids.LANG_STORE, "data"): state.lang,
        **{(c, "value"): v for c, v in control_values(state).items()},
        **control_options(catalog, state),
        (ids.REPORT_LINK, "href"): deps.report_path + state.to_query(),
        (ids.NOTICE, "children"): notice,
        (ids.NOTICE, "hidden"): not notice,
        (ids.VINTAGE_BANNER, "children"): vintage_banner(deps, state),
        (ids.VINTAGE_BANNER, "hidden"): state.vintage is None,
    }
    return props


def pinned(deps: StaticDeps, vintage: Any) -> StaticDeps:
    """``deps`` whose service shows the figures of ``vintage`` (an id the catalog lists, as
    text), or the current figures."""
    service = deps.service.showing(vintage)
    return deps if service is deps.service else replace(deps, service=service)


def pinned_to_request(
    deps: StaticDeps, trigger: str | None, search: Any, stored: Any
) -> StaticDeps:
    """``deps`` answering a request: showing the vintage it asks for (``requested_vintage``'s
    rule) when the catalog lists it. The first screen, the report and a click all follow this
    one rule, since a view is parsed against the months of the figures it shows."""
    query = search if isinstance(search, str) else None
    return pinned(deps, requested_vintage(trigger, query, stored))


def vintage_banner(deps: StaticDeps, state: ViewState) -> list[Any]:
    """What a view pinned to a vintage says of its figures, with the way to the current ones."""
    if state.vintage is None:
        return []
    lang = state.lang
    return [
        html.Span(report.vintage_line(deps.service, lang, state.vintage)),
        " ",
        html.A(t("vintage_current", lang), href="./" + replace(state, vintage=None).to_query()),
    ]


def notice_text(ignored: tuple[str, ...] | list[str], plan_refused: bool, lang: str) -> str:
    if plan_refused:
        return t("sim_invalid_plan", lang, max=fmt_int(MAX_PLAN, lang))
    return t("notice_ignored", lang, detail=", ".join(ignored)) if ignored else ""


# -- content panels ----------------------------------------------------------------------------
def map_props(deps: StaticDeps, state: ViewState, previous: Any = None) -> Props:
    figure, signature = views.render_map(deps.service, deps.geometry, state, previous)
    return {(ids.MAP, "figure"): figure, (ids.MAP_SIGNATURE, "data"): signature}


def map_fallback(message: str) -> Props:
    return {(ids.MAP, "figure"): figures.empty_figure(message), (ids.MAP_SIGNATURE, "data"): None}


def map_table_props(
    deps: StaticDeps, state: ViewState, sort: Any = None, opened: Any = None
) -> Props:
    """The map's figures as a table, once its disclosure has been opened: until then its
    hundred rows would only weigh on the first screen."""
    if not opened:
        return {}  # nothing to send: the table stays as it is (empty) until it is opened
    rows, columns = views.render_map_table(deps.service, state)
    order = tables.SortOrder.from_store(sort, columns, views.MAP_TABLE_ORDER)
    caption = t(
        "map_table_caption", state.lang, selection=views.selection_summary(deps.service, state)
    )
    table = tables.render_table(ids.MAP_TABLE, caption, columns, rows, order, state.lang)
    return {(ids.MAP_TABLE, "children"): table}


def message_table(component_id: str) -> Callable[[str], Props]:
    return lambda message: {(component_id, "children"): html.P(message, className="hint")}


def summary_props(deps: StaticDeps, state: ViewState) -> Props:
    """The key figures of the month and what changed, in figures and in words."""
    service = deps.service
    return {
        (ids.KEY_FIGURES, "children"): views.render_key_figures(service, state),
        (ids.SELECTION_SUMMARY, "children"): views.selection_summary(service, state),
        (ids.CHANGES, "children"): [html.P(s) for s in views.render_changes(service, state)],
        (ids.CHANGES_NOTE, "children"): t(
            "changes_note", state.lang, period=views.summary_period(state)
        ),
    }


def summary_fallback(message: str) -> Props:
    return {
        (ids.KEY_FIGURES, "children"): [],
        (ids.SELECTION_SUMMARY, "children"): "",
        (ids.CHANGES, "children"): [html.P(message)],
        (ids.CHANGES_NOTE, "children"): "",
    }


def trend_props(deps: StaticDeps, state: ViewState) -> Props:
    """Every month's curves: the same whichever month the view is on."""
    return {(ids.TREND, "figure"): views.render_trend(deps.service, state)}


def trend_fallback(message: str) -> Props:
    return {(ids.TREND, "figure"): figures.empty_figure(message)}


def breakdown_props(deps: StaticDeps, state: ViewState) -> Props:
    return {
        (ids.BREAKDOWN, "figure"): views.render_breakdown(deps.service, state),
        (ids.BREAKDOWN_REGION, "figure"): views.render_region_breakdown(deps.service, state),
    }


def breakdown_fallback(message: str) -> Props:
    empty = figures.empty_figure(message)
    return {(ids.BREAKDOWN, "figure"): empty, (ids.BREAKDOWN_REGION, "figure"): empty}


def top_jobs_props(deps: StaticDeps, state: ViewState, sort: Any = None) -> Props:
    rows, columns, caption = views.render_top_jobs(deps.service, state)
    order = tables.SortOrder.from_store(sort, columns, views.TOP_JOBS_ORDER)
    table = tables.render_table(
        ids.TOP_JOBS, caption, columns, rows, order, state.lang, ids.TOP_JOBS_CAPTION
    )
    return {(ids.TOP_JOBS, "children"): table}


def tool_graph(component_id: str, figure: dict[str, Any], height: int) -> dcc.Graph:
    """A decision tool's chart, put in the page only when it has something to draw: an empty
    chart would still cost Plotly a full draw while the first screen loads. Its height is fixed
    because it shares its card with other content (a responsive graph would grow to the whole
    card and overflow it)."""
    return dcc.Graph(
        id=component_id, figure=figure, config=GRAPH_CONFIG, style={"height": f"{height}px"}
    )


def tools_props(deps: StaticDeps, state: ViewState) -> Props:
    result, simulation = views.render_simulator(deps.service, state)
    comparison = views.render_compare(deps.service, state)
    sim_chart = None if simulation is None else tool_graph(ids.SIM_GRAPH, simulation, 360)
    if isinstance(comparison, dict):
        compare_chart: Any = tool_graph(ids.COMPARE_GRAPH, comparison, 560)
    else:
        compare_chart = html.P(comparison, className="hint")
    return {
        (ids.SIM_RESULT, "children"): result,
        (ids.SIM_CHART, "children"): sim_chart,
        (ids.COMPARE_CHART, "children"): compare_chart,
    }


def tools_fallback(message: str) -> Props:
    return {
        (ids.SIM_RESULT, "children"): [html.P(message)],
        (ids.SIM_CHART, "children"): None,
        (ids.COMPARE_CHART, "children"): message,
    }


def methodology_props(deps: StaticDeps, lang: str) -> Props:
    return {
        (ids.METHODOLOGY, "children"): views.render_methodology(deps.service, lang),
        (ids.DEMO_BADGE, "hidden"): not deps.service.status().is_demo,
    }


def report_props(deps: StaticDeps, state: ViewState) -> Props:
    """The printable report of ``state``'s territory, its way back to the same dashboard view,
    and its language."""
    content, _failed = guarded(
        lambda: {
            (ids.REPORT_CONTENT, "children"): report.render_report(
                deps.service, deps.geometry, state, deps.map_config
            )
        },
        lambda message: {(ids.REPORT_CONTENT, "children"): [html.P(message)]},
        state.lang,
    )
    return {
        **content,
        (ids.REPORT_BACK, "href"): "./" + state.to_query(),
        (ids.LANG_STORE, "data"): state.lang,
    }


# The view fields most panels show: the month, the territory and the job filter, in a language.
_VIEW = ("month", "region", "department", "family", "metier", "poste", "lang")


@dataclass(frozen=True)
class Panel:
    """A content panel the view drives: how it renders, what it shows when it cannot, what else
    it listens to (each value is passed to ``render`` after the state), whether it reads the
    tools store's fields (``tools_in_state``: the others get a view without them), and the
    view fields it shows (``quarter`` for the quarter of the month).

    Two views equal on ``depends`` show the same panel, so a change of another field sends
    nothing for it, and its props can be served from the response cache when ``cacheable``
    (the map's are a ``Patch`` of what the browser shows, so they are not).
    """

    render: Callable[..., Props]
    fallback: Callable[[str], Props]
    depends: tuple[str, ...]
    extra: tuple[Input | State, ...] = ()
    tools_in_state: bool = False
    cacheable: bool = True


def panel_key(panel: Panel, state: ViewState, version: int, own: Sequence[Any]) -> str:
    """What ``panel`` shows for ``state`` in data version ``version``, as a short text."""
    fields = [
        quarter_of(state.month) if name == "quarter" else getattr(state, name)
        for name in panel.depends
    ]
    inputs = [value for dep, value in zip(panel.extra, own, strict=True) if isinstance(dep, Input)]
    return json.dumps([version, fields, inputs], default=str, separators=(",", ":"))


STATE_PANELS: dict[str, Panel] = {
    "map": Panel(
        map_props,
        map_fallback,
        (*_VIEW, "metric", "change"),
        (State(ids.MAP_SIGNATURE, "data"),),
        cacheable=False,
    ),
    "map_table": Panel(
        map_table_props,
        message_table(ids.MAP_TABLE),
        (*_VIEW, "metric", "change"),
        (
            Input(SORT_STORES["map_table"], "data"),
            Input(ids.text_id("map_table_title"), "n_clicks"),  # the table's disclosure
        ),
    ),
    "summary": Panel(summary_props, summary_fallback, (*_VIEW, "change")),
    "trend": Panel(
        trend_props, trend_fallback, ("region", "department", "family", "metier", "poste", "lang")
    ),
    "breakdowns": Panel(breakdown_props, breakdown_fallback, _VIEW),
    "top_jobs": Panel(
        top_jobs_props,
        message_table(ids.TOP_JOBS),
        ("quarter", "region", "family", "metier", "poste", "fragile", "lang"),
        (Input(SORT_STORES["top_jobs"], "data"),),
    ),
    "tools": Panel(
        tools_props,
        tools_fallback,
        (*_VIEW, "fragile", "plan", "compare"),
        tools_in_state=True,
    ),
}


def panel_keys(state: ViewState, version: int) -> dict[str, str]:
    """Every panel's key for a view drawn without a sort order or an opened table: the first
    screen's."""
    return {
        name: panel_key(panel, state, version, [None] * len(panel.extra))
        for name, panel in STATE_PANELS.items()
    }

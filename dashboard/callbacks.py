"""Callbacks: each one reads its inputs, calls a plain function, and returns its outputs.

Registered by ``register(app, deps)``; nothing here holds state between requests, so any
worker can serve any request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from dash import Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import DBAPIError, OperationalError

from dashboard import figures, ids, report, views
from dashboard.i18n import fmt_int, month_label, normalise_lang, t
from dashboard.layout import (
    TEXT_KEYS,
    StaticDeps,
    change_options,
    fragile_options,
    metric_options,
    tool_graph,
)
from dashboard.state import (
    MAX_PLAN,
    Controls,
    ViewState,
    clicked_department,
    compare_options,
    department_options,
    family_options,
    metier_options,
    parse_query,
    plan_refused,
    poste_options,
    region_options,
    store_state,
    sync_state,
)
from data_access.queries import InvalidParameter
from data_access.tension import InvalidReferenceError

if TYPE_CHECKING:
    from dashboard.service import Service

T = TypeVar("T")
DATABASE_ERRORS = (OperationalError, DBAPIError)
CONTROL_IDS = (
    ids.MONTH,
    ids.METRIC,
    ids.REGION,
    ids.DEPARTMENT,
    ids.FAMILY,
    ids.METIER,
    ids.POSTE,
    ids.CHANGE,
    ids.FRAGILE,
    ids.SIM_PLAN,
    ids.COMPARE,
)
N_CONTROLS = len(CONTROL_IDS)


def _state(data: Any, service: Service, tools: Any = None) -> ViewState:
    """The view in a ``state`` store; a store this app could not have written is refused."""
    if not data:
        raise PreventUpdate
    try:
        catalog = service.catalog()
    except DATABASE_ERRORS:
        catalog = None  # the render that follows meets the outage and reports it
    state = store_state(data, catalog, tools)
    if state is None:
        raise PreventUpdate
    return state


def _guard(render: Callable[[], T], fallback: Callable[[str], T], lang: str) -> tuple[T, Any]:
    """Run a render; on a database failure return the fallback and flag the error."""
    try:
        return render(), no_update
    except DATABASE_ERRORS:
        return fallback(t("db_down", lang)), time.time()
    except (InvalidParameter, InvalidReferenceError):
        return fallback(t("no_figures", lang)), no_update


def is_report_path(pathname: Any, report_path: str) -> bool:
    return isinstance(pathname, str) and pathname.rstrip("/") == report_path


def register(app: Dash, deps: StaticDeps) -> None:
    """Attach every callback of the page to ``app``."""
    service = deps.service
    geometry = deps.geometry

    @app.callback(
        Output(ids.STATE, "data"),
        Output(ids.TOOLS, "data"),
        Output(ids.URL, "search"),
        Output(ids.LANG_STORE, "data"),
        *[Output(c, "value") for c in CONTROL_IDS],
        Output(ids.MONTH, "options"),
        Output(ids.REGION, "options"),
        Output(ids.DEPARTMENT, "options"),
        Output(ids.FAMILY, "options"),
        Output(ids.METIER, "options"),
        Output(ids.POSTE, "options"),
        Output(ids.COMPARE, "options"),
        Output(ids.REPORT_LINK, "href"),
        Output(ids.NOTICE, "children"),
        Output(ids.NOTICE, "hidden"),
        Input(ids.URL, "search"),
        *[Input(c, "value") for c in CONTROL_IDS],
        Input(ids.MAP, "clickData"),
        Input(ids.RESET, "n_clicks"),
        Input(ids.COMPARE_ADD, "n_clicks"),
        Input(ids.LANG_FR, "n_clicks"),
        Input(ids.LANG_EN, "n_clicks"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.URL, "pathname"),
        State(ids.STATE, "data"),
        State(ids.TOOLS, "data"),
    )
    def on_state_change(search: Any, *args: Any) -> tuple[Any, ...]:
        controls = Controls(*args[:N_CONTROLS])
        click = args[N_CONTROLS]
        pathname, stored, stored_tools = args[-3:]
        if is_report_path(pathname, deps.report_path):
            raise PreventUpdate  # the report page draws itself from the URL
        trigger = ctx.triggered_id
        if trigger is not None and not isinstance(trigger, str):
            raise PreventUpdate  # the page has no pattern-matching ids: a forged request
        if not isinstance(search, str):
            search = None
        lang_request = {ids.LANG_FR: "fr", ids.LANG_EN: "en"}.get(trigger)
        try:
            catalog = service.catalog()
            # A store this app could not have written counts as none: the URL decides.
            valid_previous = store_state(stored, catalog, stored_tools)
            previous = (
                {**valid_previous.to_store(), **valid_previous.tools_store()}
                if valid_previous
                else None
            )
            result = sync_state(
                trigger,
                search,
                controls,
                clicked_department(click),
                previous,
                catalog,
                lang_request,
            )
        except DATABASE_ERRORS:
            raise PreventUpdate from None
        state = result.state
        if not state.month:
            raise PreventUpdate
        before = None if trigger in (None, ids.URL, ids.DATA_VERSION) else valid_previous

        def changed(*fields: str) -> bool:
            return before is None or any(getattr(before, f) != getattr(state, f) for f in fields)

        def unless_same(value: Any, shown: Any) -> Any:
            return no_update if before is not None and value == shown else value

        lang = state.lang
        notice = (
            t("notice_ignored", lang, detail=", ".join(result.ignored)) if result.ignored else ""
        )
        if trigger == ids.SIM_PLAN and plan_refused(controls.plan):
            notice = t("sim_invalid_plan", lang, max=fmt_int(MAX_PLAN, lang))
        values = (
            state.month,
            state.metric,
            state.region,
            state.department,
            state.family,
            state.metier,
            state.poste,
            state.change or "level",
            ["exclude"] if state.fragile else [],
            state.planned or None,
            list(state.compared),
        )
        months = [{"label": month_label(m, lang), "value": m} for m in reversed(catalog.months)]
        main_changed = before is None or before.to_store() != state.to_store()
        tools_changed = before is None or before.tools_store() != state.tools_store()
        return (
            state.to_store() if main_changed else no_update,
            state.tools_store() if tools_changed else no_update,
            state.to_query(),
            lang if changed("lang") else no_update,
            *(unless_same(v, shown) for v, shown in zip(values, args[:N_CONTROLS], strict=True)),
            months if changed("lang") else no_update,
            region_options(catalog) if before is None else no_update,
            department_options(catalog, state.region) if changed("region") else no_update,
            family_options(catalog) if before is None else no_update,
            metier_options(catalog, state.family) if changed("family") else no_update,
            poste_options(catalog, state.family, state.metier)
            if changed("family", "metier")
            else no_update,
            compare_options(catalog, t("national", lang), t("compare_region_prefix", lang))
            if changed("lang")
            else no_update,
            deps.report_path + state.to_query(),
            notice,
            not notice,
        )

    @app.callback(
        *[Output(ids.text_id(k), "children") for k in TEXT_KEYS],
        Output(ids.METRIC, "options"),
        Output(ids.RESET, "children"),
        Output(ids.DOWNLOAD_CSV_BUTTON, "children"),
        Output(ids.REGION, "placeholder"),
        Output(ids.DEPARTMENT, "placeholder"),
        Output(ids.FAMILY, "placeholder"),
        Output(ids.METIER, "placeholder"),
        Output(ids.POSTE, "placeholder"),
        Output(ids.LANG_FR, "className"),
        Output(ids.LANG_EN, "className"),
        Output(ids.DEMO_BADGE, "children"),
        Output(ids.CHANGE, "options"),
        Output(ids.FRAGILE, "options"),
        Output(ids.COMPARE, "placeholder"),
        Output(ids.COMPARE_ADD, "children"),
        Output(ids.REPORT_LINK, "children"),
        Output(ids.REPORT_PRINT, "children"),
        Output(ids.REPORT_BACK, "children"),
        Input(ids.LANG_STORE, "data"),
    )
    def on_language(lang_value: Any) -> tuple[Any, ...]:
        lang = normalise_lang(lang_value)
        return (
            *[t(k, lang) for k in TEXT_KEYS],
            metric_options(lang),
            t("reset", lang),
            t("download_csv", lang),
            t("all_regions", lang),
            t("all_departments", lang),
            t("all_families", lang),
            t("all_metiers", lang),
            t("all_postes", lang),
            "lang active" if lang == "fr" else "lang",
            "lang active" if lang == "en" else "lang",
            t("demo_badge", lang),
            change_options(lang),
            fragile_options(lang),
            t("compare_placeholder", lang),
            t("compare_add_current", lang),
            t("report_link", lang),
            t("report_print", lang),
            t("report_back", lang),
        )

    titles = json.dumps({"fr": t("page_title", "fr"), "en": t("page_title", "en")})
    app.clientside_callback(
        "function(lang) {"
        f"  const titles = {titles};"
        "  const chosen = lang === 'en' ? 'en' : 'fr';"
        "  document.documentElement.setAttribute('lang', chosen);"
        "  document.title = titles[chosen];"
        "  return chosen;"
        "}",
        Output(ids.LANG_APPLIED, "data"),
        Input(ids.LANG_STORE, "data"),
    )

    @app.callback(
        Output(ids.MAP, "figure"),
        Output(ids.MAP_SIGNATURE, "data"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.STATE, "data"),
        State(ids.MAP_SIGNATURE, "data"),
        prevent_initial_call=True,
    )
    def on_map(data: Any, previous: Any) -> tuple[Any, ...]:
        state = _state(data, service)
        (figure, new_signature), error = _guard(
            lambda: views.render_map(service, geometry, state, previous),
            lambda message: (figures.empty_figure(message), None),
            state.lang,
        )
        return figure, new_signature, error

    @app.callback(
        Output(ids.MAP_TABLE, "rowData"),
        Output(ids.MAP_TABLE, "columnDefs"),
        Output(ids.MAP_TABLE, "dashGridOptions"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def on_map_table(data: Any) -> tuple[Any, ...]:
        state = _state(data, service)
        (rows, columns), error = _guard(
            lambda: views.render_map_table(service, state),
            lambda message: ([], []),
            state.lang,
        )
        options = {"domLayout": "autoHeight", "context": {"lang": state.lang}}
        return rows, columns, options, error

    @app.callback(
        Output(ids.KEY_FIGURES, "children"),
        Output(ids.TREND, "figure"),
        Output(ids.SELECTION_SUMMARY, "children"),
        Output(ids.CHANGES, "children"),
        Output(ids.CHANGES_NOTE, "children"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def on_trend(data: Any) -> tuple[Any, ...]:
        state = _state(data, service)
        (cards, trend, summary, sentences), error = _guard(
            lambda: (
                views.render_key_figures(service, state),
                views.render_trend(service, state),
                views.selection_summary(service, state),
                [html.P(s) for s in views.render_changes(service, state)],
            ),
            lambda message: ([], figures.empty_figure(message), "", [html.P(message)]),
            state.lang,
        )
        note = t("changes_note", state.lang, period=views.summary_period(state))
        return cards, trend, summary, sentences, note, error

    @app.callback(
        Output(ids.BREAKDOWN, "figure"),
        Output(ids.BREAKDOWN_REGION, "figure"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def on_breakdowns(data: Any) -> tuple[Any, ...]:
        state = _state(data, service)
        (jobs, regions), error = _guard(
            lambda: (
                views.render_breakdown(service, state),
                views.render_region_breakdown(service, state),
            ),
            lambda message: (figures.empty_figure(message), figures.empty_figure(message)),
            state.lang,
        )
        return jobs, regions, error

    @app.callback(
        Output(ids.TOP_JOBS, "rowData"),
        Output(ids.TOP_JOBS, "columnDefs"),
        Output(ids.TOP_JOBS_CAPTION, "children"),
        Output(ids.TOP_JOBS, "dashGridOptions"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def on_top_jobs(data: Any) -> tuple[Any, ...]:
        state = _state(data, service)
        (rows, columns, caption), error = _guard(
            lambda: views.render_top_jobs(service, state),
            lambda message: ([], [], message),
            state.lang,
        )
        options = {"domLayout": "autoHeight", "context": {"lang": state.lang}}
        return rows, columns, caption, options, error

    @app.callback(
        Output(ids.SIM_RESULT, "children"),
        Output(ids.SIM_CHART, "children"),
        Output(ids.COMPARE_CHART, "children"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.STATE, "data"),
        Input(ids.TOOLS, "data"),
        prevent_initial_call=True,
    )
    def on_tools(data: Any, tools: Any) -> tuple[Any, ...]:
        # One request for both tools: each filter change already fires several callbacks.
        state = _state(data, service, tools)
        ((result, simulation), comparison), error = _guard(
            lambda: (views.render_simulator(service, state), views.render_compare(service, state)),
            lambda message: (([html.P(message)], None), message),
            state.lang,
        )
        sim_chart = None if simulation is None else tool_graph(ids.SIM_GRAPH, simulation, 360)
        if isinstance(comparison, dict):
            compare_chart: Any = tool_graph(ids.COMPARE_GRAPH, comparison, 560)
        else:
            compare_chart = html.P(comparison, className="hint")
        return result, sim_chart, compare_chart, error

    app.clientside_callback(
        "function(pathname) {"
        f"  const report = {json.dumps(deps.report_path)};"
        "  const isReport = typeof pathname === 'string' &&"
        "    pathname.replace(/\\/+$/, '') === report;"
        "  document.body.classList.toggle('printing-report', isReport);"
        "  return [!isReport, isReport];"
        "}",
        Output(ids.REPORT_PAGE, "hidden"),
        Output(ids.DASHBOARD_PAGE, "hidden"),
        Input(ids.URL, "pathname"),
    )

    app.clientside_callback(
        "function(clicks) { if (clicks) { window.print(); } return clicks || 0; }",
        Output(ids.REPORT_PRINTED, "data"),
        Input(ids.REPORT_PRINT, "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(ids.REPORT_CONTENT, "children"),
        Output(ids.REPORT_BACK, "href"),
        Output(ids.LANG_STORE, "data", allow_duplicate=True),
        Input(ids.URL, "pathname"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.URL, "search"),
        # On the report page the state callback stands aside, so the language has one writer.
        prevent_initial_call="initial_duplicate",
    )
    def on_report(pathname: Any, _version: Any, search: Any) -> tuple[Any, ...]:
        if not is_report_path(pathname, deps.report_path):
            raise PreventUpdate
        try:
            state, _ignored = parse_query(
                search if isinstance(search, str) else None, service.catalog()
            )
        except DATABASE_ERRORS:
            return [html.P(t("db_down", "fr"))], no_update, no_update
        if not state.month:
            return [html.P(t("no_month", state.lang))], no_update, no_update
        content, _error = _guard(
            lambda: report.render_report(service, geometry, state, deps.map_config),
            lambda message: [html.P(message)],
            state.lang,
        )
        return content, "./" + state.to_query(), state.lang

    @app.callback(
        Output(ids.METHODOLOGY, "children"),
        Output(ids.DEMO_BADGE, "hidden"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.LANG_STORE, "data"),
        Input(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    def on_methodology(lang_value: Any, version: Any) -> tuple[Any, ...]:
        lang = normalise_lang(lang_value)
        if version is None:
            raise PreventUpdate
        (blocks, hidden), error = _guard(
            lambda: (views.render_methodology(service, lang), not service.status().is_demo),
            lambda message: ([message], no_update),
            lang,
        )
        return blocks, hidden, error

    @app.callback(
        Output(ids.DATA_VERSION, "data"),
        Output(ids.DB_ALERT, "children"),
        Output(ids.DB_ALERT, "hidden"),
        Output(ids.RETRY, "disabled"),
        Input(ids.RETRY, "n_intervals"),
        Input(ids.DB_ERROR, "data"),
        State(ids.LANG_STORE, "data"),
        State(ids.DATA_VERSION, "data"),
    )
    def on_health(_ticks: Any, _error: Any, lang_value: Any, known: Any) -> tuple[Any, ...]:
        lang = normalise_lang(lang_value)
        try:
            version = service.data_version()
            months = service.status().months
        except DATABASE_ERRORS:
            return None, t("db_down", lang), False, False
        if not months:
            return no_update, t("no_month", lang), False, True
        return (version if version != known else no_update), "", True, True

    @app.callback(
        Output(ids.DOWNLOAD_CSV, "data"),
        Input(ids.DOWNLOAD_CSV_BUTTON, "n_clicks"),
        State(ids.STATE, "data"),
        prevent_initial_call=True,
    )
    def on_download(clicks: Any, data: Any) -> Any:
        if not clicks:
            raise PreventUpdate
        state = _state(data, service)
        try:
            content, filename = views.csv_download(service, state)
        except DATABASE_ERRORS:
            raise PreventUpdate from None
        return dcc.send_string(content, filename, type="text/csv")

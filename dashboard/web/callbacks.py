"""Callbacks: each one reads its inputs, calls a panel function, and returns its outputs.

Registered by ``register(app, deps)``; nothing here holds state between requests, so any
worker can serve any request. The first screen is drawn by the server from the same panel
functions (``first_screen``), so no callback fires when a page loads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.core import ids
from dashboard.core.i18n import normalise_lang, t
from dashboard.core.state import (
    Controls,
    ViewState,
    clicked_department,
    parse_query,
    plan_refused,
    store_state,
    sync_state,
)
from dashboard.page import panels, views
from dashboard.page.panels import DATABASE_ERRORS, Props
from dashboard.page.tables import SORT_BUTTON

if TYPE_CHECKING:
    from dashboard.core.service import Service
    from dashboard.page.layout import StaticDeps

CONTROL_IDS = tuple(panels.CONTROLS)
N_CONTROLS = len(CONTROL_IDS)


def outputs(keys: Sequence[tuple[str, str]], **options: Any) -> list[Output]:
    return [Output(component, prop, **options) for component, prop in keys]


def ordered(props: Props, keys: Sequence[tuple[str, str]]) -> tuple[Any, ...]:
    """The values of ``props`` in the callback's output order (``no_update`` when absent)."""
    return tuple(props.get(key, no_update) for key in keys)


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


def is_report_path(pathname: Any, report_path: str) -> bool:
    return isinstance(pathname, str) and pathname.rstrip("/") == report_path


def unchanged_removed(new: Props, old: Props, shown: dict[str, Any]) -> Props:
    """``new`` without what the page already shows: props equal to those of the view before,
    and control values equal to what the control displays."""
    kept: Props = {}
    for key, value in new.items():
        component, prop = key
        if prop == "value" and component in shown:
            if value != shown[component]:
                kept[key] = value
        elif (
            key in ((ids.URL, "search"), (ids.NOTICE, "children"), (ids.NOTICE, "hidden"))
            or old.get(key) != value
        ):
            kept[key] = value
    return kept


def register(app: Dash, deps: StaticDeps) -> None:
    """Attach every callback of the page to ``app``."""
    register_state(app, deps)
    register_language(app)
    register_panels(app, deps)
    register_sorting(app)
    register_pages(app, deps)
    register_service(app, deps)


def register_state(app: Dash, deps: StaticDeps) -> None:
    service = deps.service
    keys = panels.STATE_OUTPUTS

    @app.callback(
        *outputs(keys),
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
        prevent_initial_call=True,
    )
    def on_state_change(search: Any, *args: Any) -> tuple[Any, ...]:
        controls = Controls(*args[:N_CONTROLS])
        pathname, stored, stored_tools = args[-3:]
        if is_report_path(pathname, deps.report_path):
            raise PreventUpdate  # the report page draws itself from the URL
        trigger = ctx.triggered_id
        if trigger is not None and not isinstance(trigger, str):
            raise PreventUpdate  # the page has no pattern-matching ids here: a forged request
        try:
            catalog = service.catalog()
            # A store this app could not have written counts as none: the URL decides.
            previous = store_state(stored, catalog, stored_tools)
            result = sync_state(
                trigger,
                search if isinstance(search, str) else None,
                controls,
                clicked_department(args[N_CONTROLS]),
                {**previous.to_store(), **previous.tools_store()} if previous else None,
                catalog,
                {ids.LANG_FR: "fr", ids.LANG_EN: "en"}.get(trigger),
            )
        except DATABASE_ERRORS:
            raise PreventUpdate from None
        state = result.state
        if not state.month:
            raise PreventUpdate
        refused = trigger == ids.SIM_PLAN and plan_refused(controls.plan)
        notice = panels.notice_text(result.ignored, refused, state.lang)
        new = panels.state_props(deps, catalog, state, notice)
        if trigger not in (None, ids.URL, ids.DATA_VERSION) and previous is not None:
            old = panels.state_props(deps, catalog, previous, notice)
            shown = dict(zip(CONTROL_IDS, args[:N_CONTROLS], strict=True))
            new = unchanged_removed(new, old, shown)
        return ordered(new, keys)


def register_language(app: Dash) -> None:
    keys = list(panels.language_props("fr"))

    @app.callback(*outputs(keys), Input(ids.LANG_STORE, "data"), prevent_initial_call=True)
    def on_language(lang_value: Any) -> tuple[Any, ...]:
        return ordered(panels.language_props(lang_value), keys)


def register_panels(app: Dash, deps: StaticDeps) -> None:
    """One callback for every content panel: after the state callback, a filter change costs
    the server one more request, whatever the number of panels.

    The state store drives them all; a panel's own inputs (a table's sort order, its
    disclosure, the tools store) re-render that panel alone. A panel whose key equals the one
    the page holds is skipped: it already shows what the new view would draw."""
    keys = [key for panel in panels.STATE_PANELS.values() for key in panel.fallback("")]
    extras = [dep for panel in panels.STATE_PANELS.values() for dep in panel.extra]

    @app.callback(
        *outputs(keys),
        Output(ids.PANEL_KEYS, "data"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        Input(ids.STATE, "data"),
        *extras,
        State(ids.PANEL_KEYS, "data"),
        prevent_initial_call=True,
    )
    def on_content(data: Any, *more: Any) -> tuple[Any, ...]:
        triggered = {item["prop_id"] for item in ctx.triggered}
        values = dict(zip([dep.component_id for dep in extras], more[:-1], strict=True))
        known = more[-1] if isinstance(more[-1], dict) else {}
        shown: dict[str, str] = {}
        props: Props = {}
        failed = False
        states: dict[bool, ViewState] = {}  # the view, without and with the tools store
        for name, panel in panels.STATE_PANELS.items():
            if not _needs_render(panel, triggered):
                continue
            own = [values[dep.component_id] for dep in panel.extra]
            tools = panel.tools_in_state
            if tools not in states:
                states[tools] = _state(data, deps.service, own[0] if tools else None)
            state = states[tools]
            key = panels.panel_key(panel, state, deps.service.data_version(), own)
            if known.get(name) == key:
                continue  # the panel already shows this
            drawn, down = _render_panel(deps, name, panel, state, own, key)
            props.update(drawn)
            failed = failed or down
            if not down:
                shown[name] = key
        new_keys = {**known, **shown} if shown else no_update
        return (*ordered(props, keys), new_keys, time.time() if failed else no_update)


def _render_panel(
    deps: StaticDeps, name: str, panel: panels.Panel, state: ViewState, own: list[Any], key: str
) -> tuple[Props, bool]:
    """A panel's props for ``state``, from the response cache when another visitor asked for
    the same; and whether the database failed (a fallback, which is not cached)."""
    cache_key = f"panel:{name}:{key}"
    if panel.cacheable:
        cached = deps.service.cached(cache_key)
        if cached is not None:
            return props_of_json(cached), False
    arguments = () if panel.tools_in_state else own
    props, failed = panels.guarded(
        lambda: panel.render(deps, state, *arguments), panel.fallback, state.lang
    )
    if not panel.cacheable or failed:
        return props, failed
    # Kept as the JSON the browser receives (components unpickle ten times slower), and sent
    # as plain values decoded from it: Dash's encoder then never calls back into Python.
    body = props_json(props)
    deps.service.keep(cache_key, body)
    return props_of_json(body), False


def _plain(value: Any) -> Any:
    """What orjson cannot write itself: a component becomes its JSON form, as Dash writes it."""
    if hasattr(value, "to_plotly_json"):
        return value.to_plotly_json()
    raise TypeError(f"not JSON: {type(value).__name__}")


def props_json(props: Props) -> bytes:
    """A panel's props as JSON, components included, written in C (orjson) in one pass."""
    items = [[component, prop, value] for (component, prop), value in props.items()]
    return orjson.dumps(items, default=_plain, option=orjson.OPT_SERIALIZE_NUMPY)


def props_of_json(body: bytes | str) -> Props:
    return {(component, prop): value for component, prop, value in orjson.loads(body)}


def _needs_render(panel: panels.Panel, triggered: set[str]) -> bool:
    """Whether a trigger of the content callback changes what ``panel`` shows."""
    if f"{ids.STATE}.data" in triggered:
        return True
    return any(
        f"{dep.component_id}.{dep.component_property}" in triggered
        for dep in panel.extra
        if isinstance(dep, Input)
    )


def register_sorting(app: Dash) -> None:
    """A click on a table header becomes that table's sort order, in the browser."""
    for name, store in panels.SORT_STORES.items():
        table = panels.SORT_TABLES[name]
        app.clientside_callback(
            "function(clicks, current) {"
            "  const t = dash_clientside.callback_context.triggered_id;"
            "  const hit = (dash_clientside.callback_context.triggered || [])"
            "    .some(x => x.value > 0);"
            "  if (!t || !hit) { return dash_clientside.no_update; }"
            "  const again = current && current.key === t.col;"
            "  const descending = again ? !current.descending : t.first === 'desc';"
            "  return {key: t.col, descending: descending};"
            "}",
            Output(store, "data"),
            Input({"type": SORT_BUTTON, "table": table, "col": ALL, "first": ALL}, "n_clicks"),
            State(store, "data"),
            prevent_initial_call=True,
        )


def register_pages(app: Dash, deps: StaticDeps) -> None:
    """The page title and language, which page the address shows, the printable report."""
    service = deps.service
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
        prevent_initial_call=True,  # the server wrote the page's language and title
    )
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
        prevent_initial_call=True,  # the server showed the page the address asks for
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
        prevent_initial_call=True,
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
        keys = [
            (ids.REPORT_CONTENT, "children"),
            (ids.REPORT_BACK, "href"),
            (ids.LANG_STORE, "data"),
        ]
        return ordered(panels.report_props(deps, state), keys)


def register_service(app: Dash, deps: StaticDeps) -> None:
    """Methodology and demo badge, the database's health, the CSV download."""
    service = deps.service

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
        props, failed = panels.guarded(
            lambda: panels.methodology_props(deps, lang),
            lambda message: {(ids.METHODOLOGY, "children"): [message]},
            lang,
        )
        keys = [(ids.METHODOLOGY, "children"), (ids.DEMO_BADGE, "hidden")]
        return (*ordered(props, keys), time.time() if failed else no_update)

    @app.callback(
        Output(ids.DATA_VERSION, "data"),
        Output(ids.DB_ALERT, "children"),
        Output(ids.DB_ALERT, "hidden"),
        Output(ids.RETRY, "disabled"),
        Input(ids.RETRY, "n_intervals"),
        Input(ids.DB_ERROR, "data"),
        State(ids.LANG_STORE, "data"),
        State(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
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

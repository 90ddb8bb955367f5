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
        catalog = service.showing(data.get("vintage") if isinstance(data, dict) else None).catalog()
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
    register_view(app, deps)
    register_language(app)
    register_sorting(app)
    register_pages(app, deps)
    register_service(app, deps)


# What makes a new view: the address, the controls, a click on the map, the buttons, an import.
VIEW_TRIGGERS = [
    Input(ids.URL, "search"),
    *[Input(c, "value") for c in CONTROL_IDS],
    Input(ids.MAP, "clickData"),
    Input(ids.RESET, "n_clicks"),
    Input(ids.COMPARE_ADD, "n_clicks"),
    Input(ids.LANG_FR, "n_clicks"),
    Input(ids.LANG_EN, "n_clicks"),
    Input(ids.DATA_VERSION, "data"),
]
_VIEW_PROPS = {f"{dep.component_id}.{dep.component_property}" for dep in VIEW_TRIGGERS}


def register_view(app: Dash, deps: StaticDeps) -> None:
    """One callback per click: the controls become a view (its stores, the URL, the controls),
    and every panel that view changes is drawn, in one request, so a click costs a phone one
    round trip whatever the number of panels.

    A panel's own inputs (a table's sort order, its disclosure) re-render that panel alone. A
    panel whose key equals the one the page holds is skipped: it already shows what the new
    view would draw."""
    state_keys = panels.STATE_OUTPUTS
    panel_keys = [key for panel in panels.STATE_PANELS.values() for key in panel.fallback("")]
    extras = [dep for panel in panels.STATE_PANELS.values() for dep in panel.extra]
    n_triggers = len(VIEW_TRIGGERS)

    @app.callback(
        *outputs(state_keys),
        *outputs(panel_keys),
        Output(ids.PANEL_KEYS, "data"),
        Output(ids.DB_ERROR, "data", allow_duplicate=True),
        *VIEW_TRIGGERS,
        *extras,
        State(ids.URL, "pathname"),
        State(ids.STATE, "data"),
        State(ids.TOOLS, "data"),
        State(ids.PANEL_KEYS, "data"),
        prevent_initial_call=True,
    )
    def on_view(*args: Any) -> tuple[Any, ...]:
        pathname, stored, stored_tools, known = args[-4:]
        if is_report_path(pathname, deps.report_path):
            raise PreventUpdate  # the report page draws itself from the URL
        triggered = {item["prop_id"] for item in ctx.triggered}
        own = dict(
            zip([dep.component_id_str() for dep in extras], args[n_triggers:-4], strict=True)
        )
        if triggered & _VIEW_PROPS:
            view, state_props = _next_view(deps, args[:n_triggers], stored, stored_tools)
        else:  # a panel's own input: the view is the one the page holds
            view, state_props = _state(stored, deps.service, stored_tools), {}
        props, new_keys, failed = _draw_panels(
            deps, view, own, known if isinstance(known, dict) else {}, triggered, bool(state_props)
        )
        return (
            *ordered(state_props, state_keys),
            *ordered(props, panel_keys),
            new_keys,
            time.time() if failed else no_update,
        )


def register_language(app: Dash) -> None:
    keys = list(panels.language_props("fr"))

    @app.callback(*outputs(keys), Input(ids.LANG_STORE, "data"), prevent_initial_call=True)
    def on_language(lang_value: Any) -> tuple[Any, ...]:
        return ordered(panels.language_props(lang_value), keys)


def _next_view(
    deps: StaticDeps, triggers: Sequence[Any], stored: Any, stored_tools: Any
) -> tuple[ViewState, Props]:
    """The view the triggers make of the one the page holds, and the state outputs that change.

    Raises ``PreventUpdate`` when there is nothing to show: no month yet, a forged trigger, or a
    database that is down (the health callback reports it)."""
    search, *rest = triggers
    controls = Controls(*rest[:N_CONTROLS])
    trigger = ctx.triggered_id
    if trigger is not None and not isinstance(trigger, str):
        raise PreventUpdate  # the page has no pattern-matching ids here: a forged request
    try:
        deps = panels.pinned_to_request(deps, trigger, search, stored)
        catalog = deps.service.catalog()
        # A store this app could not have written counts as none: the URL decides.
        previous = store_state(stored, catalog, stored_tools)
        result = sync_state(
            trigger,
            search if isinstance(search, str) else None,
            controls,
            clicked_department(rest[N_CONTROLS]),
            {**previous.to_store(), **previous.tools_store()} if previous else None,
            catalog,
            {ids.LANG_FR: "fr", ids.LANG_EN: "en"}.get(trigger) if trigger else None,
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
        shown = dict(zip(CONTROL_IDS, rest[:N_CONTROLS], strict=True))
        new = unchanged_removed(new, old, shown)
    return state, new


def _draw_panels(
    deps: StaticDeps,
    view: ViewState,
    own: dict[str, Any],
    known: dict[str, str],
    triggered: set[str],
    new_view: bool,
) -> tuple[Props, Any, bool]:
    """The props of the panels that differ from what the page holds (``known``: their keys),
    the page's new keys (``no_update`` when none changed), and whether the database failed.

    ``view`` includes the tools store, which only the ``tools_in_state`` panels read."""
    deps = panels.pinned(deps, view.vintage)
    without_tools = ViewState.from_store(view.to_store())
    version = deps.service.data_version()
    shown: dict[str, str] = {}
    props: Props = {}
    failed = False
    for name, panel in panels.STATE_PANELS.items():
        if not (new_view or _own_input_changed(panel, triggered)):
            continue
        inputs = [own[dep.component_id_str()] for dep in panel.extra]
        state = view if panel.tools_in_state else without_tools
        key = panels.panel_key(panel, state, version, inputs)
        if known.get(name) == key:
            continue  # the panel already shows this
        drawn, down = _render_panel(deps, name, panel, state, inputs, key)
        props.update(drawn)
        failed = failed or down
        if not down:
            shown[name] = key
    return props, ({**known, **shown} if shown else no_update), failed


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
    props, failed = panels.guarded(
        lambda: panel.render(deps, state, *own), panel.fallback, state.lang
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


def _own_input_changed(panel: panels.Panel, triggered: set[str]) -> bool:
    """Whether one of ``panel``'s own inputs (a sort order, a disclosure) triggered the call."""
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
        # On the report page the view callback stands aside, so the language has one writer.
        prevent_initial_call=True,
    )
    def on_report(pathname: Any, _version: Any, search: Any) -> tuple[Any, ...]:
        if not is_report_path(pathname, deps.report_path):
            raise PreventUpdate
        query = search if isinstance(search, str) else None
        try:
            shown = panels.pinned_to_request(deps, None, query, None)
            state, _ignored = parse_query(query, shown.service.catalog())
        except DATABASE_ERRORS:
            return [html.P(t("db_down", "fr"))], no_update, no_update
        if not state.month:
            return [html.P(t("no_month", state.lang))], no_update, no_update
        keys = [
            (ids.REPORT_CONTENT, "children"),
            (ids.REPORT_BACK, "href"),
            (ids.LANG_STORE, "data"),
        ]
        return ordered(panels.report_props(shown, state), keys)


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
        shown = panels.pinned(deps, state.vintage).service
        try:
            content, filename = views.csv_download(shown, state)
        except DATABASE_ERRORS:
            raise PreventUpdate from None
        return dcc.send_string(content, filename, type="text/csv")

"""The first screen of a URL, drawn by the server: no callback round trip before the map.

For ``/?region=53&family=DATA`` the page's HTML already holds

- the layout Dash would fetch from ``/_dash-layout``, with every panel filled for that view
  (controls, key figures, the map figure that references the geometry URL, the tables), and
  the callback list Dash would fetch from ``/_dash-dependencies``, both as inline JSON that
  ``assets/first-screen.js`` hands to the renderer instead of fetching them;
- the same layout written as static HTML in place of Dash's "Loading…", so text, key figures
  and tables paint as soon as the HTML and the stylesheet arrive, before any JavaScript runs.

React replaces the static HTML when it mounts; the map is drawn by Plotly from the inline
figure. The layout comes from the same panel functions as the callbacks (``panels``).
"""

from __future__ import annotations

import hashlib
import html as html_escape
import json
import re
import urllib.parse
import zlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dash import Dash
from dash._utils import to_json
from dash.development.base_component import Component
from flask import has_request_context, request

from dashboard.core import ids
from dashboard.core.i18n import normalise_lang, t
from dashboard.core.state import parse_query
from dashboard.page import panels
from dashboard.page.layout import build_layout

if TYPE_CHECKING:
    from dashboard.page.layout import StaticDeps

LAYOUT_SCRIPT_ID = "genscan-layout"
DEPENDENCIES_SCRIPT_ID = "genscan-dependencies"
# Charts below the fold: their figures wait in a store until the chart scrolls into view
# (``assets/deferred-graphs.js``), so the first screen only pays for drawing the map.
DEFERRED_GRAPHS = (ids.TREND, ids.BREAKDOWN, ids.BREAKDOWN_REGION)
# Cards below the fold have no static HTML: React draws them, and nothing on screen moves.
BELOW_THE_FOLD = {
    "area-trend",
    "area-breakdown",
    "area-regions",
    "area-sim",
    "area-compare",
    "area-top",
    "area-method",
    "app-footer",
}


# -- the view of a request ---------------------------------------------------------------------
def page_address() -> tuple[str, str]:
    """Path and query of the page being served.

    The index request carries them itself; Dash's own ``/_dash-layout`` request (made only
    when the inline layout is missing) comes from the page, whose address is its referrer.
    """
    if not has_request_context():
        return "/", ""
    if request.path.endswith("_dash-layout"):
        referrer = urllib.parse.urlsplit(request.referrer or "")
        same_host = referrer.netloc in ("", request.host)
        return (referrer.path or "/", referrer.query) if same_host else ("/", "")
    return request.path, request.query_string.decode("latin-1")


def request_layout(deps: StaticDeps) -> Component:
    """Dash's layout function: the filled layout of the page asked for; outside a request
    (Dash validating the layout at start-up) the empty skeleton, with no database access."""
    if not has_request_context():
        return build_layout(deps)
    return initial_layout(deps, *page_address())


def initial_layout(deps: StaticDeps, path: str, query: str) -> Component:
    """The whole layout for one address, every panel filled as its callback would fill it."""
    tree = build_layout(deps)
    report = path.rstrip("/") == deps.report_path
    props: panels.Props = {
        (ids.URL, "pathname"): path,
        (ids.DASHBOARD_PAGE, "hidden"): report,
        (ids.REPORT_PAGE, "hidden"): not report,
    }
    try:
        props.update(_view_props(deps, report, query))
    except panels.DATABASE_ERRORS:
        props.update(_outage_props())
    apply_props(tree, props)
    return tree


def _view_props(deps: StaticDeps, report: bool, query: str) -> panels.Props:
    search = f"?{query}" if query else None
    version = deps.service.data_version()  # the latest: what the health check compares
    deps = panels.pinned_to_request(deps, None, search, None)
    catalog = deps.service.catalog()
    state, ignored = parse_query(search, catalog)
    props: panels.Props = {
        **panels.language_props(state.lang),
        (ids.DATA_VERSION, "data"): version,
    }
    if not state.month:
        return {
            **props,
            (ids.DB_ALERT, "children"): t("no_month", state.lang),
            (ids.DB_ALERT, "hidden"): False,
        }
    if report:
        return {**props, **panels.report_props(deps, state), (ids.URL, "search"): state.to_query()}
    notice = panels.notice_text(ignored, False, state.lang)
    props.update(panels.state_props(deps, catalog, state, notice))
    for panel in panels.STATE_PANELS.values():
        values, _failed = panels.guarded(
            partial(panel.render, deps, state), panel.fallback, state.lang
        )
        props.update(values)
    props.update(panels.methodology_props(deps, state.lang))
    props[(ids.PANEL_KEYS, "data")] = panels.panel_keys(state, deps.service.data_version())
    deferred = {graph: props.pop((graph, "figure")) for graph in DEFERRED_GRAPHS}
    props[(ids.DEFERRED_FIGURES, "data")] = deferred
    return props


def _outage_props() -> panels.Props:
    """The page without figures while the database is unreachable: the alert says so, and
    the health check retries every few seconds until the figures can be drawn."""
    return {
        (ids.DB_ALERT, "children"): t("db_down", "fr"),
        (ids.DB_ALERT, "hidden"): False,
        (ids.RETRY, "disabled"): False,
    }


def walk(node: Any) -> Iterator[Component]:
    """Every component of a layout, depth first."""
    if isinstance(node, Component):
        yield node
        yield from walk(getattr(node, "children", None))
    elif isinstance(node, list | tuple):
        for child in node:
            yield from walk(child)


def apply_props(tree: Component, props: panels.Props) -> None:
    """Set ``props`` on the components of ``tree`` that carry those ids."""
    by_id: dict[str, list[tuple[str, Any]]] = {}
    for (component_id, prop), value in props.items():
        by_id.setdefault(component_id, []).append((prop, value))
    for component in list(walk(tree)):
        for prop, value in by_id.get(getattr(component, "id", None) or "", []):
            setattr(component, prop, value)


# -- static HTML of a layout -------------------------------------------------------------------
_ATTRIBUTES = {"className": "class", "htmlFor": "for", "tabIndex": "tabindex"}
_VOID = {"img", "br", "hr", "input", "meta", "link", "col"}
_SKIPPED_PROPS = {"children", "style", "n_clicks", "n_clicks_timestamp", "disable_n_clicks"}


def _style(style: dict[str, Any]) -> str:
    def css_name(name: str) -> str:
        return "".join(f"-{c.lower()}" if c.isupper() else c for c in name)

    return ";".join(f"{css_name(k)}:{v}" for k, v in style.items())


def _attributes(component: Component) -> str:
    return _attribute_text(component.to_plotly_json()["props"])


def _attribute_text(props: dict[str, Any]) -> str:
    parts = []
    for name, value in props.items():
        if name in _SKIPPED_PROPS or value is None or value is False:
            continue
        if name == "id" and not isinstance(value, str):
            continue  # pattern-matching ids exist only for callbacks
        attribute = _ATTRIBUTES.get(name, name)
        if value is True:
            parts.append(attribute)
        else:
            parts.append(f'{attribute}="{html_escape.escape(str(value))}"')
    style = props.get("style")
    if style:
        parts.append(f'style="{html_escape.escape(_style(style))}"')
    return (" " + " ".join(parts)) if parts else ""


def to_html(node: Any) -> str:
    """Static HTML of a layout, for the first paint: HTML components as they are, the few
    core components the page uses as their nearest static look."""
    if node is None or node is False:
        return ""
    if isinstance(node, list | tuple):
        return "".join(to_html(child) for child in node)
    if isinstance(node, dict) and node.get("namespace") == "dash_html_components":
        return _node_html(node)
    if not isinstance(node, Component):
        return html_escape.escape(str(node))
    if node._namespace == "dash_html_components":
        tag = node._type.lower()
        classes = set((getattr(node, "className", None) or "").split())
        if getattr(node, "hidden", False) or classes & BELOW_THE_FOLD:
            return ""
        inner = "" if tag in _VOID else to_html(getattr(node, "children", None))
        closing = "" if tag in _VOID else f"</{tag}>"
        return f"<{tag}{_attributes(node)}>{inner}{closing}"
    return _core_component_html(node)


def _node_html(node: dict[str, Any]) -> str:
    """An HTML component given as its JSON (``tables.html_node``)."""
    tag = str(node["type"]).lower()
    props = dict(node.get("props") or {})
    return f"<{tag}{_attribute_text(props)}>{to_html(props.get('children'))}</{tag}>"


def _core_component_html(node: Component) -> str:
    kind = node._type
    if kind == "Graph":
        style = _style(getattr(node, "style", None) or {})
        classes = " ".join(filter(None, ["dash-graph", getattr(node, "className", None)]))
        return f'<div class="{classes}" style="{html_escape.escape(style)}"></div>'
    if kind == "Dropdown":
        return _dropdown_html(node)
    if kind in ("RadioItems", "Checklist"):
        return _choices_html(node, "radio" if kind == "RadioItems" else "checkbox")
    if kind == "Input":
        value = getattr(node, "value", None)
        shown = "" if value is None else f' value="{html_escape.escape(str(value))}"'
        return f'<input class="{getattr(node, "className", "") or ""}" type="text"{shown}>'
    return ""  # Store, Location, Interval, Download: nothing to see


def _dropdown_html(node: Component) -> str:
    options = getattr(node, "options", None) or []
    value = getattr(node, "value", None)
    chosen = [value] if not isinstance(value, list) else value
    labels = [str(o["label"]) for o in options if isinstance(o, dict) and o.get("value") in chosen]
    text = ", ".join(labels) or str(getattr(node, "placeholder", "") or "")
    placeholder = "" if labels else " ssr-placeholder"
    return f'<div class="ssr-dropdown{placeholder}"><span>{html_escape.escape(text)}</span></div>'


def _choices_html(node: Component, kind: str) -> str:
    value = getattr(node, "value", None)
    chosen = value if isinstance(value, list) else [value]
    items = []
    for option in getattr(node, "options", None) or []:
        checked = " checked" if option["value"] in chosen else ""
        items.append(
            f'<label class="{getattr(node, "labelClassName", "") or ""}">'
            f'<input type="{kind}" class="{getattr(node, "inputClassName", "") or ""}"'
            f" disabled{checked}>{html_escape.escape(str(option['label']))}</label>"
        )
    return f'<div class="{getattr(node, "className", "") or ""}">{"".join(items)}</div>'


# -- the index page ----------------------------------------------------------------------------
def _inline_json(script_id: str, payload: str) -> str:
    # ``</`` inside a script element would end it; JSON allows the escaped form.
    safe = payload.replace("</", "<\\/")
    return f'<script id="{script_id}" type="application/json">{safe}</script>'


BOOT_SCRIPT = "boot.js"  # in assets/, left out of Dash's own list (``assets_ignore``)
WAITING_TYPE = "text/x-genscan-deferred"  # a script type the browser neither fetches nor runs
SCRIPTS_LOADED_EVENT = "genscan:scripts-loaded"
_SCRIPT_URL = re.compile(r'<script src="([^"]+)"></script>')


def _without_polyfill(scripts: str) -> str:
    """Dash's scripts without its Babel polyfill (core-js 2): the browsers that can run the
    partial plotly.js bundle (ES2018) have every feature it adds, and evaluating it took
    about 100 ms of main thread (400 ms on a phone). Dash's components still need its
    generator runtime: ``assets/vendor/regenerator-runtime-*.js`` provides that alone."""
    return "\n".join(line for line in scripts.splitlines() if "/deps/polyfill@" not in line)


class FirstScreenDash(Dash):
    """Dash whose index page carries its layout, its callbacks and their static HTML.

    Its scripts start downloading at once (``<link rel="preload">``) but run only after the
    static HTML has been painted: they are written with a type the browser does not run, and
    ``assets/boot.js`` runs them, in order, after the first frame, then tells the renderer to
    start. Run straight away, they kept the browser from
    painting anything until all of them had been evaluated.
    """

    genscan_deps: StaticDeps | None = None

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, assets_ignore=re.escape(BOOT_SCRIPT), **kwargs)
        # Before the CSP hashes are taken (``factory``): the policy names this script.
        self.renderer = (
            f"document.addEventListener('{SCRIPTS_LOADED_EVENT}', () => {{ {self.renderer} }});"
        )
        boot = Path(self.config.assets_folder) / BOOT_SCRIPT
        self._boot_version = hashlib.sha256(boot.read_bytes()).hexdigest()[:12]

    # Keywords only, as Dash calls it and as its documentation overrides it, so that whatever
    # Dash passes is forwarded; its untyped signature lists them one by one.
    def interpolate_index(self, **kwargs: Any) -> str:  # type: ignore[override]
        """The page for the request's address, cached for the data version: after a press
        release most visitors open the same few addresses, and each costs one lookup."""
        deps = self.genscan_deps
        if deps is None or not has_request_context():
            return super().interpolate_index(**kwargs)
        path, query = page_address()
        try:
            deps.service.data_version()
        except panels.DATABASE_ERRORS:
            return self._page(kwargs)  # the outage page is not kept: it must go when it ends
        # Kept compressed (a sixth of the size): many addresses fit in a worker's cache.
        packed = deps.service.memo(
            f"page:{path}?{query}", lambda: zlib.compress(self._page(kwargs).encode(), 1)
        )
        return zlib.decompress(packed).decode()

    def _page(self, kwargs: dict[str, Any]) -> str:
        layout = self.get_layout()
        lang = normalise_lang(_layout_lang(layout))
        entry = f'<div id="react-entry-point">{to_html(layout)}</div>'
        inline = _inline_json(LAYOUT_SCRIPT_ID, to_json(layout)) + _inline_json(
            DEPENDENCIES_SCRIPT_ID, json.dumps(self._callback_list)
        )
        dash_scripts = _without_polyfill(kwargs["scripts"])
        urls = _SCRIPT_URL.findall(dash_scripts)
        preloads = "".join(f'<link rel="preload" as="script" href="{u}">' for u in urls)
        boot = self.get_asset_url(BOOT_SCRIPT) + f"?v={self._boot_version}"
        waiting = dash_scripts.replace("<script src=", f'<script type="{WAITING_TYPE}" src=')
        scripts = waiting + f'<script defer src="{boot}"></script>'
        page = super().interpolate_index(
            **{
                **kwargs,
                "title": t("page_title", lang),
                "css": kwargs["css"] + preloads,
                "app_entry": entry + inline,
                "scripts": scripts,
            }
        )
        page = page.replace("<html>", f'<html lang="{lang}">', 1)
        # The report: print styles on. Props are instance attributes, which ``Component``'s
        # types do not declare.
        if getattr(_component(layout, ids.DASHBOARD_PAGE), "hidden", False):
            page = page.replace("<body>", '<body class="printing-report">', 1)
        return page.replace("</head>", _canonical_link(layout) + "</head>", 1)


def _component(layout: Component, component_id: str) -> Component | None:
    return next((c for c in walk(layout) if getattr(c, "id", None) == component_id), None)


def _layout_lang(layout: Component) -> Any:
    return getattr(_component(layout, ids.LANG_STORE), "data", None)


def _canonical_link(layout: Component) -> str:
    """The address of the view shown, completed with its defaults and without what was
    ignored: ``assets/first-screen.js`` puts it in the address bar, so it can be shared."""
    location = _component(layout, ids.URL)
    search = getattr(location, "search", None)
    if search is None:  # no view could be read (database down): the address stays as it is
        return ""
    path = getattr(location, "pathname", None) or "/"
    return f'<link rel="canonical" href="{html_escape.escape(path + search)}">'

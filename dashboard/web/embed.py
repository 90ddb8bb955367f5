"""The embeddable map: ``/embed?…`` (the page's query keys) for other sites to frame.

A lean page drawn by the server, not the Dash app: no callback, no React, no control. It
carries the page's own map figure for the view (``views.render_map``, so a number in a frame is
the number on the page) as inline JSON, which ``assets/embed/embed.js`` hands to the vendored
plotly.js bundle, with the indicator and month in a caption, the sources and a link to the full
view. Dash leaves ``assets/embed/`` out of the page's resources (``factory``): the page never
loads what only this one needs.

Other origins may frame this page only: ``factory`` gives it ``frame-ancestors`` from
``Settings.embed_origins`` (``frame_ancestors``) and no ``X-Frame-Options``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dash import Dash
from dash._utils import to_json
from flask import Response, request

from dashboard.core.i18n import fmt_day, month_label, normalise_lang, t
from dashboard.core.service import Service
from dashboard.core.state import ViewState, parse_query, requested_vintage
from dashboard.page import panels, views
from dashboard.shaping import transforms
from data_access.queries import InvalidParameter
from data_access.tension import InvalidReferenceError

if TYPE_CHECKING:
    from dashboard.page.layout import StaticDeps

ROUTE = "embed"
ASSETS_SUBDIR = "embed"  # assets/embed/: loaded by this page only
PLOTLY_GLOB = "vendor/plotly-*.js"
FIGURE_SCRIPT_ID = "embed-figure"
RETRY_SECONDS = 30  # an outage answer reloads itself after this long
ANY_ORIGIN = "*"
CHANGE_TITLES = {
    "job_offers": "change_offers_title",
    "trainings": "change_trainings_title",
    "tension": "change_index_title",
}


def frame_ancestors(origins: str) -> str:
    """The ``frame-ancestors`` sources for ``Settings.embed_origins`` (already validated):
    ``*``, or the site itself and the origins named."""
    listed = origins.split()
    return ANY_ORIGIN if ANY_ORIGIN in listed else " ".join(["'self'", *listed])


def asset_url(app: Dash, relative: str) -> str:
    """An asset's URL as Dash writes it for the page (``?m=<mtime>``): the plotly bundle the
    page has loaded is already in the browser's cache, and the URL is cached for a year."""
    mtime = (Path(app.config.assets_folder) / relative).stat().st_mtime
    return f"{app.get_asset_url(relative)}?m={mtime}"


def plotly_bundle(assets_folder: str) -> str:
    """The vendored partial plotly.js bundle, relative to the assets folder."""
    found = sorted(Path(assets_folder).glob(PLOTLY_GLOB))
    if not found:
        raise FileNotFoundError(f"no plotly.js bundle matches {PLOTLY_GLOB} in {assets_folder}")
    return found[-1].relative_to(assets_folder).as_posix()


# Plotly places its legend at a share of the plot's height: in a short frame it lands on the
# colour bar. The frame writes the legend in HTML under the map instead, where it wraps.
FRAME_LAYOUT = {"showlegend": False, "margin": {"l": 0, "r": 0, "t": 16, "b": 56}}
RING = "circle-open"  # the legend's mark for fragile values (``figures.build_map_figure``)


@dataclass(frozen=True)
class LegendEntry:
    name: str
    color: str
    ring: bool  # an open circle (fragile values); else a filled square


@dataclass(frozen=True)
class DrawnMap:
    json: str  # the figure and its config, as ``assets/embed/embed.js`` reads them
    legend: tuple[LegendEntry, ...]


@dataclass(frozen=True)
class EmbedPage:
    """What every answer of ``/embed`` needs, fixed when the app is created."""

    deps: StaticDeps
    page_path: str  # the full page, where the link goes
    stylesheet: str
    scripts: tuple[str, ...]
    map_config: dict[str, Any]


def embed_page(app: Dash, deps: StaticDeps) -> EmbedPage:
    """Asset URLs and the map's config: the page's, without its mode bar (no controls)."""
    folder = app.config.assets_folder
    return EmbedPage(
        deps=deps,
        page_path=app.config.requests_pathname_prefix,
        stylesheet=asset_url(app, f"{ASSETS_SUBDIR}/embed.css"),
        scripts=(
            asset_url(app, plotly_bundle(folder)),
            asset_url(app, f"{ASSETS_SUBDIR}/embed.js"),
        ),
        map_config={**deps.map_config, "displayModeBar": False, "doubleClick": False},
    )


def register_embed(app: Dash, deps: StaticDeps) -> str:
    """Serve ``/embed`` under the app's URL prefix; returns its path (for the headers)."""
    page = embed_page(app, deps)
    path = app.config.routes_pathname_prefix + ROUTE

    @app.server.get(path)
    def embed() -> Response:
        body, status = render(page, request.query_string.decode("latin-1"))
        response = Response(body, status=status, mimetype="text/html")
        if status == 503:
            response.headers["Retry-After"] = str(RETRY_SECONDS)
            response.headers["Cache-Control"] = "no-store"
        return response

    return path


def render(page: EmbedPage, query: str) -> tuple[str, int]:
    """The HTML and status of ``/embed?query``: the nearest valid view, as the page opens it;
    503 with a message (and a reload) while the database cannot be reached."""
    search = f"?{query}"
    try:
        # A past vintage's figures when the address names one, as the page shows them.
        service = page.deps.service.showing(requested_vintage(None, search, None))
        state, ignored = parse_query(search, service.catalog())
        if not state.month:
            return _message_page(page, state.lang, t("no_month", state.lang)), 503
        return _view_page(page, service, state, ignored), 200
    except panels.DATABASE_ERRORS:
        lang = normalise_lang(request.args.get("lang"))
        return _message_page(page, lang, t("embed_db_down", lang, seconds=RETRY_SECONDS)), 503


def _view_page(page: EmbedPage, service: Service, state: ViewState, ignored: list[str]) -> str:
    lang = state.lang
    try:
        drawn: DrawnMap | None = _drawn_map(page, service, state)
    except (InvalidParameter, InvalidReferenceError):
        drawn = None
    indicator = _indicator(state)
    where = " · ".join(_view_parts(service, state))
    if drawn is None:
        graph = f'<p class="embed-message">{_text(t("no_figures", lang))}</p>'
    else:
        label = _text(t("embed_map_label", lang, indicator=indicator, view=where))
        graph = f'<div id="embed-map" class="embed-graph" role="img" aria-label="{label}"></div>'
        graph += _legend(drawn.legend)
    body = (
        '<main class="embed"><figure class="embed-figure">'
        f"{_caption(service, state, indicator, where, ignored)}{graph}</figure>"
        f"{_footer(page, state.to_query(), lang)}</main>"
    )
    if drawn is not None:
        body += _inline_json(FIGURE_SCRIPT_ID, drawn.json)
    title = t("embed_title", lang, indicator=indicator, month=month_label(state.month, lang))
    scripts = "".join(f'<script defer src="{_text(src)}"></script>' for src in page.scripts)
    return _document(page, lang, title, body, scripts)


def _caption(
    service: Service, state: ViewState, indicator: str, where: str, ignored: list[str]
) -> str:
    lang = state.lang
    notes = [f'<p class="embed-view">{_text(where)}</p>']
    if service.status().is_demo:
        notes.append(f'<p class="embed-demo">{_text(t("demo_badge", lang))}</p>')
    if state.vintage is not None:  # a cited figure says which publication it comes from
        notes.append(_vintage_note(service, state))
    notice = panels.notice_text(ignored, False, lang)
    if notice:  # said, so that whoever wrote the frame's address sees the typo
        notes.append(f'<p class="embed-notice" role="status">{_text(notice)}</p>')
    return (
        f'<figcaption class="embed-caption"><h1 class="embed-indicator">{_text(indicator)}</h1>'
        f"{''.join(notes)}</figcaption>"
    )


def _vintage_note(service: Service, state: ViewState) -> str:
    vintage = next(v for v in service.vintages() if str(v.id) == state.vintage)
    lang = state.lang
    shown = t("vintage_shown", lang, date=fmt_day(vintage.created_at, lang), id=vintage.id)
    return f'<p class="embed-vintage">{_text(shown)}</p>'


def _legend(entries: tuple[LegendEntry, ...]) -> str:
    items = []
    for entry in entries:
        shape = "embed-ring" if entry.ring else "embed-square"
        colour = "border-color" if entry.ring else "background"
        items.append(
            f'<li><span class="embed-swatch {shape}" style="{colour}:{_text(entry.color)}">'
            f"</span>{_text(entry.name)}</li>"
        )
    return f'<ul class="embed-legend">{"".join(items)}</ul>'


def _indicator(state: ViewState) -> str:
    """What the map shows, in the words of its colour bar."""
    lang = state.lang
    if not state.change:
        return t(f"metric_{state.metric}", lang)
    title = t(CHANGE_TITLES[state.metric], lang)
    return f"{title} {t('change_period', lang, months=state.change)}"


def _view_parts(service: Service, state: ViewState) -> list[str]:
    """Month, territory and job filter of the view, as the caption names them."""
    catalog = service.catalog()
    lang = state.lang
    parts = [
        month_label(state.month, lang),
        transforms.territory_name(state, catalog, t("national", lang)),
    ]
    scope = transforms.scope_label(state, catalog)
    return [*parts, scope] if scope else parts


def _drawn_map(page: EmbedPage, service: Service, state: ViewState) -> DrawnMap:
    """The page's map figure for ``state``, kept for the data version: a frame on a popular
    site is asked for the same few views again and again."""

    def draw() -> DrawnMap:
        figure, _signature = views.render_map(service, page.deps.geometry, state, None)
        legend = tuple(
            LegendEntry(trace["name"], trace["marker"]["color"], trace["marker"]["symbol"] == RING)
            for trace in figure["data"]
            if trace.get("showlegend")
        )
        figure["layout"] = {**figure["layout"], **FRAME_LAYOUT}
        return DrawnMap(to_json({"figure": figure, "config": page.map_config}), legend)

    return service.memo(f"embed-map:{state.to_query()}", draw)


def _footer(page: EmbedPage, query: str, lang: str) -> str:
    href = _text(page.page_path + query)
    return (
        '<footer class="embed-footer">'
        f'<p class="embed-sources">{_text(t("embed_sources", lang))}</p>'
        f'<a class="embed-link" href="{href}" target="_blank" rel="noopener">'
        f"{_text(t('embed_full_map', lang))}"
        f'<span class="visually-hidden"> {_text(t("new_tab", lang))}</span></a>'
        "</footer>"
    )


def _message_page(page: EmbedPage, lang: str, message: str) -> str:
    """A frame that says why it has no map, and reloads itself to try again (without
    loading plotly.js for nothing)."""
    query = "?lang=en" if lang == "en" else ""
    body = (
        f'<main class="embed embed-down"><p class="embed-alert" role="alert">{_text(message)}</p>'
        f"{_footer(page, query, lang)}</main>"
    )
    refresh = f'<meta http-equiv="refresh" content="{RETRY_SECONDS}">'
    return _document(page, lang, t("app_name", lang), body, refresh)


def _document(page: EmbedPage, lang: str, title: str, body: str, head: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_text(title)}</title><link rel="stylesheet" href="{_text(page.stylesheet)}">'
        f"{head}</head><body>{body}</body></html>"
    )


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _inline_json(script_id: str, payload: str) -> str:
    # ``</`` inside a script element would end it; JSON allows the escaped form.
    safe = payload.replace("</", "<\\/")
    return f'<script id="{script_id}" type="application/json">{safe}</script>'

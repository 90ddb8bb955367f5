"""Helpers of the browser tests: waiting for the page to settle, reading what it shows.

Everything waits on a condition (Dash has no callback in flight, the map is drawn, the URL says
something) rather than on a fixed delay. Values are read from the page the way a person would
see them (texts, URL) or from the props Dash rendered (``dash_component_api.getLayout``) and the
figure Plotly drew (the ``.js-plotly-plot`` element's ``_fullData`` and ``_fullLayout``).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dashboard.shaping.figures import is_faded
from geodata import load_departements_geojson

if TYPE_CHECKING:  # playwright is imported lazily so that a missing install can skip or fail
    from playwright.sync_api import Locator, Page

NNBSP = "\u202f"
TIMEOUT_MS = 20_000
MIN_MAP_PATHS = 101  # 101 départements; the Paris-zoom copies add 4 more paths

# True when Dash has finished: app hydrated, no callback queued or running, nothing loading.
_SETTLED_JS = """() => {
  if (!window.store) return false;
  const s = window.store.getState();
  if (s.appLifecycle !== 'HYDRATED' || s.isLoading) return false;
  const c = s.callbacks || {};
  for (const k of ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed',
                   'stored']) {
    if ((c[k] || []).length) return false;
  }
  return !document.querySelector('._dash-loading, [data-dash-is-loading="true"]');
}"""

_MAP_DRAWN_JS = f"""() => document.querySelectorAll('#map .choroplethlocation').length
  >= {MIN_MAP_PATHS}"""


def wait_settled(page: Page, *, map_drawn: bool = True, timeout: float = TIMEOUT_MS) -> None:
    """Wait until no Dash callback is pending (twice, a tick apart) and, by default, the map is
    drawn. Checking twice catches a chain whose next callback was not queued yet."""
    if map_drawn:
        page.wait_for_function(_MAP_DRAWN_JS, timeout=timeout)
    for _ in range(2):
        page.wait_for_function(_SETTLED_JS, timeout=timeout, polling=50)
        page.wait_for_timeout(120)
    page.wait_for_function(_SETTLED_JS, timeout=timeout, polling=50)


def open_page(page: Page, path: str = "/", *, map_drawn: bool = True) -> None:
    """Navigate (relative to the live server) and wait until the page has settled."""
    page.goto(path)
    wait_settled(page, map_drawn=map_drawn)


# -- URL -----------------------------------------------------------------------------------
def current_query(page: Page) -> dict[str, str]:
    """The page's query string as a dict (first value of each key).

    Read through ``location.search`` in the page: ``page.url`` may lag behind a
    ``history.pushState`` until Playwright processes the event.
    """
    search = page.evaluate("location.search")
    return {k: v[0] for k, v in urllib.parse.parse_qs(search.lstrip("?")).items()}


def wait_for_query(page: Page, timeout: float = TIMEOUT_MS, **expected: str | None) -> None:
    """Wait until every key of ``expected`` has that value in the URL (``None``: absent),
    then until the page has settled."""
    page.wait_for_function(
        """(expected) => {
          const q = new URLSearchParams(location.search);
          return Object.entries(expected).every(([k, v]) => q.get(k) === v);
        }""",
        arg=expected,
        timeout=timeout,
    )
    wait_settled(page, timeout=timeout)


# -- dropdowns (Dash 4: a button opening a popover with a search box and a virtual list) -------
def component_props(page: Page, component_id: str) -> dict[str, Any]:
    """The props Dash rendered for a component (what the browser holds, not the server)."""
    return page.evaluate("(id) => window.dash_component_api.getLayout(id).props", component_id)


def dropdown_values(page: Page, component_id: str) -> list[str]:
    return [o["value"] for o in component_props(page, component_id)["options"]]


def dropdown_value(page: Page, component_id: str) -> Any:
    return component_props(page, component_id)["value"]


def dropdown_text(page: Page, component_id: str) -> str:
    """The text the closed dropdown shows (its value's label, or its placeholder)."""
    return page.locator(f"#{component_id}-value").inner_text().strip()


def _click_option(page: Page, component_id: str, value: str) -> Locator:
    """Open a dropdown, type the option's label in its search box (the list only renders the
    visible options) and click the option; returns the open list."""
    options = component_props(page, component_id)["options"]
    label = next(o["label"] for o in options if o["value"] == value)
    page.locator(f"#{component_id}").click()
    popup = page.locator(".dash-dropdown-content")
    popup.wait_for(state="visible")
    popup.locator(".dash-dropdown-search").fill(label)
    popup.locator(f"[role=option]:has(input[value={json.dumps(value)}])").click()
    return popup


def choose(page: Page, component_id: str, value: str) -> None:
    """Pick ``value`` in a dropdown the way a user does."""
    _click_option(page, component_id, value).wait_for(state="detached")


def clear_dropdown(page: Page, component_id: str) -> None:
    """Click the dropdown's clear cross."""
    page.locator(f"#{component_id} .dash-dropdown-clear").click()


# -- map and charts --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def feature_codes() -> dict[str, str]:
    """Map feature id → département code, from the committed geometry (the Paris-zoom copies
    such as ``75-zoom`` belong to their département)."""
    return {
        f["properties"]["feature_id"]: f["properties"]["code"]
        for f in load_departements_geojson()["features"]
    }


@dataclass(frozen=True)
class MapPoint:
    """One drawn choropleth feature and what the figure holds for it."""

    feature_id: str
    code: str
    z: float
    customdata: list[Any]
    text: str | None
    hovertext: str | None
    faded: bool


_MAP_POINTS_JS = """() => {
  const gd = document.querySelector('#map .js-plotly-plot');
  const points = [];
  const at = (value, i) => (Array.isArray(value) || ArrayBuffer.isView(value) ? value[i] : value);
  gd._fullData.forEach((trace) => {
    if (trace.type !== 'choropleth') return;
    const z = Array.from(trace.z);
    trace.locations.forEach((loc, i) => {
      const custom = at(trace.customdata, i);
      points.push({
        feature_id: String(loc),
        z: z[i],
        customdata: custom === undefined || custom === null ? [] : Array.from(custom),
        text: at(trace.text, i) ?? null,
        hovertext: at(trace.hovertext, i) ?? null,
      });
    });
  });
  return points;
}"""


def map_points(page: Page) -> list[MapPoint]:
    """Every choropleth feature of the map figure, read from the Plotly graph in the DOM."""
    codes = feature_codes()
    return [
        MapPoint(code=codes[p["feature_id"]], faded=is_faded(p["z"]), **p)
        for p in page.evaluate(_MAP_POINTS_JS)
    ]


def hover_department(page: Page, feature_id: str) -> str:
    """Move the mouse over a département and return the hover label's text."""
    page.mouse.move(0, 0)
    page.locator("#map").scroll_into_view_if_needed()
    x, y = _path_centre(page, feature_id)
    page.mouse.move(x, y)
    label = page.locator("#map .hoverlayer .hovertext").first
    label.wait_for(state="visible")
    return " ".join(label.locator("text").all_text_contents())


def _path_centre(page: Page, feature_id: str) -> tuple[float, float]:
    x, y = page.evaluate(
        """(id) => {
          const path = Array.from(document.querySelectorAll('#map .choroplethlocation'))
            .find(p => p.__data__ && String(p.__data__.loc) === id);
          const r = path.getBoundingClientRect();
          return [r.x + r.width / 2, r.y + r.height / 2];
        }""",
        feature_id,
    )
    return x, y


def map_geo_ranges(page: Page) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges of the map's geo subplot, as Plotly applied them."""
    lon, lat = page.evaluate(
        """() => {
          const geo = document.querySelector('#map .js-plotly-plot')._fullLayout.geo;
          return [geo.lonaxis.range, geo.lataxis.range];
        }"""
    )
    return lon, lat


def click_department(page: Page, feature_id: str) -> None:
    """Click a département on the map at the centre of its drawn path's bounding box."""
    page.locator("#map").scroll_into_view_if_needed()
    x, y = _path_centre(page, feature_id)
    page.mouse.click(x, y)


def graph_traces(page: Page, component_id: str) -> list[dict[str, Any]]:
    """Name, x and y of every trace of a ``dcc.Graph`` as Plotly holds them.

    A chart below the fold is drawn when it comes into view: it is scrolled to first."""
    page.locator(f"#{component_id}").scroll_into_view_if_needed()
    page.wait_for_function(
        """(id) => { const gd = document.querySelector(`#${id} .js-plotly-plot`);
                     return gd && gd._fullData && gd._fullData.length > 0; }""",
        arg=component_id,
    )
    return page.evaluate(
        """(id) => document.querySelector(`#${id} .js-plotly-plot`)._fullData.map(t => ({
          name: t.name, x: t.x ? Array.from(t.x) : [], y: t.y ? Array.from(t.y) : [],
        }))""",
        component_id,
    )


def key_figures(page: Page) -> dict[str, str]:
    """The key figure cards: measure → displayed value."""
    cards = page.locator("#key-figures .kf-value")
    return {
        cards.nth(i).get_attribute("data-measure"): cards.nth(i).inner_text().strip()
        for i in range(cards.count())
    }


# -- API -------------------------------------------------------------------------------------
class Api:
    """Reads the app's open-data API directly (no proxy), to compare the page against it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def url(self, path: str, **params: str | None) -> str:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.base_url}/api/v1{path}" + (f"?{query}" if query else "")

    def text(self, path: str, **params: str | None) -> str:
        with self._opener.open(self.url(path, **params), timeout=30) as response:
            return response.read().decode("utf-8")

    def json(self, path: str, **params: str | None) -> Any:
        return json.loads(self.text(path, **params))


# -- number formats --------------------------------------------------------------------------
def fr_int(value: int) -> str:
    """French whole number: narrow no-break space between thousands."""
    return f"{value:,}".replace(",", NNBSP)


def round_like_intl(value: float, digits: int) -> Decimal:
    """``value`` rounded as the page rounds it (``Intl``'s rule, which the server follows): its
    shortest decimal form, half away from zero, and never a negative zero."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def fr_decimal(value: float, digits: int = 2) -> str:
    text = f"{round_like_intl(value, digits):,.{digits}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def as_int(value: Any) -> int | None:
    """A whole number from a figure cell: a number, or a text formatted in either language."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else None
    text = str(value).replace(",", "").replace(NNBSP, "").replace(" ", "").replace("\xa0", "")
    return int(text) if text.isdigit() else None


# -- decision tools: multi-select dropdowns, grids, figures, texts ----------------------------
def add_to_multi_dropdown(page: Page, component_id: str, value: str) -> None:
    """Tick ``value`` in a multi-select dropdown, then close the list (a multi-select stays
    open after a click)."""
    popup = _click_option(page, component_id, value)
    page.wait_for_function(
        "([id, v]) => (window.dash_component_api.getLayout(id).props.value || []).includes(v)",
        arg=[component_id, value],
    )
    page.keyboard.press("Escape")
    popup.wait_for(state="detached")


def grid_rows(page: Page, table_id: str) -> list[dict[str, str]]:
    """The rows a data table displays, top to bottom: column key → the cell's text."""
    return page.evaluate(
        """(id) => Array.from(document.querySelectorAll(`#${id} tbody tr`))
            .map(row => Object.fromEntries(Array.from(row.querySelectorAll('[data-col]'))
              .map(cell => [cell.getAttribute('data-col'), cell.innerText.trim()])))""",
        table_id,
    )


def grid_headers(page: Page, table_id: str) -> list[str]:
    """The header texts of a data table, left to right (without the sort arrow)."""
    return page.evaluate(
        """(id) => Array.from(document.querySelectorAll(`#${id} thead th button`))
            .map(b => b.firstChild.textContent.trim())""",
        table_id,
    )


def plotly_figure(page: Page, component_id: str) -> dict[str, Any]:
    """``data`` (what the app sent) and ``layout`` of a drawn ``dcc.Graph``, as JSON values."""
    return page.evaluate(
        """(id) => {
          const gd = document.querySelector(`#${id} .js-plotly-plot`);
          const plain = (v) => JSON.parse(JSON.stringify(v, (k, x) =>
            ArrayBuffer.isView(x) ? Array.from(x) : x));
          return {data: plain(gd.data), layout: plain(gd.layout),
                  annotations: plain((gd._fullLayout.annotations || []).map(a => a.text))};
        }""",
        component_id,
    )


def plain_text(text: str) -> str:
    """Text with every kind of space (narrow no-break, no-break, line breaks) made one plain
    space, and typographic ligatures (as PDF text extraction returns them) spelled out."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_number(text: str, lang: str = "fr") -> float:
    """A number as the page prints it in ``lang``: ``1 234,5`` / ``1,234.5``, ``-0,10``,
    ``+6,3 %``."""
    cleaned = text.strip().replace("\u2212", "-").replace("%", "").replace("+", "")
    cleaned = cleaned.replace(NNBSP, "").replace("\xa0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".") if lang != "en" else cleaned.replace(",", "")
    return float(cleaned)

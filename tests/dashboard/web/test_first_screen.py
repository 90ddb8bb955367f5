"""The page's HTML carries the view its address describes, drawn by the same panels as the
callbacks, so the first screen needs no callback."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from dash._utils import to_json
from flask.testing import FlaskClient

from dashboard import create_app
from dashboard.core import ids
from dashboard.core.state import ViewState
from dashboard.page import panels
from dashboard.web import first_screen
from data_access.cli import main as data_cli
from data_access.queries import Catalog
from data_access.settings import Settings


@pytest.fixture
def client(sqlite_url: str) -> FlaskClient:
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    return app.server.test_client()


def _inline(html: str, script_id: str) -> Any:
    found = re.search(
        rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, script_id
    return json.loads(found.group(1).replace("<\\/", "</"))


def _props(layout: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component of a layout's JSON by id: its props."""
    found: dict[str, dict[str, Any]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict) and "props" in node:
            if isinstance(node["props"].get("id"), str):
                found[node["props"]["id"]] = node["props"]
            visit(node["props"].get("children"))
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(layout)
    return found


def test_page_carries_the_view_of_its_address(client: FlaskClient, catalog: Catalog) -> None:
    month = catalog.months[-1]
    html = client.get(f"/?month={month}&region=53&family=DATA&lang=en").get_data(as_text=True)
    props = _props(_inline(html, first_screen.LAYOUT_SCRIPT_ID))
    assert (
        props[ids.STATE]["data"]
        == ViewState(month, region="53", family="DATA", lang="en").to_store()
    )
    assert props[ids.REGION]["value"] == "53"
    assert props[ids.FAMILY]["value"] == "DATA"
    assert props[ids.LANG_STORE]["data"] == "en"
    assert props[ids.MAP]["figure"]["data"][0]["type"] == "choropleth"
    assert props[ids.MAP]["figure"]["data"][0]["geojson"].startswith("/geodata/departements.")
    assert props[ids.KEY_FIGURES]["children"], "key figures are drawn"
    # The trend is below the fold: its figure waits to be drawn when it comes into view.
    assert props[ids.DEFERRED_FIGURES]["data"][ids.TREND]["data"]
    assert props[ids.TOP_JOBS]["children"]["type"] == "Table"
    assert '<html lang="en">' in html
    assert f'<link rel="canonical" href="/?month={month}&amp;metric=tension' in html


def test_static_html_shows_key_figures_and_controls_before_any_script(
    client: FlaskClient, catalog: Catalog
) -> None:
    html = client.get("/?region=53").get_data(as_text=True)
    entry = html.split('<div id="react-entry-point">', 1)[1].split("<script", 1)[0]
    assert 'class="kf-value"' in entry
    assert 'class="card area-map"' in entry
    assert "area-top" not in entry  # below the fold: drawn by the app, not before it
    assert "Bretagne" in entry  # the region dropdown's stand-in shows the choice
    assert "Loading..." not in entry


def test_inline_callbacks_are_the_apps_callbacks(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    inline = _inline(html, first_screen.DEPENDENCIES_SCRIPT_ID)
    served = client.get("/_dash-dependencies").get_json()
    assert inline == served


def test_first_screen_equals_what_the_callbacks_return(sqlite_url: str, catalog: Catalog) -> None:
    """One panel function serves both: the layout's props are those the callbacks send."""
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    deps = app.genscan_deps
    state = ViewState(catalog.months[-2], "job_offers", region="84", family="INFRA")
    with app.server.test_request_context("/" + state.to_query()):
        layout = first_screen.initial_layout(deps, "/", state.to_query().lstrip("?"))
        expected = {**panels.summary_props(deps, state), **panels.trend_props(deps, state)}
    shown = {c.id: c for c in first_screen.walk(layout) if isinstance(getattr(c, "id", None), str)}
    deferred = shown[ids.DEFERRED_FIGURES].data
    for (component, prop), value in expected.items():
        if component in first_screen.DEFERRED_GRAPHS:
            assert to_json(deferred[component]) == to_json(value), component
        else:
            assert to_json(getattr(shown[component], prop)) == to_json(value), (component, prop)


def test_ignored_parameters_are_dropped_from_the_address_and_named(client: FlaskClient) -> None:
    html = client.get("/?metric=volume&foo=bar").get_data(as_text=True)
    assert '<link rel="canonical" href="/?month=' in html
    assert "foo" not in html.split('rel="canonical"')[1].split(">")[0]
    props = _props(_inline(html, first_screen.LAYOUT_SCRIPT_ID))
    assert props[ids.NOTICE]["hidden"] is False
    assert "foo" in props[ids.NOTICE]["children"]


def test_dash_layout_route_follows_the_page_that_asks(client: FlaskClient) -> None:
    """Without the inline layout (a script blocked, say) Dash asks ``/_dash-layout``: the
    answer is the view of the page it was asked from."""
    layout = client.get("/_dash-layout", headers={"Referer": "http://localhost/?region=94"})
    assert _props(layout.get_json())[ids.REGION]["value"] == "94"


def test_to_html_writes_components_as_static_markup() -> None:
    from dash import dcc, html

    tree = html.Div(
        [
            html.Label("Mois", htmlFor="m", className="lbl"),
            dcc.Dropdown(
                id="m", options=[{"label": "mai 2024", "value": "2024-05"}], value="2024-05"
            ),
            html.P("<b>", hidden=True),
            html.Span("a & b", style={"fontSize": "12px"}),
            dcc.Store(id="s", data={"x": 1}),
        ],
        id="root",
    )
    out = first_screen.to_html(tree)
    assert out.startswith('<div id="root">')
    assert '<label class="lbl" for="m">Mois</label>' in out
    assert "mai 2024" in out
    assert "<b>" not in out  # hidden elements are left out, text is escaped
    assert '<span style="font-size:12px">a &amp; b</span>' in out


def test_a_page_is_kept_until_the_next_import(sqlite_url: str, catalog: Catalog, tmp_path) -> None:
    """The page of an address is computed once per data version: an import replaces it."""
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    client = app.server.test_client()
    month = catalog.months[-1]
    address = f"/?month={month}&metric=job_offers&department=29"
    first = client.get(address).get_data(as_text=True)
    assert client.get(address).get_data(as_text=True) == first
    poste = catalog.job_map["poste_code"].iloc[0]
    correction = tmp_path / "correction.csv"
    correction.write_text(f"month,department,poste,job_offers\n{month},29,{poste},987654\n")
    settings = Settings(database_url=sqlite_url)
    assert data_cli(["import", str(correction)], settings=settings, out=io.StringIO()) == 0
    after = client.get(address).get_data(as_text=True)
    assert after != first
    kf = _props(_inline(after, first_screen.LAYOUT_SCRIPT_ID))[ids.KEY_FIGURES]["children"]
    assert "987" in json.dumps(kf)

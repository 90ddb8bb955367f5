"""What each part of the page shows, read through the same service as the API."""

from __future__ import annotations

import csv
import io
import json

import plotly.graph_objects as go
import pytest
from flask.testing import FlaskClient

from dashboard import create_app, views
from dashboard.layout import load_static
from dashboard.service import Service
from dashboard.state import ViewState
from data_access.queries import Catalog
from data_access.settings import Settings
from geodata import GEOJSON_PATH


@pytest.fixture
def geometry(service: Service):
    return load_static(service, "", "/assets/topojson/").geometry


def test_map_table_rows_equal_the_api_rows(service: Service, catalog: Catalog, geometry) -> None:
    state = ViewState(catalog.months[2], "job_offers", family="DEV")
    figure, _ = views.render_map(service, geometry, state)
    rows, columns = views.render_map_table(service, state)
    query = service.validate_indicators(state.month, "department", None, "DEV", None, None)
    api = {r.code: r for r in service.indicators(query).itertuples()}
    assert len(rows) == 101
    for row in rows:
        assert row["job_offers"] == api[row["code"]].job_offers
        assert row["trainings"] == api[row["code"]].trainings
    assert {c["field"] for c in columns} >= {"code", "job_offers", "tension_index", "status"}
    assert go.Figure(figure).layout.geo.visible is False


def test_region_table_lists_only_its_departements(service: Service, catalog: Catalog, geometry):
    state = ViewState(catalog.months[0], region="94")
    rows, _ = views.render_map_table(service, state)
    assert [r["code"] for r in rows] == ["2A", "2B"]


def test_month_change_sends_only_new_values(service: Service, catalog: Catalog, geometry):
    first = ViewState(catalog.months[0], "tension", family="DEV")
    figure, signature = views.render_map(service, geometry, first)
    assert signature["structure"] == "fr:tension"
    later = ViewState(catalog.months[1], "tension", family="DEV")
    patch, _ = views.render_map(service, geometry, later, signature)
    operations = patch.to_plotly_json()["operations"]
    paths = {tuple(op["location"]) for op in operations}
    assert ("data", 0, "z") in paths
    assert not any("opacity" in path or path[0] == "layout" for path in paths)
    size = len(json.dumps(patch.to_plotly_json()))
    assert size < 5000
    # A full figure carrying its geometry inline, as a naive map callback would send it.
    naive = len(json.dumps(figure, default=str)) + GEOJSON_PATH.stat().st_size
    assert size < 0.02 * naive


def test_region_change_also_sends_fading_and_zoom(service: Service, catalog, geometry):
    state = ViewState(catalog.months[0], "job_offers")
    _, signature = views.render_map(service, geometry, state)
    patch, _ = views.render_map(
        service, geometry, ViewState(state.month, "job_offers", "53"), signature
    )
    paths = {tuple(op["location"]) for op in patch.to_plotly_json()["operations"]}
    assert ("data", 0, "z") in paths
    assert ("layout", "geo", "lonaxis", "range") in paths


def test_language_change_redraws_the_whole_map(service: Service, catalog, geometry):
    state = ViewState(catalog.months[0])
    _, signature = views.render_map(service, geometry, state)
    figure, _ = views.render_map(service, geometry, ViewState(state.month, lang="en"), signature)
    assert go.Figure(figure).data[0].hovertemplate.startswith("<b>%{hovertext}</b><br>Offers:")


def test_key_figures_show_french_numbers_and_changes(service: Service, catalog: Catalog) -> None:
    state = ViewState(catalog.months[1], department="35")
    cards = views.render_key_figures(service, state)
    texts = [str(card.children[1].children) for card in cards]
    series = views.territory_series(service, state).set_index("month")
    offers = int(series.loc[state.month, "job_offers"])
    assert texts[0] == f"{offers:,}".replace(",", "\u202f")
    assert "," in texts[2] or texts[2].startswith("Aucune")


def test_top_jobs_follow_region_and_family(service: Service, catalog: Catalog) -> None:
    state = ViewState(catalog.months[-1], region="53", family="DATA")
    rows, columns, caption = views.render_top_jobs(service, state)
    assert 0 < len(rows) <= 22
    assert {r["family"] for r in rows} == {"Data, intelligence artificielle, IoT"}
    offers = [r["job_offers"] for r in rows]
    assert offers == sorted(offers, reverse=True)
    assert caption.startswith("Bretagne, T1 2023")
    assert columns[0]["field"] == "rank"


def test_csv_download_matches_the_api_csv(service: Service, catalog: Catalog, sqlite_url) -> None:
    state = ViewState(catalog.months[-1], "tension", region="84", family="INFRA")
    content, filename = views.csv_download(service, state)
    assert filename == f"genscan-{state.month}-84-INFRA.csv"
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 12
    assert {(r["month"], r["region"], r["family"]) for r in rows} == {(state.month, "84", "INFRA")}
    app = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False))
    client: FlaskClient = app.server.test_client()
    api = client.get(
        f"/api/v1/indicators?month={state.month}&level=department&region=84&family=INFRA&format=csv"
    ).get_data(as_text=True)
    assert api == content


def test_methodology_states_reference_month_and_i0(service: Service) -> None:
    blocks = views.render_methodology(service, "en")
    text = " ".join(str(getattr(b, "children", "")) for b in blocks)
    assert "October 2022" in text
    reference = service.status().reference
    assert f"{reference.i0:.4f}" in text
    assert "imported monthly files" in text


def test_selection_summary_names_month_territory_and_job(service: Service, catalog) -> None:
    state = ViewState("2022-11", department="2A", poste="data-analyst", lang="fr")
    assert views.selection_summary(service, state) == (
        "Sélection : novembre 2022 · Corse-du-Sud · Data analyst"
    )

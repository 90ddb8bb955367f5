"""Figure builders: what the map and charts carry, independently of any browser."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dashboard.figures import (
    MapView,
    build_breakdown_figure,
    build_map_figure,
    build_trend_figure,
)
from dashboard.service import Service
from dashboard.state import ViewState
from dashboard.transforms import map_geometry, with_regions
from dashboard.views import map_rows
from geodata import load_departements_geojson, load_insets


@pytest.fixture(scope="module")
def geometry():
    return map_geometry(load_departements_geojson(), load_insets(), "/geodata/d.geojson")


@pytest.fixture
def rows(service: Service, catalog) -> pd.DataFrame:
    state = ViewState(catalog.months[0], family="DATA")
    return with_regions(map_rows(service, state), catalog)


def test_tension_map_separates_undefined_statuses_into_legend_entries(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("tension", "fr"))
    choropleths = [tr for tr in figure.data if tr.type == "choropleth"]
    main, *statuses = choropleths
    ok_count = int((rows["tension_status"] == "ok").sum())
    zoom_ok = int(
        rows.loc[rows["code"].isin(["75", "92", "93", "94"]), "tension_status"].eq("ok").sum()
    )
    assert len(main.locations) == ok_count + zoom_ok
    assert main.zmid == 0
    assert main.zmin == -main.zmax
    assert all(np.isfinite(main.z))
    names = {tr.name for tr in statuses}
    for status, label in (("no_trainings", "Aucune formation (indice +∞)"),):
        if (rows["tension_status"] == status).any():
            assert label in names
    assert all(tr.showlegend for tr in statuses)
    drawn = sum(len(tr.locations) for tr in choropleths)
    assert drawn == 105  # 101 départements + 4 Paris-zoom copies


def test_map_references_geometry_by_url_and_stays_small(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("job_offers", "fr"))
    payload = json.dumps(figure.to_plotly_json(), default=str)
    assert all(tr.geojson == "/geodata/d.geojson" for tr in figure.data if tr.type == "choropleth")
    assert len(payload) < 60_000
    assert "coordinates" not in payload


def test_region_focus_fades_others_and_zooms(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("trainings", "fr", region="53"))
    main = figure.data[0]
    locations = list(main.locations)
    opacity = dict(zip(locations, main.marker.opacity, strict=True))
    assert opacity["35"] == 1.0
    assert opacity["69"] < 1.0
    lon = figure.layout.geo.lonaxis.range
    assert lon[0] > -6
    assert lon[1] < 0
    assert figure.layout.uirevision == "map-53"


def test_selected_department_gets_a_thick_border(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("job_offers", "fr", department="2A"))
    main = figure.data[0]
    widths = dict(zip(main.locations, main.marker.line.width, strict=True))
    assert widths["2A"] == 3.0
    assert widths["2B"] < 3.0


def test_hover_text_is_french_formatted(rows, geometry) -> None:
    figure = build_map_figure(rows, geometry, MapView("job_offers", "fr"))
    assert "Offres :" in figure.data[0].hovertemplate
    english = build_map_figure(rows, geometry, MapView("job_offers", "en"))
    assert "Offers:" in english.data[0].hovertemplate


def test_trend_adds_national_comparison_and_reference_line() -> None:
    months = ["2023-01", "2023-02", "2023-03"]
    local = pd.DataFrame(
        {
            "month": months,
            "job_offers": [10, 12, 14],
            "trainings": [5, 0, 7],
            "tension_index": [0.5, np.nan, 0.6],
            "tension_status": ["ok", "no_trainings", "ok"],
        }
    )
    figure = build_trend_figure(local, "Bretagne", "fr", national=local)
    names = [tr.name for tr in figure.data]
    assert "Offres d'emploi – Bretagne" in names
    assert "Offres d'emploi – France" in names
    index = next(tr for tr in figure.data if tr.name == "Indice de tension – Bretagne")
    assert index.y[1] is None
    assert any(shape.y0 == 1 for shape in figure.layout.shapes)
    assert figure.layout.uirevision == "trend"


def test_breakdown_sorts_by_offers_and_highlights_choice() -> None:
    rows = pd.DataFrame(
        {
            "code": ["a", "b", "c"],
            "label": ["A", "B", "C"],
            "job_offers": [5, 50, 20],
            "trainings": [1, 2, 3],
            "tension_index": [0.1, 0.2, 0.3],
            "tension_status": ["ok"] * 3,
        }
    )
    figure = build_breakdown_figure(rows, "fr", highlight="c")
    assert list(figure.data[0].y) == ["A", "<b>C</b>", "B"]
    assert list(figure.data[0].x) == [5, 20, 50]
